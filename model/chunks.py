"""Chunk memos: the one primitive (``ChunkTable``) and the Scorer's shared lookup (``SharedChunks``).

Scoring is dominated by per-token work, and the same whitespace chunks ("idiot!!", "Lavrov") come back
all the time, so every model memoises per-chunk constants: ``split_chunks`` a text (model/tokens.py:
``str.split``, except that a spaced-out word such as "i d i o t" stays one chunk), one dict probe per
chunk, then numpy or a compiled kernel over the rows. ``ChunkTable`` is that memo, used three ways:

- ``FastLinearText`` (model/features.py): per chunk, its own-text sums and first/last word ids;
- ``ContextChunks`` (model/context_memo.py): per chunk, cues, own-text sums and content columns;
- ``SharedChunks`` (below): per chunk, its row in EVERY model's table, so a Scorer with several models
  splits and probes each chunk once, not once per model.

Consistency: a table is append-only and replaced whole when it passes its bounds, so a row stays valid
for the table object it came from; arrays grow by doubling into NEW arrays (a reader holding the old
ones keeps a valid snapshot), and a chunk's index entry is published only after its row is written.
Writers hold their owner's lock; readers take no lock.
"""

from __future__ import annotations

import threading
from collections.abc import Container, Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import is_
from typing import Any, Protocol

import numpy as np

from model.tokens import split_texts

# Runtime bounds shared by every chunk memo (class attributes of their owners may override them).
MAX_ENTRIES = 300_000
MAX_CHARS = 32_000_000
MAX_CACHED = 64  # document sets (articles) kept beside a table
MAX_CACHED_CHARS = 8_000_000


def unseen(keys: Sequence[str], missed: Iterable[Any], index: Container[str]) -> list[str]:
    """The distinct ``keys`` (first-seen order) that ``index`` lacks, testing only those ``missed`` marks
    (an earlier lookup's misses): a Python test per missed key instead of one per key."""
    return [k for k in dict.fromkeys(compress(keys, missed)) if k not in index]


# A word pair's key in a bigram table: (left word id << BIGRAM_SHIFT) | right word id.
BIGRAM_SHIFT = 32


