"""POST /v1/comments:score: the comments of one thread in, one score and decision per comment out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from core.errors import InputError, TooLargeError
from core.records import ArticleContext
from model.language import normalize_language
from service.api import queueing
from service.api.deps import BearerDep, IdempotencyKeyDep, ScorerDep, StateDep
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
        queueing.check_queueing(state, credentials, "/v1/comments:score")
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
    thresholds = state.settings.thresholds()
    results = await run_cpu(
        weight,
        text_chars(texts, article),
        score_thread,
        scorer,
        texts,
        article,
        thresholds,
        explain=explain,
        language=language,
    )
    if body.queue:
        items = queueing.queue_items(
            texts,
            results,
            thresholds=thresholds,
            model_version=scorer.version,
            article_id=body.article.id if body.article else None,
            article_title=body.article.title if body.article else None,
            source=body.article.source if body.article else None,
            idempotency_key=idempotency_key,
            identities=[c.id for c in body.comments],
        )
        queueing.answer_queued(results, await queueing.enqueue(state, items), scorer.version)
    ordered = [{"id": c.id, **r} for c, r in zip(body.comments, results, strict=True)]
    state.metrics.comments.labels("comments").inc(len(texts))
    return json_response({"model": {"version": scorer.version}, "results": ordered})
