"""Off-topic scoring that reads the article and the thread.

OFF_TOPIC (the One Million Posts definition): the comment digresses too far from the topic of its
article and discussion; bickering between readers about each other, not the article, counts.
``ContextOffTopic`` scores all comments of ONE thread in one call: a logistic regression over

- the comment's own words (IDF-weighted unigrams: what readers' digressions look like, learnt from
  human OffTopic labels), and
- dense context features (model/kernels.py): cosine similarity of the comment to the article (title +
  body) and to the title alone, to the leave-one-out centroid of the other comments, and in a
  16-dimensional LSA topic space; how much likelier its words are under the article's / the other
  comments' language model than in general; the share of its words found there and the rarest one
  shared; each also relative to the thread's mean; length steps, cues ("@name", "you"/"du").

Missing context is encoded as zeroed features plus indicator columns (``has_article``, ``has_thread``)
and the training set holds every context kind, so each is calibrated.

The seams: tokenising (model/context_tokens.py), the runtime memo and fast path
(model/context_memo.py), the compiled features (model/kernels.py) and fitting (model/context_fit.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import ModelError
from core.records import ArticleContext, ContextKind, Span
from model.chunks import MAX_CHARS, MAX_ENTRIES, ChunkRows
from model.context_memo import ContextChunks, article_documents, context_kind
from model.context_tokens import TOKEN
from model.estimator import Estimator
from model.kernels import DENSE_FEATURES
from model.tokens import split_chunks

__all__ = ["DENSE_FEATURES", "ContextOffTopic", "ThreadExample", "context_kind"]

# Polluted threads (issue 14, docs/offtopic.md "Polluted threads: trust the thread less ..."): when at
# least POLLUTED_SHARE of a thread's comments reach the review threshold and the article has at least
# POLLUTED_MIN_ARTICLE_WORDS content words, the thread's part of every comment's logit counts
# POLLUTED_THREAD_WEIGHT. A thread half made of digressions lowers each digression's level (its
# thread features compare it with the other digressions); a whole article is a context the batch
# cannot pollute, while a headline + standfirst is too weak a judge alone (held-out AUC 0.72).
# The three values were chosen together by article-grouped CV on the training pages (session 29).
POLLUTED_SHARE = 0.3  # a clean thread (one digression in ten) has ~0.2 of its comments at review
POLLUTED_MIN_ARTICLE_WORDS = 300.0  # content words of title + body; a standfirst rarely over 35
POLLUTED_THREAD_WEIGHT = 0.7  # 0.5: natives at review at 1 in 2 up > 1 point in CV; 1.0 = off


@dataclass(frozen=True)
class ThreadExample:
    """One thread for training: its comments, the article (if any), per-comment labels (nan =
    unlabelled: context only), the weight of its labelled rows, whether the thread may be used as
    context, where it comes from, the group CV folds keep together (its article), whether the
    labels are human (a swap's are not: without context it is skipped) and whether its rows set the
    review shift (``calibrate``: rows of a source that is not what the review threshold is meant
    for, e.g. foreign-domain intruders, train the weights but do not move the threshold)."""

    texts: tuple[str, ...]
    labels: np.ndarray
    article: ArticleContext | None = None
    use_thread: bool = True
    weight: float = 1.0
    source: str = ""
    group: str = ""
    human: bool = False
    calibrate: bool = True


class ContextOffTopic(Estimator):
    """Probability that a comment digresses from the article and thread it sits under.

    Parameters
    ----------
    Cs: candidate inverse regularisations of the context model (dense features + the own-words
        decision), chosen by article-grouped CV (``cv_folds`` folds).
    Cs_text: the same for the own-words model (human labels only).
    min_df: minimum document frequency of a vocabulary term.
    max_iter: solver iterations.
    n_topics: dimensions of the LSA topic space of the ``topic_*`` features (0: none).
    review_threshold, review_recall: the intercept is shifted so that, out of fold, ``review_recall``
        of the off-topic training rows score at or above ``review_threshold`` (the service's default
        review threshold): moderators review most digressions by default.
    """

    # Fitted attributes (set by ``fit``, model/context_fit.py), declared for the type checker.
    vocabulary_: dict[bytes, int]
    idf_: np.ndarray
    stem_index_: dict[bytes, int]
    term_stem_: np.ndarray
    stem_idf_: np.ndarray
    oov_idf_: float
    stem_logp_: np.ndarray
    oov_logp_: float
    topic_: np.ndarray
    coef_text_: np.ndarray
    C_text_: float
    cv_auc_text_: dict[float, float]
    C_: float
    cv_auc_: dict[float, float]
    cv_auc_by_source_: dict[str, float]
    oof_at_review_: dict[str, Any]
    dense_mean_: np.ndarray
    dense_std_: np.ndarray
    coef_dense_: np.ndarray
    intercept_: float
    threshold_shift_: float
    n_train_rows_: dict[str, int]

    # Runtime limits of the chunk memo: class attributes, not pickled, changeable without retraining.
    max_cache_entries = MAX_ENTRIES
    max_cache_chars = MAX_CHARS
    # The decision-time rule for polluted threads (above): also not pickled; 1.0 turns it off.
    polluted_thread_weight = POLLUTED_THREAD_WEIGHT

    def __init__(
        self,
        Cs: tuple[float, ...] = (0.01, 0.1, 1.0),
        Cs_text: tuple[float, ...] = (0.3, 1.0, 3.0),
        cv_folds: int = 3,
        min_df: int = 2,
        max_iter: int = 2000,
        n_topics: int = 16,
        review_threshold: float = 0.6,
        review_recall: float = 0.85,
    ):
        self.review_recall = review_recall
        self.Cs = Cs
        self.Cs_text = Cs_text
        self.review_threshold = review_threshold
        self.cv_folds = cv_folds
        self.min_df = min_df
        self.max_iter = max_iter
        self.n_topics = n_topics

    # ------------------------------------------------------------------ fitting
    def fit(
        self, threads: Sequence[ThreadExample], y: None = None, *, documents: Iterable[str] = ()
    ) -> ContextOffTopic:
        """Vocabulary, stem and topic spaces from the threads' comments and articles (plus
        ``documents``), then the logistic regression on every labelled comment (model/context_fit.py)."""
        # Imported here: fitting needs scikit-learn, scoring does not (model/estimator.py).
        from model.context_fit import fit_logistic, fit_topics, fit_vocabulary, thread_documents

        self._forget_runtime()
        docs = thread_documents(threads, documents)
        fit_vocabulary(self, docs)
        fit_topics(self, docs)
        self.coef_text_ = np.zeros(len(self.idf_))  # featurising needs weights; the text part is refit
        fit_logistic(self, threads)
        self._forget_runtime()  # the memo's chunk rows hold the placeholder weights
        return self

    # ------------------------------------------------------------------ runtime state
    def _memo(self) -> ContextChunks:
        """The chunk memo (runtime only, never pickled), replaced when it passes its bounds."""
        memo: ContextChunks | None = self.__dict__.get("_chunk_memo")
        if memo is None or memo.table.full(self.max_cache_entries, self.max_cache_chars):
            memo = self.__dict__["_chunk_memo"] = ContextChunks(self)
        return memo

    def _forget_runtime(self) -> None:
        self.__dict__.pop("_chunk_memo", None)
        self.__dict__.pop("_folded_weights", None)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_chunk_memo", None)
        state.pop("_folded_weights", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        n = len(state.get("coef_dense_", DENSE_FEATURES))
        if n != len(DENSE_FEATURES):  # garbage scores otherwise: the kernel writes the current columns
            raise ModelError(
                f"this off_topic model was trained on {n} context features, this code computes "
                f"{len(DENSE_FEATURES)}: retrain it (make train-shipped for the shipped model)"
            )
        super().__setstate__(state)

    def _folded(self) -> tuple[np.ndarray, float]:
        """Dense weights with the standardisation folded in: ``(x - mean) / std * coef`` summed is
        ``x @ w - mean @ w`` with ``w = coef / std``. Never pickled."""
        folded: tuple[np.ndarray, float] | None = self.__dict__.get("_folded_weights")
        if folded is None:
            w = self.coef_dense_ / self.dense_std_
            folded = self.__dict__["_folded_weights"] = (w, self.intercept_ - float(self.dense_mean_ @ w))
        return folded

    # ------------------------------------------------------------------ scoring
    def chunk_rows(self, chunks: list[str]) -> tuple[np.ndarray, ContextChunks]:
        """Rows of ``str.split`` chunks in the chunk memo (new ones featurised) and that memo: rows stay
        valid for that memo object (append-only, replaced whole), see ``ChunkRows``."""
        memo = self._memo()
        return memo.ids(chunks), memo

    @staticmethod
    def article_documents(article: ArticleContext | None) -> tuple[str, ...]:
        return article_documents(article)

    def features(
        self,
        texts: Sequence[str],
        article: ArticleContext | None = None,
        use_thread: bool = True,
        *,
        rows: ChunkRows | None = None,
        article_rows: ChunkRows | None = None,
    ) -> tuple[np.ndarray, np.ndarray, ContextKind]:
        """(own-text decision, dense features, context kind) of one thread."""
        return self._memo_of(rows, article_rows).features(texts, article, use_thread, rows, article_rows)

    def _memo_of(self, rows: ChunkRows | None, article_rows: ChunkRows | None) -> ContextChunks:
        """The memo ``rows`` were looked up in (the current one without them)."""
        if rows is None:
            return self._memo()
        memo: ContextChunks = rows.table
        if article_rows is not None and article_rows.table is not memo:
            raise ValueError("the texts' and the article's chunk rows come from different memos")
        return memo

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
        ``rows`` / ``article_rows``: the texts' and ``article_documents``' chunks already looked up
        (``chunk_rows``), as the Scorer does once for all its models."""
        p, _, kind = self._predict(texts, article, use_thread, rows, article_rows)
        return p, kind

    def predict_comments(
        self,
        texts: Sequence[str],
        article: ArticleContext | None = None,
        use_thread: bool = True,
        *,
        rows: ChunkRows | None = None,
        article_rows: ChunkRows | None = None,
    ) -> tuple[np.ndarray, tuple[ContextKind, ...]]:
        """``predict_thread`` with the context each comment's score saw: "none" for a comment without a
        single content word ("lol", "+1", "first!"), which is scored as if it had no context (nothing in
        it can digress; it is UNSUBSTANTIAL's business), else the thread's. With "none" no off-topic
        decision is made for it (service/decide.py), whatever its text-alone prior."""
        p, content_free, kind = self._predict(texts, article, use_thread, rows, article_rows)
        return p, tuple("none" if free else kind for free in content_free.tolist())

    def _predict(
        self,
        texts: Sequence[str],
        article: ArticleContext | None,
        use_thread: bool,
        rows: ChunkRows | None,
        article_rows: ChunkRows | None,
    ) -> tuple[np.ndarray, np.ndarray, ContextKind]:
        """(probabilities, which comments hold no content word, the thread's context kind)."""
        if not texts:
            return np.zeros(0), np.zeros(0, dtype=bool), context_kind(article, 0, use_thread)
        memo = self._memo_of(rows, article_rows)
        polluted = (
            float(self.polluted_thread_weight),
            POLLUTED_MIN_ARTICLE_WORDS,
            POLLUTED_SHARE,
            float(self.review_threshold),
        )
        return memo.probabilities(texts, article, use_thread, rows, article_rows, self._folded(), polluted)

    def explain(
        self,
        text: str,
        top_k: int = 5,
        article: ArticleContext | None = None,
        thread: Sequence[str] = (),
    ) -> list[Span]:
        """The comment's content words that the article and the other comments do not share, as
        character spans, rarest first; the weight is the word's share of the comment's content
        vector (idf over the comment's norm). Function words ("was", "so") never appear: they have
        no weight in the similarity space. Without any context there is nothing to digress from: []."""
        others = [t for t in thread if t != text]
        if not others and (article is None or article.is_empty):
            return []
        context_cols: set[int] = set()
        for doc in [*others, *article_documents(article)]:
            context_cols |= self._columns_of(doc)
        return self._spans(text, top_k, context_cols.__contains__)

    def explain_many(
        self, texts: Sequence[str], top_k: int = 5, article: ArticleContext | None = None
    ) -> list[list[Span]]:
        """``explain`` for every comment of a thread against the article and the others, reading each
        document once: a column is in a comment's context when the article has it or a comment with
        another text does (the same answers as ``explain``, linear in the thread, not quadratic)."""
        article_cols: set[int] = set()
        for doc in article_documents(article):
            article_cols |= self._columns_of(doc)
        no_article = article is None or article.is_empty
        own = {t: self._columns_of(t) for t in dict.fromkeys(texts)}
        copies = Counter(texts)
        holders: Counter[int] = Counter()  # column -> how many comments of the thread hold it
        for t, cols in own.items():
            for c in cols:
                holders[c] += copies[t]
        out: list[list[Span]] = []
        for text in texts:
            if no_article and copies[text] == len(texts):
                out.append([])  # no other comment and no article: nothing to digress from
                continue
            mine, n = own[text], copies[text]

            def in_context(c: int, mine: set[int] = mine, n: int = n) -> bool:
                return c in article_cols or holders[c] - (n if c in mine else 0) > 0

            out.append(self._spans(text, top_k, in_context))
        return out

    def _columns_of(self, doc: str) -> set[int]:
        """The content columns of a context document's whitespace-separated chunks."""
        memo = self._memo()
        cols: set[int] = set()
        for chunk in split_chunks(doc):
            cols.update(memo.content_columns(chunk))
        return cols

    def _spans(self, text: str, top_k: int, in_context: Callable[[int], bool]) -> list[Span]:
        memo = self._memo()
        weights = memo.columns[:, 0]
        n_stems = len(memo.stem_w)
        matches = []
        for m in TOKEN.finditer(text):
            cols = memo.content_columns(m.group())
            if cols:
                matches.append((m, cols[0], float(weights[min(cols[0], n_stems)])))
        norm = float(np.sqrt(sum(w * w for _, _, w in matches))) or 1.0
        ranked = sorted(
            ((w / norm, m, c) for m, c, w in matches if not in_context(c)),
            key=lambda t: (-t[0], t[1].start()),
        )
        spans: list[Span] = []
        seen: set[int] = set()
        for weight, m, c in ranked:
            if c in seen:
                continue
            seen.add(c)
            spans.append(Span(start=m.start(), end=m.end(), text=m.group(), weight=weight))
            if len(spans) >= top_k:
                break
        return spans

    def feature_weights(self) -> dict[str, float]:
        """The dense features' weights (on standardised features), for the manifest and the docs."""
        return {n: round(float(w), 4) for n, w in zip(DENSE_FEATURES, self.coef_dense_, strict=True)}

    def top_words(self, k: int = 15) -> dict[str, list[str]]:
        """The own-text words pushing towards off-topic and on-topic most (manifest)."""
        terms = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        order = np.argsort(self.coef_text_ * self.idf_)
        decode = [t.decode("utf-8", "replace") for t in terms]
        return {"off_topic": [decode[i] for i in order[::-1][:k]], "on_topic": [decode[i] for i in order[:k]]}
