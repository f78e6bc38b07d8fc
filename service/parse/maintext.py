"""HTML only: the page's main text as trafilatura extracts it, used to keep the body to the article.

trafilatura (a maintained main-text extractor, evaluated on thousands of pages) decides which
paragraphs are the article far better than our prose-density run: on the Dragnet train split it lifts
title+body token F1 from 0.78 to 0.90, mostly by dropping related-article lists, newsletter boxes and
author bios. Our own code still splits the comments one by one and handles text input. The library
works offline: it reads the HTML string it is given and fetches nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

_WORDS = re.compile(r"\w+")
# A dropped line is taken back into the body only when it says something: at least this many
# characters of words, so a lone "Share" or a date the extractor kept is not matched by chance.
MIN_RECOVERED_CHARS = 20
# trafilatura's fallback extractors (readability, justext) compare each paragraph with its neighbours:
# n² in the page's pieces of text (a short article over 8,000 one-line comments, 16,000 pieces: 16 s).
# Over this many, its fast mode (the main extractor alone, linear) reads the page (at this many: about
# 1 s). Real pages: at most 5,343 (Dragnet T55); the three over 3,000 get the same main text either way.
MAX_FALLBACK_TEXTS = 3_000
# Its table reader counts a row's cells again for each cell it adds (lxml counts children one by one):
# n² in a table's grid, colspan x rowspan slots per cell (80 cells spanning 100 x 100, a 4 KB page: 6 s).
# Over this many slots it is not asked and the rules' body stands. Real pages: at most 640.
MAX_TABLE_SLOTS = 10_000
_MAX_SPAN = 100  # trafilatura reads a colspan or rowspan up to this
# Its main pass lists every piece of text inside a <p> (XPath "//p//text()") after stripping the inline
# tags, and libxml2 takes time quadratic in one paragraph's pieces (8,000 bold words in one <p>, 75 KB:
# 2.7 s; 56,000, 506 KB: 248 s) and super-linear in all paragraphs' pieces (5,400 <p>s of ten bold
# words, 59,400 elements: 9.5 s). Over either bound it is not asked and the rules' body stands (at
# the bounds about 0.4 s and 1 s). Real pages: at most 9,782 pieces in all and 164,862 for the sum of
# (pieces inside a <p>)² (Dragnet T55; a paragraph's most: 232).
MAX_PARAGRAPH_PIECES = 20_000
MAX_PARAGRAPH_WORK = 4_000_000
# It copies the page's tree four or five times over (280,000 <p> elements: +464 MB and 10 s on top of
# the rest of the parse, +492 MB). Over this many elements it is not asked. Real pages: at most 10,534.
MAX_EXTRACTED_ELEMENTS = 60_000


class _NoMainTextIsNoWarning(logging.Filter):
    """trafilatura logs a WARNING, "discarding data: None", for every page whose main text is too short
    to keep (an error page with an empty body), and an ERROR, "parsed tree length: 1, wrong data type
    or not valid HTML", for a page of one bare line (an HTML body "x", sent by any client): here both
    are answers, not problems (the rules' body stands, logged at DEBUG by main_text), and the lines
    read as lost data, or as the service failing, on every such page."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in _NO_MAIN_TEXT


_NO_MAIN_TEXT = frozenset(
    {"discarding data: %s", "parsed tree length: %s, wrong data type or not valid HTML"}
)
logging.getLogger("trafilatura.core").addFilter(_NoMainTextIsNoWarning())
logging.getLogger("trafilatura.utils").addFilter(_NoMainTextIsNoWarning())


def words_key(text: str) -> str:
    """Lower-cased words joined by single spaces: the form in which lines and main text are compared."""
    return " ".join(_WORDS.findall(text.lower()))


# The separators a document <title> joins its parts with: "Post title - Site name", "Site | Post".
TITLE_PARTS = re.compile(r"\s+[-|\u2013\u2014\u00b7\u00bb:]{1,2}\s+")


def title_part_keys(title: str) -> list[str]:
    """The words_key of each part of a document <title> ("Headline - Site" -> ["headline", "site"]),
    parts without a word left out."""
    return [key for key in (words_key(part) for part in TITLE_PARTS.split(title)) if key]


@dataclass(frozen=True, slots=True)
class MainText:
    """What trafilatura reads in a page: the main text's words_key (None: it found none) and the
    headline its metadata gives (meta tags, JSON-LD, else its own <h1> / <title> rules; None: none)."""

    key: str | None
    title: str | None


def main_text_key(html: str) -> str | None:
    """The main text's words_key, or None when the extractor finds no main text (the caller keeps its
    own body then)."""
    found = main_text(html)
    return found.key if found is not None else None


def main_text(html: str) -> MainText | None:
    """The page parsed once: the headline first (read-only), then the main text (the extractor prunes
    the tree in place). None when trafilatura is missing or fails on the page."""
    try:
        import trafilatura
        from trafilatura.utils import load_html
    except ImportError:  # pragma: no cover - a declared dependency; without it the body is ours alone
        log.warning("trafilatura is not installed: the HTML body is not narrowed to the main text")
        return None
    try:
        tree = load_html(html)
        if tree is None:
            return MainText(None, None)
        title = _headline(tree)
        elements = sum(1 for _ in tree.iter())
        slots = _table_slots(tree)
        if elements > MAX_EXTRACTED_ELEMENTS or slots > MAX_TABLE_SLOTS:
            log.info(
                "%d elements, tables of %d grid slots: no main text is extracted, the rules' body stands",
                elements,
                slots,
            )
            return MainText(None, title)
        pieces, work = _paragraph_pieces(tree)
        if pieces > MAX_PARAGRAPH_PIECES or work > MAX_PARAGRAPH_WORK:
            log.info(
                "paragraphs of too many pieces of text: no main text is extracted, the rules' body stands"
            )
            return MainText(None, title)
        fast = tree.xpath("count(//text()[normalize-space()])") > MAX_FALLBACK_TEXTS
        text = trafilatura.extract(tree, include_comments=False, include_tables=True, fast=fast)
    except Exception as exc:  # the library's failure must not lose the page: our body stands
        log.warning("trafilatura failed (%s): keeping the parser's own body", type(exc).__name__)
        return None
    if not text:
        log.debug("trafilatura found no main text: keeping the parser's own body")
    return MainText(words_key(text or "") or None, title)


def _paragraph_pieces(tree: object) -> tuple[int, int]:
    """The pieces of text inside the outermost <p> elements, and the sum over them of (one's pieces)²;
    counting stops once past either bound. A <p> inside another counts with the outer one (its own
    count would be a part of the outer's)."""
    pieces = work = 0
    nested: set[object] = set()  # (lxml gives back the same element object while it is referenced)
    for p in tree.iter("p"):  # type: ignore[attr-defined]
        if p in nested:
            continue
        inside = 1 if p.text else 0
        for e in p.iterdescendants():
            inside += (1 if e.text else 0) + (1 if e.tail else 0)
            if e.tag == "p":
                nested.add(e)
        pieces += inside
        work += inside * inside
        if pieces > MAX_PARAGRAPH_PIECES or work > MAX_PARAGRAPH_WORK:
            break
    return pieces, work


def _table_slots(tree: object) -> int:
    """The grid slots the page's table cells span (colspan x rowspan each, as trafilatura reads them)."""
    slots = 0
    for cell in tree.iter("td", "th"):  # type: ignore[attr-defined]
        slots += _span(cell.get("colspan")) * _span(cell.get("rowspan"))
    return slots


def _span(value: str | None) -> int:
    if not value or not value.isdecimal():
        return 1
    return min(int(value), _MAX_SPAN) if len(value) <= 3 else _MAX_SPAN  # (int() refuses 4,300 digits)


def _headline(tree: object) -> str | None:
    """trafilatura's metadata title without its date search (htmldate triples the extraction time)."""
    try:
        from trafilatura import metadata as meta

        found = meta.examine_meta(tree)
        found = meta.extract_meta_json(tree, found)
        title = found.title or meta.extract_title(tree)
    except Exception as exc:  # metadata is a hint: a library change or a bad page costs only the hint
        log.debug("trafilatura metadata failed (%s)", type(exc).__name__)
        return None
    return title.strip() if isinstance(title, str) and title.strip() else None
