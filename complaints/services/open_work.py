"""Whether a complaint has work open (Complaint.work_open): its own process or a side process of it
(approval, collaboration request, corrective action, mention, custom step, appeal: each links its
case as the process's artifact, models.side.CaseArtifact) is unfinished.

The inbox, the queue, the breached list and the complaint list show open work only; a search of
theirs for part of a number tests only the complaints with work open, found in a PostgreSQL index of
those alone (migration 0048, selectors.worklist._fuzzy_search): a caller's last four digits are in
~1,650 complaints of 1,000,000, of which ~170 are open (issue 17).

The flag is worked out from the processes themselves whenever one of them starts, finishes, is
cancelled or reopened (`open_work_refresh`), never set from what a caller believes: inside a
transition the value is an expression, evaluated when the transition's rows are written
(services.held_rows), on the processes as they then stand. It may lag behind as true (a process
finished by a path that does not refresh it, viewflow's admin cancel: the complaint is tested, and
not found, as before); it is never false while a process of the complaint is open."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, Q
from viewflow.workflow.models import Process

from complaints.models import Complaint
from complaints.selectors.common import side_of
from complaints.services.held_rows import held_rows


def unfinished_processes(case_pk: Any, *, finishing: Iterable[Any] = ()) -> Any:
    """The complaint's own process and its side processes that are unfinished, but `finishing`."""
    processes = Process.objects.filter(Q(pk=case_pk) | side_of(case_pk), finished__isnull=True)
    finishing = list(finishing)
    return processes.exclude(pk__in=finishing) if finishing else processes


def open_work_refresh(case_pk: Any) -> None:
    """Sets the complaint's `work_open` from its processes: inside a transition that holds its rows,
    with the complaint's other held saves when they are written, the processes it finishes counted
    finished (their rows are written by the same statement, which does not see them); elsewhere now."""
    held = held_rows()
    if held is None:
        Complaint.objects.filter(pk=case_pk).update(work_open=Exists(unfinished_processes(case_pk)))
        return
    held.hold_values(
        Complaint, case_pk, {"work_open": Exists(unfinished_processes(case_pk, finishing=held.finishing()))}
    )


def case_pk_of(process: Any) -> Any:
    """The complaint a process is of: the complaint itself, a side process's case, else None."""
    if isinstance(process, Complaint):
        return process.pk
    return getattr(process, "case_id", None)
