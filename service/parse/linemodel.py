"""A learned check on the body: a logistic regression over features of each body line and its
neighbours, trained on Dragnet's gold extractions (training/parse_lines.py), that drops body lines
which read like page furniture (related-article lists, bylines, newsletter boxes, sidebars).

The model is plain numbers in JSON (service/parse/line_model.json): per input kind logistic
coefficients, or those averaged with boosted decision trees (each node a feature, a split value and
its two children), whichever cross-validated better. Nothing is unpickled, and the file carries its
features, scaling, threshold and training figures. A rendering the model was not adopted for keeps
the rules' body.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

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
# Figures of the heading-delimited section a line is in (section_features): text renderings only. The
# HTML model keeps the 27 features above (its refit with these was no better by cross-validation).
SECTION_FEATURES = (
    "section_short_share",
    "section_prose_share",
    "section_body_share",
    "section_from_main",
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _line_stats(ln: _Line) -> tuple[float, bool]:
    words = len(ln.core.split())
    return math.log1p(words), _ends_sentence(ln.core)


def features(
    lines: list[_Line], role: list[str | None], section_start: int, *, sections: bool = False
) -> dict[int, list[float]]:
    """Feature rows for every line whose role is "body", keyed by line index: FEATURES, then
    SECTION_FEATURES when `sections`."""
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
    by_section = section_features(lines, role) if sections else None
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
            float(ln.structural),
        ]
        if by_section is not None:
            out[j].extend(by_section[j])
    return out


# A heading: a line of up to this many words standing alone (a blank line above and below it, or an
# <h1>) that does not end like a sentence. Headings split the page into sections.
_HEADING_WORDS = 10
# A section's short line (a link in a list, a label, a menu item): up to this many words, no sentence end.
_SHORT_WORDS = 5


def _is_heading(lines: list[_Line], j: int, words: int, ends: bool, bullet: bool) -> bool:
    ln = lines[j]
    if not 0 < words <= _HEADING_WORDS or ends or bullet or ln.date is not None:
        return False
    alone = ln.blank_before and (j + 1 >= len(lines) or lines[j + 1].blank_before)
    return (alone or ln.hint == "h1") and not ln.core.endswith((",", ";"))


def section_features(lines: list[_Line], role: list[str | None]) -> list[tuple[float, float, float, float]]:
    """Per line, figures of the heading-delimited section it is in (a heading opens its section): the
    share of its lines that are short (a list of links), the share of its words in lines ending a
    sentence (prose), its share of the page's body words outside list items, and log1p of the headings
    between it and the section holding most of those (the article's). List items are left out because
    a ticker or a list of teasers can outweigh the article in words (a page's "Breaking News" repeated
    in its footer), and the article is paragraphs."""
    words = [len(ln.core.split()) for ln in lines]
    ends = [_ends_sentence(ln.core) for ln in lines]
    bullets = [_BULLET.match(ln.text) is not None for ln in lines]
    starts = [0] + [j for j in range(1, len(lines)) if _is_heading(lines, j, words[j], ends[j], bullets[j])]
    # Per-section sums in numpy: a page has dozens of sections (one per heading).
    w, e = np.array(words), np.array(ends, dtype=bool)
    outside_lists = [r == "body" and not b for r, b in zip(role, bullets, strict=True)]
    short = np.add.reduceat(((w <= _SHORT_WORDS) & ~e).astype(int), starts)
    prose = np.add.reduceat(np.where(e, w, 0), starts)
    body = np.add.reduceat(np.where(outside_lists, w, 0), starts)
    sizes = np.diff([*starts, len(lines)])
    short_share = (short / sizes).tolist()
    prose_share = (prose / np.maximum(1, np.add.reduceat(w, starts))).tolist()
    body_share = (body / max(1, int(body.sum()))).tolist()
    main = int(np.argmax(body))
    out: list[tuple[float, float, float, float]] = []
    for s, size in enumerate(sizes.tolist()):
        out.extend([(short_share[s], prose_share[s], body_share[s], math.log1p(abs(s - main)))] * size)
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
        """One row (the section gate's one section)."""
        z = self.intercept
        for x, (m, s, c) in zip(row, self._terms, strict=True):
            z += c * (x - m) / s
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @cached_property
    def _weights(self) -> tuple[np.ndarray, float]:
        """The scaling folded into one weight per feature and an intercept: one matrix product a page."""
        coef = np.array(self.coef) / np.array(self.scale)
        return coef, self.intercept - float(coef @ np.array(self.mean))

    def probabilities(self, rows: list[list[float]]) -> list[float]:
        coef, intercept = self._weights
        z = np.clip(np.asarray(rows, dtype=float) @ coef + intercept, -30.0, 30.0)
        out: list[float] = (1.0 / (1.0 + np.exp(-z))).tolist()
        return out


# Trees deeper than this are refused: the parser lays every tree out as a complete binary tree.
MAX_TREE_DEPTH = 10
# Rows walked down the trees at once (a page's body lines come in blocks of this many).
TREE_BLOCK = 2048


@dataclass(frozen=True, eq=False)
class TreeModel:
    """Gradient-boosted decision trees (trained with sklearn's HistGradientBoostingClassifier, stored
    as plain numbers): P = sigmoid(baseline + the sum of the leaf each tree sends the row to); a row goes
    left when its feature is <= the split value.

    Each tree is laid out as a complete binary tree of the ensemble's depth (children of slot h at 2h+1
    and 2h+2; a leaf above the last level splits at +inf, so rows go on left to a copy of it): every
    row then takes `depth` steps in every tree, all rows and trees in one numpy step per level."""

    feature: np.ndarray  # (trees, 2**depth - 1): each tree's split slots
    split: np.ndarray
    leaf: np.ndarray  # (trees, 2**depth): the leaf values on the last level
    depth: int
    baseline: float
    threshold: float

    @cached_property
    def _flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """1-D copies and each tree's offset into them: one flat gather per step is about twice as fast
        as indexing the 2-D arrays by (tree, slot)."""
        trees, width = self.feature.shape
        return (
            self.feature.ravel(),
            self.split.ravel(),
            self.leaf.ravel(),
            np.arange(trees)[None, :] * width,
            np.arange(trees)[None, :] * (width + 1) - width,
        )

    @classmethod
    def from_dict(cls, m: dict[str, Any], n_features: int, what: str) -> TreeModel:
        """The trees as stored in JSON: per tree, per node "feature" (-1 at a leaf), "split", "left",
        "right" (children come after their parent) and "value"."""
        trees = [_tree_depths(t, n_features, what) for t in m["trees"]]
        if not trees:
            raise ValueError(f"{what}: no trees")
        depth = max(1, *(max(d) for _, d in trees))
        if depth > MAX_TREE_DEPTH:
            raise ValueError(f"{what}: trees deeper than {MAX_TREE_DEPTH}")
        feature = np.zeros((len(trees), 2**depth - 1), dtype=np.intp)
        split = np.full((len(trees), 2**depth - 1), np.inf)
        leaf = np.zeros((len(trees), 2**depth))
        for t, (tree, _) in enumerate(trees):
            stack = [(0, 0, 0)]  # (node, slot, level)
            while stack:
                k, h, level = stack.pop()
                if level == depth:
                    leaf[t, h - (2**depth - 1)] = float(tree["value"][k])
                elif int(tree["feature"][k]) < 0:
                    stack += [(k, 2 * h + 1, level + 1), (k, 2 * h + 2, level + 1)]
                else:
                    feature[t, h] = int(tree["feature"][k])
                    split[t, h] = float(tree["split"][k])
                    stack += [
                        (int(tree["left"][k]), 2 * h + 1, level + 1),
                        (int(tree["right"][k]), 2 * h + 2, level + 1),
                    ]
        return cls(feature, split, leaf, depth, float(m["baseline"]), float(m["threshold"]))

    def probabilities(self, rows: list[list[float]]) -> list[float]:
        x = np.asarray(rows, dtype=float)
        # In blocks of rows: the (rows x trees) slot arrays of a 400,000-line page were gigabytes, and
        # past the CPU caches each step slowed (50,000 rows: 1.1 s; in blocks: a fraction of it).
        z = np.concatenate([self._decisions(x[i : i + TREE_BLOCK]) for i in range(0, len(x), TREE_BLOCK)])
        out: list[float] = (1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))).tolist()
        return out

    def _decisions(self, x: np.ndarray) -> np.ndarray:
        feature, split, leaf, offset, leaf_offset = self._flat
        row_start = np.arange(len(x))[:, None] * x.shape[1]
        x = x.ravel()
        slot = np.zeros((len(row_start), len(offset[0])), dtype=np.intp)
        for _ in range(self.depth):
            at = slot + offset
            slot = 2 * slot + 1 + (x[row_start + feature[at]] > split[at])
        decisions: np.ndarray = self.baseline + leaf[slot + leaf_offset].sum(axis=1)
        return decisions


