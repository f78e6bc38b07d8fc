"""The language detector's cleaning and fastText's predict, in one compiled pass over a batch.

``LanguageDetector`` (model/language.py) reads a comment as: letters in compatibility forms NFKC'd,
the characters it does not read dropped, noise (URLs, @mentions, '#', digits, whitespace runs) replaced
by one space in a 160-character window (480 when that leaves too little), cut to 120 characters,
stripped, lower-cased; its letters and Arabic-script letters counted; then fastText's predict. In Python
that is several regex passes and a dozen objects a comment, more than the predictor itself costs. This
pass does the same on the comments' code points, in the same numba call as the predictor's steps
(model/fasttext_kernel.py). Its character classes are read from the very regexes and ``str.lower`` the
Python path uses (``char_tables``, once per process), so it answers what that path answers;
tests/model/test_language_kernel.py holds the two equal on every corpus comment.

A comment this pass cannot read exactly is handed back (``FALLBACK``) to the Python path: one with
letters in compatibility forms (NFKC) or "İ" or "Σ" (lower-cased to two characters, or by context) in
what it reads, a character beyond the tables (``TABLE_LIMIT``), or a prefix that ran out before its
windows were filled (hundreds of characters that show nothing).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from model.fasttext_kernel import FastTextArrays, _top_k, mean_hidden, ranked
from model.jit import cached_njit

# The tables cover the BMP and the SMP (every script in use, emoji): 128 k code points, built in
# about 20 ms; beyond them are rare CJK extensions and tag characters, read by the Python path.
TABLE_LIMIT = 0x20000
# Character classes (bits of CharTables.classes), each read from the Python path's own regex.
WORD = 1  # \w
SPACE = 2  # \s
DIGIT = 4  # \d
LETTER = 8  # model.language._LETTER_RE
ARABIC = 16  # model.language._ARABIC_RE
UNREAD = 32  # model.language._UNREAD_RE: dropped before anything else
COMPAT = 64  # model.language._COMPAT_RE: NFKC'd by the Python path
SPECIAL = 128  # str.lower gives two characters ("İ") or decides by context ("Σ")
# What the pass answers per comment (the low two bits of ``info``; bit 2: Arabic script; from bit 3 up:
# how many labels).
TOO_FEW = 0  # fewer letters than min_letters: no prediction
SETTLED = 1  # the best label alone settles it (a language of ``settled``, probability above 0.5)
RANKED = 2  # the top-k labels
FALLBACK = 3  # for the Python path
KINDS = ("too few", "settled", "ranked", "fallback")  # by the kinds' numbers, for the caller
SCRIPT_BIT = 4
COUNT_SHIFT = 3
_H, _T, _P, _S, _W, _COLON, _SLASH, _DOT, _AT, _HASH, _SPACE, _NEWLINE, _QUESTION = (
    ord(c) for c in "htpsw:/.@# \n?"
)


@dataclass(frozen=True, slots=True)
class CharTables:
    """Per code point below TABLE_LIMIT: its classes (the bits above) and its lower case (one
    character; SPECIAL where str.lower says otherwise)."""

    classes: np.ndarray  # uint8
    lower: np.ndarray  # uint32


@cache
def char_tables(letter: str, arabic: str, unread: str, compat: str) -> CharTables:
    """The tables for the Python path's regex patterns (``re`` source strings), from ``re`` and
    ``str.lower`` themselves, so they cannot disagree with them."""
    codes = np.arange(TABLE_LIMIT, dtype=np.uint32)
    every = codes.tobytes().decode("utf-32-le", "surrogatepass")
    classes = np.zeros(TABLE_LIMIT, dtype=np.uint8)
    for bit, pattern in (
        (WORD, r"\w"),
        (SPACE, r"\s"),
        (DIGIT, r"\d"),
        (LETTER, letter),
        (ARABIC, arabic),
        (UNREAD, unread),
        (COMPAT, compat),
    ):
        for run in re.finditer(f"(?:{pattern})+", every):
            classes[run.start() : run.end()] |= bit
    lower = codes.copy()
    block = 256
    for start in range(0, TABLE_LIMIT, block):
        chars = every[start : start + block]
        lowered = chars.lower()
        if len(lowered) == len(chars):
            lower[start : start + block] = np.frombuffer(
                lowered.encode("utf-32-le", "surrogatepass"), np.uint32
            )
            continue
        for at, char in enumerate(chars, start):
            low = char.lower()
            if len(low) == 1:
                lower[at] = ord(low)
            else:
                classes[at] |= SPECIAL
    sigma = ord("\u03a3")  # str.lower's final-sigma rule: "ς" at a word's end, "σ" elsewhere
    classes[sigma] |= SPECIAL
    lower[sigma] = sigma
    beyond = lower >= TABLE_LIMIT  # none in Python 3.11; the pass reads the tables without bounds checks
    classes[beyond] |= SPECIAL
    lower[beyond] = codes[beyond]
    return CharTables(classes, lower)


@cached_njit(nogil=True, inline="always")
def _non_space_end(w: np.ndarray, j: int, m: int, classes: np.ndarray) -> int:
    while j < m and not classes[w[j]] & SPACE:
        j += 1
    return j


@cached_njit(nogil=True, inline="always")
def _then_non_space(w: np.ndarray, j: int, m: int, classes: np.ndarray, a: int, b: int, c: int) -> bool:
    """Whether ``w[j:j + 3]`` is ``a b c`` and a non-space follows it in ``w[:m]``."""
    return j + 3 < m and w[j] == a and w[j + 1] == b and w[j + 2] == c and not classes[w[j + 3]] & SPACE


@cached_njit(nogil=True, inline="always")
def _url_end(w: np.ndarray, i: int, m: int, classes: np.ndarray) -> int:
    """Where ``https?://\\S+`` or ``www\\.\\S+`` at ``w[i]`` ends, or ``i``. After "https" only "://" can
    follow ("s" is no ":"), so the optional "s" needs no backtracking."""
    if w[i] == _H and i + 4 < m and w[i + 1] == _T and w[i + 2] == _T and w[i + 3] == _P:
        j = i + 5 if w[i + 4] == _S else i + 4
        if _then_non_space(w, j, m, classes, _COLON, _SLASH, _SLASH):
            return _non_space_end(w, j + 4, m, classes)
    elif w[i] == _W and _then_non_space(w, i + 1, m, classes, _W, _W, _DOT):
        return _non_space_end(w, i + 5, m, classes)
    return i


@cached_njit(nogil=True, inline="always")
def _noise_end(w: np.ndarray, i: int, m: int, classes: np.ndarray) -> int:
    """Where the match of ``_NOISE_RE`` (``https?://\\S+|www\\.\\S+|@\\w+|#|\\d+|[\\s\\x00]+``) at
    ``w[i]`` in ``w[:m]`` ends, or ``i`` when none starts there. The alternatives start with distinct
    characters, so the first that can match is the one the regex takes."""
    j = _url_end(w, i, m, classes)
    if j > i:
        return j
    c = w[i]
    if c == _AT:
        j = i + 1
        while j < m and classes[w[j]] & WORD:
            j += 1
        return j if j > i + 1 else i
    if c == _HASH:
        return i + 1
    if classes[c] & DIGIT:
        j = i + 1
        while j < m and classes[w[j]] & DIGIT:
            j += 1
        return j
    if c == 0 or classes[c] & SPACE:
        j = i + 1
        while j < m and (w[j] == 0 or classes[w[j]] & SPACE):
            j += 1
        return j
    return i


@cached_njit(nogil=True, inline="always")
def _denoise(w: np.ndarray, m: int, classes: np.ndarray, out: np.ndarray) -> int:
    """``_NOISE_RE.sub(" ", w[:m])`` into ``out``; returns its length."""
    o = 0
    i = 0
    while i < m:
        j = _noise_end(w, i, m, classes)
        if j > i:
            out[o] = _SPACE
            i = j
        else:
            out[o] = w[i]
            i += 1
        o += 1
    return o


@cached_njit(nogil=True, inline="always")
def _skip(buf: np.ndarray, p: int) -> int:
    """The UTF-8 character at ``buf[p]``'s end."""
    b = buf[p]
    return p + (1 if b < 0x80 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4)


@cached_njit(nogil=True, inline="always")
def _decode(buf: np.ndarray, p: int) -> int:
    """The code point of the UTF-8 character at ``buf[p]`` (surrogates as Python's "surrogatepass")."""
    b = int(buf[p])
    if b < 0x80:
        return b
    if b < 0xE0:
        return ((b & 0x1F) << 6) | (buf[p + 1] & 0x3F)
    if b < 0xF0:
        return ((b & 0x0F) << 12) | ((buf[p + 1] & 0x3F) << 6) | (buf[p + 2] & 0x3F)
    return ((b & 0x07) << 18) | ((buf[p + 1] & 0x3F) << 12) | ((buf[p + 2] & 0x3F) << 6) | (buf[p + 3] & 0x3F)


@cached_njit(nogil=True, inline="always")
def _keep(
    buf: np.ndarray, p: int, end: int, classes: np.ndarray, kept: np.ndarray, nk: int, upto: int
) -> tuple[int, int]:
    """Appends the characters of ``buf[p:end]`` that are read (not UNREAD) to ``kept[:nk]`` until it
    holds ``upto``; returns where it stopped and how many it holds, or (p, -1) for the Python path."""
    while p < end and nk < upto:
        c = _decode(buf, p)
        p = _skip(buf, p)
        if c >= TABLE_LIMIT or classes[c] & COMPAT:
            return p, -1
        if not classes[c] & UNREAD:
            kept[nk] = c
            nk += 1
    return p, nk


@cached_njit(nogil=True)
def _clean(
    buf: np.ndarray,
    p: int,
    end: int,
    cut: bool,
    max_chars: int,
    edge: int,
    classes: np.ndarray,
    lower: np.ndarray,
    kept: np.ndarray,
    out: np.ndarray,
) -> int:
    """``LanguageDetector._clean`` of the text whose first characters are ``buf[p:end]`` (``cut``: it
    goes on beyond them) into ``out``; returns the cleaned length, or -1 for the Python path. Reads as
    far as the windows need: what comes after them changes nothing (NFKC and UNREAD are per run)."""
    first = max_chars + max_chars // 3
    limit = 4 * max_chars
    # the short window, and whether the text goes on beyond it (its first + 1-th character)
    p, nk = _keep(buf, p, end, classes, kept, 0, first + 1)
    if nk < 0 or (nk <= first and cut):
        return -1  # or the prefix ran out: how the text goes on is unknown here
    n = _denoise(kept, min(nk, first), classes, out)
    if n < max_chars + edge and nk > first:
        p, nk = _keep(buf, p, end, classes, kept, nk, limit + 1)
        if nk < 0 or (nk <= limit and cut):
            return -1
        n = _denoise(kept, min(nk, limit), classes, out)
    n = min(n, max_chars)
    # strip(): the only whitespace left is the spaces noise became (every \s was noise)
    s = 0
    while s < n and out[s] == _SPACE:
        s += 1
    while n > s and out[n - 1] == _SPACE:
        n -= 1
    for q in range(s, n):
        c = out[q]
        if classes[c] & SPECIAL:
            return -1
        out[q - s] = lower[c]
    return n - s


@cached_njit(nogil=True)
def _utf8_line(text: np.ndarray, n: int, line: np.ndarray) -> int:
    """``(text + "\\n").encode("utf-8", "replace")`` into ``line`` (a lone surrogate: "?"); its length."""
    b = 0
    for q in range(n):
        c = np.int64(text[q])
        if c < 0x80:
            line[b] = c
            b += 1
        elif c < 0x800:
            line[b] = 0xC0 | (c >> 6)
            line[b + 1] = 0x80 | (c & 0x3F)
            b += 2
        elif 0xD800 <= c < 0xE000:
            line[b] = _QUESTION
            b += 1
        elif c < 0x10000:
            line[b] = 0xE0 | (c >> 12)
            line[b + 1] = 0x80 | ((c >> 6) & 0x3F)
            line[b + 2] = 0x80 | (c & 0x3F)
            b += 3
        else:
            line[b] = 0xF0 | (c >> 18)
            line[b + 1] = 0x80 | ((c >> 12) & 0x3F)
            line[b + 2] = 0x80 | ((c >> 6) & 0x3F)
            line[b + 3] = 0x80 | (c & 0x3F)
            b += 4
    line[b] = _NEWLINE
    return b + 1


@cached_njit(nogil=True)
def _letters(text: np.ndarray, n: int, classes: np.ndarray, share: float) -> tuple[int, bool]:
    """How many letters ``text[:n]`` has, and whether its letters are mostly Arabic script (``share``
    of them or more, and an Arabic-script character at all)."""
    letters = 0
    arabic = 0
    any_arabic = False
    for q in range(n):
        k = classes[text[q]]
        if k & LETTER:
            letters += 1
            if k & ARABIC:
                arabic += 1
        if k & ARABIC:
            any_arabic = True
    return letters, any_arabic and arabic >= share * letters


@cached_njit(nogil=True)
def _detect_lines(
    buf: np.ndarray,
    lengths: np.ndarray,
    read: int,
    max_chars: int,
    edge: int,
    min_letters: int,
    share: float,
    k: int,
    settled: np.ndarray,
    settle: bool,
    min_confidence: float,
    classes: np.ndarray,
    lower: np.ndarray,
    slot_hash: np.ndarray,
    slot_id: np.ndarray,
    word_bytes: np.ndarray,
    word_start: np.ndarray,
    prune_key: np.ndarray,
    prune_row: np.ndarray,
    rows: np.ndarray,
    nwords: int,
    eos: int,
    bucket: int,
    minn: int,
    maxn: int,
    output: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    info: np.ndarray,
    out_label: np.ndarray,
    out_probability: np.ndarray,
) -> None:
    """Per text (UTF-8 in ``buf``, ``min(lengths[t], read)`` characters each): ``info`` (what was
    answered, Arabic script, how many labels) and its labels and probabilities, as ``detect`` reads them."""
    limit = 4 * max_chars
    kept = np.empty(limit + 1, dtype=np.uint32)
    text = np.empty(limit + 1, dtype=np.uint32)
    line = np.empty(4 * max_chars + 1, dtype=np.uint8)
    scratch = np.empty(4 * max_chars + 3, dtype=np.uint8)
    hidden = np.empty(rows.shape[1], dtype=np.float32)
    score = np.empty(k, dtype=np.float32)
    best = np.empty(1, dtype=np.int32)
    p = 0
    for t in range(len(lengths)):
        start = p
        for _ in range(min(lengths[t], read)):
            p = _skip(buf, p)
        n = _clean(buf, start, p, lengths[t] > read, max_chars, edge, classes, lower, kept, text)
        if n < 0:
            info[t] = FALLBACK
            continue
        letters, script = _letters(text, n, classes, share)
        if letters < min_letters:
            info[t] = TOO_FEW
            continue
        arabic = SCRIPT_BIT if script else 0
        size = _utf8_line(text, n, line)
        count = mean_hidden(
            line[:size], scratch, slot_hash, slot_id, word_bytes, word_start, prune_key, prune_row,
            rows, nwords, eos, bucket, minn, maxn, hidden,
        )  # fmt: skip
        if count == 0:
            info[t] = RANKED | arabic  # no words: no labels
            continue
        if settle and _top_k(hidden, output, left, right, 1, best, score) == 1:
            out_probability[t, 0] = np.exp(score[0])
            probability = np.float64(out_probability[t, 0])
            if probability > 0.5 and probability >= min_confidence and settled[best[0]]:
                out_label[t, 0] = best[0]
                info[t] = SETTLED | arabic | (1 << COUNT_SHIFT)
                continue
        found = ranked(hidden, output, left, right, k, out_label[t], out_probability[t], score)
        info[t] = RANKED | arabic | (found << COUNT_SHIFT)


def detect(
    arrays: FastTextArrays,
    tables: CharTables,
    texts: Sequence[str],
    max_chars: int,
    edge: int,
    min_letters: int,
    share: float,
    k: int,
    settled: np.ndarray | None,
    min_confidence: float,
) -> tuple[list[int], list[list[int]], list[list[float]]]:
    """Per text, ``info`` (``kind | SCRIPT_BIT | count << COUNT_SHIFT``), its label indices and its
    probabilities (the first ``count`` of each are read). ``settled``: per label, whether its best
    label alone settles a comment (None: no label does)."""
    n = len(texts)
    read = 5 * max_chars  # the windows' 4 x max_chars, and room for as many characters that show nothing
    lengths = list(map(len, texts))
    if max(lengths) > read:
        texts = [text[:read] for text in texts]
    joined = texts[0] if n == 1 else "".join(texts)
    buf = np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    info = np.empty(n, dtype=np.int64)
    labels = np.empty((n, k), dtype=np.int32)  # read only up to each text's count
    probabilities = np.empty((n, k), dtype=np.float32)
    _detect_lines(
        buf, np.array(lengths, dtype=np.int64), read, max_chars, edge, min_letters, share, k,
        settled if settled is not None else _NONE_SETTLED, settled is not None, min_confidence,
        tables.classes, tables.lower, *arrays.kernel_arguments(), info, labels, probabilities,
    )  # fmt: skip
    return info.tolist(), labels.tolist(), probabilities.tolist()


_NONE_SETTLED = np.zeros(1, dtype=np.bool_)
