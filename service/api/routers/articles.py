"""POST /v1/articles:score: a raw scraped page in (text or HTML), the parsed article and a score and
decision for every reader comment out."""

from __future__ import annotations

import logging
import re
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from core.errors import MalformedInputError
from core.records import ArticleContext
from service.api import queueing
from service.api.deps import IdempotencyKeyDep, QueueAskedDep, ScorerDep, StateDep
from service.api.errors import ApiError
from service.api.guards import is_json_media_type, read_json
from service.api.routers._common import errors
from service.api.schemas import ScorePageJson, ScorePageResponse
from service.api.scoring import json_response, score_thread
from service.api.state import WaitingSlots
from service.batch_jsonl import reads_as_json_document, reads_as_json_lines

log = logging.getLogger(__name__)

router = APIRouter(tags=["scoring"])

CLIENT_CLOSED_REQUEST = 499  # never sent: the client is gone (nginx's code for it)
# C0 and C1 control characters and DEL: no URL or file name holds one, and the source names the page in
# the parser's log lines, where a line break would let a client write lines of its choosing.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "text/plain": {"schema": {"type": "string"}},
        "text/html": {"schema": {"type": "string"}},
        "application/json": {"schema": ScorePageJson.model_json_schema()},
    },
}


def _refuse_comment_export(data: bytes | str, fmt: str) -> None:
    """Comments sent as a page (an export's JSON lines, or one JSON document, as text) would parse as
    a page whose comments are never found: a 200 with none. `moderate score` refuses the same file."""
    if fmt == "html":
        return
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if reads_as_json_lines(raw) or reads_as_json_document(raw):
        raise MalformedInputError(
            "the page is JSON (a comment export), not a page's text: score comments with "
            "POST /v1/comments:score, and send a page's text or HTML here"
        )


def _media_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()


@router.post(
    "/v1/articles:score",
    response_model=ScorePageResponse,
    responses=errors(401, 403, 413, 415, 422, 503),
    openapi_extra={"requestBody": _REQUEST_BODY},
    summary="Parse a scraped page and score every reader comment",
)
async def score_article(
    request: Request,
    scorer: ScorerDep,
    state: StateDep,
    idempotency_key: IdempotencyKeyDep,
    queue: QueueAskedDep,
    source: str | None = Query(default=None, max_length=2048, description="URL or name of the page."),
    article_id: str | None = Query(
        default=None, max_length=2048, description="Article id kept on queued items (default: source)."
    ),
) -> Response:
    """Send the page as `text/plain` (any scraper's text output), `text/html` (raw HTML), or JSON
    `{"content": ..., "format": "auto"|"text"|"html"}`. The page's comments form one thread.

    `?queue=true` also stores every comment in the review queue, with its spans (needs the bearer
    token: 401 without, 403 with a wrong one; 403 when MODERATION_DO_NOT_STORE is set)."""
    media = _media_type(request)
    body = await request.body()  # already bounded by max_page_bytes in BodyLimitMiddleware
    data: bytes | str
    fmt: Literal["auto", "text", "html"]
    if media == "text/plain":
        data, fmt = body, "text"
    elif media in ("text/html", "application/xhtml+xml"):
        data, fmt = body, "html"
    elif is_json_media_type(media):
        try:
            # The page limit, not the request limit, bounds this body: only its content may be big.
            limit = state.settings.limits.max_request_bytes
            page = ScorePageJson.model_validate(await read_json(body, state, flat_above=limit))
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_input=False)) from exc
        data, fmt, source = page.content, page.format, page.source or source
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"expected text/plain, text/html or application/json, got {media or 'no Content-Type'}",
        )
    if source is not None and _CONTROL.search(source):
        raise MalformedInputError("source must not hold control characters such as line breaks")
    _refuse_comment_export(data, fmt)
    settings = state.settings
    # Parsing a 20 MiB page is real work: keep it off the event loop. A few at a time: each can take
    # hundreds of MB (20 MiB of HTML: ~600 MB), and the GIL makes more at once no faster.
    if state.page_slots is None:
        limits = state.settings.limits
        state.page_slots = WaitingSlots(limits.max_concurrent_pages, limits.max_waiting_pages, "pages")
    async with state.page_slots.held():
        if await request.is_disconnected():
            # The client gave up while this page waited for a slot: nobody reads the answer, so the
            # parse (seconds, hundreds of MB) is skipped. 499 (nginx's "client closed request") is
            # what /metrics counts; uvicorn writes no access line for a closed connection: this one.
            log.info('"POST /v1/articles:score" 499: the client disconnected before its page was parsed')
            return Response(status_code=CLIENT_CLOSED_REQUEST)
        article = await run_in_threadpool(
            state.parse_page, data, source=source or "<request>", fmt=fmt, limits=settings.limits
        )
        texts = [c.own_text for c in article.comments]  # a quote is the quoted author's words, not theirs
        if queue:
            queueing.check_queue_size(texts, state)
        context = ArticleContext(title=article.title or "", body=article.body)
        thresholds = state.thresholds
        results = await run_in_threadpool(score_thread, scorer, texts, context, thresholds, explain=queue)
    if queue:
        # A parsed page's author is both who wrote the comment and (with its text) which comment it is.
        authors = [c.author for c in article.comments]
        items = queueing.queue_items(
            texts,
            results,
            thresholds=thresholds,
            model_version=scorer.version,
            article_id=article_id or source,
            article_title=article.title,
            source=source,
            idempotency_key=idempotency_key,
            identities=authors,
            authors=authors,
            quotes=[
                [{"author": q.author, "text": c.text[q.start : q.end]} for q in c.quotes]
                for c in article.comments
            ],
        )
        queueing.answer_queued(results, await queueing.enqueue(state, items), scorer.version)
    comments = [
        {
            "index": i,
            "author": c.author,
            "posted_at": c.posted_at,
            "posted_raw": c.posted_raw,
            "parent": c.parent,
            "text": c.text,
            "quotes": c.quotes_shown(),
            "own_text": c.own_text,
            **r,
        }
        for i, (c, r) in enumerate(zip(article.comments, results, strict=True))
    ]
    state.metrics.comments.labels("articles").inc(len(texts))
    return json_response(
        {
            "model": {"version": scorer.version},
            "article": {
                "source": article.source,
                "format": article.format,
                "title": article.title,
                "body": article.body,
                "declared_comment_count": article.declared_comment_count,
                "dropped": len(article.dropped),
                "warnings": list(article.warnings),
            },
            "comments": comments,
        }
    )
