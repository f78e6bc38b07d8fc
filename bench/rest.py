"""Single-comment REST requests per second per worker, for each of uvicorn's HTTP parsers:
`python -m bench --only rest`.

For each parser (`MODERATION_HTTP_PARSER` = h11, what the service ran before, and httptools, the
default), in ABBA order over `ROUNDS` rounds (the machine's speed drifts): a fresh
`moderate serve` process with one worker, then one keep-alive connection from this process sending
POST /v1/comments:score with one comment, closed loop (the next request when the answer is in). The
comments are the same distinct C3 comments for every server (each text once per process, so no memo
replays a repeat). Reported: requests/s (wall, the client's time included) and the server's CPU per
request (from /proc: the figure that does not depend on what else the machine runs). The first
`WARMUP` requests of a run are not timed (imports, first allocations).
"""

from __future__ import annotations

import csv
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.server import start_server, wait_ready

REPO = Path(__file__).resolve().parent.parent
C3 = Path("c3-constructive-comments") / "C3_anonymized.csv"
PARSERS = ("h11", "httptools")
# A fresh server loads the model and warms its kernels before /readyz says 200: room on a loaded machine.
STARTUP_TIMEOUT = 180.0
ROUNDS = 4
WARMUP = 200
TIMED = 2_000


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Client:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")

    def score(self, text: str) -> int:
        body = json.dumps({"comments": [{"text": text}]}).encode()
        head = b"POST /v1/comments:score HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        self.sock.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        status = int(self.file.readline().split()[1])
        length = 0
        while (line := self.file.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        self.file.read(length)
        return status

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def run_one(parser: str, texts: list[str]) -> tuple[float, float]:
    """(requests/s, server CPU ms per request) for one fresh server."""
    env = {**os.environ, "MODERATION_HTTP_PARSER": parser, "MODERATION_LOG_LEVEL": "WARNING"}
    proc, port = start_server(["--workers", "1"], env=env, stdout=subprocess.DEVNULL)
    try:
        wait_ready(port, proc, STARTUP_TIMEOUT)
        client = _Client(port)
        for text in texts[:WARMUP]:
            if client.score(text) != 200:
                raise RuntimeError("warm-up request failed")
        cpu0, wall0 = _cpu_seconds(proc.pid), time.perf_counter()
        statuses = [client.score(text) for text in texts[WARMUP:]]
        wall, cpu = time.perf_counter() - wall0, _cpu_seconds(proc.pid) - cpu0
        client.close()
        if any(s != 200 for s in statuses):
            raise RuntimeError(f"{sum(s != 200 for s in statuses)} requests failed")
        n = len(statuses)
        return n / wall, 1e3 * cpu / n
    finally:
        proc.terminate()
        proc.wait(30)


def main(data_dir: Path, articles_dir: Path | None = None) -> int:
    with open(data_dir / C3, encoding="utf-8", newline="") as f:
        seen: set[str] = set()
        texts = []
        for row in csv.DictReader(f):
            text = row["comment_text"]
            if text and text not in seen and len(text) <= 5_000:
                seen.add(text)
                texts.append(text)
            if len(texts) == WARMUP + TIMED:
                break
    mean = sum(map(len, texts)) / len(texts)
    print(f"{TIMED} distinct C3 comments (mean {mean:.0f} chars), one per request, 1 worker, keep-alive")
    print(f"{'round':>5} {'parser':>10} {'requests/s':>11} {'server CPU ms/request':>22}")
    cpu: dict[str, list[float]] = {p: [] for p in PARSERS}
    for round_ in range(1, ROUNDS + 1):
        for parser in PARSERS if round_ % 2 else PARSERS[::-1]:
            rate, cpu_ms = run_one(parser, texts)
            cpu[parser].append(cpu_ms)
            print(f"{round_:>5} {parser:>10} {rate:>11,.0f} {cpu_ms:>22.3f}", flush=True)
    medians = {p: statistics.median(v) for p, v in cpu.items()}
    print("median server CPU ms/request: " + ", ".join(f"{p} {m:.3f}" for p, m in medians.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(os.environ.get("DATA_DIR", REPO.parent / "shared" / "data"))))
