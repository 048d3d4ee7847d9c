"""Configuration export and import over the API, with the admin pages' rules (issue 23)."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from complaints.models import ProcessSettings
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(org: dict[str, Any]) -> Any:
    return get_user_model().objects.create_superuser(username="root", password="x", email="root@example.com")


def test_an_administrator_exports_and_imports_the_same_document(root: Any) -> None:
    client = client_for(root)
    exported = client.get("/api/config/")
    assert exported.status_code == 200
    document = exported.json()
    assert document["process_settings"]
    ProcessSettings.objects.update(reference_prefix="X")
    imported = client.post("/api/config/", document, format="json")
    assert imported.status_code == 200, imported.content
    assert imported.json()["imported"]
    assert ProcessSettings.objects.get().reference_prefix == document["process_settings"]["reference_prefix"]


def test_an_invalid_document_lists_its_problems_and_changes_nothing(root: Any) -> None:
    before = ProcessSettings.objects.get().reference_prefix
    refused = client_for(root).post("/api/config/", {"process_settings": "nonsense"}, format="json")
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert {error["pointer"] for error in refused.json()["errors"]} == {"#/document"}
    assert ProcessSettings.objects.get().reference_prefix == before


def test_the_configuration_owner_exports_only_administrators_import(agent: Any) -> None:
    assert client_for(agent).get("/api/config/").status_code == 403
    assert client_for(agent).post("/api/config/", {}, format="json").status_code == 403
    agent.user_permissions.add(Permission.objects.get(codename="change_processsettings"))
    agent = get_user_model().objects.get(pk=agent.pk)  # fresh permission cache
    owner = client_for(agent)
    assert owner.get("/api/config/").status_code == 200
    assert owner.post("/api/config/", {}, format="json").status_code == 403
