"""Authority in the service layer: every public writing service is called as each persona and
either refuses with the one shared `Refused` type or does the write. The views are not involved:
a service that trusted its view would let the wrong persona through here."""

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from viewflow.workflow.models import Task

from complaints import services as services_package
from complaints.choices import ActionKind, ActionStatus, BatchOpenedBy, CauseVerdict, EscalationTrigger
from complaints.models import (
    BusinessCalendar,
    CauseCategory,
    CompensationApproval,
    Complaint,
    CustomStep,
    EscalationLevel,
    FormField,
    InAppNotice,
    PendingUpload,
    PortalSettings,
    Priority,
    PrivacyPolicy,
    RegionalBound,
    RegionalValue,
    ReviewPack,
    Role,
    TriageModel,
    WorkingHours,
)
from complaints.selectors.batch import complaint_batch_key
from complaints.services import (
    appeal,
    approvals,
    assignment,
    attachments,
    batch,
    calendars,
    clocks,
    collaboration,
    customer,
    deadlines,
    decisions,
    escalation,
    exports,
    inbox,
    intake,
    intake_forms,
    learning,
    notes,
    notify,
    pending,
    privacy,
    quality,
    regional,
    reopen,
    stages,
    steps,
)
from complaints.services.errors import Refused
from flows import driver
from tests.conftest import FLOW, FMT, intake_data, make_user, open_task
from tests.portal.appeal_setup import open_appeals
from tests.quality_steps import FIVE_W_TWO_H

PERSONAS = ("agent", "agent_b", "regional_lead", "quality_engineer", "outsider", "admin")


class Rollback(Exception):
    """Undoes one call so that every persona meets the same case."""


@pytest.fixture
def admin(org: dict[str, Any]) -> Any:
    return get_user_model().objects.create_superuser(username="root", password="x", email="root@example.com")


@pytest.fixture
def case(org: dict[str, Any], agent: Any, quality_engineer: Any) -> dict[str, Any]:
    """A verified complaint of store A (containment and root cause open), with a confirmed cause,
    a temporary action in progress and a permanent action done, set up by the system."""
    c = driver.start_complaint(user=agent, data=intake_data(org))
    later = (timezone.localtime() + timedelta(hours=2)).strftime(FMT)
    first = {"channel": "phone", "summary": "Hi", "promise": "Call", "promised_by": later}
    driver.complete_step(complaint=c, node=FLOW.first_response, user=agent, data=first)
    driver.complete_step(complaint=c, node=FLOW.verification, user=quality_engineer, data={"outcome": "valid"})
    # The root-cause step goes to whoever verified (the presets' assignment rule, issue 20): put it
    # back in the queue, so the engineer meets the case as a colleague of the queue, not its handler.
    for task in Task.objects.filter(process=c, owner=quality_engineer, finished__isnull=True):
        assignment.task_release(task=task, actor=quality_engineer)
    c.refresh_from_db()
    quality.problem_describe(complaint=c, actor=None, answers=FIVE_W_TWO_H)
    method = CauseCategory.objects.get(code="method")
    cause = quality.cause_record(
        complaint=c, actor=None, category=method, text="No guards.", evidence="Seen.", verdict=CauseVerdict.CONFIRMED
    )
    temporary = quality.action_plan(complaint=c, actor=None, kind=ActionKind.TEMPORARY, description="Polish.")
    quality.action_move(action=temporary, actor=None, status=ActionStatus.IN_PROGRESS)
    permanent = quality.action_plan(
        complaint=c, actor=None, kind=ActionKind.PERMANENT, description="Guards.", area="process", causes=[cause]
    )
    quality.action_move(action=permanent, actor=None, status=ActionStatus.IN_PROGRESS)
    quality.action_move(action=permanent, actor=None, status=ActionStatus.DONE, evidence="Fitted.")
    return {"complaint": c, "org": org, "agent": agent, "temporary": temporary, "permanent": permanent}


def _future() -> Any:
    return timezone.now() + timedelta(hours=3)


def _pack() -> ReviewPack:
    from tests.complaints.kpi_fixture import ensure_settings

    ensure_settings()
    today = timezone.localdate()
    return ReviewPack.objects.create(
        kind="weekly", period="2026-W01", starts=today, ends=today, language="en", html="", pdf=b"", xlsx=b""
    )


