"""A form larger than the server parses stays on screen with what was typed (issue 19): the
browser does not send it and says why, instead of the server answering on an empty form."""

import pytest

from complaints.models import Complaint, Note
from tests.browser.conftest import login
from tests.conftest import intake_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_oversized_note_is_kept_in_the_form_with_a_message(browser, live_server, org, agent, settings):
    from playwright.sync_api import expect

    from flows.driver import start_complaint

    complaint = start_complaint(user=agent, data=intake_data(org))
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4000
    page = login(browser, live_server, agent.username, language="zh-hans")
    url = f"{live_server.url}/workflow/flows/complaint/{complaint.pk}/note/"
    page.goto(url)
    typed = "客户来电说明情况。" * 400  # about 32 KB once form-encoded
    page.locator("textarea[name=text]").fill(typed)
    page.locator("form[method=post] button[type=submit]").last.click()
    box = page.locator(".rd-form-limit")
    expect(box).to_be_visible()
    assert "您输入的内容太大" in box.inner_text()
    assert page.url == url
    assert page.locator("textarea[name=text]").input_value() == typed
    assert not Note.objects.filter(complaint=complaint).exists()
    assert Complaint.objects.count() == 1
