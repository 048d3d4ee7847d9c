"""Hostile input never makes a 500: NUL bytes, year-1 dates, long Chinese file names, malformed
configuration documents and odd routing previews each get a message. Hypothesis runs over the
lists' query parameters, every form and the configuration import."""

import copy
import inspect
import json
from typing import Any

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import complaints.forms as complaint_forms
import complaints.forms.batch as batch_forms
import complaints.forms.escalation as escalation_forms
import complaints.forms.page as page_forms
import complaints.forms.quality as quality_forms
from complaints.models import Complaint
from complaints.services.batch import DeliveriesRefused, deliveries_read
from complaints.services.config_io import ConfigImportError, config_export, config_import, config_import_text
from flows import driver
from tests.conftest import START_URL, intake_data

SLOW = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
# What an attacker types: markup, formulas, controls, NULs, far-away dates, very long and odd text.
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "0001-01-01",
            "0001-01-01 00:00",
            "9999-12-31T23:59",
            "-1",
            "1e309",
            "NaN",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "{{ 7*7 }}",
            "\u202egnp.exe",
            "=cmd|' /C calc'!A0",
            "\r\nBcc: x@example.com",
            "长" * 300,
            "😀" * 50,
            "x" * 5000,
            "%00",
            "[]",
            "{}",
        ]
    ),
)
LISTS = [
    "/workflow/inbox/",
    "/workflow/queue/",
    "/workflow/archive/",
    "/workflow/breached/",
    "/workflow/batch/",
    "/workflow/cases/",
    "/workflow/cases/similar/",
    "/workflow/flows/complaint/flows/",
    "/workflow/flows/complaint/tasks/",
    "/workflow/flows/approval/flows/",
    "/workflow/flows/collaboration/flows/",
    "/workflow/flows/action/flows/",
]
PARAMETERS = [
    "_search",
    "_orderby",
    "page",
    "q",
    "status",
    "priority",
    "stage",
    "level",
    "department",
    "category",
    "answer",
    "received_at",
    "received_after",
    "received_before",
    "created",
    "finished",
    "breached",
    "kind",
]


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_known_hostile_requests_get_an_answer_not_a_500(org, agent, regional_lead):
    driver.start_complaint(user=agent, data=intake_data(org))
    client = client_of(regional_lead)
    for url in LISTS:
        for query in ("_search=%00", "_search=a%00b&page=%00", "received_after=0001-01-01", "page=999999999999"):
            response = client.get(f"{url}?{query}")
            assert response.status_code < 500, (url, query)


@given(url=st.sampled_from(LISTS), params=st.dictionaries(st.sampled_from(PARAMETERS), HOSTILE, max_size=4))
@SLOW
def test_no_list_answers_any_query_with_a_500(org, regional_lead, url, params):
    response = client_of(regional_lead).get(url, params)
    assert response.status_code < 500, (url, params)


def test_a_long_chinese_file_name_is_stored_shortened_or_refused_with_a_message(org, agent):
    name = "投诉照片" * 80 + ".jpg"
    upload = SimpleUploadedFile(name, b"plain text, not a jpeg", content_type="image/jpeg")
    response = client_of(agent).post(START_URL, {**intake_data(org), "attachments": upload})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "errorlist" in response.content.decode() or "error" in response.content.decode()


def test_a_deliveries_file_with_a_nul_byte_is_refused_with_its_line():
    with pytest.raises(DeliveriesRefused) as refused:
        deliveries_read(data=b"batch_number,plate_or_vin\nB1,\x00A12345\n")
    assert refused.value.errors[0][0] == 2
    assert "NUL" in refused.value.errors[0][1]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100000,
        '{"format": "redress-config", "version": 1, "process_settings": []}',
        '{"format": "redress-config", "version": 1, "roles": {"code": "x"}}',
        '{"format": "redress-config", "version": 1, "roles": [{"code": ["x"], "name": {"a": 1}}]}',
        '{"format": "redress-config", "version": 1, "departments": [{"code": "a\\u0000b", "name": "x"}]}',
        '{"format": "redress-config", "version": 1, "levels": [{"rank": "one", "authority_amount": [1]}]}',
        "null",
        "1e999",
    ],
)
def test_a_malformed_configuration_document_is_refused_with_a_message(org, text):
    with pytest.raises(ConfigImportError) as refused:
        config_import_text(text=text)
    assert refused.value.errors and all(isinstance(e, str) and e for e in refused.value.errors)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            found += _paths(value, (*path, index))
    return found


@given(data=st.data())
@SLOW
def test_the_configuration_import_answers_any_malformed_document_with_a_message(org, data):
    document = config_export()
    paths = [p for p in _paths(document) if p]
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        path = data.draw(st.sampled_from(paths))
        target = document
        try:
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = data.draw(JSON)
        except (KeyError, IndexError, TypeError):
            continue
    document = json.loads(json.dumps(document))
    try:
        with transaction.atomic():
            config_import(document=copy.deepcopy(document))
            transaction.set_rollback(True)
    except ConfigImportError as refused:
        assert all(isinstance(e, str) and e for e in refused.errors)


FORM_MODULES = [complaint_forms, batch_forms, escalation_forms, page_forms, quality_forms]


def _forms() -> list[type[forms.BaseForm]]:
    found = []
    for module in FORM_MODULES:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__ and cls not in found:
                found.append(cls)
    return found


def _build(cls: type[forms.BaseForm], data: dict[str, Any], context: dict[str, Any]) -> forms.BaseForm:
    accepted = inspect.signature(cls.__init__).parameters
    kwargs = {name: value for name, value in context.items() if name in accepted}
    return cls(data=data, **kwargs)


@pytest.mark.parametrize("form_class", _forms(), ids=lambda c: c.__name__)
def test_every_form_answers_hostile_input_with_errors_not_exceptions(form_class, org, agent, quality_engineer):
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    context = {"user": agent, "complaint": complaint, "category": org["category"]}
    names = list(_build(form_class, {}, context).fields)

    @given(values=st.fixed_dictionaries({}, optional=dict.fromkeys(names, HOSTILE)))
    @SLOW
    def check(values: dict[str, Any]) -> None:
        form = _build(form_class, values, context)
        form.is_valid()  # any outcome but an exception
        str(form.errors)

    check()
    assert Complaint.objects.count() == 1


ROUTE_KEYS = [
    "department",
    "category",
    "received_at",
    "description",
    "requested_compensation",
    "requested_amount",
    "emotion",
    "channel",
    "demand",
    "risk_flagged",
    "customer_name",
    "form.fault_type",
    "form.",
]


@given(sample=st.one_of(JSON, st.dictionaries(st.sampled_from(ROUTE_KEYS), JSON, max_size=5)))
@SLOW
def test_the_routing_preview_command_answers_any_sample_with_a_result_or_a_message(org, sample):
    from io import StringIO
    from unittest import mock

    from django.core.management import CommandError, call_command

    out, err = StringIO(), StringIO()
    with mock.patch("sys.stdin", StringIO(json.dumps(sample))):
        try:
            call_command("route_preview", stdout=out, stderr=err)
        except CommandError as error:
            assert str(error)
        else:
            assert json.loads(out.getvalue())
