from typing import Any

from complaints.models import Complaint, ComplaintEvent
from complaints.rules.clocks import ANSWERING_EVENTS
from complaints.selectors.names import in_every_language
from complaints.services.held_rows import held_rows


def acting_user(actor: Any) -> Any:
    """The user to record as having acted, or None for the system (triggers, sweeps, anonymous)."""
    return actor if actor is not None and actor.is_authenticated else None


def event_record(
    *,
    complaint: Complaint,
    kind: str,
    actor: Any = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    note: str = "",
    stops: tuple[str, ...] = (),
    at_once: bool = False,
) -> ComplaintEvent:
    """Appends one event to the complaint's history and returns it. A value given as a model row
    (a level, a department…) is stored as its text, and its text in every language under "i18n",
    so the timeline tells it in the reader's language (web.sentences). Inside a transition it is
    written with the transition's other events, at its end (complaints.services.held_rows), and gets
    its id then; `at_once` writes it now, for a caller that needs its id. An event a person records
    that answers the level stops the clocks it answers; `stops`: clock kinds the event ends whatever
    their rule (the first response ends its clock), stopped in the same UPDATE."""
    event = ComplaintEvent(
        complaint=complaint,
        kind=kind,
        actor=acting_user(actor),
        old=in_every_language(old or {}),
        new=in_every_language(new or {}),
        note=note,
    )
    held = held_rows()
    if held is None or at_once:
        event.save(force_insert=True)
    else:
        held.hold(event)
    answers = kind in ANSWERING_EVENTS and event.actor is not None
    if answers or stops:
        from complaints.services.clocks import complaint_clocks_answered

        complaint_clocks_answered(complaint=complaint, now=event.at, answered=answers, stops=stops)
    return event
