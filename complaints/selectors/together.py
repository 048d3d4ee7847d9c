"""Several independent reads in one round trip to the database.

A page that shows a complaint reads a dozen small things keyed by it (its tasks, events, clocks,
contacts, notes…). Each is a cheap index read, but each is also a round trip: the request waits
for PostgreSQL, PostgreSQL waits for the next statement, and on a busy machine each wait is a
context switch or two. `read_together` sends the querysets' statements in one `execute` (psycopg's
client-side binding, which Django uses unless `server_side_binding` is set, accepts several
statements and returns one result set each) and fills each queryset's result cache from its own
result set, through Django's own iterables: the same instances, `select_related` objects,
annotations and converters as if each had been evaluated alone; `prefetch_related` lookups still
run afterwards, as they would. Elsewhere (SQLite, server-side binding) each queryset is simply
evaluated in turn.

Django's query log counts such a batch as one query (one round trip); its SQL is every statement
joined by ``;``."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


def batches_statements(alias: str) -> bool:
    """Whether the connection can run several statements in one round trip."""
    connection = connections[alias]
    return connection.vendor == "postgresql" and not connection.settings_dict.get("OPTIONS", {}).get(
        "server_side_binding"
    )


def read_together(querysets: Iterable[QuerySet[Any]]) -> None:
    """Evaluates every queryset (fills its result cache), in one round trip where the database
    allows it. Querysets already evaluated are left as they are."""
    pending = [qs for qs in querysets if qs._result_cache is None]
    by_alias: dict[str, list[QuerySet[Any]]] = {}
    for qs in pending:
        by_alias.setdefault(qs.db, []).append(qs)
    for alias, group in by_alias.items():
        if len(group) < 2 or not batches_statements(alias):
            for qs in group:
                qs._fetch_all()
            continue
        _read_batch(alias, group)


def _read_batch(alias: str, group: list[QuerySet[Any]]) -> None:
    compilers, statements, params = [], [], []
    for qs in group:
        compiler = qs.query.get_compiler(using=alias)
        try:
            sql, sql_params = compiler.as_sql()
        except EmptyResultSet:
            compilers.append((qs, compiler, False))
            continue
        compilers.append((qs, compiler, True))
        statements.append(sql)
        params.extend(sql_params)
    results: list[list[tuple[Any, ...]]] = []
    if statements:
        with connections[alias].cursor() as cursor:
            cursor.execute(";\n".join(statements), params)
            results.append(cursor.fetchall())
            while cursor.nextset():
                results.append(cursor.fetchall())
    fetched = iter(results)
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
