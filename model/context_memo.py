"""The off-topic model's runtime memo and fast path: chunk rows -> one compiled feature pass.

Per thread: one ``str.split`` per document and one dict probe per chunk (a ``ChunkTable``, the one
chunk-memo primitive in model/chunks.py) give each chunk's token counts, own-text sums, cues and
content columns; ``kernels.thread_features`` then computes every feature in a column space compacted
to the thread's own columns. The article's chunk rows and per-column vectors are memoised per article
beside the table: comments scored one request at a time under the same story look its thousands of
words up once. Training featurises through the same path, so training and scoring cannot disagree.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from core.records import ArticleContext, ContextKind
from model.chunks import MAX_CACHED, MAX_CACHED_CHARS, ChunkRows, ChunkTable, Column
from model.context_tokens import (
    ADDRESS_WORDS,
    META_PREFIXES,
    is_function_word,
    is_meta_word,
    stem,
    tokenize_docs,
)
from model.features import GrowingRows
from model.kernels import (
    C_EMO,
    C_EXCL,
    C_MENTION,
    C_Q,
    C_URL,
    LM_MU,
    N_CHUNK_COLS,
    article_summary,
    article_topic_vector,
    chunk_columns,
    chunk_token_sums,
    thread_features,
)

if TYPE_CHECKING:
    from model.context import ContextOffTopic

_OOV_CACHE_MAX = 200_000
# Below this many new chunks the per-chunk Python rows are cheaper than the vectorised pass's fixed
# numpy and dispatch costs (measured, fresh memo: 3.4 vs 9.9 us per chunk at a single comment's ~7 new
# chunks, 3.6 vs 5.2 at 13, about equal at 50-75).
SMALL_BATCH = 40
_NO_COLUMNS = np.zeros(0, dtype=np.int64)
_NO_ARTICLE = (_NO_COLUMNS, np.zeros(0), np.zeros(0), np.zeros(0))
ArticleSummary = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
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
        self._reset_tokens()
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

    def _reset_tokens(self) -> None:
        """(Re)start the token memo: every token seen in a new chunk -> its constants (known to the
        vocabulary, idf x coef, idf^2, content column or -1, address word, meta word), so a chunk's row
        is a compiled sum over its tokens and only a never-seen token costs Python work."""
        self.token_ids: dict[bytes, int] = {}
        dtypes = (np.bool_, np.float64, np.float64, np.int64, np.bool_, np.bool_)
        self.token_cols = tuple(GrowingRows(np.zeros(0, dtype=d)) for d in dtypes)
        self.token_arrays: tuple[np.ndarray, ...] = tuple(c.data for c in self.token_cols)

    def _token_constants(self, new: list[bytes]) -> tuple[np.ndarray, ...]:
        """The constants of never-seen tokens, in ``_chunk_row``'s arithmetic, a batch at a time with
        C-level ``map``s (a Python loop per token cost as much as the chunk loop it replaced). An
        unseen word without a known stem gets its own column, in first-seen order, as in ``_chunk_row``."""
        m = len(new)
        g = np.fromiter(map(self.vocab.get, new, repeat(-1)), dtype=np.int64, count=m)
        known = g >= 0
        gk = g[known]
        w = self.idf_array[gk]
        s_coef = np.zeros(m)
        s_sq = np.zeros(m)
        s_coef[known] = w * self.coef_array[gk]
        s_sq[known] = w * w
        col = np.full(m, -1, dtype=np.int64)
        col[known] = self.term_stem_array[gk]
        unknown = np.flatnonzero(~known).tolist()
        col[unknown] = list(map(self._oov_column, [new[i] for i in unknown]))
        content = np.where(col >= 0, col, -1)
        content[(col >= 0) & ~(self.stem_w_array[np.maximum(col, 0)] > 0)] = -1
        own = self.oov_words
        n_stems = len(self.stem_w)
        for i in np.flatnonzero(col < 0).tolist():
            content[i] = n_stems + own.setdefault(new[i], len(own))
        address = np.fromiter(map(ADDRESS_WORDS.__contains__, new), dtype=bool, count=m)
        meta = np.fromiter(map(bytes.startswith, new, repeat(META_PREFIXES)), dtype=bool, count=m)
        for i in np.flatnonzero(meta).tolist():
            meta[i] = is_meta_word(new[i])
        return known, s_coef, s_sq, content, address, meta

    def _token_rows(self, flat: list[bytes]) -> np.ndarray:
        """Token-memo ids of ``flat`` (new tokens added in first-seen order)."""
        if len(self.token_ids) > _OOV_CACHE_MAX:
            self._reset_tokens()
        index = self.token_ids
        new = [t for t in dict.fromkeys(flat) if t not in index]
        if new:
            values = self._token_constants(new)
            self.token_arrays = tuple(c.extend(v) for c, v in zip(self.token_cols, values, strict=True))
            index.update(zip(new, range(len(index), len(index) + len(new)), strict=True))
        return np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))

    def _rows(self, new: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Kernel rows, (pool start, length) and pooled content columns of new chunks: chunk by chunk in
        Python for a few (a single comment's), else one compiled pass over their tokens. Both give the
        same rows and share the unseen-word columns, so they may alternate."""
        if len(new) < SMALL_BATCH:
            return self._rows_per_chunk(new)
        return self._rows_vectorised(new)

    def _rows_vectorised(self, new: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_rows`` for many chunks: a token memo and one compiled pass (``_rows_per_chunk`` is the
        per-chunk Python it replaces, which tests hold it to)."""
        m = len(new)
        tok_lists = tokenize_docs(new)  # one tokenizer pass for every new chunk
        flat = list(chain.from_iterable(tok_lists))
        n_tokens = np.fromiter(map(len, tok_lists), dtype=np.int64, count=m)
        tok = self._token_rows(flat)
        rows = np.zeros((m, N_CHUNK_COLS))
        occ = np.zeros((m, 2), dtype=np.int64)
        pool = _NO_COLUMNS
        if len(flat):
            known, s_coef, s_sq, content, address, meta = self.token_arrays
            pool = chunk_token_sums(tok, n_tokens, known, s_coef, s_sq, content, address, meta, rows, occ)

        def has(part: str) -> np.ndarray:
            return np.fromiter(map(str.__contains__, new, repeat(part)), dtype=bool, count=m)

        rows[:, C_Q] = has("?")
        rows[:, C_EXCL] = has("!")
        rows[:, C_URL] = has("http") | has("www.")
        rows[:, C_EMO] = has(":)") | has(";)") | has(":(") | has(":D")
        rows[:, C_MENTION] = np.fromiter(map(str.startswith, new, repeat("@")), dtype=bool, count=m)
        return rows, occ, pool

    def _rows_per_chunk(self, new: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_rows`` chunk by chunk in Python: the path for a few new chunks, and the reference tests
        hold ``_rows_vectorised`` to. Rows are collected as lists and converted once."""
        rows: list[list[float]] = []
        occ: list[tuple[int, int]] = []
        pool: list[int] = []
        for chunk, toks in zip(new, tokenize_docs(new), strict=True):
            before = len(pool)
            rows.append(self._chunk_row(chunk, toks, pool))
            occ.append((before, len(pool) - before))
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
            rows, occ, pool = self._rows(new)
            occ[:, 0] += self.table.n_pool
            self.table.append(new, (rows, occ), pool)

    def lookup(self, chunk_lists: list[list[str]]) -> ChunkRows:
        flat = list(chain.from_iterable(chunk_lists))
        index = self.table.index  # one dict for the table's life: entries are only ever added
        ids = list(map(index.get, flat))
        if None in ids:
            self._add([c for c, i in zip(flat, ids, strict=True) if i is None])
            ids = list(map(index.__getitem__, flat))
        lengths = np.fromiter(map(len, chunk_lists), dtype=np.int64, count=len(chunk_lists))
        return ChunkRows(np.array(ids, dtype=np.int64), lengths, self)

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
                article_rows = self.lookup([d.split() for d in article_documents(article)])
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
        n = len(texts)
        kind = context_kind(article, n, use_thread)
        has_article = kind in ("article+thread", "article")
        if rows is None:
            rows = self.lookup([t.split() for t in texts])
        summary, article_topic = _NO_ARTICLE, self.no_topic
        if has_article:
            assert article is not None
            summary, article_topic = self.article(article, article_rows)
        table, occ = self.table.cols
        text_decision, dense = thread_features(
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
        return text_decision, dense, kind

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
