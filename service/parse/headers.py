"""Stage 2: find the comment headers and learn the page's header shape."""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from service.dates import REPLY_CUE, trie_rx
from service.parse.body import _main_region
from service.parse.counters import REPLY_COUNT, counter_lines, counters_between
from service.parse.lexicon import (
    _CUE_PHRASES,
    _CUE_RX,
    _END_REASONS,
    _MAX_HEADER_WORDS,
    _NAME_STRIP,
    _PAREN_NUM,
    _ROLE_LINE,
    _SAYS_WORDS,
    SCORE_WORDS,
    _all_chrome_tokens,
    _ends_sentence,
    _name_words,
)
from service.parse.lines import (
    _MAX_NAME_CHARS,
    _MAX_PLAIN_NAME_WORDS,
    _PROSE_LINE_WORDS,
    _is_header_name,
    _is_name_like,
    _is_placed_name,
    _is_prose,
    _is_reply_named,
    _Line,
)
from service.parse.posts import (
    _numbered_group,
    _numbered_posts,
    _post_number,
    _take_profile_names,
)
from service.parse.shapes import _mixed_groups, button_tail, cut_teaser_run, shared_button_row

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------


# ... or, once the page shows its headers have one, up to this many words.
_MAX_LOOSE_NAME_WORDS = 6


# A line ending in a "says:" cue, up to this long, names its comment once most of the page's headers
# show such a line: a pingback's "name" is the linking post's title and blog ("Week 6 of project |
# Mira Kirvesmaki says:"), longer than any person's name, and left out it became an empty comment.
_MAX_SAID_NAME_CHARS = 160
_SAID_END = re.compile(r"\b" + trie_rx(_SAYS_WORDS) + r"\s*:\s*$", re.I)


def _is_said_line(ln: _Line) -> bool:
    """A "NAME says:" line, whatever NAME is (see _MAX_SAID_NAME_CHARS)."""
    if (ln.date is not None and ln.date.kind != "cue") or ln.opener or ln.chrome or ln.furniture is not None:
        return False
    return len(ln.core) <= _MAX_SAID_NAME_CHARS and bool(_SAID_END.search(ln.core))


def _is_name_line_loose(ln: _Line) -> bool:
    """A name line once the page has shown that its headers have one: up to six words, no sentence."""
    if _is_name_like(ln):
        return True
    if ln.date is not None or ln.opener or ln.chrome or ln.furniture is not None:
        return False
    core = ln.core
    short = len(core) <= _MAX_NAME_CHARS and len(core.split()) <= _MAX_LOOSE_NAME_WORDS
    return short and not _ends_sentence(core)


def _signature(ln: _Line) -> tuple[str, bool, bool]:
    """How the date is written and whether words come before it. Words after it are left out: an
    "· edited 2 hours ago" suffix must not split one thread's headers into two shapes."""
    d = ln.date
    assert d is not None
    before = ln.core[: d.start].strip(" ([")
    return (d.kind, d.has_time, bool(before))


@dataclass(slots=True)
class _Header:
    start: int  # first line index of the header
    anchor: int  # the date line
    end: int  # last line index of the header (inclusive)
    name: int | None = None  # the line holding the name alone, when the lines between are a profile


# A section heading opens a candidate section only among the last few openers before a group.
_MAX_OPENERS_PER_GROUP = 20
# Share of a shape's date lines that must look like headers before the rest of the shape counts too.
_SHAPE_SHARE = 0.6
# Share of a shape's lines that must carry a comment cue ("says:", "Posted by") to count as cued.
_CUE_SHARE = 0.5
# Lines looked at above the first header for a "More from ..." promo heading.
_PROMO_REACH = 8
# Without a heading, a shape needs this many members whose blocks end with a reply link ...
_MIN_REPLIED_HEADERS = 3
# ... and a block may hold up to this many times the longest comment's lines (a dateline above a
# whole article is far longer than any comment).
_LONGEST_FACTOR = 3
# The longest comment is taken as at least this many content lines.
_MIN_LONGEST_BLOCK = 3
# How far the last block is assumed to reach when sizing it (lines).
_LAST_BLOCK_REACH = 60
# A heading further than this many content lines above its first header heads something else.
_MAX_OPENER_GAP = 12
# Scores: a shape under a heading beats a cued shape (0.8 a member), which beats a reply-link-only
# shape (0.7 a member); a heading's stated count matching the shape's size is strong evidence.
_CUED_WEIGHT = 0.8
_REPLIED_WEIGHT = 0.7
_OPENER_BONUS = 0.5
_GAP_PENALTY = 0.01
_COUNT_MATCH_BONUS = 2.0
_CUE_ONLY_PENALTY = 1.0
# Dateless "NAME said:" headers without a heading: at least this many, after the article's first prose.
_MIN_HEADLESS_CUES = 3


@dataclass(slots=True)
class _PageFacts:
    """Facts about the page that every candidate header shape is checked against (computed once)."""

    lines: list[_Line]
    content: list[int]
    counters: list[int]
    _prose_start: int | None = None
    # Each date line is judged once per page, though many candidate sections (shape x heading) hold it.
    _plausible: dict[int, bool] = field(default_factory=dict)

    def plausible(self, i: int) -> bool:
        found = self._plausible.get(i)
        if found is None:
            found = self._plausible[i] = _plausible_anchor(self.lines, i)
        return found

    def prose_start(self) -> int:
        if self._prose_start is None:
            region = _main_region(self.lines, 0, len(self.lines))
            self._prose_start = region[0] if region else -1
        return self._prose_start


