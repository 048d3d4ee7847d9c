"""Issue 7 acceptance: the root-cause analysis and corrective actions through the real forms, the
gate before customer confirmation, another department's action task, and the 8D report."""

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.choices import ActionStatus, CauseVerdict, EventKind, Outcome, Stage
from complaints.models import ActionTask, ActionVerification, Cause, CorrectiveAction, Department, RootCauseAnalysis
from complaints.services.stages import ActionsNotVerified, complaint_record_confirmation
from flows.flows import ActionFlow
from tests.conftest import FLOW, make_user, open_task, task_url
from tests.flows.test_flows__journey import as_user, do, first_response, register, verify
from tests.quality_steps import FIVE_W_TWO_H, action_data, cause_data, client_of, post_page


@pytest.fixture
def technical(org: dict[str, Any]) -> Department:
    return Department.objects.get(code="technical")  # the preset ships it


@pytest.fixture
def tech_contact(technical: Department) -> Any:
    """Technical's department contact: works the actions assigned to Technical, nothing else."""
    return make_user("tech_1", technical, "department_contact")


def analysed(agent: Any, quality: Any, org: dict[str, Any]) -> Any:
    c = register(agent, org)
    first_response(agent, c)
    verify(quality, c)
    do(agent, c, FLOW.containment, {"description": "Door replaced at home.", "cost": "120"})
    return c


def refused_step(user: Any, c: Any, node: Any, data: dict[str, Any], message: str) -> None:
    """The step's page answers with the message; the task stays open and nothing moves."""
    client = as_user(user)
    task = open_task(c, node)
    if task.status == STATUS.NEW:
        client.post(task_url(task, "assign"))
    response = client.post(task_url(task, "execute"), data)
    assert response.status_code == 200 and message in response.content.decode()
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED


def report_done_by_department(user: Any, action: CorrectiveAction, evidence: str) -> None:
    task = Task.objects.get(process__actiontask__action=action, flow_task=ActionFlow.report, finished__isnull=True)
    client = as_user(user)
    assert client.post(task_url(task, "assign")).status_code == 302
    assert client.post(task_url(task, "execute"), {"evidence": evidence}).status_code == 302


