"""Privacy, the rest of issue 26: notifications ask the policy once for all recipients; the admin's
inlines and lists mask what the reader may not see in full; lists and searches that show details in
full are logged, one row per page view; the collaboration question is masked; the export command
follows the export permission; a legal hold is an event of the timeline."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint, NotificationTemplate
from complaints.services.notify import notify_event
from tests.complaints.test_privacy__matrix import MASKED_NAME, NAME, PHONE, WORDS, case, tech_contact  # noqa: F401
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _notify_to(case: Complaint, people: list[Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        notify_event(event="mention", complaint=case, occasion=f"n{len(people)}", recipients=people)
    return len(queries)


def test_a_notification_asks_the_privacy_policy_in_a_fixed_number_of_queries_whatever_the_recipients(
    case, org, agent, quality_engineer
):
    NotificationTemplate.objects.update_or_create(
        event="mention", language="en", defaults={"subject": "{reference}", "body": "Customer: {customer_name}"}
    )
    few = [agent, quality_engineer]
    many = few + [make_user(f"qe_{i}", org["quality"], "quality_engineer") for i in range(8)]
    many += [make_user(f"lead_{i}", org["east"], "regional_lead") for i in range(4)]
    case = Complaint.objects.select_related("level", "priority", "department", "owner").get(pk=case.pk)
    assert _notify_to(case, many) == _notify_to(case, few)
    bodies = {row.recipient.username: row.body for row in case.notifications.select_related("recipient")}
    assert bodies["agent_a"] == bodies["lead_3"] == f"Customer: {NAME}"
    assert bodies["qe_7"] == bodies["quality_1"] == f"Customer: {MASKED_NAME}"
