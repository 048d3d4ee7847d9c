"""Notifications: one row per event, recipient and channel (idempotent), sent by a Celery task
when the transaction commits (e-mail through Django's mail backend, a signed webhook that an SMS or
IM gateway receives, or a WeCom/DingTalk/Feishu group robot's own message), with the time of
sending and the last error recorded. Warnings wait out the recipient's quiet hours (never for a P0
complaint); failed ones are sent again by the sweep until the admin's number of attempts."""

import json
import logging
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, models, transaction
from django.db.models import prefetch_related_objects, sql
from django.db.models.constants import OnConflict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from standardwebhooks.webhooks import Webhook

from complaints.choices import ROBOT_KINDS, ChannelKind, EventKind, NotificationEvent, Stage
from complaints.models import (
    Complaint,
    InAppNotice,
    Notification,
    NotificationChannel,
    NotificationPreference,
    NotificationTemplate,
)
from complaints.rules.names import full_name, person_name
from complaints.rules.notify import quiet_until
from complaints.rules.privacy import mask_field
from complaints.rules.robots import robot_error, robot_request
from complaints.rules.text import header_value
from complaints.selectors.common import process_settings
from complaints.selectors.notify import RECIPIENT_READ, event_recipients, event_templates, recipient_rows
from complaints.selectors.once import config_row
from complaints.selectors.privacy import ContactPolicy, contact_policies
from complaints.selectors.routing import departments_by_id, levels_by_id, priorities_by_id
from complaints.services.events import event_record
from complaints.services.inbox import message_key, notices_add
from complaints.services.inserts import insert_new

QUIET_EVENTS = (NotificationEvent.DEADLINE_WARNING, NotificationEvent.FOLLOW_UP)
"""Events that wait out a recipient's quiet hours; alerts, breaches and P0 reminders never wait."""

logger = logging.getLogger(__name__)


