"""A news site's page calling Perspective's comments:analyze from the reader's browser (a comment form
that scores as the reader types), against a real `moderate serve` with MODERATION_CORS_ORIGINS: real
Chromium makes the preflight and the cross-origin call. Each page comes from a small server of its own
on another port (another origin; on loopback like the API, since Chromium keeps pages of public
origins from calling loopback addresses at all)."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.service.api.test_uvicorn import start, stop, wait_ready

pytestmark = pytest.mark.slow

# What the page runs: the score of one comment, or the error it could read, or why fetch failed.
CALL = """async ([url, text]) => {
  try {
    const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({comment: {text}, requestedAttributes: {INSULT: {}}})});
    return {status: r.status, body: await r.json()};
  } catch (e) { return {failed: String(e)}; }
}"""


@contextlib.contextmanager
def site() -> Iterator[str]:
    """A page server on a port of its own: its origin, e.g. http://127.0.0.1:40123."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!doctype html><p>comment form</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def call_from(browser: Any, origin: str, base: str, text: str) -> dict[str, Any]:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(origin + "/")
        result: dict[str, Any] = page.evaluate(CALL, [base + "/v1alpha1/comments:analyze", text])
        return result
    finally:
        context.close()


def test_a_listed_site_scores_comments_from_the_browser_and_others_cannot(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with site() as listed, site() as other:
        monkeypatch.setenv("MODERATION_CORS_ORIGINS", json.dumps([listed]))
        proc, base = start(tmp_path)
        try:
            wait_ready(proc, base)
            toxic = call_from(browser, listed, base, "You are a complete idiot.")
            civil = call_from(browser, listed, base, "Thanks, the budget figures were useful.")
            assert toxic.get("status") == civil.get("status") == 200, (toxic, civil)
            value = lambda r: r["body"]["attributeScores"]["INSULT"]["summaryScore"]["value"]  # noqa: E731
            assert value(toxic) > 0.5 > value(civil)
            empty = call_from(browser, listed, base, "   ")  # the page can read Perspective's error too
            assert empty.get("status") == 400, empty
            assert empty["body"]["error"]["details"][0]["errorType"] == "COMMENT_EMPTY"
            refused = call_from(browser, other, base, "You are a complete idiot.")
            assert "failed" in refused, refused  # the browser withholds the answer from an unlisted origin
        finally:
            stop(proc)
