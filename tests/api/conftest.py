"""API personas: a token for each conftest persona, and a client that sends it."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from flows.driver import start_complaint
from tests.conftest import intake_data


def token_for(user: Any, **fields: Any) -> str:
    token = ApiToken(name=f"{user.username} integration", owner=user, **fields)
    raw = token.set_token()
    token.save()
    return raw


def client_for(user: Any, **fields: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, **fields)}")
    return client


@pytest.fixture
def api_agent(agent: Any) -> APIClient:
    """The store-A agent's integration: registers in store A, sees store-A complaints only."""
    return client_for(agent)


@pytest.fixture
def complaint_a(org: dict[str, Any], agent: Any) -> Any:
    """A complaint registered at store A through the staff intake (first response in the agent's inbox)."""
    return start_complaint(user=agent, data=intake_data(org))


def sample(**overrides: Any) -> dict[str, Any]:
    """The sample JSON route_preview reads (docs/route-preview.md), as a CRM would send it."""
    data = {
        "customer_name": "陈先生",
        "customer_phone": "13800138001",
        "description": "The fridge door arrived scratched.",
        "channel": "phone",
        "category": "appliance",
    }
    data.update(overrides)
    return data
