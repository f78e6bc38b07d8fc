"""Stage 3, footer-stamped comments: the name line that opens each block when the stamp stands under the
text ("NAME" / text / "3 h · Like · Reply"), learned per page: past an avatar, a badge or the widget's
buttons on the name's line ("SK Siobhán Kearney Report"), with the reader's town or workplace under it,
and the first comment's name found under what stands between the heading and it (a sort menu, the
house rules)."""

from __future__ import annotations

import re
from collections import Counter

from service.parse.comments import (
    _HABIT_SHARE,
    _MAX_WORKPLACE_WORDS,
    _WORKPLACE,
    _clean_name,
    _header_name_part,
    _is_workplace_line,
)
from service.parse.habits import _MAX_AVATAR_LETTERS, _avatar_cut, is_place_line, without_habits
from service.parse.headers import _Header, _is_name_like
from service.parse.lexicon import _CUE_RX, _ROLE_LINE, _all_chrome_tokens, _ends_sentence, strip_lead_markers
from service.parse.lines import (
    _HAS_LETTER,
    _MAX_NAME_CHARS,
    _MAX_PLAIN_NAME_WORDS,
    _is_prose,
    _Line,
    _name_words,
)


def _names_above_text(
    lines: list[_Line],
    blocks: list[tuple[_Header, list[int]]],
    authors: list[str | None],
    role: list[str | None],
) -> tuple[list[tuple[_Header, list[int]]], list[str | None]]:
    """Footers that carry only a time ("Like · Reply · 2y") leave the name as the first line of each
    block: NAME / text / footer. Learned per page: most nameless blocks must open with a name line."""
    blocks = _without_name_labels(lines, blocks, authors, role)
    nameless = [k for k, a in enumerate(authors) if a is None]
    if not nameless or len(nameless) < _HABIT_SHARE * len(authors):
        return blocks, authors
    opening = {
        k: [j for j in blocks[k][1] if not lines[j].chrome and lines[j].furniture is None] for k in nameless
    }
    badge = _shared_tail([lines[idx[0]].core.strip() for idx in opening.values() if len(idx) > 1])
    firsts: dict[int, tuple[list[int], str]] = {}
    for k, idx in opening.items():
        found = _opening_name(lines, idx, badge)
        if found is not None:
            firsts[k] = found
    if len(firsts) < _HABIT_SHARE * len(nameless):
        return blocks, authors
    lead_in = _first_name_after_lead_in(lines, blocks, firsts) if 0 in nameless and 0 not in firsts else []
    _take_places(lines, blocks, firsts)
    out_blocks, out_authors = _take_names(lines, blocks, authors, role, firsts, set(lead_in))
    for j in lead_in:
        role[j] = "comment section chrome"
    return out_blocks, out_authors


# "Comment by NAME" opening a block whose footer names NAME: a label for screen readers, which a text dump
# shows (the browser does not).
_NAME_LABEL = re.compile(
    r"^\W*(?:\w+\s+){0,2}(?:by|from|von|de|par|di|da|av|van|door|od|от|від)\s+(?P<name>\S.{0,60})$", re.I
)


def _without_name_labels(
    lines: list[_Line],
    blocks: list[tuple[_Header, list[int]]],
    authors: list[str | None],
    role: list[str | None],
) -> list[tuple[_Header, list[int]]]:
    out = []
    for (h, idx), author in zip(blocks, authors, strict=True):
        first = next((j for j in idx if not lines[j].chrome and lines[j].furniture is None), None)
        if author and first is not None:
            m = _NAME_LABEL.match(lines[first].core.strip())
            if m and m["name"].strip().casefold() == author.casefold():
                role[first] = "header"
                idx = [j for j in idx if j != first]
        out.append((h, idx))
    return out


