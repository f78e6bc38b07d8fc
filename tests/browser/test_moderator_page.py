"""The moderator's page in a real headless Chromium against a real `moderate serve` process (temp
SQLite database, API token, temp model-versions directory): sign in by keyboard, the seed thread's
flagged comments with the API's spans highlighted, verdicts by keyboard that survive a restart, plots,
score-and-queue from the page, and switching the model version. Screenshots: test-artifacts/browser/."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from service.settings import Settings
from tests.browser.moderator import (
    SEED_THREAD,
    TEXT,
    THRESHOLDS,
    api,
    expected_marks,
    new_version_beside_the_shipped_one,
    open_article,
    page_review,
    plot_reads,
    precision_recall,
    queue,
    queue_thread,
    serving,
    shown_marks,
    sign_in_by_keyboard,
    wait_focus,
)
from tests.service.api.conftest import TOKEN
from tests.service.api.test_uvicorn import start, stop, wait_ready

pytestmark = pytest.mark.slow


def test_moderator_page_in_chromium(
    browser: Any, tmp_path: Path, artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One moderator's journey, in order: each step starts from the state the one before left."""
    monkeypatch.setenv("MODERATION_VERSIONS_DIR", str(tmp_path / "versions"))
    proc, base = start(tmp_path)
    try:
        wait_ready(proc, base)
        items, flagged = queue_the_seed_thread(base)
        context, page, errors = open_page(browser, watch_requests=True)
        sign_in_refused_then_accepted(page, context, base, artifacts)
        queue_shows_the_apis_order_and_spans(page, items, flagged, artifacts)
        decide_by_keyboard(page, base, items, artifacts)
        another_moderators_verdict_stands(page, base, items)
        plots_count_what_the_scores_give(page, base, artifacts)
        reject_naming_no_attribute(page, base, items)
        assert not errors, errors
        context.close()
    finally:
        log = stop(proc)
    assert "Traceback" not in log, log

    # a restart: same database, new browser session (sessionStorage is per tab): the verdicts stand
    version = new_version_beside_the_shipped_one(tmp_path / "versions")
    proc, base = start(tmp_path)
    try:
        wait_ready(proc, base)
        context, page, errors = open_page(browser, watch_requests=False)
        verdicts_stand_after_restart(page, base, artifacts)
        switch_version_and_queue_a_paste(page, base, version)
        queue_an_uploaded_file(page, base, items)
        a_paste_refused_part_way_says_what_was_queued(page, base, artifacts)
        assert not errors, errors
        context.close()
    finally:
        log = stop(proc)
    assert "Traceback" not in log, log


# -- the steps of the journey above --


