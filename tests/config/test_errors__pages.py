"""Our own error pages, in both languages, with Redress's name: never Django's or viewflow's."""

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import bad_request, server_error


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", ["404 Page not found", "Back to my inbox"]), ("zh-hans", ["404 页面未找到", "返回我的收件箱"])],
)
def test_404_is_our_page_in_each_language(language: str, expected: list[str]) -> None:
    response = Client(headers={"accept-language": language}).get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    for text in expected:
        assert text in body
    assert "<title>404" in body and "Redress" in body
    assert "Django Material" not in body and "Using the URLconf" not in body


@pytest.mark.parametrize(("language", "heading"), [("en", "500 Something went wrong"), ("zh-hans", "500 出错了")])
def test_500_is_our_standalone_page(language: str, heading: str) -> None:
    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    body = response.content.decode()
    assert response.status_code == 500 and heading in body and "Traceback" not in body


@pytest.mark.parametrize(("language", "heading"), [("en", "400 Bad request"), ("zh-hans", "400 请求无效")])
def test_400_is_our_standalone_page(language: str, heading: str) -> None:
    with translation.override(language):
        response = bad_request(RequestFactory().get("/"), exception=ValueError())
    assert response.status_code == 400 and heading in response.content.decode()


@pytest.mark.django_db
def test_login_page_says_redress_not_viewflows_demo() -> None:
    body = Client(headers={"accept-language": "en"}).get("/accounts/login/").content.decode()
    assert "Viewflow Demo suite" not in body and "Django Material" not in body
    assert "<title>Log in - Redress</title>" in body


@pytest.mark.django_db
def test_pages_carry_the_security_headers() -> None:
    response = Client().get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    script_src = csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "'self'" in script_src and "unsafe-inline" not in script_src
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_logout_is_post_only(client: Any, django_user_model: Any) -> None:
    client.force_login(django_user_model.objects.create_user("u", password="x"))
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/healthz").wsgi_request.user.is_authenticated
    assert client.post("/accounts/logout/").status_code == 200
    assert not client.get("/healthz").wsgi_request.user.is_authenticated
