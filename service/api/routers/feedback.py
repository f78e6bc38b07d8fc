"""POST /v1/feedback: a moderator's verdict, committed to the store (SQLite or PostgreSQL) for
`make train FEEDBACK=...`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from core.errors import EmptyInputError, TooLargeError
from service.api.deps import StateDep, require_token
from service.api.guards import JsonRoute
from service.api.routers._common import errors
from service.api.schemas import FeedbackIn, FeedbackOut
from service.api.scoring import json_response
from service.ingest import has_visible_text
from service.storage import Feedback

router = APIRouter(route_class=JsonRoute, tags=["feedback"])


@router.post(
    "/v1/feedback",
    response_model=FeedbackOut,
    status_code=201,
    responses={200: {"model": FeedbackOut}, **errors(401, 403, 413, 415, 422, 503)},
    summary="Record a moderator's verdict (needs the bearer token)",
)
async def post_feedback(
    body: FeedbackIn, state: StateDep, _auth: Annotated[None, Depends(require_token)]
) -> Response:
    """201 with the row id once the row is committed; 503 when the database cannot be reached. With
    `doNotStore` in the request or MODERATION_DO_NOT_STORE=true, nothing is written and the answer is
    200 with `stored: false`."""
    limits = state.settings.limits
    if not has_visible_text(body.text):
        raise EmptyInputError("feedback text is empty")
    if len(body.text) > limits.max_comment_chars:
        raise TooLargeError(
            f"feedback text has {len(body.text)} characters; the limit is {limits.max_comment_chars}"
        )
    if body.doNotStore or state.settings.do_not_store:
        why = "the request asked doNotStore" if body.doNotStore else "MODERATION_DO_NOT_STORE is set"
        return json_response({"stored": False, "id": None, "message": f"not stored: {why}"}, 200)
    verdict = Feedback(text=body.text, attribute=body.attribute, label=body.label, article_id=body.article_id)
    # In a thread (the fsync never blocks the loop), bounded by the store's slots.
    row_id = await state.run_store(lambda store: store.add_feedback(verdict))
    return json_response({"stored": True, "id": row_id, "message": "stored"}, 201)
