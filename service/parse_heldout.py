"""The held-out comment pages (service/evaldata/heldout_pages): 36 pages of 30-odd comment systems and
sites in 10 languages, each as HTML, a w3m dump and inscriptis text, with what a reader sees on each
(title, body's first and last words, every comment's author, time, first words and parent). Written in
session 38 by a helper that never saw the parser's rules, and scored once before and once after that
session's parser changes: never tune a rule on them (docs/parser.md, "Held-out pages").

A comment is matched when a found comment's text starts with its first words (case, punctuation and
spacing aside); each found comment matches at most one. A silent miss is a page with comments where none
was found and no warning said so.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.records import Article

HELDOUT_DIR = Path(__file__).resolve().parent / "evaldata" / "heldout_pages"
RENDERINGS = (
    ("html", ".html", "html"),
    ("w3m.txt", ".w3m.txt", "text"),
    ("inscriptis.txt", ".inscriptis.txt", "text"),
)


def _norm(text: object) -> str:
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", str(text or "")).casefold()))


@dataclass
class PageScore:
    expected: int
    found: int = 0
    matched: int = 0
    authors: int = 0
    parents: int = 0
    invented: int = 0
    silent_miss: bool = False
    body_first: bool = False
    body_last: bool = False
    title: bool = False
    error: bool = False

    @property
    def count_ok(self) -> bool:
        return not self.error and self.found == self.expected


def _text_matches(want: dict[str, Any], text: str) -> bool:
    got = _norm(text)
    starts = [want["text_start"], *(want.get("alt_text_start") or [])]
    if any(_norm(s) and got.startswith(_norm(s)) for s in starts):
        return True
    quote = want.get("quote_start")  # a reply opening with a quote of another post: the quote may lead
    return bool(quote) and got.startswith(_norm(quote)) and _norm(want["text_start"]) in got


def score_page(want: dict[str, Any], article: Article) -> PageScore:
    found = list(article.comments)
    wanted = want["comments"]
    matched_by: dict[int, int] = {}  # found comment -> wanted comment
    match_of: list[int | None] = [None] * len(wanted)
    for w, item in enumerate(wanted):
        k = next(
            (
                k
                for k, c in enumerate(found)
                # (a reply that opens with a quote: its own words, the quote set apart, start as written)
                if k not in matched_by and (_text_matches(item, c.text) or _text_matches(item, c.own_text))
            ),
            None,
        )
        if k is not None:
            matched_by[k] = w
            match_of[w] = k
    s = PageScore(expected=len(wanted), found=len(found))
    for w, k in enumerate(match_of):
        if k is None:
            continue
        s.matched += 1
        s.authors += _norm(found[k].author) == _norm(wanted[w]["author"])
        parent = found[k].parent
        s.parents += (None if parent is None else matched_by.get(parent, -1)) == wanted[w]["parent"]
    s.invented = len(found) - len(matched_by)
    s.silent_miss = bool(wanted) and not found and not article.warnings
    body = _norm(article.body)
    s.body_first = bool(body) and _norm(want["body_first"]) in body
    s.body_last = bool(body) and _norm(want["body_last"]) in body
    s.title = _norm(article.title) == _norm(want["title"])
    return s


def score_all(folder: Path = HELDOUT_DIR) -> dict[str, list[tuple[str, PageScore]]]:
    """Every page in its three renderings: rendering -> [(page, score)] in page order."""
    from core.errors import InputError
    from service.parse import parse_page

    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    out: dict[str, list[tuple[str, PageScore]]] = {name: [] for name, _, _ in RENDERINGS}
    for page in sorted(expected):
        want = expected[page]
        for name, suffix, fmt in RENDERINGS:
            path = folder / f"{page}{suffix}"
            try:
                score = score_page(want, parse_page(path.read_bytes(), source=path.name, fmt=fmt))  # type: ignore[arg-type]
            except InputError:
                score = PageScore(expected=len(want["comments"]), error=True)
            out[name].append((page, score))
    return out


def figures(scores: list[PageScore]) -> dict[str, float]:
    """One rendering's figures: shares of pages and of comments, and counts where a count reads better."""
    pages = len(scores) or 1
    wanted = sum(s.expected for s in scores) or 1
    matched = sum(s.matched for s in scores)
    return {
        "count_exact": round(sum(s.count_ok for s in scores) / pages, 4),
        "matched": round(matched / wanted, 4),
        "authors": round(sum(s.authors for s in scores) / (matched or 1), 4),
        "invented": sum(s.invented for s in scores),
        "silent_misses": sum(s.silent_miss for s in scores),
        "body_ends": round(sum(s.body_first + s.body_last for s in scores) / (2 * pages), 4),
        "title_right": round(sum(s.title for s in scores) / pages, 4),
        "errors": sum(s.error for s in scores),
    }
