"""Benchmarks. `make bench` runs every stage's benchmark and prints figures, with ratios against a
baseline measured in the same run. Never timed inside unit tests."""

from __future__ import annotations

from pathlib import Path


def require_folder(prog: str, path: Path, hint: str) -> None:
    """Stop a benchmark before it starts when a folder of the shared corpora it reads is missing: one line
    naming the folder and how to give another (`hint`), exit status 1. Without it a checkout with no
    ../shared got a loader's traceback mid-run, or a run over nothing that looked like a result."""
    if not path.is_dir():
        raise SystemExit(f"{prog}: {path} not found (the shared corpora); {hint}")
