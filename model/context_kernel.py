"""Compiled featurising of never-seen chunks for the off-topic memo (numba).

A stream of distinct comments brings names, typos, handles and URLs the memo has never seen, a few
per comment. Each new chunk's row (model/context_memo.py) was tokenised in Python, its tokens looked up
in the vocabulary, stemmed and tested against the word lists one Python call at a time; here the new
chunks of a call are one UTF-8 buffer and ONE compiled pass tokenises them (``tokenize_docs``'s
separators, ASCII lower-casing), looks each token up in open-addressing tables of the vocabulary, the
word lists and the stems (``Lexicon``, built once per memo from the same Python sets), stems unseen
words (``stem``'s rule) and sums the rows. Only a word unseen at fit time and without a known stem goes
back to Python: its own column is numbered in first-seen order (``ContextChunks.oov_words``).

``ContextChunks._rows_per_chunk`` is the reference: tests hold this pass to it row for row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from model.context_tokens import (
    _ASCII_SEPARATORS,
    _META_EXCEPTIONS,
    _SUFFIXES,
    _UNICODE_SEPARATORS,
    ADDRESS_WORDS,
    DOC_BREAK,
    META_PREFIXES,
    STOP_WORDS,
    is_meta_word,
)
from model.jit import cached_njit
from model.kernels import (
    C_ADDRESS,
    C_EMO,
    C_EXCL,
    C_MENTION,
    C_META,
    C_NKNOWN,
    C_NTOK,
    C_Q,
    C_SCOEF,
    C_SSQ,
    C_URL,
    N_CHUNK_COLS,
)

# Every separator is a code point below this (the Unicode spaces end at U+3000): a table lookup.
_SEPARATOR_LIMIT = 0x3001
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
# Word-table flags: a vocabulary word, a stop word, a word addressing a reader, a word about the forum
# (``is_meta_word``).
_KNOWN, _STOP, _ADDRESS, _META = 1, 2, 4, 8
# A table slot (int64, 64 bytes): key bytes 0-7 and 8-15, length (-1: empty), start of its bytes, flags,
# the content column a token adds to the pool (-1: none), idf x coef and idf^2 (float64 bits).
_SLOT = 8
_LEN, _START, _FLAGS, _CONTENT, _COEF, _SQ = 2, 3, 4, 5, 6, 7


def _separator_table() -> np.ndarray:
    """Code point -> separator, as ``tokenize_docs`` splits (DOC_BREAK included: a chunk's NUL splits)."""
    table = np.zeros(_SEPARATOR_LIMIT, dtype=np.bool_)
    for c in (*_ASCII_SEPARATORS, *_UNICODE_SEPARATORS, DOC_BREAK):
        table[ord(c)] = True
    return table


def _pack(words: Iterable[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Byte strings as one buffer and their bounds (``bounds[i]:bounds[i + 1]``)."""
    words = list(words)
    bounds = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(w) for w in words], out=bounds[1:])
    return np.frombuffer(b"".join(words), dtype=np.uint8).copy(), bounds


@cached_njit(nogil=True, inline="always")
def _key(data: np.ndarray, start: int, stop: int) -> tuple[np.uint64, np.int64, np.int64]:  # pragma: no cover
    """FNV-1a hash of ``data[start:stop]`` and its first 16 bytes as two little-endian words."""
    h = _FNV_OFFSET
    k0 = np.int64(0)
    k1 = np.int64(0)
    for i in range(start, stop):
        b = data[i]
        h = (h ^ np.uint64(b)) * _FNV_PRIME
        at = i - start
        if at < 8:
            k0 |= np.int64(b) << (8 * at)
        elif at < 16:
            k1 |= np.int64(b) << (8 * (at - 8))
    return h, k0, k1


@cached_njit(nogil=True)
def _fill(
    keys: np.ndarray, bounds: np.ndarray, ints: np.ndarray, floats: np.ndarray, slots: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Writes each distinct key's slot (linear probing): its bytes, length, start, two ints, two floats."""
    mask = np.uint64(len(slots) - 1)
    as_float = slots.view(np.float64)
    for k in range(len(bounds) - 1):
        h, k0, k1 = _key(keys, bounds[k], bounds[k + 1])
        s = h & mask
        while slots[s, _LEN] >= 0:
            s = (s + np.uint64(1)) & mask
        slots[s, 0], slots[s, 1] = k0, k1
        slots[s, _LEN], slots[s, _START] = bounds[k + 1] - bounds[k], bounds[k]
        slots[s, _FLAGS], slots[s, _CONTENT] = ints[k, 0], ints[k, 1]
        as_float[s, _COEF], as_float[s, _SQ] = floats[k, 0], floats[k, 1]


def _table(keys: Sequence[bytes], ints: np.ndarray, floats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An open-addressing table of ``keys`` (at most half full), each slot one 64-byte row holding what
    a token needs (one cache line a probe); and the keys' bytes (read only for keys over 16 bytes)."""
    size = 16
    while size < 2 * len(keys):
        size *= 2
    flat = np.empty(size * _SLOT + 8, dtype=np.int64)
    skip = (-flat.ctypes.data % 64) // 8  # rows on cache-line boundaries
    slots = flat[skip : skip + size * _SLOT].reshape(size, _SLOT)
    slots[:] = 0
    slots[:, _LEN] = -1
    pool, bounds = _pack(keys)
    _fill(pool, bounds, ints.astype(np.int64), floats.astype(np.float64), slots)
    return slots, pool


@cached_njit(nogil=True, inline="always")
def _probe(
    slots: np.ndarray, pool: np.ndarray, data: np.ndarray, start: int, stop: int
) -> np.int64:  # pragma: no cover
    """The slot of the key equal to ``data[start:stop]``, or -1."""
    h, k0, k1 = _key(data, start, stop)
    mask = np.uint64(len(slots) - 1)
    s = h & mask
    n = stop - start
    while True:
        length = slots[s, _LEN]
        if length < 0:
            return np.int64(-1)
        if length == n and slots[s, 0] == k0 and slots[s, 1] == k1:
            same = True
            at = slots[s, _START]
            for i in range(16, n):
                if pool[at + i] != data[start + i]:
                    same = False
                    break
            if same:
                return np.int64(s)
        s = (s + np.uint64(1)) & mask


@cached_njit(nogil=True, inline="always")
def _starts_with(
    data: np.ndarray, start: int, stop: int, words: np.ndarray, bounds: np.ndarray
) -> bool:  # pragma: no cover - compiled
    """``data[start:stop]`` starts with one of ``words``."""
    for k in range(len(bounds) - 1):
        a, b = bounds[k], bounds[k + 1]
        if b - a <= stop - start:
            same = True
            for i in range(b - a):
                if words[a + i] != data[start + i]:
                    same = False
                    break
            if same:
                return True
    return False


@cached_njit(nogil=True, inline="always")
def _stem_length(
    data: np.ndarray, start: int, stop: int, suffixes: np.ndarray, bounds: np.ndarray
) -> int:  # pragma: no cover - compiled
    """The length of ``stem(data[start:stop])`` (a stem is always a prefix of its word)."""
    n = stop - start
    for k in range(len(bounds) - 1):
        a, b = bounds[k], bounds[k + 1]
        m = b - a
        if n >= m:
            same = True
            for i in range(m):
                if suffixes[a + i] != data[stop - m + i]:
                    same = False
                    break
            if same and n - m >= 3:
                n -= m
                break
    if n > 3:
        last = data[start + n - 1]
        if last == data[start + n - 2] and not (48 <= last <= 57):
            n -= 1
    return n


@cached_njit(nogil=True, inline="always")
def _cues(raw: np.ndarray, start: int, stop: int, rows: np.ndarray, c: int) -> None:  # pragma: no cover
    """A chunk's five cues from its UTF-8 bytes (the ASCII characters they test are single bytes): "?",
    "!", "http" or "www.", an emoticon (":)", ";)", ":(", ":D"), and a leading "@"."""
    for i in range(start, stop):
        b = raw[i]
        if b == 63:  # ?
            rows[c, C_Q] = 1.0
        elif b == 33:  # !
            rows[c, C_EXCL] = 1.0
        elif b == 58 or b == 59:  # : ;
            if i + 1 < stop:
                n = raw[i + 1]
                if n == 41 or (b == 58 and (n == 40 or n == 68)):  # ) ( D
                    rows[c, C_EMO] = 1.0
        elif i + 3 < stop and (b == 104 or b == 119):
            http = b == 104 and raw[i + 1] == 116 and raw[i + 2] == 116 and raw[i + 3] == 112
            www = b == 119 and raw[i + 1] == 119 and raw[i + 2] == 119 and raw[i + 3] == 46
            if http or www:
                rows[c, C_URL] = 1.0
    rows[c, C_MENTION] = 1.0 if stop > start and raw[start] == 64 else 0.0  # @


@cached_njit(nogil=True)
def _new_chunk_rows(
    raw: np.ndarray,
    n_chars: np.ndarray,
    separators: np.ndarray,
    words: tuple[np.ndarray, np.ndarray, np.ndarray],
    stems: tuple[np.ndarray, np.ndarray],
    affixes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    weightless: int,
    pool_start: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Rows, (pool start, length) and pooled content columns of chunks given as one UTF-8 buffer
    (``surrogatepass``: a lone surrogate is a separator, as its "?" is for ``tokenize_docs``) and their
    code-point counts; ``own``: (pool index, token start, stop) of each word that needs a column of
    its own, in token order (the pool holds -1 there). ``weightless``: the column a function word adds
    (-1: none); pool starts count from ``pool_start`` (where the memo's pool ends)."""
    slots, as_float, word_pool = words  # unpacked once: tuples unpacked per token cost 3x the pass
    stem_slots, stem_pool = stems
    meta, meta_bounds, exceptions, exception_bounds, suffixes, suffix_bounds = affixes
    low = raw.copy()
    for i in range(len(low)):
        if 65 <= low[i] <= 90:
            low[i] += 32
    m = len(n_chars)
    rows = np.zeros((m, N_CHUNK_COLS))
    occ = np.zeros((m, 2), dtype=np.int64)
    pool = np.empty(len(raw), dtype=np.int64)  # at most one column per token, one token per byte
    own = np.empty((len(raw), 3), dtype=np.int64)
    n_own = 0
    k = 0
    pos = 0
    for c in range(m):
        chunk_start = pos
        chunk_pool = k
        n_tok = 0.0
        tok = -1
        for i in range(n_chars[c] + 1):
            width = 0
            separator = True  # the chunk's end closes its last token
            if i < n_chars[c]:
                b = raw[pos]
                if b < 0x80:
                    width, cp = 1, np.int64(b)
                elif b < 0xE0:
                    width, cp = 2, (np.int64(b & 0x1F) << 6) | (raw[pos + 1] & 0x3F)
                elif b < 0xF0:
                    width = 3
                    cp = (
                        (np.int64(b & 0x0F) << 12)
                        | (np.int64(raw[pos + 1] & 0x3F) << 6)
                        | (raw[pos + 2] & 0x3F)
                    )
                else:  # beyond U+FFFF: never a separator
                    width, cp = 4, np.int64(_SEPARATOR_LIMIT)
                separator = bool((cp < _SEPARATOR_LIMIT and separators[cp]) or 0xD800 <= cp <= 0xDFFF)
            if separator and tok >= 0:
                n_tok += 1.0
                # The token low[tok:pos], as _chunk_row adds it (its arithmetic, in its order).
                found = _probe(slots, word_pool, low, tok, pos)
                flags = slots[found, _FLAGS] if found >= 0 else 0
                if flags & _ADDRESS:
                    rows[c, C_ADDRESS] += 1.0
                if found >= 0:
                    if flags & _META:
                        rows[c, C_META] += 1.0
                elif _starts_with(low, tok, pos, meta, meta_bounds) and not _starts_with(
                    low, tok, pos, exceptions, exception_bounds
                ):
                    rows[c, C_META] += 1.0
                needs_own = False
                if flags & _KNOWN:
                    rows[c, C_NKNOWN] += 1.0
                    rows[c, C_SCOEF] += as_float[found, _COEF]
                    rows[c, C_SSQ] += as_float[found, _SQ]
                    col = slots[found, _CONTENT]
                elif pos - tok == 1 or flags & _STOP:
                    col = weightless
                else:
                    stem_stop = tok + _stem_length(low, tok, pos, suffixes, suffix_bounds)
                    j = _probe(stem_slots, stem_pool, low, tok, stem_stop)
                    needs_own = bool(j < 0)
                    col = -1 if needs_own else stem_slots[j, _CONTENT]
                if needs_own:
                    own[n_own, 0], own[n_own, 1], own[n_own, 2] = k, tok, pos
                    n_own += 1
                    pool[k] = -1
                    k += 1
                elif col >= 0:
                    pool[k] = col
                    k += 1
                tok = -1
            elif not separator and tok < 0:
                tok = pos
            pos += width
        rows[c, C_NTOK] = n_tok
        _cues(raw, chunk_start, pos, rows, c)
        occ[c, 0] = pool_start + chunk_pool
        occ[c, 1] = k - chunk_pool
    return rows, occ, pool[:k], own[:n_own]


@dataclass(frozen=True)
class Lexicon:
    """A fitted off-topic model's vocabulary, word lists and stems as compiled lookup tables."""

    separators: np.ndarray
    words: tuple[np.ndarray, np.ndarray, np.ndarray]  # slots, the same as float64, key bytes
    stems: tuple[np.ndarray, np.ndarray]  # slots, key bytes
    affixes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    weightless: int  # the column a function word adds to the pool (-1: none, as shipped)
    n_stems: int

    @classmethod
    def build(
        cls,
        vocab: dict[bytes, int],
        stem_index: dict[bytes, int],
        idf: np.ndarray,
        coef: np.ndarray,
        term_stem: np.ndarray,
        stem_w: np.ndarray,
    ) -> Lexicon:
        stem_w = np.asarray(stem_w, dtype=np.float64)

        def pooled(cols: np.ndarray) -> np.ndarray:  # the column a token adds: weightless ones none
            cols = np.asarray(cols, dtype=np.int64)
            return np.where(stem_w[cols] > 0, cols, -1)

        listed = list(dict.fromkeys([*vocab, *sorted(STOP_WORDS), *sorted(ADDRESS_WORDS)]))
        g = np.array([vocab.get(w, -1) for w in listed], dtype=np.int64)
        known = g >= 0
        flags = [
            _STOP * (w in STOP_WORDS) | _ADDRESS * (w in ADDRESS_WORDS) | _META * is_meta_word(w)
            for w in listed
        ]
        idf = np.asarray(idf, dtype=np.float64)
        coef = np.asarray(coef, dtype=np.float64)
        gk = np.maximum(g, 0)
        ints = np.column_stack([_KNOWN * known | np.array(flags), np.where(known, pooled(term_stem)[gk], -1)])
        floats = np.column_stack(
            [np.where(known, idf[gk] * coef[gk], 0.0), np.where(known, idf[gk] * idf[gk], 0.0)]
        )
        word_slots, word_pool = _table(listed, ints, floats)
        stem_cols = np.fromiter(stem_index.values(), dtype=np.int64, count=len(stem_index))
        stem_ints = np.column_stack([np.zeros(len(stem_cols), dtype=np.int64), pooled(stem_cols)])
        stem_slots, stem_pool = _table(list(stem_index), stem_ints, np.zeros((len(stem_cols), 2)))
        return cls(
            separators=_separator_table(),
            words=(word_slots, word_slots.view(np.float64), word_pool),
            stems=(stem_slots, stem_pool),
            affixes=(*_pack(META_PREFIXES), *_pack(_META_EXCEPTIONS), *_pack(_SUFFIXES)),
            weightless=int(pooled(np.array([len(stem_w) - 1]))[0]),
            n_stems=len(stem_w),
        )

    def rows(
        self, new: Sequence[str], own_columns: dict[bytes, int], pool_start: int = 0
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Kernel rows, (pool start, length) and pooled content columns of ``new`` chunks, as
        ``ContextChunks._rows_per_chunk`` gives them (pool starts counted from ``pool_start``); a word
        unseen at fit time without a known stem takes its column from ``own_columns`` (added in
        first-seen order), after the stems'."""
        raw = "".join(new).encode("utf-8", "surrogatepass")
        rows, occ, pool, own = _new_chunk_rows(
            np.frombuffer(raw, dtype=np.uint8),
            np.fromiter(map(len, new), dtype=np.int64, count=len(new)),
            self.separators,
            self.words,
            self.stems,
            self.affixes,
            self.weightless,
            pool_start,
        )
        if len(own):
            lowered = raw.lower()
            for k, a, z in own.tolist():
                pool[k] = self.n_stems + own_columns.setdefault(lowered[a:z], len(own_columns))
        return rows, occ, pool