def _decision(ctx: dict[str, Any]) -> Any:
    """A review decision owned by store A's agent, recorded by the system's administrator."""
    admin = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.create_superuser(
        "decider", password="x"
    )
    return decisions.decision_record(
        pack=_pack(), actor=admin, owner=ctx["agent"], due_date=timezone.localdate(), description="Retrain."
    )


def _approval(ctx: dict[str, Any]) -> CompensationApproval:
    approval = approvals.compensation_propose(
        complaint=ctx["complaint"], actor=ctx["agent"], amount=Decimal("100000"), purpose="Replace it."
    )
    assert approval is not None
    return approval


def _request(ctx: dict[str, Any]) -> Any:
    return collaboration.collaboration_request(
        complaint=ctx["complaint"], actor=ctx["agent"], department=ctx["org"]["quality"], question="Is it a defect?"
    )


def _register(ctx: dict[str, Any], user: Any) -> None:
    org = ctx["org"]
    data = {
        "customer_name": "Li",
        "customer_phone": "13700137000",
        "customer_words": "Broken.",
        "category": org["category"],
        "channel": "phone",
    }
    intake.complaint_register(complaint=Complaint(), data=data, department=org["store_a"], receiver=user)


def _escalated(ctx: dict[str, Any]) -> Complaint:
    escalation.complaint_escalate(
        complaint=ctx["complaint"], actor=None, reason="risk", trigger=EscalationTrigger.TRIAGE
    )
    return Complaint.objects.get(pk=ctx["complaint"].pk)


def _waiting(ctx: dict[str, Any]) -> Complaint:
    return clocks.complaint_wait_for_customer(complaint=ctx["complaint"], actor=None, reason="Photos.")


def _claimed(ctx: dict[str, Any]) -> Any:
    """The root-cause task, claimed by the quality engineer."""
    quality_engineer = get_user_model().objects.get(username="quality_1")
    return assignment.task_claim(task=open_task(ctx["complaint"], FLOW.root_cause), actor=quality_engineer)


def _mention(ctx: dict[str, Any]) -> Any:
    """A note of the agent that names the regional lead."""
    note = notes.note_add(complaint=ctx["complaint"], author=ctx["agent"], text="@lead_east please call.")
    return note.mentions.get()


def _batched(ctx: dict[str, Any]) -> Complaint:
    """The case with a batch number (so that a quality engineer may mark it)."""
    Complaint.objects.filter(pk=ctx["complaint"].pk).update(batch_number="BMS-AUTH-1")
    ctx["complaint"].refresh_from_db()
    return ctx["complaint"]


def _investigation(ctx: dict[str, Any]) -> Any:
    """An open batch investigation of the case, opened by the system, with the case's customer on
    its outreach list."""
    complaint = _batched(ctx)
    key = complaint_batch_key(complaint)
    assert key is not None
    return batch._open(key=key, how=BatchOpenedBy.THRESHOLD, actor=None, complaints=[complaint], note="")


DELIVERIES_CSV = (
    "batch_number,product_model,production_date,plate_or_vin,customer_name,phone,delivery_date\n"
    "BMS-AUTH-1,EV-S7,2026-07-01,沪B·00001,车主,13700130001,2026-07-20\n"
).encode()


def _draft(ctx: dict[str, Any]) -> Any:
    """A draft form of the category with one question, made by the system."""
    version = intake_forms.form_draft(category=ctx["org"]["category"], actor=None)
    FormField.objects.create(version=version, key="km", kind="integer", label_en="Kilometres", label_zh_hans="公里数")
    return version


def _colleague(ctx: dict[str, Any]) -> Any:
    """Another quality engineer, to take the task over."""
    return make_user("quality_auth_2", ctx["org"]["quality"], "quality_engineer")


def _portal(ctx: dict[str, Any]) -> Complaint:
    """The customer portal configured, so that a handler may send the link."""
    PortalSettings.objects.create(
        receiving_department=ctx["org"]["store_a"],
        filings_per_address=5,
        filings_per_phone=5,
        filing_window_minutes=60,
        link_valid_days=30,
    )
    return ctx["complaint"]


def _notice(ctx: dict[str, Any]) -> Any:
    """An in-app notice to the agent."""
    notify.notify_event(event="mention", complaint=ctx["complaint"], occasion="auth", recipients=[ctx["agent"]])
    return InAppNotice.objects.get(recipient=ctx["agent"])


