"""Off-topic scoring that reads the article and the thread.

``ContextOffTopic`` scores all comments of ONE thread in one call. It combines

- the comment's own words (IDF-weighted unigrams, the linear part: this is what ``explain`` shows), and
- dense context features: cosine similarity of the comment to the article (title + body) and to the
  title alone; to the leave-one-out centroid of the other comments; how much likelier its words are
  under the article's / the other comments' language model than in general; the share of its words
  found there and the rarest one shared; each also relative to the thread's mean (an intruder is
  less similar than its neighbours, whatever its length); the cosine to the other comments' centroid
  in a 16-dimensional topic space (LSA: a truncated SVD of the training documents' TF-IDF), where
  related words count although none is shared; length steps and a few surface cues,

in logistic regressions. Two sub-models, combined by noisy-OR (off-topic if irrelevant in itself OR
an intruder from another discussion; chosen by article-grouped CV on both sub-models' out-of-fold
logits over a stacked LR and rescaled intrusion logits, see ``combine``):

- irrelevance: own words + every dense feature, trained on C3's human non_relevant votes, where
  length dominates (very short chatter gets called off-topic);
- intrusion: dense features only (so it cannot memorise one corpus's topics), trained on swap pairs
  (a comment moved into another article's thread; also clean threads, so that natives of an unmixed
  thread score low), its intercept shifted to a realistic intruder rate (``intruder_prior``). Without
  context it is 0: a blind score cannot see an intruder.

Missing context is encoded as zeroed features plus indicator columns (``has_article``,
``has_thread``) rather than as separate sub-models per context kind: the own-text weights are then
learned from every training row, and the training set is augmented so that each context kind
(``"article+thread" | "article" | "thread" | "none"``) is seen and calibrated. Separate sub-models
would split scarce data: C3, the only human-labelled off-topic corpus, has no article text.

Speed: scoring goes through a bounded runtime memo of whitespace chunks (``_ChunkMemo``): per thread,
one ``str.split`` per document and one dict lookup per chunk give each comment's token counts,
own-text sums and cues (one ``np.add.reduceat``) and its content columns; the similarity features
are flat numpy (``bincount``) in a column space compacted to the thread's own columns. No scipy
sparse and no BLAS in the scoring path (both cost more per call than a whole small thread).
``_featurize`` is the straightforward per-token reference (used for training and explanations);
the two agree to float rounding (tested). Similarity uses a
"stem" space built at fit time (suffix-stripped vocabulary, stop words weighted 0); words unseen at
fit time (names such as "Kislyak") match through a per-thread local column with the maximum IDF,
except that, when there is an article, an unseen word shared by comments but absent from the article
does not count for the thread: that is nearly always a commenter's handle ("flamethrower"), i.e.
bickering, not topic.
"""

from __future__ import annotations

import math
import re
import string
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve, roc_auc_score
from sklearn.model_selection import GroupKFold

from model.features import ChunkRows
from model.kernels import (
    DENSE_FEATURES,
    LENGTH_STEPS,
    LM_MU,
    N_CHUNK_COLS,
    chunk_columns,
    noisy_or,
    thread_features,
)
from service.records import ArticleContext, ContextKind, Span

# Tokens are runs of bytes between separators in the UTF-8, ASCII-lower-cased text: one C pass per
# thread (encode, lower, translate, split) instead of a regex per comment, which cost 3x more here.
# Every character ``str.split()`` splits on is a separator (\x1c-\x1f and the Unicode spaces too), so
# tokenising each ``str.split`` chunk alone gives exactly the whole text's tokens: the scoring memo
# keys on those chunks, and the Scorer shares one split of each comment between both models.
_ASCII_SEPARATORS = (
    string.whitespace + "\x1c\x1d\x1e\x1f" + "".join(c for c in string.punctuation if c != "_")
)
_UNICODE_SPACES = tuple(c for c in map(chr, range(0x80, 0x3001)) if c.isspace() and c != "\u00a0")
_UNICODE_SEPARATORS = (
    "\u2019",
    "\u2018",
    "\u201c",
    "\u201d",
    "\u2013",
    "\u2014",
    "\u2026",
    "\u00ab",
    "\u00bb",
    "\u00a0",
    *_UNICODE_SPACES,
)
_UNICODE_SEPARATORS_UTF8 = tuple(u.encode() for u in _UNICODE_SEPARATORS)
_TRANSLATE = bytes.maketrans(_ASCII_SEPARATORS.encode(), b" " * len(_ASCII_SEPARATORS))
_DOC_BREAK = "\x00"  # joins a thread's documents; never a token (removed from the texts first)
# The same tokenisation on str, for explanations' character spans.
TOKEN = re.compile("[^" + re.escape(_ASCII_SEPARATORS + "".join(_UNICODE_SEPARATORS) + _DOC_BREAK) + "]+")
_SUFFIXES = tuple(
    s.encode()
    for s in (
        "ational",
        "ations",
        "ation",
        "ings",
        "ing",
        "ies",
        "ied",
        "ers",
        "er",
        "ed",
        "es",
        "ly",
        "s",
        "e",
    )
)

_OOV_CACHE_MAX = 200_000
_ARTICLE_MEMO_MAX = 64  # articles whose chunk rows the memo keeps, and their total characters
_ARTICLE_MEMO_CHARS = 8_000_000
_NO_COLUMNS = np.zeros(0, dtype=np.int64)
_IDX = {name: i for i, name in enumerate(DENSE_FEATURES)}


def tokenize_docs(docs: Sequence[str]) -> list[list[bytes]]:
    """Each document's tokens (UTF-8 bytes, ASCII letters lower-cased), in one pass over the thread."""
    joined = _DOC_BREAK.join(d.replace(_DOC_BREAK, " ") if _DOC_BREAK in d else d for d in docs)
    data = joined.encode("utf-8", "replace").lower()
    for sep in _UNICODE_SEPARATORS_UTF8:
        if sep in data:
            data = data.replace(sep, b" ")
    return [part.split() for part in data.translate(_TRANSLATE).split(_DOC_BREAK.encode())]


def token_key(raw: str) -> bytes:
    """The vocabulary key of one token matched by ``TOKEN`` on the original text."""
    return raw.encode("utf-8", "replace").lower()


