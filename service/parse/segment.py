"""Stage 5: assemble the Article and account for every input line (roles)."""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from statistics import median_high

from core.errors import MalformedInputError, TooLargeError
from core.records import Article, Comment, Dropped, PageFormat
from service.html import CONTROLS_HINT
from service.parse.body import (
    _chrome_title,
    _drop_post_links,
    _echoed_by_body,
    _lead_in,
    _main_region,
    _mark_foreign_script,
    _markup_times,
    _metadata_title,
    _pick_title,
    _restore_furniture,
    _score_wrapped_paragraphs,
    _title_beside_site_name,
    _title_in_body,
    _title_in_lead,
    _title_inside_article,
    _title_near,
    _title_the_document_repeats,
    _unmark_furniture_headlines,
)
from service.parse.comments import (
    _PLACEHOLDER,
    _PLUS_ONE,
    _authors,
    _footer_stamp,
    _last_comment_end,
    _leading_menu,
    _level_labels,
    _merge_quoted_headers,
    _move_subject_lines,
    _numeric_order,
    _page_order,
    _parents,
    _posted_at,
    _profile_lines,
    _reply_lines,
    _reply_markers,
    _tail_lines,
)
from service.parse.counters import declared_count
from service.parse.footnames import _names_above_text
from service.parse.headers import _drop_quoted_headers, _find_headers, _Header, _is_reply_row
from service.parse.lexicon import _GAP_BULLET, _TRAILING_CHROME, SORT_LABELS
from service.parse.linemodel import LineModel
from service.parse.lines import (
    _classify,
    _date_after_separator_line,
    _is_prose,
    _join_wrapped_openers,
    _Line,
    _split_counter_stamps,
    _split_leading_stamps,
    _unglue_cues,
    _unmark_feed_links,
    _unmark_form_labels,
)
from service.parse.maintext import MIN_RECOVERED_CHARS, words_key
from service.parse.misses import missed_comment_warnings
from service.parse.posts import _REPLY_SUBJECT, _is_first_post, _numbered_posts, _post_number
from service.parse.quotes import Paragraph, mark_quotes, paragraphs
from service.parse.rows import learn_stamps, mark_repeated_rows
from service.parse.sectiongate import SectionGate
from service.parse.sectiongate import features as section_features
from service.parse.signatures import signature_lines
from service.parse.undated import _add_dateless_headers, _authored_headers, _listed_headers, _undated_headers
from service.settings import Limits

log = logging.getLogger(__name__)


def segment(raw_lines: list[tuple[str, int, str | None]], *, source: str, fmt: PageFormat,
            limits: Limits) -> Article:  # fmt: skip
    return segment_with_roles(raw_lines, source=source, fmt=fmt, limits=limits)[0]


def _mark_quoted(lines: list[_Line], quoted: Sequence[int]) -> None:
    """Each line's <blockquote>s, from its input line's (HTML; none in text)."""
    for ln in lines if quoted else ():
        ln.quote = quoted[ln.src]


# A reply row closing most blocks means the last block also ends at its reply row: the share of
# blocks that must show one before the last comment's end is cut there.
_REPLIED_SHARE = 0.6
# A one-off furniture-looking line inside a comment is chrome only when short: a longer line
# ("Share on Facebook if you agree!!!") is what the reader wrote.
_CHROME_MAX_CHARS = 60
# ... and when it is a label of at most this many words, or the page's template (seen twice).
_CHROME_LABEL_WORDS = 3
# Alt text shown as a caption has a few words; a longer lower-case line is someone's prose.
_MAX_ALT_WORDS = 6
_KEEP_IN_COMMENTS = frozenset({None, "site chrome", "link in another language"})


@dataclass(slots=True)
class _Section:
    """The comment section found on a page: its headers and where it starts and stops."""

    headers: list[_Header]
    opener: int | None
    mode: str  # "header" (header above the text) or "footer" (stamp below it)
    start: int
    end: int
    blocks: list[tuple[_Header, list[int]]] = field(default_factory=list)
    opening_post: bool = False  # a forum topic's first post was taken for the article
    # The opening post's header when it holds its poster's profile: no part of the article.
    opening_header: _Header | None = None


