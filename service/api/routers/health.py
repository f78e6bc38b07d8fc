"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from core.errors import ModerationError
from service.api.deps import BearerDep, StateDep, token_matches
from service.api.metrics import QueueGauges, RosterGauges
from service.api.schemas import Health
from service.api.scoring import json_response
from service.api.state import AppState
from service.storage import QueueQuery, QueueStats

log = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])

# Always answered, even when the worker is at its limit of requests in flight.
PROBES = ("/healthz", "/readyz")


# HEAD as well as GET (kept out of the schema): uptime monitors and some load balancers probe with HEAD,
# and a 405 there reads as "service down".
@router.head("/healthz", include_in_schema=False)
@router.get("/healthz", response_model=Health, summary="Is the process alive")
async def healthz(state: StateDep) -> Response:
    scorer = state.models.current
    return json_response({"status": "ok", "model_version": scorer.version if scorer else None})


# /readyz waits this long for the database check, then reports it unavailable: a probe must answer
# within its own timeout even when the database host is frozen (it acknowledges packets but never
# answers, and a query on a pooled connection then waits for ever).
DATABASE_CHECK_S = 2.0


async def _database_status(state: AppState) -> dict[str, object]:
    """The store check, at most one at a time per worker: a check still waiting on a frozen database is
    awaited again by the next probe, never joined by a second thread."""
    check = state.database_check
    if check is None or check.done():
        check = state.database_check = asyncio.ensure_future(run_in_threadpool(state.store_status))
    try:
        status = await asyncio.wait_for(asyncio.shield(check), DATABASE_CHECK_S)
    except TimeoutError:
        status = {
            "status": "unavailable",
            "backend": "postgresql" if state.settings.database_url else "sqlite",
            "detail": f"the database did not answer within {DATABASE_CHECK_S:g} s",
        }
    problem = str(status["detail"]) if status["status"] == "unavailable" else None
    if problem is not None and problem != state.database_problem:  # once per new problem, not per probe
        log.warning("/readyz: the database is unavailable: %s", problem)
    state.database_problem = problem
    return status


@router.head("/readyz", include_in_schema=False)
@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health}},
    summary="Is the model loaded (can it score), and is the database reachable",
)
async def readyz(state: StateDep, credentials: BearerDep) -> Response:
    """503 until the model is loaded. A database that is down does NOT make this 503: scoring still
    works, so a load balancer must keep sending traffic; `database.status` says "unavailable" (and
    feedback and queue endpoints answer 503): alert on that. An SQLite file this process cannot write
    is such a database too. `database.detail` (why; it names the database's host, user and name) only
    with the API token: probes carry none, and it is logged."""
    scorer = state.models.current
    database = dict(await _database_status(state))  # a copy: probes awaiting one check share its answer
    if not token_matches(state.settings, credentials.credentials if credentials else None):
        database.pop("detail", None)
    if scorer is None:
        return json_response({"status": "loading", "model_version": None, "database": database}, 503)
    return json_response({"status": "ok", "model_version": scorer.version, "database": database})


async def _queue_gauges(state: AppState) -> QueueGauges | None:
    """The queue's counts for /metrics, read at most once at a time per worker and waited for at most
    DATABASE_CHECK_S (a scrape must answer when the database is frozen: then only
    moderation_queue_stats_up 0). None when nothing may be stored (no queue)."""
    if state.settings.do_not_store:
        return None
    if state.sqlite_not_made():
        return QueueGauges(QueueStats.empty(), datetime.now(UTC))
    check = state.queue_count
    if check is None or check.done():
        check = state.queue_count = asyncio.ensure_future(
            state.run_store(lambda store: store.queue_stats(QueueQuery()))
        )
        # A read that fails after its scrape stopped waiting: its error is retrieved here, not logged
        # by asyncio as "never retrieved" (the next scrape reads again and reports it as up 0).
        check.add_done_callback(lambda done: done.cancelled() or done.exception())
    try:
        stats: QueueStats | None = await asyncio.wait_for(asyncio.shield(check), DATABASE_CHECK_S)
    except (TimeoutError, ModerationError):
        stats = None
    return QueueGauges(stats, datetime.now(UTC))


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(state: StateDep) -> Response:
    """The process's counters and histograms (all workers' with `--workers N`), and the review queue's
    backlog from the store: pending comments by decision and by attribute, verdicts, and the oldest
    pending comment's age."""
    queue = await _queue_gauges(state)
    roster = state.roster
    in_force = RosterGauges(len(roster.tokens()), None if roster.path is None else roster.problem is None)
    gauges = [g for g in (queue, in_force) if g is not None]
    payload, content_type = await run_in_threadpool(state.metrics.render, *gauges)
    return Response(payload, media_type=content_type)
