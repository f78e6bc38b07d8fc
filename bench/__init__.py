"""Benchmarks. `make bench` runs every stage's benchmark and prints figures, with ratios against a
baseline measured in the same run. Never timed inside unit tests."""

from __future__ import annotations

from training.cli import require_folder

__all__ = ["require_folder"]
