"""Reads behind privacy: who sees a customer's contact details in full (`may_see_contact`), the
masked copy everyone else sees, and what is held about one phone number."""

import contextlib
import copy
import dataclasses
from collections.abc import Iterable
from functools import cached_property
from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import JSONObject
from django.utils import timezone

from complaints.choices import DepartmentScope
from complaints.models import (
    AccessLog,
    Complaint,
    Membership,
    PrivacyPolicy,
)
from complaints.rules import privacy as rules
from complaints.selectors.once import read_once

MASKED_FLAG = "_contact_masked"
KNOWN_ATTR = "_contact_known"  # a masked copy keeps the values it hides, to find them in other texts
# Holders put customers' personal data into CSV, XLSX and PDF exports; everyone else gets it masked.
EXPORT_PERSONAL_DATA = "complaints.export_personal_data"


def privacy_policy() -> PrivacyPolicy:
    """Returns the admin's privacy policy row, or the defaults (owner and level handlers see in
    full, nobody reveals, nothing is anonymised) before an admin saved one."""
    return (
        read_once("privacy_policy", lambda: PrivacyPolicy.objects.order_by("pk").first(), shared=True)
        or PrivacyPolicy()
    )


class ContactPolicy:
    """Who sees contact details in full, for one user over any number of complaints: a fixed number
    of queries (each only when a rule needs it), however many complaints are asked about."""

    def __init__(self, user: Any) -> None:
        self.user = user
        # A template rendered without a request passes "" for request.user: nobody, masked.
        self.authenticated = bool(getattr(user, "is_authenticated", False))
        self.admin = self.authenticated and user.is_superuser
        # Complaint id → revealed now, for complaints whose reveal was read with them (reveal_rows).
        self.known_reveals: dict[int, bool] = {}

    @cached_property
    def settings(self) -> PrivacyPolicy:
        return privacy_policy()

    @cached_property
    def rule_policy(self) -> rules.Policy:
        row = self.settings

        def load() -> frozenset[int]:
            return frozenset(row.full_roles.values_list("pk", flat=True)) if row.pk else frozenset()

        full = read_once("privacy_full_roles", load, shared=True)
        return rules.Policy(owner_sees=row.owner_sees, level_handlers_see=row.level_handlers_see, full_role_ids=full)

    @cached_property
    def memberships(self) -> set[tuple[int, int]]:
        from complaints.selectors.common import membership_rows

        return {(row.department_id, row.role_id) for row in membership_rows(self.user) if row.department_active}

    # The ladder and the department tree: taken from the configuration's copies of every level and
    # every department (selectors.routing, read once per configuration and shared by the services
    # that route, escalate and word messages), not read again for the policy.
    @cached_property
    def levels(self) -> list[Any]:
        from complaints.selectors.routing import levels_by_id

        names = ("rank", "role_id", "department_scope", "department_id")
        return [{name: getattr(level, name) for name in names} for level in levels_by_id().values()]

    @cached_property
    def departments(self) -> dict[int, tuple[int | None, str]]:
        from complaints.selectors.routing import departments_by_id

        return {pk: (department.parent_id, department.kind) for pk, department in departments_by_id().items()}

    def reveal_rows(self, complaints: Any) -> Any:
        """`complaints` (a queryset) with whether this user revealed each one's contact details and
        the reveal still runs, read in the same query (`_redress_revealed`): a page of a list asks
        no further query about them (see is_revealed)."""
        now = timezone.now()
        reveals = AccessLog.objects.filter(
            user=self.user, kind=AccessLog.Kind.REVEAL, until__gt=now, complaint_id=OuterRef("pk")
        )
        return complaints.annotate(_redress_revealed=Exists(reveals))

    def reveals_read(self, complaints: Iterable[Complaint]) -> None:
        """Takes note of what reveal_rows read with these complaints."""
        self.known_reveals.update(
            (c.pk, bool(c._redress_revealed)) for c in complaints if hasattr(c, "_redress_revealed")
        )

    def is_revealed(self, complaint_id: int) -> bool:
        """Whether the user revealed this complaint's details and the reveal still runs: as read
        with the complaint (reveal_rows), else from all their running reveals (one query)."""
        if "revealed" not in self.__dict__ and complaint_id in self.known_reveals:
            return self.known_reveals[complaint_id]
        return complaint_id in self.revealed

    @cached_property
    def revealed(self) -> set[int]:
        return set(
            AccessLog.objects.filter(user=self.user, kind=AccessLog.Kind.REVEAL, until__gt=timezone.now()).values_list(
                "complaint_id", flat=True
            )
        )

    def held_ranks(self, complaint: Complaint) -> frozenset[int]:
        """The ranks of the levels whose role the user holds where that level handles this complaint
        (as selectors.escalation.held_ranks, from the rows loaded once)."""
        if not self.memberships:
            return frozenset()
        chain: list[tuple[int, str]] = []
        node = complaint.department_id
        while node is not None and node in self.departments and all(node != pk for pk, _kind in chain):
            parent, kind = self.departments[node]
            chain.append((node, kind))
            node = parent
        held = set()
        for level in self.levels:
            if level["department_scope"] == DepartmentScope.FIXED:
                department = level["department_id"]
            elif level["department_scope"] == DepartmentScope.OWN:
                department = chain[0][0] if chain else None
            else:
                department = next((pk for pk, kind in chain if kind == level["department_scope"]), None)
            if department is not None and (department, level["role_id"]) in self.memberships:
                held.add(level["rank"])
        return frozenset(held)

    def sees(self, complaint: Complaint) -> bool:
        """True when this user sees the complaint's contact details in full (rules.sees_contact)."""
        if not self.authenticated:
            return False
        if self.admin:
            return True
        policy = self.settings
        if policy.owner_sees and complaint.owner_id == self.user.pk:
            return True
        viewer = rules.Viewer(
            is_admin=False,
            is_owner=complaint.owner_id == self.user.pk,
            held_ranks=self.held_ranks(complaint),
            role_ids=frozenset(role for _dept, role in self.memberships),
            revealed=self.is_revealed(complaint.pk),
        )
        rank = complaint.level.rank if complaint.level_id and complaint.level else None
        return rules.sees_contact(viewer=viewer, policy=self.rule_policy, level_rank=rank)

    def may_reveal(self, complaint: Complaint) -> bool:
        """True when the user sees the details masked and holds a role the admin lets reveal them."""
        if not self.authenticated or self.sees(complaint) or not self.settings.pk or not self.settings.reveal_minutes:
            return False
        row = self.settings
        allowed = read_once(
            "privacy_reveal_roles", lambda: frozenset(row.reveal_roles.values_list("pk", flat=True)), shared=True
        )
        return any(role in allowed for _dept, role in self.memberships)


