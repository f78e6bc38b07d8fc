"""Stage 1, continued: what a comment widget prints in every comment, learned per page in any language:
its relative stamps ("pirms 5 dienām", "3 klst.") and its action row ("Отговори Сигнализирай за
нередност", "👍 31 👎 2 Одговори Пријави", "Atsakyti · Pranešti").
The lexicon knows the buttons of some twenty languages; a row the page repeats once per dated block is a
row of buttons whatever its words, and becomes comment chrome, the cue the header search needs. A
number with the same words around it, ending a short line in several blocks, is a stamp."""

from __future__ import annotations

import re
from itertools import pairwise

from service.dates import DateHit
from service.parse.lexicon import _ends_sentence, reads_english
from service.parse.lines import _is_prose, _Line

# A row is short: a few buttons and their counts.
_MAX_ROW_CHARS = 60
_MAX_ROW_WORDS = 5
# ... printed in this many comments at least, one per comment: between two of them one dated line, for
# this share of them (a reader's name line repeats too when she writes three comments, but others'
# comments stand between hers).
_MIN_ROWS = 3
_ONE_EACH_SHARE = 0.75

_WORD = re.compile(r"[^\W\d_]+")


def _row_key(ln: _Line) -> str | None:
    """The row's words, lower-cased, without its counts and symbols; None for a line no row can be."""
    core = ln.core
    if (
        ln.date is not None
        or ln.chrome
        or ln.opener
        or ln.furniture is not None
        or len(core) > _MAX_ROW_CHARS
    ):
        return None
    if _ends_sentence(core):
        return None
    words = [w.casefold() for w in _WORD.findall(core)]
    if not 1 <= len(words) <= _MAX_ROW_WORDS:
        return None
    if len(words) == 1 and core[:1].isdigit():
        return None  # a count and its label ("63 Fans", "12 Beiträge"): a poster's profile
    return " ".join(words)


def mark_repeated_rows(lines: list[_Line]) -> None:
    """Marks as chrome the lines of one wording that stand once in each dated block, in at least
    _MIN_ROWS blocks."""
    dated = [i for i, ln in enumerate(lines) if ln.date is not None]
    if len(dated) < _MIN_ROWS:
        return
    seen_dates = [0] * (len(lines) + 1)  # prefix counts: dated lines before index i
    for i, ln in enumerate(lines):
        seen_dates[i + 1] = seen_dates[i] + (ln.date is not None)
    groups: dict[str, list[int]] = {}
    for i in range(dated[0] + 1, len(lines)):  # (a row follows a stamp)
        ln = lines[i]
        key = _row_key(ln)
        if key is not None:
            groups.setdefault(key, []).append(i)
    rows = []
    for idx in groups.values():
        if len(idx) < _MIN_ROWS:
            continue
        between = [seen_dates[b] - seen_dates[a + 1] for a, b in pairwise(idx)]
        if 0 in between or sum(1 for n in between if n == 1) < _ONE_EACH_SHARE * len(between):
            continue  # two of them in one block, or rows of some comments only
        first_date = max((d for d in range(idx[0]) if lines[d].date is not None), default=idx[0])
        if len(idx) < _ONE_EACH_SHARE * (seen_dates[-1] - seen_dates[first_date]):
            continue  # not in most comments from its first on: a reader's name line, who wrote a few
        if sum(1 for i in idx if _after_text(lines, i)) < _ONE_EACH_SHARE * len(idx):
            continue  # not under a comment's text: a poster's profile labels ("Join Date", "Posts")
        rows.append(idx)
    if not rows or reads_english(lines):
        return  # (an English page's buttons are the lexicon's: what it does not call chrome is none)
    for idx in rows:
        for i in idx:
            lines[i].chrome = lines[i].row = True


def _after_text(lines: list[_Line], i: int) -> bool:
    """Whether a line of prose stands between line i and the dated line above it."""
    for j in range(i - 1, -1, -1):
        ln = lines[j]
        if ln.date is not None:
            return False
        if _is_prose(ln):
            return True
    return False


# A relative stamp the date tables lack: a small number and its unit, with a word before or after it that
# every stamp of the page repeats ("pirms 5 dienām" / "pirms 3 stundām", Latvian; "3 klst.", Icelandic),
# ending a short line (a header's name before it, or a separator).
_STAMP_TAIL = re.compile(
    r"(?:^|(?<=\s)|(?<=[·•|]))(?P<stamp>(?:(?P<pre>[^\W\d_]{2,10})\s+)?(?P<n>\d{1,2})\s?(?P<unit>[^\W\d_]{1,10}\.?)"
    r"(?:\s+(?P<post>[^\W\d_]{2,12}))?)\s*$"
)
_MAX_STAMP_LINE_CHARS = 60
_STAMP_TAIL_CHARS = 30  # "pirms 12 minūtēm", "3 klst.": the number within the last 30 characters
_DIGIT = re.compile(r"\d")
_MAX_STAMP_LINE_WORDS = 10
_MIN_STAMPS = 3
_KNOWN_SHARE = 0.5


def learn_stamps(lines: list[_Line]) -> bool:
    """Gives such lines their stamp as a relative date, when _MIN_STAMPS lines of the page share its
    fixed words, in separate blocks, on a page that does not read as English (whose stamps the tables
    hold: a teaser's "5 min read" is no stamp). Whether any was learned."""
    groups: dict[str, list[tuple[int, re.Match[str]]]] = {}
    for i, ln in enumerate(lines):
        core = ln.core
        if ln.date is not None or ln.chrome or ln.opener or ln.furniture is not None:
            continue
        if len(core) > _MAX_STAMP_LINE_CHARS:
            continue
        if not _DIGIT.search(core, max(0, len(core) - _STAMP_TAIL_CHARS)):
            continue  # (the stamp's number stands in the line's last characters: cheap test first)
        if len(core.split()) > _MAX_STAMP_LINE_WORDS:
            continue
        m = _STAMP_TAIL.search(core)
        if m is None:
            continue
        pre, post = (m["pre"] or "").casefold(), (m["post"] or "").casefold()
        key = f"{pre}|{post}" if pre or post else f"|{m['unit'].casefold()}"
        groups.setdefault(key, []).append((i, m))
    found = [hits for hits in groups.values() if len(hits) >= _MIN_STAMPS and _apart(lines, hits)]
    if not found or reads_english(lines):
        return False
    for hits in found:
        for i, m in hits:
            lines[i].date = DateHit(m.start("stamp"), m.end("stamp"), m["stamp"], "rel", False)
    return True


def _apart(lines: list[_Line], hits: list[tuple[int, re.Match[str]]]) -> bool:
    """No two of them on neighbouring lines (one per comment, with its text between), and no stamp the
    tables know between most two of them: those blocks have their stamps ("comment number 3 says
    something" under "user3 17 May 2017, 03:03" is a text)."""
    gaps = list(pairwise(i for i, _ in hits))
    if any(b - a <= 1 for a, b in gaps):
        return False
    dated = sum(1 for a, b in gaps if any(lines[j].date is not None for j in range(a + 1, b)))
    return dated < _KNOWN_SHARE * len(gaps)
