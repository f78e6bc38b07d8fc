"""The review queue: list, read and decide the comments stored by scoring with `queue=true`.

Every endpoint needs the API token (no token 401, a wrong one 403), and is disabled (403) when
MODERATION_DO_NOT_STORE is set. Two moderators deciding the same
item: the first verdict wins, the second gets 409 naming it; the database settles the race. A verdict
is corrected (`:decide` with the item's `revision`) or taken back (`:undo`) only while the item is at
the revision the moderator read, so of two changes at once one wins and the other is a 409.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from core.errors import InputError
from service.api.deps import AdminDep, ModeratorDep, ReplayKeyDep, StateDep, require_queue
from service.api.guards import JsonRoute
from service.api.queueing import check_attribute
from service.api.replay import REPLAYED_DOC, answer_of, response_of, signed_request
from service.api.routers._common import erased_response, errors
from service.api.schemas import (
    MAX_AUTHOR_CHARS,
    ActivityOut,
    AuthorName,
    AuthorsOut,
    DecideIn,
    ErasedOut,
    EraseIn,
    QueueItemOut,
    QueuePageOut,
    QueueStatsOut,
    ScoresPageOut,
    UndoIn,
    VerdictHistoryOut,
)
from service.api.scoring import json_response
from service.api.state import AppState
from service.settings import MODERATOR_NAME
from service.storage import Keyed, QueueItem, QueueQuery, Store
from service.storage.store import MAX_PAGE, MAX_SCORES_PAGE

router = APIRouter(route_class=JsonRoute, tags=["queue"], dependencies=[Depends(require_queue)])

# What an idempotency key is stored with (the item's id beside it).
DECIDE_ROUTE = "POST /v1/queue/{id}:decide"
UNDO_ROUTE = "POST /v1/queue/{id}:undo"

ItemId = Annotated[str, Path(max_length=64, description="The item's id, as listed by GET /v1/queue.")]


def _known_attributes(state: AppState) -> tuple[str, ...] | None:
    scorer = state.models.current
    return tuple(scorer.attributes) if scorer is not None else None


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(
            f"{name} must be an ISO 8601 time such as 2026-01-31T12:00:00Z, got {value!r}"
        ) from exc
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)  # naive: UTC
    try:
        return moment.astimezone(UTC)  # (the store compares UTC times: one that has none is refused here)
    except OverflowError as exc:
        raise InputError(f"{name} {value!r} is out of range once in UTC") from exc


async def _filters(
    state: StateDep,
    status: Literal["pending", "decided"] | None = None,
    decision: Literal["approve", "review", "reject"] | None = None,
    attribute: Annotated[
        str | None, Query(max_length=64, description="Items where it reached review")
    ] = None,
    article: Annotated[str | None, Query(max_length=2048, description="The article_id.")] = None,
    decided_by: Annotated[
        str | None,
        Query(
            pattern=f"^{MODERATOR_NAME.pattern}$",
            description="Items whose standing verdict this moderator gave (a moderator's name).",
        ),
    ] = None,
    author: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_AUTHOR_CHARS,
            description="Items by this author: the exact name stored (a reader's comments).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        Query(
            description="created_at at or after (ISO 8601; naive is UTC). Not for polling: an item "
            "committed late can be dated before what was seen; poll with `after`."
        ),
    ] = None,
    until: Annotated[str | None, Query(description="Queued before (ISO 8601; naive is UTC).")] = None,
) -> QueueQuery:
    """The filters GET /v1/queue and GET /v1/queue:scores share."""
    if attribute is not None:
        check_attribute(attribute, _known_attributes(state))
    return QueueQuery(
        status=status,
        decision=decision,
        attribute=attribute,
        article_id=article,
        decided_by=decided_by,
        author=author,
        since=_time(since, "since"),
        until=_time(until, "until"),
    )


FiltersDep = Annotated[QueueQuery, Depends(_filters)]
Cursor = Annotated[str | None, Query(max_length=512, description="The previous next_cursor")]


@router.get(
    "/v1/queue",
    response_model=QueuePageOut,
    responses=errors(401, 403, 422, 503),
    summary="List queued comments, riskiest first (needs the bearer token)",
)
async def list_queue(
    filters: FiltersDep,
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Cursor = None,
    after: Annotated[
        str | None,
        Query(
            max_length=64,
            description="The `after` of a previous answer: only the items queued, decided, corrected or "
            "undone since.",
        ),
    ] = None,
) -> Response:
    """Ordered by risk (the decision, reject 2, review 1, approve 0, plus the highest score among the
    attributes that flagged the item) descending, then id. Pass `next_cursor` back as
    `cursor` for the next page; it is null on the last page.

    Polling for new items and verdicts: pass the answer's `after` back as `after`. The answer then
    holds the items queued, decided, corrected or undone since, in the order those changes were
    committed, and a new `after`; with `limit` items, ask again at once. No change is skipped, even
    one a slower request commits later (`status=decided`: each verdict once)."""
    query = replace(filters, limit=limit, cursor=cursor, after=after)

    def read(store: Store) -> Response:  # in the thread: a page of 200 long comments is megabytes of JSON
        page = store.list_queue(query)
        items = [i.to_dict() for i in page.items]
        return json_response({"items": items, "next_cursor": page.next_cursor, "after": page.after})

    return await state.run_store(read)


@router.get(
    "/v1/queue:scores",
    response_model=ScoresPageOut,
    responses=errors(401, 403, 422, 503),
    summary="Each queued comment's scores and verdict, without its text: what the page's plots read "
    "(needs the bearer token)",
)
async def list_scores(
    filters: FiltersDep,
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=MAX_SCORES_PAGE)] = MAX_SCORES_PAGE,
    cursor: Cursor = None,
) -> Response:
    """The items of GET /v1/queue (same filters, same order, same cursor), each with only its
    `scores`, `verdict`, `verdict_attributes`, `judged_language`, `context` and
    `unsupported_attributes`: a few hundred bytes, whatever the length of the comment."""
    query = replace(filters, limit=limit, cursor=cursor)

    def read(store: Store) -> Response:
        page = store.list_scores(query)
        return json_response({"items": [i.to_dict() for i in page.items], "next_cursor": page.next_cursor})

    return await state.run_store(read)


@router.get(
    "/v1/queue:stats",
    response_model=QueueStatsOut,
    responses=errors(401, 403, 422, 503),
    summary="How many queued comments wait, since when, and for which attributes (needs the bearer token)",
)
async def queue_stats(filters: FiltersDep, state: StateDep) -> Response:
    """Counts over the items GET /v1/queue lists with the same filters: pending and decided, pending
    ones by the model's decision and by each attribute that reached review, verdicts, and how long the
    oldest pending one has waited. `/metrics` exports the unfiltered figures as gauges."""
    stats = await state.run_store(lambda store: store.queue_stats(filters))
    return json_response(stats.to_dict(datetime.now(UTC)))


# The desk's window when none is asked: a week of shifts.
ACTIVITY_DAYS = 7
# Authors asked at once: a page of the moderator's list shows at most 50 comments.
MAX_AUTHORS = 50


@router.get(
    "/v1/queue:authors",
    response_model=AuthorsOut,
    responses=errors(401, 403, 422, 503),
    summary="Each named author's comments in the queue: how many, pending, approved, rejected",
)
async def authors(
    state: StateDep,
    author: Annotated[
        list[AuthorName],
        Query(
            min_length=1,
            max_length=MAX_AUTHORS,
            description=f"An author's exact name, 1 to {MAX_AUTHORS} of them (repeat the parameter).",
        ),
    ],
) -> Response:
    """What the moderator's page shows beside each comment's author: a reader whose comments keep
    being rejected reads differently from one seen for the first time. Authors with nothing queued
    are left out."""
    found = await state.run_store(lambda store: store.authors(author))
    return json_response({"authors": [record.to_dict() for record in found]})


@router.get(
    "/v1/queue:activity",
    response_model=ActivityOut,
    responses=errors(401, 403, 422, 503),
    summary="Each moderator's verdicts, undos and verdicts changed by someone else (the API token)",
)
async def activity(
    state: StateDep,
    _admin: AdminDep,
    since: Annotated[
        str | None, Query(description=f"ISO 8601 time; default: {ACTIVITY_DAYS} days ago.", max_length=64)
    ] = None,
) -> Response:
    """Counted from the verdict events (given since schema version 13). The API token only: it is
    workplace data about the moderators, for whoever leads the desk."""
    now = datetime.now(UTC)
    start = _time(since, "since") or now - timedelta(days=ACTIVITY_DAYS)
    found = await state.run_store(lambda store: store.activity(start))
    body = {"since": start.isoformat(), "as_of": now.isoformat(), "moderators": [a.to_dict() for a in found]}
    return json_response(body)


@router.get(
    "/v1/queue/{item_id}",
    response_model=QueueItemOut,
    responses=errors(401, 403, 404, 422, 503),
    summary="One queued comment (needs the bearer token)",
)
async def get_item(item_id: ItemId, state: StateDep) -> Response:
    return json_response((await state.run_store(lambda store: store.queue_item(item_id))).to_dict())


@router.get(
    "/v1/queue/{item_id}/history",
    response_model=VerdictHistoryOut,
    responses=errors(401, 403, 404, 422, 503),
    summary="Every verdict given, corrected or undone on a queued comment, and by whom",
)
async def get_history(item_id: ItemId, state: StateDep) -> Response:
    """Oldest first; each event with the item's revision once it was written. The item holds only
    the verdict standing: this says who gave, replaced or took back each one (`decided_by` null: the
    API token). Verdicts given before schema version 13 left no event. Erased with the item."""
    events = await state.run_store(lambda store: store.history(item_id))
    return json_response({"item_id": item_id, "events": [e.to_dict() for e in events]})


@router.post(
    "/v1/queue/{item_id}:decide",
    response_model=QueueItemOut,
    responses={200: REPLAYED_DOC, **errors(401, 403, 404, 409, 413, 415, 422, 503)},
    summary="Approve or reject a queued comment; the verdict becomes training feedback",
)
async def decide(
    item_id: ItemId, body: DecideIn, state: StateDep, key: ReplayKeyDep, moderator: ModeratorDep
) -> Response:
    """The verdict is stored with its feedback rows in one transaction: `attributes` when given (`[]`:
    none), else the attributes that reached review, each labelled 1 for reject, 0 for approve. The
    first verdict on an item wins; a later one gets 409 with the verdict that stands. An attribute
    is one of the served model's or one the item was scored with (the model that queued it may have
    had more).

    To correct a verdict (a mis-click), send the item's `revision` as last read: the new verdict and
    its feedback rows replace the old ones (training reads only the latest). If the item changed since
    (another correction came first), the answer is 409 with the item as it stands.

    With an `Idempotency-Key`, a retry of a committed verdict (its answer lost) writes nothing again
    and gets the first answer with `Idempotent-Replayed: true`, not a 409 naming its own verdict.

    A moderator's own token (service.roster) stores their name with the verdict
    (`decided_by`); the API token's verdicts name no one."""
    keyed = (
        None if key is None else _keyed(key, DECIDE_ROUTE, item_id, body.model_dump(mode="json"), moderator)
    )
    try:
        attributes = await _verdict_attributes(body, item_id, state)
    except InputError:
        # A retry of a committed verdict is replayed even when the model served since would refuse
        # the request (a reload dropped an attribute it names): its answer was given already.
        stored = None if keyed is None else await state.run_store(lambda s: s.replay(keyed.request))
        if stored is None:
            raise
        return response_of(stored)
    if keyed is None:
        item = await state.run_store(
            lambda store: store.decide(
                item_id, body.verdict, attributes, revision=body.revision, by=moderator
            )
        )
        _count_verdict(state, body.verdict, moderator)
        return json_response(item.to_dict())
    answer = await state.run_store(
        lambda store: store.decide_once(
            keyed, item_id, body.verdict, attributes, revision=body.revision, by=moderator
        )
    )
    if not answer.replayed:
        _count_verdict(state, body.verdict, moderator)
    return response_of(answer)


