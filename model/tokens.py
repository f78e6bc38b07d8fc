"""Tokens of the text featuriser: the tokenising regex and the spelling normalisation, per token and
a batch at a time.

On a stream of distinct comments every batch brings thousands of never-seen chunks and spellings.
Per chunk, ``TOKEN_RE.findall`` and, per spelling, the normalisation cost a Python call each, more than
their work; ``tokenize_chunks`` runs one ``findall`` over the whole batch and ``normalize_tokens`` one
``lower`` and three regex passes over the batch's ASCII spellings. Both give exactly the per-item
results (tests/model/test_tokens.py holds them to ``tokenize`` and ``normalize_token``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

# Combining marks inside a word: Arabic harakat, decomposed (NFD) accents, Hebrew points. `\w` does
# not match them, so "كَلْب" fell apart into letters and "Arschlöcher" typed as o + U+0308 into two
# tokens: vowelled Arabic evaded the Arabic models (0.97 -> 0.40). The token's normalisation strips them.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7"  # Latin and Cyrillic combining marks, Hebrew points
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"  # Arabic harakat and Quranic marks
    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"  # extended combining blocks
)
# Characters that show nothing inside a word: soft hyphen, combining grapheme joiner, zero-width space,
# non-joiner and joiner, bidi marks and controls, word joiner, variation selectors, BOM. Between two
# letters they split the word ("Arsch\u200bloch" read as "arsch" + "loch": the German model's insult
# 0.95 -> 0.36); inside a token they stay, and its normalisation drops them.
_INVISIBLE = "\u00ad\u034f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufe00-\ufe0f\ufeff"
INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]+")
# A word spelled out in single letters joined by dots or hyphens ("i.d.i.o.t", "f-u-c-k") to slip past
# the models: one token, whose key drops the joiners. Four letters or more: "U.S.A" and "a-b-c" stay
# letters (on the corpora's ~78,000 texts the rule fires in 0.03 %: "U.S.S.R", "s.h.i.t", "S-O-F-T").
# Tried after a token's first character when no word character follows it (a letter not after a joiner;
# a token never starts after a word character), and only when three joiner-letter pairs follow: as a
# branch of its own, tried at every position, it made ``findall`` ~50 % slower; this way ~17 %.
_SPELLED = r"(?=[.\-][^\W\d_][.\-][^\W\d_][.\-][^\W\d_])(?<=[^\W\d_])(?<![.\-].)(?:[.\-][^\W\d_]){3,}(?!\w)"
_INNER = rf"[\w*'’{_MARKS}{_INVISIBLE}]"
# A word spelled out in single letters between single spaces ("i d i o t", "f u c k"): one token, whose
# key drops the spaces, and one chunk (``split_chunks``). Four letters or more, each a word of its own:
# on the corpora's ~152,000 texts and the 31 articles the rule fires in 0.026 % of texts, nearly all on
# spaced-out words ("c r a p", "N A Z I S", "K I D D I N G"; once "A B C ... Z", once "h t t p").
# "\u00aa" (``tokenize_chunks``' sentinel) is no such letter, so joined chunks never run together.
_LETTER = "[^\\W\\d_\u00aa]"
_SPACED = rf"(?<={_LETTER})(?: {_LETTER}(?!{_INNER})){{3,}}"
# "@" or "$" between letters stands for a letter ("ret@rd", "pu$$y"; in 0.1 % of the English corpora's
# texts), unless what follows is an e-mail domain ("jo@gmail.com" stays "jo", "gmail", "com"). The
# domain's label is looked for within DOMAIN_LABEL_CHARS (a DNS label's most, RFC 1035): unbounded, the
# look ahead ran to the end of the word at every "@", and 20,000 characters of "a@a@..." took 2.2 s to
# tokenise (a scoring request of ten such comments 9.3 s); now about 0.01 s. Every line of ../shared reads the
# same either way.
DOMAIN_LABEL_CHARS = 63
_AT_DOLLAR = rf"[@$]+(?=[^\W\d_])(?![\w@$]{{0,{DOMAIN_LABEL_CHARS}}}\.[^\W\d_])"
# Word-ish runs (keeping masked swears like "sh*t" and contractions in one token) and runs of !/?.
_WORD_REST = rf"{_INNER}+(?:{_AT_DOLLAR}{_INNER}+)*|{_SPELLED}|{_SPACED}|(?:{_AT_DOLLAR}{_INNER}+)*"
TOKEN_RE = re.compile(rf"\w(?:{_WORD_REST})|[!?]+")
# Digits between letters spell letters ("1d10t", "r3tard", "sh1t"): in a lower-case run of ASCII letters
# and digits (and "@", "$") with such a run between two letters, each reads as the letter it is drawn like.
# Digits at a word's edge stay numbers ("2nd", "covid19", "10am", Arabizi's "7mar" and "3arab"); the
# Arabic corpora hold no Latin-letter Arabic, so no model learned words like "ba3d" that this rewrites.
# It fires in 5 % of the English corpora's texts, nearly all on user names, hashtags and link ids.
# Found by the letter-digit-letter core, then widened to its run in Python: one regex matching whole
# runs tried every position and cost three times the digit pass; the cores are few.
_LEET_CORE_RE = re.compile(r"[a-z][0-9@$]+[a-z]")
_LEET_RUN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$")
_LEET = str.maketrans("0123456789@$", "oizeasgtbgas")
# Cyrillic and Greek letters drawn like Latin ones ("id\u0456ot" with a Cyrillic i): inside a word that
# has a Latin letter they read as the Latin letter; a word written in Cyrillic or Greek keeps its own.
_CONFUSABLE = str.maketrans("аеорсухіјѕοαειкνρτυχ", "aeopcyxijsoaeiknptux")
_LATIN_RE = re.compile("[a-z]")
_REPEAT_RE = re.compile(r"(.)\1{2,}")
# Tatweel (U+0640) inside a word stretches it ("كـــلب" for "كلب", dog) and hid it from the models; at a
# word's edge it marks a detached prefix ("بـ", "لـ"), which the Arabic models learned as such: kept.
_TATWEEL_RE = re.compile("(?<=[^\u0640])\u0640+(?=[^\u0640])")
_DIGIT_RE = re.compile(r"\d")
MAX_TOKEN_CHARS = 30  # longer tokens are cut before n-grams: bounds the work per token


def tokenize(text: str) -> list[str]:
    """Raw token strings of ``text`` (not normalised)."""
    return TOKEN_RE.findall(text)


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, raw token) for every token; offsets index the ORIGINAL text."""
    return [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text)]