def segment_with_roles(
    raw_lines: list[tuple[str, int, str | None]],
    *,
    source: str,
    fmt: PageFormat,
    limits: Limits,
    main_text: str | None = None,
    main_title: str | None = None,
    line_model: LineModel | None = None,
    section_gate: SectionGate | None = None,
    collect: list[tuple[list[_Line], list[str | None], int, int | None]] | None = None,
    collect_section: list[tuple[list[float], list[Comment]]] | None = None,
    quoted: Sequence[int] = (),
) -> tuple[Article, list[tuple[int, str, str]]]:
    """The Article, and where every piece of every non-blank input line went: (input line index, text,
    place) with place "title", "body", "header", "text" or a drop reason. Used to prove nothing is lost.

    `main_text` (HTML: a main-text extractor's words, see maintext.py) narrows the body to the lines it
    holds and takes back the lines it holds that the rules dropped before the comment section.
    `line_model` (linemodel.py) then drops body lines that read like furniture. `section_gate`
    (sectiongate.py) rejects a comment section that reads like page content (a dated list of articles):
    its lines are then placed as on a page without comments. Once the body is placed, `main_title`
    (HTML: the extractor's metadata headline) or, in text, a headline at the body's top with its date
    beside it replaces a title that was the site's name. `collect` (training) receives the lines,
    their roles before the line model, the comment section's start and the title; `collect_section`
    the section's feature row and its comments, before the gate. `quoted` (HTML): per input line, the
    <blockquote>s holding it; in a comment, the lines deeper in them than its own text are a quote."""
    attempt = functools.partial(
        _segment_once, raw_lines, source=source, fmt=fmt, limits=limits, main_text=main_text,
        main_title=main_title, line_model=line_model, section_gate=section_gate, quoted=quoted,
    )  # fmt: skip
    rows: list[tuple[list[_Line], list[str | None], int, int | None]] = []
    sections: list[tuple[list[float], list[Comment]]] = []
    article, roles, titled = attempt(
        unmark=True,
        collect=rows if collect is not None else None,
        collect_section=sections if collect_section is not None else None,
    )
    if titled is False:
        # Furniture-looking lines were let through to the title rules and none became the title: the
        # page reads as if they had stayed furniture (they had moved the body and the line model).
        rows, sections = [], []
        article, roles, _ = attempt(
            unmark=False,
            collect=rows if collect is not None else None,
            collect_section=sections if collect_section is not None else None,
        )
    if collect is not None:
        collect.extend(rows)
    if collect_section is not None:
        collect_section.extend(sections)
    return article, roles


def _segment_once(
    raw_lines: list[tuple[str, int, str | None]],
    *,
    source: str,
    fmt: PageFormat,
    limits: Limits,
    main_text: str | None,
    main_title: str | None,
    line_model: LineModel | None,
    section_gate: SectionGate | None,
    collect: list[tuple[list[_Line], list[str | None], int, int | None]] | None,
    collect_section: list[tuple[list[float], list[Comment]]] | None,
    quoted: Sequence[int],
    unmark: bool,
) -> tuple[Article, list[tuple[int, str, str]], bool | None]:
    """One reading of the page (segment_with_roles). With `unmark`, headline-shaped lines the
    furniture tables matched are let through to the title rules (body._unmark_furniture_headlines);
    the third value says whether one of them became the title (None: there were none)."""
    lines, furniture_heads = _classified_lines(raw_lines, fmt, quoted, unmark)
    if not lines:
        raise MalformedInputError(f"{source}: no text found in the page")
    role: list[str | None] = [None] * len(lines)  # "title", "body", "header", "text", or a drop reason
    title_idx = _pick_title(lines)
    sec = _find_section(lines, title_idx, source, limits)
    declared = declared_count(lines, sec.opener)
    if declared is not None and sec.opening_post:
        declared = max(0, declared - 1)  # a forum's "5 posts" counts the opening post
    comments = _comments(lines, sec, role, dom_depth=fmt == "html") if sec.headers else []
    gate_warning: tuple[str, ...] = ()
    if sec.headers and (section_gate is not None or collect_section is not None):
        row = section_features(
            lines, comments, fmt=fmt, opener=sec.opener, declared=declared, mode=sec.mode,
            start=sec.start, end=sec.end,
        )  # fmt: skip
        if collect_section is not None:
            collect_section.append((row, list(comments)))
        if section_gate is not None and not section_gate.keeps(row):
            gate_warning = (
                f"{len(comments)} dated block(s) that could be comments were read as page content "
                f"(section model: P(comments) = {section_gate.probability(row):.2f})",
            )
            role = [None] * len(lines)
            sec = _Section([], None, sec.mode, len(lines), len(lines))
            comments = []
    title_idx, claimed = _title_outside_comments(lines, role, title_idx)
    # The article is the densest run of prose before the comments; what lies around it is page chrome.
    body_end = sec.start if sec.headers else len(lines)
    for j in _header_lines(sec.opening_header):
        role[j] = "opening post's header"
    region = _main_region(lines, 0 if sec.opening_header is None else sec.opening_header.end + 1, body_end)
    place = _BodyPlacer(lines, sec, body_end, fmt, main_text, line_model)
    placed, title_idx = place(role, region, title_idx, collect)
    if region is not None and not _has_prose(lines, placed):
        # The line model dropped the whole run: a sidebar's prose outscored a short article. The
        # densest run of what is left gets its chance.
        # Else the rules' region stands as it is: the model saw no article anywhere, and an empty
        # body is the one answer sure to be wrong.
        other = _other_region(lines, body_end, region)
        retry, retry_title = place(role, other, _pick_title(lines, claimed), None) if other else ([], None)
        if _has_prose(lines, retry):
            placed, title_idx, region = retry, retry_title, other
        else:
            placed, title_idx = place(role, region, _pick_title(lines, claimed), None, use_model=False)
    if fmt == "html":
        headline = _metadata_title(lines, placed, title_idx, main_title, body_end)
        if headline is None:
            headline = _title_beside_site_name(lines, placed, title_idx, body_end)
    else:
        headline = _title_in_lead(lines, placed, title_idx)
        # once the headline is chosen: the stretch holding it is never an island
        _drop_islands(lines, placed, body_end, (headline, title_idx))
        _drop_post_links(lines, placed, min(body_end, len(lines)))
    if headline is not None:
        if title_idx is not None:
            placed[title_idx] = _displaced_title(lines[title_idx], fmt)
        placed[headline], title_idx = "title", headline
    title_idx = _text_title_settled(lines, placed, title_idx, body_end, fmt)
    _restore_furniture(lines, placed, furniture_heads, title_idx)
    role = placed
    body, dropped = _body_and_dropped(lines, role)
    title = lines[title_idx].core if title_idx is not None else None
    roles = [(ln.src, ln.text, role[j] or "body") for j, ln in enumerate(lines)]
    article = Article(
        source=source,
        format=fmt,
        title=title,
        body="\n".join(body),
        comments=tuple(comments),
        declared_comment_count=declared,
        dropped=tuple(dropped),
        warnings=missed_comment_warnings(
            lines,
            len(comments),
            declared,
            sec.opener,
            sec.headers,
            region[0] if region else 0,
            region[1] if region else 0,
            role,
        )
        + gate_warning,
    )
    return article, roles, (title_idx in furniture_heads if furniture_heads else None)


