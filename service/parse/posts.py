"""Stage 2, forum topics: numbered posts ("#2" in the post bar, "« Reply #1 on: DATE »") and the reply
subjects ("Re: TITLE") that tell a topic's posts from other dated lines. headers.py reads a numbered
shape as a thread with no heading, takes each poster's name above the profile, and segment.py takes
post #1 for the article.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import TYPE_CHECKING

from service.parse.lexicon import _IMAGE_PLACEHOLDER
from service.parse.lines import _is_name_like, _is_prose, _Line

if TYPE_CHECKING:
    from service.parse.headers import _Header

# A forum post's number on its date line or in the post bar under it ("#2", "« Reply #1 on: DATE »",
# "Beitrag #3"), looked for this many lines down from the date ...
_POST_NUMBER = re.compile(
    r"(?:^|(?<=[\s«(\[|•·]))(?:(?P<kind>reply|post|beitrag|antwort|réponse|message|respuesta|risposta|odpowiedź)\s*)?"
    r"#\s?(?P<n>\d{1,5})(?=$|[\s»)\]|•·:,-])",
    re.I,
)
_POST_NUMBER_REACH = 4
# ... or this many lines up (MyBB and SMF 2.1 put it above the date).
_POST_NUMBER_ABOVE = 2
# Numbered headers make a thread of posts without a heading when at least this many are numbered,
# counting up (a page of a topic starts anywhere: "#21") ...
_MIN_NUMBERED_POSTS = 3
# ... at least this share of the steps by one, and at least this share of the shape's date lines
# numbered (the others: quotes' and lists' dates).
_NUMBERED_SHARE = 0.5


# Numbers that count replies ("« Reply #1 on: DATE »", SMF): the topic's own post is not among them.
_REPLY_NUMBER_WORDS = frozenset({"reply", "antwort", "réponse", "respuesta", "risposta", "odpowiedź"})


def _post_number(lines: list[_Line], i: int) -> int | None:
    """The post number on date line i or in the short lines right under it (prose stops the search)."""
    found = _post_number_line(lines, i)
    return None if found is None else found[1]


def _is_first_post(lines: list[_Line], i: int) -> bool:
    """Date line i is numbered as the topic's first post: "#1", not "Reply #1"."""
    found = _post_number_line(lines, i)
    return found is not None and found[1] == 1 and not found[2]


def _post_number_line(lines: list[_Line], i: int) -> tuple[int, int, bool] | None:
    """(the line holding date line i's post number, the number, whether it counts replies), or None:
    on the date line, in the post bar under it, or right above it (MyBB, SMF 2.1: "#2" / DATE)."""
    below = range(i, min(len(lines), i + _POST_NUMBER_REACH))
    above = range(i - 1, max(-1, i - 1 - _POST_NUMBER_ABOVE), -1)
    # (the line's text: its core has lost a leading "#1" as a list number)
    if not any("#" in lines[j].text for j in range(above.stop + 1, below.stop)):
        return None  # (most date lines: every candidate shape asks again for each of them)
    for side in (below, above):
        for j in side:
            ln = lines[j]
            if j != i and (ln.date is not None or _is_prose(ln)):
                break
            m = _POST_NUMBER.search(ln.core) or _POST_NUMBER.search(ln.text)
            if m:
                return j, int(m["n"]), (m["kind"] or "").casefold() in _REPLY_NUMBER_WORDS
    return None


def _numbered_posts(lines: list[_Line], sel: list[int]) -> bool:
    """Whether most of the date lines carry post numbers counting up, mostly by one (a post whose date
    is written otherwise, "Monday at 6:02 PM" among "Mar 9, 2024", may be left out): a forum topic."""
    numbers = [n for i in sel if (n := _post_number(lines, i)) is not None]
    if len(numbers) < max(_MIN_NUMBERED_POSTS, _NUMBERED_SHARE * len(sel)):
        return False
    steps = [b - a for a, b in pairwise(numbers)]
    return all(d > 0 for d in steps) and sum(1 for d in steps if d == 1) >= _NUMBERED_SHARE * len(steps)


def _numbered_group(lines: list[_Line], anchors: list[int]) -> list[list[int]]:
    """The date lines that carry a post number, whatever way each date is written ("Mar 9, 2024",
    "Yesterday at 9:41 PM"), as one candidate shape when they number a topic's posts."""
    numbered: dict[int, int] = {}  # number line -> the first date line that has it
    for i in anchors:
        d = lines[i].date
        found = _post_number_line(lines, i) if d is not None and d.kind != "cue" else None
        if found is not None:
            numbered.setdefault(found[0], i)  # (a quote's "NAME wrote:" under "#3" / DATE is not post 3)
    group = list(numbered.values())
    return [group] if _numbered_posts(lines, group) else []


# A forum reply's subject: "Re: TITLE" (German "Aw:", Scandinavian "Sv:", Dutch "Antw:", Polish "Odp:").
_REPLY_SUBJECT = re.compile(r"(?:re|aw|sv|antw|odp)(?:\^\d+|\[\d+\])?:\s*(?P<subject>\S.*)", re.I)


# Most numbered headers must show a name above the profile for all to take one.
_PROFILE_SHARE = 0.5


def _take_profile_names(lines: list[_Line], headers: list[_Header]) -> bool:
    """A forum post's header runs from its poster's name down to its date, over the poster's profile
    ("Heatgeek_Rob" / "Well-known member" / "Joined" / ... / "Location" / "Yorkshire" / DATE / "#2"): the
    name is the first name line after the post above has ended (its last line of prose or its date, then
    its action and reaction rows). Learned per page: most headers must show it. Whether they did."""
    found: list[tuple[_Header, int]] = []
    lo = -1
    for h in headers:
        last = lo
        for j in range(lo + 1, h.start):
            ln = lines[j]
            if ln.date is not None or (_is_prose(ln) and not _REPLY_SUBJECT.fullmatch(ln.core)):
                last = j
        names = (
            j
            for j in range(last + 1, h.start)
            if not lines[j].chrome
            and _is_name_like(lines[j])
            and not _IMAGE_PLACEHOLDER.fullmatch(lines[j].core)
        )
        q = next(names, None)
        if q is not None and q + 1 < h.start and _letter_avatar(lines[q], lines[q + 1]):
            q += 1  # "P" / "Portafilter Pete": the avatar's letter, then the name
        if q is not None:
            found.append((h, q))
        lo = h.end
    if len(found) < max(_MIN_NUMBERED_POSTS, _PROFILE_SHARE * len(headers)):
        return False
    for h, q in found:
        h.start = h.name = q
    for h in headers:  # the post bar under the date ("Share" / "#2") is the header's too
        numbered = _post_number_line(lines, h.anchor)
        if numbered is not None:
            h.end = max(h.end, numbered[0])
    return True


def _letter_avatar(ln: _Line, name: _Line) -> bool:
    return len(ln.core) == 1 and ln.core.isalpha() and name.core[:1].upper() == ln.core.upper()
