"""A small artifact trained on real Kaggle rows (fast), shared by the model tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.artifact import save_artifact
from model.features import LinearTextClassifier, TokenFeaturizer
from training import corpora as C


@pytest.fixture(scope="session")
def kaggle_small(data_dir: Path) -> tuple[list[str], np.ndarray]:
    corpus = C.load_kaggle(data_dir / C.KAGGLE_DIR / "train.csv")
    return list(corpus.texts[:1500]), np.asarray(corpus.labels[:1500])


@pytest.fixture(scope="session")
def small_model(kaggle_small: tuple[list[str], np.ndarray]) -> LinearTextClassifier:
    texts, y = kaggle_small
    return LinearTextClassifier(featurizer=TokenFeaturizer(), C=2.0).fit(texts, y)


@pytest.fixture()
def small_artifact(tmp_path: Path, small_model: LinearTextClassifier) -> Path:
    out = tmp_path / "artifact"
    save_artifact(
        out,
        {"insult": small_model},
        {"model_version": "test"},
        {"insult": {"interface": "predict_proba", "threshold": 0.5, "label_definition": "test"}},
    )
    return out
