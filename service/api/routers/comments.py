"""POST /v1/comments:score: the comments of one thread in, one score and decision per comment out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from core.errors import InputError, TooLargeError
from core.records import ArticleContext, Comment
from model.language import normalize_language
from model.score import CommentScorer
from service.api import queueing
from service.api.deps import BearerDep, IdempotencyKeyDep, ScorerDep, StateDep, check_queueing
from service.api.guards import JsonRoute
from service.api.routers._common import errors
from service.api.schemas import ScoreCommentsRequest, ScoreCommentsResponse
from service.api.scoring import (
    check_comment_count,
    check_comments,
    json_response,
    run_cpu,
    score_thread,
    text_chars,
)
from service.ingest import has_visible_text
from service.parse.quotes import quoted_comments
from service.settings import Thresholds


class CommentsRoute(JsonRoute):
    def check_parsed(self, request: Request, value: Any) -> None:
        """The count is refused from the parsed JSON: pydantic validates the whole list on the event
        loop (90,000 comments in 2 MB: ~0.3 s while every request of the worker waits)."""
        comments = value.get("comments") if isinstance(value, dict) else None
        if isinstance(comments, list):
            check_comment_count(len(comments), request.app.state.moderation.settings.limits)


router = APIRouter(route_class=CommentsRoute, tags=["scoring"])


@router.post(
    "/v1/comments:score",
    response_model=ScoreCommentsResponse,
    responses=errors(401, 403, 413, 415, 422, 503),
    summary="Score the comments of one thread",
)
async def score_comments(
    body: ScoreCommentsRequest,
    scorer: ScorerDep,
    state: StateDep,
    credentials: BearerDep,
    idempotency_key: IdempotencyKeyDep,
) -> Response:
    """Every comment gets insult and off-topic scores and an approve / review / reject decision with
    reasons, in input order. The comments of one request form one thread: each is scored with the
    others (and the article, when given) as off-topic context.

    `"queue": true` also stores every comment in the review queue (GET /v1/queue) with its spans, and
    answers each result's `queue_id`. It needs the bearer token (401 without, 403 with a wrong one)
    and is refused (403) when MODERATION_DO_NOT_STORE is set."""
    texts = [c.text for c in body.comments]
    limits = state.settings.limits
    check_comments(texts, limits)
    try:
        language = normalize_language(body.language)
    except ValueError as exc:
        raise InputError(f"language: {exc}") from None
    if body.queue:
        check_queueing(state, credentials, "/v1/comments:score")
        queueing.check_queue_size(texts, state)
    elif body.explain and len(texts) > limits.max_explain_comments:
        raise TooLargeError(
            f"explain is limited to {limits.max_explain_comments} comments per request; got {len(texts)}"
        )
    elif body.explain and (chars := sum(map(len, texts))) > limits.max_explain_chars:
        raise TooLargeError(
            f"explain is limited to {limits.max_explain_chars:,} characters per request; got {chars:,}"
        )
    article = None
    if body.article is not None:
        title, text = body.article.title or "", body.article.body or ""
        # An article with nothing visible in it is no article: the `context` field must say "none".
        if has_visible_text(title) or has_visible_text(text):
            article = ArticleContext(title=title, body=text)
    explain = body.explain or body.queue
    # explain costs one pass per comment and attribute: always off the event loop.
    weight = len(texts) * (50 if explain else 1)
    thresholds = state.thresholds
    comments, results = await run_cpu(
        weight,
        text_chars(texts, article),
        _score_replies,
        scorer,
        [(c.text, c.author) for c in body.comments],
        article,
        thresholds,
        explain=explain,
        language=language,
    )
    if body.queue:
        # Stored as articles:score stores a reply: its own words, its spans on them, its quotes beside.
        items = queueing.queue_items(
            [c.own_text for c in comments],
            results,
            thresholds=thresholds,
            model_version=scorer.version,
            # As articles:score: the source names the article when no id does (and keys its comments).
            article_id=(body.article.id or body.article.source) if body.article else None,
            article_title=body.article.title if body.article else None,
            source=body.article.source if body.article else None,
            idempotency_key=idempotency_key,
            identities=[c.id for c in body.comments],
            authors=[c.author for c in body.comments],
            quotes=[
                [{"author": q.author, "text": c.text[q.start : q.end]} for q in c.quotes] for c in comments
            ],
        )
        queueing.answer_queued(results, await queueing.enqueue(state, items), scorer.version)
    for comment, result in zip(comments, results, strict=True):
        result["quotes"] = comment.quotes_shown()
        if comment.quotes and result.get("spans"):
            result["spans"] = _spans_on_text(comment, result["spans"])
    ordered = [{"id": c.id, **r} for c, r in zip(body.comments, results, strict=True)]
    state.metrics.comments.labels("comments").inc(len(texts))
    return json_response({"model": {"version": scorer.version}, "results": ordered})


def _score_replies(
    scorer: CommentScorer,
    sent: Sequence[tuple[str, str | None]],
    article: ArticleContext | None,
    thresholds: Mapping[str, Thresholds],
    *,
    explain: bool,
    language: str | None,
) -> tuple[list[Comment], list[dict[str, Any]]]:
    """The comments (text, author) with their quotes marked, and their results: a quote is the quoted
    author's words, so each is scored on its own words, as articles:score scores a page's replies."""
    comments = quoted_comments([text for text, _ in sent], [author for _, author in sent])
    texts = [c.own_text for c in comments]
    return comments, score_thread(scorer, texts, article, thresholds, explain=explain, language=language)


def _spans_on_text(comment: Comment, spans: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Spans found in a comment's own words, moved onto its text as sent (the quotes left in)."""
    where = comment.own_offsets()
    out: dict[str, Any] = {}
    for attribute, found in spans.items():
        out[attribute] = []
        for span in found:
            start = where[span["start"]]
            end = where[span["end"] - 1] + 1 if span["end"] > span["start"] else start
            out[attribute].append(span | {"start": start, "end": end, "text": comment.text[start:end]})
    return out
