"""An appeal to the independent customer-experience office: a process of its own (its task waits in
the office's queue, with its own clock), outside the escalation ladder."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from viewflow.workflow.models import Process

from complaints.choices import AppealDecision
from complaints.models.side import CaseArtifact


class Appeal(CaseArtifact, Process):
    """The customer (through their link) or an agent on their behalf asks the office to review the
    case; the office's decision is recorded here and told to the customer. One per complaint."""

    case = models.ForeignKey(
        "complaints.Complaint", verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="appeals"
    )
    grounds = models.TextField(_("why the customer appeals"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The agent who filed it for the customer (empty: the customer, through their link)."),
    )
    department = models.ForeignKey(
        "complaints.Department", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("decision due"))
    decision = models.CharField(
        pgettext_lazy("appeal", "Decision"), max_length=10, choices=AppealDecision.choices, blank=True
    )
    decision_text = models.TextField(_("decision and reasons"), blank=True)
    remedy = models.TextField(_("remedy"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [models.UniqueConstraint(fields=["case"], name="appeal_one_per_complaint")]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_decision_display() or _('open')}"
