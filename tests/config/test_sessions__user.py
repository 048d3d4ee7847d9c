"""A request reads its session and its signed-in user in one query (config.sessions,
config.models.Session), and the user's memberships and model permissions from the process's
configuration copy (complaints.selectors.common.membership_rows, complaints.auth); every check that
reading the user again made still holds (issue 17)."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from config.models import Session
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PAGE = "/workflow/inbox/"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(PAGE).status_code == 200  # the session's first page (its pin written)
    return client


def page_sql(client: Client, url: str = PAGE) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response.status_code, [q["sql"] for q in queries]


def test_the_session_and_its_user_are_one_query(agent: Any) -> None:
    client = signed_in(agent)
    status, sql = page_sql(client)
    assert status == 200
    assert sum("redress_session" in s for s in sql) == 1
    reading = next(s for s in sql if "redress_session" in s)
    assert 'JOIN "auth_user"' in reading
    assert not any(s.startswith('SELECT "auth_user"') for s in sql)  # the user is not read again
    assert Session.objects.get(session_key=client.session.session_key).user_id == agent.pk


def test_a_deactivated_user_is_signed_out_at_the_next_request(agent: Any) -> None:
    client = signed_in(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_changed_password_ends_the_other_sessions(agent: Any) -> None:
    client = signed_in(agent)
    agent.set_password("a-new-long-passphrase-0123")
    agent.save(update_fields=["password"])
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_deleting_a_user_deletes_their_sessions(org: Any) -> None:
    leaving = make_user("leaving", org["store_a"], "agent")
    client = signed_in(leaving)
    key = client.session.session_key
    leaving.delete()
    assert not Session.objects.filter(session_key=key).exists()


def test_two_users_in_turn_each_get_their_own_user(agent: Any, quality_engineer: Any) -> None:
    """The user read with one request's session is never another request's."""
    first, second = signed_in(agent), signed_in(quality_engineer)
    for _ in range(2):
        assert first.get(PAGE).context["request"].user.pk == agent.pk
        assert second.get(PAGE).context["request"].user.pk == quality_engineer.pk


def test_model_permissions_and_memberships_come_from_the_copy_and_a_change_applies_next_request(
    org: Any, agent: Any
) -> None:
    """The second page asks neither the memberships nor the model permissions (the configuration's
    token is unchanged); granting a model permission moves the token, and the next page sees it."""
    client = signed_in(agent)
    _, sql = page_sql(client)
    assert not any('FROM "complaints_membership"' in s for s in sql)
    assert not any('FROM "auth_permission"' in s for s in sql)
    assert not client.get("/workflow/inbox/").context["request"].user.has_perm("complaints.view_complaintevent")
    agent.user_permissions.add(Permission.objects.get(codename="view_complaintevent"))
    status, sql = page_sql(client)
    assert status == 200
    assert any('FROM "auth_permission"' in s for s in sql)  # read again under the new token
    assert client.get(PAGE).context["request"].user.has_perm("complaints.view_complaintevent")


def test_the_configuration_number_comes_with_the_session_and_stays_in_its_request(agent: Any) -> None:
    """The session's statement brings the configuration's number (complaints.selectors.once.
    token_read_ahead): a signed-in page asks for it no more on its own; the number is this request's
    alone, so a configuration change between two requests (a service outside any request, as a
    test or a worker runs it) is read afresh."""
    from complaints.selectors import once

    client = signed_in(agent)
    status, sql = page_sql(client)
    assert status == 200
    assert not any(s.strip() == once.TOKEN_SQL for s in sql)
    assert any(once.TOKEN_SQL in s for s in sql if "redress_session" in s)
    assert once._READ_AHEAD.get() is None  # nothing left over for whatever runs next in this thread
    agent.user_permissions.add(Permission.objects.get(codename="view_complaintevent"))
    with CaptureQueriesContext(connection) as queries, once.reads_once():
        assert once.read_once("probe", lambda: 1, shared=True) == 1
    # read on its own first (no number carried over), then once more as the test's transaction settles it
    assert [q["sql"] for q in queries] == [once.TOKEN_SQL, once.TOKEN_SQL]


def test_a_new_requests_session_store_forgets_a_number_an_earlier_request_read_late() -> None:
    """A session first read after the request's configuration block ended (a middleware's last
    look at it) leaves its number behind; the next request's store drops it before anything reads."""
    from complaints.selectors import once
    from config.sessions import SessionStore

    once.token_read_ahead(12345)
    SessionStore()
    assert once._READ_AHEAD.get() is None