def policy_rows(users: Any) -> Any:
    """`users` (a queryset) with what their contact policies read of them, in the same query: their
    memberships in active departments and the complaints they revealed, while the reveal runs
    (`contact_policies` takes them from there). On PostgreSQL; elsewhere the queryset as it is."""
    if connection.vendor != "postgresql":
        return users
    memberships = Membership.objects.filter(user=OuterRef("pk"), department__active=True).order_by()
    reveals = AccessLog.objects.filter(
        user=OuterRef("pk"), kind=AccessLog.Kind.REVEAL, until__gt=timezone.now()
    ).order_by()
    return users.annotate(
        _redress_memberships=ArraySubquery(
            memberships.values(pair=JSONObject(department=F("department_id"), role=F("role_id")))
        ),
        _redress_revealed_ids=ArraySubquery(reveals.values("complaint_id")),
    )


def contact_policies(users: Iterable[Any]) -> dict[int, ContactPolicy]:
    """The policies of many users at once (a notification's recipients), by user id: the policy
    row, levels and departments read once and shared, the memberships and reveals of all of them
    in one query each, however many users (none for users read through `policy_rows`)."""
    people = {user.pk: user for user in users if getattr(user, "is_authenticated", False)}
    if not people:
        return {}
    policies = {pk: ContactPolicy(user) for pk, user in people.items()}
    first = next(iter(policies.values()))
    memberships: dict[int, set[tuple[int, int]]] = {pk: set() for pk in people}
    revealed: dict[int, set[int]] = {pk: set() for pk in people}
    unread = []
    for pk, user in people.items():
        if hasattr(user, "_redress_memberships") and hasattr(user, "_redress_revealed_ids"):
            memberships[pk] = {(pair["department"], pair["role"]) for pair in user._redress_memberships}
            revealed[pk] = set(user._redress_revealed_ids)
        else:
            unread.append(pk)
    if unread:
        for user_id, department_id, role_id in Membership.objects.filter(
            user__in=unread, department__active=True
        ).values_list("user_id", "department_id", "role_id"):
            memberships[user_id].add((department_id, role_id))
        for user_id, complaint_id in AccessLog.objects.filter(
            user__in=unread, kind=AccessLog.Kind.REVEAL, until__gt=timezone.now()
        ).values_list("user_id", "complaint_id"):
            revealed[user_id].add(complaint_id)
    shared = {name: getattr(first, name) for name in ("settings", "rule_policy", "levels", "departments")}
    for pk, policy in policies.items():
        policy.__dict__.update(shared, memberships=memberships[pk], revealed=revealed[pk])
    return policies