def _reveal_policy(ctx: dict[str, Any]) -> Complaint:
    """A privacy policy that lets quality engineers reveal contact details."""
    policy = PrivacyPolicy.objects.create(reveal_minutes=30)
    policy.reveal_roles.set(Role.objects.filter(code="quality_engineer"))
    return ctx["complaint"]


def _closed(ctx: dict[str, Any]) -> Complaint:
    """The case, closed as resolved with nothing of its process open."""
    complaint = ctx["complaint"]
    Task.objects.filter(process=complaint, finished__isnull=True).update(status="CANCELED", finished=timezone.now())
    Complaint.objects.filter(pk=complaint.pk).update(stage="closed", outcome="resolved", closed_at=timezone.now())
    complaint.refresh_from_db()
    return complaint


def _appealable(ctx: dict[str, Any]) -> Complaint:
    """The case closed, with appeals going to the quality department's engineers (so that one
    persona is the office)."""
    open_appeals(
        ctx["org"], appeal_department=ctx["org"]["quality"], appeal_role=Role.objects.get(code="quality_engineer")
    )
    return _closed(ctx)


def _appeal(ctx: dict[str, Any]) -> Any:
    """An appeal of the closed case, made by its agent on the customer's behalf."""
    return appeal.appeal_open(complaint=_appealable(ctx), actor=ctx["agent"], grounds="Nobody looked at it.")


def _step_run(ctx: dict[str, Any]) -> Any:
    """A custom step of the quality engineers' queue, started for the case by the system."""
    CustomStep.objects.create(
        code="legal_auth",
        department=ctx["org"]["quality"],
        name_en="Legal review",
        name_zh_hans="法务审核",
        point="after_verification",
        role=Role.objects.get(code="quality_engineer"),
    )
    (run,) = steps.custom_steps_start(complaint=ctx["complaint"], point="after_verification", batch=99)
    return run


def _bound(ctx: dict[str, Any]) -> RegionalBound:
    """HQ lets departments vary level 2's time to resolve P1 complaints between 12 and 48 hours."""
    return RegionalBound.objects.create(
        setting="resolution_time",
        level=EscalationLevel.objects.get(rank=2),
        priority=Priority.objects.get(code="P1"),
        minimum=Decimal(12),
        maximum=Decimal(48),
    )


def _regional_value(ctx: dict[str, Any]) -> RegionalValue:
    """East's value of that number."""
    return RegionalValue.objects.create(bound=_bound(ctx), department=ctx["org"]["east"], value=Decimal(30))


def _calendar(ctx: dict[str, Any]) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(code="cn_auth", name="Mainland", time_zone="Asia/Shanghai")
    for weekday in range(5):
        WorkingHours.objects.create(calendar=calendar, weekday=weekday, start=time(9), end=time(18))
    return calendar


def _triage_model(ctx: dict[str, Any]) -> TriageModel:
    return TriageModel.objects.create(
        version=1, trained_at=timezone.now(), data_size=0, seed=1, params={}, evaluation={}, active=False
    )


def _kept(ctx: dict[str, Any]) -> list[PendingUpload]:
    """A file kept for the agent's draft."""
    rows, _left = pending.pending_keep(
        owner=ctx["agent"], draft="draft-auth", uploads=[SimpleUploadedFile("a.txt", b"photo", "text/plain")]
    )
    return rows


Call = Callable[[dict[str, Any], Any], Any]
SEE_THE_CASE = {"agent", "regional_lead", "quality_engineer", "admin"}
HANDLERS = {"agent", "admin"}  # the case owner (store A's agent) and an administrator
NOBODY_BUT_ADMIN = {"admin"}
ANALYSTS = {"agent", "quality_engineer", "admin"}
QUALITY = {"quality_engineer", "admin"}

