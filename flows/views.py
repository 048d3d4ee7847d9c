"""Task views of the complaint flow: validate a form, call one service, finish the task."""

from abc import ABC, abstractmethod
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from viewflow.views import FormLayoutMixin
from viewflow.workflow.flow.views import mixins

from complaints import forms
from complaints.choices import RoutedStage
from complaints.forms import customer_side as customer_side_forms
from complaints.forms import escalation as ladder_forms
from complaints.forms import page as page_forms
from complaints.forms import quality as quality_forms
from complaints.forms import steps as step_forms
from complaints.forms.refusals import RefusalFormMixin
from complaints.models import Complaint, PendingUpload
from complaints.selectors.intake import pending_uploads, triage_outcome
from complaints.selectors.privacy import may_see_contact, shield_rows
from complaints.selectors.quality import step_checklist
from complaints.selectors.steps import run_form
from complaints.services import intake, quality, stages
from complaints.services.appeal import appeal_decide
from complaints.services.approvals import approval_decide
from complaints.services.collaboration import collaboration_answer
from complaints.services.notes import mention_read
from complaints.services.pending import pending_discard, pending_files, pending_keep
from complaints.services.steps import custom_step_record
from complaints.services.transitions import one_transition


def kept_read_back(answer: Any) -> Any:
    """A file question's answer with its kept files (rows) read back as files; other answers as they are."""
    if not isinstance(answer, list) or not any(isinstance(item, PendingUpload) for item in answer):
        return answer
    rows = [item for item in answer if isinstance(item, PendingUpload)]
    return [item for item in answer if not isinstance(item, PendingUpload)] + pending_files(rows)


class IntakeView(FormLayoutMixin, mixins.TaskSuccessUrlMixin, mixins.TaskViewTemplateNames, generic.FormView):
    """Start node: register a complaint through the standard intake form."""

    form_class = forms.IntakeForm
    template_filename = "start.html"
    # The start page's words (templates/viewflow/workflow/start.html), not viewflow's "Start".
    start_label = _("New complaint")
    submit_label = _("Register the complaint")
    continue_label = _("Register and open my next task")
    request: Any  # viewflow's wrapper adds .activation

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.request.activation.process}

    def get_initial(self) -> dict[str, Any]:
        # ?category= preselects a category and asks its questions (the page's script fetches the
        # page this way when the agent picks a category).
        return {**super().get_initial(), "category": self.request.GET.get("category") or None}

    def form_invalid(self, form: forms.IntakeForm) -> HttpResponse:
        # A browser cannot refill a file input: the files that passed their checks are kept for
        # this draft (services.pending) and offered ticked; the others (refused, or beyond the
        # admin's bound) are named above the form, where the user looks first.
        chosen = [upload for upload in self.request.FILES.getlist("attachments") if upload.name]
        valid = [] if "attachments" in form.errors else list(form.cleaned_data.get("attachments") or [])
        ticked = [row.pk for row in form.cleaned_data.get("kept") or []] if "kept" not in form.errors else []
        kept, left = pending_keep(owner=self.request.user, draft=form.draft_token, uploads=valid)
        left = left if valid else chosen
        # The category's own file questions: the files that passed their checks, kept the same way
        # under their question (a question with an error already says so under it).
        for question, uploads in form.answer_uploads().items():
            rows, refused = pending_keep(
                owner=self.request.user, draft=form.draft_token, uploads=uploads, question=question
            )
            kept, left = kept + rows, left + refused
        form.show_kept(checked=ticked + [row.pk for row in kept])
        again = [str(upload.name) for upload in left]
        if again:
            form.add_error(
                None,
                _("Nothing was saved, so choose these files again: %(files)s.") % {"files": ", ".join(again)},
            )
        return super().form_invalid(form)

    def form_valid(self, form: forms.IntakeForm) -> HttpResponse:
        # One transaction: if triage cannot run (configuration incomplete), nothing is kept.
        # Kept files ticked for a file question answer it (form.add_kept_answers); the others
        # are the form's attachments. One transition: configuration read once, list rows once.
        # It is viewflow's transaction around the start page's POST (no savepoint of its own):
        # nothing here catches an error, so any error rolls the whole registration back.
        kept = [row for row in form.cleaned_data.get("kept") or [] if not row.question]
        with one_transition(savepoint=False):
            complaint = intake.complaint_register(
                complaint=self.request.activation.process,
                data=form.cleaned_data,
                department=form.cleaned_data["department"],
                receiver=self.request.user,
                attachments=pending_files(kept) + list(form.cleaned_data.get("attachments") or []),
                answer_form=form.answer_form,
                answers={key: kept_read_back(value) for key, value in form.answers.items()},
            )
            # The draft's kept files are attached (ticked) or left out (unticked): none stays.
            pending_discard(
                list(pending_uploads(owner=self.request.user, draft=form.draft_token)), actor=self.request.user
            )
            self.request.activation.execute()
        outcome = triage_outcome(complaint)
        if outcome["alerted"]:
            told = _(
                "Complaint %(reference)s registered: %(priority)s at %(level)s, %(department)s — alerted: %(alerted)s."
            )
        else:
            told = _("Complaint %(reference)s registered: %(priority)s at %(level)s, %(department)s.")
        messages.success(self.request, told % outcome, fail_silently=True)
        return HttpResponseRedirect(self.get_success_url())


