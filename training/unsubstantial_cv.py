"""Which per-comment signals predict C3 ``non_relevant`` beyond comment length: grouped CV evidence.

``python -m training.unsubstantial_cv --data-dir ../shared/data`` prints, for each candidate recipe of
the unsubstantial head, the out-of-fold ROC AUC on the C3 TRAINING articles only (the held-out articles
of ``training/evaluate.py`` are dropped first, so this never reads the test split). Rows: >= 2 votes
(1) vs none (0), as the head and its `make eval` check. Folds: StratifiedGroupKFold(5) by article.

Each text decision is the family's recipe (training/heads.py: the family featuriser, NB scaling and
a liblinear LR, C=2) fitted fold by fold; each calibration is a logistic regression on the listed
features, fitted on the other folds' out-of-fold rows (nested: no row scores itself). docs/attributes.md
quotes the table.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from model.features import TOKEN_RE, TokenFeaturizer
from training import corpora as C
from training.cli import require_folder
from training.evaluate import in_test_split
from training.heads import FEATURIZER, SEED, _fit_lr, _nb_scale

FOLDS = 5
# off_topic's thread features offered to the calibration (``context_candidates`` indexes this order).
CONTEXT_FEATURES = (
    "sim_thread_centroid",
    "sim_thread_rel",
    "lm_thread_rel",
    "lm_thread_mean",
    "shared_thread_frac",
    "shared_thread_max_idf",
    "topic_thread",
    "log_content",
    "no_content",
)
_STOP_WORDS = (
    "a an the and or but if so to of in on at by for with from as is are was were be been am i me my we "
    "our you your he she it its they them their this that these those there here not no yes do does did "
    "have has had will would can could should just very really too also all any some what which who "
    "when where why how than then up out about into over more most other such only own same now lol ok"
)
_STOP = frozenset(_STOP_WORDS.split())


def small_features(text: str) -> list[float]:
    """Cheap per-comment cues: content-word share, letter / punctuation / digit / capital shares,
    ? and ! counts, repeated-character runs, distinct-word share, sentences, links."""
    toks = [t.lower() for t in TOKEN_RE.findall(text)]
    n, chars = max(len(toks), 1), max(len(text), 1)
    letters = sum(c.isalpha() for c in text)
    return [
        sum(1 for t in toks if t not in _STOP and len(t) > 2 and t.isalpha()) / n,
        letters / chars,
        sum(not c.isalnum() and not c.isspace() for c in text) / chars,
        sum(c.isdigit() for c in text) / chars,
        sum(c.isupper() for c in text) / max(letters, 1),
        float(np.log1p(text.count("?"))),
        float(np.log1p(text.count("!"))),
        float(np.log1p(len(re.findall(r"(.)\1\1", text)))),
        len(set(toks)) / n,
        float(np.log1p(len(re.findall(r"[.!?]+", text)))),
        float(np.log1p(len(re.findall(r"https?://|www\.", text)))),
    ]


class _Data:
    """The C3 training articles' rows, their features and the article folds."""

    def __init__(self, data_dir: Path) -> None:
        from sklearn.model_selection import StratifiedGroupKFold

        path = data_dir / C.C3_DIR / "C3_anonymized.csv"
        rows = [r for r in C.read_c3(path)[0] if not in_test_split(r.article_id)]
        with path.open(newline="", encoding="utf-8") as fh:
            constructive = {
                (r["article_id"].strip(), r["comment_text"]): r["constructive_binary"] == "1.0"
                for r in csv.DictReader(fh)
            }
        self.texts = [r.text for r in rows]
        self.votes = np.array([r.non_constructive.get("non_relevant", 0) for r in rows])
        self.unsub_votes = np.array([r.non_constructive.get("unsubstantial", 0) for r in rows])
        self.non_constructive = np.array([not constructive.get((r.article_id, r.text), True) for r in rows])
        self.clear = (self.votes >= 2) | (self.votes == 0)
        self.y = (self.votes >= 2).astype(np.int64)
        articles = np.unique([r.article_id for r in rows], return_inverse=True)[1]
        self.articles = articles
        featurizer = TokenFeaturizer(**FEATURIZER).fit(self.texts)
        self.X = featurizer.transform(self.texts).tocsr()
        self.P = self.X.sign().tocsr()
        ntok = np.array([len(TOKEN_RE.findall(t)) for t in self.texts], dtype=np.float64)
        self.loglen = np.log1p(ntok)
        self.logchars = np.log1p(np.array([len(t) for t in self.texts], dtype=np.float64))
        self.small = np.array([small_features(t) for t in self.texts])
        self.fold = np.full(len(rows), -1)
        ci = np.flatnonzero(self.clear)
        splitter = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
        for k, (_, va) in enumerate(splitter.split(np.zeros(len(ci)), self.y[ci], articles[ci])):
            self.fold[np.isin(articles, np.unique(articles[ci[va]]))] = k

    def decision(self, aux: Sequence[tuple[np.ndarray, np.ndarray]] = ()) -> np.ndarray:
        """Out-of-fold text decisions trained on the clear rows plus ``aux`` (labels, weights) copies."""
        n = len(self.texts)
        parts = [(self.y, self.clear.astype(np.float64)), *aux]
        X, P = sp.vstack([self.X] * len(parts)).tocsr(), sp.vstack([self.P] * len(parts)).tocsr()
        y = np.concatenate([p[0] for p in parts])
        w = np.concatenate([p[1] for p in parts])
        fold = np.tile(self.fold, len(parts))
        out = np.zeros(n)
        for k in range(FOLDS):
            tr, va = np.flatnonzero((fold != k) & (w > 0)), np.flatnonzero(self.fold == k)
            scale = sp.diags(_nb_scale(P[tr], y[tr], w[tr]))
            lr = _fit_lr((X[tr] @ scale).tocsr(), y[tr], w[tr], 2.0)
            out[va] = lr.decision_function((self.X[va] @ scale).tocsr())
        return out

    def thread_similarity(self) -> np.ndarray:
        """Cosine of each comment to the sum of its article's other comments (leave one out)."""
        from sklearn.preprocessing import normalize

        Xn = normalize(self.X)
        out = np.zeros(len(self.texts))
        for g in np.unique(self.articles):
            idx = np.flatnonzero(self.articles == g)
            total = np.asarray(Xn[idx].sum(axis=0)).ravel()
            own = np.asarray(Xn[idx].multiply(Xn[idx]).sum(axis=1)).ravel()  # 1, or 0 for no features
            dots = np.asarray(Xn[idx] @ total).ravel()
            norms = np.sqrt(np.maximum(total @ total - 2 * dots + own, 1e-12))
            out[idx] = (dots - own) / norms
        return out

    def context_features(self, model: Any) -> tuple[np.ndarray, np.ndarray]:
        """The off_topic model's view of each comment with its article's other comments as the thread
        (C3 has no article text): its logit, and the dense features ``CONTEXT_FEATURES``."""
        from model.kernels import DENSE_FEATURES

        cols = [DENSE_FEATURES.index(f) for f in CONTEXT_FEATURES]
        logit = np.zeros(len(self.texts))
        dense = np.zeros((len(self.texts), len(cols)))
        for g in np.unique(self.articles):
            idx = np.flatnonzero(self.articles == g)
            texts = [self.texts[i] for i in idx]
            p = np.clip(model.predict_thread(texts)[0], 1e-12, 1 - 1e-12)
            logit[idx] = np.log(p / (1 - p))
            dense[idx] = model.features(texts)[1][:, cols]
        return logit, dense

    def auc(self, features: np.ndarray) -> float:
        """Nested grouped-CV AUC of a logistic calibration on ``features`` (clear rows)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score

        F = features.reshape(len(self.texts), -1)
        p = np.zeros(len(self.texts))
        for k in range(FOLDS):
            tr, va = np.flatnonzero((self.fold != k) & self.clear), np.flatnonzero(self.fold == k)
            p[va] = LogisticRegression(C=1e6, max_iter=2000).fit(F[tr], self.y[tr]).decision_function(F[va])
        return float(roc_auc_score(self.y[self.clear], p[self.clear]))


def context_candidates(d: _Data, model: Any) -> dict[str, Callable[[], np.ndarray]]:
    """The shipped calibration plus the off_topic model's thread context (``--off-topic-model``)."""
    logit, dense = d.context_features(model)
    base = d.decision()
    return {
        "decision + log1p(tokens) + off_topic logit (thread)": lambda: np.column_stack(
            [base, d.loglen, logit]
        ),
        "decision + log1p(tokens) + off_topic thread features": lambda: np.column_stack(
            [base, d.loglen, dense[:, :7]]
        ),
        "decision + log1p(tokens) + logit + thread features + content words": lambda: np.column_stack(
            [base, d.loglen, logit, dense[:, [0, 2, 3, 4, 7, 8]]]
        ),
        "log1p(tokens) + off_topic logit (no text model)": lambda: np.column_stack([d.loglen, logit]),
    }


