"""`moderate serve` for the benchmarks that drive it over HTTP, on a loopback listening socket bound here
and passed down with `--fd` (as the tests' servers are): a port found free and let go (bind to 0, close,
`--port`) could be taken by another process before the server bound it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def start_server(extra: Sequence[str], **popen: Any) -> tuple[subprocess.Popen[bytes], int]:
    """`python -m service.cli serve --fd N *extra` started with ``popen``'s Popen options (cwd defaults
    to the repository), and the loopback port it serves on. The socket listens from the start: a
    connection made before the server is ready waits in its backlog (poll /readyz to know it is ready)."""
    listening = socket.create_server(("127.0.0.1", 0))
    port = int(listening.getsockname()[1])
    cmd = [sys.executable, "-m", "service.cli", "serve", "--fd", str(listening.fileno()), *extra]
    with listening:  # the server's copy only: this one kept would hold the port open after the server stopped
        proc = subprocess.Popen(cmd, **({"cwd": REPO} | popen), pass_fds=[listening.fileno()])
    return proc, port


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float) -> float:
    """Seconds until GET /readyz answered 200 (the socket listens from the start: a connection says
    nothing); ``RuntimeError`` when the server exits first or is not ready within ``timeout`` seconds."""
    started = time.monotonic()
    while time.monotonic() < started + timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"the service exited with code {proc.returncode} during startup")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
                if answer.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the service was not ready after {timeout:.0f} s")
