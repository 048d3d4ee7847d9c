"""Every URL the resolver knows refuses a POST without the CSRF token, even from a logged-in
administrator (the request a hostile page would make in their browser)."""

from typing import Any

from django.http import HttpRequest, HttpResponse

from tests.security.conftest import client_as
from tests.security.doors import doors, values_for

MARK = "refused-by-csrf"


def refused_by_csrf(request: HttpRequest, reason: str = "") -> HttpResponse:
    return HttpResponse(MARK, status=403)


def test_every_post_without_the_csrf_token_is_refused(world: dict[str, Any], settings: Any) -> None:
    settings.CSRF_FAILURE_VIEW = "tests.security.test_doors__csrf.refused_by_csrf"
    a, users = world["a"], world["users"]
    client = client_as(users["superuser"], enforce_csrf_checks=True)
    failures = []
    for door in doors():
        url = door.url(values_for(door, a, users))
        response = client.post(url, {"note": "x"})
        # A view that takes no POST at all (405) has nothing to forge. The API's session
        # authentication refuses a forged POST itself (403) before the view's methods are read.
        body = response.content.decode(errors="replace")
        api_refusal = url.startswith("/api/") and response.status_code == 403
        if response.status_code != 405 and MARK not in body and not api_refusal:
            failures.append((url, response.status_code))
    assert not failures, "\n".join(map(str, failures))
    # The same client with its token gets past the check: the refusals above are the CSRF check's.
    token_client = client_as(users["superuser"])
    assert MARK not in token_client.post(f"/workflow/flows/complaint/{a.complaint.pk}/note/", {}).content.decode()