def candidates(d: _Data) -> dict[str, Callable[[], np.ndarray]]:
    one_vote = ((d.votes >= 1).astype(np.int64), np.where(d.votes == 1, 0.3, 0.0))
    non_con = (d.non_constructive.astype(np.int64), np.full(len(d.texts), 0.3))
    unsub = ((d.unsub_votes >= 2).astype(np.int64), 0.3 * ((d.unsub_votes >= 2) | (d.unsub_votes == 0)))
    base = d.decision()
    return {
        "log1p(tokens) alone": lambda: d.loglen,
        "log1p(characters) alone": lambda: d.logchars,
        "shipped: decision + log1p(tokens)": lambda: np.column_stack([base, d.loglen]),
        "decision + log1p(characters)": lambda: np.column_stack([base, d.logchars]),
        "decision + log1p(tokens) + log1p(characters)": lambda: np.column_stack([base, d.loglen, d.logchars]),
        "decision + log1p(tokens) + 11 small cues": lambda: np.column_stack([base, d.loglen, d.small]),
        "log1p(tokens) + 11 small cues (no text model)": lambda: np.column_stack([d.loglen, d.small]),
        "+ 1-vote rows as positives (0.3)": lambda: np.column_stack([d.decision([one_vote]), d.loglen]),
        "+ C3 non-constructive rows (0.3)": lambda: np.column_stack([d.decision([non_con]), d.loglen]),
        "+ C3 'unsubstantial' votes (0.3)": lambda: np.column_stack([d.decision([unsub]), d.loglen]),
        "decision + log1p(tokens) + thread similarity": lambda: np.column_stack(
            [base, d.loglen, d.thread_similarity()]
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument(
        "--off-topic-model",
        type=Path,
        help="an artifact directory with off_topic: also try its thread context in the calibration",
    )
    args = parser.parse_args(argv)
    require_folder("python -m training.unsubstantial_cv", args.data_dir, "pass --data-dir")
    d = _Data(args.data_dir)
    print(f"C3 training articles: {d.clear.sum()} clear rows, {d.y[d.clear].sum()} positives")
    runs = candidates(d)
    if args.off_topic_model is not None:
        from model.artifact import load_artifact

        runs.update(context_candidates(d, load_artifact(args.off_topic_model)[1]["off_topic"]))
    for name, make in runs.items():
        print(f"{d.auc(make()):.4f}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