def test_analysis_actions_and_verification_through_the_forms_open_customer_confirmation(
    org, agent, quality_engineer, technical, tech_contact
):
    c = analysed(agent, quality_engineer, org)

    # The analysis step refuses until the 5W2H and a confirmed cause are recorded.
    refused_step(quality_engineer, c, FLOW.root_cause, {"description": "x"}, "Describe the problem in 5W2H")
    task_page = as_user(quality_engineer).get(task_url(open_task(c, FLOW.root_cause), "execute")).content.decode()
    assert 'rd-checklist--open">○ At least one cause confirmed on the fishbone' in task_page

    post_page(quality_engineer, c, "problem/", FIVE_W_TWO_H)
    evidence = SimpleUploadedFile("packing.png", png(), content_type="image/png")
    post_page(
        quality_engineer,
        c,
        "causes/add/",
        cause_data("method", "No corner guards in the packing SOP.", why_1="Door hit the frame", attachments=evidence),
    )
    post_page(quality_engineer, c, "causes/add/", cause_data("man", "Crew B untrained on lifting straps."))
    post_page(
        quality_engineer, c, "causes/add/", cause_data("machine", "Lift gate worn.", verdict=CauseVerdict.RULED_OUT)
    )
    post_page(
        quality_engineer,
        c,
        "responsibility/",
        {
            "department_1": str(org["quality"].pk),
            "share_1": "70",
            "party_1": "",
            "party_2": "Carrier X",
            "share_2": "30",
        },
    )
    analysis = RootCauseAnalysis.objects.get(complaint=c)
    assert analysis.what == FIVE_W_TWO_H["what"] and analysis.responsible_department == org["quality"]
    confirmed = list(analysis.causes.filter(verdict=CauseVerdict.CONFIRMED).order_by("pk"))
    assert [x.category.code for x in confirmed] == ["method", "man"]
    assert confirmed[0].whys == ["Door hit the frame"] and confirmed[0].files.count() == 1

    do(quality_engineer, c, FLOW.root_cause, {"description": "Packing and handling let the door hit the frame."})
    c.refresh_from_db()
    assert c.stage == Stage.PERMANENT_ACTIONS and c.root_cause.cause_category == "method"

    # Temporary and permanent actions, one for another department (a task in its queue).
    post_page(quality_engineer, c, "actions/add/", action_data("temporary", "Loaner fridge for a week.", []))
    post_page(quality_engineer, c, "actions/add/", action_data("permanent", "Corner guards in the SOP.", confirmed[:1]))
    post_page(
        quality_engineer,
        c,
        "actions/add/",
        action_data(
            "permanent", "Train crews on straps.", confirmed[1:], department=str(technical.pk), due_date="2030-01-31"
        ),
    )
    sop, training = CorrectiveAction.objects.filter(complaint=c, kind="permanent").order_by("pk")
    assert sop.status == ActionStatus.PLANNED and list(training.causes.all()) == confirmed[1:]
    queued = Task.objects.get(process__actiontask__action=training, finished__isnull=True)
    assert queued.owner_permission == "complaints.queue__technical__department_contact"
    queue_page = client_of(tech_contact).get("/workflow/queue/").content.decode()
    assert "2030-01-31" in queue_page  # the due date shows in the department's queue

    refused_step(quality_engineer, c, FLOW.permanent_actions, {"note": ""}, "must be done before")
    post_page(
        quality_engineer,
        c,
        f"actions/{sop.pk}/progress/",
        {"status": "done", "evidence": "SOP v3.", "seen_status": "planned"},
    )
    report_done_by_department(tech_contact, training, "Crews trained on 21 Nov.")
    training.refresh_from_db()
    assert training.status == ActionStatus.DONE and training.evidence == "Crews trained on 21 Nov."
    do(quality_engineer, c, FLOW.permanent_actions, {"note": ""})

    # Effectiveness: one not effective (reopened with the reason) loops back to permanent actions.
    refused_step(quality_engineer, c, FLOW.effectiveness, {"note": ""}, "Verify every permanent action")
    post_page(quality_engineer, c, f"actions/{sop.pk}/verify/", {"effective": "yes", "evidence": "30 deliveries fine."})
    post_page(
        quality_engineer,
        c,
        f"actions/{training.pk}/verify/",
        {"effective": "no", "evidence": "Two new dents.", "reason": "Straps still used wrongly."},
    )
    training.refresh_from_db()
    assert training.status == ActionStatus.NOT_EFFECTIVE and training.reopened_reason == "Straps still used wrongly."
    assert ActionTask.objects.filter(action=training).count() == 2  # Technical has the action again
    do(quality_engineer, c, FLOW.effectiveness, {"note": ""})
    c.refresh_from_db()
    assert c.stage == Stage.PERMANENT_ACTIONS
    assert not Task.objects.filter(process_id=c.pk, flow_task=FLOW.customer_confirmation).exists()

    report_done_by_department(tech_contact, training, "Retrained with a checklist.")
    do(quality_engineer, c, FLOW.permanent_actions, {"note": ""})
    post_page(quality_engineer, c, f"actions/{training.pk}/verify/", {"effective": "yes", "evidence": "No dents."})
    do(quality_engineer, c, FLOW.effectiveness, {"note": "All effective."})
    c.refresh_from_db()
    assert c.stage == Stage.CUSTOMER_CONFIRMATION
    assert ActionVerification.objects.filter(action__complaint=c).count() == 3

    do(agent, c, FLOW.customer_confirmation, {"outcome": "confirmed", "channel": "phone", "note": "Happy."})
    c.refresh_from_db()
    assert c.stage == Stage.CLOSED and c.outcome == Outcome.RESOLVED
    kinds = set(c.events.values_list("kind", flat=True))
    assert {
        EventKind.PROBLEM_DESCRIBED,
        EventKind.CAUSE_RECORDED,
        EventKind.RESPONSIBILITY,
        EventKind.ROOT_CAUSE,
        EventKind.ACTION_RECORDED,
        EventKind.ACTION_UPDATED,
        EventKind.ACTION_VERIFIED,
        EventKind.EFFECTIVENESS,
    } <= kinds

    # The 8D report: page and PDF, in both languages, with the root causes, actions and fishbone.
    page = client_of(quality_engineer).get(f"/workflow/flows/complaint/{c.pk}/8d/?lang=en").content.decode()
    assert "D4" in page and "No corner guards in the packing SOP." in page and "<svg" in page
    response = client_of(quality_engineer).get(f"/workflow/flows/complaint/{c.pk}/8d.pdf?lang=en")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "No corner guards in the packing SOP.",
        "Crew B untrained on lifting straps.",
        "Corner guards in the SOP.",
        "Train crews on straps.",
        "Loaner fridge for a week.",
        "Lift gate worn.",  # ruled out: printed only on the fishbone, so the drawing is in the PDF
        "D8",
    ):
        assert expected in text, expected
    chinese = pdf_text(client_of(quality_engineer).get(f"/workflow/flows/complaint/{c.pk}/8d.pdf?lang=zh-hans").content)
    assert "根本原因" in chinese and "No corner guards in the packing SOP." in chinese


