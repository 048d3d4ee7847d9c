"""Issue 20 item 5: configuration names (category, level, priority, department, role) are stored per
language (django-modeltranslation) and every reader sees their own language's name: on the
complaint page, in the inbox, in the timeline's sentences and in the notifications written for them,
the other language's name standing in while theirs is empty."""

from typing import Any

import pytest
from django.utils import translation

from complaints.choices import NotificationEvent
from complaints.models import (
    EscalationLevel,
    InAppNotice,
    Notification,
    NotificationTemplate,
    Priority,
    UserPreference,
)
from complaints.services.notify import notify_event
from tests.web.page_helpers import as_user, new_complaint, page

pytestmark = pytest.mark.django_db

CHINESE = ("家用电器", "甲店", "一线门店")
ENGLISH = ("Home appliance", "Store A", "Frontline store")


@pytest.fixture
def named(org: dict[str, Any]) -> dict[str, Any]:
    """The test organisation's category, store and first level with a name in each language."""
    for row, zh_hans, en in (
        (org["category"], CHINESE[0], ENGLISH[0]),
        (org["store_a"], CHINESE[1], ENGLISH[1]),
        (EscalationLevel.objects.get(rank=1), CHINESE[2], ENGLISH[2]),
    ):
        row.name_zh_hans, row.name_en = zh_hans, en
        row.save()
    return org


def switch(client: Any, language: str) -> None:
    assert client.post("/preferences/language/", {"language": language, "next": "/"}).status_code == 302


def test_the_complaint_page_inbox_and_timeline_name_things_in_the_readers_language(named, agent):
    complaint = new_complaint(named, agent)
    assert complaint.department == named["store_a"] and complaint.level.rank == 1
    client = as_user(agent)

    switch(client, "en")
    html = page(client, complaint)
    assert all(name in html for name in ENGLISH)
    assert not any(name in html for name in CHINESE)
    # The triage sentence of the timeline was written once; it reads in the reader's language.
    assert "at L1 Frontline store for Store A" in html
    inbox = client.get("/workflow/inbox/").content.decode()
    assert ENGLISH[0] in inbox and CHINESE[0] not in inbox

    switch(client, "zh-hans")
    html = page(client, complaint)
    assert all(name in html for name in CHINESE)
    assert not any(name in html for name in ENGLISH)
    assert "L1 一线门店" in html
    inbox = client.get("/workflow/inbox/").content.decode()
    assert CHINESE[0] in inbox and ENGLISH[0] not in inbox


def test_an_empty_name_falls_back_to_the_other_language(named, agent):
    store = named["store_a"]
    store.name_en = ""
    store.save()
    with translation.override("en"):
        assert str(type(store).objects.get(pk=store.pk)) == CHINESE[1]
    with translation.override("zh-hans"):
        assert type(store).objects.get(pk=store.pk).name == CHINESE[1]


def test_a_notification_names_things_in_each_recipients_language(named, agent, agent_b):
    complaint = new_complaint(named, agent)
    UserPreference.objects.update_or_create(user=agent, defaults={"language": "en"})
    UserPreference.objects.update_or_create(user=agent_b, defaults={"language": "zh-hans"})
    for language in ("en", "zh-hans"):
        NotificationTemplate.objects.update_or_create(
            event=NotificationEvent.ESCALATION,
            language=language,
            defaults={"subject": "{reference} {level}", "body": "{department} · {level} · {reason}"},
        )
    with translation.override("zh-hans"):  # whoever acts reads Chinese: the recipients still get theirs
        notify_event(
            event=NotificationEvent.ESCALATION,
            complaint=complaint,
            occasion="names",
            recipients=[agent, agent_b],
            context={"department": named["store_a"]},
        )
    english = Notification.objects.get(recipient=agent, key__contains=":names:")
    chinese = Notification.objects.get(recipient=agent_b, key__contains=":names:")
    assert english.body.startswith("Store A · L1 Frontline store")
    assert chinese.body.startswith("甲店 · L1 一线门店")
    assert InAppNotice.objects.filter(recipient=agent, subject__endswith="L1 Frontline store").exists()
    assert InAppNotice.objects.filter(recipient=agent_b, subject__endswith="L1 一线门店").exists()


def test_queries_on_a_name_read_the_readers_column(named):
    priority = Priority.objects.get(code="P0")
    with translation.override("en"):
        assert Priority.objects.filter(name=priority.name_en).get() == priority
        assert dict(Priority.objects.values_list("code", "name"))["P0"] == priority.name_en
    with translation.override("zh-hans"):
        assert dict(Priority.objects.values_list("code", "name"))["P0"] == priority.name_zh_hans
