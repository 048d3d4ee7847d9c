"""Values an admin owns: priorities, calendars, levels and their limits, categories, process settings."""

import re
from datetime import time
from decimal import Decimal
from typing import Any
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints.choices import (
    CalendarDayKind,
    DeliveryIdentifier,
    DepartmentScope,
    Emotion,
    RoutedStage,
    TimeUnit,
    Urgency,
    Weekday,
)
from complaints.models.help import AT_ONCE, NEXT_DEADLINE
from complaints.rules.filetypes import KNOWN_EXTENSIONS

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


class Priority(models.Model):
    """P0 (safety, legal, public-opinion risk) down to P3. Lower rank = more urgent."""

    code = models.CharField(_("code"), max_length=10, unique=True, help_text=AT_ONCE)
    name = models.CharField(_("name"), max_length=100, help_text=AT_ONCE)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("0 is the most urgent. Takes effect at once (sorting, filters).")
    )
    colour = models.CharField(_("colour"), max_length=7, help_text=_("Hex colour, e.g. #d32f2f. Takes effect at once."))
    first_response_minutes = models.PositiveIntegerField(
        _("first response target (minutes)"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "First contact with the customer is due this long after receipt, counted in the starting "
            "level's time (business or calendar). Applies to complaints triaged after the change; "
            "“Recompute deadlines of open complaints” (action on levels) applies it to open ones still "
            "waiting for their first response."
        ),
    )
    alert = models.BooleanField(
        _("alert the P0 notify list"),
        default=False,
        help_text=_(
            "Complaints triaged at this priority alert the notify list of the P0 alert event at once. "
            "Applies to complaints triaged after the change."
        ),
    )
    urgency = models.CharField(
        _("urgency in the information package"),
        max_length=10,
        choices=Urgency.choices,
        default=Urgency.TODAY,
        help_text=_("Suggested to whoever escalates; automatic escalations use it. Takes effect at once."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(condition=models.Q(first_response_minutes__gt=0), name="priority_target_positive")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if not HEX_COLOUR.fullmatch(self.colour or ""):
            raise ValidationError({"colour": _("Enter a hex colour such as #d32f2f.")})


class BusinessCalendar(models.Model):
    """Working hours per weekday, holidays and adjusted working days, in one time zone."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=AT_ONCE)
    name = models.CharField(_("name"), max_length=100, help_text=AT_ONCE)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        help_text=_(
            "IANA name such as Asia/Shanghai. Hours and holidays are read in this zone. "
            "Changes apply to deadlines computed after the change; open complaints follow when you "
            "recompute their deadlines (action on escalation levels)."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.time_zone not in available_timezones():
            raise ValidationError({"time_zone": _("“%(zone)s” is not a known time zone.") % {"zone": self.time_zone}})


def check_hours(start: time | None, end: time | None) -> None:
    """Refuses an interval that ends before it starts (shared by weekly hours and special days)."""
    if start is not None and end is not None and start >= end:
        raise ValidationError({"end": _("Closing time must be after opening time.")})


class WorkingHours(models.Model):
    """One working interval on a weekday; several per day describe a lunch break."""

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("opens"))
    end = models.TimeField(_("closes"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["calendar", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")), name="hours_start_before_end")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        check_hours(self.start, self.end)


class CalendarDay(models.Model):
    """A date that differs from the week: a holiday, or a working day with its own hours."""

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CalendarDayKind.choices, help_text=NEXT_DEADLINE)
    start = models.TimeField(_("opens"), null=True, blank=True, help_text=_("Only for working days."))
    end = models.TimeField(_("closes"), null=True, blank=True, help_text=_("Only for working days."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("holiday or special day")
        verbose_name_plural = _("holidays and special days")
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.name or self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == CalendarDayKind.WORKING_DAY and (self.start is None or self.end is None):
            raise ValidationError(_("A working day needs its opening and closing time."))
        if self.kind == CalendarDayKind.HOLIDAY and (self.start is not None or self.end is not None):
            raise ValidationError(_("A holiday has no working hours; leave opening and closing empty."))
        check_hours(self.start, self.end)


class EscalationLevel(models.Model):
    """One rung of the escalation ladder (store → region → HQ, or four tiers)."""

    rank = models.PositiveSmallIntegerField(
        _("order"),
        unique=True,
        validators=[MinValueValidator(1)],
        help_text=_("1 is the first level; higher numbers are higher levels. Takes effect at once."),
    )
    name = models.CharField(_("name"), max_length=100, help_text=AT_ONCE)
    role = models.ForeignKey(
        "complaints.Role",
        verbose_name=_("handling role"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Holders of this role handle escalated complaints at this level. Applies to escalations after the change."
        ),
    )
    department_scope = models.CharField(
        _("handling department"),
        max_length=10,
        choices=DepartmentScope.choices,
        help_text=_(
            "Where the handling role is looked up, relative to the complaint's department. "
            "Applies to escalations after the change."
        ),
    )
    department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("fixed department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only when the handling department is a fixed department."),
    )
    authority_amount = models.DecimalField(
        _("compensation authority (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Largest compensation this level may grant; empty means unlimited. Takes effect at once. "
            "Above it, someone other than the proposer, holding a level whose authority covers the "
            "amount, must approve (four eyes)."
        ),
    )
    business_time = models.BooleanField(
        _("count business time"),
        help_text=_(
            "Limits count only the calendar's working hours and days; otherwise every hour counts. "
            "Applies to deadlines set after the change; open complaints follow when you recompute "
            "their deadlines (action on levels)."
        ),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="levels",
        help_text=_("Required when the level counts business time."),
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of the limit)"),
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_(
            "A warning goes out when this share of a limit has elapsed (1–99). Applies to clocks started "
            "after the change; “Recompute deadlines of open complaints” moves the warnings not yet given."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("escalation level")
        verbose_name_plural = _("escalation levels")
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(warning_percent__gte=1, warning_percent__lte=99), name="level_warning_1_99"
            ),
            models.CheckConstraint(
                condition=models.Q(authority_amount__isnull=True) | models.Q(authority_amount__gte=0),
                name="level_authority_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"L{self.rank} {self.name}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.department_scope == DepartmentScope.FIXED and self.department_id is None:
            errors["department"] = _("Choose the fixed department.")
        if self.department_scope != DepartmentScope.FIXED and self.department_id is not None:
            errors["department"] = _("Leave empty unless the handling department is a fixed department.")
        if self.business_time and self.calendar_id is None:
            errors["calendar"] = _("Choose the calendar whose working hours this level counts.")
        if self.rank is not None:
            clash = EscalationLevel.objects.filter(rank=self.rank).exclude(pk=self.pk).first()
            if clash is not None:
                errors["rank"] = _("Level “%(level)s” already has this order.") % {"level": clash}
        errors.update(self._authority_order_errors())
        if errors:
            raise ValidationError(errors)

    def _authority_order_errors(self) -> dict[str, Any]:
        """A higher level may never have less authority than a lower one (empty = unlimited)."""
        if self.rank is None:
            return {}
        others = EscalationLevel.objects.exclude(pk=self.pk)
        unlimited = Decimal("Infinity")
        mine = unlimited if self.authority_amount is None else self.authority_amount
        for other in others:
            theirs = unlimited if other.authority_amount is None else other.authority_amount
            if (other.rank < self.rank and theirs > mine) or (other.rank > self.rank and theirs < mine):
                return {
                    "authority_amount": _(
                        "Level “%(other)s” is ordered %(where)s this one but has %(more)s authority: "
                        "a level cannot be ordered above a level with more authority."
                    )
                    % {
                        "other": other,
                        "where": _("below") if other.rank < self.rank else _("above"),
                        "more": _("more") if other.rank < self.rank else _("less"),
                    }
                }
        return {}


class LevelLimit(models.Model):
    """How fast one level must respond to and resolve a complaint of one priority."""

    level = models.ForeignKey(EscalationLevel, verbose_name=_("level"), on_delete=models.CASCADE, related_name="limits")
    priority = models.ForeignKey(Priority, verbose_name=_("priority"), on_delete=models.CASCADE, related_name="limits")
    response_amount = models.PositiveIntegerField(
        _("respond within"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "The level takes up (decides on) the case within this time after it arrives. Applies to "
            "complaints that reach this level after the change; open ones keep their deadlines unless you "
            "recompute them (admin action on levels)."
        ),
    )
    response_unit = models.CharField(
        _("unit"),
        max_length=10,
        choices=TimeUnit.choices,
        help_text=_("Days are business days when the level counts business time."),
    )
    resolution_amount = models.PositiveIntegerField(
        _("resolve within"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "Applies to complaints that reach this level after the change; open ones keep their "
            "deadlines unless you recompute them (admin action on levels)."
        ),
    )
    resolution_unit = models.CharField(_("unit"), max_length=10, choices=TimeUnit.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits per priority")
        ordering = ["level__rank", "priority__rank"]
        constraints = [
            models.UniqueConstraint(fields=["level", "priority"], name="level_limit_unique"),
            models.CheckConstraint(
                condition=models.Q(response_amount__gt=0) & models.Q(resolution_amount__gt=0),
                name="level_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} · {self.priority}"


class StepLimit(models.Model):
    """How long one step (a task) may take at one level for one priority, where the level sets it."""

    level = models.ForeignKey(
        EscalationLevel, verbose_name=_("level"), on_delete=models.CASCADE, related_name="step_limits"
    )
    priority = models.ForeignKey(
        Priority, verbose_name=_("priority"), on_delete=models.CASCADE, related_name="step_limits"
    )
    step = models.CharField(_("step"), max_length=30, choices=RoutedStage.choices)
    amount = models.PositiveIntegerField(
        _("done within"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "A task of this step is due this long after it is created, counted in the level's time, and "
            "warned at the level's percentage; a breach escalates the complaint. Applies to tasks created "
            "after the change; “Recompute deadlines of open complaints” (action on levels) applies it to "
            "open tasks."
        ),
    )
    unit = models.CharField(_("unit"), max_length=10, choices=TimeUnit.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("step time limit")
        verbose_name_plural = _("step time limits")
        ordering = ["level__rank", "priority__rank", "step"]
        constraints = [
            models.UniqueConstraint(fields=["level", "priority", "step"], name="step_limit_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="step_limit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.level} · {self.priority} · {self.get_step_display()}"


class Category(models.Model):
    """What the complaint is about (a tree: after-sales → vehicle → power/battery)."""

    code = models.SlugField(_("code"), max_length=60, unique=True, help_text=_("Used in routing rules and imports."))
    name = models.CharField(_("name"), max_length=100, help_text=AT_ONCE)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Routing rules and stage profiles of the parent also cover this category. Takes effect at once."),
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive categories are not offered at intake. Takes effect at once.")
    )
    delivery_identifier = models.CharField(
        _("deliveries identified by"),
        max_length=20,
        choices=DeliveryIdentifier.choices,
        default=DeliveryIdentifier.PLATE_OR_VIN,
        help_text=_(
            "The column of a deliveries file that names one delivered item, and what outreach lists match "
            "complaints on: plate/VIN (the complaint's plate/VIN), serial number (the complaint's "
            "serial_number answer), customer PO (the complaint's order number)."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.parent} / {self.name}" if self.parent_id else self.name


class ProcessSettings(models.Model):
    """One row of process-wide values. Edit it in the admin; there is always exactly one."""

    follow_up_delay_hours = models.PositiveIntegerField(
        _("follow-up after closing (hours)"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "The satisfaction check is due this long after a complaint closes (its clock and the "
            "process's wait). Applies to complaints closed after the change only."
        ),
    )
    attachment_max_mb = models.PositiveIntegerField(
        _("largest attachment (MB)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Uploads above this size are refused. Takes effect at once."),
    )
    attachment_extensions = models.CharField(
        _("allowed attachment types"),
        max_length=300,
        default="jpg,jpeg,png,gif,webp,heic,pdf,doc,docx,xls,xlsx,txt,mp3,m4a,wav,amr,mp4,mov",
        help_text=_(
            "File extensions, separated by commas. Every upload's content is checked against its "
            "extension (a .pdf must be a PDF). Takes effect at once."
        ),
    )
    pending_upload_hours = models.PositiveIntegerField(
        _("files of unsaved forms kept for (hours)"),
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_(
            "Files chosen on an intake form that came back with an error are kept so the agent need "
            "not choose them again; unsaved ones are removed after this time. Takes effect at the "
            "next cleanup."
        ),
    )
    pending_upload_max_files = models.PositiveSmallIntegerField(
        _("files kept per person for unsaved forms"),
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_(
            "At most this many files are kept for one person's unsaved forms; beyond it the form asks "
            "for the files again. Takes effect at once."
        ),
    )
    login_failure_limit = models.PositiveSmallIntegerField(
        _("failed logins before a lock-out"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "After this many failed logins for one username from one address, that login is locked "
            "(even with the right password) for the lock-out time. Takes effect at once."
        ),
    )
    login_cooloff_minutes = models.PositiveIntegerField(
        _("lock-out time (minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text=_("How long a lock-out lasts; “manage.py axes_reset” lifts one earlier. Takes effect at once."),
    )
    reference_prefix = models.CharField(
        _("reference prefix"),
        max_length=5,
        default="C",
        help_text=_("Start of every reference number, e.g. C for C-2026-000123. New complaints only."),
    )
    emotion_threshold = models.CharField(
        _("emotion signal from"),
        max_length=20,
        choices=Emotion.choices,
        blank=True,
        default=Emotion.EXTREMELY_ANGRY,
        help_text=_(
            "Complaints at or above this emotion carry the “emotion” signal (empty: never). "
            "Applies to complaints triaged after the change."
        ),
    )
    repeat_threshold = models.PositiveSmallIntegerField(
        _("repeat complaint after (complaints)"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "A complaint is a repeat when the same phone number has complained about the same category "
            "or product more than this many times within the window, this one included (2: the third "
            "is a repeat). Applies to complaints registered after the change."
        ),
    )
    repeat_window_days = models.PositiveSmallIntegerField(
        _("repeat window (days)"),
        validators=[MinValueValidator(1)],
        help_text=_("How far back earlier complaints count. Applies to complaints registered after the change."),
    )
    description_max_chars = models.PositiveIntegerField(
        _("longest description (characters)"),
        validators=[MinValueValidator(200)],
        help_text=_(
            "The customer's words and the handler's understanding may be at most this long; a longer "
            "text is refused on the form with this number. Takes effect at once."
        ),
    )
    p0_alert_minutes = models.PositiveSmallIntegerField(
        _("P0 alert out within (minutes)"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "The P0 alert must be sent within this time of triage; the page shows when it was sent. "
            "Takes effect for the next alert."
        ),
    )
    collaboration_role = models.ForeignKey(
        "complaints.Role",
        verbose_name=_("answers collaboration requests"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Holders of this role in the asked department receive collaboration requests first. "
            "Applies to requests made after the change."
        ),
    )
    collaboration_response_minutes = models.PositiveIntegerField(
        _("collaboration answer due (minutes)"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "Unanswered after this time, a request passes to the department's head (a P0 request goes "
            "straight to headquarters). Applies to requests made after the change."
        ),
    )
    collaboration_superior_minutes = models.PositiveIntegerField(
        _("collaboration passes to the requester's superior after (minutes)"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "Counted from the request; must be longer than the answer time. Applies to requests made after the change."
        ),
    )
    batch_threshold = models.PositiveSmallIntegerField(
        _("batch investigation from (complaints)"),
        validators=[MinValueValidator(2)],
        help_text=_(
            "A batch investigation opens when this many complaints share a batch number (or, without "
            "one, a product model delivered within one window). Checked when a complaint is "
            "triaged: applies to complaints triaged after the change."
        ),
    )
    batch_window_days = models.PositiveSmallIntegerField(
        _("batch window without a batch number (days)"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "Without a batch number, complaints about the same product model count as one batch when "
            "their delivery dates fall into the same window of this many days (consecutive windows). "
            "Applies to complaints triaged after the change."
        ),
    )
    progress_reminder_minutes = models.PositiveIntegerField(
        _("P0 progress update reminder every (minutes)"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "While a P0 complaint is open its owner is reminded to post a progress update this often "
            "(never held back by quiet hours). Open complaints follow from their next reminder; the "
            "“Recompute open clocks” action moves their next reminder at once."
        ),
    )
    action_warning_hours = models.PositiveIntegerField(
        _("warn before a corrective action is due (hours)"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "The action's owner and its department's head are warned this long before the end of its "
            "due date. Applies to actions saved after the change; the “Recompute open clocks” action "
            "applies it to open ones."
        ),
    )
    urgent_signals = models.CharField(
        _("urgent signals"),
        max_length=300,
        blank=True,
        default="",
        help_text=_(
            "Signal codes, separated by commas (e.g. vulnerable, safety). A complaint carrying one of them "
            "gets the urgent first-response limit in calendar time, whatever the calendar says. Applies to "
            "complaints triaged after the change."
        ),
    )
    urgent_categories = models.ManyToManyField(
        Category,
        verbose_name=_("urgent categories"),
        blank=True,
        related_name="+",
        help_text=_(
            "Complaints in these categories (or below them) get the urgent first-response limit. Applies to "
            "complaints triaged after the change."
        ),
    )
    urgent_first_response_minutes = models.PositiveIntegerField(
        _("urgent first response within (minutes, calendar time)"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "The first-response limit of an urgent complaint, counted in calendar time from receipt (a "
            "complaint filed at 02:00 is answered by 02:10, not the next working morning); a shorter "
            "priority target still applies. Applies to complaints triaged after the change."
        ),
    )
    notification_max_attempts = models.PositiveSmallIntegerField(
        _("notification attempts"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "A notification whose sending failed is sent again by the sweep until it has been tried this "
            "many times; one that went out is never sent again. Takes effect at once."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("process settings")
        verbose_name_plural = _("process settings")

    def __str__(self) -> str:
        return str(_("Process settings"))

    def clean(self) -> None:
        if not self.allowed_extensions():
            raise ValidationError({"attachment_extensions": _("Allow at least one file type.")})
        if unknown := self.allowed_extensions() - KNOWN_EXTENSIONS:
            raise ValidationError(
                {
                    "attachment_extensions": _(
                        "Redress cannot tell these types by their content, so it cannot accept them: %(unknown)s. "
                        "Known types: %(known)s."
                    )
                    % {"unknown": ", ".join(sorted(unknown)), "known": ", ".join(sorted(KNOWN_EXTENSIONS))}
                }
            )
        if not self.reference_prefix.isalnum():
            raise ValidationError({"reference_prefix": _("Use letters and digits only.")})
        if (
            self.collaboration_response_minutes is not None
            and self.collaboration_superior_minutes is not None
            and self.collaboration_superior_minutes <= self.collaboration_response_minutes
        ):
            raise ValidationError(
                {"collaboration_superior_minutes": _("Must be longer than the time the department has to answer.")}
            )

    def allowed_extensions(self) -> set[str]:
        return {e.strip().lower().lstrip(".") for e in self.attachment_extensions.split(",") if e.strip()}