def queue_the_seed_thread(base: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Queue the seed thread through the API; returns the pending items (riskiest first) and the flagged."""
    with api(base) as http:
        scored = http.post(
            "/v1/articles:score",
            params={"queue": "true", "source": SEED_THREAD.name},
            content=SEED_THREAD.read_bytes(),
            headers={"Content-Type": "text/plain"},
        )
    assert scored.status_code == 200, scored.text
    items = queue(base, status="pending")
    assert len(items) == len(scored.json()["comments"])
    flagged = [i for i in items if i["decision"] != "approve"]
    assert flagged, "the seed thread has flagged comments"
    assert items[: len(flagged)] == flagged  # riskiest first: the flagged ones lead
    return items, flagged


def open_page(browser: Any, watch_requests: bool) -> tuple[Any, Any, list[str]]:
    """A new browser session and tab; the list collects the page's errors (and failed requests)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    if watch_requests:
        page.on("requestfailed", lambda req: errors.append("request failed: " + req.url))
    return context, page, errors


def sign_in_refused_then_accepted(page: Any, context: Any, base: str, artifacts: Path) -> None:
    """A wrong token is refused, the right one (typed, Enter) opens the queue."""
    page.goto(base + "/")
    page.screenshot(path=artifacts / "01-sign-in.png")
    assert page.locator("#app").is_hidden()
    page.get_by_label("API token").fill("not-the-token")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#sign-in-error').textContent.length > 0")
    assert "not valid" in page.locator("#sign-in-error").text_content()
    assert page.locator("#app").is_hidden()
    sign_in_by_keyboard(page, base)
    assert page.evaluate("sessionStorage.getItem('moderation.token')") == TOKEN
    assert context.cookies() == []


def queue_shows_the_apis_order_and_spans(
    page: Any, items: list[dict[str, Any]], flagged: list[dict[str, Any]], artifacts: Path
) -> None:
    """The queue, in the API's order, with the API's spans highlighted."""
    rows = page.locator("#queue li.item")
    assert rows.evaluate_all("ls => ls.map(l => l.dataset.id)") == [i["id"] for i in items]
    for item in flagged:
        row = page.locator(f'li.item[data-id="{item["id"]}"]')
        assert row.locator("h3").text_content() == item["article_title"]
        assert row.locator("blockquote").text_content() == item["text"]
        marks = shown_marks(page, item["id"])
        assert marks and marks == expected_marks(item)
        assert item["model_version"] in row.text_content()
        for reason in item["reasons"]:
            assert reason in row.locator(".reasons").text_content()
    page.screenshot(path=artifacts / "02-queue.png")


def decide_by_keyboard(page: Any, base: str, items: list[dict[str, Any]], artifacts: Path) -> None:
    """Focus starts on the riskiest comment; j/k move; r rejects, a approves."""
    wait_focus(page, items[0]["id"])
    page.keyboard.press("j")
    wait_focus(page, items[1]["id"])
    page.keyboard.press("k")
    wait_focus(page, items[0]["id"])
    assert page.get_by_role("button", name="Approve comment 2 (shortcut a)").count() == 1
    page.keyboard.press("r")
    page.locator(f'li.item[data-id="{items[0]["id"]}"] .verdict').wait_for()
    wait_focus(page, items[1]["id"])  # focus moves on to the next pending comment
    page.keyboard.press("a")
    page.locator(f'li.item[data-id="{items[1]["id"]}"] .verdict').wait_for()
    wait_focus(page, items[2]["id"])
    page.screenshot(path=artifacts / "03-after-verdicts.png")
    with api(base) as http:
        first = http.get(f"/v1/queue/{items[0]['id']}").json()
        second = http.get(f"/v1/queue/{items[1]['id']}").json()
    assert (first["verdict"], first["status"]) == ("reject", "decided")
    assert first["verdict_attributes"] == items[0]["flagged_attributes"]  # the ticked boxes
    assert (second["verdict"], second["status"]) == ("approve", "decided")


def another_moderators_verdict_stands(page: Any, base: str, items: list[dict[str, Any]]) -> None:
    """Another moderator decides the focused comment first: the page's verdict gets 409, and the page
    shows the verdict that stands instead of losing it."""
    with api(base) as http:
        other = http.post(f"/v1/queue/{items[2]['id']}:decide", json={"verdict": "reject"})
    assert other.status_code == 200, other.text
    page.keyboard.press("a")
    page.wait_for_function("() => $text('#status').startsWith('Already decided')".replace("$text", TEXT))
    standing = page.locator(f'li.item[data-id="{items[2]["id"]}"] .verdict').text_content()
    assert standing.startswith("Rejected"), standing
    with api(base) as http:
        assert http.get(f"/v1/queue/{items[2]['id']}").json()["verdict"] == "reject"


def plots_count_what_the_scores_give(page: Any, base: str, artifacts: Path) -> None:
    """A histogram per attribute; the threshold view counts what the API's scores give, read from the
    compact GET /v1/queue:scores alone (the whole items, text and spans, were read before session 32)."""
    with plot_reads(page) as reads:
        page.get_by_role("button", name="Refresh plots").click()
        page.wait_for_function(
            "() => $text('#plots-basis').includes('3 with a verdict')".replace("$text", TEXT)
        )
    assert reads and {urlsplit(u).path for u in reads} == {"/v1/queue:scores"}, reads
    attributes = httpx.get(base + "/v1/model").json()["attributes"]
    assert page.locator("#plots svg.histogram").count() == len(attributes)
    assert page.locator("#plots svg.histogram rect.bar").count() == 20 * len(attributes)
    everything = queue(base)
    for name in attributes:
        figure = page.locator(f'#plots figure[data-attribute="{name}"]')
        review = page.locator(f"#slider-{name}-review")
        review.focus()
        page.keyboard.press("ArrowLeft")  # one step (0.01) down, by keyboard
        t_review = float(review.input_value())
        # a step that is off (None) starts at 1, where nothing reaches it
        assert t_review == pytest.approx((THRESHOLDS[name].review or 1.0) - 0.01)
        t_reject = THRESHOLDS[name].reject or 1.0
        values = [i["scores"][name] for i in everything if i["scores"].get(name) is not None]
        n_review = sum(t_review <= v < t_reject for v in values)
        n_reject = sum(v >= t_reject for v in values)
        assert figure.locator(".counts").first.text_content() == (
            f"{n_review} to review, {n_reject} to reject, of {len(values)}"
        )
        assert figure.locator("svg.pr").count() == 1
    assert len([i for i in everything if i["verdict"]]) == 3
    for name in attributes:  # precision and recall at the review slider, from the API's data
        expected = precision_recall(everything, name, page_review(page, name))
        text = page.locator(f'#plots figure[data-attribute="{name}"] .counts').nth(1).text_content()
        assert expected in text, (expected, text)
    page.locator("#plots-section").screenshot(path=artifacts / "04-plots.png")


def reject_naming_no_attribute(page: Any, base: str, items: list[dict[str, Any]]) -> None:
    """A rejection with every "Reject for" box unticked names no attribute: no feedback row, and the
    page says the verdict will not train the model."""
    row = page.locator(f'li.item[data-id="{items[3]["id"]}"]')
    assert row.locator("input[name=attr]:checked").count() > 0  # the flagged ones start ticked
    for box in row.locator("input[name=attr]").all():
        box.uncheck()
    row.get_by_role("button", name="Reject comment 4 (shortcut r)").click()
    row.locator(".verdict").wait_for()
    assert "not used for training" in row.locator(".verdict").text_content()
    with api(base) as http:
        fourth = http.get(f"/v1/queue/{items[3]['id']}").json()
    assert (fourth["verdict"], fourth["verdict_attributes"]) == ("reject", [])


def verdicts_stand_after_restart(page: Any, base: str, artifacts: Path) -> None:
    """After a restart (same database, new session) the four verdicts stand."""
    sign_in_by_keyboard(page, base)
    page.select_option("#f-status", "decided")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function("() => document.querySelectorAll('#queue li.item').length === 4")
    verdicts = page.locator("#queue .verdict").all_text_contents()
    assert sorted(v.split(" ")[0] for v in verdicts) == ["Approved", "Rejected", "Rejected", "Rejected"]
    page.screenshot(path=artifacts / "05-after-restart.png")


def switch_version_and_queue_a_paste(page: Any, base: str, version: str) -> None:
    """Switch the model version from the page; a comment queued from the page's box is scored by it."""
    shipped = httpx.get(base + "/v1/model").json()["version"]
    page.get_by_role("button", name=f"Activate model version {version}").click()
    page.wait_for_function(
        f"() => document.querySelector('#active-version').textContent === '{version}'", timeout=120_000
    )
    assert httpx.get(base + "/v1/model").json()["version"] == version
    page.select_option("#f-status", "pending")
    page.get_by_role("button", name="Apply").click()
    hostile = "you are a pathetic idiot <img src=x onerror=window.pwned=1>"
    line = {"id": "b1", "text": hostile, "article_id": "browser-test"}
    page.get_by_label("Paste a scraped page").fill(json.dumps(line | {"article": {"title": "Page test"}}))
    page.get_by_role("button", name="Score and queue").click()
    page.wait_for_function("() => $text('#add-result').startsWith('Scored 1 ')".replace("$text", TEXT))
    new = [i for i in queue(base, article="browser-test")]
    assert len(new) == 1 and new[0]["model_version"] == version and new[0]["article_title"] == "Page test"
    row = page.locator(f'li.item[data-id="{new[0]["id"]}"]')
    row.wait_for()
    assert row.locator(".badge").text_content() == f"model {version}"
    # comment text is shown as text, never as HTML
    assert row.locator("blockquote").text_content() == hostile
    assert row.locator("img").count() == 0 and page.evaluate("window.pwned") is None
    old_badges = page.locator("#queue .badge.old").all_text_contents()
    assert old_badges and set(old_badges) == {f"model {shipped}"}  # items scored before the switch


def queue_an_uploaded_file(page: Any, base: str, items: list[dict[str, Any]]) -> None:
    """An uploaded page (a file) is parsed, scored and queued too, under the source typed beside it."""
    page.set_input_files("#add-file", str(SEED_THREAD))
    page.get_by_label("Source").fill("uploaded-copy")
    page.get_by_role("button", name="Score and queue").click()
    # the paste before already left "... queued them" in #add-result: wait for this page's own message
    page.wait_for_function(
        f"() => $text('#add-result').startsWith('Scored {len(items)} comments of ')".replace("$text", TEXT)
    )
    uploaded = queue(base, article="uploaded-copy")
    assert len(uploaded) == len(items) and {i["text"] for i in uploaded} == {i["text"] for i in items}


def a_paste_refused_part_way_says_what_was_queued(page: Any, base: str, artifacts: Path) -> None:
    """A paste the service refuses part-way: the page says what was queued and which line stopped it
    (it said "Not queued" after queueing the first 100, and named "comment 0")."""
    lines = [{"id": f"p{k}", "text": f"comment number {k}", "article_id": "partial"} for k in range(100)]
    lines.append({"id": "p100", "text": "x" * 25_000, "article_id": "partial"})
    page.get_by_label("Paste a scraped page").fill("\n".join(json.dumps(x) for x in lines))
    page.get_by_role("button", name="Score and queue").click()
    page.wait_for_function("() => $text('#add-result').startsWith('Queued 100 ')".replace("$text", TEXT))
    said = page.locator("#add-result").text_content()
    assert "Stopped at lines 101\u2013101: line 101 has 25000 characters" in said, said
    assert len(queue(base, article="partial")) == 100
    page.screenshot(path=artifacts / "06-new-version.png", full_page=True)


# -- one server for the tests below: each queues its own thread and filters the page on its article --


@pytest.fixture(scope="module")
def edges_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("page-edges")


@pytest.fixture(scope="module")
def served(edges_tmp: Path) -> Any:
    with serving(edges_tmp) as base:
        yield base


INSULTS = ["you are a pathetic idiot and a moron", "shut up you stupid troll", "what an idiot"]


def test_a_verdict_key_pressed_twice_sends_one_verdict(browser: Any, served: str) -> None:
    # A key held down (auto-repeat) or pressed twice sent a second verdict while the first was in
    # flight: it got 409, and the page said "Already decided by someone else" of the moderator's own.
    items = queue_thread(served, "twice", INSULTS)
    context, page, errors = open_article(browser, served, items)
    decides: list[str] = []
    page.on("request", lambda req: decides.append(req.url) if req.url.endswith(":decide") else None)
    wait_focus(page, items[0]["id"])
    page.evaluate(
        "() => { for (const n of [1, 2]) document.activeElement.dispatchEvent("
        "new KeyboardEvent('keydown', {key: 'r', bubbles: true})); }"
    )
    page.locator(f'li.item[data-id="{items[0]["id"]}"] .verdict').wait_for()
    wait_focus(page, items[1]["id"])
    page.wait_for_timeout(300)  # a second request would have been answered by now
    assert decides == [f"{served}/v1/queue/{items[0]['id']}:decide"]
    assert page.locator("#status").text_content().startswith("Rejected comment 1."), page.locator(
        "#status"
    ).text_content()
    assert not errors, errors
    context.close()


def test_unticked_reject_for_boxes_survive_a_verdict_on_another_comment(browser: Any, served: str) -> None:
    # Every verdict re-drew the whole queue: boxes the moderator had unticked on another comment were
    # ticked again, and its rejection then wrote feedback for the attributes they had unticked.
    items = queue_thread(served, "boxes", INSULTS)
    context, page, errors = open_article(browser, served, items)
    second = page.locator(f'li.item[data-id="{items[1]["id"]}"]')
    assert second.locator("input[name=attr]:checked").count() > 0
    for box in second.locator("input[name=attr]").all():
        box.uncheck()
    page.get_by_role("button", name="Approve comment 1 (shortcut a)").click()
    page.locator(f'li.item[data-id="{items[0]["id"]}"] .verdict').wait_for()
    assert second.locator("input[name=attr]:checked").count() == 0
    wait_focus(page, items[1]["id"])
    page.keyboard.press("r")
    second.locator(".verdict").wait_for()
    with api(served) as http:
        decided = http.get(f"/v1/queue/{items[1]['id']}").json()
    assert (decided["verdict"], decided["verdict_attributes"]) == ("reject", [])
    assert not errors, errors
    context.close()


def test_a_long_unbroken_comment_stays_inside_the_page(browser: Any, served: str) -> None:
    # A 9,000-character word (a URL, spam) made the whole page 80,000 px wide.
    items = queue_thread(served, "long", ["idiot " + "a" * 9000, "https://example.org/" + "x/" * 3000])
    context, page, errors = open_article(browser, served, items)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    assert not errors, errors
    context.close()


def test_a_score_just_under_a_threshold_reads_as_its_reason_does(
    browser: Any, served: str, edges_tmp: Path
) -> None:
    # Scores showed three decimals rounded to nearest beside reasons rounded down (service/decide.py):
    # insult 0.8996 read "0.900" under a reject threshold of 0.90, beside "insult 0.89 >= review ...".
    from service.storage import NewQueueItem, open_store

    store = open_store(Settings(db_path=edges_tmp / "feedback.sqlite3"))
    try:
        store.enqueue(
            [
                NewQueueItem(
                    text="a comment scored just under the reject threshold",
                    scores={"insult": 0.8996, "toxicity": 0.12345},
                    spans={},
                    decision="review",
                    reasons=["insult 0.89 >= review threshold 0.50"],
                    model_version="test",
                    flagged=["insult"],
                    article_id="near",
                )
            ]
        )
    finally:
        store.close()
    items = queue(served, article="near")
    context, page, errors = open_article(browser, served, items)
    item = page.locator(f'li.item[data-id="{items[0]["id"]}"]')
    shown = dict(
        zip(
            item.locator("dl.scores dt").all_text_contents(),
            item.locator("dl.scores dd:not(:has(meter))").all_text_contents(),
            strict=True,
        )
    )
    assert shown == {"insult": "0.899", "toxicity": "0.123"}, shown
    assert item.locator("ul.reasons li").all_text_contents() == ["insult 0.89 >= review threshold 0.50"]
    assert not errors, errors
    context.close()


def test_right_to_left_comments_are_shown_right_to_left(browser: Any, served: str) -> None:
    # Arabic and Hebrew comments were laid out left to right: the closing punctuation on the wrong side.
    rtl = ["أنت غبي جدا! هذا التعليق سخيف.", "אתה אידיוט מטומטם, תשתוק!"]
    items = queue_thread(served, "rtl", [*rtl, "you are an idiot."])
    context, page, errors = open_article(browser, served, items)
    direction = "(el => getComputedStyle(el).direction)"
    for item in items:
        shown = page.locator(f'li.item[data-id="{item["id"]}"] blockquote')
        assert shown.text_content() == item["text"]
        assert shown.evaluate(direction) == ("rtl" if item["text"] in rtl else "ltr"), item["text"]
    assert not errors, errors
    context.close()


# Where each character of a comment's text is drawn: its text nodes in order, one rect per character.
CHAR_LEFTS = """(el => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      out.push([node.data[i], range.getBoundingClientRect().left]);
    }
  }
  return out;
})"""
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_a_bidi_control_in_a_comment_is_shown_not_applied(browser: Any, served: str, artifacts: Path) -> None:
    # A RIGHT-TO-LEFT OVERRIDE showed "you are an idiot" as "you are an toidi" to the moderator, while
    # the model scored "idiot": an insult hidden from the reader. Controls now show as placeholders.
    hidden = "you are an \u202eidiot\u202c, really"
    every = "a" + "b".join(BIDI_CONTROLS) + "c"
    items = queue_thread(served, "bidi", [hidden, every])
    context, page, errors = open_article(browser, served, items)
    for item in items:
        shown = page.locator(f'li.item[data-id="{item["id"]}"] blockquote')
        drawn = shown.evaluate(CHAR_LEFTS)
        text = "".join(ch for ch, _ in drawn)
        assert not set(text) & set(BIDI_CONTROLS), text  # none is in the page to reorder anything
        controls = shown.locator("span.bidi-control")
        if item["text"] == hidden:
            assert controls.all_text_contents() == ["⟨RLO⟩", "⟨PDF⟩"]
            assert controls.first.get_attribute("title").startswith("U+202E RIGHT-TO-LEFT OVERRIDE")
            assert text == "you are an ⟨RLO⟩idiot⟨PDF⟩, really"
            at = text.index("idiot")
            lefts = [left for _, left in drawn[at : at + 5]]
            assert lefts == sorted(lefts), lefts  # drawn left to right, as written and scored
        else:
            assert len(controls.all_text_contents()) == len(BIDI_CONTROLS)
            assert controls.all_text_contents()[-1] == "⟨ALM⟩"
    page.screenshot(path=str(artifacts / "bidi-controls.png"))
    assert not errors, errors
    context.close()


def test_a_bidi_control_in_an_article_title_is_shown_not_applied(browser: Any, served: str) -> None:
    # The comment's controls were shown, but a title's still reordered the heading ("a \u202eidiot"
    # drawn "a toidi"): a title comes from the scoring client or a scraped page, and reads as sent now.
    items = queue_thread(served, "bidi-title", ["a plain comment"], title="a \u202eidiot\u202c title")
    context, page, errors = open_article(browser, served, items)
    heading = page.locator(f'li.item[data-id="{items[0]["id"]}"] h3.title')
    drawn = heading.evaluate(CHAR_LEFTS)
    text = "".join(ch for ch, _ in drawn)
    assert text == "a ⟨RLO⟩idiot⟨PDF⟩ title", text
    at = text.index("idiot")
    lefts = [left for _, left in drawn[at : at + 5]]
    assert lefts == sorted(lefts), lefts
    assert heading.locator("span.bidi-control").first.get_attribute("title").startswith("U+202E")
    assert not errors, errors
    context.close()


def test_after_a_failed_refresh_the_comments_shown_can_still_be_decided(browser: Any, served: str) -> None:
    # A refresh that failed (a 503) emptied the page's list but left the old comments on screen: their
    # buttons and keys silently did nothing.
    items = queue_thread(served, "refresh", INSULTS)
    context, page, errors = open_article(browser, served, items)
    unavailable = {"error": {"code": 503, "status": "UNAVAILABLE", "reason": "store_unavailable",
                             "message": "cannot read the queue: database is locked; retry"}}  # fmt: skip
    page.route("**/v1/queue?*", lambda route: route.fulfill(status=503, json=unavailable))
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function(
        "() => $text('#status').startsWith('Cannot load the queue')".replace("$text", TEXT)
    )
    page.unroute("**/v1/queue?*")
    page.get_by_role("button", name="Approve comment 1 (shortcut a)").click()
    page.locator(f'li.item[data-id="{items[0]["id"]}"] .verdict').wait_for()
    with api(served) as http:
        assert http.get(f"/v1/queue/{items[0]['id']}").json()["verdict"] == "approve"
    assert not errors, errors
    context.close()


def test_a_store_outage_at_sign_in_keeps_the_token(browser: Any, served: str) -> None:
    # A 503 (the database down) on opening the page signed the moderator out and forgot the token, as
    # if it had been refused; the model versions (which need no database) could not be reached either.
    queue_thread(served, "outage", INSULTS)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    unavailable = {"error": {"code": 503, "status": "UNAVAILABLE", "reason": "store_unavailable",
                             "message": "cannot read the queue: connection refused; retry"}}  # fmt: skip
    page.route("**/v1/queue?*", lambda route: route.fulfill(status=503, json=unavailable))
    page.goto(served + "/")
    page.get_by_label("API token").fill(TOKEN)
    page.keyboard.press("Enter")
    page.wait_for_function("() => $text('#status').includes('connection refused')".replace("$text", TEXT))
    assert page.locator("#app").is_visible() and page.locator("#sign-in").is_hidden()
    assert page.evaluate("() => sessionStorage.getItem('moderation.token')") == TOKEN
    page.locator("#models-table tbody tr").first.wait_for()  # the model versions need no database
    page.unroute("**/v1/queue?*")
    page.get_by_role("button", name="Apply").click()  # the database is back: the queue loads
    page.wait_for_selector("#queue li.item")
    context.close()


def many_comments(n: int) -> list[str]:
    return [f"comment {k}: you are a {'pathetic idiot' if k % 2 else 'reader'}" for k in range(n)]


def shown_ids(page: Any) -> list[str]:
    return list(page.locator("#queue li.item").evaluate_all("ls => ls.map(l => l.dataset.id)"))


def test_load_more_clicked_twice_shows_each_comment_once(browser: Any, served: str) -> None:
    # Two clicks sent two requests with the same cursor, and both pages were appended: every comment of
    # the second page was listed twice (deciding one copy left the other to answer 409).
    items = queue_thread(served, "more", many_comments(80))
    context, page, errors = open_article(browser, served, items)
    page.evaluate("() => { const more = document.querySelector('#more'); more.click(); more.click(); }")
    page.wait_for_function("() => document.querySelectorAll('#queue li.item').length >= 80")
    page.wait_for_timeout(500)  # the second answer, if any, has arrived
    assert shown_ids(page) == [i["id"] for i in items]
    assert page.locator("#more").is_hidden()
    assert not errors, errors
    context.close()


def test_a_verdict_or_another_page_redraws_only_what_changed(browser: Any, served: str) -> None:
    # Every verdict and every "Load more" rebuilt the whole list: with 1,200 comments loaded, a verdict
    # froze the page for 7-8 s here (rendering and layout of every comment again).
    queue_thread(served, "many", many_comments(100))
    queue_thread(served, "many", many_comments(160)[100:])  # 60 more (the same ones keep their items)
    items = queue(served, article="many")
    assert len(items) == 160
    context, page, errors = open_article(browser, served, items)
    page.evaluate("() => { window.kept = [...document.querySelectorAll('#queue li.item')]; }")
    for shown in (100, 150, 160):
        page.get_by_role("button", name="Load more").click()
        page.wait_for_function(f"() => document.querySelectorAll('#queue li.item').length === {shown}")
    assert shown_ids(page) == [i["id"] for i in items]
    assert page.evaluate("() => window.kept.every(li => li.isConnected)")  # the first page was kept
    page.evaluate("() => { window.kept = [...document.querySelectorAll('#queue li.item')]; }")
    page.get_by_role("button", name="Approve comment 1 (shortcut a)").click()
    page.locator(f'li.item[data-id="{items[0]["id"]}"] .verdict').wait_for()
    wait_focus(page, items[1]["id"])
    page.keyboard.press("r")
    page.locator(f'li.item[data-id="{items[1]["id"]}"] .verdict').wait_for()
    wait_focus(page, items[2]["id"])
    # only the two decided comments were drawn again
    assert page.evaluate("() => window.kept.filter(li => !li.isConnected).length") == 2
    assert page.evaluate("() => window.kept.slice(2).every(li => li.isConnected)")
    assert page.locator("#queue-count").text_content() == "(160 shown)"
    with api(served) as http:
        verdicts = [http.get(f"/v1/queue/{i['id']}").json()["verdict"] for i in items[:3]]
    assert verdicts == ["approve", "reject", None]
    assert not errors, errors
    context.close()


def test_a_model_switched_elsewhere_shows_on_the_next_reload(
    browser: Any, served: str, edges_tmp: Path
) -> None:
    # Another moderator (or replica operator) activated a version: this page went on naming the old one
    # as served, and outlined the comments the new one scored as "another version" (and not the others)
    # until the tab was signed in again.
    version = new_version_beside_the_shipped_one(edges_tmp / "versions")
    shipped = httpx.get(served + "/v1/model").json()["version"]
    before = queue_thread(served, "switch", INSULTS[:1])
    context, page, errors = open_article(browser, served, before)
    assert page.locator("#active-version").text_content() == shipped
    with api(served) as http:
        assert http.post(f"/v1/models/{version}:activate").status_code == 200
    try:
        after = queue_thread(served, "switch", INSULTS[1:2])  # both comments: one per version
        assert sorted(i["model_version"] for i in after) == sorted([shipped, version])
        page.get_by_role("button", name="Apply").click()
        page.wait_for_function("() => document.querySelectorAll('#queue li.item').length === 2")
        assert page.locator("#active-version").text_content() == version
        for item in after:
            badge = page.locator(f'li.item[data-id="{item["id"]}"] .badge')
            assert badge.text_content() == f"model {item['model_version']}"
            assert ("old" in badge.get_attribute("class")) == (item["model_version"] != version)
        assert not errors, errors
    finally:
        with api(served) as http:  # the other tests of this module run on the shipped version
            assert http.post(f"/v1/models/{shipped}:activate").status_code == 200
        context.close()


def test_the_risk_shown_is_the_one_the_queue_is_ordered_by(browser: Any, served: str) -> None:
    # The page showed the highest of all scores as "risk", where the queue orders by the highest score
    # of the attributes that flagged the comment: an Arabic insult flagged for insult (0.50) showed its
    # unsubstantial score (0.61), and the list read out of order under "riskiest first".
    texts = ["أنت غبي جدا! هذا التعليق سخيف.", *INSULTS, "lol ok", "The council vote was close."]
    items = queue_thread(served, "risk", texts)
    context, page, errors = open_article(browser, served, items)
    for item in items:
        names = item["flagged_attributes"] or list(item["scores"])
        expected = max(v for k, v in item["scores"].items() if k in names and v is not None)
        meta = page.locator(f'li.item[data-id="{item["id"]}"] .meta').text_content()
        shown = math.floor(expected * 100 + 1e-9) / 100  # rounded down, as the decision's reasons are
        assert meta.startswith(f"risk {shown:.2f} "), (meta, item["scores"], item["flagged_attributes"])
    assert not errors, errors
    context.close()


def test_pasted_lines_without_an_article_are_scored_alone_as_moderate_score_does(
    browser: Any, served: str
) -> None:
    # The page sent every line without an article_id in one request: one thread, each comment scored
    # against the others as off-topic context. `moderate score`, whose format the box takes, scores
    # such a line alone: an unrelated line was queued for review as off-topic among the others.
    texts = [
        "The council should cut the budget for roads this year.",
        "Roads budget is too high, the council must vote no.",
        "My cat loves tuna and sleeping in the sun all day long.",
    ]
    items = queue_thread(served, "jsonl-anchor", INSULTS[:1])
    context, page, errors = open_article(browser, served, items)
    since = httpx.get(served + "/v1/queue/" + items[0]["id"], headers=api(served).headers).json()[
        "created_at"
    ]
    page.get_by_label("Paste a scraped page").fill(
        "\n".join(json.dumps({"id": str(k), "text": t}) for k, t in enumerate(texts))
    )
    page.get_by_label("Source").fill("no-article-paste")
    page.get_by_role("button", name="Score and queue").click()
    page.wait_for_function("() => $text('#add-result').startsWith('Scored 3 ')".replace("$text", TEXT))
    queued = {i["text"]: i for i in queue(served, since=since) if i["source"] == "no-article-paste"}
    assert set(queued) == set(texts)
    with api(served) as http:
        for text in texts:
            alone = http.post("/v1/comments:score", json={"comments": [{"text": text}]}).json()["results"][0]
            assert queued[text]["scores"] == alone["scores"], text
            assert queued[text]["decision"] == alone["decision"]["verdict"], text
    assert not errors, errors
    context.close()


def test_a_pasted_line_whose_article_id_is_not_text_is_refused_as_moderate_score_does(
    browser: Any, served: str
) -> None:
    # A numeric article_id (a CMS export's) was dropped without a word: the line was queued with no
    # article, apart from its thread. `moderate score` refuses it: '"article_id" must be a string'.
    items = queue_thread(served, "jsonl-ids", INSULTS[:1])
    context, page, errors = open_article(browser, served, items)
    lines = [
        {"id": "n1", "text": "the council budget vote", "article_id": 12345},
        {"id": "n2", "text": "roads first", "article_id": 12345},
        {"id": "s1", "text": "what an idiot", "article_id": "jsonl-ids"},
    ]
    page.get_by_label("Paste a scraped page").fill("\n".join(json.dumps(x) for x in lines))
    page.get_by_role("button", name="Score and queue").click()
    page.wait_for_function("() => $text('#add-result').startsWith('Scored 1 ')".replace("$text", TEXT))
    said = page.locator("#add-result").text_content()
    assert 'Skipped 2 line(s): line 1: "article_id" must be a string' in said, said
    assert len(queue(served, article="jsonl-ids")) == 2
    assert not errors, errors
    context.close()


def test_a_pasted_lines_language_is_read_as_moderate_score_reads_it(browser: Any, served: str) -> None:
    # The page dropped each line's "language": a French export's short comments were scored by their
    # detected language (Spanish for "t'es con": no French model, every attribute unsupported), while
    # `moderate score` and the API score them in French. A "language" that is no string is refused.
    items = queue_thread(served, "jsonl-lang", INSULTS[:1])
    context, page, errors = open_article(browser, served, items)
    texts = ["t'es con", "quel abruti", "espèce de crétin"]
    lines = [
        {"id": f"l{k}", "text": t, "article_id": "jsonl-lang", "language": "fr"} for k, t in enumerate(texts)
    ]
    lines.append({"id": "bad", "text": "hello", "article_id": "jsonl-lang", "language": 5})
    page.get_by_label("Paste a scraped page").fill("\n".join(json.dumps(x) for x in lines))
    page.get_by_role("button", name="Score and queue").click()
    page.wait_for_function("() => $text('#add-result').startsWith('Scored 3 ')".replace("$text", TEXT))
    said = page.locator("#add-result").text_content()
    assert 'Skipped 1 line(s): line 4: "language" must be a string' in said, said
    queued = {i["text"]: i for i in queue(served, article="jsonl-lang") if i["text"] in texts}
    with api(served) as http:
        body = {"comments": [{"text": t} for t in texts], "language": "fr"}
        expected = http.post("/v1/comments:score", json=body).json()["results"]
    for text, want in zip(texts, expected, strict=True):
        got = queued[text]
        assert (got["judged_language"], got["scores"]) == (want["judged_language"], want["scores"]), text
        assert got["judged_language"] == "fr" and got["decision"] == want["decision"]["verdict"], text
    assert not errors, errors
    context.close()


def test_keys_act_on_the_comment_holding_the_focus(browser: Any, served: str) -> None:
    # Tab moved the focus into another comment's controls, but a / r still acted on the comment j / k
    # (or a click) had chosen last: the verdict went to a comment the moderator was not looking at.
    items = queue_thread(served, "focus", INSULTS)
    context, page, errors = open_article(browser, served, items)
    wait_focus(page, items[0]["id"])
    third = page.locator(f'li.item[data-id="{items[2]["id"]}"]')
    third.locator("input[name=attr]").first.focus()  # as Tab would
    page.keyboard.press("a")
    third.locator(".verdict").wait_for()
    with api(served) as http:
        verdicts = [http.get(f"/v1/queue/{i['id']}").json()["verdict"] for i in items]
    assert verdicts == [None, None, "approve"]
    assert "current" in (third.get_attribute("class") or "")
    assert not errors, errors
    context.close()


def test_a_token_the_browser_cannot_send_is_refused_at_sign_in(browser: Any, served: str) -> None:
    # A pasted token holding a typographic quote cannot go in a header (fetch throws, no answer): it
    # was kept and the page opened as if the service were down, every call failing with fetch's error.
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(served + "/")
    page.get_by_label("API token").fill(TOKEN + "\u2019")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#sign-in-error').textContent.length > 0")
    assert page.locator("#app").is_hidden()
    assert page.evaluate("() => sessionStorage.getItem('moderation.token')") is None
    context.close()


def test_load_more_continues_the_list_shown_not_filters_not_yet_applied(browser: Any, served: str) -> None:
    # "Load more" read the filter fields as they were at the click: a field changed without Apply
    # appended another list's next page (here: the comments of another article) to the one shown.
    items = queue_thread(served, "continue", many_comments(60))
    queue_thread(served, "continue-other", many_comments(60))
    context, page, errors = open_article(browser, served, items)
    page.locator("#f-article").fill("continue-other")  # typed, not applied
    page.get_by_role("button", name="Load more").click()
    page.wait_for_function("() => document.querySelectorAll('#queue li.item').length >= 60")
    page.wait_for_timeout(300)
    assert shown_ids(page) == [i["id"] for i in items]
    assert not errors, errors
    context.close()


def test_a_screen_reader_hears_which_comment_has_the_focus(browser: Any, served: str) -> None:
    # Every comment was named by its article's title (aria-labelledby its heading): moving with j / k,
    # a screen reader said the same title for each comment of a thread, never the comment a / r decide.
    from playwright.sync_api import expect

    items = queue_thread(served, "aria", INSULTS)
    context, page, errors = open_article(browser, served, items)
    for n, item in enumerate(items):
        wait_focus(page, item["id"])
        focused = page.locator("li.item:focus")
        expect(focused).to_have_accessible_name(f"Comment {n + 1}: {item['text']}")
        expect(focused).to_have_accessible_description(re.compile(r"decision \w+ .*Edge cases"))
        page.keyboard.press("j")
    page.keyboard.press("g")
    wait_focus(page, items[0]["id"])
    page.keyboard.press("r")  # decided: its verdict is read first
    page.locator(f'li.item[data-id="{items[0]["id"]}"] .verdict').wait_for()
    page.keyboard.press("g")
    wait_focus(page, items[0]["id"])
    expect(page.locator("li.item:focus")).to_have_accessible_description(re.compile(r"^Rejected for insult"))
    assert not errors, errors
    context.close()


def test_a_version_activated_on_another_replica_is_named_until_this_one_serves_it(
    browser: Any, served: str, edges_tmp: Path
) -> None:
    # Replicas share the versions directory: an activation on one rewrote ACTIVE, and the page of
    # another went on listing its old version as the active one, with nothing saying it lagged behind.
    versions = edges_tmp / "versions"
    version = "1.0123456789ab"
    if not (versions / version).is_dir():
        assert new_version_beside_the_shipped_one(versions) == version
    shipped = httpx.get(served + "/v1/model").json()["version"]
    items = queue_thread(served, "lagging", INSULTS[:1])
    (versions / "ACTIVE").write_text(version + "\n")  # as the other replica's activation does
    try:
        context, page, errors = open_article(browser, served, items)
        row = page.locator("#models-table tbody tr", has_text=version)
        row.locator("td", has_text="selected").wait_for()
        assert "not served here yet" in row.text_content()
        said = page.locator("#status").text_content()
        assert f"still serves {shipped}" in said and version in said, said
        assert page.locator("#active-version").text_content() == shipped
        assert not errors, errors
        context.close()
    finally:
        (versions / "ACTIVE").unlink()


def test_the_verdict_keys_work_with_caps_lock_and_a_non_latin_keyboard_layout(
    browser: Any, served: str
) -> None:
    # The keys were matched as typed: with Caps Lock on ("R"), or an Arabic, Hebrew or Cyrillic layout
    # active (the a key types "ش"), j / k / a / r silently did nothing.
    items = queue_thread(served, "layouts", INSULTS)
    context, page, errors = open_article(browser, served, items)
    press = (
        "([key, code]) => document.activeElement.dispatchEvent("
        "new KeyboardEvent('keydown', {key, code, bubbles: true}))"
    )
    wait_focus(page, items[0]["id"])
    page.evaluate(press, ["R", "KeyR"])  # Caps Lock
    page.locator(f'li.item[data-id="{items[0]["id"]}"] .verdict').wait_for()
    wait_focus(page, items[1]["id"])
    page.evaluate(press, ["ش", "KeyA"])  # the Arabic layout's a key
    page.locator(f'li.item[data-id="{items[1]["id"]}"] .verdict').wait_for()
    wait_focus(page, items[2]["id"])
    page.evaluate(press, ["л", "KeyK"])  # the Russian layout's k key: back to the second comment
    wait_focus(page, items[1]["id"])
    with api(served) as http:
        verdicts = [http.get(f"/v1/queue/{i['id']}").json()["verdict"] for i in items]
    assert verdicts == ["reject", "approve", None]
    assert not errors, errors
    context.close()


def test_a_mis_clicked_verdict_is_undone_with_u_and_a_decided_one_changed_with_a_button(
    browser: Any, served: str
) -> None:
    # A verdict could not be taken back: a mis-click stayed, and its feedback trained the model.
    items = queue_thread(served, "undo", INSULTS)
    context, page, errors = open_article(browser, served, items)
    first = page.locator(f'li.item[data-id="{items[0]["id"]}"]')

    def stored(item_id: str) -> tuple[str, str | None, int]:
        with api(served) as http:
            item = http.get(f"/v1/queue/{item_id}").json()
        return item["status"], item["verdict"], item["revision"]

    wait_focus(page, items[0]["id"])
    page.keyboard.press("r")  # the mis-click
    first.locator(".verdict").wait_for()
    wait_focus(page, items[1]["id"])
    assert page.locator("#undo-last").is_visible()
    page.keyboard.press("u")
    wait_focus(page, items[0]["id"])  # back on the comment, pending again, for the right verdict
    first.get_by_role("button", name="Approve comment 1 (shortcut a)").wait_for()
    assert stored(items[0]["id"]) == ("pending", None, 2)
    assert page.locator("#status").text_content() == "Undid the verdict on comment 1: it is pending again."
    assert not page.locator("#undo-last").is_visible()
    page.keyboard.press("a")
    first.locator(".verdict.approve").wait_for()
    assert stored(items[0]["id"]) == ("decided", "approve", 3)
    # A decided comment's verdict changed from its own button.
    first.get_by_role("button", name="Change the verdict on comment 1 to reject").click()
    first.locator(".verdict.reject").wait_for()
    assert stored(items[0]["id"]) == ("decided", "reject", 4)
    # Another moderator undoes it meanwhile: a change from the revision shown is refused, and theirs shown.
    with api(served) as http:
        assert http.post(f"/v1/queue/{items[0]['id']}:undo", json={"revision": 4}).status_code == 200
    first.get_by_role("button", name="Change the verdict on comment 1 to approve").click()
    first.get_by_role("button", name="Approve comment 1 (shortcut a)").wait_for()  # shown pending
    assert page.locator("#status").text_content().startswith("Changed by someone else meanwhile: ")
    assert stored(items[0]["id"]) == ("pending", None, 5)
    assert not errors, errors
    context.close()


def test_a_reply_shows_what_it_quoted_apart_from_its_own_words(browser: Any, served: str) -> None:
    # The queue kept a reply's own words only: the moderator never saw the insult it objected to.
    # The quote is shown above them, captioned with the quoted author, outside the comment's text.
    insult = "Only an idiot would ride a bike there, you are all idiots."
    own = "Please keep it civil, calling people names helps nobody."
    page_text = (
        "New protected cycle lane opens along the river road\n\n"
        "A new protected cycle lane along the river road opened to the public this weekend.\n\n"
        "2 Comments\n\n"
        f"kai_r • 3 hours ago\n{insult}\nReply • Share\n\n"
        f"Dana Wells • 2 hours ago\nkai_r wrote:\n{insult}\n\n{own}\nReply • Share\n"
    )
    with api(served) as http:
        r = http.post(
            "/v1/articles:score?queue=true&article_id=quoting",
            content=page_text.encode(),
            headers={"content-type": "text/plain"},
        )
        assert r.status_code == 200, r.text
    items = queue(served, article="quoting")
    context, page, errors = open_article(browser, served, items)
    reply = next(i for i in items if i["text"] == own)
    shown = page.locator(f'li.item[data-id="{reply["id"]}"]')
    assert shown.locator("blockquote.text").text_content() == own
    assert (
        shown.locator("figure.quoted figcaption").text_content()
        == "Quoting kai_r: not this commenter's words"
    )
    assert shown.locator("figure.quoted blockquote").text_content() == f"kai_r wrote:\n{insult}"
    assert shown.locator("figure.quoted mark").count() == 0  # never highlighted as the reply's evidence
    # Above the reply's own words, in the page's order.
    order = shown.evaluate(
        "li => [...li.querySelectorAll('figure.quoted, blockquote.text')].map(e => e.className)"
    )
    assert order == ["quoted", "text"]
    other = next(i for i in items if i["text"] == insult)
    assert page.locator(f'li.item[data-id="{other["id"]}"] figure.quoted').count() == 0
    assert not errors, errors
    context.close()
