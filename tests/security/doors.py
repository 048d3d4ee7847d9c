"""Every door the URL resolver knows, and a world with two stores' complaints to knock on them.

`doors()` walks `get_resolver()`, so a URL added anywhere is in the matrices without editing them.
`World` holds, for each of two complaints (store A's and store B's), a process of every flow and
one task of every node of each flow (real where the flow made one, otherwise a finished row), plus
the objects nested under a complaint (cause, corrective action, attachment, batch investigation
and its outreach contact)."""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.choices import ActionKind, BatchOpenedBy, EscalationTrigger
from complaints.models import (
    BatchInvestigation,
    Cause,
    CauseCategory,
    Complaint,
    CorrectiveAction,
    CustomStep,
    Note,
    OutreachContact,
    Role,
    RootCauseAnalysis,
)
from complaints.services.attachments import attachment_add
from complaints.services.work import side_task_start
from flows import driver
from flows.flows import (
    ActionFlow,
    AppealFlow,
    ApprovalFlow,
    CollaborationFlow,
    ComplaintFlow,
    CustomStepFlow,
    MentionFlow,
)
from tests.conftest import intake_data

FLOWS = {
    "complaint": ComplaintFlow,
    "approval": ApprovalFlow,
    "collaboration": CollaborationFlow,
    "action": ActionFlow,
    "mention": MentionFlow,
    "customstep": CustomStepFlow,
    "appeal": AppealFlow,
}
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
# Path parts that name no object: password-reset links carry their own signed token.
NOT_OBJECTS = {"uidb64", "token"}


@dataclass(frozen=True)
class Door:
    route: str
    name: str
    namespaces: tuple[str, ...]
    params: tuple[str, ...]

    @property
    def is_task(self) -> bool:
        return "task_pk" in self.params

    @property
    def flow_label(self) -> str:
        return self.namespaces[2]

    @property
    def node_name(self) -> str:
        return self.namespaces[3]

    def url(self, values: dict[str, Any]) -> str:
        return "/" + PARAM.sub(lambda m: str(values[m.group("name")]), self.route)


def _walk(patterns: list[Any], prefix: str, namespaces: tuple[str, ...]) -> list[Door]:
    found: list[Door] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            found += _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            params = tuple(m.group("name") for m in PARAM.finditer(route))
            found.append(Door(route, ":".join((*namespaces, pattern.name or "")), namespaces, params))
    return found


def doors() -> list[Door]:
    """Every URL pattern of the project; regular-expression routes (the admin's catch-all and its
    app index) are left out: they name no object."""
    return [d for d in _walk(get_resolver().url_patterns, "", ()) if "(?P<" not in d.route and "^" not in d.route]


def object_doors() -> list[Door]:
    return [d for d in doors() if set(d.params) - NOT_OBJECTS]


def representatives(found: list[Door]) -> list[Door]:
    """Every door that is not a task's, and one task door per flow and action (viewflow builds the
    task doors of every step alike): for the personas knocked on less exhaustively."""
    chosen: dict[tuple[str, str], Door] = {}
    others = []
    for door in found:
        if door.is_task:
            chosen.setdefault((door.flow_label, door.name.rsplit(":", 1)[-1]), door)
        else:
            others.append(door)
    return others + list(chosen.values())


@dataclass
class Side:
    """One store's complaint and everything that hangs off it."""

    complaint: Complaint
    processes: dict[str, Any] = field(default_factory=dict)
    tasks: dict[tuple[str, str], Task] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)

    def secrets(self) -> list[str]:
        """What must never appear on a page answered to someone outside this complaint's scope."""
        c = self.complaint
        return [c.reference, c.customer_name, c.customer_phone, c.customer_words[:30]]