def stem(word: bytes) -> bytes:
    """A tiny suffix stripper: enough to match taped/tape, recording/recordings, at no runtime cost."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and not word[-1:].isdigit():
        word = word[:-1]
    return word


# A module constant, not a fitted attribute: a pickled frozenset of bytes has a per-process order,
# which would make `make train` give different model bytes.
_STOP_WORDS = frozenset(w.encode() for w in ENGLISH_STOP_WORDS)


@dataclass(frozen=True)
class ThreadExample:
    """One thread for training: its comments, the article (if any), per-comment labels (nan = unlabelled:
    context only), the weight of its labelled rows, and whether the thread may be used as context."""

    texts: tuple[str, ...]
    labels: np.ndarray
    article: ArticleContext | None = None
    use_thread: bool = True
    weight: float = 1.0
    task: str = "irrelevant"  # "irrelevant" (human labels) or "intruder" (swap pairs)
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


def context_kind(article: ArticleContext | None, n_texts: int, use_thread: bool) -> ContextKind:
    has_article = article is not None and not article.is_empty
    has_thread = use_thread and n_texts >= 2
    if has_article and has_thread:
        return "article+thread"
    if has_article:
        return "article"
    if has_thread:
        return "thread"
    return "none"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    std = x.std(axis=0)
    std[std == 0] = 1.0
    return x.mean(axis=0), std


def _best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    precision, recall, thresholds = precision_recall_curve(y, p)
    f1 = 2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-12)
    return float(thresholds[int(np.argmax(f1))])


def _group_max(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n)
    np.maximum.at(out, group, values)
    return out


# The grid of the noisy-OR's intrusion-logit rescaling (a * z + b), searched by grouped CV.
COMBINE_SCALES: tuple[float, ...] = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)
COMBINE_OFFSETS: tuple[float, ...] = tuple(b / 4 for b in range(-24, 9))  # -6 .. 2 by 0.25

STACK_FEATURES: tuple[str, ...] = (
    "z_irrelevant",
    "z_intruder_x_context",
    "has_thread",
    "has_article",
    "z_irrelevant_x_context",
    "z_intruder_x_article",
)


def _stack_features(
    z_irr: np.ndarray, z_int: np.ndarray, has_article: np.ndarray, has_thread: np.ndarray
) -> np.ndarray:
    """The stacked LR's inputs: both logits, the context flags and their interactions. Without
    context the intrusion logit is zeroed (a blind score cannot see an intruder)."""
    ctx = np.maximum(has_article, has_thread)
    return np.column_stack([z_irr, z_int * ctx, has_thread, has_article, z_irr * ctx, z_int * has_article])


def _minus_others_mean(x: np.ndarray) -> np.ndarray:
    """x_i minus the mean of the other comments' x: how this comment stands out in its thread."""
    n = len(x)
    return x - (x.sum() - x) / max(n - 1, 1)


