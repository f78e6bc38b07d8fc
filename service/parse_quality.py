"""Parser quality against Dragnet's gold extractions: token F1 of title+body and of comments, and the
rate of comments invented on pages that have none, per rendering, on a fixed page split.

The split is by page id: a page is in the test split when the first 8 hex digits of sha256(id), read as
an integer, are below 30% of 2**32. It is fixed (no seed, no file list) and never used to train or tune.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.records import Article

RENDERINGS = ("html", "w3m.txt", "inscriptis.txt")
TEST_SHARE = 0.30
# Gold files give comments as one text after a separator line: punctuation, then "COMMENTS" (a few
# files miss or double a character of the usual "!@#$%^&*() COMMENTS").
_SEPARATOR = re.compile(r"^[^\w\s]{3,}\s*COMMENTS\s*$", re.M)
# A page "has comments" when its gold comment text is longer than this (Dragnet's own convention:
# shorter comment parts are stray words, not comments).
MIN_GOLD_COMMENT_CHARS = 50
_WORD = re.compile(r"\w+")
# A title may carry a word or two the gold lacks ("| Site"), not a majority.
TITLE_FOREIGN_SHARE = 0.5


def in_test_split(page_id: str) -> bool:
    h = int(hashlib.sha256(page_id.encode("utf-8")).hexdigest()[:8], 16)
    return h < TEST_SHARE * 2**32


def tokens(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


def prf(pred: Counter[str], gold: Counter[str]) -> tuple[float, float, float]:
    """Bag-of-words precision, recall and F1. Both empty is a perfect match."""
    if not pred and not gold:
        return 1.0, 1.0, 1.0
    overlap = sum((pred & gold).values())
    p = overlap / sum(pred.values()) if pred else 0.0
    r = overlap / sum(gold.values()) if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass(frozen=True)
class GoldPage:
    page_id: str
    body: str
    comments: str

    @property
    def has_comments(self) -> bool:
        return len(self.comments.strip()) > MIN_GOLD_COMMENT_CHARS


def decode_gold(raw: bytes) -> str:
    """A gold file's text. Dragnet's gold files are UTF-8, except three UTF-16 files (with a BOM) and
    26 Windows-1252 ones; read as UTF-8 the first lose every word. (The service's page decoder reads
    them the same, but it also rewrites line ends and refuses empty text.)"""
    from service.ingest import _BOMS

    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(encoding, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_gold(path: Path) -> GoldPage:
    text = decode_gold(path.read_bytes())
    m = _SEPARATOR.search(text)
    body, comments = (text[: m.start()], text[m.end() :]) if m else (text, "")
    return GoldPage(path.name.removesuffix(".gold.txt"), body, comments)


def dragnet_pages(root: Path, split: str) -> list[str]:
    """Page ids of the Dragnet folder in `split` ("test", "train" or "all"), sorted."""
    ids = sorted(p.name.removesuffix(".gold.txt") for p in root.glob("*.gold.txt"))
    if split == "all":
        return ids
    want = split == "test"
    return [i for i in ids if in_test_split(i) == want]


def comment_text(article: Article) -> str:
    """What the gold counts as comment text: each comment's header as rendered (author, time) and text."""
    return "\n".join(" ".join(x for x in (c.author, c.posted_raw, c.text) if x) for c in article.comments)


@dataclass
class RenderingScore:
    """Sums over the pages of one rendering; the figures are page averages."""

    pages: int = 0
    errors: int = 0
    body_p: float = 0.0
    body_r: float = 0.0
    body_f1: float = 0.0
    with_comments: int = 0
    comments_f1: float = 0.0
    without_comments: int = 0
    invented: int = 0
    invented_pages: list[str] = field(default_factory=list)
    titles_right: int = 0
    page_body_f1: list[float] = field(default_factory=list)  # for the interval (body_f1_interval)

    def add(self, gold: GoldPage, article: Article | None) -> None:
        self.pages += 1
        if article is None:
            self.errors += 1
            pred_body, pred_comments, n = "", "", 0
        else:
            pred_body = f"{article.title or ''}\n{article.body}"
            pred_comments, n = comment_text(article), len(article.comments)
        self.titles_right += title_in_gold(article.title if article else None, gold.body)
        p, r, f = prf(tokens(pred_body), tokens(gold.body))
        self.body_p += p
        self.body_r += r
        self.body_f1 += f
        self.page_body_f1.append(f)
        if gold.has_comments:
            self.with_comments += 1
            self.comments_f1 += prf(tokens(pred_comments), tokens(gold.comments))[2]
        else:
            self.without_comments += 1
            if n:
                self.invented += 1
                self.invented_pages.append(gold.page_id)

    def figures(self) -> dict[str, float]:
        pages = max(1, self.pages)
        return {
            "body_precision": round(self.body_p / pages, 4),
            "body_recall": round(self.body_r / pages, 4),
            "body_f1": round(self.body_f1 / pages, 4),
            "comments_f1": round(self.comments_f1 / max(1, self.with_comments), 4),
            "false_comment_rate": round(self.invented / max(1, self.without_comments), 4),
            "title_right": round(self.titles_right / pages, 4),
        }

    def body_f1_interval(self, rounds: int = 1000, seed: int = 0) -> tuple[float, float]:
        """The page-averaged body F1's 95 % bootstrap interval, pages resampled (1,000 resamples, as
        `make eval`'s AUC intervals): how far the figure sits from a target in units of its noise."""
        import numpy as np

        values = np.asarray(self.page_body_f1, dtype=float)
        if not len(values):
            return float("nan"), float("nan")
        draws = np.random.default_rng(seed).integers(0, len(values), (rounds, len(values)))
        low, high = np.quantile(values[draws].mean(axis=1), [0.025, 0.975])
        return float(low), float(high)


def title_in_gold(title: str | None, gold_body: str) -> bool:
    """A title is right when most of its words are the gold's (the gold's first lines hold the
    headline; a site's name or a teaser shares few words with it)."""
    mine = tokens(title or "")
    if not mine:
        return False
    return sum((mine - tokens(gold_body)).values()) <= TITLE_FOREIGN_SHARE * sum(mine.values())


def score_dragnet(
    root: Path,
    page_ids: Iterable[str],
    parse: Callable[[Path], Article],
    renderings: Iterable[str] = RENDERINGS,
) -> dict[str, RenderingScore]:
    """Parse every page of `page_ids` in each rendering with `parse` and score it against the gold."""
    from core.errors import InputError

    out = {r: RenderingScore() for r in renderings}
    for page_id in page_ids:
        gold = read_gold(root / f"{page_id}.gold.txt")
        for rendering, score in out.items():
            path = root / f"{page_id}.{rendering}"
            try:
                article: Article | None = parse(path)
            except InputError:
                article = None
            score.add(gold, article)
    return out
