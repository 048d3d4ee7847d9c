"""Django's CSRF failure page is ours, in the reader's language (issue 19)."""

from typing import Any

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Form expired"), ("zh-hans", "表单已过期")],
)
def test_a_forged_or_stale_post_gets_the_translated_csrf_page(agent: Any, language: str, text: str) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(agent)
    response = client.post("/workflow/flows/complaint/start/", {"customer_name": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert text in page
    assert "CSRF verification failed" not in page
