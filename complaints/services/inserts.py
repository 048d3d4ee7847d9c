"""Rows written only where they are new: a unique key taken already (by an earlier row, or by a
concurrent transaction, which the INSERT waits for) leaves its row unwritten, in one statement.
Notifications are sent once per key this way (services.notify), an API request's idempotency key
registers one complaint (api.views)."""

from typing import Any, cast

from django.db.models import Field, Model
from django.db.models.constants import OnConflict


def insert_new(model: type[Model], rows: list[Any], *, unique: tuple[str, ...]) -> list[Any]:
    """Writes the rows whose `unique` fields are not taken and returns them with their ids: one
    INSERT … ON CONFLICT DO NOTHING RETURNING (PostgreSQL, SQLite 3.35+). Django's `bulk_create`
    cannot say which rows a skipped conflict left out, so this asks its `_insert` for the ids and
    keys of the rows written. A key twice in `rows`: its first row is the one written."""
    opts = model._meta
    keys = [cast(Field, opts.get_field(name)) for name in unique]
    for row in rows:
        row._prepare_related_fields_for_save(operation_name="bulk_create")
    returned = model._default_manager._insert(  # type: ignore[attr-defined]
        rows,
        fields=[f for f in opts.local_concrete_fields if not f.primary_key],
        returning_fields=[opts.pk, *keys],
        on_conflict=OnConflict.IGNORE,
    )
    ids = {tuple(item[1:]): item[0] for item in returned if item}
    written = []
    for row in rows:
        pk = ids.pop(tuple(getattr(row, field.attname) for field in keys), None)
        if pk is not None:
            row.pk = pk
            row._state.adding, row._state.db = False, "default"
            written.append(row)
    return written
