"""The one "form → service → refusal message" pattern of every page: staff pages (web, flows) and
the customer's pages (portal) alike, so it lives beside the forms both import.

A valid form calls `perform` (one service call) inside a transaction; the service's `Refused`
comes back as a translated message on the page the user is on and changes nothing (the
transaction is rolled back); otherwise `succeeded` answers (a redirect with a message). On a task
page whose whole transaction is given up on a refusal (`page_transaction`, flows/task_pages.py) the
refusal leaves the page as `PageRefused` and is answered after the rollback."""

from functools import partial
from typing import Any

from django.http import HttpResponse

from complaints.services.errors import Refused
from complaints.services.transitions import PageRefused, refusal_gives_up_page, refusals_caught


def refusal_text(refusal: Refused) -> str:
    """What the user reads: the service's translated message."""
    message = refusal.message
    return message if isinstance(message, str) else str(refusal)


class RefusalFormMixin:
    """For form views (Django's FormView and viewflow's task views alike). Subclasses define
    `perform(data)`; `refused` and `succeeded` may be overridden when the page answers otherwise
    (a message and a redirect instead of the form again)."""

    refusal_field: str | None = None  # the field the message belongs to; None: the whole form

    def perform(self, data: dict[str, Any]) -> Any:
        """Calls the page's one service; returns what `succeeded` needs."""
        raise NotImplementedError

    def succeeded(self, form: Any, result: Any) -> HttpResponse:
        raise NotImplementedError

    def refused(self, form: Any, refusal: Refused) -> HttpResponse:
        problem = refusal.message
        if isinstance(problem, dict):  # field → message(s): each next to its field
            for field, errors in problem.items():
                for error in errors if isinstance(errors, list | tuple) else [errors]:
                    form.add_error(field if field in form.fields else self.refusal_field, error)
        else:
            form.add_error(self.refusal_field, refusal_text(refusal))
        return self.form_invalid(form)  # type: ignore[attr-defined,no-any-return]

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            with refusals_caught():
                result = self.perform(form.cleaned_data)
        except Refused as refusal:
            if refusal_gives_up_page():  # nothing may be read before the rollback: answer after it
                raise PageRefused(partial(self.refused, form, refusal)) from refusal
            return self.refused(form, refusal)
        return self.succeeded(form, result)
