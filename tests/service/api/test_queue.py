"""The review queue over HTTP: queueing while scoring, listing, reading and deciding, and the errors."""

from __future__ import annotations

import base64

import pytest

from service.storage import Store, Target
from tests.conftest import SEED_FILES
from tests.service.api.conftest import FakeScorer, Loader, assert_error, auth, make_client

THREAD = {
    "article": {"id": "a-17", "title": "Council budget vote", "body": "The council voted on the budget."},
    "comments": [
        {"id": "c1", "text": "the council budget vote is idiot"},
        {"id": "c2", "text": "The budget vote was close"},
        {"id": "c3", "text": "moron"},
    ],
    "queue": True,
}
ITEM_FIELDS = {
    "id", "article_id", "article_title", "source", "text", "scores", "spans", "decision", "reasons",
    "flagged_attributes", "risk", "language", "judged_language", "model_version", "created_at", "status",
    "verdict", "verdict_attributes", "decided_at", "decided_by", "revision", "context",
    "unsupported_attributes", "quotes", "author",
}  # fmt: skip


def queue_thread(client, thread: dict = THREAD) -> dict[str, str]:
    return {res["id"]: res["queue_id"] for res in score_thread(client, thread)}


def score_thread(client, thread: dict = THREAD) -> list[dict]:
    r = client.post("/v1/comments:score", json=thread, headers=auth())
    assert r.status_code == 200, r.text
    return list(r.json()["results"])


def stored_feedback(settings):
    store = Store.open(Target(path=settings.db_path))
    try:
        return [(f.text, f.attribute, f.label, f.queue_item_id) for f in store.feedback()]
    finally:
        store.close()


def test_queued_comments_are_listed_riskiest_first_with_everything_the_page_shows(client, settings):
    results = score_thread(client)
    r = client.get("/v1/queue", headers=auth())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["next_cursor"] is None
    items = body["items"]
    thresholds = settings.thresholds()

    def expected_risk(res):  # the decision first, then the highest score among the flagging attributes
        rank = {"reject": 2.0, "review": 1.0}.get(res["decision"]["verdict"], 0.0)
        flagged = [
            a
            for a, v in res["scores"].items()
            if thresholds[a].review is not None and v >= thresholds[a].review
        ]
        return rank + max(v for a, v in res["scores"].items() if a in (flagged or res["scores"]))

    risk = {res["queue_id"]: expected_risk(res) for res in results}
    assert [i["id"] for i in items] == sorted(risk, key=lambda i: (-risk[i], i))
    assert len(set(risk.values())) > 1  # the order is not only by id
    by_id = {i["id"]: i for i in items}
    for res, comment in zip(results, THREAD["comments"], strict=True):
        item = by_id[res["queue_id"]]
        assert set(item) == ITEM_FIELDS
        assert (item["text"], item["article_id"], item["article_title"], item["source"]) == (
            comment["text"], "a-17", "Council budget vote", None,
        )  # fmt: skip
        assert (item["scores"], item["risk"]) == (res["scores"], risk[res["queue_id"]])
        assert (item["decision"], item["reasons"]) == (res["decision"]["verdict"], res["decision"]["reasons"])
        assert item["spans"] == res["spans"]
        assert item["judged_language"] == res["judged_language"]
        assert item["flagged_attributes"] == [
            a for a, v in res["scores"].items() if v >= thresholds[a].review
        ]
        assert (item["model_version"], item["status"], item["verdict"], item["decided_at"]) == (
            "fake-1", "pending", None, None,
        )  # fmt: skip
        assert item["language"] == res["language"]  # the language scoring reported ("und": unknown)
    moron = by_id[results[2]["queue_id"]]
    assert moron["spans"]["insult"] == [{"start": 0, "end": 5, "text": "moron", "weight": 1.0}]
    assert moron["decision"] == "reject" and "insult" in moron["flagged_attributes"]


def test_an_item_keeps_what_its_decision_rested_on_context_and_unsupported_attributes(family_client):
    # The page's threshold view could not follow the service's rule without them: a lone "lol" counted
    # as review for off_topic, and a reject of an attribute not trained for the language as a reject.
    body = {"comments": [{"text": "lol"}], "language": "de", "queue": True}
    r = family_client.post("/v1/comments:score", json=body, headers=auth())
    assert r.status_code == 200, r.text
    (res,) = r.json()["results"]
    item = family_client.get(f"/v1/queue/{res['queue_id']}", headers=auth()).json()
    assert item["context"] == res["context"] == "none"
    assert item["unsupported_attributes"] == [a for a, ok in res["language_supported"].items() if not ok]
    assert "insult" in item["unsupported_attributes"] and "toxicity" not in item["unsupported_attributes"]
    assert family_client.get("/v1/model").json()["context_attributes"] == ["off_topic"]


