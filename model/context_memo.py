"""The off-topic model's runtime memo and fast path: chunk rows -> one compiled feature pass.

Per thread: one ``str.split`` per document and one dict probe per chunk (a ``ChunkTable``, the one
chunk-memo primitive in model/chunks.py) give each chunk's token counts, own-text sums, cues and
content columns; ``kernels.thread_features`` then computes every feature in a column space compacted
to the thread's own columns. The article's chunk rows and per-column vectors are memoised per article
beside the table: comments scored one request at a time under the same story look its thousands of
words up once. Chunks never seen before are featurised together in one compiled pass over their bytes
(model/context_kernel.py). Training featurises through the same path, so training and scoring cannot
disagree.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from itertools import chain, compress, repeat
from operator import is_
from typing import TYPE_CHECKING, Any

import numpy as np

from core.records import ArticleContext, ContextKind
from model.chunks import MAX_CACHED, MAX_CACHED_CHARS, ChunkRows, ChunkTable, Column
from model.context_kernel import Lexicon
from model.context_tokens import (
    ADDRESS_WORDS,
    is_function_word,
    is_meta_word,
    stem,
    tokenize_docs,
)
from model.kernels import (
    LM_MU,
    N_CHUNK_COLS,
    PollutedRule,
    article_summary,
    article_topic_vector,
    chunk_columns,
    thread_features,
    thread_probabilities,
)
from model.tokens import split_texts

if TYPE_CHECKING:
    from model.context import ContextOffTopic

_OOV_CACHE_MAX = 200_000
_NO_COLUMNS = np.zeros(0, dtype=np.int64)
_NO_ARTICLE = (_NO_COLUMNS, np.zeros(0), np.zeros(0), np.zeros(0))
ArticleSummary = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
NOT_TEMPERED: PollutedRule = (1.0, math.inf, math.inf, 1.0)  # thread weight 1: scores as features say
# Per chunk: the kernel's chunk columns (model/kernels.py ``C_*``) and where its content columns start
# in the pool and how many (one read, not two). Row 0 is the empty chunk.
_CONTEXT_COLUMNS = (Column(np.float64, N_CHUNK_COLS), Column(np.int64, 2))


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


def article_documents(article: ArticleContext | None) -> tuple[str, ...]:
    """The documents the article adds to a thread: (title + body, title), or none."""
    if article is None or article.is_empty:
        return ()
    return (f"{article.title}\n{article.body}", article.title)


class ContextChunks:
    """A fitted ``ContextOffTopic``'s runtime memo (never pickled; replaced when it passes its bounds)."""

    def __init__(self, model: ContextOffTopic) -> None:
        self.table = ChunkTable(_CONTEXT_COLUMNS, first_row_empty=True)
        self.lock = threading.Lock()
        self.oov_words: dict[bytes, int] = {}  # unseen words without a known stem -> their own column
        self.articles: dict[tuple[str, str], tuple[ArticleSummary, np.ndarray]] = {}
        self.article_chars = 0
        # Python lists of the model's arrays: fast scalar access while featurising chunks.
        self.vocab = model.vocabulary_
        self.idf: list[float] = model.idf_.tolist()
        self.coef: list[float] = model.coef_text_.tolist()
        self.term_stem: list[int] = model.term_stem_.tolist()
        self.stem_w: list[float] = model.stem_idf_.tolist()
        self.stem_index = model.stem_index_
        self.idf_array = np.asarray(model.idf_, dtype=np.float64)  # the same numbers, vectorised
        self.coef_array = np.asarray(model.coef_text_, dtype=np.float64)
        self.term_stem_array = np.asarray(model.term_stem_, dtype=np.int64)
        self.stem_w_array = np.asarray(model.stem_idf_, dtype=np.float64)
        self.oov_cache: dict[bytes, int] = {}
        self.lexicon = Lexicon.build(
            self.vocab,
            self.stem_index,
            self.idf_array,
            self.coef_array,
            self.term_stem_array,
            self.stem_w_array,
        )
        # Per content column (the unseen-word column appended): idf weight, background log-probability
        # and ``LM_MU`` x probability (the smoothing mass), side by side: one memory read per column.
        logp = np.append(model.stem_logp_, model.oov_logp_)
        w = np.append(model.stem_idf_, model.oov_idf_)
        self.columns = np.ascontiguousarray(np.column_stack([w, logp, LM_MU * np.exp(logp)]))
        self.topics = model.topic_
        self.no_topic = np.zeros(self.topics.shape[1])

    # -------------------------------------------------------------------- filling the table
    def _oov_column(self, tok: bytes) -> int:
        """The stem column of a word unseen at fit time, the weightless column for a function word,
        or -1 (it needs a column of its own)."""
        col = self.oov_cache.get(tok)
        if col is None:
            if len(self.oov_cache) > _OOV_CACHE_MAX:
                self.oov_cache.clear()
            weightless = len(self.stem_w) - 1
            col = weightless if is_function_word(tok) else self.stem_index.get(stem(tok), -1)
            self.oov_cache[tok] = col
        return col

    def _chunk_row(self, chunk: str, toks: list[bytes], pool: list[int]) -> list[float]:
        """One chunk's kernel row from its tokens; its content columns are appended to ``pool``."""
        n_known = n_address = n_meta = 0
        s_coef = s_sq = 0.0
        for tok in toks:
            g = self.vocab.get(tok, -1)
            if tok in ADDRESS_WORDS:
                n_address += 1
            if is_meta_word(tok):
                n_meta += 1
            if g >= 0:
                n_known += 1
                w = self.idf[g]
                s_coef += w * self.coef[g]
                s_sq += w * w
                col = self.term_stem[g]
            else:
                col = self._oov_column(tok)
                if col < 0:
                    pool.append(len(self.stem_w) + self.oov_words.setdefault(tok, len(self.oov_words)))
                    continue
            if self.stem_w[col] > 0:
                pool.append(col)
        return [
            len(toks),
            n_known,
            s_coef,
            s_sq,
            "?" in chunk,
            "!" in chunk,
            "http" in chunk or "www." in chunk,
            ":)" in chunk or ";)" in chunk or ":(" in chunk or ":D" in chunk,
            chunk.startswith("@"),
            n_address,
            n_meta,
        ]

    def _rows(self, new: list[str], pool_start: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Kernel rows, (pool start, length) and pooled content columns of new chunks: one compiled
        pass over their bytes (model/context_kernel.py), equal to ``_rows_per_chunk``'s; pool starts
        count from ``pool_start``."""
        return self.lexicon.rows(new, self.oov_words, pool_start)

    def _rows_per_chunk(
        self, new: list[str], pool_start: int = 0
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_rows`` chunk by chunk in Python: the reference tests hold the compiled pass to."""
        rows: list[list[float]] = []
        occ: list[tuple[int, int]] = []
        pool: list[int] = []
        for chunk, toks in zip(new, tokenize_docs(new), strict=True):
            before = len(pool)
            rows.append(self._chunk_row(chunk, toks, pool))
            occ.append((pool_start + before, len(pool) - before))
        return (
            np.array(rows, dtype=np.float64).reshape(len(new), N_CHUNK_COLS),
            np.array(occ, dtype=np.int64).reshape(len(new), 2),
            np.array(pool, dtype=np.int64),
        )

    def _add(self, chunks: list[str]) -> None:
        with self.lock:
            new = [c for c in dict.fromkeys(chunks) if c not in self.table.index]
            if not new:
                return
            rows, occ, pool = self._rows(new, self.table.n_pool)
            self.table.append(new, (rows, occ), pool)

    def ids(self, chunks: list[str]) -> np.ndarray:
        """The rows of ``chunks`` (new ones featurised): the Scorer's shared lookup asks for these."""
        index = self.table.index  # one dict for the table's life: entries are only ever added
        ids = list(map(index.get, chunks))
        if None in ids:
            missed = list(map(is_, ids, repeat(None)))
            self._add(list(compress(chunks, missed)))
            for i in compress(range(len(chunks)), missed):  # the found ones are not probed again
                ids[i] = index[chunks[i]]
        return np.array(ids, dtype=np.int64)

    def lookup(self, chunk_lists: list[list[str]]) -> ChunkRows:
        lengths = np.fromiter(map(len, chunk_lists), dtype=np.int64, count=len(chunk_lists))
        return ChunkRows(self.ids(list(chain.from_iterable(chunk_lists))), lengths, self)

    # -------------------------------------------------------------------- articles
    def article(
        self, article: ArticleContext, article_rows: ChunkRows | None = None
    ) -> tuple[ArticleSummary, np.ndarray]:
        """The article body's and title's vectors and counts per content column (``article_summary``)
        and the body's topic vector: memoised per article, so a stream of single comments under one
        story pays for its words once."""
        key = (article.title, article.body)
        found = self.articles.get(key)
        if found is None:
            if article_rows is None:
                article_rows = self.lookup(split_texts(article_documents(article)))
            col = chunk_columns(article_rows.ids, *self._occ_pool())
            n_body = int(article_rows.lengths[0])
            split = int(self.table.cols[1][article_rows.ids[:n_body], 1].sum())  # the body's occurrences
            topic = article_topic_vector(col[:split], self.columns, len(self.stem_w), self.topics)
            summary = article_summary(col, split, self.columns, len(self.stem_w))
            size = len(article.title) + len(article.body)
            if len(self.articles) >= MAX_CACHED or self.article_chars + size > MAX_CACHED_CHARS:
                self.articles.clear()
                self.article_chars = 0
            found = self.articles[key] = (summary, topic)
            self.article_chars += size
        return found

    def _occ_pool(self) -> tuple[np.ndarray, np.ndarray]:
        return self.table.cols[1], self.table.pool

    # -------------------------------------------------------------------- the fast path
    def _thread_arguments(
        self,
        texts: Sequence[str],
        article: ArticleContext | None,
        use_thread: bool,
        rows: ChunkRows | None,
        article_rows: ChunkRows | None,
    ) -> tuple[tuple[Any, ...], ContextKind]:
        """``thread_features``' arguments for one thread, and its context kind."""
        n = len(texts)
        kind = context_kind(article, n, use_thread)
        has_article = kind in ("article+thread", "article")
        if rows is None:
            rows = self.lookup(split_texts(texts))
        summary, article_topic = _NO_ARTICLE, self.no_topic
        if has_article:
            assert article is not None
            summary, article_topic = self.article(article, article_rows)
        table, occ = self.table.cols
        arguments = (
            rows.ids,
            rows.lengths,
            summary,
            table,
            occ,
            self.table.pool,
            self.columns,
            len(self.stem_w),
            self.topics,
            article_topic,
            np.fromiter(map(len, texts), dtype=np.float64, count=n),
            has_article,
            kind in ("article+thread", "thread"),
        )
        return arguments, kind

    def features(
        self,
        texts: Sequence[str],
        article: ArticleContext | None,
        use_thread: bool,
        rows: ChunkRows | None = None,
        article_rows: ChunkRows | None = None,
    ) -> tuple[np.ndarray, np.ndarray, ContextKind]:
        """(own-text decision, dense features, context kind) of one thread. ``rows`` / ``article_rows``:
        the texts' and ``article_documents``' chunks already looked up in this memo (the Scorer does
        that once for all its models)."""
        arguments, kind = self._thread_arguments(texts, article, use_thread, rows, article_rows)
        text_decision, dense = thread_features(*arguments)
        return text_decision, dense, kind

    def probabilities(
        self,
        texts: Sequence[str],
        article: ArticleContext | None,
        use_thread: bool,
        rows: ChunkRows | None,
        article_rows: ChunkRows | None,
        weights: tuple[np.ndarray, float],
        polluted: PollutedRule = NOT_TEMPERED,
    ) -> tuple[np.ndarray, np.ndarray, ContextKind]:
        """(P(off-topic) under the dense ``weights`` and intercept, which comments hold no content word,
        context kind) of one thread: ``features`` and the logistic in one compiled call; ``polluted``:
        ``kernels.temper_polluted``'s (thread weight, article words, share, review threshold)."""
        arguments, kind = self._thread_arguments(texts, article, use_thread, rows, article_rows)
        p, content_free = thread_probabilities(*(*arguments, *weights, polluted))
        return p, content_free, kind

    def content_columns(self, chunk: str) -> list[int]:
        """The content columns of one chunk (explanations)."""
        rows = self.lookup([[chunk]])
        occ, pool = self._occ_pool()
        start, length = occ[rows.ids[0]]
        return [int(c) for c in pool[start : start + length]]

    def size(self) -> tuple[int, int]:
        return len(self.table.index), self.table.chars

    def __reduce__(self) -> Any:  # pragma: no cover - a memo is never pickled
        raise TypeError("a ContextChunks memo is runtime state; it is not pickled")
