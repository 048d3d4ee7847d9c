"""The analysis and corrective-action pages: bad input is refused with a message and stores
nothing; who may act; one of two people changing an action at once wins; constant page queries;
the fishbone categories in the configuration document."""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.choices import ActionKind, ActionStatus, CauseVerdict
from complaints.models import ActionVerification, Cause, CauseCategory, CorrectiveAction, Responsibility
from complaints.services import quality
from complaints.services.assignment import task_release
from complaints.services.config_io import config_export, config_import
from flows import driver
from tests.conftest import FLOW, FMT, intake_data, open_task
from tests.quality_steps import FIVE_W_TWO_H, PAGE, action_data, cause_data, client_of, post_page


@pytest.fixture
def complaint(org: dict[str, Any], agent: Any, quality_engineer: Any) -> Any:
    """A verified complaint: containment and root-cause analysis are open (quality holds a task of
    it, so quality sees it)."""
    c = driver.start_complaint(user=agent, data=intake_data(org))
    later = (timezone.localtime() + timedelta(hours=2)).strftime(FMT)
    first = {"channel": "phone", "summary": "Hi", "promise": "Call", "promised_by": later}
    driver.complete_step(complaint=c, node=FLOW.first_response, user=agent, data=first)
    driver.complete_step(complaint=c, node=FLOW.verification, user=quality_engineer, data={"outcome": "valid"})
    c.refresh_from_db()
    return c


def refused(user: Any, complaint: Any, path: str, data: dict[str, Any], message: str) -> None:
    response = post_page(user, complaint, path, data, expect=200)
    assert message in response.content.decode()


def confirmed_cause(complaint: Any, user: Any, text: str = "No guards.") -> Cause:
    return quality.cause_record(
        complaint=complaint,
        actor=user,
        category=CauseCategory.objects.get(code="method"),
        text=text,
        evidence="Records.",
        verdict=CauseVerdict.CONFIRMED,
    )


def test_shares_above_100_percent_are_refused_and_nothing_is_stored(complaint, quality_engineer, org):
    data = {"department_1": str(org["quality"].pk), "share_1": "70", "party_2": "Carrier", "share_2": "40"}
    refused(quality_engineer, complaint, "responsibility/", data, "add up to more than 100")
    refused(quality_engineer, complaint, "responsibility/", {"party_1": "Carrier"}, "Give the share")
    assert not Responsibility.objects.exists()
    assert not complaint.events.filter(kind="responsibility").exists()


def test_confirmed_cause_needs_evidence_and_whys_have_no_gaps(complaint, quality_engineer):
    refused(
        quality_engineer,
        complaint,
        "causes/add/",
        {**cause_data("method", "No guards."), "evidence": ""},
        "needs its evidence",
    )
    refused(
        quality_engineer,
        complaint,
        "causes/add/",
        cause_data("method", "No guards.", why_1="", why_2="second"),
        "without gaps",
    )
    assert not Cause.objects.exists()


def test_retired_category_takes_no_new_cause(complaint, quality_engineer):
    method = CauseCategory.objects.get(code="method")
    method.active = False
    method.save()
    refused(quality_engineer, complaint, "causes/add/", cause_data("method", "No guards."), "Select a valid choice")
    with pytest.raises(quality.QualityRefused):
        quality.cause_record(complaint=complaint, actor=quality_engineer, category=method, text="x")
    assert not Cause.objects.exists()


def test_permanent_action_needs_its_causes(complaint, quality_engineer):
    refused(
        quality_engineer, complaint, "actions/add/", action_data("permanent", "SOP.", []), "Link a permanent action"
    )
    with pytest.raises(quality.QualityRefused):
        quality.action_plan(complaint=complaint, actor=quality_engineer, kind=ActionKind.PERMANENT, description="SOP.")
    assert not CorrectiveAction.objects.exists()


def test_done_needs_evidence_and_a_verdict_needs_done_work(complaint, quality_engineer):
    cause = confirmed_cause(complaint, quality_engineer)
    action = quality.action_plan(
        complaint=complaint, actor=quality_engineer, kind=ActionKind.PERMANENT, description="SOP.", causes=[cause]
    )
    progress, verify = f"actions/{action.pk}/progress/", f"actions/{action.pk}/verify/"
    refused(quality_engineer, complaint, progress, {"status": "done", "evidence": ""}, "Give the evidence")
    refused(quality_engineer, complaint, verify, {"effective": "yes", "evidence": "Looks fine."}, "Only a done action")
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED and not ActionVerification.objects.exists()

    post_page(quality_engineer, complaint, progress, {"status": "done", "evidence": "Issued."})
    refused(quality_engineer, complaint, verify, {"effective": "no", "evidence": "Dents."}, "Say why the action")
    with pytest.raises(quality.QualityRefused):
        quality.action_verify(action=action, actor=quality_engineer, effective=False, evidence="Dents.", reason=" ")
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and not ActionVerification.objects.exists()

    post_page(quality_engineer, complaint, verify, {"effective": "yes", "evidence": "Fine."})
    action.refresh_from_db()
    assert action.status == ActionStatus.EFFECTIVE
    # effective is final
    refused(quality_engineer, complaint, progress, {"status": "in_progress", "evidence": "x"}, "cannot become")


