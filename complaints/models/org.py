"""Who works where: departments (a tree), roles, memberships, and which role handles each step."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints.choices import AssignRule, DepartmentKind, RoutedStage
from complaints.models.help import AT_ONCE


class Department(models.Model):
    """A node of the organisation tree: HQ → regions → stores, plus functional departments.

    A member sees the complaints of their department and of every department below it.
    """

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Short identifier used in queue names; changing it moves open tasks out of the queue."),
    )
    name = models.CharField(_("name"), max_length=100, help_text=AT_ONCE)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=DepartmentKind.choices,
        help_text=_("Levels and notify lists find “the nearest store/region/HQ” by kind. Takes effect at once."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Members of the parent see this department's complaints. Takes effect at once."),
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Receives what notify lists address to the department head. Takes effect for the next notification."
        ),
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Members of an inactive department lose its queues and scope. Takes effect at once."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        node, seen = self.parent, set()
        while node is not None:
            if node.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("A department cannot be placed under itself.")})
            if node.pk in seen:
                break
            seen.add(node.pk)
            node = node.parent


class Role(models.Model):
    """A job in the complaint process (agent, store manager, quality engineer…)."""

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Short identifier used in queue names; changing it moves open tasks out of the queue."),
    )
    name = models.CharField(_("name"), max_length=100, help_text=AT_ONCE)
    can_register = models.BooleanField(
        _("may register complaints"),
        default=False,
        help_text=_("Holders of this role may file new complaints for their department. Takes effect at once."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user holds a role in a department; this decides their queues and what they see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="memberships")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} @ {self.department}"


class StageRoute(models.Model):
    """Which role, in which department, handles a step of the process (for all complaints, or for
    the complaints of one stage profile)."""

    profile = models.ForeignKey(
        "complaints.StageProfile",
        verbose_name=_("stage profile"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routes",
        help_text=_("Empty: every complaint whose profile does not route this step itself."),
    )
    stage = models.CharField(_("step"), max_length=40, choices=RoutedStage.choices)
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty to use the complaint's own department. Applies to tasks created after the change."),
    )
    follows_escalation = models.BooleanField(
        _("moves up with escalation"),
        default=True,
        help_text=_(
            "While the complaint is escalated, this step goes to the handlers of its current level "
            "(their queue) instead of this role. Switch off for specialist steps such as quality "
            "analysis. Applies to tasks created or escalated after the change."
        ),
    )
    assign_to = models.CharField(
        _("new task goes to"),
        max_length=20,
        choices=AssignRule.choices,
        default=AssignRule.QUEUE,
        help_text=_(
            "Who gets a new task of this step without claiming it. The person must still hold the "
            "step's queue (its role in its department, or the level's handlers while escalated); "
            "otherwise, or when nobody fits, the task waits in the queue. Applies to tasks created "
            "after the change."
        ),
    )
    assign_after = models.CharField(
        _("earlier step"),
        max_length=40,
        choices=RoutedStage.choices,
        blank=True,
        help_text=_(
            "With “whoever did a named earlier step”: the step whose latest performer gets the task "
            "(for example root-cause analysis for permanent actions). Naming the step itself gives a "
            "repeated step (rework) to whoever did it last time."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("step routing")
        verbose_name_plural = _("step routing")
        ordering = ["profile", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "stage"], condition=models.Q(profile__isnull=False), name="stage_route_per_profile"
            ),
            models.UniqueConstraint(
                fields=["stage"], condition=models.Q(profile__isnull=True), name="stage_route_general"
            ),
            models.CheckConstraint(
                condition=~models.Q(assign_to=AssignRule.EARLIER_STEP, assign_after=""),
                name="stage_route_earlier_step_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} → {self.role}"

    def clean(self) -> None:
        clash = StageRoute.objects.filter(stage=self.stage, profile_id=self.profile_id).exclude(pk=self.pk)
        if self.stage and clash.exists():
            raise ValidationError({"stage": _("This step is already routed here.")})
        if self.assign_to == AssignRule.EARLIER_STEP and not self.assign_after:
            raise ValidationError({"assign_after": _("Name the earlier step whose performer gets the task.")})
        if self.assign_to != AssignRule.EARLIER_STEP and self.assign_after:
            raise ValidationError({"assign_after": _("Only “whoever did a named earlier step” uses an earlier step.")})
