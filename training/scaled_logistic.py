"""The scaled logistic regression both parser models use (line model, section gate), and their folds."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

import numpy as np

FOLDS = 5
# Features are hashed at the precision the model files store their numbers in: the last bits of a
# float computed through libm can differ between CPUs, and no fitted coefficient turns on them.
FINGERPRINT_DECIMALS = 6


def rounded(x: Any) -> Any:
    """`x` (features: an array or a number) as lists or a float rounded for a fingerprint (-0.0 as 0.0)."""
    return (np.round(np.asarray(x, dtype=float), FINGERPRINT_DECIMALS) + 0.0).tolist()


def fingerprint(items: Iterable[Any]) -> str:
    """SHA-256 of the training rows (each JSON-serialisable, in training order): a model file records it,
    so a change of the rules that changes what the model was trained from can be seen without refitting."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(json.dumps(item, sort_keys=True, separators=(",", ":")).encode())
        digest.update(b"\n")
    return digest.hexdigest()


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
