"""`moderate eval --data-dir D`: held-out quality against floors pinned in training/floors.json.

Every evaluation trains a fresh model with the SAME recipe as `moderate train` (cross-validated C,
Platt calibration, out-of-fold F1 threshold) on data that excludes its test set, then reports
ROC AUC, PR AUC and precision / recall / F1 at that threshold:

- ``insult/kaggle_public``: trained on Kaggle train.csv only, tested on test_with_solutions.csv.
- ``insult/c3_by_article``: trained on both Kaggle files plus the C3 comments of ~80% of the
  articles (with their 1-vote weak positives, as ``moderate train`` does), tested on the C3
  comments of the other articles (personal_attack >= 2 votes vs 0 votes); no article is on both
  sides (split by a hash of article_id). OLID's weak rows (tweets) are added as `moderate train` does.

Any metric below its floor exits 1. Lowering a floor is a deliberate, visible edit of floors.json.
Other attributes plug in through ``EVALUATIONS``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

FLOORS_PATH = Path(__file__).with_name("floors.json")
Progress = Callable[[str], None]
Metrics = dict[str, float]


def binary_metrics(y: Sequence[int] | np.ndarray, p: np.ndarray, threshold: float) -> Metrics:
    from sklearn.metrics import average_precision_score, precision_recall_fscore_support, roc_auc_score

    y_arr = np.asarray(y)
    pred = (p >= threshold).astype(int)
    precision, recall, f1, _ = precision_recall_fscore_support(y_arr, pred, average="binary", zero_division=0)
    return {
        "roc_auc": float(roc_auc_score(y_arr, p)),
        "pr_auc": float(average_precision_score(y_arr, p)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "threshold": float(threshold),
        "n": len(y_arr),
        "positives": int(y_arr.sum()),
    }


def in_test_split(article_id: str | None, percent: int = 20) -> bool:
    """Deterministic article split: sha256(article_id) mod 100 < percent -> test."""
    digest = hashlib.sha256(str(article_id).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def eval_insult_kaggle(data_dir: Path, progress: Progress) -> Metrics:
    from training import corpora as C
    from training.train import INSULT_CONFIG, fit_linear

    train = C.load_kaggle(data_dir / C.KAGGLE_DIR / "train.csv")
    test = C.load_kaggle(data_dir / C.KAGGLE_DIR / "test_with_solutions.csv")
    progress(f"  train: {train.summary()}")
    model, _, _, threshold = fit_linear([train], INSULT_CONFIG, progress, "kaggle_public")
    return binary_metrics(test.labels, model.predict_proba(list(test.texts))[:, 1], threshold)


def eval_insult_c3(data_dir: Path, progress: Progress) -> Metrics:
    from training import corpora as C
    from training.train import C3_WEAK_WEIGHT, INSULT_CONFIG, fit_linear, olid_corpora

    c3_path = data_dir / C.C3_DIR / "C3_anonymized.csv"
    c3 = C.c3_corpus(c3_path, "personal_attack")
    weak = C.c3_weak_positives(c3_path, "personal_attack", votes=1, weight=C3_WEAK_WEIGHT)
    weak_train = weak.subset([i for i, a in enumerate(weak.article_ids) if not in_test_split(a)])
    test_idx = [i for i, a in enumerate(c3.article_ids) if in_test_split(a)]
    train_idx = [i for i, a in enumerate(c3.article_ids) if not in_test_split(a)]
    c3_train, c3_test = c3.subset(train_idx, "c3/personal_attack/train"), c3.subset(test_idx)
    assert not set(c3_train.article_ids) & set(c3_test.article_ids)
    corpus_list = [
        C.load_kaggle(data_dir / C.KAGGLE_DIR / "train.csv"),
        C.load_kaggle(data_dir / C.KAGGLE_DIR / "test_with_solutions.csv"),
        c3_train,
        weak_train,
        *olid_corpora(data_dir),  # tweets, no C3 article in them
    ]
    progress(
        f"  C3 split by article: {len(set(c3_train.article_ids))} train / "
        f"{len(set(c3_test.article_ids))} test articles, {len(c3_test)} test comments"
    )
    model, _, _, threshold = fit_linear(corpus_list, INSULT_CONFIG, progress, "c3_by_article")
    return binary_metrics(c3_test.labels, model.predict_proba(list(c3_test.texts))[:, 1], threshold)


# name -> evaluation; each returns metrics compared with floors.json[name].
def eval_off_topic_standfirst_swap(data_dir: Path, progress: Progress) -> Metrics:
    from training.offtopic import eval_standfirst_swap

    return eval_standfirst_swap(data_dir, progress)


def eval_off_topic_omp(data_dir: Path, progress: Progress) -> Metrics:
    from training.offtopic import eval_omp_offtopic

    return eval_omp_offtopic(data_dir, progress)


def eval_off_topic_seed_decisions(data_dir: Path, progress: Progress) -> Metrics:
    from training.offtopic import eval_seed_decisions

    return eval_seed_decisions(data_dir, progress)


EVALUATIONS: dict[str, Callable[[Path, Progress], Metrics]] = {
    "insult/kaggle_public": eval_insult_kaggle,
    "insult/c3_by_article": eval_insult_c3,
    # off_topic: one model retrained on the training articles serves all three (training/offtopic.py).
    "off_topic/standfirst_swap": eval_off_topic_standfirst_swap,
    "off_topic/omp_offtopic": eval_off_topic_omp,
    "off_topic/seed_decisions": eval_off_topic_seed_decisions,
}


def _language_evaluation(name: str) -> Callable[[Path, Progress], Metrics]:
    def run(data_dir: Path, progress: Progress) -> Metrics:
        from training.languages import evaluate_held_out

        return evaluate_held_out(data_dir, name, progress)

    return run


def eval_english_kept(data_dir: Path, progress: Progress) -> Metrics:
    from training.languages import evaluate_english_kept

    return evaluate_english_kept(data_dir, progress)


# German, French and Arabic (training/languages.py): held-out parts, languages detected, not given.
_LANGUAGE_SETS = (
    "toxicity/de_germeval",
    "toxicity/de_omp_inappropriate",
    "toxicity/fr_mlma",
    "toxicity/ar_mlma",
    "insult/de_germeval",
    "insult/fr_mlma",
    "insult/ar_mlma",
)
EVALUATIONS.update({name: _language_evaluation(name) for name in _LANGUAGE_SETS})
EVALUATIONS["insult/en_routed"] = eval_english_kept


# Corpus files each evaluation reads, checked before any of them trains (a missing OLID file used
# to surface only after insult/kaggle_public had trained, and lose its results).
_KAGGLE = ("kaggle-insults-2012/train.csv", "kaggle-insults-2012/test_with_solutions.csv")
_C3 = "c3-constructive-comments/C3_anonymized.csv"
_OFF_TOPIC = (_C3, "one-million-posts/posts_labeled_wide.csv", "dragnet-pages/100.gold.txt")
REQUIRED_FILES: dict[str, tuple[str, ...]] = {
    "insult/kaggle_public": _KAGGLE,
    "insult/c3_by_article": (*_KAGGLE, _C3, "olid-offenseval-2019/olid-training-v1.0.tsv"),
    "off_topic/standfirst_swap": _OFF_TOPIC,
    "off_topic/omp_offtopic": _OFF_TOPIC,
    "off_topic/seed_decisions": _OFF_TOPIC,
}
_LANGUAGE_FILES = (
    "germeval-2018/germeval2018.training.txt",
    "one-million-posts/posts_labeled_wide.csv",
    "mlma-hate-speech/fr_dataset.csv",
    "mlma-hate-speech/ar_dataset.csv",
)
REQUIRED_FILES.update({name: _LANGUAGE_FILES for name in _LANGUAGE_SETS})
REQUIRED_FILES["insult/en_routed"] = (*_LANGUAGE_FILES, *_KAGGLE)


def load_floors(path: Path = FLOORS_PATH) -> dict[str, dict[str, float]]:
    """The ``floors`` table, checked: every evaluation name is known and every floor is a number in
    (0, 1]. A misspelt evaluation name would otherwise check nothing, silently."""
    from service.errors import ConfigurationError

    try:
        floors = json.loads(path.read_text(encoding="utf-8"))["floors"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"cannot read floors from {path}: {exc!r}") from exc
    if not isinstance(floors, dict):
        raise ConfigurationError(f"{path}: 'floors' must map evaluation names to metric floors")
    unknown = sorted(set(floors) - set(EVALUATIONS))
    if unknown:
        raise ConfigurationError(
            f"{path}: floors for unknown evaluations {unknown} would check nothing; "
            f"known: {sorted(EVALUATIONS)}"
        )
    for name, metric_floors in floors.items():
        if not isinstance(metric_floors, dict) or not metric_floors:
            raise ConfigurationError(f"{path}: {name} must map metric names to floors")
        for metric, floor in metric_floors.items():
            if isinstance(floor, bool) or not isinstance(floor, int | float) or not 0 < floor <= 1:
                raise ConfigurationError(f"{path}: {name} {metric} floor {floor!r} is not a number in (0, 1]")
    return floors


def compare(results: dict[str, Metrics], floors: dict[str, dict[str, float]]) -> list[str]:
    """Failure messages, one per metric below its floor (or floored but not measured)."""
    failures = [
        f"{name}: no floor in the floors file, nothing is checked" for name in results if name not in floors
    ]
    for name, metric_floors in floors.items():
        if name not in results:
            continue  # evaluation not selected in this run
        for metric, floor in metric_floors.items():
            value = results[name].get(metric)
            if value is None:
                failures.append(f"{name}: {metric} has a floor but was not measured")
            elif not value >= floor:  # NaN (an undefined AUC) fails too, it does not pass silently
                failures.append(f"{name}: {metric} {value:.4f} < floor {floor:.4f}")
    return failures


def format_table(results: dict[str, Metrics], floors: dict[str, dict[str, float]]) -> list[str]:
    cols = ("roc_auc", "pr_auc", "precision", "recall", "f1")
    lines = [f"{'evaluation':<30} {'n':>5} {'pos':>4} " + " ".join(f"{c:>14}" for c in cols) + "  threshold"]
    for name, m in results.items():
        cells = []
        for c in cols:
            floor = floors.get(name, {}).get(c)
            value = m.get(c, float("nan"))  # off_topic's evaluations report AUCs, not P/R at a threshold
            mark = "" if floor is None else ("!" if not value >= floor else " ")
            cells.append(f"{value:.4f}{'' if floor is None else f' (>={floor:.2f})'}{mark}".rjust(14))
        lines.append(f"{name:<30} {int(m['n']):>5} {int(m['positives']):>4} " + " ".join(cells))
        lines[-1] += f"  {m.get('threshold', float('nan')):.3f}"
        # Other metrics with a floor (e.g. off_topic's AUC within length bins) get a line of their own.
        for metric, floor in floors.get(name, {}).items():
            if metric not in cols and metric in m:
                mark = "!" if m[metric] < floor else " "
                lines.append(f"  {metric:<40} {m[metric]:.4f} (>={floor:.2f}){mark}")
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, required=True, help="directory holding the corpora")
    parser.add_argument("--only", action="append", choices=sorted(EVALUATIONS), help="run only these")
    parser.add_argument("--floors", type=Path, default=FLOORS_PATH, help="floors file (default: pinned)")
    parser.add_argument("--json", type=Path, help="also write the metrics as JSON here")


def run(args: argparse.Namespace) -> int:
    from service.errors import TrainingDataError

    if not args.data_dir.is_dir():
        raise TrainingDataError(f"data dir {args.data_dir} not found (set DATA_DIR=... for make eval)")
    floors = load_floors(args.floors)  # before minutes of training: a bad floors file fails now
    names = list(args.only or EVALUATIONS)
    missing = sorted(
        {f for n in names for f in REQUIRED_FILES.get(n, ()) if not (args.data_dir / f).is_file()}
    )
    if missing:
        raise TrainingDataError(f"corpus files missing under {args.data_dir}: {missing} (set DATA_DIR=...)")
    if args.json and not args.json.parent.is_dir():
        raise TrainingDataError(f"--json {args.json}: directory {args.json.parent} not found")
    results: dict[str, Metrics] = {}
    for name in names:
        started = time.perf_counter()
        print(f"evaluating {name}", flush=True)
        results[name] = EVALUATIONS[name](args.data_dir, lambda msg: print(msg, flush=True))
        print(f"  {name} took {time.perf_counter() - started:.0f}s", flush=True)
    print()
    for line in format_table(results, floors):
        print(line)
    if args.json:
        out: dict[str, Any] = {"results": results, "floors": floors}
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    failures = compare(results, floors)
    if failures:
        print("\nBELOW FLOOR:")
        for f in failures:
            print(f"  {f}")
        return 1
    print("\nall metrics at or above their floors")
    return 0
