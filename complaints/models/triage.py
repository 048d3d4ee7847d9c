"""Keyword signals: words in the complaint that mean safety, legal, media or vulnerable-customer risk."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints.choices import Signal
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
