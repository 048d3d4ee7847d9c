"""The flows' lock: viewflow's `SelectForUpdateLock` (the case's process row locked with `SELECT …
FOR UPDATE NOWAIT`, a few attempts, then FlowLockFailed), whose statement on PostgreSQL also draws
the task ids the transition's walk will give its new tasks (complaints.services.held_rows): one
query where the lock and the first held task took two. Ids drawn and not used leave a gap in the
sequence, as the held rows' own draws do."""

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, connection, transaction
from viewflow.workflow import lock
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task

from complaints.services.held_rows import IDS_AT_ONCE, ids_drawn_with_lock, sequence_of


class SelectForUpdateLock(lock.SelectForUpdateLock):
    @contextmanager
    def __call__(self, flow_class: Any, process_pk: Any) -> Iterator[None]:
        if connection.vendor != "postgresql":
            with super().__call__(flow_class, process_pk):
                yield
            return
        for attempt in range(self.attempts):
            with transaction.atomic():
                try:
                    row = _lock_row(flow_class.process_class, process_pk, nowait=self.nowait)
                except DatabaseError:
                    if attempt != self.attempts - 1:
                        time.sleep((((attempt + 1) * random.random()) + 2**attempt) / 2.5)  # noqa: S311 (viewflow's backoff)
                    else:
                        raise FlowLockFailed(f"Lock failed for {flow_class}") from None
                else:
                    with ids_drawn_with_lock(process_pk, list(row[0]) if row else []):
                        yield
                    break


def _lock_row(process_class: Any, process_pk: Any, *, nowait: bool) -> Any:
    """`SELECT … FOR UPDATE` of the process's own row, drawing IDS_AT_ONCE task ids in the same
    statement: its row (one column, the ids), or None when there is no such row."""
    table = process_class._meta.db_table
    column = process_class._meta.pk.column
    statement = (
        f'SELECT ARRAY(SELECT nextval(%s) FROM generate_series(1, %s)) FROM "{table}" '  # noqa: S608 (our names)
        f'WHERE "{column}" = %s FOR UPDATE{" NOWAIT" if nowait else ""}'
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [sequence_of(Task), IDS_AT_ONCE, process_pk])
        return cursor.fetchone()


@contextmanager
def process_locked(process_class: Any, process_pk: Any) -> Iterator[None]:
    """Inside a transaction: waits for the lock of the process's own row (the row the flow's lock
    takes) and holds it to the transaction's end; inside it the process's new tasks take the ids its
    statement drew (one query). Elsewhere than PostgreSQL a `SELECT … FOR UPDATE` of the row."""
    if connection.vendor != "postgresql":
        process_class._default_manager.select_for_update(of=("self",)).filter(pk=process_pk).values_list(
            "pk", flat=True
        ).first()
        yield
        return
    row = _lock_row(process_class, process_pk, nowait=False)
    with ids_drawn_with_lock(process_pk, list(row[0]) if row else []):
        yield


select_for_update_lock = SelectForUpdateLock()
