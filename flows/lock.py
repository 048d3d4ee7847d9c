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
        table = flow_class.process_class._meta.db_table
        column = flow_class.process_class._meta.pk.column
        nowait = " NOWAIT" if self.nowait else ""
        statement = (
            f'SELECT ARRAY(SELECT nextval(%s) FROM generate_series(1, %s)) FROM "{table}" '  # noqa: S608 (our names)
            f'WHERE "{column}" = %s FOR UPDATE{nowait}'
        )
        for attempt in range(self.attempts):
            with transaction.atomic():
                try:
                    with connection.cursor() as cursor:
                        cursor.execute(statement, [sequence_of(Task), IDS_AT_ONCE, process_pk])
                        row = cursor.fetchone()
                except DatabaseError:
                    if attempt != self.attempts - 1:
                        time.sleep((((attempt + 1) * random.random()) + 2**attempt) / 2.5)  # noqa: S311 (viewflow's backoff)
                    else:
                        raise FlowLockFailed(f"Lock failed for {flow_class}") from None
                else:
                    with ids_drawn_with_lock(process_pk, list(row[0]) if row else []):
                        yield
                    break


select_for_update_lock = SelectForUpdateLock()
