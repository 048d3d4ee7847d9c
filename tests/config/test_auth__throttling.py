"""Login throttling: after the failure limit a username is locked out from that address, even
with the right password; `next` only leads to our own pages."""

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("zhou", password="right-password-1")


def login(client: Client, password: str, next_url: str = "") -> Any:
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": "zhou", "password": password}, REMOTE_ADDR="10.0.0.7")


@pytest.mark.django_db
def test_the_account_locks_after_the_failure_limit(user: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(headers={"accept-language": "en"})
    for _ in range(2):
        assert login(client, "wrong").status_code == 200  # the form again, with its error
    locked = login(client, "wrong")
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
    assert login(client, "right-password-1").status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_good_login_before_the_limit_resets_the_count(user: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    login(client, "wrong")
    login(client, "wrong")
    assert login(client, "right-password-1").status_code == 302
    client.logout()
    assert login(client, "wrong").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/x"])
def test_next_never_leads_off_site(user: Any, target: str) -> None:
    response = login(Client(), "right-password-1", next_url=target)
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_next_leads_to_our_own_page(user: Any) -> None:
    response = login(Client(), "right-password-1", next_url="/workflow/")
    assert response.status_code == 302 and response["Location"] == "/workflow/"
