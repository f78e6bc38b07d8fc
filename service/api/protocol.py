"""uvicorn's h11 protocol with a deadline for the request headers.

uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but the timer stops at the
first byte received: a socket that sends nothing before its first request, or only part of its headers
(one byte a second), stays open for ever. Here every connection must deliver a complete request head
within `header_timeout` of being opened or of its previous answer; otherwise it is closed. Bytes that
trickle in do not extend the deadline. Once a request's headers are in, the app's own body timeout
(service.api.guards.BodyLimitMiddleware) takes over.

Used as ``uvicorn.Config(http=functools.partial(BoundedH11Protocol, header_timeout=10.0))``: a partial
of an importable class pickles, so it reaches workers started with ``--workers N``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class BoundedH11Protocol(H11Protocol):
    def __init__(self, *args: Any, header_timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self._header_deadline: asyncio.TimerHandle | None = None
        self._waiting_after: object = None  # the request cycle the deadline was armed after

    def _arm_header_deadline(self) -> None:
        self._cancel_header_deadline()
        self._waiting_after = self.cycle
        self._header_deadline = self.loop.call_later(self.header_timeout, self._header_deadline_passed)

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_deadline_passed(self) -> None:
        self._header_deadline = None
        if self.cycle is not self._waiting_after or self.transport.is_closing():
            return  # a new request arrived in time (or the connection is already going)
        self.logger.debug("closing a connection that sent no complete request in %ss", self.header_timeout)
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_response_complete(self) -> None:
        # Armed before the parent handles pipelined requests: a request it starts makes a new cycle.
        self._arm_header_deadline()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)
