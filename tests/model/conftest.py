"""A small artifact trained on real Kaggle rows (fast), shared by the model tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.artifact import save_artifact
from model.features import LinearTextClassifier, TokenFeaturizer
from tests.helpers import built_once_per_run
from training import corpora as C


@pytest.fixture(scope="session")
def kaggle_small(data_dir: Path) -> tuple[list[str], np.ndarray]:
    corpus = C.load_kaggle(data_dir / C.KAGGLE_DIR / "train.csv")
    return list(corpus.texts[:1500]), np.asarray(corpus.labels[:1500])


@pytest.fixture(scope="session")
def small_model(
    kaggle_small: tuple[list[str], np.ndarray], tmp_path_factory: pytest.TempPathFactory
) -> LinearTextClassifier:
    texts, y = kaggle_small
    return built_once_per_run(
        tmp_path_factory,
        "kaggle-small-model",
        lambda: LinearTextClassifier(featurizer=TokenFeaturizer(), C=2.0).fit(texts, y),
    )


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


@pytest.fixture(scope="session")
def offtopic_small(sources, tmp_path_factory: pytest.TempPathFactory):
    """An off-topic model fitted on a slice of every source's training split: enough to learn, fast
    enough for the tests (tests/model/test_context*.py, whose modules run on both workers: fitted once)."""
    from model.context import ContextOffTopic
    from training.offtopic import training_examples

    def fit() -> ContextOffTopic:
        c3, omp, pages = sources["c3"][0][:40], sources["omp"][0][:300], sources["pages"][0][:30]
        return ContextOffTopic(Cs=(0.1,), Cs_text=(1.0,), cv_folds=2).fit(
            training_examples(c3, omp, pages, seed=3)
        )

    return built_once_per_run(tmp_path_factory, "offtopic-small", fit)
