"""A moderator's answer lost after COMMIT, over real HTTP: a `moderate serve` process (uvicorn, the shipped
model, SQLite) takes a keyed verdict and a keyed feedback, the client drops the connection once the write
is committed without reading the answer, and retries with the same Idempotency-Key."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.helpers import wait_until
from tests.service.api.conftest import TOKEN
from tests.service.api.test_uvicorn import server  # noqa: F401 (the fixture)

pytestmark = pytest.mark.slow

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def send_and_drop(base: str, path: str, body: dict, key: str, committed) -> None:
    """POST over a raw socket, wait until `committed()` sees the write in the database, then close the
    connection without reading a byte of the answer: a timeout or a proxy reset after COMMIT."""
    host, port = base.removeprefix("http://").split(":")
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Idempotency-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(head + payload)
        wait_until(committed, 60, what=f"{path} committed")


def rows(db: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def test_a_verdict_and_a_feedback_whose_answers_were_lost_are_replayed_on_retry(server, tmp_path):  # noqa: F811
    _proc, base = server
    db = tmp_path / "feedback.sqlite3"
    with httpx.Client(base_url=base, headers=AUTH, timeout=60) as http:
        r = http.post(
            "/v1/comments:score", json={"comments": [{"text": "You are a pathetic idiot"}], "queue": True}
        )
        assert r.status_code == 200, r.text
        item_id = r.json()["results"][0]["queue_id"]

        decided = lambda: rows(db, "SELECT status FROM queue_items WHERE id = ?", item_id) == [("decided",)]  # noqa: E731
        send_and_drop(base, f"/v1/queue/{item_id}:decide", {"verdict": "reject"}, "verdict-5e1c", decided)
        retry = http.post(
            f"/v1/queue/{item_id}:decide",
            json={"verdict": "reject"},
            headers={"Idempotency-Key": "verdict-5e1c"},
        )
        assert retry.status_code == 200, retry.text  # before: 409 "already decided: verdict 'reject'"
        assert retry.headers["idempotent-replayed"] == "true"
        assert (retry.json()["verdict"], retry.json()["revision"]) == ("reject", 1)
        flagged = retry.json()["flagged_attributes"]
        assert flagged and rows(db, "SELECT attribute FROM feedback WHERE queue_item_id = ?", item_id) == [
            (a,) for a in flagged
        ]
        assert (
            http.post(f"/v1/queue/{item_id}:decide", json={"verdict": "reject"}).status_code == 409
        )  # no key

        verdict = {"text": "Nobody asked, clown.", "attribute": "insult", "label": 1}
        stored = lambda: rows(db, "SELECT count(*) FROM feedback WHERE text = ?", verdict["text"]) == [(1,)]  # noqa: E731
        send_and_drop(base, "/v1/feedback", verdict, "feedback-77aa", stored)
        retry = http.post("/v1/feedback", json=verdict, headers={"Idempotency-Key": "feedback-77aa"})
        assert (retry.status_code, retry.headers["idempotent-replayed"]) == (201, "true"), retry.text
        (row_id,) = rows(db, "SELECT id FROM feedback WHERE text = ?", verdict["text"])[0]
        assert retry.json() == {"stored": True, "id": row_id, "message": "stored"}
        assert rows(db, "SELECT count(*) FROM feedback WHERE text = ?", verdict["text"]) == [
            (1,)
        ]  # before: 2

        other = http.post(
            "/v1/feedback", json=verdict | {"label": 0}, headers={"Idempotency-Key": "feedback-77aa"}
        )
        assert (other.status_code, other.json()["error"]["reason"]) == (422, "key_reused")

        # Two different keys in one request (uvicorn passes both on): before, the first was used and
        # the second dropped unseen.
        two = http.post(
            "/v1/feedback",
            json=verdict | {"label": 0},
            headers=[("Idempotency-Key", "feedback-77ab"), ("Idempotency-Key", "feedback-77ac")],
        )
        assert (two.status_code, two.json()["error"]["reason"]) == (422, "invalid_input"), two.text
        assert rows(db, "SELECT count(*) FROM feedback WHERE text = ?", verdict["text"]) == [(1,)]
