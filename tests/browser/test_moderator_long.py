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
    from playwright.sync_api import expect

    items = queue_thread(served, "long", [LONG, "The vote was close."])
    context, page, errors = open_article(browser, served, items)
    item = f'li.item[data-id="{items[0]["id"]}"]'
    first = page.locator(item)
    # (the page redraws its list as it polls: every check below retries until it holds)
    height = f"(() => document.querySelector('{item} blockquote.text').getBoundingClientRect().height)"
    more = first.get_by_role("button", name="Show all 6,000 characters")
    expect(more).to_have_attribute("aria-expanded", "false")
    page.wait_for_function(f"() => {height}() > 0 && {height}() < 300")
    closed = page.evaluate(f"{height}()")
    # the verdict buttons are on the first screen
    expect(first.get_by_role("button", name="Reject comment 1 (shortcut r)")).to_be_in_viewport()
    expect(first.locator("blockquote.text")).to_have_text(LONG.strip())  # the whole text is in the page
    more.click()
    expect(first.get_by_role("button", name="Show less")).to_have_attribute("aria-expanded", "true")
    page.wait_for_function(f"() => {height}() > 3 * {closed}")
    short = page.locator(f'li.item[data-id="{items[1]["id"]}"]')
    expect(short.locator("blockquote.text")).to_have_text("The vote was close.")
    assert short.get_by_role("button", name="Show all", exact=False).count() == 0
    assert not errors, errors
    context.close()
