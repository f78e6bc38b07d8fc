"""Erasure over real HTTP: a `moderate serve` process (uvicorn, the shipped model, SQLite) queues a reader's
comment, a moderator decides it with an Idempotency-Key, and the erasure leaves no copy of the words in
any table nor in the database file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.service.api.conftest import TOKEN
from tests.service.api.test_uvicorn import server  # noqa: F401 (the fixture)

pytestmark = pytest.mark.slow

AUTH = {"Authorization": f"Bearer {TOKEN}"}
MARKER = "Zyxwort-reader-9902"


def copies(db: Path) -> int:
    """Rows holding the marker in any table that keeps a comment's words."""
    with sqlite3.connect(db) as conn:
        return sum(
            conn.execute(f"SELECT count(*) FROM {table} WHERE {column} LIKE ?", (f"%{MARKER}%",)).fetchone()[
                0
            ]
            for table, column in (("queue_items", "text"), ("feedback", "text"), ("idempotency_keys", "body"))
        )


def test_erasing_a_comment_and_an_article_over_real_http(server, tmp_path):  # noqa: F811
    _proc, base = server
    db = tmp_path / "feedback.sqlite3"
    thread = {
        "comments": [{"text": f"You are a pathetic idiot, {MARKER}"}, {"text": "Thanks for the report."}],
        "article": {"id": "article-41", "title": "Bridge budget", "body": "The council voted."},
        "queue": True,
    }
    with httpx.Client(base_url=base, timeout=60) as http:
        r = http.post("/v1/comments:score", json=thread, headers=AUTH)
        assert r.status_code == 200, r.text
        first, second = (x["queue_id"] for x in r.json()["results"])
        key = AUTH | {"Idempotency-Key": "verdict-erase-1"}
        decided = http.post(f"/v1/queue/{first}:decide", json={"verdict": "reject"}, headers=key)
        assert decided.status_code == 200, decided.text
        assert copies(db) >= 2  # the item, its feedback row(s) and the answer kept for a retry

        assert http.delete(f"/v1/queue/{first}").status_code == 401
        assert (
            http.delete(
                f"/v1/queue/{first}", headers={"Authorization": "Bearer wrong-token-16-chars"}
            ).status_code
            == 403
        )
        r = http.delete(f"/v1/queue/{first}", headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.json()["deleted"]["queue_items"] == 1 and r.json()["deleted"]["idempotency_keys"] == 1
        assert copies(db) == 0
        assert (
            http.post(f"/v1/queue/{first}:decide", json={"verdict": "reject"}, headers=key).status_code == 404
        )

        posted = http.post(
            "/v1/feedback",
            json={"text": f"{MARKER} again", "attribute": "insult", "label": 1, "article_id": "article-41"},
            headers=AUTH,
        )
        assert posted.status_code == 201, posted.text
        r = http.post("/v1/queue:erase", json={"article_id": "article-41"}, headers=AUTH)
        assert r.status_code == 200, r.text
        assert (r.json()["deleted"]["queue_items"], r.json()["deleted"]["feedback"]) == (1, 1)
        assert http.get(f"/v1/queue/{second}", headers=AUTH).status_code == 404
        assert http.delete(f"/v1/feedback/{posted.json()['id']}", headers=AUTH).status_code == 404
    with sqlite3.connect(db) as conn:  # the server is idle: the write-ahead log can be emptied
        assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    for path in (db, Path(f"{db}-wal")):
        assert not path.exists() or MARKER.encode() not in path.read_bytes(), path
