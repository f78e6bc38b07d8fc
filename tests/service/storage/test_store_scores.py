"""Store.list_scores, the read behind GET /v1/queue:scores: what the moderator page's plots read of each
item, in the queue's order and with its cursor, without loading any item's text, spans or quotes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from core.errors import InputError
from service.storage import QueueQuery, Store
from service.storage.store import MAX_SCORES_PAGE
from tests.service.storage.store_helpers import item

RISKS = [0.9, 0.1, 0.5, 0.5, 0.5, 0.99, 0.0, 0.5, 0.7, 0.3, 0.5]


def _queue(store: Store) -> list[str]:
    ids = store.enqueue(
        [
            item(
                f"comment {i}",
                insult=r,
                off_topic=0.0,
                judged_language="de" if i % 2 else "en",
                context="none",
            )
            for i, r in enumerate(RISKS)
        ]
    )
    store.decide(ids[0], "reject")
    store.decide(ids[5], "approve", ["insult"])
    return ids


def _compact(full: dict[str, Any]) -> dict[str, Any]:
    keep = ("scores", "verdict", "verdict_attributes", "judged_language", "context", "unsupported_attributes")
    return {k: full[k] for k in keep}


def test_the_scores_are_the_queue_s_items_in_its_order_paged_with_its_cursor(store):
    _queue(store)
    listed = store.list_queue(QueueQuery(limit=200)).items
    seen, cursor, pages = [], None, 0
    while True:
        page = store.list_scores(QueueQuery(limit=3, cursor=cursor))
        seen += [i.to_dict() for i in page.items]
        pages += 1
        if (cursor := page.next_cursor) is None:
            break
        # the same keyset: a page of the full listing goes on from this cursor where this one does
        full = store.list_queue(QueueQuery(limit=3, cursor=cursor)).items
        assert [_compact(i.to_dict()) for i in full] == [
            i.to_dict() for i in store.list_scores(QueueQuery(limit=3, cursor=cursor)).items
        ]
    assert pages == 4
    assert seen == [_compact(i.to_dict()) for i in listed]
    assert {(s["verdict"], tuple(s["verdict_attributes"] or ())) for s in seen} == {
        (None, ()),
        ("reject", ("insult",)),
        ("approve", ("insult",)),
    }
    assert store.list_scores(QueueQuery(limit=MAX_SCORES_PAGE)).next_cursor is None


def test_the_scores_take_the_queue_s_filters(store):
    _queue(store)
    for query in (
        QueueQuery(status="decided"),
        QueueQuery(status="pending", decision="review"),
        QueueQuery(attribute="insult"),
        QueueQuery(article_id="a-1"),
        QueueQuery(article_id="other"),
    ):
        expected = [_compact(i.to_dict()) for i in store.list_queue(query).items]
        assert [i.to_dict() for i in store.list_scores(query).items] == expected, query
    assert len(store.list_scores(QueueQuery(status="decided")).items) == 2


@pytest.mark.parametrize(
    "query",
    [
        QueueQuery(limit=0),
        QueueQuery(limit=MAX_SCORES_PAGE + 1),
        QueueQuery(status="open"),
        QueueQuery(cursor="%%%"),
        QueueQuery(after="WzBd"),  # polling is GET /v1/queue's
    ],
)
def test_bad_score_queries_are_input_errors(store, query):
    with pytest.raises(InputError):
        store.list_scores(query)


def test_the_scores_read_no_text_spans_or_quotes_from_the_database(store):
    _queue(store)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        store.list_queue(QueueQuery(limit=5))
        full = [s for s in statements if "FROM queue_items" in s]
        statements.clear()
        store.list_scores(QueueQuery(limit=5))
        compact = [s for s in statements if "FROM queue_items" in s]
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    heavy = ("queue_items.text", "queue_items.spans", "queue_items.quotes", "queue_items.article_title")
    assert full and all(column in full[-1] for column in heavy)  # the check can see them
    assert len(compact) == 1
    assert not [column for column in heavy if column in compact[0]], compact[0]
