"""The Idempotency-Key header on moderators' writes (POST /v1/feedback, /v1/queue/{id}:decide, :undo):
a retry whose first answer was lost gets that answer again (`Idempotent-Replayed: true`) and writes
nothing; the key for another request is a 422; refused requests store no key; without the header
nothing changes (the other API tests)."""

from __future__ import annotations

import sqlite3

import pytest

from tests.service.api.conftest import assert_error, auth
from tests.service.api.test_queue import THREAD, queue_thread, stored_feedback

VERDICT = {"text": "You absolute clown.", "attribute": "insult", "label": 1, "article_id": "a-17"}


def keyed(key: str | bytes) -> dict[str, str | bytes]:
    return auth() | {"Idempotency-Key": key}


def feedback_rows(settings) -> int:
    with sqlite3.connect(settings.db_path) as conn:
        return int(conn.execute("SELECT count(*) FROM feedback").fetchone()[0])


def test_a_retried_feedback_gets_the_first_answer_and_writes_one_row(client, settings):
    first = client.post("/v1/feedback", json=VERDICT, headers=keyed("fb-7f3a"))
    again = client.post("/v1/feedback", json=dict(reversed(VERDICT.items())), headers=keyed("fb-7f3a"))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content == b'{"stored":true,"id":1,"message":"stored"}'
    assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
    assert feedback_rows(settings) == 1
    other = client.post("/v1/feedback", json=VERDICT, headers=keyed("fb-other"))
    assert other.json()["id"] == 2 and feedback_rows(settings) == 2


def test_a_retried_verdict_gets_its_200_not_a_409_naming_itself(client, settings):
    item_id = queue_thread(client)["c3"]
    path = f"/v1/queue/{item_id}:decide"
    first = client.post(path, json={"verdict": "reject"}, headers=keyed("d-1"))
    again = client.post(path, json={"verdict": "reject", "attributes": None}, headers=keyed("d-1"))
    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert again.json()["revision"] == 1
    flagged = first.json()["flagged_attributes"]
    assert flagged and stored_feedback(settings) == [("moron", a, 1, item_id) for a in flagged]  # not twice
    assert_error(client.post(path, json={"verdict": "reject"}, headers=auth()), 409, "conflict")  # no key


def test_a_retried_undo_and_correction_get_their_answers(client, settings):
    item_id = queue_thread(client)["c3"]
    path = f"/v1/queue/{item_id}"
    client.post(path + ":decide", json={"verdict": "reject"}, headers=auth())
    fix = [
        client.post(path + ":decide", json={"verdict": "approve", "revision": 1}, headers=keyed("c-1"))
        for _ in "ab"
    ]
    assert [r.status_code for r in fix] == [200, 200] and fix[0].content == fix[1].content
    undo = [client.post(path + ":undo", json={"revision": 2}, headers=keyed("u-1")) for _ in "ab"]
    assert [r.status_code for r in undo] == [200, 200] and undo[0].content == undo[1].content
    assert undo[1].json()["status"] == "pending" and undo[1].headers["idempotent-replayed"] == "true"
    assert client.get(path, headers=auth()).json()["revision"] == 3
    assert stored_feedback(settings) == []


@pytest.mark.parametrize(
    ("second", "says"),
    [
        ({"verdict": "approve"}, "was first sent to POST /v1/queue/{id}:decide with a different body"),
        ({"verdict": "reject", "attributes": []}, "with a different body"),
    ],
)
def test_the_same_key_with_another_request_is_422_naming_the_mismatch(client, second, says):
    ids = queue_thread(client)
    client.post(f"/v1/queue/{ids['c3']}:decide", json={"verdict": "reject"}, headers=keyed("k-9"))
    body = assert_error(
        client.post(f"/v1/queue/{ids['c3']}:decide", json=second, headers=keyed("k-9")), 422, "key_reused"
    )
    assert says in body["message"]
    body = assert_error(
        client.post(f"/v1/queue/{ids['c1']}:decide", json={"verdict": "reject"}, headers=keyed("k-9")),
        422,
        "key_reused",
    )
    assert f"for queue item {ids['c3']}, not {ids['c1']}" in body["message"]
    body = assert_error(client.post("/v1/feedback", json=VERDICT, headers=keyed("k-9")), 422, "key_reused")
    assert "with POST /v1/queue/{id}:decide, not POST /v1/feedback" in body["message"]
    assert client.get(f"/v1/queue/{ids['c1']}", headers=auth()).json()["status"] == "pending"


def test_a_refused_request_stores_no_key_and_its_retry_is_evaluated_again(client, settings):
    ids = queue_thread(client)
    assert_error(
        client.post("/v1/queue/nosuchitem:decide", json={"verdict": "reject"}, headers=keyed("r-1")), 404
    )
    assert_error(client.post(f"/v1/queue/{ids['c3']}:undo", json={"revision": 0}, headers=keyed("r-1")), 409)
    r = client.post(f"/v1/queue/{ids['c3']}:decide", json={"verdict": "reject"}, headers=keyed("r-1"))
    assert r.status_code == 200 and "idempotent-replayed" not in r.headers


