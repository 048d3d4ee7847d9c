"""Smart triage in the admin: the emotion lexicon and bands, the training rules, and the trained
models with their evaluation (switched on and off here)."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints import models
from complaints.selectors.triage import training_samples_held
from complaints.services.learning import triage_model_switch


@admin.register(models.EmotionPhrase)
class EmotionPhraseAdmin(SimpleHistoryAdmin):
    list_display = ["phrase", "kind", "weight", "active"]
    list_filter = ["kind", "active"]
    list_editable = ["weight", "active"]
    search_fields = ["phrase"]


@admin.register(models.TriageSettings)
class TriageSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "agitated_from", "angry_from", "extremely_angry_from", "min_training_size"]
    fieldsets = [
        (
            _("Emotion index"),
            {
                "fields": [
                    "agitated_from",
                    "angry_from",
                    "extremely_angry_from",
                    "punctuation_weight",
                    "shouting_weight",
                    "learned_emotion_from",
                ],
                "description": _(
                    "The customer's words are scored 0–100 from the emotion lexicon; these bands turn the index "
                    "into an emotion. The triage model in use reads the emotion from the same words as well. "
                    "Triage uses the highest of the agent's choice, the lexicon's reading and the model's (when "
                    "it is sure enough)."
                ),
            },
        ),
        (
            _("Suggestions"),
            {
                "fields": ["min_training_size", "holdout_percent", "retrain_days", "auto_activate"],
                "description": _(
                    "The model learns category, priority, department and emotion from closed, resolved complaints "
                    "(manage.py triage_train, or the scheduled job). Suggestions never lower the rules' priority "
                    "or level."
                ),
            },
        ),
        (_("Same incident"), {"fields": ["similar_window_days", "many_affected_from"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not models.TriageSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.TriageModel)
class TriageModelAdmin(admin.ModelAdmin):
    """Models are made by training, never edited; an admin reads the evaluation and switches one on or off."""

    list_display = ["version", "trained_at", "data_size", "active", "accuracy_summary"]
    list_filter = ["active"]
    fields = ["version", "trained_at", "data_size", "seed", "active", "evaluation_table"]
    readonly_fields = ["version", "trained_at", "data_size", "seed", "active", "evaluation_table"]
    actions = ["switch_on", "switch_off"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        if not models.TriageModel.objects.filter(active=True).exists():
            need = models.TriageSettings.objects.values_list("min_training_size", flat=True).first() or 0
            messages.warning(
                request,
                _(
                    "No model is in use, so the intake page shows no suggestions: %(have)s closed complaints "
                    "to learn from, %(need)s needed. Train with “manage.py triage_train”."
                )
                % {"have": training_samples_held(need), "need": need},
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("accuracy (majority label)"))
    def accuracy_summary(self, obj: models.TriageModel) -> str:
        return " · ".join(
            f"{target} {figures['accuracy']:.0%} ({figures['majority_accuracy']:.0%})"
            for target, figures in (obj.evaluation or {}).items()
        )

    @admin.display(description=_("evaluation on the held-out complaints"))
    def evaluation_table(self, obj: models.TriageModel) -> Any:
        rows = []
        for target, figures in (obj.evaluation or {}).items():
            rows.append(
                (
                    target,
                    _("all"),
                    f"{figures['accuracy']:.0%}",
                    _("majority %(share)s") % {"share": f"{figures['majority_accuracy']:.0%}"},
                    figures["held_out"],
                )
            )
            rows += [
                (target, label, f"{f['precision']:.0%}", f"{f['recall']:.0%}", f["support"])
                for label, f in figures["per_label"].items()
            ]
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("target"),
            _("label (id)"),
            _("precision / accuracy"),
            _("recall"),
            _("held out"),
            body,
        )

    @admin.action(description=_("Use the selected model"), permissions=["change"])
    def switch_on(self, request: HttpRequest, queryset: QuerySet[models.TriageModel]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one model to use."), messages.ERROR)
            return
        triage_model_switch(model=queryset.get(), active=True, actor=request.user)
        self.message_user(request, _("The model is in use."), messages.SUCCESS)

    @admin.action(description=_("Stop using the selected models"), permissions=["change"])
    def switch_off(self, request: HttpRequest, queryset: QuerySet[models.TriageModel]) -> None:
        for model in queryset:
            triage_model_switch(model=model, active=False, actor=request.user)
        self.message_user(request, _("No suggestions come from the selected models any more."), messages.SUCCESS)
