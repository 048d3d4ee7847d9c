"""What a user finds in the notification list of the page header: one entry per message the
system sent them (whatever its channels), until they mark it read."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.choices import NoticeOnlyEvent, NotificationEvent


class InAppNotice(models.Model):
    """One message to one person about one event, shown in the workspace. `key` is the message's
    key without its channel, so a message sent by e-mail and webhook is listed once."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notices"
    )
    event = models.CharField(_("event"), max_length=20, choices=[*NotificationEvent.choices, *NoticeOnlyEvent.choices])
    complaint = models.ForeignKey(
        "complaints.Complaint", verbose_name=_("complaint"), on_delete=models.CASCADE, null=True, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("in-app notification")
        verbose_name_plural = _("in-app notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notice_by_recipient"),
            # The header's unread count reads only the unread rows.
            models.Index(fields=["recipient"], name="notice_unread", condition=models.Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.subject