def test_the_scoring_answer_is_unchanged_apart_from_queue_ids_and_spans(client):
    plain = client.post("/v1/comments:score", json=THREAD | {"queue": False}).json()
    queued = client.post("/v1/comments:score", json=THREAD, headers=auth()).json()
    for p, q in zip(plain["results"], queued["results"], strict=True):
        assert len(q.pop("queue_id")) == 32
        assert set(q.pop("spans")) == {"insult", "off_topic"}
        assert (q.pop("queued_before"), q.pop("model_version")) == (False, queued["model"]["version"])
        assert p == q


def test_pages_are_queued_with_their_title_and_source(client):
    page = SEED_FILES[0].read_bytes()
    r = client.post(
        "/v1/articles:score?queue=true&source=https://example.org/p",
        content=page,
        headers=auth() | {"content-type": "text/plain"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["comments"] and all(len(c["queue_id"]) == 32 for c in body["comments"])
    items = client.get("/v1/queue?limit=200", headers=auth()).json()["items"]
    assert len(items) == len(body["comments"])
    assert {i["article_title"] for i in items} == {body["article"]["title"]}
    assert {(i["source"], i["article_id"]) for i in items} == {("https://example.org/p",) * 2}
    assert {i["text"] for i in items} == {c["text"] for c in body["comments"]}


def test_a_queued_reply_keeps_what_it_quoted_beside_its_own_words(client):
    """The queue stored a reply's own words only: the moderator never saw what it quoted. The item
    keeps each quote (its author and words) apart from `text`, which stays the reply's own words."""
    page = (
        "New protected cycle lane opens along the river road\n\n"
        "A new protected cycle lane along the river road opened to the public this weekend.\n\n"
        "2 Comments\n\n"
        "kai_r • 3 hours ago\nOnly an idiot would ride a bike there, you are all idiots.\nReply • Share\n\n"
        "Dana Wells • 2 hours ago\nkai_r wrote:\nOnly an idiot would ride a bike there, you are all idiots."
        "\n\nPlease keep it civil, calling people names helps nobody.\nReply • Share\n"
    )
    r = client.post(
        "/v1/articles:score?queue=true&source=https://example.org/q",
        content=page.encode(),
        headers=auth() | {"content-type": "text/plain"},
    )
    assert r.status_code == 200, r.text
    items = {i["text"]: i for i in client.get("/v1/queue?limit=200", headers=auth()).json()["items"]}
    reply = items["Please keep it civil, calling people names helps nobody."]
    assert reply["quotes"] == [
        {
            "author": "kai_r",
            "text": "kai_r wrote:\nOnly an idiot would ride a bike there, you are all idiots.",
        }
    ]
    assert items["Only an idiot would ride a bike there, you are all idiots."]["quotes"] == []


@pytest.mark.parametrize(("headers", "status"), [({}, 401), (auth("wrong"), 403)])
def test_queueing_needs_the_token_and_stores_nothing_without_it(client, settings, headers, status):
    assert_error(client.post("/v1/comments:score", json=THREAD, headers=headers), status)
    r = client.post(
        "/v1/articles:score?queue=true",
        content=b"Title\n\nBody",
        headers=headers | {"content-type": "text/plain"},
    )
    assert_error(r, status)
    assert not settings.db_path.exists()
    # Scoring without queueing needs no token.
    assert client.post("/v1/comments:score", json=THREAD | {"queue": False}).status_code == 200


def test_queueing_is_refused_when_nothing_may_be_stored(settings):
    with make_client(settings.model_copy(update={"do_not_store": True})) as c:
        error = assert_error(c.post("/v1/comments:score", json=THREAD, headers=auth()), 403, "disabled")
        assert "MODERATION_DO_NOT_STORE" in error["message"]
        assert c.post("/v1/comments:score", json=THREAD | {"queue": False}).status_code == 200
    assert not settings.db_path.exists()


def test_the_queue_is_disabled_when_nothing_may_be_stored(settings):
    # Items queued before MODERATION_DO_NOT_STORE was set could still be decided, which stored the
    # verdict and copied each comment's text into new feedback rows; reading created the database.
    with make_client(settings) as c:
        item_id = queue_thread(c)["c1"]
    before = stored_feedback(settings)
    with make_client(settings.model_copy(update={"do_not_store": True})) as c:
        for response in (
            c.post(f"/v1/queue/{item_id}:decide", json={"verdict": "reject"}, headers=auth()),
            c.get(f"/v1/queue/{item_id}", headers=auth()),
            c.get("/v1/queue", headers=auth()),
            c.get("/v1/queue:scores", headers=auth()),
        ):
            assert "MODERATION_DO_NOT_STORE" in assert_error(response, 403, "disabled")["message"]
        assert_error(c.get("/v1/queue"), 401, "unauthenticated")  # the token is checked first
    assert stored_feedback(settings) == before
    with make_client(settings) as c:
        assert c.get(f"/v1/queue/{item_id}", headers=auth()).json()["status"] == "pending"

    fresh = settings.model_copy(
        update={"do_not_store": True, "db_path": settings.db_path.with_name("new.db")}
    )
    with make_client(fresh) as c:
        assert_error(c.get("/v1/queue", headers=auth()), 403, "disabled")
        assert_error(c.get("/v1/queue:scores", headers=auth()), 403, "disabled")
    assert not fresh.db_path.exists()


def test_queueing_more_text_than_the_explain_budget_is_413(settings):
    tight = settings.limits.model_copy(update={"max_queue_chars": 30})
    with make_client(settings.model_copy(update={"limits": tight})) as c:
        assert_error(c.post("/v1/comments:score", json=THREAD, headers=auth()), 413, "too_large")


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/v1/queue", "get"),
        ("/v1/queue:scores", "get"),
        ("/v1/queue/x", "get"),
        ("/v1/queue/x:decide", "post"),
        ("/v1/queue/x:undo", "post"),
    ],
)
@pytest.mark.parametrize(
    ("headers", "status", "reason"), [({}, 401, "unauthenticated"), (auth("no"), 403, "forbidden")]
)
def test_queue_endpoints_need_the_token(client, path, method, headers, status, reason):
    kwargs = (
        {"json": {"verdict": "approve"} if path.endswith(":decide") else {"revision": 1}}
        if method == "post"
        else {}
    )
    assert_error(getattr(client, method)(path, headers=headers, **kwargs), status, reason)


