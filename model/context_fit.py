"""Fitting ``ContextOffTopic``: vocabulary and stem space, the LSA topic space, and the logistic
regression over own words + dense context features, its C chosen by article-grouped CV.

Every dense feature comes from the runtime path (model/context_memo.py, model/kernels.py): a model
half-fitted (vocabulary, zero word weights) featurises the training threads exactly as it will score.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve, roc_auc_score
from sklearn.model_selection import GroupKFold

from model.context_tokens import STOP_WORDS, stem, tokenize_docs

if TYPE_CHECKING:
    from model.context import ContextOffTopic, ThreadExample


# The value of the per-article indicator columns (``article_effects``): the L2 penalty on an article's
# effect shrinks with its square, so at 10 the indicators, not an article-level trait that merely
# tracks the article's base rate, absorb that rate.
EFFECT_SCALE = 10.0


def thread_documents(threads: Sequence[ThreadExample], documents: Iterable[str]) -> list[str]:
    """The documents of the vocabulary: comments (a comment reused across augmented threads once),
    articles and the extra ``documents``."""
    docs: list[str] = []
    seen: set[str] = set()
    for ex in threads:
        for t in ex.texts:
            if t not in seen:
                seen.add(t)
                docs.append(t)
        if ex.article is not None and not ex.article.is_empty:
            body = f"{ex.article.title}\n{ex.article.body}"
            if body not in seen:
                seen.add(body)
                docs.append(body)
    docs.extend(documents)
    return docs


def fit_vocabulary(model: ContextOffTopic, docs: list[str]) -> None:
    """Vocabulary and IDF of the own-text words; the similarity ("stem") space: terms merged by stem,
    function words weighted 0, each stem's background log-probability."""
    df: Counter[bytes] = Counter()
    tf: Counter[bytes] = Counter()
    for start in range(0, len(docs), 2000):
        for toks in tokenize_docs(docs[start : start + 2000]):
            tf.update(toks)
            df.update(set(toks))
    terms = sorted(t for t, c in df.items() if c >= model.min_df)
    n_docs = len(docs)
    model.vocabulary_ = {t: i for i, t in enumerate(terms)}
    model.idf_ = np.array([math.log((1 + n_docs) / (1 + df[t])) + 1.0 for t in terms])
    stems: dict[bytes, int] = {}
    term_stem = np.empty(len(terms), dtype=np.int64)
    stem_df: Counter[int] = Counter()
    for i, t in enumerate(terms):
        sid = stems.setdefault(stem(t), len(stems))
        term_stem[i] = sid
        stem_df[sid] = max(stem_df[sid], df[t])
    model.stem_index_ = stems
    model.term_stem_ = term_stem
    stem_idf = np.array([math.log((1 + n_docs) / (1 + stem_df[s])) + 1.0 for s in range(len(stems))])
    stop = STOP_WORDS | {t for t in terms if len(t) == 1}
    stop_stems = {stems[stem(w)] for w in stop if stem(w) in stems}
    stop_stems |= {int(term_stem[model.vocabulary_[w]]) for w in stop if w in model.vocabulary_}
    stem_idf[sorted(stop_stems)] = 0.0
    # The last column has weight 0: unseen function words land there.
    model.stem_idf_ = np.append(stem_idf, 0.0)
    model.oov_idf_ = math.log((1 + n_docs) / 1.0) + 1.0
    stem_tf = np.bincount(term_stem, weights=[tf[t] for t in terms], minlength=len(stems))
    total = float(sum(tf.values()))
    model.stem_logp_ = np.append(np.log((stem_tf + 0.5) / total), 0.0)
    model.oov_logp_ = math.log(0.5 / total)


