"""The queue's backlog on the moderator's page, in a real headless Chromium against a real `moderate
serve`: how many comments wait, by decision, and for how long, as GET /v1/queue:stats counts them; read
again after a verdict and after an undo."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.moderator import TEXT, api, open_article, queue_thread, serving

pytestmark = pytest.mark.slow

TEXTS = ["you are a pathetic idiot and a moron", "shut up you stupid troll", "The budget vote was close."]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("page-backlog")) as base:
        yield base


def _stats(base: str) -> dict[str, Any]:
    with api(base) as http:
        response = http.get("/v1/queue:stats")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _line(stats: dict[str, Any]) -> re.Pattern[str]:
    """What the page must say for these counts (the wait in minutes or less: the test runs in seconds)."""
    waiting = stats["pending_by_decision"]
    parts = ", ".join(f"{d} {waiting[d]}" for d in ("reject", "review", "approve") if waiting[d])
    return re.compile(
        re.escape(f"{stats['pending']} waiting for a verdict ({parts}), the oldest for ")
        + r"(under a minute|\d+ min)"
        + re.escape(f"; {stats['decided']} decided.")
    )


def _backlog_matches(page: Any, pattern: re.Pattern[str]) -> str:
    page.wait_for_function(f"() => new RegExp({pattern.pattern!r}).test({TEXT}('#backlog'))", timeout=15_000)
    return str(page.locator("#backlog").text_content())


def test_the_page_shows_the_backlog_and_follows_verdicts(browser: Any, served: str) -> None:
    items = queue_thread(served, "backlog", TEXTS)
    queue_thread(
        served, "backlog-other", ["what an idiot"]
    )  # another article: the backlog is the whole queue's
    before = _stats(served)
    assert before["pending"] == 4 and before["decided"] == 0
    context, page, errors = open_article(browser, served, items)  # the list filtered on one article
    _backlog_matches(page, _line(before))

    page.get_by_role("button", name="Reject comment 1 (shortcut r)").click()
    page.wait_for_function(f"() => {TEXT}('#status').startsWith('Rejected comment 1.')")
    after = _stats(served)
    assert after["pending"] == 3 and after["decided"] == 1
    _backlog_matches(page, _line(after))

    page.keyboard.press("u")  # undo the last verdict: waiting again
    page.wait_for_function(f"() => {TEXT}('#status').startsWith('Undid the verdict')")
    _backlog_matches(page, _line(_stats(served)))

    # everything decided elsewhere (another moderator): the next reload says nothing waits
    with api(served) as http:
        for item in http.get("/v1/queue", params={"status": "pending"}).json()["items"]:
            assert http.post(f"/v1/queue/{item['id']}:decide", json={"verdict": "approve"}).status_code == 200
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function(f"() => {TEXT}('#backlog') === 'Nothing waits for a verdict; 4 decided.'")
    assert not errors, errors
    context.close()