class StepView(
    RefusalFormMixin, FormLayoutMixin, mixins.TaskSuccessUrlMixin, mixins.TaskViewTemplateNames, generic.FormView
):
    """A human step: its form is validated, `perform` records it through a service, the task finishes.
    A refusal from the service re-renders the form with the message and changes nothing."""

    template_filename = "task.html"
    form_wants_context = False
    submit_label = _("Complete this step")  # the step's own verb on its button
    request: Any  # viewflow's wrapper adds .activation

    @property
    def complaint(self) -> Complaint:
        return self.request.activation.process

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.form_wants_context:
            kwargs.update(user=self.request.user, complaint=self.complaint)
        return kwargs

    def form_valid(self, form: Any) -> HttpResponse:
        # One transition: the step's service and the flow's next nodes read the configuration once
        # and refresh the case's list rows once, at the end, in the flow's lock transaction (which
        # nothing between catches: no savepoint of its own; the refusal's block keeps one).
        with one_transition(savepoint=False):
            return super().form_valid(form)

    def perform(self, data: dict[str, Any]) -> None:
        """Records the step through one service call; each step view below defines it."""

    def succeeded(self, form: Any, result: None) -> HttpResponse:
        self.request.activation.execute()
        messages.success(
            self.request,
            _("%(step)s done for %(reference)s.")
            % {"step": self.request.activation.flow_task, "reference": self.complaint.reference},
            fail_silently=True,
        )
        return HttpResponseRedirect(self.get_success_url())


class FirstResponseView(StepView):
    submit_label = _("Record the first response")
    form_class = forms.FirstResponseForm

    def perform(self, data: dict[str, Any]) -> None:
        stages.complaint_record_first_response(complaint=self.complaint, actor=self.request.user, **data)


class VerificationView(StepView):
    submit_label = _("Record the verification")
    form_class = forms.VerificationForm
    form_wants_context = True

    def perform(self, data: dict[str, Any]) -> None:
        stages.complaint_verify(
            complaint=self.complaint,
            actor=self.request.user,
            outcome=data["outcome"],
            explanation=data.get("explanation", ""),
            duplicate_of=data.get("duplicate_of"),
        )


class ContainmentView(StepView):
    submit_label = _("Record the containment")
    form_class = forms.ContainmentForm

    def perform(self, data: dict[str, Any]) -> None:
        stages.capa_record_containment(complaint=self.complaint, actor=self.request.user, **data)


class QualityStepView(StepView):
    """A quality step: its page lists what the step needs (recorded on the complaint page)."""

    step = ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(checklist=step_checklist(complaint=self.complaint, step=self.step), **kwargs)


class RootCauseView(QualityStepView):
    """Completes the analysis once the complaint page holds the 5W2H and a confirmed cause."""

    submit_label = _("Complete the analysis")
    form_class = quality_forms.RootCauseForm
    step = RoutedStage.ROOT_CAUSE

    def perform(self, data: dict[str, Any]) -> None:
        quality.complaint_record_root_cause(
            complaint=self.complaint, actor=self.request.user, description=data["description"]
        )


class PermanentActionView(QualityStepView):
    """Completes the permanent actions once every one planned on the complaint page is done."""

    submit_label = _("Complete the permanent actions")
    form_class = quality_forms.PermanentActionForm
    step = RoutedStage.PERMANENT_ACTIONS

    def perform(self, data: dict[str, Any]) -> None:
        quality.capa_permanent_complete(complaint=self.complaint, actor=self.request.user, note=data.get("note") or "")


