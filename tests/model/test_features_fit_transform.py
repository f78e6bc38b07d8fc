"""TokenFeaturizer.fit_transform: the training matrix, built once, equals fit(...).transform(...)."""

from __future__ import annotations

import numpy as np
import pytest

from model.features import TokenFeaturizer

TEXTS = [
    "Espèce de crétin, abruti !",
    "Merci pour cet article très clair.",
    "you are an idiot and a liar",
    "thanks, a fair and useful summary",
    "Du bist so ein Idiot",
    "Danke für den guten Artikel",
]


@pytest.mark.parametrize("labels", [[1, 0, 1, 0, 1, 0], None, [1, 1, 1, 1, 1, 1]])
@pytest.mark.parametrize("nb_alpha", [0.0, 0.5])
def test_fit_transform_equals_fit_then_transform(labels: list[int] | None, nb_alpha: float) -> None:
    y = None if labels is None else np.asarray(labels)
    expected = TokenFeaturizer(min_df=1, nb_alpha=nb_alpha).fit(TEXTS, y).transform(TEXTS)
    featurizer = TokenFeaturizer(min_df=1, nb_alpha=nb_alpha)
    got = featurizer.fit_transform(TEXTS, y)
    assert got.shape == expected.shape and (got != expected).nnz == 0
    # and the fitted state is the same as fit's: later transforms agree too
    other = ["quel crétin", "ein guter Artikel"]
    assert (
        featurizer.transform(other)
        != TokenFeaturizer(min_df=1, nb_alpha=nb_alpha).fit(TEXTS, y).transform(other)
    ).nnz == 0
