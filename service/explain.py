"""A thread's spans from whatever the scorer offers, shared by the HTTP answers (service.api.scoring)
and `moderate report`: one ``explain_attributes`` call for all the attributes when the scorer has one,
and the detections ``score`` took handed on, so that a thread scored then explained is detected once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from core.records import ArticleContext, Span

if TYPE_CHECKING:
    from model.score import CommentScorer


def shared_detections(scorer: CommentScorer, texts: Sequence[str], language: str | None) -> dict[str, Any]:
    """``{"detections": ...}`` for ``score`` and ``explained`` to share when the scorer takes them (the
    Scorer: a thread scored and explained was detected once for each), else {} (each detects its own)."""
    detect = getattr(scorer, "detections", None)
    if not (callable(detect) and callable(getattr(scorer, "explain_attributes", None))):
        return {}
    return {"detections": detect(texts, language or None)}


def explained(
    scorer: CommentScorer,
    texts: Sequence[str],
    attributes: Sequence[str],
    article: ArticleContext | None,
    *,
    top_k: int = 5,
    **forced: Any,
) -> dict[str, list[list[Span]]]:
    """Each attribute's spans for every comment of one thread: from one ``explain_attributes`` call when
    the scorer has it (the comments' languages detected once, not once per routed attribute, or not at
    all with ``detections`` from ``shared_detections``), else attribute by attribute."""
    many = getattr(scorer, "explain_attributes", None)
    if callable(many):
        found: dict[str, list[list[Span]]] = many(texts, attributes, top_k=top_k, article=article, **forced)
        return found
    return {a: scorer.explain_thread(texts, a, top_k=top_k, article=article, **forced) for a in attributes}
