"""Erasure over HTTP (in process): DELETE /v1/queue/{id}, POST /v1/queue:erase, DELETE /v1/feedback/{id}:
the token, MODERATION_DO_NOT_STORE, 404/409, the counts answered, and nothing left to read or replay."""

from __future__ import annotations

import pytest

from tests.service.api.conftest import assert_error, auth, make_client
from tests.service.api.test_queue import THREAD, queue_thread, stored_feedback

ERASE_CALLS = [
    ("DELETE", "/v1/queue/0123456789abcdef0123456789abcdef", None),
    ("POST", "/v1/queue:erase", {"article_id": "a-17"}),
    ("DELETE", "/v1/feedback/1", None),
]


def call(client, method: str, path: str, body: dict | None, headers: dict | None = None):
    return client.request(method, path, json=body, headers=headers or {})


@pytest.mark.parametrize(("method", "path", "body"), ERASE_CALLS)
def test_erasure_needs_the_token_and_a_store(client, settings, method, path, body):
    assert_error(call(client, method, path, body), 401, "unauthenticated")
    assert_error(call(client, method, path, body, auth("wrong-token-of-16-chars")), 403, "forbidden")
    with make_client(settings.model_copy(update={"do_not_store": True})) as c:
        assert_error(call(c, method, path, body, auth()), 403, "disabled")


def test_erasing_an_item_deletes_it_with_its_verdict_and_the_answer_kept_for_a_retry(client, settings):
    ids = queue_thread(client)
    key = {"Idempotency-Key": "verdict-1"}
    decided = client.post(f"/v1/queue/{ids['c3']}:decide", json={"verdict": "reject"}, headers=auth() | key)
    assert decided.status_code == 200, decided.text
    flagged = decided.json()["flagged_attributes"]
    r = client.delete(f"/v1/queue/{ids['c3']}", headers=auth())
    assert r.status_code == 200, r.text
    assert r.json() == {
        "erased": True,
        "deleted": {
            "queue_items": 1,
            "pending": 0,
            "queue_flags": len(flagged),
            "feedback": len(flagged),
            "idempotency_keys": 1,
            "verdict_events": 1,
        },
    }
    assert_error(client.get(f"/v1/queue/{ids['c3']}", headers=auth()), 404, "not_found")
    assert_error(client.delete(f"/v1/queue/{ids['c3']}", headers=auth()), 404, "not_found")
    # The retry of the verdict replays no stored copy of the comment: the item is gone.
    retry = client.post(f"/v1/queue/{ids['c3']}:decide", json={"verdict": "reject"}, headers=auth() | key)
    assert_error(retry, 404, "not_found")
    assert "moron" not in retry.text
    assert all(f[3] != ids["c3"] for f in stored_feedback(settings))
    listed = client.get("/v1/queue", headers=auth()).json()["items"]
    assert sorted(i["id"] for i in listed) == sorted([ids["c1"], ids["c2"]])


def test_erasing_an_article_deletes_its_items_and_its_feedback(client, settings):
    ids = queue_thread(client)
    queue_thread(client, THREAD | {"article": THREAD["article"] | {"id": "other"}})
    client.post(
        f"/v1/queue/{ids['c1']}:decide", json={"verdict": "reject", "attributes": ["insult"]}, headers=auth()
    )
    posted = {"text": "the vote was rigged, idiots", "attribute": "insult", "label": 1, "article_id": "a-17"}
    assert client.post("/v1/feedback", json=posted, headers=auth()).status_code == 201
    r = client.post("/v1/queue:erase", json={"article_id": "a-17"}, headers=auth())
    assert r.status_code == 200, r.text
    deleted = r.json()["deleted"]
    assert (deleted["queue_items"], deleted["pending"], deleted["feedback"]) == (3, 2, 2)
    left = client.get("/v1/queue", headers=auth()).json()["items"]
    assert len(left) == 3 and {i["article_id"] for i in left} == {"other"}
    assert stored_feedback(settings) == []
    again = client.post("/v1/queue:erase", json={"article_id": "a-17"}, headers=auth())
    assert again.json()["deleted"] == dict.fromkeys(deleted, 0)


@pytest.mark.parametrize("body", [{}, {"article_id": ""}, {"article_id": "a", "extra": 1}, {"article_id": 7}])
def test_an_article_erasure_without_a_valid_article_id_is_a_422(client, body):
    assert_error(client.post("/v1/queue:erase", json=body, headers=auth()), 422)


def test_erasing_a_feedback_row_posted_directly(client, settings):
    posted = client.post(
        "/v1/feedback", json={"text": "clown", "attribute": "insult", "label": 1}, headers=auth()
    ).json()
    ids = queue_thread(client)
    client.post(
        f"/v1/queue/{ids['c3']}:decide", json={"verdict": "reject", "attributes": ["insult"]}, headers=auth()
    )
    verdict_row = posted["id"] + 1
    conflict = assert_error(client.delete(f"/v1/feedback/{verdict_row}", headers=auth()), 409, "conflict")
    assert ids["c3"] in conflict["message"]
    r = client.delete(f"/v1/feedback/{posted['id']}", headers=auth())
    assert r.status_code == 200, r.text
    assert r.json()["deleted"]["feedback"] == 1
    assert_error(client.delete(f"/v1/feedback/{posted['id']}", headers=auth()), 404, "not_found")
    assert [f[0] for f in stored_feedback(settings)] == ["moron"]
    assert_error(client.delete("/v1/feedback/0", headers=auth()), 422)


def test_openapi_lists_the_erasure_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "delete" in paths["/v1/queue/{item_id}"]
    assert "post" in paths["/v1/queue:erase"]
    assert "delete" in paths["/v1/feedback/{row_id}"]


@pytest.mark.parametrize(
    ("method", "path", "bad"),
    [
        ("delete", "/v1/queue/{item_id}", "/v1/queue/" + "a" * 65),
        ("get", "/v1/queue/{item_id}", "/v1/queue/" + "a" * 65),
        ("delete", "/v1/feedback/{row_id}", "/v1/feedback/0"),
    ],
)
def test_openapi_documents_the_422_these_routes_answer(client, method, path, bad):
    # The 422 of a path parameter out of bounds was documented as FastAPI's HTTPValidationError
    # ({"detail": [...]}) while the service answers its own error body ({"error": {...}}).
    doc = client.get("/openapi.json").json()["paths"][path][method]["responses"]["422"]
    assert doc["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorBody"
    assert_error(client.request(method.upper(), bad, headers=auth()), 422)


@pytest.mark.parametrize(
    "path", ["/v1/queue/{item_id}:decide", "/v1/queue/{item_id}:undo", "/v1/queue:erase"]
)
def test_openapi_documents_the_413_of_a_body_over_the_limit(client, settings, path):
    # These routes answer 413 for a body over MODERATION_LIMITS__MAX_REQUEST_BYTES; OpenAPI did not say so.
    assert "413" in client.get("/openapi.json").json()["paths"][path]["post"]["responses"]
    body = b'{"article_id": "' + b"x" * (settings.limits.max_request_bytes + 1) + b'"}'
    sent = client.post(
        path.format(item_id="abc"), content=body, headers=auth() | {"Content-Type": "application/json"}
    )
    assert_error(sent, 413, "too_large")
