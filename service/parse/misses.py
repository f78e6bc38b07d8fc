"""No silent misses: when the page itself says there are comments (a stated count, a comment heading,
or dated lines repeating in one shape after the article) and the parser found fewer, say so."""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import pairwise

from service.parse.counters import REPLY_COUNT
from service.parse.headers import _Header, _signature, _words_beside_date
from service.parse.lexicon import COMMENT_FORM_OPENING, EMPTY_THREAD_NOTICE
from service.parse.lines import _Line

# Dated lines of one shape after the article suggest a comment thread once there are this many ...
MIN_REPEATED_DATES = 3
# ... with prose (a line of at least this many words) between most consecutive pairs.
MIN_PROSE_WORDS = 4
PROSE_BETWEEN_SHARE = 0.6
# Stamps alone on a line in the comment section outside its headers: two are two comments missed or
# folded into others (a reader's own words rarely hold a line that is a date alone) ...
MIN_MERGED_DATES = 2
# ... on a long thread, one per this many comments found (readers do type a date alone now and then).
COMMENTS_PER_TYPED_DATE = 10
# A separator alone on its line between a byline's name and its date ("»" in phpBB's "by NAME » DATE").
_BYLINE_SEPARATOR = re.compile(r"[»·•|–-]")
# A line of at most this many words with no sentence end reads as a commenter's name above a bare date.
MAX_NAME_WORDS = 3
# A recent-comments widget's item: "NAME on POST TITLE" ("NAME dans TITRE", "NAME bei TITEL" ...; a
# pingback's NAME is its blog's post title: "The W. Edwards Deming Institute Blog"), no sentence's end;
# a heading over this many of them in a row titles the widget, not a thread.
_WIDGET_ITEM = re.compile(r"\S.{0,120}? (?:on|dans|sur|bei|zu|en|su|em|op) \S.{0,160}(?<![.!?])")
MIN_WIDGET_ITEMS = 3
# Under an empty thread's heading, before its notice or form: an image, or TypePad's comment feed notice.
_PASSED_UNDER_HEADING = ("image placeholder", "post footer")
# Another block's furniture right under a comment heading ("Related links", "advertisement", "Subscribe
# to our RSS feed!", "Pin It"): the heading is a tab or a share row's link, and heads no thread here.
_OTHER_BLOCKS = ("recommendations", "newsletter and subscription", "share buttons")
# ... but a feed of this thread ("Comments RSS", "Subscribe to comments") is the thread's own.
_THREAD_WORD = re.compile(r"comment|kommentar|respons|repl|réponse|reacties", re.I)


