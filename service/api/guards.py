"""Input guards that run before any parsing: body size, content type, safe JSON.

- `TokenFirstMiddleware` decides who may call a route that takes the token from the request's head,
  before anything reads the body: a caller without the token gets 401 (or 403), never the 413, 408 or
  415 of the guards below.
- `BodyLimitMiddleware` buffers the request body up to a per-path byte limit and answers 413 as soon
  as the limit is passed (Content-Length first, then counting streamed chunks), so nothing downstream
  ever holds an unbounded body; a body that takes too long is a 408. All the bodies a worker holds
  (being received or being handled) share one byte budget; past it, 503. A gzip body
  (`Content-Encoding`) is inflated there, within the same limit.
- `InFlightLimitMiddleware` bounds the requests handled at once (not the open sockets). It sits inside
  the body limit: a request takes a slot once its body has arrived, so clients that send their body at
  a trickle hold no slot while they do.
- `JsonRoute` checks the media type (415) and parses JSON with pydantic-core's parser, which is strict
  about UTF-8 and lone surrogates and stops at nesting depth 200 with an error instead of recursing
  (the stdlib `json` would raise RecursionError on 10,000 nested brackets). The parsed value is cached
  on the request, so FastAPI validates it without parsing again. A body of many values or containers
  (`parsed_at_once`) is parsed in the threadpool, in steps that let the event loop run, one at a time
  per worker (`read_json`, every JSON route).
"""

from __future__ import annotations

import asyncio
import codecs
import functools
import logging
import re
import zlib
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, ClassVar

from fastapi.routing import APIRoute
from pydantic_core import from_json
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import MalformedInputError, ModerationError
from service.api.deps import authenticate_early, authentication_of
from service.api.errors import JSON_MEDIA_TYPE, ApiError, body_for_path, loggable_path, refusal_response
from service.api.jsonsteps import json_error, parse_in_steps
from service.api.state import AppState, WaitingSlots
from service.ingest import wide_encoding
from service.memory import release_request_memory

log = logging.getLogger(__name__)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_json_media_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = _media_type(content_type)
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


# A JSON body is parsed on the event loop, by pydantic-core at once, when it holds at most this many
# `,` and `:` (every value but the first follows one; in its strings too): 65,536 values take
# pydantic-core at most ~4 ms here (an object of 32,768 keys; numbers and escapes far less).
INLINE_JSON_VALUES = 65_536
# It must also hold at most this many `[` and `{`: a few thousand containers never set off one of the
# garbage collector's full passes (40 ms or more in a worker), which 700,000 of them did again and
# again. Real requests pass both: 1,000 comments of prose (2 MiB) hold ~40,000 commas, 1,000 objects.
INLINE_JSON_CONTAINERS = 4_096


def parsed_at_once(body: bytes) -> bool:
    """True when parse_json is short enough for the event loop (INLINE_JSON_VALUES and
    INLINE_JSON_CONTAINERS, counted in the strings too: ~1.2 ns a byte, 2.5 ms for 2 MiB)."""
    if len(body) <= INLINE_JSON_CONTAINERS:
        return True
    containers = body.count(b"[") + body.count(b"{")
    return containers <= INLINE_JSON_CONTAINERS and body.count(b",") + body.count(b":") <= INLINE_JSON_VALUES


def without_bom(body: bytes) -> bytes:
    """The body without a leading UTF-8 byte order mark, which RFC 8259 lets a JSON parser ignore (.NET's
    Encoding.UTF8 and Windows PowerShell 5 write one before a file's text; it was "not valid JSON").
    One opening with a UTF-16 or UTF-32 BOM (a file PowerShell 5 wrote with `>`, sent with -InFile) is
    that text in UTF-8: it was "not valid JSON: expected value at line 1 column 1"."""
    codec = wide_encoding(body)
    if codec is not None:
        try:
            return body.decode(codec).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedInputError(
                f"the request body opens with a {codec.upper()} byte order mark but is not {codec.upper()} "
                f"(byte {exc.start:,})"
            ) from None
    return body[len(codecs.BOM_UTF8) :] if body.startswith(codecs.BOM_UTF8) else body


def parse_json(body: bytes, *, in_steps: bool = False) -> Any:
    """The body's JSON value: pydantic-core's from_json, or with `in_steps` the same from
    service.api.jsonsteps (for a thread: it hands the GIL back as it goes). A leading BOM is skipped."""
    body = without_bom(body)
    if not body.strip():
        raise MalformedInputError("the request body is empty; expected a JSON object")
    try:
        return parse_in_steps(body) if in_steps else from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        # pydantic-core's message says what and where ("recursion limit exceeded at line 1 column 202").
        raise MalformedInputError(f"the request body is not valid JSON: {json_error(exc)}") from exc