def _title_outside_comments(
    lines: list[_Line], role: list[str | None], title_idx: int | None
) -> tuple[int | None, set[int]]:
    """The title, and the lines the comment step placed. The title was picked before the comments were
    found: a line they hold (a comment's one-line text, the name above its date) is theirs, and the
    title comes from the other lines."""
    claimed = {j for j, r in enumerate(role) if r is not None}
    return (_pick_title(lines, claimed) if title_idx in claimed else title_idx), claimed


def _body_and_dropped(lines: list[_Line], role: list[str | None]) -> tuple[list[str], list[Dropped]]:
    """The body's lines, and the dropped ones with their reasons, in page order."""
    body: list[str] = []
    dropped: list[Dropped] = []
    for j, ln in enumerate(lines):
        r = role[j] or "body"
        if r == "body":
            body.append(ln.text)
        elif r not in {"title", "header", "text"}:
            dropped.append(Dropped(ln.text, r))
    return body, dropped


def _classified_lines(
    raw_lines: list[tuple[str, int, str | None]], fmt: PageFormat, quoted: Sequence[int], unmark: bool
) -> tuple[list[_Line], dict[int, str]]:
    """The page's classified lines, and (with `unmark`) the furniture-looking headlines let through to
    the title rules, with their furniture reasons."""
    lines = _split_counter_stamps(_split_leading_stamps(_classify(raw_lines)))
    _mark_quoted(lines, quoted)
    _unglue_cues(lines)
    _join_wrapped_openers(lines)
    _unmark_form_labels(lines)
    _unmark_feed_links(lines)
    _date_after_separator_line(lines)
    _mark_foreign_script(lines)
    _markup_times(lines)
    mark_repeated_rows(lines)  # (rows first: a row's "👎 2 Одговори Пријави" is no stamp)
    if learn_stamps(lines):
        mark_repeated_rows(lines)  # ... and the rows under stamps learned
    furniture_heads = _unmark_furniture_headlines(lines, fmt) if unmark else {}
    if fmt == "text":
        _score_wrapped_paragraphs(lines)
    return lines, furniture_heads


def _text_title_settled(
    lines: list[_Line], role: list[str | None], title_idx: int | None, stop: int, fmt: PageFormat
) -> int | None:
    """Text: a title that is site chrome (a log-in or feed box) is dropped; the first headline-like line
    heading the body, if any, takes its place. Then a document <title> the dump carries (BeautifulSoup's)
    names the headline it repeats. HTML's title comes from its markup."""
    if fmt != "text":
        return title_idx
    if (
        title_idx is not None
        and _chrome_title(lines[title_idx].core)
        and not _echoed_by_body(lines, role, title_idx)
    ):
        role[title_idx] = "site chrome"
        title_idx = _title_in_body(lines, role, stop)
        if title_idx is not None:
            role[title_idx] = "title"
    return _title_the_document_repeats(lines, role, title_idx, stop)


def _displaced_title(ln: _Line, fmt: PageFormat) -> str:
    """Where a title goes when a better headline replaces it."""
    if fmt == "text":
        return "page header before the article"
    return "document title" if ln.hint == "title" else "site name"


