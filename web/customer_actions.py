"""Staff doors onto the customer's side: send a fresh tracking link (optionally revoking the old
ones) and send the customer a message. Each calls one service in complaints.services.customer."""

from typing import Any

from django.utils.translation import gettext as _

from complaints.forms.customer_side import AppealForm, CustomerLinkForm, CustomerMessageForm
from complaints.services.appeal import appeal_open
from complaints.services.customer import (
    customer_link_send,
    customer_links_revoke,
    customer_message_send,
)
from web.actions import ComplaintActionView


class CustomerActionView(ComplaintActionView):
    """Forms opened from the customer's side card return to it."""

    card = "rd-customer-side"


class CustomerLinkView(CustomerActionView):
    form_class = CustomerLinkForm

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Send %(reference)s's customer a new tracking link") % {"reference": self.complaint.reference}

    def intro(self) -> str:
        return _("The customer gets a new link by e-mail and text message; it works for the admin's number of days.")

    def perform(self, data: dict[str, Any]) -> str:
        if data.get("revoke_old"):
            customer_links_revoke(complaint=self.complaint, actor=self.request.user)
        customer_link_send(complaint=self.complaint, actor=self.request.user, message=data.get("message") or "")
        return _("A new tracking link is on its way to the customer.")


class CustomerMessageView(CustomerActionView):
    form_class = CustomerMessageForm

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Write to the customer of %(reference)s") % {"reference": self.complaint.reference}

    def perform(self, data: dict[str, Any]) -> str:
        customer_message_send(complaint=self.complaint, actor=self.request.user, text=data["text"])
        return _("The message is on its way to the customer.")


class CustomerAppealView(CustomerActionView):
    """An agent appeals to the customer-experience office for the customer (e.g. on the phone)."""

    form_class = AppealForm

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Appeal %(reference)s to the customer-experience office") % {"reference": self.complaint.reference}

    def intro(self) -> str:
        return _(
            "The independent office reviews the whole case outside the escalation ladder and decides; the customer "
            "is told that it received the appeal, and its decision."
        )

    def perform(self, data: dict[str, Any]) -> str:
        appeal_open(complaint=self.complaint, actor=self.request.user, grounds=data["grounds"])
        return _("The appeal is with the customer-experience office.")