class NotificationFailed(Exception):
    """Sending failed; `retry` says whether attempts are left."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class SafeDict(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(text: str, context: dict[str, Any]) -> str:
    """Fills {placeholders}; an unknown one stays as written rather than failing the sending."""
    try:
        return text.format_map(SafeDict(context))
    except (ValueError, IndexError):
        return text


def complaint_context(complaint: Complaint, **extra: Any) -> dict[str, Any]:
    """The placeholders every template may use (models.notify.PLACEHOLDERS). Values that are lazy
    texts or Message objects are rendered in the active language (see `in_language`)."""
    due = complaint.response_due or complaint.resolution_due
    context: dict[str, Any] = {
        "reference": complaint.reference or "",
        "customer_name": complaint.customer_name,
        # Rows, not text: `in_language` writes their names in the recipient's language.
        "priority": config_row(complaint, "priority", priorities_by_id) or "",
        "level": config_row(complaint, "level", levels_by_id) or "",
        "department": config_row(complaint, "department", departments_by_id) or "",
        "stage": Stage(complaint.stage).label if complaint.stage in Stage.values else complaint.stage,
        "owner": person_name(complaint.owner),
        "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else "",
        "reason": "",
        "url": settings.REDRESS_BASE_URL + reverse("workflow:flows:complaint:process_detail", args=[complaint.pk]),
        "link": "",
        "decision": "",
        "remedy": "",
    }
    context.update(extra)
    return context


def in_language(context: dict[str, Any], language: str) -> dict[str, str]:
    """The context's values as text in one language: lazy translations, configuration rows (their
    names per language) and lists of them (the clocks of a merged message) are rendered there,
    everything else as it is."""
    with translation.override(language):
        return {key: _text(value) for key, value in context.items()}


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return pgettext("list separator", ", ").join(_text(item) for item in value)
    return str(value)


@dataclass
class Notice:
    """One happening of an event on one complaint, to be told to its notify list (or the given
    recipients): `occasion` names it, so the same occasion never notifies a person twice."""

    event: str
    complaint: Complaint
    occasion: str
    context: dict[str, Any] = field(default_factory=dict)
    recipients: list[Any] | None = None
    within_minutes: int | None = None


def notify_event(
    *,
    event: str,
    complaint: Complaint,
    occasion: str,
    context: dict[str, Any] | None = None,
    within_minutes: int | None = None,
    recipients: list[Any] | None = None,
) -> list[Notification]:
    """Creates the event's notifications for its notify list (or the given recipients) and sends
    them when the transaction commits. `occasion` names this happening of the event (an escalation
    id, a triage): the same occasion never notifies the same person twice. Returns the new rows."""
    return notify_many(
        [Notice(event, complaint, occasion, context or {}, recipients=recipients, within_minutes=within_minutes)]
    )


def notify_many(notices: list[Notice]) -> list[Notification]:
    """Writes the notifications of many notices at once (the sweep's batch): templates, notify
    lists, languages and channel preferences are read once for all of them, the rows are
    bulk-written and each message is rendered in its recipient's language. Returns the new rows."""
    if not notices:
        return []
    events = {notice.event for notice in notices}
    templates = {(t.event, t.language): t for t in event_templates(events)}
    lists: dict[tuple[Any, ...], list[Any]] = {}
    people_of: list[list[Any]] = []
    for notice in notices:
        if notice.recipients is not None:
            people_of.append(notice.recipients)
            continue
        complaint = notice.complaint
        key = (notice.event, complaint.department_id, complaint.owner_id)  # what a notify list depends on
        if key not in lists:
            lists[key] = event_recipients(event=notice.event, complaint=complaint)
        people_of.append(lists[key])
    user_ids = {person.pk for people in people_of for person in people}
    # Channels, quiet hours and language of every recipient, with what their contact policies read
    # (memberships, reveals): one query (and one for the channels).
    preferences: dict[int, NotificationPreference] = {}
    languages: dict[int, str] = {}
    # (none for users read so already: the role holders of an escalation's list, `event_recipients`)
    read = [person for people in people_of for person in people if getattr(person, RECIPIENT_READ, False)]
    read = list({person.pk: person for person in read}.values())
    prefetch_related_objects(read, "notification_preference__channels")
    if unread := user_ids - {person.pk for person in read}:
        read += recipient_rows(get_user_model().objects.filter(pk__in=unread)).prefetch_related(
            "notification_preference__channels"
        )
    for user in read:
        if (preference := getattr(user, "notification_preference", None)) is not None:
            preferences[user.pk] = preference
        if (own := getattr(user, "preference", None)) is not None and own.language:
            languages[user.pk] = own.language
    policies = contact_policies(read)  # who sees details in full: fixed queries for all
    now = timezone.now()
    rows: list[Notification] = []
    for notice, people in zip(notices, people_of, strict=True):
        rows += _rows(
            notice,
            people,
            templates=templates,
            preferences=preferences,
            languages=languages,
            policies=policies,
            now=now,
        )
    if not rows:
        return []
    if connection.vendor == "postgresql":
        created = _notifications_and_notices_written(rows)
    else:
        created = notifications_write_new(rows)
        notices_add(rows=created)  # the same messages in the workspace's notification list
    now_ids = [row.pk for row in created if row.deliver_after is None]
    if len(now_ids) == 1:
        transaction.on_commit(partial(notification_enqueue, notification_id=now_ids[0]))
    elif now_ids:  # one message to the broker for the whole batch
        transaction.on_commit(partial(notifications_enqueue, notification_ids=now_ids))
    return created


def notifications_write_new(rows: list[Notification]) -> list[Notification]:
    """Writes the rows whose key is new and returns them, with their ids (a key already written,
    by an earlier happening or a concurrent transaction, is left alone: sending stays idempotent).
    On PostgreSQL one INSERT … ON CONFLICT DO NOTHING RETURNING; elsewhere the keys are looked up
    first and the rows written read back."""
    if connection.vendor != "postgresql":
        existing = set(Notification.objects.filter(key__in=[row.key for row in rows]).values_list("key", flat=True))
        fresh = [row for row in rows if row.key not in existing]
        Notification.objects.bulk_create(fresh, ignore_conflicts=True)
        return list(Notification.objects.filter(key__in=[row.key for row in fresh], attempts=0, sent_at__isnull=True))
    return insert_new(Notification, rows, unique=("key",))


def _notifications_and_notices_written(rows: list[Notification]) -> list[Notification]:
    """`notifications_write_new` and `notices_add` of the rows it wrote, in one statement
    (PostgreSQL): the INSERT … ON CONFLICT DO NOTHING RETURNING of the notifications is a WITH whose
    returned keys choose the in-app notices written (a notice per message and recipient, from the
    first of its rows that was written; a notice written before is left alone). Returns the rows
    written, with their ids."""
    opts = Notification._meta
    models_rows: list[Any] = list(rows)
    for row in models_rows:
        row._prepare_related_fields_for_save(operation_name="bulk_create")
    insert = sql.InsertQuery(Notification, on_conflict=OnConflict.IGNORE)
    insert.insert_values([f for f in opts.local_concrete_fields if not f.primary_key], models_rows)
    compiler = insert.get_compiler("default")
    compiler.returning_fields = [opts.pk, opts.get_field("key")]
    [(written_sql, written_params)] = compiler.as_sql()
    # Each row's notice (its message's key, without the channel), in the rows' order.
    names_in_order = ("key", "recipient", "event", "complaint", "subject", "body")
    fields: list[Any] = [InAppNotice._meta.get_field(name) for name in names_in_order]
    columns: list[Any] = [*fields, opts.get_field("key")]
    candidates = [
        [message_key(row), row.recipient_id, row.event, row.complaint_id, row.subject, row.body, row.key]
        for row in rows
        if row.recipient_id is not None
    ]
    arrays = [[values[n] for values in candidates] for n in range(len(columns))]
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    unnest = ", ".join(f"CAST(%s AS {field.db_type(connection)}[])" for field in columns)
    table = connection.ops.quote_name(InAppNotice._meta.db_table)
    statement = (
        f"WITH written AS ({written_sql}),"  # noqa: S608 (Django's SQL and our names; values are parameters)
        f" notices AS (INSERT INTO {table} ({names}, created_at)"
        f" SELECT DISTINCT ON (c.c0) {', '.join(f'c.c{n}' for n in range(len(fields)))}, %s"
        f" FROM unnest({unnest}) WITH ORDINALITY AS c({', '.join(f'c{n}' for n in range(len(columns)))}, n)"
        f" JOIN written ON written.key = c.c{len(fields)} ORDER BY c.c0, c.n ON CONFLICT DO NOTHING)"
        " SELECT * FROM written"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*written_params, timezone.now(), *arrays])
        ids = {key: pk for pk, key in cursor.fetchall()}
    created = []
    for row in rows:
        pk = ids.pop(row.key, None)
        if pk is not None:
            row.pk = pk
            row._state.adding, row._state.db = False, "default"
            created.append(row)
    return created


