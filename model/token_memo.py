"""The token and chunk memos the linear text models share (``FastLinearText`` in model/features.py,
``MultiHeadText`` in model/heads.py): raw token spelling -> id and score terms, the fitted bigrams'
hash table, and a new chunk's summed terms, all filled lazily and started afresh past their bounds.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from itertools import repeat
from operator import is_
from typing import TYPE_CHECKING

import numpy as np

from model.chunks import (
    BIGRAM_SHIFT,
    MAX_CHARS,
    MAX_ENTRIES,
    ChunkRows,
    ChunkTable,
    chunk_bigrams,
    missed_keys,
    unseen,
)
from model.family_kernel import chunk_sums
from model.tokens import normalize_tokens, split_texts, token_spans, tokenize_chunks

if TYPE_CHECKING:
    from model.features import TokenFeaturizer


class GrowingRows:
    """Per-token rows (a vector or a matrix) that grow as unseen spellings arrive.

    Capacity doubles into a NEW array (amortised O(1) per row: rebuilding the whole table on every batch
    of new spellings was quadratic over a stream); rows already published are never rewritten, so a
    reader holding an older array keeps valid rows. The starting array is never written to."""

    def __init__(self, base: np.ndarray) -> None:
        self.data = base
        self.n = len(base)

    def extend(self, rows: np.ndarray) -> np.ndarray:
        need = self.n + len(rows)
        if need > len(self.data):
            grown = np.zeros((max(need, 2 * len(self.data)), *self.data.shape[1:]), dtype=self.data.dtype)
            grown[: self.n] = self.data[: self.n]
            self.data = grown
        self.data[self.n : need] = rows
        self.n = need
        return self.data


SMALL_LOOKUP = 256  # keys; below this a binary search beats the vectorised probe loop


class IntHashTable:
    """Open-addressing hash of non-negative int64 keys -> position, looked up vectorised in numpy.

    A bigram lookup per adjacent word pair was the slowest step of batch scoring as a Python dict
    (one call per pair) or as ``np.searchsorted`` (a cache-missing binary search per pair).
    """

    _MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray) -> None:
        n = len(keys)
        self.n_keys = n
        self.bits = max(4, int(np.ceil(np.log2(max(n, 1) * 4))))  # load factor <= 1/4
        size = 1 << self.bits
        self.keys = np.full(size, -1, dtype=np.int64)
        self.values = np.full(size, -1, dtype=np.int64)
        self.max_probe = 0
        # Sorted keys (as fitted bigram keys are): a few lookups are one binary search call, cheaper
        # than the probe loop's fixed numpy cost on a single short comment.
        self.sorted_keys = keys if n < 2 or bool(np.all(keys[1:] > keys[:-1])) else None
        # Built in rounds (a Python loop per key took most of a second at load): in round p every key
        # still waiting tries slot + p, and one key per free slot takes it. A key that moves on found
        # its slot taken, and slots are never freed, so a lookup's probe from slot to key crosses no
        # empty slot: exactly linear probing's invariant.
        slots = self._slots(keys)
        waiting = np.arange(n)
        probe = 0
        while len(waiting):
            at = (slots[waiting] + probe) & (size - 1)
            free = self.keys[at] == -1
            first_claim = np.zeros(len(waiting), dtype=bool)
            _, first = np.unique(at[free], return_index=True)
            first_claim[np.flatnonzero(free)[first]] = True
            won = waiting[first_claim]
            self.keys[at[first_claim]] = keys[won]
            self.values[at[first_claim]] = won
            if len(won):
                self.max_probe = probe
            waiting = waiting[~first_claim]
            probe += 1

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            hashed = keys.astype(np.uint64) * self._MULT
        return (hashed >> np.uint64(64 - self.bits)).astype(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Position of each key in the original array, or -1."""
        out = np.full(len(keys), -1, dtype=np.int64)
        if not len(keys):
            return out
        if len(keys) <= SMALL_LOOKUP and self.sorted_keys is not None and len(self.sorted_keys):
            pos = np.searchsorted(self.sorted_keys, keys)
            pos[pos >= len(self.sorted_keys)] = 0
            hit = self.sorted_keys[pos] == keys
            out[hit] = pos[hit]
            return out
        slots = self._slots(keys)
        mask = len(self.keys) - 1
        active = np.arange(len(keys))
        for probe in range(self.max_probe + 1):
            at = (slots[active] + probe) & mask
            stored = self.keys[at]
            match = stored == keys[active]
            out[active[match]] = self.values[at[match]]
            active = active[~match & (stored != -1)]  # an empty slot ends the probe: key absent
            if not len(active):
                break
        return out