# Every spaced word holds three letters each after a single space. Tested on UTF-8 bytes, one byte a
# character: continuation bytes dropped, ASCII letters and lead bytes (a non-ASCII character, maybe a
# letter) read "a", the space " ", NUL (``split_texts``' separator) itself, any other byte "x". A batch
# is classed at once; 0.5 % of the bench's distinct comments pass (0.04 % hold a spaced word) and are
# split by ``TOKEN_RE``. Over ``str.split`` this costs ~1 us a comment (168 characters on average) in
# calls of 20 or 1, ~0.7 us in the text family's slices of 2,000 (CPU time, docs/benchmarks-log.md,
# session 25).
_SPACED_HINT = b" a a a"
_BYTE_CLASSES = bytes(
    ord("a") if (b < 0x80 and chr(b).isalpha()) or b >= 0xC0 else b if b in (0x00, 0x20) else ord("x")
    for b in range(256)
)
_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))
_SEPARATOR = "\x00"  # joins a batch's texts: a byte class of its own, so each hint is placed in its text
# From this many classed bytes up, numpy's compares find the hints and place each in its text (~4 us
# of fixed work, then ~0.3 ns a byte); below, ``bytes.find`` is cheaper (1.5-3 ns a byte: the classes'
# three symbols defeat its skips), and only a batch with a hint goes on to numpy.
FIND_BYTES = 4096


def _may_hold_spaced(text: str) -> bool:
    data = text.encode("utf-8", "surrogatepass").translate(_BYTE_CLASSES, _CONTINUATION_BYTES)
    return _SPACED_HINT in data


