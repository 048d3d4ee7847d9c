"""Moved to complaints/forms/refusals.py (the portal uses it too); kept so older imports resolve."""

from complaints.forms.refusals import RefusalFormMixin, refusal_text

__all__ = ["RefusalFormMixin", "refusal_text"]
