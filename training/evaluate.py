"""`moderate eval --data-dir D`: held-out quality against floors pinned in training/floors.json.

Every evaluation trains a fresh model with the SAME recipe as `moderate train` (cross-validated C,
Platt calibration, out-of-fold F1 threshold) on data that excludes its test set, then reports
ROC AUC, PR AUC and precision / recall / F1 at that threshold:

- The text family (insult, toxicity, severe_toxicity, identity_attack, profanity, spam,
  unsubstantial; training/heads.py) is trained ONCE on every corpus minus its held-out rows: the C3
  comments of ~20% of the articles (split by a hash of article_id: no article on both sides),
  Kaggle's public test file, one YouTube video, and 20% of the tweets (hash of the text). Each
  ``<head>/<split>`` evaluation measures one head on its held-out rows (``FAMILY_TESTS``).

Any metric below its floor exits 1. Lowering a floor is a deliberate, visible edit of floors.json.
Other attributes plug in through ``EVALUATIONS``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from training import labels as L
from training.fit import Metrics, binary_metrics

FLOORS_PATH = Path(__file__).with_name("floors.json")

Progress = Callable[[str], None]


def in_test_split(article_id: str | None, percent: int = 20) -> bool:
    """Deterministic article split: sha256(article_id) mod 100 < percent -> test."""
    digest = hashlib.sha256(str(article_id).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


# -- the text-attribute family: ONE model trained on every corpus minus its test rows --------------

TEST_VIDEO = L.YOUTUBE_TEST_VIDEO
FAMILY_TESTS: dict[str, tuple[str, tuple[str, ...]]] = {
    # evaluation -> (head, corpora whose held-out rows it is measured on)
    "insult/kaggle_public": ("insult", ("kaggle-2012/test_with_solutions.csv",)),
    "insult/c3_by_article": ("insult", ("c3/personal_attack",)),
    "toxicity/c3_by_article": ("toxicity", ("c3/toxicity_level",)),
    "severe_toxicity/c3_by_article": ("severe_toxicity", ("c3/severe",)),
    "identity_attack/tweets_heldout": ("identity_attack", ("davidson/hate", "olid/grp", "mlma/en-identity")),
    "profanity/tweets_heldout": ("profanity", ("davidson/offensive", "olid/unt")),
    "spam/heldout_video": ("spam", ("youtube-spam",)),
    "unsubstantial/c3_by_article": ("unsubstantial", ("c3/non_relevant",)),
}


def in_family_test(corpus_name: str, text: str, article_id: str | None) -> bool:
    """Held-out rows of the family evaluation: C3 test articles (by article hash), Kaggle's public
    test file, one YouTube video, and 20 % of the tweets (by a hash of the text)."""
    if corpus_name.startswith("c3/"):
        return in_test_split(article_id)
    if corpus_name == "kaggle-2012/test_with_solutions.csv":
        return True
    if corpus_name == "youtube-spam":
        return str(article_id).endswith(TEST_VIDEO)
    if corpus_name.split("/")[0] in ("davidson", "olid", "mlma"):
        return in_test_split(text)
    return False


# Civil news comments (held-out C3 articles, rated not toxic at all: the held-out rows of identity_attack's
# c3/civil corpus) must pass a head at its default review threshold: the share that does, and among
# comments of LONG_WORDS words or more.
CIVIL_TESTS = {"identity_attack/c3_civil_passed": "identity_attack"}
CIVIL_REVIEW = 0.5
LONG_WORDS = 200


_FAMILY_CACHE: dict[Path, dict[str, Metrics]] = {}
# A held-out part: texts, labels and each row's bootstrap group.
HeldOut = tuple[list[str], list[int], list[str]]
_FAMILY_MODEL: dict[Path, tuple[Any, Any, dict[tuple[str, str], HeldOut]]] = {}


def family_on_training_rows(data_dir: Path, progress: Progress) -> Any:
    """The family trained on every corpus minus its held-out rows (cached per data dir): the family
    evaluations measure it, and the language evaluations route to it as the service routes to the
    shipped family (the base of every routed attribute)."""
    return _trained_family(data_dir, progress)[0]


def eval_family(data_dir: Path, progress: Progress) -> dict[str, Metrics]:
    """Train the family once on the training rows (same recipe as `moderate train`) and measure every
    head on its held-out rows; cached per data dir (one training serves every family evaluation)."""
    if data_dir in _FAMILY_CACHE:
        return _FAMILY_CACHE[data_dir]
    family, results, test = _trained_family(data_dir, progress)
    out: dict[str, Metrics] = {}
    for name, (head, sources) in FAMILY_TESTS.items():
        texts = [t for s in sources for t in test[(head, s)][0]]
        labels = [y for s in sources for y in test[(head, s)][1]]
        groups = [g for s in sources for g in test[(head, s)][2]]
        p = family.predict_proba_all(texts)[:, family.names.index(head)]
        out[name] = binary_metrics(labels, p, results[head].threshold, groups)
    from training.heads import C3_CIVIL

    civil = test[("identity_attack", C3_CIVIL)][0]
    long = np.array([len(t.split()) >= LONG_WORDS for t in civil], dtype=bool)
    p_civil = family.predict_proba_all(civil)
    for name, head in CIVIL_TESTS.items():
        passed = p_civil[:, family.names.index(head)] < CIVIL_REVIEW
        out[name] = {
            "n": float(len(civil)),
            "positives": 0.0,
            "passed": float(passed.mean()),
            "passed_long": float(passed[long].mean()),
            "n_long": float(sum(long)),
        }
    _FAMILY_CACHE[data_dir] = out
    return out


def _trained_family(data_dir: Path, progress: Progress) -> tuple[Any, Any, dict[tuple[str, str], HeldOut]]:
    if data_dir in _FAMILY_MODEL:
        return _FAMILY_MODEL[data_dir]
    from training.heads import fit_family, head_corpora

    corpora = head_corpora(data_dir)
    train: dict[str, list[Any]] = {}
    test: dict[tuple[str, str], HeldOut] = {}
    for head, cs in corpora.items():
        train[head] = []
        for c in cs:
            flags = [in_family_test(c.name, t, a) for t, a in zip(c.texts, c.article_ids, strict=True)]
            train[head].append(c.subset([i for i, f in enumerate(flags) if not f]))
            keep = [i for i, f in enumerate(flags) if f]
            # The bootstrap's groups: a C3 comment's article (the split's unit), else the row itself.
            groups = [f"{c.article_ids[i]}" if c.name.startswith("c3/") else f"{c.name}#{i}" for i in keep]
            test[(head, c.name)] = ([c.texts[i] for i in keep], [c.labels[i] for i in keep], groups)
    c3_train = {a for c in train["toxicity"] if c.name.startswith("c3/") for a in c.article_ids}
    c3_test = {a for c in corpora["toxicity"] if c.name.startswith("c3/") for a in c.article_ids} - c3_train
    progress(
        f"  C3 split by article: {len(c3_train)} train / {len(c3_test)} test articles; "
        f"test video {TEST_VIDEO}"
    )
    family, results = fit_family(train, progress)
    _FAMILY_MODEL[data_dir] = (family, results, test)
    return _FAMILY_MODEL[data_dir]


def _family_eval(name: str) -> Callable[[Path, Progress], Metrics]:
    def run(data_dir: Path, progress: Progress) -> Metrics:
        return eval_family(data_dir, progress)[name]

    run.__name__ = f"eval_{name.replace('/', '_')}"
    return run


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
    **{name: _family_eval(name) for name in (*FAMILY_TESTS, *CIVIL_TESTS)},
    # off_topic: one model retrained on the training articles serves all three (training/offtopic.py).
    "off_topic/standfirst_swap": eval_off_topic_standfirst_swap,
    "off_topic/omp_offtopic": eval_off_topic_omp,
    "off_topic/seed_decisions": eval_off_topic_seed_decisions,
}


def _served_base(data_dir: Path, progress: Progress) -> Callable[[str], Any]:
    """What scores a comment no language model takes, as shipped: the English family's head of the
    attribute, here the family trained on the evaluation's training rows."""
    return lambda attribute: family_on_training_rows(Path(data_dir), progress).heads()[attribute]


