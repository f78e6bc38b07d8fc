"""Stage 2, the shapes: which date lines of a page may form one thread's headers beyond one signature.

A widget writes recent stamps relative and older ones absolute, or puts an optional badge before some
stamps: those lines have two signatures (headers._signature) and are joined here into one candidate
group, for headers._best_section to score beside the plain ones.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise

from service.dates import REPLY_CUE, REPLY_NAME
from service.parse.lexicon import _FINAL_INITIAL, _all_chrome_tokens
from service.parse.lines import _Line

# Relative stamps ("5 hours ago", a <time> the script fills in) join another shape's lines this close
# to them (in lines, or the shape's own widest spacing when that is wider).
_MIXED_REACH = 15
_RELATIVE_KINDS = frozenset(("rel", "stamp"))


def _mixed_groups(lines: list[_Line], groups: dict[tuple[str, bool, bool], list[int]]) -> list[list[int]]:
    """One widget writes recent comments' stamps relative and older ones absolute ("5 hours ago",
    "Dec 3, 2026", or a <time> showing a word we cannot read): each relative shape joined with each
    other shape whose lines join the name to the date the same way, near them. Punctuation joins
    ("NAME • DATE") are compared as they are; a bare space ("Ann 3 hours ago" / "Cy December 3, 2024")
    only between lines that hold a name and the date and nothing else (a sidebar's "by NAME about 3
    hours ago · 14 comments" or a header with words after its date is another shape). Lines that hold
    the date alone (the name on the line above) join lines that hold the date alone."""
    mixed: list[list[int]] = []
    for (kind, _, _), rel in groups.items():
        if kind not in _RELATIVE_KINDS:
            continue
        for (other, _, _), members in groups.items():
            if other == kind:
                continue
            joints = Counter(_joint(lines[i]) for i in members).most_common(1)
            joint = joints[0][0] if joints else None
            if joint in (_BARE, _ALONE):
                members = [i for i in members if _joint(lines[i]) == joint]
            elif joint is None:
                continue
            near = _near_lines(members, [i for i in rel if _joint(lines[i]) == joint])
            if near:
                mixed.append(sorted([*members, *near]))
    return mixed + _badged_groups(lines, groups)


def _badged_groups(lines: list[_Line], groups: dict[tuple[str, bool, bool], list[int]]) -> list[list[int]]:
    """A stamp under its name line, some with an optional part before it ("Transport planner · 2 days
    ago", "Staff · 5 hours ago") and some alone ("2 days ago"): the two shapes as one candidate, when the
    part always ends in the same punctuation. Left apart, each shape held half the thread and the
    other half's comments were folded into it."""
    out: list[list[int]] = []
    for (kind, timed, before), alone in groups.items():
        badged = groups.get((kind, timed, True))
        if before or kind not in _RELATIVE_KINDS or not badged:
            continue
        alone = [i for i in alone if _joint(lines[i]) == _ALONE]
        joints = {_joint(lines[i]) for i in badged}
        if alone and len(joints) == 1 and None not in joints and _BARE not in joints:
            near = _near_lines(alone, badged)
            if near:
                out.append(sorted([*alone, *near]))
    return out


def _near_lines(members: list[int], candidates: list[int]) -> list[int]:
    """The candidates in reach of the members' span, the span growing by each one taken (a run of
    relative stamps above the absolute ones is taken one comment at a time)."""
    reach = max([_MIXED_REACH, *(b - a for a, b in pairwise(members))])
    lo, hi = members[0], members[-1]
    below = [i for i in candidates if i > hi]
    above = [i for i in reversed(candidates) if i < lo]
    near = [i for i in candidates if lo <= i <= hi]
    for i in below:
        if i - hi > reach:
            break
        near.append(i)
        hi = i
    for i in above:
        if lo - i > reach:
            break
        near.append(i)
        lo = i
    return near


_JOINT = re.compile(r"[^\w\s]+\s*$")
# The joint of a line that holds only a name, a space and the date ("Ann 3 hours ago").
_BARE = " "
# The joint of a line that holds the date alone ("3 uur geleden" under the name line).
_ALONE = ""
# Such a name is at most this many words ("Jean-Luc de la Tour", "Hans-Peter von der Heide").
_MAX_BARE_NAME_WORDS = 5


_PARENT_AFTER_DATE = re.compile(rf"{REPLY_CUE}\s+{REPLY_NAME}", re.I)


def _joint(ln: _Line) -> str | None:
    """The punctuation between a header's name and its date ("•", "|", "-"); `_BARE` for a space when
    the line is only a short name and the date, `_ALONE` for a line that is only the date; None for any
    other line."""
    d = ln.date
    assert d is not None
    before = ln.core[: d.start].rstrip()
    m = _JOINT.search(before)
    if m and not _FINAL_INITIAL.search(before):  # "Mia K. 30. November 2024": an initial, no joint
        return m[0].strip()
    name = before.split()
    after = ln.core[d.end :].strip(" )]")
    if after and (_PARENT_AFTER_DATE.fullmatch(after) or _all_chrome_tokens(after)):
        # "12 Mar in reply to dlee" (Discourse): the parent, no words of the header's own; "há 3 horas ·
        # Responder · Denunciar": a footer's buttons after its date
        after = ""
    if after or len(name) > _MAX_BARE_NAME_WORDS:
        return None
    return _BARE if name else _ALONE
