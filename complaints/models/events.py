"""The append-only record of everything that happened to a complaint."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.choices import EventKind


class EventRecord(models.Model):
    """What every append-only event holds besides its subject and kind: who, old → new, and why.
    Newest first."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    old = models.JSONField(_("before"), default=dict, blank=True)
    new = models.JSONField(_("after"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.at:%Y-%m-%d %H:%M}"  # type: ignore[attr-defined]


class ComplaintEvent(EventRecord):
    """Who did what, when, old → new, and why. Written by the service that changes the state."""

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="events")
    # When the event happened, set when it is made: a transition writes its events at its end
    # (complaints.services.held_rows), and what it did with the time (a clock answered) must agree.
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False, db_index=True)
    kind = models.CharField(_("event"), max_length=30, choices=EventKind.choices)

    class Meta(EventRecord.Meta):
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        indexes = [
            # The KPI recount's "reopened", "compensation" and "suggestion" conditions (complaints.
            # selectors.kpi) on a few rows instead of a scan of every event (0.5 s each at 1,000,000
            # complaints, 3,000,000 events).
            models.Index(
                fields=["kind", "complaint"],
                name="event_kpi_kinds",
                condition=models.Q(kind__in=[EventKind.REOPENED, EventKind.COMPENSATION, EventKind.SUGGESTION]),
            )
        ]
