"""Batch-scoring throughput: `moderate score` over a 10,000-page corpus with --jobs 1 and --jobs 2.

The corpus is 10,000 hard links (symlinks across filesystems) to the seeds and the shared article pages
(.html and the text renderings), cycled, in 100 directories of 100 pages: no page bytes are copied.
Both runs go through the same code path as the CLI (service.batch.score_paths). Workers are warmed
up first (loky start + one model load per worker), so the figures compare steady-state throughput;
the warm-up cost is printed separately. When 10,000 pages would take longer than the time budget,
both runs score the same leading directories (same mix of pages) and the bench says so.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.batch import BatchConfig, Summary, score_paths
from service.settings import Settings

CORPUS_PAGES = 10_000
PER_DIR = 100
BUDGET_S = float(os.environ.get("BENCH_BATCH_BUDGET_S", "35"))  # per measured run
REPO = Path(__file__).resolve().parent.parent


def source_pages(articles_dir: Path) -> list[Path]:
    seeds = sorted((REPO / "seeds").glob("*.txt"))
    shared = sorted(p for p in articles_dir.rglob("*") if p.is_file() and p.name != "INDEX.md")
    return seeds + shared


def build_corpus(root: Path, sources: list[Path], n: int = CORPUS_PAGES) -> list[Path]:
    """n page entries cycling over `sources`, in n / PER_DIR directories; returns the directories."""
    dirs = []
    for d in range(-(-n // PER_DIR)):
        sub = root / f"{d:03d}"
        sub.mkdir()
        dirs.append(sub)
        for i in range(d * PER_DIR, min(n, (d + 1) * PER_DIR)):
            src = sources[i % len(sources)]
            dst = sub / f"{i:05d}_{src.name}"
            try:
                os.link(src, dst)
            except OSError:
                dst.symlink_to(src.resolve())
    return dirs


def _run(dirs: list[Path], config: BatchConfig, jobs: int) -> Summary:
    with open(os.devnull, "w", encoding="utf-8") as sink:
        return score_paths(dirs, config, sink, jobs=jobs, progress_stream=sys.stderr)


def _mib(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"


def main(data_dir: Path, articles_dir: Path, *, scorer_factory: Callable[[Path], Any] | None = None) -> int:
    del data_dir  # the batch bench needs only pages
    settings = Settings()
    config = BatchConfig.from_settings(settings, scorer_factory=scorer_factory)
    sources = source_pages(articles_dir)
    load_before = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load_before[0]:.2f} before the bench")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        started = time.perf_counter()
        dirs = build_corpus(Path(tmp), sources)
        print(
            f"corpus: {CORPUS_PAGES:,} pages from {len(sources)} distinct files "
            f"(5 seeds + {len(sources) - 5} shared page renderings) in {len(dirs)} directories, "
            f"built in {time.perf_counter() - started:.1f}s"
        )

        # Warm up: one directory in process (loads the model here), then calibrate on a warm one ...
        t0 = time.perf_counter()
        _run(dirs[:1], config, jobs=1)
        print(f"warm-up --jobs 1 (incl. model load): {time.perf_counter() - t0:.2f}s for {PER_DIR} pages")
        probe = _run(dirs[1:2], config, jobs=1)
        rate = probe.files / max(probe.elapsed, 1e-9)
        n_dirs = max(2, min(len(dirs), int(rate * BUDGET_S) // PER_DIR))
        # ... and two directories over 2 workers (starts loky, loads the model once per worker).
        t0 = time.perf_counter()
        _run(dirs[-2:], config, jobs=2)
        print(f"warm-up --jobs 2 (start 2 workers, load the model in each): {time.perf_counter() - t0:.2f}s")
        subset = dirs[:n_dirs]
        if n_dirs < len(dirs):
            print(
                f"note: at ~{rate:.0f} pages/s on one core, 10,000 pages would take "
                f"~{CORPUS_PAGES / rate:.0f}s; both runs use the first {n_dirs * PER_DIR:,} pages "
                f"(same mix) to stay within {BUDGET_S:.0f}s per run (BENCH_BATCH_BUDGET_S=600 for all)"
            )

        results = {}
        for jobs in (1, 2):
            s = _run(subset, config, jobs=jobs)
            results[jobs] = s
            c = s.counts
            print(
                f"--jobs {jobs}: {s.files:,} pages ({c['pages_with_comments']:,} with comments), "
                f"{c['comments_scored']:,} comments, {c['file_errors']} errors in {s.elapsed:.2f}s: "
                f"{s.files / s.elapsed:,.1f} pages/s, {c['comments_scored'] / s.elapsed:,.1f} comments/s"
            )
        one, two = results[1], results[2]
        ratio = (two.files / two.elapsed) / (one.files / one.elapsed)
        print(f"scaling --jobs 2 / --jobs 1: {ratio:.2f}x (target >= 1.8 on 2 idle cores)")
        parent_pid = os.getpid()
        workers = {pid: rss for pid, rss in two.worker_peak_rss.items() if pid != parent_pid}
        print(
            "peak RSS per worker (--jobs 2): "
            + ", ".join(f"pid {pid}: {_mib(rss)}" for pid, rss in sorted(workers.items()))
        )
        print(f"peak RSS of the --jobs 1 process (bench + model): {_mib(one.worker_peak_rss[parent_pid])}")
        # CPU time does not depend on what else runs on the machine: it shows the cost of going parallel.
        cpu1 = sum(one.worker_cpu.values())
        cpu2 = sum(workers_cpu := [cpu for pid, cpu in two.worker_cpu.items() if pid != parent_pid])
        print(
            f"CPU per page: --jobs 1 {1000 * cpu1 / one.files:.1f} ms, --jobs 2 workers "
            f"{1000 * cpu2 / two.files:.1f} ms; busiest worker {max(workers_cpu):.1f}s of {cpu2:.1f}s CPU"
        )
        print(
            f"projected scaling on 2 idle cores (--jobs 1 CPU / busiest worker CPU): "
            f"{cpu1 / max(workers_cpu):.2f}x"
        )
    load_after = os.getloadavg()
    print(
        f"load average {load_after[0]:.2f} after the bench: other helpers share these 2 cores, "
        "so the figures (the scaling ratio most of all) are noisy"
    )
    return 1 if (one.counts["file_errors"] or two.counts["file_errors"]) else 0