def _rows(
    notice: Notice,
    people: list[Any],
    *,
    templates: dict[tuple[str, str], NotificationTemplate],
    preferences: dict[int, NotificationPreference],
    languages: dict[int, str],
    policies: dict[int, ContactPolicy],
    now: datetime,
) -> list[Notification]:
    """The unsaved rows of one notice: one per recipient and channel, in the recipient's language."""
    event, complaint = notice.event, notice.complaint
    values = complaint_context(complaint, **notice.context)
    # Staff who see the case masked, and every webhook gateway (a chat app keeps what it gets), read
    # the customer's name masked (selectors.privacy).
    masked_values = {**values, "customer_name": mask_field("customer_name", complaint.customer_name)}
    due_by = now + timedelta(minutes=notice.within_minutes) if notice.within_minutes else None
    priority = config_row(complaint, "priority", priorities_by_id)
    crisis = bool(priority and priority.alert)
    rendered: dict[tuple[str, bool], tuple[str, str]] = {}
    rows = []
    for person in {person.pk: person for person in people}.values():
        language = languages.get(person.pk) or settings.LANGUAGE_CODE
        sees = person.pk in policies and policies[person.pk].sees(complaint)
        preference = preferences.get(person.pk)
        held = None
        if preference is not None and event in QUIET_EVENTS and not crisis and preference.quiet_start is not None:
            held = quiet_until(
                now=now,
                start=preference.quiet_start,
                end=preference.quiet_end or preference.quiet_start,
                time_zone=preference.time_zone or settings.TIME_ZONE,
            )
        channels: list[NotificationChannel | None] = (
            [c for c in preference.channels.all() if c.active] if preference is not None else []
        ) or [None]
        for channel in channels:
            webhook = channel is not None and channel.kind == ChannelKind.WEBHOOK
            robot = channel is not None and channel.kind in ROBOT_KINDS
            full = sees and not webhook and not robot  # a chat keeps what it gets: masked
            if (language, full) not in rendered:
                rendered[language, full] = _message(event, values if full else masked_values, language, templates)
            subject, body = rendered[language, full]
            rows.append(
                Notification(
                    key=f"{event}:{complaint.pk}:{notice.occasion}:{person.pk}"
                    + (f":{channel.code}" if channel else ""),
                    event=event,
                    complaint=complaint,
                    recipient=person,
                    channel=channel,
                    address=_address(person, preference, webhook=webhook, robot=robot),
                    subject=subject[:300],
                    body=body,
                    due_by=due_by,
                    deliver_after=held,
                )
            )
    return rows