def _find_headers(lines: list[_Line], title_idx: int | None) -> tuple[list[_Header], int | None, str]:
    """Return (headers, opener line index, mode) where mode is "header" or "footer"."""
    anchors = [i for i, ln in enumerate(lines) if ln.date is not None and i != title_idx and not ln.opener]
    if not anchors:
        return [], None, "header"
    openers = _section_openers(lines, title_idx)
    facts = _PageFacts(lines, _content_prefix(lines), counter_lines(lines))
    groups: dict[tuple[str, bool, bool], list[int]] = defaultdict(list)
    for i in anchors:
        groups[_signature(lines[i])].append(i)

    candidates = [*groups.values(), *_mixed_groups(lines, groups), *_numbered_group(lines, anchors)]
    candidates = [cut_teaser_run(lines, g) for g in candidates]
    best = _best_section(facts, candidates, openers)
    if best is None:
        return [], None, "header"
    _, sel, opener = best
    sel = _cut_at_counted_list(lines, cut_teaser_run(lines, _cut_at_list_heading(lines, sel)), opener)
    numbered = _numbered_posts(lines, sel)  # (asked by the mode and by the headers' extent)
    mode = "header" if numbered else _mode(lines, sel, opener)  # a forum's post bar heads its post
    # A counter above the article ("Von NAME | DATE | 3 Kommentare", "57 points | 9 comments": no prose
    # before it) heads no thread: headers sit right under their heading, not under the page's main
    # prose. The section then starts at a heading between the prose and the first header, else there.
    # A headline may stand before such a counter ("Ask HN: ...?" over "212 points | 96 comments" and
    # the post): one sentence before it, the post's below it.
    prose = facts.prose_start()
    while prose >= 0 and prose in (title_idx, opener):
        prose += 1  # the headline and the counter may lead the prose run
    if mode == "header" and opener is not None and prose < sel[0]:
        plain = opener < prose and _no_article_above(lines, opener, title_idx)
        headline_above = _sentence_lines(lines, 0, opener) <= _BYLINE_HEADLINES
        if plain or (headline_above and _sentence_lines(lines, opener + 1, sel[0]) > _BYLINE_HEADLINES):
            opener = next((o for o in reversed(openers) if max(prose, opener) < o < sel[0]), None)
    return _extend_headers(lines, sel, mode, numbered), opener, mode


def _no_article_above(lines: list[_Line], opener: int, title_idx: int | None) -> bool:
    """No prose run above the counter, or only the headline's."""
    above = _main_region(lines, 0, opener)
    return above is None or (title_idx is not None and above == (title_idx, title_idx + 1))


# Sentences before a byline's counter: the headline's at most ("Ask HN: How do you ...?").
_BYLINE_HEADLINES = 1


def _is_sentence(ln: _Line) -> bool:
    """A line of prose that ends a sentence (a list item's headline does not)."""
    return _ends_sentence(ln.core) and _is_prose(ln)


def _sentence_lines(lines: list[_Line], start: int, stop: int) -> int:
    return sum(1 for j in range(start, stop) if _is_sentence(lines[j]))


def _sentences(lines: list[_Line], start: int, stop: int) -> bool:
    return any(_is_sentence(lines[j]) for j in range(start, stop))


# Labels of the same furniture table that also stand between comments: an advertisement, a long comment's
# "Read more".
_IN_THREAD_LABEL = re.compile(
    r"(?:advertisement|advert|ad|anzeige|publicité|sponsored|promoted|read more)\b.*", re.I
)


def _is_list_heading(ln: _Line) -> bool:
    return ln.furniture == "recommendations" and not ln.chrome and not _IN_THREAD_LABEL.fullmatch(ln.core)


def _cut_at_list_heading(lines: list[_Line], sel: list[int]) -> list[int]:
    """The headers before a "Trending" or "Most read" heading that stands between two of them when the
    dated lines past it hold no sentence between them (nor after it, when only one is past it): they
    are that list's items ("Gold prices hit record high 4 hours ago"), not comments. Comments have
    text, and other furniture between comments (a rating form, a badge, an advertisement, the reply
    box) stops nothing here."""
    gaps = list(pairwise(sel))
    headed = [k for k, (a, b) in enumerate(gaps) if any(_is_list_heading(lines[j]) for j in range(a + 1, b))]
    if not headed:  # (most threads: no sentence needs reading)
        return sel
    # later[k]: a gap from the k-th on holds a sentence (one pass from the end: linear in the page).
    later = [False] * (len(gaps) + 1)
    for k in range(len(gaps) - 1, -1, -1):
        later[k] = later[k + 1] or _sentences(lines, gaps[k][0] + 1, gaps[k][1])
    for k in headed:
        if later[k + 1]:
            continue
        lone = k + 1 == len(gaps)  # one dated line past the heading: its own text must hold no sentence
        if not (lone and _sentences(lines, sel[-1] + 1, _section_stop(lines, sel[-1] + 1))):
            return sel[: k + 1]
    return sel


def _cut_at_counted_list(lines: list[_Line], sel: list[int], opener: int | None) -> list[int]:
    """The headers the heading counts ("Responses (5)") when a list heading ("More from NAME") stands
    right after that many: the dated lines past it are the list's teasers, even with a sentence each."""
    n = lines[opener].count if opener is not None else None
    if not n or len(sel) <= n or not any(_is_list_heading(lines[j]) for j in range(sel[n - 1] + 1, sel[n])):
        return sel
    return sel[:n]


