"""Quoted blocks inside a comment: a reply that quotes another comment keeps the quoted words in its
text ("NAME wrote: ...", "Zitat von NAME", "Quote:", html2text's "> " lines). Forums and comment
systems of every kind draw a quote as a <blockquote> headed by such a line (phpBB, vBulletin, XenForo,
Discourse, SMF, MyBB); every text rendering keeps the quote a paragraph of its own, before the reply's
words. Finding the quote keeps its words out of the replier's scores and gives the reply its parent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple

from core.records import Comment, Quote
from service.dates import find_date

_NAME = r"[^\s:>\"“«][^:\n.!?,;]{0,40}?"
# "NAME wrote:" in the languages of the other tables, "Zitat von NAME", "Quote from NAME", a bare
# "Quote:". The name comes first or after the cue; either way the line opens the paragraph.
_CUES_AFTER = (
    r"wrote|writes|has written|schrieb|hat geschrieben|a écrit|ha scritto|escribió|escreveu|schreef|skrev"
    r"|napisał"
)
_CUES_BEFORE = r"zitat von|quote from|quoting|originally posted by|citation de|cita de"
# The link to the quoted post after its author's name (vBulletin: "Originally Posted by NAME View Post").
_POST_LINK = r"(?:view post|voir le message|beitrag anzeigen|ver mensaje)\b"
_HEADER = re.compile(
    rf"(?:(?P<name>{_NAME})\s+(?P<cue>{_CUES_AFTER}|said|says|sagte)\s*:"
    rf"|(?:quote\s+)?(?:{_CUES_BEFORE})\s+(?P<after>{_NAME})\s*(?::|\n|$|\s(?:on|am|le|il|el)\s|\s(?={_POST_LINK}))"
    r"|(?:quote|zitat|citation|cita|citaat)\s*:)",
    re.I,
)
# "said:" also opens a sentence ("My dad said: ..."): a quote only when it names an earlier commenter
# and stands alone on its line, as XenForo's "NAME said:" does.
_WEAK_CUES = frozenset({"said", "says", "sagte"})
# A name is at most this many words: more is a sentence that happens to hold "wrote:".
_MAX_NAME_WORDS = 3
# After its header, a paragraph with at most this many words (the quote's date, "↑") is the header
# alone: the quoted words are the next paragraph.
_HEADER_ONLY_WORDS = 3
# "by NAME (123) writes:" is a post's own header (Slashdot), left inside the comment above when the
# parser missed it: no quote, and its words stay that comment's.
_BYLINE = re.compile(r"by\s", re.I)
_QUOTED_LINE = re.compile(r">(?:\s|$)")
_WORD = re.compile(r"[^\W\d_]{3,}")


class Paragraph(NamedTuple):
    """A run of a comment's text lines: ``text[start:end]``, the indent of its first line, and (HTML)
    the <blockquote>s holding it."""

    start: int
    end: int
    indent: int
    quote: int = 0


def paragraphs(
    text_lines: list[str], shape: list[tuple[bool, int, int]], *, each_line: bool
) -> list[Paragraph]:
    """The paragraphs of ``"\\n".join(text_lines).strip()``: a blank line or a change of indent starts
    one; `shape` is each line's (blank line above, indent, <blockquote>s holding it). `each_line`:
    HTML, where every line is a block (a <blockquote>'s lines are nested one deeper than the reply's)."""
    joined = "\n".join(text_lines)
    lead = len(joined) - len(joined.lstrip())
    size = len(joined.strip())
    out: list[Paragraph] = []
    at, prev = -lead, None
    for line, (blank, indent, quote) in zip(text_lines, shape, strict=True):
        start, end = max(at, 0), min(at + len(line.rstrip()), size)
        at += len(line) + 1
        if end <= start:
            continue
        if out and not each_line and not blank and prev == indent:
            out[-1] = out[-1]._replace(end=end)
        else:
            out.append(Paragraph(start, end, indent, quote))
        prev = indent
    return out


def _header(para: str, authors: Mapping[str, Sequence[str]]) -> tuple[re.Match[str], str | None] | None:
    """The quote header opening `para`, and the name it gives; None when it opens no quote."""
    m = _HEADER.match(para)
    if m is None:
        return None
    name = (m["name"] or m["after"] or "").strip() or None
    if name is not None and (len(name.split()) > _MAX_NAME_WORDS or _BYLINE.match(name)):
        return None
    cue = (m["cue"] or "").lower()
    alone = len(_WORD.findall(para[m.end() :].split("\n", 1)[0])) <= _HEADER_ONLY_WORDS
    if cue in _WEAK_CUES and (name is None or name.casefold() not in authors or not alone):
        return None
    return m, name


def _blockquote_end(
    text: str, paras: list[Paragraph], i: int, own_level: int, authors: Mapping[str, Sequence[str]]
) -> int:
    """The last paragraph of the <blockquote> run opening at `i`: every further one inside a blockquote,
    up to the next that opens one of its own with a header (two quotes one under the other)."""
    j = i
    while j + 1 < len(paras) and paras[j + 1].quote > own_level:
        nxt = paras[j + 1]
        if nxt.quote <= paras[i].quote and _header(text[nxt.start : nxt.end].strip(), authors):
            break
        j += 1
    return j


# A headerless quote repeating at least this many words of an earlier comment is that comment's: fewer
# ("I agree") could be anyone's.
_MIN_REPEATED_WORDS = 3


def _quoted_author(
    quoted: str, last: str, authors: Mapping[str, Sequence[str]], wrote: Mapping[str, Sequence[str]]
) -> str | None:
    """Who a <blockquote> with no "NAME wrote:" quotes: the earlier commenter its last line names (a
    <cite>NAME</cite> under the words, WordPress's quote block), else the first whose own words hold
    its words (not the quotes: two replies quoting the article quote neither one another)."""
    if last.strip().casefold() in authors:
        return last.strip()
    key = " ".join(quoted.split())
    if len(_WORD.findall(key)) < _MIN_REPEATED_WORDS:
        return None
    return next((name for name, own in wrote.items() if _repeats(key, own)), None)


def _repeats(para: str, said: Sequence[str]) -> bool:
    key = " ".join(para.split())
    return bool(key) and any(key in " ".join(t.split()) for t in said)


def find_quotes(
    text: str,
    paras: list[Paragraph],
    authors: Mapping[str, Sequence[str]],
    wrote: Mapping[str, Sequence[str]],
) -> tuple[Quote, ...]:
    """The quoted blocks of a comment's text; `authors` maps the earlier commenters' casefolded names
    to the texts of their comments, `wrote` their names as the page first shows them to their own words
    (their `own_text`s). Nothing when the
    quotes would be the whole comment (then it quotes no one: a comment that is only a quote is still
    someone's words on the page)."""
    base = min((p.indent for p in paras), default=0)
    own_level = min((p.quote for p in paras), default=0)  # a comment drawn inside a <blockquote> quotes none
    quotes: list[Quote] = []
    i = 0
    while i < len(paras):
        para = text[paras[i].start : paras[i].end].strip()
        if paras[i].quote > own_level:  # the markup's quote, with or without a header
            j = _blockquote_end(text, paras, i, own_level, authors)
            found = _header(para, authors)
            quoted, last = text[paras[i].start : paras[j].end], text[paras[j].start : paras[j].end]
            author = found[1] if found else _quoted_author(quoted, last, authors, wrote)
            quotes.append(Quote(paras[i].start, paras[j].end, author))
            i = j + 1
            continue
        if _QUOTED_LINE.match(para):
            j = i
            while j + 1 < len(paras) and _QUOTED_LINE.match(
                text[paras[j + 1].start : paras[j + 1].end].strip()
            ):
                j += 1
            found = _header(para.lstrip("> "), authors)
            quotes.append(Quote(paras[i].start, paras[j].end, found[1] if found else None))
            i = j + 1
            continue
        found = _header(para, authors)
        if found is None:
            i += 1
            continue
        j = i
        if paras[i].indent > base:  # an indented quote (w3m, HTML's nesting) ends where its indent does
            while j + 1 < len(paras) and paras[j + 1].indent >= paras[i].indent:
                j += 1
        elif len(_WORD.findall(para[found[0].end() :])) <= _HEADER_ONLY_WORDS and not _quoted_under(
            para[found[0].end() :]
        ):
            # The header alone ("NAME wrote:", maybe its date under it): the quote is what follows,
            # and every further paragraph the named author wrote above.
            while j + 1 < len(paras) and _header_part(text[paras[j + 1].start : paras[j + 1].end]):
                j += 1
            j = min(j + 1, len(paras) - 1)
            said = authors.get(found[1].casefold(), ()) if found[1] else ()
            while j + 1 < len(paras) and _repeats(text[paras[j + 1].start : paras[j + 1].end], said):
                j += 1
        quotes.append(Quote(paras[i].start, paras[j].end, found[1]))
        i = j + 1
    if not quotes:
        return ()
    own = Comment(text, quotes=tuple(quotes)).own_text
    return tuple(quotes) if _WORD.search(own) else ()


# A line under "NAME wrote:" that is its date (at most this many other characters): still the header.
_DATE_LINE_SLACK = 6


def _is_date_line(line: str) -> bool:
    hit = find_date(line)
    return hit is not None and len(line) - len(hit.raw) <= _DATE_LINE_SLACK


def _header_part(para: str) -> bool:
    """A paragraph under a header alone that still belongs to it: its date, a link's arrow ("↑")."""
    if len(_WORD.findall(para)) > _HEADER_ONLY_WORDS:
        return False
    return not _WORD.search(para) or _is_date_line(para.strip())


def _quoted_under(rest: str) -> bool:
    """The quoted words stand under the header in its own paragraph ("Bob wrote:" / "You moron."): the
    quote ends with that paragraph, however short. A date there is the header's."""
    return any(line.strip() and not _is_date_line(line.strip()) for line in rest.split("\n")[1:])


def _quoted_comment(comments: list[Comment], candidates: list[int], quoted: str) -> int:
    """Of an author's earlier comments, the one whose words the quote repeats; else the latest."""
    words = set(_WORD.findall(quoted.casefold()))
    best = max(
        candidates, key=lambda k: (len(words & set(_WORD.findall(comments[k].own_text.casefold()))), k)
    )
    return best


def mark_quotes(comments: list[Comment], layouts: list[list[Paragraph]]) -> list[Comment]:
    """Each comment with its quotes marked; a reply not yet threaded gets the quoted author's comment
    above (the one whose words it quotes, else the latest) as its parent."""
    out: list[Comment] = []
    by_author: dict[str, list[int]] = {}  # per casefolded name, the author's comments so far
    said: dict[str, list[str]] = {}  # and their texts
    names: dict[str, str] = {}  # and the name as the page first shows it
    wrote: dict[str, list[str]] = {}  # per name as shown, the author's own words (no quotes)
    for i, (c, paras) in enumerate(zip(comments, layouts, strict=True)):
        quotes = find_quotes(c.text, paras, said, wrote)
        if quotes:
            c = replace(c, quotes=quotes)
            q = next((q for q in quotes if q.author), None)
            candidates = by_author.get(q.author.casefold(), []) if q and q.author else []
            if c.parent is None and candidates and q is not None and q.author != c.author:
                c = replace(c, parent=_quoted_comment(out, candidates, c.text[q.start : q.end]))
        out.append(c)
        if c.author:
            by_author.setdefault(c.author.casefold(), []).append(i)
            said.setdefault(c.author.casefold(), []).append(c.text)
            wrote.setdefault(names.setdefault(c.author.casefold(), c.author), []).append(c.own_text)
    return out


def plain_paragraphs(text: str) -> list[Paragraph]:
    """The paragraphs of a comment sent as plain text, as ``paragraphs`` gives them (offsets in
    ``text.strip()``): a blank line, a change of indent, or the first line after "> " lines or before
    them starts one (a reply typed right under the quoted line, as mail and forums write it)."""
    lines = text.split("\n")
    shape: list[tuple[bool, int, int]] = []
    blank, quoted = False, False
    for line in lines:
        bare = line.lstrip()
        now = _QUOTED_LINE.match(bare) is not None
        shape.append((blank or (bool(bare) and now != quoted), len(line) - len(bare), 0))
        if bare:
            quoted = now
        blank = not bare
    return paragraphs(lines, shape, each_line=False)


def quoted_comments(texts: Sequence[str], authors: Sequence[str | None]) -> list[Comment]:
    """Comments sent as plain text, one thread in order (the native API's, an export's), with their
    quotes marked as on a page: "> " lines, a "NAME wrote:" header and what follows it, an earlier
    commenter's words repeated. The quotes' offsets are on each text as sent."""
    stripped = [t.strip() for t in texts]  # (the spaces before the first line are no indent)
    # A text of one line is one paragraph, and a quote found there would be all of it, which
    # ``find_quotes`` refuses: no layout to read (most comments are one line).
    if not any("\n" in t for t in stripped):
        return [Comment(text, author=a) for text, a in zip(texts, authors, strict=True)]
    marked = mark_quotes(
        [Comment(t, author=a) for t, a in zip(stripped, authors, strict=True)],
        [plain_paragraphs(t) if "\n" in t else [] for t in stripped],
    )
    out = []
    for text, c in zip(texts, marked, strict=True):
        lead = len(text) - len(text.lstrip())
        quotes = tuple(Quote(q.start + lead, q.end + lead, q.author) for q in c.quotes)
        out.append(Comment(text, author=c.author, quotes=quotes))
    return out