def _count_verdict(state: AppState, verdict: str, moderator: str | None) -> None:
    state.metrics.verdicts.labels(verdict, moderator or "api_token").inc()


async def _verdict_attributes(body: DecideIn, item_id: str, state: AppState) -> list[str] | None:
    """The attributes a verdict names, each one the served model's or one the item was scored with
    (the model that queued it may have had attributes the served one lacks: a verdict on those is
    feedback all the same; training decides whether the attribute still exists)."""
    if body.attributes is None:
        return None
    known = _known_attributes(state)
    if known and not set(body.attributes) <= set(known):
        queued = await state.run_store(lambda store: store.queue_item(item_id))
        known = (*known, *(a for a in queued.scores if a not in known))
    return [check_attribute(a, known) for a in body.attributes]


@router.post(
    "/v1/queue/{item_id}:undo",
    response_model=QueueItemOut,
    responses={200: REPLAYED_DOC, **errors(401, 403, 404, 409, 413, 415, 422, 503)},
    summary="Take back a verdict: the item is pending again and its feedback rows are deleted",
)
async def undo(
    item_id: ItemId, body: UndoIn, state: StateDep, key: ReplayKeyDep, moderator: ModeratorDep
) -> Response:
    """Only while the item is still at the `revision` sent (its value as last read), else 409 with
    the item as it stands. With an `Idempotency-Key`, a retry of a committed undo gets its answer
    again (`Idempotent-Replayed: true`), not a 409."""
    if key is None:
        item = await state.run_store(lambda store: store.undo(item_id, body.revision, by=moderator))
        _count_verdict(state, "undo", moderator)
        return json_response(item.to_dict())
    keyed = _keyed(key, UNDO_ROUTE, item_id, body.model_dump(mode="json"), moderator)
    answer = await state.run_store(lambda store: store.undo_once(keyed, item_id, body.revision, by=moderator))
    if not answer.replayed:
        _count_verdict(state, "undo", moderator)
    return response_of(answer)


