"""An idle session ends after SESSION_COOKIE_AGE; it is renewed at most once per
SESSION_RENEW_SECONDS, not written on every request (config.middleware.SessionRenewalMiddleware)."""

from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from config.models import Session

pytestmark = pytest.mark.django_db

PAGE = "/workflow/inbox/"


def session_writes(client: Client, url: str = PAGE) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return sum(q["sql"].startswith(("UPDATE", "INSERT")) and "redress_session" in q["sql"] for q in queries)


def expiry(client: Client) -> Any:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_request_soon_after_the_last_renewal_writes_no_session(agent: Any) -> None:
    client = Client()
    with time_machine.travel("2026-12-03 09:00:00+00:00", tick=False):
        client.force_login(agent)  # the login's new session counts as renewed
        first = expiry(client)
        assert session_writes(client) == 1  # viewflow keeps the last list in the session: this one
        assert session_writes(client) == 0
    with time_machine.travel("2026-12-03 09:00:00+00:00", tick=False) as clock:
        clock.shift(settings.SESSION_RENEW_SECONDS - 1)
        assert session_writes(client) == 0
        assert expiry(client) == first  # nothing written since the pin (at the login's instant)


def test_a_request_after_the_renewal_interval_moves_the_expiry(agent: Any) -> None:
    client = Client()
    with time_machine.travel("2026-12-03 09:00:00+00:00", tick=False) as clock:
        client.force_login(agent)
        session_writes(client)
        first = expiry(client)
        clock.shift(settings.SESSION_RENEW_SECONDS)
        assert session_writes(client) == 1
        assert (expiry(client) - first).total_seconds() == settings.SESSION_RENEW_SECONDS


def test_a_session_idle_for_longer_than_the_idle_time_is_over(agent: Any) -> None:
    client = Client()
    with time_machine.travel("2026-12-03 09:00:00+00:00", tick=False) as clock:
        client.force_login(agent)
        session_writes(client)
        clock.shift(settings.SESSION_COOKIE_AGE + 1)
        response = client.get(PAGE)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_anonymous_visitor_gets_no_session_row() -> None:
    client = Client()
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert not Session.objects.exists()
