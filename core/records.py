"""Domain records shared by every stage. Frozen dataclasses: pydantic lives only at the HTTP edge."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

PageFormat = Literal["text", "html"]
ContextKind = Literal["article+thread", "article", "thread", "none"]
Verdict = Literal["approve", "review", "reject"]


@dataclass(frozen=True, slots=True)
class Quote:
    """Words a comment quotes from another ("NAME wrote: ...", "> ..." lines): ``text[start:end]`` of
    the comment, with the quoted author when the quote names one."""

    start: int
    end: int
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    """One reader comment as found on a page.

    ``text`` is the comment as the page shows it, quotes included; ``quotes`` marks the quoted parts,
    and ``own_text`` is the rest: the reader's own words, which are what gets scored.
    """

    text: str
    author: str | None = None
    posted_at: str | None = None  # ISO 8601 when the page's date could be read
    posted_raw: str | None = None  # the date exactly as the page wrote it
    parent: int | None = None  # index of the comment replied to, when the page shows it
    quotes: tuple[Quote, ...] = ()

    @property
    def own_text(self) -> str:
        """The text without its quotes (the whole text when it quotes nothing)."""
        if not self.quotes:
            return self.text
        return self._own()[0]

    def own_offsets(self) -> list[int]:
        """Where each character of ``own_text`` stands in ``text``, then where its end does: a span of
        the own words, mapped through it, is a span of the text (the line break joining two parts of
        the own words stands just after the first)."""
        if not self.quotes:
            return list(range(len(self.text) + 1))
        return self._own()[1]

    def _own(self) -> tuple[str, list[int]]:
        bounds, at = [], 0
        for q in self.quotes:
            bounds.append((at, q.start))
            at = q.end
        bounds.append((at, len(self.text)))
        parts: list[str] = []
        where: list[int] = []
        for start, end in bounds:
            part = self.text[start:end]
            if not part.strip():
                continue
            start += len(part) - len(part.lstrip("\n"))
            end -= len(part) - len(part.rstrip("\n"))
            if parts:
                parts.append("\n")
                where.append(where[-1] + 1)
            parts.append(self.text[start:end])
            where.extend(range(start, end))
        where.append(where[-1] + 1 if where else 0)
        return "".join(parts), where

    def quoted_texts(self) -> list[str]:
        return [self.text[q.start : q.end] for q in self.quotes]

    def quotes_shown(self) -> list[dict[str, Any]]:
        """The quotes as the outputs show them: span of ``text``, quoted author, quoted words."""
        return [
            {"start": q.start, "end": q.end, "author": q.author, "text": self.text[q.start : q.end]}
            for q in self.quotes
        ]


@dataclass(frozen=True, slots=True)
class Dropped:
    """A line of page furniture that is neither body nor comment, with the reason it was dropped."""

    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Article:
    """A parsed page: title, article body, reader comments, and everything dropped."""

    source: str
    format: PageFormat
    title: str | None
    body: str
    comments: tuple[Comment, ...] = ()
    declared_comment_count: int | None = None
    dropped: tuple[Dropped, ...] = ()
    # Why the comments found may be fewer than the page holds (a stated count, a heading, repeated
    # dated lines the parser did not read as comments). Empty when nothing points to a miss.
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ArticleContext:
    """What the off-topic model may know about the article a comment sits under."""

    title: str = ""
    body: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.title.strip() or self.body.strip())


@dataclass(frozen=True, slots=True)
class Span:
    """A character span of a comment that pushed an attribute's score up, with its weight."""

    start: int
    end: int
    text: str
    weight: float


@dataclass(frozen=True, slots=True)
class Scores:
    """Per-attribute probabilities for one comment, and which context the off-topic score saw.

    ``values`` maps an attribute name (snake_case, e.g. "insult") to its probability; an attribute the
    model does not carry is absent, and reads as NaN (never a made-up number). ``unsupported`` names the
    attributes whose model was not trained for the comment's ``language``: their value is still given,
    but no decision may rest on it alone.
    """

    values: Mapping[str, float]
    context: ContextKind = "none"
    language: str | None = None
    unsupported: frozenset[str] = frozenset()
    # The language ``unsupported`` was judged for: ``language``, or for an undetermined comment its
    # thread's or the detector's likeliest guess; None reads as English (the base models' language).
    assumed_language: str | None = None
    # The part of ``unsupported`` scored by another language's model than the judged one, because a
    # guess too weak to judge the comment by sent it there: a best guess, shown, never rejecting alone.
    guessed: frozenset[str] = frozenset()
    # For each attribute of ``guessed``, the language whose model scored it (the Perspective endpoint
    # scores its spans in it too, so that spans and summary come from one model).
    guessed_languages: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, attribute: str) -> float:
        return self.values.get(attribute, math.nan)

    def as_dict(self) -> dict[str, float]:
        return dict(self.values)


@dataclass(frozen=True, slots=True)
class Decision:
    """approve / review / reject, and which attribute crossed which threshold."""

    verdict: Verdict
    reasons: tuple[str, ...] = field(default_factory=tuple)