def _best_section(
    facts: _PageFacts, groups: list[list[int]], openers: list[int]
) -> tuple[float, list[int], int | None] | None:
    """The best scoring (score, header lines, opener) over every shape and the openers above it."""
    best: tuple[float, list[int], int | None] | None = None
    for members in groups:
        # Each opener that precedes some members starts a candidate section.
        starts: list[int | None] = [*[o for o in openers if o < members[-1]][-_MAX_OPENERS_PER_GROUP:], None]
        for o in starts:
            found = _score_shape(facts, members, o)
            if found is None:
                continue
            score, sel = found
            below = _heading_below_first(facts.lines, openers, sel)
            if below is not None:
                sel, o = sel[1:], below
            if best is None or score > best[0]:
                best = (score, sel, o)
    return best


_DIGITS = re.compile(r"\d[\d.,]*")  # a count with its thousands marks ("4.532")


def _heading_below_first(lines: list[_Line], openers: list[int], sel: list[int]) -> int | None:
    """A comment heading that counts the rest ("57 comments") between the first header and the second:
    the first is the post's own byline ("submitted 9 hours ago by NAME", Slashdot's story), the thread
    starts under the heading. Not a counter every comment repeats ("Total Comments (57)" in profiles)."""
    if len(sel) < 3:
        return None
    between = [o for o in openers if sel[0] < o < sel[1] and (lines[o].count or 0) >= len(sel) - 1]
    if not between:
        return None
    shapes = Counter(_DIGITS.sub("", lines[o].core) for o in openers)
    own = [o for o in between if shapes[_DIGITS.sub("", lines[o].core)] == 1]
    return own[-1] if own else None


def _section_openers(lines: list[_Line], title_idx: int | None) -> list[int]:
    """Comment headings; a reply counter seen on several comments ("Responses (0)") heads none."""
    openers = [i for i, ln in enumerate(lines) if ln.opener and i != title_idx]
    counters = [i for i in openers if REPLY_COUNT.fullmatch(lines[i].core)]
    return [i for i in openers if i not in counters] if len(counters) > 1 else openers


def _score_shape(facts: _PageFacts, members: list[int], o: int | None) -> tuple[float, list[int]] | None:
    """How well one shape's date lines after opener `o` read as a comment section: (score, headers),
    or None when they do not."""
    lines = facts.lines
    after = [i for i in members if o is None or i > o]
    sel = [i for i in after if facts.plausible(i)]
    if not sel:
        return None
    # The shape is learned from the group: once most of its date lines look like headers, the
    # rest of the same shape are headers too (an anonymous comment has no name line).
    if (
        len(sel) >= 2
        and len(after) >= _MIN_SHAPE_SIZE
        and len(sel) >= _SHAPE_SHARE * len(after)
        and o is not None
    ):
        sel = after  # a small thread under a heading: two of three make the shape
    elif len(sel) >= _MIN_SHAPE_SIZE and len(sel) >= _SHAPE_SHARE * len(after):
        sel = after
    cue = sum(1 for i in sel if _has_cue(lines, i)) / len(sel)
    first_date = lines[sel[0]].date
    cue_only = first_date is not None and first_date.kind == "cue"
    # "X said:" lines without a comment heading are more likely an interview, unless a run of them
    # follows the article's prose; a single one needs a heading that states one comment ("1 Comments").
    if cue_only and (
        (o is None and (len(sel) < _MIN_HEADLESS_CUES or sel[0] <= facts.prose_start()))
        or (o is not None and len(sel) < 2 and lines[o].count != len(sel))
    ):
        return None
    if _mostly_empty(facts.content, sel):
        return None  # "NAME on TITLE DATE" rows of a recent-comments widget: no text under any
    if counters_between(facts.counters, members, o):
        return None  # "Posted by ... / 5 Comments" teasers of a blog's front page, not one thread
    found = _score_headless(facts, sel, cue) if o is None else _score_under_opener(facts, sel, o, cue)
    if found is None:
        return None
    score, sel = found
    if cue_only:
        score -= _CUE_ONLY_PENALTY  # a dated shape of the same size wins: it carries the times
    return score, sel


def _score_headless(facts: _PageFacts, sel: list[int], cue: float) -> tuple[float, list[int]] | None:
    """A shape with no comment heading above it: it needs cues, or reply links after its blocks."""
    lines = facts.lines
    # A weak "By NAME" cue needs more support: no "More from" heading just above.
    strong = sum(1 for i in sel if _has_cue(lines, i, _STRONG_CUE_RX)) / len(sel)
    weak_ok = (
        cue >= _CUE_SHARE
        and len(sel) >= _MIN_SHAPE_SIZE
        and not _promo_between(lines, max(-1, sel[0] - _PROMO_REACH), sel[0])
    )
    # Two cued lines, the first at or above the page's main prose: the article's own byline and its
    # "Posted by" footer, not a thread.
    byline = len(sel) < _MIN_HEADLESS_CUES and sel[0] <= facts.prose_start()
    if len(sel) >= 2 and (strong >= _CUE_SHARE or weak_ok) and not byline:
        return len(sel) * _CUED_WEIGHT, sel
    if _numbered_posts(lines, sel):
        # A forum topic's posts ("#1", "« Reply #2 on: DATE »"); its other dates are quotes' and lists'.
        sel = [i for i in sel if _post_number(lines, i) is not None]
        return len(sel) * _CUED_WEIGHT, sel
    # No heading and no "says:": a reply link after most of them still marks comments, provided they
    # come after the article's first prose (not its own dateline) ...
    prose_start = facts.prose_start()
    # ... or that end with their own reply link and are no longer than the comments: on a page that is
    # only comments the densest prose is the first comment's text. (An article's dateline holds the
    # whole article before its "Reply".)
    content = facts.content
    stops = [*sel[1:], min(len(lines), sel[-1] + _LAST_BLOCK_REACH)]
    sizes = [content[stop] - content[i + 1] for i, stop in zip(sel, stops, strict=True)]
    longest = max([_MIN_LONGEST_BLOCK, *(n for i, n in zip(sel, sizes, strict=True) if i > prose_start)])
    sel = [
        i
        for i, stop, size in zip(sel, stops, sizes, strict=True)
        if i > prose_start or (size <= _LONGEST_FACTOR * longest and _replied(lines, i, stop))
    ]
    if len(sel) < _MIN_REPLIED_HEADERS or _reply_ratio(lines, sel) < _SHAPE_SHARE:
        return None
    return len(sel) * _REPLIED_WEIGHT, sel


