"""The store's records: moderators' verdicts (feedback) and review-queue items. Frozen dataclasses;
the HTTP edge turns them into JSON with `QueueItem.to_dict`."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import InputError

STATUSES: tuple[str, ...] = ("pending", "decided")
VERDICTS: tuple[str, ...] = ("approve", "reject")
DECISIONS: tuple[str, ...] = ("approve", "review", "reject")

# Attribute names are the model's (insult, off_topic, toxicity, spam, ...): snake_case, bounded.
_ATTRIBUTE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def check_attribute_name(name: str) -> str:
    if not isinstance(name, str) or not _ATTRIBUTE.fullmatch(name):
        raise InputError(f"attribute {name!r} is not a snake_case attribute name (for example 'insult')")
    return name


@dataclass(frozen=True, slots=True)
class Feedback:
    """One moderator verdict: `label` 1 means the comment has the attribute, 0 that it has not."""

    text: str
    attribute: str
    label: int
    article_id: str | None = None
    created_at: str = ""
    queue_item_id: str | None = None  # set when the verdict was given on a review-queue item
    # The language the comment was scored in (a queue item's); training routes the row by it. None:
    # unknown, training detects it.
    judged_language: str | None = None
    author: str | None = None  # who wrote the comment, when the poster said (a reader's erasure)


@dataclass(frozen=True, slots=True)
class NewQueueItem:
    """A scored comment to put in the review queue. `flagged`: the attributes that reached review."""

    text: str
    scores: Mapping[str, float | None]
    spans: Mapping[str, Sequence[Mapping[str, Any]]]
    decision: str
    reasons: Sequence[str]
    model_version: str
    flagged: Sequence[str] = ()
    article_id: str | None = None
    article_title: str | None = None
    source: str | None = None
    language: str | None = None
    # The language it was scored in: detected, else its thread's or the request's (service.decide).
    judged_language: str | None = None
    # The context it was scored with ("none", or what came with it) and the attributes whose model was
    # not trained for its language: what its decision rests on (service.decide).
    context: str | None = None
    unsupported: Sequence[str] = ()
    # What the comment quoted (each {"author", "text"}): `text` is its own words only, and a moderator
    # reading a reply needs what it answers (service.parse.quotes).
    quotes: Sequence[Mapping[str, str | None]] = ()
    author: str | None = None  # who wrote it, as the client or the parsed page names them
    # Items with the same key are one item: queueing it again returns the stored item's id.
    idempotency_key: str | None = None

    @property
    def risk(self) -> float:
        """The queue's sort key: the decision first (reject 2, review 1, approve 0), then the highest
        score among the attributes that flagged it (all of them when none did). A high score of an
        attribute that decides nothing (unsubstantial by default) must not push flagged comments down."""
        rank = {"reject": 2.0, "review": 1.0}.get(self.decision, 0.0)
        names = set(self.flagged) or set(self.scores)
        values = [v for k, v in self.scores.items() if k in names and v is not None and not math.isnan(v)]
        return rank + max(values, default=0.0)


@dataclass(frozen=True, slots=True)
class QueueItem:
    id: str
    text: str
    scores: Mapping[str, float | None]
    spans: Mapping[str, Sequence[Mapping[str, Any]]]
    decision: str
    reasons: tuple[str, ...]
    model_version: str
    flagged: tuple[str, ...]
    risk: float
    created_at: datetime
    status: str
    article_id: str | None = None
    article_title: str | None = None
    source: str | None = None
    language: str | None = None
    judged_language: str | None = None  # None on items queued before schema version 6
    verdict: str | None = None
    verdict_attributes: tuple[str, ...] | None = None
    decided_at: datetime | None = None
    # How many times its verdict was given, corrected or undone: a correction names the one it replaces.
    revision: int = 0
    context: str | None = None  # None (and unsupported None) on items queued before schema version 8
    unsupported: tuple[str, ...] | None = None
    quotes: tuple[Mapping[str, str | None], ...] | None = None  # None on items queued before version 9
    decided_by: str | None = None  # the moderator's name; None for the API token's verdicts
    author: str | None = None  # None when not given, and on items queued before schema version 14

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "author": self.author,
            "article_id": self.article_id,
            "article_title": self.article_title,
            "source": self.source,
            "text": self.text,
            "scores": dict(self.scores),
            "spans": {k: [dict(s) for s in v] for k, v in self.spans.items()},
            "decision": self.decision,
            "reasons": list(self.reasons),
            "flagged_attributes": list(self.flagged),
            "risk": self.risk,
            "language": self.language,
            "judged_language": self.judged_language,
            "model_version": self.model_version,
            "created_at": self.created_at.isoformat(),
            "status": self.status,
            "verdict": self.verdict,
            "verdict_attributes": None if self.verdict_attributes is None else list(self.verdict_attributes),
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decided_by": self.decided_by,
            "revision": self.revision,
            "context": self.context,
            "unsupported_attributes": None if self.unsupported is None else list(self.unsupported),
            "quotes": None if self.quotes is None else [dict(q) for q in self.quotes],
        }


@dataclass(frozen=True, slots=True)
class VerdictEvent:
    """One verdict given ("decide"), replaced ("correct") or taken back ("undo") on a queue item, and by
    whom (`moderator` None: the API token's). `revision`: the item's revision once it was written."""

    revision: int
    action: str
    verdict: str | None
    attributes: tuple[str, ...] | None
    moderator: str | None
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "action": self.action,
            "verdict": self.verdict,
            "attributes": None if self.attributes is None else list(self.attributes),
            "decided_by": self.moderator,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class QueueScores:
    """What the moderator page's plots read of an item (GET /v1/queue:scores): its scores, its verdict
    and what its decision rests on; no text, spans or quotes, which are most of an item's bytes."""

    scores: Mapping[str, float | None]
    verdict: str | None = None
    verdict_attributes: tuple[str, ...] | None = None
    judged_language: str | None = None
    context: str | None = None
    unsupported: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scores": dict(self.scores),
            "verdict": self.verdict,
            "verdict_attributes": None if self.verdict_attributes is None else list(self.verdict_attributes),
            "judged_language": self.judged_language,
            "context": self.context,
            "unsupported_attributes": None if self.unsupported is None else list(self.unsupported),
        }