@dataclass(slots=True)
class _BodyPlacer:
    """Gives each line outside the comments its role around one article region, then lets the
    main-text extractor and the line model narrow the body."""

    lines: list[_Line]
    sec: _Section
    body_end: int
    fmt: PageFormat
    main_text: str | None
    line_model: LineModel | None

    def __call__(
        self,
        role_in: list[str | None],
        region: tuple[int, int] | None,
        title_idx: int | None,
        collect: list[tuple[list[_Line], list[str | None], int, int | None]] | None,
        *,
        use_model: bool = True,
    ) -> tuple[list[str | None], int | None]:
        lines, sec = self.lines, self.sec
        role = list(role_in)
        if region is not None and self.fmt == "text":
            # The headline sits just above the article; a line far above it is the site's name or a menu.
            near = _title_near(lines, region[0], _header_lines(sec.opening_header))
            if near is not None:
                title_idx = near
            elif title_idx is not None and _title_inside_article(lines, region, title_idx):
                title_idx = None
        if title_idx is not None and role[title_idx] is not None:
            title_idx = None  # a line the comments hold is not the title as well
        if title_idx is not None:
            role[title_idx] = "title"
        for j in range(len(lines)):
            role[j] = role[j] or _leftover_role(lines, j, sec, region, self.body_end, title_idx, self.fmt)
        if self.main_text is not None:
            _narrow_to_main_text(lines, role, self.body_end, title_idx, self.main_text)
        if collect is not None:
            collect.append((lines, list(role), sec.start, title_idx))
        if use_model and self.line_model is not None:
            self.line_model.drop_unlikely_body(self.fmt, lines, role, sec.start)
        return role, title_idx


# Body lines this many non-body lines or more apart belong to different stretches of the page: a run
# of dropped furniture (a related-posts box, a share bar, a sidebar) lies between them. Train: from 8
# to 20 lines the figures hardly move.
_ISLAND_GAP = 10
# A stretch under this share of the largest stretch's words is an island of prose in the page's
# furniture (an author's bio, a "about this blog" box, a sidebar blurb), not the article.
_ISLAND_SHARE = 0.5


def _drop_islands(
    lines: list[_Line], role: list[str | None], body_end: int, titles: tuple[int | None, ...] = ()
) -> None:
    """Text: once the body is placed and the headline chosen (`titles`: the first that is not None),
    the stretch of body lines holding most words is the article; a smaller stretch cut off from it by a
    long run of lines that are not the article goes too. The stretches holding a title stay, and so does
    one that opens with the headline repeated (its standfirst under it, a byline and share bar between
    it and the article)."""
    title = next((t for t in titles if t is not None), None)
    title_key = words_key(lines[title].core) if title is not None else ""
    stretches: list[list[int]] = []
    gap = _ISLAND_GAP
    for j in range(min(body_end, len(lines))):
        if role[j] in {None, "body", "title"}:
            if gap >= _ISLAND_GAP:
                stretches.append([])
            stretches[-1].append(j)
            gap = 0
        else:
            gap += 1
    if len(stretches) < 2:
        return
    words = [sum(len(lines[j].core.split()) for j in s if role[j] != "title") for s in stretches]
    top = max(words)
    for s, w in zip(stretches, words, strict=True):
        head = words_key(lines[s[0]].core)
        if head and f" {head} " in f" {title_key} ":
            continue
        if w < _ISLAND_SHARE * top and all(role[j] != "title" and j not in titles for j in s):
            for j in s:
                role[j] = "not the article (apart from it)"


# A body with no line of this many words holds no article prose (menus and labels at most).
_PROSE_WORDS = 8


def _has_prose(lines: list[_Line], role: list[str | None]) -> bool:
    return any(r == "body" and lines[j].core.count(" ") >= _PROSE_WORDS - 1 for j, r in enumerate(role))


def _other_region(lines: list[_Line], body_end: int, region: tuple[int, int]) -> tuple[int, int] | None:
    """The densest run before or after a rejected region (the longer of the two when both exist)."""
    found = [r for r in (_main_region(lines, 0, region[0]), _main_region(lines, region[1], body_end)) if r]
    return max(found, key=lambda r: sum(len(lines[j].core) for j in range(*r)), default=None)


def _header_lines(h: _Header | None) -> range:
    return range(0) if h is None else range(h.start, h.end + 1)


