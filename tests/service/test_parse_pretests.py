"""The word tests that skip a case-insensitive regex search give the regex's answer: on every line of
the hand-written pages and seeds (in their own case, upper case and with the letters re.IGNORECASE
folds oddly), and on mixes of the words they look for. Each slow reference is the code as it was
before the shortcut."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import dates
from service.dates import DATE, DateHit, find_date
from service.parse import lexicon as lx
from service.parse import lines as ls
from service.textcase import lower_for_words, may_hold

PAGES = Path(__file__).parent / "pages"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
# Letters that re.IGNORECASE matches to an ASCII one other than by str.lower (see service/textcase.py).
_ODD = "\u0130\u0131\u017f\u212a"


def _real_lines() -> list[str]:
    found: set[str] = set()
    for p in [*sorted(PAGES.glob("*.txt")), *sorted(SEEDS.glob("*.txt"))]:
        found.update(ln.strip() for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip())
    return sorted(found)


def _variants(line: str) -> list[str]:
    odd = line.replace("s", "\u017f").replace("i", "\u0131")
    return [line, line.upper(), odd, line.replace("I", "\u0130")]


def _maybe_date_reference(text: str) -> bool:
    if dates._HAS_DIGIT.search(text) is None:
        low = text.lower()
        return any(w in low for w in dates._BARE_WORDS)
    return bool(
        dates._DIGIT_DATE.search(text)
        or dates._MONTH_DAY.search(text)
        or dates._REL_WORDS_RX.search(text)
        or dates._COMPACT_REL.search(text)
        or dates._DM_LINE.match(text)
    )


def _find_date_reference(text: str) -> DateHit | None:
    if not _maybe_date_reference(text):
        return None
    m = DATE.search(text)
    if not m:
        return None
    raw = m.group(0).strip("() ")
    if dates._K_REL.fullmatch(raw) or dates._COMPACT_RAW.fullmatch(raw):
        return DateHit(m.start(), m.end(), raw, "rel", False)
    kind = "num"
    for name, rx in (
        ("iso", dates._K_ISO),
        ("dmy", dates._K_DMY),
        ("mdy", dates._K_MDY),
        ("num", dates._K_NUM),
        ("md", dates._K_MD),
        ("dm", dates._K_DM),
    ):
        if rx.match(raw) or (name in {"dmy", "mdy", "md", "dm"} and rx.search(raw)):
            kind = name
            break
    has_time = bool(re.search(r"\d(?::|\s?h\s?)\d{2}|\d\s*[ap]\.?m\b", raw, re.I))
    return DateHit(m.start(), m.end(), raw, kind, has_time)


def _policy_reference(text: str) -> bool:
    return bool(lx._COMMENT_WORD.search(text) and lx._POLICY_WORD.search(text))


def _check(text: str) -> None:
    assert ls._may_glue_footer(text) == bool(ls._GLUED_HINT.search(text)), text
    if _policy_reference(text):
        assert ls._may_be_policy(text), text
    if lx._COUNT_ANY.search(text):
        assert ls._may_name_section(text), text
    if lx._SITE_NOTICE_IN_LINE.search(text):
        assert ls._may_be_site_notice(text), text
    assert dates._maybe_date(text) == _maybe_date_reference(text), text
    assert find_date(text) == _find_date_reference(text), text


@pytest.mark.slow
def test_pretests_agree_with_the_regexes_on_every_shared_page_line(articles_dir: Path) -> None:
    """The real article pages in both text renderings, as written and in upper case: their dates are
    written in more ways than the hand-written pages' ("09 Octobre à 10h18")."""
    found: set[str] = set()
    for p in sorted(articles_dir.glob("*/*.txt")):
        text = p.read_text(encoding="utf-8", errors="replace")
        found.update(ln.strip() for ln in text.splitlines() if ln.strip())
    lines = sorted(found)
    assert len(lines) > 5000
    for line in lines:
        for text in (line, line.upper()):
            _check(text)
    assert sum(find_date(t) is not None for t in lines) > 500
    assert any((hit := find_date(t)) is not None and hit.kind == "dm" for t in lines)


def test_pretests_agree_with_the_regexes_on_every_page_line() -> None:
    lines = _real_lines()
    assert len(lines) > 500
    for line in lines:
        for text in _variants(line):
            _check(text)
    # The comparisons cover both answers: the pages hold dates, footers and comment words, and the
    # word tests do skip most lines.
    assert sum(find_date(t) is not None for t in lines) > 50
    assert sum(ls._may_glue_footer(t) for t in lines) > 3
    assert sum(not ls._may_be_policy(t) for t in lines) > len(lines) / 2
    assert sum(1 for t in lines if _policy_reference(t)) > 0


