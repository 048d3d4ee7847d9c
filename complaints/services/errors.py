"""The one refusal every writing service raises. A service refuses when the acting user may not
act (role, department scope, level authority) or the case is not in a state that allows it; the
message is translated and says why. Each service module keeps its own subclass (StepRefused,
ApprovalRefused, …) so callers can catch narrowly, and views may catch `Refused` for all of them."""

from typing import Any

from django.utils.translation import gettext as _

from complaints.selectors.escalation import is_handler


class Refused(Exception):
    """The write is not allowed; `message` says why (translated). Some subclasses carry a richer
    payload (a dict of field errors, a list of row errors) as their first argument."""

    @property
    def message(self) -> Any:
        return self.args[0] if self.args else _("This is not allowed.")


def is_system(actor: Any) -> bool:
    """The system acts (a trigger, a sweep, a configuration import) when no actor is passed."""
    return actor is None


def refuse_unless(allowed: bool, message: str, *, error: type[Refused] = Refused) -> None:
    """Raises `error(message)` unless the check passed."""
    if not allowed:
        raise error(message)


def require_handler(*, complaint: Any, actor: Any, error: type[Refused] = Refused) -> None:
    """Refuses unless the actor handles the complaint (its owner, the holder of one of its open
    tasks, or a holder of its level's role where that level is handled). The system may always act."""
    if not is_system(actor) and not is_handler(user=actor, complaint=complaint):
        raise error(_("Only someone handling this complaint can do this."))
