"""POST /v1/articles:score: a scraped page in, a score per comment out (real parser, fake scorer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ARTICLES_DIR, SEED_FILES
from tests.helpers import wait_until
from tests.service.api.conftest import assert_error

URL = "/v1/articles:score"


def _check_page(body: dict) -> None:
    assert body["model"] == {"version": "fake-1"}
    article = body["article"]
    assert set(article) == {
        "source",
        "format",
        "title",
        "body",
        "declared_comment_count",
        "dropped",
        "warnings",
    }
    assert isinstance(article["warnings"], list) and all(isinstance(w, str) for w in article["warnings"])
    for i, comment in enumerate(body["comments"]):
        assert comment["index"] == i
        assert comment["text"].strip()
        assert set(comment["scores"]) == {"insult", "off_topic"}
        assert comment["decision"]["verdict"] in ("approve", "review", "reject")


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.name)
def test_seed_pages_as_text_plain(client, seed):
    r = client.post(URL, content=seed.read_bytes(), headers={"content-type": "text/plain; charset=utf-8"})
    assert r.status_code == 200, r.text
    body = r.json()
    _check_page(body)
    assert body["article"]["format"] == "text"
    assert body["article"]["title"]


def test_comments_of_a_page_match_the_parser(client):
    from service.parse import parse_page

    seed = next(p for p in SEED_FILES if parse_page(p.read_bytes()).comments)
    expected = parse_page(seed.read_bytes(), fmt="text")
    body = client.post(URL, content=seed.read_bytes(), headers={"content-type": "text/plain"}).json()
    assert [c["text"] for c in body["comments"]] == [c.text for c in expected.comments]
    assert [c["author"] for c in body["comments"]] == [c.author for c in expected.comments]
    assert body["article"]["title"] == expected.title


def test_real_html_page(client):
    page = sorted(ARTICLES_DIR.rglob("*.html"))[0]
    r = client.post(URL, content=page.read_bytes(), headers={"content-type": "text/html"})
    assert r.status_code == 200, r.text
    _check_page(r.json())
    assert r.json()["article"]["format"] == "html"


def test_json_form_with_format_and_source(client):
    text = SEED_FILES[0].read_text(encoding="utf-8")
    r = client.post(URL, json={"content": text, "format": "text", "source": "https://example.org/a"})
    assert r.status_code == 200, r.text
    assert r.json()["article"]["source"] == "https://example.org/a"
    _check_page(r.json())


def test_missed_comments_warning_reaches_the_response(client):
    article = " ".join(["We walked the coast path to the lighthouse and stopped for tea halfway there."] * 4)
    html = "<html><body><h1>A walk to the lighthouse</h1>" + f"<p>{article}</p>" * 3
    html += "<h2>What readers said (6)</h2>"
    for name in ("Anna Berg", "Tom", "Maria S."):
        html += f"<div><p>I liked this walk a lot and would do it again, {name} here.</p>"
        html += f"<p>— {name}, 12/02/2024 18:40</p></div>"
    r = client.post(URL, content=html.encode(), headers={"content-type": "text/html"})
    assert r.status_code == 200, r.text
    _check_page(r.json())
    assert len(r.json()["comments"]) == 3
    assert any("declares 6 comment(s) but 3 were found" in w for w in r.json()["article"]["warnings"])


def test_source_query_parameter(client):
    r = client.post(
        URL + "?source=seed.txt", content=SEED_FILES[0].read_bytes(), headers={"content-type": "text/plain"}
    )
    assert r.json()["article"]["source"] == "seed.txt"


@pytest.mark.parametrize(
    ("content", "content_type", "status", "reason"),
    [
        (b"", "text/plain", 422, "empty"),
        (b"   \n\n  ", "text/plain", 422, "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "text/plain", 422, "binary"),
        (b"hello", "application/pdf", 415, "unsupported_media_type"),
        (b"hello", "", 415, "unsupported_media_type"),
        (b'{"content": 5}', "application/json", 422, "malformed"),
        (b'{"content": "x", "format": "pdf"}', "application/json", 422, "malformed"),
        (b"{not json", "application/json", 422, "malformed"),
        (b"[" * 10_000 + b"]" * 10_000, "application/json", 422, "malformed"),
        # The same checks for a page sent inside JSON (these answered 200 with an empty article).
        (b'{"content": "\\u0000\\u0000"}', "application/json", 422, "binary"),
        (b'{"content": "\\u200b \\ufeff"}', "application/json", 422, "empty"),
        (b'{"content": "x", "source": "' + b"s" * 2049 + b'"}', "application/json", 422, "malformed"),
    ],
)
def test_bad_pages_get_precise_errors(client, content, content_type, status, reason):
    headers = {"content-type": content_type} if content_type else {}
    assert_error(client.post(URL, content=content, headers=headers), status, reason)


def test_invalid_utf8_in_json_is_422(client):
    assert_error(
        client.post(URL, content=b'{"content": "caf\xe9"}', headers={"content-type": "application/json"}),
        422,
        "malformed",
    )


def test_page_size_limit_is_its_own(settings):
    from tests.service.api.conftest import make_client

    limits = settings.limits.model_copy(update={"max_page_bytes": 1000, "max_request_bytes": 10})
    with make_client(settings.model_copy(update={"limits": limits})) as c:
        # The page limit (1000 bytes) applies here, not the 10-byte request limit.
        ok = c.post(URL, content=b"Title\n\nSome body text.\n", headers={"content-type": "text/plain"})
        assert ok.status_code == 200, ok.text
        assert_error(
            c.post(URL, content=b"x" * 1001, headers={"content-type": "text/plain"}), 413, "too_large"
        )


def test_a_json_page_bigger_than_any_other_json_body_is_parsed_only_when_it_is_a_flat_object(
    settings, monkeypatch
):
    """A page may be sent as JSON up to the page limit (20 MiB), ten times the request limit that bounds
    how long any other JSON body holds the event loop: 20 MiB of `[],` beside the content took 4 s to
    parse there (every request of the worker, /healthz too, waited) and ~600 MB. A body over the
    request limit is parsed only when it is one object of a few plain values, as a page's JSON is."""
    from service.api import guards
    from tests.service.api.conftest import make_client

    parsed: list[int] = []
    real = guards.from_json
    monkeypatch.setattr(guards, "from_json", lambda data, **kw: parsed.append(len(data)) or real(data, **kw))
    limits = settings.limits.model_copy(update={"max_page_bytes": 100_000, "max_request_bytes": 1000})
    page = "Title\n\n" + "Some body text. " * 200
    json_ = {"content-type": "application/json"}
    with make_client(settings.model_copy(update={"limits": limits})) as c:
        hostile = b'{"content": "Title\\n\\nText.", "x": [' + b"[]," * 5000 + b"0]}"
        error = assert_error(c.post(URL, content=hostile, headers=json_), 422, "malformed")
        assert "one JSON object" in error["message"]
        assert parsed == []
        nested = b'{"content": "Title", "source": {"url": "' + b"u" * 2000 + b'"}}'
        assert_error(c.post(URL, content=nested, headers=json_), 422, "malformed")
        assert parsed == []
        # A big page in a flat object is parsed and scored as before, escapes, nulls and all.
        big = {"content": page, "format": "text", "source": None}
        r = c.post(URL, json=big)
        assert r.status_code == 200, r.text
        assert "Some body text." in r.json()["article"]["body"]
        flat_but_wrong = b'{"content": "' + b"x" * 2000 + b'", "format": "pdf", "coments": true}'
        assert_error(c.post(URL, content=flat_but_wrong, headers=json_), 422, "malformed")
        # Small bodies keep the parser's own errors (nesting depth and all).
        deep = b'{"content": ' + b"[" * 300 + b"]" * 300 + b"}"
        error = assert_error(c.post(URL, content=deep, headers=json_), 422, "malformed")
        assert "recursion limit" in error["message"]