# Big JSON bodies parsed at once per worker. A parsing thread and the event loop take turns on the GIL,
# the loop waiting up to the 5 ms switch interval per turn behind each such thread: with one, /healthz
# stays near 10 ms while four clients send 2 MiB bodies of a million values; with four at once its
# p99 was 0.4-0.8 s. Real bodies are parsed at once on the loop (parsed_at_once) and never wait here.
MAX_JSON_PARSES = 1
# Big JSON bodies waiting for that slot; past it 503 with Retry-After. Each holds a slot of
# max_requests_in_flight while it waits, and a hostile one takes up to ~2 s to parse.
MAX_WAITING_JSON_PARSES = 16


async def read_json(body: bytes, state: AppState, flat_above: int | None = None) -> Any:
    """The rule for every JSON body: parse_json (parse_flat_json with `flat_above`), on the event loop
    when parsed_at_once (and within `flat_above`), else in the threadpool, in steps, MAX_JSON_PARSES at
    a time per worker."""
    if (flat_above is None or len(body) <= flat_above) and parsed_at_once(body):
        return parse_json(body)
    parse: Callable[[bytes], Any] = functools.partial(parse_json, in_steps=True)
    if flat_above is not None:
        parse = functools.partial(parse_flat_json, bound=flat_above, in_steps=True)
    if state.json_slots is None:
        state.json_slots = WaitingSlots(MAX_JSON_PARSES, MAX_WAITING_JSON_PARSES, "JSON bodies")
    async with state.json_slots.held():
        return await run_in_threadpool(parse, body)


# One JSON object of at most FLAT_MEMBERS members whose values are strings, numbers, true, false or null:
# what a page sent as JSON is ({"content", "format", "source"}). Possessive quantifiers: one linear pass,
# no backtracking (20 MiB of escaped quotes, the worst string, takes ~0.3 s; plain text ~0.1 s).
FLAT_MEMBERS = 16  # room for the three fields and a few misspelt ones, whose errors name them
_WS = rb"[ \t\n\r]*+"
_STRING = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_SCALAR = rb"(?:" + _STRING + rb"|null|true|false|-?[0-9][0-9.eE+-]*+)"
_MEMBER = _WS + _STRING + _WS + rb":" + _WS + _SCALAR + _WS
_FLAT_OBJECT = re.compile(
    _WS + rb"\{(?:" + _MEMBER + rb"(?:," + _MEMBER + rb"){0,%d})?\}" % (FLAT_MEMBERS - 1) + _WS, re.S
)


def parse_flat_json(body: bytes, bound: int, *, in_steps: bool = False) -> Any:
    """parse_json for a body that may be bigger than `bound`, the size that keeps parsing any JSON on
    the event loop short. Structure, not bytes, is what costs (a Python object per value: 20 MiB of
    `[],` took 4 s and ~600 MB), so a bigger body is parsed only when it is one flat object."""
    body = without_bom(body)
    if len(body) > bound and not _FLAT_OBJECT.fullmatch(body):
        raise MalformedInputError(
            f"a JSON body over {bound:,} bytes must be one JSON object of at most {FLAT_MEMBERS} members "
            "whose values are strings, numbers, true, false or null (a page: send it as text/html or "
            "text/plain)"
        )
    return parse_json(body, in_steps=in_steps)


# A JavaScript-style object key (`{comment: {text: "..."}}`, as Perspective's cURL sample sends): a name
# after `{` or `,` and before `:`, outside any string (strings match first and are kept as they are).
# Its strings may run to the end of the body unclosed, so that every '"' starts a match and the scan is one
# pass: with strings that must close, a body of escaped quotes ('{"\\"\\"...') was retried from every
# quote, quadratic (30 KB: 1.5 s on the event loop).
_STRING_OR_REST = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)'
_BARE_KEY = re.compile(
    rb"(" + _STRING_OR_REST + rb")|([{,]" + _WS + rb")([A-Za-z_][A-Za-z0-9_]*+)(?=" + _WS + rb":)", re.S
)
# Quoting them costs a Python call per string, on the event loop: 64 KiB of empty strings took 24 ms,
# 2 MB 0.7 s. Hand-written requests such as that sample are small; a bigger body must be JSON.
BARE_KEYS_MAX_BYTES = 32 * 1024


