"""Personas and an organisation: HQ → region → two stores, plus Quality.

Each persona says what it may and may not do.
"""

import os
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from complaints.models import Category, Department, Membership, Role
from complaints.services.config_io import config_import, preset_document
from flows.flows import ComplaintFlow
from tests.preset_replay import run_recorded

FMT = "%Y-%m-%d %H:%M"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Tests marked `postgres` need real row locks. Locally they skip on SQLite; in CI a missing
    PostgreSQL is a failure, never a silent skip."""
    if connection.vendor == "postgresql":
        return
    needing = [item for item in items if "postgres" in item.keywords]
    if needing and os.environ.get("CI"):
        raise pytest.UsageError("CI runs against PostgreSQL: set DATABASE_URL=postgres://...")
    for item in needing:
        item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL pointing at PostgreSQL"))


@pytest.fixture(autouse=True)
def _celery_in_process() -> Any:
    """Tasks enqueued by the code under test run in the test process (a real worker is started
    only by the worker and fault tests, which run their own process)."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: Any, tmp_path: Any) -> None:
    from django.core.cache import cache

    cache.clear()  # a user's menu badges kept by an earlier test (web.header_counts)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def org(db: Any) -> dict[str, Any]:
    """The three-tier preset (roles, P0–P3, store → region → HQ, quality routing) plus HQ → East →
    stores A and B."""
    run_recorded("three_tier", lambda: config_import(document=preset_document("three_tier")))
    d: dict[str, Any] = {}
    d["hq"] = Department.objects.get(code="hq")
    d["quality"] = Department.objects.get(code="quality")
    d["east"] = Department.objects.create(code="east", name="East", kind="region", parent=d["hq"])
    d["store_a"] = Department.objects.create(code="store-a", name="Store A", kind="store", parent=d["east"])
    d["store_b"] = Department.objects.create(code="store-b", name="Store B", kind="store", parent=d["east"])
    d["category"] = Category.objects.create(code="appliance", name="Appliance")
    return d


def make_user(username: str, department: Department | None = None, role: str | None = None) -> Any:
    user = get_user_model().objects.create_user(username=username, password="x", first_name=username)
    if department is not None and role is not None:
        Membership.objects.create(user=user, department=department, role=Role.objects.get(code=role))
    return user


@pytest.fixture
def agent(org: dict[str, Any]) -> Any:
    """Agent of store A: registers and answers store-A complaints; cannot verify or analyse."""
    return make_user("agent_a", org["store_a"], "agent")


@pytest.fixture
def agent_b(org: dict[str, Any]) -> Any:
    """Agent of store B: must neither see nor open store-A complaints."""
    return make_user("agent_b", org["store_b"], "agent")


@pytest.fixture
def regional_lead(org: dict[str, Any]) -> Any:
    """Regional lead of East: sees every complaint of the stores below East."""
    return make_user("lead_east", org["east"], "regional_lead")


@pytest.fixture
def quality_engineer(org: dict[str, Any]) -> Any:
    """Quality engineer: verifies, analyses, records permanent actions, checks effectiveness."""
    return make_user("quality_1", org["quality"], "quality_engineer")


@pytest.fixture
def quality_engineer_2(org: dict[str, Any]) -> Any:
    """A second quality engineer, to race the first for a queued task."""
    return make_user("quality_2", org["quality"], "quality_engineer")


@pytest.fixture
def outsider(org: dict[str, Any]) -> Any:
    """Logged in, no membership: may not see or do anything in the process."""
    return make_user("outsider")


def intake_data(org: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A valid intake form submission; overrides replace or (with None) remove fields."""
    data = {
        "customer_name": "Zhou Wei",
        "customer_phone": "13700137004",
        "contact_person": "",
        "category": str(org["category"].pk),
        "customer_words": "The new fridge arrived with a long scratch on the door.",
        "demand": "replacement",
        "requested_amount": "300",
        "emotion": "agitated",
        "channel": "phone",
        "department": str(org["store_a"].pk),
        "promised_response_at": (timezone.localtime() + timedelta(hours=3)).strftime(FMT),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def open_task(complaint: Any, node: Any) -> Task:
    return Task.objects.get(process_id=complaint.pk, flow_task=node, finished__isnull=True)


FLOW_LABELS = {
    "ComplaintFlow": "complaint",
    "ApprovalFlow": "approval",
    "CollaborationFlow": "collaboration",
    "ActionFlow": "action",
    "MentionFlow": "mention",
    "CustomStepFlow": "customstep",
    "AppealFlow": "appeal",
}


def task_url(task: Task, action: str) -> str:
    label = FLOW_LABELS[task.flow_task.flow_class.__name__]
    return reverse(f"workflow:flows:{label}:{task.flow_task.name}:{action}", args=[task.process_id, task.pk])


START_URL = "/workflow/flows/complaint/start/"
FLOW = ComplaintFlow


@pytest.fixture
def week(org: dict[str, Any]) -> dict[str, Any]:
    """The KPI fixture's week of complaints (tests.complaints.kpi_fixture), for the figures, the
    dashboard, its list and exports, the review packs and the API's KPIs."""
    from tests.complaints import kpi_fixture

    return kpi_fixture.build(org)


@pytest.fixture
def boss(org: dict[str, Any]) -> Any:
    """HQ director (superuser): sees every complaint and figure of the organisation."""
    return get_user_model().objects.create_superuser("boss", password="x")
