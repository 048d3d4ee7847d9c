"""The dashboard's store manager, shared by its page, search and export tests (its week and its
superuser, `week` and `boss`, are tests/conftest.py's)."""

from typing import Any

import pytest

from complaints.models import KpiSettings, Role
from tests.complaints import kpi_fixture
from tests.conftest import make_user


@pytest.fixture
def store_b_manager(org: dict[str, Any]) -> Any:
    """Store manager of store B, a role the admin allows on the dashboard: sees store B's alone."""
    kpi_fixture.ensure_settings()
    KpiSettings.objects.get().dashboard_roles.add(Role.objects.get(code="store_manager"))
    return make_user("manager_b", org["store_b"], "store_manager")
