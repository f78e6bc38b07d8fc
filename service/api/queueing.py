"""Putting scored comments in the review queue (`"queue": true` on comments:score, `?queue=true` on
articles:score): the checks a queueing request must pass, and scored results -> queue items."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from core.errors import InputError, TooLargeError
from service.api.schemas import MAX_AUTHOR_CHARS, MAX_TITLE_CHARS
from service.api.state import AppState
from service.decide import flagged_attributes
from service.settings import Thresholds
from service.storage import NewQueueItem, Queued, QueueItem
from service.storage.records import check_attribute_name


def check_queue_size(texts: Sequence[str], state: AppState) -> None:
    """Queued comments get explanation spans, which cost time per character: bound them."""
    limit = state.settings.limits.max_queue_chars
    if (chars := sum(map(len, texts))) > limit:
        raise TooLargeError(
            f"queueing is limited to {limit:,} characters of comments per request (their explanations "
            f"are computed); got {chars:,}: send the page in parts"
        )


def queue_items(
    texts: Sequence[str],
    results: Sequence[Mapping[str, Any]],
    *,
    thresholds: Mapping[str, Thresholds],
    model_version: str,
    article_id: str | None,
    article_title: str | None,
    source: str | None,
    idempotency_key: str | None = None,
    identities: Sequence[str | None] | None = None,
    quotes: Sequence[Sequence[Mapping[str, str | None]]] | None = None,
    authors: Sequence[str | None] | None = None,
) -> list[NewQueueItem]:
    """Each item gets a key that finds it again when the same comment is queued once more:
    - under an article id: the comment itself (article id, source, `identities`' entry: the client's
      comment id or the page's author, its text, and how many comments before it in the request had
      that same id and text). Re-queueing a page (a re-crawl for its new comments, or a retry) adds
      only the comments not queued yet; an edited text is a new item;
    - else the request's Idempotency-Key header, the comment's position and text (a retry finds the
      items it queued; a key reused for other comments queues those); without a header, none.
    `quotes`: per comment, what it quoted ({"author", "text"}), stored beside its own words.
    `authors`: per comment, who wrote it (a parsed page's name, or the client's `author`)."""
    keys = _item_keys(texts, article_id, source, idempotency_key, identities)
    return [
        NewQueueItem(
            text=text,
            scores=dict(r["scores"]),
            spans=dict(r.get("spans") or {}),
            decision=r["decision"]["verdict"],
            reasons=list(r["decision"]["reasons"]),
            model_version=model_version,
            flagged=flagged_attributes(
                r["scores"], thresholds, r.get("context", "none"), r.get("judged_language")
            ),
            article_id=article_id,
            # A parsed page's title is a line of any length: each item keeps a copy, so it is bounded.
            article_title=article_title[:MAX_TITLE_CHARS] if article_title else article_title,
            source=source,
            language=r.get("language"),
            judged_language=r.get("judged_language"),
            context=r.get("context"),
            unsupported=[a for a, ok in (r.get("language_supported") or {}).items() if not ok],
            quotes=list(quoted),
            # A parsed page's name is a few words of a header line of any length: bounded as the API's.
            author=author[:MAX_AUTHOR_CHARS] if author else None,
            idempotency_key=key,
        )
        for text, r, key, quoted, author in zip(
            texts, results, keys, quotes or [()] * len(texts), authors or [None] * len(texts), strict=True
        )
    ]


def _item_keys(
    texts: Sequence[str],
    article_id: str | None,
    source: str | None,
    idempotency_key: str | None,
    identities: Sequence[str | None] | None,
) -> list[str | None]:
    if article_id is not None:
        seen: Counter[tuple[str | None, str]] = Counter()
        keys: list[str | None] = []
        for text, who in zip(texts, identities or [None] * len(texts), strict=True):
            nth = seen[who, text]
            seen[who, text] += 1
            keys.append(json.dumps(["comment", article_id, source, who, text, nth]))
        return keys
    if idempotency_key is None:
        return [None] * len(texts)
    return [json.dumps([idempotency_key, article_id, source, i, text]) for i, text in enumerate(texts)]


async def enqueue(state: AppState, items: Sequence[NewQueueItem]) -> list[Queued]:
    return await state.run_store(lambda store: store.enqueue_or_find(items))


def answer_queued(results: Sequence[dict[str, Any]], queued: Sequence[Queued], model_version: str) -> None:
    """Each result gets its `queue_id` and the `model_version` that scored it. A comment that had its
    item already (a retry, a re-crawl) answers what the item holds, as the moderator sees it: the
    scores this request computed can differ (a model reloaded since, a thread grown around it)."""
    for result, item in zip(results, queued, strict=True):
        result["queue_id"] = item.id
        result["queued_before"] = item.stored is not None
        result["model_version"] = model_version
        if item.stored is not None:
            result.update(stored_result(item.stored))


def stored_result(item: QueueItem) -> dict[str, Any]:
    """The fields of a scoring result as `item` holds them. What an item queued before schema
    version 6 or 8 does not hold stays as this request scored it, named in `not_stored`."""
    out: dict[str, Any] = {
        "scores": dict(item.scores),
        "decision": {"verdict": item.decision, "reasons": list(item.reasons)},
        "spans": {k: [dict(s) for s in v] for k, v in item.spans.items()},
        "language": item.language or "und",
        "model_version": item.model_version,
    }
    if item.judged_language is not None:
        out["judged_language"] = item.judged_language
    if item.context is not None:
        out["context"] = item.context
    if item.unsupported is not None:
        out["language_supported"] = {a: a not in item.unsupported for a in item.scores}
    missing = [f for f in ("judged_language", "context", "language_supported") if f not in out]
    if missing:
        out["not_stored"] = missing
    return out


def check_attribute(name: str, known: Sequence[str] | None) -> str:
    """An attribute of the loaded model when there is one, else any snake_case name."""
    check_attribute_name(name)
    if known and name not in known:
        raise InputError(f"unknown attribute {name!r}; the loaded model has {', '.join(known)}")
    return name
