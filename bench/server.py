"""`moderate serve` for the benchmarks that drive it over HTTP, on a loopback listening socket bound here
and passed down with `--fd` (as the tests' servers are): a port found free and let go (bind to 0, close,
`--port`) could be taken by another process before the server bound it."""

from __future__ import annotations

import socket
import subprocess
import sys
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
