"""Scoring speed on a stream of comments that never repeat, against alt-profanity-check in the same run.

Every figure is measured in a FRESH process (cold caches: nothing warmed by an earlier pass), pinned to
one core, on the same distinct comments (C3, OLID, Davidson and Kaggle train, de-duplicated):

- in-process: each attribute's model alone, and the Scorer with every attribute together, in 20-comment
  threads and in single-comment threads, against alt-profanity-check's ``predict_prob`` on the same texts;
- end to end: ``moderate score FILE.jsonl --jobs 1`` (threads of 20 by ``article_id``) against a script
  that reads the same JSONL, runs alt-profanity-check and writes JSONL;
- artifact load time and peak RSS of each process.

A labelled second line repeats the Scorer on the same texts in the same process (warm caches): that
figure flatters, and is printed only to show how much.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

N_COMMENTS = int(os.environ.get("BENCH_STREAM_COMMENTS", "40000"))
N_SINGLE = int(os.environ.get("BENCH_STREAM_SINGLE", "4000"))  # single-comment threads are slow: fewer
THREAD_SIZE = 20
REPO = Path(__file__).resolve().parent.parent


def distinct_comments(data_dir: Path, n: int) -> list[str]:
    """n distinct comments from four corpora, shuffled with a fixed seed."""
    from training import corpora as C

    texts: list[str] = []
    texts += [row.text for row in C.read_c3(data_dir / C.C3_DIR / "C3_anonymized.csv")[0]]
    texts += list(C.load_olid(data_dir / C.OLID_DIR / "olid-training-v1.0.tsv").texts)
    texts += list(C.load_davidson(data_dir / C.DAVIDSON_DIR / "labeled_data.csv").texts)
    texts += list(C.load_kaggle(data_dir / C.KAGGLE_DIR / "train.csv").texts)
    seen: set[str] = set()
    unique = [t for t in texts if t.strip() and not (t in seen or seen.add(t))]  # type: ignore[func-returns-value]
    random.Random(20261202).shuffle(unique)
    return unique[:n]


# ---------------------------------------------------------------------------------------------- workers


def _pin_one_core() -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = "1"
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(mode: str, texts_path: Path, model_dir: str | None) -> dict[str, Any]:
    """Runs in a fresh process: load, one pass over the texts, report."""
    _pin_one_core()
    texts = json.loads(texts_path.read_text(encoding="utf-8"))
    out: dict[str, Any] = {"mode": mode, "n": len(texts)}
    if mode == "apc":
        started = time.perf_counter()
        from profanity_check import predict_prob

        out["load_s"] = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        predict_prob(texts)
        out["score_s"] = time.perf_counter() - started
        out["score_cpu_s"] = time.process_time() - cpu
    else:
        from model.score import Scorer
        from service.settings import Settings

        started = time.perf_counter()
        scorer = Scorer.load(Path(model_dir) if model_dir else Settings().model_dir)
        out["load_s"] = time.perf_counter() - started
        out["attributes"] = list(scorer.attributes)
        kind, _, arg = mode.partition(":")
        started, cpu = time.perf_counter(), time.process_time()
        if kind == "attr":  # one attribute's model alone, on the whole stream in one call
            model = scorer.models[arg]
            if hasattr(model, "predict_thread"):
                for i in range(0, len(texts), THREAD_SIZE):
                    model.predict_thread(texts[i : i + THREAD_SIZE], None, True)
            else:
                model.predict_proba(texts)
        else:  # the Scorer, every attribute, in threads of `arg` comments
            size = int(arg)
            for i in range(0, len(texts), size):
                scorer.score(texts[i : i + size])
        out["score_s"] = time.perf_counter() - started
        out["score_cpu_s"] = time.process_time() - cpu
        if kind == "threads" and size == THREAD_SIZE:  # the flattering line: same texts, warm caches
            started = time.perf_counter()
            for i in range(0, len(texts), size):
                scorer.score(texts[i : i + size])
            out["warm_s"] = time.perf_counter() - started
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def _apc_jsonl(src: Path, dst: Path) -> None:
    """The baseline end to end: read the JSONL, score with alt-profanity-check, write JSONL."""
    _pin_one_core()
    from profanity_check import predict_prob

    rows = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines() if line.strip()]
    probs = predict_prob([r["text"] for r in rows])
    with dst.open("w", encoding="utf-8") as fh:
        for row, p in zip(rows, probs, strict=True):
            fh.write(json.dumps({"id": row["id"], "scores": {"profanity": float(p)}}) + "\n")


# ------------------------------------------------------------------------------------------------ driver


def _fresh(args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.stream", *args], capture_output=True, text=True, cwd=REPO, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench worker {args} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the command and every process it waited for)."""
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - started, _children_cpu() - cpu


def _line(label: str, n: int, cpu_s: float, ref_rate: float, wall_s: float, extra: str = "") -> None:
    """Rates per CPU second (the ratio to the baseline holds on a shared machine), wall beside them."""
    rate = n / cpu_s
    print(
        f"  {label:<44} {rate:>9,.0f} comments/s   x{rate / ref_rate:5.2f} of alt-profanity-check"
        f"   (wall {n / wall_s:,.0f}/s){extra}"
    )


