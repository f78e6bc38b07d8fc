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
from numba import njit

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
# Word-table flags: a stop word, a word addressing a reader, a word about the forum (``is_meta_word``).
_STOP, _ADDRESS, _META = 1, 2, 4


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


@njit(cache=True, nogil=True)
def _hash(data: np.ndarray, start: int, stop: int) -> np.uint64:  # pragma: no cover - compiled
    h = _FNV_OFFSET
    for i in range(start, stop):
        h = (h ^ np.uint64(data[i])) * _FNV_PRIME
    return h


@njit(cache=True, nogil=True)
def _build(keys: np.ndarray, bounds: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Open-addressing slots (key index or -1) of distinct keys, at most half full."""
    n = len(bounds) - 1
    size = 16
    while size < 2 * n:
        size *= 2
    slots = np.full(size, -1, dtype=np.int64)
    mask = np.uint64(size - 1)
    for k in range(n):
        s = _hash(keys, bounds[k], bounds[k + 1]) & mask
        while slots[s] >= 0:
            s = (s + np.uint64(1)) & mask
        slots[s] = k
    return slots


@njit(cache=True, nogil=True)
def _find(
    slots: np.ndarray, keys: np.ndarray, bounds: np.ndarray, data: np.ndarray, start: int, stop: int
) -> int:  # pragma: no cover - compiled
    """Index of the key equal to ``data[start:stop]``, or -1."""
    mask = np.uint64(len(slots) - 1)
    s = _hash(data, start, stop) & mask
    n = stop - start
    while True:
        k = slots[s]
        if k < 0:
            return -1
        a = bounds[k]
        if bounds[k + 1] - a == n:
            same = True
            for i in range(n):
                if keys[a + i] != data[start + i]:
                    same = False
                    break
            if same:
                return k
        s = (s + np.uint64(1)) & mask


@njit(cache=True, nogil=True, inline="always")
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


@njit(cache=True, nogil=True, inline="always")
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


@njit(cache=True, nogil=True, inline="always")
def _cues(raw: np.ndarray, start: int, stop: int, row: np.ndarray) -> None:  # pragma: no cover
    """A chunk's five cues from its UTF-8 bytes (the ASCII characters they test are single bytes): "?",
    "!", "http" or "www.", an emoticon (":)", ";)", ":(", ":D"), and a leading "@"."""
    for i in range(start, stop):
        b = raw[i]
        if b == 63:  # ?
            row[C_Q] = 1.0
        elif b == 33:  # !
            row[C_EXCL] = 1.0
        elif b == 58 or b == 59:  # : ;
            if i + 1 < stop:
                n = raw[i + 1]
                if n == 41 or (b == 58 and (n == 40 or n == 68)):  # ) ( D
                    row[C_EMO] = 1.0
        elif i + 3 < stop and (b == 104 or b == 119):
            http = b == 104 and raw[i + 1] == 116 and raw[i + 2] == 116 and raw[i + 3] == 112
            www = b == 119 and raw[i + 1] == 119 and raw[i + 2] == 119 and raw[i + 3] == 46
            if http or www:
                row[C_URL] = 1.0
    row[C_MENTION] = 1.0 if stop > start and raw[start] == 64 else 0.0  # @


@njit(cache=True, nogil=True, inline="always")
def _token(
    low: np.ndarray,
    a: int,
    z: int,
    row: np.ndarray,
    words: tuple[np.ndarray, np.ndarray, np.ndarray],
    word_vocab: np.ndarray,
    word_flags: np.ndarray,
    stems: tuple[np.ndarray, np.ndarray, np.ndarray],
    stem_col: np.ndarray,
    affixes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    s_coef: np.ndarray,
    s_sq: np.ndarray,
    term_stem: np.ndarray,
    weightless: int,
) -> tuple[int, bool]:  # pragma: no cover - compiled
    """Adds the token ``low[a:z]`` to its chunk's ``row`` (``_chunk_row``'s arithmetic, in its order);
    returns its stem column and whether it needs a column of its own instead."""
    meta, meta_bounds, exceptions, exception_bounds, suffixes, suffix_bounds = affixes
    found = _find(words[0], words[1], words[2], low, a, z)
    g = word_vocab[found] if found >= 0 else -1
    flags = word_flags[found] if found >= 0 else 0
    if flags & _ADDRESS:
        row[C_ADDRESS] += 1.0
    if found >= 0:
        if flags & _META:
            row[C_META] += 1.0
    elif _starts_with(low, a, z, meta, meta_bounds) and not _starts_with(
        low, a, z, exceptions, exception_bounds
    ):
        row[C_META] += 1.0
    if g >= 0:
        row[C_NKNOWN] += 1.0
        row[C_SCOEF] += s_coef[g]
        row[C_SSQ] += s_sq[g]
        return term_stem[g], False
    if z - a == 1 or flags & _STOP:
        return weightless, False
    n = _stem_length(low, a, z, suffixes, suffix_bounds)
    j = _find(stems[0], stems[1], stems[2], low, a, a + n)
    if j < 0:
        return -1, True
    return stem_col[j], False


@njit(cache=True, nogil=True)
def _new_chunk_rows(
    raw: np.ndarray,
    n_chars: np.ndarray,
    separators: np.ndarray,
    words: tuple[np.ndarray, np.ndarray, np.ndarray],
    word_vocab: np.ndarray,
    word_flags: np.ndarray,
    stems: tuple[np.ndarray, np.ndarray, np.ndarray],
    stem_col: np.ndarray,
    affixes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    constants: tuple[np.ndarray, np.ndarray, np.ndarray],
    term_stem: np.ndarray,
    weightless: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Rows, (pool start, length) and pooled content columns of chunks given as one UTF-8 buffer
    (``surrogatepass``: a lone surrogate is a separator, as its "?" is for ``tokenize_docs``) and their
    code-point counts; ``own``: (pool index, token start, stop) of each word that needs a column of
    its own, in token order (the pool holds -1 there)."""
    s_coef, s_sq, stem_w = constants
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
        pool_start = k
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
                col, needs_own = _token(
                    low,
                    tok,
                    pos,
                    rows[c],
                    words,
                    word_vocab,
                    word_flags,
                    stems,
                    stem_col,
                    affixes,
                    s_coef,
                    s_sq,
                    term_stem,
                    weightless,
                )
                if needs_own:
                    own[n_own, 0], own[n_own, 1], own[n_own, 2] = k, tok, pos
                    n_own += 1
                    pool[k] = -1
                    k += 1
                elif stem_w[col] > 0:
                    pool[k] = col
                    k += 1
                tok = -1
            elif not separator and tok < 0:
                tok = pos
            pos += width
        rows[c, C_NTOK] = n_tok
        _cues(raw, chunk_start, pos, rows[c])
        occ[c, 0] = pool_start
        occ[c, 1] = k - pool_start
    return rows, occ, pool[:k], own[:n_own]


