"""What every trainer shares: the training request, a trained attribute's record, the linear text model
with its cross-validated fit, and the binary metrics. Trainers (heads, languages, offtopic) and the
evaluation import from here, and training/train.py assembles them: no module imports back up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from core.errors import TrainingDataError
from model.features import LinearTextClassifier, TokenFeaturizer, fit_platt
from training.corpora import Corpus, group_codes, require_two_classes

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
SEED = 0


def _quiet(message: str) -> None:
    log.info(message)


@dataclass(frozen=True, slots=True)
class TrainingRequest:
    """What every trainer gets: where the corpora are and, optionally, moderators' feedback."""

    data_dir: Path
    feedback: Path | str | None = None  # an SQLite file, or a postgresql:// URL
    # The operator's own labeled files for insult (training.corpora.load_generic: CSV or JSONL).
    decisions: tuple[Path, ...] = ()


@dataclass(frozen=True, slots=True)
class TrainedAttribute:
    """One attribute's fitted model and everything the manifest says about it."""

    model: Any
    interface: str  # how the Scorer calls it: "predict_proba" or "predict_thread"
    label_definition: str
    threshold: float
    metrics: Mapping[str, Any]
    hyperparameters: Mapping[str, Any]
    corpora: Sequence[Corpus]
    seconds: float = 0.0
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. a family's file and head, languages

    def manifest_entry(self) -> dict[str, Any]:
        return {
            **self.extra,
            "interface": self.interface,
            "label_definition": self.label_definition,
            "threshold": self.threshold,
            "metrics": dict(self.metrics),
            "hyperparameters": dict(self.hyperparameters),
            "training_data": [c.manifest_entry() for c in self.corpora],
            "training_seconds": round(self.seconds, 1),
            **self.extra,
        }


# -- the linear text model and its cross-validation -----------------------------------------------


@dataclass(frozen=True, slots=True)
class LinearConfig:
    """Search space and fixed settings of the linear text model."""

    c_grid: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    # NB feature scaling blend (0 = plain TF-IDF). 0 lost to both in CV on Kaggle train.csv
    # (mean AUC 0.9009 vs 0.9111 / 0.9127), so the grid only holds 0.5 and 1.
    nb_grid: tuple[float, ...] = (0.5, 1.0)
    folds: int = 5
    featurizer: Mapping[str, Any] = field(default_factory=dict)


def _groups(corpus_list: Sequence[Corpus]) -> np.ndarray:
    """CV groups: a C3/feedback row's article (so no article is in two folds), else the row itself.

    Keyed by article id alone, so C3's weak-positive rows fall in the same fold as their article.
    """
    keys: list[str] = []
    for c in corpus_list:
        for i, aid in enumerate(c.article_ids):
            keys.append(f"article|{aid}" if aid is not None else f"{c.name}|row|{i}")
    return group_codes(keys)


def combine(corpus_list: Sequence[Corpus]) -> tuple[list[str], np.ndarray]:
    texts = [t for c in corpus_list for t in c.texts]
    labels = np.asarray([y for c in corpus_list for y in c.labels], dtype=np.int64)
    return texts, labels


def row_weights(corpus_list: Sequence[Corpus]) -> np.ndarray:
    return np.asarray([c.weight for c in corpus_list for _ in c.texts], dtype=np.float64)