def test_do_not_store_stores_no_key_either(client, settings):
    r = client.post("/v1/feedback", json=VERDICT | {"doNotStore": True}, headers=keyed("dns-1"))
    assert r.status_code == 200 and r.json()["stored"] is False
    r = client.post("/v1/feedback", json=VERDICT, headers=keyed("dns-1"))
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert feedback_rows(settings) == 1


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (b"", "header is empty"),
        (b"k" * 256, "header has 256 characters"),
        ("caf\u00e9".encode(), "holds byte 0xC3 at position 3, which is not printable ASCII"),
        (b"tab\there", "holds byte 0x09 at position 3"),
    ],
)
@pytest.mark.parametrize("route", ["feedback", "decide", "undo"])
def test_a_key_that_is_empty_too_long_or_not_printable_ascii_is_422_saying_which(
    client, settings, key, says, route
):
    item_id = queue_thread(client)["c3"]
    path, body = {
        "feedback": ("/v1/feedback", VERDICT),
        "decide": (f"/v1/queue/{item_id}:decide", {"verdict": "reject"}),
        "undo": (f"/v1/queue/{item_id}:undo", {"revision": 0}),
    }[route]
    error = assert_error(client.post(path, json=body, headers=keyed(key)), 422, "invalid_input")
    assert says in error["message"] and "1 to 255 printable ASCII" in error["message"]
    assert (
        feedback_rows(settings) == 0
        and client.get(f"/v1/queue/{item_id}", headers=auth()).json()["revision"] == 0
    )


def test_the_openapi_schema_shows_the_header_and_the_replay_mark(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, status in (
        ("/v1/feedback", "201"),
        ("/v1/queue/{item_id}:decide", "200"),
        ("/v1/queue/{item_id}:undo", "200"),
    ):
        operation = paths[path]["post"]
        (header,) = [
            p for p in operation["parameters"] if p["in"] == "header" and p["name"] == "Idempotency-Key"
        ]
        assert "Idempotent-Replayed" in header["description"]
        assert "Idempotent-Replayed" in operation["responses"][status]["headers"]


def test_a_key_of_the_queueing_routes_is_checked_as_before(client):
    error = assert_error(
        client.post("/v1/comments:score", json=THREAD, headers=keyed(b"")), 422, "invalid_input"
    )
    assert "header is empty" in error["message"]


def test_two_different_keys_in_one_request_are_a_422_not_the_first_silently(client, settings):
    # Two Idempotency-Key headers: the first was used and the second dropped, so a retry that sent
    # them the other way round wrote a second row.
    two = [("Authorization", auth()["Authorization"]), ("Idempotency-Key", "k-a"), ("Idempotency-Key", "k-b")]
    error = assert_error(client.post("/v1/feedback", json=VERDICT, headers=two), 422, "invalid_input")
    assert "2 Idempotency-Key headers with different values" in error["message"]
    same = [*two[:2], ("Idempotency-Key", "k-a")]  # one key repeated: the same request
    assert client.post("/v1/feedback", json=VERDICT, headers=same).status_code == 201
    again = client.post("/v1/feedback", json=VERDICT, headers=keyed("k-a"))
    assert again.headers["idempotent-replayed"] == "true" and feedback_rows(settings) == 1


def test_a_retried_verdict_is_replayed_after_a_reload_dropped_an_attribute_it_names(client, loader):
    # The attribute check ran before the key was looked up: a verdict naming an attribute of the model
    # then served (not one the item was scored with), retried after a reload to a model without it, got
    # a 422 instead of its own answer.
    from tests.service.api.conftest import FAMILY

    item_id = queue_thread(client)["c3"]  # scored with insult and off_topic only
    loader.fake = {"attributes": FAMILY}
    assert client.post("/v1/admin/reload", headers=auth()).status_code == 200
    path = f"/v1/queue/{item_id}:decide"
    body = {"verdict": "reject", "attributes": ["toxicity"]}
    first = client.post(path, json=body, headers=keyed("d-reload"))
    assert first.status_code == 200 and first.json()["verdict_attributes"] == ["toxicity"], first.text
    loader.fake = {}
    assert client.post("/v1/admin/reload", headers=auth()).status_code == 200
    again = client.post(path, json=body, headers=keyed("d-reload"))
    assert again.status_code == 200, again.text
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    # without a stored answer the same request is refused as before: the attribute is unknown now
    assert_error(client.post(path, json=body, headers=keyed("d-new")), 422)
    assert_error(client.post(path, json=body, headers=auth()), 422)
