"""Each queued comment's author over the API: kept from the request (`comments[].author`) or the parsed
page, listed and filtered on (`?author=`), and a reader's comments erased by name (`POST
/v1/queue:erase {"author"}`, the API token only). In-process; the store's side in
tests/service/storage/test_store_authors.py."""

from __future__ import annotations

from service.api.schemas import MAX_AUTHOR_CHARS
from tests.conftest import SEED_FILES
from tests.service.api.conftest import TOKEN, assert_error, auth, make_client

THREAD = {
    "article": {"id": "a-17", "title": "Council budget vote"},
    "comments": [
        {"id": "c1", "text": "you idiot", "author": "Jane Reader"},
        {"id": "c2", "text": "The budget vote was close", "author": "Bo"},
        {"id": "c3", "text": "moron", "author": "Jane Reader"},
        {"id": "c4", "text": "clown"},
    ],
    "queue": True,
}


def queued_authors(client, **params: str) -> list[str | None]:
    listed = client.get("/v1/queue", params={"limit": "200", **params}, headers=auth())
    assert listed.status_code == 200, listed.text
    return sorted((i["author"] or "") for i in listed.json()["items"])


def test_a_comment_s_author_is_kept_listed_and_filtered_on(client):
    assert client.post("/v1/comments:score", json=THREAD, headers=auth()).status_code == 200
    assert queued_authors(client) == ["", "Bo", "Jane Reader", "Jane Reader"]
    assert queued_authors(client, author="Jane Reader") == ["Jane Reader", "Jane Reader"]
    assert queued_authors(client, author="jane reader") == []  # the exact name stored
    stats = client.get("/v1/queue:stats", params={"author": "Jane Reader"}, headers=auth()).json()
    assert stats["items"] == 2
    assert_error(client.get("/v1/queue", params={"author": ""}, headers=auth()), 422)
    too_long = {"comments": [{"text": "hello", "author": "x" * (MAX_AUTHOR_CHARS + 1)}]}
    assert_error(client.post("/v1/comments:score", json=too_long), 422)


def test_a_parsed_page_s_authors_are_kept(client):
    scored = client.post(
        "/v1/articles:score?queue=true&source=seed",
        content=SEED_FILES[0].read_bytes(),
        headers=auth() | {"content-type": "text/plain"},
    )
    assert scored.status_code == 200, scored.text
    parsed = sorted(c["author"] or "" for c in scored.json()["comments"])
    assert len(parsed) == 14 and parsed.count("") < 14, parsed  # the seed thread names its readers
    assert queued_authors(client) == parsed


def test_a_reader_s_comments_are_erased_by_name_with_the_api_token_alone(settings):
    alice = "alice-token-for-the-tests"
    with make_client(settings.model_copy(update={"moderator_tokens": {"alice": alice}})) as client:
        assert client.post("/v1/comments:score", json=THREAD, headers=auth()).status_code == 200
        erase = {"author": "Jane Reader"}
        assert_error(
            client.post("/v1/queue:erase", json=erase, headers=auth(alice)), 403, "insufficient_scope"
        )
        for body in ({}, {"author": "Jane Reader", "article_id": "a-17"}, {"author": ""}):
            assert_error(client.post("/v1/queue:erase", json=body, headers=auth(TOKEN)), 422)
        row = {"text": "you idiot", "attribute": "insult", "label": 1, "author": "Jane Reader"}
        assert client.post("/v1/feedback", json=row, headers=auth(alice)).status_code == 201
        erased = client.post("/v1/queue:erase", json=erase, headers=auth(TOKEN))
        assert erased.status_code == 200, erased.text
        assert (erased.json()["deleted"]["queue_items"], erased.json()["deleted"]["feedback"]) == (2, 1)
        assert queued_authors(client) == ["", "Bo"]


def test_each_author_s_record_for_the_page_beside_their_name(client):
    assert client.post("/v1/comments:score", json=THREAD, headers=auth()).status_code == 200
    jane = client.get("/v1/queue", params={"author": "Jane Reader"}, headers=auth()).json()["items"]
    assert (
        client.post(
            f"/v1/queue/{jane[0]['id']}:decide", json={"verdict": "reject"}, headers=auth()
        ).status_code
        == 200
    )
    asked = [("author", "Jane Reader"), ("author", "Bo"), ("author", "no one")]
    records = client.get("/v1/queue:authors", params=asked, headers=auth())
    assert records.status_code == 200, records.text
    assert records.json()["authors"] == [
        {"author": "Jane Reader", "items": 2, "pending": 1, "approved": 0, "rejected": 1},
        {"author": "Bo", "items": 1, "pending": 1, "approved": 0, "rejected": 0},
    ]
    too_many = [("author", f"reader {k}") for k in range(51)]
    for params in ([], too_many, [("author", "")], [("author", "x" * (MAX_AUTHOR_CHARS + 1))]):
        assert_error(client.get("/v1/queue:authors", params=params, headers=auth()), 422)
    assert_error(client.get("/v1/queue:authors", params=asked), 401)
