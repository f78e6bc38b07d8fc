"""The benchmarks that drive `moderate serve` over HTTP (bench/api.py, soak.py, rest.py) hand it a loopback
socket already listening (`--fd`): a port found free and let go (bind to 0, close, `--port`) could be
taken by another process before the server bound it. Popen is stopped before anything starts."""

from __future__ import annotations

import collections
import os
import socket
import subprocess
from typing import Any

import pytest


class _Stopped(Exception):
    """Raised instead of starting the server."""


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], list[tuple[int, Any, int]]]]:
    """Every server command a benchmark would start, with each passed descriptor, the address it is bound
    to and whether it listens (SO_ACCEPTCONN), read while the benchmark still holds it."""
    seen: list[tuple[list[str], list[tuple[int, Any, int]]]] = []

    def popen(cmd: list[str], **kwargs: Any) -> None:
        passed = []
        for fd in kwargs.get("pass_fds", ()):
            with socket.socket(fileno=os.dup(fd)) as sock:
                listening = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
                passed.append((fd, sock.getsockname(), listening))
        seen.append((list(cmd), passed))
        raise _Stopped

    monkeypatch.setattr(subprocess, "Popen", popen)
    return seen


def _assert_handed_a_listening_socket(started: list[tuple[list[str], list[tuple[int, Any, int]]]]) -> None:
    [(cmd, passed)] = started
    assert "--port" not in cmd and "--host" not in cmd, cmd
    [(fd, (host, port), listening)] = passed
    assert (cmd[cmd.index("--fd") + 1], host, listening) == (str(fd), "127.0.0.1", 1)
    assert port > 0


def test_bench_rest_hands_its_server_a_listening_socket(started) -> None:
    from bench import rest

    with pytest.raises(_Stopped):
        rest.run_one("h11", ["a comment"])
    _assert_handed_a_listening_socket(started)


def test_bench_soak_hands_its_server_a_listening_socket(started, tmp_path, monkeypatch) -> None:
    from bench import soak

    monkeypatch.setattr(soak, "DATA_DIR", tmp_path)
    monkeypatch.setattr(soak, "ARTICLES_DIR", tmp_path)
    monkeypatch.setattr(soak.tempfile, "mkdtemp", lambda prefix: str(tmp_path))
    with pytest.raises(_Stopped):
        soak.main([])
    _assert_handed_a_listening_socket(started)


def test_bench_api_hands_its_server_a_listening_socket(started, tmp_path, monkeypatch) -> None:
    from bench import api

    monkeypatch.setattr(api, "load_comments", lambda data_dir: ["a comment"] * (1000 + api.BATCH))
    monkeypatch.setattr(api, "in_process", lambda comments: collections.defaultdict(float))
    monkeypatch.setattr(api.tempfile, "mkdtemp", lambda prefix: str(tmp_path))
    with pytest.raises(_Stopped):
        api.main(data_dir=tmp_path)
    _assert_handed_a_listening_socket(started)


def test_wait_ready_answers_once_readyz_says_200_and_says_when_the_server_exited_first() -> None:
    import http.server
    import sys
    import threading

    from bench.server import wait_ready

    class Ready(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/readyz" else 404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ready) as httpd:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            assert 0 <= wait_ready(httpd.server_address[1], running, 10) < 10
        finally:
            httpd.shutdown()
            running.kill()
            running.wait()
    exited = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    exited.wait()
    with pytest.raises(RuntimeError, match="exited with code 3"):
        wait_ready(1, exited, 10)
