"""POST /batch: Google's batch endpoint, the `batchPath` of the discovery document. googleapiclient's
`new_batch_http_request()` sends several Perspective calls in one multipart/mixed request; each part is
run as the request it would have been on its own (same route, same validation, same errors, same
`?key=` check) and answered in a part of its own, in order.

Only Perspective's two methods may appear in a batch. A part that is not one of them, or not a readable
HTTP request, gets an error part in its place; every part gets an answer. The batch as a whole is bounded
by the request body limit and by `max_comments_per_request` parts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.types import Message, Scope

from service.api.batch_protocol import BatchFormatError, InnerRequest, InnerResponse, parse_batch, write_batch
from service.api.deps import PINNED_SCORER, StateDep
from service.api.errors import BATCH_PATH, ApiError, google_error_body
from service.api.routers._common import google_errors

log = logging.getLogger(__name__)

router = APIRouter(tags=["perspective"])
# The methods a batch may carry: Perspective's own (a batch of native or admin calls is not Google's API).
BATCHABLE = frozenset({("POST", "/v1alpha1/comments:analyze"), ("POST", "/v1alpha1/comments:suggestscore")})
_JSON = "application/json; charset=UTF-8"
# The answers a batch holds before it writes them all: each part's answer is bounded (a span-annotated
# one by perspective_protocol.MAX_SPAN_SCORES, ~9 MB), but a 2 MiB batch of a hundred such parts held
# ~1 GB. Past this, the remaining parts are answered 413 unrun: send them again in another batch. A
# thousand plain analyses answer ~0.4 MB.
MAX_BATCH_ANSWER_BYTES = 32 * 1024 * 1024
# Per-request keys of the outer scope an inner request must not inherit (the router sets its own).
_OUTER_ONLY = (
    "route",
    "endpoint",
    "path_params",
    "router",
    "fastapi_inner_astack",
    "fastapi_function_astack",
)


def _error_part(content_id: str | None, status: int, message: str) -> InnerResponse:
    return InnerResponse(content_id, status, _JSON, google_error_body(status, message, "INVALID_REQUEST"))


def _inner_scope(outer: Scope, inner: InnerRequest) -> Scope:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in inner.headers]
    if not any(k == "authorization" for k, _ in inner.headers):
        # A client that authenticates the batch (a bearer token) authenticates every call in it.
        headers += [(k, v) for k, v in outer["headers"] if k == b"authorization"]
    headers.append((b"content-length", str(len(inner.body)).encode()))
    scope = {k: v for k, v in outer.items() if k not in _OUTER_ONLY}
    scope.update(
        method=inner.method,
        path=inner.path,
        raw_path=quote(inner.path, safe="/:").encode("ascii"),
        query_string=inner.query.encode("latin-1", "replace"),
        headers=headers,
        state=dict(outer.get("state") or {}),
    )
    return scope


async def _run(request: Request, inner: InnerRequest) -> InnerResponse:
    """One part through the app's router (past the middleware the batch itself already went through:
    body limit, in-flight limit, metrics), with the app's exception handlers."""
    root = request.scope.get("root_path", "")
    path = inner.path[len(root) :] if root and inner.path.startswith(root) else inner.path
    if (inner.method, path) not in BATCHABLE:
        return _error_part(inner.content_id, 404, f"{inner.method} {inner.path} cannot be part of a batch")
    scope = _inner_scope(request.scope, dataclasses.replace(inner, path=path))
    body_sent = False

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": inner.body, "more_body": False}
        return await request.receive()  # the batch's connection: a disconnect ends every part

    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await request.app.router(scope, receive, send)
    except Exception:  # one part's failure must not lose the others' answers
        log.exception("batch part %s %s failed", inner.method, path)
        return _error_part(inner.content_id, 500, "internal error while handling this part of the batch")
    content_type = next(
        (v.decode("latin-1") for k, v in start.get("headers", []) if k.lower() == b"content-type"), _JSON
    )
    return InnerResponse(inner.content_id, int(start.get("status", 500)), content_type, b"".join(chunks))


@router.post(
    BATCH_PATH,
    responses={**google_errors(400, 413, 503), 200: {"content": {"multipart/mixed": {}}}},
    summary="Google's batch protocol (googleapiclient's new_batch_http_request) for Perspective's methods",
)
async def batch(request: Request, state: StateDep) -> Response:
    """A multipart/mixed body of `application/http` parts, each a Perspective call
    (`POST /v1alpha1/comments:analyze?key=...` or `:suggestscore`); the answer is a multipart/mixed body
    of `application/http` parts, one per request, in order, `Content-ID: <response-ID>`."""
    body = await request.body()
    try:
        # In the threadpool: the MIME parser is pure Python, and a hostile 2 MiB body (a part of a
        # million short lines, or of 250,000 headers) takes it ~0.6 s, which on the event loop held
        # every other request of the worker, /healthz included.
        parts = await run_in_threadpool(
            parse_batch,
            request.headers.get("content-type", ""),
            body,
            max_parts=state.settings.limits.max_comments_per_request,
        )
    except BatchFormatError as exc:
        raise ApiError(400, "malformed", f"Failed to parse batch request: {exc}") from exc
    # Every part is scored by the model current when the batch began, as one request would be.
    request.scope.setdefault("state", {})[PINNED_SCORER] = state.models.current
    answers: list[InnerResponse] = []
    held = 0
    for inner in parts:
        if inner.problem is not None:
            answers.append(_error_part(inner.content_id, 400, inner.problem))
        elif held > MAX_BATCH_ANSWER_BYTES:
            message = (
                f"the batch's answers before this part are over {MAX_BATCH_ANSWER_BYTES // 2**20} MiB: "
                "this part was not run; send it again in another batch"
            )
            answers.append(_error_part(inner.content_id, 413, message))
        else:
            answers.append(await _run(request, inner))
        held += len(answers[-1].body)
        await asyncio.sleep(0)  # a long batch scores part by part: let other requests in between
    body, content_type = write_batch(answers)
    return Response(body, media_type=None, headers={"content-type": content_type})
