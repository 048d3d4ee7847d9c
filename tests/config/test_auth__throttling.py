"""Login throttling: after the admin's failure limit a username is locked out from that address,
even with the right password, for the admin's lock-out time; `next` only leads to our own pages."""

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from complaints.models import ProcessSettings


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


def fail_until_locked(client: Client, most: int = 10) -> int:
    """Logs in wrongly until locked out; returns the number of tries it took."""
    for tries in range(1, most + 1):
        if login(client, "wrong").status_code == 429:
            return tries
    return 0


@pytest.mark.django_db
def test_without_configuration_the_limit_is_five(user: Any) -> None:
    assert fail_until_locked(Client()) == 5


def test_the_admins_failure_limit_takes_effect(org: Any, user: Any) -> None:
    ProcessSettings.objects.update(login_failure_limit=2)
    assert fail_until_locked(Client()) == 2
    AccessAttempt.objects.all().delete()
    ProcessSettings.objects.update(login_failure_limit=7)
    assert fail_until_locked(Client()) == 7


def test_the_lockout_lasts_the_admins_cooloff_time(org: Any, user: Any) -> None:
    ProcessSettings.objects.update(login_failure_limit=2, login_cooloff_minutes=30)
    client = Client()
    assert fail_until_locked(client) == 2
    twenty_minutes_ago = timezone.now() - timedelta(minutes=20)
    AccessAttempt.objects.update(attempt_time=twenty_minutes_ago)
    assert login(client, "right-password-1").status_code == 429  # 20 minutes into a 30-minute lock-out
    AccessAttempt.objects.update(attempt_time=twenty_minutes_ago)  # (that try counted as a failure too)
    ProcessSettings.objects.update(login_cooloff_minutes=15)
    assert login(client, "right-password-1").status_code == 302  # the admin shortened it: over


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/x"])
def test_next_never_leads_off_site(user: Any, target: str) -> None:
    response = login(Client(), "right-password-1", next_url=target)
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_next_leads_to_our_own_page(user: Any) -> None:
    response = login(Client(), "right-password-1", next_url="/workflow/")
    assert response.status_code == 302 and response["Location"] == "/workflow/"