@dataclass(frozen=True)
class BlendModel:
    """The logistic regression's and the trees' probabilities averaged (weight `tree_weight` on the
    trees): the trees alone cross-validate as well on Dragnet but drop the closing paragraphs of short
    articles, where the logistic regression is sure of them."""

    logistic: KindModel
    trees: TreeModel
    tree_weight: float
    threshold: float

    @classmethod
    def from_dict(cls, m: dict[str, Any], n_features: int, what: str) -> BlendModel:
        w = float(m["tree_weight"])
        if not 0.0 <= w <= 1.0:
            raise ValueError(f"{what}: tree weight outside [0, 1]")
        return cls(KindModel.from_dict(m, n_features, what), TreeModel.from_dict(m, n_features, what), w,
                   float(m["threshold"]))  # fmt: skip

    def probabilities(self, rows: list[list[float]]) -> list[float]:
        w = self.tree_weight
        trees, logistic = (
            np.array(self.trees.probabilities(rows)),
            np.array(self.logistic.probabilities(rows)),
        )
        out: list[float] = (w * trees + (1.0 - w) * logistic).tolist()
        return out


def _tree_depths(tree: dict[str, Any], n_features: int, what: str) -> tuple[dict[str, Any], list[int]]:
    """The tree and each node's depth, after checking its children come after it and its features exist."""
    n = len(tree["feature"])
    depth = [0] * n
    for k in range(n):
        f = int(tree["feature"][k])
        if f < 0:
            continue
        lo, hi = int(tree["left"][k]), int(tree["right"][k])
        if not (k < lo < n and k < hi < n and f < n_features):
            raise ValueError(f"{what}: malformed tree node")
        depth[lo] = depth[hi] = depth[k] + 1
    return tree, depth