def quote_bare_keys(body: bytes) -> bytes:
    """``body`` with its JavaScript-style object keys in quotes, everything else as it was."""

    def quote(match: re.Match[bytes]) -> bytes:
        if match.group(1) is not None:
            return match.group(1)
        return match.group(2) + b'"' + match.group(3) + b'"'

    return _BARE_KEY.sub(quote, body)


class JsonRoute(APIRoute):
    """An APIRoute whose JSON body is checked for media type and parsed safely before FastAPI sees it,
    after the route's authentication (deps.AUTHENTICATION): a caller without the token gets 401 first.

    A subclass may set ``empty_body`` to the value an empty body stands for (with or without a
    Content-Type): Perspective's endpoints read it as an empty request message, as Google's do. With
    ``json_without_content_type`` a body sent with no Content-Type at all is read as JSON, as Google
    reads it, and so is one declared as any of ``json_media_types`` besides JSON's own; with
    ``bare_keys`` a body (of at most BARE_KEYS_MAX_BYTES) that is no JSON only for its JavaScript-style
    object keys is read with those keys quoted."""

    empty_body: ClassVar[Any] = None
    json_without_content_type: ClassVar[bool] = False
    json_media_types: ClassVar[frozenset[str]] = frozenset()
    bare_keys: ClassVar[bool] = False

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler
        authenticate = authentication_of(self.dependant)

        async def guarded(request: Request) -> Response:
            await authenticate_early(request, authenticate)  # who may call, before anything about the body
            if self.empty_body is not None and not without_bom(await request.body()).strip():
                _declare_json(request)
                request._body = b"{}"
                request._json = self.empty_body
                return await handler(request)
            content_type = request.headers.get("content-type")
            if self._read_as_json(content_type):
                _declare_json(request)
            elif not is_json_media_type(content_type):
                raise ApiError(
                    415,
                    "unsupported_media_type",
                    f"expected Content-Type: application/json, got {content_type or 'none'}",
                )
            body = await request.body()
            try:
                request._json = await read_json(body, request.app.state.moderation)
            except MalformedInputError as exc:
                request._json = self._with_bare_keys(body, exc)
            self.check_parsed(request, request._json)
            return await handler(request)

        return guarded

    def _read_as_json(self, content_type: str | None) -> bool:
        """Whether a body of this Content-Type, not JSON's own, is read as JSON on this route."""
        if content_type is None:
            return self.json_without_content_type
        return _media_type(content_type) in self.json_media_types

    def _with_bare_keys(self, body: bytes, error: MalformedInputError) -> Any:
        """The body read with its bare object keys quoted, when the route takes them; else ``error``."""
        quoted = quote_bare_keys(body) if self.bare_keys and len(body) <= BARE_KEYS_MAX_BYTES else body
        if quoted == body:
            raise error
        try:
            return parse_json(quoted)
        except MalformedInputError:
            raise error from None

    def check_parsed(self, request: Request, value: Any) -> None:
        """A subclass's checks on the parsed JSON before FastAPI validates it (on the event loop)."""


def _declare_json(request: Request) -> None:
    """FastAPI reads a body only when there is one and it is declared JSON: present it so."""
    headers = [(k, v) for k, v in request.scope["headers"] if k != b"content-type"]
    request.scope["headers"] = [*headers, (b"content-type", b"application/json")]
    request.__dict__.pop("_headers", None)


