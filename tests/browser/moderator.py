"""Driving the moderator's page in the browser tests: the API calls beside it (a thread queued, the queue
read), where it marks spans and moves the focus, signing in, a second model version, and what its plots
must print."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from model.artifact import read_manifest, seal_manifest
from service.settings import DEFAULT_MODEL_DIR, Settings
from tests.conftest import SEED_FILES
from tests.service.api.conftest import TOKEN
from tests.service.api.test_uvicorn import start, stop, wait_ready

SEED_THREAD = next(p for p in SEED_FILES if p.name.startswith("000_"))
THRESHOLDS = Settings().thresholds()
# wait_for_function takes a function's source: the page's CSP forbids evaluating a bare expression.
TEXT = "((sel) => document.querySelector(sel).textContent)"


def api(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {TOKEN}"})


def queue(base: str, **params: str) -> list[dict[str, Any]]:
    with api(base) as http:
        response = http.get("/v1/queue", params={"limit": "200", **params})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return list(response.json()["items"])


def expected_marks(item: dict[str, Any]) -> list[tuple[int, int, str]]:
    """The page's rule, from the API's data: spans of the attributes that reached review, overlapping
    ones merged; offsets are code points (Python str indices)."""
    text = item["text"]
    intervals = sorted(
        (max(0, s["start"]), min(len(text), s["end"]))
        for name in item["flagged_attributes"]
        for s in item["spans"].get(name, [])
        if min(len(text), s["end"]) > max(0, s["start"])
    )
    intervals.sort(key=lambda iv: (iv[0], -iv[1]))
    merged: list[list[int]] = []
    for begin, end in intervals:
        if merged and begin < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    return [(s, e, text[s:e]) for s, e in merged]


def shown_marks(page: Any, item_id: str) -> list[tuple[int, int, str]]:
    marks = page.locator(f'li.item[data-id="{item_id}"] blockquote mark').evaluate_all(
        "ms => ms.map(m => [Number(m.dataset.start), Number(m.dataset.end), m.textContent, m.title])"
    )
    for _s, _e, _t, title in marks:
        assert "(weight " in title, title  # the tooltip names the attribute and its weight
    return [(s, e, t) for s, e, t, _ in marks]


def wait_focus(page: Any, item_id: str) -> None:
    page.wait_for_function(f"() => document.activeElement?.dataset.id === '{item_id}'")


def sign_in_by_keyboard(page: Any, base: str, token: str = TOKEN) -> None:
    page.goto(base + "/")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'token'")
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    page.wait_for_selector("#queue li.item")


def new_version_beside_the_shipped_one(versions_dir: Path) -> str:
    """A copy of the shipped artifact under another version name (its files and hashes unchanged)."""
    shipped = str(read_manifest(DEFAULT_MODEL_DIR)["model_version"])
    version = "1.0123456789ab"
    copy = versions_dir / version
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    path = copy / "manifest.json"
    path.write_text(json.dumps(seal_manifest(json.loads(path.read_text().replace(shipped, version)))))
    return version


def precision_recall(items: list[dict[str, Any]], name: str, threshold: float) -> str:
    """What the page must print for `name` at `threshold`: a verdict speaks for the attributes it names
    (an approval naming none: all; a rejection naming none: none), reject = positive."""
    tp = fp = fn = n = 0
    for item in items:
        named = item["verdict_attributes"]
        if not item["verdict"] or item["scores"].get(name) is None:
            continue
        if (name not in named) if named else item["verdict"] == "reject":  # a reject naming none: no label
            continue
        n += 1
        positive, flagged = item["verdict"] == "reject", item["scores"][name] >= threshold
        tp += flagged and positive
        fp += flagged and not positive
        fn += positive and not flagged
    precision = f"{tp / (tp + fp):.2f}" if tp + fp else "n/a"
    recall = f"{tp / (tp + fn):.2f}" if tp + fn else "n/a"
    return f"against {n} verdicts: flagged (≥ review) precision {precision}, recall {recall}"


def page_review(page: Any, name: str) -> float:
    return float(page.locator(f"#slider-{name}-review").input_value())


def queue_thread(
    base: str, article_id: str, texts: list[str], title: str = "Edge cases"
) -> list[dict[str, Any]]:
    """Queue `texts` under `article_id`; returns the items riskiest first (the page's order)."""
    comments = [{"id": f"c{k}", "text": t} for k, t in enumerate(texts)]
    body = {"article": {"id": article_id, "title": title}, "comments": comments, "queue": True}
    with api(base) as http:
        assert http.post("/v1/comments:score", json=body).status_code == 200
    return queue(base, article=article_id)


def open_article(
    browser: Any, base: str, items: list[dict[str, Any]], token: str = TOKEN
) -> tuple[Any, Any, list[str]]:
    """A new tab signed in (with `token`), its queue filtered on the items' article (the first 50
    shown); the page errors are collected."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in_by_keyboard(page, base, token)
    page.locator("#f-article").fill(items[0]["article_id"])
    page.get_by_role("button", name="Apply").click()
    ids = json.dumps([i["id"] for i in items[:50]], separators=(",", ":"))  # the first page
    page.wait_for_function(
        f"() => JSON.stringify([...document.querySelectorAll('#queue li.item')].map(li => li.dataset.id))"
        f" === '{ids}'"
    )
    return context, page, errors


@contextmanager
def plot_reads(page: Any) -> Iterator[list[str]]:
    """The URLs of the API reads the page makes meanwhile (not the static files)."""
    urls: list[str] = []

    def seen(request: Any) -> None:
        if "/v1/" in request.url:
            urls.append(request.url)

    page.on("request", seen)
    try:
        yield urls
    finally:
        page.remove_listener("request", seen)


@contextmanager
def serving(tmp: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """A real `moderate serve` keeping its store and model versions under `tmp` (and with `env`'s
    variables), ready: its base URL. Stopped on exit, and its log must hold no traceback."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODERATION_VERSIONS_DIR", str(tmp / "versions"))
        for name, value in (env or {}).items():
            mp.setenv(name, value)
        proc, base = start(tmp)
    try:
        wait_ready(proc, base)
        yield base
    finally:
        log = stop(proc)
    assert "Traceback" not in log, log
