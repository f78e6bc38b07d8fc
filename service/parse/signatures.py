"""Stage 3, signatures: the lines a forum prints under every post of one poster ("Lelit Bianca V3 |
Niche Zero", "2004 Thruxton, 1972 T120V in bits"). They are the poster's, not what the post says: the
same closing lines under two or more posts by one author, learned per page, are dropped from the texts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise

from service.parse.headers import _Header
from service.parse.lines import _Line

# A rule between a post and its signature ("__________", "--").
_RULE = re.compile(r"[\s_\-=*~·—–]{2,}")
# A signature runs to at most this many lines; a longer shared ending is a quoted passage or a template.
_MAX_SIGNATURE_LINES = 4


def signature_lines(
    lines: list[_Line], blocks: Sequence[tuple[_Header, list[int]]], authors: Sequence[str | None]
) -> set[int]:
    """The closing lines that two or more posts of the same author share (and a rule right above
    them), each post keeping at least one line of its own."""
    texts = [[j for j in idx if not lines[j].chrome and lines[j].furniture is None] for _, idx in blocks]
    by_author: dict[str, list[int]] = defaultdict(list)
    for k, name in enumerate(authors):
        if name and texts[k]:
            by_author[name.casefold()].append(k)
    out: set[int] = set()
    for posts in by_author.values():
        for a, b in pairwise(posts):
            n = _shared_ending(lines, texts[a], texts[b])
            for k in (a, b):
                tail = texts[k][len(texts[k]) - n :] if n else []
                out.update(tail)
                if tail and tail[0] - 1 in texts[k] and _RULE.fullmatch(lines[tail[0] - 1].core):
                    out.add(tail[0] - 1)
    return out


def _shared_ending(lines: list[_Line], a: list[int], b: list[int]) -> int:
    """How many closing lines the two texts share, leaving each at least one line before them."""
    n = 0
    limit = min(_MAX_SIGNATURE_LINES, len(a) - 1, len(b) - 1)
    while n < limit and lines[a[-1 - n]].core.strip() == lines[b[-1 - n]].core.strip():
        n += 1
    return n
