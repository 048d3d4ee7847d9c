"""Training the triage classifier on the organisation's closed complaints, and recording what the
agent made of its suggestions."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import EventKind
from complaints.models import Complaint, TriageModel, TriageSettings
from complaints.rules.classify import Sample, features, train
from complaints.selectors.triage import active_model, training_samples, triage_settings_required, triage_suggestions
from complaints.services.errors import Refused, is_system
from complaints.services.events import event_record

# Training is reproducible: the same complaints give the same split, model and figures.
TRAINING_SEED = 20261203
# The newest complaints a model learns from (memory and time of one training, not policy).
TRAINING_LIMIT = 20000


class TriageRefused(Refused):
    """The actor may not put triage models in use or stop them."""


class TooLittleData(Exception):
    """Fewer closed complaints than the admin's minimum: no model is trained."""

    def __init__(self, have: int, need: int) -> None:
        super().__init__(f"{have} closed complaints, {need} needed")
        self.have, self.need = have, need


def _samples() -> tuple[list[Sample], int]:
    """Two samples per complaint: its words and the handler's understanding for the category, the
    priority and the department; the customer's words alone for the emotion the agent recorded (the
    emotion is read from the customer's words only, at intake and on their messages). Returns the
    samples and the number of complaints."""
    rows = list(
        training_samples()
        .order_by("-closed_at", "-pk")
        .values_list(
            "customer_words", "handler_understanding", "category_id", "priority_id", "department_id", "emotion"
        )[:TRAINING_LIMIT]
    )
    samples = []
    for words, understanding, category, priority, department, emotion in reversed(rows):
        samples.append(
            Sample(
                tokens=features(f"{words}\n{understanding}"),
                labels={
                    "category": str(category or ""),
                    "priority": str(priority or ""),
                    "department": str(department or ""),
                },
            )
        )
        samples.append(Sample(tokens=features(words or ""), labels={"emotion": emotion or ""}))
    return samples, len(rows)


def triage_train(*, now: datetime | None = None) -> TriageModel:
    """Trains a model on the closed, resolved complaints (newest first, up to a limit) with the
    fixed seed, evaluates it on the held-out share and stores it as the next version; with the
    admin's "use a new model at once" it replaces the model in use. Two trainings at once are
    serialised on the settings row. Raises TooLittleData below the admin's minimum (nothing is
    stored). Returns the new model."""
    now = now or timezone.now()
    with transaction.atomic():
        settings_row = TriageSettings.objects.select_for_update().get(pk=triage_settings_required().pk)
        samples, size = _samples()
        if size < settings_row.min_training_size:
            raise TooLittleData(size, settings_row.min_training_size)
        result = train(samples, seed=TRAINING_SEED, holdout_percent=settings_row.holdout_percent)
        version = (TriageModel.objects.aggregate(top=Max("version"))["top"] or 0) + 1
        if settings_row.auto_activate:
            TriageModel.objects.filter(active=True).update(active=False)
        return TriageModel.objects.create(
            version=version,
            trained_at=now,
            data_size=size,
            seed=TRAINING_SEED,
            params=result["params"],
            evaluation=result["evaluation"],
            active=settings_row.auto_activate,
        )


def triage_train_due(*, now: datetime | None = None) -> TriageModel | None:
    """The scheduled training: trains when there is no model yet or the newest is older than the
    admin's interval, and there is enough data; otherwise does nothing. Returns the new model."""
    now = now or timezone.now()
    settings_row = triage_settings_required()
    newest = TriageModel.objects.order_by("-version").first()
    if newest is not None and newest.trained_at > now - timedelta(days=settings_row.retrain_days):
        return None
    try:
        return triage_train(now=now)
    except TooLittleData:
        return None


def triage_model_switch(*, model: TriageModel, active: bool, actor: Any = None) -> TriageModel:
    """Puts a model in use (the one in use before stops) or stops it; no model in use means no
    suggestions. Only a person with the admin's permission to change triage models may. Returns the
    model."""
    if not is_system(actor) and not actor.has_perm("complaints.change_triagemodel"):
        raise TriageRefused(_("You may not change which triage model is in use."))
    with transaction.atomic():
        TriageModel.objects.select_for_update().filter(pk=model.pk).first()
        if active:
            TriageModel.objects.filter(active=True).exclude(pk=model.pk).update(active=False)
        TriageModel.objects.filter(pk=model.pk).update(active=active)
    model.active = active
    return model


def suggestion_record(*, complaint: Complaint, actor: Any) -> None:
    """Records, for a complaint just registered, each suggestion the model in use makes for its
    words and whether the agent took it: the category chosen, the registering department, the
    priority chosen at intake (empty: not taken). Nothing when no model is in use."""
    model = active_model()
    if model is None:
        return
    shown = triage_suggestions(words=complaint.customer_words, model=model)
    if not shown:
        return
    chosen = {
        "category": complaint.category_id,
        "department": complaint.department_id,
        "priority": complaint.intake_priority_id,
    }
    items = [
        {
            "target": s.target,
            "suggested": s.value,
            "label": s.label,
            "confidence": s.confidence,
            "words": list(s.words),
            "chosen": chosen[s.target],
            "accepted": chosen[s.target] == s.value,
        }
        for s in shown
    ]
    event_record(
        complaint=complaint,
        kind=EventKind.SUGGESTION,
        actor=actor,
        new={"model": model.version, "items": items, "all_accepted": all(i["accepted"] for i in items)},
    )
