"""The classifier's shortcuts give the answers of the plain regexes they stand in for: the first-character
switch (rxswitch.py) over the furniture, chrome and opener tables, the sentence-end test, and the
substring tests that skip a regex search."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.ingest import _NEWLINES, decode
from service.parse import lexicon as lx
from service.parse.lines import _may_name_comments, _may_name_section
from service.parse.rxswitch import FirstCharRx, split_top
from service.parse.segment import _strip_chrome

PAGES = Path(__file__).parent / "pages"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SWITCHES = {
    "furniture": lx._FURNITURE_RX,
    "long furniture": lx._LONG_FURNITURE_RX,
    "chrome": lx._CHROME_RX,
    "opener": lx._OPENER_RX,
}
# Phrases from the tables, cut anywhere, with letters that re.IGNORECASE folds onto ASCII ones (the
# Kelvin sign, the long s, the dotted capital I), digits and separators around them.
_PIECES = sorted(
    {w for rx in SWITCHES.values() for w in re.findall(r"[a-zà-ÿ' ]{2,}", rx.pattern)}
    | {"K", "ſ", "İ", "ı", "12", "(3)", " | ", "·", "[", "]", "x", ":", "…", "\u00a0", "!"}
)
_TEXT = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5).map("".join).map(str.strip)


def _same(a: re.Match[str] | None, b: re.Match[str] | None) -> bool:
    if a is None or b is None:
        return a is b
    set_a = {k: v for k, v in a.groupdict().items() if v is not None}
    set_b = {k: v for k, v in b.groupdict().items() if v is not None}
    return a.span() == b.span() and a.lastgroup == b.lastgroup and set_a == set_b


def _page_lines() -> list[str]:
    lines = set()
    for p in [*sorted(PAGES.glob("*.txt")), *sorted(SEEDS.glob("*.txt"))]:
        lines.update(ln.strip() for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip())
    return sorted(lines)


@pytest.mark.parametrize("name", sorted(SWITCHES))
def test_switch_matches_like_the_whole_alternation_on_every_page_line(name: str) -> None:
    switch = SWITCHES[name]
    plain = re.compile(switch.pattern, switch.flags)
    lines = _page_lines()
    assert len(lines) > 500
    matched = 0
    for line in lines:
        got, want = switch.fullmatch(line), plain.fullmatch(line)
        assert _same(got, want), line
        matched += want is not None
    assert matched > 0  # the pages hold furniture, chrome and openers: the test compares real matches


@settings(max_examples=400, deadline=None)
@given(text=_TEXT)
def test_switch_matches_like_the_whole_alternation_on_phrase_mixes(text: str) -> None:
    for switch in SWITCHES.values():
        assert _same(switch.fullmatch(text), re.compile(switch.pattern, switch.flags).fullmatch(text))


def test_split_top_keeps_classes_groups_and_escapes_whole() -> None:
    rx = r"a|(?:b|c)|[|]|[]|x]|\||d(e|f)"
    assert split_top(rx) == ["a", "(?:b|c)", "[|]", "[]|x]", r"\|", "d(e|f)"]
    for switch in SWITCHES.values():
        for _, alts in switch.groups:
            for alt in alts:
                re.compile(alt)  # every piece is a whole pattern


def test_switch_keeps_a_prefix_that_can_take_the_first_character() -> None:
    rx = FirstCharRx(r"(?:\d+\s*)?", [(None, ["reply", "like", "(?:x)?yes", "k"])], re.I)
    assert rx.fullmatch("3 Reply") is not None
    assert rx.fullmatch("LIKE") is not None
    assert rx.fullmatch("yes") is not None  # an alternative that may start later stays
    assert rx.fullmatch("\u212a") is not None  # the Kelvin sign is a "k" to re.IGNORECASE
    assert rx.fullmatch("no") is None
    assert rx.fullmatch("") is None


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('ab .!?)"”»;…\n\t\u00a0\u2003x')), max_size=12))
def test_ends_sentence_is_the_sentence_end_regex(text: str) -> None:
    assert lx._ends_sentence(text) == bool(lx._SENTENCE_END.search(text))


@settings(max_examples=400, deadline=None)
@given(text=_TEXT)
def test_substring_tests_never_skip_a_match(text: str) -> None:
    line = f"{text} 12 comments ({text})"
    for t in (text, line, line.upper()):
        if lx._COUNT_ANY.search(t):
            assert _may_name_section(t)
        if lx._COMMENT_WORD.search(t):
            assert _may_name_comments(t)


@settings(max_examples=400, deadline=None)
@given(text=st.lists(st.sampled_from([*"ab. *•[x]\n", "Reply", "Report", "Antworten", "   "])).map("".join))
def test_comment_line_chrome_strip_is_the_two_regexes(text: str) -> None:
    assert _strip_chrome(text) == lx._TRAILING_CHROME.sub("", lx._GAP_BULLET.sub("", text))


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab \r\n\u2028\u2029\x85é")), min_size=1))
def test_decode_normalises_line_ends_as_the_regex_does(text: str) -> None:
    data = ("x" + text).encode("utf-8")
    assert decode(data) == _NEWLINES.sub("\n", "x" + text)


def test_characters_with_the_same_alternatives_share_one_pattern() -> None:
    rx = FirstCharRx("", [("d", [r"\d+ comments", "x"])], re.I)
    digits = ["1", "\u0661", "\u0967", "\u09e7"]  # ASCII, Arabic-Indic, Devanagari, Bengali one
    assert all(rx.fullmatch(d + " comments") is not None for d in digits)
    assert len({id(rx._by_char[d]) for d in digits}) == 1
