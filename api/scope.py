"""What a request may see: exactly what its user sees in the staff pages (the shared selectors),
narrowed to the token's departments when the token names some. A token narrowed to roles is
applied where it is authenticated (api.auth): its owner object then acts with those roles only,
which the shared selectors and the permission backend honour, so everything here follows."""

from typing import Any

from django.db.models import QuerySet

from api.models import ApiToken
from complaints.models import Complaint
from complaints.selectors.common import (
    complaints_visible_to,
    department_subtree_ids,
    registering_department_ids,
    visible_listed,
)


def token_departments(request: Any) -> set[int] | None:
    """The department ids (with everything below them) the token is narrowed to, or None."""
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        return None
    if not getattr(token, "narrowed_departments", True):  # known from the token's lookup (api.auth)
        return None
    if not hasattr(token, "_department_ids"):
        roots = set(token.departments.values_list("pk", flat=True))
        token._department_ids = department_subtree_ids(roots) if roots else None  # type: ignore[attr-defined]
    return token._department_ids  # type: ignore[attr-defined]


def visible_complaints(request: Any, *, listed: bool = False) -> QuerySet[Complaint]:
    """The complaints the request may see; `listed`: for a list read newest first a page at a time
    (visible_listed: a user who sees few complaints has them found from their side)."""
    qs = visible_listed(Complaint.objects.all(), request.user) if listed else complaints_visible_to(request.user)
    narrowed = token_departments(request)
    return qs if narrowed is None else qs.filter(department_id__in=narrowed)


def registering(request: Any) -> set[int]:
    """The ids of the departments the request may register complaints in."""
    ids = registering_department_ids(request.user)
    narrowed = token_departments(request)
    return ids if narrowed is None else ids & narrowed
