"""Help texts shared by many admin fields: when a change takes effect."""

from django.utils.translation import gettext_lazy as _

AT_ONCE = _("Takes effect at once.")
NEXT_COMPLAINT = _("Applies to complaints triaged after the change.")
AT_NEXT_STAGE = _("Read when a complaint reaches this stage: applies to open complaints from their next stage.")
NEXT_NOTIFICATION = _("Takes effect for the next notification.")
NEXT_DEADLINE = _(
    "Applies to deadlines computed after the change; open complaints follow when you recompute their "
    "deadlines (action on escalation levels)."
)
