"""The scaled logistic regression both parser models use (line model, section gate), and their folds."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

FOLDS = 5


def page_fold(page_id: str) -> int:
    """The cross-validation fold of a page: all its renderings stay in one fold."""
    return int(hashlib.sha256(page_id.encode()).hexdigest()[8:16], 16) % FOLDS


def fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[Any, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    scaler.scale_[scaler.scale_ == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(scaler.transform(x), y)
    return scaler, model