def _address(person: Any, preference: NotificationPreference | None, *, webhook: bool, robot: bool) -> str:
    """Where a message goes: the person's e-mail, their address on a gateway, or, in a group chat,
    who is @-mentioned (their address on gateways: a mobile number or a Feishu open_id; else their
    username, written in the message's row only)."""
    gateway = preference.gateway_address if preference is not None else ""
    if robot:
        return gateway or person.get_username()
    return (gateway if webhook else person.email) or ""


def _message(
    event: str, values: dict[str, Any], language: str, templates: dict[tuple[str, str], NotificationTemplate]
) -> tuple[str, str]:
    """Subject and body in the language: its template, else the site language's, else any; the
    placeholders' values rendered in that language too. Without a template: a plain message."""
    text = in_language(values, language)
    template = templates.get((event, language)) or templates.get((event, settings.LANGUAGE_CODE))
    template = template or next((t for (e, _lang), t in templates.items() if e == event), None)
    if template is not None:
        return render(template.subject, text), render(template.body, text)
    with translation.override(language):
        label = NotificationEvent(event).label if event in NotificationEvent.values else event
        subject = gettext("%(reference)s: %(event)s") % {"reference": text["reference"], "event": label}
        body = "\n".join(part for part in (text.get("reason", ""), text["url"]) if part)
    return subject, body


def notifications_enqueue(*, notification_ids: list[int]) -> None:
    """Hands a batch of notifications to the Celery sending task in one message."""
    from complaints.tasks import send_notifications

    send_notifications.delay(notification_ids)


def notification_enqueue(*, notification_id: int) -> None:
    """Hands one notification to the Celery sending task (the sweep re-enqueues what is lost)."""
    from complaints.tasks import send_notification

    send_notification.delay(notification_id)


def notification_send(*, notification_id: int, now: datetime | None = None) -> bool:
    """Sends one notification on its channel unless it already went out, is held by quiet hours,
    or has used up its attempts; records when it went out (or the error and the attempt). Claims
    the row with a conditional update, so two senders never both send. Returns whether this call
    sent it; raises NotificationFailed when the channel failed (retry: attempts are left)."""
    row = Notification.objects.filter(pk=notification_id).select_related("complaint", "channel", "recipient").first()
    if row is None or row.sent_at is not None:
        return False
    sent_at = now or timezone.now()
    if row.deliver_after is not None and row.deliver_after > sent_at:
        return False
    if not row.address:
        Notification.objects.filter(pk=row.pk).update(error="no address for this channel")
        return False
    limit = process_settings().notification_max_attempts
    if row.attempts >= limit or (row.channel is not None and not row.channel.active):
        return False
    claimed = Notification.objects.filter(pk=row.pk, sent_at__isnull=True, attempts=row.attempts).update(
        sent_at=sent_at, attempts=models.F("attempts") + 1, error=""
    )
    if not claimed:
        return False
    try:
        if row.channel is not None and row.channel.kind == ChannelKind.WEBHOOK:
            webhook_post(channel=row.channel, payload=webhook_payload(row, sent_at), message_id=row.key, at=sent_at)
        elif row.channel is not None and row.channel.kind in ROBOT_KINDS:
            robot_post(channel=row.channel, subject=row.subject, body=row.body, address=row.address, at=sent_at)
        else:
            send_mail(header_value(row.subject), row.body, None, [header_value(row.address)])
    except Exception as error:
        Notification.objects.filter(pk=row.pk).update(sent_at=None, error=str(error)[:500] or type(error).__name__)
        retry = row.attempts + 1 < limit
        if not retry:  # the admin's notification list shows it under "failed, no attempts left"
            logger.error("notification %s failed for good: %s", row.pk, error)
        raise NotificationFailed(str(error), retry=retry) from error
    if row.complaint is not None:
        event_record(
            complaint=row.complaint,
            kind=EventKind.NOTIFIED,
            new={
                "event": row.event,
                "to": row.address,
                "channel": row.channel.code if row.channel else "email",
                "sent_at": sent_at.isoformat(),
                "due_by": row.due_by.isoformat() if row.due_by else None,
            },
            note=row.subject,
        )
    return True


