"""Timestamps read from PostgreSQL by psycopg's C parser (config.database): the same values, in the
same time zone object, as Django's own loader gives, however the server writes them."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

from config.database import timestamp_loader
from config.models import Session

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def read(sql: str, *params: Any) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_the_connection_reads_timestamps_with_the_c_parser_where_psycopg_has_one() -> None:
    connection.ensure_connection()
    oid = psycopg.postgres.types["timestamptz"].oid
    loader = connection.connection.adapters.get_loader(oid, psycopg.pq.Format.TEXT)
    assert loader.__name__ == "FastTzLoader"
    assert loader.timezone == connection.timezone  # Django keeps it on every cursor (create_cursor):
    with connection.cursor() as cursor:
        assert cursor.cursor.adapters.get_loader(1184, psycopg.pq.Format.TEXT) is loader
    if psycopg.pq.__impl__ != "python":
        parser = type(loader(1184, connection.connection).parse.__self__)
        assert parser.__module__.startswith(("psycopg_binary", "psycopg_c")), parser


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-05 07:43:58.684032+00",
        "2026-12-05 15:43:58+08",  # another offset: the same instant in the connection's zone
        "1999-12-31 23:59:59.999999-05:30",
        "2026-03-29 01:30:00+01",
    ],
)
def test_a_timestamp_reads_as_django_reads_it(text: str) -> None:
    value = read("SELECT %s::timestamptz", text)
    with connection.cursor() as cursor:  # Django's own loader, on the same connection
        django_loader = type("Django", (BaseTzLoader,), {"timezone": connection.timezone})
        cursor.cursor.adapters.register_loader("timestamptz", django_loader)
        cursor.execute("SELECT %s::timestamptz", [text])
        expected = cursor.fetchone()[0]
    assert value == expected
    assert value.tzinfo is expected.tzinfo is UTC
    assert value.utcoffset() == timedelta(0)


def test_a_stored_time_reads_back_as_written() -> None:
    when = datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))
    Session.objects.create(session_key="t" * 32, session_data="", expire_date=when)
    again = Session.objects.get(session_key="t" * 32).expire_date
    assert again == when
    assert again.tzinfo is UTC


def test_the_loader_without_a_time_zone_chops_it_as_django_does() -> None:
    naive = timestamp_loader(psycopg.adapters.get_loader(1184, psycopg.pq.Format.TEXT), None)
    connection.ensure_connection()
    chopped = datetime(2026, 12, 5, 7, 43, 58, tzinfo=UTC).replace(tzinfo=None)
    assert naive(1184, connection.connection).load(b"2026-12-05 07:43:58+00") == chopped
