"""Compiled character n-gram lookup for new token spellings (numba).

On a stream of distinct comments the text family keeps meeting spellings it has not featurised yet
(names, typos, numbers), and featurising one was about thirty Python slices and dict lookups: the
largest single cost of scoring such a stream. Here a batch of new tokens becomes one array of code
points, and one compiled pass finds every padded n-gram (sklearn ``char_wb`` style, like
``model.features.char_ngrams``) in an open-addressing table of the vocabulary's n-grams.

Keys are exact, not hashes: an n-gram of at most ``hi`` code points, each below ``2**bits``, packs
into one int64 (3 bits of length, then ``bits`` per code point). A token with a larger code point
(CJK, emoji) is left to the Python path, so results are identical, not approximately so.

Compiled once per machine (``cached_njit`` keeps the machine code next to this file).
"""

from __future__ import annotations

import numpy as np

from model.jit import cached_njit

_MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing
_PAD = 32  # the space around each token
_LENGTH_BITS = 3


def key_bits(hi: int) -> int:
    """Bits per code point for n-grams up to ``hi`` long (0: no exact packing, use Python)."""
    if hi < 1 or hi >= 1 << _LENGTH_BITS:
        return 0
    bits = (63 - _LENGTH_BITS) // hi
    return bits if bits >= 8 else 0


