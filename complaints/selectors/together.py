"""Several independent reads in one round trip to the database.

A page that shows a complaint reads a dozen small things keyed by it (its tasks, events, clocks,
contacts, notes…). Each is a cheap index read, but each is also a round trip: the request waits
for PostgreSQL, PostgreSQL waits for the next statement, and on a busy machine each wait is a
context switch or two. `read_together` sends the querysets' statements in one round trip
(`statements_together`) and fills each queryset's result cache from its own result set, through
Django's own iterables: the same instances, `select_related` objects, annotations and converters as
if each had been evaluated alone; `prefetch_related` lookups still run afterwards, as they would.

On PostgreSQL the statements travel together: with Django's client-side binding as one `execute`
of the statements joined by ``;`` (the simple protocol returns one result set each); where they are
to be prepared, or where the connection binds on the server (`server_side_binding`), in psycopg's
pipeline mode, each statement its own Parse/Bind/Execute and one Sync for all. Either way the
statements form one implicit transaction when no transaction is open. Elsewhere (SQLite) each is
run in turn.

With `prepare=True` the statements are prepared on the connection (where the settings allow it:
`prepare_threshold` set, DATABASE_PREPARED_STATEMENTS): parsed once, and from their sixth run
PostgreSQL may keep one generic plan for each instead of planning it again (planning was most of the
complaint page's database time at 1,000,000 complaints). Only reads whose best plan does not depend
on their parameters' values ask for it: reads keyed by one complaint or one session, yes; a list
filtered by a user or a search pattern, no (a generic plan for a trigram search read every
complaint: 5 ms → 470 ms at 1,000,000; bench/RESULTS.md). Every other statement keeps Django's
client-side binding, which costs PostgreSQL less than unprepared server-side binding (measured:
0.2-0.8 ms a list page).

Django's query log counts such a batch as one query (one round trip); its SQL is every statement
joined by ``;``."""

from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


def batches_statements(alias: str) -> bool:
    """Whether the connection can run several statements in one round trip (PostgreSQL's can)."""
    return connections[alias].vendor == "postgresql"


def binds_on_server(alias: str) -> bool:
    """Whether the connection's cursors send parameters apart from the statement (Django's
    `server_side_binding`: one statement per execute)."""
    connection = connections[alias]
    return bool(connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"))


def prepares(alias: str) -> bool:
    """Whether statements asked to be prepared are (PostgreSQL with a `prepare_threshold`: see
    config/settings.py)."""
    options = connections[alias].settings_dict.get("OPTIONS", {})
    return batches_statements(alias) and options.get("prepare_threshold") is not None


def statements_together(
    alias: str, statements: list[tuple[str, list[Any]]], *, prepare: bool = False
) -> list[list[tuple[Any, ...]]]:
    """Runs the statements in order and returns each one's rows (an empty list for a statement that
    returns none), in one round trip where the database allows it (`batches_statements`), else each
    in turn; prepared with `prepare` where the settings allow it (`prepares`; see the module's
    note). Django's query log and execute wrappers see one query, the statements joined by ``;``."""
    connection = connections[alias]
    if not statements:
        return []
    if not batches_statements(alias):
        results = []
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchall() if cursor.description else [])
        return results
    joined = ";\n".join(sql for sql, _ in statements)
    every_param = [p for _, params in statements for p in params]
    results = []
    with connection.cursor() as cursor:
        prepare = prepare and prepares(alias)
        if not (prepare or binds_on_server(alias)):
            cursor.execute(joined, every_param)
            results.append(cursor.fetchall() if cursor.description else [])
            while cursor.nextset():
                results.append(cursor.fetchall() if cursor.description else [])
            return results

        def pipelined(sql: str, params: Any, many: bool, context: Any) -> None:
            raw = context["cursor"].cursor.connection  # psycopg's connection
            with connection.wrap_database_errors:
                cursors = [psycopg.Cursor(raw) for _ in statements]  # bind on the server: can be prepared
                with raw.pipeline() if len(statements) > 1 else nullcontext():  # one alone needs no pipeline
                    for each, (statement, statement_params) in zip(cursors, statements, strict=True):
                        each.execute(statement, statement_params, prepare=prepare or None)
                results.extend(each.fetchall() if each.description else [] for each in cursors)

        debug = getattr(cursor, "debug_sql", None)  # Django's debug cursor logs the query
        with debug(joined, every_param) if debug is not None else nullcontext():
            cursor._execute_with_wrappers(joined, every_param, False, pipelined)
    return results


def read_together(querysets: Iterable[QuerySet[Any]], *, prepare: bool = False) -> None:
    """Evaluates every queryset (fills its result cache), in one round trip where the database
    allows it; their statements prepared with `prepare` (statements_together). Querysets already
    evaluated are left as they are."""
    pending = [qs for qs in querysets if qs._result_cache is None]
    by_alias: dict[str, list[QuerySet[Any]]] = {}
    for qs in pending:
        by_alias.setdefault(qs.db, []).append(qs)
    for alias, group in by_alias.items():
        one_by_one = len(group) < 2 and not (prepare and prepares(alias))
        if one_by_one or not batches_statements(alias):
            for qs in group:
                qs._fetch_all()
            continue
        _read_batch(alias, group, prepare)


def read_prepared(queryset: QuerySet[Any]) -> list[Any]:
    """The queryset's rows, its statement prepared where the settings allow it (`prepares`): for a
    read every request makes alike (a session by its key, a complaint by its id), whose plan does
    not depend on the values asked for (see the module's note)."""
    read_together([queryset], prepare=True)
    return list(queryset)


def _read_batch(alias: str, group: list[QuerySet[Any]], prepare: bool) -> None:
    compilers, statements = [], []
    for qs in group:
        compiler = qs.query.get_compiler(using=alias)
        try:
            sql, sql_params = compiler.as_sql()
        except EmptyResultSet:
            compilers.append((qs, compiler, False))
            continue
        compilers.append((qs, compiler, True))
        statements.append((sql, list(sql_params)))
    fetched = iter(statements_together(alias, statements, prepare=prepare))
    for qs, compiler, ran in compilers:
        rows = next(fetched) if ran else []
        if compiler.has_extra_select:  # ordering columns Django selects but does not return
            rows = [row[: compiler.col_count] for row in rows]
        _fill(qs, compiler, rows)


def _fill(qs: QuerySet[Any], compiler: Any, rows: list[tuple[Any, ...]]) -> None:
    """Lets the queryset's own iterable build its results from rows already read: its query hands
    out this compiler (set up by as_sql), whose execute_sql returns the rows."""

    def execute_sql(*args: Any, **kwargs: Any) -> list[list[tuple[Any, ...]]]:
        return [rows]

    compiler.execute_sql = execute_sql
    qs.query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
    try:
        qs._fetch_all()
    finally:
        del qs.query.get_compiler