class TokenTable:
    """Raw token spelling -> token id, and every id's score terms: ``s`` (the weighted coefficient sum of
    its feature row: a scalar per id, or a K-vector for a multi-head family) and ``q`` (its squared norm).

    Seeded with the vocabulary's words, so a word's id is its word-feature id (bigram keys are pairs of
    them); an unseen spelling is normalised once, and an unseen normalised token featurised once, a
    batch's at once. ``ids`` takes the owner's lock only on a miss.
    """

    def __init__(
        self,
        featurizer: TokenFeaturizer,
        coef: np.ndarray,
        base_words: Sequence[str],
        base_s: np.ndarray,
        base_q: np.ndarray,
    ) -> None:
        self.featurizer = featurizer
        self.coef = coef  # float64: features (x K)
        self.norm_to_id: dict[str, int] = {w: i for i, w in enumerate(base_words)}
        # Raw spellings -> token id, seeded with the vocabulary's own (fixed-point) spellings.
        self.raw_to_id: dict[str, int] = dict(self.norm_to_id)
        self.s_rows, self.q_rows = GrowingRows(base_s), GrowingRows(base_q)
        self.s, self.q = base_s, base_q
        self._term_rows: np.ndarray | None = None  # featurizer.term_rows(coef), built at the first new token

    def __len__(self) -> int:
        return len(self.raw_to_id)

    def ids(self, raw_tokens: list[str], lock: threading.RLock) -> np.ndarray:
        count = len(raw_tokens)
        # a list, not an array, until every spelling is known: a few tokens cost less that way
        found = list(map(self.raw_to_id.get, raw_tokens))
        if None in found:
            with lock:
                # unseen spellings in first-seen order, normalised a batch at a time; new normalised
                # tokens take the next ids in first-seen order, as one spelling after another would
                # give them. Ids are published after their rows are written (dict updates, not a loop).
                raw_to_id, norm_to_id = self.raw_to_id, self.norm_to_id
                new_raw = unseen(raw_tokens, map(is_, found, repeat(None)), raw_to_id)
                norms = normalize_tokens(new_raw)
                new_norms = unseen(norms, repeat(True), norm_to_id)
                if new_norms:
                    if self._term_rows is None:
                        self._term_rows = self.featurizer.term_rows(self.coef)
                    s_new, q_new = self.featurizer.type_terms(new_norms, self.coef, self._term_rows)
                    first_id = self.q_rows.n
                    self.s = self.s_rows.extend(s_new.reshape(len(new_norms), *self.s.shape[1:]))
                    self.q = self.q_rows.extend(q_new)
                    norm_to_id.update(zip(new_norms, range(first_id, first_id + len(new_norms)), strict=True))
                raw_to_id.update(zip(new_raw, map(norm_to_id.__getitem__, norms), strict=True))
                found = list(map(raw_to_id.__getitem__, raw_tokens))
        return np.fromiter(found, dtype=np.int64, count=count)