# service → (call, the personas allowed)
TABLE: dict[str, tuple[Call, set[str]]] = {
    "stages.contact_log": (
        lambda c, u: stages.contact_log(complaint=c["complaint"], actor=u, channel="phone", summary="Called."),
        HANDLERS,
    ),
    "stages.complaint_record_first_response": (
        lambda c, u: stages.complaint_record_first_response(
            complaint=c["complaint"], actor=u, channel="phone", summary="Hi", promise="Call", promised_by=_future()
        ),
        HANDLERS,
    ),
    "stages.complaint_verify": (
        lambda c, u: stages.complaint_verify(complaint=c["complaint"], actor=u, outcome="valid"),
        HANDLERS,
    ),
    "stages.capa_record_containment": (
        lambda c, u: stages.capa_record_containment(complaint=c["complaint"], actor=u, description="Polished."),
        HANDLERS,
    ),
    "stages.complaint_record_confirmation": (
        lambda c, u: stages.complaint_record_confirmation(
            complaint=c["complaint"], actor=u, outcome="not_satisfied", note="Still scratched."
        ),
        HANDLERS,
    ),
    "stages.complaint_record_follow_up": (
        lambda c, u: stages.complaint_record_follow_up(complaint=c["complaint"], actor=u, satisfaction=4, comment=""),
        HANDLERS,
    ),
    "stages.complaint_close": (lambda c, u: stages.complaint_close(complaint=c["complaint"], actor=u), HANDLERS),
    # Review decisions: the pack's readers decide (nobody but the administrator here); the owner
    # (store A's agent) or an administrator reports one done.
    "decisions.decision_record": (
        lambda c, u: decisions.decision_record(
            pack=_pack(), actor=u, owner=c["agent"], due_date=timezone.localdate(), description="Retrain."
        ),
        NOBODY_BUT_ADMIN,
    ),
    "decisions.decision_done": (
        lambda c, u: decisions.decision_done(decision=_decision(c), actor=u, evidence="Held."),
        HANDLERS,
    ),
    "quality.problem_describe": (
        lambda c, u: quality.problem_describe(
            complaint=c["complaint"], actor=u, answers={**FIVE_W_TWO_H, "what": "Another view."}
        ),
        ANALYSTS,
    ),
    "quality.cause_record": (
        lambda c, u: quality.cause_record(
            complaint=c["complaint"], actor=u, category=CauseCategory.objects.get(code="machine"), text="Worn belt."
        ),
        ANALYSTS,
    ),
    "quality.responsibility_set": (
        lambda c, u: quality.responsibility_set(
            complaint=c["complaint"], actor=u, shares=[(c["org"]["quality"], "", Decimal("50"))]
        ),
        ANALYSTS,
    ),
    "quality.action_plan": (
        lambda c, u: quality.action_plan(
            complaint=c["complaint"], actor=u, kind=ActionKind.TEMPORARY, description="Call again."
        ),
        ANALYSTS,
    ),
    "quality.action_move": (
        lambda c, u: quality.action_move(action=c["temporary"], actor=u, status=ActionStatus.DONE, evidence="Done."),
        ANALYSTS,
    ),
    "quality.action_report_done": (
        lambda c, u: quality.action_report_done(action=c["temporary"], actor=u, evidence="Done."),
        ANALYSTS,
    ),
    "quality.action_verify": (
        lambda c, u: quality.action_verify(action=c["permanent"], actor=u, effective=True, evidence="No recurrence."),
        QUALITY,
    ),
    "quality.complaint_record_root_cause": (
        lambda c, u: quality.complaint_record_root_cause(complaint=c["complaint"], actor=u, description="No guards."),
        ANALYSTS,
    ),
    "quality.capa_permanent_complete": (
        lambda c, u: quality.capa_permanent_complete(complaint=c["complaint"], actor=u),
        ANALYSTS,
    ),
    "quality.capa_effectiveness_complete": (
        lambda c, u: (
            quality.action_verify(action=c["permanent"], actor=None, effective=True, evidence="Fine."),
            quality.capa_effectiveness_complete(complaint=c["complaint"], actor=u),
        ),
        QUALITY,
    ),
    "approvals.compensation_propose": (
        lambda c, u: approvals.compensation_propose(
            complaint=c["complaint"], actor=u, amount=Decimal("10"), purpose="Voucher."
        ),
        HANDLERS,
    ),
    "approvals.approval_decide (refuse)": (
        lambda c, u: approvals.approval_decide(approval=_approval(c), actor=u, approve=False, note="Too much."),
        {"regional_lead", "admin"},
    ),
    "escalation.complaint_escalate": (
        lambda c, u: escalation.complaint_escalate(complaint=c["complaint"], actor=u, reason="customer_asked"),
        HANDLERS,
    ),
    "escalation.complaint_send_back": (
        lambda c, u: escalation.complaint_send_back(complaint=_escalated(c), actor=u, reason="misrouted"),
        {"regional_lead", "admin"},
    ),
    "collaboration.collaboration_request": (
        lambda c, u: (
            _request(c)
            if u == c["agent"]
            else (
                collaboration.collaboration_request(
                    complaint=c["complaint"], actor=u, department=c["org"]["quality"], question="Is it a defect?"
                )
            )
        ),
        HANDLERS,
    ),
    "collaboration.collaboration_answer": (
        lambda c, u: collaboration.collaboration_answer(request=_request(c), actor=u, answer="Yes."),
        QUALITY,
    ),
    "notes.note_add": (
        lambda c, u: notes.note_add(complaint=c["complaint"], author=u, text="Customer called twice."),
        {"agent", "regional_lead", "quality_engineer", "admin"},
    ),
    "clocks.complaint_wait_for_customer": (
        lambda c, u: clocks.complaint_wait_for_customer(complaint=c["complaint"], actor=u, reason="Photos."),
        HANDLERS,
    ),
    "clocks.complaint_customer_answered": (
        lambda c, u: clocks.complaint_customer_answered(complaint=_waiting(c), actor=u),
        HANDLERS,
    ),
    "assignment.task_claim": (
        lambda c, u: assignment.task_claim(task=open_task(c["complaint"], FLOW.root_cause), actor=u),
        QUALITY,
    ),
    "assignment.task_release": (
        lambda c, u: assignment.task_release(task=_claimed(c), actor=u),
        {"quality_engineer", "admin"},
    ),
    "notes.mention_read": (
        lambda c, u: notes.mention_read(mention=_mention(c), actor=u),
        {"regional_lead"},
    ),
    "intake.complaint_register": (_register, {"agent", "admin"}),
    "batch.complaint_mark_batch": (
        lambda c, u: batch.complaint_mark_batch(complaint=_batched(c), actor=u, note="Same batch."),
        QUALITY,
    ),
    "batch.outreach_move": (
        lambda c, u: batch.outreach_move(
            contact=_investigation(c).contacts.get(), actor=u, seen_state="to_contact", new_state="contacted"
        ),
        QUALITY,
    ),
    "batch.investigation_close": (
        lambda c, u: batch.investigation_close(investigation=_investigation(c), actor=u, note="Done."),
        QUALITY,
    ),
    "batch.deliveries_import": (lambda c, u: batch.deliveries_import(data=DELIVERIES_CSV, actor=u), QUALITY),
    "intake_forms.form_draft": (
        lambda c, u: intake_forms.form_draft(category=c["org"]["category"], actor=u),
        NOBODY_BUT_ADMIN,
    ),
    "intake_forms.form_publish": (
        lambda c, u: intake_forms.form_publish(version=_draft(c), actor=u),
        NOBODY_BUT_ADMIN,
    ),
    "assignment.task_reassign": (
        lambda c, u: assignment.task_reassign(task=_claimed(c), actor=u, to_user=_colleague(c)),
        {"quality_engineer", "admin"},
    ),
    "attachments.attachment_add": (
        lambda c, u: attachments.attachment_add(
            complaint=c["complaint"], upload=SimpleUploadedFile("note.txt", b"evidence", "text/plain"), actor=u
        ),
        SEE_THE_CASE,
    ),
    "customer.customer_links_revoke": (
        lambda c, u: customer.customer_links_revoke(complaint=c["complaint"], actor=u),
        HANDLERS,
    ),
    "customer.customer_message_send": (
        lambda c, u: customer.customer_message_send(complaint=c["complaint"], actor=u, text="We are on it."),
        HANDLERS,
    ),
    "customer.customer_link_send": (
        lambda c, u: customer.customer_link_send(complaint=_portal(c), actor=u),
        HANDLERS,
    ),
    "deadlines.complaint_deadlines_recompute_for_level": (
        lambda c, u: deadlines.complaint_deadlines_recompute_for_level(level=c["complaint"].level, actor=u),
        NOBODY_BUT_ADMIN,
    ),
    "inbox.notice_mark_read": (
        lambda c, u: inbox.notice_mark_read(user=u, notice_id=_notice(c).pk),
        {"agent"},
    ),
    "privacy.complaint_legal_hold": (
        lambda c, u: privacy.complaint_legal_hold(
            complaints=Complaint.objects.filter(pk=c["complaint"].pk), actor=u, on=True, reason="Court order."
        ),
        NOBODY_BUT_ADMIN,
    ),
    "privacy.contact_reveal": (
        lambda c, u: privacy.contact_reveal(complaint=_reveal_policy(c), actor=u, reason="Call the customer."),
        {"quality_engineer"},  # the others see the details in full already, or may not see the case
    ),
    "privacy.person_export": (lambda c, u: privacy.person_export(phone="13900139999", actor=u), NOBODY_BUT_ADMIN),
    "privacy.person_erase": (lambda c, u: privacy.person_erase(phone="13900139999", actor=u), NOBODY_BUT_ADMIN),
    "reopen.complaint_reopen": (
        lambda c, u: reopen.complaint_reopen(complaint=_closed(c), actor=u, reason="Scratched again."),
        HANDLERS,
    ),
    "appeal.appeal_open": (
        lambda c, u: appeal.appeal_open(complaint=_appealable(c), actor=u, grounds="Nobody looked at it."),
        HANDLERS,
    ),
    "appeal.appeal_decide": (
        lambda c, u: appeal.appeal_decide(appeal=_appeal(c), actor=u, decision="rejected", text="Handled right."),
        QUALITY,  # the office: here the quality department's engineers
    ),
    "steps.custom_step_record": (
        lambda c, u: steps.custom_step_record(run=_step_run(c), actor=u, answers={}),
        QUALITY,  # the step's queue
    ),
    "regional.regional_value_set": (
        lambda c, u: regional.regional_value_set(
            actor=u, bound=_bound(c), department=c["org"]["east"], value=Decimal(30)
        ),
        NOBODY_BUT_ADMIN,  # a regional admin needs the admin's permission on regional values too
    ),
    "regional.regional_value_delete": (
        lambda c, u: regional.regional_value_delete(actor=u, row=_regional_value(c)),
        NOBODY_BUT_ADMIN,
    ),
    "calendars.holidays_fill": (
        lambda c, u: calendars.holidays_fill(calendar=_calendar(c), year=2026, country="CN", actor=u),
        NOBODY_BUT_ADMIN,
    ),
    "learning.triage_model_switch": (
        lambda c, u: learning.triage_model_switch(model=_triage_model(c), active=True, actor=u),
        NOBODY_BUT_ADMIN,
    ),
    "pending.pending_discard": (
        lambda c, u: pending.pending_discard(_kept(c), actor=u),
        {"agent"},  # only the files kept for oneself
    ),
    "exports.export_request": (
        lambda c, u: exports.export_request(user=u, params=QueryDict(""), fmt="csv"),
        NOBODY_BUT_ADMIN,  # the dashboard's roles (none here: superusers only), their own export
    ),
    "exports.records_export_request": (
        lambda c, u: exports.records_export_request(user=u, queryset=Complaint.objects.filter(pk=c["complaint"].pk)),
        NOBODY_BUT_ADMIN,  # staff who may view complaints in the admin (none here but the administrator)
    ),
}

