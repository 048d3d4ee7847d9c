"""Appeals to the customer-experience office: when one may be made (the top level decided, or
within the admin's window after closing), who may make and decide it, one per complaint, one
decision when two officers decide at once, its clock, and what the customer is told."""

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import close_old_connections
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.choices import AppealDecision, EventKind, NotificationEvent
from complaints.models import Appeal, Clock, ComplaintEvent, Notification
from complaints.rules.appeal import AppealBar, appeal_bar
from complaints.services.appeal import AppealRefused, appeal_decide, appeal_open
from complaints.services.clocks import clocks_sweep
from complaints.services.customer import customer_link_issue, customer_link_open
from flows.flows import AppealFlow
from tests.portal.appeal_setup import at_top_level, closed_complaint, officer, open_appeals

NOW = timezone.now()


@pytest.mark.parametrize(
    ("closed_days_ago", "at_top", "decided", "expected"),
    [
        (1, False, False, None),  # closed within the window
        (7, False, False, None),  # the window's last moment still counts
        (8, False, False, AppealBar.WINDOW_PASSED),
        (None, True, True, None),  # open, the top level decided
        (None, True, False, AppealBar.NOT_YET),  # open at the top, nothing decided there yet
        (None, False, False, AppealBar.NOT_YET),  # open below the top
    ],
)
def test_appeal_bar_rule(closed_days_ago: int | None, at_top: bool, decided: bool, expected: Any) -> None:
    closed = NOW - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
    bar = appeal_bar(closed_at=closed, at_top_level=at_top, top_level_decided=decided, window_days=7, now=NOW)
    assert bar == expected


@pytest.mark.django_db
def test_the_customer_appeals_a_closed_complaint_by_link_and_the_office_decides(org, agent, quality_engineer):
    open_appeals(org)
    cx = officer()
    c = closed_complaint(org, agent, quality_engineer)
    link = customer_link_open(token=customer_link_issue(complaint=c))
    appeal = appeal_open(complaint=c, link=link, grounds="You never looked at the photos.")
    assert appeal.filed_by is None and appeal.department.code == "cx"
    task = Task.objects.get(process_id=appeal.pk, flow_task=AppealFlow.decide)
    assert task.status == STATUS.NEW and task.owner_permission == "complaints.queue__cx__customer_relations"
    assert cx.has_perm(task.owner_permission) and not agent.has_perm(task.owner_permission)
    clock = Clock.objects.get(complaint=c, kind=Clock.Kind.APPEAL, subject=appeal.pk)
    assert clock.due_at == appeal.due_at and clock.warn_at == clock.started_at + timedelta(hours=36)
    assert ComplaintEvent.objects.filter(complaint=c, kind=EventKind.APPEAL_OPENED, actor=None).exists()
    assert Notification.objects.filter(complaint=c, event=NotificationEvent.APPEAL, recipient=cx).exists()
    received = Notification.objects.get(complaint=c, event=NotificationEvent.CUSTOMER_APPEAL_RECEIVED)
    assert received.recipient is None and received.address == "zhou@example.com"

    # The agent is not the office: refused, nothing recorded.
    with pytest.raises(AppealRefused):
        appeal_decide(appeal=appeal, actor=agent, decision=AppealDecision.UPHELD, text="Yes.")
    with pytest.raises(AppealRefused):
        appeal_decide(appeal=appeal, actor=cx, decision=AppealDecision.UPHELD, text="  ")
    appeal_decide(appeal=appeal, actor=cx, decision=AppealDecision.PARTLY, text="The photos show it.", remedy="¥200")
    appeal.refresh_from_db()
    assert appeal.decision == AppealDecision.PARTLY and appeal.decided_by == cx and appeal.remedy == "¥200"
    clock.refresh_from_db()
    assert clock.state == Clock.State.STOPPED
    event = ComplaintEvent.objects.get(complaint=c, kind=EventKind.APPEAL_DECIDED)
    assert event.actor == cx and event.new["decision"] == "partly" and event.note == "The photos show it."
    told = Notification.objects.get(complaint=c, event=NotificationEvent.CUSTOMER_APPEAL_DECIDED)
    assert "Partly upheld" in told.body and "The photos show it." in told.body and "¥200" in told.body


