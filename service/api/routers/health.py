"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from service.api.deps import StateDep
from service.api.schemas import Health
from service.api.scoring import json_response

router = APIRouter(tags=["operations"])


# HEAD as well as GET (kept out of the schema): uptime monitors and some load balancers probe with HEAD,
# and a 405 there reads as "service down".
@router.head("/healthz", include_in_schema=False)
@router.get("/healthz", response_model=Health, summary="Is the process alive")
async def healthz(state: StateDep) -> Response:
    scorer = state.models.current
    return json_response({"status": "ok", "model_version": scorer.version if scorer else None})


@router.head("/readyz", include_in_schema=False)
@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health}},
    summary="Is the model loaded (can it score), and is the database reachable",
)
async def readyz(state: StateDep) -> Response:
    """503 until the model is loaded. A database that is down does NOT make this 503: scoring still
    works, so a load balancer must keep sending traffic; `database.status` says "unavailable" (and
    feedback and queue endpoints answer 503): alert on that."""
    scorer = state.models.current
    database = await run_in_threadpool(state.store_status)
    if scorer is None:
        return json_response({"status": "loading", "model_version": None, "database": database}, 503)
    return json_response({"status": "ok", "model_version": scorer.version, "database": database})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(state: StateDep) -> Response:
    payload, content_type = state.metrics.render()
    return Response(payload, media_type=content_type)