def bigram_hits(
    table: IntHashTable, n_words: int, ids: np.ndarray, same_doc: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(position i, bigram index) of every adjacent pair (ids[i], ids[i+1]) of words that is a bigram
    feature; ``same_doc[i]`` False excludes a pair that straddles two texts."""
    if len(ids) < 2 or not table.n_keys:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    left, right = ids[:-1], ids[1:]
    ok = (left < n_words) & (right < n_words)
    if same_doc is not None:
        ok &= same_doc
    pos_i = np.flatnonzero(ok)
    found = table.lookup((left[pos_i] << BIGRAM_SHIFT) | right[pos_i])
    hit = found >= 0
    return pos_i[hit], found[hit]


def chunk_terms(
    chunks: list[str],
    tokens: TokenTable,
    lock: threading.RLock,
    bigram_table: IntHashTable,
    n_words: int,
    bigram_s: np.ndarray,
    bigram_q: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per new chunk: summed score terms ``s`` (a scalar or K-vector per chunk, as ``tokens.s``), norm
    term ``q``, token count, first / last word id (-1: none, or not a word feature) and has-tokens, for
    the chunk memos of ``FastLinearText`` and ``MultiHeadText``: one compiled pass over the tokens
    (``chunk_terms_numpy`` is the reference it equals)."""
    flat, lengths = tokenize_chunks(chunks)
    ids = tokens.ids(flat, lock)
    tok_s, big_s = tokens.s, bigram_s
    single = tok_s.ndim == 1
    if single:
        tok_s, big_s = tok_s.reshape(-1, 1), big_s.reshape(-1, 1)
    s, q, first, last = chunk_sums(
        ids,
        lengths,
        tok_s,
        tokens.q,
        n_words,
        bigram_table.keys,
        bigram_table.values,
        bigram_table.bits if bigram_table.n_keys else 0,
        big_s,
        bigram_q,
        single,
    )
    return (s[:, 0] if single else s), q, lengths, first, last, lengths > 0


def chunk_terms_numpy(
    chunks: list[str],
    tokens: TokenTable,
    lock: threading.RLock,
    bigram_table: IntHashTable,
    n_words: int,
    bigram_s: np.ndarray,
    bigram_q: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``chunk_terms`` in numpy: the reference the compiled pass is tested against."""
    m = len(chunks)
    flat, lengths = tokenize_chunks(chunks)
    ids = tokens.ids(flat, lock)
    owner = np.repeat(np.arange(m), lengths)
    pos, big = bigram_hits(bigram_table, n_words, ids, owner[:-1] == owner[1:])
    s: np.ndarray
    if tokens.s.ndim == 1:
        s = np.bincount(owner, weights=tokens.s[ids], minlength=m)
        s += np.bincount(owner[pos], weights=bigram_s[big], minlength=m)
    else:
        s = np.zeros((m, tokens.s.shape[1]))
        np.add.at(s, owner, tokens.s[ids])
        if len(pos):
            np.add.at(s, owner[pos], bigram_s[big])
    q = np.bincount(owner, weights=tokens.q[ids], minlength=m)
    q += np.bincount(owner[pos], weights=bigram_q[big], minlength=m)
    nonempty = lengths > 0
    ends = np.cumsum(lengths)
    first = np.full(m, -1, dtype=np.int64)
    last = np.full(m, -1, dtype=np.int64)
    first[nonempty] = ids[(ends - lengths)[nonempty]]
    last[nonempty] = ids[ends[nonempty] - 1]
    first[first >= n_words] = -1  # only word features take part in bigrams
    last[last >= n_words] = -1
    return s, q, lengths, first, last, nonempty


class ChunkMemoText:
    """What ``FastLinearText`` and ``MultiHeadText`` (model/heads.py) share: a token memo (``_tokens``)
    and a chunk memo (``_chunks``) over one featuriser, written under ``_lock`` and started afresh
    (``_reset_cache``) past their bounds. A subclass sets those and ``_add_chunks``."""

    # Runtime limits are class attributes: not pickled, so they can change without retraining.
    max_cache_entries = MAX_ENTRIES
    max_cache_chars = MAX_CHARS
    slice_size = 2_000
    _tokens: TokenTable
    _chunks: ChunkTable
    _bigram_table: IntHashTable
    _lock: threading.RLock
    n_words: int
    bigram_q: np.ndarray
    norm_power: float

    def _reset_cache(self) -> None:
        raise NotImplementedError

    def _add_chunks(self, table: ChunkTable, chunks: list[str]) -> None:
        raise NotImplementedError

    def _maybe_reset(self) -> None:
        """Both memos started afresh when either passed its bounds."""
        chunks, limit = self._chunks, self.max_cache_entries
        if len(chunks.index) > limit or len(self._tokens) > limit or chunks.chars > self.max_cache_chars:
            self._reset_cache()

    def chunk_rows(self, chunks: list[str]) -> tuple[np.ndarray, ChunkTable]:
        """Rows of ``str.split`` chunks in the chunk table (new ones featurised) and that table.

        The rows stay valid for that table object: tables are append-only and replaced whole on
        reset, so a caller that keeps the table (the Scorer's shared chunk index) may keep the rows."""
        table = self._chunks
        ids = table.lookup(chunks)
        missed = np.flatnonzero(ids < 0)
        if len(missed):
            with self._lock:
                self._maybe_reset()
                if self._chunks is not table:  # started afresh: no row found is valid
                    table, missed = self._chunks, np.arange(len(chunks))
                keys = missed_keys(chunks, missed)
                missing = unseen(keys, repeat(True), table.index)
                if missing:
                    start = table.size
                    self._add_chunks(table, missing)
                    if len(missing) == len(chunks):  # all new and distinct (the Scorer's case): in order
                        return np.arange(start, start + len(chunks), dtype=np.int64), table
                ids[missed] = table.rows(keys)  # only the missed chunks are probed again
        return ids, table

    def split(self, texts: Sequence[str]) -> ChunkRows:
        """``texts`` split into chunks and looked up (``chunk_rows``)."""
        parts = split_texts(texts)
        lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        ids, table = self.chunk_rows(list(itertools.chain.from_iterable(parts)))
        return ChunkRows(ids, lengths, table)

    def _norm_sums(
        self,
        ids: np.ndarray,
        lengths: np.ndarray,
        q: np.ndarray,
        first: np.ndarray,
        last: np.ndarray,
        nonempty: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For texts given as chunk rows (``lengths[i]`` per text; ``q``, ``first``, ``last``, ``nonempty``:
        the table's columns): each chunk's text, each text's summed norm term with its bigrams across
        chunks, and those bigrams' texts and features (``chunk_bigrams``), for their score terms."""
        n = len(lengths)
        doc = np.repeat(np.arange(n), lengths)
        q_sum = np.bincount(doc, weights=q[ids], minlength=n)
        keep = nonempty[ids]
        docs, features = chunk_bigrams(self._bigram_table, ids[keep], doc[keep], first, last)
        if len(features):
            q_sum += np.bincount(docs, weights=self.bigram_q[features], minlength=n)
        return doc, q_sum, docs, features

    def _token_terms(
        self, text: str
    ) -> tuple[list[tuple[int, int, str]], np.ndarray, float, np.ndarray, np.ndarray] | None:
        """For an explanation of ``text``: its token spans, the score terms of every token (a row each, as
        the token memo's ``s``), a term's scale in the decision (the text's norm term with its bigrams',
        to the power ``-norm_power``) and the bigrams found (``bigram_hits``); None without a token."""
        spans = token_spans(text)
        if not spans:
            return None
        with self._lock:
            self._maybe_reset()
            tokens = self._tokens
            ids = tokens.ids([raw for _, _, raw in spans], self._lock)
            s = tokens.s[ids]
            q_total = float(tokens.q[ids].sum())
        pos_i, big = bigram_hits(self._bigram_table, self.n_words, ids, None)
        q_total += float(self.bigram_q[big].sum())
        if q_total <= 0:
            return None
        return spans, s, q_total**-self.norm_power, pos_i, big
