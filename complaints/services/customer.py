"""The customer's side: filing on the public form (rate limits first), tracking links (only their
hash is stored; expiring, revocable), what the customer adds through their link, and messages to
the customer through the notification channels, in the customer's language."""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.choices import Channel, ChannelKind, EventKind, NotificationEvent
from complaints.models import Complaint, CustomerLink, Notification, PublicFiling
from complaints.selectors.customer import portal_settings
from complaints.selectors.notify import event_recipients, event_templates
from complaints.selectors.once import config_row
from complaints.selectors.routing import departments_by_id, levels_by_id
from complaints.services.attachments import attachment_add
from complaints.services.errors import Refused, require_handler
from complaints.services.events import event_record
from complaints.services.held_rows import held_rows
from complaints.services.notify import (
    in_language,
    notification_enqueue,
    notifications_write_new,
    notify_event,
    render,
)
from complaints.services.work import NoOpenStep, complaint_process_start, complaint_step_complete

SALT = "redress.customer-link"


class CustomerRefused(Refused):
    """The customer's request cannot be taken; the message says why, politely."""


class FilingRefused(CustomerRefused):
    """A public filing was refused (closed, too many, a robot); nothing was stored."""


class LinkRefused(CustomerRefused):
    """The link is unknown, tampered with, expired or revoked; `reason` says which."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


# The words of each message to the customer when the admin has written no template for it.
DEFAULT_MESSAGES: dict[str, tuple[Any, Any]] = {
    NotificationEvent.CUSTOMER_REGISTERED: (
        gettext_lazy("Your complaint {reference} is registered"),
        gettext_lazy(
            "Dear {customer_name}, we registered your complaint as {reference}. We will contact you by {due}. "
            "Follow it here: {link}"
        ),
    ),
    NotificationEvent.CUSTOMER_UPDATE: (
        gettext_lazy("Your complaint {reference}: new handler"),
        gettext_lazy("{level} ({department}) now handles your complaint {reference}; you will hear from us by {due}."),
    ),
    NotificationEvent.CUSTOMER_PROMISE: (
        gettext_lazy("Your complaint {reference}: our commitment"),
        gettext_lazy("About your complaint {reference}: {reason}, by {due}."),
    ),
    NotificationEvent.CUSTOMER_WAITING: (
        gettext_lazy("Your complaint {reference}: we need something from you"),
        gettext_lazy("To continue with your complaint {reference} we need: {reason}. {link}"),
    ),
    NotificationEvent.CUSTOMER_CLOSED: (
        gettext_lazy("Your complaint {reference} is closed"),
        gettext_lazy("Your complaint {reference} is closed. Thank you for your patience."),
    ),
    NotificationEvent.CUSTOMER_CONFIRM: (
        gettext_lazy("Your complaint {reference}: is it resolved?"),
        gettext_lazy("We believe your complaint {reference} is resolved. Please tell us whether it is: {link}"),
    ),
    NotificationEvent.CUSTOMER_SURVEY: (
        gettext_lazy("Your complaint {reference}: how did we do?"),
        gettext_lazy("Please tell us how satisfied you are with how we handled your complaint {reference}: {link}"),
    ),
    NotificationEvent.CUSTOMER_APPEAL_RECEIVED: (
        gettext_lazy("Your complaint {reference}: appeal received"),
        gettext_lazy(
            "The independent customer-experience office received your appeal about complaint {reference} and "
            "will decide by {due}."
        ),
    ),
    NotificationEvent.CUSTOMER_APPEAL_DECIDED: (
        gettext_lazy("Your complaint {reference}: the appeal is decided"),
        gettext_lazy(
            "The customer-experience office decided on your appeal about complaint {reference}: {decision}. "
            "{reason} {remedy}"
        ),
    ),
    NotificationEvent.CUSTOMER_MESSAGE: (
        gettext_lazy("Your complaint {reference}"),
        gettext_lazy("{reason} {link}"),
    ),
}


def customer_language(complaint: Complaint) -> str:
    """The language every message to this complaint's customer is written in."""
    offered = {code for code, _name in settings.LANGUAGES}
    return complaint.customer_language if complaint.customer_language in offered else settings.LANGUAGE_CODE


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def link_url(token: str) -> str:
    return settings.REDRESS_BASE_URL + reverse("portal:track", args=[token])


# Links -------------------------------------------------------------------------------------------