class EffectivenessView(QualityStepView):
    """Completes the check once every permanent action has a verdict; any "not effective" sends
    the process back to permanent actions."""

    submit_label = _("Record the effectiveness check")
    form_class = quality_forms.EffectivenessForm
    step = RoutedStage.EFFECTIVENESS

    def perform(self, data: dict[str, Any]) -> None:
        quality.capa_effectiveness_complete(
            complaint=self.complaint, actor=self.request.user, note=data.get("note") or ""
        )


class ConfirmationView(StepView):
    submit_label = _("Record the customer's answer")
    form_class = forms.ConfirmationForm

    def perform(self, data: dict[str, Any]) -> None:
        stages.contact_record(
            complaint=self.complaint, actor=self.request.user, channel=data["channel"], summary=data["note"] or "—"
        )
        stages.complaint_record_confirmation(
            complaint=self.complaint, actor=self.request.user, outcome=data["outcome"], note=data["note"]
        )


class FollowUpView(StepView):
    submit_label = _("Record the follow-up")
    form_class = forms.FollowUpForm

    def perform(self, data: dict[str, Any]) -> None:
        stages.complaint_record_follow_up(complaint=self.complaint, actor=self.request.user, **data)


class SideTaskView(StepView, ABC):
    """A step of a side-task flow (approval, collaboration, action, mention): the form, one service
    call, done. The page shows the complaint and its information package first."""

    @property
    def complaint(self) -> Complaint:
        return self.request.activation.process.case

    @abstractmethod
    def perform(self, data: dict[str, Any]) -> None:
        """Records the side task's decision or answer through one service."""


class ApprovalView(SideTaskView):
    submit_label = _("Record the decision")
    form_class = ladder_forms.ApprovalForm

    def perform(self, data: dict[str, Any]) -> None:
        approval_decide(
            approval=self.request.activation.process,
            actor=self.request.user,
            approve=data["approve"],
            note=data.get("note") or "",
        )


class CollaborationAnswerView(SideTaskView):
    submit_label = _("Send the answer")
    form_class = ladder_forms.CollaborationAnswerForm

    def perform(self, data: dict[str, Any]) -> None:
        collaboration_answer(request=self.request.activation.process, actor=self.request.user, answer=data["answer"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The question as the asked department may read it: the customer's details and any phone
        number or e-mail address inside it masked unless the privacy policy shows the case in full."""
        row, case = self.request.activation.process, self.complaint
        (shown,) = shield_rows(
            [row], fields=("question", "answer"), complaint=case, full=may_see_contact(self.request.user, case)
        )
        return super().get_context_data(request_row=shown, **kwargs)


class ActionDoneView(SideTaskView):
    """Another department's task for a corrective action: report it done with its evidence."""

    submit_label = _("Report the action done")
    form_class = quality_forms.ActionDoneForm

    def perform(self, data: dict[str, Any]) -> None:
        quality.action_report_done(
            action=self.request.activation.process.action, actor=self.request.user, evidence=data["evidence"]
        )


class AppealDecisionView(SideTaskView):
    """The customer-experience office decides an appeal, beside the whole case."""

    submit_label = _("Record the decision")
    form_class = customer_side_forms.AppealDecisionForm

    def perform(self, data: dict[str, Any]) -> None:
        appeal_decide(
            appeal=self.request.activation.process,
            actor=self.request.user,
            decision=data["decision"],
            text=data["text"],
            remedy=data.get("remedy") or "",
        )


class MentionReadView(SideTaskView):
    """The note a colleague was named in, beside its complaint; saving marks it read."""

    submit_label = _("Mark as read")
    form_class = page_forms.MentionReadForm

    def perform(self, data: dict[str, Any]) -> None:
        mention_read(mention=self.request.activation.process, actor=self.request.user)


class CustomStepView(SideTaskView):
    """An admin-defined step: its questions (the form version the task started with), a note, and
    for a gate the choice to refuse and send the case back."""

    submit_label = _("Record the step")
    form_class = step_forms.CustomStepForm
    answers: dict[str, Any]

    def get_form_kwargs(self) -> dict[str, Any]:
        run = self.request.activation.process
        return {**super().get_form_kwargs(), "answer_form": run_form(run), "gate": run.step.gate}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(custom_step=self.request.activation.process.step, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        self.answers = form.answers
        return super().form_valid(form)

    def perform(self, data: dict[str, Any]) -> None:
        custom_step_record(
            run=self.request.activation.process,
            actor=self.request.user,
            answers=self.answers,
            refuse=bool(data.get("refuse")),
            note=data.get("note") or "",
        )
