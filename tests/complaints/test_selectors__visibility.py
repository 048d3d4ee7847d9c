"""complaint_is_visible_to answers from the complaint's row and the user's memberships where it can
and asks the tasks only for the rest: its answer must be complaints_visible_to's, for every kind of
person (member, region above, queue holder outside the department, side-process contact, outsider,
superuser), and a request's user reads their memberships once."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint, Department
from complaints.selectors.common import complaint_is_visible_to, complaints_visible_to, user_department_ids
from complaints.services.collaboration import collaboration_request
from tests.conftest import make_user
from tests.flows.test_flows__journey import first_response, register

pytestmark = pytest.mark.django_db


def fresh(user: Any) -> Any:
    """A new user object, as each request has (nothing read for an earlier one is kept)."""
    return get_user_model().objects.get(pk=user.pk)


def test_the_quick_answer_is_the_full_query(
    org: dict[str, Any], agent: Any, agent_b: Any, regional_lead: Any, quality_engineer: Any, outsider: Any
) -> None:
    queued = register(agent, org)
    first_response(agent, queued)  # verification now waits in the quality queue, outside store A
    asked = register(agent, org)
    technical = Department.objects.get(code="technical")
    contact = make_user("tech_contact", technical, "department_contact")
    collaboration_request(complaint=asked, actor=agent, department=technical, question="Is this a known fault?")
    other = register(make_user("agent_b2", org["store_b"], "agent"), org, department=str(org["store_b"].pk))
    boss = get_user_model().objects.create_superuser("boss", password="x")

    people = [agent, agent_b, regional_lead, quality_engineer, outsider, contact, boss]
    complaints = [queued, asked, other]
    answers = {}
    for person in people:
        for complaint in complaints:
            full = complaints_visible_to(fresh(person)).filter(pk=complaint.pk).exists()
            quick = complaint_is_visible_to(complaint_id=complaint.pk, user=fresh(person))
            assert quick == full, (person.username, complaint.reference)
            answers[person.username, complaint.pk] = quick
    # The cases the quick path must not decide alone are there: a queue outside the department, a
    # side process's contact, and people who see nothing.
    assert answers["quality_1", queued.pk] and not answers["quality_1", other.pk]
    assert answers["tech_contact", asked.pk] and not answers["tech_contact", queued.pk]
    assert answers["lead_east", other.pk] and not answers["agent_b", queued.pk]
    assert not any(answers["outsider", c.pk] for c in complaints)
    assert all(answers["boss", c.pk] for c in complaints)
    assert complaint_is_visible_to(complaint_id=0, user=fresh(agent)) is False
    assert Complaint.objects.count() == 3


def test_memberships_are_read_once_per_user_object(org: dict[str, Any], agent: Any) -> None:
    complaint = register(agent, org)
    user = fresh(agent)
    with CaptureQueriesContext(connection) as first:
        assert complaint_is_visible_to(complaint_id=complaint.pk, user=user)
        assert user.has_perm("complaints.view_complaint")
    with CaptureQueriesContext(connection) as again:
        assert complaint_is_visible_to(complaint_id=complaint.pk, user=user)
        assert user.has_perm("complaints.view_complaint")
        assert user_department_ids(user) == {org["store_a"].pk}
    membership_reads = [q for q in first.captured_queries if "complaints_membership" in q["sql"]]
    assert len(membership_reads) == 1
    assert not [q for q in again.captured_queries if "complaints_membership" in q["sql"]]
    # One query for the complaint's own row; the memberships and permissions are the object's.
    assert len(again.captured_queries) == 1
