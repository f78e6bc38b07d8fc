"""A long comment on the moderator's page, in a real headless Chromium against a real `moderate serve`:
its first lines, then a button for the rest (bug hunt: a long comment, riskiest so first, was drawn
whole and pushed its scores and verdict buttons screens below)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.moderator import open_article, queue_thread, serving

pytestmark = pytest.mark.slow

LONG = "You are a pathetic idiot, and the vote was close. " * 120  # 6,000 characters


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("page-long"), {}) as base:
        yield base


def test_a_long_comment_shows_its_first_lines_and_the_rest_on_demand(browser: Any, served: str) -> None:
    items = queue_thread(served, "long", [LONG, "The vote was close."])
    context, page, errors = open_article(browser, served, items)
    first = page.locator(f'li.item[data-id="{items[0]["id"]}"]')
    text = first.locator("blockquote.text")
    more = first.get_by_role("button", name="Show all 6,000 characters")
    assert more.get_attribute("aria-expanded") == "false"
    closed = text.bounding_box()
    assert closed is not None and closed["height"] < 300, closed
    # the verdict buttons are on the first screen
    reject = first.get_by_role("button", name="Reject comment 1 (shortcut r)")
    box = reject.bounding_box()
    assert box is not None and box["y"] + box["height"] < 900, box
    assert str(text.text_content()).strip() == LONG.strip()  # the whole text is in the page
    more.click()
    assert first.get_by_role("button", name="Show less").get_attribute("aria-expanded") == "true"
    opened = text.bounding_box()
    assert opened is not None and opened["height"] > 3 * closed["height"], opened
    short = page.locator(f'li.item[data-id="{items[1]["id"]}"]')
    assert short.get_by_role("button", name="Show all", exact=False).count() == 0
    assert not errors, errors
    context.close()
