"""The moderator page's plots in a real headless Chromium against a real `moderate serve`: what they
count follows the service's rule, and they read every stored item through the compact
GET /v1/queue:scores, page by page."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.moderator import (
    TEXT,
    api,
    page_review,
    precision_recall,
    queue,
    queue_thread,
    sign_in_by_keyboard,
)
from tests.service.api.test_uvicorn import start, stop, wait_ready

pytestmark = pytest.mark.slow


def test_the_threshold_view_follows_the_service_rule_for_context_language_and_unsupported_attributes(
    browser: Any, tmp_path: Path
) -> None:
    # The view counted a lone "lol" as review (off_topic >= its threshold, but off_topic decides nothing
    # without an article or thread), rejected a comment whose insult model was not trained for its
    # language (the service only reviews it), and ignored a site's thresholds for German comments.
    german = {"review": 0.95, "reject": 0.97}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODERATION_VERSIONS_DIR", str(tmp_path / "versions"))
        mp.setenv(
            "MODERATION_LANGUAGE_THRESHOLDS", json.dumps({"de": {"insult": german, "toxicity": german}})
        )
        proc, base = start(tmp_path)
    try:
        wait_ready(proc, base)
        requests = [
            {"comments": [{"text": "lol"}]},  # no article, no thread
            {"comments": [{"text": "Idiot!"}], "language": "es"},  # no model trained for Spanish
            {"comments": [{"text": "Du bist ein kompletter Vollidiot, halt einfach die Klappe."}]},
        ]
        with api(base) as http:
            for body in requests:
                assert http.post("/v1/comments:score", json=body | {"queue": True}).status_code == 200
        items = queue(base)
        decisions = {i["text"]: i["decision"] for i in items}
        assert decisions == {
            "lol": "approve",
            "Idiot!": "review",
            "Du bist ein kompletter Vollidiot, halt einfach die Klappe.": "approve",
        }
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in_by_keyboard(page, base)
        page.wait_for_function("() => $text('#plots-basis').startsWith('From 3 ')".replace("$text", TEXT))
        # At the service's own thresholds the view's split is the service's decisions.
        assert page.locator("#threshold-summary").text_content() == (
            "With these thresholds: 2 approved, 1 sent to review, 0 rejected."
        )
        counts = {
            name: page.locator(f'#plots figure[data-attribute="{name}"] .counts').first.text_content()
            for name in ("off_topic", "insult")
        }
        assert counts == {
            "off_topic": "0 to review, 0 to reject, of 3",
            "insult": "1 to review, 0 to reject, of 3",
        }
        assert not errors, errors
        context.close()
    finally:
        log = stop(proc)
    assert "Traceback" not in log, log


def test_the_plots_page_through_the_compact_read_and_count_every_item(browser: Any, tmp_path: Path) -> None:
    # The plots read GET /v1/queue:scores, 1,000 a request; here 7 (the request rewritten on its way),
    # so the page's cursor loop runs: every stored item counted once, as the full listing gives them.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODERATION_VERSIONS_DIR", str(tmp_path / "versions"))
        proc, served = start(tmp_path)
    try:
        wait_ready(proc, served)
        plots_page_through_the_compact_read(browser, served)
    finally:
        log = stop(proc)
    assert "Traceback" not in log, log


def plots_page_through_the_compact_read(browser: Any, served: str) -> None:
    texts = [f"comment {k}: you are a {'pathetic idiot' if k % 2 else 'reader'}" for k in range(30)]
    items = queue_thread(served, "plots-paging", texts)
    with api(served) as http:
        for item, body in zip(
            items,
            ({"verdict": "reject", "attributes": ["insult"]}, {"verdict": "approve"}, {"verdict": "reject"}),
            strict=False,
        ):
            assert http.post(f"/v1/queue/{item['id']}:decide", json=body).status_code == 200
    everything = queue(served)  # the 30 items, whole
    page_size = 7
    reads: list[str] = []

    def smaller_pages(route: Any) -> None:
        url = route.request.url.replace("limit=1000", f"limit={page_size}")
        reads.append(url)
        route.continue_(url=url)

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**/v1/queue:scores?*", smaller_pages)
    sign_in_by_keyboard(page, served)
    verdicts = sum(1 for i in everything if i["verdict"])
    caption = f"From {len(everything)} stored comments, {verdicts} with a verdict."
    page.wait_for_function(f"() => $text('#plots-basis') === {json.dumps(caption)}".replace("$text", TEXT))
    assert len(reads) == math.ceil(len(everything) / page_size)
    assert all(f"limit={page_size}" in u for u in reads) and all("cursor=" in u for u in reads[1:])
    attributes = httpx.get(served + "/v1/model").json()["attributes"]
    for name in attributes:
        values = [i["scores"][name] for i in everything if i["scores"].get(name) is not None]
        bins = [0] * 20
        for v in values:
            bins[min(19, math.floor(v * 20))] += 1
        figure = page.locator(f'#plots figure[data-attribute="{name}"]')
        titles = figure.locator("svg.histogram rect.bar title").all_text_contents()
        assert [int(t.rsplit(": ", 1)[1].split()[0]) for t in titles] == bins, name
        expected = precision_recall(everything, name, page_review(page, name))
        assert expected in figure.locator(".counts").nth(1).text_content()
    # at the service's thresholds the split is the stored decisions
    split = {d: sum(i["decision"] == d for i in everything) for d in ("approve", "review", "reject")}
    assert page.locator("#threshold-summary").text_content() == (
        f"With these thresholds: {split['approve']} approved, {split['review']} sent to review, "
        f"{split['reject']} rejected."
    )
    assert not errors, errors
    context.close()
