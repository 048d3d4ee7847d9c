"""The ladder in motion: escalations with their information package, compensation approvals,
collaboration requests to other departments, internal notes and the notifications sent."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from complaints.choices import (
    ApprovalStatus,
    CollaborationStep,
    EscalationReason,
    EscalationTrigger,
    NotificationEvent,
    SendBackReason,
    Urgency,
)
from complaints.models.side import CaseArtifact


class Escalation(models.Model):
    """One move on the ladder (up, back down, or a refused attempt at the top), why and by what
    trigger, with the information package the receiver sees first."""

    class Direction(models.TextChoices):
        UP = "up", _("Up")
        DOWN = "down", _("Back down")
        REFUSED = "refused", _("Refused: already at the top level")

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="escalations")
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    from_level = models.ForeignKey(
        "complaints.EscalationLevel", verbose_name=_("from level"), on_delete=models.PROTECT, related_name="+"
    )
    to_level = models.ForeignKey(
        "complaints.EscalationLevel", verbose_name=_("to level"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=30)
    trigger = models.CharField(_("trigger"), max_length=20, choices=EscalationTrigger.choices)
    note = models.TextField(_("explanation"), blank=True)
    suggested_direction = models.TextField(_("suggested direction"), blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    handling_department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("handling department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    response_due = models.DateTimeField(_("new level responds by"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("new resolution due"), null=True, blank=True)
    customer_message = models.TextField(_("message to the customer"), blank=True)
    package = models.JSONField(_("information package"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.complaint} {self.from_level.rank}→{self.to_level.rank}"

    @property
    def reason_label(self) -> str:
        """The reason in the reader's language (escalation and send-back reasons share the column)."""
        labels = dict(EscalationReason.choices) | dict(SendBackReason.choices)
        return str(labels.get(self.reason, self.reason))


class CompensationApproval(CaseArtifact, Process):
    """A compensation amount above the complaint's level authority, waiting for the lowest level
    whose authority covers it (a process of its own: its task sits in that level's queue)."""

    # Not "complaint": viewflow's Process already has that name (the link to the Complaint child).
    case = models.ForeignKey(
        "complaints.Complaint", verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="approvals"
    )
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    purpose = models.TextField(_("what it is for"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=EscalationTrigger.choices)
    level = models.ForeignKey(
        "complaints.EscalationLevel", verbose_name=_("approving level"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("approving department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(
        _("decision"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("compensation approval")
        verbose_name_plural = _("compensation approvals")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="approval_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.amount} CNY"


class CollaborationRequest(CaseArtifact, Process):
    """A question to another department (technical, PR, legal, parts) with the information package,
    a response clock and the chain it follows when nobody answers."""

    case = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="collaboration_requests",
    )
    department = models.ForeignKey(
        "complaints.Department", verbose_name=_("asked department"), on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(_("question"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    step = models.CharField(
        _("held by"), max_length=10, choices=CollaborationStep.choices, default=CollaborationStep.CONTACT
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("held by user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Set when the request passed to a person (a head or a superior) rather than a queue."),
    )
    response_due = models.DateTimeField(_("answer due"), null=True, blank=True, db_index=True)
    package = models.JSONField(_("information package"), default=dict, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("collaboration request")
        verbose_name_plural = _("collaboration requests")

    def __str__(self) -> str:
        return f"{self.case} → {self.department}"


class Note(models.Model):
    """An internal note on a complaint (never shown to the customer)."""

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return self.text[:40]


class Mention(CaseArtifact, Process):
    """A colleague named with @ in an internal note: a "read the note" task in their own inbox (a
    process of its own, like an approval), with the note and a link to the complaint."""

    case = models.ForeignKey(
        "complaints.Complaint", verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="mentions"
    )
    note = models.ForeignKey(Note, verbose_name=_("note"), on_delete=models.CASCADE, related_name="mentions")
    mentioned = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("mentioned colleague"), on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")

    def __str__(self) -> str:
        return f"{self.case} @{self.mentioned}"


class Notification(models.Model):
    """One message to one recipient about one event. The key makes sending idempotent: the same
    event never reaches the same person twice."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    event = models.CharField(_("event"), max_length=20, choices=NotificationEvent.choices)
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    address = models.CharField(_("address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    due_by = models.DateTimeField(_("must be out by"), null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, db_index=True)
    error = models.TextField(_("last error"), blank=True)
    channel = models.ForeignKey(
        "complaints.NotificationChannel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: e-mail through Django's mail backend."),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    deliver_after = models.DateTimeField(
        _("held until"), null=True, blank=True, help_text=_("Held back by the recipient's quiet hours.")
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep re-sends only what has not gone out: a partial index keeps it off the sent rows.
            models.Index(fields=["created_at"], name="notification_unsent", condition=models.Q(sent_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.address or self.recipient}"
