"""Internal notes. A note is also read by the keyword lists: a safety or legal word in a new note
triggers triage again (and may escalate the complaint). A colleague named with @username gets a
"read the note" task in their own inbox (a mention side process) and an e-mail."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import EscalationTrigger, EventKind, NotificationEvent
from complaints.models import Complaint, Mention, Note
from complaints.rules.intake_forms import contains_markup
from complaints.rules.mentions import mentioned_usernames
from complaints.rules.names import person_name
from complaints.selectors.common import complaint_is_visible_to
from complaints.services.errors import Refused
from complaints.services.events import event_record
from complaints.services.notify import notify_event
from complaints.services.transitions import transition
from complaints.services.triage import complaint_retriage
from complaints.services.work import side_task_start

MENTION = "mention"


class NoteRefused(Refused):
    """The note cannot be saved; the message says why (translated)."""


def mentioned_colleagues(*, complaint: Complaint, author: Any, text: str) -> list[Any]:
    """Returns the active users named with @ in the text (the author left out); raises NoteRefused
    naming anyone unknown or who may not see the complaint."""
    names = mentioned_usernames(text)
    if not names:
        return []
    users = {u.get_username(): u for u in get_user_model().objects.filter(username__in=names, is_active=True)}
    unknown = [name for name in names if name not in users]
    if unknown:
        raise NoteRefused(
            _("No active colleague is called %(names)s. Write @ and their login name.")
            % {"names": ", ".join(f"@{name}" for name in unknown)}
        )
    people = [users[name] for name in names if users[name].pk != getattr(author, "pk", None)]
    outside = [u for u in people if not complaint_is_visible_to(complaint_id=complaint.pk, user=u)]
    if outside:
        raise NoteRefused(
            _("%(names)s cannot see this complaint; a note cannot be sent to them. Ask them through collaboration.")
            % {"names": ", ".join(f"@{u.get_username()}" for u in outside)}
        )
    return people


@transition
def note_add(*, complaint: Complaint, author: Any, text: str) -> Note:
    """Adds an internal note, records it on the timeline, gives each @mentioned colleague a task
    and an e-mail, and re-runs triage with its words. Nothing is stored when a mention is refused."""
    if not complaint_is_visible_to(complaint_id=complaint.pk, user=author):
        raise NoteRefused(_("You may only write notes on complaints you can see."))
    text = (text or "").strip()
    if not text:
        raise NoteRefused(_("Write the note."))
    if contains_markup(text):
        raise NoteRefused(_("Notes are plain text; remove the markup."))
    people = mentioned_colleagues(complaint=complaint, author=author, text=text)
    with transaction.atomic(savepoint=False):
        note = Note.objects.create(complaint=complaint, author=author, text=text)
        names = [person_name(u) for u in people]
        event_record(
            complaint=complaint,
            kind=EventKind.NOTE,
            actor=author,
            new={"note": note.pk, "mentioned": names} if names else {"note": note.pk},
            note=text,
        )
        writer = person_name(author)
        for user in people:
            side_task_start(kind=MENTION, fields={"case": complaint, "note": note, "mentioned": user})
            notify_event(
                event=NotificationEvent.MENTION,
                complaint=complaint,
                occasion=f"note-{note.pk}",
                context={"reason": f"{writer}: {text}"},
                recipients=[user],
            )
        complaint_retriage(complaint=complaint, trigger=EscalationTrigger.KEYWORD, actor=author)
    return note


def mention_read(*, mention: Mention, actor: Any) -> Mention:
    """Marks a mention read by the colleague it names (its task then finishes); a second call is a
    no-op. Refuses anyone else."""
    if mention.mentioned_id != getattr(actor, "pk", None):
        raise NoteRefused(_("Only the colleague named in the note can mark it read."))
    updated = Mention.objects.filter(pk=mention.pk, read_at__isnull=True).update(read_at=timezone.now())
    if updated:
        mention.refresh_from_db(fields=["read_at"])
    return mention
