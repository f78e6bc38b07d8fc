"""Stage 2, the shapes: which date lines of a page may form one thread's headers beyond one signature.

A widget writes recent stamps relative and older ones absolute, or puts an optional badge before some
stamps: those lines have two signatures (headers._signature) and are joined here into one candidate
group, for headers._best_section to score beside the plain ones. Also what shapes say of a group: a
row of buttons that most stamps end in (footers, in any language), and a list of dated headlines
closing the group (other stories, not comments).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise

from service.dates import REPLY_CUE, REPLY_NAME
from service.parse.lexicon import _FINAL_INITIAL, _all_chrome_tokens
from service.parse.lines import _MAX_PLAIN_NAME_WORDS, _Line

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
    tails = Counter(button_tail(lines[i]) for members in groups.values() for i in members)
    buttons = {t for t, n in tails.items() if t and n >= _MIN_SHARED_TAIL}
    joint_of = {i: _joint(lines[i], buttons) for members in groups.values() for i in members}
    mixed: list[list[int]] = []
    for (kind, _, _), rel in groups.items():
        if kind not in _RELATIVE_KINDS:
            continue
        for (other, _, _), members in groups.items():
            if other == kind:
                continue
            joints = Counter(joint_of[i] for i in members).most_common(1)
            joint = joints[0][0] if joints else None
            if joint in (_BARE, _ALONE):
                members = [i for i in members if joint_of[i] == joint]
            elif joint is None:
                continue
            near = _near_lines(members, [i for i in rel if joint_of[i] == joint])
            if near:
                mixed.append(sorted([*members, *near]))
    return mixed + _badged_groups(lines, groups, joint_of)


def _badged_groups(
    lines: list[_Line], groups: dict[tuple[str, bool, bool], list[int]], joint_of: dict[int, str | None]
) -> list[list[int]]:
    """A stamp under its name line, some with an optional part before it ("Transport planner · 2 days
    ago", "Staff · 5 hours ago") and some alone ("2 days ago"): the two shapes as one candidate, when the
    part always ends in the same punctuation. Left apart, each shape held half the thread and the
    other half's comments were folded into it."""
    out: list[list[int]] = []
    for (kind, timed, before), alone in groups.items():
        badged = groups.get((kind, timed, True))
        if before or kind not in _RELATIVE_KINDS or not badged:
            continue
        alone = [i for i in alone if joint_of[i] == _ALONE]
        joints = {joint_of[i] for i in badged}
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
_REPLY_TO_END = re.compile(rf"\s*[↳→»]?\s*{REPLY_CUE}\s+{REPLY_NAME}\s*$", re.I)


# A row of buttons after the date: at least this many pieces, each of at most this many words, the same
# row (counts aside) after at least this many date lines of the page.
_MIN_TAIL_BUTTONS = 2
_MAX_BUTTON_WORDS = 3
_MIN_SHARED_TAIL = 3
_TAIL_SEPARATOR = re.compile(r"\s*[·|•]\s*")
_COUNTS = re.compile(r"\(?\d[\d.,]*\)?")


def button_tail(ln: _Line) -> str | None:
    """What follows a stamp at the line's start, counts taken out, when it is a row of short separated
    pieces ("2 hours ago · 👍 Μου αρέσει (37) · Απάντηση · Αναφορά" -> "👍 μου αρέσει · απάντηση ·
    αναφορά"): a widget's buttons when many stamps of the page end in it, whatever their language."""
    d = ln.date
    if d is None or d.kind == "cue" or d.start > 0:
        return None
    pieces = [p.strip() for p in _TAIL_SEPARATOR.split(_COUNTS.sub("", ln.core[d.end :])) if p.strip()]
    if len(pieces) < _MIN_TAIL_BUTTONS or any(len(p.split()) > _MAX_BUTTON_WORDS for p in pieces):
        return None
    return " · ".join(pieces).casefold()


def _joint(ln: _Line, buttons: set[str]) -> str | None:
    """The punctuation between a header's name and its date ("•", "|", "-"); `_BARE` for a space when
    the line is only a short name and the date, `_ALONE` for a line that is only the date; None for any
    other line."""
    d = ln.date
    assert d is not None
    before = _REPLY_TO_END.sub("", ln.core[: d.start]).rstrip()  # ("NAME ↳ reply to NAME2 DATE")
    m = _JOINT.search(before)
    if m and not _FINAL_INITIAL.search(before):  # "Mia K. 30. November 2024": an initial, no joint
        return m[0].strip()
    name = before.split()
    after = ln.core[d.end :].strip(" )]")
    if after and (
        _PARENT_AFTER_DATE.fullmatch(after) or _all_chrome_tokens(after) or button_tail(ln) in buttons
    ):
        # "12 Mar in reply to dlee" (Discourse): the parent, no words of the header's own; "há 3 horas ·
        # Responder · Denunciar", or buttons in words we do not know that many stamps end in: a footer's
        after = ""
    if after or len(name) > _MAX_BARE_NAME_WORDS:
        return None
    return _BARE if name else _ALONE


def shared_button_row(tails: list[str | None], share: float) -> str | None:
    """The row of buttons (`button_tail`) that at least `share` of the stamps end in, or None."""
    counts = Counter(t for t in tails if t is not None)
    if not counts:
        return None
    row, n = counts.most_common(1)[0]
    return row if n >= share * len(tails) else None


# A list of other stories after the thread: at least this many dated lines, after at least this many
# comments.
_MIN_TEASERS = 2
_MIN_KEPT_HEADERS = 2


def _content(ln: _Line) -> bool:
    return not ln.chrome and ln.furniture is None


def cut_teaser_run(lines: list[_Line], sel: list[int]) -> list[int]:
    """The last dated lines when they stand one under another with nothing between them, and each gives
    a headline before its date (more words than a name): a "Latest news" list after the thread
    ("Simona Halep, mesaj emoționant pentru fani acum 1 oră"), whatever the list's heading says."""
    k = len(sel) - 1
    while k > 0 and all(not _content(lines[j]) for j in range(sel[k - 1] + 1, sel[k])):
        k -= 1
    run = sel[k:]
    if len(run) < _MIN_TEASERS or k < _MIN_KEPT_HEADERS:
        return sel
    for i in run:
        d = lines[i].date
        if d is None or len(lines[i].core[: d.start].split()) <= _MAX_PLAIN_NAME_WORDS:
            return sel
    return sel[:k]