def fit_topics(model: ContextOffTopic, docs: list[str]) -> None:
    """The reduced-rank topic space: a truncated SVD (LSA) of the documents' stem-space TF-IDF vectors.
    ``topic_`` has one row per stem column plus a zero row that unseen words map to."""
    n_stems = len(model.stem_idf_)
    if model.n_topics <= 0:
        model.topic_ = np.zeros((n_stems + 1, 0), dtype=np.float32)
        return
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in range(0, len(docs), 2000):
        batch = tokenize_docs(docs[start : start + 2000])
        lens = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
        flat = list(chain.from_iterable(batch))
        gid = np.fromiter(map(model.vocabulary_.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        row = np.repeat(np.arange(start, start + len(batch)), lens)
        keep = gid >= 0
        rows.append(row[keep])
        cols.append(model.term_stem_[gid[keep]])
    row, col = np.concatenate(rows), np.concatenate(cols)
    m = sp.csr_matrix((model.stem_idf_[col], (row, col)), shape=(len(docs), n_stems))
    m.sum_duplicates()
    norm = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norm[norm == 0] = 1.0
    x = (sp.diags(1.0 / norm) @ m).tocsr()
    k = max(1, min(model.n_topics, min(x.shape) - 1))
    svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=0).fit(x)
    # float32: half the artifact size; the features are cosines, far above its rounding.
    model.topic_ = np.vstack([svd.components_.T, np.zeros((1, k))]).astype(np.float32)


def text_matrix(model: ContextOffTopic, texts: Sequence[str]) -> sp.csr_matrix:
    """Own-text TF-IDF of known words with the additive norm ``sum(idf e_term) / sqrt(sum(idf^2))``:
    the map whose decision the chunk rows sum (``C_SCOEF`` / sqrt(``C_SSQ``))."""
    toks = tokenize_docs(list(texts))
    lens = np.fromiter(map(len, toks), dtype=np.int64, count=len(toks))
    flat = list(chain.from_iterable(toks))
    gid = np.fromiter(map(model.vocabulary_.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
    row = np.repeat(np.arange(len(toks)), lens)
    known = gid >= 0
    row, gid = row[known], gid[known]
    w = model.idf_[gid]
    norm = np.sqrt(np.bincount(row, weights=w * w, minlength=len(toks)))
    norm[norm == 0] = 1.0
    m = sp.csr_matrix((w / norm[row], (row, gid)), shape=(len(toks), len(model.idf_)))
    m.sum_duplicates()
    return m


def design(
    model: ContextOffTopic, threads: Sequence[ThreadExample]
) -> tuple[list[str], np.ndarray, dict[str, np.ndarray]]:
    """Text, dense features and per-row data (label, weight, group, source, human, context kind,
    calibrate) of every labelled comment."""
    texts: list[str] = []
    dense_parts = []
    cols: dict[str, list[Any]] = {k: [] for k in ("y", "w", "group", "source", "human", "kind", "calibrate")}
    memo = model._memo()
    for ex in threads:
        mask = ~np.isnan(ex.labels)
        if not mask.any():
            continue
        _, dense, kind = memo.features(ex.texts, ex.article, ex.use_thread)
        if not ex.human and kind == "none":
            continue  # without context a swapped-in comment cannot be told apart
        k = int(mask.sum())
        texts += [t for t, m in zip(ex.texts, mask, strict=True) if m]
        dense_parts.append(dense[mask])
        cols["y"].append(ex.labels[mask])
        cols["w"].append(np.full(k, ex.weight))
        cols["group"].append([ex.group] * k)
        cols["source"].append([ex.source] * k)
        cols["human"].append([ex.human] * k)
        cols["kind"].append([kind] * k)
        cols["calibrate"].append([ex.calibrate] * k)
    data = {k: np.concatenate([np.asarray(v) for v in vs]) for k, vs in cols.items()}
    return texts, np.vstack(dense_parts), data


def best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    precision, recall, thresholds = precision_recall_curve(y, p)
    f1 = 2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-12)
    return float(thresholds[int(np.argmax(f1))])


def _grouped_oof(
    x: Any,
    y: np.ndarray,
    w: np.ndarray,
    groups: np.ndarray,
    cs: Sequence[float],
    folds: int,
    make: Any,
    *,
    intercept: bool = True,
    effects: sp.csr_matrix | None = None,
) -> tuple[dict[float, np.ndarray], dict[float, float]]:
    """Out-of-fold decisions per C (folds never split a group), with or without each fold model's
    intercept, and the mean AUC within folds per C: pooled over folds, the folds' different base
    rates (a few big articles hold most labels) would shift whole folds and mislead. ``effects``:
    per-article indicator columns fitted beside ``x`` and dropped from the decisions
    (``fit_with_effects``)."""
    oof = {c: np.zeros(len(y)) for c in cs}
    aucs: dict[float, list[float]] = {c: [] for c in cs}
    for tr, va in GroupKFold(n_splits=folds).split(x, y, groups):
        for c in cs:
            coef, b = fit_with_effects(make(c), x[tr], y[tr], w[tr], None if effects is None else effects[tr])
            oof[c][va] = x[va] @ coef + (b if intercept else 0.0)
            if len(np.unique(y[va])) == 2:
                aucs[c].append(float(roc_auc_score(y[va], oof[c][va], sample_weight=w[va])))
    return oof, {c: round(float(np.mean(a)), 4) if a else float("nan") for c, a in aucs.items()}


def fit_with_effects(
    lr: LogisticRegression, x: Any, y: np.ndarray, w: np.ndarray, effects: sp.csr_matrix | None
) -> tuple[np.ndarray, float]:
    """(weights of ``x``, intercept) of ``lr`` fitted on ``x`` and, when given, the ``effects``
    columns, which are then dropped. With one indicator per human-labelled article they absorb each
    article's off-topic base rate, so the features' weights learn to rank comments WITHIN an article
    (One Million Posts' labelled articles differ widely in their share of OffTopic posts, and an
    article's length or thread statistics would otherwise stand in for that share)."""
    if effects is None:
        lr.fit(x, y, sample_weight=w)
        return np.asarray(lr.coef_[0], dtype=np.float64), float(lr.intercept_[0])
    k = x.shape[1]
    lr.fit(sp.hstack([sp.csr_matrix(x), effects]).tocsr(), y, sample_weight=w)
    return np.asarray(lr.coef_[0, :k], dtype=np.float64), float(lr.intercept_[0])


def article_effects(data: dict[str, np.ndarray]) -> sp.csr_matrix | None:
    """One indicator column per article of the human-labelled rows (swap rows have none: every swap
    thread has the same share of intruders by construction)."""
    human = np.flatnonzero(data["human"].astype(bool))
    if not len(human):
        return None
    col = np.unique(data["group"][human].astype(str), return_inverse=True)[1]
    return indicators(human, col, len(data["y"]))


def indicators(rows: np.ndarray, col: np.ndarray, n_rows: int) -> sp.csr_matrix:
    """``EFFECT_SCALE`` at (rows[i], col[i]): one indicator column per article."""
    shape = (n_rows, int(col.max()) + 1)
    return sp.csr_matrix((np.full(len(rows), EFFECT_SCALE), (rows, col)), shape=shape)


def recall_threshold(y: np.ndarray, p: np.ndarray, recall: float) -> float:
    """The highest score at which a share ``recall`` of the positives is at or above it."""
    return float(np.quantile(p[y == 1], 1.0 - recall, method="lower"))


def _auc(y: np.ndarray, s: np.ndarray, w: np.ndarray | None = None) -> float:
    return round(float(roc_auc_score(y, s, sample_weight=w)), 4)


def fit_text_part(model: ContextOffTopic, texts: list[str], data: dict[str, np.ndarray]) -> np.ndarray:
    """The own-words model, on the human labels only (swaps carry no signal in a comment's words):
    IDF-weighted unigrams, C by grouped CV. Returns its decision for every row: out-of-fold for the
    comments it was trained on, so the context model weighs it as it will be on new comments."""
    x_all = text_matrix(model, texts)
    human = data["human"].astype(bool)
    # One row per distinct labelled comment (threads repeat a comment with and without context).
    first: dict[tuple[str, str], int] = {}
    for i in np.flatnonzero(human).tolist():
        first.setdefault((texts[i], str(data["group"][i])), i)
    rows = np.array(sorted(first.values()), dtype=np.int64)
    if not len(rows) or len(np.unique(data["y"][rows])) < 2:
        model.coef_text_ = np.zeros(len(model.idf_))
        model.cv_auc_text_ = {}
        return np.zeros(len(texts))
    x, y = x_all[rows], data["y"][rows]
    groups = np.unique(data["group"][rows], return_inverse=True)[1]
    make = functools.partial(_lr_text, max_iter=model.max_iter)
    effects = indicators(np.arange(len(y)), groups, len(y))
    oof, model.cv_auc_text_ = _grouped_oof(
        x, y, np.ones(len(y)), groups, model.Cs_text, model.cv_folds, make, intercept=False, effects=effects
    )
    c_best = max(model.cv_auc_text_, key=model.cv_auc_text_.__getitem__)
    model.C_text_ = c_best
    model.coef_text_ = fit_with_effects(make(c_best), x, y, np.ones(len(y)), effects)[0]
    decision = np.asarray(x_all @ model.coef_text_).ravel()
    oof_by_key = {key: float(oof[c_best][j]) for j, key in enumerate(first)}
    for i in np.flatnonzero(human).tolist():
        decision[i] = oof_by_key.get((texts[i], str(data["group"][i])), decision[i])
    return decision


def _lr_text(c: float, max_iter: int) -> LogisticRegression:
    return LogisticRegression(C=c, solver="liblinear", max_iter=max_iter, random_state=0)


def _lr_dense(c: float, max_iter: int) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=max_iter)


def fit_logistic(model: ContextOffTopic, threads: Sequence[ThreadExample]) -> None:
    """Two stages: the own-words model on the human labels (``fit_text_part``), then a logistic
    regression over the standardised dense features and that model's decision, on every row, C by
    grouped CV. Both fold into one linear score: own-word weights x the text weight, plus dense
    weights. Its intercept is then shifted so that, out of fold, ``review_recall`` of the off-topic
    rows (of the threads marked ``calibrate``) score at or above the default review threshold (the
    review queue's operating point)."""
    texts, dense, data = design(model, threads)
    y, w = data["y"], data["w"]
    if len(np.unique(y)) < 2:
        raise ValueError("off-topic training data needs both classes")
    text = fit_text_part(model, texts, data)
    x = np.column_stack([dense, text])
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    xs = (x - mean) / std
    groups = np.unique(data["group"], return_inverse=True)[1]
    make = functools.partial(_lr_dense, max_iter=model.max_iter)
    effects = article_effects(data)
    oof, model.cv_auc_ = _grouped_oof(xs, y, w, groups, model.Cs, model.cv_folds, make, effects=effects)
    model.C_ = max(model.cv_auc_, key=model.cv_auc_.__getitem__)
    best = oof[model.C_]
    sources = data["source"]
    model.cv_auc_by_source_ = {}
    for s in sorted(set(sources.tolist())):
        m = sources == s
        if len(np.unique(y[m])) == 2:
            model.cv_auc_by_source_[str(s)] = _auc(y[m], best[m])
    p_oof = 1.0 / (1.0 + np.exp(-best))
    cal = data["calibrate"].astype(bool)
    threshold = recall_threshold(y[cal], p_oof[cal], model.review_recall)
    model.oof_at_review_ = {
        "recall": round(float((p_oof[cal & (y == 1)] >= threshold).mean()), 4),
        "false_positive_rate": round(float((p_oof[cal & (y == 0)] >= threshold).mean()), 4),
        "best_f1_threshold_unshifted": round(best_f1_threshold(y[cal], p_oof[cal]), 4),
    }
    shift = math.log(model.review_threshold / (1 - model.review_threshold)) - math.log(
        threshold / (1 - threshold)
    )
    coef_s, intercept = fit_with_effects(make(model.C_), xs, y, w, effects)
    coef = coef_s / std
    model.dense_mean_ = mean[:-1]
    model.dense_std_ = std[:-1]
    model.coef_dense_ = coef_s[:-1]
    model.coef_text_ = model.coef_text_ * coef[-1]
    model.intercept_ = intercept - float(mean[-1] * coef[-1]) + shift
    model.threshold_shift_ = shift
    model.n_train_rows_ = {str(s): int((sources == s).sum()) for s in sorted(set(sources.tolist()))}
