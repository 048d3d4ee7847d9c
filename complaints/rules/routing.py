"""Names of department queues."""

QUEUE_PREFIX = "complaints.queue__"


def queue_permission(*, department_code: str, role_code: str) -> str:
    """Rule: a task waits in the queue of one role in one department; the queue is a permission string.

    Example: queue_permission(department_code="store-pudong", role_code="agent")
             == "complaints.queue__store-pudong__agent"
    Why: viewflow shows a queued task to users holding its owner_permission, so the
    membership backend grants exactly these strings and no Permission rows are needed.
    """
    return f"{QUEUE_PREFIX}{department_code}__{role_code}"