def chunk_bigrams(
    table: Any, ids: np.ndarray, doc: np.ndarray, first: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The bigrams across chunks of texts given as the rows ``ids`` of their token-bearing chunks (of
    text ``doc``): a chunk's last word and the next chunk's first (columns ``last`` / ``first``; -1:
    none) in the same text, looked up in ``table``. Their texts and features (empty when none)."""
    if len(ids) < 2:
        return doc[:0], ids[:0]
    left, right = last[ids[:-1]], first[ids[1:]]
    pos = np.flatnonzero((doc[:-1] == doc[1:]) & (left >= 0) & (right >= 0))
    big = table.lookup((left[pos] << BIGRAM_SHIFT) | right[pos])
    hit = big >= 0
    return doc[pos[hit]], big[hit]


def missed_keys(keys: list[str], missed: np.ndarray) -> list[str]:
    """The ``keys`` at the positions ``missed`` (all of them when every one is)."""
    return keys if len(missed) == len(keys) else list(map(keys.__getitem__, missed.tolist()))


@dataclass(frozen=True, slots=True)
class ChunkRows:
    """Texts already split into ``str.split`` chunks and looked up in one model's chunk table: the row
    of every chunk (texts in order), the chunk count of every text, and the table the rows index."""

    ids: np.ndarray
    lengths: np.ndarray
    table: Any


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a ``ChunkTable``: dtype, width (0 = a 1-D column) and the value of unwritten rows."""

    dtype: Any
    width: int = 0
    fill: float | int | bool = 0


class ChunkTable:
    """Append-only memo: chunk -> row of fixed columns, plus an optional pool of variable-length data
    (a row stores where its slice starts and how long it is in a column of its own)."""

    def __init__(self, columns: Sequence[Column], capacity: int = 1024, first_row_empty: bool = False):
        self.index: dict[str, int] = {}
        self.spec = tuple(columns)
        self.cols: tuple[np.ndarray, ...] = tuple(self._new(c, capacity) for c in self.spec)
        self.pool = np.zeros(0, dtype=np.int64)
        self.n_pool = 0
        self.size = 1 if first_row_empty else 0  # row 0 may be a sentinel (the empty chunk)
        self.chars = 0  # total characters of the keys: long unique chunks must not exhaust memory
        self.extra: dict[str, Any] = {}  # the owner's per-table memos (they die with the table)

    @staticmethod
    def _new(c: Column, n: int) -> np.ndarray:
        return np.full((n, c.width) if c.width else n, c.fill, dtype=c.dtype)

    def lookup(self, chunks: Sequence[str]) -> np.ndarray:
        """Row of every chunk, -1 for those not in the table."""
        return np.fromiter(map(self.index.get, chunks, repeat(-1)), dtype=np.int64, count=len(chunks))

    def rows(self, chunks: Sequence[str]) -> np.ndarray:
        """Row of every chunk, all in the table."""
        return np.fromiter(map(self.index.__getitem__, chunks), dtype=np.int64, count=len(chunks))

    def full(self, max_entries: int = MAX_ENTRIES, max_chars: int = MAX_CHARS) -> bool:
        return len(self.index) > max_entries or self.chars > max_chars

    def append(
        self, chunks: Sequence[str], values: Sequence[np.ndarray], pool: Sequence[int] | np.ndarray = ()
    ) -> int:
        """Write rows for new distinct ``chunks`` (and their pooled data); returns where the pool
        data started. Index entries are published last: a row id is visible only once written."""
        start, stop = self.size, self.size + len(chunks)
        current = self.cols
        if stop > len(current[0]):
            cap = max(stop, 2 * len(current[0]))
            grown = []
            for c, old in zip(self.spec, current, strict=True):
                new = self._new(c, cap)
                new[:start] = old[:start]
                grown.append(new)
            current = tuple(grown)
        for dest, v in zip(current, values, strict=True):
            dest[start:stop] = v
        p0 = self.n_pool
        if len(pool):
            p1 = p0 + len(pool)
            if p1 > len(self.pool):
                grown_pool = np.zeros(max(2 * len(self.pool), p1, 4096), dtype=np.int64)
                grown_pool[:p0] = self.pool[:p0]
                self.pool = grown_pool
            self.pool[p0:p1] = pool
            self.n_pool = p1
        self.cols = current
        self.size = stop
        self.chars += sum(map(len, chunks))
        self.index.update(zip(chunks, range(start, stop), strict=True))
        return p0


class ChunkModel(Protocol):
    def chunk_rows(self, chunks: list[str]) -> tuple[np.ndarray, Any]:
        """Rows of ``chunks`` in the model's chunk table (new ones featurised) and that table."""
        ...


class _State:
    """One generation of the shared index: a ``ChunkTable`` of each model's row per chunk, the model
    tables those rows index, and the rows of recently seen document sets (articles)."""

    def __init__(self, n_models: int, tables: tuple[Any, ...]) -> None:
        self.table = ChunkTable([Column(np.int64, n_models)])
        self.tables = tables
        self.cached: dict[Hashable, tuple[ChunkRows, ...]] = {}
        self.cached_chars = 0


def _side_by_side(columns: Sequence[np.ndarray]) -> np.ndarray:
    """``np.column_stack`` of 1-D int64 rows, without its per-call overhead (a few new chunks a call)."""
    out = np.empty((len(columns[0]), len(columns)), dtype=np.int64)
    for k, column in enumerate(columns):
        out[:, k] = column
    return out


class SharedChunks:
    """The chunk rows of texts in every model's table, from one ``str.split`` and one probe per chunk."""

    max_entries = MAX_ENTRIES
    max_chars = MAX_CHARS
    max_cached = MAX_CACHED
    max_cached_chars = MAX_CACHED_CHARS

    def __init__(self, models: Sequence[ChunkModel]) -> None:
        self.models = tuple(models)
        self._lock = threading.Lock()
        self._state = _State(len(self.models), tuple(None for _ in self.models))

    def split(self, texts: Sequence[str]) -> list[ChunkRows]:
        """Per model, the rows of ``texts`` (cut by ``split_texts``)."""
        chunk_lists = split_texts(texts)
        while True:
            rows = self._rows(self._state, chunk_lists)
            if rows is not None:
                return rows

    def split_with(
        self, texts: Sequence[str], key: Hashable, documents: Sequence[str]
    ) -> tuple[list[ChunkRows], list[ChunkRows]]:
        """``split(texts)`` and ``split(documents)`` from the same index generation; the second is
        remembered under ``key`` (an article scored again costs one dict lookup)."""
        chunk_lists = split_texts(texts)
        while True:
            state = self._state
            extra = state.cached.get(key)
            if extra is not None:
                rows = self._rows(state, chunk_lists)
                if rows is not None:
                    return rows, list(extra)
                continue
            # One lookup for both, so a restart (a new generation) holds both.
            both = self._rows(state, chunk_lists + split_texts(documents))
            if both is None:
                continue
            rows, found = [], []
            n_texts = len(chunk_lists)
            for r in both:
                cut = int(r.lengths[:n_texts].sum())
                rows.append(ChunkRows(r.ids[:cut], r.lengths[:n_texts], r.table))
                found.append(ChunkRows(r.ids[cut:], r.lengths[n_texts:], r.table))
            size = sum(map(len, documents))
            with self._lock:
                over = state.cached_chars + size > self.max_cached_chars
                if over or len(state.cached) >= self.max_cached:
                    state.cached.clear()
                    state.cached_chars = 0
                state.cached[key] = tuple(found)
                state.cached_chars += size
            return rows, found

    def _rows(self, state: _State, chunk_lists: list[list[str]]) -> list[ChunkRows] | None:
        """The rows in ``state``, adding new chunks; None when ``state`` had to be replaced."""
        flat = list(chain.from_iterable(chunk_lists))
        lengths = np.fromiter(map(len, chunk_lists), dtype=np.int64, count=len(chunk_lists))
        index = state.table.index  # one dict for the state's life: entries are only ever added
        found = list(map(index.get, flat))  # a list until complete: cheaper for a few chunks
        if None in found:
            missed = list(map(is_, found, repeat(None)))
            if not self._add(state, flat, missed):
                return None
            # Only the missed chunks are probed again: each probe of this large index misses the cache.
            for i in compress(range(len(flat)), missed):
                found[i] = index[flat[i]]
        slots = np.array(found, dtype=np.int64)
        per_model = state.table.cols[0]  # read after the index: at least as new as the slots it holds
        # column view, then gather: a third of per_model[slots, k]'s cost (mixed indexing's slow path)
        return [ChunkRows(per_model[:, k][slots], lengths, t) for k, t in enumerate(state.tables)]

    def _add(self, state: _State, flat: list[str], missed: list[bool]) -> bool:
        """Add ``flat``'s new chunks (``missed`` by the lookup) to ``state``; False if a new state
        replaced it (then retry)."""
        with self._lock:
            if state is not self._state:
                return False
            new = unseen(flat, missed, state.table.index)
            if not new:
                return True
            found = [m.chunk_rows(new) for m in self.models]
            full = state.table.full(self.max_entries - len(new), self.max_chars)
            if full or any(t is not s for (_, t), s in zip(found, state.tables, strict=True)):
                # A model replaced its table (or this index is full): start a new generation holding
                # this call's chunks. Callers holding the old state keep valid rows of the old tables.
                distinct = list(dict.fromkeys(flat))
                found = [m.chunk_rows(distinct) for m in self.models]
                fresh = _State(len(self.models), tuple(t for _, t in found))
                fresh.table.append(distinct, [_side_by_side([r for r, _ in found])])
                self._state = fresh
                return False
            state.table.append(new, [_side_by_side([r for r, _ in found])])
            return True
