"""BeautifulSoup's `get_text("\\n")`: every text node on a line of its own, read back as a reader sees it.

That call puts a newline between any two text nodes, inline ones too, and keeps the page source's
whitespace: "In his essay " / "On Providence" / ", Seneca says..." is one sentence, "by " / "John" /
" on " / "July 15, 2012" one byline, "Chris Nahr" / " " / "07.15.12 at 11:59" one comment header; the
source's indentation between elements becomes runs of blank lines. Browser dumps (w3m, lynx) and
inscriptis draw inline elements on one line, so the parser's rules looked for a name beside its date.

Only a dump that reads like that call's output is touched (`looks_like_soup`): lines that open inside
a sentence right under another (" on July 15", ", Seneca says") are common, and so are runs of three
blank lines or more, or else lines that a space joins to the next. On the Dragnet pages that holds for
526 of the 559 TRAIN pages' BeautifulSoup dumps, 76 of their plain get_text() dumps (no separator),
and none of the 842 w3m and 842 inscriptis dumps, the 559 html2text dumps, the seeds or the test pages.
Its first line is then the document <title> (get_text reads <head> too): it carries the hint HTML's
<title> carries, and the text title rules take the line below it that it repeats
(body._title_the_document_repeats).
"""

from __future__ import annotations

import re
from itertools import pairwise

from service.dates import find_date
from service.parse.maintext import title_part_keys, words_key

# A longer first line is no document <title> (Dragnet: at most 196 characters in the 756 BeautifulSoup
# dumps read this way); the title step compares every line with it, so a huge one would cost per line.
DOCUMENT_TITLE_CHARS = 500
# A document <title> joins its parts with a separator (maintext.TITLE_PARTS): two or three parts; more
# is a menu ("StyleCandy | All Video | The Roundup | Sign Up | Log In").
_TITLE_PART_COUNT = (2, 3)
# The part repeated below is a headline of this many words at least (body._TITLE_WORDS's floor), found
# among this many lines under the first (body._TITLE_SEARCH_LINES).
_REPEATED_PART_WORDS = 3
_REPEAT_SEARCH_LINES = 150
# ... and the caller passes at most this many input lines, blank ones included (a dump's blank lines
# between blocks at most triple its lines).
TITLE_READ_LINES = 4 * _REPEAT_SEARCH_LINES
# Three blank (or whitespace) lines in a row: the source's indentation between two elements.
_RUN = re.compile(r"\n[ \t]*\n[ \t]*\n[ \t]*\n")
# Dragnet TRAIN (559 pages): BeautifulSoup's dumps have a median of 0.96 such runs per non-blank line
# (9 in 10 above 0.31); w3m, inscriptis and html2text dumps at most 0.20, and the seeds and test pages
# 0.24 (a hand-written BeautifulSoup dump of a Disqus thread).
MIN_RUNS_PER_LINE = 0.3
# Lines that open inside a sentence right under a line (an inline element's end on a line of its own):
# BeautifulSoup's get_text("\n") median 7 %, 19 in 20 above 1.7 %; its plain get_text() (the source's
# own line breaks, inline elements kept on their line) 0 % on most pages; w3m at most 5 %, inscriptis 0.
MIN_OPENING_SHARE = 0.01
# ... or, on a page whose source had few line breaks between elements, this many: w3m's at most 10 %
# (a page of poems, <br> after a trailing space), inscriptis's 1.4 %; BeautifulSoup's median 12 %.
MANY_JOINED_SHARE = 0.2
# A line ending "word " or a line opening " word" (one space, not a number: " 2. Item" is a list).
_OPEN_END = re.compile(r"\S $")
_OPEN_START = re.compile(r" [^\s\d]")
# Punctuation that continues the line above: ", Seneca says", ") and", ". "
_CONTINUES = re.compile(r"[,.;:!?)\]]")
_NONBLANK = re.compile(r"^[ \t]*\S", re.M)
# A line break before a line that opens inside a sentence (the line above must end in a letter or mark:
# checked on each match, as a look-behind here made the search 5 times slower).
_OPENING = re.compile(r"\n(?= [^\s\d]|[,.;:!?)\]])")
# A sentence's end, maybe quoted or bracketed, and a space or none.
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]? ?$")
# Two inline elements whose source had a line break between them ("<a>entertainment</a>\n - \n<time>",
# "<span>By NAME</span>\n<span>Nov. 2</span>") stand this many blank lines apart at most (Dragnet TRAIN:
# 2 per break; more is the source's indentation between blocks).
_INLINE_GAP = 2
# A separator between two inline elements, alone on its line: "entertainment" / " - " / "November 9".
_SEPARATOR = re.compile(r"[-\u2013\u2014|\u00b7\u2022/]")
# A byline ("By NAME") with its date on the next line: the date is the byline's (w3m: "By NAME Nov. 2").
_BYLINE = re.compile(r"(?:by|posted by|written by)\s+\S.{0,60}", re.I)
# A comment header's verb alone on its line ("Emily" / "said..."): the name's, as w3m shows it.
_SAYS = re.compile(r"(?:says|said|wrote|writes)\s*(?::|\.\.\.|\u2026|,)", re.I)


def _joins(above: str, below: str) -> bool:
    """Whether `below` continues `above` on one line (both non-blank): `above` ends in one space after a
    word and `below` opens with no space, or `below` opens inside a sentence."""
    if above[-1].isspace():
        return _OPEN_END.search(above) is not None and not below[0].isspace()
    return _opens_inside(below)


