"""Claim, release and reassign pages, single and in bulk. viewflow's wrappers take the flow lock and
check the permission; the services change the owner with a conditional update and write the event."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import generic
from viewflow.views import FormLayoutMixin
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.flow.views import (
    AssignTaskView,
    BulkAssignTasksActionView,
    BulkUnassignTasksActionView,
    UnassignTaskView,
    mixins,
)

from complaints.forms.refusals import RefusalFormMixin, refusal_text
from complaints.models import Complaint
from complaints.rules.names import person_name
from complaints.selectors.common import complaint_of_process
from complaints.selectors.worklist import LIST_RELATED, attach_cases, queue_holders
from complaints.services.assignment import AssignmentRefused, task_claim, task_reassign, task_release
from complaints.services.errors import Refused


class TaskRefusalMixin(RefusalFormMixin):
    """Claim and release: a refusal from the service comes back as an error message on the task
    page (they have no form of their own to show it on)."""

    request: Any

    def refused(self, form: Any, refusal: Refused) -> HttpResponse:
        messages.error(self.request, refusal_text(refusal), fail_silently=True)
        activation = self.request.activation
        return HttpResponseRedirect(
            activation.flow_task.reverse("detail", args=[activation.process.pk, activation.task.pk])
        )


class ClaimTaskView(TaskRefusalMixin, AssignTaskView):
    success_message = _("Task {task} is yours now.")

    def perform(self, data: dict[str, Any]) -> None:
        task_claim(task=self.request.activation.task, actor=self.request.user)

    def succeeded(self, form: Any, result: None) -> HttpResponse:
        return super(AssignTaskView, self).form_valid(form)


class ReleaseTaskView(TaskRefusalMixin, UnassignTaskView):
    success_message = _("Task {task} is back in its queue.")

    def perform(self, data: dict[str, Any]) -> None:
        task_release(task=self.request.activation.task, actor=self.request.user)

    def succeeded(self, form: Any, result: None) -> HttpResponse:
        return super(UnassignTaskView, self).form_valid(form)


class ReassignForm(forms.Form):
    """The colleagues who hold the task's queue; anyone else is refused."""

    user: "forms.ModelChoiceField[Any]" = forms.ModelChoiceField(
        label=_("Hand over to"),
        queryset=None,
        error_messages={"invalid_choice": _("Choose someone who holds this task's queue.")},
    )
    note = forms.CharField(label=_("Note for the timeline"), required=False, max_length=300)

    def __init__(self, *args: Any, task: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        field.queryset = queue_holders(task.owner_permission).exclude(pk=task.owner_id)  # type: ignore[attr-defined]
        field.label_from_instance = lambda user: (  # type: ignore[attr-defined]
            f"{person_name(user)} ({user.get_username()})" if user.first_name or user.last_name else user.get_username()
        )


class ReassignTaskView(
    RefusalFormMixin,
    FormLayoutMixin,
    mixins.SuccessMessageMixin,
    mixins.TaskSuccessUrlMixin,
    mixins.TaskViewTemplateNames,
    generic.FormView,
):
    form_class = ReassignForm
    template_name = "web/task_reassign.html"
    success_message = _("Task {task} has been handed over.")
    request: Any

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "task": self.request.activation.task}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The complaint beside the form (an approval's or a collaboration request's case).
        case_id = complaint_of_process(self.request.activation.process.pk)
        complaint = Complaint.objects.select_related("priority", "level", "category", "department", "owner")
        return super().get_context_data(complaint=complaint.filter(pk=case_id).first(), **kwargs)

    refusal_field = "user"

    def perform(self, data: dict[str, Any]) -> None:
        task_reassign(
            task=self.request.activation.task, actor=self.request.user, to_user=data["user"], note=data["note"]
        )

    def succeeded(self, form: Any, result: None) -> HttpResponse:
        return super(RefusalFormMixin, self).form_valid(form)


def _each_locked(view: Any, act: Any) -> tuple[int, int]:
    """Runs `act(task)` on each selected task under its complaint's flow lock, re-reading the task
    first; a task that changed hands meanwhile, or whose lock is busy, is skipped and counted."""
    done = skipped = 0
    for task in view.get_queryset():
        try:
            with task.activation() as activation:
                act(activation.task)
            done += 1
        except (AssignmentRefused, FlowLockFailed):
            skipped += 1
    return done, skipped


class BulkPageMixin:
    """The confirmation page of a bulk action: the selected tasks by reference, step and category."""

    template_name = "web/tasks_bulk.html"
    get_queryset: Any

    def rows(self) -> list[Any]:
        return attach_cases(list(self.get_queryset().select_related(*LIST_RELATED)))


class BulkClaimView(BulkPageMixin, BulkAssignTasksActionView):
    """Claims the selected tasks of the user's queue. Only tasks in the user's queue are touched
    (never a task picked by id from elsewhere); one a colleague took meanwhile is skipped and said."""

    page_title = _("Claim the selected tasks")
    verb = _("Claim")
    back_to, back_label = "queue", _("Queue")

    def get_queryset(self) -> Any:
        self.queryset = self.model._default_manager.queue(self.viewset.flow_classes, self.request.user)
        return super().get_queryset()

    def form_valid(self, form: Any) -> HttpResponse:
        user = self.request.user
        done, skipped = _each_locked(self, lambda task: task_claim(task=task, actor=user))
        self.report(done, skipped)
        return HttpResponseRedirect(self.get_success_url())

    def report(self, done: int, skipped: int) -> None:
        messages.success(
            self.request,
            ngettext("%(count)d task claimed.", "%(count)d tasks claimed.", done) % {"count": done},
            fail_silently=True,
        )
        if skipped:
            messages.warning(
                self.request,
                ngettext(
                    "%(count)d task was taken by a colleague meanwhile.",
                    "%(count)d tasks were taken by colleagues meanwhile.",
                    skipped,
                )
                % {"count": skipped},
                fail_silently=True,
            )

    def get_success_url(self) -> str:
        return self.viewset.reverse("queue")


class BulkReleaseView(BulkPageMixin, BulkUnassignTasksActionView):
    """Releases the selected tasks of the user's inbox back to their queues."""

    page_title = _("Release the selected tasks")
    verb = _("Release to the queue")
    back_to, back_label = "inbox", _("Inbox")

    def get_queryset(self) -> Any:
        self.queryset = self.model._default_manager.inbox(self.viewset.flow_classes, self.request.user)
        return super().get_queryset()

    def form_valid(self, form: Any) -> HttpResponse:
        user = self.request.user
        done, _skipped = _each_locked(self, lambda task: task_release(task=task, actor=user))
        messages.success(
            self.request,
            ngettext("%(count)d task released.", "%(count)d tasks released.", done) % {"count": done},
            fail_silently=True,
        )
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self.viewset.reverse("inbox")
