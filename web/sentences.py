"""How the complaint's timeline reads: which filter group an event belongs to, and the sentence that
tells it (reason, old → new, promised time) instead of key: value pairs.

Pure functions over the event's kind and its stored `old`/`new` dictionaries; the selector
(web.timeline) feeds them rows.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from complaints.choices import (
    ActionKind,
    ActionStatus,
    AppealDecision,
    ApprovalStatus,
    AssignRule,
    CauseVerdict,
    Channel,
    CollaborationStep,
    ConfirmationOutcome,
    Emotion,
    EscalationReason,
    EscalationTrigger,
    EventKind,
    NotificationEvent,
    Outcome,
    RoutedStage,
    SendBackReason,
    Stage,
    StepBack,
    StepPoint,
    StepRunStatus,
    VerificationOutcome,
)

# Filter chips, in the order the page shows them.
GROUPS: dict[str, Any] = {
    "intake": gettext_lazy("Intake and triage"),
    "tasks": gettext_lazy("Tasks"),
    "notes": gettext_lazy("Notes"),
    "customer": gettext_lazy("Customer"),
    "escalation": gettext_lazy("Escalation and deadlines"),
    "collaboration": gettext_lazy("Collaboration and approvals"),
    "quality": gettext_lazy("Analysis and actions"),
    "notifications": gettext_lazy("Notifications"),
    "other": gettext_lazy("Other"),
}

KIND_GROUPS: dict[str, str] = {
    EventKind.REGISTERED: "intake",
    EventKind.TRIAGED: "intake",
    EventKind.SIGNALS: "intake",
    EventKind.EMOTION_SCORED: "intake",
    EventKind.SUGGESTION: "intake",
    EventKind.PRIORITY_RAISED: "intake",
    EventKind.STAGE_CHANGED: "intake",
    EventKind.DEADLINES_RECOMPUTED: "intake",
    EventKind.ATTACHMENT: "intake",
    EventKind.NOTE: "notes",
    EventKind.CUSTOMER_CONTACT: "customer",
    EventKind.WAITING: "customer",
    EventKind.RESUMED: "customer",
    EventKind.CONFIRMATION: "customer",
    EventKind.FOLLOWED_UP: "customer",
    EventKind.REOPENED: "customer",
    EventKind.CUSTOMER_ADDED: "customer",
    EventKind.LINK_SENT: "customer",
    EventKind.LINK_REVOKED: "customer",
    EventKind.APPEAL_OPENED: "customer",
    EventKind.APPEAL_DECIDED: "customer",
    EventKind.ESCALATED: "escalation",
    EventKind.SENT_BACK: "escalation",
    EventKind.TOP_LEVEL: "escalation",
    EventKind.DEADLINE_WARNING: "escalation",
    EventKind.DEADLINE_BREACHED: "escalation",
    EventKind.COLLABORATION_REQUESTED: "collaboration",
    EventKind.COLLABORATION_REROUTED: "collaboration",
    EventKind.COLLABORATION_ANSWERED: "collaboration",
    EventKind.APPROVAL_REQUESTED: "collaboration",
    EventKind.APPROVAL_DECIDED: "collaboration",
    EventKind.COMPENSATION: "collaboration",
    EventKind.VERIFIED: "quality",
    EventKind.ROOT_CAUSE: "quality",
    EventKind.ACTION_RECORDED: "quality",
    EventKind.EFFECTIVENESS: "quality",
    EventKind.CLOSED: "quality",
    EventKind.NOTIFIED: "notifications",
    EventKind.CLAIMED: "tasks",
    EventKind.RELEASED: "tasks",
    EventKind.REASSIGNED: "tasks",
    EventKind.AUTO_ASSIGNED: "tasks",
    EventKind.BATCH_LINKED: "quality",
    EventKind.PROBLEM_DESCRIBED: "quality",
    EventKind.CAUSE_RECORDED: "quality",
    EventKind.RESPONSIBILITY: "quality",
    EventKind.ACTION_UPDATED: "quality",
    EventKind.ACTION_VERIFIED: "quality",
    EventKind.CUSTOM_STEP_STARTED: "tasks",
    EventKind.CUSTOM_STEP_DONE: "tasks",
}

# Kinds added later (analyses, actions…) whose code names their area.
PREFIX_GROUPS = (
    ("capa", "quality"),
    ("rca", "quality"),
    ("analysis", "quality"),
    ("action", "quality"),
    ("batch", "quality"),
    ("contact", "customer"),
    ("customer", "customer"),
    ("collab", "collaboration"),
    ("approval", "collaboration"),
    ("deadline", "escalation"),
    ("clock", "escalation"),
    ("escalat", "escalation"),
    ("note", "notes"),
    ("mention", "notes"),
    ("notif", "notifications"),
    ("task", "tasks"),
)


def event_group(kind: str) -> str:
    """Rule: the filter group of an event kind; an unknown kind goes by its code's first word,
    else to "other".

    Example: event_group("escalated") == "escalation"; event_group("capa_verified") == "quality".
    Why: kinds added by other parts of the product (analyses, actions) must land under a sensible
    chip without this table knowing them.
    """
    if kind in KIND_GROUPS:
        return KIND_GROUPS[kind]
    for prefix, group in PREFIX_GROUPS:
        if kind.startswith(prefix):
            return group
    return "other"


def groups_selected(raw: list[str]) -> list[str]:
    """Rule: the known groups named in the request, in page order; nothing known → every group.

    Example: groups_selected(["notes", "bogus"]) == ["notes"]; groups_selected([]) == list(GROUPS).
    Why: a hand-edited or stale link must still show a timeline, never an error.
    """
    chosen = [group for group in GROUPS if group in raw]
    return chosen or list(GROUPS)


def when(value: Any) -> str:
    """Rule: an ISO time from an event, in local time in the language's DATETIME_FORMAT
    ("YYYY-MM-DD HH:MM" in both, config/formats); anything else as text.

    Example: when("2026-11-27T01:05:00+00:00") == "2026-11-27 09:05" (Asia/Shanghai).
    Why: events store aware ISO strings; readers want their own clock, without seconds.
    """
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATETIME_FORMAT")


def then(first: str, more: str) -> str:
    """Two sentences one after the other, spaced the way the reader's language does it."""
    return pgettext("two sentences", "%(first)s %(then)s") % {"first": first, "then": more}


