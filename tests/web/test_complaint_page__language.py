"""Each user picks their language in the menu; the choice is stored with the user (it follows
them to another browser) and sets Django's language cookie; every page then renders in it."""

import pytest
from django.conf import settings
from django.contrib.messages import get_messages

from complaints.models import UserPreference
from tests.web.page_helpers import as_user, new_complaint, page, page_url

pytestmark = pytest.mark.django_db


def switch(client, language, next_url="/workflow/inbox/"):
    return client.post("/preferences/language/", {"language": language, "next": next_url})


def test_the_choice_is_stored_sets_the_cookie_and_returns_to_the_page(org, agent):
    complaint = new_complaint(org, agent)
    client = as_user(agent)
    response = switch(client, "zh-hans", page_url(complaint))
    assert response.status_code == 302 and response["Location"] == page_url(complaint)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert UserPreference.objects.get(user=agent).language == "zh-hans"
    html = page(client, complaint)
    assert '<html lang="zh-hans"' in html
    assert "客户联络记录" in html and "时间线" in html


def test_the_choice_follows_the_user_to_another_browser(org, agent):
    complaint = new_complaint(org, agent)
    switch(as_user(agent), "zh-hans")
    elsewhere = as_user(agent)  # a new session, no language cookie, English browser
    html = elsewhere.get(page_url(complaint), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans"' in html
    assert "收件箱" in elsewhere.get("/workflow/inbox/").content.decode()
    switch(elsewhere, "en")
    assert '<html lang="en"' in as_user(agent).get(page_url(complaint)).content.decode()


def test_an_unknown_language_changes_nothing(org, agent):
    client = as_user(agent)
    response = switch(client, "xx")
    assert response.status_code == 302 and response["Location"] == "/workflow/inbox/"
    assert not UserPreference.objects.filter(user=agent).exists()
    # The service's refusal is told on the page the user returns to (complaints/forms/refusals.py).
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(told) == 1 and told[0]


def test_a_foreign_next_address_is_not_followed(org, agent):
    response = switch(as_user(agent), "en", "https://evil.example.com/")
    assert response["Location"] == "/"


def test_the_menu_offers_both_languages(org, agent):
    complaint = new_complaint(org, agent)
    html = page(as_user(agent), complaint)
    assert 'action="/preferences/language/"' in html
    assert 'value="zh-hans"' in html and 'value="en"' in html


def test_viewflows_hard_coded_labels_are_translated(org, agent):
    from viewflow.workflow.models import Task

    from tests.conftest import FLOW, task_url

    complaint = new_complaint(org, agent)
    task = Task.objects.get(process=complaint, flow_task=FLOW.first_response)
    client = as_user(agent)
    switch(client, "zh-hans")
    html = client.get(task_url(task, "detail")).content.decode()
    for english in ('label="Owner"', 'label="Created"', 'label="Assigned"', 'label="Finished"', 'label="Brief"'):
        assert english not in html
    # The step's page shows the case's summary in the reader's language (issue 20), not viewflow's fields.
    assert "优先级" in html
