"""The service as it really runs: a `moderate serve` uvicorn process on a free loopback port, with the
shipped model and the real parser, called over HTTP, reloaded with SIGHUP, and stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, SEED_FILES
from tests.service.api.conftest import TOKEN

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(tmp_path: Path, *extra: str, model_dir: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {
        "MODERATION_API_TOKEN": TOKEN,
        "MODERATION_DB_PATH": str(tmp_path / "feedback.sqlite3"),
        "MODERATION_LOG_LEVEL": "INFO",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *extra]
    if model_dir is not None:
        cmd += ["--model-dir", str(model_dir)]
    # The log goes to a file: an undrained pipe fills up after a few hundred access lines and then
    # blocks the server mid-response.
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    proc.log_path = tmp_path / "server.log"  # type: ignore[attr-defined]
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(proc: subprocess.Popen[bytes], base: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.log_path.read_text(errors="replace")
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not ready after {timeout}s")


def stop(proc: subprocess.Popen[bytes]) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return str(proc.log_path.read_text(errors="replace"))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    proc, base = start(tmp_path)
    try:
        wait_ready(proc, base)
        yield proc, base
    finally:
        stop(proc)


def _reloads(base: str, outcome: str) -> float:
    for line in httpx.get(base + "/metrics").text.splitlines():
        if line.startswith(f'moderation_model_reloads_total{{outcome="{outcome}"}}'):
            return float(line.split()[-1])
    return 0.0


def test_one_worker_over_real_http(server, tmp_path):
    proc, base = server
    secret = "Quixotic-marker-7731"
    with httpx.Client(base_url=base, timeout=30) as http:
        r = http.post(
            "/v1/comments:score",
            json={
                "comments": [{"id": "a", "text": f"You are a pathetic idiot {secret}"}, {"text": "Thanks!"}]
            },
        )
        assert r.status_code == 200, r.text
        results = r.json()["results"]
        assert [x["id"] for x in results] == ["a", None]
        assert results[0]["scores"]["insult"] > results[1]["scores"]["insult"]

        page = SEED_FILES[0].read_bytes()
        r = http.post("/v1/articles:score", content=page, headers={"content-type": "text/plain"})
        assert r.status_code == 200, r.text
        assert r.json()["article"]["title"]

        r = http.post(
            "/v1alpha1/comments:analyze?key=ignored",
            json={
                "comment": {"text": "what kind of idiot name is foo?"},
                "requestedAttributes": {"INSULT": {}},
            },
        )
        assert r.status_code == 200, r.text
        assert 0 <= r.json()["attributeScores"]["INSULT"]["summaryScore"]["value"] <= 1

        r = http.post(
            "/v1/feedback",
            json={"text": secret, "attribute": "insult", "label": 1},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert r.status_code == 201, r.text

        r = http.post(
            "/v1/comments:score", content=b"[" * 10_000, headers={"content-type": "application/json"}
        )
        assert r.status_code == 422 and r.json()["error"]["reason"] == "malformed"

        version = http.get("/v1/model").json()["version"]
        proc.send_signal(signal.SIGHUP)  # reload in place
        deadline = time.monotonic() + 30
        while _reloads(base, "ok") < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _reloads(base, "ok") == 1
        assert http.get("/v1/model").json()["version"] == version
        assert http.get("/healthz").json()["status"] == "ok"
    output = stop(proc)
    # Graceful stop: uvicorn finishes the lifespan, then re-raises SIGTERM to report how it ended.
    assert proc.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    assert '"POST /v1/comments%3Ascore HTTP/1.1" 200' in output  # the INFO access log ...
    assert secret not in output  # ... never carries comment text


def test_two_workers_roll_onto_a_new_model_without_failing_a_request(tmp_path):
    proc, base = start(tmp_path, "--workers", "2")
    failures: list[str] = []
    answered = 0
    try:
        wait_ready(proc, base)
        stop_flag = threading.Event()

        def hammer() -> None:
            nonlocal answered
            with httpx.Client(base_url=base, timeout=30) as http:
                while not stop_flag.is_set():
                    try:
                        r = http.post("/v1/comments:score", json={"comments": [{"text": "you fool"}]})
                        if r.status_code != 200:
                            failures.append(f"{r.status_code} {r.text[:200]}")
                        answered += 1
                    except httpx.TransportError as exc:
                        failures.append(repr(exc))

        worker = threading.Thread(target=hammer)
        worker.start()
        time.sleep(0.5)
        before = answered
        proc.send_signal(signal.SIGHUP)  # uvicorn replaces the workers one by one
        time.sleep(8)
        stop_flag.set()
        worker.join(30)
        metrics = httpx.get(base + "/metrics").text
    finally:
        output = stop(proc)
    assert failures == [], failures[:5]
    assert answered > before
    assert "restarting processes" in output.lower() or "Received SIGHUP" in output, output[-2000:]
    # Multiprocess metrics: /metrics (answered by one worker) counts the requests of all of them.
    assert "moderation_http_requests_total" in metrics


def test_a_bad_artifact_stops_startup_with_a_clear_error(tmp_path):
    bad = tmp_path / "model"
    bad.mkdir()
    (bad / "manifest.json").write_text("{not json", encoding="utf-8")
    proc, _ = start(tmp_path, model_dir=bad)
    proc.wait(timeout=60)
    output = stop(proc)
    assert proc.returncode != 0
    assert "cannot start" in output
