"""Regional values: a regional admin sets their department subtree's value of a number HQ lets vary."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import BusinessCalendar, Department, RegionalBound, RegionalValue
from complaints.selectors.regional import regional_scope
from complaints.services.errors import Refused, is_system


class RegionalRefused(Refused):
    """The regional value may not be set (outside the actor's departments, outside HQ's bounds…)."""


def _require(actor: Any, verb: str) -> None:
    """Refuses a person without the admin's permission on regional values: the department scope alone
    is no authority (someone of a top department, or of none, would count as HQ)."""
    if not is_system(actor) and not actor.has_perm(f"complaints.{verb}_regionalvalue"):
        raise RegionalRefused(_("You may not set regional values."))


def regional_value_set(
    *,
    actor: Any,
    bound: RegionalBound,
    department: Department,
    value: Decimal | None,
    calendar: BusinessCalendar | None = None,
    instance: RegionalValue | None = None,
) -> RegionalValue:
    """Sets (or changes) a department's value of a varying number and returns the row. Refuses a
    department outside the actor's subtree, a number HQ keeps to itself and a value outside HQ's
    bounds; HQ's bounds are locked while the value is checked, so a value saved while HQ narrows
    the bounds is either checked against the new bounds or refused. Only a person with the admin's
    permission to add (or, for an existing row, change) regional values may set one."""
    verb = "change" if instance is not None and instance.pk is not None else "add"
    _require(actor, verb)
    scope = regional_scope(actor)
    if scope is not None and department.pk not in scope:
        raise RegionalRefused(_("You may set values only for your own departments and those below them."))
    if scope is not None and instance is not None and instance.pk is not None:
        stored = RegionalValue.objects.filter(pk=instance.pk).values_list("department_id", flat=True).first()
        if stored is not None and stored not in scope:
            raise RegionalRefused(_("You may set values only for your own departments and those below them."))
    with transaction.atomic():
        locked = RegionalBound.objects.select_for_update().get(pk=bound.pk)
        row = instance if instance is not None else RegionalValue()
        row.bound, row.department, row.value, row.calendar = locked, department, value, calendar
        try:
            row.full_clean()
        except ValidationError as error:
            raise RegionalRefused(error.message_dict if hasattr(error, "error_dict") else error.messages) from None
        row.save()
    return row


def regional_value_delete(*, actor: Any, row: RegionalValue) -> None:
    """Removes a department's value (HQ's value applies again); only within the actor's departments
    and with the admin's permission to delete regional values."""
    _require(actor, "delete")
    scope = regional_scope(actor)
    if scope is not None and row.department_id not in scope:
        raise RegionalRefused(_("You may set values only for your own departments and those below them."))
    row.delete()