@dataclass(frozen=True, slots=True)
class Queued:
    """One comment put in the queue: its item's id, and the item as stored when the comment had one
    already (a retry, a re-crawl, another replica's same request): what it holds stands, not the
    scores this request computed (a model reloaded since can score it otherwise)."""

    id: str
    stored: QueueItem | None = None


@dataclass(frozen=True, slots=True)
class QueueQuery:
    """Filters of GET /v1/queue. `attribute`: items whose given attribute reached review."""

    status: str | None = None
    decision: str | None = None
    attribute: str | None = None
    article_id: str | None = None
    decided_by: str | None = None  # items whose standing verdict that moderator gave
    author: str | None = None  # items by that author (as stored: the exact name)
    since: datetime | None = None  # created_at >= since
    until: datetime | None = None  # created_at < until
    limit: int = 50
    cursor: str | None = None
    # A QueuePage.after: the items queued after that page was read, in arrival (commit) order.
    after: str | None = None


@dataclass(frozen=True, slots=True)
class QueuePage:
    items: tuple[QueueItem, ...]
    next_cursor: str | None = None
    # Poll with QueueQuery(after=...) for what was queued after this page (or after its last item).
    after: str = ""


@dataclass(frozen=True, slots=True)
class ScoresPage:
    """A page of GET /v1/queue:scores, in the order and with the cursor of GET /v1/queue."""

    items: tuple[QueueScores, ...]
    next_cursor: str | None = None
