"""Soak test: `python -m bench.soak` (or `make soak`). Not part of `make test`.

Starts `moderate serve --workers 2` on a loopback socket it binds (the shipped model) and, for SOAK_SECONDS
(default 600), drives it with mixed traffic from threads in this process:

- valid: comment scoring (1-5 real reader comments from C3, DATA_DIR) and real article pages
  (../shared/articles, HTML and text renderings);
- invalid: malformed and deeply nested JSON, wrong media type, empty body, bad UTF-8, a 3 MB body
  sent by `requests` (the 413 must be readable), unknown paths;
- hostile: slow clients (headers a byte at a time, bodies that never finish), a pool of idle sockets,
  big pages (one element with 50,000 attributes, 20 MB of `a<br>`, a 250,000-element page);
- state changes: feedback writes and model reloads (with the token).

/healthz is probed from a separate process, so the load generator's own GIL waits do not count.

It reports latency p50/p99 per kind, answers by status, transport errors, the slowest /healthz, and
the service's RSS (supervisor + workers) over time. Targets: no 5xx, /healthz always within 1 s, RSS
after warm-up (the first quarter) within 15% (or 100 MB) of its level then. Exit status 1 if missed.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import requests

from bench import require_folder
from bench.server import start_server, wait_ready

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DATA_DIR = Path(os.environ.get("DATA_DIR", SHARED / "data"))
ARTICLES_DIR = Path(os.environ.get("ARTICLES_DIR", SHARED / "articles"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
TOKEN = "soak-token-of-the-bench"  # at least the service's MIN_API_TOKEN_CHARS
HEALTH_LIMIT_S = 1.0
# Two workers each load the model before /readyz says 200: room for that on a loaded machine.
STARTUP_TIMEOUT = 180.0
RSS_GROWTH = 0.15
RSS_SLACK = 100 * 1024 * 1024


def load_comments(n: int = 2000) -> list[str]:
    path = DATA_DIR / "c3-constructive-comments" / "C3_anonymized.csv"
    csv.field_size_limit(10**7)
    texts: list[str] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = (row.get("comment_text") or "").strip()
            if text:
                texts.append(text[:2000])
            if len(texts) >= n:
                break
    return texts


def load_pages() -> list[tuple[bytes, str]]:
    pages = []
    for path in sorted(ARTICLES_DIR.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".txt") and path.stat().st_size < 3_000_000:
            pages.append((path.read_bytes(), "text/html" if path.suffix == ".html" else "text/plain"))
    return pages


class Record:
    """Latencies and outcomes per kind of traffic, shared by the threads (one lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = collections.defaultdict(list)
        self.status: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self.unexpected: list[str] = []

    def add(self, kind: str, seconds: float, outcome: str, expected: Callable[[str], bool]) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.status[kind][outcome] += 1
            if not expected(outcome) and len(self.unexpected) < 50:
                self.unexpected.append(f"{kind}: {outcome}")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Soak:
    def __init__(self, base: str, port: int, seconds: float) -> None:
        self.base = base
        self.port = port
        self.end = time.monotonic() + seconds
        self.record = Record()
        self.comments = load_comments()
        self.pages = load_pages()
        self.rng = random.Random(7)

    def running(self) -> bool:
        return time.monotonic() < self.end

    def call(
        self,
        kind: str,
        session: requests.Session | None,
        method: str,
        path: str,
        expected: Callable[[str], bool] = lambda s: s.startswith(("2", "4")),
        **kw: Any,
    ) -> str:
        t = time.monotonic()
        try:
            r = (session or requests).request(method, self.base + path, timeout=120, **kw)
            outcome = str(r.status_code)
        except requests.RequestException as exc:
            outcome = type(exc).__name__
        self.record.add(kind, time.monotonic() - t, outcome, expected)
        return outcome

    # --- the traffic -----------------------------------------------------------------------------

    def valid_comments(self) -> None:
        with requests.Session() as s:
            while self.running():
                n = self.rng.randint(1, 5)
                body = {"comments": [{"text": t} for t in self.rng.sample(self.comments, n)]}
                self.call("comments", s, "POST", "/v1/comments:score", lambda x: x == "200", json=body)
                time.sleep(0.05)

    def pages_traffic(self) -> None:
        with requests.Session() as s:
            while self.running():
                data, media = self.rng.choice(self.pages)
                self.call(
                    "pages", s, "POST", "/v1/articles:score", lambda x: x in ("200", "422"),
                    data=data, headers={"content-type": media},
                )  # fmt: skip
                time.sleep(1.0)

    def invalid(self) -> None:
        js, html = {"content-type": "application/json"}, {"content-type": "text/html"}
        bad: list[tuple[str, dict[str, Any]]] = [
            ("/v1/comments:score", {"data": b"{not json", "headers": {"content-type": "application/json"}}),
            ("/v1/comments:score", {"data": b"[" * 10_000, "headers": {"content-type": "application/json"}}),
            ("/v1/comments:score", {"data": b'{"comments": []}', "headers": {"content-type": "text/plain"}}),
            ("/v1/comments:score", {"data": b"", "headers": {"content-type": "application/json"}}),
            ("/v1/comments:score", {"json": {"comments": [{"text": "x" * 30_000}]}}),
            ("/v1/articles:score", {"data": b"\x00\x01\x02\x03" * 100, "headers": html}),
            ("/v1/comments:score", {"data": b"a" * 3_000_000, "headers": js}),
            ("/v1/nope", {"json": {}}),
            ("/v1/feedback", {"json": {"text": "x", "attribute": "insult", "label": 1}}),  # no token
        ]  # fmt: skip
        with requests.Session() as s:
            while self.running():
                path, kw = self.rng.choice(bad)
                self.call("invalid", s, "POST", path, lambda x: x.startswith("4"), **kw)
                time.sleep(0.2)

    def health(self) -> None:
        """/healthz twice a second from a process of its own: this one's threads (building 20 MB
        bodies, parsing answers) would otherwise add their GIL waits to the probe's latency."""
        ctx = multiprocessing.get_context("spawn")
        queue: multiprocessing.Queue[tuple[list[float], dict[str, int]]] = ctx.Queue()
        probe = ctx.Process(target=probe_health, args=(self.base, self.end - time.monotonic(), queue))
        probe.start()
        latencies, outcomes = queue.get()
        probe.join()
        with self.record.lock:
            self.record.latency["healthz"] += latencies
            self.record.status["healthz"].update(outcomes)
            self.record.unexpected += [f"healthz: {k}" for k in outcomes if k != "200"]

    def feedback(self) -> None:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with requests.Session() as s:
            while self.running():
                body = {"text": self.rng.choice(self.comments), "attribute": "insult", "label": 0}
                ok = lambda x: x == "201"  # noqa: E731
                self.call("feedback", s, "POST", "/v1/feedback", ok, json=body, headers=auth)
                time.sleep(0.5)

    def reloads(self) -> None:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        while self.running():
            time.sleep(60)
            if self.running():
                self.call("reload", None, "POST", "/v1/admin/reload", lambda x: x == "200", headers=auth)

    def big_pages(self) -> None:
        attributes = b" ".join(b"a%d=1" % i for i in range(50_000))
        bomb = b"<html><body><div " + attributes + b">x</div></body></html>"
        huge = b"<html><body>" + b"a<br>" * 4_000_000 + b"</body></html>"
        many = b"<html><body>" + b"a<br>" * 250_000 + b"</body></html>"
        cases = [("bomb", bomb, "413"), ("huge", huge, "413"), ("many", many, "200")]
        while self.running():
            for name, data, want in cases:
                if not self.running():
                    return
                self.call(
                    f"big:{name}", None, "POST", "/v1/articles:score", lambda x, w=want: x == w,
                    data=data, headers={"content-type": "text/html"},
                )  # fmt: skip
                time.sleep(10)

    def slow_clients(self) -> None:
        """Headers a byte at a time, and a body that never finishes: the server must close both."""
        while self.running():
            t = time.monotonic()
            s = socket.create_connection(("127.0.0.1", self.port))
            s.settimeout(90)
            outcome = "left open"
            try:
                s.sendall(b"POST /v1/comments:score HTTP/1.1\r\nHost: soak\r\n")
                while time.monotonic() - t < 60:
                    s.sendall(b"X")
                    time.sleep(0.5)
            except OSError:
                outcome = "closed"
            finally:
                s.close()
            self.record.add("slow:headers", time.monotonic() - t, outcome, lambda x: x == "closed")
            t = time.monotonic()
            s = socket.create_connection(("127.0.0.1", self.port))
            s.settimeout(90)
            try:
                s.sendall(
                    b"POST /v1/comments:score HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n{"
                )
                answer = s.recv(200)
                outcome = answer.split(b" ", 2)[1].decode() if answer else "closed"
            except OSError as exc:
                outcome = type(exc).__name__
            finally:
                s.close()
            self.record.add("slow:body", time.monotonic() - t, outcome, lambda x: x == "408")

    def idle_sockets(self, n: int = 50) -> None:
        """Keeps `n` connections open that never send anything, reopening those the server closes."""
        held: list[socket.socket] = []
        closed = 0
        while self.running():
            alive = []
            for s in held:
                s.setblocking(False)
                try:
                    if s.recv(1) == b"":
                        closed += 1
                        s.close()
                        continue
                except BlockingIOError:
                    pass
                except OSError:
                    closed += 1
                    s.close()
                    continue
                alive.append(s)
            held = alive
            while len(held) < n:
                held.append(socket.create_connection(("127.0.0.1", self.port)))
            time.sleep(1)
        for s in held:
            s.close()
        with self.record.lock:
            self.record.status["idle sockets"]["closed by the server"] = closed


def probe_health(base: str, seconds: float, queue: Any) -> None:
    end = time.monotonic() + seconds
    latencies: list[float] = []
    outcomes: collections.Counter[str] = collections.Counter()
    with requests.Session() as s:
        while time.monotonic() < end:
            t = time.monotonic()
            try:
                outcome = str(s.get(base + "/healthz", timeout=30).status_code)
            except requests.RequestException as exc:
                outcome = type(exc).__name__
            latencies.append(time.monotonic() - t)
            outcomes[outcome] += 1
            time.sleep(0.5)
    queue.put((latencies, dict(outcomes)))


def rss_of(proc: psutil.Process) -> int:
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += child.memory_info().rss
    return int(total)


def main(argv: list[str] | None = None) -> int:
    # No options (SOAK_SECONDS, DATA_DIR and ARTICLES_DIR configure it), but --help must not start it.
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__, formatter_class=raw)
    parser.parse_args(argv)
    require_folder(parser.prog, DATA_DIR, "set DATA_DIR=...")  # before two servers start, not after
    require_folder(parser.prog, ARTICLES_DIR, "set ARTICLES_DIR=...")
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    env = os.environ | {
        "MODERATION_LOG_LEVEL": "WARNING",
        "MODERATION_DB_PATH": str(workdir / "feedback.sqlite3"),
        "MODERATION_API_TOKEN": TOKEN,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = (workdir / "server.log").open("wb")
    proc, port = start_server(["--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_ready(port, proc, STARTUP_TIMEOUT)
        except RuntimeError as exc:
            print((workdir / "server.log").read_text(errors="replace"), file=sys.stderr)
            print(f"bench.soak: {exc}", file=sys.stderr)
            return 1
        return run(proc, base, port)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def run(proc: subprocess.Popen[bytes], base: str, port: int) -> int:
    soak = Soak(base, port, SECONDS)
    print(
        f"soak: {SECONDS:.0f} s against `moderate serve --workers 2` at {base}; "
        f"{len(soak.comments)} C3 comments, {len(soak.pages)} article pages",
        flush=True,
    )
    traffic = [soak.valid_comments, soak.valid_comments, soak.pages_traffic, soak.invalid, soak.health]
    traffic += [soak.feedback, soak.reloads, soak.big_pages, soak.slow_clients, soak.idle_sockets]
    threads = [threading.Thread(target=f, name=f.__name__, daemon=True) for f in traffic]
    server = psutil.Process(proc.pid)
    started = time.monotonic()
    for t in threads:
        t.start()
    samples: list[tuple[float, int]] = []
    step = max(1.0, SECONDS / 60)
    while soak.running():
        samples.append((time.monotonic() - started, rss_of(server)))
        time.sleep(step)
    for t in threads:
        t.join(timeout=150)
    samples.append((time.monotonic() - started, rss_of(server)))
    return report(soak.record, samples)


def report(record: Record, samples: list[tuple[float, int]]) -> int:
    mib = 1024 * 1024
    print(f"\n{'kind':14s} {'n':>6s} {'p50 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}  outcomes")
    five_xx = 0
    for kind in sorted(record.latency):
        lat = record.latency[kind]
        outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(record.status[kind].items()))
        five_xx += sum(v for k, v in record.status[kind].items() if k.startswith("5"))
        print(
            f"{kind:14s} {len(lat):6d} {pct(lat, 0.5) * 1000:8.1f} {pct(lat, 0.99) * 1000:8.1f} "
            f"{max(lat) * 1000:8.1f}  {outcomes}"
        )
    for kind, counts in record.status.items():
        if kind not in record.latency:
            print(f"{kind:14s} {dict(counts)}")
    print("\nRSS of the service (supervisor + 2 workers), MiB:")
    print("  " + "  ".join(f"{t:.0f}s:{r / mib:.0f}" for t, r in samples))
    warm = samples[max(0, len(samples) // 4)][1]
    late = max(r for t, r in samples[len(samples) // 4 :])
    end = samples[-1][1]
    health = record.latency.get("healthz", [0.0])
    ok_health = max(health) <= HEALTH_LIMIT_S
    ok_rss = end <= warm * (1 + RSS_GROWTH) or end - warm <= RSS_SLACK
    print(
        f"\n5xx answers: {five_xx}; slowest /healthz: {max(health) * 1000:.0f} ms; RSS after warm-up "
        f"{warm / mib:.0f} MiB, highest later {late / mib:.0f} MiB, at the end {end / mib:.0f} MiB"
    )
    if record.unexpected:
        print("unexpected outcomes (first 50):", *record.unexpected, sep="\n  ")
    verdict = five_xx == 0 and ok_health and ok_rss
    print(
        f"targets: no 5xx {'met' if five_xx == 0 else 'MISSED'}; /healthz within 1 s "
        f"{'met' if ok_health else 'MISSED'}; RSS flat after warm-up {'met' if ok_rss else 'MISSED'}"
    )
    return 0 if verdict else 1


if __name__ == "__main__":
    raise SystemExit(main())