def _score_under_opener(
    facts: _PageFacts, sel: list[int], o: int, cue: float
) -> tuple[float, list[int]] | None:
    """A shape under a comment heading: close below it, and more than one header unless cued."""
    lines = facts.lines
    gap = _content_gap(lines, o, sel[0])
    if gap > _MAX_OPENER_GAP or _promo_between(lines, o, sel[0]):
        return None
    if (
        len(sel) < 2
        and cue < _CUE_SHARE
        and lines[o].count != 1
        and not (sel[0] > facts.prose_start() and _single_named(lines, o, sel[0], gap))
    ):
        return None
    if len(sel) < 2 and lines[o].count != 1 and sel[0] <= facts.prose_start():
        return None  # one "Posted by NAME on DATE" above the page's main prose: the article's byline
    if len(sel) < 2 and lines[o].count == 0 and not _has_cue(lines, sel[0], _STRONG_CUE_RX):
        return None  # "0 Comments", then a sidebar's "... entry by NAME published on DATE": no comment
    score = len(sel) + _OPENER_BONUS - gap * _GAP_PENALTY
    if lines[o].count is not None and lines[o].count == len(sel):
        score += _COUNT_MATCH_BONUS
    return score, sel


# A lone comment under a heading that states no count: close to it, with prose this near below.
_SINGLE_MAX_GAP = 3
_SINGLE_TEXT_REACH = 3


def _single_named(lines: list[_Line], o: int, i: int, gap: int) -> bool:
    """One dated header after the article's first prose, close under a count-less comment heading,
    its name line right above (or a blank line above) and prose right below it: the only comment."""
    if lines[o].count is not None or gap > _SINGLE_MAX_GAP:
        return False
    named_above = (_name_above(lines, i, False) or _name_above(lines, i, True)) and not lines[i - 1].opener
    # ... or the name right under the date ("5 hours ago" / "Jennifer H." / text).
    k = i + 1
    named_below = not named_above and k < len(lines) and _is_plain_name(lines[k]) and lines[k].date is None
    if not (named_above or named_below):
        return False
    start = k + 1 if named_below else i + 1
    below = range(start, min(len(lines), start + _SINGLE_TEXT_REACH))
    return any(
        lines[j].furniture is None and not lines[j].chrome and len(lines[j].core.split()) >= _PROSE_LINE_WORDS
        for j in below
    )


_REPLY_WORD = re.compile(
    r"reply|antwort|répondre|repondre|responder|rispondi|reageer|beantwoorden|responda"
    # pl, ru, tr, id / ms, sv / da / no, fi, cs, ro, hu, ar, and (session 41) el, he, fa, vi, tl, hr, sk,
    # ca, uk, sw, hi
    r"|odpowiedz|ответить|yanıtla|yanitla|balas|svar|vastaa|odpovědět|răspunde|válasz|رد"
    r"|απάντηση|הגיבו|הגב|השב|پاسخ|trả lời|tumugon|sumagot|odgovori|odpovedať|respon|відповісти|jibu|जवाब",
    re.I,
)


def _content_prefix(lines: list[_Line]) -> list[int]:
    """Prefix counts of content lines (not chrome, not furniture, two words or more): any range's
    count in O(1), since the header search tests many candidate ranges."""
    ps = [0]
    for ln in lines:
        ps.append(ps[-1] + (not ln.chrome and ln.furniture is None and " " in ln.core))
    return ps


# A shape of this many lines or more is judged as a whole (smaller ones are too few to tell) ...
_MIN_SHAPE_SIZE = 3
# ... and is a list of links when more than this share of its gaps hold no text.
_EMPTY_SHARE = 0.5


def _mostly_empty(content: list[int], sel: list[int]) -> bool:
    """Dated lines with nothing written between them: a list of links, not comments (a comment with
    an empty text happens, but not for most of a thread)."""
    if len(sel) < _MIN_SHAPE_SIZE:
        return False
    empty = sum(1 for a, b in pairwise(sel) if content[b] - content[a + 1] == 0)
    return empty > _EMPTY_SHARE * (len(sel) - 1)


def _reply_ratio(lines: list[_Line], sel: list[int]) -> float:
    """Share of headers followed, before the next header, by a per-comment reply link."""
    hits = 0
    for k, i in enumerate(sel):
        stop = sel[k + 1] if k + 1 < len(sel) else min(len(lines), i + _LAST_BLOCK_REACH)
        hits += _replied(lines, i, stop)
    return hits / len(sel)


def _replied(lines: list[_Line], i: int, stop: int) -> bool:
    return any(_is_reply_row(lines[j]) for j in range(i + 1, stop))


def _is_reply_row(ln: _Line) -> bool:
    return ln.chrome and (ln.row or bool(_REPLY_WORD.search(ln.core)))


# "says:", "wrote", "Posted by" belong to comments; a bare "By NAME" is also every article's byline.
_STRONG_CUE_RX = re.compile(
    r"\b" + trie_rx([*_SAYS_WORDS, *_CUE_PHRASES, "submitted by", "commented", "kommentierte"]) + r"\b",
    re.I,
)


# Quoted headers are told apart once a page shows this many comments, this share of which end with
# a reply link and share the same words after the date.
_MIN_QUOTE_HEADERS = 4
_QUOTE_HABIT_SHARE = 0.8