def pdf_text(content: bytes) -> str:
    """The PDF's text, with line breaks made spaces (wrapped lines join again)."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages).replace("- ", "-")


def test_an_action_with_a_named_owner_in_the_department_lands_in_their_inbox(
    org, agent, quality_engineer, technical, tech_contact
):
    c = analysed(agent, quality_engineer, org)
    post_page(quality_engineer, c, "problem/", FIVE_W_TWO_H)
    post_page(quality_engineer, c, "causes/add/", cause_data("method", "No guards."))
    data = action_data("permanent", "Guard design.", list(Cause.objects.all()), department=str(technical.pk))
    post_page(quality_engineer, c, "actions/add/", {**data, "owner": str(tech_contact.pk), "due_date": "2030-02-01"})
    task = Task.objects.get(process__actiontask__case=c, flow_task=ActionFlow.report)
    assert task.owner == tech_contact and task.status == STATUS.ASSIGNED
    inbox = client_of(tech_contact).get("/workflow/inbox/").content.decode()
    assert "2030-02-01" in inbox and c.reference in inbox
    # an owner outside the department's queue does not take it: it waits in the queue
    data = action_data("permanent", "Second design change.", list(Cause.objects.all()), department=str(technical.pk))
    post_page(quality_engineer, c, "actions/add/", {**data, "owner": str(agent.pk)})
    second = Task.objects.get(
        process__actiontask__action__description="Second design change.", flow_task=ActionFlow.report
    )
    assert second.owner is None and second.status == STATUS.NEW


def test_customer_cannot_confirm_while_a_permanent_action_is_open(org, agent, quality_engineer):
    """The service refuses even when the flow is bypassed (a profile without effectiveness)."""
    c = analysed(agent, quality_engineer, org)
    post_page(quality_engineer, c, "problem/", FIVE_W_TWO_H)
    post_page(quality_engineer, c, "causes/add/", cause_data("method", "No guards."))
    post_page(quality_engineer, c, "actions/add/", action_data("permanent", "SOP.", list(Cause.objects.all())))
    with pytest.raises(ActionsNotVerified):
        complaint_record_confirmation(complaint=c, actor=agent, outcome="confirmed", note="")
    c.refresh_from_db()
    assert c.outcome == Outcome.OPEN


def test_fishbone_svg_on_the_page_holds_every_cause_escaped_and_marks_root_causes(org, agent, quality_engineer):
    c = analysed(agent, quality_engineer, org)
    texts = [
        ("method", "Guards <missing> & SOP silent", CauseVerdict.CONFIRMED),
        ("man", "搬运工未按规范使用绑带，导致冰箱门与门框碰撞", CauseVerdict.OPEN),
        (
            "material",
            "Carton too thin for a 90 kg fridge on long routes with several transfers",
            CauseVerdict.RULED_OUT,
        ),
        ("environment", "Rain", CauseVerdict.OPEN),
    ]
    for category, text, verdict in texts:
        post_page(quality_engineer, c, "causes/add/", cause_data(category, text, verdict=verdict))
    page = client_of(quality_engineer).get(f"/workflow/flows/complaint/{c.pk}/").content.decode()
    svg = page[page.index('<svg class="rd-fishbone"') : page.index("</svg>")]
    assert "Guards &lt;missing&gt; &amp; SOP silent" in svg and "<missing>" not in svg
    for _category, text, _verdict in texts[1:]:
        assert f"<title>{text}" in svg
    root = Cause.objects.get(text__startswith="Guards")
    assert f'rd-fishbone__cause--root" data-cause="{root.pk}"' in svg
    assert svg.count("rd-fishbone__cause--root") == 1
    for code in ("man", "machine", "material", "method", "environment", "measurement"):
        assert f'data-category="{code}"' in svg


def png() -> bytes:
    """A small real image: the evidence file of a cause."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()