# Public functions of complaints/services that are not doors a person walks through, each with why.
# A new public service must join TABLE (called as every persona above) or this list, with a reason.
NOT_DOORS: dict[str, str] = {
    # Questions: they write nothing.
    **dict.fromkeys(
        (
            "assignment.holds_queue",
            "assignment.may_claim",
            "assignment.may_manage",
            "collaboration.may_answer",
            "collaboration.is_crisis",
            "collaboration.contact_queue",
            "errors.is_system",
            "escalation.check_open",
            "escalation.customer_language",
            "customer.customer_language",
            "customer.customer_context",
            "customer.customer_message",
            "customer.link_url",
            "customer.token_hash",
            "notes.mentioned_colleagues",
            "notify.complaint_context",
            "notify.in_language",
            "notify.render",
            "notify.webhook_headers",
            "notify.webhook_payload",
            "approvals.approved_amount",
            "approvals.approving_level",
            "privacy.erase_blockers",
            "privacy.person_data",
            "privacy.retention_due",
            "review.due_periods",
            "review.pack_context",
            "review.pack_kind",
            "review.dont_do",
            "attachments.image_reencoded",
            "batch.deliveries_read",
            "config_io.config_export",
            "config_io.preset_document",
            "config_io.presets",
            "intake.reference_next",
            "intake.reference_numbers",
            "intake.reference_sequence",
            "emotion.emotion_change",
            "inbox.message_key",
            "work.starter_register",
            "urgency.connect",
            "urgency.urgency_deferred",
            "transitions.one_transition",
            "transitions.transition",
            "transitions.refusals_caught",
            "transitions.page_transaction",
            "transitions.refusal_gives_up_page",
            "held_rows.held_rows",
            "held_rows.created_here",
            "held_rows.is_created_here",
            "held_rows.created_notes",
            "held_rows.rows_held",
            "held_rows.ids_drawn_with_lock",
            "held_rows.sequence_of",
            "held_rows.saves_held",
            "held_rows.read_under_lock",
            "held_rows.is_read_under_lock",
            "held_rows.insert_sql",
            "inserts.insert_new",
            "appeal.appeal_queue",
            "appeal.may_decide",
            "assignment.owner_by_rule",
            "config_io.config_diff",
            "config_io.config_fingerprint",
            "config_io.config_preview",
            "config_io.parse_document",
            "pending.pending_files",
            "steps.custom_step_owner",
            "steps.may_do",
            "steps.step_queue",
            "open_work.case_pk_of",
            "exports.export_query",
            "exports.may_export_records",
            "open_work.unfinished_processes",
        ),
        "a question or a rendering: writes nothing",
    ),
    # The checks themselves.
    "errors.refuse_unless": "the shared refusal",
    "errors.require_handler": "the shared refusal",
    "events.acting_user": "names who acted",
    # Writes the system does on its own (beat jobs, triggers, the customer's link), no staff actor.
    **dict.fromkeys(
        (
            "assignment.task_owner_by_rule",
            "open_work.open_work_refresh",
            "notify.webhook_post",
            "clocks.action_clock_sync",
            "clocks.action_due_at",
            "clocks.clocks_sweep",
            "clocks.collaboration_clock_sync",
            "clocks.clocks_answered_with_sync",
            "clocks.complaint_clocks_answered",
            "clocks.complaint_clocks_stop",
            "clocks.complaint_clocks_sync",
            "clocks.complaint_follow_up_clock_start",
            "clocks.complaint_promise_set",
            "clocks.complaint_task_clocks_sync",
            "clocks.open_clocks_recompute",
            "collaboration.collaboration_pass_on",
            "notify.notification_enqueue",
            "notify.notification_send",
            "notify.notifications_enqueue",
            "notify.notifications_resend",
            "notify.notify_event",
            "notify.notify_many",
            "notify.notifications_write_new",
            "inbox.notices_add",
            "privacy.retention_apply",
            "privacy.complaint_anonymise",
            "review.review_pack_make",
            "review.review_pack_send",
            "review.review_packs_due",
            "timers.workflow_timers_fire",
            "triage.complaint_triage",
            "triage.p0_alert",
            "urgency.urgency_owner_set",
            "urgency.urgency_rebuild",
            "urgency.urgency_refresh",
            "batch.complaint_batch_check",
            "batch.outreach_fill",
            "quality.action_schedule",
            "stages.complaint_enter_stage",
            "work.complaint_process_start",
            "work.complaint_step_complete",
            "work.side_task_start",
            "customer.customer_registered",
            "customer.customer_ask",
            "customer.customer_notify",
            "clocks.appeal_clock_sync",
            "clocks.decision_clock_sync",
            "decisions.decisions_fire",
            "kpi_summary.kpi_rebuild_all",
            "kpi_summary.kpi_refresh",
            "learning.triage_train",
            "learning.triage_train_due",
            "notify.robot_post",
            "pending.pending_sweep",
            "steps.custom_step_clock_sync",
            "steps.custom_steps_start",
            "exports.export_enqueue",
            "exports.exports_sweep",
            "exports.exports_forget",
        ),
        "the system's own write (a beat job, a flow hook, a trigger): no person acts",
    ),
    # The customer's doors: the token or the public form is the authority (tests/portal/).
    **dict.fromkeys(
        (
            "customer.complaint_file_public",
            "customer.public_filing_check",
            "customer.customer_link_open",
            "customer.customer_add_information",
            "customer.customer_confirm",
            "customer.customer_survey_answer",
        ),
        "the customer's door: the link's token or the public form's limits decide (tests/portal/)",
    ),
    # Called only by a door above, after its check; the actor is recorded, not asked.
    "customer.customer_link_issue": "inside customer_link_send and registration, after their check",
    "batch.batch_event": "the investigation's history, written by the batch services after their check",
    "batch.investigation_link": "inside complaint_mark_batch and the threshold trigger, after their check",
    "events.event_record": "the timeline, written by every service after its check",
    "intake_forms.answers_store": "inside complaint_register, after its check",
    "learning.suggestion_record": "inside complaint_register, after its check",
    "emotion.complaint_emotion_read": "inside complaint_register and customer_add_information, after their check",
    "emotion.emotion_change_record": "inside complaint_register, after its check",
    "intake_forms.form_withdraw": "inside the configuration import, after its caller's check",
    "deadlines.complaint_deadlines_recompute": "inside the level's recompute and the escalation, after their check",
    "triage.complaint_retriage": "a consequence of note_add (checked): new facts, the rules decide",
    "stages.contact_record": "inside contact_log and the first response, after their check",
    "privacy.access_record": "the access log, written by the doors that show details in full",
    "privacy.list_seen": "the access log of a list page the reader already may see",
    "privacy.complaints_seen_in_full": "the access log of an API answer the reader already may see",
    "privacy.complaint_shown": "what the page the reader already may see shows of the customer",
    "privacy.eight_d_for": "what the 8D page the reader already may see shows of the customer",
    "exports.export_run": "the worker's half of export_request: it checks again that the asker may see the dashboard",
    "privacy.complaints_export_table": "an export of the complaints the reader may see, masked without the permission",
    # A person's own settings: the user is the only one acted on.
    "preferences.preference_set_language": "the user's own setting",
    "preferences.preference_set_notifications": "the user's own setting",
    "inbox.notices_mark_all_read": "the user's own notices",
    "pending.pending_keep": "the user's own kept files: the owner is the acting user",
    # The configuration: the admin's permission is checked by the admin and by config_import's caller.
    "config_io.config_import": "the configuration import: the admin's view and the command check who",
    "config_io.config_import_text": "the configuration import: the admin's view and the command check who",
}


