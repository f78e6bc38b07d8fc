"""Markdown dumps hard-wrapped at a fixed width (html2text: 78 columns), read back as their paragraphs.

html2text writes markdown and wraps every paragraph at 78 columns, so a sentence's lines hold 9-11
words and a link's text and target are cut across lines ("[Frankie Andreu pointed out with his" /
"reaction](http://www.cyclingnews.com/news/frankie-andreu-responds-to-" / "armstrongs-ban), saying").
The line model learned on unwrapped dumps dropped such paragraphs, and a link cut in two kept its URL as
words. Only a dump that holds markdown links and whose line breaks agree on one wrap width is touched
(`wrap_width`); a line is joined to the next only where a greedy wrap at that width broke it (the next
line's first word would not have fitted), never after a hard break (html2text's "<br>" is two trailing
spaces) and never before a list item, heading, quote or table row; a link target left open at a
line's end is joined to the line that closes it whatever its width (a target longer than the width).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

# A markdown link or image target opening: "](" (html2text and markdownify write one per link).
_LINK_OPEN = "]("
# The page must hold this many links, on this share of its non-blank lines: html2text's Dragnet dumps
# have links on most pages' nav lines; w3m and inscriptis dumps hold none (w3m's "[Go](*)" buttons are
# not targets a wrap cuts).
MIN_LINKS = 3
MIN_LINK_SHARE = 0.02
# A wrap width lies in this range (html2text 78, lynx 72-80); at least this many breaks, and this share
# of the breaks after a line that long, must agree on it.
WRAP_COLUMNS = (55, 120)
MIN_WRAPPED_BREAKS = 4
WRAPPED_BREAK_SHARE = 0.5
# A line that starts a block of its own: a list item, heading, quotation or table row.
_BLOCK_START = re.compile(r"\s*(?:[*+-]\s|\d{1,3}[.)]\s|#|>|\|)")
# The first piece of a line a greedy wrap could have moved (textwrap also breaks after a word's hyphen).
_FIRST_CHUNK = re.compile(r"\S*?(?:[^\W\d_]-(?=[^\W\d_])|(?=\s)|$)")
_HYPHENATED = re.compile(r"[^\W\d_]-$")
# A link target left open at a line's end ("](http://example.com/2012/10/pasta-"), and a line that
# closes it ("recipe.html)", '"Title")'): html2text cuts a long target wherever it runs past the width.
_OPEN_TARGET = re.compile(r"\]\([^()\s]*$")
_CLOSES_TARGET = re.compile(r'\s*(?:[^()\s]*\)|"[^"]*"\))')


def _chunk(line: str) -> int:
    m = _FIRST_CHUNK.match(line.lstrip())
    return len(m.group(0)) if m else 0


def _breaks(lines: list[str]) -> list[tuple[int, int]]:
    """Each soft line break's interval of wrap widths that explain it: [line's width, + next chunk)."""
    out = []
    for above, below in pairwise(lines):
        if not above.strip() or not below.strip() or above.endswith("  ") or _BLOCK_START.match(below):
            continue
        w = len(above.rstrip())
        out.append((w, w + 1 + _chunk(below)))
    return out


def wrap_width(text: str, lines: list[str]) -> int | None:
    """The width `lines` (the page `text` split at newlines) were wrapped at, if the page reads like a
    markdown dump wrapped at a fixed width; else None."""
    links = text.count(_LINK_OPEN)
    if links < MIN_LINKS:
        return None
    nonblank = sum(1 for ln in lines if ln.strip())
    if links < MIN_LINK_SHARE * nonblank:
        return None
    return best_width(_breaks(lines), WRAP_COLUMNS, MIN_WRAPPED_BREAKS, WRAPPED_BREAK_SHARE)


def best_width(
    breaks: Iterable[tuple[int, int]], columns: tuple[int, int], min_breaks: int, share: float
) -> int | None:
    """The wrap width in `columns` that explains the most line `breaks` (each an interval of widths:
    [the line's width, + the next line's first piece)), when at least `min_breaks` of them and `share`
    of the breaks after a line of `columns[0]` or more agree on it; else None."""
    lo, hi = columns
    votes = [0] * (hi + 2)
    counted = 0
    for a, b in breaks:
        if a < lo:
            continue
        counted += 1
        if a <= hi:
            votes[a] += 1
            votes[min(b, hi + 1)] -= 1
    best, best_votes, run = None, 0, 0
    for w in range(lo, hi + 1):
        run += votes[w]
        if run > best_votes:
            best, best_votes = w, run
    if best_votes < min_breaks or best_votes < share * counted:
        return None
    return best


def _wrapped(above: str, below: str, width: int) -> bool:
    """Whether a greedy wrap at `width` broke `above` before `below` (both non-blank), or a link's
    target runs on into `below`."""
    if _OPEN_TARGET.search(above) and _CLOSES_TARGET.match(below):
        return True
    if above.endswith("  ") or _BLOCK_START.match(below):
        return False
    w = len(above.rstrip())
    return w <= width < w + 1 + _chunk(below)


def unwrap(lines: list[str], width: int) -> list[str]:
    """The lines with each wrapped paragraph on one line: a line a wrap at `width` broke takes the next
    (with no space after a word's hyphen, as "fallout-" / "thoughts-and.html)")."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        # A joined line is longer than the width: test the break on the last piece, as wrapped. The
        # pieces are joined once at the end (a paragraph of many lines stays linear).
        last = line
        parts = [line]
        while line.strip() and i < len(lines) and lines[i].strip() and _wrapped(last, lines[i], width):
            # The joined line's end is its last piece's (each piece holds a non-blank line).
            sep = "" if _HYPHENATED.search(parts[-1][-2:]) else " "
            parts[-1] = parts[-1].rstrip()
            last = lines[i]
            parts.append(sep + last.strip())
            i += 1
        out.append("".join(parts))
    return out
