"""The service as it really runs: a `moderate serve` uvicorn process on a loopback socket the test binds
and passes down (`--fd`), with the shipped model and the real parser, called over HTTP, reloaded with
SIGHUP, and stopped."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, SEED_FILES
from tests.helpers import wait_until
from tests.service.api.conftest import TOKEN

pytestmark = pytest.mark.slow


def start(tmp_path: Path, *extra: str, model_dir: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    # The server gets the listening socket bound here: a port found free and let go (bind to 0, close,
    # `--port`) could be taken by another pytest worker's server before this one bound it.
    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    env = os.environ | {
        "MODERATION_API_TOKEN": TOKEN,
        "MODERATION_DB_PATH": str(tmp_path / "feedback.sqlite3"),
        "MODERATION_LOG_LEVEL": "INFO",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = [sys.executable, "-m", "service.cli", "serve", "--fd", str(listening.fileno()), *extra]
    if model_dir is not None:
        cmd += ["--model-dir", str(model_dir)]
    # The log goes to a file: an undrained pipe fills up after a few hundred access lines and then
    # blocks the server mid-response.
    log = (tmp_path / "server.log").open("wb")
    with listening:  # the server's copy only: this one kept would hold the port open after the server stopped
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=[listening.fileno()]
        )
    log.close()
    proc.log_path = tmp_path / "server.log"  # type: ignore[attr-defined]
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(proc: subprocess.Popen[bytes], base: str, timeout: float = 90) -> None:
    def ready() -> bool:
        assert proc.poll() is None, proc.log_path.read_text(errors="replace")
        try:
            return httpx.get(base + "/readyz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_until(ready, timeout, interval=0.2, what="/readyz answering 200")


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
            "/v1alpha1/comments:analyze?key=" + TOKEN,
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
        # The token under a name the service does not read: refused, and (below) not in the access log.
        r = http.post(
            "/v1/feedback?access_token=" + TOKEN, json={"text": "x", "attribute": "insult", "label": 1}
        )
        assert r.status_code == 401, r.text

        r = http.post(
            "/v1/comments:score", content=b"[" * 10_000, headers={"content-type": "application/json"}
        )
        assert r.status_code == 422 and r.json()["error"]["reason"] == "malformed"

        version = http.get("/v1/model").json()["version"]
        proc.send_signal(signal.SIGHUP)  # reload in place
        wait_until(lambda: _reloads(base, "ok") >= 1, 30, what="a reload")
        assert _reloads(base, "ok") == 1
        assert http.get("/v1/model").json()["version"] == version
        assert http.get("/healthz").json()["status"] == "ok"
    output = stop(proc)
    # Graceful stop: uvicorn finishes the lifespan, then re-raises SIGTERM to report how it ended.
    assert proc.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    # The INFO access log (httpx up to 0.28 sends the colon percent-encoded, 0.29 as is) ...
    assert re.search(r'"POST /v1/comments(:|%3A)score HTTP/1\.1" 200', output), output[-2000:]
    assert secret not in output  # ... never carries comment text
    assert TOKEN not in output and "key=<redacted>" in output  # ... nor a Perspective-style ?key= token


class Hammer:
    """Scores one comment in a loop on a keep-alive connection, in a thread, recording every failure."""

    def __init__(self, base: str, *, retry_resets: bool = False) -> None:
        self.base = base
        self.retry_resets = retry_resets
        self.failures: list[str] = []
        self.retried = 0
        self.answered = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _post(self, http: httpx.Client) -> httpx.Response:
        return http.post("/v1/comments:score", json={"comments": [{"text": "you fool"}]})

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            while not self._stop.is_set():
                try:
                    try:
                        r = self._post(http)
                    except (httpx.ReadError, httpx.RemoteProtocolError):
                        if not self.retry_resets:
                            raise
                        # The keep-alive connection was closed under us before any answer: what an
                        # HTTP client does then is retry once on a new connection.
                        self.retried += 1
                        r = self._post(http)
                    if r.status_code != 200:
                        self.failures.append(f"{r.status_code} {r.text[:200]}")
                    self.answered += 1
                except httpx.TransportError as exc:
                    self.failures.append(repr(exc))

    def __enter__(self) -> Hammer:
        self._thread.start()
        wait_until(lambda: self.answered or self.failures, 60, what="a first answer")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)


def _total(metrics: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.split()[-1])
    return total


def test_two_workers_reload_in_place_without_failing_a_request(tmp_path):
    proc, base = start(tmp_path, "--workers", "2")
    try:
        wait_ready(proc, base)
        with Hammer(base) as hammer:
            r = httpx.post(
                base + "/v1/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
            )
            assert r.status_code == 200, r.text
            assert r.json()["workers_signalled"] == 1  # the other worker
            # Multiprocess metrics: any worker's /metrics sums both workers' counters.
            wait_until(
                lambda: (
                    _total(httpx.get(base + "/metrics").text, "moderation_model_reloads_total", outcome="ok")
                    >= 2
                ),
                120,  # each worker loads the model again: slow when other jobs share the 2 cores
                interval=0.2,
                what="both workers reloaded",
            )
            before = hammer.answered
            wait_until(lambda: hammer.answered >= before + 20, 60, what="answers after the reload")
        metrics = httpx.get(base + "/metrics").text
    finally:
        output = stop(proc)
    assert hammer.failures == [], hammer.failures[:5]
    assert hammer.answered > before
    assert _total(metrics, "moderation_model_reloads_total", outcome="ok") == 2, output[-2000:]
    assert output.count("model reloaded from") == 2


def test_sighup_to_the_supervisor_rolls_the_workers(tmp_path):
    proc, base = start(tmp_path, "--workers", "2")
    try:
        wait_ready(proc, base)
        with Hammer(base, retry_resets=True) as hammer:
            before = hammer.answered
            proc.send_signal(signal.SIGHUP)  # uvicorn replaces the workers one by one
            wait_until(
                lambda: proc.log_path.read_text(errors="replace").count("Terminated child process") >= 2,
                90,
                interval=0.2,
                what="both workers replaced",
            )
            rolled = hammer.answered
            wait_until(lambda: hammer.answered >= rolled + 20, 60, what="answers after the roll")
    finally:
        output = stop(proc)
    assert "Received SIGHUP, restarting processes" in output
    assert output.count("Terminated child process") >= 2, output[-2000:]
    assert hammer.failures == [], hammer.failures[:5]  # no error answer, no request lost twice
    assert hammer.answered > before


def test_a_bad_artifact_stops_startup_with_a_clear_error(tmp_path):
    bad = tmp_path / "model"
    bad.mkdir()
    (bad / "manifest.json").write_text("{not json", encoding="utf-8")
    proc, _ = start(tmp_path, model_dir=bad)
    proc.wait(timeout=60)
    output = stop(proc)
    assert proc.returncode != 0
    assert "cannot start" in output and "make train" in output
    assert "Traceback" not in output  # checked before uvicorn starts: one line, not a lifespan trace


def test_a_database_from_a_newer_release_stops_startup_with_a_clear_error(tmp_path):
    # With --workers 2 each worker failed at once, but uvicorn's supervisor noticed only at its 120 s
    # health-check timeout: two minutes of a port that refused connections.
    import sqlite3

    from service.storage import Store, Target

    Store.open(Target(path=tmp_path / "feedback.sqlite3")).close()
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, '2030-01-01T00:00:00+00:00')")
    proc, _ = start(tmp_path, "--workers", "2")
    proc.wait(timeout=90)
    output = stop(proc)
    assert proc.returncode != 0
    assert "cannot start" in output and "newer than this code understands" in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "query",
    ["key=SECRET", "a=1&key=SECRET", "k%65y=SECRET", "%6Bey=SECRET&b=2", "%6b%65%79=SECRET", "ke%79=SECRET"],
)
def test_the_access_log_redacts_the_key_however_its_name_is_percent_encoded(query):
    # Starlette decodes the parameter name, so ?k%65y=TOKEN authenticates exactly like ?key=TOKEN.
    import logging

    from service.api.app import RedactKeyFilter

    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "POST", f"/v1alpha1/comments%3Asuggestscore?{query}", "1.1", 200), None,
    )  # fmt: skip
    assert RedactKeyFilter().filter(record)
    line = record.getMessage()
    assert "SECRET" not in line and "=<redacted>" in line


@pytest.mark.parametrize(
    "target",
    [
        "/v1/feedback?token={t}",  # a client that sends the token under another name is refused ...
        "/v1/admin/reload?access_token={t}&x=1",
        "/v1alpha1/comments:suggestscore?KEY={t}",  # (names are case-sensitive: not Perspective's key)
        "/v1/queue/{t}",  # ... or pastes it into the path
        "/v1/feedback?api_key={q}",  # percent-encoded as a query string carries it
        "/v1/feedback?token={qp}",  # (application/x-www-form-urlencoded: "+" for a space)
        "/v1/queue/{p}",  # a path segment: "/" kept, "+" encoded
    ],
)
def test_the_access_log_never_shows_the_configured_token_wherever_the_client_put_it(target):
    # ... and the access line still wrote the secret: anyone reading the logs could use it.
    import logging
    from urllib.parse import quote, quote_plus

    from service.api.app import RedactKeyFilter

    token = 'tok/en+ "' + TOKEN
    sent = target.format(t=token, q=quote(token, safe=""), qp=quote_plus(token), p=quote(token))
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "POST", sent.replace('"', "%22"), "1.1", 401), None,  # (uvicorn's escape)
    )  # fmt: skip
    assert RedactKeyFilter(token).filter(record)
    line = record.getMessage()
    assert TOKEN not in line and "<redacted>" in line, line


def test_a_page_whose_client_left_while_it_waited_for_a_slot_is_not_parsed(tmp_path, monkeypatch):
    # One page slot, taken by a slow page; three clients send a page and hang up while they wait. They
    # were still parsed after the slow one and logged 200; now they are skipped and counted as 499.
    import time

    monkeypatch.setenv("MODERATION_LIMITS__MAX_CONCURRENT_PAGES", "1")
    proc, base = start(tmp_path)
    host, port = base.removeprefix("http://").split(":")
    page = SEED_FILES[0].read_bytes()
    request = (
        b"POST /v1/articles:score HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        b"Content-Length: %d\r\n\r\n" % len(page) + page
    )
    slow = "Title\n\n" + "a\n" * 150_000  # a few seconds of parsing
    try:
        wait_ready(proc, base)
        with httpx.Client(base_url=base, timeout=120) as http:
            result: list[httpx.Response] = []
            first = threading.Thread(
                target=lambda: result.append(
                    http.post("/v1/articles:score", content=slow, headers={"content-type": "text/plain"})
                )
            )
            first.start()
            time.sleep(0.5)  # the slow page has the slot
            for _ in range(3):
                with socket.create_connection((host, int(port))) as sock:
                    sock.sendall(request)
                    time.sleep(0.2)  # its body is read, it waits for the slot; then the client leaves
            first.join()
            assert result and result[0].status_code == 200, result
            route = "/v1/articles:score"

            def counted() -> bool:  # the slow page's 200 is counted after its memory trim: wait for it too
                text = http.get("/metrics").text
                return (
                    _total(text, "moderation_http_requests_total", route=route, status="499") >= 3
                    and _total(text, "moderation_http_requests_total", route=route, status="200") >= 1
                )

            wait_until(counted, 60, what="the pages counted")
            metrics = http.get("/metrics").text
    finally:
        output = stop(proc)
    assert _total(metrics, "moderation_http_requests_total", route=route, status="200") == 1, output[-3000:]
    assert _total(metrics, "moderation_http_requests_total", route=route, status="499") == 3
    assert output.count('articles:score HTTP/1.1" 200') == 1
    assert output.count("the client disconnected before its page was parsed") == 3


def _connect_and_ask(host: str, port: int) -> tuple[str, float]:
    """What a new client gets: 'refused', 'reset', 'closed', 'timeout' or the status line; and how long
    it took."""
    import time

    t = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.settimeout(20)
            head = sock.recv(4096)
            outcome = head.split(b"\r\n", 1)[0].decode() if head else "closed"
    except ConnectionRefusedError:
        outcome = "refused"
    except ConnectionResetError:
        outcome = "reset"
    except TimeoutError:
        outcome = "timeout"
    return outcome, time.monotonic() - t


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_new_connection_during_the_drain_is_refused_at_once(tmp_path, workers):
    """SIGTERM: the requests in flight finish, and a new connection is refused at once. With several
    workers the supervisor kept its copy of the listening socket open: the kernel accepted the
    connection, nobody served it, and it was reset only when the last worker had drained (seconds)."""
    import time

    proc, base = start(tmp_path, "--workers", workers)
    host, port = base.removeprefix("http://").split(":")
    slow = "Title\n\n" + "a\n" * 300_000  # several seconds of parsing: in flight during the drain
    result: list[int] = []
    try:
        wait_ready(proc, base)
        page = threading.Thread(
            target=lambda: result.append(
                httpx.post(
                    base + "/v1/articles:score",
                    content=slow,
                    headers={"content-type": "text/plain"},
                    timeout=120,
                ).status_code
            )
        )
        page.start()
        time.sleep(1)  # uploaded and being parsed (`draining` below checks it still was)
        proc.send_signal(signal.SIGTERM)
        log = proc.log_path  # type: ignore[attr-defined]
        wait_until(lambda: log.read_text().count("Shutting down") == int(workers), 30, what="the drain")
        draining = page.is_alive()
        outcome, took = _connect_and_ask(host, int(port))
        page.join()
        proc.wait(timeout=60)
    finally:
        output = stop(proc)
    # A reset within milliseconds is the same answer: a worker logs "Shutting down" just before it
    # closes its listening socket, and a connection queued in between is reset by that close. The bug
    # was a reset only after the last worker had drained, seconds later.
    assert outcome in ("refused", "reset") and took < 1.0, (outcome, took)
    assert draining, "the page finished before the new connection was tried: nothing was shown"
    assert result == [200], output[-3000:]  # the request in flight was answered