@pytest.mark.parametrize("service", sorted(TABLE))
def test_each_writing_service_refuses_every_persona_without_the_authority(service, case, request):
    call, allowed = TABLE[service]
    outcome = {}
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        for name in ("complaint", "temporary", "permanent"):
            case[name].refresh_from_db()
        try:
            with transaction.atomic():
                call(case, user)
                raise Rollback
        except Rollback:
            outcome[persona] = "allow"
        except Refused as refusal:
            assert str(refusal.message), f"{service} refused {persona} without saying why"
            outcome[persona] = "refuse: " + str(refusal.message)
    assert {p: o.split(":")[0] for p, o in outcome.items()} == {
        p: "allow" if p in allowed else "refuse" for p in PERSONAS
    }, outcome


def test_the_proposer_cannot_approve_their_own_compensation_but_a_colleague_with_authority_can(
    case, agent, admin, regional_lead
):
    approval = _approval(case)
    # Even an administrator may not approve what they themselves proposed.
    own = approvals.compensation_propose(
        complaint=case["complaint"], actor=admin, amount=Decimal("99999"), purpose="Refund."
    )
    assert own is not None
    with pytest.raises(approvals.ApprovalRefused, match="four eyes"):
        approvals.approval_decide(approval=own, actor=admin, approve=True)
    with pytest.raises(approvals.ApprovalRefused, match="four eyes"):
        approvals.approval_decide(approval=approval, actor=agent, approve=True)
    approval.refresh_from_db()
    assert approval.decision == "pending"
    decided = approvals.approval_decide(approval=approval, actor=admin, approve=True)
    assert decided.decision == "approved"
    assert decided.decided_by == admin != decided.requested_by


def test_every_public_service_is_in_the_table_or_named_as_no_door():
    """A new public function in complaints/services fails here until it is called as every persona
    in TABLE, or listed in NOT_DOORS with the reason it is no door a person walks through."""
    found = set()
    for module_info in pkgutil.iter_modules(services_package.__path__):
        module = importlib.import_module(f"complaints.services.{module_info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and function.__module__ == module.__name__:
                found.add(f"{module_info.name}.{name}")
    in_table = {key.split(" ")[0] for key in TABLE}
    assert not in_table & set(NOT_DOORS), in_table & set(NOT_DOORS)
    assert sorted(found - in_table - set(NOT_DOORS)) == [], "add these services to TABLE or NOT_DOORS"
    assert sorted((in_table | set(NOT_DOORS)) - found) == [], "these are gone: remove them"
