"""Gradient-boosted trees for the parser's line model, and their export as plain JSON numbers (the
parser reads them with service.parse.linemodel.TreeModel; nothing is pickled)."""

from __future__ import annotations

from typing import Any

import numpy as np

# Shallow trees: the parser walks every tree one level per numpy step, so depth is what costs.
TREES: dict[str, Any] = {"max_iter": 200, "max_depth": 5, "learning_rate": 0.1}
# The trees' share when averaged with the logistic regression. Trees alone cross-validated 0.001 better
# on the text renderings (0.8657 against 0.8646, within noise) but dropped the last paragraphs of short
# hand-written articles (tests/service/pages) that the logistic regression keeps.
TREE_WEIGHT = 0.5


def fit_trees(x: np.ndarray, y: np.ndarray, params: dict[str, Any]) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    # No early stopping: it would hold out a random (not page-grouped) part of the rows.
    return HistGradientBoostingClassifier(
        random_state=0, class_weight="balanced", early_stopping=False, **params
    ).fit(x, y)


def export_trees(model: Any) -> dict[str, Any]:
    """The fitted trees in line_model.json's form: per tree, per node the feature (-1 at a leaf), the
    split value, the children's indices and the leaf's raw score; and the baseline score."""
    if model.n_trees_per_iteration_ != 1 or model.is_categorical_ is not None:
        raise ValueError("only a binary classifier on numeric features can be exported")
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        trees.append(
            {
                "feature": [-1 if lf else int(f) for lf, f in zip(leaf, nodes["feature_idx"], strict=True)],
                "split": [
                    0.0 if lf else float(t) for lf, t in zip(leaf, nodes["num_threshold"], strict=True)
                ],
                "left": [-1 if lf else int(k) for lf, k in zip(leaf, nodes["left"], strict=True)],
                "right": [-1 if lf else int(k) for lf, k in zip(leaf, nodes["right"], strict=True)],
                "value": [float(v) if lf else 0.0 for lf, v in zip(leaf, nodes["value"], strict=True)],
            }
        )
    return {"type": "boosted_trees", "baseline": float(model._baseline_prediction.ravel()[0]), "trees": trees}
