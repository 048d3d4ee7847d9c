"""The admin home groups the models in setup order and lists what the configuration still lacks."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from complaints.models import Membership, RoutingRule
from complaints.selectors.setup import setup_checklist

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, django_user_model: Any) -> Client:
    user = django_user_model.objects.create_superuser(username="root", password="x", email="r@example.com")
    client.force_login(user)
    return client


def test_home_lists_the_groups_in_setup_order(admin_client: Client, org: Any) -> None:
    response = admin_client.get(reverse("admin:index"))
    names = [app["name"] for app in response.context["app_list"]]
    with translation.override("en"):  # the names are lazy: read them in English
        setup = [str(n) for n in names[:8]]
    assert setup == [
        "1. Organisation",
        "2. Escalation ladder",
        "3. Routing",
        "4. Forms and steps",
        "5. Notifications",
        "6. Quality and KPIs",
        "7. Customer portal and privacy",
        "Operations and logs",
    ]
    first = [m["object_name"] for m in response.context["app_list"][0]["models"]]
    assert first[:2] == ["Department", "Role"]
    operations = [m["object_name"] for m in response.context["app_list"][7]["models"]]
    assert "Complaint" in operations and "Department" not in operations


def test_checklist_names_what_is_missing(admin_client: Client, org: Any, django_assert_max_num_queries: Any) -> None:
    RoutingRule.objects.filter(is_default=True).delete()
    Membership.objects.all().delete()
    missing = {step.label for step in setup_checklist() if not step.done}
    assert "Default routing rule" in missing or "默认分派规则" in missing
    with django_assert_max_num_queries(60):
        response = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert 'id="setup-checklist"' in page
    assert reverse("admin:complaints_routingrule_changelist") in page
    assert "Nobody holds these roles" in page or "没有人担任这些角色" in page


def test_staff_without_the_configuration_permission_see_no_checklist(
    client: Client, django_user_model: Any, org: Any
) -> None:
    staff = django_user_model.objects.create_user(username="desk", password="x", is_staff=True)
    client.force_login(staff)
    assert 'id="setup-checklist"' not in client.get(reverse("admin:index")).content.decode()
