"""A learned check on the body: a logistic regression over features of each body line and its
neighbours, trained on Dragnet's gold extractions (training/parse_lines.py), that drops body lines
which read like page furniture (related-article lists, bylines, newsletter boxes, sidebars).

The model is plain coefficients in JSON (service/parse/line_model.json): nothing is unpickled, and
the file carries its features, scaling, threshold and training figures. A rendering the model was not
adopted for (see "renderings" in the file) keeps the rules' body.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from service.parse.lexicon import _FUNCTION_WORDS, _ends_sentence
from service.parse.lines import _Line

MODEL_PATH = Path(__file__).with_name("line_model.json")
_WORD = re.compile(r"[^\W\d_]+")
_DIGIT = re.compile(r"\d")
_PUNCT = re.compile(r"[^\w\s]")
_SEPARATORS = re.compile(r"[|»›•·]")
_BULLET = re.compile(r"^\s*(?:[•*●◦▪‣·□■☐☆★○◆►▸+-]|\d{1,3}[.)])\s")
_FIRST = itemgetter(0)

FEATURES = (
    "log_words",
    "log_chars",
    "sentence_end",
    "function_share",
    "capital_share",
    "digit_share",
    "punct_share",
    "has_date",
    "bullet",
    "separators",
    "position",
    "body_rank",
    "before_comments",
    "has_comments",
    "prev_log_words",
    "next_log_words",
    "prev_body",
    "next_body",
    "prev_sentence_end",
    "next_sentence_end",
    "block_log_words",
    "repeated",
    "run_log_lines",
    "page_body_log_words",
    "blank_before",
    "indent",
    "has_hint",
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _line_stats(ln: _Line) -> tuple[float, bool]:
    words = len(ln.core.split())
    return math.log1p(words), _ends_sentence(ln.core)


def features(lines: list[_Line], role: list[str | None], section_start: int) -> dict[int, list[float]]:
    """Feature rows for every line whose role is "body", keyed by line index."""
    n = len(lines)
    body = [j for j in range(n) if role[j] == "body"]
    if not body:
        return {}
    counts = Counter(ln.core for ln in lines)
    # Per-line figures only where a body line or its neighbour needs them.
    need = {k for j in body for k in (j - 1, j, j + 1) if 0 <= k < n}
    stats = {k: _line_stats(lines[k]) for k in need}
    page_words = math.log1p(sum(len(lines[j].core.split()) for j in body))
    blocks = _block_words(lines, body)
    runs = _body_runs(role)
    has_comments = section_start < n
    out: dict[int, list[float]] = {}
    for rank, j in enumerate(body):
        ln = lines[j]
        text = ln.core
        chars = max(1, len(text))
        words = _words(text)
        nw = max(1, len(words))
        prev_j, next_j = j - 1, j + 1
        out[j] = [
            stats[j][0],
            math.log1p(len(text)),
            float(stats[j][1]),
            # (map over C functions: the same counts as a generator, a few times faster)
            sum(map(_FUNCTION_WORDS.__contains__, map(str.lower, words))) / nw,
            sum(map(str.isupper, map(_FIRST, words))) / nw,  # a word is never empty
            len(_DIGIT.findall(text)) / chars,
            len(_PUNCT.findall(text)) / chars,
            float(ln.date is not None),
            float(bool(_BULLET.match(ln.text))),
            float(bool(_SEPARATORS.search(text))),
            j / n,
            rank / len(body),
            (section_start - j) / n if has_comments else 0.0,
            float(has_comments),
            stats[prev_j][0] if prev_j >= 0 else 0.0,
            stats[next_j][0] if next_j < n else 0.0,
            float(prev_j >= 0 and role[prev_j] == "body"),
            float(next_j < n and role[next_j] == "body"),
            float(prev_j >= 0 and stats[prev_j][1]),
            float(next_j < n and stats[next_j][1]),
            blocks[j],
            float(counts[text] > 1),
            runs[j],
            page_words,
            float(ln.blank_before),
            min(ln.indent, 40) / 40,
            float(ln.hint is not None),
        ]
    return out


def _block_words(lines: list[_Line], body: list[int]) -> dict[int, float]:
    """For each body line, log1p of the words of the paragraph (lines between blank lines) it is in."""
    out: dict[int, float] = {}
    for j in body:
        if j in out:
            continue
        a = j
        while a > 0 and not lines[a].blank_before:
            a -= 1
        b = j + 1
        while b < len(lines) and not lines[b].blank_before:
            b += 1
        total = math.log1p(sum(len(lines[k].core.split()) for k in range(a, b)))
        for k in range(a, b):
            out[k] = total
    return out


def _body_runs(role: list[str | None]) -> list[float]:
    """log1p of the length of the run of consecutive body lines each line is in."""
    out = [0.0] * len(role)
    j = 0
    while j < len(role):
        if role[j] != "body":
            j += 1
            continue
        k = j
        while k < len(role) and role[k] == "body":
            k += 1
        for i in range(j, k):
            out[i] = math.log1p(k - j)
        j = k
    return out


@dataclass(frozen=True)
class KindModel:
    """Scaled-logistic-regression coefficients for one input kind ("html" or "text")."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    @classmethod
    def from_dict(cls, m: dict[str, Any], n_features: int, what: str) -> KindModel:
        """The coefficients as stored in JSON; ``what`` names the model in the error."""
        km = cls(
            tuple(float(x) for x in m["mean"]),
            tuple(float(x) for x in m["scale"]),
            tuple(float(x) for x in m["coef"]),
            float(m["intercept"]),
            float(m["threshold"]),
        )
        if {len(km.mean), len(km.scale), len(km.coef)} != {n_features}:
            raise ValueError(f"{what}: coefficient count does not match the features")
        return km

    @cached_property
    def _terms(self) -> tuple[tuple[float, float, float], ...]:
        """(mean, scale, coefficient) per feature: one tuple to walk per row instead of four."""
        return tuple(zip(self.mean, self.scale, self.coef, strict=True))

    def probability(self, row: list[float]) -> float:
        z = self.intercept
        for x, (m, s, c) in zip(row, self._terms, strict=True):
            z += c * (x - m) / s
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class LineModel:
    """One KindModel per input kind the model was adopted for (it improved the held-out F1)."""

    kinds: dict[str, KindModel]

    @property
    def renderings(self) -> tuple[str, ...]:
        return tuple(self.kinds)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LineModel:
        if tuple(d["features"]) != FEATURES:
            raise ValueError("line model features do not match this parser's")
        kinds = {
            kind: KindModel.from_dict(m, len(FEATURES), f"line model for {kind}")
            for kind, m in d["models"].items()
        }
        return cls(kinds)