def contact_policy(user: Any) -> ContactPolicy:
    """The policy for one user, cached on the user object for the request (pages ask it several
    times: the header, the summary, the package)."""
    if not getattr(user, "is_authenticated", False):
        return ContactPolicy(None)
    cached = getattr(user, "_contact_policy", None)
    if cached is None:
        cached = ContactPolicy(user)
        with contextlib.suppress(AttributeError):  # AnonymousUser and other read-only users: no cache
            user._contact_policy = cached
    return cached


def may_see_contact(user: Any, complaint: Complaint) -> bool:
    """The one policy question: does this user see this complaint's contact details in full?"""
    return contact_policy(user).sees(complaint)


def shield(complaint: Complaint, *, full: bool) -> Complaint:
    """Returns the complaint as a reader sees it: itself when they see it in full, else a copy in
    memory with the contact fields masked, and the contact values and the phone numbers and e-mail
    addresses inside its free text masked. The copy refuses to be saved (Complaint.save)."""
    if full or getattr(complaint, MASKED_FLAG, False):
        return complaint
    masked = copy.copy(complaint)
    known = {name: getattr(complaint, name) for name in rules.CONTACT_FIELDS}
    for name, value in known.items():
        setattr(masked, name, rules.mask_field(name, value))
    for name in rules.FREE_TEXT_FIELDS:
        setattr(masked, name, rules.mask_known(getattr(complaint, name), known))
    setattr(masked, MASKED_FLAG, True)
    setattr(masked, KNOWN_ATTR, {name: value for name, value in known.items() if value})
    return masked


def shield_for(user: Any, complaint: Complaint) -> tuple[Complaint, bool]:
    """Returns the complaint as this user may see it, and whether they see it in full."""
    full = may_see_contact(user, complaint)
    return shield(complaint, full=full), full


def shown_value(user: Any, complaint: Complaint, name: str) -> str:
    """One contact field of the complaint as this user sees it: what shield would show of it, without
    masking the rest (a list's cell: the whole copy masked every free text of each row)."""
    value = getattr(complaint, name)
    if getattr(complaint, MASKED_FLAG, False) or may_see_contact(user, complaint):
        return value
    return rules.mask_field(name, value)


def shield_all(user: Any, complaints: Iterable[Complaint]) -> list[Complaint]:
    """Masks each complaint of a list the user does not see in full (one policy, a fixed number of
    queries); returns the list."""
    policy = contact_policy(user)
    return [shield(c, full=policy.sees(c)) for c in complaints]


def known_details(complaint: Complaint) -> dict[str, str]:
    """The complaint's own contact values by field name (what mask_known looks for in texts); of a
    masked copy, the values it hides."""
    if getattr(complaint, MASKED_FLAG, False):
        return dict(getattr(complaint, KNOWN_ATTR, {}))
    return {name: getattr(complaint, name) for name in rules.CONTACT_FIELDS if getattr(complaint, name)}


