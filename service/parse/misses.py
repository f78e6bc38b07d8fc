"""No silent misses: when the page itself says there are comments (a stated count, a comment heading,
or dated lines repeating in one shape after the article) and the parser found fewer, say so."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from service.parse.headers import _Header, _signature, _words_beside_date
from service.parse.lines import _Line

# Dated lines of one shape after the article suggest a comment thread once there are this many ...
MIN_REPEATED_DATES = 3
# ... with prose (a line of at least this many words) between most consecutive pairs.
MIN_PROSE_WORDS = 4
PROSE_BETWEEN_SHARE = 0.6


def missed_comment_warnings(
    lines: list[_Line],
    found: int,
    declared: int | None,
    opener: int | None,
    headers: list[_Header],
    article_start: int,
    article_end: int,
) -> tuple[str, ...]:
    """One warning per piece of evidence that the page holds more comments than `found`."""
    out: list[str] = []
    if declared is not None and declared > found:
        out.append(
            f"the page declares {declared} comment(s) but {found} were found "
            "(the rest may be loaded by a script, paged, or missed)"
        )
    if found == 0:
        # A heading in or after the article, not a "Comments" link in the site's menu above it.
        heading = next((ln.core for ln in lines[article_end:] if ln.opener and ln.count is None), None)
        if heading is not None and opener is None:
            out.append(
                f"the page has a comment section heading ({heading[:60]!r}) but no comments were found"
            )
    repeated = _repeated_dated_lines(lines, headers, article_start)
    if repeated is not None and repeated[0] > found:
        n, example = repeated
        out.append(
            f"{n} dated lines of one shape appear in or after the article (like {example[:60]!r}) "
            f"but {found} comment(s) were found"
        )
    return tuple(out)


def _prose(ln: _Line) -> bool:
    return ln.date is None and len(ln.core.split()) >= MIN_PROSE_WORDS


def _repeated_dated_lines(
    lines: list[_Line], headers: list[_Header], article_start: int
) -> tuple[int, str] | None:
    """The largest group of same-shape date lines after the article that no header uses and that have
    prose between them, as (size, first line); None when there is none big enough."""
    used = {h.anchor for h in headers}
    groups: dict[tuple[str, bool, bool], list[int]] = defaultdict(list)
    for i in range(article_start, len(lines)):
        ln = lines[i]
        # A comment footer or header names someone beside its date; a bare date is a teaser's.
        dated = ln.date is not None and ln.date.kind != "cue" and _words_beside_date(ln)
        if dated and i not in used and ln.furniture is None:
            groups[_signature(ln)].append(i)
    best: tuple[int, str] | None = None
    for members in groups.values():
        if len(members) < MIN_REPEATED_DATES:
            continue
        gaps = list(pairwise(members))
        prose = sum(1 for a, b in gaps if any(_prose(lines[j]) for j in range(a + 1, b)))
        if prose >= PROSE_BETWEEN_SHARE * len(gaps) and (best is None or len(members) > best[0]):
            best = (len(members), lines[members[0]].core)
    return best