def _label(choices: Any, code: Any) -> str:
    return str(dict(choices.choices).get(code, code or ""))


def _reason(code: Any) -> str:
    return str((dict(EscalationReason.choices) | dict(SendBackReason.choices)).get(code, code or ""))


def _list(values: Any) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list | tuple) else str(values or "")


def _registered(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Registered as %(reference)s for %(department)s, received by %(channel)s.") % {
        "reference": new.get("reference") or "—",
        "department": new.get("department") or "—",
        "channel": _label(Channel, new.get("channel")),
    }


def _triaged(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    text = _("Triage set %(priority)s at %(level)s for %(department)s (rule: %(rule)s).") % {
        "priority": new.get("priority") or "—",
        "level": new.get("level") or "—",
        "department": new.get("department") or "—",
        "rule": new.get("rule") or "—",
    }
    if new.get("signals"):
        text = then(text, _("Signals: %(signals)s.") % {"signals": _list(new.get("signals"))})
    return text


def _signals(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("New triage signals: %(found)s (%(trigger)s).") % {
        "found": _list(new.get("found") or new.get("signals")),
        "trigger": _label(EscalationTrigger, new.get("trigger")),
    }


def _emotion_scored(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    text = _("The customer's words read as %(emotion)s (emotion index %(index)s): %(phrases)s.") % {
        "emotion": _label(Emotion, new.get("emotion")),
        "index": new.get("emotion_index", "—"),
        "phrases": _list(new.get("emotion_phrases")) or "—",
    }
    learned = new.get("emotion_learned")
    if not isinstance(learned, dict):
        return text
    values = {
        "model": learned.get("model", "—"),
        "emotion": _label(Emotion, learned.get("emotion")),
        "confidence": learned.get("confidence", "—"),
        "words": _list(learned.get("words")) or "—",
    }
    if new.get("learned_counted"):
        more = _("Triage model %(model)s reads %(emotion)s (%(confidence)s %% sure; because of %(words)s).") % values
    else:
        more = _("Triage model %(model)s reads %(emotion)s, only %(confidence)s %% sure: not counted.") % values
    return then(text, more)


def _suggestion(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    items = new.get("items") or []
    taken = [i.get("label", "") for i in items if i.get("accepted")]
    other = [i.get("label", "") for i in items if not i.get("accepted")]
    return _("Triage model %(model)s suggested; taken: %(taken)s; not taken: %(other)s.") % {
        "model": new.get("model", "—"),
        "taken": _list(taken),
        "other": _list(other),
    }


def _priority(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Priority raised from %(old)s to %(new)s (%(trigger)s).") % {
        "old": old.get("priority") or "—",
        "new": new.get("priority") or "—",
        "trigger": _label(EscalationTrigger, new.get("trigger")),
    }


def _stage(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Stage: %(old)s → %(new)s.") % {
        "old": _label(Stage, old.get("stage")) or "—",
        "new": _label(Stage, new.get("stage")),
    }


def _deadlines(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    parts = [
        _("%(name)s %(old)s → %(new)s")
        % {"name": name, "old": when(old.get(key)) or "—", "new": when(new.get(key)) or "—"}
        for key, name in (
            ("first_response_due", _("first response")),
            ("response_due", _("level response")),
            ("resolution_due", _("resolution")),
        )
        if old.get(key) != new.get(key)
    ]
    return _("Deadlines recomputed: %(changes)s.") % {"changes": "; ".join(parts) or "—"}


def _attachment(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Attached %(name)s.") % {"name": new.get("name") or "—"}


def _note(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    if new.get("mentioned"):
        return _("Internal note, for %(people)s:") % {"people": _list(new.get("mentioned"))}
    return _("Internal note:")


def _contact(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    text = _("Contact with the customer by %(channel)s.") % {"channel": _label(Channel, new.get("channel"))}
    if new.get("promise") and new.get("promised_by"):
        text = then(
            text,
            _("Promised: %(promise)s, by %(when)s.") % {"promise": new["promise"], "when": when(new["promised_by"])},
        )
    elif new.get("promise"):
        text = then(text, _("Promised: %(promise)s.") % {"promise": new["promise"]})
    return text


def _waiting(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Waiting for the customer; the resolution clock is paused.")


def _resumed(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("The customer answered after %(waited)s; resolution now due %(due)s (was %(old)s).") % {
        "waited": new.get("waited") or "—",
        "due": when(new.get("resolution_due")) or "—",
        "old": when(old.get("resolution_due")) or "—",
    }


def _confirmation(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Customer confirmation: %(outcome)s.") % {"outcome": _label(ConfirmationOutcome, new.get("outcome"))}


def _followed_up(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Follow-up: satisfaction %(score)s of 5.") % {"score": new.get("satisfaction") or "—"}


def _escalated(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    text = _("Escalated from %(old)s to %(new)s because: %(reason)s (%(trigger)s).") % {
        "old": old.get("level") or "—",
        "new": new.get("level") or "—",
        "reason": _reason(new.get("reason")),
        "trigger": _label(EscalationTrigger, new.get("trigger")),
    }
    if new.get("clocks"):
        text = then(text, _clocks_passed(new))
    if new.get("response_due"):
        text = then(text, _("The new level responds by %(when)s.") % {"when": when(new["response_due"])})
    return text


def _clocks_passed(new: Mapping[str, Any]) -> str:
    """The clocks whose breach moved the case, named in the reader's language."""
    from complaints.models.clock import Clock  # choices only, no query

    names = [_label(Clock.Kind, kind) for kind in new.get("clocks") or []]
    return _("Passed: %(clocks)s.") % {"clocks": pgettext("list separator", ", ").join(names)}


def _reopened(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Reopened at %(level)s: back to containment (round %(round)s), resolution due %(when)s.") % {
        "level": new.get("level") or "—",
        "round": new.get("rework_round") or "—",
        "when": when(new.get("resolution_due")) or "—",
    }


def _sent_back(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Sent back from %(old)s to %(new)s because: %(reason)s.") % {
        "old": old.get("level") or "—",
        "new": new.get("level") or "—",
        "reason": _reason(new.get("reason")),
    }


def _top_level(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    text = _("Escalation attempted at the top level %(level)s because: %(reason)s.") % {
        "level": new.get("level") or "—",
        "reason": _reason(new.get("reason")),
    }
    return then(text, _clocks_passed(new)) if new.get("clocks") else text


def _clock_name(new: Mapping[str, Any]) -> str:
    from complaints.models.clock import Clock  # choices only, no query

    return _label(Clock.Kind, new.get("clock"))


def _deadline_warning(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("The %(clock)s deadline (%(when)s) is close.") % {"clock": _clock_name(new), "when": when(new.get("due"))}


def _deadline_breached(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("The %(clock)s deadline (%(when)s) was missed.") % {
        "clock": _clock_name(new),
        "when": when(new.get("due")),
    }


def _collab_requested(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Asked %(department)s for help, answer due %(when)s:") % {
        "department": new.get("department") or "—",
        "when": when(new.get("due")) or "—",
    }


def _collab_rerouted(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Unanswered request to %(department)s passed on to the %(step)s (%(to)s), due %(when)s.") % {
        "department": new.get("department") or "—",
        "step": _label(CollaborationStep, new.get("step")),
        "to": new.get("to") or "—",
        "when": when(new.get("due")) or "—",
    }


def _collab_answered(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("%(department)s answered:") % {"department": new.get("department") or "—"}


def _approval_requested(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Compensation of %(amount)s CNY is above %(level)s's authority (%(authority)s): %(approver)s decides.") % {
        "amount": new.get("amount") or "—",
        "level": new.get("level") or "—",
        "authority": new.get("authority") or "—",
        "approver": new.get("approving_level") or "—",
    }


def _approval_decided(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Compensation of %(amount)s CNY: %(decision)s.") % {
        "amount": new.get("amount") or "—",
        "decision": _label(ApprovalStatus, new.get("decision")),
    }


def _compensation(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Compensation of %(amount)s CNY granted within %(level)s's authority.") % {
        "amount": new.get("amount") or "—",
        "level": new.get("level") or "—",
    }


def _verified(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    text = _("Verification: %(outcome)s.") % {"outcome": _label(VerificationOutcome, new.get("outcome"))}
    if new.get("duplicate_of"):
        text = then(text, _("Duplicate of %(reference)s.") % {"reference": new["duplicate_of"]})
    return text


def _root_cause(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    count = new.get("root_causes") or 0
    if new.get("responsible_department"):
        return _("Root cause confirmed (%(count)s confirmed causes), responsible: %(department)s:") % {
            "count": count,
            "department": new["responsible_department"],
        }
    return _("Root cause confirmed (%(count)s confirmed causes):") % {"count": count}


def _problem(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("The problem was described in 5W2H. What:")


def _cause(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    verdict = _label(CauseVerdict, new.get("verdict"))
    if old.get("verdict") and old.get("verdict") != new.get("verdict"):
        return _("Cause revised on the fishbone (%(old)s → %(new)s):") % {
            "old": _label(CauseVerdict, old["verdict"]),
            "new": verdict,
        }
    return _("Cause recorded on the fishbone (%(verdict)s):") % {"verdict": verdict}


def _responsibility(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Responsibility assigned: %(shares)s.") % {"shares": new.get("shares") or "—"}


def _action_updated(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    if "permanent_actions_done" in new:
        return _("The permanent actions were reported done.")
    status = _label(ActionStatus, new.get("status"))
    if old.get("status") and old.get("status") != new.get("status"):
        return _("Corrective action moved from %(old)s to %(new)s.") % {
            "old": _label(ActionStatus, old["status"]),
            "new": status,
        }
    return _("Corrective action updated (%(status)s).") % {"status": status}


def _action_verified(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    text = _("Corrective action verified: %(verdict)s.") % {"verdict": _label(ActionStatus, new.get("status"))}
    if new.get("reason"):
        text = then(text, _("Reason: %(reason)s") % {"reason": new["reason"]})
    return text


def _claimed(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("%(owner)s took “%(task)s”.") % {"owner": new.get("owner") or "—", "task": new.get("step") or "—"}


def _released(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("“%(task)s” went back to its queue (held by %(owner)s until then).") % {
        "task": new.get("step") or "—",
        "owner": old.get("owner") or "—",
    }


def _reassigned(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("“%(task)s” passed from %(old)s to %(new)s.") % {
        "task": new.get("step") or "—",
        "old": old.get("owner") or "—",
        "new": new.get("owner") or "—",
    }


def _auto_assigned(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    step = new.get("step") or "—"
    earlier = str(RoutedStage(new["earlier"]).label) if new.get("earlier") in RoutedStage.values else "—"
    if new.get("fallback") == "not_in_queue":
        return _("“%(task)s” waits in its queue: %(user)s no longer holds it.") % {
            "task": step,
            "user": old.get("candidate") or "—",
        }
    if new.get("fallback"):
        reasons = {
            AssignRule.CASE_OWNER: _("the complaint has no case owner"),
            AssignRule.EARLIER_STEP: _("nobody has done “%(step)s” yet") % {"step": earlier},
            AssignRule.LEAST_LOADED: _("nobody holds the queue"),
        }
        return _("“%(task)s” waits in its queue: %(reason)s.") % {
            "task": step,
            "reason": reasons.get(new.get("rule", ""), "—"),
        }
    why = {
        AssignRule.CASE_OWNER: _("the case owner"),
        AssignRule.EARLIER_STEP: _("who did “%(step)s”") % {"step": earlier},
        AssignRule.LEAST_LOADED: _("fewest open tasks in the queue (%(count)s)") % {"count": new.get("load", 0)},
    }
    return _("“%(task)s” went to %(owner)s: %(reason)s.") % {
        "task": step,
        "owner": new.get("owner") or "—",
        "reason": why.get(new.get("rule", ""), "—"),
    }


def _batch_linked(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Linked to the batch investigation %(investigation)s (%(opened)s).") % {
        "investigation": new.get("investigation") or "—",
        "opened": new.get("opened") or "—",
    }


def _action(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    values = {"kind": _label(ActionKind, new.get("kind")), "status": _label(ActionStatus, new.get("status"))}
    if new.get("due_date"):
        return _("%(kind)s action recorded (%(status)s), due %(date)s:") % {**values, "date": new["due_date"]}
    return _("%(kind)s action recorded (%(status)s):") % values


def _effectiveness(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    if new.get("effective"):
        return _("The permanent actions were verified effective.")
    return _("The permanent actions were not effective: back to rework.")


def _closed(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Closed: %(outcome)s.") % {"outcome": _label(Outcome, new.get("outcome"))}


def _notified(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    text = _("%(event)s sent to %(to)s at %(when)s.") % {
        "event": _label(NotificationEvent, new.get("event")),
        "to": new.get("to") or "—",
        "when": when(new.get("sent_at")) or "—",
    }
    if new.get("due_by"):
        text = then(text, _("It had to be out by %(when)s.") % {"when": when(new["due_by"])})
    return text


def _customer_added(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    files = new.get("files") or []
    if files:
        return _("The customer added information through their link, with %(files)s.") % {"files": ", ".join(files)}
    return _("The customer added information through their link.")


def _link_sent(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    reasons = {
        "registered": _("with the registration message"),
        "resent": _("sent again by a handler"),
        "confirm": _("to confirm the resolution"),
        "survey": _("for the follow-up survey"),
    }
    return _("Tracking link sent to the customer (%(why)s).") % {"why": reasons.get(new.get("why", ""), "—")}


def _link_revoked(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("The customer's earlier tracking links were revoked (%(count)s).") % {"count": new.get("links", "—")}


def _step_name(new: Mapping[str, Any]) -> str:
    """A custom step's name as it was when the event was written, in the reader's language."""
    from complaints.rules.intake_forms import pick_language

    name = pick_language(get_language() or "en", str(new.get("name_zh") or ""), str(new.get("name") or ""))
    return name or str(new.get("step") or "—")


def _custom_step_started(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _("Custom step “%(step)s” started (%(point)s).") % {
        "step": _step_name(new),
        "point": _label(StepPoint, new.get("point")),
    }


def _custom_step_done(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    if new.get("outcome") == StepRunStatus.REFUSED:
        return _("Custom step “%(step)s” refused: the case goes back to %(stage)s.") % {
            "step": _step_name(new),
            "stage": _label(StepBack, new.get("back_to")),
        }
    return _("Custom step “%(step)s” done.") % {"step": _step_name(new)}


def _appeal_opened(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    values = {"office": new.get("office") or "—", "due": when(new.get("due"))}
    if new.get("by") == "agent":
        return _("Appealed for the customer to %(office)s; its decision is due %(due)s.") % values
    return _("The customer appealed to %(office)s through their link; its decision is due %(due)s.") % values


def _appeal_decided(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    decision = dict(AppealDecision.choices).get(new.get("decision") or "", "—")
    if new.get("remedy"):
        return _("The customer-experience office decided on the appeal: %(decision)s; remedy: %(remedy)s.") % {
            "decision": decision,
            "remedy": new["remedy"],
        }
    return _("The customer-experience office decided on the appeal: %(decision)s.") % {"decision": decision}


def _legal_hold(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    if new.get("legal_hold"):
        return _("Put on legal hold: retention and erasure leave this complaint untouched.")
    return _("Legal hold released: retention and erasure apply again.")


SENTENCES: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], str]] = {
    EventKind.REGISTERED: _registered,
    EventKind.TRIAGED: _triaged,
    EventKind.SIGNALS: _signals,
    EventKind.EMOTION_SCORED: _emotion_scored,
    EventKind.SUGGESTION: _suggestion,
    EventKind.PRIORITY_RAISED: _priority,
    EventKind.STAGE_CHANGED: _stage,
    EventKind.DEADLINES_RECOMPUTED: _deadlines,
    EventKind.ATTACHMENT: _attachment,
    EventKind.NOTE: _note,
    EventKind.CUSTOMER_CONTACT: _contact,
    EventKind.WAITING: _waiting,
    EventKind.RESUMED: _resumed,
    EventKind.CONFIRMATION: _confirmation,
    EventKind.FOLLOWED_UP: _followed_up,
    EventKind.ESCALATED: _escalated,
    EventKind.SENT_BACK: _sent_back,
    EventKind.TOP_LEVEL: _top_level,
    EventKind.DEADLINE_WARNING: _deadline_warning,
    EventKind.DEADLINE_BREACHED: _deadline_breached,
    EventKind.COLLABORATION_REQUESTED: _collab_requested,
    EventKind.COLLABORATION_REROUTED: _collab_rerouted,
    EventKind.COLLABORATION_ANSWERED: _collab_answered,
    EventKind.APPROVAL_REQUESTED: _approval_requested,
    EventKind.APPROVAL_DECIDED: _approval_decided,
    EventKind.COMPENSATION: _compensation,
    EventKind.VERIFIED: _verified,
    EventKind.ROOT_CAUSE: _root_cause,
    EventKind.ACTION_RECORDED: _action,
    EventKind.EFFECTIVENESS: _effectiveness,
    EventKind.CLOSED: _closed,
    EventKind.NOTIFIED: _notified,
    EventKind.PROBLEM_DESCRIBED: _problem,
    EventKind.CAUSE_RECORDED: _cause,
    EventKind.RESPONSIBILITY: _responsibility,
    EventKind.ACTION_UPDATED: _action_updated,
    EventKind.ACTION_VERIFIED: _action_verified,
    EventKind.CLAIMED: _claimed,
    EventKind.RELEASED: _released,
    EventKind.REASSIGNED: _reassigned,
    EventKind.AUTO_ASSIGNED: _auto_assigned,
    EventKind.BATCH_LINKED: _batch_linked,
    EventKind.REOPENED: _reopened,
    EventKind.CUSTOMER_ADDED: _customer_added,
    EventKind.LINK_SENT: _link_sent,
    EventKind.LINK_REVOKED: _link_revoked,
    EventKind.CUSTOM_STEP_STARTED: _custom_step_started,
    EventKind.CUSTOM_STEP_DONE: _custom_step_done,
    EventKind.APPEAL_OPENED: _appeal_opened,
    EventKind.APPEAL_DECIDED: _appeal_decided,
    EventKind.LEGAL_HOLD: _legal_hold,
}


def readable(key: str) -> str:
    """A stored key as words: "response_due" → "response due"."""
    return key.replace("_", " ")


def generic_facts(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Rule: for a kind without its own sentence, the changed values as (name, "old → new") pairs,
    empty values and internal ids left out, times shown local.

    Example: generic_facts({"status": "done", "id": 4}, {"status": "planned"}) == [("status", "planned → done")]
    Why: kinds added later (analyses, actions) must read well before anyone writes their sentence.
    """
    facts = []
    new, old = in_reader_language(new), in_reader_language(old)
    for key, value in new.items():
        if value in (None, "", [], {}) or key == "id" or key.endswith("_id"):
            continue
        shown = _list(value) if isinstance(value, list) else (when(value) if _looks_like_time(value) else str(value))
        before = old.get(key)
        if before not in (None, "", [], {}) and before != value:
            earlier = when(before) if _looks_like_time(before) else _list(before)
            shown = f"{earlier} → {shown}"
        facts.append((readable(key), shown))
    return facts


def _looks_like_time(value: Any) -> bool:
    if not isinstance(value, str) or len(value) < 16 or value[4:5] != "-" or "T" not in value:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def event_sentence(kind: str, new: Mapping[str, Any] | None, old: Mapping[str, Any] | None) -> str:
    """Rule: the sentence telling an event, from its kind and stored values; "" for a kind without
    one (the page then lists generic_facts).

    Example: event_sentence("sent_back", {"level": "L1", "reason": "misrouted"}, {"level": "L2"})
        == "Sent back from L2 to L1 because: Escalated by mistake."
    Why: a timeline of sentences reads like the case's story; key: value pairs do not.
    """
    build = SENTENCES.get(kind)
    return build(in_reader_language(new or {}), in_reader_language(old or {})) if build else ""


def in_reader_language(values: Mapping[str, Any]) -> Mapping[str, Any]:
    """Rule: an event's values with each name stored in every language (its "i18n" entry, written by
    services.events) replaced by the name in the reader's language, else in another; no "i18n"
    entry left.

    Example: in_reader_language({"level": "L2 区域", "i18n": {"level": {"zh-hans": "L2 区域", "en": "L2 Region"}}})
        == {"level": "L2 Region"} while English is active
    Why: configuration names are kept per language; the timeline reads in its reader's.
    """
    texts = values.get("i18n")
    if not isinstance(texts, Mapping):
        return values
    language = get_language() or ""
    shown = {key: value for key, value in values.items() if key != "i18n"}
    for key, by_language in texts.items():
        if isinstance(by_language, Mapping):
            preferred = [by_language.get(language), *by_language.values()]
            shown[key] = next((text for text in preferred if text), shown.get(key, ""))
    return shown
