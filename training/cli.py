"""`moderate train --data-dir D --out DIR [--feedback SQLITE] [--decisions CSV] [--attribute NAME]`."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, required=True, help="directory holding the corpora")
    parser.add_argument("--out", type=Path, required=True, help="artifact directory to (re)write")
    parser.add_argument("--feedback", type=Path, help="SQLite database with moderators' verdicts")
    parser.add_argument(
        "--decisions",
        type=Path,
        action="append",
        default=[],
        help="CSV (header text,label[,article_id]) or .jsonl of your moderators' insult decisions "
        "(label 1/0, true/false, yes/no); repeatable; bad rows are counted and reported",
    )
    parser.add_argument(
        "--attribute", action="append", help="train only this attribute (repeatable; default: all)"
    )


def run(args: argparse.Namespace) -> int:
    from service.errors import TrainingDataError
    from training.train import TRAINERS, TrainingRequest, train_artifact

    if not args.data_dir.is_dir():
        raise TrainingDataError(f"data dir {args.data_dir} not found (set DATA_DIR=... for make train)")
    unknown = [a for a in args.attribute or () if a not in TRAINERS]
    if unknown:
        raise TrainingDataError(f"no trainer for {unknown}; known: {sorted(TRAINERS)}")
    for path, what in [
        (args.feedback, "feedback database"),
        *((d, "decisions file") for d in args.decisions),
    ]:
        if path is not None and not path.is_file():
            raise TrainingDataError(f"{what} {path} not found")
    started = time.perf_counter()
    manifest = train_artifact(
        TrainingRequest(data_dir=args.data_dir, feedback=args.feedback, decisions=tuple(args.decisions)),
        args.out,
        attributes=args.attribute,
        progress=lambda msg: print(msg, flush=True),
    )
    total = sum({e["file"]: e["bytes"] for e in manifest["attributes"].values()}.values())
    print(
        f"wrote model {manifest['model_version']} to {args.out} ({total / 1e6:.1f} MB) "
        f"in {time.perf_counter() - started:.0f}s"
    )
    for name, entry in manifest["attributes"].items():
        m = entry["metrics"]
        print(f"  {name}: CV ROC AUC {m.get('cv_roc_auc_mean')}, threshold {entry['threshold']:.3f}")
    return 0