def _find_section(lines: list[_Line], title_idx: int | None, source: str, limits: Limits) -> _Section:
    headers, opener, mode = _find_headers(lines, title_idx)
    if not headers:
        headers, opener = _undated_headers(lines, title_idx)
    if not headers:
        headers, opener = _listed_headers(lines, title_idx)
    if not headers:
        headers, opener = _authored_headers(lines, title_idx)
    if headers and mode == "header":
        headers = _add_dateless_headers(lines, headers)
        headers = _drop_quoted_headers(lines, headers)
    opening_post = _is_opening_post(lines, headers)
    opening_header = None
    if opening_post:
        # A count above the opening post is the topic's.
        opening_header = headers[0] if headers[0].name is not None else None
        headers, opener = headers[1:], None
    if len(headers) > limits.max_comments_per_page:
        raise TooLargeError(
            f"{source}: {len(headers):,} comments is over the limit of "
            f"{limits.max_comments_per_page:,} per page"
        )
    headless_footers = mode == "footer" and opener is None  # the first footer's text starts the section
    if headless_footers:
        headers = _drop_leading_stamps(lines, headers)
    n = len(lines)
    start = n
    if headless_footers and headers:
        start = _first_footer_text(lines, headers, title_idx)
    elif headers:
        start = headers[0].start if opener is None else opener
    return _Section(headers, opener, mode, start, n, opening_post=opening_post, opening_header=opening_header)


# A footer section with no heading may start with a dated line of another kind: the article's "UPDATE
# <date>" above "Posted by: NAME | DATE" footers. It is dropped from the headers when at least this many
# footers that follow it all begin with one word its own words never show, and at most this many lead.
_MIN_STAMP_EVIDENCE = 3
_MAX_LEADING_STAMPS = 2


def _lead_words(ln: _Line) -> list[str]:
    """The lower-cased words before a line's date."""
    return ln.core[: ln.date.start if ln.date is not None else len(ln.core)].lower().split()


def _drop_leading_stamps(lines: list[_Line], headers: list[_Header]) -> list[_Header]:
    words = [_lead_words(lines[h.anchor]) for h in headers]
    for k in range(1, _MAX_LEADING_STAMPS + 1):
        rest = words[k:]
        if len(rest) < _MIN_STAMP_EVIDENCE or not rest[0]:
            break
        lead = rest[0][0]
        constant = lead.strip(":").isalpha() and all(w and w[0] == lead for w in rest)
        if constant and not any(lead in w for w in words[:k]):
            return headers[k:]
    return headers


def _first_footer_text(lines: list[_Line], headers: list[_Header], title_idx: int | None) -> int:
    """Where the first comment's text starts when no heading opens a footer section: the paragraph right
    above its footer (a footer closes its comment), no longer than the typical text between two of the
    page's footers (the median: the last one may run to the page's end). Starting at the footer left that
    text in the body and the first comment empty."""
    first = headers[0].start
    typical = median_high([b.start - a.end - 1 for a, b in pairwise(headers)] or [0])
    floor = max(-1 if title_idx is None else title_idx, first - 1 - typical)
    j = first
    while j - 1 > floor:
        ln = lines[j - 1]
        if ln.date is not None or ln.opener or ln.chrome or ln.furniture is not None:
            break
        j -= 1
        if ln.blank_before:
            break
    return j


# A forum topic's replies: at least this many "Re: TITLE" lines, for at least this share of the posts.
_MIN_REPLY_SUBJECTS = 2
_REPLY_SUBJECT_SHARE = 0.5
# The opening post's own subject line stands at most this many lines above its header.
_SUBJECT_REACH = 8
# The topic's title above the posts, or the document title's "TITLE - Forum name".
_TITLE_SEPARATORS = (" - ", " | ", " :: ", " • ", " – ")


# The first header's text is the article when it holds at least this many lines of prose and this many
# times the longest other comment's (a news forum that prints the byline as a posting's header: "NAME
# 17. Jänner 2024, 06:00" over the article, then the postings).
_MIN_ARTICLE_PROSE = 8
_ARTICLE_OVER_COMMENT = 2


def _article_under_first(lines: list[_Line], headers: list[_Header]) -> bool:
    starts = [h.start for h in headers[1:]] + [len(lines)]

    def prose(k: int) -> int:
        return sum(1 for j in range(headers[k].end + 1, starts[k]) if _is_prose(lines[j]))

    first = prose(0)  # (most first comments are short: the others are not counted then)
    return first >= _MIN_ARTICLE_PROSE and first >= _ARTICLE_OVER_COMMENT * max(
        map(prose, range(1, len(headers)))
    )


def _is_opening_post(lines: list[_Line], headers: list[_Header]) -> bool:
    """Whether the first header is a forum topic's opening post (the article): it is post #1 with no
    prose above it, or the replies' subject lines read "Re: TITLE", the first post's reads TITLE, and
    TITLE heads the page above it (a Slashdot-like thread, where replies answer the first comment's
    own subject, keeps that comment)."""
    if len(headers) < _MIN_REPLY_SUBJECTS + 1:
        return False
    first, second = headers[0].start, headers[1].start
    numbered = _is_first_post(lines, headers[0].anchor) and _post_number(lines, headers[1].anchor) == 2
    # Post #1, or a byline that reads like a comment header over the article as its text, with no
    # article above it (the region search last: it is the dearer test).
    if (numbered or _article_under_first(lines, headers)) and _main_region(lines, 0, first) is None:
        return True
    replies = Counter(
        m["subject"].strip().casefold()
        for ln in lines[first:]
        if len(ln.core) <= _MAX_SUBJECT_CHARS and (m := _REPLY_SUBJECT.fullmatch(ln.core))
    )
    if not replies:
        return False
    title, count = replies.most_common(1)[0]
    if count < max(_MIN_REPLY_SUBJECTS, _REPLY_SUBJECT_SHARE * (len(headers) - 1)):
        return False
    own = [j for j in range(max(0, first - _SUBJECT_REACH), second) if lines[j].core.casefold() == title]
    if not own or any(
        _REPLY_SUBJECT.fullmatch(lines[j].core) or _is_prose(lines[j]) for j in range(own[-1] + 1, first)
    ):
        return False  # (prose under TITLE: the opening post stands above the first header, unread)
    heads = (title, *(title + sep for sep in _TITLE_SEPARATORS))
    return any(ln.core.casefold() == title or ln.core.casefold().startswith(heads) for ln in lines[: own[-1]])


