"""Configuration names per language in the configuration document (issue 20 item 5): the export
writes each name in both languages, the import reads them back, and a document written before
(one "name" holding "中文 English") is split into the two languages."""

import json
from typing import Any

import pytest
from django.utils import translation

from complaints.models import Category, Department, EscalationLevel, Priority, Role
from complaints.rules.names import split_bilingual
from complaints.services.config_io import ConfigImportError, config_export, config_import, preset_document

NAMED = {"roles": Role, "departments": Department, "priorities": Priority, "categories": Category}


def test_the_export_writes_both_names_and_the_import_reads_them_back(org: dict[str, Any]) -> None:
    before = config_export()
    agent = next(item for item in before["roles"] if item["code"] == "agent")
    assert agent["name_zh_hans"] == "一线客服" and agent["name_en"] == "Agent" and "name" not in agent
    assert before["levels"][0]["name_zh_hans"] == "门店" and before["levels"][0]["name_en"] == "Store"
    for section in ("departments", "priorities", "categories"):
        assert all({"name_zh_hans", "name_en"} <= set(item) for item in before[section]), section

    document = json.loads(json.dumps(before))
    agent = next(item for item in document["roles"] if item["code"] == "agent")
    agent["name_en"] = "Front-line agent"
    document["levels"][0]["name_zh_hans"] = "门店一线"
    config_import(document=document)
    role = Role.objects.get(code="agent")
    assert (role.name_zh_hans, role.name_en) == ("一线客服", "Front-line agent")
    assert EscalationLevel.objects.get(rank=1).name_zh_hans == "门店一线"
    with translation.override("en"):
        assert Role.objects.get(code="agent").name == "Front-line agent"
    with translation.override("zh-hans"):
        assert str(EscalationLevel.objects.get(rank=1)) == "L1 门店一线"
    assert config_export() == document


def test_an_older_document_with_one_name_is_split_into_both_languages(org: dict[str, Any]) -> None:
    document = preset_document("four_tier")
    for section in (*NAMED, "levels"):
        for item in document[section]:
            item["name"] = f"{item.pop('name_zh_hans')} {item.pop('name_en')}"
    config_import(document=document)
    for section, model in NAMED.items():
        for item in document[section]:
            row = model.objects.get(code=item["code"])
            assert f"{row.name_zh_hans} {row.name_en}" == item["name"], (section, item["code"])
    level = EscalationLevel.objects.get(rank=4)
    assert (level.name_zh_hans, level.name_en) == ("总部高管", "Executive")


def test_a_name_missing_in_the_site_language_is_refused_and_changes_nothing(org: dict[str, Any]) -> None:
    before = config_export()
    document = json.loads(json.dumps(before))
    document["roles"][0]["name_zh_hans"] = ""
    with pytest.raises(ConfigImportError) as caught:
        config_import(document=document)
    assert any(error.startswith("roles[0].name_zh_hans") for error in caught.value.errors), caught.value.errors
    assert config_export() == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一线客服 Agent", ("一线客服", "Agent")),
        ("上海浦东店 Shanghai Pudong store", ("上海浦东店", "Shanghai Pudong store")),
        ("紧急", ("紧急", "")),
        ("Store A", ("Store A", "Store A")),
        ("", ("", "")),
    ],
)
def test_a_name_in_both_languages_splits(text: str, expected: tuple[str, str]) -> None:
    assert split_bilingual(text) == expected
