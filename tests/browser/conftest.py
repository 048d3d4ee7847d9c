"""Browser tests: Playwright driving Debian's Chromium against the live test server."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the session. Missing Chromium fails in CI (it installs it) and skips locally."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: apt-get install -y chromium fonts-noto-cjk")
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium fonts-noto-cjk)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test body
    # are still synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def login(
    browser: Any, live_server: Any, username: str, language: str = "en", viewport: dict[str, int] | None = None
) -> Any:
    """Logs in a test user (tests/conftest.make_user gives every user the same test password) and
    waits for the navigation the login form triggers to land off the login page: waiting for
    "networkidle" alone could return before the POST had started (flaky under load)."""
    password = "x"
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale=language)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation(url=lambda url: "/accounts/login/" not in url, timeout=60_000):
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    return page


def choose(page: Any, name: str, value: Any) -> None:
    """Picks an option of one of viewflow's Material selects: opens its menu (again, if a click
    landed while the menu was still animating), clicks the option, waits for the menu to close."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if page.locator(f"[data-tree-picker={name}]").count():
        pick_in_tree(page, name, value)
        return
    anchor = page.locator(f"vf-field-select[name={name}] .mdc-select__anchor")
    option = page.locator(f"vf-field-select[name={name}] li[data-value='{value}']")
    for _attempt in range(5):
        anchor.click()
        try:
            option.wait_for(state="visible", timeout=2000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    option.click()
    option.wait_for(state="hidden")


def pick_in_tree(page: Any, name: str, value: Any) -> None:
    """Picks a category in the intake's tree picker as a user does: types its name in the search
    box (which opens the branches above it) and clicks it."""
    radio = page.locator(f"#id_{name}_{value}")
    label = radio.locator("xpath=..")
    text = label.inner_text().strip()
    page.fill(f"[data-tree-picker={name}] .rd-tree-picker__search", text)
    label.click()
    assert radio.is_checked()