@pytest.mark.django_db
def test_the_customer_is_told_in_their_language(org, agent, quality_engineer):
    open_appeals(org)
    cx = officer()
    c = closed_complaint(org, agent, quality_engineer, customer_language="zh-hans")
    appeal = appeal_open(complaint=c, actor=agent, grounds="请重新审查。")
    assert appeal.filed_by == agent
    received = Notification.objects.get(complaint=c, event=NotificationEvent.CUSTOMER_APPEAL_RECEIVED)
    assert "客户体验" in received.body
    appeal_decide(appeal=appeal, actor=cx, decision=AppealDecision.REJECTED, text="处理符合规定。")
    told = Notification.objects.get(complaint=c, event=NotificationEvent.CUSTOMER_APPEAL_DECIDED)
    assert "驳回" in told.body and "处理符合规定。" in told.body


@pytest.mark.django_db
def test_the_window_after_closing_is_the_admins(org, agent, quality_engineer):
    open_appeals(org, appeal_window_days=3)
    c = closed_complaint(org, agent, quality_engineer)
    with time_machine.travel(c.closed_at + timedelta(days=3, minutes=1)), pytest.raises(AppealRefused) as refused:
        appeal_open(complaint=c, actor=agent, grounds="Too late?")
    assert "3" in str(refused.value.message)
    assert not Appeal.objects.exists()
    with time_machine.travel(c.closed_at + timedelta(days=2)):
        assert appeal_open(complaint=c, actor=agent, grounds="In time.").pk


@pytest.mark.django_db
def test_an_open_complaint_is_appealed_only_after_the_top_level_decided(org, agent):
    open_appeals(org)
    c, executive = at_top_level(org, agent, decided=False)
    with pytest.raises(AppealRefused):
        appeal_open(complaint=c, actor=agent, grounds="The top level has not answered.")
    from complaints.choices import Channel
    from complaints.services.stages import contact_log

    contact_log(complaint=c, actor=executive, channel=Channel.PHONE, summary="We offer a replacement.")
    appeal = appeal_open(complaint=c, actor=agent, grounds="A replacement is not enough.")
    assert appeal.case_id == c.pk
    c.refresh_from_db()
    assert c.level.rank == 3  # outside the ladder: the complaint stays where it is


@pytest.mark.django_db
def test_below_the_top_level_an_open_complaint_cannot_be_appealed(org, agent):
    open_appeals(org)
    from tests.flows.test_flows__journey import first_response, register

    c = register(agent, org)
    first_response(agent, c)
    with pytest.raises(AppealRefused):
        appeal_open(complaint=c, actor=agent, grounds="Now!")
    assert not Appeal.objects.exists()


@pytest.mark.django_db
def test_only_a_handler_appeals_for_the_customer_and_only_once(org, agent, agent_b, quality_engineer):
    open_appeals(org)
    c = closed_complaint(org, agent, quality_engineer)
    with pytest.raises(AppealRefused):
        appeal_open(complaint=c, actor=agent_b, grounds="Not mine to appeal.")
    appeal_open(complaint=c, actor=agent, grounds="First.")
    link = customer_link_open(token=customer_link_issue(complaint=c))
    with pytest.raises(AppealRefused) as refused:
        appeal_open(complaint=c, link=link, grounds="Second.")
    assert "already appealed" in str(refused.value.message)
    assert Appeal.objects.filter(case=c).count() == 1


@pytest.mark.django_db
def test_a_customer_link_of_another_complaint_cannot_appeal_this_one(org, agent, quality_engineer):
    open_appeals(org)
    mine = closed_complaint(org, agent, quality_engineer)
    theirs = closed_complaint(org, agent, quality_engineer, customer_phone="13900139000")
    link = customer_link_open(token=customer_link_issue(complaint=theirs))
    with pytest.raises(AppealRefused):
        appeal_open(complaint=mine, link=link, grounds="Someone else's case.")
    assert not Appeal.objects.exists()


