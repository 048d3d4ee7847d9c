"""Drive the complaint process from code, through the same forms and step views as the web pages.

Used by the demo seed and by tests that need a complaint at a given stage; the web client tests
post the real pages instead.
"""

from types import SimpleNamespace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.forms import IntakeForm
from complaints.models import Complaint
from complaints.services import intake
from flows.flows import ComplaintFlow


def start_complaint(*, user: Any, data: dict[str, Any], files: dict[str, Any] | None = None) -> Complaint:
    """Registers a complaint as `user` from raw form data; raises ValidationError on bad input."""
    node = ComplaintFlow.start
    activation = node.activation_class.create(node, None, None)
    if not node.can_execute(user, activation.task):
        raise PermissionDenied
    form = IntakeForm(data=data, files=files, user=user, instance=activation.process)
    if not form.is_valid():
        raise ValidationError(form.errors.as_json())
    with transaction.atomic():
        activation.start(SimpleNamespace(user=user))
        complaint = intake.complaint_register(
            complaint=activation.process,
            data=form.cleaned_data,
            department=form.cleaned_data["department"],
            receiver=user,
            attachments=form.cleaned_data.get("attachments") or [],
            answer_form=form.answer_form,
            answers=form.answers,
        )
        activation.execute()
    return complaint


def start_with(first_step: Any) -> Complaint:
    """Starts the complaint process as the system (the customer's public form): `first_step`
    registers the new process row, then the flow runs triage. One transaction."""
    node = ComplaintFlow.start
    activation = node.activation_class.create(node, None, None)
    with transaction.atomic():
        activation.start(SimpleNamespace(user=None))
        complaint = first_step(activation.process)
        activation.execute()
    return complaint


def complete_as_customer(*, complaint: Complaint, step: str, perform: Any) -> Any:
    """Completes the open task of `step` without a staff user (the customer answered by link): the
    task is taken from its queue or its holder, `perform` records the answer, the flow moves on.
    Raises NoOpenStep when the step is not open."""
    from complaints.services.work import NoOpenStep

    node = getattr(ComplaintFlow, step)
    waiting = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
    task = Task.objects.filter(process_id=complaint.pk, flow_task=node, status__in=waiting).first()
    if task is None:
        raise NoOpenStep(step)
    with transaction.atomic(), task.activation() as activation:
        if activation.task.status == STATUS.NEW:
            activation.assign(activation.task.owner)
        if activation.task.status == STATUS.ASSIGNED:
            activation.start(SimpleNamespace(user=None))
        result = perform()
        activation.process.refresh_from_db()
        activation.execute()
    return result


def open_task(complaint: Complaint, node: Any) -> Task:
    return Task.objects.get(process=complaint, flow_task=node, finished__isnull=True)


def complete_step(*, complaint: Complaint, node: Any, user: Any, data: dict[str, Any]) -> None:
    """Claims (if queued) and completes the open task of `node` as `user` with raw form data."""
    task = open_task(complaint, node)
    with task.activation() as activation:
        flow_task = activation.flow_task
        if activation.task.status == STATUS.NEW:
            if not flow_task.can_assign(user, activation.task):
                raise PermissionDenied
            activation.assign(user)
        if not flow_task.can_execute(user, activation.task):
            raise PermissionDenied
        view = flow_task._view.view_class()
        view.request = SimpleNamespace(user=user, activation=activation)
        view.kwargs = {}
        form_kwargs: dict[str, Any] = {"data": data}
        if view.form_wants_context:
            form_kwargs.update(user=user, complaint=activation.process)
        form = view.form_class(**form_kwargs)
        if not form.is_valid():
            raise ValidationError(form.errors.as_json())
        activation.start(SimpleNamespace(user=user))
        view.perform(form.cleaned_data)
        activation.execute()
