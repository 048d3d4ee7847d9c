"""Category intake forms (admin-defined, versioned) and the answers complaints were filed with.

A form version is a draft until it is published; a published version is never edited again
(editing starts a new draft), so an answer always points at the exact question it answered."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints.choices import ConditionEffect, FieldKind, FormStatus
from complaints.rules.intake_forms import (
    FILE_KINDS,
    NO,
    NUMBER_KINDS,
    YES,
    FieldDef,
    parse_choices,
    parse_condition_values,
    parse_extensions,
)

# Standard intake fields a category form may make required (the rest are always asked or always
# required already).
REQUIRABLE_STANDARD_FIELDS = (
    "contact_person",
    "product_model",
    "batch_number",
    "order_number",
    "plate_or_vin",
    "purchase_date",
    "occurred_at",
    "occurred_place",
    "handler_understanding",
    "demand_detail",
    "requested_amount",
)


class FormVersion(models.Model):
    """One version of the extra questions a category asks at intake."""

    category = models.ForeignKey(
        "complaints.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="form_versions",
        help_text=_(
            "The questions are asked for this category and every subcategory below it (a subcategory's "
            "own form adds its questions after these)."
        ),
    )
    custom_step = models.ForeignKey(
        "complaints.CustomStep",
        verbose_name=_("custom step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="form_versions",
        editable=False,
        help_text=_("The questions of a custom step's task (a form belongs to a category or to a custom step)."),
    )
    number = models.PositiveIntegerField(_("version"), editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=FormStatus.choices, default=FormStatus.DRAFT, editable=False
    )
    note = models.CharField(
        _("what changed"), max_length=300, blank=True, help_text=_("For the history, e.g. “rescue location added”.")
    )
    required_standard_fields = models.JSONField(
        _("standard fields required for this category"),
        default=list,
        blank=True,
        help_text=_("Standard intake fields that become required, e.g. batch number and delivery date for quality."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("intake form")
        verbose_name_plural = _("intake forms")
        ordering = ["category__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["category", "number"], name="form_version_number_unique"),
            models.UniqueConstraint(fields=["custom_step", "number"], name="form_version_number_unique_step"),
            models.UniqueConstraint(
                fields=["category"], condition=models.Q(status=FormStatus.DRAFT), name="form_one_draft_per_category"
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(status=FormStatus.PUBLISHED),
                name="form_one_published_per_category",
            ),
            models.UniqueConstraint(
                fields=["custom_step"],
                condition=models.Q(status=FormStatus.DRAFT),
                name="form_one_draft_per_step",
            ),
            models.UniqueConstraint(
                fields=["custom_step"],
                condition=models.Q(status=FormStatus.PUBLISHED),
                name="form_one_published_per_step",
            ),
            models.CheckConstraint(
                condition=models.Q(category__isnull=True) ^ models.Q(custom_step__isnull=True),
                name="form_owner_category_or_step",
            ),
        ]

    def __str__(self) -> str:
        owner = self.category if self.category_id is not None else self.custom_step
        return str(_("%(category)s, form v%(number)s") % {"category": owner, "number": self.number})

    @property
    def owner_lock(self) -> Any:
        """The row locked while this form's versions change (its category or its custom step)."""
        return self.category if self.category_id is not None else self.custom_step

    @property
    def editable(self) -> bool:
        return self.status == FormStatus.DRAFT