def test_filters_and_pagination_over_http(client):
    ids = queue_thread(client)
    # Three more comments with the same words (other comment ids) in the same thread: 6 items.
    queue_thread(client, THREAD | {"comments": [c | {"id": c["id"] + "-again"} for c in THREAD["comments"]]})

    def listed(query: str) -> list[str]:
        r = client.get("/v1/queue?" + query, headers=auth())
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert len(listed("")) == 6
    assert set(listed("attribute=insult")) >= {ids["c1"], ids["c3"]} and len(listed("attribute=insult")) == 4
    assert len(listed("decision=approve")) == 2
    assert len(listed("article=a-17")) == 6 and listed("article=other") == []
    assert len(listed("since=2000-01-01T00:00:00Z&until=2999-01-01")) == 6
    assert listed("since=2999-01-01T00:00:00%2B00:00") == []
    client.post(f"/v1/queue/{ids['c1']}:decide", json={"verdict": "reject"}, headers=auth())
    assert listed("status=decided") == [ids["c1"]]
    assert len(listed("status=pending")) == 5
    pages, cursor, seen = 0, "", []
    while True:
        r = client.get("/v1/queue?limit=4" + (f"&cursor={cursor}" if cursor else ""), headers=auth()).json()
        seen += [i["id"] for i in r["items"]]
        pages += 1
        if not (cursor := r["next_cursor"]):
            break
    assert pages == 2 and seen == listed("limit=200")


def test_a_retry_with_the_same_idempotency_key_returns_the_same_items(client):
    # A newsroom's client retries on a timeout: without a key every retry queued the thread again.
    def queued(path: str, key: str, **kwargs) -> list[str]:
        r = client.post(path, headers=auth() | {"Idempotency-Key": key} | kwargs.pop("headers", {}), **kwargs)
        assert r.status_code == 200, r.text
        body = r.json()
        return [c["queue_id"] for c in body.get("results") or body["comments"]]

    loose = {"comments": THREAD["comments"], "queue": True}  # no article id: the key alone finds them
    first = queued("/v1/comments:score", "retry-1", json=loose)
    assert queued("/v1/comments:score", "retry-1", json=loose) == first
    assert len(client.get("/v1/queue", headers=auth()).json()["items"]) == 3
    assert set(queued("/v1/comments:score", "retry-2", json=loose)).isdisjoint(first)  # another request
    # Under an article id the comment itself is the key: another article's comments are other items.
    in_article = queued("/v1/comments:score", "retry-1", json=THREAD)
    assert set(in_article).isdisjoint(first)
    elsewhere = THREAD | {"article": THREAD["article"] | {"id": "a-18"}}
    assert set(queued("/v1/comments:score", "retry-1", json=elsewhere)).isdisjoint(in_article)
    page = {"path": "/v1/articles:score?queue=true&source=p", "content": SEED_FILES[0].read_bytes()}
    plain = {"content-type": "text/plain"}
    ids = queued(page["path"], "page-1", content=page["content"], headers=plain)
    assert queued(page["path"], "page-1", content=page["content"], headers=plain) == ids
    assert len(client.get("/v1/queue?limit=200", headers=auth()).json()["items"]) == 12 + len(ids)


