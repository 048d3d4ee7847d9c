"""Two stores' complaints with everything hanging off them, and the people who knock."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import make_user
from tests.security.doors import Side, build_side


@pytest.fixture
def staff_b(org: dict[str, Any]) -> Any:
    """Agent of store B who also has the admin's door (is_staff): the admin must not show them
    store A's complaints either."""
    user = make_user("staff_b", org["store_b"], "agent")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def superuser(db: Any) -> Any:
    """Sees every complaint; still may open a task only through its own process and step."""
    return get_user_model().objects.create_superuser("root", "root@example.com", "x")


@pytest.fixture
def world(
    org: dict[str, Any], agent: Any, agent_b: Any, regional_lead: Any, outsider: Any, staff_b: Any, superuser: Any
) -> dict[str, Any]:
    """Store A's complaint (the one others probe for) and store B's (the one agent_b may see)."""
    a = build_side(org, agent, org["store_a"], "Alpha Qian", "13700000001", org["quality"])
    b = build_side(org, agent_b, org["store_b"], "Bravo Sun", "13800000002", org["quality"])
    users = {
        "agent": agent,
        "agent_b": agent_b,
        "regional_lead": regional_lead,
        "outsider": outsider,
        "staff_b": staff_b,
        "superuser": superuser,
    }
    return {"a": a, "b": b, "users": users}


def client_as(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def refused(response: Any, url: str) -> bool:
    """403/404, 405 for a verb the door does not take, or a redirect to a login page (or the admin's
    redirect of an object's address to its change page, which is then refused in turn)."""
    if response.status_code in (403, 404, 405):
        return True
    location = response.get("Location", "")
    # The admin sends a page about an object it does not show back to its index.
    return response.status_code == 302 and ("login" in location or location in (url + "change/", "/admin/"))


def leaked(response: Any, side: Side) -> list[str]:
    body = response.content.decode(errors="replace")
    return [secret for secret in side.secrets() if secret and secret in body]
