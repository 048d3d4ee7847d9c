"""/healthz and /readyz: open to the load balancer, cheap, and naming what is down."""

from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from config import health


@pytest.fixture(autouse=True)
def _fresh_migration_memo(monkeypatch: Any) -> None:
    monkeypatch.setattr(health, "_migrations_applied", False)


def test_healthz_answers_without_login_or_database() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_200_when_database_migrations_broker_and_font_are_fine(monkeypatch: Any) -> None:
    monkeypatch.setattr(health, "_broker", lambda: None)  # the broker probe has its own test below
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "broker": "ok", "pdf_font": "ok"}


class _GoneConnection:
    def cursor(self) -> Any:
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def test_readyz_is_503_naming_the_database_when_it_is_gone(monkeypatch: Any) -> None:
    monkeypatch.setattr(health, "connection", _GoneConnection())
    monkeypatch.setattr(health, "_broker", lambda: None)
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database", "migrations"]
    assert "Connection refused" in body["checks"]["database"]
    assert body["checks"]["broker"] == "ok" and body["checks"]["pdf_font"] == "ok"


@pytest.mark.django_db
def test_readyz_names_unapplied_migrations(monkeypatch: Any) -> None:
    monkeypatch.setattr(health, "_broker", lambda: None)

    class Plan:
        def __init__(self, connection: Any) -> None:
            self.loader = type("L", (), {"graph": type("G", (), {"leaf_nodes": lambda self: []})()})()

        def migration_plan(self, targets: Any) -> list[Any]:
            return [("complaints", "0012_future")]

    monkeypatch.setattr("django.db.migrations.executor.MigrationExecutor", Plan)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "1 migration(s) not applied"


@pytest.mark.django_db
def test_readyz_names_an_unreachable_broker(settings: Any) -> None:
    from config.celery import app

    old = app.conf.broker_write_url
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = Client().get("/readyz")
    finally:
        app.conf.broker_write_url = old
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


@pytest.mark.django_db
def test_readyz_names_a_missing_pdf_font(monkeypatch: Any) -> None:
    monkeypatch.setattr(health, "_broker", lambda: None)
    monkeypatch.setattr("config.fonts.finders.find", lambda path, **kw: None)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["pdf_font"]
    assert "not found" in response.json()["checks"]["pdf_font"]