class FormField(models.Model):
    """One question of a form version. Its key is what routing rules, filters and exports use; keep
    the key when rewording a question in a new version so old and new answers line up."""

    version = models.ForeignKey(FormVersion, verbose_name=_("form"), on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveIntegerField(_("order"), default=0)
    key = models.SlugField(
        _("key"),
        max_length=40,
        help_text=_(
            "Lower-case letters, digits and _ (e.g. rescue_order_no). Routing rules test it with the form. "
            "prefix (form.rescue_order_no); filters and exports use it as it is."
        ),
    )
    kind = models.CharField(_("type"), max_length=20, choices=FieldKind.choices)
    label_zh_hans = models.CharField(_("label (Chinese)"), max_length=200, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    help_zh_hans = models.CharField(_("help text (Chinese)"), max_length=300, blank=True)
    help_en = models.CharField(_("help text (English)"), max_length=300, blank=True)
    staff_only = models.BooleanField(
        _("staff only"),
        default=False,
        help_text=_("Asked on the staff intake only; the customer's public form leaves it out."),
    )
    required = models.BooleanField(
        _("required"), default=False, help_text=_("With a condition: required while the condition holds.")
    )
    default = models.CharField(
        _("default"),
        max_length=200,
        blank=True,
        help_text=_(
            "Pre-filled answer, typed as the agent would (yes/no: “yes”; multiple choice: codes, comma-separated)."
        ),
    )
    choices = models.TextField(
        _("choices"),
        blank=True,
        help_text=_(
            "Single and multiple choice: one per line, “code | 中文 | English”, "
            "e.g. “roadside | 道路救援 | Roadside assistance”."
        ),
    )
    min_value = models.DecimalField(_("minimum"), max_digits=14, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=14, decimal_places=2, null=True, blank=True)
    min_length = models.PositiveIntegerField(_("shortest answer (characters)"), null=True, blank=True)
    max_length = models.PositiveIntegerField(_("longest answer (characters)"), null=True, blank=True)
    pattern = models.CharField(
        _("pattern"),
        max_length=200,
        blank=True,
        help_text=_("A regular expression the whole answer must match, e.g. R[0-9]{10} for a rescue order number."),
    )
    pattern_message_zh_hans = models.CharField(
        _("message when the pattern fails (Chinese)"), max_length=200, blank=True
    )
    pattern_message_en = models.CharField(_("message when the pattern fails (English)"), max_length=200, blank=True)
    condition_field = models.CharField(
        _("depends on"),
        max_length=40,
        blank=True,
        help_text=_(
            "Key of an earlier single choice, multiple choice or yes/no question, or one of the standard "
            "fields channel, demand, emotion, risk_flagged. Empty: always shown."
        ),
    )
    condition_values = models.CharField(
        _("when it is one of"),
        max_length=300,
        blank=True,
        help_text=_("Codes, comma-separated (yes/no questions: yes or no)."),
    )
    condition_effect = models.CharField(
        _("condition effect"), max_length=10, choices=ConditionEffect.choices, default=ConditionEffect.SHOW
    )
    file_extensions = models.CharField(
        _("accepted file types"),
        max_length=200,
        blank=True,
        help_text=_(
            "File and photo fields: extensions, comma-separated (e.g. jpg, png, pdf). Empty: any type the "
            "process settings allow (photos: any image type). The size limit is the process settings' one."
        ),
    )
    max_files = models.PositiveSmallIntegerField(
        _("number of files"), default=1, help_text=_("File and photo fields: how many files one answer may hold.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["version", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="form_field_key_unique")]

    def __str__(self) -> str:
        return f"{self.key}: {self.label()}"

    def label(self, language: str | None = None) -> str:
        return self.definition().label(language or get_language() or "en")

    def definition(self) -> FieldDef:
        """The definition as the pure rules see it. Raises DefinitionInvalid for malformed choices."""
        return FieldDef(
            id=self.pk,
            key=self.key,
            kind=self.kind,
            label_zh_hans=self.label_zh_hans,
            label_en=self.label_en,
            help_zh_hans=self.help_zh_hans,
            help_en=self.help_en,
            required=self.required,
            staff_only=self.staff_only,
            default=self.default,
            choices=parse_choices(self.choices),
            min_value=self.min_value,
            max_value=self.max_value,
            min_length=self.min_length,
            max_length=self.max_length,
            pattern=self.pattern,
            pattern_message_zh_hans=self.pattern_message_zh_hans,
            pattern_message_en=self.pattern_message_en,
            condition_field=self.condition_field.strip(),
            condition_values=parse_condition_values(self.condition_values),
            condition_effect=self.condition_effect,
            file_extensions=parse_extensions(self.file_extensions),
            max_files=self.max_files,
        )


class Answer(models.Model):
    """One answer of one complaint to one question, stored in the column of its type so it can be
    filtered and compared (numbers as numbers, dates as dates)."""

    complaint = models.ForeignKey(
        "complaints.Complaint", verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="answers"
    )
    field = models.ForeignKey(FormField, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers")
    run = models.ForeignKey(
        "complaints.CustomStepRun",
        verbose_name=_("custom step"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="answers",
        help_text=_("Set for an answer given in a custom step's task (empty: given at intake)."),
    )
    key = models.CharField(_("key"), max_length=40, db_index=True)
    text = models.TextField(_("text"), blank=True)
    number = models.DecimalField(_("number"), max_digits=20, decimal_places=4, null=True, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    moment = models.DateTimeField(_("date and time"), null=True, blank=True)
    flag = models.BooleanField(_("yes/no"), null=True, blank=True)
    codes = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        verbose_name = _("form answer")
        verbose_name_plural = _("form answers")
        ordering = ["field__version__category__code", "field__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "field"], condition=models.Q(run__isnull=True), name="answer_once_per_question"
            ),
            models.UniqueConstraint(fields=["run", "field"], name="answer_once_per_step_question"),
        ]
        indexes = [
            models.Index(fields=["key", "text"], name="answer_key_text"),
            models.Index(fields=["key", "number"], name="answer_key_number"),
            models.Index(fields=["key", "date"], name="answer_key_date"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value!r}"

    @property
    def value(self) -> object:
        """The typed value: int/Decimal, date, datetime, "yes"/"no", a list of codes, or text.
        File answers hold their files in `files`; their value is the number of files."""
        kind = self.field.kind
        if kind in NUMBER_KINDS:
            if self.number is None:
                return None
            return int(self.number) if kind == FieldKind.INTEGER else self.number
        if kind == FieldKind.DATE:
            return self.date
        if kind == FieldKind.DATETIME:
            return self.moment
        if kind == FieldKind.YES_NO:
            return None if self.flag is None else (YES if self.flag else NO)
        if kind == FieldKind.MULTI_CHOICE:
            return list(self.codes)
        if kind in FILE_KINDS:
            return int(self.number or 0)
        return self.text