def webhook_payload(row: Notification, sent_at: datetime) -> dict[str, Any]:
    """What a gateway receives: the message, who it is for and where (their address there)."""
    person = row.recipient
    return {
        "id": row.key,
        "event": row.event,
        "reference": row.complaint.reference if row.complaint else "",
        "to": row.address,
        "recipient": {
            "username": person.get_username() if person else "",
            "name": full_name(first=person.first_name, last=person.last_name) if person else "",
            "email": (person.email if person else "") or "",
        },
        "subject": row.subject,
        "body": row.body,
        "sent_at": sent_at.isoformat(),
    }


def webhook_headers(*, secret: str, message_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """Standard Webhooks headers (https://www.standardwebhooks.com/): `webhook-id` (the same on a
    retry of the same message, so receivers drop duplicates), `webhook-timestamp` (Unix seconds,
    so receivers refuse old replays) and `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of
    "id.timestamp.body" under the channel's secret). A secret written `whsec_<base64>` is used as
    the standard says; any other secret is used as its UTF-8 bytes. No secret: no signature."""
    headers = {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp()))}
    if secret:
        key = secret if secret.startswith("whsec_") else secret.encode()
        headers["webhook-signature"] = Webhook(key).sign(msg_id=message_id, timestamp=at, data=body.decode())
    return headers


def webhook_post(*, channel: NotificationChannel, payload: dict[str, Any], message_id: str, at: datetime) -> None:
    """POSTs the JSON payload, signed; raises on a network error, a timeout or a non-2xx answer."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310 - the admin sets an http(s) URL (URLField)
        channel.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            **webhook_headers(secret=channel.secret, message_id=message_id, body=body, at=at),
        },
    )
    with urllib.request.urlopen(request, timeout=channel.timeout_seconds) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise OSError(f"webhook answered {response.status}")


def robot_post(*, channel: NotificationChannel, subject: str, body: str, address: str, at: datetime) -> None:
    """Posts one message to a group robot in its own format (rules/robots.py); raises on a network
    error, a timeout, a non-2xx answer or the robot's refusal (they answer 200 with an error code)."""
    url, payload = robot_request(
        kind=channel.kind, url=channel.url, secret=channel.secret, subject=subject, body=body, address=address, at=at
    )
    request = urllib.request.Request(  # noqa: S310 - the admin sets an https URL (model clean)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    with urllib.request.urlopen(request, timeout=channel.timeout_seconds) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise OSError(f"robot answered {response.status}")
        try:
            answer = json.loads(response.read() or b"null")
        except ValueError:
            answer = None
    if problem := robot_error(answer):
        raise OSError(f"robot refused: {problem}")


def notifications_resend(*, now: datetime | None = None, batch: int = 200) -> int:
    """Enqueues the notifications still to send: held ones whose quiet hours are over, failed ones
    with attempts left, and any whose message the broker lost (oldest first, bounded; the unsent
    rows have a partial index). The sending task claims each row, so one enqueued twice goes out
    once. Returns how many."""
    now = now or timezone.now()
    limit = process_settings().notification_max_attempts
    pending = list(
        Notification.objects.filter(sent_at__isnull=True, attempts__lt=limit)
        .exclude(address="")
        .exclude(channel__active=False)
        .filter(models.Q(deliver_after__isnull=True) | models.Q(deliver_after__lte=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in pending:
        notification_enqueue(notification_id=pk)
    return len(pending)
