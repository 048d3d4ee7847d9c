"""The dashboard's people and week, shared by its page, search and export tests."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from complaints.models import KpiSettings, Role
from tests.complaints import kpi_fixture
from tests.conftest import make_user


@pytest.fixture
def week(org: dict[str, Any]) -> dict[str, Any]:
    """The KPI fixture's week of complaints (tests.complaints.kpi_fixture)."""
    return kpi_fixture.build(org)


@pytest.fixture
def boss(org: dict[str, Any]) -> Any:
    """HQ director (superuser): sees every complaint and figure of the organisation."""
    return get_user_model().objects.create_superuser("boss", password="x")


@pytest.fixture
def store_b_manager(org: dict[str, Any]) -> Any:
    """Store manager of store B, a role the admin allows on the dashboard: sees store B's alone."""
    kpi_fixture.ensure_settings()
    KpiSettings.objects.get().dashboard_roles.add(Role.objects.get(code="store_manager"))
    return make_user("manager_b", org["store_b"], "store_manager")
