"""Every staff page keeps the workspace's menu: opening a complaint, a task or an action page does
not swap Inbox, Queue and Breached for viewflow's menu of flows."""

from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import FLOW, START_URL, open_task, task_url
from tests.web.page_helpers import as_user, new_complaint, page_url


def staff_pages(complaint: Any, task: Any) -> list[str]:
    return [
        reverse("workflow:inbox"),
        reverse("workflow:queue"),
        reverse("workflow:breached"),
        reverse("workflow:archive"),
        reverse("workflow:flows:complaint:process_list"),
        START_URL,
        page_url(complaint),
        page_url(complaint, "note"),
        page_url(complaint, "contact"),
        page_url(complaint, "package"),
        task_url(task, "detail"),
        task_url(task, "assign"),
        reverse("workflow:cases:index"),
        reverse("workflow:batch:index"),
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_workspace_menu_is_on_every_staff_page(org: Any, agent: Any, language: str) -> None:
    complaint = new_complaint(org, agent)
    task = open_task(complaint, FLOW.first_response)
    # Back in its queue, so that its claim page is one of the pages.
    type(task).objects.filter(pk=task.pk).update(owner=None, status="NEW", assigned=None)
    client = as_user(agent)
    client.cookies["django_language"] = language
    menu = [reverse("workflow:inbox"), reverse("workflow:queue"), reverse("workflow:breached")]
    for url in staff_pages(complaint, task):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        html = response.content.decode()
        for link in menu:
            assert f'href="{link}"' in html, (url, link)
        assert 'data-count="breached"' in html, url
