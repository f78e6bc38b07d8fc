"""Stage 2, continued: comment headers that show no date the rules can read. Under a comment heading,
blocks that each open with a name and end with a reply link, or list items with their text indented
below them; in HTML, name lines the comment markup calls authors; and, once the dated headers show a
constant first line ("by NAME (1234)"), lines of that shape whose date is hidden."""

from __future__ import annotations

import re
from collections import Counter

from service.html import AUTHOR_HINT
from service.parse.body import _BYLINE, _main_region
from service.parse.headers import (
    _MIN_SHAPE_SIZE,
    _PROSE_LINE_WORDS,
    _REPLY_WORD,
    _content_gap,
    _Header,
    _is_name_like,
    _is_section_end,
    _section_openers,
)
from service.parse.lexicon import _ends_sentence
from service.parse.lines import _Line

# Undated comments: the last few headings are tried, each down to the next heading or section end (a
# line is read under one heading at most: linear; a window of 4,000 lines cut long threads) ...
_MAX_UNDATED_OPENERS = 5
# ... and this share of the reply-closed blocks must open with a name line, the first one close to
# the heading (content lines between them).
_NAMED_BLOCK_SHARE = 0.8
_MAX_HEADING_GAP = 3


def _undated_headers(lines: list[_Line], title_idx: int | None) -> tuple[list[_Header], int | None]:
    """Comments that show no date (rendered by script, or hidden): under a comment heading, blocks that
    each end with a reply link and each open with a name line. Learned per page: most blocks must."""
    openers = [i for i, ln in enumerate(lines) if ln.opener and i != title_idx and ln.count != 0]
    for o in reversed(openers[-_MAX_UNDATED_OPENERS:]):
        rows = []
        for j in range(o + 1, len(lines)):
            ln = lines[j]
            if ln.opener or (_is_section_end(ln) and not ln.chrome):
                break
            if ln.chrome and _REPLY_WORD.search(ln.core):
                rows.append(j)
        if len(rows) < 2:
            continue
        starts: list[int] = []
        prev = o
        for r in rows:
            idx = [j for j in range(prev + 1, r) if not lines[j].chrome and lines[j].furniture is None]
            prev = r
            if not idx:
                continue  # a second action row under the same comment
            first = idx[0]
            if len(idx) >= 2 and _is_name_like(lines[first]) and not _BYLINE.match(lines[first].core):
                starts.append(first)
            else:
                starts.append(-1)
        good = [j for j in starts if j >= 0]
        if len(good) < 2 or len(good) < _NAMED_BLOCK_SHARE * len(starts):
            continue
        if _content_gap(lines, o, good[0]) > _MAX_HEADING_GAP:
            continue
        return [_Header(j, j, j) for j in good], o
    return [], None


# Undated comments as a list: under a comment heading, items that open with a marker ("• NAME",
# "[avatar] NAME": text renderings of a script-rendered thread) and hold text indented deeper than
# the item. At least this many items, covering this share of the content lines they span (a list of
# links or a form has no deeper text under its items). Items without a marker (a name outdented from
# its text) need one more to make the shape.
_MIN_LIST_ITEMS = 2
_MIN_PLAIN_ITEMS = 3
# Most items' text is mostly sentences (lines of 4+ words ending one, or of 12+ words): a sidebar's
# "Photos" or "Recent Posts" lists hold headlines, a comment form's help its short labels.
_LIST_PROSE_SHARE = 0.5
_LIST_LONG_LINE_WORDS = 12
_LIST_COVER_SHARE = 0.9


def _listed_headers(lines: list[_Line], title_idx: int | None) -> tuple[list[_Header], int | None]:
    """Comments that show no date and no reply link: list items under a comment heading, each a
    name with its text indented below it. Replies are items nested in a parent's text."""
    openers = [i for i, ln in enumerate(lines) if ln.opener and i != title_idx and ln.count != 0]
    # Failing a heading, a comment policy ("please keep it civil") heads the thread.
    policies = [i for i, ln in enumerate(lines) if ln.furniture == "comment policy"]
    tried = [*reversed(openers[-_MAX_UNDATED_OPENERS:]), *reversed(policies[-_MAX_UNDATED_OPENERS:])]
    for o in tried:
        items = _list_items(lines, o)
        if not items:
            continue
        marked = sum(lines[j].text != lines[j].core for j in items) * 2 >= len(items)
        if len(items) < (_MIN_LIST_ITEMS if marked else _MIN_PLAIN_ITEMS):
            continue
        if _content_gap(lines, o, items[0]) > _MAX_HEADING_GAP:
            continue
        return [_Header(j, j, j) for j in items], o
    return [], None