def customer_link_issue(*, complaint: Complaint, actor: Any = None, now: datetime | None = None) -> str | None:
    """Creates a tracking link for the complaint and returns its token (signed; only its hash is
    stored), or None while the portal is not configured. The token is shown once: in the message."""
    portal = portal_settings()
    if portal is None:
        return None
    now = now or timezone.now()
    raw = secrets.token_urlsafe(32)
    link = CustomerLink(
        complaint=complaint,
        token_hash=token_hash(raw),
        created_by=actor,
        expires_at=now + timedelta(days=portal.link_valid_days),
    )
    held = held_rows()
    if held is not None:
        held.hold(link)  # written with the transition's other rows (any read of the links writes it first)
    else:
        link.save()
    getattr(complaint, "_prefetched_objects_cache", {}).pop("customer_links", None)  # kept ones are stale now
    return signing.Signer(salt=SALT).sign(raw)


def customer_link_open(*, token: str, now: datetime | None = None) -> CustomerLink:
    """Returns the live link for a token and notes that it was opened. Raises LinkRefused when the
    token is tampered with or unknown, expired or revoked (each with its own polite message)."""
    now = now or timezone.now()
    try:
        raw = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        raise LinkRefused(
            _("This link is not valid. Please check that you copied all of it."), reason="invalid"
        ) from None
    link = CustomerLink.objects.select_related("complaint").filter(token_hash=token_hash(raw)).first()
    if link is None:
        raise LinkRefused(_("This link is not valid. Please check that you copied all of it."), reason="invalid")
    if link.revoked_at is not None:
        raise LinkRefused(
            _("This link is no longer in use. Ask us for a new one: we will send it to you."), reason="revoked"
        )
    if link.expires_at <= now:
        raise LinkRefused(_("This link has expired. Ask us for a new one: we will send it to you."), reason="expired")
    if link.opened_at is None or now - link.opened_at > timedelta(minutes=1):  # one write per visit, not per click
        CustomerLink.objects.filter(pk=link.pk).update(opened_at=now)
        link.opened_at = now
    return link


def customer_links_revoke(*, complaint: Complaint, actor: Any, now: datetime | None = None) -> int:
    """Revokes every live link of the complaint (a handler only). Returns how many."""
    require_handler(complaint=complaint, actor=actor)
    now = now or timezone.now()
    count = CustomerLink.objects.filter(complaint=complaint, revoked_at__isnull=True).update(revoked_at=now)
    if count:
        event_record(complaint=complaint, kind=EventKind.LINK_REVOKED, actor=actor, new={"links": count})
    return count


# Messages ----------------------------------------------------------------------------------------


def customer_notify(
    *,
    complaint: Complaint,
    event: str,
    occasion: str,
    context: dict[str, Any] | None = None,
    body: str = "",
) -> list[Notification]:
    """Writes the message to the customer (e-mail when they gave an address; text message through
    the portal's gateway to their phone) in their language, from the event's template, and sends it
    when the transaction commits; failures are retried by the sweep like staff notifications.
    `body` replaces the template's text (a message already worded, e.g. the escalation's). The same
    occasion never sends twice. Returns the new rows."""
    portal = portal_settings()
    addresses: list[tuple[Any, str]] = []
    if complaint.customer_email:
        addresses.append((None, complaint.customer_email))
    gateway = portal.customer_channel if portal is not None else None
    if gateway is not None and gateway.active and gateway.kind == ChannelKind.WEBHOOK and complaint.customer_phone:
        addresses.append((gateway, complaint.customer_phone))
    if not addresses:
        return []
    language = customer_language(complaint)
    subject, text = customer_message(complaint=complaint, event=event, language=language, context=context or {})
    candidates = [
        Notification(
            key=f"{event}:{complaint.pk}:{occasion}:customer:{channel.code if channel else 'email'}"[:200],
            event=event,
            complaint=complaint,
            channel=channel,
            address=address,
            subject=subject[:300],
            body=body or text,
        )
        for channel, address in addresses
    ]
    rows = notifications_write_new(candidates)  # one INSERT; a key written before is left alone
    for row in rows:
        transaction.on_commit(partial(notification_enqueue, notification_id=row.pk))
    return rows


def customer_context(complaint: Complaint, **extra: Any) -> dict[str, Any]:
    """The placeholders a message to the customer may use: no staff names, numbers or pages."""
    due = complaint.promised_response_at or complaint.response_due or complaint.resolution_due
    return {
        "reference": complaint.reference or "",
        "customer_name": complaint.customer_name,
        "priority": "",
        "level": config_row(complaint, "level", levels_by_id) or "",  # rows: named in the message's language
        "department": config_row(complaint, "department", departments_by_id) or "",
        "stage": "",
        "owner": "",
        "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else "",
        "reason": "",
        "url": "",
        "link": "",
        "decision": "",
        "remedy": "",
        **extra,
    }