def code_points(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(all code points as uint32, start offsets with a final end) of ``strings``."""
    codes = np.frombuffer("".join(strings).encode("utf-32-le"), dtype=np.uint32)
    starts = np.zeros(len(strings) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, strings), dtype=np.int64, count=len(strings)), out=starts[1:])
    return codes, starts


@cached_njit(nogil=True)
def _slot(key: np.int64, table_bits: int) -> np.int64:  # pragma: no cover - compiled
    return np.int64((np.uint64(key) * _MULT) >> np.uint64(64 - table_bits))


@cached_njit(nogil=True)
def find(
    key: np.int64, keys: np.ndarray, values: np.ndarray, table_bits: int
) -> np.int64:  # pragma: no cover
    """The value stored for ``key`` in an open-addressing table (linear probing, key -1 = empty;
    ``model.token_memo.IntHashTable`` and ``build_table`` lay tables out this way), or -1."""
    mask = (1 << table_bits) - 1
    slot = _slot(key, table_bits)
    while True:
        stored = keys[slot]
        if stored == key:
            return values[slot]
        if stored == -1:
            return np.int64(-1)
        slot = (slot + 1) & mask


@cached_njit(nogil=True)
def find_pair(key: np.int64, pairs: np.ndarray, table_bits: int) -> np.int64:  # pragma: no cover
    """``find`` in a table stored as (key, value) rows (``build_table``): a probe reads one cache line,
    not one in each of two arrays (the n-gram table is far larger than the cache)."""
    mask = (1 << table_bits) - 1
    slot = _slot(key, table_bits)
    while True:
        stored = pairs[slot, 0]
        if stored == key:
            return pairs[slot, 1]
        if stored == -1:
            return np.int64(-1)
        slot = (slot + 1) & mask


@cached_njit(nogil=True)
def _pack(codes: np.ndarray, start: int, n: int, bits: int) -> np.int64:  # pragma: no cover - compiled
    """The key of ``codes[start:start+n]``, or -1 when a code point does not fit."""
    limit = 1 << bits
    key = np.int64(n)
    for m in range(n):
        c = np.int64(codes[start + m])
        if c >= limit:
            return np.int64(-1)
        key |= c << (_LENGTH_BITS + bits * m)
    return key


@cached_njit()
def build_table(
    codes: np.ndarray, starts: np.ndarray, values: np.ndarray, bits: int, table_bits: int, lo: int
) -> tuple[np.ndarray, bool]:  # pragma: no cover - compiled
    """Open-addressing table of the n-grams that pack, as (key, value) rows (key -1 = empty), and
    whether it is prefix-closed for lookups from length ``lo`` on: every n-gram longer than ``lo`` has
    its one shorter prefix in it."""
    size = 1 << table_bits
    pairs = np.full((size, 2), -1, dtype=np.int64)
    for g in range(len(starts) - 1):
        n = starts[g + 1] - starts[g]
        if n < 1 or n >= 1 << _LENGTH_BITS:
            continue
        key = _pack(codes, starts[g], n, bits)
        if key < 0:
            continue
        slot = _slot(key, table_bits)
        while pairs[slot, 0] != -1 and pairs[slot, 0] != key:
            slot = (slot + 1) & (size - 1)
        if pairs[slot, 0] == -1:  # a repeated key keeps its first value, as a dict built in order would
            pairs[slot, 0] = key
            pairs[slot, 1] = values[g]
    closed = True
    for g in range(len(starts) - 1):
        n = starts[g + 1] - starts[g]
        if n <= lo or n >= 1 << _LENGTH_BITS:
            continue
        key = _pack(codes, starts[g], n, bits)
        if key >= 0 and find_pair(_pack(codes, starts[g], n - 1, bits), pairs, table_bits) < 0:
            closed = False
    return pairs, closed


@cached_njit(nogil=True)
def padded_grams(
    padded: np.ndarray,
    size: int,
    lo: int,
    hi: int,
    bits: int,
    pairs: np.ndarray,
    table_bits: int,
    closed: bool,
    out: np.ndarray,
    m: int,
) -> int:  # pragma: no cover - compiled
    """Write the features of the ``lo``..``hi``-grams of ``padded[:size]`` (a token between its pad
    marks) found in the table to ``out`` from ``m`` on, by position then length; return the new end.
    Each position's keys grow by one code point at a time, and in a prefix-closed table (``closed``)
    a missing n-gram ends its position: no longer one starting there can be in the table."""
    for i in range(size - lo + 1):
        key = np.int64(0)
        for n in range(1, min(hi, size - i) + 1):
            key |= np.int64(padded[i + n - 1]) << (_LENGTH_BITS + bits * (n - 1))
            if n < lo:
                continue
            feature = find_pair(key | n, pairs, table_bits)
            if feature >= 0:
                out[m] = feature
                m += 1
            elif closed:
                break
    return m


@cached_njit(nogil=True)
def gram_hits(
    codes: np.ndarray,
    starts: np.ndarray,
    lo: int,
    hi: int,
    bits: int,
    pairs: np.ndarray,
    table_bits: int,
    closed: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """(token row, feature) of every padded n-gram occurrence found, and which tokens were skipped
    (a code point too large to pack: the caller featurises those in Python)."""
    n_tokens = len(starts) - 1
    total = 0
    for t in range(n_tokens):
        size = starts[t + 1] - starts[t] + 2
        for n in range(lo, hi + 1):
            if size >= n:
                total += size - n + 1
    rows = np.empty(total, dtype=np.int64)
    feats = np.empty(total, dtype=np.int64)
    skipped = np.zeros(n_tokens, dtype=np.bool_)
    padded = np.empty(64, dtype=np.uint32)
    limit = 1 << bits
    k = 0
    for t in range(n_tokens):
        s, e = starts[t], starts[t + 1]
        size = e - s + 2
        if size > len(padded):
            padded = np.empty(2 * size, dtype=np.uint32)
        padded[0] = _PAD
        fits = True
        for j in range(s, e):
            c = codes[j]
            if c >= limit:
                fits = False
                break
            padded[j - s + 1] = c
        if not fits:
            skipped[t] = True
            continue
        padded[size - 1] = _PAD
        end = padded_grams(padded, size, lo, hi, bits, pairs, table_bits, closed, feats, k)
        rows[k:end] = t
        k = end
    return rows[:k], feats[:k], skipped


class GramTable:
    """The vocabulary's n-grams (gram -> feature id) as a compiled lookup table."""

    def __init__(self, gram_index: dict[str, int], lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        self.bits = key_bits(hi) if lo >= 1 else 0
        self.usable = self.bits > 0
        self.table_bits = 4
        self.pairs = np.full((1 << self.table_bits, 2), -1, dtype=np.int64)
        self.closed = False  # no early end of a position's n-grams unless the vocabulary allows it
        if self.usable:
            grams = list(gram_index)
            values = np.fromiter(gram_index.values(), dtype=np.int64, count=len(grams))
            self.table_bits = max(4, int(np.ceil(np.log2(max(len(grams), 1) * 2))))  # load <= 1/2
            codes, starts = code_points(grams)
            self.pairs, self.closed = build_table(codes, starts, values, self.bits, self.table_bits, lo)

    def lookup(self) -> tuple[int, int, int, np.ndarray, int, bool]:
        """(lo, hi, bits, (key, value) rows, table bits, prefix-closed): what a compiled pass needs to
        find n-grams."""
        return self.lo, self.hi, self.bits, self.pairs, self.table_bits, self.closed

    def hits(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, feature) per n-gram occurrence found in ``tokens``, and the rows left to Python."""
        codes, starts = code_points(tokens)
        return gram_hits(codes, starts, *self.lookup())
