"""A second beat (or a tick while the last sweep runs) never runs the sweep twice at once."""

import psycopg
import pytest
from django.db import connection

from complaints.tasks import SWEEP_LOCK_KEY, sweep_clocks


def _other_session() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_sweep_is_skipped_while_another_holds_the_lock(org: object) -> None:
    with _other_session() as other:
        other.execute("SELECT pg_advisory_lock(%s)", [SWEEP_LOCK_KEY])
        assert sweep_clocks() == {"skipped": "another sweep is running"}
        other.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])
    assert "skipped" not in sweep_clocks()


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_lock_is_released_after_each_sweep(org: object) -> None:
    sweep_clocks()
    with _other_session() as other:
        assert other.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK_KEY]).fetchone()[0] is True
        other.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])
