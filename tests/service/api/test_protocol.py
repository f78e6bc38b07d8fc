"""The bounded HTTP protocols (service/api/protocol.py) on real sockets, for both parsers: keep-alive and
pipelined requests work, a big body is not mistaken for a big head, sockets that never finish a
head (idle, slowloris, endless headers) are closed, and so are those that stop reading their answer."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from service.api.protocol import PARSERS, bounded_protocol

HEADER_TIMEOUT = 0.5
KEEP_ALIVE = 2  # uvicorn's idle timer between requests: longer than the head deadline
MAX_HEAD = 4096
CLOSE_WITHIN = 5.0  # generous: the deadline is 0.5 s, the machine may be busy
SEND_TIMEOUT = 0.5
BIG_ANSWER = 32 * 1024 * 1024  # far more than the kernel's socket buffers on both sides hold
answered: list[str] = []  # the paths whose answer the app finished sending (its last send returned)


async def app(scope, receive, send):  # a bare ASGI app: echoes the body's length; /slow takes its time
    if scope["type"] != "http":
        return
    if scope["path"] == "/slow":
        await asyncio.sleep(3 * HEADER_TIMEOUT)
    if scope["path"].startswith("/big"):
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"%d" % BIG_ANSWER)],
            }
        )
        chunk = b"b" * (1024 * 1024)
        for i in range(BIG_ANSWER // len(chunk)):
            await send(
                {"type": "http.response.body", "body": chunk, "more_body": i < BIG_ANSWER // len(chunk) - 1}
            )
        answered.append(scope["path"])
        return
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = str(size).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]}
    )
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module", params=sorted(PARSERS))
def port(request: pytest.FixtureRequest) -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app,
        log_level="warning",
        http=bounded_protocol(
            request.param, header_timeout=HEADER_TIMEOUT, max_head_bytes=MAX_HEAD, send_timeout=SEND_TIMEOUT
        ),
        timeout_keep_alive=KEEP_ALIVE,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(10)
    sock.close()


# What the head deadline logs as it closes a connection: how a test tells it from the keep-alive timer,
# which closes without a word, by cause rather than by how long the close took.
HEAD_DEADLINE_CLOSE = "closing a connection that sent no complete request"


@pytest.fixture
def closes() -> Iterator[list[str]]:
    """The protocol's debug lines (why it closed a connection) while the test runs."""
    logger = logging.getLogger("uvicorn.error")  # the uvicorn protocols' logger
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler, level = Collect(logging.DEBUG), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _request(body: bytes = b"", path: bytes = b"/") -> bytes:
    return b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (path, len(body)) + body


def _read_responses(sock: socket.socket, n: int) -> list[bytes]:
    """The bodies of the next n responses (each has a content-length)."""
    sock.settimeout(CLOSE_WITHIN)
    buf, out = b"", []
    while len(out) < n:
        head_end = buf.find(b"\r\n\r\n")
        if head_end >= 0:
            head = buf[:head_end].lower()
            length = int(head.split(b"content-length:")[1].split(b"\r\n")[0])
            if len(buf) >= head_end + 4 + length:
                assert head.startswith(b"http/1.1 200"), head
                out.append(buf[head_end + 4 : head_end + 4 + length])
                buf = buf[head_end + 4 + length :]
                continue
        chunk = sock.recv(65536)
        assert chunk, "connection closed early"
        buf += chunk
    return out


def _closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    sock.settimeout(seconds)
    got = b""
    try:
        while chunk := sock.recv(65536):
            got += chunk
        return True, got
    except (ConnectionResetError, BrokenPipeError):
        return True, got
    except TimeoutError:
        return False, got


def test_keep_alive_and_pipelined_requests_are_answered(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        for size in (0, 10, 3):
            s.sendall(_request(b"x" * size))
            assert _read_responses(s, 1) == [str(size).encode()]
        s.sendall(_request(b"ab") + _request(b"abcd"))  # two requests in one write
        assert _read_responses(s, 2) == [b"2", b"4"]


def test_a_pipelined_request_that_runs_past_the_head_deadline_is_answered(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(_request(b"a") + _request(b"bcd", b"/slow"))  # its head is in: no deadline applies
        assert _read_responses(s, 2) == [b"1", b"3"]


def test_a_body_arriving_over_many_reads_is_not_counted_as_a_head(port):
    body = b"z" * (4 * MAX_HEAD)
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body))
        for i in range(0, len(body), 1024):
            time.sleep(0.01)  # separate reads on the server
            s.sendall(body[i : i + 1024])
        assert _read_responses(s, 1) == [str(len(body)).encode()]


def test_a_body_much_bigger_than_the_head_bound_is_read_as_a_body(port):
    body = b"y" * (50 * MAX_HEAD)
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(_request(body))  # one write: the first read holds the head and the body's start
        assert _read_responses(s, 1) == [str(len(body)).encode()]


