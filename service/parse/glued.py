"""BeautifulSoup's plain `get_text()` (no separator) of a page whose source has no line breaks between
elements: block elements glued on a few very long lines.

That call keeps only the page source's own whitespace, so such a page comes out as "...on Samsung.The
Apple-HTC deal..." with the document <title> first and the source's indentation as runs of spaces. The
line model reads a line of thousands of characters as one block and drops it, article and all. Only a
dump that reads like that (`looks_glued`) is split back (`split_glued`): at each sentence end glued to
the next capitalised word, and at each run of spaces. A plain get_text() dump whose source had line
breaks between elements reads line by line already and is not touched.
"""

from __future__ import annotations

import re

# A line this long is no browser-drawn line (w3m wraps at 80 columns); inscriptis draws a paragraph on
# one line, and a long paragraph reaches it.
LONG_LINE = 1000
# Characters on such lines for a dump to be glued. Dragnet TRAIN: inscriptis dumps whose source glues
# its own sentences ("Napa.How") hold at most 2,335 on such lines; the plain get_text() dumps that lost
# their article 2,500 to 20,000.
MIN_LONG_CHARS = 3000
# Glued sentence ends on those lines: two make a pattern, not a typo (TRAIN: 53 of the 559 plain
# get_text() dumps; none of the 813 w3m, 813 inscriptis or 559 get_text("\n") dumps).
MIN_GLUED = 2
# A sentence's end after two lower-case letters (not "U.S.A", "e.g.", "Node.js", "www.Example.com"),
# maybe quoted, glued to a capitalised word: "on Samsung.The Apple-HTC deal", "he said.\u201dThen".
_GLUED = re.compile(
    r"(?<=[a-z]{2}[.!?])(?<!www\.)(?=[A-Z][a-z])|(?<=[a-z]{2}[.!?][\"'\u201d\u2019)])(?=[A-Z][a-z])"
)
# The source's indentation or line-end spaces between two elements ("continue  Geeks are Sexy").
_SPACES = re.compile(r"[ \t]{2,}")


def looks_glued(lines: list[str]) -> bool:
    """Whether `lines` read like a plain get_text() dump of a page whose source had no line breaks."""
    long = [ln for ln in lines if len(ln) > LONG_LINE]
    if sum(map(len, long)) < MIN_LONG_CHARS:
        return False
    glued = 0
    for line in long:
        glued += sum(1 for _ in _GLUED.finditer(line))
        if glued >= MIN_GLUED:
            return True
    return False


def split_glued(lines: list[str]) -> list[str]:
    """The long lines split at each glued sentence end and each run of spaces (a run opening a line
    leaves a blank line before it, as the source's line break would have); the other lines as they are
    (a thread's "Name  said:" keeps its spaces)."""
    out: list[str] = []
    for line in lines:
        if len(line) <= LONG_LINE:
            out.append(line)
            continue
        for piece in _SPACES.split(line):
            out.extend(_GLUED.split(piece))
    return out
