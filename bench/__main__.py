"""Run every stage benchmark in turn: parser, scorer, distinct-comment stream, batch CLI, languages,
single-comment REST requests, obfuscated abuse (bench.evasion)."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from bench import require_folder

STAGES = ("parse", "score", "stream", "batch", "languages", "rest", "evasion")
# The stages that read the article pages; the others read the labelled corpora.
ARTICLE_STAGES = frozenset({"parse", "batch"})


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--articles-dir", type=Path, default=Path("../shared/articles"))
    parser.add_argument("--only", choices=STAGES, action="append", help="run only these stages")
    args = parser.parse_args()
    stages = args.only or STAGES
    for stage in stages:  # every folder checked before the first stage runs
        if stage in ARTICLE_STAGES:
            hint = "set ARTICLES_DIR=... (make bench) or pass --articles-dir"
            require_folder(parser.prog, args.articles_dir, hint)
        else:
            require_folder(parser.prog, args.data_dir, "set DATA_DIR=... (make bench) or pass --data-dir")
    failures = 0
    for stage in stages:
        print(f"\n=== bench.{stage} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{stage}")
        rc = module.main(data_dir=args.data_dir, articles_dir=args.articles_dir)
        print(f"(bench.{stage} took {time.perf_counter() - started:.1f}s)", flush=True)
        failures += int(rc != 0)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