def test_a_page_queued_again_adds_only_its_new_comments_and_keeps_the_verdicts_given(client):
    # A re-crawl queued every comment of the page again: each one already decided was pending once
    # more, and could be decided the other way. Now a comment under the same article (its id or
    # author, its text, and which of its repeats it is) keeps its item; an edited text is a new one.
    def queued(thread: dict) -> list[str]:
        return [r["queue_id"] for r in score_thread(client, thread)]

    first = queued(THREAD)
    assert (
        client.post(f"/v1/queue/{first[0]}:decide", json={"verdict": "reject"}, headers=auth()).status_code
        == 200
    )
    grown = THREAD | {"comments": [*THREAD["comments"], {"id": "c4", "text": "moron"}]}
    again = queued(grown)
    assert again[:3] == first and again[3] not in first  # "moron" again, by another comment: its own item
    edited = THREAD | {"comments": [THREAD["comments"][0] | {"text": "the council budget vote is fine"}]}
    assert queued(edited)[0] not in again
    items = {i["id"]: i for i in client.get("/v1/queue?limit=200", headers=auth()).json()["items"]}
    assert len(items) == 5 and items[first[0]]["status"] == "decided"
    # A page by URL: the same page sent twice is the same items (authors and texts under its source).
    page = SEED_FILES[0].read_bytes()
    path = "/v1/articles:score?queue=true&source=https://example.org/a"
    answers = [
        client.post(path, content=page, headers=auth() | {"content-type": "text/plain"}) for _ in range(2)
    ]
    assert all(a.status_code == 200 for a in answers)
    ids = [[c["queue_id"] for c in a.json()["comments"]] for a in answers]
    assert ids[0] == ids[1] and len(set(ids[0])) == len(ids[0]) > 3
    # The same thread by its source alone through comments:score: it queued the comments again on every
    # request, where articles:score keys them under the source.
    by_source = THREAD | {"article": {"title": "Council budget vote", "source": "https://example.org/b"}}
    sent = [client.post("/v1/comments:score", json=by_source, headers=auth()) for _ in range(2)]
    kept = [[r["queue_id"] for r in a.json()["results"]] for a in sent]
    assert kept[0] == kept[1] and [r["queued_before"] for r in sent[1].json()["results"]] == [True] * 3


class _Stricter(FakeScorer):
    """The model after a retraining: every comment's insult score is higher."""

    def _insult(self, text: str) -> float:
        return min(1.0, super()._insult(text) + 0.5)


class _RetrainingLoader(Loader):
    def __call__(self, model_dir):
        self.loads += 1
        return FakeScorer("fake-1") if self.loads == 1 else _Stricter("fake-2")


def _stored_fields(result: dict) -> dict:
    return {k: result[k] for k in ("queue_id", "scores", "decision", "spans", "model_version", "context")}


