"""One log line per request and per Celery task, each carrying its request or task id.

Every record logged while a request (or task) runs carries `request_id`, so lines from several
machines can be merged and followed. REDRESS_LOG_FORMAT=json writes one JSON object per line.
"""

import contextvars
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from celery.signals import task_postrun, task_prerun
from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
request_log = logging.getLogger("redress.request")
task_log = logging.getLogger("redress.task")
_task_started: dict[str, float] = {}


class ContextFilter(logging.Filter):
    """Puts the current request or task id on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    FIELDS = ("method", "path", "status", "duration_ms", "user", "task", "task_id", "state")

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            if hasattr(record, field):
                data[field] = getattr(record, field)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def _incoming_id(request: HttpRequest) -> str:
    """The proxy's X-Request-ID when it is a plausible id, else a new one."""
    given = request.headers.get("X-Request-ID", "")
    if given and len(given) <= 64 and all(c.isalnum() or c in "-_." for c in given):
        return given
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """One line per request (method, path, status, duration, user), with its id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = _incoming_id(request)
        token = request_id_var.set(rid)
        started = time.monotonic()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = rid
            return response
        finally:
            user = getattr(request, "user", None)
            duration = round((time.monotonic() - started) * 1000, 1)
            request_log.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                status,
                duration,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": duration,
                    "user": user.get_username() if user is not None and user.is_authenticated else "-",
                },
            )
            request_id_var.reset(token)


@task_prerun.connect(dispatch_uid="redress-task-log-start")
def _task_start(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request_id_var.set(task_id or "-")
    if task_id:
        _task_started[task_id] = time.monotonic()


@task_postrun.connect(dispatch_uid="redress-task-log-end")
def _task_end(task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    started = _task_started.pop(task_id or "", None)
    duration = round((time.monotonic() - started) * 1000, 1) if started is not None else None
    name = getattr(task, "name", "?")
    task_log.info(
        "task %s %s %s %sms",
        name,
        task_id,
        state,
        duration,
        extra={"task": name, "task_id": task_id, "state": state, "duration_ms": duration},
    )
    request_id_var.set("-")
