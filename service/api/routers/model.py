"""GET /v1/model: the loaded artifact's manifest: version, training data, metrics, thresholds.
GET /v1/models and POST /v1/models/{version}:activate: list the model versions, switch or roll back."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from core.errors import ModelError
from model.versions import ModelVersion, VersionRegistry
from service.api.deps import ScorerDep, StateDep, require_token
from service.api.errors import ApiError
from service.api.routers._common import errors
from service.api.routers.admin import signal_siblings
from service.api.schemas import ActivateOut, ModelInfo, ModelVersionsOut
from service.api.scoring import json_response
from service.decide import CONTEXT_ATTRIBUTES
from service.memory import settle_memory

log = logging.getLogger(__name__)
router = APIRouter(tags=["model"])


@router.get("/v1/model", response_model=ModelInfo, responses=errors(503), summary="The loaded model")
async def get_model(scorer: ScorerDep, state: StateDep) -> Response:
    """`thresholds` are the decision thresholds in force (from the settings), `language_thresholds`
    those for comments detected as a language a site set its own for; the manifest may also carry the
    thresholds chosen at training time."""
    manifest: dict[str, Any] = dict(scorer.manifest)
    table = state.thresholds
    thresholds = {name: t.model_dump() for name, t in table.items()}
    by_language = {
        language: {name: t.model_dump() for name, t in limits.items()}
        for language, limits in table.by_language.items()
    }
    return json_response(
        {
            "version": scorer.version,
            "attributes": list(scorer.attributes),
            "thresholds": thresholds,
            "language_thresholds": by_language,
            "context_attributes": sorted(CONTEXT_ATTRIBUTES),
            "manifest": manifest,
        }
    )


def _selected(registry: VersionRegistry, listed: list[ModelVersion]) -> str | None:
    """The version ACTIVE names, else the shipped one; None when ACTIVE cannot be read."""
    try:
        pinned = registry.pinned()
    except ModelError as exc:
        log.warning("GET /v1/models: %s", exc)
        return None
    return pinned or next((v.version for v in listed if v.shipped), None)


@router.get("/v1/models", response_model=ModelVersionsOut, summary="The model versions")
async def list_models(state: StateDep) -> Response:
    """The shipped model first, then every version `make train` published, oldest first. `active`
    is the version this worker serves; `selected` the one the versions directory's ACTIVE names (the
    shipped one when there is none), which every worker and replica sharing that directory serves once
    reloaded: when the two differ, this worker has not switched yet (another replica activated a
    version, or this worker's reload was refused). Manifests only: nothing is loaded."""
    registry = state.models.versions
    current = state.models.current
    active = current.version if current else None

    def listing() -> tuple[list[ModelVersion], str | None]:
        if registry is None:
            return [], None
        listed = registry.versions()
        return listed, _selected(registry, listed)

    listed, selected = await run_in_threadpool(listing)
    return json_response(
        {
            "active": active,
            "selected": selected,
            "versions": [
                {
                    "version": v.version,
                    "shipped": v.shipped,
                    "active": v.version == active,
                    "created_at": v.created_at,
                    "attributes": list(v.attributes),
                    "metrics": v.metrics,
                }
                for v in listed
            ],
        }
    )


@router.post(
    "/v1/models/{version}:activate",
    response_model=ActivateOut,
    responses=errors(401, 403, 404, 409),
    summary="Serve another model version (switch or roll back; needs the bearer token)",
)
async def activate_model(
    version: str, state: StateDep, _auth: Annotated[None, Depends(require_token)]
) -> Response:
    """The version is loaded and hash-verified first; only then is it recorded as active (it stays
    active across restarts) and swapped in, atomically, like /v1/admin/reload. A version that fails
    to load is refused with 409 and the old one keeps serving. Other workers are told to reload."""
    current = state.models.current
    still = current.version if current else "none"
    del current  # no reference here keeps the old model alive after the swap
    try:
        previous, active = await run_in_threadpool(state.models.activate, version)
    except KeyError:
        raise ApiError(404, "not_found", f"no model version {version!r}; GET /v1/models lists them") from None
    except ModelError as exc:
        state.metrics.reloads.labels("refused").inc()
        raise ApiError(409, "model_refused", f"activation refused, still serving {still}: {exc}") from exc
    state.metrics.reloads.labels("ok").inc()
    await run_in_threadpool(settle_memory)  # as after a reload: the old model is freed, not kept frozen
    signalled = signal_siblings() if state.settings.workers > 1 else 0
    return json_response(
        {"activated": True, "previous_version": previous, "version": active, "workers_signalled": signalled}
    )
