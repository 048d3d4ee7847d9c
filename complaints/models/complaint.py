"""The complaint (a viewflow process) and the records hanging off it."""

import uuid
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process
from viewflow.workflow.status import PROCESS

from complaints.choices import Channel, Demand, Emotion, Outcome, Stage

# The standard intake (DOMAIN.md): what the intake form asks and registration stores.
INTAKE_FIELDS = (
    "customer_name",
    "customer_phone",
    "customer_email",
    "contact_person",
    "customer_language",
    "category",
    "product_model",
    "batch_number",
    "order_number",
    "plate_or_vin",
    "purchase_date",
    "occurred_at",
    "occurred_place",
    "customer_words",
    "handler_understanding",
    "risk_flagged",
    "manager_requested",
    "demand",
    "demand_detail",
    "requested_amount",
    "emotion",
    "intake_priority",
    "channel",
    "received_at",
    "promised_response_at",
)


def site_language() -> str:
    """The site's language (settings.LANGUAGE_CODE): a new complaint's customer reads it unless
    intake says otherwise."""
    return settings.LANGUAGE_CODE


# Check constraints that say what their fields' validators say (Complaint.get_constraints).
RESTATED_BY_VALIDATORS = frozenset({"complaint_amount_not_negative", "complaint_satisfaction_1_5"})


# Columns a whole save of a complaint leaves alone: each is kept by its own writer (Complaint.save).
KEPT_ELSEWHERE = frozenset({"work_open", "process_status"})


