"""A verdict whose answer is lost on the way back, in a real headless Chromium against a real
`moderate serve`: the page retries with the same Idempotency-Key, and the service replays its answer
(docs/queue.md, Retrying a verdict)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.moderator import TEXT, api, open_article, queue_thread, serving

pytestmark = pytest.mark.slow

INSULTS = ["you are a pathetic idiot and a moron", "shut up you stupid troll", "what an idiot"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("page-retry")) as base:
        yield base


def _lose_answers(page: Any, count: int) -> list[dict[str, str]]:
    """The first `count` verdict requests reach the service, which commits them, and their answers are
    dropped (the browser sees a network error); later ones pass. Returns each request's headers."""
    sent: list[dict[str, str]] = []

    def handle(route: Any) -> None:
        sent.append(route.request.headers)
        if len(sent) <= count:
            route.fetch()  # the service answers; the page never sees it
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/v1/queue/*:decide", handle)
    return sent


def _status_starts(page: Any, prefix: str) -> None:
    page.wait_for_function(f"() => $text('#status').startsWith({prefix!r})".replace("$text", TEXT))


def test_a_verdict_whose_answer_was_lost_is_retried_and_replayed(browser: Any, served: str) -> None:
    # Before: the page said "Verdict not saved: Failed to fetch" of a verdict the service had stored.
    items = queue_thread(served, "lost-answer", INSULTS)
    context, page, errors = open_article(browser, served, items)
    sent = _lose_answers(page, 1)
    page.get_by_role("button", name="Reject comment 1 (shortcut r)").click()
    _status_starts(page, "Rejected comment 1.")
    assert len(sent) == 2, sent
    key = sent[0].get("idempotency-key")
    assert key and sent[1].get("idempotency-key") == key, sent
    with api(served) as http:
        item = http.get(f"/v1/queue/{items[0]['id']}").json()
    assert item["verdict"] == "reject" and item["revision"] == 1, item  # one verdict, not two
    assert not errors, errors
    context.close()


def test_a_click_again_after_every_retry_failed_is_the_same_verdict(browser: Any, served: str) -> None:
    # Before: the second click got 409 and the page said "Already decided by someone else" of the
    # moderator's own verdict, stored by the first click whose answer never arrived.
    items = queue_thread(served, "lost-thrice", INSULTS)
    context, page, errors = open_article(browser, served, items)
    sent = _lose_answers(page, 3)  # the click and both automatic retries
    button = page.get_by_role("button", name="Approve comment 1 (shortcut a)")
    button.click()
    _status_starts(page, "Verdict not saved:")
    assert len(sent) == 3 and len({h.get("idempotency-key") for h in sent}) == 1, sent
    button.click()
    _status_starts(page, "Approved comment 1.")
    assert len(sent) == 4 and sent[3].get("idempotency-key") == sent[0].get("idempotency-key"), sent
    with api(served) as http:
        item = http.get(f"/v1/queue/{items[0]['id']}").json()
    assert item["verdict"] == "approve" and item["revision"] == 1, item
    assert not errors, errors
    context.close()
