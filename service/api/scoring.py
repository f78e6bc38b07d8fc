"""Score one thread and turn the domain records into plain JSON-ready dicts (serialised once by
pydantic-core's Rust encoder: no per-request model validation on the way out)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from fastapi.responses import Response
from pydantic_core import to_json
from starlette.concurrency import run_in_threadpool

from core.errors import EmptyInputError, TooLargeError
from core.records import ArticleContext, Decision, Scores, Span
from model.score import CommentScorer
from service.api.errors import JSON_MEDIA_TYPE
from service.decide import decide, judged_language
from service.explain import explained, shared_detections
from service.ingest import has_visible_text
from service.settings import Limits, Thresholds

T = TypeVar("T")

# Small work is scored on the event loop itself: a hop to the threadpool costs more than scoring a few
# short comments (measured in-process, one single-comment request: 141 us inline vs 422 us through the
# threadpool). Anything bigger goes to the threadpool (anyio's, at most 40 threads, as for every plain
# `def` of FastAPI) so it cannot stall health checks and small requests on the same worker. Work is
# weighed by characters too, not only by comments: scoring costs ~1 us a character (one 20,000-character
# comment: 19 ms; a 1.6 MB article beside one short comment: 0.5-1 s), and a count-only rule ran those
# on the event loop.
INLINE_MAX_COMMENTS = 8
INLINE_MAX_CHARS = 1_000  # ~1 ms of scoring


def text_chars(texts: Sequence[str], article: ArticleContext | None = None) -> int:
    """The characters a scorer call reads: its comments and the article they are scored against."""
    chars = sum(map(len, texts))
    if article is not None:
        chars += len(article.title) + len(article.body)
    return chars


async def run_cpu(n_comments: int, n_chars: int, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    if n_comments <= INLINE_MAX_COMMENTS and n_chars <= INLINE_MAX_CHARS:
        return func(*args, **kwargs)
    return await run_in_threadpool(func, *args, **kwargs)


def check_comment_count(n: int, limits: Limits) -> None:
    """More comments than one request may carry -> 413."""
    if n > limits.max_comments_per_request:
        raise TooLargeError(f"{n} comments in one request; the limit is {limits.max_comments_per_request}")


def check_comments(texts: Sequence[str], limits: Limits) -> None:
    """Empty -> 422, too many / too long -> 413: precise errors naming the offending comment."""
    if not texts:
        raise EmptyInputError("no comments given; send at least one")
    check_comment_count(len(texts), limits)
    for i, text in enumerate(texts):
        if len(text) > limits.max_comment_chars:
            raise TooLargeError(
                f"comment {i} has {len(text)} characters; the limit is {limits.max_comment_chars}"
            )
        if not has_visible_text(text):  # spaces, zero-width characters, NULs: nothing to moderate
            raise EmptyInputError(f"comment {i} is empty")


def decision_dict(decision: Decision) -> dict[str, Any]:
    return {"verdict": decision.verdict, "reasons": list(decision.reasons)}


def span_dict(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "text": span.text, "weight": span.weight}


def result_dict(scores: Scores, thresholds: Mapping[str, Thresholds]) -> dict[str, Any]:
    values = scores.as_dict()
    return {
        "scores": values,
        "context": scores.context,
        # Each score says whether its model was trained for the comment's language ("und": unknown).
        "language": scores.language or "und",
        "language_supported": {a: a not in scores.unsupported for a in values},
        "judged_language": judged_language(scores),
        "decision": decision_dict(decide(scores, thresholds)),
    }


def score_thread(
    scorer: CommentScorer,
    texts: Sequence[str],
    article: ArticleContext | None,
    thresholds: Mapping[str, Thresholds],
    *,
    explain: bool = False,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """One vectorised scorer call for the whole thread, then decisions (and spans when asked);
    ``language`` (a model key) overrides detection."""
    if not texts:
        return []
    forced: dict[str, Any] = {"language": language} if language else {}
    shared = shared_detections(scorer, texts, language) if explain else {}
    scored = scorer.score(texts, article, **forced, **shared)
    results = [result_dict(s, thresholds) for s in scored]
    if explain:
        spans = explained(scorer, texts, scorer.attributes, article, **forced, **shared)
        for i, result in enumerate(results):
            result["spans"] = {
                attribute: [span_dict(sp) for sp in spans[attribute][i]] for attribute in spans
            }
    return results


def json_response(payload: Any, status_code: int = 200) -> Response:
    # A score the artifact does not carry comes back from the Scorer as NaN: JSON null, never `NaN`.
    body = to_json(payload, inf_nan_mode="null")
    return Response(body, status_code=status_code, media_type=JSON_MEDIA_TYPE)
