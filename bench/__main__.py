"""Run every stage benchmark in turn: parser, scorer, distinct-comment stream, batch CLI, languages,
single-comment REST requests, obfuscated abuse (bench.evasion)."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

STAGES = ("parse", "score", "stream", "batch", "languages", "rest", "evasion")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--articles-dir", type=Path, default=Path("../shared/articles"))
    parser.add_argument("--only", choices=STAGES, action="append", help="run only these stages")
    args = parser.parse_args()
    failures = 0
    for stage in args.only or STAGES:
        print(f"\n=== bench.{stage} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{stage}")
        rc = module.main(data_dir=args.data_dir, articles_dir=args.articles_dir)
        print(f"(bench.{stage} took {time.perf_counter() - started:.1f}s)", flush=True)
        failures += int(rc != 0)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