def _take_names(
    lines: list[_Line],
    blocks: list[tuple[_Header, list[int]]],
    authors: list[str | None],
    role: list[str | None],
    firsts: dict[int, tuple[list[int], str]],
    lead_in: set[int],
) -> tuple[list[tuple[_Header, list[int]]], list[str | None]]:
    """The blocks without their name lines (and what stands over them), and the names as authors."""
    out_blocks, out_authors = list(blocks), list(authors)
    for k, (taken, name) in firsts.items():
        h, idx = blocks[k]
        # (an avatar's image placeholder over the name, "[ywA]", is furniture the name lines skipped)
        above = {i for i in idx if i < taken[-1] and i not in taken and i not in lead_in}
        out_blocks[k] = (h, [i for i in idx if i not in taken and i not in lead_in and i not in above])
        out_authors[k] = _clean_name(name) or None
        for j in taken:
            role[j] = "header"
        for j in above:
            role[j] = lines[j].furniture or "comment chrome"
    named = without_habits([out_authors[k] for k in firsts])  # (letter avatars before every name)
    for k, named_k in zip(firsts, named, strict=True):
        out_authors[k] = named_k
    return out_blocks, out_authors


def _first_name_after_lead_in(
    lines: list[_Line], blocks: list[tuple[_Header, list[int]]], firsts: dict[int, tuple[list[int], str]]
) -> list[int]:
    """The first comment's block holds what stands between the heading and its name line (a sort menu,
    the house rules, "Log in to comment"). When the other names end in the same words ("NAME Report",
    "NAME✓ ověřený uživatel"), the first line ending so is its name; when they stand alone, the first
    name-like line with prose right under it. Adds it to `firsts` and returns the lines before it."""
    tails = Counter(
        lines[taken[-1]].core.strip()[len(name) :].strip().casefold() for taken, name in firsts.values()
    )
    tail, n = tails.most_common(1)[0] if tails else ("", 0)
    if n < _HABIT_SHARE * len(firsts):
        return []
    idx = [j for j in blocks[0][1] if not lines[j].chrome and lines[j].furniture is None]
    for p, j in enumerate(idx[:-1]):
        core = lines[j].core.strip()
        if tail:
            name = _name_with_tail(core, tail) or ""
            found = bool(name)
        else:  # a name alone on its line, with the comment's prose right under it (not a menu "A | B")
            name = core
            found = _is_name_like(lines[j]) and "|" not in core and _is_prose(lines[idx[p + 1]])
        if found:
            firsts[0] = ([j], name)
            return [i for i in blocks[0][1] if i < j]
    return []


# The line under such a name may give the reader's town or workplace ("Makarska", "Radi u: Turistička
# agencija"). Taken when the page does it under at least this many names, so a one-off "Agreed" or "Hi
# Tim" opening a comment stays its text.
_MIN_PLACE_LINES = 2


def _take_places(
    lines: list[_Line], blocks: list[tuple[_Header, list[int]]], firsts: dict[int, tuple[list[int], str]]
) -> None:
    """Adds each name's place or workplace line (the line right under it, with text after it) to the
    lines taken with the name, when the page shows _MIN_PLACE_LINES of them."""
    places: dict[int, int] = {}
    for k, (taken, _) in firsts.items():
        idx = [j for j in blocks[k][1] if not lines[j].chrome and lines[j].furniture is None]
        rest = idx[idx.index(taken[-1]) + 1 :] if taken[-1] in idx else []
        if len(rest) >= 2:
            core = lines[rest[0]].core.strip()
            if is_place_line(core) or _is_workplace_line(core):
                places[k] = rest[0]
    if len(places) >= _MIN_PLACE_LINES:
        for k, j in places.items():
            firsts[k][0].append(j)


# Lines above a footer-stamped comment's name: an avatar's placeholder ("[0]", "□ [1]"), a badge ("Top fan").
_MAX_ABOVE_NAME = 2
_MAX_NAME_BEFORE_WORKPLACE = 4  # words


def _is_workplace(tail: str) -> bool:
    """ "Works at Valley Medical Center", or a place's capitalised name alone ("Valley High School")."""
    words = tail.split()
    if _WORKPLACE.fullmatch(tail):
        return True
    return (
        0 < len(words) <= _MAX_WORKPLACE_WORDS
        and all(w[:1].isupper() for w in words)
        and not _ends_sentence(tail)
    )


# A "NAME said..." line: the cue ends it and the name has at most this many words.
_SAID_LINE = re.compile(
    r"(?P<name>\S.{0,60}?)\s+(?:said|says|wrote|writes|sagt|schreibt|a écrit|dit|dijo|disse|ha scritto)"
    r"\W{0,4}"
)
_MAX_SAID_NAME_WORDS = 5


