"""Store.queue_stats, the read behind GET /v1/queue:stats and /metrics' queue gauges: counts that agree
with what GET /v1/queue lists under the same filters, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from core.errors import InputError
from service.storage import QueueQuery, Store
from service.storage import schema as S
from service.storage.store import MAX_PAGE
from tests.service.storage.store_helpers import item

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _queue(store: Store) -> list[str]:
    """Seven items over two articles, queued an hour apart; three decided."""
    ids = store.enqueue(
        [
            item("a", insult=0.9, off_topic=0.7),  # review, flagged by both
            item("b", insult=0.2, off_topic=0.1),  # approve
            item("c", insult=0.6, off_topic=0.0, article_id="a-2"),
            item("d", insult=0.95, off_topic=None, decision="reject"),
            item("e", insult=0.1, off_topic=0.8, article_id="a-2"),
            item("f", insult=0.7, off_topic=0.2),
            item("g", insult=0.3, off_topic=0.3),
        ]
    )
    with store.engine.begin() as conn:
        for hour, item_id in enumerate(ids):
            conn.execute(
                update(S.queue_items)
                .where(S.queue_items.c.id == item_id)
                .values(created_at=START + timedelta(hours=hour))
            )
    store.decide(ids[0], "reject")  # the oldest is decided: the oldest pending is the second
    store.decide(ids[3], "reject")
    store.decide(ids[6], "approve")
    return ids


def _expected(store: Store, **filters) -> dict:
    """The counts computed from GET /v1/queue's own listing under the same filters."""
    listed = list(store.list_queue(QueueQuery(limit=MAX_PAGE, **filters)).items)
    pending = [i for i in listed if i.status == "pending"]
    return {
        "items": len(listed),
        "pending": len(pending),
        "decided": len(listed) - len(pending),
        "pending_by_decision": {
            d: sum(i.decision == d for i in pending) for d in ("approve", "review", "reject")
        },
        "pending_by_attribute": dict(sorted(Counter(a for i in pending for a in i.flagged).items())),
        "verdicts": {v: sum(i.verdict == v for i in listed) for v in ("approve", "reject")},
        "oldest_pending_at": min((i.created_at for i in pending), default=None),
    }


def _stats(store: Store, **filters) -> dict:
    stats = store.queue_stats(QueueQuery(**filters))
    return {
        "items": stats.items,
        "pending": stats.pending,
        "decided": stats.decided,
        "pending_by_decision": dict(stats.pending_by_decision),
        "pending_by_attribute": dict(stats.pending_by_attribute),
        "verdicts": dict(stats.verdicts),
        "oldest_pending_at": stats.oldest_pending_at,
    }


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": "pending"},
        {"status": "decided"},
        {"decision": "review"},
        {"attribute": "off_topic"},
        {"article_id": "a-2"},
        {"since": START + timedelta(hours=2), "until": START + timedelta(hours=5)},
        {"article_id": "none-such"},
    ],
)
def test_the_counts_are_those_of_the_listing_under_the_same_filters(store, filters):
    _queue(store)
    assert _stats(store, **filters) == _expected(store, **filters)


def test_the_figures_of_a_known_queue(store):
    ids = _queue(store)
    stats = store.queue_stats(QueueQuery())
    assert (stats.items, stats.pending, stats.decided) == (7, 4, 3)
    assert dict(stats.pending_by_decision) == {"approve": 1, "review": 3, "reject": 0}
    assert dict(stats.pending_by_attribute) == {"insult": 2, "off_topic": 1}
    assert dict(stats.verdicts) == {"approve": 1, "reject": 2}
    assert stats.oldest_pending_at == START + timedelta(hours=1)
    assert stats.oldest_pending_age_s(START + timedelta(hours=3)) == 7200.0
    # an undo puts the oldest item back in the queue: it is the oldest pending again
    store.undo(ids[0], revision=1)
    again = store.queue_stats(QueueQuery())
    assert (again.pending, again.oldest_pending_at) == (5, START)
    assert dict(again.verdicts) == {"approve": 1, "reject": 1}


def test_an_empty_queue(store):
    stats = store.queue_stats(QueueQuery())
    assert (stats.items, stats.pending, stats.oldest_pending_at) == (0, 0, None)
    assert stats.oldest_pending_age_s(START) is None
    assert stats.to_dict(START)["oldest_pending_age_s"] is None


def test_bad_filters_are_refused(store):
    with pytest.raises(InputError):
        store.queue_stats(QueueQuery(status="open"))
