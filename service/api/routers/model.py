"""GET /v1/model: the loaded artifact's manifest: version, training data, metrics, thresholds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from service.api.deps import ScorerDep, StateDep
from service.api.routers._common import errors
from service.api.schemas import ModelInfo
from service.api.scoring import json_response

router = APIRouter(tags=["model"])


@router.get("/v1/model", response_model=ModelInfo, responses=errors(503), summary="The loaded model")
async def get_model(scorer: ScorerDep, state: StateDep) -> Response:
    """`thresholds` are the decision thresholds in force (from the settings); the manifest may also
    carry the thresholds chosen at training time."""
    manifest: dict[str, Any] = dict(scorer.manifest)
    thresholds = {name: t.model_dump() for name, t in state.settings.thresholds().items()}
    return json_response(
        {
            "version": scorer.version,
            "attributes": list(scorer.attributes),
            "thresholds": thresholds,
            "manifest": manifest,
        }
    )
