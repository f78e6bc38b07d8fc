"""Stage 4: the article body (densest run of prose), its title, teaser tails."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Container
from itertools import pairwise

from service.dates import DateHit
from service.parse.lexicon import _ends_sentence
from service.parse.lines import _Line
from service.parse.maintext import TITLE_PARTS, title_part_keys, words_key
from service.parse.unwrap import best_width

log = logging.getLogger(__name__)


# A line whose markup carries a time is a header's when it is short (a name beside the time).
_MAX_STAMP_WORDS = 6


def _markup_times(lines: list[_Line]) -> None:
    """HTML only: a short line that carries a machine-readable time but shows none (a <time datetime>
    that a script fills in, "NAME <time datetime=...></time>") is a date line for the header search."""
    for ln in lines:
        if (
            ln.date is None
            and ln.hint is not None
            and ln.hint.startswith("dt=")
            and ln.furniture is None
            and not ln.chrome
            and not ln.opener
            and len(ln.core.split()) <= _MAX_STAMP_WORDS
            and not _ends_sentence(ln.core)
        ):
            # "NAME • Vorgestern": the cell after the last separator is the time as shown, not the name.
            m = _LAST_CELL.search(ln.core)
            if m is not None:
                ln.date = DateHit(m.start(1), len(ln.core), m[1], "stamp", True)
            else:
                ln.date = DateHit(len(ln.core), len(ln.core), "", "stamp", True)


_LAST_CELL = re.compile(r"\S\s*[•·|]\s*([^•·|\s][^•·|]{0,30})$")


_NON_LATIN = re.compile(r"[^\W\d_\u0000-\u024f\u1e00-\u1eff]")


# A link in another language is short; prose lines (this long or longer) tell the page's script ...
_LINK_MAX_CHARS = 60
# ... and when more than this share of them is in another script, that script is the page's own.
_FOREIGN_PAGE_SHARE = 0.2
# Characters looked at, and the share of letters that must be in another script.
_SCRIPT_SAMPLE_CHARS = 160
_FOREIGN_LETTER_SHARE = 0.5


def _mark_foreign_script(lines: list[_Line]) -> None:
    """A short line in another script than the page ("read this in Arabic" links) is furniture; not a
    dated one, nor the lines in that script right under a dated line: a reader's header and short
    comment in Arabic under an English article (links carry no date)."""
    prose = [ln for ln in lines if len(ln.core) >= _LINK_MAX_CHARS]
    if not prose:
        return
    foreign = sum(1 for ln in prose if not ln.core.isascii() and _mostly_foreign(ln.core))
    if foreign > _FOREIGN_PAGE_SHARE * len(prose):
        return
    under_date = False
    for ln in lines:
        is_foreign = not ln.core.isascii() and _mostly_foreign(ln.core)
        if ln.date is not None:
            under_date = True
        elif not is_foreign:
            under_date = False
        elif ln.furniture is None and len(ln.core) < _LINK_MAX_CHARS and not under_date:
            ln.furniture = "link in another language"


def _mostly_foreign(text: str) -> bool:
    text = text[:_SCRIPT_SAMPLE_CHARS]
    if not _NON_LATIN.search(text):
        return False
    letters = sum(1 for c in text if c.isalpha())
    return letters > 0 and len(_NON_LATIN.findall(text)) > _FOREIGN_LETTER_SHARE * letters


_BULLET_START = re.compile(r"^\s*(?:[•*●◦▪‣·□■☐☆★○◆►▸+-]|\d{1,3}[.)])\s")


_SEPARATORS = re.compile(r"\s[|▪•·›»/]\s")


# Headings that close an article: nothing after them (before the comments) is the article any more.
_BIO_HEADING = re.compile(
    r"about the (?:author|writer)|(?:author|writer)(?:'s)? bio|über (?:den|die) autor|à propos de l'auteur"
    r"|sobre el autor|sull'autore",
    re.I,
)
_END_OF_ARTICLE = re.compile(
    r"before you go|recommended|popular in the community|what'?s hot|trending|most (?:read|popular|viewed|shared)"  # noqa: E501
    r"|related (?:articles|stories|posts|content|coverage)|you (?:may|might) also like|more (?:from|stories|on this)"  # noqa: E501
    r"|read next|up next|top stories|editor'?s picks?|à lire aussi|sur le même sujet|das könnte sie auch|weitere artikel"  # noqa: E501
    r"|about the (?:author|writer)|(?:author|writer)(?:'s)? bio|über (?:den|die) autor|à propos de l'auteur|sobre el autor|sull'autore",  # noqa: E501
    re.I,
)


# Prose scores (line_score): furniture costs most; link bars, bullets and short labels cost a little,
# so a caption or an ad label inside the article does not split it.
_FURNITURE_COST = -4.0
_NAV_COST = -3.0
_LABEL_COST = -2.0
# Link bars have at least this many separators; index lines average under this many chars a word.
_MIN_BAR_SEPARATORS = 3
_MIN_CHARS_PER_WORD = 3.5
# A prose line has this many words (a bulleted line needs _BULLET_PROSE_WORDS) and scores at most
# _MAX_LINE_SCORE, so one long paragraph does not outweigh the rest; a shorter sentence scores half
# its words from _MIN_SENTENCE_WORDS up.
_PROSE_WORDS = 12
_BULLET_PROSE_WORDS = 20
_MAX_LINE_SCORE = 60
_MIN_SENTENCE_WORDS = 6


def _link_bar(core: str) -> bool:
    """ "Home | News | Sports | Contact": a row of links, not prose and not a headline."""
    marked = "|" in core or "•" in core or "·" in core or "▪" in core or "›" in core or "»" in core
    return (marked or " / " in core) and len(_SEPARATORS.findall(core)) >= _MIN_BAR_SEPARATORS


def _line_score(ln: _Line) -> float:
    """Prose scores by its length; chrome, link lists and short labels cost a little (cached)."""
    if ln.score is None:
        ln.score = _line_score_uncached(ln)
    return ln.score


def _line_score_uncached(ln: _Line) -> float:
    if ln.furniture is not None or ln.opener or ln.hint in {"nav", "form", "title"}:
        return _FURNITURE_COST
    words = len(ln.core.split())
    core = ln.core
    if _link_bar(core) or len(core) < _MIN_CHARS_PER_WORD * words:
        return _NAV_COST  # "A | B | C" link bars and letter indexes are navigation, however long
    if words >= _PROSE_WORDS and not (words < _BULLET_PROSE_WORDS and _BULLET_START.match(ln.text)):
        return float(min(words, _MAX_LINE_SCORE))
    if words >= _MIN_SENTENCE_WORDS and _ends_sentence(ln.core):
        return words / 2
    return _NAV_COST if _BULLET_START.match(ln.text) else _LABEL_COST


# The best run of prose must score at least this much to be an article (about three lines of prose).
_MIN_ARTICLE_SCORE = 40.0
# Growing the region over a dip: give up once the detour costs this much, or after this many
# non-prose lines in a row (a caption, an ad label, a short table).
_MAX_DIP_COST = -14.0
_MAX_DIP_LINES = 5
# Wrapped text: at most this many short tail lines finish the region's last sentence ...
_MAX_WRAP_TAIL = 3
# ... when the line above ran to the wrap width.
_WRAP_WIDTH = 55


def _main_region(lines: list[_Line], start: int, end: int) -> tuple[int, int] | None:
    """The article body: the maximum-sum run of line scores (Kadane), then grown over neighbouring
    prose that a short dip (a caption, a table, an ad label) separates from it."""
    scores = [_line_score(lines[j]) for j in range(start, end)]
    _score_article_lists(lines, start, scores)
    # "More from" / "Most read" headings stop the article from growing over the teasers below them.
    barrier = [
        lines[j].furniture == "recommendations" and bool(_END_OF_ARTICLE.match(lines[j].core))
        for j in range(start, end)
    ]
    bio = [barrier[k] and bool(_BIO_HEADING.match(lines[start + k].core)) for k in range(len(barrier))]
    paragraph = [
        sc >= _PROSE_WORDS and bool(_FULL_STOP.search(lines[start + k].core)) for k, sc in enumerate(scores)
    ]
    best = _best_run(scores, bio, paragraph)
    if best is None:
        return None
    a, b = _grow(scores, barrier, *best)
    b_abs = _finish_wrapped(lines, start + a, start + b, end)
    return start + a, _trim_teaser_tail(lines, start + a, b_abs)


# A bulleted list inside the article has 2 to 40 items (a longer one is a menu or an index; a lone
# bulleted line between two lines of prose is a teaser's headline); each of its items scores this
# little, so the region reaches over the list but no list outweighs prose.
_LIST_ITEMS = (2, 40)
# A list that no line introduces, between two prose lines, is a few worked examples at most; a longer
# one is a list of links between the post and the page's footer.
_MAX_UNINTRODUCED_ITEMS = 6
_LIST_ITEM_SCORE = 0.5


def _score_article_lists(lines: list[_Line], start: int, scores: list[float]) -> None:
    """A bulleted list that a prose line introduces ("Allowed steps are:") or that lies between two
    prose lines (worked examples between paragraphs) is the article's: its short items no longer cost
    like a menu, so the region does not stop before it. A menu or a list of links under a heading
    ("Archives", "Related posts") has no prose line right above it."""
    k, n = 0, len(scores)
    while k < n:
        if not _list_item(lines[start + k]):
            k += 1
            continue
        first = k
        while k < n and _list_item(lines[start + k]):
            k += 1
        if first == 0 or not _LIST_ITEMS[0] <= k - first <= _LIST_ITEMS[1] or scores[first - 1] <= 0:
            continue
        introduced = lines[start + first - 1].core.rstrip().endswith(":")
        if introduced or (k < n and scores[k] > 0 and k - first <= _MAX_UNINTRODUCED_ITEMS):
            for j in range(first, k):
                scores[j] = max(scores[j], _LIST_ITEM_SCORE)


def _list_item(ln: _Line) -> bool:
    """A bulleted line with words that is no furniture, link bar or form field ("Title [      ]")."""
    return (
        _BULLET_START.match(ln.text) is not None
        and bool(ln.core)
        and "[" not in ln.text
        and ln.furniture is None
        and not ln.chrome
        and not ln.opener
        and ln.hint not in {"nav", "form", "title"}
        and not _link_bar(ln.core)
    )


# The article comes before the page's other prose: the earliest run that scores at least this share
# of the best run wins over a longer disclaimer, ad policy or sidebar further down (a short post above
# a long "Disclaimer: ..." block). Chosen on the TRAIN split: 0.5 changed six page renderings, each for
# the better (0.3 / 0.4 lost HTML pages, 0.6 / 0.7 found fewer).
_EARLY_SHARE = 0.5
# ... or this share when the earlier run holds a paragraph (a prose line that ends a sentence): a post
# above a disclaimer and a copyright notice. A list of dated headlines above an article holds no
# sentence. Chosen on the TRAIN split: 0.4 changed two text renderings, both for the better.
_EARLY_PARAGRAPH_SHARE = 0.4
# A sentence's full stop, perhaps inside a closing quote ("... in 3 days)" is a headline's ending).
_FULL_STOP = re.compile(r"[.!?…][\"”’»)]?\s*$")


def _best_run(
    scores: list[float], bio: list[bool], paragraph: list[bool] | None = None
) -> tuple[int, int] | None:
    """Kadane's maximum-sum run, or an earlier run of at least _EARLY_SHARE of its score
    (_EARLY_PARAGRAPH_SHARE when it holds a paragraph: `paragraph` marks such lines)."""
    peaks: list[tuple[float, int, int]] = []  # (score, start, end) of each positive stretch's best run
    run, run_start = 0.0, 0
    for k, sc in enumerate(scores):
        if bio[k]:
            run = 0.0  # the article does not run on across "About the author"
            continue
        if run <= 0:
            run, run_start = 0.0, k
        run += sc
        if run <= 0:
            continue
        if peaks and peaks[-1][1] == run_start:
            if run > peaks[-1][0]:
                peaks[-1] = (run, run_start, k + 1)
        else:
            peaks.append((run, run_start, k + 1))
    best = max((total for total, _, _ in peaks), default=0.0)
    if best < _MIN_ARTICLE_SCORE:
        return None
    floor = max(_MIN_ARTICLE_SCORE, _EARLY_SHARE * best)
    low = max(_MIN_ARTICLE_SCORE, _EARLY_PARAGRAPH_SHARE * best)
    return next(
        (a, b)
        for total, a, b in peaks
        if total >= floor or (total >= low and paragraph is not None and any(paragraph[a:b]))
    )


def _grow(scores: list[float], barrier: list[bool], a: int, b: int) -> tuple[int, int]:
    """Grow forward and backward while the detour pays for itself within a bounded dip."""
    for direction in (1, -1):
        acc, k, dip = 0.0, (b if direction == 1 else a - 1), 0
        while 0 <= k < len(scores):
            acc += scores[k]
            dip = dip + 1 if scores[k] < 0 else 0
            if acc < _MAX_DIP_COST or dip > _MAX_DIP_LINES or barrier[k]:
                break
            if acc > 0:
                if direction == 1:
                    b = k + 1
                else:
                    a = k
                acc = 0.0
            k += direction
    return a, b


def _finish_wrapped(lines: list[_Line], a: int, b: int, end: int) -> int:
    """Text dumps wrap paragraphs: a short last line ("reservoir it manages.") scores as a label, but
    it finishes the sentence the region stopped in. (Only where the page shows blank lines.)"""
    if not any(lines[j].blank_before for j in range(a + 1, b)):
        return b
    steps = 0
    while (
        b < end
        and steps < _MAX_WRAP_TAIL
        and not lines[b].blank_before
        and not _ends_sentence(lines[b - 1].core)
        and len(lines[b - 1].core) >= _WRAP_WIDTH
        and (lines[b].text[:1].islower() or _ends_sentence(lines[b].core))
        and lines[b].furniture is None
        and not lines[b].chrome
        and not lines[b].opener
        and lines[b].date is None
    ):
        b += 1
        steps += 1
    return b


# A hard-wrapped dump's width lies in this range (columns); the page must show at least this many line
# breaks, and this share of its breaks after a line of _WRAP_WIDTH or more, that the width explains.
_WRAP_COLUMNS = (_WRAP_WIDTH, 120)
_MIN_WRAPPED_BREAKS = 4
_WRAPPED_BREAK_SHARE = 0.5


def _score_wrapped_paragraphs(lines: list[_Line]) -> None:
    """Text dumps wrapped at a fixed width (lynx, links, html2text: 72-80 columns) cut sentences into
    lines of 9-11 words, each too short to score as prose alone, so the article lost its first lines.
    On such a page, a paragraph (lines between blank lines) wrapped at the page's width (each line but
    the last is full: the next line's first word would not have fitted) that ends a sentence is prose:
    each of its lines scores by its words. Sets the cached scores; call before anything scores lines."""
    width = _wrap_width(lines)
    if width is None:
        return
    start = 0
    for j in range(1, len(lines) + 1):
        if j == len(lines) or lines[j].blank_before:
            if j - start >= 2 and _wrapped_prose(lines[start:j], width):
                for ln in lines[start:j]:
                    if _line_score(ln) == _LABEL_COST:
                        ln.score = float(len(ln.core.split()))
            start = j


def _break(ln: _Line, nxt: _Line) -> tuple[int, int]:
    """The widths a greedy wrap that broke the line here could have had: [line's width, + next word)."""
    w = ln.indent + len(ln.text)
    return w, w + 1 + len(nxt.text.split(maxsplit=1)[0])


def _wrap_width(lines: list[_Line]) -> int | None:
    """The width most of the page's line breaks inside paragraphs are consistent with, when the page
    shows one (a browser dump at 200 columns or an unwrapped one breaks lines where its HTML did)."""
    breaks = (_break(ln, nxt) for ln, nxt in pairwise(lines) if not nxt.blank_before and nxt.text)
    return best_width(breaks, _WRAP_COLUMNS, _MIN_WRAPPED_BREAKS, _WRAPPED_BREAK_SHARE)


def _wrapped_prose(block: list[_Line], width: int) -> bool:
    return (
        all(ln.furniture is None and not ln.chrome and not ln.opener and ln.date is None for ln in block)
        and len({ln.indent for ln in block}) == 1
        and all(a <= width < b for a, b in (_break(ln, nxt) for ln, nxt in pairwise(block)))
        and _ends_sentence(block[-1].core)
    )


def _paragraphs(lines: list[_Line], a: int, b: int) -> list[tuple[int, int]]:
    """Paragraphs of a region: runs of lines between blank lines (text dumps), or single lines when
    the page shows no blank lines at all (HTML, where every block is its own line)."""
    if not any(lines[j].blank_before for j in range(a + 1, b)):
        return [(j, j + 1) for j in range(a, b)]
    out: list[tuple[int, int]] = []
    first = a
    for j in range(a + 1, b):
        if lines[j].blank_before:
            out.append((first, j))
            first = j
    out.append((first, b))
    return out


# A teaser: a headline of 3-14 words, then a one-paragraph summary of 10-40 words.
_TEASER_HEAD_WORDS = (3, 14)
_TEASER_SUMMARY_WORDS = (10, 40)

_MIN_TEASERS = 5


def _trim_teaser_tail(lines: list[_Line], a: int, b: int) -> int:
    """A list of teasers (a headline, then a one-paragraph summary, again and again) right after a short
    article reads as prose too: when at least five such pairs close the region, they are not the
    article. Sections of a long read have subheads too, but rarely one short paragraph each, five
    times in a row, to the very end."""
    end = b  # the region may stop inside a wrapped paragraph's short last line: finish the paragraph
    while (
        end < len(lines)
        and end - b < _MAX_WRAP_TAIL
        and not lines[end].blank_before
        and lines[end].furniture is None
    ):
        end += 1
    paras = _paragraphs(lines, a, end)
    k = len(paras)
    pairs = 0
    while k >= 2:
        (h0, h1), (p0, p1) = paras[k - 2], paras[k - 1]
        head = lines[h0]
        words = sum(len(lines[j].core.split()) for j in range(p0, p1))
        if not (
            h1 - h0 == 1
            and _TEASER_HEAD_WORDS[0] <= len(head.core.split()) <= _TEASER_HEAD_WORDS[1]
            and not _ends_sentence(head.core)
            and head.furniture is None
            and _TEASER_SUMMARY_WORDS[0] <= words <= _TEASER_SUMMARY_WORDS[1]
            and _ends_sentence(lines[p1 - 1].core)
        ):
            break
        pairs += 1
        k -= 2
    if pairs < _MIN_TEASERS or k == 0:
        return b
    return paras[k][0]


_TITLE_REACH = 15


# A standfirst, byline or caption sits at most this many lines above the article's prose.
_LEAD_IN_REACH = 8
# A headline has 3-30 words (text pages: 3-25 when picked before the prose; 6 or more is taken at once).
_HEADLINE_WORDS = (3, 30)
_TITLE_WORDS = (3, 25)
_SURE_TITLE_WORDS = 6
# The title is looked for in the page's first lines, and no further than its first long paragraph.
_TITLE_SEARCH_LINES = 150
_PARAGRAPH_WORDS = 20
# An <h1> shorter than this is an icon or a letter, not a headline.
_MIN_H1_CHARS = 3


def _lead_in(lines: list[_Line], j: int, title_idx: int | None, region_start: int) -> bool:
    """Between the headline and the prose: a standfirst, byline or caption belongs to the article."""
    return (
        title_idx is not None
        and title_idx < j
        and region_start - j <= _LEAD_IN_REACH
        and not _BULLET_START.match(lines[j].text)
    )


_BYLINE = re.compile(r"^(?:by|par|von|posted by|written by)\b", re.I)
# A post's meta line ("Posted at 6:00 am under Cooking, Tips"); a link to the previous or next post
# ("« Faculty position at Waterloo | Main", "Vick saving best for last »", "← Around The Majors");
# columns a text browser glued with runs of spaces ("Previous Article    Check Out More Of Our Geekery").
_POST_META = re.compile(r"posted\b", re.I)
_POST_LINK = re.compile(r"^\s*[«←‹]|[»→›]\s*$")
_COLUMN_GAP = re.compile(r"\S {3,}\S")


def _headline_shaped(ln: _Line, words: int, bounds: tuple[int, int]) -> bool:
    """Text pages: a line of `bounds` words that is no byline, post meta line, link to another post,
    glued columns, bullet or placeholder and does not end like a sentence or a clause."""
    if _BYLINE.match(ln.core) or _BULLET_START.match(ln.text) or "[" in ln.core or _link_bar(ln.core):
        return False
    if _POST_META.match(ln.core) or _POST_LINK.search(ln.core) or _COLUMN_GAP.search(ln.core):
        return False
    return bounds[0] <= words <= bounds[1] and not ln.core.rstrip("\"”'’»").endswith((".", ":", ",", ";"))


def _title_near(lines: list[_Line], region_start: int, skip: Container[int] = ()) -> int | None:
    """Text pages: the headline is the longest headline-like line shortly before the article's prose
    (lines in `skip` are passed: an opening post's header)."""
    best: tuple[int, int] | None = None
    for j in range(region_start - 1, max(-1, region_start - _TITLE_REACH - 1), -1):
        if j in skip:
            continue
        ln = lines[j]
        words = len(ln.core.split())
        if ln.furniture is not None or ln.opener or ln.date is not None or ln.structural:
            continue
        headline = _headline_shaped(ln, words, _HEADLINE_WORDS)
        # On a tie the higher line wins: kickers and captions come below headlines. The page's first
        # line is the exception: a dump opens with the site's name, not with the headline.
        if headline and (best is None or words > best[0] or (words == best[0] and j > 0)):
            best = (words, j)
    return best[1] if best else None


def _title_inside_article(lines: list[_Line], region: tuple[int, int], title_idx: int) -> bool:
    """Text pages: the headline-like line taken for the title lies inside the article's run with more
    of its prose above than below, and no date between that prose and it: it is a line of the article
    ("p.s. Any readers ...!" under the post, a team's line-up), not the headline, and the prose above
    it is no page header. (A headline under a blog's one-line motto has the article below it; one
    under a menu of teasers has its dateline between them.)"""
    a, b = region
    if not a < title_idx < b:
        return False
    a = next((j for j in range(title_idx - 1, a - 1, -1) if lines[j].date is not None), a)
    above = sum(_prose_words(lines[j]) for j in range(a, title_idx))
    return above > sum(_prose_words(lines[j]) for j in range(title_idx + 1, b))


def _prose_words(ln: _Line) -> int:
    return len(ln.core.split()) if _line_score(ln) >= _PROSE_WORDS else 0


# Text pages: the first lines of the article's run, before its first paragraph, may hold the headline
# under a date or a photo credit ("July 24, 2012 12:11 AM" / "Latest Amelia Earhart search falls short").
_LEAD_TITLE_REACH = 6
_LEAD_TITLE_WORDS = (2, 25)
# With no date beside it and no byline under it, the lead's headline has the article's prose within
# this many lines below it (a sidebar's "Posts by Topic" or "Latest News" heads a list) ...
_PROSE_BELOW_REACH = 3
# ... and a longer headline-like line at most this many lines above it is the headline, the lead's
# line a label under it ("View Staff Page" under the post's title).
_HEADLINE_ABOVE_REACH = 3


def _title_in_lead(lines: list[_Line], role: list[str | None], title_idx: int | None) -> int | None:
    """Text pages, once the body is placed: the headline-like line among the body's opening short
    lines, when the title chosen so far lies above it (often the site's name or a teaser) and the line
    heads a post: a date beside it, a byline under it, or the article's prose right below it."""
    body = [j for j, r in enumerate(role) if r == "body"][:_LEAD_TITLE_REACH]
    for j in body:
        ln = lines[j]
        words = len(ln.core.split())
        if words >= _PARAGRAPH_WORDS or (title_idx is not None and j < title_idx):
            return None
        if ln.furniture is not None or ln.opener or ln.chrome or ln.date is not None or ln.structural:
            continue
        headline = _headline_shaped(ln, words, _LEAD_TITLE_WORDS)
        alone = ln.blank_before and (j + 1 >= len(lines) or lines[j + 1].blank_before)  # not a wrapped line
        if headline and alone and (_dated_beside(lines, j) or _heads_prose(lines, role, j, title_idx)):
            return j
    return None


def _dated_beside(lines: list[_Line], j: int) -> bool:
    """A post's head: its date within two lines of the headline."""
    near = range(max(0, j - _DATE_BESIDE_REACH), min(len(lines), j + _DATE_BESIDE_REACH + 1))
    return any(lines[k].date is not None for k in near if k != j)


def _heads_prose(lines: list[_Line], role: list[str | None], j: int, title_idx: int | None) -> bool:
    """A dateless post's head: its byline within two lines below, or (when no headline-like title lies
    close above: the title so far is a site's name, a menu's label or far away) a line of the article's
    prose shortly below; and no longer headline-like line (the title so far) just above it."""
    gap = j - title_idx if title_idx is not None else len(lines)
    above = len(lines[title_idx].core.split()) if title_idx is not None else 0
    headline_above = title_idx is not None and _headline_shaped(lines[title_idx], above, _HEADLINE_WORDS)
    if headline_above and 0 < gap <= _HEADLINE_ABOVE_REACH and above > len(lines[j].core.split()):
        return False
    if any(_BYLINE.match(lines[k].core) for k in range(j + 1, min(len(lines), j + _DATE_BESIDE_REACH + 1))):
        return True
    if headline_above and gap <= _LEAD_IN_REACH:
        return False  # a headline close above: the line is a subheading, a kicker or a video's caption
    if len(lines[j].core.split()) < _HEADLINE_WORDS[0]:
        return False  # "Supported by", "Shop Joielle": a label as often as a headline
    below = range(j + 1, min(len(lines), j + 1 + _PROSE_BELOW_REACH))
    return any(role[k] == "body" and _line_score(lines[k]) >= _PROSE_WORDS for k in below)


_DATE_BESIDE_REACH = 2


def _pick_title(lines: list[_Line], skip: Container[int] = ()) -> int | None:
    """HTML: the <h1> that the <title> repeats, else the first <h1>, else <title>. Text: the longest
    headline-like line (3-25 words, no final period) before the first real paragraph. Lines in `skip`
    (those a comment holds) are never taken."""
    doc_title = next((norm_key(ln.core) for ln in lines if ln.hint == "title"), "")
    h1s = [
        i for i, ln in enumerate(lines) if ln.hint == "h1" and len(ln.core) >= _MIN_H1_CHARS and i not in skip
    ]
    for i in h1s:
        if doc_title and norm_key(lines[i].core) in doc_title:
            return i
    if h1s:
        return h1s[0]
    for i, ln in enumerate(lines):
        if ln.hint == "title" and i not in skip:
            return i
    best: tuple[int, int] | None = None
    for i, ln in enumerate(lines[:_TITLE_SEARCH_LINES]):
        words = len(ln.core.split())
        if words >= _PARAGRAPH_WORDS and best is not None:
            break
        if i in skip:
            continue
        if ln.furniture is not None or ln.opener or ln.chrome or ln.date is not None or ln.structural:
            continue
        if _link_bar(ln.core):
            continue
        if _TITLE_WORDS[0] <= words <= _TITLE_WORDS[1] and not ln.core.rstrip("\"”'’»").endswith(
            (".", ":", ",")
        ):
            if words >= _SURE_TITLE_WORDS:
                return i  # the first headline-sized line: later ones are usually standfirsts
            if best is None or words > best[0]:
                best = (words, i)
    return best[1] if best else None


def _metadata_title(
    lines: list[_Line], role: list[str | None], title_idx: int | None, headline: str | None, stop: int
) -> int | None:
    """HTML: the line that spells the headline trafilatura reads from the page's metadata (og:title,
    JSON-LD, ...), when the document <title> carries all its words and the line comes before the
    comments. Blogs put the site's name in the <h1> and the post's title in an <h2>."""
    key = words_key(headline or "")
    if not key:
        return None
    doc = next((ln.core for ln in lines if ln.hint == "title"), "")
    if Counter(key.split()) - Counter(words_key(doc).split()):
        return None  # the metadata names something the <title> does not: a widget's or the site's
    if title_idx is not None and words_key(lines[title_idx].core) == key:
        return None
    for j in range(min(stop, len(lines))):
        if lines[j].hint != "title" and role[j] not in _COMMENT_ROLES and words_key(lines[j].core) == key:
            return j
    return None


_COMMENT_ROLES = frozenset({"header", "text"})
# The furniture whose phrases are words a real headline opens with ("Newsletter subscribers fall ...",
# "Sign up rates ...", "Follow us into ..."). The other tables' are labels ("Tags:", "You are here:",
# "Previous post:", "©2012 ..."): let through too, they took the headline's place on Dragnet TRAIN pages.
_HEADLINE_LIKE_REASONS = frozenset({"newsletter and subscription"})


def _title_the_document_repeats(
    lines: list[_Line], role: list[str | None], title_idx: int | None, stop: int
) -> int | None:
    """Text that carries the document <title> (BeautifulSoup's get_text, service.parse.soup): the line
    below it, before the comments, that the <title> spells in full in the most words ("Otters return
    to the lower river" under "Otters return to the lower river - The Valley Courier", not the site's
    name) is the headline, as HTML takes the <h1> the <title> repeats. The title taken before is
    displaced; none found, it stays."""
    doc_idx = next((i for i, ln in enumerate(lines) if ln.hint == "title"), None)
    if doc_idx is None:
        return title_idx
    doc = f" {words_key(lines[doc_idx].core)} "
    best: tuple[int, int] | None = None  # (words, line)
    for j in range(doc_idx + 1, min(stop, len(lines))):
        words = words_key(lines[j].core).split()
        if role[j] in _COMMENT_ROLES or len(words) < _TITLE_WORDS[0] or f" {' '.join(words)} " not in doc:
            continue
        if best is None or len(words) > best[0]:
            best = (len(words), j)
    if best is None or best[1] == title_idx:
        return title_idx
    if title_idx is not None:
        role[title_idx] = "document title" if title_idx == doc_idx else "page header before the article"
    role[best[1]] = "title"
    return best[1]


def _title_beside_site_name(
    lines: list[_Line], role: list[str | None], title_idx: int | None, stop: int
) -> int | None:
    """HTML: when the <h1> taken for the headline is one part of the document <title> ("TOPIC -
    Valley Forum" over an <h1> "Valley Forum") and a line before the comments spells the title's other
    part below the <h1>, in more words than the <h1> has, that line is the headline and the <h1> the
    site's name (forums, blogs: the site's name heads the page). A headline <h1> beside a shorter site
    name ("Headline - The Paper"), or under a line that spells the site's name, stays."""
    if title_idx is None or lines[title_idx].hint != "h1":
        return None
    doc = next((ln.core for ln in lines if ln.hint == "title"), "")
    parts = title_part_keys(doc)
    h1 = words_key(lines[title_idx].core)
    others = [key for key in parts if key != h1]
    if len(others) != 1 or len(others) == len(parts) or len(others[0].split()) <= len(h1.split()):
        return None
    for j in range(title_idx + 1, min(stop, len(lines))):
        if role[j] not in _COMMENT_ROLES and words_key(lines[j].core) == others[0]:
            return j
    return None


def norm_key(text: str) -> str:
    return " ".join(text.casefold().split())


# A link to another post is a short line: a French paragraph that opens with « runs on.
_MAX_POST_LINK_WORDS = 40
_LINK_BAR_SEPARATOR = " | "


def _post_link(core: str) -> bool:
    """A link to the previous or next post ("« Older post", "Newer post »", "← Around The Majors",
    "« Tips on how to ... | Main | Stop Stealing Dreams »"), not a line quoted in guillemets
    ("« Nous sommes prêts », a-t-il dit"): one that opens with « holds no », one that ends with » holds
    no « (unless a link bar's " | " joins the two links)."""
    if not _POST_LINK.search(core) or len(core.split()) > _MAX_POST_LINK_WORDS:
        return False
    opens, closes = core.lstrip().startswith(("«", "‹")), core.rstrip().endswith(("»", "›"))
    paired = ("«" in core and "»" in core) or ("‹" in core and "›" in core)
    return not paired or (opens and closes and _LINK_BAR_SEPARATOR in core)


def _drop_post_links(lines: list[_Line], role: list[str | None], stop: int) -> None:
    """Text: the body lines of a paragraph that are all links to other posts (a blog's "« previous |
    next »" row, a list of teasers each ending in "»") are navigation, wherever they lie in the body.
    Only all of a paragraph's body lines: the first line of a quotation w3m wrapped opens with « too."""
    j = 0
    while j < stop:
        k = j + 1
        while k < stop and not lines[k].blank_before:
            k += 1
        body = [i for i in range(j, k) if role[i] in {None, "body"}]
        if body and all(_post_link(lines[i].core) for i in body):
            for i in body:
                role[i] = "link to another post"
        j = k


# Words no headline is made of: a log-in, subscription or feed box, skip links, a scroller's buttons
# ("Keep me logged in", "RSS Feed or, Subscribe via Email", "Scroll Left Scroll Right"), a section's
# "Real Estate » More" link, a form field or image placeholder ("[ ]Keep me logged in").
_CHROME_TITLE = re.compile(
    r"\b(?:rss|subscribe|log ?in|logged in|sign ?in|sign ?up|newsletter|scroll (?:left|right)|skip to"
    r"|s'abonner|abonnez-vous|connexion|se connecter|anmelden|abonnieren|suscr[ií]bete|iniciar sesi[oó]n"
    r"|accedi|iscriviti)\b|»\s*more\s*$|^\s*\[",
    re.I,
)


def _chrome_title(core: str) -> bool:
    """Text: a line taken for the title that is the page's chrome, not a headline."""
    return bool(_CHROME_TITLE.search(core))


# A real headline may hold a chrome word ("Google kills its RSS reader"); the article then repeats
# most of its longer words, which chrome's rarely are. Dragnet train text dumps: every chrome title
# has at most 3 in 4 of its words of 4+ letters in the body; 57 % of the right titles have 4 in 5.
_TITLE_ECHO_SHARE = 0.8
_ECHO_WORD_CHARS = 4  # shorter words ("in", "to", "the") are echoed by any body
_ECHO_PREFIX = 5  # a word's first five letters: "closes" echoes "close", "subscribers" "subscription"
_WORD = re.compile(r"\w+")


def _echoed_by_body(lines: list[_Line], role: list[str | None], title_idx: int) -> bool:
    """Text: most of the title's longer words recur in the body's lines, as a headline's do."""
    return _echoed_by(
        lines, title_idx, [i for i, r in enumerate(role) if i != title_idx and r in {None, "body"}]
    )


def _echoed_by(lines: list[_Line], idx: int, others: list[int]) -> bool:
    """Most of line `idx`'s longer words recur (by their first letters) in the lines `others`."""
    words = [w for w in _WORD.findall(lines[idx].core.lower()) if len(w) >= _ECHO_WORD_CHARS]
    if not words:
        return False
    seen = {w[:_ECHO_PREFIX] for i in others for w in _WORD.findall(lines[i].core.lower())}
    return sum(w[:_ECHO_PREFIX] in seen for w in words) >= _TITLE_ECHO_SHARE * len(words)


# A line the furniture tables match with at most this many words is a whole call to action ("Sign up
# for our newsletter", "Follow us on Twitter", "Subscribe to Dennys News"): it is a headline only when
# the document <title> (or a text dump's first line) repeats it or it is the page's <h1>.
_MAX_CALL_WORDS = 5


def _unmark_furniture_headlines(lines: list[_Line], fmt: str) -> dict[int, str]:
    """A real headline may open like furniture ("Newsletter subscribers fall as readers drift away",
    "Follow us into the forest: ..."). Among the lines the title search reads, a headline-shaped one the
    furniture tables matched is cleared for the title rules when the page names it: the document
    <title> (BeautifulSoup's first line too) or, in text with no <title>, the dump's first line spells
    it in full, or it is the <h1>; in text also when it is longer than a call to action and most of its
    longer words recur in the page's prose, as a headline's do in its article. Returns the cleared
    lines' reasons: the ones not taken as the title get theirs back (`_restore_furniture`)."""
    candidates = [
        i
        for i, ln in enumerate(lines[:_TITLE_SEARCH_LINES])
        if ln.furniture in _HEADLINE_LIKE_REASONS
        and ln.hint != "title"
        and _headline_shaped(ln, len(ln.core.split()), _TITLE_WORDS)
    ]
    if not candidates:
        return {}
    named_by = _document_title_names(lines, fmt)
    prose = [i for i, ln in enumerate(lines) if ln.furniture is None and len(ln.core.split()) >= _PROSE_WORDS]
    cleared: dict[int, str] = {}
    for i in candidates:
        ln = lines[i]
        named = ln.hint == "h1" or named_by(words_key(ln.core))
        echoed = fmt == "text" and len(ln.core.split()) > _MAX_CALL_WORDS and _echoed_by(lines, i, prose)
        if named or echoed:
            cleared[i] = ln.furniture or ""
            ln.furniture = None
    return cleared


def _document_title_names(lines: list[_Line], fmt: str) -> Callable[[str], bool]:
    """Whether the page's document title spells a line (its words key): the <title> (HTML, and
    BeautifulSoup's first line) holds it in full; a text dump's first line shaped like a <title>
    ("Headline | Site") has it as one of its parts."""
    doc = next((ln.core for ln in lines if ln.hint == "title"), None)
    if doc is not None:
        padded = f" {words_key(doc)} "
        return lambda key: f" {key} " in padded
    parts = (
        {words_key(part) for part in TITLE_PARTS.split(lines[0].core)} if fmt == "text" and lines else set()
    )
    return lambda key: len(parts) > 1 and key in parts


def _restore_furniture(
    lines: list[_Line], role: list[str | None], cleared: dict[int, str], title_idx: int | None
) -> None:
    """The lines `_unmark_furniture_headlines` cleared that did not become the title are furniture
    again, with their reason (a line a comment's text holds stays there)."""
    for i, reason in cleared.items():
        if i == title_idx:
            continue
        lines[i].furniture = reason
        if role[i] not in _COMMENT_ROLES:
            role[i] = reason


def _title_in_body(lines: list[_Line], role: list[str | None], stop: int) -> int | None:
    """Text, when the title was chrome: the first headline-like line of the body before its first
    paragraph, if any."""
    for j in range(min(stop, len(lines))):
        if role[j] not in {None, "body"}:
            continue
        ln = lines[j]
        words = len(ln.core.split())
        if words >= _PARAGRAPH_WORDS:
            return None
        if ln.date is None and _headline_shaped(ln, words, _TITLE_WORDS) and not _chrome_title(ln.core):
            return j
    return None
