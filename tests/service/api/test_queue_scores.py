"""GET /v1/queue:scores, what the moderator page's plots read: each item's scores, verdict and what its
decision rests on, without its text, spans or quotes; paged with GET /v1/queue's cursor, behind its
token. In-process, and over real HTTP against a `moderate serve` uvicorn process."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import SEED_FILES
from tests.service.api.conftest import TOKEN, assert_error, auth
from tests.service.api.test_queue import THREAD, queue_thread
from tests.service.api.test_uvicorn import start, stop, wait_ready

COMPACT_FIELDS = (
    "scores",
    "verdict",
    "verdict_attributes",
    "judged_language",
    "context",
    "unsupported_attributes",
)


def compact(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in COMPACT_FIELDS}


def read_all(get: Any, path: str, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Every item of `path`, paged `limit` at a time with next_cursor; and how many pages it took."""
    items: list[dict[str, Any]] = []
    cursor, pages = None, 0
    while True:
        params = {"limit": str(limit)} | ({"cursor": cursor} if cursor else {})
        response = get(path, params=params, headers=auth())
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        pages += 1
        if not (cursor := response.json()["next_cursor"]):
            return items, pages


def queue_seed_and_reject_the_first(http: httpx.Client) -> list[dict[str, Any]]:
    """Over real HTTP: queues the first seed's thread, rejects its first item, and returns the queue."""
    seed = next(p for p in SEED_FILES if p.name.startswith("000_"))
    queued = http.post(
        "/v1/articles:score",
        params={"queue": "true", "source": seed.name},
        content=seed.read_bytes(),
        headers={"Content-Type": "text/plain", "Authorization": f"Bearer {TOKEN}"},
    )
    assert queued.status_code == 200, queued.text
    full, _ = read_all(http.get, "/v1/queue", 200)
    decided = http.post(f"/v1/queue/{full[0]['id']}:decide", json={"verdict": "reject"}, headers=auth())
    assert decided.status_code == 200, decided.text
    return read_all(http.get, "/v1/queue", 200)[0]


def queue_two_threads_and_reject_one(client: Any) -> list[dict[str, Any]]:
    """In-process: queues THREAD twice (six items), rejects the first thread's c1, and returns the queue."""
    ids = queue_thread(client)
    queue_thread(client, THREAD | {"comments": [c | {"id": c["id"] + "-again"} for c in THREAD["comments"]]})
    decided = client.post(f"/v1/queue/{ids['c1']}:decide", json={"verdict": "reject"}, headers=auth())
    assert decided.status_code == 200, decided.text
    return read_all(client.get, "/v1/queue", 200)[0]


def test_the_scores_are_the_queue_s_items_without_their_text(client):
    full = queue_two_threads_and_reject_one(client)
    scores, pages = read_all(client.get, "/v1/queue:scores", 4)
    assert pages == 2
    assert scores == [compact(i) for i in full]
    assert all(set(s) == set(COMPACT_FIELDS) for s in scores)
    assert [s["verdict"] for s in scores].count("reject") == 1
    # the filters are the queue's
    decided = client.get("/v1/queue:scores?status=decided&attribute=insult", headers=auth()).json()
    assert decided == {"items": [compact(i) for i in full if i["verdict"]], "next_cursor": None}
    assert client.get("/v1/queue:scores?article=other", headers=auth()).json()["items"] == []
    # one cursor for both reads: the listing's goes on in the scores where the listing does
    first = client.get("/v1/queue?limit=2", headers=auth()).json()
    rest = client.get("/v1/queue:scores", params={"cursor": first["next_cursor"]}, headers=auth()).json()
    assert rest["items"] == [compact(i) for i in full[2:]]


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=1001", "cursor=%25%25", "status=open", "attribute=nope", "since=yesterday"]
)
def test_bad_score_queries_are_422(client, query):
    assert_error(client.get("/v1/queue:scores?" + query, headers=auth()), 422)


def test_the_openapi_document_describes_the_scores_read(client):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/queue:scores"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "status", "decision", "attribute", "article", "decided_by", "author", "since", "until", "limit",
        "cursor",
    }  # fmt: skip
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    item = spec["components"]["schemas"]["ScoresItemOut"]
    assert schema == "ScoresPageOut" and set(item["properties"]) == set(COMPACT_FIELDS)


@pytest.mark.slow
def test_the_scores_over_real_http_with_the_token_and_paging(tmp_path):
    proc, base = start(tmp_path)
    try:
        wait_ready(proc, base)
        with httpx.Client(base_url=base, timeout=60) as http:
            full = queue_seed_and_reject_the_first(http)
            assert len(full) > 3
            scores, pages = read_all(http.get, "/v1/queue:scores", 3)
            assert pages == -(-len(full) // 3)
            assert scores == [compact(i) for i in full]
            assert scores[0]["verdict"] == "reject"
            assert_error(http.get("/v1/queue:scores"), 401, "unauthenticated")
            assert_error(http.get("/v1/queue:scores", headers=auth("not-the-token")), 403, "forbidden")
            assert_error(http.get("/v1/queue:scores?limit=1001", headers=auth()), 422)
            # a few hundred bytes an item, whatever the comment's length
            whole = http.get("/v1/queue", params={"limit": "200"}, headers=auth())
            small = http.get("/v1/queue:scores", params={"limit": "200"}, headers=auth())
            assert len(small.content) < len(whole.content) / 2, (len(small.content), len(whole.content))
    finally:
        log = stop(proc)
    assert "Traceback" not in log, log