def best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability threshold with the highest F1 (ties: the higher threshold)."""
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(y, p)
    f1 = 2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-12)
    best = int(np.flatnonzero(f1 == f1.max())[-1])
    return float(thresholds[best])


def fit_linear(
    corpus_list: Sequence[Corpus], config: LinearConfig, progress: Progress, what: str
) -> tuple[LinearTextClassifier, dict[str, Any], dict[str, Any], float]:
    """CV over C on the training data only, Platt calibration on out-of-fold decisions, final fit.

    Returns (model, hyperparameters, cv metrics, threshold).
    """
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold

    texts, y = combine(corpus_list)
    require_two_classes(y.tolist(), what)
    groups = _groups(corpus_list)
    weights = row_weights(corpus_list)
    # Weak-label rows (weight < 1) are trained on but never scored, calibrated or thresholded on.
    scored = weights >= 1.0
    counts = np.bincount(y[scored], minlength=2)
    if counts.min() < config.folds:
        raise TrainingDataError(
            f"{what}: {counts[0]} rows labeled 0 and {counts[1]} labeled 1 (full weight); "
            f"{config.folds}-fold cross-validation needs at least {config.folds} of each"
        )
    fit_weights = None if scored.all() else weights
    source = np.asarray([c.name for c in corpus_list for _ in c.texts])
    folds = StratifiedGroupKFold(n_splits=config.folds, shuffle=True, random_state=SEED)
    grid = [(nb, c) for nb in config.nb_grid for c in config.c_grid]
    oof = np.zeros((len(grid), len(texts)))
    aucs = np.zeros((len(grid), config.folds))
    base_params = {k: v for k, v in config.featurizer.items() if k != "nb_alpha"}
    started = time.perf_counter()
    for k, (tr, va) in enumerate(folds.split(np.zeros(len(y)), y, groups)):
        tr_texts = [texts[i] for i in tr]
        va_texts = [texts[i] for i in va]
        # One featurizer per fold; the NB blend is a column scaling, so every blend reuses it.
        featurizer = TokenFeaturizer(**base_params, nb_alpha=0.0).fit(tr_texts, y[tr])
        X_tr0, X_va0 = featurizer.transform(tr_texts), featurizer.transform(va_texts)
        for nb in config.nb_grid:
            scale = sp.diags(featurizer.nb_output_scale(nb))
            X_tr, X_va = (X_tr0 @ scale).tocsr(), (X_va0 @ scale).tocsr()
            for j, (g_nb, c_value) in enumerate(grid):
                if g_nb != nb:
                    continue
                w_tr = None if fit_weights is None else fit_weights[tr]
                model = _logistic(c_value).fit(X_tr, y[tr], sample_weight=w_tr)
                oof[j, va] = model.decision_function(X_va)
                sv = va[scored[va]]
                aucs[j, k] = roc_auc_score(y[sv], oof[j, sv])
        best_k = int(np.argmax(aucs[:, k]))
        progress(
            f"  {what}: fold {k + 1}/{config.folds} best AUC {aucs[best_k, k]:.3f} at "
            f"nb={grid[best_k][0]:g} C={grid[best_k][1]:g} ({time.perf_counter() - started:.0f}s)"
        )
    mean = aucs.mean(axis=1)
    best = int(np.argmax(mean))
    nb_best, c_best = grid[best]
    progress(
        f"  {what}: chose nb={nb_best:g} C={c_best:g} (mean CV AUC {mean[best]:.4f}); "
        f"fitting on all {len(y)} rows"
    )
    a, b = fit_platt(oof[best][scored], y[scored])
    p_oof = 1.0 / (1.0 + np.exp(-(a * oof[best][scored] + b)))
    y_scored = y[scored]
    threshold = best_f1_threshold(y_scored, p_oof)
    model = LinearTextClassifier(featurizer=TokenFeaturizer(**base_params, nb_alpha=nb_best), C=c_best)
    model.fit(
        texts,
        y,
        sample_weight=fit_weights,
        calibration_decisions=oof[best],
        calibration_rows=None if fit_weights is None else scored,
    )
    # Pooled out-of-fold AUC per corpus: the overall CV number is dominated by the easiest corpus.
    by_corpus = {}
    for c in corpus_list:
        rows = scored & (source == c.name)
        if rows.any() and 0 < y[rows].sum() < rows.sum():
            by_corpus[c.name] = round(float(roc_auc_score(y[rows], oof[best][rows])), 4)
    if len(by_corpus) > 1:
        progress(f"  {what}: out-of-fold AUC by corpus {by_corpus}")
    metrics = {
        "cv_folds": config.folds,
        "cv_roc_auc_mean": round(float(mean[best]), 4),
        "cv_roc_auc_grid": {
            f"nb={g[0]:g},C={g[1]:g}": round(float(m), 4) for g, m in zip(grid, mean, strict=True)
        },
        "cv_roc_auc_by_corpus": by_corpus,
        "oof_pr_auc": round(float(average_precision_score(y_scored, p_oof)), 4),
        "rows": len(y),
        "positives": int(y.sum()),
        "scored_rows": int(scored.sum()),
    }
    hyper = {
        "C": c_best,
        "nb_alpha": nb_best,
        "c_grid": list(config.c_grid),
        "nb_grid": list(config.nb_grid),
        "featurizer": model.featurizer_.get_params(),
        "n_features": model.featurizer_.n_features_,
        "calibration": {"method": "platt (sigmoid on out-of-fold decisions)", "a": a, "b": b},
        "corpus_weights": {c.name: c.weight for c in corpus_list},
        "cv": f"StratifiedGroupKFold({config.folds}, shuffle, seed {SEED}); groups = C3 article / row",
    }
    return model, hyper, metrics, threshold


def _logistic(c_value: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    # dual: with more features than rows it is ~6x faster than the primal solver here.
    return LogisticRegression(C=c_value, solver="liblinear", dual=True, max_iter=2000, random_state=SEED)


# -- insult's source weights (the insult head of the text family uses them: training/heads.py) -----

# Chosen by grouped cross-validation on training data only; the runs are in docs/models.md.
INSULT_CONFIG = LinearConfig(c_grid=(2.0, 4.0), featurizer={"bigram_weight": 1.5, "char_weight": 0.7})
C3_WEAK_WEIGHT = 0.3
OLID_POS_WEIGHT = 0.1  # TIN at an individual
OLID_NEG_WEIGHT = 0.3  # NOT offensive


Metrics = dict[str, float]


# Resamples of a held-out set for its ROC AUC's interval: the 2.5 and 97.5 percentiles move by about
# 0.002 between seeds at 1,000, well under the intervals' widths (0.02-0.1), and 1,000 take < 0.3 s.
BOOTSTRAP_ROUNDS = 1000


def auc_interval(
    y: Sequence[float] | np.ndarray,
    p: Sequence[float] | np.ndarray,
    groups: Sequence[Any] | None = None,
    *,
    rounds: int = BOOTSTRAP_ROUNDS,
    level: float = 0.95,
    seed: int = SEED,
) -> tuple[float, float]:
    """The ROC AUC's bootstrap percentile interval. With ``groups`` (an article id per row) whole groups
    are resampled: comments under one article are not independent, and resampling them one by one
    would understate the noise of a split by article. Each resample is a weight per row (how often its
    group was drawn), so the scores are sorted once; ties count half, as in sklearn's AUC."""
    y_arr, p_arr = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    order = np.argsort(p_arr, kind="stable")
    y_arr, p_arr = y_arr[order], p_arr[order]
    if groups is None:
        codes = np.arange(len(y_arr))  # each row its own group
    else:
        codes = np.unique(np.asarray(groups, dtype=object)[order].astype(str), return_inverse=True)[1]
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    tie = np.unique(p_arr, return_inverse=True)[1]  # p sorted: tie blocks in ascending order
    positive = y_arr == 1
    rng = np.random.default_rng(seed)
    aucs = []
    for _ in range(rounds):
        weight = np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups)[codes]
        w_pos, w_neg = weight * positive, weight * ~positive
        total_pos, total_neg = w_pos.sum(), w_neg.sum()
        if total_pos == 0 or total_neg == 0:
            continue  # a resample with one class has no AUC
        neg_in_tie = np.bincount(tie, weights=w_neg)
        below = np.cumsum(neg_in_tie) - neg_in_tie
        aucs.append(float((w_pos * (below[tie] + 0.5 * neg_in_tie[tie])).sum() / (total_pos * total_neg)))
    if not aucs:
        return float("nan"), float("nan")
    low, high = np.quantile(aucs, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def binary_metrics(
    y: Sequence[int] | np.ndarray, p: np.ndarray, threshold: float, groups: Sequence[Any] | None = None
) -> Metrics:
    """ROC AUC with its bootstrap interval (``groups``: resampled by group, see auc_interval), PR AUC,
    and precision / recall / F1 at ``threshold``."""
    from sklearn.metrics import average_precision_score, precision_recall_fscore_support, roc_auc_score

    y_arr = np.asarray(y)
    pred = (p >= threshold).astype(int)
    precision, recall, f1, _ = precision_recall_fscore_support(y_arr, pred, average="binary", zero_division=0)
    low, high = auc_interval(y_arr, p, groups)
    return {
        "roc_auc": float(roc_auc_score(y_arr, p)),
        "roc_auc_low": low,
        "roc_auc_high": high,
        "pr_auc": float(average_precision_score(y_arr, p)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "threshold": float(threshold),
        "n": len(y_arr),
        "positives": int(y_arr.sum()),
    }