@router.delete(
    "/v1/queue/{item_id}",
    response_model=ErasedOut,
    responses=errors(401, 403, 404, 422, 503),
    summary="Erase a queued comment: the item, its flags, its verdict's feedback rows and stored answers",
)
async def erase_item(item_id: ItemId, state: StateDep, _admin: AdminDep) -> Response:
    """A reader's erasure request: the item, its flags, the feedback rows of its verdict and the
    idempotency keys whose stored answer holds it are deleted in one transaction (all or none), pending
    or decided. 404 for an unknown id (a second erasure of the same item too). A model trained before
    keeps what it learnt from the verdict until it is retrained (docs/security.md)."""
    return erased_response(await state.run_store(lambda store: store.erase_item(item_id)))


@router.post(
    "/v1/queue:erase",
    response_model=ErasedOut,
    responses=errors(401, 403, 413, 415, 422, 503),
    summary="Erase every queued comment of an article (taken down) and every feedback row naming it, "
    "or every queued comment of an author (a reader's erasure request)",
)
async def erase_article(body: EraseIn, state: StateDep, _admin: AdminDep) -> Response:
    """`article_id`: every item whose `article_id` is the one given, each with what `DELETE
    /v1/queue/{id}` deletes, and the feedback rows posted with that `article_id`. `author`: every item
    by that author (the exact name stored), each the same way, and the feedback rows posted with that
    `author` (rows posted without one are not reached). 1,000 items or rows per transaction (a 503 after
    some batches says how much was deleted; send it again to finish). Nothing stored is a 200 with every
    count 0 (a retried erasure too)."""
    if body.author is not None:
        author = body.author
        return erased_response(await state.run_store(lambda store: store.erase_author(author)))
    article_id = str(body.article_id)
    return erased_response(await state.run_store(lambda store: store.erase_article(article_id)))


def _keyed(
    key: str, route: str, item_id: str, body: dict[str, object], moderator: str | None
) -> Keyed[QueueItem]:
    """A keyed verdict or undo, signed with who sent it (replay.signed_request)."""
    return Keyed(signed_request(key, route, item_id, body, moderator), lambda item: answer_of(item.to_dict()))
