"""Reads behind automatic assignment: who did a step of a complaint, and how many open tasks each
member of a queue holds."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Count
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from complaints.selectors.escalation import acting_task
from complaints.services.held_rows import held_rows

HELD_STATUSES = (STATUS.ASSIGNED, STATUS.STARTED)


def step_performer(*, complaint_id: int, stage: str) -> Any | None:
    """Returns who did the latest task of a step of the complaint (a finished task first, else one
    someone holds now, as with two steps running side by side), or None if nobody did it. The
    step whose form is being executed (`acting_task`) and has just finished is its latest: its
    owner, without asking the tasks."""
    acting = acting_task()
    if (
        acting is not None
        and acting.process_id == complaint_id
        and acting.status == STATUS.DONE
        and acting.owner_id is not None
        and acting.flow_task is not None
        and acting.flow_task.name == stage
    ):
        return acting.owner
    tasks = (
        Task.objects.filter(process_id=complaint_id, flow_task_type="HUMAN", owner__isnull=False)
        .select_related("owner")
        .order_by("-created", "-pk")
    )
    held_now = held_rows()
    if held_now is None:
        found = list(tasks)
    else:
        # The tasks this transition holds new or with held saves, as they stand here, and the others
        # read without writing the held rows first (the read names no other held table).
        unwritten = held_now.unwritten_tasks()
        with held_now.unwatched():
            found = list(tasks.exclude(pk__in=list(unwritten)))
        found += [
            task
            for task in unwritten.values()
            if task.process_id == complaint_id and task.flow_task_type == "HUMAN" and task.owner_id is not None
        ]
        now = timezone.now()  # a task held new has no creation time yet: it is created now
        found.sort(key=lambda task: (task.created or now, task.pk), reverse=True)
    mine = [task for task in found if task.flow_task is not None and task.flow_task.name == stage]
    done = [task for task in mine if task.status == STATUS.DONE]
    held = [task for task in mine if task.status in HELD_STATUSES]
    latest = (done or held or [None])[0]
    return latest.owner if latest is not None else None


def open_task_loads(user_ids: Iterable[int]) -> dict[int, int]:
    """Returns each user's count of tasks they hold and have not finished (0 for none)."""
    ids = list(user_ids)
    loads = dict.fromkeys(ids, 0)
    rows = (
        Task.objects.filter(owner_id__in=ids, status__in=HELD_STATUSES)
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    loads.update(dict(rows))
    return loads
