"""What the `moderate score` tests (tests/service/test_batch*.py) share: fake scorers and factories a
worker process can import, the mixed input directory and runs of it, and the CLI driven in process
and as a subprocess."""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from service import batch
from tests.fakes import FakeScorer

# A few real pages with comments and a few without, in all three renderings (.html, .w3m, .inscriptis).
SITES = ("lemire.me", "news.ycombinator.com", "barbadostoday.bb", "johndcook.com")


def fake_factory(model_dir: Path) -> FakeScorer:
    return FakeScorer(model_dir=model_dir)


def family_factory(model_dir: Path) -> FakeScorer:
    from tests.fakes import FAMILY

    return FakeScorer(model_dir=model_dir, attributes=FAMILY)


COMMENTS_JSONL = [
    {"id": "c1", "text": "The tide tables in this article are wrong.", "article_id": "a1",
     "article": {"title": "Tides", "body": "The tide tables and the moon."}},
    {"id": "c2", "text": "You are an idiot, a moron.", "article_id": "a1"},
    "this line is not json",
    {"id": "c3", "text": "Cheap watches for sale here"},
    [1, 2, 3],
    {"id": "c4", "text": "   "},
    {"id": 7.5, "text": "a fraction is no id"},
    {"id": "c5", "text": "The moon moves the tide.", "article_id": "a1"},
    {"id": "c6", "text": "stupid", "article_id": "b2", "article": "not an object"},
]  # fmt: skip