@lru_cache(maxsize=1)
def load(path: Path = MODEL_PATH) -> LineModel | None:
    """The shipped model, or None when there is none (the rules' body stands)."""
    if not path.exists():
        return None
    return LineModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


def paragraph_ids(lines: list[_Line], idx: list[int]) -> list[int]:
    """For body lines `idx` (ascending), the paragraph each is in: a paragraph is a run of body lines
    with no blank line between them (a text dump wraps one paragraph over several lines)."""
    out: list[int] = []
    para = -1
    for k, j in enumerate(idx):
        if k == 0 or idx[k - 1] != j - 1 or lines[j].blank_before:
            para += 1
        out.append(para)
    return out


def paragraph_means(probs: list[float], paras: list[int]) -> list[float]:
    """Each line's paragraph's mean probability: the lines of one paragraph stay or go together."""
    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    for p, g in zip(probs, paras, strict=True):
        sums[g] = sums.get(g, 0.0) + p
        counts[g] = counts.get(g, 0) + 1
    return [sums[g] / counts[g] for g in paras]


def drop_unlikely_body(
    lines: list[_Line], role: list[str | None], section_start: int, model: KindModel
) -> None:
    """Re-label the body paragraphs whose mean probability is below the model's threshold."""
    rows = features(lines, role, section_start)
    idx = sorted(rows)
    means = paragraph_means([model.probability(rows[j]) for j in idx], paragraph_ids(lines, idx))
    for j, p in zip(idx, means, strict=True):
        if p < model.threshold:
            role[j] = "not the article (line model)"
