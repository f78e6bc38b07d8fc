"""The held-out ROC AUC's bootstrap interval (training.fit.auc_interval) that `make eval` prints: right
weighted AUC per resample, whole groups resampled, reproducible, and shown in the table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from training import evaluate
from training.fit import auc_interval, binary_metrics


def _scores(n: int = 600, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return y, np.round(rng.random(n) + 0.4 * y, 1)  # rounded: many ties


def test_each_resample_is_sklearn_s_auc_of_the_resampled_rows(monkeypatch):
    # One round, its draw recorded: the interval of a single resample is that resample's AUC, which
    # must equal sklearn's on the rows repeated as drawn (ties counted half).
    y, p = _scores()
    drawn: list[np.ndarray] = []
    real = np.random.default_rng

    class Recording:
        def __init__(self, seed: int) -> None:
            self.rng = real(seed)

        def integers(self, low: int, high: int, size: int) -> np.ndarray:
            drawn.append(self.rng.integers(low, high, size))
            return drawn[-1]

    monkeypatch.setattr(np.random, "default_rng", Recording)
    low, high = auc_interval(y, p, rounds=1)
    order = np.argsort(p, kind="stable")
    rows = order[drawn[0]]
    assert low == pytest.approx(roc_auc_score(y[rows], p[rows]), abs=1e-12) and low == high


def test_the_interval_holds_the_auc_and_is_reproducible():
    y, p = _scores()
    low, high = auc_interval(y, p)
    assert low < roc_auc_score(y, p) < high
    assert 0.02 < high - low < 0.2
    assert auc_interval(y, p) == (low, high)
    assert auc_interval(y, p, seed=1) != (low, high)


def test_groups_are_resampled_whole():
    # Each comment copied ten times under one article: resampled row by row, the copies look like ten
    # independent comments and the interval shrinks about sqrt(10) times; by article it does not.
    y, p = _scores(200)
    copies_y, copies_p = np.repeat(y, 10), np.repeat(p, 10)
    articles = np.repeat(np.arange(200), 10)
    alone = auc_interval(y, p)
    by_row = auc_interval(copies_y, copies_p)
    by_article = auc_interval(copies_y, copies_p, articles.tolist())
    width = alone[1] - alone[0]
    assert by_article[1] - by_article[0] == pytest.approx(width, rel=0.25)
    assert by_row[1] - by_row[0] < width / 2


def test_one_class_has_no_interval():
    assert all(math.isnan(v) for v in auc_interval([1, 1, 1], [0.2, 0.5, 0.9]))


def test_the_table_prints_the_interval():
    y, p = _scores()
    metrics = binary_metrics(y, p, 0.5, [f"a{i % 30}" for i in range(len(y))])
    lines = evaluate.format_table({"toxicity/c3_by_article": metrics}, {})
    assert "roc_auc 95%" in lines[0]
    assert f"[{metrics['roc_auc_low']:.3f}, {metrics['roc_auc_high']:.3f}]" in lines[1]
    assert metrics["roc_auc_low"] < metrics["roc_auc"] < metrics["roc_auc_high"]