def build_side(org: dict[str, Any], agent: Any, store: Any, name: str, phone: str, contact_department: Any) -> Side:
    complaint = driver.start_complaint(
        user=agent,
        data=intake_data(
            org,
            customer_name=name,
            customer_phone=phone,
            department=str(store.pk),
            customer_words=f"{name} says the fridge of batch {name[:3].upper()}-77 leaks water.",
        ),
    )
    side = Side(complaint=complaint, processes={"complaint": complaint})
    analysis = RootCauseAnalysis.objects.create(complaint=complaint, what="Leak")
    cause = Cause.objects.create(analysis=analysis, category=CauseCategory.objects.first(), text="Seal missing")
    action = CorrectiveAction.objects.create(
        complaint=complaint, kind=ActionKind.PERMANENT, description="Add seal check", department=contact_department
    )
    note = Note.objects.create(complaint=complaint, author=agent, text=f"About {name}")
    side.processes["approval"] = side_task_start(
        kind="approval",
        fields={
            "case": complaint,
            "amount": 5000,
            "purpose": "refund",
            "requested_by": agent,
            "trigger": EscalationTrigger.OVER_AUTHORITY,
            "level": complaint.level,
        },
    )
    side.processes["collaboration"] = side_task_start(
        kind="collaboration",
        fields={"case": complaint, "department": contact_department, "question": "Why?", "requested_by": agent},
    )
    side.processes["action"] = side_task_start(
        kind="action", fields={"case": complaint, "action": action, "department": contact_department}
    )
    side.processes["mention"] = side_task_start(
        kind="mention", fields={"case": complaint, "note": note, "mentioned": agent}
    )
    # An admin-defined step for the complaint's own department's agents (a refund check).
    step, _new = CustomStep.objects.get_or_create(
        code="refund-check",
        defaults={"name_en": "Refund check", "point": "after_verification", "role": Role.objects.get(code="agent")},
    )
    side.processes["customstep"] = side_task_start(
        kind="custom_step",
        fields={
            "case": complaint,
            "step": step,
            "point": "after_verification",
            "queue": f"complaints.queue__{store.code}__agent",
        },
    )
    side.processes["appeal"] = side_task_start(
        kind="appeal",
        fields={
            "case": complaint,
            "grounds": f"{name} appeals.",
            "department": contact_department,
            "due_at": timezone.now() + timedelta(days=2),
        },
    )
    attachment = attachment_add(
        complaint=complaint,
        upload=SimpleUploadedFile("receipt.txt", f"receipt of {name}".encode(), content_type="text/plain"),
        actor=agent,
    )
    investigation = BatchInvestigation.objects.create(
        key=f"batch-{name}", batch_number=f"{name[:3].upper()}-77", opened_how=BatchOpenedBy.MARKED
    )
    investigation.complaints.add(complaint)
    contact = OutreachContact.objects.create(
        investigation=investigation,
        complaint=complaint,
        customer_key=f"{name}-plate",
        customer_name=name,
        phone=phone,
        plate_or_vin=f"{name}-plate",
    )
    side.objects = {
        "cause": cause,
        "action": action,
        "attachment": attachment,
        "investigation": investigation,
        "contact": contact,
        "note": note,
    }
    for label, flow_class in FLOWS.items():
        process = side.processes[label]
        for node in flow_class.instance.nodes():
            task = Task.objects.filter(process=process, flow_task=node).order_by("pk").first()
            if task is None:
                # A finished row of this step, so its pages have a task to be asked about.
                task = Task.objects.create(
                    process=process,
                    flow_task=node,
                    flow_task_type=node.task_type,
                    status=STATUS.DONE,
                    finished=timezone.now(),
                )
            side.tasks[(label, node.name)] = task
    return side


def values_for(door: Door, side: Side, users: dict[str, Any]) -> dict[str, Any]:
    """The ids of `side`'s objects that fill a door's URL. A part nobody has taught this function
    falls back to the complaint's id (most doors are about a complaint) so a new door is knocked on
    from the start."""
    values: dict[str, Any] = {}
    ns = door.namespaces
    complaint = side.complaint
    for param in door.params:
        if param in NOT_OBJECTS:
            values[param] = "x"
        elif param == "process_pk":
            values[param] = side.processes[door.flow_label].pk
        elif param == "task_pk":
            values[param] = side.tasks[(door.flow_label, door.node_name)].pk
        elif param == "cause_id":
            values[param] = side.objects["cause"].pk
        elif param == "action_id":
            values[param] = side.objects["action"].pk
        elif param == "contact_pk":
            values[param] = side.objects["contact"].pk
        elif param == "pk" and ns[:2] == ("workflow", "batch") and not door.name.endswith(":mark"):
            values[param] = side.objects["investigation"].pk
        elif param in {"object_id", "pk", "id"} and ns[:1] == ("admin",):
            values[param] = admin_object_id(door, side, users)
        elif param == "content_type_id":
            from django.contrib.contenttypes.models import ContentType

            values[param] = ContentType.objects.get_for_model(Complaint).pk
        elif param in {"attachment_pk", "attachment_id"}:
            values[param] = side.objects["attachment"].pk
        else:
            values[param] = complaint.pk
    return values


def admin_object_id(door: Door, side: Side, users: dict[str, Any]) -> Any:
    """An admin change page's object: the side's own row for models about a complaint, else the
    first row of the model (configuration is not scoped; who may open it is)."""
    from django.apps import apps

    parts = door.route.split("/")
    if len(parts) < 3 or parts[0] != "admin":
        return side.complaint.pk
    try:
        model = apps.get_model(parts[1], parts[2])
    except LookupError:
        return side.complaint.pk
    if model is Complaint:
        return side.complaint.pk
    for obj in [*side.objects.values(), *side.processes.values()]:
        if isinstance(obj, model):
            return obj.pk
    if model is Task:
        return side.tasks[("complaint", "first_response")].pk
    field_names = {f.name for f in model._meta.get_fields()}
    for name in ("complaint", "case"):
        if name in field_names:
            row = model._default_manager.filter(**{name: side.complaint}).first()
            if row is not None:
                return row.pk
    if model._meta.label_lower == "auth.user":
        return users["agent"].pk
    row = model._default_manager.order_by("pk").first()
    return row.pk if row is not None else 1
