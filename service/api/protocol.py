"""uvicorn's HTTP protocols with a deadline and a size bound for the request head.

uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but the timer stops at the
first byte received: a socket that sends nothing before its first request, or only part of its headers
(one byte a second), stays open for ever. Here a new connection must deliver a complete request head
within `header_timeout` of being opened, and a kept-alive one within `header_timeout` of the first
byte of its next request (between requests, uvicorn's keep-alive timer bounds the idle time); otherwise
it is closed. Bytes that trickle in do not extend the deadline. Once a request's headers are in, the
app's own body timeout (service.api.guards.BodyLimitMiddleware) takes over.

The answer is bounded in time too: uvicorn writes it as fast as the client reads, with no limit, so a
client that stops reading (pipelined requests it never reads, or one answer bigger than the socket
buffers) held its request, its slot of the in-flight limit and the answer's memory for ever. When the
client takes nothing of an answer for `send_timeout` seconds (the transport's buffer stays above its
high-water mark), the connection is dropped: the app's pending send returns, the request ends.

The head is also bounded in bytes (`max_head_bytes`): h11 bounds it itself (uvicorn's
`h11_max_incomplete_event_size`), but httptools (llhttp) keeps collecting header lines, so without
the bound a client could fill a worker's memory for the whole `header_timeout`.

Two parsers, one behaviour: `BoundedHttpToolsProtocol` (the default; httptools' C parser costs
10-20 % less server CPU per single-comment request than h11's pure-Python one, docs/benchmarks-log.md,
session 8)
and `BoundedH11Protocol` (`MODERATION_HTTP_PARSER=h11`). Used as
``uvicorn.Config(http=functools.partial(Bounded..., header_timeout=10.0, max_head_bytes=...))``: a
partial of an importable class pickles, so it reaches workers started with ``--workers N``.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 32\r\n\r\nRequest header fields too large\n"
)


class _BoundedHead:
    """Mixed in before a uvicorn protocol class. Both parsers create a new request cycle (`self.cycle`)
    when a request's headers are complete, which is how a head is known to have arrived."""

    cycle: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    logger: Any

    def __init__(
        self,
        *args: Any,
        header_timeout: float = 10.0,
        max_head_bytes: int = 16 * 1024,
        send_timeout: float = 60.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)  # the uvicorn protocol's own
        self.header_timeout = header_timeout
        self.max_head_bytes = max_head_bytes
        self.send_timeout = send_timeout
        self._header_deadline: asyncio.TimerHandle | None = None
        self._send_deadline: asyncio.TimerHandle | None = None  # armed while the client reads nothing
        self._waiting_after: object = None  # the request cycle the deadline was armed after
        self._head_bytes = 0  # bytes of the next head received so far
        self._tail = b""  # the last bytes of the previous read

    def _head_pending(self) -> bool:
        """True when a complete next head is already queued (a pipelined request)."""
        return False

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

    def _count_head_bytes(self, size: int, head_end: int, before: Any, body_was_open: bool) -> None:
        """After the parser has read `size` bytes (`before`: the request cycle then; `body_was_open`:
        its body was still arriving). Bytes read once a request's body is complete, or before any
        request, belong to the next head and count toward the bound; past it the connection is
        answered 431 and closed. A read in which a head completed (`head_end`: its bytes up to the
        head's end) bounds that head and starts the count afresh; a read of a body still arriving is
        bounded by the app, not here."""
        if self.cycle is not before:
            # A head completed in this read: bound it too (a whole head can come in one read).
            completed = self._head_bytes + head_end
            self._head_bytes = 0
            if completed > self.max_head_bytes and not body_was_open and not self.transport.is_closing():
                self._refuse_head()
            return
        if body_was_open or self.transport.is_closing():
            return
        self._head_bytes += size
        if self._head_bytes > self.max_head_bytes:
            self._refuse_head()

    def _refuse_head(self) -> None:
        self.logger.debug("closing a connection whose request head passed %d bytes", self.max_head_bytes)
        self._cancel_header_deadline()
        self.transport.write(_TOO_LARGE)
        self.transport.close()

    def _head_end(self, data: bytes) -> int:
        """Where this read's first blank line ends (the head's end, if one completes in it), looked
        for with the previous read's last bytes in front: the blank line may straddle two reads."""
        window = self._tail + data
        ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := window.find(sep)) >= 0]
        return max(0, min(ends) - len(self._tail)) if ends else len(data)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        body_was_open = before is not None and before.more_body
        if self._header_deadline is None and before is not None and before.response_complete:
            self._arm_header_deadline()  # the first byte of a kept-alive connection's next request
        super().data_received(data)  # type: ignore[misc]
        head_end = 0
        if self.cycle is not before:
            self._cancel_header_deadline()  # a head is complete
            head_end = self._head_end(data)
        self._tail = (self._tail + data)[-3:]
        self._count_head_bytes(len(data), head_end, before, body_was_open)

    def on_response_complete(self) -> None:
        # Idle after the answer: uvicorn's keep-alive timer closes the connection. Part of the next
        # head already here (pipelined; h11 holds it until this cycle ends) starts the deadline now;
        # not while httptools holds a parsed head in its queue: that request is already in.
        if self._head_bytes and not self._head_pending():
            self._arm_header_deadline()
        super().on_response_complete()  # type: ignore[misc]

    def pause_writing(self) -> None:
        # The answer has filled the socket and the transport's buffer: the client is not reading it.
        if self._send_deadline is None:
            self._send_deadline = self.loop.call_later(self.send_timeout, self._send_deadline_passed)
        super().pause_writing()  # type: ignore[misc]

    def resume_writing(self) -> None:
        self._cancel_send_deadline()
        super().resume_writing()  # type: ignore[misc]

    def _cancel_send_deadline(self) -> None:
        if self._send_deadline is not None:
            self._send_deadline.cancel()
            self._send_deadline = None

    def _send_deadline_passed(self) -> None:
        self._send_deadline = None
        self.logger.debug("dropping a connection that read nothing of its answer in %ss", self.send_timeout)
        # abort, not close: close() waits for the buffered answer to be sent, which is never.
        self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        self._cancel_send_deadline()
        super().connection_lost(exc)  # type: ignore[misc]


class BoundedH11Protocol(_BoundedHead, H11Protocol):
    pass


class BoundedHttpToolsProtocol(_BoundedHead, HttpToolsProtocol):
    def _head_pending(self) -> bool:
        return bool(self.pipeline)


PARSERS: dict[str, type] = {"httptools": BoundedHttpToolsProtocol, "h11": BoundedH11Protocol}


def bounded_protocol(
    parser: str, *, header_timeout: float, max_head_bytes: int, send_timeout: float = 60.0
) -> Any:
    """The `http=` argument for uvicorn.Config: the chosen parser's bounded protocol, as a picklable
    partial."""
    return functools.partial(
        PARSERS[parser],
        header_timeout=header_timeout,
        max_head_bytes=max_head_bytes,
        send_timeout=send_timeout,
    )
