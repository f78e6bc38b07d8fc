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


def test_sign_out_leaves_nothing_of_the_previous_user_in_the_page(browser: Any, served: str) -> None:
    # Sign-out emptied the queue alone: the desk's rows, the backlog, the plots, the threshold view, the
    # author records and the model versions stayed in the DOM (and the script), and a moderator signing
    # in next in the same tab had the API token's desk table in her page, hidden but readable.
    author, title = "Quentin Leakwell", "Sign-out canary"
    comments = [
        {"id": "c0", "text": "you are a pathetic idiot and a moron, canary", "author": author},
        {"id": "c1", "text": "The canary vote was close.", "author": author},
        {"id": "c2", "text": "what a canary clown you are", "author": author},
    ]
    with api(served) as http:
        body = {"article": {"id": "sign-out", "title": title}, "comments": comments, "queue": True}
        assert http.post("/v1/comments:score", json=body).status_code == 200
        items = queue(served, article="sign-out")  # every status
        assert http.post(f"/v1/queue/{items[0]['id']}:decide", json={"verdict": "reject"}).status_code == 200
    with httpx.Client(base_url=served, headers={"Authorization": f"Bearer {ALICE}"}) as alice:
        approved = alice.post(f"/v1/queue/{items[1]['id']}:decide", json={"verdict": "approve"})
        assert approved.status_code == 200, approved.text
    context, page, errors = open_article(browser, served, [items[2]])
    page.locator("#f-status").select_option("")  # decided ones too: their verdicts name alice
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#desk-table tbody td')].some(td => td.textContent === 'alice')"
        " && document.querySelector('#threshold-summary').textContent"
        " && document.querySelector('#plots svg.histogram')"
        " && document.querySelector('#models-table tbody tr')"
        " && document.querySelector('#backlog').textContent.includes('decided')"
        " && [...document.querySelectorAll('#queue .record')].some(r => r.textContent.includes('queued'))"
        f" && document.querySelectorAll('#queue li.item').length === {len(items)}"
    )
    page.locator("#add-text").fill("a pasted canary page, not sent")
    desk = [str(r) for r in page.locator("#desk-table tbody tr").all_text_contents()]
    shown = [
        *desk,
        *(str(page.locator(s).text_content()) for s in ("#backlog", "#threshold-summary", "#plots-basis")),
        *(i["text"] for i in items),
        author,
        title,
        "<td>API token</td>",
        "<td>alice</td>",
        "<svg",
        "by alice",
        "Signed in with the API token",
        "a pasted canary page",
    ]
    # the page's markup (attributes too: labels name the comments) and what its fields hold
    dom = (
        "() => [document.documentElement.outerHTML, document.documentElement.textContent,"
        " ...[...document.querySelectorAll('input, textarea, select')].map(e => e.value)].join('\\n')"
    )

    def left_of(previous: list[str]) -> list[str]:
        text = str(page.evaluate(dom))
        return [s for s in previous if s and s in text]

    held: list[Any] = []  # a plots read still on its way at sign-out: its answer must not be drawn
    page.route("**/v1/queue:scores?*", lambda route: held.append(route))
    page.get_by_role("button", name="Refresh plots").click()
    while not held:
        page.wait_for_timeout(20)
    page.get_by_role("button", name="Sign out").click()
    page.locator("#sign-in").wait_for()
    with page.expect_event("requestfinished", lambda r: "/v1/queue:scores?" in r.url):
        held[0].continue_()
    page.unroute("**/v1/queue:scores?*")
    page.evaluate("() => new Promise((done) => setTimeout(done, 100))")  # the answer's turn to be drawn
    assert left_of(shown) == []
    for sel in ("#queue li", "#desk-table tbody tr", "#models-table tbody tr", "#plots *"):
        assert page.locator(sel).count() == 0, sel
    for sel in ("#backlog", "#threshold-summary", "#plots-basis", "#status", "#queue-count"):
        assert page.locator(sel).text_content() == "", sel
    assert page.locator("#sign-in-error").text_content() == "Signed out."

    # alice signs in next in the same tab: her page holds none of the API token's desk
    page.get_by_label("API token").fill(ALICE)
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"() => {TEXT}('#signed-in-as') === 'Signed in as alice'"
        " && document.querySelector('#queue li.item')"
        " && document.querySelector('#plots svg.histogram')"
        " && document.querySelector('#backlog').textContent"
    )
    assert page.locator("#desk-table tbody tr").count() == 0
    assert left_of([*desk, "<td>API token</td>", "<td>alice</td>", "Signed in with the API token"]) == []

    # the page signs out by itself (a token no longer valid): alice's page is emptied the same way
    alice_shown = [
        "Signed in as alice",
        *(str(t) for t in page.locator("#queue li.item blockquote.text").all_text_contents()),
        str(page.locator("#backlog").text_content()),
        "<svg",
    ]
    revoked = {"error": {"code": 401, "status": "UNAUTHENTICATED", "reason": "unauthorized",
                         "message": "token revoked"}}  # fmt: skip
    page.route("**/v1/queue:stats", lambda route: route.fulfill(status=401, json=revoked))
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function(f"() => {TEXT}('#sign-in-error') === 'Your token was refused: token revoked'")
    page.unroute("**/v1/queue:stats")
    assert left_of(alice_shown) == []
    assert page.locator("#queue li").count() == 0
    assert not errors, errors
    context.close()


def test_a_list_asked_for_before_a_verdict_does_not_show_it_undone(browser: Any, served: str) -> None:
    """A reload of the list in flight while the moderator rejects a comment was answered with the
    comment still pending: the page showed it undecided again (a second click was refused as "already
    decided by someone else"). Seen as a flaky CI run of the test above; here the answer is held."""
    items = queue_thread(served, "race", ["you are a pathetic idiot and a moron", "The vote was close."])
    context, page, errors = open_article(browser, served, items, token=ALICE)
    held: list[tuple[Any, Any]] = []

    def the_list(url: str) -> bool:
        return "/v1/queue?" in url

    page.route(the_list, lambda route: held.append((route, route.fetch())))
    page.get_by_role("button", name="Apply").click()  # the list is read again; its answer waits
    for _ in range(50):  # (waiting lets the route handler run)
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the list was not asked for"
    page.get_by_role("button", name="Reject comment 1 (shortcut r)").click()
    page.wait_for_function(f"() => {TEXT}('#status').startsWith('Rejected comment 1.')")
    route, stale = held.pop()
    assert '"pending"' in stale.text()  # the answer says what the server held before the verdict
    route.fulfill(response=stale)
    page.unroute(the_list)
    verdict_text = f"(() => {TEXT}('li.item[data-id=\"{items[0]['id']}\"] .verdict'))"
    page.wait_for_function(
        f"() => {verdict_text}().startsWith('Rejected')"
        " && document.querySelectorAll('#queue li.item').length === 2"
    )
    assert not errors, errors
    context.close()