def test_pages_are_parsed_a_few_at_a_time_per_worker(settings):
    # Parsing a 20 MiB page takes up to ~600 MB (HTML, measured) for seconds; without a bound, 40
    # concurrent uploads (the threadpool's size) could hold ~24 GB. The GIL makes more than a couple
    # at a time no faster anyway: the rest wait their turn, and all are answered.
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.parse import parse_page
    from tests.service.api.conftest import Loader

    lock = threading.Lock()
    running = peak = 0

    def slow_parser(data, **kwargs):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.2)  # deliberate: holds each parse open so that concurrent ones overlap
        with lock:
            running -= 1
        return parse_page(data, **kwargs)

    page = SEED_FILES[0].read_bytes()
    app = create_app(settings, scorer_loader=Loader(), page_parser=slow_parser)
    with TestClient(app) as c, ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(
                lambda _: c.post(URL, content=page, headers={"content-type": "text/plain"}).status_code,
                range(8),
            )
        )
    assert codes == [200] * 8
    assert peak == settings.limits.max_concurrent_pages == 2


@pytest.mark.parametrize("where", ["query", "json"])
@pytest.mark.parametrize("bad", ["\n", "\r", "\x1b[2J", "\x00", "\x85"])
def test_a_source_with_control_characters_is_refused_so_it_cannot_forge_log_lines(client, caplog, where, bad):
    """The page's source names it in the parser's warnings ("<source>: 1 invalid UTF-8 sequence(s),
    replaced"): a source holding a line break wrote a log line of the client's choosing (here an ERROR
    line saying the token was rotated), with no token needed. A URL or file name holds no control
    character: such a source is refused."""
    import logging

    page = "Café, naïve résumé\n\nBody \udcff text.\n\nComments\n\nalice\nnice\n".encode(
        "utf-8", "surrogateescape"
    )
    source = f"page{bad}ERROR:    service.api: the API token was rotated"
    with caplog.at_level(logging.INFO):
        if where == "query":
            r = client.post(
                URL, params={"source": source}, content=page, headers={"content-type": "text/plain"}
            )
        else:
            r = client.post(URL, json={"content": page.decode("utf-8", "replace"), "source": source})
    assert_error(r, 422, "malformed")
    served = [r for r in caplog.records if not r.name.startswith("httpx")]  # (the test client's own)
    assert not any("rotated" in record.getMessage() for record in served)
    ok = client.post(
        URL,
        params={"source": "https://example.org/a b?c=d"},
        content=page,
        headers={"content-type": "text/plain"},
    )
    assert ok.status_code == 200, ok.text