@dataclass(frozen=True)
class Lexicon:
    """A fitted off-topic model's vocabulary, stems and word lists as compiled lookup tables."""

    separators: np.ndarray
    words: tuple[np.ndarray, np.ndarray, np.ndarray]
    word_vocab: np.ndarray
    word_flags: np.ndarray
    stems: tuple[np.ndarray, np.ndarray, np.ndarray]
    stem_col: np.ndarray
    affixes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    constants: tuple[np.ndarray, np.ndarray, np.ndarray]
    term_stem: np.ndarray

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
        listed = list(dict.fromkeys([*vocab, *sorted(STOP_WORDS), *sorted(ADDRESS_WORDS)]))
        keys, bounds = _pack(listed)
        flags = [
            _STOP * (w in STOP_WORDS) | _ADDRESS * (w in ADDRESS_WORDS) | _META * is_meta_word(w)
            for w in listed
        ]
        stem_keys, stem_bounds = _pack(stem_index)
        idf = np.asarray(idf, dtype=np.float64)
        return cls(
            separators=_separator_table(),
            words=(_build(keys, bounds), keys, bounds),
            word_vocab=np.array([vocab.get(w, -1) for w in listed], dtype=np.int64),
            word_flags=np.array(flags, dtype=np.int64),
            stems=(_build(stem_keys, stem_bounds), stem_keys, stem_bounds),
            stem_col=np.fromiter(stem_index.values(), dtype=np.int64, count=len(stem_index)),
            affixes=(*_pack(META_PREFIXES), *_pack(_META_EXCEPTIONS), *_pack(_SUFFIXES)),
            constants=(
                idf * np.asarray(coef, dtype=np.float64),
                idf * idf,
                np.asarray(stem_w, dtype=np.float64),
            ),
            term_stem=np.asarray(term_stem, dtype=np.int64),
        )

    def rows(
        self, new: Sequence[str], own_columns: dict[bytes, int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Kernel rows, (pool start, length) and pooled content columns of ``new`` chunks, as
        ``ContextChunks._rows_per_chunk`` gives them; a word unseen at fit time without a known stem
        takes its column from ``own_columns`` (added in first-seen order), after the stems'."""
        raw = "".join(new).encode("utf-8", "surrogatepass")
        n_stems = len(self.constants[2])
        rows, occ, pool, own = _new_chunk_rows(
            np.frombuffer(raw, dtype=np.uint8),
            np.fromiter(map(len, new), dtype=np.int64, count=len(new)),
            self.separators,
            self.words,
            self.word_vocab,
            self.word_flags,
            self.stems,
            self.stem_col,
            self.affixes,
            self.constants,
            self.term_stem,
            n_stems - 1,
        )
        if len(own):
            lowered = raw.lower()
            for k, a, z in own.tolist():
                pool[k] = n_stems + own_columns.setdefault(lowered[a:z], len(own_columns))
        return rows, occ, pool
