"""Perspective's API (`commentanalyzer` v1alpha1), so a platform or client library that calls Perspective
switches by changing one URL: POST /v1alpha1/comments:analyze, POST /v1alpha1/comments:suggestscore and
GET /$discovery/rest?version=v1alpha1 (the discovery document googleapiclient builds its client from).

Attributes are the loaded model's, under their upper-case names (insult -> INSULT). A Perspective
attribute the model does not carry (THREAT, FLIRTATION, ...) is one supported in no language: Perspective's
LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE 400, or dropped with `dropUnsupportedAttributes`, never a made-up
score. A name Perspective does not know is its "Unknown requested attribute" 400. Differences from
Perspective, by design, are listed in docs/perspective.md.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from core.records import ArticleContext, Scores
from model.language import normalize_language
from model.score import CommentScorer
from service.api import perspective_protocol as pp
from service.api.deps import ScorerDep, StateDep, require_token_or_key
from service.api.errors import ApiError
from service.api.guards import JsonRoute
from service.api.routers._common import google_errors
from service.api.schemas import (
    AnalyzeCommentRequest,
    AnalyzeCommentResponse,
    PerspectiveContext,
    SuggestCommentScoreRequest,
    SuggestCommentScoreResponse,
    SuggestedScore,
)
from service.api.scoring import json_response, run_cpu, text_chars
from service.ingest import has_visible_text
from service.storage import Feedback


class PerspectiveRoute(JsonRoute):
    # A POST with no body (and no Content-Type) is an empty request message, as at Google: it gets
    # Perspective's COMMENT_EMPTY, not a 415. (One client probes its key that way.)
    empty_body: ClassVar[Any] = {}
    # Perspective's own Python sample (sample.md) posts `data=json.dumps(...)` with requests, which
    # sends no Content-Type; Google reads such a body as JSON (it was a 415 here).
    json_without_content_type: ClassVar[bool] = True
    # JSON is JSON: a page in a reader's browser posting without a CORS preflight must declare its body
    # text/plain (a "simple request"); it was a 415. Whether Google's front end reads such a body is not
    # documented; a form (application/x-www-form-urlencoded) stays a 415.
    json_media_types: ClassVar[frozenset[str]] = frozenset({"text/plain"})
    # Its cURL sample (sample.md) sends JavaScript-style keys, `{comment: {text: "..."}}`, which Google's
    # JSON reader takes (it was a 400 "not valid JSON" here).
    bare_keys: ClassVar[bool] = True


router = APIRouter(route_class=PerspectiveRoute, tags=["perspective"])
DISCOVERY_VERSION = "v1alpha1"
# Google's partial response, a standard parameter of every Google API (googleapiclient passes it on).
FieldsParam = Annotated[
    str | None,
    Query(
        alias="fields",
        description="Selector of the answer's members to return: `a/b,c(d,e)`, `*` for every member.",
    ),
]


def _text_of(comment: Any) -> str:
    text = comment.text if comment is not None else ""
    if not has_visible_text(text):
        raise pp.comment_empty()
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > pp.MAX_TEXT_BYTES:
        raise pp.comment_too_long(size)
    if comment.type not in pp.TEXT_TYPES:
        raise pp.unsupported_text_type(comment.type)
    return str(text)


def _context(context: PerspectiveContext | None) -> tuple[ArticleContext | None, list[str]]:
    """The article the off-topic score reads, and the thread around the comment (its parent)."""
    if context is None:
        return None, []
    pair = context.articleAndParentComment
    if pair is not None and context.entries:
        raise pp.invalid(
            "Context can have either entries or article_and_parent_comment, but both fields were populated."
        )
    if pair is not None:
        article = pair.article.text if pair.article and pair.article.text else ""
        parent = pair.parentComment.text if pair.parentComment and pair.parentComment.text else ""
        thread = [parent] if has_visible_text(parent) else []
        return (ArticleContext(body=article) if has_visible_text(article) else None), thread
    texts = [e.text for e in context.entries if e.text and has_visible_text(e.text)]
    return (ArticleContext(body="\n".join(texts)) if texts else None), []


@dataclass(frozen=True)
class _Plan:
    """What to score: {requested name: our attribute}, and the names supported in no language."""

    fields: dict[str, str]
    never: tuple[str, ...]


def _plan(body: AnalyzeCommentRequest, names: Mapping[str, str]) -> _Plan:
    """``names``: {Perspective name: attribute} offered (``AppState.perspective_names``)."""
    if not body.requestedAttributes:
        raise pp.no_requested_attributes()
    fields: dict[str, str] = {}
    never = []
    for name, params in body.requestedAttributes.items():
        attribute = pp.unversioned(name)  # the answer keeps the requested name, as Perspective's does
        if attribute in names:
            fields[name] = names[attribute]
        elif attribute in pp.PERSPECTIVE_ATTRIBUTES:
            never.append(name)
        else:
            raise pp.unknown_attribute(name)
        if params.scoreType not in pp.SCORE_TYPES:
            raise pp.invalid(f"Requested score type {params.scoreType} is not supported by attribute {name}")
    return _Plan(fields, tuple(never))


def _requested_languages(tags: Sequence[str] | None) -> list[str]:
    """A request's ``languages`` as model keys ("fr-CA" -> "fr", "arz" -> "ar"); blanks are skipped
    and "und" stays "und", which no attribute supports (real Perspective's answer). Something that is
    no tag ("deutsch") is INVALID_REQUEST (it reached the scorer as a 500 when the attributes were
    dropped)."""
    out: list[str] = []
    for tag in tags or ():
        if not tag.strip():
            continue
        try:
            code = normalize_language(tag)
        except ValueError as exc:
            raise pp.invalid(f"languages: {exc}") from None
        out.append(code or tag.strip().lower().replace("_", "-").split("-", 1)[0])
    return out


def _drop_unsupported(
    body: AnalyzeCommentRequest,
    scorer: CommentScorer,
    plan: _Plan,
    languages: Sequence[str],
    *,
    requested: bool,
    flagged: frozenset[str] = frozenset(),
    drop_always: bool = False,
    checked: bool = False,
) -> dict[str, str]:
    """The attributes trained for every one of ``languages``; the others are Perspective's 400, or
    dropped when the request (or the site's ``perspective_drop_unsupported``) says so. ``flagged``:
    attributes the scorer itself marked unsupported. ``checked``: ``plan.fields`` were already kept for
    ``languages`` (the request's, before scoring), so only ``flagged`` is looked at."""
    detected = () if requested else languages
    drop = body.dropUnsupportedAttributes or drop_always
    kept: dict[str, str] = {}
    for name in body.requestedAttributes:
        field = plan.fields.get(name)
        ok = field is not None and field not in flagged
        ok = ok and (checked or all(lang in pp.supported_languages(scorer, str(field)) for lang in languages))
        if ok and field is not None:
            kept[name] = field
        elif not drop:
            raise pp.language_not_supported(name, languages, requested=requested, detected=detected)
    return kept


def _judged_language(requested: Sequence[str], scores: Scores) -> str:
    """The language a comment was scored in: the first the request names ("und" included, which the
    scorer reads as undetermined), else the one the scorer judged it in (``Scores.assumed_language``:
    the detected one, its thread's or guessed one; English for a weak guess of a language no model
    serves, as the native API judges it), else the detected one, else English."""
    return requested[0] if requested else scores.assumed_language or scores.language or pp.ASSUMED_LANGUAGE


def _span_language(requested: Sequence[str], scores: Scores, field: str) -> str:
    """The language `field`'s spans are scored in: the one whose model scored its summary when a weak
    guess sent it to another language's model than the judged one's, else the judged one."""
    return scores.guessed_languages.get(field) or _judged_language(requested, scores)


def _score_entry(
    summary: float, span_values: Sequence[float], spans: Sequence[tuple[int, int]], threshold: float | None
) -> dict[str, Any]:
    def score(value: float) -> dict[str, Any]:
        return {"value": value, "type": pp.SCORE_TYPE}

    entry: dict[str, Any] = {}
    span_scores = [
        {"begin": b, "end": e, "score": score(v)}
        for (b, e), v in zip(spans, span_values, strict=True)
        if threshold is None or v >= threshold
    ]
    if span_scores:
        entry["spanScores"] = span_scores
    # Perspective omits a summaryScore below the requested scoreThreshold.
    if threshold is None or summary >= threshold:
        entry["summaryScore"] = score(summary)
    return entry


@router.post(
    "/v1alpha1/comments:analyze",
    response_model=AnalyzeCommentResponse,
    response_model_exclude_none=True,
    responses=google_errors(400, 413, 415, 503),
    summary="Perspective-compatible AnalyzeComment",
)
async def analyze(
    body: AnalyzeCommentRequest, scorer: ScorerDep, state: StateDep, selector: FieldsParam = None
) -> Response:
    """Drop-in for `https://commentanalyzer.googleapis.com/v1alpha1/comments:analyze`. A `?key=` query
    parameter is accepted and ignored (this endpoint is open, like the native /v1/comments:score).
    `languages` overrides language detection; `detectedLanguages` says what was detected."""
    selection = pp.field_selection(selector, "AnalyzeCommentResponse")
    text = _text_of(body.comment)
    plan = _plan(body, state.perspective_names(scorer))
    article, thread = _context(body.context)
    requested = _requested_languages(body.languages)
    fields = plan.fields
    drop_always = state.settings.perspective_drop_unsupported
    if requested:  # known before scoring: refuse (or drop) without spending the scoring time
        fields = _drop_unsupported(body, scorer, plan, requested, requested=True, drop_always=drop_always)
    spans = pp.sentence_spans(text) if body.spanAnnotations else [(0, len(text))]
    if body.spanAnnotations and len(spans) * len(fields) > pp.MAX_SPAN_SCORES:
        raise pp.too_many_span_scores(len(spans), len(fields))
    takes_language = pp.accepts_language(scorer)
    forced: dict[str, Any] = {"language": requested[0]} if requested and takes_language else {}

    def run() -> tuple[Scores, dict[str | None, list[Scores]], str]:
        # The comment with its parent as thread context; each sentence on its own (no context), in the
        # language the summary was judged in (a short sentence alone is no evidence of another
        # language; an undetermined comment's sentences were each detected apart: two languages), or
        # for an attribute a weak guess sent to another language's model, in that one's.
        whole = scorer.score([text, *thread], article, use_thread=bool(thread), **forced)[0]
        # Google's detectedLanguages is detected from the text, also when the request names languages.
        detected = _detect(scorer, text, article, thread) if requested else _judged_language((), whole)
        if not body.spanAnnotations or not fields:
            return whole, {}, detected
        pieces = [text[b:e] for b, e in spans]
        if not takes_language:
            return whole, {None: scorer.score(pieces, article, use_thread=False)}, detected
        langs = sorted({_span_language(requested, whole, field) for field in fields.values()})
        by_language: dict[str | None, list[Scores]] = {
            lang: scorer.score(pieces, article, use_thread=False, language=lang) for lang in langs
        }
        return whole, by_language, detected

    pieces_chars = len(text) if body.spanAnnotations and fields else 0
    scored = await run_cpu(
        len(spans) + 1 + len(thread), text_chars([text, *thread], article) + pieces_chars, run
    )
    first, pieces_scored, detected = scored
    effective = requested or [detected]
    fields = _drop_unsupported(
        body,
        scorer,
        _Plan(fields, plan.never),
        effective,
        requested=bool(requested),
        # A best guess from another language's model stays Perspective's score: a client reading
        # TOXICITY gets one for a short English comment the detector cannot place (decisions don't
        # reject on it; the native API marks it unsupported).
        flagged=first.unsupported - first.guessed,
        drop_always=drop_always,
        checked=bool(requested),  # the request's languages were checked before scoring
    )

    def answer() -> Response:
        offsets = pp.utf16_offsets(text, [i for span in spans for i in span])
        spans16 = list(zip(offsets[::2], offsets[1::2], strict=True))
        attribute_scores: dict[str, Any] = {}
        for name, field in fields.items():
            summary = first[field]
            if not math.isfinite(summary):  # never a made-up number
                raise pp.invalid(f"Attribute {name} is not in the loaded model ({scorer.version}).")
            if body.spanAnnotations:
                language = _span_language(requested, first, field) if takes_language else None
                span_values = [s[field] for s in pieces_scored[language]]
            else:
                span_values = [summary]
            threshold = body.requestedAttributes[name].scoreThreshold
            entry = _score_entry(summary, span_values, spans16, threshold)
            if entry:
                attribute_scores[name] = entry
        payload: dict[str, Any] = {
            "attributeScores": attribute_scores,
            "languages": list(body.languages or []) if requested else effective,
            "detectedLanguages": [detected],
        }
        if body.clientToken is not None:
            payload["clientToken"] = body.clientToken
        return json_response(pp.select_fields(payload, selection))

    # One entry a span and name, built where the scoring ran: 81,920 of them took ~0.2 s of the loop.
    response = await run_cpu(len(spans) * len(fields), 0, answer)
    state.metrics.comments.labels("perspective").inc(1)
    return response


def _label(name: str, suggested: SuggestedScore, text: str) -> int:
    """1 when the suggestion says the comment has the attribute: its summary, else its worst span.
    Only probabilities are verdicts: a STD_DEV_SCORE or RAW value compared with 0.5 is no label. A span
    must lie inside the text (UTF-16 code units, as analyze answers them): one that does not is no
    verdict on this comment, and would be stored as a training label."""
    size = pp.utf16_offsets(text, [len(text)])[0]
    for k, span in enumerate(suggested.spanScores or ()):
        if not span.begin <= span.end <= size:
            raise pp.invalid(
                f"attributeScores[{name}].spanScores[{k}]: begin {span.begin} and end {span.end} must "
                f"satisfy begin <= end <= {size} (the comment's length in UTF-16 code units)."
            )
    scores = [suggested.summaryScore] if suggested.summaryScore is not None else []
    for score in scores + [s.score for s in suggested.spanScores or ()]:
        if score.type not in pp.SCORE_TYPES:
            raise pp.invalid(
                f"attributeScores[{name}]: score type {score.type} is not supported; only {pp.SCORE_TYPE}"
            )
    if suggested.summaryScore is not None:
        return int(suggested.summaryScore.value >= 0.5)
    if suggested.spanScores:
        return int(max(s.score.value for s in suggested.spanScores) >= 0.5)
    raise pp.invalid(f"attributeScores[{name}] must have a summaryScore or spanScores.")


@router.post(
    "/v1alpha1/comments:suggestscore",
    response_model=SuggestCommentScoreResponse,
    response_model_exclude_none=True,
    responses=google_errors(400, 401, 403, 413, 415, 503),
    summary="Perspective-compatible SuggestCommentScore: a moderator's verdict, stored as feedback",
)
async def suggest_score(
    body: SuggestCommentScoreRequest,
    scorer: ScorerDep,
    state: StateDep,
    _auth: Annotated[None, Depends(require_token_or_key)],
    selector: FieldsParam = None,
) -> Response:
    """What Coral's "send feedback to Perspective" calls. Each suggested attribute becomes one feedback
    row, exactly as POST /v1/feedback would store it: label 1 when the summary score is >= 0.5 (or,
    with span scores only, when any span's is). Authenticated with the API token, as `?key=`
    (Perspective style) or a bearer header. With MODERATION_DO_NOT_STORE=true, or `doNotStore` in the
    request, nothing is written."""
    selection = pp.field_selection(selector, "SuggestCommentScoreResponse")
    text = _text_of(body.comment)
    if not body.attributeScores:
        raise pp.invalid("attributeScores must not be empty.")
    names = state.perspective_names(scorer)
    for name in body.attributeScores:
        if pp.unversioned(name) not in names:
            if pp.unversioned(name) in pp.PERSPECTIVE_ATTRIBUTES:
                raise pp.invalid(f"Attribute {name} is not offered by this service ({', '.join(names)}).")
            raise pp.unknown_attribute(name)
    rows = [
        Feedback(
            text=text,
            attribute=names[pp.unversioned(name)],
            label=_label(name, s, text),
            article_id=body.communityId,
        )
        for name, s in body.attributeScores.items()
    ]
    requested = _requested_languages(body.languages)
    detected = await _detected_language(scorer, text, body.context)
    if not (state.settings.do_not_store or body.doNotStore):
        await state.run_store(lambda store: store.add_feedback_many(rows))  # all the scores or none
    # The discovery document's SuggestCommentScoreResponse: the token, the language the comment was
    # judged in (what comments:analyze answers as detectedLanguages) and the request's languages.
    answer: dict[str, Any] = {"clientToken": body.clientToken} if body.clientToken is not None else {}
    answer["detectedLanguages"] = [detected]
    if requested:
        answer["requestedLanguages"] = list(body.languages or [])
    return json_response(pp.select_fields(answer, selection))


async def _detected_language(scorer: CommentScorer, text: str, context: PerspectiveContext | None) -> str:
    """What comments:analyze answers as the comment's ``detectedLanguages``: the language it is judged
    in when no language is forced, with its parent comment and article as context."""
    article, thread = _context(context)
    texts = [text, *thread]
    return await run_cpu(len(texts), text_chars(texts, article), _detect, scorer, text, article, thread)


def _detect(scorer: CommentScorer, text: str, article: ArticleContext | None, thread: Sequence[str]) -> str:
    """The language a comment is judged in without a forced one (its parent as thread context): from
    the detector alone when the scorer can say (``judged_languages``), else from scoring it."""
    texts = [text, *thread]
    judged = getattr(scorer, "judged_languages", None)
    if callable(judged):
        return judged(texts, article, use_thread=bool(thread))[0] or pp.ASSUMED_LANGUAGE
    return _judged_language((), scorer.score(texts, article, use_thread=bool(thread))[0])


# What a Host header may hold: a DNS name (underscores allowed: container names have them) or an IPv4
# address, or an IPv6 address in brackets; then an optional port.
_HOST = re.compile(
    r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?"
)


def _request_root(request: Request) -> str:
    """The URL this request came to, from its Host header (the server's own address without one), once
    the header is known to hold a host and port and nothing else."""
    host = request.headers.get("host")
    if host is not None and not _is_host(host):
        raise ApiError(
            400, "malformed", "the Host header must be a host name or address with an optional :port"
        )
    return str(request.base_url)


def _is_host(value: str) -> bool:
    name = value
    if ":" in value and not value.endswith("]"):  # (an IPv6 address in brackets has colons of its own)
        name, _, port = value.rpartition(":")
        if not (port.isascii() and port.isdigit() and 0 < int(port) <= 65535):
            return False
    if name.startswith("[") and name.endswith("]"):
        try:
            ipaddress.IPv6Address(name[1:-1])
        except ValueError:
            return False
        return True
    return len(name) <= 253 and _HOST.fullmatch(name) is not None


@router.get(
    "/$discovery/rest",
    summary="Perspective's discovery document, pointing at this server (for googleapiclient)",
    responses=google_errors(404),
)
async def discovery(
    request: Request,
    state: StateDep,
    version: Annotated[str, Query(description="API version; only v1alpha1 exists.")] = DISCOVERY_VERSION,
) -> Response:
    """What `googleapiclient.discovery.build("commentanalyzer", "v1alpha1",
    discoveryServiceUrl="<this server>/$discovery/rest?version=v1alpha1", developerKey=...)` reads.
    Its rootUrl is MODERATION_PUBLIC_BASE_URL, or else the URL this request came to (its Host header
    must be a host name or address with an optional port: 400 otherwise), so the client then calls
    this server."""
    if version != DISCOVERY_VERSION:
        raise ApiError(
            404, "not_found", f"Discovery document not found for API service: commentanalyzer {version}"
        )
    document = json.loads(pp.discovery_template())
    root = state.settings.public_base_url or _request_root(request)
    document["rootUrl"] = root
    document["mtlsRootUrl"] = root
    document["baseUrl"] = root + document.get("servicePath", "")
    return json_response(document)
