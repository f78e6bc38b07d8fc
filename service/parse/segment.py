"""Stage 4: assemble the Article and account for every input line (roles)."""

from __future__ import annotations

import logging
from collections import Counter

from service.errors import MalformedInputError, TooLargeError
from service.parse.body import (
    _lead_in,
    _main_region,
    _mark_foreign_script,
    _markup_times,
    _pick_title,
    _title_near,
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
    _names_above_text,
    _numeric_order,
    _page_order,
    _parents,
    _posted_at,
    _profile_lines,
    _reply_markers,
)
from service.parse.headers import (
    _add_dateless_headers,
    _drop_quoted_headers,
    _find_headers,
    _Header,
    _is_reply_row,
    _undated_headers,
)
from service.parse.lexicon import _GAP_BULLET, _TRAILING_CHROME
from service.parse.lines import _classify
from service.records import Article, Comment, Dropped, PageFormat
from service.settings import Limits

log = logging.getLogger(__name__)


def segment(raw_lines: list[tuple[str, int, str | None]], *, source: str, fmt: PageFormat,
            limits: Limits) -> Article:  # fmt: skip
    return segment_with_roles(raw_lines, source=source, fmt=fmt, limits=limits)[0]


def segment_with_roles(
    raw_lines: list[tuple[str, int, str | None]], *, source: str, fmt: PageFormat, limits: Limits
) -> tuple[Article, list[tuple[int, str, str]]]:
    """The Article, and where every piece of every non-blank input line went: (input line index, text,
    place) with place "title", "body", "header", "text" or a drop reason. Used to prove nothing is lost."""
    lines = _classify(raw_lines)
    _mark_foreign_script(lines)
    _markup_times(lines)
    if not lines:
        raise MalformedInputError(f"{source}: no text found in the page")
    n = len(lines)
    role: list[str | None] = [None] * n  # "title", "body", "header", "text", or a drop reason

    title_idx = _pick_title(lines)
    headers, opener, mode = _find_headers(lines, title_idx)
    if not headers:
        headers, opener = _undated_headers(lines, title_idx)
    if headers and mode == "header":
        headers = _add_dateless_headers(lines, headers)
        headers = _drop_quoted_headers(lines, headers)
    if len(headers) > limits.max_comments_per_page:
        raise TooLargeError(
            f"{source}: {len(headers):,} comments is over the limit of "
            f"{limits.max_comments_per_page:,} per page"
        )
    declared = None
    for i, ln in enumerate(lines):
        if ln.opener and ln.count is not None and (opener is None or i <= opener):
            declared = ln.count
    if opener is not None and lines[opener].count is not None:
        declared = lines[opener].count

    comments: list[Comment] = []
    section_start = section_end = n
    if headers:
        section_start = headers[0].start if opener is None else opener
        blocks: list[tuple[_Header, list[int]]] = []
        if mode == "header":
            for k, h in enumerate(headers):
                stop = headers[k + 1].start if k + 1 < len(headers) else n
                if k + 1 == len(headers):
                    replied = sum(1 for _, idx in blocks if any(_is_reply_row(lines[j]) for j in idx))
                    stop = _last_comment_end(lines, h.end + 1, stop, replied >= max(1, 0.6 * len(blocks)))
                body_idx = list(range(h.end + 1, stop))
                blocks.append((h, body_idx))
                section_end = stop
            blocks = _move_subject_lines(lines, blocks, role)
        else:
            prev = (opener + 1) if opener is not None else headers[0].start
            for h in headers:
                body_idx = list(range(prev, h.start))
                # In footer mode a comment cannot begin before the section: trim leading furniture.
                blocks.append((h, body_idx))
                prev = h.end + 1
            section_end = prev
        header_reply_to: dict[int, str] = {}
        authors = _authors(lines, headers, header_reply_to)
        if mode == "header":
            blocks, authors = _merge_quoted_headers(lines, blocks, authors)
        else:
            blocks, authors = _names_above_text(lines, blocks, authors, role)
        numeric_order = _numeric_order([lines[h.anchor].date for h, _ in blocks]) or _page_order(lines)
        # Indentation shows threads in header mode; footers sit wherever the layout put them.
        levels = [lines[h.start].indent for h, _ in blocks] if mode == "header" else [0] * len(blocks)
        levels = _level_labels(lines, [h for h, _ in blocks]) or levels
        parents = _parents(levels)
        footer_time: dict[int, str] = {}
        profile = _profile_lines(lines, blocks)
        seen_on_page = Counter(ln.core for ln in lines if ln.furniture is not None)
        # An image placeholder right above a header ("[avatar]" / "Par NAME, le DATE") is its avatar.
        avatar_at = {h.start for h, _ in blocks if not lines[h.start].blank_before}
        for k, (h, body_idx) in enumerate(blocks):
            for j in range(h.start, h.end + 1):
                role[j] = "header"
            text_lines: list[str] = []
            menu = _leading_menu(lines, body_idx, lines[h.anchor].indent)
            stamp = _footer_stamp(lines, h, body_idx)
            if stamp is not None:  # "NAME said..." / text / "March 3, 2021 at 10:15 AM" (Blogger)
                role[stamp] = "header"
                footer_time[k] = lines[stamp].date.raw  # type: ignore[union-attr]
                body_idx = [j for j in body_idx if j != stamp]
            for j in body_idx:
                ln = lines[j]
                if j in profile:
                    role[j] = "commenter profile"
                    continue
                if ln.furniture == "cookie notice" and "cookie" in ln.core.lower():
                    # A banner the layout put between comments, however long. (A reader's long line
                    # about moderation or newsletters stays: it may be what they wrote.)
                    role[j] = "cookie notice"
                    continue
                if (
                    j in menu
                    or ln.chrome
                    or (
                        ln.furniture not in {None, "site chrome", "link in another language"}
                        and len(ln.core) < 60
                        # A label ("Share this:", "Advertisement") or the page's template; a longer
                        # one-off line ("Share on Facebook if you agree!!!") is the reader's.
                        and (len(ln.core.split()) <= 3 or seen_on_page[ln.core] >= 2)
                    )
                    or (j + 1 in avatar_at and _PLACEHOLDER.fullmatch(ln.core))
                ):
                    role[j] = "comment chrome"
                    continue
                role[j] = "text"
                text_lines.append(_TRAILING_CHROME.sub("", _GAP_BULLET.sub("", ln.text)))
            if not text_lines:
                # "+1" reads as a vote counter; as a comment's only line it is what the reader wrote.
                plus = [
                    j for j in body_idx if role[j] == "comment chrome" and _PLUS_ONE.fullmatch(lines[j].text)
                ]
                if len(plus) == 1:
                    role[plus[0]] = "text"
                    text_lines.append(lines[plus[0]].text)
            d = lines[h.anchor].date  # None for a header that shows no date
            raw = d.raw if d is not None and d.kind != "cue" else ""
            if not raw and footer_time.get(k) is not None:
                raw = footer_time[k]
            comments.append(
                Comment(
                    text="\n".join(text_lines).strip(),
                    author=authors[k],
                    posted_at=_posted_at(lines, h, raw, numeric_order),
                    posted_raw=raw or None,
                    parent=parents[k],
                )
            )
        if opener is not None:
            role[opener] = "comment section heading"
            for j in range(opener + 1, headers[0].start):
                if role[j] is None:
                    ln = lines[j]
                    role[j] = ln.furniture or ("comment chrome" if ln.chrome else "comment section chrome")

    if comments:
        comments = _reply_markers(comments, header_reply_to if len(blocks) == len(headers) else {})
    # The article is the densest run of prose before the comments; what lies around it is page chrome.
    body_end = section_start if headers else n
    region = _main_region(lines, 0, body_end)
    if region is not None and fmt == "text":
        # The headline sits just above the article; a line far above it is the site's name or a menu.
        near = _title_near(lines, region[0])
        if near is not None:
            title_idx = near
    # Everything else: title, body, or furniture.
    if title_idx is not None:
        role[title_idx] = "title"
    body: list[str] = []
    dropped: list[Dropped] = []
    for j, ln in enumerate(lines):
        r = role[j]
        if r is None:
            if j >= section_end:
                r = ln.furniture or "after the comment section"
            elif ln.opener:
                r = (
                    "comment counter with no comments"
                    if not headers or j < section_start
                    else "comment section heading"
                )
            elif ln.furniture is not None:
                r = ln.furniture
            elif region is not None and j < region[0] and not _lead_in(lines, j, title_idx, region[0]):
                r = "page header before the article"
            elif region is not None and region[1] <= j < body_end:
                r = "page furniture after the article"
            elif title_idx is not None and j < title_idx and fmt == "text":
                r = "page header before the title"
            elif ln.hint == "nav":
                r = "navigation"
            elif ln.hint == "title" and title_idx is not None:
                r = "document title"
            elif headers and mode == "footer" and section_start <= j < section_end:
                r = "comment section chrome"
            else:
                r = "body"
        role[j] = r
        if r == "body":
            body.append(ln.text)
        elif r not in {"title", "header", "text"}:
            dropped.append(Dropped(ln.text, r))
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
    )
    return article, roles
