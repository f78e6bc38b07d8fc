"""POST /v1alpha1/comments:analyze: Perspective's AnalyzeComment, so a platform that calls Perspective
(Coral Talk's configurable endpoint, for one) switches by changing one URL.

Request and response follow Perspective's documented shapes. Differences, by design:
- Attributes are INSULT and OFF_TOPIC (ours). Anything else is Perspective's 400 INVALID_ARGUMENT.
- Language: English only, as the models are; other `languages` get Perspective's "does not support
  request languages" 400.
- `spanScores` without `spanAnnotations` is one span over the whole comment (what Perspective returns);
  with `spanAnnotations: true` every sentence is scored on its own, as Perspective does.
- `context.entries` are used: their texts are the article context of the off-topic score.
- Span offsets are Python string indices (Unicode code points).
- Nothing is ever stored by this endpoint, so `doNotStore` is always honoured.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from service.api.deps import ScorerDep, StateDep, require_token_or_key
from service.api.errors import ApiError
from service.api.guards import JsonRoute
from service.api.routers._common import errors
from service.api.schemas import (
    AnalyzeCommentRequest,
    AnalyzeCommentResponse,
    SuggestCommentScoreRequest,
    SuggestCommentScoreResponse,
)
from service.api.scoring import json_response, run_cpu
from service.errors import EmptyInputError, TooLargeError
from service.ingest import has_visible_text
from service.records import ArticleContext
from service.storage import Feedback

router = APIRouter(route_class=JsonRoute, tags=["perspective"])

# Perspective attribute name -> our Scores field.
ATTRIBUTES = {"INSULT": "insult", "OFF_TOPIC": "off_topic"}
LANGUAGES = ("en",)
SCORE_TYPE = "PROBABILITY"
# A sentence: up to and including its closing punctuation (and closing quotes/brackets).
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"')\]]*|$)|[.!?]+", re.MULTILINE)


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_argument", message)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[begin, end) of each sentence, surrounding whitespace excluded."""
    spans = []
    for m in _SENTENCE.finditer(text):
        begin, end = m.start(), m.end()
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if end > begin:
            spans.append((begin, end))
    return spans or [(0, len(text))]


def resolve(name: str, aliases: Mapping[str, str]) -> str | None:
    """Our Scores field for a requested attribute name (directly or through an alias), else None."""
    return ATTRIBUTES.get(name) or ATTRIBUTES.get(aliases.get(name, ""))


def _validate(
    body: AnalyzeCommentRequest, max_chars: int, aliases: Mapping[str, str]
) -> tuple[str, dict[str, str], list[str]]:
    """Returns the text, {requested name: our Scores field}, and the languages to echo."""
    text = body.comment.text
    if not has_visible_text(text):
        raise EmptyInputError("Comment must be non-empty.")
    if len(text) > max_chars:
        raise TooLargeError(f"Comment text has {len(text)} characters; the limit is {max_chars}.")
    if body.comment.type not in (None, "PLAIN_TEXT"):
        raise _invalid(f"Comment type {body.comment.type} is not supported; use PLAIN_TEXT.")
    if not body.requestedAttributes:
        raise _invalid("requestedAttributes must name at least one attribute.")
    fields = {name: resolve(name, aliases) for name in body.requestedAttributes}
    unknown = [name for name, field in fields.items() if field is None]
    if unknown and not body.dropUnsupportedAttributes:
        raise _invalid(f"Attribute {unknown[0]} does not exist; this service scores {', '.join(ATTRIBUTES)}.")
    known = {name: field for name, field in fields.items() if field is not None}
    if not known:
        raise _invalid(
            f"None of the requested attributes exist; this service scores {', '.join(ATTRIBUTES)}."
        )
    for name, params in body.requestedAttributes.items():
        if params.scoreType not in (None, SCORE_TYPE):
            raise _invalid(f"Score type {params.scoreType} is not supported for {name}; use {SCORE_TYPE}.")
    languages = [lang.lower().split("-", 1)[0] for lang in body.languages or []]
    unsupported = [lang for lang in languages if lang not in LANGUAGES]
    if unsupported:
        first = next(iter(body.requestedAttributes))
        raise _invalid(f"Attribute {first} does not support request languages: {', '.join(unsupported)}")
    return text, known, (body.languages or list(LANGUAGES))


def _score(value: float) -> dict[str, Any]:
    return {"value": value, "type": SCORE_TYPE}


