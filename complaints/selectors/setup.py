"""What the configuration still lacks, in setup order: the admin home's checklist. Each step is
done or says what is missing and links to where it is set. A handful of queries."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import FormStatus
from complaints.models import (
    BusinessCalendar,
    CalendarDay,
    Category,
    CauseCategory,
    Department,
    EscalationLevel,
    FormVersion,
    Membership,
    NotificationRecipient,
    Priority,
    ProcessSettings,
    Role,
    RoutingRule,
    StageProfile,
)


@dataclass(frozen=True)
class SetupStep:
    label: str
    done: bool
    missing: str  # what to do, when not done
    url: str


def _url(model: Any, view: str = "changelist") -> str:
    return reverse(f"admin:complaints_{model._meta.model_name}_{view}")


def setup_checklist() -> list[SetupStep]:
    """The setup steps in order; the home lists those not done."""
    year = timezone.localdate().year
    idle_roles = list(
        Role.objects.exclude(
            pk__in=Membership.objects.filter(user__is_active=True, department__active=True).values("role")
        ).values_list("name", flat=True)
    )
    calendars_without_year = list(
        BusinessCalendar.objects.exclude(
            pk__in=CalendarDay.objects.filter(date__year=year).values("calendar")
        ).values_list("name", flat=True)
    )
    users = get_user_model()._default_manager.filter(is_active=True)
    return [
        SetupStep(
            _("Departments"),
            Department.objects.filter(active=True).exists(),
            _("Add the departments (headquarters, regions, stores, functions)."),
            _url(Department),
        ),
        SetupStep(
            _("People in every role"),
            users.exists() and not idle_roles and Role.objects.exists(),
            _("Nobody holds these roles: %(roles)s. Add memberships.") % {"roles": ", ".join(idle_roles)}
            if idle_roles
            else _("Add the roles and give people their roles in departments."),
            _url(Membership),
        ),
        SetupStep(
            _("Priorities"),
            Priority.objects.exists(),
            _("Add the priorities (P0–P3) with their first-response targets."),
            _url(Priority),
        ),
        SetupStep(
            _("Business calendar with this year's holidays"),
            BusinessCalendar.objects.exists() and not calendars_without_year,
            _("No holidays for %(year)d in: %(calendars)s. Use the action “Fill public holidays”.")
            % {"year": year, "calendars": ", ".join(calendars_without_year)}
            if calendars_without_year
            else _("Add a business calendar (working hours, holidays)."),
            _url(BusinessCalendar),
        ),
        SetupStep(
            _("Escalation levels"),
            EscalationLevel.objects.exists(),
            _("Add the escalation levels with their time limits per priority."),
            _url(EscalationLevel),
        ),
        SetupStep(
            _("Categories"),
            Category.objects.filter(active=True).exists(),
            _("Add the complaint categories."),
            _url(Category),
        ),
        SetupStep(
            _("Default routing rule"),
            RoutingRule.objects.filter(is_default=True).exists(),
            _("Add the default routing rule: where a complaint goes when no other rule matches."),
            _url(RoutingRule),
        ),
        SetupStep(
            _("Default stage profile"),
            StageProfile.objects.filter(category__isnull=True, priority__isnull=True).exists(),
            _("Add the default stage profile (no category, no priority): which steps a complaint goes through."),
            _url(StageProfile),
        ),
        SetupStep(
            _("Intake forms"),
            FormVersion.objects.filter(status=FormStatus.PUBLISHED).exists(),
            _("Publish an intake form for at least one category."),
            _url(FormVersion),
        ),
        SetupStep(
            _("Process settings"),
            ProcessSettings.objects.exists(),
            _("Add the process settings (reference prefix, attachments, thresholds)."),
            _url(ProcessSettings),
        ),
        SetupStep(
            _("Who is notified"),
            NotificationRecipient.objects.exists(),
            _("Add notify lists: who hears of new complaints, warnings and breaches."),
            _url(NotificationRecipient),
        ),
        SetupStep(
            _("Fishbone cause categories"),
            CauseCategory.objects.filter(active=True).exists(),
            _("Add the cause categories quality engineers analyse with."),
            _url(CauseCategory),
        ),
    ]