def main(data_dir: Path, articles_dir: Path) -> int:
    del articles_dir
    model_dir = os.environ.get("MODERATION_MODEL_DIR")
    texts = distinct_comments(Path(data_dir), N_COMMENTS)
    mean = sum(map(len, texts)) / len(texts)
    print(
        f"{len(texts):,} distinct comments (C3, OLID, Davidson, Kaggle train; mean {mean:.0f} chars); "
        f"every figure from a fresh process on one core; load average {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        all_path, single_path = Path(tmp) / "all.json", Path(tmp) / "single.json"
        all_path.write_text(json.dumps(texts), encoding="utf-8")
        single_path.write_text(json.dumps(texts[:N_SINGLE]), encoding="utf-8")
        common = ["--model-dir", model_dir] if model_dir else []

        def run(mode: str, path: Path) -> dict[str, Any]:
            return _fresh(["--worker", mode, "--texts", str(path), *common])

        ref = run("apc", all_path)
        ref_rate = ref["n"] / ref["score_cpu_s"]
        print("\nin-process, cold caches, comments per CPU second (one core):")
        print(
            f"  {'alt-profanity-check predict_prob':<44} {ref_rate:>9,.0f} comments/s   (baseline)"
            f"   (wall {ref['n'] / ref['score_s']:,.0f}/s)"
        )
        threads = run(f"threads:{THREAD_SIZE}", all_path)
        for attribute in threads["attributes"]:
            r = run(f"attr:{attribute}", all_path)
            _line(f"{attribute} alone", r["n"], r["score_cpu_s"], ref_rate, r["score_s"])
        _line(
            f"every attribute, {THREAD_SIZE}-comment threads",
            threads["n"],
            threads["score_cpu_s"],
            ref_rate,
            threads["score_s"],
            f"   (load {threads['load_s']:.1f}s, peak RSS {threads['peak_rss_mb']:.0f} MB)",
        )
        ref_single = run("apc", single_path)
        single = run("threads:1", single_path)
        _line(
            f"every attribute, single-comment threads (n={single['n']:,})",
            single["n"],
            single["score_cpu_s"],
            ref_single["n"] / ref_single["score_cpu_s"],
            single["score_s"],
        )
        print(
            f"  second line, FLATTERING (same texts again, warm caches): "
            f"{threads['n'] / threads['warm_s']:,.0f} comments/s"
        )

        for threaded in (True, False):
            _end_to_end(texts, Path(tmp), model_dir, threaded=threaded)
    print(
        f"\nload average {os.getloadavg()[0]:.2f} at the end (other jobs on this machine make figures noisy)"
    )
    return 0


def _end_to_end(texts: list[str], tmp: Path, model_dir: str | None, *, threaded: bool) -> None:
    """`moderate score --jobs 1` on the texts as a JSONL export against a script that reads, scores with
    alt-profanity-check and writes the same JSONL: in threads of THREAD_SIZE (lines sharing an
    article_id), or each line alone (no article_id: single-comment threads, as a CMS export of lone
    comments sends them)."""
    shape = f"in threads of {THREAD_SIZE}" if threaded else "each line alone (no article_id)"
    print(f"\nend to end, JSONL {shape}, one process, including load and writing:")
    jsonl = tmp / ("threads.jsonl" if threaded else "lines.jsonl")
    with jsonl.open("w", encoding="utf-8") as fh:
        for i, text in enumerate(texts):
            row = {"id": str(i), "text": text}
            if threaded:
                row["article_id"] = f"a{i // THREAD_SIZE}"
            fh.write(json.dumps(row) + "\n")
    wall_ref, t_ref = _timed(
        [sys.executable, "-m", "bench.stream", "--apc-jsonl", str(jsonl), str(tmp / "a")]
    )
    # `python -m service.cli` is the `moderate` script run from this checkout (cwd=REPO): the
    # installed script would import whichever tree the editable install points at.
    cmd = [
        sys.executable,
        "-m",
        "service.cli",
        "score",
        str(jsonl),
        "--out",
        str(tmp / "m.jsonl"),
        "--jobs",
        "1",
    ]
    env_model = ["--model-dir", model_dir] if model_dir else []
    # The core every other figure and the alt-profanity-check baseline run on (_pin_one_core).
    core = str(sorted(os.sched_getaffinity(0))[-1]) if hasattr(os, "sched_getaffinity") else "0"
    pinned = ["taskset", "-c", core, *cmd, *env_model] if _has_taskset() else cmd + env_model
    wall_mod, t_mod = _timed(pinned)
    n = len(texts)
    print(
        f"  {'alt-profanity-check, read + score + write':<44} {n / t_ref:>9,.0f} comments/s   (baseline)"
        f"   (wall {n / wall_ref:,.0f}/s)"
    )
    _line("moderate score --jobs 1", n, t_mod, n / t_ref, wall_mod)


def _has_taskset() -> bool:
    from shutil import which

    return which("taskset") is not None


def _cli() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stream")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--worker")
    parser.add_argument("--texts", type=Path)
    parser.add_argument("--model-dir")
    parser.add_argument("--apc-jsonl", nargs=2, type=Path)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.texts, args.model_dir)))
        return 0
    if args.apc_jsonl:
        _apc_jsonl(*args.apc_jsonl)
        return 0
    from bench import require_folder

    require_folder(parser.prog, args.data_dir, "pass --data-dir")
    return main(args.data_dir, Path())


if __name__ == "__main__":
    sys.exit(_cli())
