"""POST /v1/feedback and the embedded SQLite store behind it (the table `moderate train --feedback`
reads). The store's own suite, on SQLite and PostgreSQL, is tests/service/storage/."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from core.errors import InputError
from service.storage import Feedback, Store, Target
from tests.helpers import wait_until
from tests.service.api.conftest import assert_error, auth, make_client

URL = "/v1/feedback"
VERDICT = {"text": "You absolute clown.", "attribute": "insult", "label": 1, "article_id": "a-17"}


def _rows(path):
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT id, text, attribute, label, article_id, created_at FROM feedback"
        ).fetchall()


def test_verdict_is_written_durably_in_the_contract_schema(client, settings):
    r = client.post(URL, json=VERDICT, headers=auth())
    assert r.status_code == 201, r.text
    assert r.json() == {"stored": True, "id": 1, "message": "stored"}
    # Read through a separate connection, as `moderate train --feedback` does.
    rows = _rows(settings.db_path)
    assert [row[:5] for row in rows] == [(1, "You absolute clown.", "insult", 1, "a-17")]
    assert rows[0][5].endswith("+00:00")
    with sqlite3.connect(settings.db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        columns = [(c[1], c[2], c[3], c[5]) for c in conn.execute("PRAGMA table_info(feedback)")]
    assert columns == [
        ("id", "INTEGER", 1, 1),  # INTEGER PRIMARY KEY: the rowid, ids in insertion order
        ("text", "TEXT", 1, 0),
        ("attribute", "TEXT", 1, 0),
        ("label", "INTEGER", 1, 0),
        ("article_id", "TEXT", 0, 0),
        ("created_at", "TEXT", 1, 0),
        ("queue_item_id", "TEXT", 0, 0),
        ("judged_language", "VARCHAR(35)", 0, 0),  # a queue verdict's language: routes it in training
        ("author", "TEXT", 0, 0),  # who wrote the comment, when the poster said: a reader's erasure
    ]


def test_rows_survive_a_restart(settings):
    with make_client(settings) as c:
        c.post(URL, json=VERDICT, headers=auth())
    with make_client(settings) as c:
        r = c.post(URL, json=VERDICT | {"attribute": "off_topic", "label": 0}, headers=auth())
    assert r.json()["id"] == 2
    assert [row[2:4] for row in _rows(settings.db_path)] == [("insult", 1), ("off_topic", 0)]


def test_no_token_configured_disables_the_endpoint(settings):
    with make_client(settings.model_copy(update={"api_token": None})) as c:
        error = assert_error(c.post(URL, json=VERDICT, headers=auth()), 403, "disabled")
    assert "MODERATION_API_TOKEN" in error["message"]
    assert not settings.db_path.exists()


@pytest.mark.parametrize(
    "headers",
    [{}, auth("wrong"), {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}],
)
def test_missing_or_wrong_token_is_401(client, settings, headers):
    r = client.post(URL, json=VERDICT, headers=headers)
    assert_error(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"] == "Bearer"
    assert not settings.db_path.exists()


def test_do_not_store_request_stores_nothing(client, settings):
    r = client.post(URL, json=VERDICT | {"doNotStore": True}, headers=auth())
    assert r.status_code == 200
    assert r.json()["stored"] is False
    assert not settings.db_path.exists()


def test_do_not_store_setting_stores_nothing(settings):
    with make_client(settings.model_copy(update={"do_not_store": True})) as c:
        r = c.post(URL, json=VERDICT, headers=auth())
    assert r.json() == {"stored": False, "id": None, "message": "not stored: MODERATION_DO_NOT_STORE is set"}
    assert not settings.db_path.exists()


@pytest.mark.parametrize(
    ("payload", "status", "reason"),
    [
        (VERDICT | {"attribute": "threat"}, 422, "malformed"),  # no model: no verdicts for it
        (VERDICT | {"label": 2}, 422, "malformed"),
        (VERDICT | {"label": "yes"}, 422, "malformed"),
        (VERDICT | {"text": "  "}, 422, "empty"),
        (VERDICT | {"text": "\u200b\u200c"}, 422, "empty"),  # invisible: no verdict to learn from
        (VERDICT | {"text": "x" * 20_001}, 413, "too_large"),
        (VERDICT | {"article_id": "a" * 2049}, 422, "malformed"),  # training groups by it: bounded
        ({"attribute": "insult", "label": 1}, 422, "malformed"),
    ],
)
def test_bad_feedback_is_rejected_and_not_stored(client, settings, payload, status, reason):
    assert_error(client.post(URL, json=payload, headers=auth()), status, reason)
    assert not settings.db_path.exists()


def test_unwritable_database_is_503_not_500(settings, tmp_path):
    # Unwritable after the start (a path that can never be written stops the start: tests/service/
    # test_cli.py): a file where the store's folder was to be made.
    blocker = tmp_path / "file"
    with make_client(settings.model_copy(update={"db_path": blocker / "db.sqlite3"})) as c:
        blocker.write_text("not a directory")
        r = c.post(URL, json=VERDICT, headers=auth())
        assert_error(r, 503, "store_unavailable")
        assert r.headers["retry-after"] == "2"  # a 503 says when to retry


def test_store_validates_and_reads_back(tmp_path):
    store = Store.open(Target(path=tmp_path / "f.sqlite3"))
    assert store.add_feedback(Feedback("ok text", "off_topic", 0)) == 1
    for bad in (Feedback("t", "Not An Attribute", 1), Feedback("t", "insult", 3), Feedback(" ", "insult", 1)):
        with pytest.raises(InputError):
            store.add_feedback(bad)
    assert store.count_feedback() == 1
    assert store.feedback()[0].attribute == "off_topic"
    store.close()


def test_a_locked_database_is_503_not_500(settings):
    # Another process holding the write lock past the busy timeout (an operator's `BEGIN EXCLUSIVE`,
    # a backup tool): sqlite3.OperationalError "database is locked" escaped as a 500.
    import sqlite3

    with make_client(settings) as c:
        state = c.app.state.moderation
        state._store = Store.open(
            Target(path=settings.db_path),
            settings.database.model_copy(update={"sqlite_busy_timeout_s": 0.05}),
        )
        holder = sqlite3.connect(settings.db_path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            error = assert_error(c.post(URL, json=VERDICT, headers=auth()), 503, "store_unavailable")
            assert "locked" in error["message"]
            suggest = {
                "comment": {"text": "you idiot"},
                "attributeScores": {"INSULT": {"summaryScore": {"value": 1}}},
            }
            assert_error(c.post("/v1alpha1/comments:suggestscore", json=suggest, headers=auth()), 503)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert c.post(URL, json=VERDICT, headers=auth()).status_code == 201  # and it recovers


@pytest.mark.parametrize("pool_size", [5, 60])  # the default; more connections than threads
def test_a_locked_database_does_not_hold_up_scoring(settings, pool_size, monkeypatch):
    # Store requests waiting on a locked database (its busy timeout, then the pool's) took every thread
    # of the worker's threadpool: a thread of 20 comments, which needs no store, waited it out with them.
    # Shown by order, not a stopwatch: scoring answers while every writer still waits (each waits out
    # its 4 s timeouts), where it used to answer only once writers had given up and freed a thread.
    slow = settings.database.model_copy(
        update={"sqlite_busy_timeout_s": 4, "pool_timeout_s": 4, "pool_size": pool_size}
    )
    thread = {"comments": [{"text": f"comment {i} on the council budget"} for i in range(20)]}
    with make_client(settings.model_copy(update={"database": slow})) as c:
        assert c.post(URL, json=VERDICT, headers=auth()).status_code == 201
        state = c.app.state.moderation
        arrived: list[int] = []
        run_store = state.run_store

        async def counted_run_store(call):
            arrived.append(1)
            return await run_store(call)

        monkeypatch.setattr(state, "run_store", counted_run_store)
        statuses: list[int] = []
        writers = [
            threading.Thread(
                target=lambda: statuses.append(c.post(URL, json=VERDICT, headers=auth()).status_code)
            )
            for _ in range(55)
        ]
        holder = sqlite3.connect(settings.db_path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            for w in writers:
                w.start()
            wait_until(
                lambda: len(arrived) == len(writers) and state.store_slots.locked(),
                what="every writer waiting on the lock, or for one of the store's slots",
            )
            scored = c.post("/v1/comments:score", json=thread)
            finished_first = list(statuses)
            for w in writers:
                w.join()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert scored.status_code == 200 and finished_first == [], finished_first
    assert statuses == [503] * len(writers)
