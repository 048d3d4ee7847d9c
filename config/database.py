"""Reading timestamps from PostgreSQL at the speed of psycopg's C loader.

Django's psycopg 3 backend reads every `timestamptz` value through a loader derived from psycopg's
pure-Python one (django.db.backends.postgresql.psycopg_any.BaseTzLoader: the C loader is final and
cannot be derived from; Django ticket #36960, psycopg issue #1273): 2.6 µs a value against 0.5 µs.
A list page reads 600-700 of them (a task row has 12 timestamps, its case's process and complaint
15), and parsing them was most of the time its statements took in Python: the queue's rows and
cases 1.0-1.2 ms of their 2.0-2.5 each, at 1,000,000 complaints (bench/RESULTS.md).

`use_fast_timestamps` (on `connection_created`) puts, in the new connection's adapters, a loader
that gives exactly what Django's gives (the instant as PostgreSQL sent it, with the connection's
time zone object as Django sets it) with the parse done by the C loader, found through psycopg's
public adapters map. Without psycopg's C implementation (the pure-Python `psycopg` package) the
loader found is the pure-Python one and nothing changes but a call.
"""

from typing import Any

from django.db.backends.signals import connection_created


def timestamp_loader(parser: type, tz: Any) -> type:
    """A loader class for `timestamptz` text values: `parser`'s parse, with `tz` as time zone (as
    Django's BaseTzLoader, whose `timezone` attribute Django compares before registering its own
    loader on a cursor: equal here, so it keeps this one)."""
    from psycopg.types.datetime import TimestamptzLoader

    class FastTzLoader(TimestamptzLoader):
        timezone = tz

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self.parse = parser(oid, context).load

        def load(self, data: Any) -> Any:
            return self.parse(data).replace(tzinfo=self.timezone)

    return FastTzLoader


def use_fast_timestamps(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On a new PostgreSQL connection through psycopg 3: read `timestamptz` with the C parser."""
    if connection.vendor != "postgresql":
        return
    import psycopg
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if not is_psycopg3:
        return
    from psycopg.postgres import types
    from psycopg.pq import Format

    oid = types["timestamptz"].oid
    parser = psycopg.adapters.get_loader(oid, Format.TEXT)  # the C loader where psycopg has it
    if parser is None:  # (psycopg always has one)
        return
    connection.connection.adapters.register_loader("timestamptz", timestamp_loader(parser, connection.timezone))


def connect() -> None:
    connection_created.connect(use_fast_timestamps, dispatch_uid="redress.fast_timestamps")