def _drop_quoted_headers(lines: list[_Line], headers: list[_Header]) -> list[_Header]:
    """A header-shaped line quoted inside a comment ("John Smith 3 hours ago") is text. Learned per page:
    when most comments end with a reply link and most date lines end with the same words ("| link"),
    a date line without those words, inside a comment that has not reached its reply link yet, is
    quoted."""
    if len(headers) < _MIN_QUOTE_HEADERS:
        return headers

    def tail(h: _Header) -> str:
        ln = lines[h.anchor]
        return " ".join(ln.core[ln.date.end :].split()).casefold() if ln.date is not None else ""

    def replied(a: int, b: int) -> bool:
        return any(_is_reply_row(lines[j]) for j in range(a, b))

    stops = [h.start for h in headers[1:]] + [min(len(lines), headers[-1].end + _LAST_BLOCK_REACH)]
    ends = [replied(h.end + 1, stop) for h, stop in zip(headers, stops, strict=True)]
    common, count = Counter(tail(h) for h in headers).most_common(1)[0]
    if (
        not common
        or count < _QUOTE_HABIT_SHARE * len(headers)
        or sum(ends) < _QUOTE_HABIT_SHARE * len(headers)
    ):
        return headers
    kept = [headers[0]]
    open_block = not ends[0]  # the kept comment above has not shown its reply link yet
    for h, end in zip(headers[1:], ends[1:], strict=True):
        if open_block and tail(h) != common:
            open_block = not end  # quoted: the comment above runs on to this block's reply link
            continue
        kept.append(h)
        open_block = not end
    return kept


# A comment's own number before its date: "#12 - Tue Jul 24, 2012 10:14 AM", "#1.2 -" (a reply).
_COMMENT_NUMBER = re.compile(r"#\d{1,5}(?:\.\d{1,4})*\s*[-–—:|]\s")


# A vote score alone on the line under the stamp ("3 hours ago" / "4 points": Commento): only a
# reader's comment is voted on, never an article's dateline.
_VOTE_SCORE = re.compile(r"[+-]?\d{1,6} (?:points?|votes?|upvotes?)", re.I)


def _has_cue(lines: list[_Line], i: int, rx: re.Pattern[str] = _CUE_RX) -> bool:
    if rx.search(lines[i].core) or _COMMENT_NUMBER.match(lines[i].text):
        return True
    below = lines[i + 1] if i + 1 < len(lines) else None
    # (html2text puts a blank line under every line: a blank line above the score counts only when
    # one stands above the stamp too, the page's spacing, not a break between two parts of the page.)
    spaced = below is not None and (not below.blank_before or lines[i].blank_before)
    if spaced and below is not None and _VOTE_SCORE.fullmatch(below.core):
        return True
    return (
        i > 0
        and not lines[i].blank_before
        and bool(rx.search(lines[i - 1].core))
        and _is_name_like(lines[i - 1])
    )


def _plausible_anchor(lines: list[_Line], i: int) -> bool:
    """A bare date line needs a name line right above it; a date line with words needs few of them."""
    ln = lines[i]
    d = ln.date
    assert d is not None
    rest = (ln.core[: d.start] + " " + ln.core[d.end :]).strip(_NAME_STRIP + " ")
    rest = _PAREN_NUM.sub("", rest).strip(_NAME_STRIP)
    if ln.furniture is not None and not rest:
        return False
    if rest:
        return len(rest.split()) <= _MAX_HEADER_WORDS
    if i > 0:
        prev = lines[_above(lines, i)]
        if not ln.blank_before and _is_header_name(prev) and not prev.opener:
            return True
        # A name across a blank line ("NAME" / blank line / "DATE"): a plain name, no "says".
        if ln.blank_before and _is_plain_name(prev):
            return True
    # A forum's post bar: the date over the post's number ("Mar 12, 2024" / "Share" / "#2"), the poster
    # in a profile further up.
    return _name_below(lines, i) is not None or _post_number(lines, i) is not None


# A forum post bar's name sits within two lines under the date, and has at most three words.
_NAME_BELOW_REACH = 3


def _name_below(lines: list[_Line], i: int) -> int | None:
    """Forum post bars put the date first and the poster's name on the next line ("DATE  #2" / NAME);
    a post number or other chrome may sit between them."""
    for j in range(i + 1, min(len(lines), i + _NAME_BELOW_REACH)):
        ln = lines[j]
        if ln.blank_before and not (j == i + 1 and _is_plain_name(ln)):  # (a text dump's blank line)
            return None
        if ln.chrome:
            continue
        return (
            j
            if _is_name_like(ln) and not ln.opener and _name_words(ln.core.split()) <= _MAX_PLAIN_NAME_WORDS
            else None
        )
    return None


def _promo_between(lines: list[_Line], start: int, stop: int) -> bool:
    """A "Related stories" / "More from" heading after the opener: those dated lines are teasers."""
    return any(lines[j].furniture == "recommendations" for j in range(start + 1, stop))


def _content_gap(lines: list[_Line], o: int, first: int) -> int:
    """Content lines between an opener and the first header (furniture and chrome do not count)."""
    n = 0
    for j in range(o + 1, first):
        ln = lines[j]
        if ln.furniture is None and not ln.chrome and not ln.opener:
            n += 1
    return n


_POSTED_BY = re.compile(
    r"^\W*(?:posted|submitted|written|geschrieben|publié|écrit)\b.{0,20}\b(?:by|von|par)\b|^[—–-]\s*\w", re.I
)


# Without a heading, the first footer's text is looked for this many lines above it.
_FOOTER_LOOKBACK = 30
# The chrome after the last comment is looked for this far.
_SECTION_REACH = 200


