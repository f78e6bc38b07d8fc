"""What the store tests (tests/service/storage/test_store*.py) share: queue items and row counts."""

from __future__ import annotations

from sqlalchemy import func, select

from service.storage import NewQueueItem, QueueQuery, Store
from service.storage import schema as S
from service.storage.store import MAX_PAGE


def item(text: str = "you idiot", insult: float = 0.8, off_topic: float | None = 0.1, **kw) -> NewQueueItem:
    flagged = [a for a, v in (("insult", insult), ("off_topic", off_topic)) if v is not None and v >= 0.5]
    fields = {
        "text": text,
        "scores": {"insult": insult, "off_topic": off_topic},
        "spans": {"insult": [{"start": 4, "end": 9, "text": "idiot", "weight": 1.5}], "off_topic": []},
        "decision": "review" if flagged else "approve",
        "reasons": [f"{a} reached review" for a in flagged],
        "model_version": "m-1",
        "flagged": flagged,
        "article_id": "a-1",
        "article_title": "Budget vote",
        "source": "https://example.org/a-1",
        "language": "en",
    }
    return NewQueueItem(**(fields | kw))


# The longest article id the API takes (2,048 characters), in CJK that does not compress: 6 KB of UTF-8.
LONG_ARTICLE_ID = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(2048))


# -- schema ----------------------------------------------------------------------------------------


def count_rows(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        items = conn.scalar(select(func.count()).select_from(S.queue_items))
        flags = conn.scalar(select(func.count()).select_from(S.queue_flags))
    return int(items or 0), int(flags or 0)


def poll(store: Store, after: str) -> tuple[list[str], str]:
    """One poll: the ids queued after `after`, in arrival order, and the token for the next poll."""
    page = store.list_queue(QueueQuery(after=after, limit=MAX_PAGE))
    assert page.next_cursor is None
    return [i.id for i in page.items], page.after