def customer_message(*, complaint: Complaint, event: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and text of a message to the customer in their language: the admin's template for
    the event in that language, else the built-in words."""
    values = in_language(customer_context(complaint, **context), language)
    template = next((t for t in event_templates([event]) if t.language == language), None)
    if template is not None:
        return render(template.subject, values), render(template.body, values)
    subject, body = DEFAULT_MESSAGES[event]
    with translation.override(language):
        return render(str(subject), values), render(str(body), values).strip()


def customer_registered(*, complaint: Complaint) -> None:
    """After triage: a first tracking link, and the message with the reference, the link and the
    promised time. Runs once per complaint (a later triage sends nothing)."""
    from complaints.services.clocks import complaint_promise_set

    if complaint.customer_links.exists():  # no query for a new complaint (complaint_register)
        return
    token = customer_link_issue(complaint=complaint)
    if token is None:
        return
    if complaint.promised_response_at is None and complaint.first_response_due is not None:
        # Filed online, nobody promised a time yet: the first-response deadline is the promise.
        complaint.promised_response_at = complaint.first_response_due
        complaint.save(update_fields=["promised_response_at"])
        complaint_promise_set(complaint=complaint, promised_by=complaint.promised_response_at)
    event_record(complaint=complaint, kind=EventKind.LINK_SENT, new={"why": "registered"})
    customer_notify(
        complaint=complaint,
        event=NotificationEvent.CUSTOMER_REGISTERED,
        occasion="registered",
        context={"link": link_url(token)},
    )


def customer_link_send(*, complaint: Complaint, actor: Any, message: str = "") -> str:
    """A handler sends the customer a fresh tracking link (with an optional message). Returns the token."""
    require_handler(complaint=complaint, actor=actor)
    token = customer_link_issue(complaint=complaint, actor=actor)
    if token is None:
        raise CustomerRefused(_("The customer portal is not configured yet (customer portal settings)."))
    if not complaint.customer_email and not complaint.customer_phone:
        raise CustomerRefused(_("The complaint has no e-mail address or phone number to send the link to."))
    event = event_record(
        complaint=complaint, kind=EventKind.LINK_SENT, actor=actor, new={"why": "resent"}, at_once=True
    )
    customer_notify(
        complaint=complaint,
        event=NotificationEvent.CUSTOMER_MESSAGE,
        occasion=f"link-{event.pk}",
        context={"link": link_url(token), "reason": message.strip()},
    )
    return token


def customer_message_send(*, complaint: Complaint, actor: Any, text: str) -> list[Notification]:
    """A handler writes to the customer (free text, sent in the message template's frame)."""
    require_handler(complaint=complaint, actor=actor)
    text = text.strip()
    if not text:
        raise CustomerRefused(_("Write the message."))
    event = event_record(
        complaint=complaint,
        kind=EventKind.CUSTOMER_CONTACT,
        actor=actor,
        new={"channel": Channel.WEB},
        note=text,
        at_once=True,
    )
    return customer_notify(
        complaint=complaint,
        event=NotificationEvent.CUSTOMER_MESSAGE,
        occasion=f"message-{event.pk}",
        context={"reason": text},
    )


# Filing and adding information -----------------------------------------------------------------


def public_filing_check(*, address: str, phone: str, now: datetime | None = None) -> None:
    """Refuses a public filing while online filing is closed or when this address or phone number
    already filed the admin's number of complaints within the window."""
    portal = portal_settings()
    if portal is None:
        raise FilingRefused(_("Online filing is not open yet. Please call our hotline."))
    now = now or timezone.now()
    since = now - timedelta(minutes=portal.filing_window_minutes)
    recent = PublicFiling.objects.filter(at__gte=since)
    if recent.filter(address=address).count() >= portal.filings_per_address:
        raise FilingRefused(
            _("We received several complaints from your network just now. Please try again later or call us.")
        )
    if phone and recent.filter(phone=phone).count() >= portal.filings_per_phone:
        raise FilingRefused(
            _(
                "We already received complaints for this phone number just now; we are on it. If this is about "
                "something else, please try again later or call us."
            )
        )


def complaint_file_public(
    *,
    address: str,
    phone: str,
    register: Callable[[Any], Complaint],
) -> Complaint:
    """Files a complaint from the public form: checks the limits again under a lock on the settings
    row (two filings at once cannot both pass), then the complaint process starts with `register`
    (complaint_register as the system, for the portal's receiving department) as its first step.
    Everything is one transaction: a refusal stores nothing."""
    with transaction.atomic():
        portal = portal_settings()
        if portal is None:
            raise FilingRefused(_("Online filing is not open yet. Please call our hotline."))
        type(portal).objects.select_for_update().filter(pk=portal.pk).first()
        registered: list[Complaint] = []

        def first_step(complaint: Any) -> Complaint:
            public_filing_check(address=address, phone=phone)
            complaint = register(complaint)
            PublicFiling.objects.create(complaint=complaint, address=address, phone=phone)
            registered.append(complaint)
            return complaint

        complaint_process_start(first_step=first_step)
        return registered[0]


def customer_add_information(
    *, link: CustomerLink, text: str, uploads: Iterable[UploadedFile] = (), now: datetime | None = None
) -> Complaint:
    """The customer adds words or files through their link: they land on the timeline, the case
    owner is told, a case waiting for the customer resumes its clock, and their words are scored
    for emotion (triage runs again, so an emotion now at the threshold raises its signal)."""
    from complaints.services.clocks import complaint_customer_answered
    from complaints.services.emotion import complaint_emotion_read
    from complaints.services.triage import complaint_retriage

    text = (text or "").strip()
    uploads = list(uploads)
    if not text and not uploads:
        raise CustomerRefused(_("Write something or add a file."))
    complaint = link.complaint
    with transaction.atomic():
        event = event_record(
            complaint=complaint,
            kind=EventKind.CUSTOMER_ADDED,
            new={"files": [upload.name for upload in uploads]},
            note=text,
            at_once=True,
        )
        for upload in uploads:
            attachment_add(complaint=complaint, upload=upload, actor=None)
        if complaint.waiting_since is not None:
            complaint_customer_answered(complaint=complaint, actor=None, note=text, now=now)
        if text:
            complaint_emotion_read(complaint=complaint, text=text, trigger="customer_message")
            complaint_retriage(complaint=complaint, trigger="customer_message")
        owner = [complaint.owner] if complaint.owner is not None else []
        notify_event(
            event=NotificationEvent.CUSTOMER_ADDED,
            complaint=complaint,
            occasion=f"added-{event.pk}",
            context={"reason": text[:200]},
            recipients=owner or event_recipients(event=NotificationEvent.CUSTOMER_ADDED, complaint=complaint),
        )
    return complaint


# Confirmation and survey by link ---------------------------------------------------------------

ASKS = {"confirm": NotificationEvent.CUSTOMER_CONFIRM, "survey": NotificationEvent.CUSTOMER_SURVEY}


def customer_ask(*, complaint: Complaint, why: str) -> None:
    """Sends the customer a fresh link asking them to confirm the resolution (`why` "confirm") or
    to answer the follow-up survey ("survey"); nothing while the portal is not configured."""
    token = customer_link_issue(complaint=complaint)
    if token is None:
        return
    event = event_record(complaint=complaint, kind=EventKind.LINK_SENT, new={"why": why}, at_once=True)
    customer_notify(
        complaint=complaint, event=ASKS[why], occasion=f"{why}-{event.pk}", context={"link": link_url(token)}
    )


def customer_confirm(*, link: CustomerLink, resolved: bool, reason: str) -> Complaint:
    """The customer answers "Resolved" or "Not yet" (with what is still wrong) through their link:
    the confirmation step is recorded by the service the agent's task uses and the step completes
    (not resolved: another round of containment with their reason)."""
    from complaints.choices import ConfirmationOutcome, Stage
    from complaints.services.stages import complaint_record_confirmation

    complaint = Complaint.objects.get(pk=link.complaint_id)
    reason = (reason or "").strip()
    if complaint.stage != Stage.CUSTOMER_CONFIRMATION:
        raise CustomerRefused(_("There is nothing to confirm right now. Thank you."))
    if not resolved and not reason:
        raise CustomerRefused(_("Please tell us what is still not right."))
    outcome = ConfirmationOutcome.CONFIRMED if resolved else ConfirmationOutcome.NOT_SATISFIED

    def perform() -> Complaint:
        fresh = Complaint.objects.get(pk=complaint.pk)
        return complaint_record_confirmation(complaint=fresh, actor=None, outcome=outcome, note=reason)

    try:
        return complaint_step_complete(complaint=complaint, step="customer_confirmation", perform=perform)
    except NoOpenStep:
        raise CustomerRefused(_("There is nothing to confirm right now. Thank you.")) from None


def customer_survey_answer(
    *, link: CustomerLink, satisfaction: int, comment: str, satisfaction_before: int | None = None
) -> Complaint:
    """The customer answers the follow-up survey through their link; the follow-up step completes
    through the service the agent's task uses."""
    from complaints.services.stages import complaint_record_follow_up

    complaint = Complaint.objects.get(pk=link.complaint_id)
    if complaint.followed_up_at is not None:
        raise CustomerRefused(_("You already answered. Thank you."))

    def perform() -> Complaint:
        fresh = Complaint.objects.get(pk=complaint.pk)
        return complaint_record_follow_up(
            complaint=fresh,
            actor=None,
            satisfaction=satisfaction,
            comment=(comment or "").strip(),
            satisfaction_before=satisfaction_before,
        )

    try:
        return complaint_step_complete(complaint=complaint, step="follow_up", perform=perform)
    except NoOpenStep:
        raise CustomerRefused(_("The survey is not open yet.")) from None
