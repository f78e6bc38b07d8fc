"""The detector's cleaning compiled (model/language_kernel.py) against the Python path it replaces.

``LanguageDetector.reference_detect_with_confidence`` is the detector as it was: regex cleaning in
Python, then the predictor. The compiled pass must give the same Detections, float bits included, on
every text: the corpora's comments, hostile strings and generated ones."""

from __future__ import annotations

import itertools
import random
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import language_kernel as K
from model.language import (
    _ARABIC_RE,
    _COMPAT_RE,
    _LETTER_RE,
    _UNREAD_RE,
    EDGE,
    Detection,
    LanguageDetector,
    default_detector,
)
from tests.helpers import corpus_comments

SETTLED = frozenset({"en", "de", "fr", "ar"})

HOSTILE = [
    "",
    " ",
    "\x00",
    "\x00" * 10 + "bonjour à tous",
    "\ud800",
    "a\udfff lone \ud83d surrogates \ude00 here",
    "\ud83d\ude00 paired surrogates, written apart",
    "x" * 100_000,
    "word " * 20_000,
    "\u200b" * 1_000 + "Bonjour tout le monde, comment allez-vous ?",
    "B\u200bo\u200bn\u200bj\u200bo\u200bu\u200br " * 60,
    "😀" * 50,
    "😀 👍🏽 ❤️ 🇫🇷 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f so happy today",
    "\u200f مرحبا بكم في هذا الموقع \u200e ok",
    "\u202e reversed text here \u202c",
    "e\u0301" * 100,
    "Zalgo t\u0336\u0311e\u0337\u0352x\u0338t\u0335 h\u0334e\u0336r\u0337e",
    "İstanbul çok güzel bir şehir, İzmir de öyle",
    "ΣΟΦΙΑ ΚΑΙ ΓΝΩΣΗ ΕΙΝΑΙ ΔΥΝΑΜΗ ΟΔΟΣ",
    "ｙｏｕ ａｒｅ ａｎ ｉｄｉｏｔ",
    "𝐲𝐨𝐮 𝐚𝐫𝐞 𝐚𝐧 𝐢𝐝𝐢𝐨𝐭",
    "ﻻ ﺃﻋﺮﻑ ﻣﺎﺫﺍ ﺃﻗﻮﻝ",
    "\U00020000\U00020001 漢字 text beyond the tables",
    "@" * 500,
    "#" * 500 + " hashtag soup",
    "1" * 1_000 + " hello world and more words",
    "\u0661\u0662\u0663 أرقام عربية ٤٥٦",
    "https://" + "a" * 1_000,
    "a" * 108 + "1" * 40 + "https://example.org/x " + "b" * 200,
    "http:// https:// www. www.x @ # HTTP://SHOUT.ORG WWW.SHOUT.ORG",
    "\u2028line\u2029separators\x1c\x1d\x1e\x1f\x85 and\u3000ideographic\u00a0spaces",
    "ǅemal ǈubljana ǋegoš: titlecase letters",
    "\u212a\u212b Kelvin and Angstrom signs, ẞ and ß",
    "اَنْتَ غَبِيٌّ وَحَقِيرٌ",
    "\ufeffBOM at the start of a comment",
    "\ufe70\ufe71 presentation marks",
    "Ⅻ ½ ² ³ numbers that are not digits",
    "_" * 30 + " under_scores_everywhere",
]

_PIECES = [
    "word",
    "Wort",
    "mot",
    "كلب",
    "日本",
    " ",
    "  ",
    "\t",
    "\n",
    "\u2028",
    "\xa0",
    "\u3000",
    "https://a.b/c",
    "http://",
    "https:",
    "HTTP://X",
    "www.x.y",
    "www.",
    "www",
    "@user",
    "@",
    "@\u0661",
    "#",
    "12",
    "\u0661\u0662",
    "²",
    "_",
    "é",
    "e\u0301",
    "İ",
    "Σ",
    "ﬁ",
    "ｉｄｉｏｔ",
    "𝐢",
    "\ufeff",
    "\u200b",
    "\u200f",
    "\u00ad",
    "\u064e",
    "\x00",
    "\ud800",
    "😀",
    "\ufe0f",
    "\U00020000",
    "ß",
    "ǅ",
    "\u212a",
]


def _bits(detections: Sequence[Detection]) -> list[tuple[object, ...]]:
    """Every field, floats as their exact hex (== would let -0.0 pass for 0.0)."""
    return [
        (type(d), d.language, d.confidence.hex(), tuple((c, p.hex()) for c, p in d.ranked), d.script)
        for d in detections
    ]


def _assert_same_as_python(detector: LanguageDetector, texts: Sequence[str], sizes: Sequence[int]) -> None:
    for settled in (frozenset(), SETTLED):
        for size in sizes:
            for at in range(0, len(texts), size):
                part = texts[at : at + size]
                assert _bits(detector.detect_with_confidence(part, settled)) == _bits(
                    detector.reference_detect_with_confidence(part, settled)
                ), (settled, part)


