"""Labels in the reader's language for codes stored in snapshots and events."""

from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.choices import (
    Demand,
    Emotion,
    EscalationReason,
    EscalationTrigger,
    EventKind,
    OutreachState,
    SendBackReason,
    VaryingSetting,
)
from complaints.rules.names import person_name
from complaints.rules.text import without_bidi_controls
from web import countdown

register = template.Library()

LABELS = {
    "emotion": dict(Emotion.choices),
    "demand": dict(Demand.choices),
    "event": dict(EventKind.choices),
    "reason": dict(EscalationReason.choices) | dict(SendBackReason.choices),
    "trigger": dict(EscalationTrigger.choices),
    "outreach": dict(OutreachState.choices),
    "varying": dict(VaryingSetting.choices),
    "passed_over": {
        "outside_bounds": gettext_lazy("the region's value is outside HQ's bounds"),
        "not_allowed": gettext_lazy("HQ does not let regions set it"),
    },
}


@register.filter
def label(code: str, kind: str) -> str:
    """{{ code|label:"emotion" }}: the code's label now, or the code itself when unknown."""
    return str(LABELS.get(kind, {}).get(code, code or ""))


@register.simple_tag
def clock_reading(clock: Any) -> dict[str, str]:
    """{% clock_reading clock as reading %}: reading.state (ok, warn, breached, paused) and
    reading.text ("3h 05m left") at the moment the page is drawn."""
    state, text = countdown.clock_reading(
        due=clock.due_at,
        warn=clock.warn_at,
        paused=clock.state == "paused",
        remaining_seconds=clock.remaining.total_seconds() if clock.remaining is not None else None,
        now=timezone.now(),
    )
    return {"state": state, "text": text}


@register.simple_tag
def countdown_labels() -> dict[str, str]:
    """The countdown phrases in the reader's language, for static/redress/countdown.js."""
    return countdown.countdown_labels()


@register.filter
def inert(value: Any) -> str:
    """A stored name or text without direction-override characters (they could make it read
    backwards, e.g. a file name ending in “exe” shown as “gnp”); intake strips them, this
    neutralises those stored before. Usage: {{ complaint.customer_name|inert }}."""
    return without_bidi_controls(str(value)) if value is not None else ""


@register.filter
def case_of_process(process: Any) -> Any:
    """{{ process|case_of_process }}: the complaint of a process page (the complaint itself, or the
    case of an approval, collaboration request, action task or mention)."""
    return process if hasattr(process, "reference") else getattr(process, "case", None)


@register.filter
def person(user: Any) -> str:
    """{{ user|person }}: the name people know (Chinese names family name first: 王芳; else the
    login); empty for nobody."""
    return person_name(user) if user is not None else ""


@register.simple_tag
def queue_label(permission: str | None) -> str:
    """{% queue_label task.owner_permission %}: "Department · Role" for a queue permission, else ""."""
    from complaints.models import Department, Role
    from complaints.rules.routing import parse_queue_permission

    parsed = parse_queue_permission(permission or "")
    if parsed is None:
        return ""
    department = Department.objects.filter(code=parsed[0]).values_list("name", flat=True).first()
    role = Role.objects.filter(code=parsed[1]).values_list("name", flat=True).first()
    return " · ".join(str(part) for part in (department or parsed[0], role or parsed[1]))


@register.filter
def task_verb(label: str) -> str:
    """{{ label|task_verb }}: viewflow's transition labels on a task page in the domain's words."""
    from django.utils.translation import gettext as _

    verbs = {
        "Execute": _("Work on this step"),
        "Assign": _("Claim"),
        "Unassign": _("Release to the queue"),
        "Reassign": _("Hand over"),
        "Cancel": _("Cancel the step"),
        "Undo": _("Undo the step"),
        "Revive": _("Revive the step"),
    }
    return verbs.get(str(label), str(label))


@register.filter
def task_case(task: Any) -> Any:
    """{{ task|task_case }}: the complaint a task row belongs to (no query when the row came with
    its process's relations)."""
    from complaints.selectors.worklist import case_of

    return case_of(task)


@register.simple_tag
def form_text_limit() -> dict[str, Any]:
    """{% form_text_limit as limit %}: the most form text the server parses (Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE, files aside) and what to tell someone whose form is larger, for
    static/redress/form-limit.js, which keeps such a form (and what was typed) in the browser."""
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    message = _(
        "What you typed is too large to send (at most %(size)s MB of text besides the files); nothing was sent "
        "and your text is still here. Shorten it or put long texts in an attached file."
    ) % {"size": round(size / 1024 / 1024, 1)}
    return {"bytes": size, "message": message}


@register.simple_tag(takes_context=True)
def process_data_seen(context: Any, rows: Any, process: Any) -> list[Any]:
    """viewflow's process data (field, label, value) as the reader may see it: for a reader who sees
    the case masked, a contact field masked by its kind and any text with the customer's details and
    any phone number or e-mail address masked (an appeal's grounds, a question to a department)."""
    from complaints.models import Complaint
    from complaints.rules.privacy import MASKERS, mask_known
    from complaints.selectors.privacy import known_details, may_see_contact, shield

    rows = list(rows)
    complaint = process if isinstance(process, Complaint) else getattr(process, "case", None)
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(complaint, Complaint) or (user is not None and may_see_contact(user, complaint)):
        return rows
    known = known_details(complaint)
    shown = []
    for field, label, value in rows:
        if isinstance(value, str):
            masker = MASKERS.get(field.name)
            value = masker(value) if masker and value else mask_known(value, known)
        elif isinstance(value, Complaint):
            value = shield(value, full=False)
        shown.append((field, label, value))
    return shown


@register.filter
def as_seen_by(complaint: Any, user: Any) -> Any:
    """The complaint as this reader may see it: masked contact details unless the privacy policy
    shows them in full (selectors.privacy). Usage: {% with complaint=complaint|as_seen_by:request.user %}."""
    from complaints.selectors.privacy import shield_for

    return shield_for(user, complaint)[0] if complaint is not None and getattr(complaint, "pk", None) else complaint


@register.filter
def package_seen_by(package: Any, user: Any) -> Any:
    """An information package as this reader may see it (masked for those who see the case masked),
    its configuration names in the reader's language.
    Usage: {% with package=package|package_seen_by:request.user %}."""
    from complaints.selectors.privacy import package_for
    from web.sentences import in_reader_language

    seen = package_for(user, package)
    return in_reader_language(seen) if isinstance(seen, dict) else seen


@register.filter
def masked_name(value: Any) -> str:
    """A name shown where the reader is not known (task summaries): first character only."""
    from complaints.rules.privacy import mask_name

    return mask_name(without_bidi_controls(str(value))) if value else ""


@register.filter
def masked_text(value: Any) -> str:
    """A text shown where the reader is not known (task summaries): phone numbers and e-mail
    addresses inside it masked."""
    from complaints.rules.privacy import mask_text

    return mask_text(without_bidi_controls(str(value))) if value else ""


@register.simple_tag
def table_rows(view: Any, page: Any, checkbox: Any) -> str:
    """{% table_rows view page_obj bulk_actions %}: a list page's rows (web.worklist.table_rows)."""
    from web.worklist import table_rows as rows

    return rows(view, page, checkbox=bool(checkbox))


@register.simple_tag(takes_context=True)
def page_query(context: Any, number: int) -> str:
    """The query string of a list's page `number` with the list's search, filters and order kept
    (the pager's links, for a reader without its script)."""
    query = context["request"].GET.copy()
    query[getattr(context.get("view"), "page_kwarg", "page")] = str(number)
    return "?" + query.urlencode()