def _hinted_texts(data: bytes, n: int) -> list[int] | None:
    """Which of the ``n`` texts joined in ``data`` (classed bytes) hold the hint, in order; None when a
    text holds a NUL of its own, so the separators do not place the hints."""
    classes = np.frombuffer(data, dtype=np.uint8)
    pair = (classes[:-1] == ord(" ")) & (classes[1:] == ord("a"))  # " a" at each position
    hints = np.flatnonzero(pair[:-4] & pair[2:-2] & pair[4:])
    if not len(hints):
        return []
    separators = np.flatnonzero(classes == ord(_SEPARATOR))
    if len(separators) != n - 1:
        return None
    return sorted(set(np.searchsorted(separators, hints).tolist()))


def split_texts(texts: Sequence[str], find_bytes: int = FIND_BYTES) -> list[list[str]]:
    """``split_chunks`` of every text: the batch's bytes classed at once and ``str.split`` for every text
    without a hint (below ``find_bytes`` bytes ``bytes.find`` looks for one, else numpy; tests lower it
    to reach numpy on small batches)."""
    if len(texts) < 2:
        return [split_chunks(text) for text in texts]
    data = (
        _SEPARATOR.join(texts).encode("utf-8", "surrogatepass").translate(_BYTE_CLASSES, _CONTINUATION_BYTES)
    )
    if len(data) < find_bytes and _SPACED_HINT not in data:
        return [t.split() for t in texts]
    hinted = _hinted_texts(data, len(texts))
    if hinted is None:
        return list(map(split_chunks, texts))
    chunks = [t.split() for t in texts]
    for i in hinted:
        chunks[i] = _split_spaced(texts[i])
    return chunks


def split_chunks(text: str) -> list[str]:
    """The chunks every model memoises: ``text.split()``, except that a word spelled out in single
    letters between spaces ("i d i o t") and the non-space characters around it stay one chunk, so
    tokenising chunk by chunk still gives ``tokenize(text)``."""
    if not _may_hold_spaced(text):
        return text.split()
    return _split_spaced(text)


def _split_spaced(text: str) -> list[str]:
    """``split_chunks`` of a text that holds the hint (``TOKEN_RE`` finds its spaced words, if any)."""
    runs: list[list[int]] = []  # [start, end) of each chunk holding a spaced word, widened to whitespace
    for m in TOKEN_RE.finditer(text):
        if " " not in m.group():
            continue
        start, end = m.span()
        while start and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        if runs and start <= runs[-1][1]:  # "a b c d!e f g h": two spaced words in one chunk
            runs[-1][1] = end
        else:
            runs.append([start, end])
    chunks: list[str] = []
    done = 0
    for start, end in runs:
        chunks += text[done:start].split()
        chunks.append(text[start:end])
        done = end
    chunks += text[done:].split()
    return chunks


def _read_leet(text: str) -> str:
    """``text`` with every run of [a-z0-9@$] that holds a letter-digit-letter core spelled in letters."""
    cores = _LEET_CORE_RE.finditer(text)
    pieces: list[str] = []
    done = 0
    for core in cores:
        start, end = core.span()
        if start < done:  # a later core of a run already read
            continue
        while start > done and text[start - 1] in _LEET_RUN:
            start -= 1
        while end < len(text) and text[end] in _LEET_RUN:
            end += 1
        pieces += (text[done:start], text[start:end].translate(_LEET))
        done = end
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _drop_joiners(text: str) -> str:
    """Without the dots, hyphens and spaces only a spelled-out token holds."""
    if "." in text or "-" in text or " " in text:
        return text.replace(".", "").replace("-", "").replace(" ", "")
    return text


def _normalize_once(token: str) -> str:
    if token[0] in "!?":
        return "".join(sorted(set(token)))  # "!!!" -> "!", "?!?" -> "!?"
    t = token
    if not t.isascii():
        t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
        t = INVISIBLE_RE.sub("", t)
        if "\u0640" in t:
            t = _TATWEEL_RE.sub("", t)
    t = _drop_joiners(t.lower().replace("’", "'"))
    if not t.isascii() and _LATIN_RE.search(t):
        t = t.translate(_CONFUSABLE)
    t = _read_leet(t)
    t = _DIGIT_RE.sub("0", t)  # before squeezing: "100" -> "000" -> "00"
    t = _REPEAT_RE.sub(r"\1\1", t)  # "stuuuupid" -> "stuupid"
    return t[:MAX_TOKEN_CHARS].strip("'") or "'"


