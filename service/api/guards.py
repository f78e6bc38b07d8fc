"""Input guards that run before any parsing: body size, content type, safe JSON.

- `BodyLimitMiddleware` buffers the request body up to a per-path byte limit and answers 413 as soon
  as the limit is passed (Content-Length first, then counting streamed chunks), so nothing downstream
  ever holds an unbounded body.
- `JsonRoute` checks the media type (415) and parses JSON with pydantic-core's parser, which is strict
  about UTF-8 and lone surrogates and stops at nesting depth 200 with an error instead of recursing
  (the stdlib `json` would raise RecursionError on 10,000 nested brackets). The parsed value is cached
  on the request, so FastAPI validates it without parsing again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

from fastapi.routing import APIRoute
from pydantic_core import from_json
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import ApiError, body_for_path, error_body
from service.errors import MalformedInputError

log = logging.getLogger(__name__)


def is_json_media_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def parse_json(body: bytes) -> Any:
    if not body.strip():
        raise MalformedInputError("the request body is empty; expected a JSON object")
    try:
        return from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        # pydantic-core's message says what and where ("recursion limit exceeded at line 1 column 202").
        raise MalformedInputError(f"the request body is not valid JSON: {exc}") from exc


class JsonRoute(APIRoute):
    """An APIRoute whose JSON body is checked for media type and parsed safely before FastAPI sees it.

    A subclass may set ``empty_body`` to the value an empty body stands for (with or without a
    Content-Type): Perspective's endpoints read it as an empty request message, as Google's do."""

    empty_body: ClassVar[Any] = None

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def guarded(request: Request) -> Response:
            if self.empty_body is not None and not (await request.body()).strip():
                # FastAPI reads a body only when there is one and it is declared JSON: present it so.
                headers = [(k, v) for k, v in request.scope["headers"] if k != b"content-type"]
                request.scope["headers"] = [*headers, (b"content-type", b"application/json")]
                request.__dict__.pop("_headers", None)
                request._body = b"{}"
                request._json = self.empty_body
                return await handler(request)
            content_type = request.headers.get("content-type")
            if not is_json_media_type(content_type):
                raise ApiError(
                    415,
                    "unsupported_media_type",
                    f"expected Content-Type: application/json, got {content_type or 'none'}",
                )
            request._json = parse_json(await request.body())
            return await handler(request)

        return guarded


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def _reject(self, send: Send, status: int, reason: str, message: str, path: str = "") -> None:
        body = body_for_path(path, status, reason, message)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await self._reject(
                        send, 400, "malformed", "Content-Length is not an integer", scope["path"]
                    )
                    return
                break
        if declared is not None and declared > limit:
            await self._reject(
                send,
                413,
                "too_large",
                f"request body of {declared} bytes is over the {limit}-byte limit",
                scope["path"],
            )
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._reject(
                    send, 413, "too_large", f"request body is over the {limit}-byte limit", scope["path"]
                )
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class SafetyNetMiddleware:
    """The last resort for a bug: answer 500 in our JSON shape and log the exception's type and place at
    ERROR, but its message and traceback only at DEBUG: a library's message can quote its input, and
    comment text must not reach the logs at INFO or above. The exception stops here, so neither
    Starlette nor uvicorn print the traceback either."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            tb = exc.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
            log.error(
                "unhandled %s at %s on %s %s", type(exc).__name__, where, scope["method"], scope["path"]
            )
            log.debug("unhandled error", exc_info=True)
            if not started:
                body = error_body(500, "internal", "internal error; see the service log")
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
