"""The Scorer: loads one verified artifact once and scores whole batches of comments.

CONTRACT (consumers - service.api, service.batch, service.report - type against ``CommentScorer``
so tests can swap in a small fake):

- ``Scorer.load(model_dir) -> Scorer`` verifies the manifest and sha256 before unpickling; raises
  ``service.errors.ModelError`` with the fix (`make train`) on any mismatch.
- ``score(texts, article=None, use_thread=True) -> list[Scores]``: ``texts`` are the comments of ONE
  thread (one article). Each comment's thread context is the other texts. ``Scores.context`` says
  which context the off-topic score saw. Vectorized: one call per thread, never one per comment.
- ``explain(text, attribute, top_k=5, article=None, thread=()) -> list[Span]``: the n-grams that pushed
  the attribute's score up most, as character spans of ``text`` with their weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from service.records import ArticleContext, Scores, Span

ATTRIBUTES: tuple[str, ...] = ("insult", "off_topic")


class CommentScorer(Protocol):
    attributes: tuple[str, ...]

    @property
    def version(self) -> str: ...

    @property
    def manifest(self) -> dict[str, Any]: ...

    def score(
        self, texts: Sequence[str], article: ArticleContext | None = None, *, use_thread: bool = True
    ) -> list[Scores]: ...

    def explain(
        self,
        text: str,
        attribute: str,
        *,
        top_k: int = 5,
        article: ArticleContext | None = None,
        thread: Sequence[str] = (),
    ) -> list[Span]: ...