@router.post(
    "/v1alpha1/comments:analyze",
    response_model=AnalyzeCommentResponse,
    response_model_exclude_none=True,
    responses=errors(400, 413, 415, 503),
    summary="Perspective-compatible AnalyzeComment",
)
async def analyze(body: AnalyzeCommentRequest, scorer: ScorerDep, state: StateDep) -> Response:
    """Drop-in for `https://commentanalyzer.googleapis.com/v1alpha1/comments:analyze`
    (a `?key=` query parameter is accepted and ignored). Clients hard-wired to another attribute name
    (most ask for TOXICITY) can be served through MODERATION_PERSPECTIVE_ALIASES, which answers under
    the requested name; `dropUnsupportedAttributes: true` drops unknown names instead of a 400."""
    settings = state.settings
    text, fields, languages = _validate(body, settings.limits.max_comment_chars, settings.perspective_aliases)
    entries = body.context.entries if body.context else []
    context_texts = [e.text for e in entries if e.text and has_visible_text(e.text)]
    article = ArticleContext(body="\n".join(context_texts)) if context_texts else None
    spans = sentence_spans(text) if body.spanAnnotations else [(0, len(text))]
    # One scorer call: the whole comment first, then each sentence on its own (no thread context).
    pieces = [text] + ([text[b:e] for b, e in spans] if body.spanAnnotations else [])

    def run() -> list[Any]:
        whole = scorer.score([text], article, use_thread=False)
        parts = scorer.score(pieces[1:], article, use_thread=False) if len(pieces) > 1 else []
        return whole + parts

    scored = await run_cpu(len(pieces), run)
    attribute_scores: dict[str, Any] = {}
    for name, field in fields.items():
        threshold = body.requestedAttributes[name].scoreThreshold
        summary = scored[0][field]
        if not math.isfinite(summary):
            raise _invalid(f"Attribute {name} is not in the loaded model ({scorer.version}).")
        span_values = [s[field] for s in scored[1:]] if body.spanAnnotations else [summary]
        entry: dict[str, Any] = {}
        span_scores = [
            {"begin": b, "end": e, "score": _score(v)}
            for (b, e), v in zip(spans, span_values, strict=True)
            if threshold is None or v >= threshold
        ]
        if span_scores:
            entry["spanScores"] = span_scores
        # Perspective omits a summaryScore below the requested scoreThreshold.
        if threshold is None or summary >= threshold:
            entry["summaryScore"] = _score(summary)
        if entry:
            attribute_scores[name] = entry
    state.metrics.comments.labels("perspective").inc(1)
    answer: dict[str, Any] = {"attributeScores": attribute_scores, "languages": languages}
    if body.clientToken is not None:
        answer["clientToken"] = body.clientToken
    return json_response(answer)


@router.post(
    "/v1alpha1/comments:suggestscore",
    response_model=SuggestCommentScoreResponse,
    response_model_exclude_none=True,
    responses=errors(400, 401, 403, 413, 415, 503),
    summary="Perspective-compatible SuggestCommentScore: a moderator's verdict, stored as feedback",
)
async def suggest_score(
    body: SuggestCommentScoreRequest,
    state: StateDep,
    _auth: Annotated[None, Depends(require_token_or_key)],
) -> Response:
    """What Coral's "send feedback to Perspective" calls. Each suggested summary score becomes one
    feedback row (label 1 when the value is >= 0.5), exactly as POST /v1/feedback would store it.
    Authenticated with the API token, as `?key=` (Perspective style) or a bearer header. With
    MODERATION_DO_NOT_STORE=true nothing is written."""
    text = body.comment.text
    if not has_visible_text(text):
        raise EmptyInputError("Comment must be non-empty.")
    if len(text) > state.settings.limits.max_comment_chars:
        raise TooLargeError(
            f"Comment text has {len(text)} characters; the limit is "
            f"{state.settings.limits.max_comment_chars}."
        )
    aliases = state.settings.perspective_aliases
    unknown = [name for name in body.attributeScores if resolve(name, aliases) is None]
    if unknown:
        raise _invalid(f"Attribute {unknown[0]} does not exist; this service scores {', '.join(ATTRIBUTES)}.")
    if not body.attributeScores:
        raise _invalid("attributeScores must name at least one attribute.")
    if not state.settings.do_not_store:
        rows = [
            Feedback(
                text=text,
                attribute=str(resolve(name, aliases)),
                label=int(s.summaryScore.value >= 0.5),
                article_id=body.communityId,
            )
            for name, s in body.attributeScores.items()
        ]

        def write() -> None:
            state.store().add_feedback_many(rows)  # all the suggested scores or none

        await run_in_threadpool(write)
    answer = {"clientToken": body.clientToken} if body.clientToken is not None else {}
    return json_response(answer)
