"""One ``str.split`` and one dict lookup per chunk for all of a Scorer's models.

Both attribute models score from per-chunk constants memoised in chunk tables of their own
(``FastLinearText`` in model/features.py, ``ContextOffTopic`` in model/context.py). Looking every
chunk up once per model doubled the cost that dominates scoring: one dict probe per chunk into a
table far larger than the CPU cache. ``SharedChunks`` maps a chunk to its row in EVERY model's table
with one probe, and remembers the rows of recent articles' documents, so a story's body is not
looked up again for each request about it.

Consistency: a model's table is append-only and replaced whole when it passes its bounds, so a row
stays valid for the table object it came from. The shared index keeps those table objects; when a
model hands back a different one (it was reset), the index starts over. Readers take a snapshot
(``_State``) and never see a half-written row: rows are written before their index entries.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Sequence
from itertools import chain, repeat
from typing import Any, Protocol

import numpy as np

from model.features import ChunkRows


class ChunkModel(Protocol):
    def chunk_rows(self, chunks: list[str]) -> tuple[np.ndarray, Any]:
        """Rows of ``chunks`` in the model's chunk table (new ones featurised) and that table."""
        ...


class _State:
    """One generation of the index: chunk -> slot, and each model's row per slot."""

    def __init__(self, n_models: int, tables: tuple[Any, ...]) -> None:
        self.index: dict[str, int] = {}
        self.rows: tuple[np.ndarray, ...] = tuple(np.zeros(1024, dtype=np.int64) for _ in range(n_models))
        self.tables = tables
        self.chars = 0
        self.cached: dict[Hashable, tuple[ChunkRows, ...]] = {}
        self.cached_chars = 0


class SharedChunks:
    """The chunk rows of texts in every model's table, from one ``str.split`` and one probe per chunk."""

    # Runtime bounds (class attributes: never pickled). Each model also bounds its own table.
    max_entries = 300_000
    max_chars = 32_000_000
    max_cached = 64  # documents sets kept by ``lookup(..., key=...)``, e.g. articles
    max_cached_chars = 8_000_000

    def __init__(self, models: Sequence[ChunkModel]) -> None:
        self.models = tuple(models)
        self._lock = threading.Lock()
        self._state = _State(len(self.models), tuple(None for _ in self.models))

    def split(self, texts: Sequence[str]) -> list[ChunkRows]:
        """Per model, the rows of ``texts`` (each split on whitespace)."""
        chunk_lists = [t.split() for t in texts]
        while True:
            state = self._state
            rows = self._rows(state, chunk_lists)
            if rows is not None:
                return rows

    def split_with(
        self, texts: Sequence[str], key: Hashable, documents: Sequence[str]
    ) -> tuple[list[ChunkRows], list[ChunkRows]]:
        """``split(texts)`` and ``split(documents)`` from the same index generation; the second is
        remembered under ``key`` (an article scored again costs one dict lookup)."""
        chunk_lists = [t.split() for t in texts]
        while True:
            state = self._state
            extra = state.cached.get(key)
            if extra is not None:
                rows = self._rows(state, chunk_lists)
                if rows is not None:
                    return rows, list(extra)
                continue
            # One lookup for both, so a restart (a new generation) holds both.
            both = self._rows(state, chunk_lists + [d.split() for d in documents])
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
        slots = np.fromiter(map(state.index.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        if (slots < 0).any():
            if not self._add(state, flat):
                return None
            slots = np.fromiter(map(state.index.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        per_model = state.rows  # read after the index: at least as new as the slots it holds
        return [ChunkRows(r[slots], lengths, t) for r, t in zip(per_model, state.tables, strict=True)]

    def _add(self, state: _State, flat: list[str]) -> bool:
        """Add ``flat``'s new chunks to ``state``; False if a new state replaced it (then retry)."""
        with self._lock:
            if state is not self._state:
                return False
            new = [c for c in dict.fromkeys(flat) if c not in state.index]
            if not new:
                return True
            found = [m.chunk_rows(new) for m in self.models]
            full = len(state.index) + len(new) > self.max_entries or state.chars > self.max_chars
            if full or any(t is not s for (_, t), s in zip(found, state.tables, strict=True)):
                # A model replaced its table (or this index is full): start a new generation holding
                # this call's chunks. Callers holding the old state keep valid rows of the old tables.
                distinct = list(dict.fromkeys(flat))
                found = [m.chunk_rows(distinct) for m in self.models]
                fresh = _State(len(self.models), tuple(t for _, t in found))
                self._write(fresh, distinct, [r for r, _ in found])
                self._state = fresh
                return False
            self._write(state, new, [r for r, _ in found])
            return True

    @staticmethod
    def _write(state: _State, chunks: list[str], rows: list[np.ndarray]) -> None:
        n0 = len(state.index)
        n1 = n0 + len(chunks)
        current = state.rows
        if n1 > len(current[0]):  # grow into new arrays: readers keep valid old ones
            cap = max(n1, 2 * len(current[0]))
            current = tuple(np.concatenate([a[:n0], np.zeros(cap - n0, dtype=np.int64)]) for a in current)
        for dest, r in zip(current, rows, strict=True):
            dest[n0:n1] = r
        state.rows = current
        state.chars += sum(map(len, chunks))
        state.index.update(zip(chunks, range(n0, n1), strict=True))  # last: slots point at written rows