def test_a_retry_after_a_model_reload_answers_what_the_stored_items_hold(settings):
    # A retried queue=true request answered the stored queue_ids with scores computed again: after a
    # reload the client saw insult 0.5 -> approve where the moderator's item held 0.0. Now a comment
    # queued before answers its item as stored, and says so; a new one is this request's scoring.
    def post(thread: dict, key: str | None = None) -> dict:
        headers = auth() | ({"Idempotency-Key": key} if key else {})
        r = client.post("/v1/comments:score", json=thread, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    loose = {"comments": THREAD["comments"], "queue": True}
    with make_client(settings, _RetrainingLoader()) as client:
        first = post(loose, "retry-1")["results"]
        in_article = post(THREAD)["results"]
        assert [(r["queued_before"], r["model_version"]) for r in first] == [(False, "fake-1")] * 3
        assert client.post("/v1/admin/reload", headers=auth()).status_code == 200
        rescored = post({"comments": THREAD["comments"]})["results"]
        assert [r["scores"] for r in rescored] != [r["scores"] for r in first]  # the new model differs
        retry = post(loose, "retry-1")
        assert retry["model"] == {"version": "fake-2"}
        assert [_stored_fields(r) for r in retry["results"]] == [_stored_fields(r) for r in first]
        assert all(r["queued_before"] and "not_stored" not in r for r in retry["results"])
        items = {i["id"]: i for i in client.get("/v1/queue?limit=200", headers=auth()).json()["items"]}
        for r in retry["results"]:
            item = items[r["queue_id"]]
            assert (item["scores"], item["decision"], item["model_version"]) == (
                r["scores"], r["decision"]["verdict"], r["model_version"],
            )  # fmt: skip
        # A re-crawl under the article id: the comments queued before answer as stored, a new one
        # as this request scored it.
        grown = THREAD | {"comments": [*THREAD["comments"], {"id": "c4", "text": "you moron"}]}
        recrawl = post(grown)["results"]
        assert [_stored_fields(r) for r in recrawl[:3]] == [_stored_fields(r) for r in in_article]
        assert [r["queued_before"] for r in recrawl] == [True, True, True, False]
        assert recrawl[3]["model_version"] == "fake-2" and recrawl[3]["scores"]["insult"] == 1.0
        page = {"content": SEED_FILES[0].read_bytes(), "headers": auth() | {"content-type": "text/plain"}}
        path = "/v1/articles:score?queue=true&source=https://example.org/a"
        queued_page = client.post(path, **page).json()["comments"]
        again = client.post(path, **page).json()["comments"]
        assert [_stored_fields(c) for c in again] == [_stored_fields(c) for c in queued_page]
        assert all(c["queued_before"] for c in again) and not any(c["queued_before"] for c in queued_page)


def test_a_stored_item_without_a_field_says_the_answer_is_this_request_s():
    # Items queued before schema version 6 (judged_language) or 8 (context, unsupported attributes)
    # do not hold these: the answer keeps this request's and names them.
    from datetime import UTC, datetime

    from service.api.queueing import stored_result
    from service.storage import QueueItem

    old = QueueItem(
        id="i1", text="you idiot", scores={"insult": 0.9, "off_topic": 0.1}, spans={"insult": ()},
        decision="reject", reasons=("insult 0.90 >= reject threshold 0.90",), model_version="m-0",
        flagged=("insult",), risk=2.9, created_at=datetime.now(UTC), status="pending", language="en",
    )  # fmt: skip
    answer = stored_result(old)
    assert answer["not_stored"] == ["judged_language", "context", "language_supported"]
    assert not {"judged_language", "context", "language_supported"} & set(answer)
    assert (answer["scores"], answer["model_version"]) == ({"insult": 0.9, "off_topic": 0.1}, "m-0")


@pytest.mark.parametrize("key", [b"", b"k" * 256, "caf\u00e9".encode("latin-1")])
def test_an_idempotency_key_that_is_empty_too_long_or_not_ascii_is_422(client, key):
    r = client.post("/v1/comments:score", json=THREAD, headers=auth() | {"Idempotency-Key": key})
    assert_error(r, 422)
    assert client.get("/v1/queue", headers=auth()).json()["items"] == []


def test_polling_with_after_lists_what_was_queued_since_the_last_answer_in_arrival_order(client):
    # since= is by created_at, taken before the write: a slower request's item, dated before one a
    # poller had seen, was never listed. `after` follows the order items were committed in.
    def get(query: str) -> dict:
        r = client.get("/v1/queue?" + query, headers=auth())
        assert r.status_code == 200, r.text
        return r.json()

    first = queue_thread(client)
    listed = get("")
    assert len(listed["items"]) == 3 and listed["after"]
    assert get("after=" + listed["after"]) == {"items": [], "next_cursor": None, "after": listed["after"]}
    # another request after the answer (other comments: the same ones would keep their items)
    second = queue_thread(client, THREAD | {"article": THREAD["article"] | {"id": "a-18"}})
    page = get("limit=2&after=" + listed["after"])
    assert [i["id"] for i in page["items"]] == [second["c1"], second["c2"]]  # arrival order, not risk
    assert page["next_cursor"] is None
    rest = get("limit=2&after=" + page["after"])
    assert [i["id"] for i in rest["items"]] == [second["c3"]]
    assert get("after=" + rest["after"])["items"] == []
    assert [i["id"] for i in get("attribute=insult&after=" + listed["after"])["items"]] == [
        second["c1"], second["c3"],
    ]  # fmt: skip
    assert set(first.values()).isdisjoint(i["id"] for i in get("after=" + listed["after"])["items"])


# A risk as an integer too big for a float: float() raises OverflowError (it was a 500).
_HUGE_RISK = base64.urlsafe_b64encode(f'[{2 * 10**308},"a"]'.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "limit=x", "status=open", "decision=maybe", "attribute=toxicity",
     "attribute=Bad%20Name", "since=yesterday", "cursor=%25%25",
     # a risk float() cannot hold (it was a 500), NaN, and times out of range once in UTC (a 503)
     "cursor=WzJlMzA5LCJhIl0", "cursor=" + _HUGE_RISK,
     "cursor=W05hTiwiYSJd", "since=0001-01-01T00:00:00%2B01:00", "until=9999-12-31T23:59:59-01:00",
     # an id that is a lone surrogate ([1,"\ud800"]): json reads it, the database driver cannot (a 500)
     "cursor=WzEsIlx1ZDgwMCJd",
     # a poll token that is garbage, a page cursor, past 64 bits or negative; and both kinds at once
     "after=%25%25", "after=WzEsImEiXQ", "after=WzkyMjMzNzIwMzY4NTQ3NzU4MDhd", "after=Wy0xXQ",
     "after=WzBd&cursor=WzEsImEiXQ"],
)  # fmt: skip
def test_bad_queue_queries_are_422(client, query):
    assert_error(client.get("/v1/queue?" + query, headers=auth()), 422)


