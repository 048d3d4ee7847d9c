"""The schema is generated and written once per language and format in each process (api.schema.SchemaView)."""

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from drf_spectacular.generators import SchemaGenerator

from api.schema import SchemaView

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    SchemaView.rendered.clear()
    yield
    SchemaView.rendered.clear()


@pytest.fixture
def generated() -> Iterator[mock.MagicMock]:
    with mock.patch.object(SchemaGenerator, "get_schema", autospec=True, side_effect=SchemaGenerator.get_schema) as spy:
        yield spy


def test_second_request_is_the_first_answer_without_generating_again(client: Any, generated: Any) -> None:
    first = client.get("/api/schema/", {"format": "json", "lang": "en"})
    second = client.get("/api/schema/", {"format": "json", "lang": "en"})
    assert generated.call_count == 1
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and first.json()["openapi"].startswith("3.1")
    assert first["Content-Type"] == second["Content-Type"] == "application/vnd.oai.openapi+json"
    assert second["Content-Disposition"] == 'inline; filename="Redress API.json"'


def test_each_language_and_format_is_its_own_answer(client: Any, generated: Any) -> None:
    english = client.get("/api/schema/", {"format": "json", "lang": "en"}).content.decode()
    chinese = client.get("/api/schema/", {"format": "json", "lang": "zh-hans"}).content.decode()
    yaml = client.get("/api/schema/", {"lang": "en"})
    assert "Default: other." in english and "默认：其他。" in chinese
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi") and yaml.content.startswith(b"openapi: 3.1")
    assert generated.call_count == 3
    client.get("/api/schema/", {"lang": "zh-hans", "format": "json"})
    assert generated.call_count == 3


def test_a_language_or_version_not_offered_is_answered_uncached(client: Any, generated: Any) -> None:
    for _ in range(2):
        assert client.get("/api/schema/", {"format": "json", "lang": "xx"}).status_code == 200
        assert client.get("/api/schema/", {"format": "json", "version": "7"}).status_code == 200
    assert generated.call_count == 4
    assert SchemaView.rendered == {}