def test_of_two_people_moving_one_action_the_second_is_told(complaint, quality_engineer, quality_engineer_2):
    # The analysis went to the engineer who verified (the preset's rule); back in the queue, both
    # engineers may work on the case's actions.
    task_release(task=open_task(complaint, FLOW.root_cause), actor=quality_engineer)
    action = quality.action_plan(
        complaint=complaint, actor=quality_engineer, kind=ActionKind.TEMPORARY, description="Loaner."
    )
    progress = f"actions/{action.pk}/progress/"
    # both opened the form while the action was planned
    post_page(quality_engineer, complaint, progress, {"status": "in_progress", "seen_status": "planned"})
    refused(
        quality_engineer_2,
        complaint,
        progress,
        {"status": "done", "evidence": "Given.", "seen_status": "planned"},
        "changed this action meanwhile",
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS


def test_who_may_open_the_analysis_pages(complaint, agent, agent_b, quality_engineer, outsider):
    cause = confirmed_cause(complaint, quality_engineer)
    action = quality.action_plan(
        complaint=complaint, actor=quality_engineer, kind=ActionKind.PERMANENT, description="SOP.", causes=[cause]
    )
    for path in ("problem/", "causes/add/", f"causes/{cause.pk}/", "actions/add/", f"actions/{action.pk}/verify/"):
        assert client_of(agent_b).get(PAGE.format(pk=complaint.pk, path=path)).status_code == 404
        # no membership at all: viewflow refuses the whole flow (403)
        assert client_of(outsider).get(PAGE.format(pk=complaint.pk, path=path)).status_code in {403, 404}
    assert client_of(agent).get(PAGE.format(pk=complaint.pk, path="problem/")).status_code == 200  # a handler
    # verification is quality's: the agent handling the case may not judge effectiveness
    assert client_of(agent).get(PAGE.format(pk=complaint.pk, path=f"actions/{action.pk}/verify/")).status_code == 404
    assert (
        client_of(quality_engineer).get(PAGE.format(pk=complaint.pk, path=f"actions/{action.pk}/verify/")).status_code
        == 200
    )
    assert client_of(agent_b).get(PAGE.format(pk=complaint.pk, path="8d.pdf")).status_code == 404


def test_5w2h_unchanged_writes_no_event(complaint, quality_engineer):
    post_page(quality_engineer, complaint, "problem/", FIVE_W_TWO_H)
    post_page(quality_engineer, complaint, "problem/", FIVE_W_TWO_H)
    assert complaint.events.filter(kind="problem_described").count() == 1


def fill(complaint: Any, user: Any, count: int) -> None:
    categories = list(CauseCategory.objects.all())
    for i in range(count):
        cause = quality.cause_record(
            complaint=complaint,
            actor=user,
            category=categories[i % len(categories)],
            text=f"cause {i}",
            evidence="e",
            verdict=CauseVerdict.CONFIRMED if i % 2 else CauseVerdict.OPEN,
            whys=["a", "b"],
        )
        action = quality.action_plan(
            complaint=complaint,
            actor=user,
            kind=ActionKind.PERMANENT,
            description=f"action {i}",
            causes=[cause],
            cost=Decimal(10),
        )
        quality.action_move(action=action, actor=user, status=ActionStatus.DONE, evidence="done")
        quality.action_verify(action=action, actor=user, effective=bool(i % 2), evidence="v", reason="r")


def page_queries(user: Any, url: str) -> int:
    client = client_of(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["", "8d/"])
def test_complaint_page_and_8d_cost_the_same_for_2_and_14_causes_and_actions(complaint, quality_engineer, path):
    url = PAGE.format(pk=complaint.pk, path=path)
    fill(complaint, quality_engineer, 2)
    page_queries(quality_engineer, url)  # warm: the process's configuration copy
    few = page_queries(quality_engineer, url)
    fill(complaint, quality_engineer, 12)
    many = page_queries(quality_engineer, url)
    assert many == few, (few, many)
    # 63: the custom steps the case ran (one), the customer card's appeal and the portal settings
    # that say whether one may be made (two) joined the page (issues 24, 21).
    assert few <= 63


def test_cause_categories_travel_with_the_configuration(org, complaint, quality_engineer):
    document = config_export()
    assert [c["code"] for c in document["cause_categories"]] == [
        "man",
        "machine",
        "material",
        "method",
        "environment",
        "measurement",
    ]
    confirmed_cause(complaint, quality_engineer)  # a cause on "method"
    document["cause_categories"] = [
        {**c, "name_en": "People"} if c["code"] == "man" else c
        for c in document["cause_categories"]
        if c["code"] not in {"method", "measurement"}
    ] + [{"code": "software", "name_zh": "软件", "name_en": "Software", "order": 70, "active": True}]
    config_import(document=json.loads(json.dumps(document)))
    assert CauseCategory.objects.get(code="man").name_en == "People"
    assert not CauseCategory.objects.get(code="method").active  # holds a cause: retired, not deleted
    assert not CauseCategory.objects.filter(code="measurement").exists()
    assert CauseCategory.objects.get(code="software").label == "Software"
