"""In a real browser: the complaint page, its 8D report and the inbox carrying the XSS corpus open
no dialog (no alert, confirm or prompt fires)."""

from typing import Any

import pytest

from tests.browser.conftest import login
from tests.security.test_hardening__xss import hostile  # noqa: F401 - the complaint with the payloads
from tests.web.page_helpers import page_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_dialog_opens_on_pages_carrying_the_payloads(browser, live_server, hostile, agent):  # noqa: F811 (hostile)
    page = login(browser, live_server, agent.username)
    dialogs: list[str] = []

    def record(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    for path in (page_url(hostile), f"{page_url(hostile)}8d/", "/workflow/inbox/", "/workflow/archive/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        page.mouse.move(300, 300)
        page.mouse.move(600, 500)  # hover handlers would fire now
    assert "Zhou" in page.goto(live_server.url + page_url(hostile)).text()
    assert dialogs == []
    page.context.close()