def test_a_kept_alive_connection_idles_past_the_head_deadline_until_the_keep_alive_timeout(port, closes):
    # googleapiclient reuses its connection; one closed after a short idle breaks its next batch.
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(_request(b"a"))
        assert _read_responses(s, 1) == [b"1"]
        time.sleep(3 * HEADER_TIMEOUT)  # idle well past the head deadline, within the keep-alive
        s.sendall(_request(b"bc"))
        assert _read_responses(s, 1) == [b"2"]
        closed, _ = _closed_within(s, KEEP_ALIVE + CLOSE_WITHIN)
        assert closed and not any(HEAD_DEADLINE_CLOSE in line for line in closes), closes  # the keep-alive


def test_a_kept_alive_connection_trickling_its_next_head_is_closed_at_the_head_deadline(port, closes):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(_request(b"a"))
        assert _read_responses(s, 1) == [b"1"]
        s.sendall(b"GET / HTTP/1.1\r\n")  # the next head starts: its deadline runs from here
        started = time.monotonic()
        while time.monotonic() - started < KEEP_ALIVE + CLOSE_WITHIN:  # (only a guard against a hang)
            try:
                s.sendall(b"X")  # a byte every 0.1 s would stop uvicorn's keep-alive timer for ever
            except OSError:
                break
            time.sleep(0.1)
        closed, _ = _closed_within(s, CLOSE_WITHIN)
        assert closed, "the trickling connection was left open"
        assert any(HEAD_DEADLINE_CLOSE in line for line in closes), f"not by the head deadline: {closes}"


def test_idle_and_trickling_sockets_are_closed_at_the_head_deadline(port):
    idle = socket.create_connection(("127.0.0.1", port))
    trickle = socket.create_connection(("127.0.0.1", port))
    trickle.sendall(b"GET / HTTP/1.1\r\n")
    opened = time.monotonic()
    try:
        for _ in range(int(HEADER_TIMEOUT / 0.1) + 2):  # a header byte every 0.1 s, past the deadline
            try:
                trickle.sendall(b"X")
            except OSError:
                break
            time.sleep(0.1)
        for s in (idle, trickle):
            closed, _ = _closed_within(s, max(0.1, opened + CLOSE_WITHIN - time.monotonic()))
            assert closed, "socket left open past the head deadline"
    finally:
        idle.close()
        trickle.close()


def test_a_head_over_the_bound_gets_431_at_once_and_the_connection_closes(port):
    head = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Filler: " + b"z" * (MAX_HEAD + 1000) + b"\r\n"
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(head)  # no blank line yet: the head is incomplete and already over the bound
        closed, answer = _closed_within(
            s, CLOSE_WITHIN
        )  # (the head deadline would close it answering nothing)
    assert closed, "a head over the bound was not refused"
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:80]
    with socket.create_connection(("127.0.0.1", port)) as s:  # and the server still serves
        s.sendall(_request(b"ok"))
        assert _read_responses(s, 1) == [b"2"]


def test_a_complete_head_over_the_bound_in_one_read_gets_431(port):
    # A whole head arriving in one read completed a request before the bound was checked: 100 KB heads
    # were served against a 16 KB bound.
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"z" * (MAX_HEAD + 1000) + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(head)
        closed, answer = _closed_within(s, CLOSE_WITHIN)
    assert closed and answer.startswith(b"HTTP/1.1 431 "), answer[:80]
    # A head under the bound with a body far over it, in the same write, is a request like any other.
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(_request(b"b" * (4 * MAX_HEAD)) + _request(b"ok"))
        assert _read_responses(s, 2) == [b"%d" % (4 * MAX_HEAD), b"2"]


def test_a_client_that_stops_reading_its_answer_is_dropped_and_frees_the_request(port):
    """Nothing bounded the time to write an answer: a client that never read (pipelined requests, or one
    answer bigger than the socket buffers) held its request, and so a slot of the in-flight limit and the
    answer's memory, for ever; 66 such sockets made every request of a worker answer 503 (/healthz 200).
    An answer of which the client takes nothing for the send timeout is dropped with its connection."""
    path = f"/big-{port}"
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
        deadline = time.monotonic() + SEND_TIMEOUT + CLOSE_WITHIN
        while path not in answered and time.monotonic() < deadline:
            time.sleep(0.05)  # not reading: the answer stalls in the buffers
        assert path in answered, "the app is still blocked writing an answer nobody reads"
        got, closed = 0, False
        s.settimeout(CLOSE_WITHIN)
        try:
            while chunk := s.recv(1024 * 1024):
                got += len(chunk)
            closed = True
        except (ConnectionResetError, BrokenPipeError):
            closed = True
        assert closed and got < BIG_ANSWER, f"{got} bytes read"
    with socket.create_connection(("127.0.0.1", port)) as s:  # a reader gets its whole answer
        s.sendall(b"GET /big-read HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        s.settimeout(CLOSE_WITHIN)
        got = 0
        while chunk := s.recv(1024 * 1024):
            got += len(chunk)
        assert got > BIG_ANSWER
