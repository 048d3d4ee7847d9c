"""Keyword signals (words that mean safety, legal, media or vulnerable-customer risk), the emotion
lexicon and bands, and the trained triage models."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints.choices import EmotionCueKind, Signal
from complaints.rules.signals import parse_keywords


class TriageSignal(models.Model):
    """A named keyword list. A complaint whose text contains one of the words carries the signal;
    routing rules test it as “signals equals <code>”."""

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Routing rules test it by this code, e.g. “signals equals safety”. Takes effect at once."),
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Shown in the triage record."))
    keywords = models.TextField(
        _("keywords"),
        help_text=_(
            "One word or phrase per line, Chinese or English. Chinese matches anywhere in the text "
            "(断电 hits 高速上突然断电); English matches whole words with simple endings (lawyer hits "
            "lawyers; sue hits sued but not issue). Case, width and spacing are ignored. Applies to "
            "complaints triaged and notes written after the change."
        ),
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("Takes effect at once."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("triage signal")
        verbose_name_plural = _("triage signals (keyword lists)")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        if self.code in Signal.values:
            raise ValidationError(
                {
                    "code": _("“%(code)s” is a signal the product computes itself; choose another code.")
                    % {"code": self.code}
                }
            )
        if not parse_keywords(self.keywords or ""):
            raise ValidationError({"keywords": _("Enter at least one keyword.")})

    def keyword_list(self) -> tuple[str, ...]:
        return parse_keywords(self.keywords)


class EmotionPhrase(models.Model):
    """One entry of the emotion lexicon: a phrase in the customer's words and how much it adds to
    the emotion index (0–100)."""

    phrase = models.CharField(
        _("phrase"),
        max_length=100,
        unique=True,
        help_text=_(
            "Chinese matches anywhere in the text; English matches whole words with simple endings. "
            "Applies to complaints and customer messages scored after the change."
        ),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EmotionCueKind.choices)
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Added to the emotion index (0–100) once when the phrase is found."),
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("Takes effect at once."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("emotion phrase")
        verbose_name_plural = _("emotion lexicon")
        ordering = ["kind", "phrase"]

    def __str__(self) -> str:
        return self.phrase

    def clean(self) -> None:
        if not (self.phrase or "").strip():
            raise ValidationError({"phrase": _("Enter a phrase.")})


class TriageSettings(models.Model):
    """One row: the emotion bands, the classifier's training rules and the similar-complaints window.
    The migration creates it with defaults; edit it in the admin."""

    agitated_from = models.PositiveSmallIntegerField(
        _("agitated from (index)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("An emotion index at or above this reads as agitated. Applies to scores made after the change."),
    )
    angry_from = models.PositiveSmallIntegerField(
        _("angry from (index)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Must be above the agitated band. Applies to scores made after the change."),
    )
    extremely_angry_from = models.PositiveSmallIntegerField(
        _("extremely angry from (index)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Must be above the angry band. Applies to scores made after the change."),
    )
    punctuation_weight = models.PositiveSmallIntegerField(
        _("repeated ! or ? adds"),
        validators=[MaxValueValidator(100)],
        help_text=_("Added per run of repeated exclamation or question marks (two runs at most)."),
    )
    shouting_weight = models.PositiveSmallIntegerField(
        _("shouted English word adds"),
        validators=[MaxValueValidator(100)],
        help_text=_("Added per English word written in capitals (WORST; two words at most)."),
    )
    learned_emotion_from = models.PositiveSmallIntegerField(
        _("the model's emotion counts from (percent sure)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "The triage model in use also reads the emotion from the customer's words (learnt from the emotions "
            "agents recorded on closed complaints). Its reading counts when the model is at least this sure; "
            "triage then uses the highest of the agent's choice, the lexicon's reading and the model's. "
            "100: only a certain reading counts. Applies to complaints triaged after the change."
        ),
    )
    min_training_size = models.PositiveIntegerField(
        _("train from (closed complaints)"),
        validators=[MinValueValidator(20)],
        help_text=_(
            "With fewer closed, resolved complaints no model is trained or used and the intake page says so. "
            "Takes effect at the next training and at once for suggestions."
        ),
    )
    holdout_percent = models.PositiveSmallIntegerField(
        _("held out for evaluation (%)"),
        validators=[MinValueValidator(10), MaxValueValidator(50)],
        help_text=_("This share of the complaints is kept apart to measure precision and recall. Next training."),
    )
    retrain_days = models.PositiveSmallIntegerField(
        _("train again every (days)"),
        validators=[MinValueValidator(1)],
        help_text=_("The scheduled job trains a new model when the newest is this old. Takes effect at once."),
    )
    auto_activate = models.BooleanField(
        _("use a new model at once"),
        default=True,
        help_text=_("Off: a newly trained model waits until an admin switches it on after reading its evaluation."),
    )
    similar_window_days = models.PositiveSmallIntegerField(
        _("same-incident window (days)"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "Open complaints received this many days before a new one count when looking for the same incident. "
            "Takes effect at once."
        ),
    )
    many_affected_from = models.PositiveSmallIntegerField(
        _("many customers affected from (complaints)"),
        validators=[MinValueValidator(2)],
        help_text=_(
            "When this many open complaints (the new one included) look like the same incident, the new one "
            "carries the “many affected” signal. Applies to complaints triaged after the change."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("triage settings")
        verbose_name_plural = _("triage settings")

    def __str__(self) -> str:
        return str(_("Triage settings"))

    def clean(self) -> None:
        bands = [self.agitated_from, self.angry_from, self.extremely_angry_from]
        if None not in bands and not (bands[0] < bands[1] < bands[2]):
            raise ValidationError({"angry_from": _("The bands must rise: agitated below angry below extremely angry.")})


class TriageModel(models.Model):
    """One trained classifier: its parameters (words and weights), when and on how many closed
    complaints it was trained, and how it did on the held-out ones."""

    version = models.PositiveIntegerField(_("version"), unique=True, editable=False)
    trained_at = models.DateTimeField(_("trained at"), editable=False)
    data_size = models.PositiveIntegerField(_("closed complaints used"), editable=False)
    seed = models.PositiveIntegerField(_("random seed"), editable=False)
    params = models.JSONField(_("parameters"), editable=False)
    evaluation = models.JSONField(_("evaluation"), editable=False)
    active = models.BooleanField(
        _("in use"),
        default=False,
        help_text=_("At most one model is in use; the intake page suggests from it. Takes effect at once."),
    )

    class Meta:
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="one_active_triage_model")
        ]

    def __str__(self) -> str:
        return str(_("Model %(version)s")) % {"version": self.version}
