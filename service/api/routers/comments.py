"""POST /v1/comments:score: the comments of one thread in, one score and decision per comment out."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from service.api.deps import ScorerDep, StateDep
from service.api.guards import JsonRoute
from service.api.routers._common import errors
from service.api.schemas import ScoreCommentsRequest, ScoreCommentsResponse
from service.api.scoring import check_comments, json_response, run_cpu, score_thread
from service.errors import TooLargeError
from service.ingest import has_visible_text
from service.records import ArticleContext

router = APIRouter(route_class=JsonRoute, tags=["scoring"])


@router.post(
    "/v1/comments:score",
    response_model=ScoreCommentsResponse,
    responses=errors(413, 415, 422, 503),
    summary="Score the comments of one thread",
)
async def score_comments(body: ScoreCommentsRequest, scorer: ScorerDep, state: StateDep) -> Response:
    """Every comment gets insult and off-topic scores and an approve / review / reject decision with
    reasons, in input order. The comments of one request form one thread: each is scored with the
    others (and the article, when given) as off-topic context."""
    texts = [c.text for c in body.comments]
    limits = state.settings.limits
    check_comments(texts, limits)
    if body.explain and len(texts) > limits.max_explain_comments:
        raise TooLargeError(
            f"explain is limited to {limits.max_explain_comments} comments per request; got {len(texts)}"
        )
    if body.explain and (chars := sum(map(len, texts))) > limits.max_explain_chars:
        raise TooLargeError(
            f"explain is limited to {limits.max_explain_chars:,} characters per request; got {chars:,}"
        )
    article = None
    if body.article is not None:
        title, text = body.article.title or "", body.article.body or ""
        # An article with nothing visible in it is no article: the `context` field must say "none".
        if has_visible_text(title) or has_visible_text(text):
            article = ArticleContext(title=title, body=text)
    # explain costs one pass per comment and attribute: always off the event loop.
    weight = len(texts) * (50 if body.explain else 1)
    results = await run_cpu(
        weight,
        score_thread,
        scorer,
        texts,
        article,
        state.settings.thresholds(),
        explain=body.explain,
    )
    ordered = [{"id": c.id, **r} for c, r in zip(body.comments, results, strict=True)]
    state.metrics.comments.labels("comments").inc(len(texts))
    return json_response({"model": {"version": scorer.version}, "results": ordered})
