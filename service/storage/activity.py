"""Each moderator's verdicts over a time window, read from the verdict events (schema version 13 on):
how many they gave, took back, and how many of theirs someone else later changed. What a desk lead
reads to see who did how much, and whose verdicts colleagues keep overturning. No comment text is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from service.storage import schema as S

GIVEN = ("decide", "correct")  # the events that give a verdict (an undo takes one back)


@dataclass(frozen=True, slots=True)
class ModeratorActivity:
    """One moderator's events in the window (`moderator` None: the API token's). `changed_by_others`:
    their verdicts in the window that someone else corrected or undid afterwards (at any time since)."""

    moderator: str | None
    approved: int
    rejected: int
    undone: int
    changed_by_others: int
    last_at: datetime

    @property
    def verdicts(self) -> int:
        return self.approved + self.rejected

    def to_dict(self) -> dict[str, Any]:
        return {
            "moderator": self.moderator,
            "verdicts": self.verdicts,
            "approved": self.approved,
            "rejected": self.rejected,
            "undone": self.undone,
            "changed_by_others": self.changed_by_others,
            "last_at": self.last_at.isoformat(),
        }


def read(conn: Connection, since: datetime) -> tuple[ModeratorActivity, ...]:
    """Who acted at or after `since`, the busiest first. Every event of an item with one in the window
    is ordered (the next event on an item says whether someone else changed a verdict), then only the
    window's are counted."""
    e = S.verdict_events
    window: dict[str, Any] = {"partition_by": e.c.item_id, "order_by": (e.c.revision, e.c.id)}
    touched = select(e.c.item_id).where(e.c.created_at >= since)
    ordered = (
        select(
            e.c.moderator,
            e.c.action,
            e.c.verdict,
            e.c.created_at,
            func.lead(e.c.id).over(**window).label("next_id"),
            func.lead(e.c.moderator).over(**window).label("next_by"),
        )
        .where(e.c.item_id.in_(touched))
        .subquery()
    )
    o = ordered.c
    given = o.action.in_(GIVEN)
    changed = and_(given, o.next_id.is_not(None), o.next_by.is_distinct_from(o.moderator))

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = (
        select(
            o.moderator,
            count(and_(given, o.verdict == "approve")),
            count(and_(given, o.verdict == "reject")),
            count(o.action == "undo"),
            count(changed),
            func.max(o.created_at),
        )
        .where(o.created_at >= since)
        .group_by(o.moderator)
    )
    found = [
        ModeratorActivity(name, int(approved), int(rejected), int(undone), int(changed_), last)
        for name, approved, rejected, undone, changed_, last in conn.execute(query)
    ]
    return tuple(sorted(found, key=_busiest_first))


def _busiest_first(activity: ModeratorActivity) -> tuple[int, int, str]:
    # The API token's row (no name) last among equals: a desk reads its people first.
    return (-(activity.verdicts + activity.undone), activity.moderator is None, activity.moderator or "")
