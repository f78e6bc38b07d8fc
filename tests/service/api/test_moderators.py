"""Moderators' own tokens (MODERATION_MODERATOR_TOKENS): each reads the queue, decides, undoes, queues
comments and posts feedback, and each verdict stores the name that gave it; erasure, model activation,
reloads and Perspective's suggestscore take the API token alone. In-process; over real HTTP with the
moderator's page in tests/browser/test_moderator_page.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.service.api.conftest import TOKEN, assert_error, auth, make_client
from tests.service.api.test_queue import queue_thread, stored_feedback

ALICE, BOB = "alice-token-for-the-tests", "bob-token-for-the-tests!"


@pytest.fixture
def desk(settings) -> Iterator[TestClient]:
    with make_client(settings.model_copy(update={"moderator_tokens": {"alice": ALICE, "bob": BOB}})) as c:
        yield c


def decide(client: TestClient, item_id: str, token: str, **body: object):
    return client.post(f"/v1/queue/{item_id}:decide", json={"verdict": "reject", **body}, headers=auth(token))


def test_each_verdict_names_the_moderator_whose_token_gave_it(desk, settings):
    ids = queue_thread(desk)
    listed = desk.get("/v1/queue", headers=auth(ALICE))
    assert listed.status_code == 200 and len(listed.json()["items"]) == 3
    assert all(i["decided_by"] is None for i in listed.json()["items"])
    mine = decide(desk, ids["c1"], ALICE)
    assert mine.status_code == 200, mine.text
    assert mine.json()["decided_by"] == "alice"
    assert desk.get(f"/v1/queue/{ids['c1']}", headers=auth(BOB)).json()["decided_by"] == "alice"
    # the API token's verdicts name no one
    assert decide(desk, ids["c3"], TOKEN).json()["decided_by"] is None
    # a correction names who corrected; an undo leaves the item pending, named by no one
    corrected = decide(desk, ids["c1"], BOB, verdict="approve", revision=1)
    assert (corrected.json()["verdict"], corrected.json()["decided_by"]) == ("approve", "bob")
    undone = desk.post(f"/v1/queue/{ids['c1']}:undo", json={"revision": 2}, headers=auth(ALICE))
    assert (undone.json()["status"], undone.json()["decided_by"]) == ("pending", None)
    assert {row[3] for row in stored_feedback(settings)} == {ids["c3"]}  # c1's undone verdict left none


def test_a_late_verdict_is_told_who_gave_the_one_that_stands(desk):
    ids = queue_thread(desk)
    assert decide(desk, ids["c1"], ALICE).status_code == 200
    error = assert_error(decide(desk, ids["c1"], BOB, verdict="approve"), 409, "conflict")
    assert "verdict 'reject' by alice at" in error["message"], error["message"]
    assert error["details"][0]["current"]["decided_by"] == "alice"


def test_a_moderator_queues_comments_and_posts_feedback(desk, settings):
    r = desk.post(
        "/v1/comments:score",
        json={"comments": [{"id": "x", "text": "you idiot"}], "queue": True},
        headers=auth(ALICE),
    )
    assert r.status_code == 200 and r.json()["results"][0]["queue_id"], r.text
    row = {"text": "you idiot", "attribute": "insult", "label": 1}
    posted = desk.post("/v1/feedback", json=row, headers=auth(BOB))
    assert posted.status_code == 201, posted.text


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("DELETE", "/v1/queue/{item}", None),
        ("POST", "/v1/queue:erase", {"article_id": "a-17"}),
        ("POST", "/v1/queue:erase", "{not json"),  # refused for who sent it before the body is read
        ("DELETE", "/v1/feedback/1", None),
        ("POST", "/v1/admin/reload", None),
        ("POST", "/v1/models/fake-1:activate", None),
    ],
)
def test_erasure_reloads_and_model_activation_take_the_api_token_alone(desk, method, path, body):
    ids = queue_thread(desk)
    url = path.format(item=ids["c1"])
    content = body if isinstance(body, str) else None
    json_body = body if isinstance(body, dict) else None
    r = desk.request(method, url, json=json_body, content=content, headers=auth(ALICE))
    error = assert_error(r, 403, "insufficient_scope")  # not "forbidden": the token itself is valid
    assert "takes the API token (MODERATION_API_TOKEN)" in error["message"], error["message"]
    assert r.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'

    assert desk.get(f"/v1/queue/{ids['c1']}", headers=auth(TOKEN)).status_code == 200  # nothing erased
    assert desk.get("/v1/model").json()["version"] == "fake-1"


def test_perspective_suggestscore_takes_the_api_token_alone(desk):
    body = {"comment": {"text": "you idiot"}, "attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}}
    refused = desk.post(f"/v1alpha1/comments:suggestscore?key={ALICE}", json=body)
    assert refused.status_code == 403, refused.text
    assert desk.post(f"/v1alpha1/comments:suggestscore?key={TOKEN}", json=body).status_code == 200


def test_a_token_no_longer_configured_is_refused(settings):
    with make_client(settings.model_copy(update={"moderator_tokens": {"bob": BOB}})) as c:
        assert_error(c.get("/v1/queue", headers=auth(ALICE)), 403, "forbidden")
        row = {"text": "x", "attribute": "insult", "label": 1}
        assert_error(c.post("/v1/feedback", json=row, headers=auth(ALICE)), 401)
        assert c.get("/v1/queue", headers=auth(BOB)).status_code == 200


def test_one_idempotency_key_from_two_moderators_is_two_requests(desk):
    # A key replays its sender's own answer; another moderator's request under the same key is refused,
    # not answered with the first moderator's verdict as if it were theirs.
    ids = queue_thread(desk)
    headers = {"Idempotency-Key": "k-desk-1"}
    first = desk.post(
        f"/v1/queue/{ids['c1']}:decide", json={"verdict": "reject"}, headers=auth(ALICE) | headers
    )
    again = desk.post(
        f"/v1/queue/{ids['c1']}:decide", json={"verdict": "reject"}, headers=auth(ALICE) | headers
    )
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    other = desk.post(
        f"/v1/queue/{ids['c1']}:decide", json={"verdict": "reject"}, headers=auth(BOB) | headers
    )
    error = assert_error(other, 422)
    # (the bodies are alike: the message said only "with a different body", which misled: bug hunt)
    assert "or by another moderator" in error["message"], error
    assert desk.get(f"/v1/queue/{ids['c1']}", headers=auth(TOKEN)).json()["decided_by"] == "alice"


def test_one_feedback_idempotency_key_from_two_moderators_is_two_requests(desk):
    # POST /v1/feedback did not sign its key with the sender: Bob, sending Alice's key with the same body,
    # got her 201 replayed, and his verdict was never written.
    verdict = {"text": "You absolute clown.", "attribute": "insult", "label": 1}
    headers = {"Idempotency-Key": "k-feedback-1"}
    first = desk.post("/v1/feedback", json=verdict, headers=auth(ALICE) | headers)
    again = desk.post("/v1/feedback", json=verdict, headers=auth(ALICE) | headers)
    assert first.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert_error(desk.post("/v1/feedback", json=verdict, headers=auth(BOB) | headers), 422, "key_reused")
    token = desk.post("/v1/feedback", json=verdict, headers=auth(TOKEN) | {"Idempotency-Key": "k-feedback-2"})
    assert token.status_code == 201 and token.json()["id"] == first.json()["id"] + 1


def test_the_queue_and_its_counts_filter_on_who_decided(desk):
    # A desk lead reviews one moderator's verdicts: GET /v1/queue, :scores and :stats take decided_by.
    ids = queue_thread(desk)
    decide(desk, ids["c1"], ALICE)
    decide(desk, ids["c2"], BOB, verdict="approve")
    decide(desk, ids["c3"], ALICE, verdict="approve")
    alices = desk.get("/v1/queue", params={"decided_by": "alice"}, headers=auth(BOB)).json()["items"]
    assert sorted(i["id"] for i in alices) == sorted([ids["c1"], ids["c3"]])
    scores = desk.get("/v1/queue:scores", params={"decided_by": "bob"}, headers=auth(TOKEN)).json()
    assert [s["verdict"] for s in scores["items"]] == ["approve"]
    stats = desk.get("/v1/queue:stats", params={"decided_by": "alice"}, headers=auth(TOKEN)).json()
    assert (stats["items"], stats["verdicts"]) == (2, {"approve": 1, "reject": 1})
    assert desk.get("/v1/queue", params={"decided_by": "carol"}, headers=auth(TOKEN)).json()["items"] == []


@pytest.mark.parametrize("name", ["", "al ice", "-alice", "a" * 65, "alice\n"])
def test_a_decided_by_filter_no_moderator_could_have_is_422(desk, name):
    assert_error(desk.get("/v1/queue", params={"decided_by": name}, headers=auth(TOKEN)), 422)


def test_an_item_s_history_says_who_gave_corrected_and_undid_each_verdict(desk):
    ids = queue_thread(desk)
    url = f"/v1/queue/{ids['c1']}/history"
    assert desk.get(url, headers=auth(ALICE)).json() == {"item_id": ids["c1"], "events": []}
    decide(desk, ids["c1"], ALICE)
    decide(desk, ids["c1"], BOB, verdict="approve", revision=1)
    desk.post(f"/v1/queue/{ids['c1']}:undo", json={"revision": 2}, headers=auth(TOKEN))
    history = desk.get(url, headers=auth(BOB))
    assert history.status_code == 200, history.text
    events = history.json()["events"]
    assert [(e["revision"], e["action"], e["verdict"], e["decided_by"]) for e in events] == [
        (1, "decide", "reject", "alice"),
        (2, "correct", "approve", "bob"),
        (3, "undo", None, None),
    ]
    assert events[0]["attributes"] == ["insult"] and events[2]["attributes"] is None
    assert_error(desk.get(url), 401)
    assert_error(desk.get(f"/v1/queue/{'f' * 32}/history", headers=auth(ALICE)), 404, "not_found")
    erased = desk.delete(f"/v1/queue/{ids['c1']}", headers=auth(TOKEN))
    assert erased.json()["deleted"]["verdict_events"] == 3
    assert_error(desk.get(url, headers=auth(TOKEN)), 404, "not_found")


def test_metrics_count_each_moderator_s_verdicts_once(desk):
    # A desk's pace per moderator; a retried keyed verdict (replayed) is not a second verdict.
    def count(verdict: str, moderator: str) -> float:
        prefix = f'moderation_verdicts_total{{moderator="{moderator}",verdict="{verdict}"}} '
        lines = [ln for ln in desk.get("/metrics").text.splitlines() if ln.startswith(prefix)]
        return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0

    ids = queue_thread(desk)
    keyed = auth(ALICE) | {"Idempotency-Key": "k-metrics"}
    for _ in range(2):
        assert desk.post(
            f"/v1/queue/{ids['c1']}:decide", json={"verdict": "reject"}, headers=keyed
        ).is_success
    decide(desk, ids["c2"], TOKEN, verdict="approve")
    desk.post(f"/v1/queue/{ids['c1']}:undo", json={"revision": 1}, headers=auth(BOB))
    assert (count("reject", "alice"), count("approve", "api_token"), count("undo", "bob")) == (1, 1, 1)
    assert count("reject", "bob") == 0


def test_whoami_names_the_moderator_or_the_api_token(desk):
    assert desk.get("/v1/whoami", headers=auth(ALICE)).json() == {"moderator": "alice", "api_token": False}
    assert desk.get("/v1/whoami", headers=auth(TOKEN)).json() == {"moderator": None, "api_token": True}
    assert_error(desk.get("/v1/whoami"), 401, "unauthenticated")
    assert_error(desk.get("/v1/whoami", headers=auth("a-token-no-one-holds")), 401, "unauthenticated")


def test_the_desk_s_activity_counts_each_moderator_for_the_api_token_alone(desk):
    ids = queue_thread(desk)
    decide(desk, ids["c1"], ALICE)
    decide(desk, ids["c1"], BOB, verdict="approve", revision=1)
    decide(desk, ids["c2"], TOKEN)
    r = desk.get("/v1/queue:activity", headers=auth(TOKEN))
    assert r.status_code == 200, r.text
    body = r.json()
    rows = {
        m["moderator"]: (m["verdicts"], m["approved"], m["rejected"], m["changed_by_others"])
        for m in body["moderators"]
    }
    assert rows == {"alice": (1, 0, 1, 1), "bob": (1, 1, 0, 0), None: (1, 0, 1, 0)}
    assert body["since"] < body["as_of"]
    future = desk.get("/v1/queue:activity", params={"since": "2999-01-01T00:00:00Z"}, headers=auth(TOKEN))
    assert future.json()["moderators"] == []
    assert_error(desk.get("/v1/queue:activity", params={"since": "last week"}, headers=auth(TOKEN)), 422)
    # workplace data about the moderators: not theirs to read
    assert_error(desk.get("/v1/queue:activity", headers=auth(ALICE)), 403, "insufficient_scope")
