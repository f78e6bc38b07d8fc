"""Counts over the review queue: how much waits, since when, and for which attributes.

What a moderation desk and its on-call watch: `GET /v1/queue:stats` answers it for the queue's filters,
and /metrics exports the unfiltered figures as gauges. Two aggregate reads in one read-only
transaction, so the counts agree with each other; none reads a comment's text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, select

from service.storage import schema as S
from service.storage.records import DECISIONS, VERDICTS

Filter = Callable[[Select[Any]], Select[Any]]


@dataclass(frozen=True, slots=True)
class QueueStats:
    """`pending_by_attribute`: pending items per attribute that reached review on them (an item flagged
    by two attributes counts under both). `oldest_pending_at`: None when nothing is pending."""

    items: int
    pending: int
    pending_by_decision: Mapping[str, int]
    pending_by_attribute: Mapping[str, int]
    verdicts: Mapping[str, int]
    oldest_pending_at: datetime | None

    @classmethod
    def empty(cls) -> QueueStats:
        return cls(0, 0, dict.fromkeys(DECISIONS, 0), {}, dict.fromkeys(VERDICTS, 0), None)

    @property
    def decided(self) -> int:
        return self.items - self.pending

    def oldest_pending_age_s(self, now: datetime) -> float | None:
        if self.oldest_pending_at is None:
            return None
        return max(0.0, (now - self.oldest_pending_at).total_seconds())

    def to_dict(self, now: datetime) -> dict[str, Any]:
        age, oldest = self.oldest_pending_age_s(now), self.oldest_pending_at
        return {
            "items": self.items,
            "pending": self.pending,
            "decided": self.decided,
            "pending_by_decision": dict(self.pending_by_decision),
            "pending_by_attribute": dict(self.pending_by_attribute),
            "verdicts": dict(self.verdicts),
            "oldest_pending_at": None if oldest is None else oldest.isoformat(),
            "oldest_pending_age_s": None if age is None else round(age, 3),
            "as_of": now.isoformat(),
        }


def read(conn: Connection, filtered: Filter) -> QueueStats:
    """The queue's counts among the items `filtered` keeps (GET /v1/queue's filters)."""
    # The flags counted under an alias: the attribute filter's EXISTS reads queue_flags itself.
    t, f = S.queue_items, S.queue_flags.alias("counted")
    # One read for the counts and the oldest pending item: queue_items_counts covers both.
    by_state = conn.execute(
        filtered(
            select(t.c.status, t.c.decision, t.c.verdict, func.count(), func.min(t.c.created_at)).group_by(
                t.c.status, t.c.decision, t.c.verdict
            )
        )
    ).all()
    flagged = conn.execute(
        filtered(
            select(f.c.attribute, func.count())
            .select_from(f.join(t, f.c.item_id == t.c.id))
            .where(t.c.status == "pending")
            .group_by(f.c.attribute)
        )
    ).all()
    by_decision = dict.fromkeys(DECISIONS, 0)
    verdicts = dict.fromkeys(VERDICTS, 0)
    items = waiting = 0
    oldest: datetime | None = None
    for status, decision, verdict, count, first in by_state:
        items += count
        if status == "pending":
            waiting += count
            by_decision[decision] = by_decision.get(decision, 0) + count
            oldest = first if oldest is None else min(oldest, first)
        elif verdict is not None:
            verdicts[verdict] = verdicts.get(verdict, 0) + count
    return QueueStats(
        items=items,
        pending=waiting,
        pending_by_decision=by_decision,
        pending_by_attribute={a: c for a, c in sorted(flagged)},
        verdicts=verdicts,
        oldest_pending_at=oldest,
    )


@dataclass(frozen=True, slots=True)
class AuthorRecord:
    """An author's comments in the queue: how many, how many wait, and the verdicts on the others."""

    author: str
    items: int
    pending: int
    approved: int
    rejected: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # its fields are the answer's keys, in order


def authors(conn: Connection, names: Sequence[str]) -> tuple[AuthorRecord, ...]:
    """The record of each of `names` that has an item (through the author index), in `names`' order."""
    t = S.queue_items
    counts: dict[str, dict[str | None, int]] = {}
    by_state = select(t.c.author, t.c.status, t.c.verdict, func.count()).where(t.c.author.in_(list(names)))
    for author, status, verdict, count in conn.execute(
        by_state.group_by(t.c.author, t.c.status, t.c.verdict)
    ):
        seen = counts.setdefault(author, {})
        key = "pending" if status == "pending" else verdict
        seen[key] = seen.get(key, 0) + count
    return tuple(
        AuthorRecord(name, sum(c.values()), c.get("pending", 0), c.get("approve", 0), c.get("reject", 0))
        for name in dict.fromkeys(names)
        if (c := counts.get(name))
    )
