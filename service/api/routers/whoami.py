"""GET /v1/whoami: whom the request's token names, so a client (the moderator's page) can say who is
signed in and offer only what that token may do."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from service.api.deps import ModeratorDep, require_moderator
from service.api.routers._common import errors
from service.api.schemas import WhoAmIOut
from service.api.scoring import json_response

router = APIRouter(tags=["queue"])


@router.get(
    "/v1/whoami",
    response_model=WhoAmIOut,
    responses=errors(401, 403),
    summary="Whom the token names: a moderator, or the API token",
    dependencies=[Depends(require_moderator)],  # resolved before ModeratorDep, which reads what it leaves
)
async def whoami(moderator: ModeratorDep) -> Response:
    """The API token or a moderator's (401 for none, or one no one holds). Needs no database."""
    return json_response({"moderator": moderator, "api_token": moderator is None})
