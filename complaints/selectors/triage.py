"""Reads behind triage: the admin's keyword lists and thresholds, earlier complaints of the same
customer, the texts a complaint's signals are read from, the emotion lexicon and bands, open
complaints that look like the same incident, and the classifier's suggestions."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from complaints.choices import Emotion, EventKind, FieldKind, Outcome, Signal, Stage
from complaints.models import (
    Answer,
    Category,
    Complaint,
    ComplaintEvent,
    Department,
    EmotionPhrase,
    Note,
    Priority,
    TriageModel,
    TriageSettings,
    TriageSignal,
)
from complaints.rules.cases import IncidentFacts, same_incident, text_terms
from complaints.rules.classify import Suggestion, features, suggest
from complaints.rules.emotion import (
    EmotionCue,
    EmotionPolicy,
    EmotionReading,
    EmotionSource,
    EmotionUsed,
    LearnedEmotion,
    emotion_band,
    emotion_score,
    emotion_used,
)
from complaints.rules.signals import KeywordSignal, SignalFacts, SignalPolicy
from complaints.selectors.once import read_once

# The standard fields whose words the keyword lists look at.
SIGNAL_TEXT_FIELDS = ("customer_words", "handler_understanding", "demand_detail", "occurred_place")
TEXT_KINDS = (FieldKind.SHORT_TEXT, FieldKind.LONG_TEXT)


def signal_policy() -> SignalPolicy:
    """Builds the admin's signal values (keyword lists, emotion threshold, repeat threshold)."""
    from complaints.selectors.common import process_settings

    settings_row = process_settings()
    return SignalPolicy(
        keyword_signals=tuple(
            KeywordSignal(code=s.code, keywords=s.keyword_list()) for s in triage_signals() if s.active
        ),
        emotion_order=tuple(Emotion.values),
        emotion_threshold=settings_row.emotion_threshold or None,
        repeat_threshold=settings_row.repeat_threshold,
        many_affected_from=row.many_affected_from if (row := triage_settings()) is not None else None,
    )


def triage_signals() -> tuple[TriageSignal, ...]:
    """Every keyword signal the admin defined, active or not, by code: the configuration's copy (one
    read for triage's keyword lists and the names an escalation's package shows)."""
    return read_once("triage_signals", lambda: tuple(TriageSignal.objects.order_by("code")), shared=True)


def signal_codes() -> tuple[str, ...]:
    """Every signal code a routing rule may test: the admin's keyword lists and the built-in ones."""
    return tuple(TriageSignal.objects.order_by("code").values_list("code", flat=True)) + tuple(Signal.values)


def same_issue_complaints(*, complaint: Complaint, since: datetime) -> QuerySet[Complaint]:
    """Returns the other complaints from the same phone number since `since` about the same issue:
    the same category, or the same product model or plate/VIN when those were given."""
    if not complaint.customer_phone:
        return Complaint.objects.none()
    issue = Q(category_id=complaint.category_id) if complaint.category_id else Q(pk__in=[])
    if complaint.product_model:
        issue |= Q(product_model__iexact=complaint.product_model)
    if complaint.plate_or_vin:
        issue |= Q(plate_or_vin__iexact=complaint.plate_or_vin)
    return (
        Complaint.objects.filter(
            customer_phone=complaint.customer_phone, received_at__gte=since, reference__isnull=False
        )
        .filter(issue)
        .exclude(pk=complaint.pk)
    )


def earlier_complaints(*, complaint: Complaint, at: datetime) -> QuerySet[Complaint]:
    """Returns the same customer's complaints about the same issue within the admin's window
    before `at` (the complaint's receipt)."""
    from complaints.selectors.common import process_settings

    window = timedelta(days=process_settings().repeat_window_days)
    return same_issue_complaints(complaint=complaint, since=at - window).filter(received_at__lte=at)


