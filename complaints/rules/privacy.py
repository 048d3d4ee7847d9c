"""What people outside a case see of a customer's contact details, and when they are kept no longer."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta


def mask_phone(phone: str) -> str:
    """Rule: a phone number shows its first three and last four digits; the rest becomes *.

    Example: mask_phone("+8613800138001") == "+86138****8001"; mask_phone("12345") == "*****"
    Why: contact details are visible to the people handling the case and masked for everyone else;
    the visible digits are enough to tell two customers apart on a list.
    """
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    if len(digits) <= 7:
        return "".join("*" if ch.isdigit() else ch for ch in phone)
    country = 2 if phone.startswith("+86") else 0
    keep = set(digits[: country + 3]) | set(digits[-4:])
    return "".join(ch if (i in keep or not ch.isdigit()) else "*" for i, ch in enumerate(phone))


def mask_name(name: str) -> str:
    """Rule: a name keeps its first character; every other letter becomes *.

    Example: mask_name("陈先生") == "陈**"; mask_name("Zhou Wei") == "Z*** ***"
    Why: a case in the library teaches how a problem was solved, not who had it.
    """
    name = name.strip()
    return name[:1] + "".join(" " if ch.isspace() else "*" for ch in name[1:]) if name else ""


# A phone number inside free text: 7 or more digits, optionally after +, with spaces or dashes
# between groups. An e-mail address: the usual local@domain.tld shape.
PHONE_IN_TEXT = re.compile(r"(?<![\w+-])\+?\d(?:[\d -]{5,}\d)(?!\w)")  # not inside a reference (C-2026-000001)
EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
# The fields of a complaint that identify its customer (DOMAIN.md: name, phone, contact person,
# plate/VIN); everything else on the record is about the problem, not the person.
CONTACT_FIELDS = ("customer_name", "customer_phone", "contact_person", "plate_or_vin")
# Free-text fields whose words stay, with phone numbers and e-mail addresses inside them masked.
FREE_TEXT_FIELDS = ("customer_words", "handler_understanding", "demand_detail", "occurred_place", "outcome_note")
ANONYMOUS = "—"


def mask_email(email: str) -> str:
    """Rule: an e-mail address keeps the first character of its local part and its domain.

    Example: mask_email("chen.wei@example.com") == "c*******@example.com"
    Why: the domain tells a colleague which company wrote; the person stays unnamed.
    """
    local, at, domain = email.partition("@")
    if not at:
        return mask_name(email)
    return local[:1] + "*" * max(len(local) - 1, 0) + "@" + domain


def mask_code(code: str) -> str:
    """Rule: a plate number or VIN keeps its first two and last two characters.

    Example: mask_code("沪A·D12345") == "沪A****45"; mask_code("ABC") == "***"
    Why: a plate identifies a car's owner as surely as a phone number does.
    """
    code = code.strip()
    if len(code) <= 4:
        return "*" * len(code)
    return code[:2] + "*" * (len(code) - 4) + code[-2:]


def mask_text(text: str) -> str:
    """Rule: free text keeps its words; phone numbers and e-mail addresses inside it are masked.

    Example: mask_text("call 13800138001 or a@b.cn") == "call 138****8001 or a@b.cn" (with a masked)
    Why: customers and handlers write numbers into the complaint's words; the words are needed to
    solve the problem, the numbers are not.
    """
    if not text:
        return text
    text = EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)
    return PHONE_IN_TEXT.sub(lambda m: _mask_number(m.group(0)), text)


def _mask_number(found: str) -> str:
    digits = sum(ch.isdigit() for ch in found)
    if digits < 7 or DATE_LIKE.fullmatch(found.strip()):
        return found
    return mask_phone(found)


def mask_known(text: str, known: dict[str, str]) -> str:
    """Rule: free text keeps its words; the customer's own details (by field name → value) and any
    phone number or e-mail address inside it are masked.

    Example: mask_known("陈先生 says call 13800138001", {"customer_name": "陈先生"}) == "陈** says call 138****8001"
    Why: a handler writes the customer's name or plate into their understanding of the case.
    """
    if not text:
        return text
    for name, value in sorted(known.items(), key=lambda item: -len(item[1] or "")):
        if value and len(value.strip()) > 1 and value in text:
            text = text.replace(value, mask_field(name, value))
    return mask_text(text)


MASKERS = {
    "customer_name": mask_name,
    "contact_person": mask_name,
    "customer_phone": mask_phone,
    "phone": mask_phone,
    "plate_or_vin": mask_code,
    "email": mask_email,
}


def mask_field(name: str, value: str) -> str:
    """Rule: masks one contact value by the kind of field it is (free text keeps its words).

    Example: mask_field("customer_phone", "13800138001") == "138****8001"
    Why: one masking per kind of detail, wherever it is shown.
    """
    if not value:
        return value
    return MASKERS.get(name, mask_text)(value)


@dataclass(frozen=True)
class Viewer:
    """What the policy needs to know about the person looking at one case."""

    is_admin: bool
    is_owner: bool
    held_ranks: frozenset[int]
    role_ids: frozenset[int]
    revealed: bool


@dataclass(frozen=True)
class Policy:
    """The admin's need-to-know settings (PrivacyPolicy) as plain values."""

    owner_sees: bool
    level_handlers_see: bool
    full_role_ids: frozenset[int]


def sees_contact(*, viewer: Viewer, policy: Policy, level_rank: int | None) -> bool:
    """Rule: a customer's contact details show in full to the case owner and the handlers of its
    current level and above (each as the admin allows), to holders of a role the admin names, to
    someone who revealed them for this case within the admin's window, and to administrators;
    everyone else who may see the case sees them masked.

    Example: a quality engineer (no level role) on a store-level case sees 陈** · 138****8001;
    the regional lead (level rank 2) on the same case at rank 1 sees them in full.
    Why: escalation shares only what is needed to solve the problem (PIPL: minimum necessary).
    """
    if viewer.is_admin or viewer.revealed:
        return True
    if policy.owner_sees and viewer.is_owner:
        return True
    if policy.level_handlers_see and level_rank is not None and any(r >= level_rank for r in viewer.held_ranks):
        return True
    return bool(policy.full_role_ids & viewer.role_ids)


def retention_due(*, closed_at: datetime | None, days: int | None, now: datetime) -> bool:
    """Rule: a closed complaint's personal data is due for anonymising once the admin's retention
    period after closing has passed; no period set means it is kept.

    Example: closed 2026-01-01, 30 days, now 2026-02-01 → due; days None → never due.
    Why: nothing is kept for ever, but only the admin decides how long is long enough.
    """
    if closed_at is None or days is None:
        return False
    return now >= closed_at + timedelta(days=days)
