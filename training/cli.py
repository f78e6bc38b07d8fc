"""`moderate train --data-dir D (--out DIR | --versions-dir DIR) [--feedback SQLITE|URL] [--decisions CSV]
[--attribute NAME]`. `make train` uses --versions-dir: each run publishes a new version beside the
shipped model, never over it."""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model.versions import VersionRegistry


def require_folder(prog: str, path: Path, hint: str) -> None:
    """Stop a command-line tool before it starts when a folder of the shared corpora it reads is missing:
    one line naming the folder and how to give another (`hint`), exit status 1. Without it a checkout
    with no ../shared got a traceback mid-run (`make train-parse`: numpy's "need at least one array to
    concatenate"), or a run over nothing that looked like a result."""
    if not path.is_dir():
        raise SystemExit(f"{prog}: {path} not found (the shared corpora); {hint}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, required=True, help="directory holding the corpora")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="artifact directory to (re)write")
    where.add_argument(
        "--versions-dir",
        type=Path,
        help="publish a NEW version as VERSIONS_DIR/<model_version>/ (never over the shipped model or "
        "another version); the service lists it at GET /v1/models and serves it once activated",
    )
    parser.add_argument(
        "--model-dir",
        type=Path,
        help="with --versions-dir: the shipped model (MODERATION_MODEL_DIR), listed as the first version",
    )
    parser.add_argument(
        "--feedback",
        help="moderators' verdicts: the service's SQLite file, or postgresql://user@host/db (replicas)",
    )
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


def _registry(args: argparse.Namespace) -> VersionRegistry:
    from model.versions import VersionRegistry
    from service.settings import command_settings

    shipped = args.model_dir if args.model_dir is not None else command_settings("train").model_dir
    return VersionRegistry(shipped, args.versions_dir)


def _refuse_a_published_version(out: Path) -> None:
    """``--out`` must not rewrite a published version: a version is the artifact its name says (ACTIVE,
    queue items and GET /v1/models name it), so new files under an old name served something else
    under that name, and the next start refused (ACTIVE named a version no longer there)."""
    from core.errors import ModelError
    from model.versions import ACTIVE_FILE
    from service.settings import command_settings

    parent = Path(out).absolute().parent
    versions_dir = command_settings("train").versions_dir
    if (parent / ACTIVE_FILE).exists() or parent.resolve() == versions_dir.resolve():
        raise ModelError(
            f"{out} is in the model versions directory {parent}: a published version is never "
            f"rewritten; train a new one with --versions-dir {parent} (then activate it)"
        )


def run(args: argparse.Namespace) -> int:
    from core.errors import TrainingDataError
    from training.train import TRAINERS, TrainingRequest, train_artifact

    if not args.data_dir.is_dir():
        raise TrainingDataError(f"data dir {args.data_dir} not found (set DATA_DIR=... for make train)")
    unknown = [a for a in args.attribute or () if a not in TRAINERS]
    if unknown:
        raise TrainingDataError(f"no trainer for {unknown}; known: {sorted(TRAINERS)}")
    from service.storage.engine import is_database_url

    feedback = args.feedback
    if feedback is not None and not is_database_url(feedback):
        feedback = Path(feedback)
    for path, what in [
        (feedback if isinstance(feedback, Path) else None, "feedback database"),
        *((d, "decisions file") for d in args.decisions),
    ]:
        if path is not None and not path.is_file():
            raise TrainingDataError(f"{what} {path} not found")
    started = time.perf_counter()
    request = TrainingRequest(data_dir=args.data_dir, feedback=feedback, decisions=tuple(args.decisions))
    if args.out is not None:
        _refuse_a_published_version(args.out)
        out, carry_from = args.out, None
    else:
        registry = _registry(args)
        out = registry.build_dir()
        carry_from = registry.active_dir()  # --attribute keeps the others from the version served
    try:
        manifest = train_artifact(
            request,
            out,
            attributes=args.attribute,
            progress=lambda msg: print(msg, flush=True),
            carry_from=carry_from,
        )
    except BaseException:
        if args.versions_dir is not None:
            shutil.rmtree(out, ignore_errors=True)
        raise
    total = sum({e["file"]: e["bytes"] for e in manifest["attributes"].values()}.values())
    new = True
    if args.out is None:
        published, new = registry.publish(out)
        out = published.path
    seconds = time.perf_counter() - started
    if new:
        print(f"wrote model {manifest['model_version']} to {out} ({total / 1e6:.1f} MB) in {seconds:.0f}s")
    else:  # the same files as a version already there: nothing was written
        print(
            f"trained model {manifest['model_version']} in {seconds:.0f}s: it is already a version "
            f"({out}), nothing new published"
        )
    if args.out is None:
        print(
            f"serve it: POST /v1/models/{manifest['model_version']}:activate (token); "
            "GET /v1/models lists the versions"
        )
    for name, entry in manifest["attributes"].items():
        m = entry["metrics"]
        print(f"  {name}: CV ROC AUC {m.get('cv_roc_auc_mean')}, threshold {entry['threshold']:.3f}")
    return 0