def test_the_compiled_cleaning_answers_what_the_python_path_answers(data_dir: Path) -> None:
    detector = default_detector()
    _assert_same_as_python(detector, corpus_comments(data_dir, 200) + HOSTILE, (1, 20))
    # other settings read the same way (shorter windows, other letter counts, more labels)
    others = (LanguageDetector(max_chars=30, min_letters=1, top_k=5), LanguageDetector(min_letters=0))
    for other in others:
        _assert_same_as_python(other, HOSTILE + corpus_comments(data_dir, 20), (20,))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=220).map("".join), min_size=1, max_size=6))
def test_generated_texts_are_read_alike(texts: list[str]) -> None:
    _assert_same_as_python(default_detector(), texts, (1, len(texts)))


def test_the_cleaning_runs_in_the_compiled_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ordinary comments never reach the Python cleaning (``_clean``, several regex passes a comment);
    a comment the pass cannot read exactly (letters in compatibility forms) does, alone."""
    detector = LanguageDetector()
    detector.detect(["warm up"])
    cleaned: list[str] = []
    python_clean = LanguageDetector._clean
    monkeypatch.setattr(
        LanguageDetector, "_clean", lambda self, text: cleaned.append(text) or python_clean(self, text)
    )
    texts = [
        "I think the author makes a fair point about the budget.",
        "Das ist doch wirklich das Dümmste, was ich seit langem gelesen habe.",
        "هذا المقال رائع جدا وشكرا للكاتب",
        "ok",
        "@user 123 https://example.org",
    ]
    assert detector.detect(texts) == ["en", "de", "ar", None, None]
    assert cleaned == []
    assert detector.detect(["ｙｏｕ ａｒｅ ａｎ ｉｄｉｏｔ", texts[0]]) == ["en", "en"]
    assert cleaned == ["ｙｏｕ ａｒｅ ａｎ ｉｄｉｏｔ"]


def test_the_tables_hold_what_the_compiled_cleaning_assumes() -> None:
    tables = K.char_tables(_LETTER_RE.pattern, _ARABIC_RE.pattern, _UNREAD_RE.pattern, _COMPAT_RE.pattern)
    classes, lower = tables.classes, tables.lower
    # ASCII text is read without the non-ASCII steps, as the Python path skips them for it
    assert not (classes[:128] & (K.UNREAD | K.COMPAT | K.SPECIAL)).any()
    # a whitespace character is never part of a word or number match, so noise replaces every one
    # of them and strip() has only spaces to strip
    assert not (classes[(classes & K.SPACE) != 0] & (K.WORD | K.DIGIT)).any()
    every = np.arange(K.TABLE_LIMIT, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    spaces = {i for i, char in enumerate(every) if char.isspace()}
    assert spaces == set(np.flatnonzero(classes & K.SPACE).tolist())
    assert int(lower.max()) < K.TABLE_LIMIT  # a lower-cased character is still inside the tables
    assert np.flatnonzero(classes & K.SPECIAL).tolist() == [0x130, 0x3A3]
    for code in (0x41, 0xC9, 0x212A, 0x10400, 0x1E900):
        assert chr(int(lower[code])) == chr(code).lower()


def _all_corpus_texts(data_dir: Path) -> list[str]:
    from bench.stream import distinct_comments
    from training import language_corpora as L

    texts = distinct_comments(data_dir, 40_000)
    for language, path in L.MLMA_FILES.items():
        texts += list(L.load_mlma(data_dir / path, language, "toxicity").texts)
    texts += list(L.load_germeval(data_dir / L.GERMEVAL_FILE, "toxicity").texts)
    texts += list(L.load_omp(data_dir / L.OMP_FILE).texts) + list(
        L.load_omp_deleted(data_dir / L.OMP_FILE).texts
    )
    return texts


@pytest.mark.slow
def test_every_corpus_comment_is_read_alike(data_dir: Path) -> None:
    """The bench stream's 40,000 comments, MLMA's French and Arabic tweets, GermEval and every post of
    One Million Posts' labelled file, one per call and in batches of 20, with and without settled
    languages (about 235,000 detections each way)."""
    texts = _all_corpus_texts(data_dir)
    assert len(texts) > 58_000
    _assert_same_as_python(default_detector(), texts + HOSTILE, (1, 20))


@pytest.mark.parametrize("max_chars", [0, -1])
def test_a_detector_reading_nothing_answers_as_the_python_path(max_chars: int) -> None:
    # the compiled pass sizes its buffers from max_chars: a negative one failed at load
    detector = LanguageDetector(max_chars=max_chars, min_letters=0)
    texts = ["", "Bonjour à tous, comment allez-vous ?", "ok"]
    assert _bits(detector.detect_with_confidence(texts)) == _bits(
        detector.reference_detect_with_confidence(texts)
    )


# Code points the fuzz draws from besides every category's: each edge of the character tables, of
# UTF-8's lengths, of the surrogates and of the compatibility and presentation blocks, one either side.
_EDGES = (0x80, 0x800, 0xD800, 0xDC00, 0xE000, 0xFB00, 0xFE00, 0xFE70, 0xFF00, 0x10000, 0x1D400, 0x1D800)
_NEAR = [c for edge in (*_EDGES, K.TABLE_LIMIT, 0x110000) for c in range(edge - 3, min(edge + 4, 0x110000))]
_FUZZ_PIECES = [*_PIECES, "ẞ", "ﬃ", "\u0307", "\u0345", "ς", "\u202e", "\u2066", "\U000e0041", "\u0640"]
_FUZZ_PIECES += ["h", "w", "s", ":", "/", ".", "https", "http", "ww", "\udfff", "\u0301" * 50]


def _fuzz_text(rng: random.Random, by_category: list[list[int]], size: int) -> str:
    """``size`` characters (about) of one of four shapes: any code points, words and noise, long runs
    of one thing (invisible characters, combining marks, digits, NULs), or letters and a noise tail."""

    def char() -> str:
        r = rng.random()
        if r < 0.3:
            return chr(rng.choice(rng.choice(by_category)))
        if r < 0.45:
            return chr(rng.choice(_NEAR))
        if r < 0.55:
            return chr(rng.randrange(0x110000))
        return rng.choice(_FUZZ_PIECES) if r < 0.8 else rng.choice("abcdefghijklmnopéçمرحبا日本語Привет")

    shape = rng.randrange(4)
    if shape == 0:
        return "".join(char() for _ in range(size))
    if shape == 3:
        tail = rng.choice(["https://x.y/", "1" * 60, "\u200b" * 600, " " * 60])[: rng.randint(1, 600)]
        return "".join(rng.choice("abcdeéمر") for _ in range(rng.randint(0, size))) + tail + char()
    out: list[str] = []
    while sum(map(len, out)) < size:
        if shape == 1:
            out.append(rng.choice([rng.choice("abcdéمر日") * rng.randint(1, 8), " ", char()]))
        else:
            out.append(
                rng.choice([char(), "\u200b", "\u0301", "\u064e", "1", "@a", "#", "\x00"])
                * rng.randint(1, 200)
            )
    return "".join(out)[:size]


@pytest.mark.slow
def test_fuzzed_texts_are_read_alike() -> None:
    """Seeded fuzz (78,635 texts, about 17 s of CPU): texts of every plane and category, of each
    window's size and one either side (and 1 MB), in batches of 1, 20 and 1,000, with and without
    settled languages, under several max_chars; every Detection is the Python path's, float bits
    included, and nothing fails."""
    rng = random.Random(20_261_204)
    by_category: dict[str, list[int]] = {}
    for code in itertools.chain(range(0x30000), range(0xE0000, 0xE0080), range(0x10FFF0, 0x110000)):
        by_category.setdefault(unicodedata.category(chr(code)), []).append(code)
    pools = list(by_category.values())
    detectors = [default_detector()] + [
        LanguageDetector(max_chars=m, min_letters=letters, top_k=k)
        for m, letters, k in (
            (1, 0, 1),
            (2, 1, 3),
            (4, 0, 5),
            (7, 2, 3),
            (30, 1, 5),
            (121, 3, 3),
            (200, 3, 2),
        )
    ]
    settled_sets = (frozenset(), SETTLED, frozenset({"en", "ru", "ja", "zh", "ar", "arz"}))
    texts_read = 0
    for batch in range(400):
        detector = detectors[batch % len(detectors)]
        m = detector.max_chars
        edges = [s + d for s in (m, m + EDGE, m + m // 3, 4 * m, 5 * m) for d in (-1, 0, 1)]
        texts = [
            _fuzz_text(rng, pools, rng.choice(edges) if rng.random() < 0.5 else rng.randint(0, 8 * m))
            for _ in range(rng.choice((1, 1, 20, 20, 1000)) if batch % 50 else 1)
        ]
        if batch % 100 == 7:
            texts.append("".join(_fuzz_text(rng, pools, 2_000) for _ in range(4)) * 125)  # ~1 MB
        settled = settled_sets[batch % len(settled_sets)]
        got = _bits(detector.detect_with_confidence(texts, settled))
        want = _bits(detector.reference_detect_with_confidence(texts, settled))
        differ = [(text, g, w) for text, g, w in zip(texts, got, want, strict=True) if g != w]
        assert not differ, (batch, m, settled, differ[0])
        texts_read += len(texts)
    assert texts_read > 70_000