def _is_said_name(core: str) -> bool:
    m = _SAID_LINE.fullmatch(core.strip())
    return m is not None and len(m["name"].split()) <= _MAX_SAID_NAME_WORDS


def _initials_over(core: str, lines: list[_Line], idx: list[int], p: int) -> bool:
    """A letter avatar on its own line over the name ("DS" / "Debbie Schaefer · Top fan")."""
    if not (0 < len(core) <= _MAX_AVATAR_LETTERS and core.isalpha() and core.isupper()) or p + 1 >= len(idx):
        return False
    words = lines[idx[p + 1]].core.split(" · ")[0].split()
    return "".join(w[0] for w in words if w[:1].isupper()).startswith(core)


def _opening_name(lines: list[_Line], idx: list[int], badge: str = "") -> tuple[list[int], str] | None:
    """The lines that open a block up to its name line, and the name: past an avatar and a badge line;
    the name alone or followed by the commenter's workplace ("NAME · Works at ..."), or by the words the
    page prints after most names (`badge`, _shared_tail)."""
    for p, j in enumerate(idx[: _MAX_ABOVE_NAME + 1]):
        core = lines[j].core.strip()
        if p < _MAX_ABOVE_NAME and (
            not strip_lead_markers(core) or _ROLE_LINE.fullmatch(core) or _initials_over(core, lines, idx, p)
        ):
            continue
        if len(idx) < p + 2:
            return None
        if _CUE_RX.search(core):
            name = _header_name_part(core)[0]  # "NAME said..." (Blogger's footer-stamped comments)
            return (idx[: p + 1], name) if name and _is_said_name(core) else None
        head, dot, tail = core.partition(" · ")
        known = _is_workplace(tail) or _ROLE_LINE.fullmatch(tail)  # ("NAME · Top fan")
        if dot and 0 < len(head.split()) <= _MAX_NAME_BEFORE_WORKPLACE and known:
            return idx[: p + 1], head
        found = (
            _name_with_tail(core, badge)
            or _name_before_actions(core)
            or (core if _is_name_like(lines[j]) else None)
        )
        return (idx[: p + 1], found) if found else None
    return None


# Words the widget prints after the names ("✓ ověřený uživatel", "· Verified reader"): at most this many,
# after at least this many names (and most of them).
_MAX_TAIL_WORDS = 4
_MIN_TAILS = 3
_TAIL_EDGE = " ·|,-–—✓✔☑"


def _shared_tail(cores: list[str]) -> str:
    """The longest ending of words that most of the blocks' first lines share (casefolded), or ""."""
    counts: Counter[str] = Counter()
    for core in cores:
        words = core.casefold().split()
        for k in range(1, min(len(words) - 1, _MAX_TAIL_WORDS) + 1):
            counts[" ".join(words[-k:])] += 1
    enough = max(_MIN_TAILS, _HABIT_SHARE * len(cores))
    return max((tail for tail, n in counts.items() if n >= enough), key=len, default="")


def _name_with_tail(core: str, tail: str) -> str | None:
    """The name before `tail` on a name line ("Tomáš Dvořák✓ ověřený uživatel"), or None."""
    if not tail or not core.casefold().endswith(tail) or len(core) <= len(tail):
        return None
    return _plain_name(core[: len(core) - len(tail)].rstrip(_TAIL_EDGE))


def _name_before_actions(core: str) -> str | None:
    """The name of a name line that ends in the widget's buttons ("SK Siobhán Kearney Report", "Lena
    Ortiz Follow"), a letter avatar before it allowed; None when no button ends it or the rest is no name."""
    words = core.split()
    cut = len(words)
    while cut > 1 and _all_chrome_tokens(words[cut - 1]):
        cut -= 1
    if cut == len(words):
        return None
    return _plain_name(" ".join(words[:cut]))


def _plain_name(name: str) -> str | None:
    """`name` when it reads as a reader's name once a letter avatar before it is set aside: a few words,
    no sentence; else None."""
    bare = _avatar_cut(name) or name
    if not name or len(bare) > _MAX_NAME_CHARS or _ends_sentence(bare) or not _HAS_LETTER.search(bare):
        return None
    return name if 1 <= _name_words(bare.split()) <= _MAX_PLAIN_NAME_WORDS else None