def test_decide_returns_the_item_and_records_feedback_for_training(client, settings):
    ids = queue_thread(client)
    r = client.post(f"/v1/queue/{ids['c1']}:decide", json={"verdict": "reject"}, headers=auth())
    assert r.status_code == 200, r.text
    item = r.json()
    assert (item["id"], item["status"], item["verdict"], item["verdict_attributes"]) == (
        ids["c1"], "decided", "reject", ["insult"],
    )  # fmt: skip
    assert item["decided_at"] is not None
    assert client.get(f"/v1/queue/{ids['c1']}", headers=auth()).json() == item
    r = client.post(f"/v1/queue/{ids['c2']}:decide", json={"verdict": "approve"}, headers=auth())
    assert r.json()["verdict_attributes"] == []  # nothing reached review: no feedback row
    r = client.post(
        f"/v1/queue/{ids['c3']}:decide",
        json={"verdict": "reject", "attributes": ["off_topic"]},
        headers=auth(),
    )
    assert r.status_code == 200
    assert stored_feedback(settings) == [
        ("the council budget vote is idiot", "insult", 1, ids["c1"]),
        ("moron", "off_topic", 1, ids["c3"]),
    ]


class _FewerAttributesLoader(Loader):
    """The first model scores insult and off_topic, the next one (a reload) insult only."""

    def __call__(self, model_dir):
        self.loads += 1
        return FakeScorer("fake-1") if self.loads == 1 else FakeScorer("fake-2", attributes=("insult",))


def test_a_verdict_on_an_attribute_the_item_was_scored_with_is_stored_after_the_model_dropped_it(settings):
    # Serving a model without off_topic refused the verdict on an item flagged off_topic by the model
    # that queued it (422 "unknown attribute"), and the moderator's page ticks that box by default, so
    # `r` failed until it was unticked. The item's own attributes are accepted: stored for retraining,
    # where the trainer decides whether the attribute still exists.
    with make_client(settings, _FewerAttributesLoader()) as client:
        ids = queue_thread(client)
        item = client.get(f"/v1/queue/{ids['c3']}", headers=auth()).json()
        assert item["flagged_attributes"] == ["insult", "off_topic"]
        assert client.post("/v1/admin/reload", headers=auth()).status_code == 200
        assert client.get("/v1/model").json()["attributes"] == ["insult"]
        url = f"/v1/queue/{ids['c3']}:decide"
        assert_error(
            client.post(url, json={"verdict": "reject", "attributes": ["spam"]}, headers=auth()), 422
        )
        r = client.post(
            url, json={"verdict": "reject", "attributes": item["flagged_attributes"]}, headers=auth()
        )
        assert r.status_code == 200, r.text
        assert r.json()["verdict_attributes"] == ["insult", "off_topic"]
    assert stored_feedback(settings) == [("moron", a, 1, ids["c3"]) for a in ("insult", "off_topic")]