def _mode(lines: list[_Line], sel: list[int], opener: int | None) -> str:
    """Footers ("Posted by NAME on DATE" after the text) or headers (before the text)."""
    # The text keeps the leading dash ("— NAME, DATE") that the core drops as a list marker.
    posted = sum(1 for i in sel if _POSTED_BY.search(lines[i].core) or _POSTED_BY.match(lines[i].text))
    if posted >= max(1, len(sel) // 2):
        start = (opener + 1) if opener is not None else max(0, sel[0] - _FOOTER_LOOKBACK)
        if _content_gap(lines, start - 1, sel[0]) < 1:
            return "header"
        # "Submitted by NAME on DATE" above the text (a subject line before it) is a header: footers
        # leave the first comment's prose before the first stamp and nothing after the last one.
        if opener is not None and _prose_lines(lines, opener + 1, sel[0]) == 0:
            return (
                "header" if _prose_lines(lines, sel[-1] + 1, _section_stop(lines, sel[-1] + 1)) else "footer"
            )
        return "footer"
    # No "Posted by": read the layout. Footers leave the first comment's prose between the heading
    # and the first date line, and nothing but page chrome after the last one.
    if opener is None:
        return "footer" if _stamps_close_texts(lines, sel) else "header"
    prose_before = sum(
        1
        for j in range(opener + 1, sel[0])
        if lines[j].furniture is None
        and not lines[j].chrome
        and len(lines[j].core.split()) >= _PROSE_LINE_WORDS
    )
    after = next((j for j in range(sel[-1] + 1, len(lines)) if not lines[j].chrome), None)
    # ("Response to NAME, DATE" quoting the comment answered is no heading.)
    nothing_after = (
        after is None or _is_section_end(lines[after]) or (lines[after].opener and lines[after].date is None)
    )
    # A time inside an action row ("Like · Reply · 2y") closes its comment: an action row is a footer.
    actions = sum(1 for i in sel if _action_row_with_date(lines[i]) or _split_action_row(lines, i))
    # ... and so does a row of buttons that most stamps end in, whatever its words.
    buttons = shared_button_row([button_tail(lines[i]) for i in sel], _SHAPE_SHARE) is not None
    if prose_before >= 1 and (actions >= _SHAPE_SHARE * len(sel) or buttons):
        return "footer"
    return "footer" if prose_before >= 1 and nothing_after else "header"


def _stamps_close_texts(lines: list[_Line], sel: list[int]) -> bool:
    """With no heading: most stamps stand right under a line of prose with a rating or action row right
    under them, and only such rows follow the last one before the section's end (Daily Mail: text /
    "NAME, City, 3 hours ago" / "Click to rate" / "Reply Report"). Headers have their text under them:
    the last one's text is prose after it."""

    def prose(j: int) -> bool:
        return lines[j].date is None and _is_prose(lines[j])

    closing = sum(1 for i in sel if 1 <= i < len(lines) - 1 and prose(i - 1) and lines[i + 1].chrome)
    if closing < _SHAPE_SHARE * len(sel):
        return False
    for j in range(sel[-1] + 1, len(lines)):
        if _is_section_end(lines[j]) or lines[j].opener:
            return True
        if prose(j):
            return False
    return True


# Lines of one action row that BeautifulSoup split ("Like" / "·" / "Reply" / "·" / "2d") looked at.
_MAX_SPLIT_ROW_LINES = 8


def _split_action_row(lines: list[_Line], i: int) -> bool:
    """A date line of its own closing action lines above it with no blank line between: one row."""
    ln = lines[i]
    if ln.date is None or ln.date.kind == "cue" or ln.date.start > 0 or ln.date.end < len(ln.core):
        return False
    words: list[str] = []
    j = i
    while j > 0 and not lines[j].blank_before and len(words) < _MAX_SPLIT_ROW_LINES:
        j -= 1
        if not lines[j].chrome:
            return False
        words.append(lines[j].core)
    return bool(_ACTION_WORD.search(" ".join(words)))


def _action_row_with_date(ln: _Line) -> bool:
    d = ln.date
    if d is None or d.kind == "cue":
        return False
    rest = (ln.core[: d.start] + " " + ln.core[d.end :]).strip(_NAME_STRIP + " ")
    # An action ("Like", "Reply"), not just counters: "10 points · 6 years ago" heads a comment.
    return bool(rest) and _all_chrome_tokens(rest) and bool(_ACTION_WORD.search(rest))


_ACTION_WORD = re.compile(
    r"\b(?:reply|like|share|report|flag|antworten|répondre|responder|rispondi|beantwoorden|j['’]aime|gefällt"
    r"|me gusta|mi piace|sviđa mi se|μου αρέσει|thích|suka|beğen|gilla|tykkää|tetszik)(?!\w)|"
    + _REPLY_WORD.pattern,  # ... and "reply" in every language the reply rows are read in
    re.I,
)


# "3 Dec in reply to NAME" (Discourse): the replied-to name beside the date is not the author's.
_REPLY_TO_TAIL = re.compile(rf"\b{REPLY_CUE}\s+\S+$", re.I)


def _words_beside_date(ln: _Line, ignore: re.Pattern[str] | None = None) -> bool:
    d = ln.date
    if d is None:
        return False
    rest = (ln.core[: d.start] + " " + ln.core[d.end :]).strip(_NAME_STRIP + " ")
    if ignore is not None:
        rest = ignore.sub("", rest).strip(_NAME_STRIP + " ")
    return bool(_PAREN_NUM.sub("", rest).strip(_NAME_STRIP))


def _prose_lines(lines: list[_Line], start: int, stop: int) -> int:
    return sum(1 for j in range(start, stop) if _is_prose(lines[j]))


def _section_stop(lines: list[_Line], start: int) -> int:
    """Where the page's chrome resumes after the last comment stamp (a form, a furniture heading)."""
    for j in range(start, min(len(lines), start + _SECTION_REACH)):
        if _is_section_end(lines[j]) or lines[j].opener:
            return j
    return min(len(lines), start + _SECTION_REACH)


# Share of headers that must show a name line right above their date line for all to take one.
_NAME_ABOVE_SHARE = 0.5
# Forum post bars (date first, name below): at least this many, and this share, must show it.
_MIN_NAME_BELOW = 2
_NAME_BELOW_SHARE = 0.6
# A member title under the name ("Senior Member") has at most this many words.
_MAX_TITLE_WORDS = 3
# Punctuation-only lines (":" or "·") right after a header belong to it, up to this many.
_MAX_TRAILING_PUNCT = 2
_SEPARATORS = ":·|•-–— "


def _extend_headers(lines: list[_Line], sel: list[int], mode: str, numbered: bool) -> list[_Header]:
    """Learn how many lines around the date line belong to the header, from the whole group."""
    headers = [_Header(i, i, i) for i in sel]
    sel_set = set(sel)
    # A numbered forum post's name heads its poster's profile above the date; else (vBulletin's post bar,
    # "DATE #2" over the name) the names are where other headers keep them.
    profiles = mode == "header" and numbered and _take_profile_names(lines, headers)
    if mode == "header" and not profiles:
        _take_names_above(lines, headers)
        _take_replying_names_above(lines, headers)
        _take_names_over_lone_cues(lines, headers)
        _take_names_below(lines, headers, sel_set)
    # Trailing punctuation-only lines (":" or "·") and chrome directly after the date line.
    for h in headers:
        j = h.end + 1
        while (
            j < len(lines)
            and j not in sel_set
            and (lines[j].core.strip(_SEPARATORS) == "")
            and j - h.end <= _MAX_TRAILING_PUNCT
        ):
            h.end = j
            j += 1
    return headers


def _take_names_above(lines: list[_Line], headers: list[_Header]) -> None:
    for back in (1, 2):  # a name line, then maybe a "BY" or avatar line above it
        votes = sum(1 for h in headers if _name_above(lines, h.start, False, _is_header_name))
        across = False
        if back == 1 and votes < _NAME_ABOVE_SHARE * len(headers):
            # "NAME" / blank line / "DATE": learned when most headers show it.
            votes = sum(1 for h in headers if _name_above(lines, h.start, True))
            across = True
        if votes == 0 or votes < _NAME_ABOVE_SHARE * len(headers):
            return
        prev_ends = [-1] + [h.anchor for h in headers[:-1]]
        said = not across and _said_share(lines, headers) >= _NAME_ABOVE_SHARE
        for h, prev_end in zip(headers, prev_ends, strict=True):
            j = h.start - 1 if across else _above(lines, h.start)
            if across and j - 1 > prev_end and _badge_across(lines, j):
                h.start = j - 1  # "Tom Hale" / blank / "Moderator" / blank / "4 hours ago"
                continue
            # Learned: headers here have a name line, so a longer one ("Bob K from Leeds") is too.
            if j > prev_end and (
                _name_above(lines, h.start, across, _is_name_line_loose)
                or (said and _name_above(lines, h.start, across, _is_said_line))
                or (not across and _name_above(lines, h.start, False, _is_reply_named))
            ):
                h.start = j
        if across:
            _take_letter_avatars(lines, headers, prev_ends)
            return


def _said_share(lines: list[_Line], headers: list[_Header]) -> float:
    """The share of headers whose line right above is a "NAME says:" line."""
    said = sum(1 for h in headers if h.start >= 1 and _is_said_line(lines[_above(lines, h.start)]))
    return said / len(headers)


def _badge_across(lines: list[_Line], j: int) -> bool:
    """Line j is a role badge alone on its line a blank line under a plain name (as _above looks
    through one with no blank lines around it)."""
    return (
        j >= 1
        and lines[j].blank_before
        and bool(_ROLE_LINE.fullmatch(lines[j].core))
        and _is_plain_name(lines[j - 1])
    )


def _take_letter_avatars(lines: list[_Line], headers: list[_Header], prev_ends: list[int]) -> None:
    """Names taken across a blank line (html2text puts one under every line): the name's initial alone
    a blank line above it is its letter avatar ("M" / blank / "Marta Quinn", Commento), not the text
    of the comment above."""
    for h, prev_end in zip(headers, prev_ends, strict=True):
        j = h.start - 1
        name = lines[h.start].core
        across = j > prev_end and lines[h.start].blank_before and name[:1].isalpha()
        if across and lines[j].core.isalpha() and lines[j].core == name[:1].upper():
            h.start = j


# Replies whose header shows the replied-to reader's name as well, on at least this many headers of
# the page (the widget's habit; as comments._MIN_NAMED_PARENTS).
_MIN_REPLYING_NAMES = 2


def _take_replying_names_above(lines: list[_Line], headers: list[_Header]) -> None:
    """BeautifulSoup's text of Disqus's reply header: "dlee" / blank / "Marta Quinn" / blank / "•" /
    "2 hours ago". The name taken above the date is a reader above (the replied-to one); a plain name a
    blank line above it is the reply's author, so the header takes it too ("dlee Marta Quinn", which
    comments._split_parent_names reads as author and parent). Only when a text line stays between it and
    the header above, and on at least two headers of the page."""
    named: set[str] = set()
    found: list[tuple[_Header, int]] = []
    prev_end = -1
    for h in headers:
        # The shape: the name a blank line over a separator glued to the date (not a lone "says:").
        taken = (
            h.start == h.anchor - 2
            and _is_separator(lines[h.anchor - 1])
            and lines[h.anchor - 1].blank_before
        )
        taken = taken and _is_plain_name(lines[h.start])
        name = lines[h.start].core.strip().casefold() if taken else ""
        j = h.start - 1
        if j >= 1 and _ROLE_LINE.fullmatch(lines[j].core):
            j -= 1  # "Tom Hale" / "Mod" / "Priya Natarajan": the author's badge under the author
        plain = _is_plain_name(lines[j]) and lines[j].furniture is None and not lines[j].chrome
        if name in named and lines[h.start].blank_before and j - 1 > prev_end and plain:
            found.append((h, j))
            name = lines[j].core.strip().casefold()
        if name:
            named.add(name)
        prev_end = h.end
    if len(found) >= _MIN_REPLYING_NAMES:
        for h, j in found:
            h.start = j


# A cue alone on its line: a scraper that puts every element on a line of its own (BeautifulSoup's
# get_text("\n")) splits WordPress's "NAME says:" into "NAME", a blank line and "says:".
_LONE_CUE = re.compile(
    r"^(?:" + trie_rx([*_SAYS_WORDS, "dice", "zegt", "a dit", "ha detto"]) + r")\s*:$", re.I
)


def _take_names_over_lone_cues(lines: list[_Line], headers: list[_Header]) -> None:
    """A header that opens with a lone "says:" takes the plain name a blank line above it, when most
    headers show that shape."""
    shown = [
        h
        for h in headers
        if _LONE_CUE.match(lines[h.start].core)
        and h.start >= 1
        and lines[h.start].blank_before
        and _is_plain_name(lines[h.start - 1])
    ]
    if not shown or len(shown) < _NAME_ABOVE_SHARE * len(headers):
        return
    ends = {h.start: prev.anchor for prev, h in pairwise(headers)}
    for h in shown:
        if h.start - 1 > ends.get(h.start, -1):
            h.start -= 1


def _name_above(
    lines: list[_Line], i: int, across: bool, test: Callable[[_Line], bool] = _is_name_like
) -> bool:
    """Line i-1 is a name line right above line i, or (across) a plain name a blank line above it,
    one that does not leave the block above it empty (that line is the comment above's text)."""
    if i < 1:
        return False
    if lines[i].blank_before:
        return across and _is_plain_name(lines[i - 1]) and (i < 2 or lines[i - 2].date is None)
    j = _above(lines, i)
    # Not a line right under the header above, unless it has a cue ("NAME says:"): that is its
    # comment's only text ("you idiot").
    glued_below = (
        j >= 1
        and not lines[j].blank_before
        and lines[j - 1].date is not None
        and not _CUE_RX.search(lines[j].core)
    )
    return not across and test(lines[j]) and not glued_below


def _above(lines: list[_Line], i: int) -> int:
    """The line above line i, looking through one separator line ("•", "·", "|") with no blank line
    around it: a scraper that puts every element on a line of its own (BeautifulSoup's
    get_text("\\n")) splits "NAME • 2 days ago" into three lines."""
    j = i - 1
    # (BeautifulSoup's text may put blank lines between the name and the separator: Disqus.)
    glued_separator = j >= 1 and not lines[i].blank_before and _is_separator(lines[j])
    if glued_separator and (not lines[j].blank_before or _is_plain_name(lines[j - 1])):
        return j - 1
    # ... and through a role badge or the comment's score on a line of its own ("Tom Hale" / "Staff" /
    # "4 hours ago"; Commento's "Marieke van Dijk" / "4 points" / "2 days ago").
    glued = j >= 1 and not lines[i].blank_before and not lines[j].blank_before
    if glued and (_ROLE_LINE.fullmatch(lines[j].core) or _SCORE_LINE.fullmatch(lines[j].core)):
        return j - 1
    return j


_SCORE_LINE = re.compile(rf"[+-]?\d{{1,6}}\s*(?:{SCORE_WORDS})|[+-]\d{{1,6}}", re.I)


def _is_separator(ln: _Line) -> bool:
    return bool(ln.text.strip()) and ln.text.strip(_SEPARATORS) == ""


def _is_plain_name(ln: _Line) -> bool:
    named = _is_name_like(ln) or _is_placed_name(ln)
    return named and not ln.opener and not _CUE_RX.search(ln.core) and not ln.core.endswith(":")


def _take_names_below(lines: list[_Line], headers: list[_Header], sel_set: set[int]) -> None:
    """Date first, name below (forum post bars): learned from the group, most headers must show it."""
    below = {h.anchor: _name_below(lines, h.anchor) for h in headers if h.start == h.anchor}
    bare = [
        h for h in headers if h.start == h.anchor and not _words_beside_date(lines[h.anchor], _REPLY_TO_TAIL)
    ]
    shown = sum(1 for h in bare if below.get(h.anchor) is not None)
    if not bare or shown < max(_MIN_NAME_BELOW, _NAME_BELOW_SHARE * len(headers)):
        return
    for h in bare:
        name_at = below.get(h.anchor)
        if name_at is None or name_at in sel_set:
            continue
        h.end = name_at
        # A short title line right under the name ("Senior Member") belongs to the header too.
        k = name_at + 1
        if (
            k + 1 < len(lines)
            and k not in sel_set
            and not lines[k].blank_before
            and _is_name_like(lines[k])
            and len(lines[k].core.split()) <= _MAX_TITLE_WORDS
        ):
            h.end = k


def _is_section_end(ln: _Line) -> bool:
    return ln.hint in {"nav", "form"} or (ln.furniture in _END_REASONS and not ln.chrome)
