"""The batch tokeniser and normaliser give exactly the per-chunk and per-token results."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.tokens import FEW_CHUNKS, TOKEN_RE, normalize_token, normalize_tokens, tokenize_chunks

# Pieces that exercise every rule: case, digits, runs to squeeze, quotes, !/? runs, the batch
# sentinel, combining marks, characters whose lower case or NFKD form is longer, non-ASCII digits.
_PIECES = [*"aAbZ09_*'’!? \u00aa\u00e9\u0308\u00dfİΣς٣x", "ab", "'''", "zzzz", "1111"]


def _text(max_pieces: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(_PIECES), max_size=max_pieces).map("".join)


@given(st.lists(_text(8).map(lambda s: "".join(s.split())), max_size=30))
@settings(max_examples=300, deadline=None)
def test_tokenize_chunks_equals_findall_per_chunk(chunks: list[str]) -> None:
    lists = [TOKEN_RE.findall(c) for c in chunks]
    for few in (FEW_CHUNKS, 2):  # per chunk (a few chunks) and the joined pass
        flat, lengths = tokenize_chunks(chunks, few)
        assert flat == [t for toks in lists for t in toks]
        np.testing.assert_array_equal(lengths, [len(t) for t in lists])


def test_tokenize_chunks_on_real_chunks(kaggle_small: tuple[list[str], np.ndarray]) -> None:
    chunks = [c for t in kaggle_small[0][:300] for c in t.split()] + ["", "!!?", "x\u00aay"]
    for batch in (chunks, chunks[:-1], chunks[:1], chunks[:5], []):  # the last holds the sentinel
        flat, lengths = tokenize_chunks(batch)
        assert flat == [t for c in batch for t in TOKEN_RE.findall(c)]
        assert lengths.tolist() == [len(TOKEN_RE.findall(c)) for c in batch]


@given(st.lists(_text(25), max_size=30))
@settings(max_examples=300, deadline=None)
def test_normalize_tokens_equals_one_by_one(texts: list[str]) -> None:
    tokens = [t for text in texts for t in TOKEN_RE.findall(text)]
    assert normalize_tokens(tokens) == [normalize_token(t) for t in tokens]


def test_normalize_tokens_on_real_and_awkward_spellings(kaggle_small: tuple[list[str], np.ndarray]) -> None:
    tokens = [t for text in kaggle_small[0][:300] for t in TOKEN_RE.findall(text)]
    tokens += ["STUUUUPID", "100000", "'''x'''", "x" * 45 + "'''", "a''''b", "’tis", "Ünïcödé", "!?!"]
    assert normalize_tokens(tokens) == [normalize_token(t) for t in tokens]
    assert normalize_tokens([]) == []


def test_combining_marks_stay_inside_their_word() -> None:
    # Arabic harakat and a decomposed umlaut split words into letters; normalised, the marks go
    vowelled = "يَا كَلْبُ يَا حِمَار Arschlo\u0308cher"
    tokens = TOKEN_RE.findall(vowelled)
    assert [normalize_token(t) for t in tokens] == ["يا", "كلب", "يا", "حمار", "arschlocher"]
    assert normalize_token(TOKEN_RE.findall("Arschlöcher")[0]) == "arschlocher"  # as precomposed


def test_tatweel_inside_a_word_does_not_change_its_spelling() -> None:
    # Tatweel (U+0640) stretches a word for emphasis or to slip past a filter: "كـــلب" was another
    # token than "كلب", and "انت كـــلب" scored insult 0.40 against 0.82 for "انت كلب".
    stretched = "كـــلب حـمـار الـــعرب"
    assert [normalize_token(t) for t in TOKEN_RE.findall(stretched)] == ["كلب", "حمار", "العرب"]
    # At a word's edge it is part of how the models spell a detached prefix ("بـ 100"): kept.
    assert [normalize_token(t) for t in ("بـ", "لـ", "الـ")] == ["بـ", "لـ", "الـ"]
    for token in ("كـــلب", "بـ", "ـكلب"):  # a normalised key normalises to itself
        assert normalize_token(normalize_token(token)) == normalize_token(token)


INVISIBLE = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u00ad",
    "\u2060",
    "\u034f",
    "\ufe0f",
    "\u200e",
    "\u202e",
    "\ufeff",
]


def test_invisible_characters_inside_a_word_do_not_split_it() -> None:
    # A zero-width space, joiner, soft hyphen, bidi mark or variation selector between the letters of a
    # word is not seen on screen but split it in two tokens: "Arsch\u200bloch" read as "arsch" + "loch".
    for mark in INVISIBLE:
        word = mark.join("Arschloch")
        assert TOKEN_RE.findall(f"Du {word}!") == ["Du", word, "!"], repr(mark)
        assert normalize_token(word) == "arschloch", repr(mark)
        assert normalize_token(normalize_token(word)) == "arschloch"
    assert TOKEN_RE.findall("\u200bidiot") == ["idiot"]  # a word still starts at a word character


@given(st.lists(st.text(alphabet=st.characters(max_codepoint=127), min_size=1), max_size=20))
@settings(max_examples=400, deadline=None)
def test_one_pass_normalises_ascii_to_its_fixed_point(texts: list[str]) -> None:
    """ASCII spellings take a single normalising pass, one by one or a batch at a time: it must be the
    fixed point that repeating the pass reaches."""
    from model.tokens import _normalize_once

    def fixed_point(token: str) -> str:
        t = _normalize_once(token)
        while (again := _normalize_once(t)) != t:
            t = again
        return t

    tokens = [t for text in texts for t in TOKEN_RE.findall(text)]
    tokens += ["AAAA1111", "'''x'''", "x" * 29 + "'a", "a" * 29 + "''''", "''''", "_'''", "9" * 40]
    want = [fixed_point(t) for t in tokens]
    assert [normalize_token(t) for t in tokens] == want
    assert normalize_tokens(tokens) == want
