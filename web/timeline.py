"""The complaint page's reads: its timeline (events merged with the life of its tasks, newest
first), its open clocks, linked complaints and the colleagues a note may mention. Each costs a
fixed number of queries however long the history is."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process, Task

from complaints.models import (
    Clock,
    Complaint,
    Department,
    Membership,
)
from complaints.rules.names import person_name
from complaints.rules.trees import path_to_root
from complaints.selectors.common import side_of
from web.sentences import GROUPS, event_group, event_sentence, generic_facts, groups_selected


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: datetime
    group: str
    kind: str
    title: str
    sentence: str
    note: str = ""
    actor: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    order: int = 0


@dataclass(frozen=True)
class Timeline:
    entries: list[Entry]
    groups: list[tuple[str, str, bool, int]]  # code, label, selected, how many
    selected: list[str]
    filtered: bool


def person(user: Any) -> str:
    return person_name(user)


def case_tasks(complaint: Complaint) -> QuerySet[Task]:
    """Every task of the complaint and of its side processes (approvals, collaboration requests,
    mentions), owners joined, oldest first."""
    # The processes (the complaint's own and its side processes', found by the process table's
    # key and artifact indexes) in a subquery, the tasks by their process index: OR-ing joins on the
    # task table made PostgreSQL read every task row (minutes at a million complaints).
    # Corrective actions' tasks belong to their departments' lists, not here.
    processes = Process.objects.filter(Q(pk=complaint.pk) | side_of(complaint.pk), actiontask__isnull=True)
    return Task.objects.filter(process_id__in=processes.values("pk")).select_related("owner").order_by("created", "pk")


def task_entries(tasks: list[Task]) -> list[Entry]:
    """Created and finished (done or cancelled) entries for each task. Claims, releases and
    reassignments are events of their own (services.assignment), so they are not repeated here; a
    task given to its holder at creation says so in its created entry."""
    entries = []
    for task in tasks:
        if task.flow_task_type != "HUMAN":
            continue  # registering is the "registered" event; gates and timers are not work
        title = str(task.flow_task.task_title if task.flow_task else task.flow_task_type)
        owner = person(task.owner)
        if owner and task.assigned is None:
            sentence = _("Task “%(task)s” created; %(owner)s holds it.") % {"task": title, "owner": owner}
        else:
            sentence = _("Task “%(task)s” created, waiting in its queue to be claimed.") % {"task": title}
        entries.append(Entry(task.created, "tasks", "task_created", _("Task created"), sentence, order=task.pk * 3))
        if task.finished is not None:
            if task.status == "CANCELED":
                kind, heading = "task_cancelled", _("Task cancelled")
                sentence = _("“%(task)s” was cancelled.") % {"task": title}
            else:
                kind, heading = "task_done", _("Task done")
                sentence = _("“%(task)s” done.") % {"task": title}
            entries.append(Entry(task.finished, "tasks", kind, heading, sentence, actor=owner, order=task.pk * 3 + 2))
    return entries


def event_entries(complaint: Complaint, events: list[Any] | None = None) -> list[Entry]:
    entries = []
    for event in complaint.events.select_related("actor") if events is None else events:
        sentence = event_sentence(event.kind, event.new, event.old)
        entries.append(
            Entry(
                at=event.at,
                group=event_group(event.kind),
                kind=event.kind,
                title=str(event.get_kind_display()),
                sentence=sentence,
                note=event.note,
                actor=person(event.actor),
                facts=[] if sentence else generic_facts(event.new or {}, event.old or {}),
                order=event.pk,
            )
        )
    return entries


def complaint_timeline(
    *,
    complaint: Complaint,
    groups: list[str] | None = None,
    tasks: list[Task] | None = None,
    events: list[Any] | None = None,
) -> Timeline:
    """Returns everything that happened to the complaint, newest first: its events (intake, triage,
    notes, contacts, escalations, collaboration, analyses, actions, notifications) and the life of
    its tasks (`tasks`: case_tasks, when the caller has them already), limited to the chosen filter
    groups (`events`: the complaint's events with their actors, when the caller has them). Two
    queries at most."""
    tasks = list(case_tasks(complaint)) if tasks is None else tasks
    everything = event_entries(complaint, events) + task_entries(tasks)
    everything.sort(key=lambda entry: (entry.at, entry.group != "tasks", entry.order), reverse=True)
    selected = groups_selected(groups or [])
    counts: dict[str, int] = {}
    for entry in everything:
        counts[entry.group] = counts.get(entry.group, 0) + 1
    shown = [entry for entry in everything if entry.group in selected]
    return Timeline(
        entries=shown,
        groups=[
            (code, str(label), code in selected, counts.get(code, 0))
            for code, label in GROUPS.items()
            if counts.get(code)
        ],
        selected=selected,
        filtered=len(selected) < len(GROUPS),
    )


def clock_rows(complaint: Complaint) -> QuerySet[Clock]:
    """The complaint's running and paused clocks, soonest due first."""
    return (
        complaint.clocks.filter(state__in=[Clock.State.RUNNING, Clock.State.PAUSED])
        .select_related("level")
        .order_by("due_at")
    )


def linked_rows(*, complaint: Complaint, visible: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """The complaints linked to this one that the reader may see (newest 50): the original it
    duplicates, its own duplicates, and the same customer's other complaints (same phone)."""
    links = Q(duplicate_of_id=complaint.pk)
    if complaint.duplicate_of_id:
        links |= Q(pk=complaint.duplicate_of_id)
    if complaint.customer_phone:
        links |= Q(customer_phone=complaint.customer_phone)
    return (
        visible.filter(links)
        .exclude(pk=complaint.pk)
        .exclude(reference__isnull=True)
        .select_related("priority")
        .order_by("-created")[:50]
    )


def linked_complaints(*, complaint: Complaint, rows: Iterable[Complaint]) -> dict[str, list[Complaint]]:
    """The linked complaints (`rows`, read from linked_rows) by how they are linked to this one."""
    rows = list(rows)
    return {
        "original": [c for c in rows if c.pk == complaint.duplicate_of_id],
        "duplicates": [c for c in rows if c.duplicate_of_id == complaint.pk],
        "same_customer": [c for c in rows if c.pk != complaint.duplicate_of_id and c.duplicate_of_id != complaint.pk],
    }


def mention_candidates(complaint: Complaint) -> list[Any]:
    """Colleagues a note on this complaint can name: members of its department and of every
    department above it (they see the complaint), its owner and receiver, and whoever holds one of
    its tasks. The service still checks each named person's scope."""
    parents = dict(Department.objects.values_list("pk", "parent_id"))
    departments = path_to_root(parents, complaint.department_id) if complaint.department_id else []
    holders = Task.objects.filter(process_id=complaint.pk, owner__isnull=False).values("owner_id")
    people = Q(pk__in=Membership.objects.filter(department_id__in=departments).values("user_id")) | Q(pk__in=holders)
    if complaint.owner_id:
        people |= Q(pk=complaint.owner_id)
    if complaint.receiver_id:
        people |= Q(pk=complaint.receiver_id)
    return list(get_user_model().objects.filter(people, is_active=True).order_by("username")[:200])