def write_jsonl(path: Path, items: list[Any]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write((item if isinstance(item, str) else json.dumps(item)) + "\n")
        fh.write("\n")  # a trailing blank line is not an error


@pytest.fixture(scope="session")
def mixed_dir(tmp_path_factory, seeds_dir: Path, articles_dir: Path) -> tuple[Path, dict[str, str]]:
    """A tree mixing real pages, a comments export and every kind of broken entry.

    Returns the root and, for each entry that must show up in the output, what it must show up as.
    """
    root = tmp_path_factory.mktemp("batch") / "in"
    root.mkdir()
    expect: dict[str, str] = {}
    shutil.copytree(seeds_dir, root / "seeds")
    for f in sorted((root / "seeds").iterdir()):
        expect[str(f)] = "page"
    for site in SITES:
        shutil.copytree(articles_dir / site, root / "articles" / site)
        for f in sorted((root / "articles" / site).iterdir()):
            expect[str(f)] = "page"
    write_jsonl(root / "comments.jsonl", COMMENTS_JSONL)
    expect[str(root / "comments.jsonl")] = "jsonl"
    broken = root / "broken"
    broken.mkdir()
    (broken / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    expect[str(broken / "image.png")] = "error:PNG"
    (broken / "empty.txt").write_bytes(b"")
    expect[str(broken / "empty.txt")] = "error:empty"
    with (broken / "huge.txt").open("wb") as fh:  # 50 MB of real text, over the 20 MiB page limit
        chunk = (seeds_dir / SEEDS[0]).read_bytes()
        fh.write(chunk * (50 * 1024 * 1024 // len(chunk) + 1))
    expect[str(broken / "huge.txt")] = "error:over the page limit"
    (broken / "dangling.html").symlink_to(broken / "does-not-exist.html")
    expect[str(broken / "dangling.html")] = "error:dangling symlink"
    (broken / "self-loop.txt").symlink_to(broken / "self-loop.txt")
    expect[str(broken / "self-loop.txt")] = "error:symlink loop"
    (broken / "loop").symlink_to(root)  # a directory symlink back to an ancestor
    expect[str(broken / "loop")] = "skipped:already walked"
    os.mkfifo(broken / "pipe.txt")  # opening a FIFO would block forever: must be refused from stat
    expect[str(broken / "pipe.txt")] = "error:FIFO"
    locked = broken / "locked.txt"
    locked.write_text("Title\n\nBody of a page nobody may read.\n")
    locked.chmod(0)
    # root reads a chmod-000 file anyway; then it is simply a page (the FIFO and links cover "unreadable")
    expect[str(locked)] = "page" if os.geteuid() == 0 else "error:permission denied"
    (root / "empty-dir").mkdir()
    return root, expect


SEEDS = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))


def args_for(*paths: str | Path, **kw: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    batch.add_arguments(parser)
    argv = [str(p) for p in paths]
    for k, v in kw.items():
        argv += [f"--{k.replace('_', '-')}", str(v)]
    return parser.parse_args(argv)


def run_batch(capsys, *paths: str | Path, factory=fake_factory, **kw: Any) -> tuple[int, str, str]:
    rc = batch.run(args_for(*paths, **kw), scorer_factory=factory)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def rows_of(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(scope="session")
def local_run(mixed_dir) -> tuple[int, str, str]:
    """The reference run (--jobs 1, in process), shared by the checks below."""
    root, _ = mixed_dir
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = batch.run(args_for(root), scorer_factory=fake_factory)
    return rc, out.getvalue(), err.getvalue()


def _measured_run(tmp_path: Path, lines: int, jobs: int) -> tuple[int, int]:
    """(peak bytes this process allocated scoring an export of `lines` 20-comment threads, output bytes)."""
    import tracemalloc

    from service.settings import Settings

    sentence = "The council should fix the roads before it spends more on a stadium nobody asked for. "
    write_jsonl(
        tmp_path / "export.jsonl",
        [{"id": f"c{i}", "text": f"{i} {sentence * 3}", "article_id": f"a{i // 20}"} for i in range(lines)],
    )
    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=family_factory)
    if jobs == 1:
        batch.get_scorer(config)  # (the fake model loaded outside the measure)
    out = tmp_path / "scores.jsonl"
    with out.open("w", encoding="utf-8") as sink:
        tracemalloc.start()
        try:
            summary = batch.score_paths([tmp_path / "export.jsonl"], config, sink, jobs=jobs)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert summary.counts["comments_scored"] == lines and summary.errors == 0
    assert len(rows_of(out.read_text(encoding="utf-8"))) == lines
    return peak, out.stat().st_size


class SlowScorer(FakeScorer):
    def score(self, texts, article=None, *, use_thread=True, same_source=False):

        time.sleep(0.1)  # deliberate: a run long enough for a signal to land mid-way
        return super().score(texts, article, use_thread=use_thread)


def slow_factory(model_dir: Path) -> SlowScorer:
    return SlowScorer(model_dir=model_dir)


class CrashingScorer(FakeScorer):
    """A bug in the model code: an unexpected exception, which costs its file an InternalError row."""

    def score(self, texts, article=None, *, use_thread=True, same_source=False):
        raise RuntimeError("a bug in the scorer")


def crashing_factory(model_dir: Path) -> CrashingScorer:
    return CrashingScorer(model_dir=model_dir)


REPO = Path(__file__).resolve().parents[2]


def moderate(*argv: object, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *map(str, argv)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def real_runs(mixed_dir, tmp_path_factory) -> dict[str, tuple[int, str, str]]:
    """`moderate score` with the shipped model, --jobs 1 and --jobs 2, each written with --out."""
    root, _ = mixed_dir
    out_dir = tmp_path_factory.mktemp("real")
    runs = {}
    for jobs in (1, 2):
        out = out_dir / f"jobs{jobs}.jsonl"
        proc = moderate("score", root, "--jobs", jobs, "--out", out)
        runs[f"jobs{jobs}"] = (proc.returncode, out.read_text(encoding="utf-8"), proc.stderr)
    return runs


class _Stdin(io.BytesIO):
    """sys.stdin's binary buffer over `data`; `tell()` after the run is how much of it was read."""


def _pipe_in(monkeypatch, data: bytes | None) -> _Stdin | None:
    stream = None if data is None else _Stdin(data)
    monkeypatch.setattr(sys, "stdin", None if stream is None else io.TextIOWrapper(stream))
    return stream
