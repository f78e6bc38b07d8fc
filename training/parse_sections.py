"""Train the parser's section gate (service/parse/sectiongate.py) on the Dragnet TRAIN split.

Called by training.parse_lines (one parse of the train pages serves both models). Every comment section
the rules find on a train page, in each rendering, is one row: its features, whether the page's gold
has comments, and the comments token F1 the section scores when kept. A scaled logistic regression
predicts "the gold has comments"; C and the threshold are chosen by 5-fold cross-validation grouped by
page (all renderings of a page in one fold), maximising

    mean comments F1 over train pages with gold comments + (1 - share of comment-less train pages
    given comments),

averaged over the renderings: the two comment figures `make eval-parse` reports, weighted equally.
The gate is adopted only when that cross-validated objective beats keeping every section.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from training.scaled_logistic import FOLDS, fingerprint, fit, page_fold, rounded

log = logging.getLogger(__name__)

C_GRID = (0.03, 0.1, 0.3, 1.0)
THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(1, 19))


@dataclass
class SectionRow:
    """A page whose rules found a comment section: the section's features and what keeping it scores."""

    page_id: str
    rendering: str
    x: list[float]
    has_gold: bool  # the gold has comments
    kept_f1: float  # comments token F1 when the section is kept (gold-comment pages)


def recipe() -> dict[str, Any]:
    """What the gate's training chooses from: recorded in the file, compared by a fast test."""
    return {"C_grid": list(C_GRID), "thresholds": list(THRESHOLDS), "folds": FOLDS}


def rows_sha256(rows: list[SectionRow], n_with: int, n_without: int) -> str:
    """Fingerprint of everything the gate is fitted and scored on."""
    head = [n_with, n_without]
    return fingerprint(
        [head] + [[r.page_id, r.rendering, rounded(r.x), r.has_gold, rounded(r.kept_f1)] for r in rows]
    )


def objective(rows: list[SectionRow], keep: np.ndarray, n_with: int, n_without: int) -> dict[str, float]:
    """Comment figures over all train pages x renderings when the sections `keep` says are kept
    (a page with no section found adds 0 to the F1 sum and nothing to the invented count)."""
    f1 = sum(r.kept_f1 for r, k in zip(rows, keep, strict=True) if k and r.has_gold) / max(1, n_with)
    invented = sum(1 for r, k in zip(rows, keep, strict=True) if k and not r.has_gold) / max(1, n_without)
    return {
        "comments_f1": round(f1, 4),
        "invented": round(invented, 4),
        "objective": round(f1 + 1 - invented, 4),
    }


def _out_of_fold(x: np.ndarray, y: np.ndarray, folds: np.ndarray, c: float) -> np.ndarray:
    """Each row's probability from the model fitted on the other folds (0 where a fold cannot fit)."""
    oof = np.zeros(len(y))
    for f in range(FOLDS):
        train = folds != f
        if len(set(y[train])) < 2 or train.all():
            continue
        scaler, model = fit(x[train], y[train], c)
        oof[~train] = model.predict_proba(scaler.transform(x[~train]))[:, 1]
    return oof


def train_gate(rows: list[SectionRow], n_with: int, n_without: int) -> dict[str, Any] | None:
    """The gate's JSON entry (coefficients and cross-validation figures), or None when it does not
    beat keeping every section. `n_with` / `n_without`: train page-renderings with / without gold
    comments (the denominators of the two figures)."""
    if len({r.has_gold for r in rows}) < 2:
        return None
    x = np.array([r.x for r in rows], dtype=float)
    y = np.array([r.has_gold for r in rows], dtype=int)
    folds = np.array([page_fold(r.page_id) for r in rows])
    baseline = objective(rows, np.ones(len(rows), dtype=bool), n_with, n_without)
    best: tuple[float, float, float, dict[str, float]] | None = None
    for c in C_GRID:
        oof = _out_of_fold(x, y, folds, c)
        for t in THRESHOLDS:
            figures = objective(rows, oof >= t, n_with, n_without)
            if best is None or figures["objective"] > best[0]:
                best = (figures["objective"], c, t, figures)
    assert best is not None
    cv: dict[str, Any] = {
        "C": best[1],
        "threshold": best[2],
        "cross_validated": best[3],
        "keep_every_section": baseline,
    }
    # The chosen (C, threshold) per rendering: out-of-fold decisions against keeping every section.
    oof = _out_of_fold(x, y, folds, best[1])
    renderings = sorted({r.rendering for r in rows})
    share = len(renderings) or 1
    for rendering in renderings:
        sel = np.array([r.rendering == rendering for r in rows])
        sub = [r for r, s in zip(rows, sel, strict=True) if s]
        cv[f"by_rendering/{rendering}"] = {
            "gate": objective(sub, oof[sel] >= best[2], n_with // share, n_without // share),
            "keep_every_section": objective(
                sub, np.ones(len(sub), dtype=bool), n_with // share, n_without // share
            ),
        }
    log.info("section gate: %s", cv)
    if best[0] <= baseline["objective"]:
        return None
    scaler, model = fit(x, y, best[1])
    return {
        "mean": [round(float(v), 6) for v in scaler.mean_],
        "scale": [round(float(v), 6) for v in scaler.scale_],
        "coef": [round(float(v), 6) for v in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
        "threshold": best[2],
        "cross_validation": cv,
    }