def signal_texts(complaint: Complaint) -> tuple[str, ...]:
    """Returns every text the keyword lists read: the standard fields, text answers and notes."""
    texts = [getattr(complaint, name) or "" for name in SIGNAL_TEXT_FIELDS]
    known = getattr(complaint, "_prefetched_objects_cache", {})
    if "answers" in known and "notes" in known:  # prefetched, e.g. by the registration that wrote them
        texts += [answer.text for answer in complaint.answers.all() if answer.field.kind in TEXT_KINDS]
        texts += [note.text for note in complaint.notes.all()]
    elif complaint.pk is not None:
        texts += Answer.objects.filter(complaint=complaint, field__kind__in=TEXT_KINDS).values_list("text", flat=True)
        texts += Note.objects.filter(complaint=complaint).values_list("text", flat=True)
    return tuple(t for t in texts if t)


def signal_facts(*, complaint: Complaint, at: datetime) -> SignalFacts:
    """What the signals look at in a (possibly unsaved) complaint; authority is filled in by triage
    once the level is known."""
    earlier = earlier_complaints(complaint=complaint, at=at).count() if complaint.customer_phone else 0
    return SignalFacts(
        texts=signal_texts(complaint),
        manager_requested=bool(complaint.manager_requested),
        emotion=effective_emotion(complaint),
        earlier_complaints=earlier,
        requested_amount=complaint.requested_amount,
        same_incident=len(same_incident_complaints(complaint=complaint, at=at)) if triage_settings() else 0,
    )


# Emotion -----------------------------------------------------------------------------------------


def triage_settings() -> TriageSettings | None:
    """Returns the single triage settings row (the migration creates it; the admin edits it). Without
    it there is no emotion index, no suggestion and no same-incident signal; the rules work as before."""
    return read_once("triage_settings", lambda: TriageSettings.objects.order_by("pk").first(), shared=True)


def triage_settings_required() -> TriageSettings:
    """The triage settings row, or ConfigurationMissing (for training)."""
    from complaints.selectors.routing import ConfigurationMissing

    obj = triage_settings()
    if obj is None:
        raise ConfigurationMissing(_("Triage settings are missing: add them in the admin."))
    return obj


def emotion_policy() -> EmotionPolicy | None:
    """Builds the admin's emotion lexicon and bands (None without triage settings)."""

    return read_once("emotion_policy", _emotion_policy, shared=True)  # type: ignore[no-any-return]


def _emotion_policy() -> EmotionPolicy | None:
    row = triage_settings()
    if row is None:
        return None
    return EmotionPolicy(
        cues=read_once(
            "emotion_cues",
            lambda: tuple(
                EmotionCue(phrase=p, kind=k, weight=w)
                for p, k, w in EmotionPhrase.objects.filter(active=True)
                .order_by("kind", "phrase")
                .values_list("phrase", "kind", "weight")
            ),
            shared=True,
        ),
        bands=(row.agitated_from, row.angry_from, row.extremely_angry_from),
        emotion_order=tuple(Emotion.values),
        punctuation_weight=row.punctuation_weight,
        shouting_weight=row.shouting_weight,
    )


def emotion_reading(complaint: Complaint, *, policy: EmotionPolicy | None = None) -> EmotionReading | None:
    """The emotion the customer's words show: the stored reading (intake, then each customer
    message) or, for a complaint not scored yet (a dry run), its words scored now. None without
    triage settings."""
    policy = policy or emotion_policy()
    if policy is None:
        return None
    if complaint.emotion_index is not None:
        return EmotionReading(
            index=complaint.emotion_index,
            emotion=emotion_band(index=complaint.emotion_index, bands=policy.bands, order=policy.emotion_order),
            phrases=tuple(complaint.emotion_phrases or ()),
        )
    return emotion_score((complaint.customer_words or "",), policy)


def learned_emotion(*, words: str, model: TriageModel | None = None) -> LearnedEmotion | None:
    """The triage model's reading of the emotion in `words` (the model in use unless given); None
    without a model, for a model trained before it learnt emotion, or for no words. No query when
    the model is given and this process has read its parameters before."""
    model = model if model is not None else active_model()
    if model is None or not words.strip():
        return None
    params = model_params(model)
    if not params.get("emotion"):
        return None
    found = suggest(features(words), {"emotion": params["emotion"]})
    if not found:
        return None
    return LearnedEmotion(
        emotion=found[0].value, confidence=found[0].confidence, words=found[0].words, model=model.version
    )


