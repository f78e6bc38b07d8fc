"""The grouped-CV evidence behind the unsubstantial head (training/unsubstantial_cv.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.unsubstantial_cv import _Data, candidates, small_features


def test_small_features_read_the_cues_they_name() -> None:
    lol, prose = small_features("lol!!! ????"), small_features("The budget deficit grows: see www.x.org")
    assert len(lol) == len(prose) == 11
    assert lol[0] == 0.0 and prose[0] > 0.5  # content-word share
    assert lol[5] > 0 and lol[6] > 0 and lol[7] > 0  # ?, ! and repeated characters
    assert prose[10] > 0 and lol[10] == 0  # a link
    assert small_features("") == [0.0] * 11


@pytest.mark.slow
def test_on_the_training_articles_the_text_model_adds_little_to_length(data_dir: Path) -> None:
    """docs/attributes.md's finding: on C3 non_relevant, every per-comment recipe is within 0.01 AUC
    of comment length alone (grouped CV on the training articles, never the held-out ones)."""
    d = _Data(data_dir)
    assert d.clear.sum() > 5000 and 500 < d.y[d.clear].sum() < 1000
    made = candidates(d)
    length = d.auc(made["log1p(tokens) alone"]())
    shipped = d.auc(made["shipped: decision + log1p(tokens)"]())
    assert 0.84 < length < 0.88
    assert abs(shipped - length) < 0.01
    sim = d.thread_similarity()
    assert np.isfinite(sim).all() and 0.0 < float(np.median(sim)) < 1.0


def test_context_features_read_each_article_as_one_thread() -> None:
    from model.kernels import DENSE_FEATURES
    from training.unsubstantial_cv import CONTEXT_FEATURES

    class Model:
        def __init__(self) -> None:
            self.threads: list[list[str]] = []

        def predict_thread(self, texts):
            self.threads.append(list(texts))
            return np.full(len(texts), 0.5), "thread"

        def features(self, texts):
            dense = np.tile(np.arange(len(DENSE_FEATURES), dtype=float), (len(texts), 1))
            return np.zeros(len(texts)), dense, "thread"

    d = _Data.__new__(_Data)
    d.texts = ["a", "b", "c"]
    d.articles = np.array([1, 0, 1])
    model = Model()
    logit, dense = d.context_features(model)
    assert sorted(model.threads) == [["a", "c"], ["b"]]
    assert logit.tolist() == [0.0, 0.0, 0.0]
    assert dense[0].tolist() == [DENSE_FEATURES.index(f) for f in CONTEXT_FEATURES]