async def send_error(
    send: Send,
    status: int,
    reason: str,
    message: str,
    *,
    close: bool,
    headers: tuple[tuple[bytes, bytes], ...] = (),
    path: str = "",
) -> None:
    body = body_for_path(path, status, reason, message)  # Perspective's paths get Google's shape
    head = [
        (b"content-type", JSON_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *headers,
    ]
    if close:
        head.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


class InFlightLimitMiddleware:
    """At most `limit` requests handled at once in this worker; beyond it 503 with Retry-After.

    It counts requests, not sockets (uvicorn's limit_concurrency counts open connections, so idle
    sockets alone could make every request, /healthz included, answer 503). Paths in `always` (the
    health probes) are never refused: a liveness probe must not restart a busy but healthy service.
    """

    def __init__(self, app: ASGIApp, limit: int, always: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.limit = limit
        self.always = always
        self.in_flight = 0  # one event loop per worker: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.always:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await send_error(
                send,
                503,
                "overloaded",
                f"{self.limit} requests are already being handled by this worker; retry shortly",
                close=False,
                headers=((b"retry-after", b"1"),),
                path=scope["path"],
            )
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


RELEASE_AFTER_BYTES = 256 * 1024  # requests from this size on give their memory back when done
# Content-Encoding -> zlib's wbits. Google's front end inflates gzip bodies, and Google's Java clients
# gzip every request by default; "identity" (or none) is the body as sent.
_INFLATE_WBITS = {b"gzip": 16 + zlib.MAX_WBITS, b"x-gzip": 16 + zlib.MAX_WBITS, b"deflate": zlib.MAX_WBITS}


# Members of one compressed body. Clients send one (gzip allows a concatenation of a few); each member
# costs a copy of the rest of the body (zlib's unused_data), so 100,000 empty ones in 2 MiB took seconds
# of CPU and 20 MiB of them (a page) minutes, mostly holding the GIL.
MAX_GZIP_MEMBERS = 16


# Content codings undone for one body ("gzip, gzip": a proxy that gzips what a client already gzipped).
# Each is inflated within the body limit, so this bounds the work to a few passes over that limit.
MAX_CONTENT_CODINGS = 4


def content_codings(headers: list[tuple[bytes, bytes]]) -> list[bytes]:
    """The codings of every Content-Encoding field (values lower-cased), in the order they were applied
    (RFC 9110: a list, in one field or several), without ``identity``, which is no coding."""
    listed = b",".join(v for k, v in headers if k == b"content-encoding").split(b",")
    return [c.strip() for c in listed if c.strip() not in (b"", b"identity")]


class InflatedTooLargeError(Exception):
    """A compressed body that inflates past the byte limit (a gzip bomb stops here)."""


def inflate(body: bytes, wbits: int, limit: int) -> bytes:
    """A gzip (or zlib) body, inflated: every member of it, at most `limit` bytes, never more held.
    zlib.error for data that is not of that encoding, is cut short or has too many members."""
    out = bytearray()
    rest = body
    members = 0
    while rest:
        members += 1
        if members > MAX_GZIP_MEMBERS:
            raise zlib.error(f"more than {MAX_GZIP_MEMBERS} compressed members")
        inflater = zlib.decompressobj(wbits)
        out += inflater.decompress(rest, limit + 1 - len(out))  # always >= 1: 0 would mean unbounded
        if len(out) > limit:
            raise InflatedTooLargeError
        if not inflater.eof:
            raise zlib.error("the compressed body is cut short")
        rest = inflater.unused_data
    return bytes(out)


async def discard_body(
    receive: Receive, headers: list[tuple[bytes, bytes]], deadline: float, most: int
) -> bool:
    """Reads the rest of a request body and throws it away (memory stays flat), until past `most` bytes
    or `deadline`: whether all of it was read, so the connection can serve the client's next request.
    Nothing is read from a client waiting for our go-ahead (Expect: 100-continue): it sends no body."""
    if (b"expect", b"100-continue") in headers:
        return False
    drained = 0
    try:
        async with asyncio.timeout_at(deadline):
            while drained <= most:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return False
                drained += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return True
    except TimeoutError:
        return False
    return False


def declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The Content-Length a request declares; None without one; ValueError when it is no integer."""
    for name, value in headers:
        if name == b"content-length":
            return int(value)
    return None


Check = Callable[[Request], Awaitable[None]]


class TokenFirstMiddleware:
    """Decides who may call a route that takes the token from the request's head (headers and query)
    alone, before the body limit reads anything: without the token, or with a wrong one, a caller gets
    the route's 401 (403) whatever its body's size, speed or coding. The body limit answered first
    (413, 408, 415), so a caller without the token learned what the body should be, and the worker
    read up to 20 MiB for nobody. The checks are the route's own (deps.AUTHENTICATION): once they pass,
    the request is marked for its route, and the route does not repeat them. Routes that take no token
    (or take it only as the body says, comments:score's `"queue": true`) keep the guards' order.

    A refused body is read and thrown away (never held) up to `drain_bytes`, within the body timeout,
    as for a 413: a client that sends its whole body before reading (requests, http.client) then gets
    the 401, not a connection reset. A body declared larger is not read at all; unless all of it was
    read, the answer closes the connection.
    """

    def __init__(
        self,
        app: ASGIApp,
        routes: Sequence[BaseRoute],
        *,
        body_timeout: float,
        drain_bytes: int,
    ) -> None:
        self.app = app
        # The app's API routes in the router's order, each with its checks (FastAPI nests the routers
        # the app includes, so these are the routers' own routes, the objects a request's scope names).
        self.routes = [(r, authentication_of(r.dependant)) for r in routes if isinstance(r, APIRoute)]
        self.body_timeout = body_timeout
        self.drain_bytes = drain_bytes

    def _guarded(self, scope: Scope) -> tuple[APIRoute, list[Check]] | None:
        """The route the router will pick (its first full match) and its checks, if it has any."""
        for route, checks in self.routes:
            if route.matches(scope)[0] is Match.FULL:
                return (route, checks) if checks else None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = None
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            guarded = self._guarded(scope)
        if guarded is None:
            await self.app(scope, receive, send)
            return
        route, checks = guarded
        scope.setdefault("state", {})  # shared with the route's scope, which reads the mark
        try:
            await authenticate_early(Request({**scope, "route": route}), checks)
        except (ApiError, ModerationError) as exc:
            await self._refuse(scope, receive, send, exc)
            return
        await self.app(scope, receive, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, exc: ApiError | ModerationError
    ) -> None:
        path = scope["path"]
        headers = [(name, value.lower()) for name, value in scope["headers"]]
        try:
            declared = declared_length(headers)
        except ValueError:  # where the body ends is unknown: nothing is read, and the connection closed
            declared = self.drain_bytes + 1
        read_all = False
        if declared is None or declared <= self.drain_bytes:
            deadline = asyncio.get_running_loop().time() + self.body_timeout
            read_all = await discard_body(receive, headers, deadline, self.drain_bytes)
        response = refusal_response(exc, path)
        if not read_all:
            response.headers["connection"] = "close"
        await response(scope, receive, send)


class BodyLimitMiddleware:
    """Buffers a request body up to a per-path byte limit, within `body_timeout` seconds.

    Over the limit: 413. Before answering, up to `drain_bytes` of the rest of the body are read and
    thrown away (memory stays flat): clients such as requests and http.client send the whole body before
    they read the answer, and a server that closes early gives them a connection reset, not the 413.
    A body not received within `body_timeout`: 408, and the connection is closed.

    Bytes are counted against `budget` as they arrive, and given back when the request is answered:
    the bodies this worker holds never exceed it (past it: 503, Retry-After). Counted as received, not
    as declared, so a client that declares a big body and sends it at a trickle holds only what it sent.

    A body sent with `Content-Encoding: gzip` (or `deflate`) is inflated here, in a thread, and the
    limit applies to what it inflates to (413 past it); the app sees the plain body. Any other
    encoding: 415.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit_for: Callable[[str], int],
        *,
        body_timeout: float = 60.0,
        drain_bytes: int = 64 * 1024 * 1024,
        budget: int = 64 * 20 * 1024 * 1024,
    ) -> None:
        self.app = app
        self.limit_for = limit_for
        self.body_timeout = body_timeout
        self.drain_bytes = drain_bytes
        self.budget = budget
        self.held = 0  # body bytes held by this worker; one event loop per worker: no lock needed

    async def _drain(self, receive: Receive, headers: list[tuple[bytes, bytes]], deadline: float) -> None:
        await discard_body(receive, headers, deadline, self.drain_bytes)

    async def _too_large(
        self,
        receive: Receive,
        send: Send,
        headers: list[tuple[bytes, bytes]],
        deadline: float,
        message: str,
        path: str,
    ) -> None:
        await self._drain(receive, headers, deadline)
        await send_error(send, 413, "too_large", message, close=True, path=path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        held = [0]  # this request's share of the budget, given back however it ends
        try:
            await self._buffered(scope, receive, send, held)
        finally:
            self.held -= held[0]

    async def _buffered(self, scope: Scope, receive: Receive, send: Send, held: list[int]) -> None:
        path = scope["path"]
        limit = self.limit_for(path)
        headers = [(name, value.lower()) for name, value in scope["headers"]]
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        try:
            declared = declared_length(headers)
        except ValueError:
            text = "Content-Length is not an integer"
            await send_error(send, 400, "malformed", text, close=True, path=path)
            return
        if declared is not None and declared > limit:
            text = f"request body of {declared} bytes is over the {limit}-byte limit"
            if declared > self.drain_bytes:
                await send_error(send, 413, "too_large", text, close=True, path=path)  # not worth reading
            else:
                await self._too_large(receive, send, headers, deadline, text, path)
            return
        chunks: list[bytes] = []
        size = 0
        over_budget = False
        try:
            async with asyncio.timeout_at(deadline):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    over_budget = self.held + len(chunk) > self.budget
                    if size > limit or over_budget:
                        chunks.clear()
                        break
                    chunks.append(chunk)
                    self.held += len(chunk)
                    held[0] += len(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await send_error(
                send,
                408,
                "timeout",
                f"the request body was not received within {self.body_timeout:g} s",
                close=True,
                path=path,
            )
            return
        if size > limit:
            await self._too_large(
                receive, send, headers, deadline, f"request body is over the {limit}-byte limit", path
            )
            return
        if over_budget:  # the worker's load, not this body, is the problem: retry shortly
            self.held -= held[0]
            held[0] = 0
            await self._drain(receive, headers, deadline)
            text = f"request bodies in this worker would pass its {self.budget:,}-byte budget; retry shortly"
            await send_error(
                send, 503, "overloaded", text, close=True, headers=((b"retry-after", b"1"),), path=path
            )
            return
        body = b"".join(chunks)
        chunks.clear()
        codings = content_codings(headers)
        if codings:
            decoded = await self._inflated(send, body, codings, limit, path, held)
            if decoded is None:
                return
            body = decoded
            scope = _without_encoding(scope, len(body))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed, body
            if not replayed:
                replayed = True
                message: Message = {"type": "http.request", "body": body, "more_body": False}
                body = b""
                return message
            return await receive()

        await self.app(scope, replay, send)
        # Answered: the body is no longer held. Given back now, not after the trim below, during which
        # the client may already be sending its next body on this connection.
        handled = max(size, held[0])  # (an inflated body counts what it inflated to)
        self.held -= held[0]
        held[0] = 0
        if handled >= RELEASE_AFTER_BYTES:
            # Everything made from a big body (a page's text, tree, lines; or the exception that
            # refused it) is freed once the answer is out, but glibc keeps freed heap for reuse: a
            # 20 MiB page would leave 60-160 MB held. Hand it back to the system.
            await run_in_threadpool(release_request_memory)

    async def _inflated(
        self, send: Send, body: bytes, codings: list[bytes], limit: int, path: str, held: list[int]
    ) -> bytes | None:
        """The body with its codings undone, last applied first, counted against the budget in place of
        the compressed one; None once an error has been answered."""
        if len(codings) > MAX_CONTENT_CODINGS:
            text = f"Content-Encoding lists {len(codings)} codings; at most {MAX_CONTENT_CODINGS} are read"
            await send_error(send, 415, "unsupported_media_type", text, close=False, path=path)
            return None
        unknown = [c for c in codings if c not in _INFLATE_WBITS]
        if unknown:
            name = unknown[0].decode("latin-1")
            text = f"Content-Encoding {name} is not supported; send the body as is, or gzip it"
            await send_error(send, 415, "unsupported_media_type", text, close=False, path=path)
            return None
        inflated = body
        for coding in reversed(codings):
            try:
                inflated = await run_in_threadpool(inflate, inflated, _INFLATE_WBITS[coding], limit)
            except InflatedTooLargeError:
                text = f"request body inflated is over the {limit}-byte limit"
                await send_error(send, 413, "too_large", text, close=True, path=path)
                return None
            except zlib.error as exc:
                text = f"the request body is not {coding.decode('latin-1')} data (Content-Encoding): {exc}"
                await send_error(send, 400, "malformed", text, close=False, path=path)
                return None
        grown = len(inflated) - len(body)
        if self.held + grown > self.budget:
            text = f"request bodies in this worker would pass its {self.budget:,}-byte budget; retry shortly"
            headers = ((b"retry-after", b"1"),)
            await send_error(send, 503, "overloaded", text, close=True, headers=headers, path=path)
            return None
        self.held += grown
        held[0] += grown
        return inflated


def _without_encoding(scope: Scope, length: int) -> Scope:
    """The request as the app reads it once its body is inflated: no Content-Encoding, the new length."""
    headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-encoding", b"content-length")]
    return {**scope, "headers": [*headers, (b"content-length", str(length).encode())]}


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
                "unhandled %s at %s on %s %s",
                type(exc).__name__,
                where,
                scope["method"],
                loggable_path(scope),
            )
            log.debug("unhandled error", exc_info=True)
            if not started:
                body = body_for_path(scope["path"], 500, "internal", "internal error; see the service log")
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", JSON_MEDIA_TYPE.encode()),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