def learned_emotion_json(reading: LearnedEmotion | None) -> dict[str, Any] | None:
    """How a model's reading is stored on the complaint and shown in the dry run."""
    if reading is None:
        return None
    return {
        "emotion": reading.emotion,
        "confidence": round(reading.confidence * 100),
        "words": list(reading.words),
        "model": reading.model,
    }


def stored_learned_emotion(complaint: Complaint) -> LearnedEmotion | None:
    """The model's reading stored with the complaint's latest emotion reading, or for a complaint
    not scored yet (a dry run) the model in use's reading of its words now."""
    if complaint.emotion_index is None:
        return learned_emotion(words=complaint.customer_words or "")
    return learned_emotion_from_json(complaint.emotion_learned)


def learned_emotion_from_json(data: Any) -> LearnedEmotion | None:
    """A stored reading (learned_emotion_json) read back; None for none or an unknown emotion."""
    if not isinstance(data, dict) or data.get("emotion") not in Emotion.values:
        return None
    return LearnedEmotion(
        emotion=data["emotion"],
        confidence=float(data.get("confidence") or 0) / 100,
        words=tuple(data.get("words") or ()),
        model=int(data.get("model") or 0),
    )


def emotion_decision(complaint: Complaint) -> EmotionUsed:
    """Which emotion triage uses and where it came from: the highest of the agent's choice, the
    lexicon's reading and the model's reading when the model is as sure as the triage settings ask
    (rules.emotion.emotion_used). Without triage settings or words: the agent's choice."""
    agent = complaint.emotion or Emotion.CALM
    settings_row = triage_settings()
    reading = emotion_reading(complaint) if complaint.customer_words or complaint.emotion_index is not None else None
    if settings_row is None or reading is None:
        return EmotionUsed(emotion=agent, source=EmotionSource.AGENT, words="", model_counted=False)
    return emotion_used(
        agent=agent,
        lexicon=reading.emotion,
        learned=stored_learned_emotion(complaint),
        min_confidence=settings_row.learned_emotion_from / 100,
        order=Emotion.values,
    )


def emotion_explained(complaint: Complaint) -> dict[str, Any]:
    """The emotion part of the dry run (JSON-ready): the index and its phrases, the model's reading
    (whether it counted and how sure it had to be), and which emotion triage uses, from which
    reading, and why in a sentence."""
    decision = emotion_decision(complaint)
    reading = emotion_reading(complaint) if complaint.customer_words or complaint.emotion_index is not None else None
    learned = stored_learned_emotion(complaint) if reading is not None else None
    settings_row = triage_settings()
    learned_json = learned_emotion_json(learned)
    if learned_json is not None and settings_row is not None:
        learned_json |= {"counted": decision.model_counted, "needed": settings_row.learned_emotion_from}
    return {
        "emotion_index": reading.index if reading else None,
        "emotion_phrases": list(reading.phrases) if reading else [],
        "emotion_learned": learned_json,
        "emotion": {
            "agent": complaint.emotion,
            "lexicon": reading.emotion if reading else None,
            "model": learned.emotion if learned else None,
            "words": decision.words or None,
            "used": decision.emotion,
            "source": decision.source,
            "why": _emotion_why(decision, reading, learned, settings_row),
        },
    }


