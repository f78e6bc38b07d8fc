"""Erasure and retention: a reader's comment, an article taken down, a feedback row, and everything
older than the retention limit, deleted with nothing of it left in the store's tables.

Where a queued comment's words are kept:
- queue_items: the text, its spans and quotes (and dedup_key, a sha256 of a key that holds the text);
- queue_flags: no words, the item's id (deleted with it);
- feedback: each verdict's copy of the text, `queue_item_id` naming the item;
- idempotency_keys of :decide and :undo (`target`: the item's id): the answer kept for a retry is the
  whole item, text included;
- verdict_events: no words, who gave, corrected or undid a verdict on the item (deleted with it).
An erasure deletes all of them in one transaction, which the caller opened after taking the queue's
numbering lock (sequence.lock_numbering, as every queue write does first): a verdict on the same item is
wholly before it (its feedback rows are erased too) or after it (404), never half of each.

A feedback row posted directly (POST /v1/feedback) keeps its text in that row alone; its
idempotency key (`target`: "feedback:<row id>") holds the answer (the row's id, no text) and a sha256
of the request, and is erased with the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Select, String, cast, delete, func, literal, or_, select

from core.errors import ConflictError, NotFoundError
from service.storage import idempotency as idem
from service.storage import schema as S

# Queue items (or feedback rows, or keys) deleted per transaction by `moderate purge` and by an
# article's takedown: a batch holds its locks (SQLite: the write lock, PostgreSQL: the queue's numbering
# lock) about 0.1 s (docs/queue.md), so the service's writes wait that long at most, never for the
# whole purge of a big table or the whole thread of a big article.
PURGE_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Erased:
    """Rows deleted (or, for a dry run, that would be) per table; `pending` counts the queue items
    among them that had no verdict yet (a moderator's backlog)."""

    queue_items: int = 0
    pending: int = 0
    queue_flags: int = 0
    feedback: int = 0
    idempotency_keys: int = 0
    verdict_events: int = 0

    def __add__(self, other: Erased) -> Erased:
        return Erased(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def rows(self) -> int:
        return (
            self.queue_items + self.queue_flags + self.feedback + self.idempotency_keys + self.verdict_events
        )

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> str:
        """One line of counts, "queue_items=2 pending=1 ...", as `moderate purge` prints them."""
        return " ".join(f"{name}={n}" for name, n in self.to_dict().items())


@dataclass(frozen=True, slots=True)
class Purged:
    """What `Store.purge` deleted (a dry run: would delete), everything stored before `before`, in
    `transactions` batches (0 for a dry run)."""

    erased: Erased
    before: datetime
    transactions: int
    dry_run: bool


def _deleted(conn: Connection, statement: Any) -> int:
    return int(conn.execute(statement).rowcount or 0)


def erase_items(conn: Connection, chosen: Sequence[tuple[str, str]]) -> Erased:
    """Delete the queue items `chosen` ((id, status) pairs) with their idempotency keys, feedback rows
    and flags, in the caller's transaction."""
    q, f, fl, k, e = S.queue_items, S.feedback, S.queue_flags, S.idempotency_keys, S.verdict_events
    total = Erased()
    for start in range(0, len(chosen), PURGE_BATCH):
        part = chosen[start : start + PURGE_BATCH]
        ids = [item_id for item_id, _ in part]
        total += Erased(
            idempotency_keys=_deleted(conn, delete(k).where(k.c.target.in_(ids))),
            feedback=_deleted(conn, delete(f).where(f.c.queue_item_id.in_(ids))),
            queue_flags=_deleted(conn, delete(fl).where(fl.c.item_id.in_(ids))),
            verdict_events=_deleted(conn, delete(e).where(e.c.item_id.in_(ids))),
            queue_items=_deleted(conn, delete(q).where(q.c.id.in_(ids))),
            pending=sum(status == "pending" for _, status in part),
        )
    return total


def _erase_feedback_rows(conn: Connection, ids: Sequence[int]) -> Erased:
    """Delete feedback rows posted directly, with the idempotency keys that name them (a keyed POST
    /v1/feedback: a retry after the erasure is a new request, not a replay saying the row is stored)."""
    f, k = S.feedback, S.idempotency_keys
    total = Erased()
    for start in range(0, len(ids), PURGE_BATCH):
        part = ids[start : start + PURGE_BATCH]
        total += Erased(
            idempotency_keys=_deleted(
                conn, delete(k).where(k.c.target.in_([idem.feedback_target(i) for i in part]))
            ),
            feedback=_deleted(conn, delete(f).where(f.c.id.in_(part))),
        )
    return total


def _items(conn: Connection, sql: Select[Any]) -> list[tuple[str, str]]:
    return [(row.id, row.status) for row in conn.execute(sql)]


def erase_item(conn: Connection, item_id: str) -> Erased:
    q = S.queue_items
    chosen = _items(conn, select(q.c.id, q.c.status).where(q.c.id == item_id))
    if not chosen:
        raise NotFoundError(f"no queue item {item_id!r}")
    return erase_items(conn, chosen)


# What a whole collection is erased by: an article taken down, or a reader's erasure request. Queue
# items and feedback rows name both alike.
Collection = Literal["article_id", "author"]


def erase_matching_items(
    conn: Connection, column: Collection, value: str, limit: int = PURGE_BATCH
) -> Erased:
    """One batch of a takedown or a reader's erasure: up to `limit` queue items whose `column` is
    `value`, each with what erase_items deletes beside it (a verdict's feedback rows among them)."""
    q = S.queue_items
    return erase_items(
        conn, _items(conn, select(q.c.id, q.c.status).where(q.c[column] == value).limit(limit))
    )


def erase_matching_feedback(
    conn: Connection, column: Collection, value: str, limit: int = PURGE_BATCH
) -> Erased:
    """One batch: up to `limit` feedback rows posted with that `column` (verdicts posted directly with
    the article_id or author), with their idempotency keys."""
    f = S.feedback
    return _erase_feedback_rows(
        conn, list(conn.scalars(select(f.c.id).where(f.c[column] == value).limit(limit)))
    )


def erase_feedback(conn: Connection, row_id: int) -> Erased:
    """A feedback row posted directly. A verdict's row is its queue item's: erased with the item (a
    row deleted alone would leave the item saying a verdict trains the model when none does)."""
    f = S.feedback
    row = conn.execute(select(f.c.queue_item_id).where(f.c.id == row_id)).first()
    if row is None:
        raise NotFoundError(f"no feedback row {row_id}")
    if row.queue_item_id is not None:
        raise ConflictError(
            f"feedback row {row_id} is the verdict on queue item {row.queue_item_id}: erase the item "
            f"(DELETE /v1/queue/{row.queue_item_id}) to erase the comment, or undo its verdict"
        )
    return _erase_feedback_rows(conn, [row_id])


# -- retention -------------------------------------------------------------------------------------


def _text_time(moment: datetime) -> str:
    """feedback.created_at is ISO 8601 text in UTC (store._insert_feedback): compared as text."""
    return moment.isoformat(timespec="seconds")


def purge_items(conn: Connection, before: datetime, limit: int = PURGE_BATCH) -> Erased:
    """One batch: up to `limit` queue items queued before `before` (oldest first, through the
    created_at index), pending or decided, with what erase_items deletes beside them."""
    q = S.queue_items
    sql = select(q.c.id, q.c.status).where(q.c.created_at < before).order_by(q.c.created_at).limit(limit)
    return erase_items(conn, _items(conn, sql))


def purge_feedback(conn: Connection, before: datetime, limit: int = PURGE_BATCH) -> Erased:
    """One batch: up to `limit` feedback rows written before `before`, lowest ids (the oldest) first."""
    f = S.feedback
    oldest = select(f.c.id).where(f.c.created_at < _text_time(before)).order_by(f.c.id).limit(limit)
    return _erase_feedback_rows(conn, list(conn.scalars(oldest)))


def purge_keys(conn: Connection, before: datetime, limit: int = PURGE_BATCH) -> Erased:
    """One batch: up to `limit` idempotency keys created before `before` (expired: never replayed)."""
    return Erased(idempotency_keys=idem.prune(conn, before, limit))


def count_purge(conn: Connection, items_before: datetime, keys_before: datetime) -> Erased:
    """What purging items and feedback before `items_before` and keys before `keys_before` would
    delete: the dry run's counts, each row counted once as the purge deletes it once."""
    q, f, fl, k, e = S.queue_items, S.feedback, S.queue_flags, S.idempotency_keys, S.verdict_events
    old = select(q.c.id).where(q.c.created_at < items_before)
    # The keys naming old feedback rows (idempotency.feedback_target), as the purge deletes them.
    old_feedback_keys = select(literal(idem.FEEDBACK_TARGET, String) + cast(f.c.id, String)).where(
        f.c.created_at < _text_time(items_before)
    )

    def count(table: Any, *where: Any) -> int:
        return int(conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)

    return Erased(
        queue_items=count(q, q.c.created_at < items_before),
        pending=count(q, q.c.created_at < items_before, q.c.status == "pending"),
        queue_flags=count(fl, fl.c.item_id.in_(old)),
        verdict_events=count(e, e.c.item_id.in_(old)),
        feedback=count(f, or_(f.c.created_at < _text_time(items_before), f.c.queue_item_id.in_(old))),
        idempotency_keys=count(
            k, or_(k.c.created_at < keys_before, k.c.target.in_(old), k.c.target.in_(old_feedback_keys))
        ),
    )
