"""Internal notes. A note is also read by the keyword lists: a safety or legal word in a new note
triggers triage again (and may escalate the complaint)."""

from typing import Any

from django.utils.translation import gettext as _

from complaints.choices import EscalationTrigger, EventKind
from complaints.models import Complaint, Note
from complaints.rules.intake_forms import contains_markup
from complaints.services.events import event_record
from complaints.services.triage import complaint_retriage


class NoteRefused(Exception):
    """The note cannot be saved; the message says why (translated)."""


def note_add(*, complaint: Complaint, author: Any, text: str) -> Note:
    """Adds an internal note, records it on the timeline and re-runs triage with its words."""
    text = (text or "").strip()
    if not text:
        raise NoteRefused(_("Write the note."))
    if contains_markup(text):
        raise NoteRefused(_("Notes are plain text; remove the markup."))
    note = Note.objects.create(complaint=complaint, author=author, text=text)
    event_record(complaint=complaint, kind=EventKind.NOTE, actor=author, new={"note": note.pk}, note=text)
    complaint_retriage(complaint=complaint, trigger=EscalationTrigger.KEYWORD, actor=author)
    return note