def _list_items(lines: list[_Line], o: int) -> list[int]:
    """The list items below heading ``o`` when they read as comments (else []): nearly every content
    line from the first item to the last text sits in an item's block, and most blocks hold prose."""
    stop = len(lines)
    seen_item = False  # a sign-in or comment-form row may sit between the heading and the list
    for j in range(o + 1, stop):
        seen_item = seen_item or _is_list_item(lines[j])
        if lines[j].opener or (seen_item and _is_section_end(lines[j]) and not lines[j].chrome):
            stop = j
            break
    items: list[int] = []
    inside: list[bool] = []  # per content line from the first item: in an item's block or not
    prose: list[list[int]] = []  # per item: [prose lines, lines] of its block
    block_indent = 0  # indent of the latest item
    for j in range(o + 1, stop):
        ln = lines[j]
        if ln.chrome or ln.furniture is not None:
            continue
        nxt = lines[j + 1] if j + 1 < stop else None
        if _is_list_item(ln) and nxt is not None and nxt.indent > ln.indent and " " in nxt.core:
            items.append(j)
            prose.append([0, 0])
            block_indent = ln.indent
            inside.append(True)
        elif items:
            inside.append(ln.indent > block_indent and ln.text == ln.core)  # a sub-list is not text
            if inside[-1]:
                prose[-1][0] += _is_prose(ln)
                prose[-1][1] += 1
    while inside and not inside[-1]:
        inside.pop()  # what follows the last comment's text (a sidebar) is not judged here
    written = sum(1 for p, n in prose if n and p * 2 >= n)  # items whose text is mostly sentences
    if sum(inside) < _LIST_COVER_SHARE * len(inside) or written < _LIST_PROSE_SHARE * len(items):
        return []
    return items


def _is_prose(ln: _Line) -> bool:
    words = len(ln.core.split())
    return words >= _LIST_LONG_LINE_WORDS or (words >= _PROSE_LINE_WORDS and _ends_sentence(ln.core))


# Comments named by the page's markup (HTML): a line the comment markup calls its author heads the
# text below it, up to the next such line or this many lines.
_AUTHOR_TEXT_REACH = 40


def _authored_headers(lines: list[_Line], title_idx: int | None) -> tuple[list[_Header], int | None]:
    """Comments with no date the rules can read, found by the HTML's own markup: name lines inside an
    element classed as a comment, each followed by text, most of it sentences."""
    marked = [
        i for i, ln in enumerate(lines) if ln.hint == AUTHOR_HINT and _is_name_like(ln) and i != title_idx
    ]
    heads: list[int] = []
    written = 0
    for k, i in enumerate(marked):
        stop = marked[k + 1] if k + 1 < len(marked) else min(len(lines), i + _AUTHOR_TEXT_REACH)
        block = [j for j in range(i + 1, stop) if not lines[j].chrome and lines[j].furniture is None]
        if not any(" " in lines[j].core for j in block):
            continue  # a badge or a second name line above the name that heads the text
        heads.append(i)
        written += any(_is_prose(lines[j]) for j in block)
    if len(heads) < _MIN_LIST_ITEMS or written < _LIST_PROSE_SHARE * len(heads):
        return [], None
    region = _main_region(lines, 0, len(lines))
    if region is not None and heads[0] <= region[0]:
        return [], None  # named boxes above the article's first prose: a "top comments" teaser
    above = [o for o in _section_openers(lines, title_idx) if o < heads[0]]
    opener = above[-1] if above and _content_gap(lines, above[-1], heads[0]) <= _MAX_HEADING_GAP else None
    return [_Header(j, j, j) for j in heads], opener


def _is_list_item(ln: _Line) -> bool:
    """A name line, maybe behind a list marker or an image placeholder ("• DerKrieger", "[505d5] Gibbo")."""
    return _is_name_like(ln) and not _BYLINE.match(ln.core)


_PAREN_ID = re.compile(r"\(\d{2,}\)")


def _first_line_shape(core: str) -> tuple[str, str, bool]:
    tokens = core.split()
    return (
        tokens[0].lower() if tokens else "",
        tokens[-1].lower() if tokens else "",
        bool(_PAREN_ID.search(core)),
    )


# A dateless header is trusted when almost every dated header shares its first or last word (this
# share), and must then show a user id when this share of them do; it is short (words) and no sentence.
_FIRST_LINE_SHARE = 0.9
_ID_SHARE = 0.7
_MAX_DATELESS_HEADER_WORDS = 8


def _add_dateless_headers(lines: list[_Line], headers: list[_Header]) -> list[_Header]:
    """Comments whose header shows the learned first line ("by NAME (1234)", "NAME says:") but no date
    (hidden or collapsed) are headers too. The shape must have a constant word to be trusted."""
    if len(headers) < _MIN_SHAPE_SIZE:
        return headers
    shapes = [_first_line_shape(lines[h.start].core) for h in headers]
    first = Counter(sh[0] for sh in shapes).most_common(1)[0]
    last = Counter(sh[1] for sh in shapes).most_common(1)[0]
    ids = sum(sh[2] for sh in shapes)
    need_first = first[0] if first[1] >= _FIRST_LINE_SHARE * len(shapes) and first[0].isalpha() else None
    need_last = (
        last[0] if last[1] >= _FIRST_LINE_SHARE * len(shapes) and last[0].rstrip(":").isalpha() else None
    )
    need_id = ids >= _ID_SHARE * len(shapes)
    if not (need_first or need_last):
        return headers
    taken = {j for h in headers for j in range(h.start, h.end + 1)}
    extra: list[_Header] = []
    for j in range(headers[0].start + 1, headers[-1].start):
        ln = lines[j]
        if j in taken or ln.date is not None or ln.chrome or ln.furniture is not None:
            continue
        if len(ln.core.split()) > _MAX_DATELESS_HEADER_WORDS or ln.core.endswith((".", "!", "?", "…")):
            continue
        f, la, has_id = _first_line_shape(ln.core)
        if (need_first and f != need_first) or (need_last and la != need_last) or (need_id and not has_id):
            continue
        extra.append(_Header(j, j, j))
    if not extra:
        return headers
    return sorted(headers + extra, key=lambda h: h.start)