def _opens_inside(line: str) -> bool:
    """A line that opens inside a sentence: " on July 15", ", Seneca says"."""
    return _OPEN_START.match(line) is not None or _CONTINUES.match(line) is not None


def looks_like_soup(text: str, lines: list[str]) -> bool:
    """Whether `lines` (the page `text` split at newlines) read like BeautifulSoup's get_text("\\n")."""
    opening = sum(1 for m in _OPENING.finditer(text) if m.start() and not text[m.start() - 1].isspace())
    if not opening:  # most browser dumps: no need to count their lines
        return False
    nonblank = len(_NONBLANK.findall(text))
    if opening < MIN_OPENING_SHARE * nonblank:
        return False
    if len(_RUN.findall(text)) >= MIN_RUNS_PER_LINE * nonblank:
        return True
    joined = sum(
        1 for above, below in pairwise(lines) if above.strip() and below.strip() and _joins(above, below)
    )
    return joined >= MANY_JOINED_SHARE * nonblank


# The joins' tests read a joined line's end ("\S $", a sentence's end: 3 characters at most) or, for a
# byline, the whole line when it is short; so a long chain of joins stays linear in the page.
_END_WINDOW = 64
_BYLINE_CHARS = 200  # a longer line is no byline ("By NAME" is ~75 characters at most)


def join_soup(lines: list[str]) -> list[str]:
    """The lines with each inline split undone: a line continued by the next (see `_joins`) takes it,
    and two lines around a line of spaces or tabs alone (the space between two inline elements, or the
    source's line break and indentation before one: "Posted by:" / TAB TAB / "Lulaine") are one, unless
    the first ends a sentence (paragraphs split by "<br> <br>" stay apart)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            out.append(line)
            continue
        parts = [line]  # joined at the end: a chain of joins copies each piece once
        end = line[-_END_WINDOW:]  # the joined line's last characters
        total = len(line)
        while i < len(lines):
            nxt = lines[i]
            if nxt.strip():
                if not _joins(end, nxt):
                    break
                piece = nxt
                i += 1
            elif nxt and i + 1 < len(lines) and lines[i + 1].strip() and not _SENTENCE_END.search(end):
                parts[-1] = parts[-1].rstrip()
                piece = " " + lines[i + 1].lstrip()
                i += 2
            else:
                short = "".join(parts).strip() if total <= _BYLINE_CHARS else None
                joined = _join_across_gap(short, lines, i)
                if joined is None:
                    break
                parts[-1] = parts[-1].rstrip()
                piece, i = joined
            if piece[0] == " ":  # after the line's trailing spaces were stripped
                end = end.rstrip()
            parts.append(piece)
            end = (end + piece)[-_END_WINDOW:]
            total += len(piece)
        out.append("".join(parts))
    return out


def _next_nonblank(lines: list[str], i: int) -> int | None:
    """The first non-blank line from `i`, past at most _INLINE_GAP blank ones (None if none is near)."""
    for j in range(i, min(len(lines), i + _INLINE_GAP + 1)):
        if lines[j].strip():
            return j
    return None


def _join_across_gap(short: str | None, lines: list[str], i: int) -> tuple[str, int] | None:
    """A line and what a source line break put below it, past blank lines: a date after a separator
    alone on its line ("entertainment" / "-" / "November 09, 2012", on their own lines a name over a
    date: a comment header) or a byline's ("By Erika Riggs" / "Nov. 2"), and a comment header's verb
    ("Emily" / "said..."). `short`: the line stripped, when it is short enough to be a byline. What
    follows the line (after its trailing spaces are stripped) and the index after it, or None."""
    j = _next_nonblank(lines, i)
    if j is None:
        return None
    below = lines[j].strip()
    if _SEPARATOR.fullmatch(below):
        k = _next_nonblank(lines, j + 1)
        date = lines[k].strip() if k is not None else ""
        if k is not None and (hit := find_date(date)) is not None and hit.start == 0:
            return f" {below} {date}", k + 1
    elif _SAYS.fullmatch(below) or (short is not None and _BYLINE.fullmatch(short) and _only_date(below)):
        return f" {below}", j + 1
    return None


def _only_date(text: str) -> bool:
    hit = find_date(text)
    return hit is not None and hit.end - hit.start == len(text)


def opens_with_document_title(lines: list[str]) -> bool:
    """Whether the first of `lines` (stripped, "" for a blank line) reads like the document <title>
    that a browser scraper's text opens with (Playwright's `page.title()` over `innerText`) or that a
    markdown converter reads from <head>: short, two or three parts joined by a separator, one of which
    (a headline of three words or more) a line below repeats alone ("Otters return - The Courier" over
    "Otters return"). Browser dumps (w3m, lynx) and inscriptis do not print the <title>."""
    shown = [line for line in lines[:TITLE_READ_LINES] if line]
    if (
        not shown
        or len(shown[0]) > DOCUMENT_TITLE_CHARS
        or not (shown[0][0].isalnum() or shown[0][0] in "\"'\u201c\u2018")
    ):
        return False
    parts = set(title_part_keys(shown[0]))
    if not _TITLE_PART_COUNT[0] <= len(parts) <= _TITLE_PART_COUNT[1]:
        return False
    return any(
        len(key.split()) >= _REPEATED_PART_WORDS and key in parts
        for key in (
            words_key(line) for line in shown[1 : _REPEAT_SEARCH_LINES + 1] if len(line) < len(shown[0])
        )
    )
