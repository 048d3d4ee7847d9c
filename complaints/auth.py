"""Permissions that follow from memberships: a department's queues and the right to register."""

from typing import Any

from django.contrib.auth import backends
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import Permission
from django.db.models import Value

from complaints.rules.mentions import mention_queue
from complaints.rules.routing import queue_permission

VIEW_PERMISSION = "complaints.view_complaint"
# Approvals, collaboration requests, action tasks and mentions are processes of their own flows; members see
# those of the complaints they may see (web.process_pages scopes the lists).
SIDE_VIEW_PERMISSIONS = (
    "complaints.view_compensationapproval",
    "complaints.view_collaborationrequest",
    "complaints.view_actiontask",
    "complaints.view_mention",
)
REGISTER_PERMISSION = "complaints.register_complaint"
_CACHE = "_redress_membership_perms"


def model_permissions_at_once(user_obj: Any) -> None:
    """Fills ModelBackend's two caches of a user's model permissions (`_user_perm_cache`, their own;
    `_group_perm_cache`, their groups'; the names of django.contrib.auth.backends.ModelBackend)
    from one query where ModelBackend reads them in two. The same rows: a superuser's are every
    permission in both, as ModelBackend gives them. Permissions, groups and who holds them are
    configuration (migration 0043 renews its token on their writes): inside a request or a
    transition the process's copy answers while the token holds (complaints.selectors.once)."""
    if not user_obj.is_active or user_obj.is_anonymous or hasattr(user_obj, "_user_perm_cache"):
        return
    from complaints.selectors.once import read_once

    if user_obj.is_superuser:
        everything = read_once("model-permissions:all", _every_permission, shared=True)
        user_obj._user_perm_cache, user_obj._group_perm_cache = set(everything), set(everything)
        return
    own, groups = read_once(f"model-permissions:{user_obj.pk}", lambda: _permissions_of(user_obj.pk), shared=True)
    user_obj._user_perm_cache, user_obj._group_perm_cache = set(own), set(groups)


_COLUMNS = ("content_type__app_label", "codename")


def _every_permission() -> frozenset[str]:
    return frozenset(f"{app}.{name}" for app, name in Permission.objects.values_list(*_COLUMNS).order_by())


def _permissions_of(user_id: int) -> tuple[frozenset[str], frozenset[str]]:
    """The user's own model permissions and their groups', in one query."""
    own = Permission.objects.filter(user=user_id).annotate(source=Value("user")).values_list(*_COLUMNS, "source")
    groups = (
        Permission.objects.filter(group__user=user_id).annotate(source=Value("group")).values_list(*_COLUMNS, "source")
    )
    found: dict[str, set[str]] = {"user": set(), "group": set()}
    for app, name, source in own.order_by().union(groups.order_by(), all=True):
        found[source].add(f"{app}.{name}")
    return frozenset(found["user"]), frozenset(found["group"])


def membership_queues(user_obj: Any) -> list[str]:
    """The queues the user's memberships give them (read from the configuration copy): most of
    their queues, without asking their model permissions, where a queue could also be granted."""
    if not user_obj.is_active or user_obj.is_anonymous:
        return []
    perms = MembershipBackend()._membership_permissions(user_obj)
    return sorted(p for p in perms if p.startswith("complaints.queue__"))


class ModelBackend(backends.ModelBackend):
    """Django's ModelBackend; the user a request's session signed in is the one read with the
    session (config.sessions), not read again."""

    def get_user(self, user_id: Any) -> Any:
        from config.sessions import user_read_with_session

        user = user_read_with_session(user_id)
        if user is None:
            return super().get_user(user_id)
        return user if self.user_can_authenticate(user) else None


class MembershipBackend(BaseBackend):
    """Grants each member (and each department head) `view_complaint` (and the side-task flows'
    view permissions), the queue of each (department, role) they hold, and `register_complaint`
    when one of their roles may register. Admin edits apply on the next request."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        model_permissions_at_once(user_obj)  # ModelBackend is asked next
        return self._membership_permissions(user_obj)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return False
        if perm in self._membership_permissions(user_obj):
            return True
        model_permissions_at_once(user_obj)  # ModelBackend is asked next
        return False

    def _membership_permissions(self, user_obj: Any) -> set[str]:
        if not hasattr(user_obj, _CACHE):
            from complaints.selectors.common import membership_rows, only_roles

            # Their own queue of mentions (a released "read the note" task waits there).
            perms: set[str] = {mention_queue(user_obj.pk)}
            for m in membership_rows(user_obj):
                if not m.department_active:
                    continue
                perms.add(VIEW_PERMISSION)
                perms.update(SIDE_VIEW_PERMISSIONS)
                perms.add(queue_permission(department_code=m.department_code, role_code=m.role_code))
                if m.can_register:
                    perms.add(REGISTER_PERMISSION)
            from complaints.models import Department
            from complaints.selectors.once import read_once

            # A department head who is not a member still receives its requests (the head step of
            # a collaboration chain, corrective-action warnings): their inbox and those cases open.
            # (Not for a request acting with some roles only: heading a department is none of them.)
            if (
                VIEW_PERMISSION not in perms
                and only_roles(user_obj) is None
                and read_once(
                    f"heads:{user_obj.pk}",
                    lambda: Department.objects.filter(head=user_obj, active=True).exists(),
                    shared=True,
                )
            ):
                perms.add(VIEW_PERMISSION)
                perms.update(SIDE_VIEW_PERMISSIONS)
            setattr(user_obj, _CACHE, perms)
        return set(getattr(user_obj, _CACHE))

    def get_user(self, user_id: Any) -> Any:
        """A session names the backend that signed its user in; Django's test client and
        `login()` without a backend take the first one that can load users, which this backend is
        (settings.AUTHENTICATION_BACKENDS puts it before ModelBackend): loads them as ModelBackend
        does (an inactive user is nobody)."""
        return ModelBackend().get_user(user_id)
