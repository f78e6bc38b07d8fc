"""A moderator signed in with their own token (MODERATION_MODERATOR_TOKENS), in a real headless Chromium
against a real `moderate serve`: their verdicts carry their name on the page and in the store, and an
item's history lists every verdict given on it, with who gave it; the queue filters on who decided."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser.moderator import (
    TEXT,
    api,
    new_version_beside_the_shipped_one,
    open_article,
    queue,
    queue_thread,
    serving,
)

pytestmark = pytest.mark.slow

ALICE = "alice-token-for-the-browser"
VERSION = "1.0123456789ab"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tokens = json.dumps({"alice": ALICE})
    tmp = tmp_path_factory.mktemp("page-names")
    assert new_version_beside_the_shipped_one(tmp / "versions") == VERSION  # one to (try to) activate
    with serving(tmp, {"MODERATION_MODERATOR_TOKENS": tokens}) as base:
        yield base


def test_a_moderator_s_verdict_shows_their_name(browser: Any, served: str) -> None:
    items = queue_thread(served, "names", ["you are a pathetic idiot and a moron", "The vote was close."])
    context, page, errors = open_article(browser, served, items, token=ALICE)
    page.get_by_role("button", name="Reject comment 1 (shortcut r)").click()
    page.wait_for_function(f"() => {TEXT}('#status').startsWith('Rejected comment 1.')")
    verdict = page.locator(f'li.item[data-id="{items[0]["id"]}"] .verdict')
    assert " by alice at " in str(verdict.text_content()), verdict.text_content()
    with api(served) as http:  # the API token's view of the same item
        assert http.get(f"/v1/queue/{items[0]['id']}").json()["decided_by"] == "alice"

    # alice changes her mind; the history lists both verdicts, with who gave them
    page.get_by_role("button", name="Change the verdict on comment 1 to approve").click()
    verdict_text = f"(() => {TEXT}('li.item[data-id=\"{items[0]['id']}\"] .verdict'))"
    page.wait_for_function(f"() => {verdict_text}().startsWith('Approved')")
    item = page.locator(f'li.item[data-id="{items[0]["id"]}"]')
    item.get_by_label("History of the verdicts on comment 1").click()
    lines = item.locator(".history li")
    page.wait_for_function(
        f"() => document.querySelectorAll('li.item[data-id=\"{items[0]['id']}\"] .history li').length === 2"
        " && !document.querySelector('.history li').textContent.startsWith('Reading')"
    )
    first, second = (str(t) for t in lines.all_text_contents())
    assert first.startswith("Rejected for ") and " by alice at " in first, first
    assert second.startswith("Changed to approved by alice at "), second

    # a desk lead's filter: the comments whose standing verdict alice gave
    page.locator("#f-status").select_option("decided")
    page.locator("#f-article").fill("")
    for name, ids in (("alice", [items[0]["id"]]), ("bob", [])):
        expected = json.dumps(ids, separators=(",", ":"))
        page.locator("#f-decided-by").fill(name)
        page.get_by_role("button", name="Apply").click()
        page.wait_for_function(
            "() => JSON.stringify([...document.querySelectorAll('#queue li.item')].map(li => li.dataset.id))"
            f" === '{expected}'"
        )
    assert not errors, errors
    context.close()


def test_a_moderator_refused_the_api_token_s_work_stays_signed_in(browser: Any, served: str) -> None:
    # Activating a model takes the API token: alice's click is refused, and the page used to sign her
    # out as if her token were wrong ("Your token was refused"), mid-shift.
    items = queue_thread(served, "scope", ["you are a pathetic idiot and a moron", "The vote was close."])
    context, page, errors = open_article(browser, served, items, token=ALICE)
    assert page.locator("#signed-in-as").text_content() == "Signed in as alice"
    assert page.locator("#models-scope").is_visible()  # what her click will be told, said beforehand
    assert not page.locator("#desk-section").is_visible()  # her colleagues' activity is not hers to read
    page.get_by_role("button", name=f"Activate model version {VERSION}").click()
    page.wait_for_function(f"() => {TEXT}('#status').startsWith('Activation refused: ')")
    assert "takes the API token (MODERATION_API_TOKEN)" in str(page.locator("#status").text_content())
    assert page.locator("#app").is_visible() and not page.locator("#sign-in").is_visible()
    page.get_by_role("button", name="Reject comment 1 (shortcut r)").click()  # and she goes on
    page.wait_for_function(f"() => {TEXT}('#status').startsWith('Rejected comment 1.')")
    with api(served) as http:
        assert http.get("/v1/model").json()["version"] != VERSION
        assert http.get(f"/v1/queue/{items[0]['id']}").json()["decided_by"] == "alice"
    assert not errors, errors
    context.close()


def test_the_api_token_is_named_as_such_and_may_activate(browser: Any, served: str) -> None:
    items = queue_thread(served, "api-token", ["you are a pathetic idiot and a moron", "Fine."])
    context, page, errors = open_article(browser, served, items)
    assert page.locator("#signed-in-as").text_content() == "Signed in with the API token"
    assert not page.locator("#models-scope").is_visible()
    with httpx.Client(base_url=served, headers={"Authorization": f"Bearer {ALICE}"}) as alice:
        decided = alice.post(f"/v1/queue/{items[1]['id']}:decide", json={"verdict": "approve"})
        assert decided.status_code == 200, decided.text
    with api(served) as http:  # what the desk's table must show, as the API reads it
        expected = [
            [m["moderator"] or "API token", *(str(m[k]) for k in ("verdicts", "approved", "rejected"))]
            for m in http.get("/v1/queue:activity").json()["moderators"]
        ]
    assert [row[0] for row in expected if row[0] == "alice"] == ["alice"]
    page.get_by_role("button", name="Refresh the desk").click()  # (it was read before alice's verdict)
    rows = "[...document.querySelectorAll('#desk-table tbody tr')]"
    shown = f"JSON.stringify({rows}.map(tr => [...tr.cells].slice(0, 4).map(td => td.textContent)))"
    page.wait_for_function(f"() => {shown} === {json.dumps(json.dumps(expected, separators=(',', ':')))}")
    page.get_by_role("button", name="Sign out").click()
    assert not page.locator("#signed-in-as").is_visible()
    assert not errors, errors
    context.close()


def test_each_comment_names_its_author_and_one_click_lists_all_of_theirs(browser: Any, served: str) -> None:
    comments = [
        {"id": "c0", "text": "you are a pathetic idiot and a moron", "author": "Jane \u202eReader"},
        {"id": "c1", "text": "The vote was close.", "author": "Bo"},
        {"id": "c2", "text": "what a clown you are", "author": "Jane \u202eReader"},
    ]
    with api(served) as http:
        body = {"article": {"id": "authors", "title": "Authors"}, "comments": comments, "queue": True}
        assert http.post("/v1/comments:score", json=body).status_code == 200
        other = {
            "article": {"id": "authors-2", "title": "Elsewhere"},
            "comments": [comments[2]],
            "queue": True,
        }
        assert http.post("/v1/comments:score", json=other).status_code == 200
    items = queue(served, article="authors")
    context, page, errors = open_article(browser, served, items)
    first = page.locator(f'li.item[data-id="{items[0]["id"]}"] .author')
    # the name as sent, its direction control shown, not applied (it would reverse "Reader"), and the
    # reader's record in the queue (GET /v1/queue:authors), under every article
    line = f"() => document.querySelector('li.item[data-id=\"{items[0]['id']}\"] .author').textContent"
    page.wait_for_function(f"{line}.endsWith(' · 3 comments queued')")
    assert str(first.text_content()).startswith("by Jane ⟨RLO⟩Reader"), first.text_content()
    page.get_by_role("button", name="Reject comment 1 (shortcut r)").click()
    page.wait_for_function(f"{line}.endsWith(' · 3 comments queued, 1 rejected')")
    jane = queue(served, author="Jane \u202eReader")
    assert len(jane) == 3  # two under this article, one under another
    first.get_by_role("button").click()
    ids = json.dumps([i["id"] for i in jane], separators=(",", ":"))
    page.wait_for_function(
        "() => JSON.stringify([...document.querySelectorAll('#queue li.item')].map(li => li.dataset.id))"
        f" === '{ids}'"
    )
    assert page.locator("#f-author").input_value() == "Jane \u202eReader"
    assert not errors, errors
    context.close()
