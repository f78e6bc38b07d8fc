"""Headers every answer carries unless its route set its own.

- `Cache-Control: no-store`: the queue, the authors' records, the desk's activity and the scores are
  comment text and personal data, read with a token; without a cache header a browser kept them in its
  disk cache after sign-out (a shared newsroom computer). The page and its assets set `no-cache`
  themselves (nothing personal in them; revalidated on every load).
- `X-Content-Type-Options: nosniff`: an answer is only ever read as the type it declares.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULTS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"))


class DefaultHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_defaults(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in DEFAULTS if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_defaults)
