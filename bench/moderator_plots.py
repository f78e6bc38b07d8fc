"""The moderator page's sign-in in a real headless Chromium: bytes and time until its plots are drawn,
for two checkouts of the code alternating on one SQLite store, and whether their plots print the same.

    python -m bench.moderator_plots --db plots.sqlite3 --old ../main --new . --rounds 3

The first run fills the store (--items comments of --chars characters, built from the seeds' comments,
queued through the API with explanations; --verdicts of them decided), later runs reuse it. Each round
starts a fresh `moderate serve` of each checkout (old and new in turn, the order swapped every round)
and a fresh browser context, signs in, and reads: the bytes of every API answer (the plots' and the
rest), the wall time from pressing Enter to the plots' caption, and the CPU time the server and the
browser spent meanwhile (psutil: user + system of the process and its children)."""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil

from bench.parse_scrapers import CHROMIUM, CHROMIUM_ARGS
from bench.server import start_server, wait_ready

_REPO = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-for-the-moderator-plots"
THREAD = 100  # comments per queueing request: 200,000 characters, under the 400,000 queueing limit
READY_S = 300  # a checkout's first start compiles the model's numba kernels (about 1.5 minutes)
PLOTS_S = 600  # the old page reads ~12 MB for 5,000 comments of 2,000 characters


def _serve(code: Path, db: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = os.environ | {
        "MODERATION_API_TOKEN": TOKEN,
        "MODERATION_DB_PATH": str(db),
        "MODERATION_VERSIONS_DIR": str(db.with_suffix(".versions")),
        "PYTHONPATH": str(code),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("wb") as out:
        proc, port = start_server([], cwd=code, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_ready(port, proc, READY_S)
    except RuntimeError as exc:
        _stop(proc)
        raise RuntimeError(f"the server of {code}: {exc}: see {log}") from exc
    return proc, f"http://127.0.0.1:{port}"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _comments(n: int, chars: int) -> list[str]:
    """`n` distinct comments of about `chars` characters: seed comments joined at random."""
    from service.parse import parse_page

    pool = [
        c.text
        for p in sorted((_REPO / "seeds").glob("*.txt"))
        for c in parse_page(p.read_bytes(), source=p.name).comments
    ]
    rng = random.Random(0)
    out = []
    for k in range(n):
        text = f"#{k}"
        while len(text) < chars:
            text += " " + rng.choice(pool)
        out.append(text[:chars])
    return out


def fill(base: str, items: int, chars: int, verdicts: int) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    texts = _comments(items, chars)
    with httpx.Client(base_url=base, timeout=600, headers=auth) as http:
        for start in range(0, items, THREAD):
            body = {
                "article": {
                    "id": f"bench-{start}",
                    "title": f"Bench article {start}",
                    "body": "A council vote.",
                },
                "comments": [{"id": f"c{k}", "text": t} for k, t in enumerate(texts[start : start + THREAD])],
                "queue": True,
            }
            response = http.post("/v1/comments:score", json=body)
            response.raise_for_status()
        rng = random.Random(1)
        listed = http.get("/v1/queue", params={"limit": "200"}).json()["items"]
        for item in rng.sample(listed, min(verdicts, len(listed))):
            verdict = "reject" if item["decision"] != "approve" and rng.random() < 0.7 else "approve"
            http.post(f"/v1/queue/{item['id']}:decide", json={"verdict": verdict}).raise_for_status()


def _cpu(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


FIGURES = """() => ({
  basis: document.querySelector('#plots-basis').textContent,
  summary: document.querySelector('#threshold-summary').textContent,
  counts: [...document.querySelectorAll('#plots .counts')].map(e => e.textContent),
  bars: [...document.querySelectorAll('#plots svg.histogram rect.bar title')].map(e => e.textContent),
  curves: [...document.querySelectorAll('#plots polyline')].map(e => e.getAttribute('points')),
})"""


def sign_in(browser: Any, base: str, server: subprocess.Popen[bytes]) -> dict[str, Any]:
    """One sign-in: bytes of the API's answers, wall and CPU time until the plots' caption, figures."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    answers: list[tuple[str, int]] = []
    page.on("requestfinished", lambda r: answers.append((r.url, r.sizes()["responseBodySize"])))
    page.goto(base + "/")
    page.get_by_label("API token").fill(TOKEN)
    server_cpu, browser_cpu = _cpu(psutil.Process(server.pid)), _cpu(psutil.Process())
    answers.clear()
    started = time.perf_counter()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#plots-basis').textContent.startsWith('From ')", timeout=PLOTS_S * 1000
    )
    wall = time.perf_counter() - started
    server_cpu = _cpu(psutil.Process(server.pid)) - server_cpu
    browser_cpu = _cpu(psutil.Process()) - browser_cpu
    figures = page.evaluate(FIGURES)
    context.close()
    paths = [(urlsplit(u), n) for u, n in answers]
    plots = sum(n for u, n in paths if u.path == "/v1/queue:scores" or "limit=200" in u.query)
    return {
        "wall_s": round(wall, 3),
        "server_cpu_s": round(server_cpu, 3),
        "client_cpu_s": round(browser_cpu, 3),
        "bytes": sum(n for _, n in paths),
        "plot_bytes": plots,
        "plot_requests": sum(1 for u, _ in paths if u.path == "/v1/queue:scores" or "limit=200" in u.query),
        "figures": figures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.moderator_plots")
    parser.add_argument("--db", type=Path, required=True, help="the SQLite store (filled when it is new)")
    parser.add_argument("--old", type=Path, required=True, help="a checkout of the code before")
    parser.add_argument("--new", type=Path, default=_REPO, help="a checkout of the code after")
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--chars", type=int, default=2000)
    parser.add_argument("--verdicts", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    codes = {"old": args.old.resolve(), "new": args.new.resolve()}
    args.db = args.db.resolve()  # each server runs in its checkout
    log = args.db.with_suffix(".log")
    if not args.db.exists():
        proc, base = _serve(codes["new"], args.db, log)
        try:
            fill(base, args.items, args.chars, args.verdicts)
        finally:
            _stop(proc)
    results: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for r in range(args.rounds):
            for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
                proc, base = _serve(codes[name], args.db, log)
                try:
                    run = sign_in(browser, base, proc)
                finally:
                    _stop(proc)
                results[name].append(run)
                shown = {k: v for k, v in run.items() if k != "figures"}
                print(name, json.dumps(shown), "load", os.getloadavg()[0], flush=True)
        browser.close()
    same = all(o["figures"] == n["figures"] for o, n in zip(results["old"], results["new"], strict=True))
    print("plots' figures identical old vs new:", same, "-", results["new"][0]["figures"]["basis"])
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