def shield_rows(rows: Iterable[Any], *, fields: Iterable[str], complaint: Complaint, full: bool) -> list[Any]:
    """Returns records shown with a complaint (its contacts, notes, questions, analysis, the admin's
    inline rows) as the reader sees them: copies whose texts have the customer's details and any
    phone number or e-mail address masked when the reader sees the case masked; a contact field
    (name, phone, plate) masked by its kind; JSON values (an event's old and new) walked."""
    rows = list(rows)
    if full:
        return rows
    known, names, masked = known_details(complaint), tuple(fields), []
    for row in rows:
        row = copy.copy(row)
        for name in names:
            value = getattr(row, name, "")
            if isinstance(value, str):
                masker = rules.MASKERS.get(name)
                setattr(row, name, masker(value) if masker and value else rules.mask_known(value, known))
            elif isinstance(value, dict | list):
                setattr(row, name, _mask_json(value, known))
        masked.append(row)
    return masked


def shield_timeline(timeline: Any, *, complaint: Complaint, full: bool) -> Any:
    """The complaint's timeline as the reader sees it: sentences, notes and facts masked."""
    if full or timeline is None:
        return timeline
    known = known_details(complaint)

    def m(text: Any) -> Any:
        return rules.mask_known(text, known) if isinstance(text, str) else text

    entries = [
        dataclasses.replace(
            e, sentence=m(e.sentence), note=m(e.note), facts=[(name, m(value)) for name, value in e.facts]
        )
        for e in timeline.entries
    ]
    return dataclasses.replace(timeline, entries=entries)


PACKAGE_CUSTOMER = (("name", "customer_name"), ("contact_person", "contact_person"), ("phone", "customer_phone"))


def shield_package(package: dict[str, Any], *, full: bool, complaint: Complaint | None = None) -> dict[str, Any]:
    """The escalation information package as a reader who sees details masked gets it: the customer
    block masked, and the customer's details and any phone number or e-mail address inside every
    text masked. The stored snapshot is unchanged."""
    if full or not package:
        return package
    customer = package.get("customer") or {}
    known = {field: str(customer.get(key) or "") for key, field in PACKAGE_CUSTOMER}
    if complaint is not None:
        known.update({name: getattr(complaint, name) for name in rules.CONTACT_FIELDS if getattr(complaint, name)})

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str):
            return rules.mask_known(value, known)
        return value

    masked = walk(package)
    masked["customer"] = {
        **masked.get("customer", {}),
        **{key: rules.mask_field(field, known[field]) for key, field in PACKAGE_CUSTOMER if known[field]},
    }
    return masked


def phone_forms(phone: str) -> list[str]:
    """The ways one phone number may be stored: as entered, its digits, with and without +86."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    forms = {phone.strip(), digits}
    try:  # as intake stores it (E.164 in the operator's region)
        number = phonenumbers.parse(phone, settings.REDRESS_PHONE_REGION)
        forms.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    except phonenumbers.NumberParseException:
        pass
    if digits.startswith("86") and len(digits) > 11:
        forms |= {digits[2:], "+" + digits}
    elif digits:
        forms.add("+86" + digits)
    return sorted(f for f in forms if f)


def held_about_phone(phone: str) -> Q:
    """The complaints held about one phone number (in any of its stored forms)."""
    return Q(customer_phone__in=phone_forms(phone))


def mask_json(value: Any, complaint: Complaint | None = None) -> Any:
    """A JSON value (an event's old/new, a package) with the complaint's contact values and any
    phone number or e-mail address inside its texts masked."""
    return _mask_json(value, known_details(complaint) if complaint is not None else {})


def _mask_json(value: Any, known: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            k: (rules.mask_field(k, v) if k in rules.MASKERS and isinstance(v, str) else _mask_json(v, known))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask_json(v, known) for v in value]
    if isinstance(value, str):
        return rules.mask_known(value, known)
    return value


def package_for(user: Any, package: dict[str, Any] | None) -> dict[str, Any] | None:
    """An information package (stored with an escalation or a collaboration request) as this
    reader may see it: masked unless they see its complaint in full."""
    if not package:
        return package
    reference = package.get("reference")
    complaint = Complaint.objects.filter(reference=reference).select_related("level").first() if reference else None
    full = complaint is not None and may_see_contact(user, complaint)
    return shield_package(package, full=full, complaint=complaint)
