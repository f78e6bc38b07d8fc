"""Comment counters on a page ("14 Comments", "No comments", "Comments (0)"): which one is the thread's
own count (declared, so a shortfall warns: misses.py) and which count other articles (a blog front
page's teasers, a most-commented list), read by the header search (headers.py) and the declared count."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from service.parse.lexicon import ZERO_COMMENTS
from service.parse.lines import _Line

# A comment's own reply counter: "3 replies", "Responses (0)".
_REPLY_WORDS = r"(?:repl(?:y|ies)|responses?|antworten|réponses?|risposte|respuestas|respostas|reacties)"
REPLY_COUNT = re.compile(rf"\d+\s+{_REPLY_WORDS}|{_REPLY_WORDS}\s*[(\[]\d+[)\]]", re.I)
# "No comments" / "0 comments" counters are short.
_MAX_NO_COMMENTS_CHARS = 20


def states_count(ln: _Line) -> bool:
    """A comment heading or counter that states a number ("14 Comments", "Comments (0)", "3 replies")."""
    return ln.opener and ln.count is not None


def comment_counter(ln: _Line) -> bool:
    """A thread's or a teaser's comment count: a stated count that is no comment's own reply counter
    (a bare "3 replies" or "Responses (0)" is its action row), or a short "No comments" / "Comments off"."""
    return (states_count(ln) and not REPLY_COUNT.fullmatch(ln.core)) or (
        len(ln.core) <= _MAX_NO_COMMENTS_CHARS and ZERO_COMMENTS.fullmatch(ln.core) is not None
    )


def counter_lines(lines: list[_Line]) -> list[int]:
    return [j for j, ln in enumerate(lines) if comment_counter(ln)]


def counters_between(counters: list[int], members: list[int], opener: int | None) -> bool:
    """Comment counters (other than the section's own) between the lines of one date shape: each dated
    line has its own count, so these are a blog front page's teasers, not one thread. Under a heading
    only the lines after it count, once there are two: a link post's own dateline and counter
    ("submitted 5 hours ago by NAME" / "128 comments") come before the thread's heading."""
    thread = [m for m in members if opener is not None and m > opener]
    if len(thread) >= 2:
        members = thread
    lo, hi = bisect_right(counters, members[0]), bisect_left(counters, members[-1])
    # A counter right above a date line is the poster's own ("Total Comments (1465)"): header, not teaser.
    inner = [c for c in counters[lo:hi] if not _heads_member(members, c)]
    # The section's heading, and the article's own counter right above it ("Ann | 2 Comments | Share"
    # / "Reader Comments (2)"), are not teasers.
    own = {opener, opener - 1} if opener is not None and members[0] < opener < members[-1] else set()
    hits = len(inner) - len(own.intersection(inner))
    return hits >= max(1, (len(members) - 1) // 2)


def _heads_member(members: list[int], c: int) -> bool:
    k = bisect_right(members, c)
    return k < len(members) and members[k] == c + 1


# "12 reactions" (giscus's emoji tally above its "6 comments · 3 replies") counts reactions, not
# comments, when another counter follows it within this many lines.
_REACTIONS_COUNTER = re.compile(
    r"\S+\s+(?:reactions?|réactions?|reaktionen|reações|reacciones|reazioni)", re.I
)
_COUNTER_AFTER_REACTIONS = 3


# Lines under a count-less comment heading where its counter may stand ...
_COUNTER_UNDER_HEADING = 3
# ... which is no display setting ("[90 comments per page ]" under Drupal's "Comment viewing options").
_PAGE_SIZE = re.compile(r"\bper page\b|\bpro seite\b|\bpar page\b|\bpor página\b|\bper pagina\b|^\[", re.I)


def declared_count(lines: list[_Line], opener: int | None) -> int | None:
    """The comment count the page states: the opener's (a counter right under a reactions tally when
    there is one), else a counter right under a count-less heading, else the last counter above the
    section that is no teaser's (`teaser_tallies`)."""
    if opener is not None and lines[opener].count is not None:
        if _REACTIONS_COUNTER.fullmatch(lines[opener].core):
            after = lines[opener + 1 : opener + 1 + _COUNTER_AFTER_REACTIONS]
            return next((ln.count for ln in after if states_count(ln)), lines[opener].count)
        return lines[opener].count
    if opener is not None:
        # A heading without a count over the counter ("Conversation" / "214 Comments | 12 Viewing").
        under = lines[opener + 1 : opener + 1 + _COUNTER_UNDER_HEADING]
        stated = next((ln.count for ln in under if states_count(ln) and not _PAGE_SIZE.search(ln.core)), None)
        if stated is not None:
            return stated
    teasers = teaser_tallies(lines)
    declared = None
    for i, ln in enumerate(lines):
        if states_count(ln) and (opener is None or i <= opener) and i not in teasers:
            declared = ln.count
    return declared


# A share tally on its own line: "408Facebook Likes", "1kTweets", "622Google Plus Shares" (CNN's most
# popular widget gives each headline one, its most commented ones a comment count).
_SHARE_TALLY = re.compile(
    r"\d[\d,.]*k?\s*(?:facebook |google plus |google\+ |linkedin )?(?:likes|tweets|shares|recs|pins)", re.I
)
# Tallies (comment counts and share tallies) this many lines apart or closer are one run ...
_TEASER_GAP = 3
# ... and a run with this many headed ones (a headline on the line or right above it) lists other
# articles: "Opinion: Chronic Fatigue Economy 367 comments", "» Title (108 comments)", a headline over
# "Jul 2012 by Omaha Sun - 177 comments". Fewer is a page's own meta or a stacked share bar.
_MIN_TEASERS = 3
# A tally line of more words than this holds its headline (or byline): "» 48 comments" does not.
_BARE_TALLY_WORDS = 3


def _tally(ln: _Line) -> bool:
    return states_count(ln) or _SHARE_TALLY.fullmatch(ln.core) is not None


def teaser_tallies(lines: list[_Line]) -> set[int]:
    """The lines of the runs of tallies that list other articles with their counts."""
    tallies = [i for i, ln in enumerate(lines) if _tally(ln)]
    runs: list[list[int]] = []
    for i in tallies:
        if runs and i - runs[-1][-1] <= _TEASER_GAP:
            runs[-1].append(i)
        else:
            runs.append([i])
    out: set[int] = set()
    for run in runs:
        headed = [
            j
            for j in run
            if len(lines[j].core.split()) > _BARE_TALLY_WORDS or j == 0 or not _tally(lines[j - 1])
        ]
        if len(headed) >= _MIN_TEASERS:
            out.update(run)
    return out