def normalize_token(token: str) -> str:
    """The spelling-insensitive key of one token. Applied once per distinct raw token, then cached.

    Iterated to a fixed point, so a normalised key normalises to itself: the scorer relies on that
    when it seeds its raw-spelling cache with the vocabulary's keys.
    """
    t = _normalize_once(token)
    if token.isascii():  # one pass is a fixed point (see ``_normalize_ascii``)
        return t
    for _ in range(4):
        again = _normalize_once(t)
        if again == t:
            break
        t = again
    return t


_BATCH_SEPARATOR = "\x00"  # never inside a token: TOKEN_RE matches word characters, quotes, * and !/?


def _normalize_ascii(words: list[str]) -> list[str]:
    """``_normalize_once`` of ASCII word tokens (not !/? runs), one ``lower`` and three regex passes over
    the batch joined by NUL: no regex match can cross it (a squeezed run needs three equal characters,
    a leet run is bounded by characters other than letters, digits, "@" and "$").

    On ASCII one pass is already ``normalize_token``'s fixed point, so no second pass checks it: the
    result is lower case without joiners, squeezing leaves no run of three (a run becomes two of its
    character, next to different ones) and neither cutting nor stripping quotes makes one, it is at
    most ``MAX_TOKEN_CHARS`` long, and it neither starts nor ends with a quote (or is the lone "'").
    Its digits are 0 and no letter-digit-letter run is left: a run that had one lost every digit to a
    letter, and one that had none gains none (digits -> 0 and squeezing keep which characters are
    digits and which are letters next to each other; cutting keeps a prefix of the run)."""
    joined = _read_leet(_drop_joiners(_BATCH_SEPARATOR.join(words).lower()))
    joined = _REPEAT_RE.sub(r"\1\1", _DIGIT_RE.sub("0", joined))
    return [t[:MAX_TOKEN_CHARS].strip("'") or "'" for t in joined.split(_BATCH_SEPARATOR)]


def normalize_tokens(tokens: list[str]) -> list[str]:
    """``normalize_token`` of every token: ASCII word tokens a batch at a time, the others one by one."""
    if len(tokens) < 2:  # one spelling: the batch's joins and splits cost more (3 vs 7.5 us)
        return [normalize_token(t) for t in tokens]
    ascii_word = [t.isascii() and t[0] not in "!?" for t in tokens]
    out = [t if fast else normalize_token(t) for t, fast in zip(tokens, ascii_word, strict=True)]
    batch = [i for i, fast in enumerate(ascii_word) if fast]
    if not batch:
        return out
    words = _normalize_ascii([tokens[i] for i in batch])
    for i, w in zip(batch, words, strict=True):
        out[i] = w
    return out


# A word character (so TOKEN_RE makes it a token of its own between spaces) that comments rarely hold;
# a batch holding it is tokenised chunk by chunk.
_SENTINEL = "\u00aa"
# Below this many chunks one findall per chunk is cheaper than the joined pass's fixed numpy work
# (measured on distinct corpus chunks: 6 vs 16 us for 8 chunks, 82 vs 136 for 128; even at ~400).
FEW_CHUNKS = 128


def tokenize_chunks(chunks: list[str], few: int = FEW_CHUNKS) -> tuple[list[str], np.ndarray]:
    """Every chunk's tokens (``tokenize``), chunk after chunk, and the count per chunk (fewer than
    ``few`` chunks: one findall each; tests lower it to reach the joined pass)."""
    m = len(chunks)
    joined = "" if m < max(few, 2) else f" {_SENTINEL} ".join(chunks)
    if m < max(few, 2) or joined.count(_SENTINEL) != m - 1:
        lists = [TOKEN_RE.findall(c) for c in chunks]
        flat = [t for toks in lists for t in toks]
        return flat, np.fromiter(map(len, lists), dtype=np.int64, count=m)
    toks = TOKEN_RE.findall(joined)
    marks = np.flatnonzero(np.fromiter(map(_SENTINEL.__eq__, toks), dtype=bool, count=len(toks)))
    bounds = np.concatenate([[-1], marks, [len(toks)]])
    flat = list(filter(_SENTINEL.__ne__, toks)) if len(marks) else toks
    return flat, np.diff(bounds) - 1
