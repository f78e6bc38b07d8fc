"""Markdown that text scrapers leave in a line (html2text, markdownify): links, images, bold and
heading markers, read as the text a reader sees.

Header lines of those renderings read "[ TAROCHAN ](/commenter/tarochan/ "...") AT [01/08/08 05:30
PM](http://...)" or "1. ![](https://gravatar...) **[degski](http://example.com)** says:", and the
classifier looked for a name and a date among the URLs: on 7 of the 18 shared pages with comments,
each of those two scrapers' renderings lost every comment. Only lines that hold the syntax are
touched; backslash escapes ("3\\. Dezember", "dave\\_k") are undone; a date in `_italic_` is the date
(html2text writes a stamp in <em> as "_3 ore fa_"; other underscores may be what a reader typed, "I _bow_",
or a name, "_KiTA_"); `__bold__` and `*italic*` are left alone (underscore runs are form fields in w3m
dumps, and an asterisk is a bullet).
"""

from __future__ import annotations

import re

from service.dates import find_date

# [text](url) and ![alt](url), each with an optional "title"; bounded, so a stray bracket costs little.
# The target must look like a URL, a path, a query or an anchor (a "/", ".", ":", "#", "?" or "=" in
# it): w3m draws a form button and a radio box as "[Go](*)" and a field's note as "[     ](Required)".
_TARGET = r'\((?=[^()\s]*[/.:#?=])[^()\s]{1,2000}(?:\s+"[^"\n]{0,300}")?\)'
_IMAGE = re.compile(r"!\[([^\]\n]{0,300})\]" + _TARGET)
_LINK = re.compile(r"\[([^\]\n]{0,300})\]" + _TARGET)
_BOLD = re.compile(r"(?<!\*)\*\*(?=[^\s*])([^*\n]{1,300}?)(?<=[^\s*])\*\*(?!\*)")
# "_3 ore fa_": one underscore on each side, at word edges, none inside ("dave_k", "__init__", a form
# field's "[______]" and an image's placeholder "[_thumb_]" stay); read only when it holds a date.
_ITALIC = re.compile(r"(?<![\w_\[])_(?=[^\s_])([^_\n]{1,300}?)(?<=[^\s_])_(?![\w_\]])")
_HEADING = re.compile(r"#{1,6}[ \t]+(?=[^\s#])")  # at the start of a line (match)
# A backslash escape of markdown punctuation ("3\. Dezember", "dave\_k"): the character itself.
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")
# The spaces an empty link leaves between two words; six or more are a text dump's column gap.
_SPACES = re.compile(r" {2,5}")


def may_hold_markdown(line: str) -> bool:
    """A cheap test before `plain`: the line holds a link/image, bold, italic, a backslash escape, or
    starts with a heading mark."""
    return "](" in line or "**" in line or line[:1] == "#" or "\\" in line or "_" in line


# A line of nothing but images, each maybe wrapped in a link: "[![](/avatar/dlee.png)](/u/dlee)".
_IMAGES_ONLY = re.compile(r"(?:\s*(?:\[\s*)?!\[\s*\]" + _TARGET + r"(?:\s*\]" + _TARGET + r")?)+\s*")


def only_images(line: str) -> bool:
    """The line holds only images with no alt text (a linked avatar): nothing a reader sees as text.
    html2text writes Discourse's avatar link on its own line between the date and the name, where the
    name-below-the-date rule looked for the name (6 of 9 posts, no author)."""
    return "![" in line and _IMAGES_ONLY.fullmatch(line) is not None


def plain(line: str) -> str:
    """The line with markdown links and images replaced by their text, bold markers and a leading
    heading mark removed, and the spaces that leaves squeezed (only when something changed)."""
    out = line
    if "](" in out:
        out = _LINK.sub(lambda m: m.group(1).strip(), _IMAGE.sub(lambda m: m.group(1).strip(), out))
    if "**" in out:
        out = _BOLD.sub(r"\1", out)
    if "_" in out:
        out = _ITALIC.sub(_dated_emphasis, out)
    if heading := _HEADING.match(out):
        out = out[heading.end() :]
    if "\\" in out:
        out = _ESCAPE.sub(r"\1", out)
    if out == line:
        return line
    return _SPACES.sub(" ", out).strip() or line


def _dated_emphasis(m: re.Match[str]) -> str:
    """The text of an `_emphasis_` that is a date ("_3 ore fa_"); any other stays as it is."""
    hit = find_date(m[1])
    return m[1] if hit is not None and hit.start == 0 and hit.end == len(m[1]) else m[0]
