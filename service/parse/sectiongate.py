"""A learned check on the comment section: P(the section the rules found is really reader comments),
from features of the section as a whole, trained on Dragnet's gold (training/parse_lines.py).

Dated lines that repeat in one shape are not always comments: a list of related articles with their
dates, a blog's archive, an event calendar, a "latest posts" box. Such lists are written as headlines
(capitalised words, no sentence end), by few distinct "authors", with dates spread over months, and
often with no comment heading. A section the model rejects is not parsed as comments: its lines go
where they would on a page without comments, and the article carries a warning saying so.

Like the line model, the file (service/parse/section_gate.json) is plain coefficients in JSON: its
features, scaling, threshold and cross-validated figures; nothing is unpickled.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

from core.records import Comment
from service.parse.lexicon import _FUNCTION_WORDS, _ends_sentence
from service.parse.linemodel import KindModel
from service.parse.lines import _Line

MODEL_PATH = Path(__file__).with_name("section_gate.json")
_WORD = re.compile(r"[^\W\d_]+")
_PRONOUNS = frozenset(
    {"i", "me", "my", "you", "your", "we", "our", "i'm", "don't", "can't"}  # en
    | {"je", "moi", "tu", "vous", "nous", "mon", "ma"}  # fr
    | {"ich", "du", "wir", "mir", "mich", "mein", "sie"}  # de
    | {"yo", "tú", "nosotros", "mi", "io", "noi", "eu", "você", "nós", "ik", "jij", "wij"}  # es it pt nl
)
# Dates more than this many days apart are a year's archive, not a thread; the span is capped there.
_MAX_SPAN_DAYS = 3650

FEATURES = (
    "is_html",
    "log_comments",
    "has_opener",
    "opener_count",
    "declared_ratio",
    "footer_mode",
    "author_share",
    "distinct_author_share",
    "time_share",
    "has_time_share",
    "log_date_span_days",
    "reply_share",
    "log_median_words",
    "log_max_words",
    "empty_share",
    "sentence_end_share",
    "function_share",
    "capital_share",
    "pronoun_share",
    "repeated_text_share",
    "section_start",
    "section_share",
    "log_words_before",
    "nav_hint_share",
)


def features(
    lines: list[_Line],
    comments: Sequence[Comment],
    *,
    fmt: str,
    opener: int | None,
    declared: int | None,
    mode: str,
    start: int,
    end: int,
) -> list[float]:
    """One feature row for the comment section [start, end) and the comments parsed from it."""
    n = max(1, len(lines))
    k = max(1, len(comments))
    authors = [c.author for c in comments if c.author]
    in_section = range(start, min(end, len(lines)))
    return [
        float(fmt == "html"),
        math.log1p(len(comments)),
        float(opener is not None),
        float(opener is not None and lines[opener].count is not None),
        min(2.0, (declared or 0) / k),
        float(mode == "footer"),
        len(authors) / k,
        len(set(authors)) / k,
        *_time_features(comments),
        sum(1 for c in comments if c.parent is not None) / k,
        *_text_features([c.text for c in comments]),
        start / n,
        (min(end, n) - start) / n,
        math.log1p(sum(len(lines[j].core.split()) for j in range(min(start, len(lines))))),
        sum(1 for j in in_section if lines[j].hint == "nav") / max(1, len(in_section)),
    ]


def _time_features(comments: Sequence[Comment]) -> list[float]:
    """Share with a written time, share whose time could be read, log1p of their spread in days."""
    k = max(1, len(comments))
    times = [t for t in (_iso(c.posted_at) for c in comments) if t is not None]
    span = (max(times) - min(times)).total_seconds() / 86400 if len(times) > 1 else 0.0
    return [
        sum(1 for c in comments if c.posted_raw) / k,
        len(times) / k,
        math.log1p(min(max(0.0, span), _MAX_SPAN_DAYS)),
    ]


def _text_features(texts: list[str]) -> list[float]:
    """How the texts read: length, empties, sentence ends, function words, capitals, pronouns, repeats."""
    k = max(1, len(texts))
    words = [_WORD.findall(t) for t in texts]
    counts = [len(ws) for ws in words] or [0]
    nw = max(1, sum(counts))
    # Distinct words once each (a thread repeats its words): one count per spelling.
    function = capital = pronoun = 0
    for w, v in Counter(chain.from_iterable(words)).items():
        low = w.lower()
        function += v if low in _FUNCTION_WORDS else 0
        capital += v if w[:1].isupper() else 0
        pronoun += v if low in _PRONOUNS else 0
    seen = Counter(t for t in texts if t)
    return [
        math.log1p(statistics.median(counts)),
        math.log1p(max(counts)),
        sum(1 for t in texts if not t.strip()) / k,
        sum(1 for t in texts if _ends_sentence(t)) / k,
        function / nw,
        capital / nw,
        pronoun / nw,
        sum(v for v in seen.values() if v > 1) / k,
    ]


def _iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt.replace(tzinfo=None)


@dataclass(frozen=True)
class SectionGate:
    """The gate's coefficients; `keeps(row)` says whether a section with these features is comments."""

    model: KindModel

    def probability(self, row: list[float]) -> float:
        return self.model.probability(row)

    def keeps(self, row: list[float]) -> bool:
        return self.probability(row) >= self.model.threshold

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SectionGate:
        if tuple(d["features"]) != FEATURES:
            raise ValueError("section gate features do not match this parser's")
        return cls(KindModel.from_dict(d["model"], len(FEATURES), "section gate"))


@lru_cache(maxsize=1)
def load(path: Path = MODEL_PATH) -> SectionGate | None:
    """The shipped gate, or None when there is none (every section the rules find is kept)."""
    if not path.exists():
        return None
    d = json.loads(path.read_text(encoding="utf-8"))
    return SectionGate.from_dict(d) if d.get("model") else None
