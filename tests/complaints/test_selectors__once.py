"""Configuration read once per transition, and kept by the process while it does not change
(complaints/selectors/once.py, migration 0035_config_token; issues 17 and 23)."""

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints.models import Department, TriageSettings
from complaints.selectors.once import config_token, forget, read_once, reads_once
from complaints.selectors.routing import departments_by_id
from complaints.selectors.triage import triage_settings

pytestmark = pytest.mark.django_db


def reads(work: Any) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        value = work()
    return value, [q["sql"] for q in queries.captured_queries]


def in_transition(work: Any) -> Any:
    with reads_once():
        return work()


def test_a_shared_read_is_reused_by_the_next_transition_while_the_configuration_is_unchanged(org: Any) -> None:
    first, sql = reads(lambda: in_transition(triage_settings))
    assert any('FROM "complaints_triagesettings"' in s for s in sql)
    again, sql = reads(lambda: in_transition(triage_settings))
    assert again is first
    assert sql == ["SELECT token FROM complaints_configtoken WHERE id = 1"]  # the token only


def test_an_admin_change_is_seen_by_the_next_transition(org: Any) -> None:
    before = in_transition(triage_settings)
    TriageSettings.objects.filter(pk=before.pk).update(angry_from=before.angry_from + 1)
    after, sql = reads(lambda: in_transition(triage_settings))
    assert after.angry_from == before.angry_from + 1
    assert any('FROM "complaints_triagesettings"' in s for s in sql)


def test_a_change_to_any_configuration_table_moves_the_token_even_a_bulk_one(org: Any) -> None:
    """Statement triggers: update(), delete() and raw SQL move it as the admin's forms do."""
    token = config_token()
    Department.objects.filter(code="hq").update(name="Head office")
    moved = config_token()
    assert moved is not None and moved != token
    with connection.cursor() as cursor:
        cursor.execute("UPDATE complaints_department SET name = name")
    assert config_token() not in (token, moved)


def test_a_rolled_back_change_never_gives_its_number_to_other_content(org: Any) -> None:
    """A number is given once: what a transition kept under the rolled-back number is never
    reused, and the number before the change still means the configuration before it."""
    token = config_token()
    kept = in_transition(triage_settings)
    with pytest.raises(RuntimeError), transaction.atomic():
        TriageSettings.objects.filter(pk=kept.pk).update(angry_from=kept.angry_from + 5)
        inside = config_token()
        assert in_transition(triage_settings).angry_from == kept.angry_from + 5
        raise RuntimeError
    assert config_token() == token != inside
    again, _sql = reads(lambda: in_transition(triage_settings))
    assert again.angry_from == kept.angry_from
    TriageSettings.objects.filter(pk=kept.pk).update(angry_from=kept.angry_from + 7)
    assert config_token() != inside  # the sequence never hands the rolled-back number out again
    assert in_transition(triage_settings).angry_from == kept.angry_from + 7


def test_what_a_transaction_reads_after_its_own_change_is_not_kept_for_others(org: Any) -> None:
    """A block that changes configuration and then reads it (a request that imports configuration)
    reads its own uncommitted change under the number it read first; if it rolls back, no other
    transition may be handed that copy under the old number."""
    row = TriageSettings.objects.get()
    probe = lambda: read_once("probe_angry_from", lambda: TriageSettings.objects.get().angry_from, shared=True)  # noqa: E731
    token = config_token()
    with pytest.raises(RuntimeError), transaction.atomic(), reads_once():
        read_once("probe_first", lambda: 1, shared=True)  # the block reads the number before the change
        TriageSettings.objects.filter(pk=row.pk).update(angry_from=row.angry_from + 3)
        assert probe() == row.angry_from + 3  # its own change, seen by itself
        raise RuntimeError
    assert config_token() == token
    assert in_transition(probe) == row.angry_from


def test_outside_a_transition_every_read_goes_to_the_database(org: Any) -> None:
    triage_settings()
    _value, sql = reads(triage_settings)
    assert any('FROM "complaints_triagesettings"' in s for s in sql)
    assert not any("complaints_configtoken" in s for s in sql)


def test_forget_reads_the_token_again_so_a_change_made_inside_the_transition_is_seen(org: Any) -> None:
    with reads_once():
        shared = departments_by_id()
        Department.objects.filter(pk=next(iter(shared))).update(name="Renamed")
        assert departments_by_id() is shared  # the transition's own copy, until told
        forget("departments_by_id")
        assert departments_by_id()[next(iter(shared))].name == "Renamed"


def test_a_read_not_marked_shared_stays_per_transition(org: Any) -> None:
    calls: list[int] = []
    for _ in range(2):
        with reads_once():
            read_once("probe", lambda: calls.append(1))
            read_once("probe", lambda: calls.append(1))
    assert calls == [1, 1]


def test_a_person_a_configuration_object_leads_to_counts_but_a_login_does_not(org: Any, agent: Any) -> None:
    """A department's head read through a shared department: deactivating them moves the token;
    a login (last_login only) does not, so logging in does not throw every process's copy away."""
    from django.contrib.auth.models import update_last_login

    token = config_token()
    update_last_login(None, agent)
    assert config_token() == token
    agent.is_active = False
    agent.save()
    assert config_token() != token


def test_a_transition_checks_the_token_once_for_everything_it_loaded(org: Any) -> None:
    """Cold reads (after a change) are kept for others after one more look at the token, when the
    transition's block ends, not one look per read."""
    from complaints.selectors.common import process_settings

    Department.objects.filter(code="hq").update(name="Head office")  # every copy is stale now
    loaded, sql = reads(lambda: in_transition(lambda: (triage_settings(), departments_by_id(), process_settings())))
    assert sql.count("SELECT token FROM complaints_configtoken WHERE id = 1") == 2  # at the start, and at the end
    again, sql = reads(lambda: in_transition(lambda: (triage_settings(), departments_by_id(), process_settings())))
    assert all(a is b for a, b in zip(again, loaded, strict=True))
    assert sql == ["SELECT token FROM complaints_configtoken WHERE id = 1"]


def test_a_read_that_saw_a_change_rolled_back_in_a_savepoint_is_not_kept(org: Any) -> None:
    """A transition that changes configuration in a savepoint, reads it and rolls the savepoint back
    ends under the number it started with: what it read inside the savepoint is not kept under it."""
    row = TriageSettings.objects.get()
    probe = lambda: read_once("probe_rolled_back", lambda: TriageSettings.objects.get().angry_from, shared=True)  # noqa: E731
    with reads_once():
        read_once("probe_first", lambda: 1, shared=True)  # the number before the change
        with pytest.raises(RuntimeError), transaction.atomic():
            TriageSettings.objects.filter(pk=row.pk).update(angry_from=row.angry_from + 3)
            assert probe() == row.angry_from + 3
            raise RuntimeError
    assert in_transition(probe) == row.angry_from