def _language_evaluation(name: str) -> Callable[[Path, Progress], Metrics]:
    def run(data_dir: Path, progress: Progress) -> Metrics:
        from training.languages import evaluate_held_out

        return evaluate_held_out(data_dir, name, progress, base=_served_base(data_dir, progress))

    return run


def eval_english_kept(data_dir: Path, progress: Progress) -> Metrics:
    from training.languages import evaluate_english_kept

    return evaluate_english_kept(data_dir, progress, base=_served_base(data_dir, progress))


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
_FAMILY_FILES = (
    *_KAGGLE,
    _C3,
    "olid-offenseval-2019/olid-training-v1.0.tsv",
    "davidson-hate-offensive-2017/labeled_data.csv",
    "mlma-hate-speech/en_dataset.csv",
    *(f"{L.YOUTUBE_DIR}/{v}" for v in L.YOUTUBE_FILES),
)
_OFF_TOPIC = (_C3, "one-million-posts/posts_labeled_wide.csv", "dragnet-pages/100.gold.txt")
REQUIRED_FILES: dict[str, tuple[str, ...]] = {
    **{name: _FAMILY_FILES for name in (*FAMILY_TESTS, *CIVIL_TESTS)},
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
# The language evaluations also train the family: it scores what no language model takes, as served.
REQUIRED_FILES.update({name: (*_LANGUAGE_FILES, *_FAMILY_FILES) for name in _LANGUAGE_SETS})
REQUIRED_FILES["insult/en_routed"] = (*_LANGUAGE_FILES, *_FAMILY_FILES)


def load_floors(path: Path = FLOORS_PATH) -> dict[str, dict[str, float]]:
    """The ``floors`` table, checked: every evaluation name is known and every floor is a number in
    (0, 1]. A misspelt evaluation name would otherwise check nothing, silently."""
    from core.errors import ConfigurationError

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


def _interval(m: Metrics) -> str:
    low, high = m.get("roc_auc_low"), m.get("roc_auc_high")
    return "" if low is None or high is None else f"[{low:.3f}, {high:.3f}]"


def format_table(results: dict[str, Metrics], floors: dict[str, dict[str, float]]) -> list[str]:
    """One line per evaluation; `roc_auc 95%` is its bootstrap interval (training.fit.auc_interval:
    resampled by article where the split holds out articles)."""
    cols = ("roc_auc", "pr_auc", "precision", "recall", "f1")
    head = [f"{c:>14}" for c in cols]
    head.insert(1, f"{'roc_auc 95%':>16}")
    lines = [f"{'evaluation':<30} {'n':>5} {'pos':>4} " + " ".join(head) + "  threshold"]
    for name, m in results.items():
        cells = []
        for c in cols:
            floor = floors.get(name, {}).get(c)
            value = m.get(c, float("nan"))  # off_topic's evaluations report AUCs, not P/R at a threshold
            mark = "" if floor is None else ("!" if not value >= floor else " ")
            cells.append(f"{value:.4f}{'' if floor is None else f' (>={floor:g})'}{mark}".rjust(14))
        cells.insert(1, _interval(m).rjust(16))
        lines.append(f"{name:<30} {int(m['n']):>5} {int(m['positives']):>4} " + " ".join(cells))
        lines[-1] += f"  {m.get('threshold', float('nan')):.3f}"
        # Other metrics with a floor (e.g. off_topic's AUC within length bins) get a line of their own.
        for metric, floor in floors.get(name, {}).items():
            if metric not in cols and metric in m:
                mark = "!" if m[metric] < floor else " "
                lines.append(f"  {metric:<40} {m[metric]:.4f} (>={floor:g}){mark}")
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, required=True, help="directory holding the corpora")
    parser.add_argument("--only", action="append", choices=sorted(EVALUATIONS), help="run only these")
    parser.add_argument("--floors", type=Path, default=FLOORS_PATH, help="floors file (default: pinned)")
    parser.add_argument("--json", type=Path, help="also write the metrics as JSON here")


def run(args: argparse.Namespace) -> int:
    from core.errors import TrainingDataError

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
