# The stages, in order: lines (classify) -> headers (find comments) -> comments (authors, dates,
# threads) -> body (article region, title) -> segment (assemble, account for every line).
"""Split a scraped page (plain text from any scraper, or raw HTML) into title, body, comments, dropped.

One segmenter serves every input: HTML is first rendered to lines (service.html), so a page and its
w3m or inscriptis text dumps go through the same steps:

1. every line is classified once with precompiled regexes: page furniture (share buttons, video
   player text, comment forms...), per-comment chrome ("Reply", "Report this comment"), comment
   section openers ("14 comments", "5 thoughts on", "Kommentare") and short lines holding a date;
2. the comment headers are the date lines that repeat in one *shape* (how the date is written, where
   it sits on the line, which words come with it) after a section opener, or that carry an explicit
   comment cue ("says:", "sagt:", "Posted by") when the page has no opener; a shape whose lines are
   interleaved with their own comment counters (a blog's front page) or have nothing written between
   them (a "Latest comments" widget) is rejected;
3. the shape learned on the page tells how far a header extends (a name line above the date line, or
   below it in forum post bars), whether headers come before or after the text (footers: "Posted by"
   stamps after the prose, or a time inside an action row "Like · Reply · 2y", whose name is then
   the block's first line), and which words are chrome rather than a name (tokens shared by almost
   every header, like "Thumb" or "says:");
4. undated headers of the same first-line shape ("by NAME (123)"), "NAME said..." headers with a
   time footer, reply rows ("Reply", "Antworten") and, under a comment heading, blocks that each
   open with a name and end with a reply link fill in what dates alone miss; a repeated header right
   inside a reply is a quote, not a comment; "Join Date: ..." profile lines that open most comments
   are the poster's, not the text;
5. the article body is the densest run of prose before the comment section (a maximum-sum run of
   per-line prose scores); navigation and teasers around it are dropped with a reason ("About the
   author" ends it; a closing run of five or more headline+summary teasers is not part of it);
6. every non-blank line ends in exactly one place: title, body, a comment (header or text), dropped
   (see segment_with_roles, which the property tests use to prove it).

HTML adds evidence, never a contradiction: a <time datetime> (or itemprop="datePublished",
dt-published) on a header line gives a relative or yearless date its ISO time, and marks a header
whose visible date a script would have filled in.

Nothing here knows a particular site: the word lists are generic web furniture in en/fr/de, with
dates and comment words in es/it/pt/nl too. tests/service/pages/ holds pages written in the style of
comment systems the shared set lacks (Disqus, Discourse, Drupal, phpBB, vBulletin, Blogger...).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import replace
from typing import Literal

from core.errors import InputError, MalformedInputError, TooLargeError
from core.records import Article, Dropped, PageFormat
from service.ingest import decode, has_visible_text, normalise_line_ends, read_limited
from service.parse import linemodel, sectiongate
from service.parse.glued import looks_glued, split_glued
from service.parse.maintext import main_text
from service.parse.markdown import may_hold_markdown, only_images
from service.parse.markdown import plain as plain_markdown
from service.parse.segment import segment, segment_with_roles
from service.parse.soup import (
    DOCUMENT_TITLE_CHARS,
    TITLE_READ_LINES,
    join_soup,
    looks_like_soup,
    opens_with_document_title,
)
from service.parse.unwrap import unwrap, wrap_width
from service.settings import Limits

log = logging.getLogger(__name__)

Format = Literal["auto", "text", "html"]

__all__ = ["Format", "parse_file", "parse_page", "parse_with_roles", "segment", "segment_with_roles"]


def parse_page(
    data: bytes | str,
    *,
    source: str = "<input>",
    fmt: Format = "auto",
    limits: Limits | None = None,
) -> Article:
    """Split one page into title, body, comments and dropped furniture.

    Raises only core.errors.InputError subclasses for input that cannot be used.
    """
    limits = limits or Limits()
    if fmt not in ("auto", "text", "html"):
        raise MalformedInputError(f"{source}: unknown format {fmt!r} (use auto, text or html)")
    try:
        return _parse(data, source, fmt, limits)
    except InputError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise MalformedInputError(f"{source}: the page is too deeply nested or too big to parse") from exc
    except Exception as exc:  # a parser bug must still reach callers as a clear, typed input error
        log.exception("parser failure on %s", source)
        raise MalformedInputError(
            f"{source}: the parser could not split this page ({type(exc).__name__})"
        ) from exc


def _parse(data: bytes | str, source: str, fmt: Format, limits: Limits) -> Article:
    return _segment(data, source, fmt, limits)[0]


def _segment(
    data: bytes | str, source: str, fmt: Format, limits: Limits
) -> tuple[Article, list[tuple[int, str, str]], list[tuple[int, str]]]:
    """(article, roles, the input lines (index, text)): the one path from input to article."""
    real, raw_lines, text, stripped, quoted, huge, images = _read_lines(data, source, fmt, limits)
    # trafilatura parses the page with the same libxml2: a page read by tag stripping would reach it
    # cut off at the depth limit, and one with a text over libxml2's buffer cut off at that text; its
    # main text (only what came before) would drop the rest.
    main = main_text(text) if real == "html" and stripped is None and not huge else None
    article, roles = segment_with_roles(
        raw_lines,
        source=source,
        fmt=real,
        limits=limits,
        main_text=main.key if main is not None else None,
        main_title=main.title if main is not None else None,
        line_model=linemodel.load(),
        section_gate=sectiongate.load(),
        quoted=quoted,
    )
    if stripped is not None:
        warning = (
            f"the HTML was read by stripping its tags, as {stripped}: its markup (comment boxes, reply "
            "nesting) and the main-text extraction were not used"
        )
        article = replace(article, warnings=(*article.warnings, warning))
    if huge:
        warning = (
            "the HTML holds a text or attribute over libxml2's 10 MB buffer (an inline script or data: "
            "URI): the main-text extraction, which stops there, was not used"
        )
        article = replace(article, warnings=(*article.warnings, warning))
    if images:
        article, roles = _with_images(article, roles, images)
    inputs = sorted([(i, t) for i, (t, _, _) in enumerate(raw_lines) if t] + images)
    return article, roles, inputs


def _with_images(
    article: Article, roles: list[tuple[int, str, str]], images: list[tuple[int, str]]
) -> tuple[Article, list[tuple[int, str, str]]]:
    """The image-only lines, which the segmenter read as blank, dropped as "image" in their places."""
    merged = sorted(roles + [(i, t, IMAGE_LINE) for i, t in images], key=lambda r: r[0])  # stable
    kept = iter(article.dropped)
    dropped = [
        Dropped(t, p) if p == IMAGE_LINE else next(kept)
        for _, t, p in merged
        if p not in {"title", "body", "header", "text"}
    ]
    return replace(article, dropped=tuple(dropped)), merged


def parse_with_roles(
    data: bytes | str, *, source: str = "<input>", fmt: Format = "auto", limits: Limits | None = None
) -> tuple[Article, list[tuple[int, str]], list[tuple[int, str, str]]]:
    """parse_page plus the accounting behind it: the input lines (index, text) the segmenter saw and
    where each piece of each went (see segment_with_roles). Tests use it to prove nothing is lost."""
    article, roles, inputs = _segment(data, source, fmt, limits or Limits())
    return article, inputs, roles


# Why an image-only markdown line ("![](avatar.png)") is dropped.
IMAGE_LINE = "image"
_SPACES = re.compile(r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")
# Characters that show nothing and join nothing: zero-width space, LRM/RLM, word joiner, BOM. At a line's
# edge or beside a space they are a scraper's copy of the markup around an element, and left there they
# changed how a line was read ("\u200f3." taken for a name, a "* NAME" bullet hidden): there they go.
# Inside a word they stay (the scorer reads them, docs/languages.md). ZWJ, ZWNJ and variation selectors
# build emoji and words, and bidi embeddings and overrides reorder what they wrap: never touched.
_MARKS = "\u200b\u200e\u200f\u2060\ufeff"
_EDGE_MARKS = re.compile(f"[{_MARKS}]+(?=\\s|$)|(?:^|(?<=\\s))[{_MARKS}]+")


def _unmarked(line: str) -> str:
    """`line` without the invisible marks at its edges and beside its spaces (a line of marks alone
    stays as it is)."""
    return _EDGE_MARKS.sub("", line).strip() or line


def _to_lines(
    data: bytes | str, source: str, fmt: Format, limits: Limits
) -> tuple[PageFormat, list[tuple[str, int, str | None]], str]:
    """(the format read, the lines, the decoded text)."""
    real, raw_lines, text, _, _, _, _ = _read_lines(data, source, fmt, limits)
    return real, raw_lines, text


def _read_lines(
    data: bytes | str, source: str, fmt: Format, limits: Limits
) -> tuple[
    PageFormat, list[tuple[str, int, str | None]], str, str | None, list[int], bool, list[tuple[int, str]]
]:
    """_to_lines, why an HTML page was read by stripping its tags (None: from its tree), per line
    the <blockquote>s holding it (empty for text), whether its tree needed libxml2's huge option, and
    the image-only markdown lines (index, text), which the lines hold as blanks."""
    from core.errors import BinaryInputError, EmptyInputError
    from service.html import declares_html, looks_like_html, render_html, text_outside_tags

    if isinstance(data, bytes):
        text = decode(data, source, max_bytes=limits.max_page_bytes)
    else:
        if len(data) > limits.max_page_bytes:
            raise TooLargeError(
                f"{source}: {len(data):,} characters is over the page limit of {limits.max_page_bytes:,}"
            )
        text = normalise_line_ends(data.removeprefix("\ufeff"))
        if "\x00" in text:  # as for bytes (service.ingest.decode): NULs are no text page
            raise BinaryInputError(f"{source}: NUL characters in the text, not a text page")
        if not has_visible_text(text):
            raise EmptyInputError(f"{source}: the page is empty")
    real: PageFormat = "html" if fmt == "html" or (fmt == "auto" and looks_like_html(text)) else "text"
    raw_lines: list[tuple[str, int, str | None]] = []

    def check_lines(n: int) -> None:
        if n > limits.max_page_lines:
            raise TooLargeError(
                f"{source}: {n:,} lines is over the limit of {limits.max_page_lines:,} lines per page"
            )

    tags_stripped: str | None = None
    huge = False
    quoted: list[int] = []  # HTML: per line, the <blockquote>s holding it (html.HtmlLine.quote)
    images: list[tuple[int, str]] = []  # text: the image-only markdown lines (index, text)
    if real == "html":
        rendered, tags_stripped, huge = render_html(
            text,
            max_depth=limits.max_html_depth,
            max_elements=limits.max_html_elements,
            max_attribute_pairs=limits.max_html_attribute_pairs,
        )
        raw_lines = [
            (ln.text if ln.text.isascii() else _unmarked(ln.text), ln.depth, ln.hint) for ln in rendered
        ]
        quoted = [ln.quote for ln in rendered]
        if not raw_lines and fmt == "auto" and not declares_html(text) and text_outside_tags(text):
            # Only sniffed from its tags, and as HTML it shows nothing: a text dump that opens with a
            # quoted script snippet ("<script src=...>" rendered as text). Read it as the text it is.
            real, tags_stripped, quoted, huge = "text", None, [], False
        elif not raw_lines:
            raise EmptyInputError(f"{source}: the HTML page has no visible text")
        else:
            check_lines(len(raw_lines))
    if real == "text":
        check_lines(text.count("\n") + 1)  # before splitting: the lines' memory is the cost
        blank = ("", 0, None)
        lines, titled = _scraper_lines(text)
        check_lines(len(lines))  # a glued dump's split lines are what the parser holds
        for line in lines:
            # A scraper's &nbsp; (U+00A0), ICU's narrow space before "PM" (U+202F), thin spaces and tabs
            # inside a line are spaces to a reader: the classifier counts and splits on " ".
            stripped = line.strip()
            if not stripped:
                raw_lines.append(blank)
                continue
            if "\t" in stripped or not stripped.isascii():  # (the only characters _SPACES replaces)
                stripped = _unmarked(_SPACES.sub(" ", stripped))
            if may_hold_markdown(stripped):  # a markdown scraper's links, images, bold and headings
                if only_images(stripped):  # an avatar shows no text: the line reads as blank, and is
                    images.append((len(raw_lines), stripped))  # dropped as an image (_with_images)
                    raw_lines.append(blank)
                    continue
                stripped = plain_markdown(stripped)
            raw_lines.append((stripped, len(line) - len(line.lstrip(" \t\u00a0")), None))
        _mark_document_title(raw_lines, titled)
    return real, raw_lines, text, tags_stripped, quoted, huge, images


def _mark_document_title(raw_lines: list[tuple[str, int, str | None]], titled: bool) -> None:
    """A text dump's first line gets HTML's <title> hint when it is the document <title>: always in
    BeautifulSoup's get_text (it reads <head>: `titled`), and when it reads like one (a browser scraper's
    `page.title()` over `innerText`, a markdown converter's <head>: soup.opens_with_document_title)."""
    if not (titled or opens_with_document_title([ln[0] for ln in raw_lines[:TITLE_READ_LINES]])):
        return
    first = next((i for i, ln in enumerate(raw_lines) if ln[0]), None)
    if first is not None and len(raw_lines[first][0]) <= DOCUMENT_TITLE_CHARS:
        raw_lines[first] = (raw_lines[first][0], raw_lines[first][1], "title")


def _scraper_lines(text: str) -> tuple[list[str], bool]:
    """A text dump's lines, read back as its page where a scraper's rendering split or glued them, and
    whether its first line is the document <title> (BeautifulSoup's get_text reads <head>)."""
    lines = text.split("\n")
    if looks_like_soup(text, lines):  # BeautifulSoup's get_text("\n"): inline elements line by line
        return join_soup(lines), True
    if (width := wrap_width(text, lines)) is not None:  # html2text: markdown wrapped at 78
        return unwrap(lines, width), False
    if looks_glued(lines):  # BeautifulSoup's plain get_text(): blocks glued on long lines
        return split_glued(lines), True
    return lines, False


def parse_file(
    path: str | os.PathLike[str], *, fmt: Format = "auto", limits: Limits | None = None
) -> Article:
    """Read (size-checked before reading) and parse one page; `source` is the path."""
    limits = limits or Limits()
    data = read_limited(path, limits.max_page_bytes)
    return parse_page(data, source=str(path), fmt=fmt, limits=limits)
