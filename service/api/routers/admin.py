"""POST /v1/admin/reload: load the active model version again (the one named in the versions directory's
ACTIVE file, else MODERATION_MODEL_DIR) and swap it in atomically."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from core.errors import ModelError
from service.api.deps import StateDep, require_token
from service.api.errors import ApiError
from service.api.routers._common import errors
from service.api.schemas import ReloadOut
from service.api.scoring import json_response
from service.api.state import AppState
from service.memory import settle_memory

log = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])


def sibling_workers() -> list[int]:
    """The other uvicorn workers: children of our parent (the supervisor) started by multiprocessing's
    spawn, like us. Linux /proc; an empty list elsewhere."""
    me, parent = os.getpid(), os.getppid()
    try:
        children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    except OSError:
        return []
    siblings = []
    for pid in map(int, children):
        if pid == me:
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:  # not the supervisor's resource tracker
            siblings.append(pid)
    return siblings


def signal_siblings() -> int:
    sent = 0
    for pid in sibling_workers():
        try:
            os.kill(pid, signal.SIGHUP)
            sent += 1
        except OSError as exc:
            log.warning("could not signal worker %d to reload: %s", pid, exc)
    return sent


async def reload_model(state: AppState) -> tuple[str | None, str]:
    """Load off the event loop (requests keep being served on the old model meanwhile), then swap."""
    try:
        previous, version = await run_in_threadpool(state.models.reload)
    except ModelError:
        state.metrics.reloads.labels("refused").inc()
        raise
    state.metrics.reloads.labels("ok").inc()
    # The old model was frozen out of the GC's reach at start (gc.freeze in the lifespan) and its freed
    # memory stays with malloc: without this each reload left ~60 MB more per worker.
    await run_in_threadpool(settle_memory)
    return previous, version


@router.post(
    "/v1/admin/reload",
    response_model=ReloadOut,
    responses=errors(401, 403, 409),
    summary="Reload the model without downtime (needs the bearer token)",
)
async def reload(state: StateDep, _auth: Annotated[None, Depends(require_token)]) -> Response:
    """A bad artifact is refused with 409 and the old model keeps serving. With several workers
    (MODERATION_WORKERS > 1 under `moderate serve`) the worker that took the request, once its own
    reload succeeded, sends SIGHUP to its sibling workers, which reload in place the same way: no
    process restarts, no connection is dropped. `workers_signalled` counts them."""
    current = state.models.current
    still = current.version if current else "none"
    del current  # no reference here keeps the old model alive after the swap
    try:
        previous, version = await reload_model(state)
    except ModelError as exc:
        raise ApiError(409, "model_refused", f"reload refused, still serving {still}: {exc}") from exc
    signalled = signal_siblings() if state.settings.workers > 1 else 0
    return json_response(
        {"reloaded": True, "previous_version": previous, "version": version, "workers_signalled": signalled}
    )