# The words of the regexes themselves (not of the word lists under test), cut anywhere.
_RXS = [ls._GLUED_HINT, lx._COMMENT_WORD, lx._POLICY_WORD, lx._COUNT_ANY, dates._MONTH_DAY]
_RXS += [dates._REL_WORDS_RX, lx._SITE_NOTICE_IN_LINE]
_WORDS = sorted(
    {w for rx in _RXS for w in re.findall(r"[a-zà-ÿ' ]{2,}", rx.pattern)}
    | {"posted by", "Écrit par", "12", "3 ", " ago", "·", "|", " ", "Mar 3", "10:15", "2020-01-02", "4/5/21"}
)
_TEXT = st.lists(st.sampled_from([*_WORDS, *_ODD, "x", "é"]), min_size=1, max_size=6).map("".join)


@settings(max_examples=600, deadline=None)
@given(text=_TEXT)
def test_pretests_agree_with_the_regexes_on_word_mixes(text: str) -> None:
    for t in (text, text.upper(), text.title()):
        _check(t)


def test_lower_for_words_is_exact_for_every_letter_the_word_lists_hold() -> None:
    """Every character re.IGNORECASE matches to a letter of the word lists lowers to that letter, or
    lower_for_words refuses the text (every code point is checked)."""
    words = [*ls._GLUED_STEMS, *ls._POLICY_STEMS, *ls._COMMENT_STEMS, *ls._SECTION_STEMS]
    words += [*dates._MONTH_STEMS, *dates._REL_WORDS, *lx._SITE_NOTICE_WORDS]
    letters = sorted({c for w in words for c in w if c.isalpha()})
    any_letter = re.compile("[" + "".join(letters) + "]", re.I)
    checked = 0
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        if not any_letter.fullmatch(c):
            continue
        low = lower_for_words(c)
        for letter in letters:
            if re.fullmatch(re.escape(letter), c, re.I):
                assert low is None or low == letter, (hex(code), letter)
                checked += 1
    # each letter and its capital at least (Arabic letters have no case: once)
    assert checked >= sum(2 if c.upper() != c else 1 for c in letters)
    assert lower_for_words("Po\u017fted") is None  # the long s: the regex sees "posted"


_LISTS = [
    ls._GLUED_STEMS, ls._POLICY_STEMS, ls._COMMENT_STEMS, ls._SECTION_STEMS,
    dates._MONTH_STEMS, dates._REL_WORDS, dates._BARE_WORDS, (), ("a.b", "(x", "*"),
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, pick=st.integers(min_value=0, max_value=len(_LISTS) - 1))
def test_may_hold_is_the_word_by_word_test(text: str, pick: int) -> None:
    """One compiled search for any of the words answers as testing each word in turn (regex
    metacharacters are literal, and an empty list holds nothing)."""
    words = _LISTS[pick]
    for low in (text.lower(), text, "a.b (x *"):
        assert may_hold(low, words) == any(w in low for w in words), (low, words)
    assert may_hold(None, words)


def _longest_tail_reference(name: str, seen: list[str]) -> str | None:
    tails = [b for b in seen if name.endswith(" " + b) and len(name) > len(b) + 1]
    return max(tails, key=len) if tails else None


_NAME_PART = st.sampled_from(["Ann", "Bo Li", "x", "", " ", "Ann Bo", "Li"])


@settings(max_examples=400, deadline=None)
@given(
    name=st.lists(_NAME_PART, min_size=1, max_size=5).map(" ".join),
    seen=st.lists(st.lists(_NAME_PART, min_size=1, max_size=3).map(" ".join), max_size=8),
)
def test_longest_seen_tail_is_the_pass_over_every_name(name: str, seen: list[str]) -> None:
    """The reply-to-name split's set look-up per space finds the tail the pass over every seen name
    found (the longest; none without a character before its space)."""
    from service.parse.comments import _longest_seen_tail

    assert _longest_seen_tail(name, set(seen)) == _longest_tail_reference(name, seen), (name, seen)


def test_every_section_word_holds_a_stem_of_the_pretest() -> None:
    """A heading word the pretest's stems miss is never read as a counted heading ("8 comentarii ·
    Site · Login" was not, while "8 Comments · Site · Login" was): each alternative holds a stem."""
    from service.parse import lexicon

    alternatives = lexicon._SECTION_WORDS.removeprefix("(?:").removesuffix(")").split("|")
    assert len(alternatives) > 30
    assert [a for a in alternatives if not any(s in a for s in ls._SECTION_STEMS)] == []
