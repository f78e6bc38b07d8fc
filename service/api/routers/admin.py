"""POST /v1/admin/reload: load the artifact in MODERATION_MODEL_DIR again and swap it in atomically."""

from __future__ import annotations

import logging
import os
import signal
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from service.api.deps import StateDep, require_token
from service.api.errors import ApiError
from service.api.routers._common import errors
from service.api.schemas import ReloadOut
from service.api.scoring import json_response
from service.api.state import AppState
from service.errors import ModelError

log = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])


async def reload_model(state: AppState) -> tuple[str | None, str]:
    """Load off the event loop (requests keep being served on the old model meanwhile), then swap."""
    try:
        previous, version = await run_in_threadpool(state.models.reload)
    except ModelError:
        state.metrics.reloads.labels("refused").inc()
        raise
    state.metrics.reloads.labels("ok").inc()
    return previous, version


@router.post(
    "/v1/admin/reload",
    response_model=ReloadOut,
    responses=errors(401, 403, 409),
    summary="Reload the model without downtime (needs the bearer token)",
)
async def reload(state: StateDep, _auth: Annotated[None, Depends(require_token)]) -> Response:
    """A bad artifact is refused with 409 and the old model keeps serving. With several workers
    (MODERATION_WORKERS > 1 under `moderate serve`) the worker that took the request also sends SIGHUP
    to the uvicorn supervisor, which replaces every worker one by one, each new one loading the new
    artifact before the old one retires."""
    current = state.models.current
    try:
        previous, version = await reload_model(state)
    except ModelError as exc:
        still = current.version if current else "none"
        raise ApiError(409, "model_refused", f"reload refused, still serving {still}: {exc}") from exc
    signalled = False
    if state.settings.workers > 1:
        try:
            os.kill(os.getppid(), signal.SIGHUP)
            signalled = True
        except OSError as exc:
            log.warning("could not signal the uvicorn supervisor to roll the other workers: %s", exc)
    return json_response(
        {"reloaded": True, "previous_version": previous, "version": version, "workers_signalled": signalled}
    )