def _split_blocks(lines: list[_Line], sec: _Section, role: list[str | None]) -> None:
    """Each header with the lines that belong to it; sets sec.blocks and sec.end."""
    headers, n = sec.headers, len(lines)
    blocks: list[tuple[_Header, list[int]]] = []
    if sec.mode == "header":
        for k, h in enumerate(headers):
            stop = headers[k + 1].start if k + 1 < len(headers) else n
            if k + 1 == len(headers):
                replied = sum(1 for _, idx in blocks if any(_is_reply_row(lines[j]) for j in idx))
                stop = _last_comment_end(
                    lines, h.end + 1, stop, replied >= max(1, _REPLIED_SHARE * len(blocks))
                )
            blocks.append((h, list(range(h.end + 1, stop))))
            sec.end = stop
        blocks = _move_subject_lines(lines, blocks, role)
    else:
        prev = (sec.opener + 1) if sec.opener is not None else sec.start
        # The house rules or the comment box stand above the first comment, not in it: its text starts
        # after the last of them ("Newest Oldest" / "View all" / "The comments below are moderated").
        for j in range(headers[0].start - 1, prev - 1, -1):
            if lines[j].opener or lines[j].furniture in _SECTION_FURNITURE:
                prev = j + 1
                break
        # A second heading ("Reader Comments (1)"), the sort menu and the comment box ("Sortieren nach
        # ...", "Schreibe einen Kommentar") come before the first comment's text.
        while prev < headers[0].start and (
            lines[prev].opener or lines[prev].furniture is not None or _sort_choice(lines, prev)
        ):
            prev += 1
        for h in headers:
            blocks.append((h, list(range(prev, h.start))))
            prev = h.end + 1
        sec.end = prev
    sec.blocks = blocks


_SECTION_FURNITURE = frozenset({"comment form", "comment policy"})
_MAX_SUBJECT_CHARS = 200  # a subject line is a title, not a paragraph
_SORT_MENU = re.compile(rf"(?:{SORT_LABELS})\W*$", re.I)
_MAX_SORT_CHOICE_WORDS = 3


def _sort_choice(lines: list[_Line], j: int) -> bool:
    """The sort menu's choice on a line of its own after "Sort by" ("Top", "Newest"): a text dump of
    a comment widget's menu. A choice beside its label ("Sort by Top") is furniture already."""
    ln = lines[j]
    return (
        j > 0
        and lines[j - 1].furniture is not None
        and bool(_SORT_MENU.search(lines[j - 1].core))
        and ln.date is None
        and len(ln.core.split()) <= _MAX_SORT_CHOICE_WORDS
    )


def _footer_levels(lines: list[_Line], blocks: list[tuple[_Header, list[int]]]) -> list[int]:
    """A text layout's footers nest with their comments ("Like · Reply · 2d" indented under each
    reply) when every comment sits the same way against its footer: its least indented line the same
    columns from it. Footers aligned right, or columns of a page layout, place text anyhow."""
    indents = [lines[h.start].indent for h, _ in blocks]
    offsets = {min(lines[j].indent for j in idx) - lines[h.start].indent for h, idx in blocks if idx}
    if len(set(indents)) <= 1 or len(offsets) != 1:
        return [0] * len(blocks)
    return indents