def _context_features(
    dense: np.ndarray,
    *,
    n: int,
    n_cols: int,
    cl: np.ndarray,
    val: np.ndarray,
    rc: np.ndarray,
    clc: np.ndarray,
    valc: np.ndarray,
    a_sel: slice | np.ndarray,
    t_sel: slice | np.ndarray,
    local_col: np.ndarray,
    weights: np.ndarray,
    logp: np.ndarray,
    comment_lens: np.ndarray,
    has_article: bool,
    has_thread: bool,
    topics: np.ndarray,
    topic_col: np.ndarray,
) -> None:
    """Article and thread similarity columns of ``dense``, shared by the reference (training) path and
    the memoised scoring path so both compute the same features by construction.

    Occurrences are (document row ``r``, column ``cl``, l2-normalised value ``val``); the first ``n``
    documents are the comments (``rc``/``clc``/``valc``), ``a_sel``/``t_sel`` select the article body
    and title occurrences, ``local_col`` marks thread-local columns (words unseen in training),
    ``topics[topic_col]`` is each column's row in the reduced-rank topic space (zeros for thread-local
    columns).
    """
    n_content = np.bincount(rc, minlength=n).astype(np.float64)
    bg = logp[clc]
    short = 1.0 / np.sqrt(1.0 + comment_lens)
    if has_article:
        dense[:, _IDX["has_article"]] = 1.0
        a_vec = np.bincount(cl[a_sel], weights=val[a_sel], minlength=n_cols)
        t_vec = np.bincount(cl[t_sel], weights=val[t_sel], minlength=n_cols)
        sim_article = np.bincount(rc, weights=valc * a_vec[clc], minlength=n)
        sim_title = np.bincount(rc, weights=valc * t_vec[clc], minlength=n)
        dense[:, _IDX["sim_article"]] = sim_article
        dense[:, _IDX["sim_title"]] = sim_title
        dense[:, _IDX["no_overlap_article"]] = (sim_article == 0) & (sim_title == 0)
        dense[:, _IDX["sim_article_x_short"]] = sim_article * short
        # How much likelier the comment's words are under the article's language model than in general.
        a_cnt = np.bincount(cl[a_sel], minlength=n_cols)
        lm = np.log((a_cnt[clc] + LM_MU * np.exp(bg)) / (a_cnt.sum() + LM_MU)) - bg
        lm_mean = np.bincount(rc, weights=lm, minlength=n) / np.maximum(n_content, 1)
        dense[:, _IDX["lm_article_sum"]] = lm_mean * n_content
        # Shared words, and the rarest one shared (one name like "Lavrov" is strong evidence).
        shared = a_cnt[clc] > 0
        dense[:, _IDX["shared_article_frac"]] = np.bincount(rc, weights=shared, minlength=n) / np.maximum(
            n_content, 1
        )
        dense[:, _IDX["shared_article_max_idf"]] = _group_max(rc, weights[clc] * shared, n)
        dense[:, _IDX["lm_article_mean"]] = lm_mean
        if has_thread:
            dense[:, _IDX["sim_article_rel"]] = _minus_others_mean(sim_article)
            dense[:, _IDX["lm_article_rel"]] = _minus_others_mean(lm_mean)
    if has_thread:
        dense[:, _IDX["has_thread"]] = 1.0
        keep = np.ones(len(clc))
        if has_article:
            # An unseen word shared by comments but absent from the article is most often a
            # commenter's name ("flamethrower"): bickering, not topic. It does not count here.
            keep = (~local_col[clc] | (a_cnt[clc] > 0)).astype(np.float64)
        tv = valc * keep
        # Aggregate repeated words of a comment: (comment, column) pairs.
        keys = rc * n_cols + clc
        uniq, inv = np.unique(keys, return_inverse=True)
        pair_val = np.bincount(inv, weights=tv)
        pair_cnt = np.bincount(inv, weights=keep)
        total = np.bincount(clc, weights=tv, minlength=n_cols)
        dot = np.bincount(rc, weights=tv * total[clc], minlength=n)
        self_sq = np.bincount(uniq // n_cols, weights=pair_val * pair_val, minlength=n)
        loo_dot = dot - self_sq
        loo_norm_sq = np.maximum(float((total * total).sum()) - 2 * dot + self_sq, 1e-12)
        centroid = loo_dot / np.sqrt(loo_norm_sq)
        dense[:, _IDX["sim_thread_centroid"]] = centroid
        dense[:, _IDX["sim_thread_rel"]] = _minus_others_mean(centroid)
        dense[:, _IDX["no_overlap_thread"]] = loo_dot <= 1e-12
        dense[:, _IDX["sim_thread_x_short"]] = centroid * short
        # The same for the other comments' language model (leave-one-out).
        t_cnt = np.bincount(clc, weights=keep, minlength=n_cols)
        others_total = n_content.sum() - n_content[rc]
        own = pair_cnt[inv]
        lm = np.log((t_cnt[clc] - own + LM_MU * np.exp(bg)) / (others_total + LM_MU)) - bg
        lm_mean = np.bincount(rc, weights=lm, minlength=n) / np.maximum(n_content, 1)
        dense[:, _IDX["lm_thread_sum"]] = lm_mean * n_content
        shared = t_cnt[clc] - own > 0
        dense[:, _IDX["shared_thread_frac"]] = np.bincount(rc, weights=shared, minlength=n) / np.maximum(
            n_content, 1
        )
        dense[:, _IDX["shared_thread_max_idf"]] = _group_max(rc, weights[clc] * shared, n)
        dense[:, _IDX["lm_thread_mean"]] = lm_mean
        dense[:, _IDX["lm_thread_rel"]] = _minus_others_mean(lm_mean)
        if topics.shape[1]:  # n_topics=0 turns the topic features off (and their scoring time)
            _topic_features(dense, n=n, rc=rc, clc=clc, valc=valc, topics=topics, topic_col=topic_col)


def _topic_features(
    dense: np.ndarray,
    *,
    n: int,
    rc: np.ndarray,
    clc: np.ndarray,
    valc: np.ndarray,
    topics: np.ndarray,
    topic_col: np.ndarray,
) -> None:
    """Similarity to the thread in the reduced-rank (LSA) topic space: related words count although no
    word is shared, which lifts intruder detection (an intruder is off its thread's topic, not only off
    its words).
    Per thread numpy: a gather of the comments' topic rows and one ``np.add.reduceat`` (rows sorted),
    in float32 like the table. Kept to two features, thread context only: relative and z-scored
    variants, an article cosine and 32 or 50 dimensions added nothing in grouped CV and cost time."""
    if not len(rc):
        return  # no content word in the thread: both features stay 0
    counts = np.bincount(rc, minlength=n)
    # A trailing zero occurrence (the table's last row is zeros) keeps every start a valid index.
    rows = np.append(topic_col[clc], len(topics) - 1)
    weights = np.append(valc, 0.0).astype(np.float32)[:, None]
    gathered = topics.take(rows, axis=0)  # take() + in-place product: 30% faster than topics[rows] * w
    gathered *= weights
    # Summed in float64: the compiled scoring kernel (model/kernels.py) sums in its own order.
    z = np.add.reduceat(gathered.astype(np.float64), np.cumsum(counts) - counts, axis=0)
    z[counts == 0] = 0.0  # reduceat gives an empty comment its successor's first row
    zz = (z * z).sum(axis=1)
    dense[:, _IDX["topic_norm"]] = np.sqrt(zz)
    # Cosine to the leave-one-out centroid (total - own), from dot products with the total.
    total = z.sum(axis=0)
    zt = z @ total
    others_sq = float(total @ total) - 2.0 * zt + zz
    dense[:, _IDX["topic_thread"]] = (zt - zz) / np.sqrt(np.maximum(zz * others_sq, 1e-18))


@dataclass(frozen=True, slots=True)
class _TextRows:
    """Own-text feature occurrences of a thread: comment index, term id, value (duplicates not summed)."""

    row: np.ndarray
    gid: np.ndarray
    val: np.ndarray
    n: int


# ---------------------------------------------------------------------------- fast scoring path
# Per-chunk constants, one row per distinct whitespace chunk (columns: model/kernels.py ``C_*``);
# content (similarity) columns in a pool.
class _ChunkMemo:
    """Runtime memo: a ``str.split`` chunk -> its row id.

    Every character ``str.split`` splits on is a token separator, so tokenising each chunk alone gives
    exactly ``tokenize_docs``'s tokens. Arrays grow by
    doubling and are replaced, never written in place below ``n``, so a call in flight keeps a valid
    snapshot; the whole memo is replaced when it passes its entry or character bound. Row 0 is the
    empty chunk (all zeros), a sentinel for ``np.add.reduceat``."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.rows = np.zeros((1024, N_CHUNK_COLS))
        # Per row: where its content columns start in ``pool`` and how many (one read, not two).
        self.occ = np.zeros((1024, 2), dtype=np.int64)
        self.pool = np.zeros(4096, dtype=np.int64)  # stem column, or n_stems + unseen word id
        self.n = 1
        self.n_pool = 0
        self.chars = 0
        self.oov_words: dict[bytes, int] = {}
        self.articles: dict[tuple[str, str], ChunkRows] = {}  # see ContextOffTopic._article_rows
        self.article_chars = 0
        self.article_columns: dict[tuple[str, str], tuple[np.ndarray, int]] = {}
        self.lock = threading.Lock()
        # Python lists of the model's arrays (fast scalar access while filling) and the column weights
        # / background log-probabilities with the unseen-word column appended.
        self.idf: list[float] | None = None
        self.coef: list[float] = []
        self.term_stem: list[int] = []
        self.stem_w: list[float] = []
        self._columns: np.ndarray | None = None

    def column_table(self, model: ContextOffTopic) -> np.ndarray:
        """Per content column (unseen-word column appended): idf weight, background log-probability
        and ``LM_MU`` x probability (the smoothing mass), side by side: one memory read per column."""
        if self._columns is None:
            logp = np.append(model.stem_logp_, model.oov_logp_)
            w = np.append(model.stem_idf_, model.oov_idf_)
            self._columns = np.ascontiguousarray(np.column_stack([w, logp, LM_MU * np.exp(logp)]))
        return self._columns


class ContextOffTopic(BaseEstimator):
    """Probability that a comment has nothing to do with the article and thread it sits under.

    Parameters
    ----------
    Cs: candidate inverse regularisations of the irrelevance logistic regression (words + dense
        features), chosen by grouped cross-validation (``cv_folds`` folds) on the training threads.
    C_intruder: inverse regularisation of the intrusion logistic regression (dense features only).
    intruder_prior: the rate of intruders assumed in real threads (the swap data has ~20%).
    min_df: minimum document frequency of a vocabulary term.
    dense_scale: multiplier on the standardised dense features, i.e. how much less they are
        regularised than the thousands of word features.
    max_iter: solver iterations.
    n_topics: dimensions of the reduced-rank (LSA) topic space of the ``topic_*`` similarity features
        (0: none; they cost ~10% of off_topic's scoring time).
    combine: how the two sub-models make one score: "noisy_or", "stack" (a small logistic regression
        over both sub-models' logits and the context flags, fitted on their out-of-fold scores on the
        union of both training sets) or "auto" (whichever has the higher mean article-grouped CV AUC
        on the two thread-context tasks: human non_relevant labels and C3 swap intruders).
    """

    # Runtime limits of the chunk memo: class attributes, not pickled, changeable without retraining.
    max_cache_entries = 300_000
    max_cache_chars = 32_000_000

    def __init__(
        self,
        Cs: tuple[float, ...] = (0.03, 0.1, 0.3),
        cv_folds: int = 3,
        C_intruder: float = 1.0,
        intruder_prior: float = 0.1,
        min_df: int = 2,
        dense_scale: float = 1.0,
        max_iter: int = 2000,
        combine: str = "auto",
        n_topics: int = 16,
    ):
        self.Cs = Cs
        self.cv_folds = cv_folds
        self.C_intruder = C_intruder
        self.intruder_prior = intruder_prior
        self.min_df = min_df
        self.dense_scale = dense_scale
        self.max_iter = max_iter
        self.combine = combine
        self.n_topics = n_topics

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        threads: Sequence[ThreadExample],
        y: None = None,
        *,
        documents: Iterable[str] = (),
    ) -> ContextOffTopic:
        """Learn the vocabulary and IDF from the threads' comments and articles (plus ``documents``), then
        the two logistic regressions on the labelled comments of each task's threads.

        The irrelevance model's C is chosen by grouped cross-validation (folds never split an article:
        ``ThreadExample.meta["article_id"]``), and the out-of-fold scores of the comments scored with
        their thread give the decision threshold (best F1), so no held-out data is touched."""
        self.__dict__.pop("_chunk_memo", None)  # its rows hold the previous fit's weights
        self.__dict__.pop("_folded_weights", None)
        self._fit_vocabulary(threads, documents)
        parts: dict[str, dict[str, list[Any]]] = {
            t: {"text": [], "dense": [], "y": [], "w": [], "group": [], "thread": [], "source": []}
            for t in ("irrelevant", "intruder")
        }
        for ex in threads:
            mask = ~np.isnan(ex.labels)
            if not mask.any():
                continue
            rows_, dense, kind = self._featurize(ex.texts, ex.article, ex.use_thread)
            if ex.task == "intruder" and kind == "none":
                continue  # without context an intruder cannot be told apart
            part = parts[ex.task]
            part["text"].append(self._text_matrix(rows_)[mask])
            part["dense"].append(dense[mask])
            part["y"].append(ex.labels[mask])
            part["w"].append(np.full(int(mask.sum()), ex.weight))
            part["group"].append(
                [str(ex.meta.get("article_id", ex.meta.get("page", id(ex))))] * int(mask.sum())
            )
            part["thread"].append(np.full(int(mask.sum()), kind == "thread"))
            part["source"].append(np.full(int(mask.sum()), ex.source))
        for task, part in parts.items():
            if not part["y"] or len(np.unique(np.concatenate(part["y"]))) < 2:
                raise ValueError(f"off-topic training data for {task!r} needs both classes")

        # Intrusion (self-supervised swaps): dense features only, so it cannot learn one corpus's topics.
        part = parts["intruder"]
        dense_all = np.vstack(part["dense"])
        self.int_mean_, self.int_std_ = _moments(dense_all)
        y_int = np.concatenate(part["y"])
        w_int = np.concatenate(part["w"])
        lr2 = LogisticRegression(C=self.C_intruder, max_iter=self.max_iter)
        lr2.fit(self._scale(dense_all, "int"), y_int, sample_weight=w_int)
        self.coef_intruder_ = lr2.coef_[0].astype(np.float64)
        # Swaps are built with many intruders; shift the intercept to the rate we expect in real threads.
        train_rate = float(np.average(y_int, weights=w_int))
        self.intercept_intruder_ = float(lr2.intercept_[0]) + _logit(self.intruder_prior) - _logit(train_rate)

        # Irrelevance (human labels): own words + every dense feature; C by grouped CV.
        part = parts["irrelevant"]
        dense_all = np.vstack(part["dense"])
        self.irr_mean_, self.irr_std_ = _moments(dense_all)
        x = sp.hstack([sp.vstack(part["text"]), sp.csr_matrix(self._scale(dense_all, "irr"))]).tocsr()
        y_irr = np.concatenate(part["y"])
        w_irr = np.concatenate(part["w"])
        groups = np.unique(np.concatenate(part["group"]), return_inverse=True)[1]
        self.cv_auc_, _ = self._select_c(x, y_irr, w_irr, groups)
        best = max(self.cv_auc_, key=self.cv_auc_.__getitem__)
        self.C_ = best
        lr = LogisticRegression(C=best, solver="liblinear", max_iter=self.max_iter, random_state=0).fit(
            x, y_irr, sample_weight=w_irr
        )
        n_text = len(self.idf_)
        self.coef_text_ = lr.coef_[0, :n_text].astype(np.float64)
        self.coef_dense_ = lr.coef_[0, n_text:].astype(np.float64)
        self.intercept_ = float(lr.intercept_[0])
        self.n_train_rows_ = {"irrelevant": len(y_irr), "intruder": len(y_int)}
        self._fit_combination(parts, best, _logit(self.intruder_prior) - _logit(train_rate))
        return self

    def _fit_combination(self, parts: dict[str, dict[str, list[Any]]], c_irr: float, shift: float) -> None:
        """Out-of-fold logits of both sub-models on the union of both training sets (folds never split
        an article), then the combination: noisy-OR or the stacked LR, by grouped CV (``combine``)."""
        irr, intr = parts["irrelevant"], parts["intruder"]
        dense = np.vstack(irr["dense"] + intr["dense"])
        x_irr = sp.hstack(
            [sp.vstack(irr["text"] + intr["text"]), sp.csr_matrix(self._scale(dense, "irr"))]
        ).tocsr()
        x_int = self._scale(dense, "int")
        y = np.concatenate(irr["y"] + intr["y"])
        w = np.concatenate(irr["w"] + intr["w"])
        n_irr = sum(len(v) for v in irr["y"])
        is_int = np.arange(len(y)) >= n_irr
        groups = np.unique(np.concatenate(irr["group"] + intr["group"]), return_inverse=True)[1]
        folds = list(GroupKFold(n_splits=self.cv_folds).split(x_int, y, groups))
        z_irr = np.zeros(len(y))
        z_int = np.zeros(len(y))
        for tr, va in folds:
            ti, tt = tr[~is_int[tr]], tr[is_int[tr]]
            lr = LogisticRegression(C=c_irr, solver="liblinear", max_iter=self.max_iter, random_state=0)
            z_irr[va] = lr.fit(x_irr[ti], y[ti], sample_weight=w[ti]).decision_function(x_irr[va])
            lr2 = LogisticRegression(C=self.C_intruder, max_iter=self.max_iter)
            z_int[va] = lr2.fit(x_int[tt], y[tt], sample_weight=w[tt]).decision_function(x_int[va]) + shift
        has_article = dense[:, _IDX["has_article"]]
        has_thread = dense[:, _IDX["has_thread"]]
        stack = _stack_features(z_irr, z_int, has_article, has_thread)
        # Each task weighs the same in the stacked fit, whatever its row count.
        w_stack = w.copy()
        w_stack[is_int] *= w[~is_int].sum() / w[is_int].sum()
        ctx = np.maximum(has_article, has_thread)
        # Noisy-OR with the intrusion logit rescaled (a * z + b): how much an intruder-like comment
        # weighs against an irrelevant-looking one. (1, 0) is the plain noisy-OR at ``intruder_prior``.
        candidates: dict[str, np.ndarray] = {}
        scalings: dict[str, tuple[float, float]] = {}
        for a in COMBINE_SCALES:
            for b in COMBINE_OFFSETS:
                name = f"noisy_or(a={a:g},b={b:g})"
                scalings[name] = (a, b)
                candidates[name] = 1.0 - (1.0 - _sigmoid(z_irr)) * (1.0 - _sigmoid(a * z_int + b) * ctx)
        p_stack = np.zeros(len(y))
        for tr, va in folds:
            lr3 = LogisticRegression(C=1.0, max_iter=self.max_iter).fit(
                stack[tr], y[tr], sample_weight=w_stack[tr]
            )
            p_stack[va] = lr3.predict_proba(stack[va])[:, 1]
        candidates["stack"] = p_stack
        # The two thread-context tasks of the evaluation: human votes and C3 swap intruders (threads with
        # ~20% intruders, as in the evaluation; not the clean or other-rate threads of "swap_mix").
        thread_only = (has_thread == 1) & (has_article == 0)
        source = np.concatenate(irr["source"] + intr["source"])
        tasks = {
            "non_relevant_thread": ~is_int & thread_only,
            "swap_thread": is_int & thread_only & (source == "swap"),
        }
        self.cv_combine_ = {
            name: {t: round(float(roc_auc_score(y[m], p[m])), 4) for t, m in tasks.items()}
            for name, p in candidates.items()
        }
        noisy_or = [k for k in candidates if k != "stack"]
        allowed = {"auto": list(candidates), "noisy_or": noisy_or, "stack": ["stack"]}.get(self.combine)
        if allowed is None:
            raise ValueError(f"combine must be 'auto', 'noisy_or' or 'stack', not {self.combine!r}")
        chosen_name = max(allowed, key=lambda k: float(np.mean(list(self.cv_combine_[k].values()))))
        self.combine_ = "stack" if chosen_name == "stack" else "noisy_or"
        self.intruder_scale_, self.intruder_offset_ = scalings.get(chosen_name, (1.0, 0.0))
        self.cv_combine_chosen_ = chosen_name
        lr3 = LogisticRegression(C=1.0, max_iter=self.max_iter).fit(stack, y, sample_weight=w_stack)
        self.coef_stack_ = lr3.coef_[0].astype(np.float64)
        self.intercept_stack_ = float(lr3.intercept_[0])
        chosen = candidates[chosen_name]
        on_thread = tasks["non_relevant_thread"]
        self.threshold_ = _best_f1_threshold(y[on_thread], chosen[on_thread])
        self.oof_auc_thread_ = float(roc_auc_score(y[on_thread], chosen[on_thread]))

    def _select_c(
        self, x: sp.csr_matrix, y: np.ndarray, w: np.ndarray, groups: np.ndarray
    ) -> tuple[dict[float, float], dict[float, np.ndarray]]:
        """Grouped k-fold CV AUC per C, and the out-of-fold probabilities per C."""
        folds = GroupKFold(n_splits=self.cv_folds)
        oof = {c: np.zeros(len(y)) for c in self.Cs}
        for tr, va in folds.split(x, y, groups):
            for c in self.Cs:
                lr = LogisticRegression(C=c, solver="liblinear", max_iter=self.max_iter, random_state=0).fit(
                    x[tr], y[tr], sample_weight=w[tr]
                )
                oof[c][va] = lr.predict_proba(x[va])[:, 1]
        return {c: round(float(roc_auc_score(y, oof[c])), 4) for c in self.Cs}, oof

    def _fit_vocabulary(self, threads: Sequence[ThreadExample], documents: Iterable[str]) -> None:
        docs: list[str] = []
        seen: set[int] = set()
        for ex in threads:
            # A comment reused across augmented threads counts once for document frequency.
            key = id(ex.texts)
            if key not in seen:
                seen.add(key)
                docs.extend(ex.texts)
            if ex.article is not None and not ex.article.is_empty:
                docs.append(f"{ex.article.title}\n{ex.article.body}")
        docs.extend(documents)
        df: Counter[bytes] = Counter()
        tf: Counter[bytes] = Counter()
        for start in range(0, len(docs), 2000):
            for toks in tokenize_docs(docs[start : start + 2000]):
                tf.update(toks)
                df.update(set(toks))
        terms = sorted(t for t, c in df.items() if c >= self.min_df)
        n_docs = len(docs)
        self.vocabulary_ = {t: i for i, t in enumerate(terms)}
        self.idf_ = np.array([math.log((1 + n_docs) / (1 + df[t])) + 1.0 for t in terms])
        # The similarity space: terms merged by stem, stop words weighted 0.
        stems: dict[bytes, int] = {}
        term_stem = np.empty(len(terms), dtype=np.int64)
        stem_df: Counter[int] = Counter()
        for i, t in enumerate(terms):
            sid = stems.setdefault(stem(t), len(stems))
            term_stem[i] = sid
            stem_df[sid] = max(stem_df[sid], df[t])
        self.stem_index_ = stems
        self.term_stem_ = term_stem
        stem_idf = np.array([math.log((1 + n_docs) / (1 + stem_df[s])) + 1.0 for s in range(len(stems))])
        # Stop words and single characters ("t" of "don't") carry no topic.
        stop = _STOP_WORDS | {t for t in terms if len(t) == 1}
        stop_stems = {stems[stem(w)] for w in stop if stem(w) in stems}
        stop_stems |= {int(term_stem[self.vocabulary_[w]]) for w in stop if w in self.vocabulary_}
        stem_idf[list(stop_stems)] = 0.0
        # The last column has weight 0: unseen stop words land there.
        self.stem_idf_ = np.append(stem_idf, 0.0)
        self.oov_idf_ = math.log((1 + n_docs) / 1.0) + 1.0
        stem_tf = np.bincount(term_stem, weights=[tf[t] for t in terms], minlength=len(stems))
        total = float(sum(tf.values()))
        self.stem_logp_ = np.append(np.log((stem_tf + 0.5) / total), 0.0)
        self.oov_logp_ = math.log(0.5 / total)
        self._fit_topics(docs)

    def _fit_topics(self, docs: list[str]) -> None:
        """The reduced-rank topic space: a truncated SVD (LSA) of the documents' stem-space TF-IDF
        vectors (the similarity features' own vectors). ``topic_`` has one row per stem column plus a
        zero row that thread-local (unseen) words map to."""
        n_stems = len(self.stem_idf_)
        if self.n_topics <= 0:
            self.topic_ = np.zeros((n_stems + 1, 0), dtype=np.float32)
            return
        blocks = []
        for start in range(0, len(docs), 2000):
            batch = tokenize_docs(docs[start : start + 2000])
            lens = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
            flat = list(chain.from_iterable(batch))
            gid = np.fromiter(map(self.vocabulary_.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
            col = self._similarity_columns(flat, gid)[0]
            row = np.repeat(np.arange(len(batch)), lens)
            keep = col < n_stems
            row, col = row[keep], col[keep]
            w = self.stem_idf_[col]
            m = sp.csr_matrix((w, (row, col)), shape=(len(batch), n_stems))
            m.sum_duplicates()
            norm = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
            norm[norm == 0] = 1.0
            blocks.append(sp.diags(1.0 / norm) @ m)
        x = sp.vstack(blocks).tocsr()
        k = max(1, min(self.n_topics, min(x.shape) - 1))
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=0).fit(x)
        # float32: half the artifact size; the features are cosines, far above its rounding.
        self.topic_ = np.vstack([svd.components_.T, np.zeros((1, k))]).astype(np.float32)

    # ------------------------------------------------------------------ features
    def _scale(self, dense: np.ndarray, which: str) -> np.ndarray:
        if which == "irr":
            return (dense - self.irr_mean_) / self.irr_std_ * self.dense_scale
        return (dense - self.int_mean_) / self.int_std_

    def _featurize(
        self, texts: Sequence[str], article: ArticleContext | None, use_thread: bool
    ) -> tuple[_TextRows, np.ndarray, ContextKind]:
        """Own-text occurrences and the dense feature matrix for one thread.

        Everything after tokenising is flat numpy over the thread's token occurrences (no scipy sparse
        in the scoring path: its per-call overhead dominated small threads). Vectors use an additive
        norm, ``v = sum(w_occ e_col) / sqrt(sum(w_occ^2))``, so per-comment sums are ``bincount`` calls;
        training (``_text_matrix``) uses the very same map."""
        n = len(texts)
        kind = context_kind(article, n, use_thread)
        has_article = kind in ("article+thread", "article")
        has_thread = kind in ("article+thread", "thread")
        docs = list(texts)
        if has_article:
            assert article is not None
            docs.append(f"{article.title}\n{article.body}")
            docs.append(article.title)
        toks = tokenize_docs(docs)
        lens = np.fromiter(map(len, toks), dtype=np.int64, count=len(toks))
        flat = list(chain.from_iterable(toks))
        gid = np.fromiter(map(self.vocabulary_.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        row = np.repeat(np.arange(len(docs)), lens)
        n_comment_tokens = int(lens[:n].sum())

        # Own text: comments only, known terms only; idf per occurrence over the additive norm.
        c_gid = gid[:n_comment_tokens]
        c_row = row[:n_comment_tokens]
        known = c_gid >= 0
        t_row, t_gid = c_row[known], c_gid[known]
        t_w = self.idf_[t_gid]
        t_norm = np.sqrt(np.bincount(t_row, weights=t_w * t_w, minlength=n))
        t_norm[t_norm == 0] = 1.0
        rows = _TextRows(t_row, t_gid, t_w / t_norm[t_row], n)

        dense = np.zeros((n, len(DENSE_FEATURES)))
        comment_lens = lens[:n]
        dense[:, _IDX["log_tokens"]] = np.log1p(comment_lens)
        for k in LENGTH_STEPS:
            dense[:, _IDX[f"tokens_le_{k}"]] = comment_lens <= k
        dense[:, _IDX["log_chars"]] = np.log1p(np.fromiter(map(len, texts), dtype=np.float64, count=n))
        dense[:, _IDX["oov_fraction"]] = 1.0 - np.bincount(t_row, minlength=n) / np.maximum(comment_lens, 1)
        dense[:, _IDX["has_question"]] = [("?" in t) for t in texts]
        dense[:, _IDX["has_exclamation"]] = [("!" in t) for t in texts]
        dense[:, _IDX["has_url"]] = [("http" in t or "www." in t) for t in texts]
        dense[:, _IDX["has_emoticon"]] = [(":)" in t or ";)" in t or ":(" in t or ":D" in t) for t in texts]
        if not (has_article or has_thread):
            return rows, dense, kind

        # Similarity space: stem columns (+ thread-local columns for unseen words), content words only.
        col, n_cols, weights, logp = self._similarity_columns(flat, gid)
        n_stems = len(self.stem_idf_)
        w = weights[col]
        content = w > 0
        r, cl, w = row[content], col[content], w[content]
        norm = np.sqrt(np.bincount(r, weights=w * w, minlength=len(docs)))
        norm[norm == 0] = 1.0
        val = w / norm[r]
        in_c = r < n
        rc, clc, valc = r[in_c], cl[in_c], val[in_c]
        in_a = r == n
        in_t = r == n + 1
        _context_features(
            dense,
            n=n,
            n_cols=n_cols,
            cl=cl,
            val=val,
            rc=rc,
            clc=clc,
            valc=valc,
            a_sel=in_a,
            t_sel=in_t,
            local_col=np.arange(n_cols) >= n_stems,
            weights=weights,
            logp=logp,
            comment_lens=comment_lens,
            has_article=has_article,
            has_thread=has_thread,
            topics=self.topic_,
            topic_col=np.minimum(np.arange(n_cols), n_stems),
        )
        return rows, dense, kind

    def _similarity_columns(
        self, flat: list[bytes], gid: np.ndarray
    ) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
        """Per occurrence: its column in the stem space (unseen words get thread-local columns, or their
        stem's column when the stem is known); the number of columns; each column's weight (idf, 0 for
        stop words) and background log-probability."""
        n_stems = len(self.stem_idf_)
        col = np.empty(len(gid), dtype=np.int64)
        known = gid >= 0
        col[known] = self.term_stem_[gid[known]]
        oov_pos = np.flatnonzero(~known)
        n_local = 0
        if len(oov_pos):
            oov_toks = [flat[i] for i in oov_pos.tolist()]
            cache = self._oov_columns()
            cols = list(map(cache.get, oov_toks))
            if None in cols:
                for j, c in enumerate(cols):
                    if c is None:
                        tok = oov_toks[j]
                        c = cache[tok] = self._oov_column(tok)
                        cols[j] = c
            col_arr = np.asarray(cols, dtype=np.int64)
            needs_local = col_arr < 0
            if needs_local.any():
                # Unseen words that match no known stem: one column per distinct word, this thread only.
                local: dict[bytes, int] = {}
                ids = [local.setdefault(t, len(local)) for t in compress(oov_toks, needs_local.tolist())]
                col_arr[needs_local] = n_stems + np.asarray(ids, dtype=np.int64)
                n_local = len(local)
            col[oov_pos] = col_arr
        weights = np.concatenate([self.stem_idf_, np.full(n_local, self.oov_idf_)])
        logp = np.concatenate([self.stem_logp_, np.full(n_local, self.oov_logp_)])
        return col, n_stems + n_local, weights, logp

    def _oov_column(self, tok: bytes) -> int:
        """The stem column of a word unseen at fit time, the weightless column for a stop word or a
        single character, or -1 (it needs a thread-local column)."""
        if len(tok) == 1 or tok in _STOP_WORDS:
            return len(self.stem_idf_) - 1
        return self.stem_index_.get(stem(tok), -1)

    def _oov_columns(self) -> dict[bytes, int]:
        """Memo of ``_oov_column`` (a pure function), bounded; never pickled."""
        cache: dict[bytes, int] | None = self.__dict__.get("_oov_cache")
        if cache is None or len(cache) > _OOV_CACHE_MAX:
            cache = self.__dict__["_oov_cache"] = {}
        return cache

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_oov_cache", None)
        state.pop("_chunk_memo", None)
        state.pop("_folded_weights", None)
        return state

    def _text_matrix(self, rows: _TextRows) -> sp.csr_matrix:
        m = sp.csr_matrix((rows.val, (rows.row, rows.gid)), shape=(rows.n, len(self.idf_)))
        m.sum_duplicates()
        return m

    def _text_decision(self, rows: _TextRows) -> np.ndarray:
        return np.bincount(rows.row, weights=rows.val * self.coef_text_[rows.gid], minlength=rows.n)

    # ------------------------------------------------------------------ fast scoring path
    def _memo(self) -> _ChunkMemo:
        """The chunk memo (runtime only, never pickled), replaced when it passes its bounds."""
        memo: _ChunkMemo | None = self.__dict__.get("_chunk_memo")
        if memo is None or len(memo.index) > self.max_cache_entries or memo.chars > self.max_cache_chars:
            memo = self.__dict__["_chunk_memo"] = _ChunkMemo()
        return memo

    def _add_chunks(self, memo: _ChunkMemo, chunks: list[str]) -> None:
        """Featurise chunks not yet in the memo: tokens, known-term sums, cues and content columns."""
        with memo.lock:
            new = [c for c in dict.fromkeys(chunks) if c not in memo.index]
            if not new:
                return
            if memo.idf is None:
                memo.idf = self.idf_.tolist()
                memo.coef = self.coef_text_.tolist()
                memo.term_stem = self.term_stem_.tolist()
                memo.stem_w = self.stem_idf_.tolist()
            idf, coef, term_stem, stem_w = memo.idf, memo.coef, memo.term_stem, memo.stem_w
            vocab = self.vocabulary_
            oov_cache = self._oov_columns()
            oov_words = memo.oov_words
            rows = np.zeros((len(new), N_CHUNK_COLS))
            occ_len = np.zeros(len(new), dtype=np.int64)
            pool: list[int] = []
            for k, chunk in enumerate(new):
                text = chunk
                n_known = 0
                s_coef = s_sq = 0.0
                before = len(pool)
                toks = tokenize_docs([text])[0]
                for tok in toks:
                    g = vocab.get(tok, -1)
                    if g >= 0:
                        n_known += 1
                        w = idf[g]
                        s_coef += w * coef[g]
                        s_sq += w * w
                        col = term_stem[g]
                    else:
                        cached = oov_cache.get(tok)
                        col = (
                            cached if cached is not None else oov_cache.setdefault(tok, self._oov_column(tok))
                        )
                        if col < 0:
                            pool.append(len(stem_w) + oov_words.setdefault(tok, len(oov_words)))
                            continue
                    if stem_w[col] > 0:
                        pool.append(col)
                rows[k] = (
                    len(toks),
                    n_known,
                    s_coef,
                    s_sq,
                    "?" in text,
                    "!" in text,
                    "http" in text or "www." in text,
                    ":)" in text or ";)" in text or ":(" in text or ":D" in text,
                )
                occ_len[k] = len(pool) - before
                memo.chars += len(chunk)
            n0, n1 = memo.n, memo.n + len(new)
            if n1 > len(memo.occ):  # grow by doubling into new arrays: snapshots stay valid
                cap = max(2 * len(memo.occ), n1)
                memo.rows = np.concatenate([memo.rows[:n0], np.zeros((cap - n0, N_CHUNK_COLS))])
                memo.occ = np.concatenate([memo.occ[:n0], np.zeros((cap - n0, 2), dtype=np.int64)])
            p0, p1 = memo.n_pool, memo.n_pool + len(pool)
            if p1 > len(memo.pool):
                memo.pool = np.concatenate(
                    [memo.pool[:p0], np.zeros(max(2 * len(memo.pool), p1) - p0, dtype=np.int64)]
                )
            memo.rows[n0:n1] = rows
            memo.occ[n0:n1, 0] = p0 + np.cumsum(occ_len) - occ_len
            memo.occ[n0:n1, 1] = occ_len
            memo.pool[p0:p1] = pool
            memo.n, memo.n_pool = n1, p1
            memo.index.update(zip(new, range(n0, n1), strict=True))  # last: ids point at written rows

    def chunk_rows(self, chunks: list[str]) -> tuple[np.ndarray, _ChunkMemo]:
        """Rows of ``str.split`` chunks in the chunk memo (new ones featurised) and that memo: rows stay
        valid for that memo object (append-only, replaced whole), see ``ChunkRows``."""
        memo = self._memo()
        return self._lookup(memo, [chunks]).ids, memo

    def article_documents(self, article: ArticleContext | None) -> tuple[str, ...]:
        """The documents the article adds to a thread: (title + body, title), or none."""
        if article is None or article.is_empty:
            return ()
        return (f"{article.title}\n{article.body}", article.title)

    def _lookup(self, memo: _ChunkMemo, chunk_lists: list[list[str]]) -> ChunkRows:
        flat = list(chain.from_iterable(chunk_lists))
        ids = np.fromiter(map(memo.index.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        if (ids < 0).any():
            self._add_chunks(memo, [flat[i] for i in np.flatnonzero(ids < 0).tolist()])
            ids = np.fromiter(map(memo.index.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        lengths = np.fromiter(map(len, chunk_lists), dtype=np.int64, count=len(chunk_lists))
        return ChunkRows(ids, lengths, memo)

    def _article_rows(self, memo: _ChunkMemo, article: ArticleContext) -> ChunkRows:
        """The article documents' rows, memoised per article in the memo: comments scored one request
        at a time under the same story look its thousands of words up once."""
        key = (article.title, article.body)
        found = memo.articles.get(key)
        if found is None:
            found = self._lookup(memo, [d.split() for d in self.article_documents(article)])
            size = len(article.title) + len(article.body)
            if len(memo.articles) >= _ARTICLE_MEMO_MAX or memo.article_chars + size > _ARTICLE_MEMO_CHARS:
                memo.articles.clear()
                memo.article_chars = 0
            memo.articles[key] = found
            memo.article_chars += size
        return found

    def _article_columns(
        self, memo: _ChunkMemo, article: ArticleContext, article_rows: ChunkRows
    ) -> tuple[np.ndarray, int]:
        """The article body's and title's content columns (and where the title's start), memoised per
        article in the memo: a story's thousands of words are walked once, not once per thread."""
        key = (article.title, article.body)
        found = memo.article_columns.get(key)
        if found is None:
            col = chunk_columns(article_rows.ids, memo.occ, memo.pool)
            n_body = int(article_rows.lengths[0])
            split = int(memo.occ[article_rows.ids[:n_body], 1].sum())  # the body's occurrences
            if len(memo.article_columns) >= _ARTICLE_MEMO_MAX:
                memo.article_columns.clear()
            found = memo.article_columns[key] = (col, split)
        return found

    def _fast_features(
        self,
        texts: Sequence[str],
        article: ArticleContext | None,
        use_thread: bool,
        rows: ChunkRows | None = None,
        article_rows: ChunkRows | None = None,
    ) -> tuple[np.ndarray, np.ndarray, ContextKind]:
        """(own-text decision, dense features, context kind) for one thread: the numbers of
        ``_featurize`` (to float rounding), from the chunk memo instead of per-token work.

        A thread is one ``str.split`` per document and one dict lookup per chunk (or the ``rows`` of
        its comments and ``article_rows`` of ``article_documents``, looked up by the caller in this
        model's memo: the Scorer shares one lookup between models); the article's content columns
        are memoised per article; then one compiled pass (model/kernels.py) computes every feature
        in a column space compacted to the thread's own columns (not the whole stem vocabulary)."""
        n = len(texts)
        kind = context_kind(article, n, use_thread)
        has_article = kind in ("article+thread", "article")
        has_thread = kind in ("article+thread", "thread")
        if rows is None:
            memo = self._memo()
            rows = self._lookup(memo, [t.split() for t in texts])
            if has_article:
                assert article is not None
                article_rows = self._article_rows(memo, article)
        elif has_article and (article_rows is None or article_rows.table is not rows.table):
            raise ValueError("scoring from chunk rows with an article needs the article's rows too")
        memo = rows.table
        article_col, article_split = _NO_COLUMNS, 0
        if has_article:
            assert article is not None and article_rows is not None
            article_col, article_split = self._article_columns(memo, article, article_rows)
        char_lens = np.fromiter(map(len, texts), dtype=np.float64, count=n)
        text_decision, dense = thread_features(
            rows.ids,
            rows.lengths,
            n,
            article_col,
            article_split,
            memo.rows,
            memo.occ,
            memo.pool,
            memo.column_table(self),
            len(self.stem_idf_),
            self.topic_,
            char_lens,
            has_article,
            has_thread,
        )
        return text_decision, dense, kind

    # ------------------------------------------------------------------ scoring
    def predict_components(
        self,
        texts: Sequence[str],
        article: ArticleContext | None = None,
        use_thread: bool = True,
        *,
        reference: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, ContextKind]:
        """(p_irrelevant, p_intruder, context kind); p_intruder is 0 when there is no context.

        ``reference=True`` takes the straightforward per-token path (``_featurize``, as in training)
        instead of the chunk memo; both give the same numbers to float rounding (tested)."""
        if not texts:
            return np.zeros(0), np.zeros(0), context_kind(article, 0, use_thread)
        z_irr, z_int, kind = self._decisions(texts, article, use_thread, reference)
        if kind == "none":
            return _sigmoid(z_irr), np.zeros(len(texts)), kind
        return _sigmoid(z_irr), _sigmoid(z_int), kind

    def _decisions(
        self,
        texts: Sequence[str],
        article: ArticleContext | None,
        use_thread: bool,
        reference: bool,
        rows: ChunkRows | None = None,
        article_rows: ChunkRows | None = None,
    ) -> tuple[np.ndarray, np.ndarray, ContextKind]:
        """Both sub-models' logits (the intrusion one means nothing when the kind is "none")."""
        if reference:
            text_rows, dense, kind = self._featurize(texts, article, use_thread)
            text_decision = self._text_decision(text_rows)
        else:
            text_decision, dense, kind = self._fast_features(texts, article, use_thread, rows, article_rows)
        w_irr, c_irr, w_int, c_int = self._folded()
        return text_decision + dense @ w_irr + c_irr, dense @ w_int + c_int, kind

    def _folded(self) -> tuple[np.ndarray, float, np.ndarray, float]:
        """Both sub-models' dense weights with the standardisation folded in: ``(x - mean) / std * coef``
        summed is ``x @ (coef / std) - mean @ (coef / std)``, one product per sub-model. Never pickled."""
        folded: tuple[np.ndarray, float, np.ndarray, float] | None = self.__dict__.get("_folded_weights")
        if folded is None:
            w_irr = self.coef_dense_ * self.dense_scale / self.irr_std_
            w_int = self.coef_intruder_ / self.int_std_
            folded = (
                w_irr,
                self.intercept_ - float(self.irr_mean_ @ w_irr),
                w_int,
                self.intercept_intruder_ - float(self.int_mean_ @ w_int),
            )
            self.__dict__["_folded_weights"] = folded
        return folded

    def predict_thread(
        self,
        texts: Sequence[str],
        article: ArticleContext | None = None,
        use_thread: bool = True,
        *,
        rows: ChunkRows | None = None,
        article_rows: ChunkRows | None = None,
    ) -> tuple[np.ndarray, ContextKind]:
        """Off-topic probability of every comment of one thread, and the context the scores saw.

        Each comment's thread context is the other ``texts`` (when ``use_thread`` and there are >= 2).
        Off-topic = irrelevant in itself OR an intruder from another discussion: the stacked LR over
        both sub-models' logits and the context flags, or their noisy-OR (``combine_``). ``rows`` /
        ``article_rows``: the texts' and ``article_documents``' chunks already looked up
        (``chunk_rows``), as the Scorer does once for all its models."""
        if not texts:
            return np.zeros(0), context_kind(article, 0, use_thread)
        if getattr(self, "combine_", "noisy_or") == "noisy_or":
            text_decision, dense, kind = self._fast_features(texts, article, use_thread, rows, article_rows)
            w_irr, c_irr, w_int, c_int = self._folded()
            a, b = getattr(self, "intruder_scale_", 1.0), getattr(self, "intruder_offset_", 0.0)
            p = noisy_or(text_decision, dense, w_irr, c_irr, w_int, c_int, float(a), float(b), kind != "none")
            return p, kind
        z_irr, z_int, kind = self._decisions(texts, article, use_thread, False, rows, article_rows)
        n = len(z_irr)
        has_article = np.full(n, float(kind in ("article+thread", "article")))
        has_thread = np.full(n, float(kind in ("article+thread", "thread")))
        stack = _stack_features(z_irr, z_int, has_article, has_thread)
        return _sigmoid(stack @ self.coef_stack_ + self.intercept_stack_), kind

    def explain(
        self,
        text: str,
        top_k: int = 5,
        article: ArticleContext | None = None,
        thread: Sequence[str] = (),
    ) -> list[Span]:
        """The words of ``text`` that pushed its off-topic score up most, as character spans with their
        weights: the linear own-text part (coefficient x TF-IDF value), exact for that part. The context
        features (``article``, ``thread``) act on the whole comment, not on spans, so they do not change
        which words are shown; they are accepted for the Scorer's uniform signature."""
        rows, _, _ = self._featurize([text], None, False)
        x_text = self._text_matrix(rows)
        contrib: dict[int, float] = {
            int(j): float(v * self.coef_text_[j]) for j, v in zip(x_text.indices, x_text.data, strict=True)
        }
        spans: list[Span] = []
        seen: set[int] = set()
        get = self.vocabulary_.get
        matches = [(m, get(token_key(m.group()), -1)) for m in TOKEN.finditer(text)]
        ranked = sorted(
            ((contrib.get(j, 0.0), m, j) for m, j in matches if j >= 0), key=lambda t: (-t[0], t[1].start())
        )
        for weight, m, j in ranked:
            if weight <= 0 or j in seen:
                continue
            seen.add(j)
            spans.append(Span(start=m.start(), end=m.end(), text=m.group(), weight=weight))
            if len(spans) >= top_k:
                break
        return spans

    def feature_weights(self) -> dict[str, dict[str, float]]:
        """The dense features' weights in both sub-models, for the manifest and the README."""
        return {
            "irrelevant": {
                n: round(float(w), 4) for n, w in zip(DENSE_FEATURES, self.coef_dense_, strict=True)
            },
            "intruder": {
                n: round(float(w), 4) for n, w in zip(DENSE_FEATURES, self.coef_intruder_, strict=True)
            },
            "stack": {
                **{n: round(float(w), 4) for n, w in zip(STACK_FEATURES, self.coef_stack_, strict=True)},
                "intercept": round(self.intercept_stack_, 4),
            },
        }