@pytest.mark.django_db
def test_appeals_closed_until_the_admin_sets_the_office(org, agent, quality_engineer):
    open_appeals(org, appeal_department=None, appeal_role=None)
    c = closed_complaint(org, agent, quality_engineer)
    with pytest.raises(AppealRefused) as refused:
        appeal_open(complaint=c, actor=agent, grounds="Please.")
    assert "not open" in str(refused.value.message)


@pytest.mark.django_db
def test_the_office_clock_warns_and_breaches_to_the_office(org, agent, quality_engineer):
    open_appeals(org)
    cx = officer()
    c = closed_complaint(org, agent, quality_engineer)
    appeal = appeal_open(complaint=c, actor=agent, grounds="Review it.")
    clock = Clock.objects.get(complaint=c, kind=Clock.Kind.APPEAL)
    with time_machine.travel(appeal.created + timedelta(hours=35)):
        clocks_sweep()
        clock.refresh_from_db()
        assert clock.warned_at is None
    with time_machine.travel(appeal.created + timedelta(hours=37)):
        clocks_sweep()
        clock.refresh_from_db()
        assert clock.warned_at is not None and clock.breached_at is None
    with time_machine.travel(appeal.created + timedelta(hours=49)):
        clocks_sweep()
        clocks_sweep()  # a second sweep fires nothing again
    clock.refresh_from_db()
    assert clock.breached_at is not None
    breach = ComplaintEvent.objects.get(complaint=c, kind=EventKind.DEADLINE_BREACHED, new__clock="appeal")
    assert breach.new["clock"] == "appeal" and breach.new["appeal"] == appeal.pk
    assert Notification.objects.filter(complaint=c, event=NotificationEvent.BREACH, recipient=cx).exists()
    assert Notification.objects.filter(complaint=c, event=NotificationEvent.DEADLINE_WARNING, recipient=cx).exists()


@pytest.mark.django_db(transaction=True)
def test_two_officers_decide_at_once_one_wins(org, agent, quality_engineer):
    open_appeals(org)
    first, second = officer("cx_1"), officer("cx_2")
    c = closed_complaint(org, agent, quality_engineer)
    appeal = appeal_open(complaint=c, actor=agent, grounds="Review it.")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(user: Any, decision: str) -> None:
        try:
            barrier.wait()
            appeal_decide(appeal=appeal, actor=user, decision=decision, text=f"Decided by {user.username}.")
            outcomes.append("won")
        except AppealRefused:
            outcomes.append("refused")
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=decide, args=(first, AppealDecision.UPHELD)),
        threading.Thread(target=decide, args=(second, AppealDecision.REJECTED)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "won"]
    assert ComplaintEvent.objects.filter(complaint=c, kind=EventKind.APPEAL_DECIDED).count() == 1
    assert Notification.objects.filter(complaint=c, event=NotificationEvent.CUSTOMER_APPEAL_DECIDED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_appeals_at_once_make_one(org, agent, quality_engineer):
    open_appeals(org)
    c = closed_complaint(org, agent, quality_engineer)
    link = customer_link_open(token=customer_link_issue(complaint=c))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def appeal(**who: Any) -> None:
        try:
            barrier.wait()
            appeal_open(complaint=c, grounds="Again.", **who)
            outcomes.append("made")
        except AppealRefused:
            outcomes.append("refused")
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=appeal, kwargs={"actor": agent}),
        threading.Thread(target=appeal, kwargs={"link": link}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["made", "refused"]
    assert Appeal.objects.filter(case=c).count() == 1


@pytest.mark.django_db
def test_appealing_and_deciding_stay_within_their_query_budgets(
    org, agent, quality_engineer, django_assert_max_num_queries
):
    open_appeals(org)
    cx = officer()
    c = closed_complaint(org, agent, quality_engineer)
    with django_assert_max_num_queries(60) as opened:
        appeal = appeal_open(complaint=c, actor=agent, grounds="Review it.")
    with django_assert_max_num_queries(40) as decided:
        appeal_decide(appeal=appeal, actor=cx, decision=AppealDecision.UPHELD, text="Upheld.")
    print("appeal budgets", len(opened.captured_queries), len(decided.captured_queries))
