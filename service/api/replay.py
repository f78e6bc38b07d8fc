"""The HTTP side of idempotency keys on moderators' writes (POST /v1/feedback, :decide, :undo): the
answer a write renders for the store to keep with it, and the response made from an answer, marked
`Idempotent-Replayed: true` (Stripe's header) when it is a stored one replayed to a retry."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response
from pydantic_core import to_json

from service.api.errors import JSON_MEDIA_TYPE
from service.storage import Answer, KeyedRequest

REPLAYED_HEADER = "Idempotent-Replayed"

# OpenAPI: the header a replayed answer carries (documentation only).
REPLAYED_DOC: dict[str, Any] = {
    "headers": {
        REPLAYED_HEADER: {
            "description": "`true` when this is the stored answer to an earlier request with the same "
            "Idempotency-Key (nothing was written again); absent otherwise.",
            "schema": {"type": "string", "enum": ["true"]},
        }
    }
}


def answer_of(payload: Any, status: int = 200) -> Answer:
    """The answer a write gives, as json_response would send it (NaN as null)."""
    return Answer(status, to_json(payload, inf_nan_mode="null"))


def response_of(answer: Answer) -> Response:
    headers = {REPLAYED_HEADER: "true"} if answer.replayed else None
    return Response(answer.body, status_code=answer.status, media_type=JSON_MEDIA_TYPE, headers=headers)


def signed_request(
    key: str, route: str, item_id: str | None, body: dict[str, Any], moderator: str | None
) -> KeyedRequest:
    """A keyed request, signed with who sent it: the same key from another moderator is another request
    (a 422), never a replay of someone else's write. The API token's requests hash as before."""
    signed = body if moderator is None else {**body, "decided_by": moderator}
    return KeyedRequest.of(key, route, item_id, signed)
