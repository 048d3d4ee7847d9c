"""The demo organisation is complete under either preset: every level, notify list and
collaboration chain step reaches someone, and the technical department has its head."""

from typing import Any

import pytest
from django.core.management import call_command

from complaints.models import Department
from complaints.selectors.staffing import staffing_gaps

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("preset", ["three_tier", "four_tier"])
def test_seed_demo_builds_an_organisation_where_everything_reaches_someone(preset: str, settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    call_command("seed_demo", "--force", "--preset", preset, verbosity=0)
    assert Department.objects.get(code="technical").head is not None
    assert staffing_gaps() == []


def test_the_admin_home_warns_about_a_level_nobody_staffs(admin_client: Any) -> None:
    from complaints.services.config_io import config_import, preset_document

    config_import(document=preset_document("four_tier"))  # levels and notify lists, no people
    page = admin_client.get("/admin/").content.decode()
    assert "Reaches nobody" in page and "nobody holds the role" in page
