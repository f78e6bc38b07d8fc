"""The moderator's page in a real headless Chromium logs nothing to the console while a moderator signs
in and works the queue: a warning there (Chromium's own, about the page's markup, or the page's) is
what a moderator who opens the developer tools reads first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_moderator_page import INSULTS, queue_thread, sign_in_by_keyboard, wait_focus
from tests.service.api.test_uvicorn import start, stop, wait_ready

pytestmark = pytest.mark.slow


def test_signing_in_and_deciding_logs_nothing_to_the_console(browser: Any, tmp_path: Path) -> None:
    # Chromium logged "[DOM] Password forms should have (optionally hidden) username fields for
    # accessibility" at sign-in: the API token is a password input, in a form with no username.
    proc, base = start(tmp_path)
    try:
        wait_ready(proc, base)
        items = queue_thread(base, "console", INSULTS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda exc: console.append(f"page error: {exc}"))
        sign_in_by_keyboard(page, base)
        wait_focus(page, items[0]["id"])
        page.keyboard.press("r")
        page.locator(f'li.item[data-id="{items[0]["id"]}"] .verdict').wait_for()
        wait_focus(page, items[1]["id"])
        page.keyboard.press("a")
        page.locator(f'li.item[data-id="{items[1]["id"]}"] .verdict').wait_for()
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_function("() => document.activeElement && document.activeElement.id === 'token'")
        context.close()  # messages still on their way arrive before the context is closed
        assert console == [], console
    finally:
        log = stop(proc)
    assert "Traceback" not in log, log
