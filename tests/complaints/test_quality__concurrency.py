"""Two quality engineers judging one action at the same instant: one verdict is kept, the other
is told; nothing is written twice."""

import threading

import pytest
from django.db import connection

from complaints.choices import ActionKind, ActionStatus
from complaints.models import ActionVerification, CorrectiveAction
from complaints.services import quality
from flows import driver
from tests.conftest import intake_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_verdicts_on_one_action_at_once_keep_one(monkeypatch, org, agent, quality_engineer, quality_engineer_2):
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    action = quality.action_plan(complaint=complaint, actor=agent, kind=ActionKind.TEMPORARY, description="Loaner.")
    quality.action_move(action=action, actor=agent, status=ActionStatus.DONE, evidence="Given.")

    barrier = threading.Barrier(2, timeout=10)
    original = quality._locked

    def synchronised(row):
        barrier.wait()  # both reach the row lock together
        return original(row)

    monkeypatch.setattr(quality, "_locked", synchronised)
    outcomes: dict[str, str] = {}

    def judge(user, effective):
        try:
            quality.action_verify(
                action=CorrectiveAction.objects.get(pk=action.pk),
                actor=user,
                effective=effective,
                evidence="Checked.",
                reason="" if effective else "Still broken.",
            )
            outcomes[user.username] = "kept"
        except quality.QualityRefused as refusal:
            outcomes[user.username] = str(refusal)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=judge, args=(quality_engineer, True)),
        threading.Thread(target=judge, args=(quality_engineer_2, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values())[0].startswith("Only a done action can be verified"), outcomes
    assert list(outcomes.values()).count("kept") == 1
    assert ActionVerification.objects.filter(action=action).count() == 1
    kept = ActionVerification.objects.get(action=action)
    action.refresh_from_db()
    assert action.status == (ActionStatus.EFFECTIVE if kept.effective else ActionStatus.NOT_EFFECTIVE)
    assert complaint.events.filter(kind="action_verified").count() == 1
