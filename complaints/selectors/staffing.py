"""Who the configuration reaches: the admin home warns about a level, a notify list or a
collaboration chain step that resolves to nobody."""

from django.utils.translation import gettext as _

from complaints.choices import DepartmentKind, DepartmentScope, RecipientKind
from complaints.models import Department, EscalationLevel, Membership, NotificationRecipient, ProcessSettings


def staffing_gaps() -> list[str]:
    """One sentence per place the configuration reaches nobody: a level whose role nobody holds in
    a department it would be looked up in, a notify list line (head or role) that finds nobody, and
    a functional department whose collaboration chain has no contact or no head. A handful of
    queries whatever the size of the organisation."""
    departments = list(Department.objects.filter(active=True).select_related("head"))
    by_id = {d.pk: d for d in departments}
    held: set[tuple[int, int]] = set(
        Membership.objects.filter(user__is_active=True, department__active=True).values_list("department", "role")
    )
    gaps: list[str] = []

    def scoped(scope: str, fixed: Department | None) -> list[Department]:
        if scope == DepartmentScope.FIXED:
            return [fixed] if fixed is not None else []
        if scope == DepartmentScope.OWN:
            return []  # the complaint's own department: any department may be meant
        return [d for d in departments if d.kind == scope]

    for level in EscalationLevel.objects.select_related("role", "department").order_by("rank"):
        for department in scoped(level.department_scope, level.department):
            if (department.pk, level.role_id) not in held:
                gaps.append(
                    _("Level “%(level)s”: nobody holds the role “%(role)s” in %(department)s.")
                    % {"level": level, "role": level.role, "department": department}
                )
        if level.department_scope == DepartmentScope.OWN and not any(role == level.role_id for _d, role in held):
            gaps.append(
                _("Level “%(level)s”: nobody holds the role “%(role)s”.") % {"level": level, "role": level.role}
            )
    lines = NotificationRecipient.objects.select_related("role", "department", "user").order_by("event", "pk")
    for line in lines:
        name = line.get_event_display()
        if line.kind == RecipientKind.USER and (line.user is None or not line.user.is_active):
            gaps.append(_("Notify list “%(event)s”: the named user is missing or inactive.") % {"event": name})
            continue
        if line.kind not in (RecipientKind.ROLE, RecipientKind.HEAD):
            continue
        for department in scoped(line.department_scope, line.department):
            if line.kind == RecipientKind.HEAD and by_id.get(department.pk, department).head_id is None:
                gaps.append(
                    _("Notify list “%(event)s”: %(department)s has no head.")
                    % {"event": name, "department": department}
                )
            if line.kind == RecipientKind.ROLE and (department.pk, line.role_id) not in held:
                gaps.append(
                    _("Notify list “%(event)s”: nobody holds the role “%(role)s” in %(department)s.")
                    % {"event": name, "role": line.role, "department": department}
                )
    settings_row = ProcessSettings.objects.order_by("pk").first()
    contact_role = settings_row.collaboration_role_id if settings_row is not None else None
    for department in departments:
        if department.kind != DepartmentKind.FUNCTIONAL:
            continue
        if contact_role is not None and (department.pk, contact_role) not in held:
            gaps.append(
                _("Collaboration requests to %(department)s: nobody holds the contact role there.")
                % {"department": department}
            )
        if department.head_id is None:
            gaps.append(
                _("Collaboration requests to %(department)s: the department has no head (the chain's second step).")
                % {"department": department}
            )
    return gaps
