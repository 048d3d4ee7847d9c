"""viewflow's database timers (the follow-up wait), fired by our sweep: the free viewflow package
ships no Celery task for them."""

import logging

from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task

logger = logging.getLogger(__name__)


def workflow_timers_fire(*, batch: int = 200) -> int:
    """Fires at most `batch` due viewflow timers, oldest first, and returns how many fired. Each is
    re-checked under its flow's lock (`select_for_update` on the complaint): a timer fired by an
    overlapping sweep is no longer SCHEDULED and is left alone, a locked one waits for the next
    sweep, so a timer fires once however many sweeps run."""
    fired = 0
    due = list(
        Task.objects.filter(flow_task_type="TIMER", status=STATUS.SCHEDULED, scheduled__lte=timezone.now())
        .order_by("scheduled")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in due:
        task = Task.objects.filter(pk=pk, status=STATUS.SCHEDULED).first()
        if task is None:
            continue  # another sweep fired it since the list was read
        try:
            with task.activation() as activation:
                start = getattr(activation, "start", None)
                if start is not None and start.can_proceed():
                    activation.start()
                    activation.execute()
                    fired += 1
        except FlowLockFailed:
            logger.info("Timer task %s is locked by another sweep; the next sweep fires it", pk)
        except Exception:  # one broken process must not stop the sweep
            logger.exception("Timer task %s failed to fire", pk)
    return fired
