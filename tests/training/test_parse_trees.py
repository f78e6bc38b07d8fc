"""The line model's boosted trees: exported as plain JSON numbers, read back by the parser, they give
the probabilities sklearn gives."""

from __future__ import annotations

import json

import numpy as np
import pytest

from service.parse.linemodel import TreeModel
from training.boosted_trees import export_trees, fit_trees


def test_exported_trees_give_sklearns_probabilities():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 5))
    x[:, 3] = rng.integers(0, 2, size=600)  # a 0/1 feature, split exactly at its values
    y = ((x[:, 0] + x[:, 1] * x[:, 3] + 0.3 * rng.normal(size=600)) > 0).astype(int)
    model = fit_trees(x, y, {"max_iter": 30, "max_depth": 4})
    stored = json.loads(json.dumps({**export_trees(model), "threshold": 0.5}))  # through JSON text
    trees = TreeModel.from_dict(stored, 5, "test")
    new = rng.normal(size=(200, 5))
    new[:, 3] = rng.integers(0, 2, size=200)
    got = trees.probabilities(new.tolist())
    assert np.allclose(got, model.predict_proba(new)[:, 1], rtol=0, atol=1e-9)
    assert 1 < trees.depth <= 4
    assert min(got) < 0.1 and max(got) > 0.9  # the trees learned something: the test can fail


def test_a_malformed_tree_is_refused():
    leaf = {"feature": [-1], "split": [0.0], "left": [-1], "right": [-1], "value": [0.1]}
    ok = {"baseline": 0.0, "threshold": 0.5, "trees": [leaf]}
    assert TreeModel.from_dict(ok, 3, "t").probabilities([[0.0, 0.0, 0.0]]) == pytest.approx([0.52497918])
    loop = {"feature": [0, -1], "split": [0.5, 0.0], "left": [0, -1], "right": [1, -1], "value": [0.0, 1.0]}
    bad_feature = {"feature": [7, -1, -1], "split": [0.5, 0, 0], "left": [1, -1, -1], "right": [2, -1, -1],
                   "value": [0.0, 1.0, 2.0]}  # fmt: skip
    for tree in (loop, bad_feature):
        with pytest.raises(ValueError, match="malformed"):
            TreeModel.from_dict({**ok, "trees": [tree]}, 3, "t")
    with pytest.raises(ValueError, match="no trees"):
        TreeModel.from_dict({**ok, "trees": []}, 3, "t")


def test_a_blend_averages_the_logistic_regression_and_the_trees():
    from service.parse.linemodel import BlendModel

    tree = {"feature": [0, -1, -1], "split": [0.5, 0, 0], "left": [1, -1, -1], "right": [2, -1, -1],
            "value": [0.0, -2.0, 2.0]}  # fmt: skip
    m = {"mean": [0.0, 0.0], "scale": [1.0, 1.0], "coef": [0.0, 1.0], "intercept": 0.0, "baseline": 0.0,
         "trees": [tree], "tree_weight": 0.25, "threshold": 0.5}  # fmt: skip
    blend = BlendModel.from_dict(m, 2, "t")
    rows = [[0.0, 1.0], [1.0, -1.0]]
    trees, logistic = blend.trees.probabilities(rows), blend.logistic.probabilities(rows)
    assert trees == pytest.approx([1 / (1 + np.exp(2)), 1 / (1 + np.exp(-2))])
    want = [0.25 * t + 0.75 * lr for t, lr in zip(trees, logistic, strict=True)]
    assert blend.probabilities(rows) == pytest.approx(want)
    with pytest.raises(ValueError, match="weight"):
        BlendModel.from_dict({**m, "tree_weight": 1.5}, 2, "t")