class Complaint(Process):
    """One customer complaint from intake to follow-up.

    It is the process row of the complaint flow (a multi-table child of viewflow's Process),
    so tasks, inbox and queue join to it directly.
    """

    # NULL until intake draws a number; unique once set (several unsaved drafts may coexist).
    reference = models.CharField(_("reference"), max_length=32, unique=True, null=True, editable=False)  # noqa: DJ001

    # Customer
    customer_name = models.CharField(_("customer name"), max_length=100)
    customer_phone = models.CharField(_("customer phone"), max_length=32, blank=True)
    customer_email = models.EmailField(
        _("customer e-mail"), blank=True, help_text=_("Messages to the customer go here too (and by text message).")
    )
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    customer_language = models.CharField(
        _("customer's language"),
        max_length=16,
        choices=settings.LANGUAGES,
        default=site_language,
        help_text=_("What the customer reads: every message to the customer is written in it."),
    )

    # Product or service
    category = models.ForeignKey("complaints.Category", verbose_name=_("category"), null=True, on_delete=models.PROTECT)
    product_model = models.CharField(_("product / service model"), max_length=100, blank=True)
    batch_number = models.CharField(_("batch number"), max_length=64, blank=True)
    order_number = models.CharField(_("order / work-order number"), max_length=64, blank=True)
    plate_or_vin = models.CharField(_("plate number or VIN"), max_length=32, blank=True)
    purchase_date = models.DateField(_("purchase / delivery date"), null=True, blank=True)

    # What happened
    occurred_at = models.DateTimeField(_("happened at"), null=True, blank=True)
    occurred_place = models.CharField(_("happened where"), max_length=200, blank=True)
    customer_words = models.TextField(_("in the customer's words"))
    handler_understanding = models.TextField(_("handler's understanding"), blank=True)
    risk_flagged = models.BooleanField(
        _("safety, legal or public-opinion risk"),
        default=False,
        help_text=_("Injury or danger, a lawyer or regulator, media or social-media exposure."),
    )

    manager_requested = models.BooleanField(
        _("asked for a manager"),
        default=False,
        help_text=_("The customer explicitly asked for a manager or a higher level."),
    )

    # Demand and mood
    demand = models.CharField(_("customer's demand"), max_length=20, choices=Demand.choices)
    demand_detail = models.CharField(_("demand in detail"), max_length=300, blank=True)
    requested_amount = models.DecimalField(
        _("requested compensation (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    emotion = models.CharField(_("emotion"), max_length=20, choices=Emotion.choices, default=Emotion.CALM)
    emotion_index = models.PositiveSmallIntegerField(
        _("emotion index (0–100)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "Read from the customer's own words at intake and on each customer message (the latest reading). "
            "Triage uses the higher of the agent's emotion and the one the index reads as."
        ),
    )
    emotion_phrases = models.JSONField(
        _("phrases behind the emotion index"), default=list, blank=True, help_text=_("The words that drove the index.")
    )
    emotion_learned = models.JSONField(
        _("emotion read by the triage model"),
        null=True,
        blank=True,
        help_text=_(
            "The triage model's reading of the same words (emotion, how sure in %, the words behind it, the "
            "model's version); empty when no model in use reads emotion. Triage counts it when the model is "
            "sure enough (triage settings)."
        ),
    )
    intake_priority = models.ForeignKey(
        "complaints.Priority",
        verbose_name=_("priority chosen at intake"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("A suggested or chosen priority; triage takes it only when it is more urgent than the rules'."),
    )

    # Intake
    channel = models.CharField(_("intake channel"), max_length=20, choices=Channel.choices)
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="received_complaints",
    )
    received_at = models.DateTimeField(_("received at"), null=True)
    promised_response_at = models.DateTimeField(_("response promised by"), null=True)

    # Internal state
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices, default=Stage.INTAKE)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.OPEN)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    priority = models.ForeignKey(
        "complaints.Priority", verbose_name=_("priority"), null=True, blank=True, on_delete=models.PROTECT
    )
    level = models.ForeignKey(
        "complaints.EscalationLevel", verbose_name=_("level"), null=True, blank=True, on_delete=models.PROTECT
    )
    start_level = models.ForeignKey(
        "complaints.EscalationLevel",
        verbose_name=_("starting level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The level triage gave; a complaint above it counts as escalated."),
    )
    department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("department"),
        null=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_complaints",
        help_text=_("Stays the customer's contact through every escalation."),
    )
    stage_profile = models.ForeignKey(
        "complaints.StageProfile",
        verbose_name=_("stage profile"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Chosen at triage; decides which optional stages run."),
    )
    form_versions = models.ManyToManyField(
        "complaints.FormVersion",
        verbose_name=_("intake forms filed with"),
        blank=True,
        related_name="complaints",
        help_text=_("The category form versions in use when the complaint was registered."),
    )
    signals = models.JSONField(
        _("triage signals"),
        default=list,
        blank=True,
        help_text=_("Codes of the signals triage found (keyword lists, manager, emotion, over_authority, repeat)."),
    )
    waiting_since = models.DateTimeField(
        _("waiting for the customer since"),
        null=True,
        blank=True,
        help_text=_("While set, the resolution clock is paused."),
    )
    waiting_reason = models.CharField(_("waiting for"), max_length=300, blank=True)
    level_entered_at = models.DateTimeField(_("at this level since"), null=True, blank=True)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True, db_index=True)
    response_due = models.DateTimeField(_("level response due"), null=True, blank=True, db_index=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True, db_index=True)
    rework_round = models.PositiveSmallIntegerField(_("rework rounds"), default=0)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    satisfaction_comment = models.TextField(_("follow-up comment"), blank=True)
    satisfaction_before = models.PositiveSmallIntegerField(
        _("satisfaction before handling (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("What the customer said in the survey of their satisfaction before the complaint was handled."),
    )
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    # Kept by the flows (services.open_work), never by a form or a save of the complaint (save): the
    # searches of lists that show open work only read it to narrow what they test (selectors.worklist).
    work_open = models.BooleanField(
        _("work open"),
        default=True,
        db_default=True,
        editable=False,
        help_text=_(
            "Whether the complaint's process or one of its side processes (approval, collaboration, corrective "
            "action, mention, custom step, appeal) is unfinished."
        ),
    )

    # A copy of the process's status (viewflow's `status`, on its own table), kept by the database
    # (migration 0054's triggers) on every path that finishes, cancels or reopens a process, never by
    # Python (save leaves it out): the complaint list filtered by status and stage reads both from
    # one index of this table (issue 17). Read the process's `status` everywhere else.
    process_status = models.CharField(
        _("process status"),
        max_length=50,
        choices=PROCESS.choices,
        default=PROCESS.NEW,
        db_default=PROCESS.NEW,
        editable=False,
        help_text=_("The status of the complaint's process, copied by the database for the lists' filters."),
    )

    # Privacy
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_("While set, retention and erasure requests leave the customer's personal data untouched."),
    )
    anonymised_at = models.DateTimeField(
        _("personal data anonymised at"), null=True, blank=True, help_text=_("Set by retention or an erasure request.")
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        permissions = [("register_complaint", _("Can register complaints"))]
        # The KPIs' cohort is the complaints received in a period (complaints.selectors.kpi).
        indexes = [
            models.Index(fields=["received_at"], name="complaint_received"),
            # Triage's repeat and same-issue checks look a caller's complaints up by phone at every
            # registration (the trigram index serves searches, not this equality).
            models.Index(fields=["customer_phone", "received_at"], name="complaint_phone_received"),
            # A search for a whole order number finds it by equality, any case (worklist.exact_match).
            models.Index(Upper("order_number"), name="complaint_order_exact"),
            # A name of one or two characters (the trigram index takes nothing from it) is found
            # whole, by equality, any case (worklist.exact_match).
            models.Index(Upper("customer_name"), name="complaint_name_exact"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requested_amount__isnull=True) | models.Q(requested_amount__gte=0),
                name="complaint_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True) | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="complaint_satisfaction_1_5",
            ),
        ]

    def get_constraints(self) -> list[tuple[type[models.Model], list[Any]]]:
        """The constraints `full_clean` validates: not the check constraints that restate the
        amount's and the satisfaction's field validators, which it has just run (the database still
        enforces them): checked again, each costs the form a savepoint, a query and building it."""
        return [
            (model, [c for c in constraints if c.name not in RESTATED_BY_VALIDATORS])
            for model, constraints in super().get_constraints()
        ]

    def __str__(self) -> str:
        return self.reference or str(_("New complaint"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A copy masked for a reader (selectors.privacy.shield) must never overwrite the real details.
        if getattr(self, "_contact_masked", False):
            raise ValueError("A complaint masked for display cannot be saved.")
        fields = kwargs.get("update_fields")
        if fields is not None and not args and set(kwargs) == {"update_fields"}:
            # Inside a transition the save is written with the complaint's others (services.held_rows).
            from complaints.services.held_rows import held_rows

            held = held_rows()
            if held is not None and held.hold_update(self, fields):
                return
        elif fields is None and not args and not kwargs and not self._state.adding and self.pk is not None:
            # A whole save (the admin's, intake's) writes every loaded column but `work_open`, which
            # only its refresh writes (this copy's value may predate a side process started since),
            # and `process_status`, which only the database writes.
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.attname
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in KEPT_ELSEWHERE and field.attname not in deferred
            ]
        super().save(*args, **kwargs)

    @property
    def is_escalated(self) -> bool:
        """Above the level triage gave it: its handling steps go to the current level's queue."""
        return self.level is not None and self.start_level is not None and self.level.rank > self.start_level.rank


class ReferenceCounter(models.Model):
    """Last number handed out per prefix and year; rows are locked while a number is drawn."""

    prefix = models.CharField(max_length=5)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    """A random name under the complaint's folder: the customer's file name is kept in `name` only,
    and no stored path can be guessed (files are served by a view that checks scope, never from a
    public folder)."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"complaints/{instance.complaint_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    answer = models.ForeignKey(
        "complaints.Answer",
        verbose_name=_("form answer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="files",
        help_text=_("Set when the file answers a question of the category's form."),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The door that serves the file after checking who asks (see web.actions)."""
        return reverse("workflow:flows:complaint:attachment", args=[self.complaint_id, self.pk])

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def pending_path(instance: "PendingUpload", filename: str) -> str:
    """A random name under the uploader's folder of files kept for a form not yet saved."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"pending/{instance.owner_id}/{uuid.uuid4().hex}{suffix}"


class PendingUpload(models.Model):
    """A file chosen on an intake form that came back with an error: kept for that draft (the
    form's `draft` token) so the agent need not choose it again. It becomes an attachment (or the
    answer to the category's file question it was chosen for) when the form is saved; unsaved
    ones are removed after the admin's time (ProcessSettings)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    draft = models.CharField(_("draft"), max_length=32, db_index=True)
    # Empty: the form's own attachments; else the key of the category's file question it answers.
    question = models.CharField(_("question"), max_length=40, blank=True, default="")
    file = models.FileField(_("file"), upload_to=pending_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("kept at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("file kept for a form")
        verbose_name_plural = _("files kept for forms")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


class CustomerContact(models.Model):
    """A call or message to or from the customer: what was said and what was promised."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    summary = models.TextField(_("what was said"))
    promise = models.CharField(_("what was promised"), max_length=300, blank=True)
    promised_by = models.DateTimeField(_("promised by"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer contact")
        verbose_name_plural = _("customer contacts")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.summary[:40]}"
