"""Most of the ~2,200 tests start from the three-tier preset. Importing it through the configuration
services takes ~2,000 queries and 3–4 s, which alone would put the serial suite past CI's 90 minutes.

On PostgreSQL the first import is recorded: the rows it inserted, changed and deleted (each table
read before and after as JSON) and the tables its queries named. A later test in which those
tables hold what they held then (one md5 per table) gets the same rows written back, one statement
per table and kind: same rows, same ids (each sequence set to its table's highest id, so new rows
follow them), history rows included. A test that starts from another state (a transactional test
flushed the migrations' rows, a fixture wrote to a table the import reads) imports through the
services and is recorded for that state too. Timestamps written by the import are those of the
recorded run.

Only the database is replayed: the import's in-process side effects are none today (the shared
configuration reads are keyed by the configuration's token, which the replay's writes move on); a
new one would need clearing here.
"""

import json
import re
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

# The configuration's token (migration 0035_config_token) is not written back: the replay's own writes
# to the configuration tables give it a new number, so no process reuses what it read under the old one.
NOT_REPLAYED = {"complaints_configtoken"}

_recorded: dict[str, list[tuple[dict[str, str], list[tuple[str, str]]]]] = {}


def _tables() -> list[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.relname"
        )
        return [row[0] for row in cur.fetchall() if row[0] not in NOT_REPLAYED]


def _hashes(tables: list[str]) -> dict[str, str]:
    """Each table's content as one md5, in one query."""
    q = connection.ops.quote_name
    parts = [
        f"SELECT %s, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {q(t)} x"  # noqa: S608
        for t in tables
    ]
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), tables)
        return dict(cur.fetchall())


def _primary_keys(tables: list[str]) -> dict[str, list[str]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey) "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE i.indisprimary AND n.nspname = current_schema() ORDER BY c.relname, a.attnum"
        )
        keys: dict[str, list[str]] = {t: [] for t in tables}
        for table, column in cur.fetchall():
            keys.setdefault(table, []).append(column)
        return keys


def _rows(tables: list[str], keys: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """table → {primary key as JSON text → row as JSON text}."""
    q = connection.ops.quote_name
    out: dict[str, dict[str, str]] = {}
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"SELECT row_to_json(x)::text FROM {q(table)} x")  # noqa: S608 (table names from the catalog)
            rows: dict[str, str] = {}
            for (text,) in cur.fetchall():
                row = json.loads(text)
                key = json.dumps([row[k] for k in keys[table]] if keys[table] else row, sort_keys=True)
                rows[key] = text
            out[table] = rows
    return out


def _writable_columns(table: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
            [connection.ops.quote_name(table)],
        )
        return [row[0] for row in cur.fetchall()]


def _statements(
    before: dict[str, dict[str, str]], after: dict[str, dict[str, str]], keys: dict[str, list[str]]
) -> tuple[list[tuple[str, str]], set[str]]:
    """The SQL that turns `before` into `after` (per table one DELETE, one UPDATE, one INSERT, then
    the table's sequence set to its highest id), and the tables it writes."""
    q = connection.ops.quote_name
    deletes, updates, inserts, sequences = [], [], [], []
    written: set[str] = set()
    for table in after:
        old, new = before.get(table, {}), after[table]
        gone = [json.loads(old[k]) for k in old.keys() - new.keys()]
        added = [json.loads(new[k]) for k in new.keys() - old.keys()]
        changed = [json.loads(new[k]) for k in new.keys() & old.keys() if new[k] != old[k]]
        if not (gone or added or changed):
            continue
        written.add(table)
        pk = keys[table]
        if (gone or changed) and not pk:
            raise LookupError(f"{table} has no primary key; its changed rows cannot be replayed")
        columns = _writable_columns(table)
        record = f"json_populate_recordset(NULL::{q(table)}, %s::json) r"
        match = " AND ".join(f"{q(table)}.{q(c)} = r.{q(c)}" for c in pk)
        if gone:
            deletes.append((f"DELETE FROM {q(table)} USING {record} WHERE {match}", json.dumps(gone)))  # noqa: S608
        if changed:
            sets = ", ".join(f"{q(c)} = r.{q(c)}" for c in columns if c not in pk)
            updates.append((f"UPDATE {q(table)} SET {sets} FROM {record} WHERE {match}", json.dumps(changed)))  # noqa: S608
        if added:
            cols = ", ".join(q(c) for c in columns)
            inserts.append((f"INSERT INTO {q(table)} ({cols}) SELECT {cols} FROM {record}", json.dumps(added)))  # noqa: S608
            if pk == ["id"]:
                sequences.append(
                    (
                        f"SELECT setval(s, (SELECT max(id) FROM {q(table)})) "  # noqa: S608
                        "FROM pg_get_serial_sequence(%s, 'id') s WHERE s IS NOT NULL",
                        table,
                    )
                )
    return deletes + updates + inserts + sequences, written


def run_recorded(name: str, run: Callable[[], Any], reached_through: tuple[str, ...] = ("auth_user",)) -> None:
    """Run `run` (an import that writes only to the database), or write back what it wrote the last
    time it ran from the same state of the tables it read or wrote.

    `reached_through`: tables the import reads only through rows of other tables it reads (a preset
    names no user: users are reached through memberships, recipients and department heads, which
    are compared); a test's own users do not change what it writes."""
    if connection.vendor != "postgresql":
        run()
        return
    for fingerprint, statements in _recorded.get(name, []):
        if _hashes(list(fingerprint)) == fingerprint:
            with transaction.atomic(), connection.cursor() as cur:  # a transactional test runs in autocommit
                cur.execute("SET CONSTRAINTS ALL DEFERRED")
                for sql, param in statements:
                    cur.execute(sql, [param])
            return
    every = _tables()
    hashes = _hashes(every)
    keys = _primary_keys(every)
    before = _rows(every, keys)
    named: set[str] = set()

    def note_tables(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        named.update(re.findall(r'"(\w+)"', sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note_tables):
        run()
    statements, written = _statements(before, _rows(every, keys), keys)
    assert not written & set(reached_through), f"{name} writes {written & set(reached_through)}: compare them"
    compared = sorted((named & set(every)) - set(reached_through))
    _recorded.setdefault(name, []).append(({t: hashes[t] for t in compared}, statements))
