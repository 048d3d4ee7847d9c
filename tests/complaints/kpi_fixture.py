"""A hand-counted week of complaints (2026-W48) for the KPI tests. Rows are written directly: the KPIs
read records, and each row below says what it contributes.

ref dept    outcome   levels      prio closed score emotion     other
C1  store A resolved  1           P2   4 h    5     angry       first-response clock met
C2  store A resolved  1 → 2       P1   30 h   2     ext. angry  resolution clock breached, cost 500, in a
                                                                batch, cause man; 60 % store A, 40 % Supplier X
C3  store A resolved  1, reopened P2   10 h   4     calm        repeat, resolution clock met, cost 300.50,
                                                                cause method
C4  store A invalid   1           P3   1 h          calm
C5  store A duplicate 1           P3   1 h          calm
C6  store B open      1 → 2 → 3   P0                angry       200 within authority + 1000 approved
                                                                (+ 5000 refused), resolution clock running
C8  store B resolved  1           P2   2 h          calm        category Towing, first response met, cause man
C7  store A resolved  1           P2   1 h    5     calm        received the week before: outside the period
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from complaints.choices import (
    ActionKind,
    ApprovalStatus,
    CauseVerdict,
    EscalationTrigger,
    EventKind,
    Outcome,
    Stage,
)
from complaints.models import (
    BatchInvestigation,
    Category,
    Cause,
    CauseCategory,
    Clock,
    CompensationApproval,
    Complaint,
    ComplaintEvent,
    CorrectiveAction,
    Escalation,
    EscalationLevel,
    Priority,
    Responsibility,
    RootCauseAnalysis,
)
from complaints.rules.kpi import period_parse
from flows.flows import ApprovalFlow, ComplaintFlow

WEEK = period_parse("2026-W48")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))


def ensure_settings() -> None:
    """The KPI settings row as migration 0016_kpi creates it (a transactional test's flush removes it)."""
    from datetime import time

    from complaints.models import KpiSettings

    if not KpiSettings.objects.exists():
        KpiSettings.objects.create(
            satisfaction_target_percent=85,
            satisfied_from=4,
            recovery_emotion="angry",
            weekly_weekday=0,
            pack_time=time(8, 0),
            export_keep_days=7,
        )


def build(org: dict[str, Any]) -> dict[str, Any]:
    ensure_settings()
    levels = {lv.rank: lv for lv in EscalationLevel.objects.all()}
    prio = {p.code: p for p in Priority.objects.all()}
    roadside = Category.objects.create(code="kpi-roadside", name="Towing")
    made: dict[str, Any] = {"levels": levels, "roadside": roadside}

    def complaint(ref: str, dept: str, *, outcome: str, prio_code: str, hours: float | None, **kw: Any) -> Complaint:
        received = kw.pop("received", MONDAY)
        closed = received + timedelta(hours=hours) if hours is not None else None
        c = Complaint.objects.create(
            flow_class=ComplaintFlow,
            reference=ref,
            customer_name="Test",
            customer_words="words",
            demand="repair",
            channel=kw.pop("channel", "phone"),
            category=kw.pop("category", org["category"]),
            department=org[dept],
            priority=prio[prio_code],
            level=levels[kw.pop("level", 1)],
            start_level=levels[1],
            received_at=received,
            outcome=outcome,
            stage=Stage.CLOSED if closed else Stage.CONTAINMENT,
            closed_at=closed,
            **kw,
        )
        made[ref] = c
        return c

    c1 = complaint("C1", "store_a", outcome=Outcome.RESOLVED, prio_code="P2", hours=4, satisfaction=5, emotion="angry")
    c2 = complaint(
        "C2",
        "store_a",
        outcome=Outcome.RESOLVED,
        prio_code="P1",
        hours=30,
        level=2,
        satisfaction=2,
        emotion="extremely_angry",
    )
    c3 = complaint(
        "C3", "store_a", outcome=Outcome.RESOLVED, prio_code="P2", hours=10, satisfaction=4, signals=["repeat"]
    )
    complaint("C4", "store_a", outcome=Outcome.INVALID, prio_code="P3", hours=1)
    complaint("C5", "store_a", outcome=Outcome.DUPLICATE, prio_code="P3", hours=1, duplicate_of=c1)
    c6 = complaint("C6", "store_b", outcome=Outcome.OPEN, prio_code="P0", hours=None, level=3, emotion="angry")
    c8 = complaint("C8", "store_b", outcome=Outcome.RESOLVED, prio_code="P2", hours=2, category=roadside)
    complaint(
        "C7",
        "store_a",
        outcome=Outcome.RESOLVED,
        prio_code="P2",
        hours=1,
        satisfaction=5,
        received=MONDAY - timedelta(days=7),
    )

    def escalate(c: Complaint, a: int, b: int, after: float) -> None:
        e = Escalation.objects.create(
            complaint=c,
            direction=Escalation.Direction.UP,
            from_level=levels[a],
            to_level=levels[b],
            reason="overdue",
            trigger=EscalationTrigger.DEADLINE,
        )
        Escalation.objects.filter(pk=e.pk).update(at=MONDAY + timedelta(hours=after))

    escalate(c2, 1, 2, 5)
    escalate(c6, 1, 2, 1)
    escalate(c6, 2, 3, 2)
    ComplaintEvent.objects.create(complaint=c3, kind=EventKind.REOPENED, note="again")

    def clock(c: Complaint, kind: str, *, breached: bool, state: str = Clock.State.STOPPED) -> None:
        Clock.objects.create(
            complaint=c,
            kind=kind,
            state=state,
            started_at=MONDAY,
            due_at=MONDAY + timedelta(hours=3),
            breached_at=MONDAY + timedelta(hours=3) if breached else None,
            stopped_at=MONDAY + timedelta(hours=4) if state == Clock.State.STOPPED else None,
        )

    clock(c1, Clock.Kind.FIRST_RESPONSE, breached=False)
    clock(c8, Clock.Kind.FIRST_RESPONSE, breached=False)
    clock(c2, Clock.Kind.RESOLUTION, breached=True)
    clock(c3, Clock.Kind.RESOLUTION, breached=False)
    clock(c6, Clock.Kind.RESOLUTION, breached=True, state=Clock.State.RUNNING)  # not finished: not counted

    CorrectiveAction.objects.create(complaint=c2, kind=ActionKind.PERMANENT, description="Retrain", cost=Decimal("500"))
    CorrectiveAction.objects.create(
        complaint=c3, kind=ActionKind.TEMPORARY, description="Refund", cost=Decimal("300.50")
    )
    ComplaintEvent.objects.create(
        complaint=c6, kind=EventKind.COMPENSATION, new={"amount": "200", "within_authority": True}
    )
    CompensationApproval.objects.create(
        flow_class=ApprovalFlow,
        case=c6,
        amount=Decimal("1000"),
        purpose="goodwill",
        trigger=EscalationTrigger.OVER_AUTHORITY,
        level=levels[2],
        decision=ApprovalStatus.APPROVED,
    )
    CompensationApproval.objects.create(  # refused: not paid
        flow_class=ApprovalFlow,
        case=c6,
        amount=Decimal("5000"),
        purpose="more",
        trigger=EscalationTrigger.OVER_AUTHORITY,
        level=levels[3],
        decision=ApprovalStatus.REJECTED,
    )
    batch = BatchInvestigation.objects.create(key="b1", batch_number="B1", opened_how="marked")
    batch.complaints.add(c2)

    cats = {c.code: c for c in CauseCategory.objects.all()}
    for c, code, extra in ((c2, "man", "machine"), (c3, "method", None), (c8, "man", None)):
        analysis = RootCauseAnalysis.objects.create(complaint=c, description=f"cause of {c.reference}")
        Cause.objects.create(
            analysis=analysis, category=cats[code], text=f"{code} cause", verdict=CauseVerdict.CONFIRMED
        )
        if extra:
            Cause.objects.create(
                analysis=analysis, category=cats[extra], text="ruled out", verdict=CauseVerdict.RULED_OUT
            )
        if c is c2:
            Responsibility.objects.create(analysis=analysis, department=org["store_a"], share=Decimal("60"))
            Responsibility.objects.create(analysis=analysis, party="Supplier X", share=Decimal("40"))
    return made


def step_runs(week: dict[str, Any]) -> Any:
    """A legal review: on C1 done 2 h after its task was created, on C2 refused after 4 h, on C8
    done after 6 h, on C3 still open, on C6 canceled, on C7 (the week before) done after 10 h.
    Counted: C1, C2, C8 (3 finished, 1 refused, mean 4.0 h); C7 is outside the period."""
    from complaints.models import CustomStep, CustomStepRun, Department, Role
    from flows.flows import CustomStepFlow

    step = CustomStep.objects.create(
        code="legal",
        name_zh_hans="法务审核",
        name_en="Legal review",
        point="before_permanent_actions",
        role=Role.objects.get(code="quality_engineer"),
        department=Department.objects.get(code="quality"),
    )
    started = MONDAY + timedelta(hours=1)
    for ref, outcome, hours in (
        ("C1", "done", 2),
        ("C2", "refused", 4),
        ("C8", "done", 6),
        ("C3", "open", None),
        ("C6", "canceled", None),
        ("C7", "done", 10),
    ):
        run = CustomStepRun.objects.create(
            flow_class=CustomStepFlow, case=week[ref], step=step, point=step.point, outcome=outcome
        )
        begun = started - timedelta(days=7) if ref == "C7" else started
        done = begun + timedelta(hours=hours) if hours else None
        CustomStepRun.objects.filter(pk=run.pk).update(created=begun, done_at=done)
    return step
