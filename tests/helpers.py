"""Small helpers shared by tests."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.05, what: str = "condition"
) -> T:
    """Poll ``predicate`` until it returns something truthy and return that; fail after ``timeout``
    seconds. Tests wait for the state they need instead of sleeping a guessed time: fast when the
    machine is idle, still correct when it is loaded."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(interval)


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections for as long as the block runs: bound and never listening,
    so no other process (another pytest worker's server) can take it, as it could a port found free and
    let go."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def blocked_writing_pipe(pid: int) -> bool:
    """Whether process ``pid`` is asleep in a write to a full pipe (Linux: its state is S and its wait
    channel is the kernel's pipe_write, "anon_pipe_write" on newer kernels)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[-1].split()[0]
        with open(f"/proc/{pid}/wchan") as fh:
            channel = fh.read()
    except FileNotFoundError:
        return False
    return state == "S" and "pipe_write" in channel