def _comments(
    lines: list[_Line], sec: _Section, role: list[str | None], *, dom_depth: bool = False
) -> list[Comment]:
    """The comments of the section; marks the role of every line inside it. `dom_depth`: the lines'
    indents are their depth in the page's markup (HTML input), not a text layout's columns."""
    _split_blocks(lines, sec, role)
    header_reply_to: dict[int, str] = {}
    authors = _authors(lines, sec.headers, header_reply_to)
    if sec.mode == "header":
        sec.blocks, authors = _merge_quoted_headers(lines, sec.blocks, authors)
    else:
        sec.blocks, authors = _names_above_text(lines, sec.blocks, authors, role)
    blocks = sec.blocks
    numeric_order = _numeric_order([lines[h.anchor].date for h, _ in blocks]) or _page_order(lines)
    # Indentation shows threads in header mode. In HTML a block's least nested line is the comment's
    # depth; in a text dump a block's least indented line may be page furniture it swallowed (every
    # other comment would become its reply), so footers nest only as _footer_levels allows.
    if sec.mode == "header":
        levels = [lines[h.start].indent for h, _ in blocks]
    elif dom_depth:
        levels = [min(lines[j].indent for j in [*idx, h.start]) for h, idx in blocks]
    else:
        levels = _footer_levels(lines, blocks)
    levels = _level_labels(lines, [h for h, _ in blocks]) or levels
    parents = _parents(levels)
    block_reply_to = _reply_lines(lines, blocks, authors)  # before the texts: its lines become chrome
    ctx = _BlockContext(
        profile=_profile_lines(lines, blocks) | _tail_lines(lines, blocks, authors),
        # A forum topic's (its opening post taken, or its posts numbered): elsewhere the same last line
        # under one reader's comments is an unread button row or a sign-off ("Toñi.") kept as written.
        signature=signature_lines(lines, blocks, authors) if _forum_topic(lines, sec) else set(),
        seen_on_page=Counter(ln.core for ln in lines if ln.furniture is not None),
        # An image placeholder right above a header ("[avatar]" / "Par NAME, le DATE") is its avatar.
        avatar_at={h.start for h, _ in blocks if not lines[h.start].blank_before},
        dom_depth=dom_depth,
    )
    comments: list[Comment] = []
    layouts: list[list[Paragraph]] = []  # per comment, its paragraphs: where a quote can end
    for k, (h, body_idx) in enumerate(blocks):
        text, footer_raw, paras = _block_text(lines, h, body_idx, role, ctx)
        layouts.append(paras)
        d = lines[h.anchor].date  # None for a header that shows no date
        raw = d.raw if d is not None and d.kind != "cue" else ""
        if not raw and footer_raw is not None:
            raw = footer_raw
        comments.append(
            Comment(
                text=text,
                author=authors[k],
                posted_at=_posted_at(lines, h, raw, numeric_order),
                posted_raw=raw or None,
                parent=parents[k],
            )
        )
    if sec.opener is not None:
        role[sec.opener] = "comment section heading"
        for j in range(sec.opener + 1, sec.headers[0].start):
            if role[j] is None:
                ln = lines[j]
                role[j] = ln.furniture or ("comment chrome" if ln.chrome else "comment section chrome")
    reply_to = header_reply_to if len(blocks) == len(sec.headers) else {}
    for k, name in block_reply_to.items():
        reply_to.setdefault(k, name)
    return mark_quotes(_reply_markers(comments, reply_to), layouts)


def _forum_topic(lines: list[_Line], sec: _Section) -> bool:
    return sec.opening_post or _numbered_posts(lines, [h.anchor for h in sec.headers])


@dataclass(slots=True)
class _BlockContext:
    profile: set[int]
    signature: set[int]
    seen_on_page: Counter[str]
    avatar_at: set[int]
    dom_depth: bool = False  # HTML: every line is a block of its own, its indent the DOM's nesting


def _block_text(
    lines: list[_Line], h: _Header, body_idx: list[int], role: list[str | None], ctx: _BlockContext
) -> tuple[str, str | None, list[Paragraph]]:
    """One comment's text, the raw time of a footer stamp when it has one, and the text's paragraphs;
    marks its lines' roles."""
    for j in range(h.start, h.end + 1):
        role[j] = "header"
    footer_raw = None
    menu = _leading_menu(lines, body_idx, lines[h.anchor].indent)
    stamp = _footer_stamp(lines, h, body_idx)
    if stamp is not None:  # "NAME said..." / text / "March 3, 2021 at 10:15 AM" (Blogger)
        role[stamp] = "header"
        footer_raw = lines[stamp].date.raw  # type: ignore[union-attr]
        body_idx = [j for j in body_idx if j != stamp]
    text_lines: list[str] = []
    kept: list[int] = []
    for j in body_idx:
        r = _comment_line_role(lines, j, menu, ctx)
        role[j] = r
        if r == "text":
            text_lines.append(_strip_chrome(lines[j].text))
            kept.append(j)
    if not text_lines:
        # "+1" reads as a vote counter; as a comment's only line it is what the reader wrote.
        plus = [j for j in body_idx if role[j] == "comment chrome" and _PLUS_ONE.fullmatch(lines[j].text)]
        if len(plus) == 1:
            role[plus[0]] = "text"
            text_lines.append(lines[plus[0]].text)
            kept.append(plus[0])
    shape = [(lines[j].blank_before, lines[j].indent, lines[j].quote) for j in kept]
    return "\n".join(text_lines).strip(), footer_raw, paragraphs(text_lines, shape, each_line=ctx.dom_depth)


# Every match of _TRAILING_CHROME ends the line with one of these ($ also matches before a final "\n"):
# the regex, which tries every position of the line, runs only then.
_CHROME_TAILS = ("Report", "Reply", "Antworten", "Répondre", "\n")


