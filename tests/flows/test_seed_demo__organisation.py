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


def test_seed_demo_opens_appeals_so_a_closed_demo_complaint_can_be_appealed(client: Any, settings: Any) -> None:
    """The demo's "Not satisfied? Appeal" works out of the box: the portal settings name the
    customer-experience office, its deciding role, the window and the decision time; a re-run
    changes nothing, and keeps what an admin set."""
    from django.urls import reverse

    from complaints.models import Appeal, Complaint, PortalSettings
    from complaints.selectors.appeal import appeal_office
    from complaints.services.customer import customer_link_issue

    settings.LANGUAGE_CODE = "en"
    call_command("seed_demo", "--force", verbosity=0)
    portal = PortalSettings.objects.get()
    office = appeal_office(portal)
    assert office is not None
    assert office[0].code == "cx-office" and office[1].code == "customer_relations"
    assert portal.appeal_window_days and portal.appeal_decision_hours
    assert office[0].memberships.filter(user__username="cx_officer", role=office[1]).exists()

    PortalSettings.objects.filter(pk=portal.pk).update(appeal_window_days=45)  # an admin's choice
    call_command("seed_demo", "--force", verbosity=0)
    assert PortalSettings.objects.get().appeal_window_days == 45
    assert Department.objects.filter(code="cx-office").count() == 1

    closed = Complaint.objects.filter(closed_at__isnull=False).order_by("-closed_at").first()
    assert closed is not None
    token = customer_link_issue(complaint=closed)
    page = client.get(reverse("portal:track", args=[token]) + "?lang=en").content.decode()
    assert "Not satisfied? Appeal" in page
    answer = client.post(reverse("portal:appeal", args=[token]), {"grounds": "The fix did not last."})
    assert answer.status_code == 302
    assert Appeal.objects.get(case=closed).department.code == "cx-office"
