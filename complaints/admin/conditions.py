"""The condition builder: one admin form for every field/operator/value condition.

Routing conditions use it today; any other model that stores a condition the same way (three
columns `field`, `operator`, `value`, checked by `parse_condition_value`) gets the same picking by
using `ConditionInlineMixin` on its inline (or `condition_form(model, specs)` on its own admin), and
may pass its own field catalog (a custom step's "when" adds priority and level, for example).

The admin picks the field from a grouped list (complaint fields, signals, the category forms'
questions with their labels), the operator that fits the field's type and the value from the
field's choices (the category tree, the signals, a question's options); the rule reads as a
sentence in the admin's language. The script (static, no inline code: the CSP forbids it) turns the
stored value input into the fitting picker and writes the codes back; the server checks them again.
Typed codes are what import files carry (`config_import`), not what the admin types.
"""

import json
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.db import models as db_models
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from complaints.rules.routing import FieldSpec
from complaints.selectors.routing import condition_catalog, condition_text, routing_field_specs

GROUP_LABELS = {
    "complaint": _("Complaint"),
    "signals": _("Signals"),
    "form": _("Category questions"),
}


def dress_condition_fields(
    field: forms.Field,
    operator: forms.Field,
    value: forms.Field,
    *,
    specs: Mapping[str, FieldSpec],
    catalog_json: str,
    stored: str = "",
) -> None:
    """Turns three form fields (field, operator, value) into one condition of the builder: the field
    offered from a grouped list carrying the catalog, the operator and value marked for the script.
    One place for every condition the admin picks (a condition row, a stage profile's scope)."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for spec in specs.values():
        grouped.setdefault(spec.group or "complaint", []).append((spec.name, str(spec.label or spec.name)))
    choices: list[Any] = [("", "---------")]
    for group in ("complaint", "signals", "form"):
        if group in grouped:
            items = grouped[group] if group == "complaint" else sorted(grouped[group], key=lambda item: item[1])
            choices.append((str(GROUP_LABELS[group]), items))
    if stored and stored not in specs:  # an imported rule naming a field that is gone: shown, refused on save
        choices.append((stored, stored))
    # Offered as a list; checked on save (an unknown name gets the list of known fields).
    field.widget = forms.Select(choices=choices, attrs={"class": "rd-cond-field", "data-rd-catalog": catalog_json})
    field.help_text = ""
    operator.widget.attrs["class"] = "rd-cond-operator"
    value.widget.attrs.update({"class": "rd-cond-value", "data-rd-yes": str(_("yes")), "data-rd-no": str(_("no"))})
    value.help_text = _("Pick the field first; its values are offered to choose from.")


class ConditionForm(forms.ModelForm):
    """Picks one condition. Subclasses made by `condition_form` carry the field catalog."""

    specs: Mapping[str, FieldSpec] = {}
    catalog_json = "[]"

    class Media:
        js = ("redress/condition-builder.js",)
        css = {"all": ("redress/condition-builder.css",)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = (self.instance.field or "") if self.instance is not None else ""
        dress_condition_fields(
            self.fields["field"],
            self.fields["operator"],
            self.fields["value"],
            specs=self.specs,
            catalog_json=self.catalog_json,
            stored=stored,
        )

    def sentence(self) -> str:
        """The stored condition as a sentence (empty for a new row)."""
        if not self.instance.pk:
            return ""
        return capfirst(
            condition_text(
                field=self.instance.field, operator=self.instance.operator, value=self.instance.value, specs=self.specs
            )
        )


def condition_form(
    model: type[db_models.Model], specs: Mapping[str, FieldSpec], base: type[ConditionForm] = ConditionForm
) -> type[ConditionForm]:
    """Returns a ConditionForm for `model` carrying one catalog (built once per page, not per row)."""
    meta = type("Meta", (), {"model": model, "fields": ["field", "operator", "value"]})
    attrs = {"Meta": meta, "specs": specs, "catalog_json": json.dumps(condition_catalog(specs), ensure_ascii=False)}
    return type(f"{model.__name__}ConditionForm", (base,), attrs)


class ConditionInlineMixin:
    """For an admin inline over a condition model: the picking form and each row's sentence."""

    condition_specs: Callable[[], Mapping[str, FieldSpec]] = staticmethod(routing_field_specs)
    model: Any

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*super().get_readonly_fields(request, obj), "reads_as"]  # type: ignore[misc]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        self._specs = self.condition_specs()
        kwargs["form"] = condition_form(self.model, self._specs)
        return super().get_formset(request, obj, **kwargs)  # type: ignore[misc]

    def reads_as(self, obj: Any) -> str:
        if obj is None or not obj.pk:
            return ""
        specs = getattr(self, "_specs", None) or self.condition_specs()
        return capfirst(condition_text(field=obj.field, operator=obj.operator, value=obj.value, specs=specs))

    reads_as.short_description = _("reads as")  # type: ignore[attr-defined]


def changelist_drawn_with(holder: Any, specs: Any, draw: Callable[[], Any]) -> Any:
    """Draws an admin list whose rows read their conditions as sentences with one field catalog
    (`holder.specs`, a thread-local) built once for the page and dropped afterwards: the rows
    render inside this call, so the catalog is not kept for the next request."""
    holder.specs = specs
    try:
        response = draw()
        if hasattr(response, "render"):
            response.render()
        return response
    finally:
        holder.specs = None
