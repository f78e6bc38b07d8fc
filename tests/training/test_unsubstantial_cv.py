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