def missed_comment_warnings(
    lines: list[_Line],
    found: int,
    declared: int | None,
    opener: int | None,
    headers: list[_Header],
    article_start: int,
    article_end: int,
    roles: list[str | None] | None = None,
) -> tuple[str, ...]:
    """One warning per piece of evidence that the page holds more comments than `found`. `roles`
    (segment's, per line) tells which lines went into a comment's text."""
    out: list[str] = []
    if declared is not None and declared > found:
        out.append(
            f"the page declares {declared} comment(s) but {found} were found "
            "(the rest may be loaded by a script, paged, or missed)"
        )
    # A bare "N replies" heading (counters.py's reply counter): a comment's button to its replies as often
    # as a thread's counter ("11 comments", "40 Responses to ..." count threads).
    counted = (
        lines[opener].count if opener is not None and REPLY_COUNT.fullmatch(lines[opener].core) else None
    )
    if opener is not None and counted is not None and 0 < counted < found:
        # A bare "2 replies" heading over more comments than it counts is one comment's reply button
        # taken for the thread's heading, and that comment stands above it, unread.
        out.append(
            f"the comment section heading {lines[opener].core[:60]!r} counts {counted} but {found} "
            "comment(s) were found under it: it may be one comment's reply counter, and that comment "
            "(above it) was missed"
        )
    if found == 0:
        # A heading in or after the article, not a "Comments" link in the site's menu above it.
        heading = next(
            (i for i in range(article_end, len(lines)) if lines[i].opener and lines[i].count is None), None
        )
        if (
            heading is not None
            and opener is None
            and not _empty_thread(lines, heading)
            and not _heads_other_block(lines, heading)
            and not _recent_comments_widget(lines, heading)
        ):
            out.append(
                f"the page has a comment section heading ({lines[heading].core[:60]!r}) but no comments "
                "were found"
            )
    if found == 0 and _says_closed(lines, article_start):
        return tuple(out)  # "Comments are closed for this story": the page says it shows no thread
    repeated = _repeated_dated_lines(lines, headers, article_start)
    if repeated is not None and repeated[0] > found:
        n, example = repeated
        out.append(
            f"{n} dated lines of one shape appear in or after the article (like {example[:60]!r}) "
            f"but {found} comment(s) were found"
        )
    elif found == 0 and (named := _named_bare_dates(lines, article_start)) is not None:
        n, example = named
        out.append(
            f"{n} name lines with a date alone under them appear in or after the article (like "
            f"{example[:60]!r}) but no comment was found"
        )
    merged = _merged_dates(lines, headers, opener, roles)
    if len(merged) >= max(MIN_MERGED_DATES, found // COMMENTS_PER_TYPED_DATE):
        out.append(
            f"{len(merged)} stamps stand alone in the comment section outside any comment header "
            f"(like {lines[merged[0]].core[:60]!r}): {len(merged)} or more comment(s) were missed or "
            "folded into others"
        )
    return tuple(out)


# The page's own statement that its thread is closed or switched off, in the languages the comment form
# table covers (a short line: a sentence about it in the article is longer or says more).
_CLOSED_NOTICE = re.compile(
    r"\bcomments? (?:(?:to|on|for) this (?:entry|post|article|story|page) )?(?:are|is|have been|has been) "
    r"(?:now )?(?:closed|disabled|turned off|switched off)\b|\bcomments are closed\b"
    r"|\bkommentar(?:e|funktion|bereich)\b.{0,40}\b(?:geschlossen|deaktiviert|abgeschaltet)\b"
    r"|\bcommentaires (?:sont )?(?:fermés|désactivés)|\bcomentarios (?:están )?(?:cerrados|desactivados)"
    r"|\bcommenti (?:sono )?(?:chiusi|disattivati)|\bcomentários (?:estão )?(?:fechados|desativados)"
    r"|\breacties (?:zijn )?(?:gesloten|uitgeschakeld)",
    re.I,
)
_MAX_NOTICE_CHARS = 120


def _says_closed(lines: list[_Line], article_start: int) -> bool:
    return any(
        len(ln.core) <= _MAX_NOTICE_CHARS and _CLOSED_NOTICE.search(ln.core) for ln in lines[article_start:]
    )


def _empty_thread(lines: list[_Line], heading: int) -> bool:
    """Whether the page shows the thread under `heading` empty: the first line under it (past
    decoration, images and a feed notice) is the thread's own notice ("No comments yet", "Comments are
    closed", a zero count) or the comment form ("Leave a Reply", a field label, a text box), with no
    reader's words between. A script's notice ("Please enable JavaScript to view the comments"), a
    link to the thread, prose or a dated line is where a thread loads or was missed: not empty."""
    j = _first_under(lines, heading)
    if j == len(lines):
        return False  # a heading closing the page: its thread is loaded by a script, if anywhere
    ln = lines[j]
    return (
        (ln.opener and ln.count == 0)
        or EMPTY_THREAD_NOTICE.fullmatch(ln.core) is not None
        or (ln.date is None and COMMENT_FORM_OPENING.fullmatch(ln.core) is not None)
    )


def _first_under(lines: list[_Line], heading: int) -> int:
    """The first line under `heading` past decoration, images and a feed notice (len(lines): none)."""
    j = heading + 1
    while j < len(lines) and (lines[j].chrome or lines[j].furniture in _PASSED_UNDER_HEADING):
        j += 1
    return j


def _heads_other_block(lines: list[_Line], heading: int) -> bool:
    """Whether the first line under `heading` is another block's furniture (related links, an
    advertisement, a subscription box, share buttons): the heading heads no thread in this page. (A
    script's notice, "Loading comments...", or a link to the thread is where a thread loads: it warns.)"""
    j = _first_under(lines, heading)
    return j < len(lines) and lines[j].furniture in _OTHER_BLOCKS and not _THREAD_WORD.search(lines[j].core)


def _recent_comments_widget(lines: list[_Line], heading: int) -> bool:
    """Whether `heading` titles a sidebar's recent-comments widget: its first lines (past decoration)
    are each "NAME on POST TITLE" (WordPress's widget, in the languages its themes ship in), with no
    stamp and no sentence's end: links to comments, no thread."""
    j = heading + 1
    for _ in range(MIN_WIDGET_ITEMS):
        while j < len(lines) and lines[j].chrome and not lines[j].core[:1].isalnum():
            j += 1
        if j == len(lines):
            return False
        ln = lines[j]
        if ln.date is not None or ln.opener or not _WIDGET_ITEM.fullmatch(ln.core):
            return False
        j += 1
    return True


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


def _comment_date(ln: _Line) -> bool:
    return ln.date is not None and ln.date.kind != "cue" and ln.furniture is None


def _merged_dates(
    lines: list[_Line], headers: list[_Header], opener: int | None, roles: list[str | None] | None
) -> list[int]:
    """Date lines standing alone (a stamp, not a sentence) between a comment heading and the first
    header, or in the text of a comment whose header has its own date, with prose between: the stamps
    of comments that were missed or folded into another. After the last header only the comment's
    own text counts until one is found there (a teaser list's stamps below a thread are no comment's)."""
    if not headers:
        return []
    # The last comment runs to the page's end: a section end inside a thread (an avatar's "[name]" reads
    # as site chrome) is what folds the posts under it; stamps there count only once one is folded.
    stops = [h.start for h in headers[1:]] + [len(lines)]
    blocks = [(h.end, stop) for h, stop in zip(headers, stops, strict=True) if _comment_date(lines[h.anchor])]
    folded = [True] * len(blocks)
    if opener is not None and opener < headers[0].start:
        blocks.insert(0, (opener, headers[0].start))
        folded.insert(0, False)
    out: list[int] = []
    for (last, stop), inside in zip(blocks, folded, strict=True):
        for i in range(last + 1, stop):
            ln = lines[i]
            if not _comment_date(ln) or _words_beside_date(ln):
                continue
            if inside and roles is not None and roles[i] != "text":
                continue
            # Once one stamp was folded into a comment, the thread goes on past the last header: the
            # stamps under it count whatever role the section's end gave them.
            inside = False
            if any(_prose(lines[j]) for j in range(last + 1, i)):
                out.append(i)
            last = i
    return out


def _name_line(ln: _Line) -> bool:
    words = ln.core.split()
    return (
        0 < len(words) <= MAX_NAME_WORDS
        and ln.date is None
        and ln.furniture is None
        and not ln.chrome
        and not ln.opener
        and ln.core[-1] not in ".!?:;,"
    )


_SCORE_LINE = re.compile(r"[+-]?\d{1,6} (?:points?|votes?|likes?)", re.I)


def _named_bare_dates(lines: list[_Line], article_start: int) -> tuple[int, str] | None:
    """A comment header drawn as a name line over a date alone ("Marta Quinn" / "3 hours ago",
    Commento; or with a separator line between, "Marta_Quinn" / "»" / "Tue Mar 12, 2024"), repeated
    with prose between: (count, first name), or None under the minimum. (A name under the stamp, as in
    Discourse, also matches author lists under dated teasers: not used.)"""
    named: dict[int, str] = {}
    for i in range(article_start + 1, len(lines)):
        ln = lines[i]
        if not _comment_date(ln) or _words_beside_date(ln):
            continue
        above = i - 1
        if above > article_start and _BYLINE_SEPARATOR.fullmatch(lines[above].core):
            above -= 1  # "by" / NAME / "»" / DATE: phpBB's byline one element a line (BeautifulSoup)
        elif above > article_start and _SCORE_LINE.fullmatch(lines[above].core):
            above -= 1  # NAME / "14 points" / DATE: Commento++ with voting on
        if _name_line(lines[above]):
            named[i] = lines[above].core
    # A thread has several commenters; one account's feed or a weekday list repeats one name.
    if len(set(named.values())) < MIN_REPEATED_DATES:
        return None
    gaps = list(pairwise(named))
    prose = sum(1 for a, b in gaps if any(_prose(lines[j]) for j in range(a + 1, b)))
    if prose < PROSE_BETWEEN_SHARE * len(gaps):
        return None
    return len(named), next(iter(named.values()))