def test_reject_with_an_empty_attribute_list_records_no_feedback(client, settings):
    ids = queue_thread(client)  # c1 reached review for insult; the moderator unticks it
    body = {"verdict": "reject", "attributes": []}
    r = client.post(f"/v1/queue/{ids['c1']}:decide", json=body, headers=auth())
    assert r.status_code == 200 and r.json()["verdict_attributes"] == []
    assert stored_feedback(settings) == []


def test_the_second_verdict_is_409_naming_the_first(client, settings):
    ids = queue_thread(client)
    assert (
        client.post(f"/v1/queue/{ids['c1']}:decide", json={"verdict": "approve"}, headers=auth()).status_code
        == 200
    )
    r = client.post(f"/v1/queue/{ids['c1']}:decide", json={"verdict": "reject"}, headers=auth())
    error = assert_error(r, 409, "conflict")
    assert "'approve'" in error["message"]
    assert [row[2] for row in stored_feedback(settings)] == [0]


def test_a_mis_clicked_verdict_is_corrected_with_its_revision_and_only_the_latest_feedback_stays(
    client, settings
):
    # A second verdict was always a 409: a mis-click stayed in the training data.
    ids = queue_thread(client)
    url = f"/v1/queue/{ids['c1']}:decide"
    first = client.post(url, json={"verdict": "reject"}, headers=auth()).json()
    assert first["revision"] == 1
    r = client.post(url, json={"verdict": "approve", "revision": 1}, headers=auth())
    assert r.status_code == 200, r.text
    assert (r.json()["verdict"], r.json()["verdict_attributes"], r.json()["revision"]) == (
        "approve",
        ["insult"],
        2,
    )
    assert stored_feedback(settings) == [("the council budget vote is idiot", "insult", 0, ids["c1"])]
    # A second moderator correcting from the revision they read, now stale: 409 with the item as it stands.
    error = assert_error(
        client.post(url, json={"verdict": "reject", "revision": 1}, headers=auth()), 409, "conflict"
    )
    assert "now at revision 2" in error["message"]
    (detail,) = error["details"]
    assert detail["current"] == client.get(f"/v1/queue/{ids['c1']}", headers=auth()).json()
    assert detail["current"]["verdict"] == "approve"
    assert [row[2] for row in stored_feedback(settings)] == [0]


def test_undo_makes_a_decided_item_pending_again_and_removes_its_feedback(client, settings):
    ids = queue_thread(client)
    client.post(f"/v1/queue/{ids['c1']}:decide", json={"verdict": "reject"}, headers=auth())
    r = client.post(f"/v1/queue/{ids['c1']}:undo", json={"revision": 1}, headers=auth())
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["verdict"], r.json()["revision"]) == ("pending", None, 2)
    assert stored_feedback(settings) == []
    error = assert_error(
        client.post(f"/v1/queue/{ids['c1']}:undo", json={"revision": 1}, headers=auth()), 409
    )
    assert error["details"][0]["current"]["status"] == "pending"
    assert_error(client.post(f"/v1/queue/{'f' * 32}:undo", json={"revision": 1}, headers=auth()), 404)
    for body in (
        {},
        {"revision": -1},
        {"revision": 2**31},
        {"revision": 1, "verdict": "approve"},
        {"revision": "1"},
    ):
        assert_error(client.post(f"/v1/queue/{ids['c1']}:undo", json=body, headers=auth()), 422)
    r = client.post(f"/v1/queue/{ids['c1']}:decide", json={"verdict": "approve"}, headers=auth())
    assert r.status_code == 200 and r.json()["revision"] == 3


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"verdict": "maybe"}, 422),
        ({"verdict": "reject", "attributes": ["toxicity"]}, 422),  # not an attribute of the loaded model
        ({"verdict": "reject", "attributes": "insult"}, 422),
        ({"verdict": "reject", "extra": 1}, 422),
        ({}, 422),
        ({"verdict": "reject", "revision": "0"}, 422),  # bug hunt: a string was read as the number
        ({"verdict": "reject", "revision": False}, 422),  # ... and a boolean as 0 or 1
    ],
)
def test_bad_verdicts_are_422_and_change_nothing(client, body, status):
    ids = queue_thread(client)
    assert_error(client.post(f"/v1/queue/{ids['c1']}:decide", json=body, headers=auth()), status)
    assert client.get(f"/v1/queue/{ids['c1']}", headers=auth()).json()["status"] == "pending"


def test_unknown_items_are_404(client):
    queue_thread(client)
    assert_error(client.get("/v1/queue/" + "0" * 32, headers=auth()), 404, "not_found")
    assert_error(
        client.post("/v1/queue/nope:decide", json={"verdict": "approve"}, headers=auth()), 404, "not_found"
    )


