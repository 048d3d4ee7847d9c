"""Reopening a closed complaint in the process: the domain change is complaints.services.reopen;
this puts the case back on the flow at containment (the rework round the customer's "not
satisfied" also takes), so its tasks continue as they would after a second round."""

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow import PROCESS, STATUS
from viewflow.workflow.models import Process, Task
from viewflow.workflow.token import Token

from complaints.forms import escalation as forms
from complaints.models import Complaint
from complaints.rules.clocks import is_closed
from complaints.services.open_work import open_work_refresh
from complaints.services.reopen import ReopenRefused, complaint_reopen
from flows.flows import ComplaintFlow
from web.actions import ComplaintActionView

WAITING = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED, STATUS.SCHEDULED)


def complaint_reopen_process(*, complaint: Complaint, actor: Any, reason: str, now: datetime | None = None) -> Task:
    """Reopens the complaint (the service checks who and why) and opens its containment task in
    the containment queue; the follow-up still waiting is cancelled. Returns the new task."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = complaint_reopen(complaint=complaint, actor=actor, reason=reason, now=now)
        Task.objects.filter(process_id=complaint.pk, status__in=WAITING).update(status=STATUS.CANCELED, finished=now)
        Process.objects.filter(pk=complaint.pk).update(status=PROCESS.NEW, finished=None)
        complaint.status, complaint.finished = PROCESS.NEW, None
        open_work_refresh(complaint.pk)
        last = Task.objects.filter(process_id=complaint.pk).order_by("-created", "-pk").first()
        node = ComplaintFlow.containment
        previous = SimpleNamespace(process=complaint, task=last)
        activation = node.activation_class.create(node, previous, Token("start"))
        return activation.task


class ReopenView(ComplaintActionView):
    """The only door a closed complaint offers: reopen it with the customer's reason."""

    form_class = forms.ReopenForm

    def allowed(self) -> bool:
        return is_closed(self.complaint) and super().allowed()

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Reopen %(reference)s") % {"reference": self.complaint.reference}

    def intro(self) -> str:
        return _(
            "The customer complained again: the complaint goes back to containment at %(level)s with new "
            "deadlines counted from now, and the reason goes on its timeline."
        ) % {"level": self.complaint.level}

    def perform(self, data: dict[str, Any]) -> str:
        complaint_reopen_process(complaint=self.complaint, actor=self.request.user, reason=data["reason"])
        return _("Reopened: the complaint is back at containment.")


__all__ = ["ReopenRefused", "ReopenView", "complaint_reopen_process"]