def _emotion_why(
    decision: EmotionUsed,
    reading: EmotionReading | None,
    learned: LearnedEmotion | None,
    settings_row: TriageSettings | None,
) -> str:
    def label(value: str | None) -> str:
        return str(Emotion(value).label) if value in Emotion.values else "—"

    if decision.source == EmotionSource.MODEL and learned is not None:
        why = _(
            "Triage model %(model)s reads the words as %(emotion)s (%(confidence)s %% sure; because of %(words)s), "
            "higher than the emotion lexicon (%(lexicon)s) and the agent's choice."
        ) % {
            "model": learned.model,
            "emotion": label(learned.emotion),
            "confidence": round(learned.confidence * 100),
            "words": ", ".join(learned.words) or "—",
            "lexicon": label(reading.emotion if reading else None),
        }
    elif decision.source == EmotionSource.LEXICON and reading is not None:
        why = _("The emotion lexicon reads the words as %(emotion)s (%(phrases)s), higher than the agent's choice.") % {
            "emotion": label(reading.emotion),
            "phrases": ", ".join(reading.phrases) or "—",
        }
    else:
        why = _("The agent's choice (%(agent)s) is at least what the customer's words read as.") % {
            "agent": label(decision.emotion)
        }
    if learned is not None and not decision.model_counted and settings_row is not None:
        unsure = _(
            "Triage model %(model)s reads %(emotion)s but is only %(confidence)s %% sure (%(needed)s %% needed), "
            "so its reading does not count."
        ) % {
            "model": learned.model,
            "emotion": label(learned.emotion),
            "confidence": round(learned.confidence * 100),
            "needed": settings_row.learned_emotion_from,
        }
        # Spaced the way the reader's language does it (the same entry as the timeline's sentences).
        why = pgettext("two sentences", "%(first)s %(then)s") % {"first": why, "then": unsure}
    return str(why)


def effective_emotion(complaint: Complaint) -> str:
    """The emotion the emotion signal and routing test (emotion_decision)."""
    return emotion_decision(complaint).emotion


# The same incident ---------------------------------------------------------------------------------


def _incident(product_model: str, batch_number: str, place: str, words: str) -> IncidentFacts:
    return IncidentFacts(product_model=product_model, batch_number=batch_number, place=place, terms=text_terms(words))


def same_incident_complaints(
    *,
    complaint: Complaint | None = None,
    at: datetime | None = None,
    product_model: str = "",
    batch_number: str = "",
    place: str = "",
    words: str = "",
    limit: int = 200,
    window_days: int | None = None,
) -> list[Complaint]:
    """Returns the open complaints received within the admin's window before `at` that look like the
    same incident (rules.cases.same_incident), newest first: those sharing the product model, the
    batch or the place and some words. Two queries."""
    if complaint is not None:
        product_model, batch_number = complaint.product_model, complaint.batch_number
        place, words = complaint.occurred_place, complaint.customer_words
    if not (product_model.strip() or batch_number.strip() or place.strip()):
        return []
    at = at or timezone.now()
    if window_days is None:
        row = triage_settings()
        if row is None:
            return []
        window_days = row.similar_window_days
    window = timedelta(days=window_days)
    key = Q(pk__in=[])
    if product_model.strip():
        key |= Q(product_model__iexact=product_model.strip())
    if batch_number.strip():
        key |= Q(batch_number__iexact=batch_number.strip())
    if place.strip():
        key |= Q(occurred_place__iexact=place.strip())
    qs = (
        Complaint.objects.filter(key, outcome=Outcome.OPEN, reference__isnull=False, received_at__gte=at - window)
        .filter(received_at__lte=at)
        .exclude(stage=Stage.CLOSED)
        .order_by("-received_at", "-pk")
    )
    if complaint is not None and complaint.pk is not None:
        qs = qs.exclude(pk=complaint.pk)
    new = _incident(product_model, batch_number, place, words)
    return [
        other
        for other in qs[:limit]
        if same_incident(
            new=new,
            other=_incident(other.product_model, other.batch_number, other.occurred_place, other.customer_words),
        )
    ]


# Suggestions -----------------------------------------------------------------------------------


def active_model() -> TriageModel | None:
    """The model in use, if any, without its parameters (model_params reads them)."""
    return read_once(
        "active_model",
        lambda: TriageModel.objects.filter(active=True).defer("params", "evaluation").first(),
        shared=True,
    )


# A trained model never changes (only whether it is in use), and its parameters are most of its row:
# each process reads and parses those of the model in use once, not on every complaint.
_PARAMS: dict[tuple[int, int], dict[str, Any]] = {}


def model_params(model: TriageModel) -> dict[str, Any]:
    """The model's parameters: from this process's copy, or read once (one query when deferred)."""
    key = (model.pk, model.version)
    params = _PARAMS.get(key)
    if params is None:
        params = model.params or {}
        _PARAMS.clear()  # one model is in use at a time
        _PARAMS[key] = params
    return params


