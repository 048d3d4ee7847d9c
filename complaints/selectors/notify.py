"""Who is told about an event of a complaint, and in which words."""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from complaints.choices import RecipientKind
from complaints.models import Complaint, NotificationRecipient, NotificationTemplate
from complaints.selectors.common import role_holders
from complaints.selectors.routing import scoped_department


def event_recipients(*, event: str, complaint: Complaint) -> list[Any]:
    """Returns the active users the event's notify list names for this complaint, each once, in
    list order (roles and heads are looked up relative to the complaint's department)."""
    users: dict[int, Any] = {}
    user_model = get_user_model()
    for line in NotificationRecipient.objects.filter(event=event).select_related("department", "role"):
        found: list[Any] = []
        if line.kind == RecipientKind.CASE_OWNER and complaint.owner_id:
            found = [complaint.owner]
        elif line.kind == RecipientKind.USER and line.user_id:
            found = list(user_model.objects.filter(pk=line.user_id))
        elif line.kind in (RecipientKind.ROLE, RecipientKind.HEAD):
            department = scoped_department(scope=line.department_scope, department=complaint.department)
            if line.department_scope == "fixed":
                department = line.department
            if department is None:
                continue
            if line.kind == RecipientKind.HEAD:
                found = [department.head] if department.head_id else []
            else:
                found = role_holders(department=department, role=line.role)
        for user in found:
            if user is not None and user.is_active:
                users.setdefault(user.pk, user)
    return list(users.values())


def event_template(*, event: str, language: str | None = None) -> NotificationTemplate | None:
    """Returns the event's template in the language (the site's by default), else in any language."""
    templates = {t.language: t for t in NotificationTemplate.objects.filter(event=event)}
    language = language or settings.LANGUAGE_CODE
    return templates.get(language) or next(iter(templates.values()), None)