def test_pages_waiting_for_the_parser_are_bounded_so_comments_keep_their_slots(settings):
    """A page waiting for a parse slot held a slot of the in-flight limit for as long as the pages ahead
    of it took (seconds each): 64 uploads of a slow page made every other request, comment scoring
    included, answer 503 for minutes. Past `max_waiting_pages` a page is answered 503 at once."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.parse import parse_page
    from tests.service.api.conftest import Loader

    release = threading.Event()
    started = threading.Event()

    def held_parser(data, **kwargs):
        started.set()
        release.wait(30)  # deliberate: holds the one parse slot until the test lets it go
        return parse_page(data, **kwargs)

    limits = settings.limits.model_copy(
        update={"max_requests_in_flight": 4, "max_concurrent_pages": 1, "max_waiting_pages": 1}
    )
    app = create_app(
        settings.model_copy(update={"limits": limits}), scorer_loader=Loader(), page_parser=held_parser
    )
    page = SEED_FILES[0].read_bytes()
    with TestClient(app) as c, ThreadPoolExecutor(4) as pool:
        post = lambda: c.post(URL, content=page, headers={"content-type": "text/plain"})  # noqa: E731
        try:
            parsing = pool.submit(post)
            assert started.wait(30)
            waiting = pool.submit(post)
            slots = app.state.moderation.page_slots  # (made by the first page)
            wait_until(lambda: slots.waiting == 1, what="the second page waiting for the parse slot")
            refused = [pool.submit(post) for _ in range(2)]
            for r in (f.result(timeout=10) for f in refused):
                assert_error(r, 503, "overloaded")
                assert r.headers["retry-after"]
            scored = c.post("/v1/comments:score", json={"comments": [{"text": "hello"}]})
            assert scored.status_code == 200, scored.text
        finally:
            release.set()
        assert parsing.result(timeout=30).status_code == 200
        assert waiting.result(timeout=30).status_code == 200


def test_a_quoted_insult_is_shown_as_a_quote_and_not_scored_as_the_replys(client):
    """A reply quoting an insult to object to it: the answer keeps the text as the page shows it,
    lists the quote (span, author, words), and scores the reply's own words only."""
    page = Path(__file__).resolve().parents[1] / "platforms" / "phpbb_quotes.html"
    body = client.post(URL, content=page.read_bytes(), headers={"content-type": "text/html"}).json()
    insult, reply = body["comments"][2], body["comments"][3]
    assert reply["parent"] == 2 and reply["text"].startswith("kai_r wrote:")
    [quote] = reply["quotes"]
    assert quote["author"] == "kai_r" and quote["text"] == reply["text"][quote["start"] : quote["end"]]
    assert reply["own_text"] == "Please keep it civil, calling people names helps nobody."
    assert reply["scores"]["insult"] == 0.0 < insult["scores"]["insult"]


EXPORT = b'{"id": "1", "text": "You are an idiot"}\n{"id": "2", "text": "Fair point"}\n'
JSON_LD = b'{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "A headline"}\n'


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (EXPORT, "text/plain"),  # JSON lines: this answered 200 with no comment
        (b'{"comments": [{"text": "You are an idiot"}]}', "text/plain"),  # one JSON document
        (b'{"content": ' + json.dumps(EXPORT.decode()).encode() + b', "format": "text"}', "application/json"),
    ],
)
def test_comments_sent_as_a_page_are_refused_with_where_to_send_them(client, content, content_type):
    error = assert_error(
        client.post(URL, content=content, headers={"content-type": content_type}), 422, "malformed"
    )
    assert "POST /v1/comments:score" in error["message"]


def test_a_page_opening_with_json_ld_metadata_is_still_a_page(client):
    seed = SEED_FILES[0].read_bytes()
    r = client.post(URL, content=JSON_LD + seed, headers={"content-type": "text/plain"})
    assert r.status_code == 200, r.text
    plain = client.post(URL, content=seed, headers={"content-type": "text/plain"}).json()
    body = r.json()
    assert len(body["comments"]) == len(plain["comments"]) == 14
    assert body["article"]["title"] == plain["article"]["title"]
