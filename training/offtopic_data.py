"""Off-topic training and evaluation data: threads grouped by article, from four sources.

- ``c3``: C3 (Globe and Mail comments) grouped by ``article_id``; no article text.
- ``omp``: One Million Posts (German, DER STANDARD), every labelled post grouped by ``ID_Article``
  (post headline + body); ``OffTopic`` is the human label (1 / 0 / not annotated); no article text.
- ``dragnet``: pages with a gold article body and gold reader comments (the comments' text is one
  block; it is cut into comments at header lines such as "NAME July 26, 2012 at 8:42 am").
- ``pages``: the shared article pages, parsed with ``service.parse``.
- ``youtube``: a pool of comments from another domain (YouTube music videos, ham and spam), which
  ``foreign_examples`` moves into news threads as off-topic intruders. Only the videos the spam
  attribute trains on: its held-out video (training.labels.YOUTUBE_TEST_VIDEO) is never read here.

Each thread is a ``SourceThread``. Every source is split by article / page with the same hash
(``is_heldout``): about a fifth is held out for evaluation and never trained or tuned on.
"""

from __future__ import annotations

import csv
import hashlib
import html
import logging
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import TrainingDataError
from core.records import ArticleContext
from training import labels as L

log = logging.getLogger(__name__)

C3_FILE = Path("c3-constructive-comments") / "C3_anonymized.csv"
OMP_FILE = Path("one-million-posts") / "posts_labeled_wide.csv"
DRAGNET_DIR = Path("dragnet-pages")
YOUTUBE_DIR = Path(L.YOUTUBE_DIR)
YOUTUBE_TRAIN_FILES = L.YOUTUBE_TRAIN_FILES  # the spam attribute's training videos, never its held-out one
MIN_FOREIGN_WORDS = 3  # shorter chatter ("lol", "Party rock") is UNSUBSTANTIAL's business, not off_topic's
_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"[^\W\d_]{2,}")  # a word of two or more letters (emoji and numbers are not words)
HELDOUT_PERCENT = 20
MAX_PAGE_COMMENTS = 60  # a page with hundreds of comments would outweigh the others
_VOTES = re.compile(r"non_relevant:(\d+)")
_SEPARATOR = re.compile(r"^\W*COMMENTS\s*$", re.MULTILINE)
_HEADER = re.compile(
    r"(\b(19|20)\d\d\b|\b\d{1,2}:\d\d\b|\bago\b|\b(says|said|wrote)\s*:?\s*$|^reply$|^report$)", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class SourceThread:
    """One article's comments. ``labels``: human off-topic labels (nan = none); ``native_ok``: whether
    a comment may serve as an on-topic native or a swapped-in intruder (False for comments a human
    flagged, as off-topic or as non_relevant chatter)."""

    source: str
    group: str
    comments: tuple[str, ...]
    labels: np.ndarray
    native_ok: np.ndarray
    article: ArticleContext | None = None


def is_heldout(source: str, group: str) -> bool:
    """Deterministic split by article / page: ~20% held out for evaluation."""
    digest = hashlib.sha256(f"offtopic:{source}:{group}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELDOUT_PERCENT


def split(threads: Sequence[SourceThread]) -> tuple[list[SourceThread], list[SourceThread]]:
    train = [t for t in threads if not is_heldout(t.source, t.group)]
    test = [t for t in threads if is_heldout(t.source, t.group)]
    return train, test


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise TrainingDataError(f"corpus not found at {path}: set DATA_DIR to the shared corpora")
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise TrainingDataError(f"{path}: not a readable UTF-8 CSV ({exc})") from exc


def load_c3(data_dir: Path) -> list[SourceThread]:
    """C3 comments by article; comments with any non_relevant vote are never natives nor intruders."""
    groups: dict[str, list[tuple[str, int]]] = {}
    for row in _read_csv(Path(data_dir) / C3_FILE):
        text = (row.get("comment_text") or "").strip()
        if text and row.get("article_id"):
            m = _VOTES.search(row.get("non_constructive_characteristics") or "")
            groups.setdefault(row["article_id"], []).append((text, int(m.group(1)) if m else 0))
    return [
        SourceThread(
            "c3",
            aid,
            tuple(t for t, _ in cs),
            np.full(len(cs), np.nan),
            np.array([v == 0 for _, v in cs]),
        )
        for aid, cs in groups.items()
    ]


def load_omp(data_dir: Path) -> list[SourceThread]:
    """One Million Posts: every labelled post (headline + body) by article, OffTopic as the label."""
    groups: dict[str, list[tuple[str, float]]] = {}
    for row in _read_csv(Path(data_dir) / OMP_FILE):
        text = f"{row.get('Headline') or ''}\n{row.get('Body') or ''}".strip()
        if not text or not row.get("ID_Article"):
            continue
        value = (row.get("OffTopic") or "").strip()
        groups.setdefault(row["ID_Article"], []).append((text, float(value) if value else float("nan")))
    out = []
    for aid, posts in groups.items():
        labels = np.array([y for _, y in posts])
        out.append(SourceThread("omp", aid, tuple(t for t, _ in posts), labels, ~(labels == 1)))
    return out


def split_gold(gold: str) -> tuple[ArticleContext, list[str]]:
    """A Dragnet gold file: (article, comments). The title is the first line of three or more words
    that is not a date line;
    comments are cut at header lines (a name with a date, "... says:")."""
    parts = _SEPARATOR.split(gold, maxsplit=1)
    lines = [ln.strip() for ln in parts[0].splitlines() if ln.strip()]
    title_at = next((i for i, ln in enumerate(lines) if len(ln.split()) >= 3 and not _HEADER.search(ln)), 0)
    title = lines[title_at] if lines else ""
    article = ArticleContext(title=title, body="\n".join(lines[title_at + 1 :]))
    comments: list[str] = []
    current: list[str] = []
    n_headers = 0
    for ln in (parts[1] if len(parts) > 1 else "").splitlines():
        ln = ln.strip()
        if not ln:
            continue
        if len(ln.split()) <= 12 and _HEADER.search(ln):
            n_headers += 1
            comments.append(" ".join(current))
            current = []
        else:
            current.append(ln)
    comments.append(" ".join(current))
    comments = [c for c in comments if len(c.split()) >= 5]
    if n_headers < 2:  # no recognisable headers: paragraphs stand in for comments
        blocks = re.split(r"\n\s*\n", parts[1]) if len(parts) > 1 else []
        comments = [" ".join(b.split()) for b in blocks if len(b.split()) >= 5 and not _HEADER.search(b)]
    return article, comments[:MAX_PAGE_COMMENTS]


def load_dragnet(data_dir: Path) -> list[SourceThread]:
    """Dragnet pages with a gold body and at least three gold comments."""
    out = []
    for path in sorted((Path(data_dir) / DRAGNET_DIR).glob("*.gold.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # a few gold files are Windows-1252
            text = raw.decode("cp1252", errors="replace")
        article, comments = split_gold(text)
        if len(comments) >= 3 and len(article.body.split()) >= 50:
            n = len(comments)
            out.append(
                SourceThread(
                    "dragnet",
                    path.name.split(".")[0],
                    tuple(comments),
                    np.full(n, np.nan),
                    np.ones(n, bool),
                    article,
                )
            )
    return out


def load_pages(articles_dir: Path | None) -> list[SourceThread]:
    """The shared article pages, parsed by ``service.parse``; pages with < 3 comments are skipped."""
    if articles_dir is None or not Path(articles_dir).is_dir():
        return []
    from service.parse import parse_file

    out = []
    for path in sorted(Path(articles_dir).rglob("*.html")):
        try:
            art = parse_file(path)
        except Exception as exc:  # a page the parser cannot read is reported, not fatal
            log.warning("page %s not parsed: %s", path, exc)
            continue
        comments = tuple(c.text for c in art.comments if len(c.text.split()) >= 3)[:MAX_PAGE_COMMENTS]
        if len(comments) >= 3 and art.body.strip():
            group = path.relative_to(articles_dir).as_posix()
            n = len(comments)
            article = ArticleContext(art.title or "", art.body)
            out.append(SourceThread("pages", group, comments, np.full(n, np.nan), np.ones(n, bool), article))
    return out


def standfirst(article: ArticleContext, max_words: int = 60) -> ArticleContext:
    """The headline and the first paragraph (its first ``max_words`` words): what a feed often gives
    instead of the article."""
    paragraphs = [p for p in article.body.splitlines() if len(p.split()) >= 8] or [article.body]
    return ArticleContext(title=article.title, body=" ".join(paragraphs[0].split()[:max_words]))


def clean_foreign(text: str) -> str:
    """A foreign comment as a reader would see it: HTML entities decoded, tags (``<br />``, ``<a>``)
    dropped, YouTube's trailing U+FEFF removed, whitespace collapsed."""
    return " ".join(_TAG.sub(" ", html.unescape(text)).replace("\ufeff", " ").split())


def load_youtube(data_dir: Path, files: Sequence[str] = YOUTUBE_TRAIN_FILES) -> list[str]:
    """Distinct cleaned YouTube comments (ham and spam: both are off-topic under a news article) of
    ``files``, at least ``MIN_FOREIGN_WORDS`` words of letters each, in file order."""
    out: dict[str, None] = {}
    for name in files:
        for row in _read_csv(Path(data_dir) / YOUTUBE_DIR / name):
            text = clean_foreign(row.get("CONTENT") or "")
            if len(_WORD.findall(text)) >= MIN_FOREIGN_WORDS:
                out.setdefault(text, None)
    return list(out)