@dataclass(frozen=True)
class ShownSuggestion:
    target: str
    label: str  # what the agent reads (category path, priority, department name)
    value: int  # the primary key the form field takes
    confidence: int  # percent
    words: tuple[str, ...]


def triage_suggestions(*, words: str, model: TriageModel | None = None) -> list[ShownSuggestion]:
    """The model's suggestions for the customer's words, with the names the agent reads; labels
    that no longer exist (a deleted or inactive category) are left out. Four queries at most (one
    more the first time a process reads the model's parameters)."""
    model = model if model is not None else active_model()
    if model is None or not words.strip():
        return []
    found: list[Suggestion] = suggest(features(words), model_params(model))
    tables: dict[str, Any] = {
        "category": Category.objects.filter(active=True),
        "priority": Priority.objects.all(),
        "department": Department.objects.filter(active=True),
    }
    shown = []
    for item in found:
        if item.target not in tables:  # the emotion is read with the lexicon's (emotion_decision)
            continue
        obj = tables[item.target].filter(pk=int(item.value)).first() if item.value.isdigit() else None
        if obj is not None:
            shown.append(
                ShownSuggestion(
                    target=item.target,
                    label=str(obj),
                    value=obj.pk,
                    confidence=round(item.confidence * 100),
                    words=item.words,
                )
            )
    return shown


def training_samples() -> QuerySet[Complaint]:
    """The complaints a model learns from: closed as resolved (they went through verification)."""
    return Complaint.objects.filter(stage=Stage.CLOSED, outcome=Outcome.RESOLVED, reference__isnull=False)


def training_samples_held(need: int) -> int | str:
    """How many complaints a model could learn from, as a person is told it: the number up to
    `need`, and "40+" past it. Counted only that far: a count of every closed complaint took
    140-230 ms at 1,000,000, to say what "enough" says."""
    have = training_samples().order_by()[: need + 1].count()
    return f"{need}+" if have > need else have


def suggestion_events() -> QuerySet[ComplaintEvent]:
    """Every recorded acceptance or override of a suggestion."""
    return ComplaintEvent.objects.filter(kind=EventKind.SUGGESTION)


@dataclass(frozen=True)
class IncidentRow:
    complaint_id: int
    reference: str
    received_at: datetime | None
    customer_words: str


@dataclass(frozen=True)
class IntakeTriage:
    """What the intake panel shows beside the similar closed cases."""

    suggestions: list[ShownSuggestion]
    model_version: int | None
    have: int | str  # closed complaints to learn from, up to `need` ("40+" past it; only while no model is in use)
    need: int
    same_incident: int  # open complaints of the same incident (all of them, seen or not)
    incident_rows: list[IncidentRow]  # those the user may see
    many_affected_from: int


def intake_triage_panel(*, user: Any, product_model: str, batch_number: str, place: str, words: str) -> IntakeTriage:
    """The model's suggestions for the words (or why there are none), and the open complaints that
    look like the same incident: how many there are, and those the user may see. Constant queries."""
    from complaints.selectors.common import complaints_visible_to

    settings_row = triage_settings_required()
    model = active_model()
    have = training_samples_held(settings_row.min_training_size) if model is None else 0
    same = same_incident_complaints(
        product_model=product_model,
        batch_number=batch_number,
        place=place,
        words=words,
        window_days=settings_row.similar_window_days,
    )
    visible = (
        set(complaints_visible_to(user).filter(pk__in=[c.pk for c in same]).values_list("pk", flat=True))
        if same
        else set()
    )
    return IntakeTriage(
        suggestions=triage_suggestions(words=words, model=model) if model is not None else [],
        model_version=model.version if model is not None else None,
        have=have,
        need=settings_row.min_training_size,
        same_incident=len(same),
        incident_rows=[
            IncidentRow(c.pk, c.reference or "", c.received_at, c.customer_words) for c in same if c.pk in visible
        ],
        many_affected_from=settings_row.many_affected_from,
    )