Model = KindModel | TreeModel | BlendModel


@dataclass(frozen=True)
class LineModel:
    """One model per input kind the model was adopted for (it improved the held-out F1), and per kind
    and page style ("text/w3m", text_style) one that takes the kind's place on that style's pages. The
    models named in `sections` read SECTION_FEATURES after FEATURES."""

    kinds: dict[str, Model]
    sections: frozenset[str] = frozenset()
    styles: dict[str, Model] = field(default_factory=dict)

    @property
    def renderings(self) -> tuple[str, ...]:
        return tuple(self.kinds)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LineModel:
        """The file's "models" (per kind) and "styles" (per kind and style); each model names its features
        (FEATURES unless it says otherwise)."""
        if tuple(d["features"]) != FEATURES:
            raise ValueError("line model features do not match this parser's")
        sections: set[str] = set()
        kinds = {kind: _read_model(kind, m, sections) for kind, m in d["models"].items()}
        styles = {key: _read_model(key, m, sections) for key, m in d.get("styles", {}).items()}
        return cls(kinds, frozenset(sections), styles)

    def drop_unlikely_body(
        self, kind: str, lines: list[_Line], role: list[str | None], section_start: int
    ) -> None:
        """The model of the page's kind and style (else of its kind) applied to its body; a kind without
        a model keeps the rules' body."""
        key = f"text/{text_style(lines)}" if kind == "text" and self.styles else kind
        if key not in self.styles:
            key = kind
        model = self.styles.get(key, self.kinds.get(kind))
        if model is not None:
            drop_unlikely_body(lines, role, section_start, model, sections=key in self.sections)


def _read_model(key: str, m: dict[str, Any], sections: set[str]) -> Model:
    """One model from the file; `key` joins `sections` when it reads the section features."""
    readers: dict[str, Callable[[dict[str, Any], int, str], Model]] = {
        "logistic": KindModel.from_dict,
        "boosted_trees": TreeModel.from_dict,
        "blend": BlendModel.from_dict,
    }
    names = tuple(m.get("features", FEATURES))
    if names not in (FEATURES, FEATURES + SECTION_FEATURES):
        raise ValueError(f"line model for {key}: features do not match this parser's")
    if names != FEATURES:
        sections.add(key)
    return readers[m.get("type", "logistic")](m, len(names), f"line model for {key}")


# The two text dumps the line model is trained on draw list items apart: w3m with "•" (nested: "◦",
# "□"), inscriptis with "*" (nested: "+"), as most other scrapers do (lynx, html2text, links).
_W3M_BULLET = re.compile(r"^[•◦□]\s")
_STAR_BULLET = re.compile(r"^[*+]\s")


def text_style(lines: list[_Line]) -> str:
    """ "w3m" for a page whose list items are mostly drawn as w3m draws them, else "other". Dragnet
    train: 548 of 559 w3m dumps, 2 of 559 inscriptis dumps (the others have no list, or as many)."""
    w3m = sum(1 for ln in lines if _W3M_BULLET.match(ln.text))
    star = sum(1 for ln in lines if _STAR_BULLET.match(ln.text))
    return "w3m" if w3m > star else "other"


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
    lines: list[_Line],
    role: list[str | None],
    section_start: int,
    model: Model,
    *,
    sections: bool = False,
) -> None:
    """Re-label the body paragraphs whose mean probability is below the model's threshold."""
    rows = features(lines, role, section_start, sections=sections)
    if not rows:
        return
    idx = sorted(rows)
    means = paragraph_means(model.probabilities([rows[j] for j in idx]), paragraph_ids(lines, idx))
    for j, p in zip(idx, means, strict=True):
        if p < model.threshold:
            role[j] = "not the article (line model)"