def _strip_chrome(text: str) -> str:
    text = _GAP_BULLET.sub("", text)
    return _TRAILING_CHROME.sub("", text) if text.endswith(_CHROME_TAILS) else text


def _comment_line_role(lines: list[_Line], j: int, menu: set[int], ctx: _BlockContext) -> str:
    ln = lines[j]
    if j in ctx.profile:
        return "commenter profile"
    if j in ctx.signature:
        return "commenter signature"
    if ln.furniture == "cookie notice" and "cookie" in ln.core.lower():
        # A banner the layout put between comments, however long. (A reader's long line about
        # moderation or newsletters stays: it may be what they wrote.)
        return "cookie notice"
    template = ln.furniture == "post footer" or (  # a blog engine's sentence, matched at the line's start
        ln.furniture not in _KEEP_IN_COMMENTS
        and len(ln.core) < _CHROME_MAX_CHARS
        # A label ("Share this:", "Advertisement") or the page's template.
        and (len(ln.core.split()) <= _CHROME_LABEL_WORDS or ctx.seen_on_page[ln.core] >= 2)
    )
    if j in menu or ln.chrome or template or (j + 1 in ctx.avatar_at and _PLACEHOLDER.fullmatch(ln.core)):
        return "comment chrome"
    return "text"


_KEPT_ROLES = frozenset({"title", "header", "text"})
BUTTONS = "buttons"  # HTML: a line of <button>s alone (html.CONTROLS_HINT) outside the comments


# A standfirst (the lead paragraph under the headline, which extractors often leave out) is prose:
# at least this many words.
_MIN_STANDFIRST_WORDS = 8


def _inside(text: str, main_text: str) -> bool:
    key = words_key(text)
    return bool(key) and key in main_text


def _narrow_to_main_text(
    lines: list[_Line], role: list[str | None], body_end: int, title_idx: int | None, main_text: str
) -> None:
    """The extractor's main text decides between body and furniture above the comment section; the
    rules' standfirst between the headline and the main text's first line stays. When none of the
    rules' body lines is in the main text, the extractor read another part of the page: it is ignored."""
    if not any(role[j] == "body" and _inside(lines[j].text, main_text) for j in range(body_end)):
        return
    first_main: int | None = None
    for j in range(body_end):
        r = role[j]
        if r in _KEPT_ROLES or r is None:
            continue
        key = words_key(lines[j].text)
        inside = bool(key) and key in main_text
        if r == "body" and not inside:
            role[j] = "outside the main text"
        elif r != "body" and inside and len(key) >= MIN_RECOVERED_CHARS and lines[j].hint != CONTROLS_HINT:
            role[j] = "body"  # (a button's words are never the article's, whatever the extractor kept)
        if inside and first_main is None and role[j] == "body":
            first_main = j
    if title_idx is None or first_main is None:
        return
    for j in range(title_idx + 1, first_main):
        if role[j] == "outside the main text" and len(lines[j].core.split()) >= _MIN_STANDFIRST_WORDS:
            role[j] = "body"


def _leftover_role(
    lines: list[_Line],
    j: int,
    sec: _Section,
    region: tuple[int, int] | None,
    body_end: int,
    title_idx: int | None,
    fmt: PageFormat,
) -> str:
    """Where a line outside every comment goes: body, or furniture with its reason."""
    ln = lines[j]
    if j >= sec.end:
        return ln.furniture or "after the comment section"
    if ln.opener:
        in_section = sec.headers and j >= sec.start
        return "comment section heading" if in_section else "comment counter with no comments"
    if ln.furniture is not None:
        return ln.furniture
    if ln.hint == CONTROLS_HINT:
        return BUTTONS
    if region is not None and j < region[0] and not _lead_in(lines, j, title_idx, region[0]):
        return "page header before the article"
    if region is not None and region[1] <= j < body_end:
        return "page furniture after the article"
    if title_idx is not None and j < title_idx and fmt == "text":
        return "page header before the title"
    if ln.hint == "nav":
        return "navigation"
    if ln.hint == "title" and title_idx is not None:
        return "document title"
    if sec.headers and sec.mode == "footer" and sec.start <= j < sec.end:
        return "comment section chrome"
    if _alt_text(lines, j):
        return "image caption"
    return "body"


_ALT_TEXT = re.compile(rf"[a-z]+(?: [a-z]+){{1,{_MAX_ALT_WORDS - 1}}}")


def _alt_text(lines: list[_Line], j: int) -> bool:
    """An image's alt text standing alone in the article ("trump and putin"): a few lower-case words,
    no capital, digit or punctuation, a blank line on both sides. A subhead or a sentence is written
    with a capital or ends in punctuation."""
    ln = lines[j]
    blank_after = j + 1 >= len(lines) or lines[j + 1].blank_before
    return ln.blank_before and blank_after and bool(_ALT_TEXT.fullmatch(ln.text))