def test_an_unwritable_database_is_503_for_the_queue_and_scoring_still_works(settings, tmp_path):
    # Unwritable after the start (a path that can never be written stops the start: tests/service/
    # test_cli.py): a file where the store's folder was to be made.
    blocker = tmp_path / "file"
    with make_client(settings.model_copy(update={"db_path": blocker / "db.sqlite3"})) as c:
        blocker.write_text("not a directory")
        assert_error(c.get("/v1/queue", headers=auth()), 503, "store_unavailable")
        assert_error(c.post("/v1/comments:score", json=THREAD, headers=auth()), 503, "store_unavailable")
        assert c.post("/v1/comments:score", json=THREAD | {"queue": False}).status_code == 200
        ready = c.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["database"]["status"] == "unavailable"


def test_a_database_newer_than_the_code_stops_the_start_with_a_clear_error(settings):
    from sqlalchemy import insert

    from core.errors import SchemaVersionError
    from service.storage import schema as S

    store = Store.open(Target(path=settings.db_path))
    with store.engine.begin() as conn:
        conn.execute(insert(S.schema_version).values(version=S.SCHEMA_VERSION + 1, applied_at="later"))
    store.close()
    with pytest.raises(SchemaVersionError, match="newer than this code"), make_client(settings):
        pass


def test_a_postgres_that_is_down_at_start_costs_only_the_database_endpoints(settings):
    from tests.helpers import refused_port

    with refused_port() as port:
        down = settings.model_copy(update={"database_url": f"postgresql://u:pw@127.0.0.1:{port}/db"})
        with make_client(down) as c:
            assert c.post("/v1/comments:score", json=THREAD | {"queue": False}).status_code == 200
            error = assert_error(c.get("/v1/queue", headers=auth()), 503, "store_unavailable")
            assert "pw" not in error["message"] and "***" in error["message"]
            database = c.get("/readyz").json()["database"]
            assert (database["status"], database["backend"]) == ("unavailable", "postgresql")
    assert not settings.db_path.exists()  # never fell back to SQLite


def test_the_backlog_check_the_deployment_guide_gives_tells_a_waiting_comment_from_fresh_ones(
    client, monkeypatch
):
    # docs/deployment.md said to alert on "a growing backlog" from GET /v1/queue?status=pending&limit=1,
    # which says only whether anything is pending: a queue worked through as fast as it fills looked
    # the same as one nobody had opened for a week. It now names the oldest wait's gauge in /metrics.
    import re
    from datetime import UTC, datetime, timedelta

    import service.storage.store as store_module
    from tests.conftest import REPO

    guide = (REPO / "docs" / "deployment.md").read_text().splitlines()
    row = next(line for line in guide if "| Queue backlog |" in line)
    gauge = re.findall(r"`(moderation_queue_oldest_pending_age_seconds)`", row)[0]

    def oldest_wait() -> float:
        [value] = re.findall(rf"^{gauge} (\S+)$", client.get("/metrics").text, re.MULTILINE)
        return float(value)

    window = timedelta(hours=1)
    queue_thread(client)  # fresh comments, within the window
    assert 0 <= oldest_wait() < window.total_seconds()
    old = datetime.now(UTC) - 2 * window
    monkeypatch.setattr(store_module, "_now", lambda: old)
    queue_thread(client, THREAD | {"article": THREAD["article"] | {"id": "a-old"}})
    assert oldest_wait() >= 2 * window.total_seconds()


def test_the_readme_page_queued_twice_is_queued_once(client):
    # README's first journey queued seed 000 with `articles:score?queue=true` and no source or article
    # id: run again (a retry, or the next step of a tutorial), every comment was queued a second time
    # and each showed twice in the moderator's queue.
    import re

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text()
    [command] = re.findall(r"curl -XPOST '[^']*articles:score\?queue=true[^@]*@\S+", readme)
    path = re.search(r"'localhost:8000(/v1/articles:score\?[^']*)'", command).group(1)
    page = (REPO / re.search(r"--data-binary @(\S+)", command).group(1)).read_bytes()
    answers = [
        client.post(path, content=page, headers=auth() | {"content-type": "text/plain"}).json()
        for _ in range(2)
    ]
    assert answers[0]["comments"] and not any(c["queued_before"] for c in answers[0]["comments"])
    assert all(c["queued_before"] for c in answers[1]["comments"])
    items = client.get("/v1/queue?limit=200", headers=auth()).json()["items"]
    assert len(items) == len(answers[0]["comments"])
