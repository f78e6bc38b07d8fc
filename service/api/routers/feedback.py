"""POST /v1/feedback: a moderator's verdict, committed to the store (SQLite or PostgreSQL) for
`make train FEEDBACK=...`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from core.errors import EmptyInputError, TooLargeError
from service.api.deps import (
    ModeratorDep,
    ReplayKeyDep,
    StateDep,
    admin_only,
    require_moderator,
    require_queue,
)
from service.api.guards import JsonRoute
from service.api.replay import REPLAYED_DOC, answer_of, response_of, signed_request
from service.api.routers._common import erased_response, errors
from service.api.schemas import ErasedOut, FeedbackIn, FeedbackOut
from service.api.scoring import json_response
from service.ingest import has_visible_text
from service.storage import Feedback, Keyed

router = APIRouter(route_class=JsonRoute, tags=["feedback"])
ROUTE = "POST /v1/feedback"  # what an idempotency key is stored with
MAX_ROW_ID = 2**63 - 1  # a feedback row's id is a signed 64-bit integer on both backends


@router.post(
    "/v1/feedback",
    response_model=FeedbackOut,
    status_code=201,
    responses={
        200: {"model": FeedbackOut},
        201: REPLAYED_DOC,
        **errors(401, 403, 413, 415, 422, 503),
    },
    summary="Record a moderator's verdict (the API token or a moderator's)",
)
async def post_feedback(
    body: FeedbackIn,
    state: StateDep,
    _auth: Annotated[None, Depends(require_moderator)],
    key: ReplayKeyDep,
    moderator: ModeratorDep,
) -> Response:
    """201 with the row id once the row is committed; 503 when the database cannot be reached. With
    `doNotStore` in the request or MODERATION_DO_NOT_STORE=true, nothing is written and the answer is
    200 with `stored: false` (an Idempotency-Key is not stored either).

    With an `Idempotency-Key`, a retry of a committed request writes no second row: it gets the first
    answer (the same id) with `Idempotent-Replayed: true`; the same key from another moderator is a 422,
    as for verdicts (it was replayed to them, and their row never written)."""
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
    verdict = Feedback(
        text=body.text,
        attribute=body.attribute,
        label=body.label,
        article_id=body.article_id,
        author=body.author,
    )
    # In a thread (the fsync never blocks the loop), bounded by the store's slots.
    if key is None:
        row_id = await state.run_store(lambda store: store.add_feedback(verdict))
        return json_response(_stored(row_id), 201)
    keyed: Keyed[int] = Keyed(
        signed_request(key, ROUTE, None, body.model_dump(mode="json"), moderator),
        lambda row_id: answer_of(_stored(row_id), 201),
    )
    return response_of(await state.run_store(lambda store: store.add_feedback_once(keyed, verdict)))


def _stored(row_id: int) -> dict[str, object]:
    return {"stored": True, "id": row_id, "message": "stored"}


@router.delete(
    "/v1/feedback/{row_id}",
    response_model=ErasedOut,
    responses=errors(401, 403, 404, 409, 422, 503),
    summary="Erase a feedback row posted with POST /v1/feedback (needs the bearer token)",
)
async def erase_feedback(
    row_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The `id` POST /v1/feedback answered.")],
    state: StateDep,
    _auth: Annotated[None, Depends(require_queue)],
    _admin: Annotated[None, Depends(admin_only)],
) -> Response:
    """The row is deleted; 404 for an unknown id. A verdict's row (given on a queue item) is a 409:
    erase the item (DELETE /v1/queue/{id}). MODERATION_DO_NOT_STORE as for the queue; the API token
    only (a moderator's is 403)."""
    return erased_response(await state.run_store(lambda store: store.erase_feedback(row_id)))
