"""Pydantic request and response models: the HTTP edge only. Inside, the service works on the frozen
dataclasses of core.records.

Size limits (comment length, comments per request) come from the runtime settings, so they are checked
in the routes rather than as static constraints here.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic.alias_generators import to_snake

from service.settings import Attribute

# A headline is a line: longer is not a title, and every queued comment keeps a copy of it.
MAX_TITLE_CHARS = 1000
# An id or a URL: 2,048 characters holds any real one (browsers' practical URL limit).
MAX_ID_CHARS = 2048
# A commenter's display name: platforms cap them far below this (Disqus 30, WordPress 250 characters).
MAX_AUTHOR_CHARS = 256
# An author's name as the queue stores and matches it (feedback rows, erasure, the authors' records).
AuthorName = Annotated[str, Field(min_length=1, max_length=MAX_AUTHOR_CHARS)]
# A queue item's revision is a 32-bit integer column; a larger one could never match (and would not bind).
MAX_REVISION = 2**31 - 1


# Fields an object may carry beyond its model's and still get one error each (typos, named): past
# that it is one error. Pydantic builds an error per unknown field, on the event loop: an object of
# 160,000 unknown keys (a 2 MiB body) held it ~0.9 s a request.
MAX_UNKNOWN_FIELDS = 16


class _Strict(BaseModel):
    # Unknown fields are a 422, so a typo ("coments") never silently scores nothing.
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _not_too_many_fields(cls, data: Any) -> Any:
        known = cls.model_fields
        if isinstance(data, dict) and len(data) > len(known) + MAX_UNKNOWN_FIELDS:
            unknown = [k for k in itertools.islice(data, len(known) + 3) if k not in known][:3]
            names = ", ".join(repr(str(k)[:40]) for k in unknown)
            raise ValueError(
                f"{len(data):,} fields, at most {len(known)} of them known ({names}, ... are not)"
            )
        return data


# --- /v1/comments:score ---------------------------------------------------------------------------


class CommentIn(_Strict):
    id: str | None = Field(default=None, description="Your id for the comment, echoed back.")
    text: str = Field(description="The comment text (plain text).")
    author: str | None = Field(
        default=None, max_length=MAX_AUTHOR_CHARS, description="Who wrote it (kept when queued)."
    )


class ArticleIn(_Strict):
    id: str | None = Field(
        default=None,
        max_length=MAX_ID_CHARS,
        description="Your article id (kept when queued; default: source).",
    )
    title: str | None = Field(
        default=None, max_length=MAX_TITLE_CHARS, description="The headline (kept when queued)."
    )
    body: str | None = None
    source: str | None = Field(
        default=None, max_length=MAX_ID_CHARS, description="URL or name (kept when queued)."
    )


class ScoreCommentsRequest(_Strict):
    comments: list[CommentIn] = Field(
        description="The comments of ONE thread, in order; each is scored with the others as context.",
    )
    article: ArticleIn | None = Field(default=None, description="The article the thread sits under.")
    language: str | None = Field(
        default=None,
        max_length=35,
        description="The comments' language as a BCP-47 tag ('fr', 'de-CH'): overrides detection, "
        "for a lone comment too short to place. Default: each comment's detected language.",
    )
    explain: bool = Field(default=False, description="Also return the spans that pushed each score up.")
    queue: bool = Field(
        default=False,
        description="Also store each comment in the review queue (needs the bearer token; implies explain).",
    )


class ModelRef(BaseModel):
    version: str


class AttributeScores(BaseModel):
    # null when the loaded artifact does not carry the attribute
    insult: float | None
    off_topic: float | None
    toxicity: float | None = None
    severe_toxicity: float | None = None
    identity_attack: float | None = None
    profanity: float | None = None
    spam: float | None = None
    unsubstantial: float | None = None


class DecisionOut(BaseModel):
    verdict: Literal["approve", "review", "reject"]
    reasons: list[str]


class SpanOut(BaseModel):
    start: int = Field(
        description="Offset into the comment's text in code points (a Python string index; an emoji "
        "outside the Basic Multilingual Plane counts 1, where a JavaScript string index counts 2)."
    )
    end: int = Field(description="End offset, exclusive, in code points like `start`.")
    text: str = Field(description="The comment's characters from `start` to `end`.")
    weight: float = Field(description="How far it pushed the score up, in calibrated log-odds.")


class QuotedOut(BaseModel):
    start: int
    end: int
    author: str | None = Field(description="The quoted author, when the quote names one.")
    text: str


class _ScoredComment(BaseModel):
    """What /v1/comments:score and /v1/articles:score answer alike for a comment. A subclass's bases
    after this one put their fields first (pydantic orders a model's fields by its bases, reversed)."""

    scores: AttributeScores
    context: Literal["article+thread", "article", "thread", "none"] = Field(
        description="What the off_topic score saw: 'none' for a comment sent without article or thread, "
        "and for one without a single content word ('lol', '+1'); then no off-topic decision is made."
    )
    language: str = Field(description="The comment's detected language (ISO 639-1), 'und' when unsure.")
    language_supported: dict[str, bool] = Field(
        description="Per attribute: was its model trained for this language? false = the score is "
        "given but no decision rests on it alone (at most review)."
    )
    judged_language: str = Field(
        default="en",
        description="The language the comment was judged in: `language`, or for an undetermined comment "
        "its thread's (or the detector's best guess); its thresholds decide "
        "(MODERATION_LANGUAGE_THRESHOLDS).",
    )
    decision: DecisionOut
    spans: dict[str, list[SpanOut]] | None = None
    queue_id: str | None = Field(default=None, description="The review-queue item, when queued.")
    queued_before: bool | None = Field(
        default=None,
        description="When queued: true when the comment had its item already (a retry, a re-crawl); "
        "then this result is the item as stored (scores, decision, spans, languages, context, "
        "model_version), which this request's scoring may not match.",
    )
    model_version: str | None = Field(
        default=None, description="When queued: the model that scored this result (the stored item's)."
    )
    not_stored: list[str] | None = Field(
        default=None,
        description="Fields an item queued before schema version 6 or 8 does not hold: these are this "
        "request's scoring.",
    )


class _CommentId(BaseModel):
    id: str | None


class CommentResult(_ScoredComment, _CommentId):
    spans: dict[str, list[SpanOut]] | None = Field(
        default=None, description="With `explain`: per attribute, the spans of `text` as sent that pushed it."
    )
    quotes: list[QuotedOut] = Field(
        default_factory=list,
        description="What the comment quotes ('> ' lines, a 'NAME wrote:' header and its quote): those "
        "words are the quoted author's, so the scores are the comment's own words'; `start`/`end` on "
        "`text` as sent.",
    )


class ScoreCommentsResponse(BaseModel):
    model: ModelRef
    results: list[CommentResult]


# --- /v1/articles:score ---------------------------------------------------------------------------


class ScorePageJson(_Strict):
    content: str = Field(description="The scraped page: plain text from any scraper, or raw HTML.")
    format: Literal["auto", "text", "html"] = "auto"
    source: str | None = Field(
        default=None, max_length=MAX_ID_CHARS, description="Where the page came from (URL or file name)."
    )


class ParsedArticle(BaseModel):
    source: str
    format: Literal["text", "html"]
    title: str | None
    body: str
    declared_comment_count: int | None
    dropped: int = Field(description="Lines of page furniture dropped by the parser.")
    warnings: list[str] = Field(
        default_factory=list,
        description="Why the comments found may be fewer than the page holds (empty when nothing says so).",
    )


class _PageCommentPlace(BaseModel):
    index: int
    author: str | None
    posted_at: str | None
    posted_raw: str | None
    parent: int | None
    text: str


class PageComment(_ScoredComment, _PageCommentPlace):
    pass


class ScorePageResponse(BaseModel):
    model: ModelRef
    article: ParsedArticle
    comments: list[PageComment]


# --- /v1/queue ------------------------------------------------------------------------------------


class DecideIn(_Strict):
    verdict: Literal["approve", "reject"]
    attributes: list[str] | None = Field(
        default=None,
        max_length=64,
        description="What the verdict is about ([]: none, no feedback row); default: the attributes "
        "that reached review.",
    )
    revision: int | None = Field(
        default=None,
        ge=0,
        le=MAX_REVISION,
        strict=True,  # ("4" or true is no revision: a client that sends one has a bug to hear about)
        description="To correct a verdict: the item's `revision` as last read. The new verdict and its "
        "feedback rows replace the old ones while the item is still at that revision (else 409 with the "
        "item as it stands). Without it only a pending item can be decided.",
    )


class UndoIn(_Strict):
    revision: int = Field(
        ge=0,
        le=MAX_REVISION,
        strict=True,
        description="The item's `revision` as last read: the verdict is taken back (the item is pending "
        "again, its feedback rows deleted) only while the item is still at it, else 409.",
    )


class QuoteOut(BaseModel):
    author: str | None
    text: str


class VerdictEventOut(BaseModel):
    revision: int = Field(description="The item's revision once the event was written.")
    action: Literal["decide", "correct", "undo"]
    verdict: Literal["approve", "reject"] | None = Field(description="null for an undo.")
    attributes: list[str] | None = Field(description="What the verdict was recorded for; null for an undo.")
    decided_by: str | None = Field(description="The moderator; null for the API token.")
    at: str


class VerdictHistoryOut(BaseModel):
    item_id: str
    events: list[VerdictEventOut]


class QueueItemOut(BaseModel):
    id: str
    author: str | None = Field(
        default=None,
        description="Who wrote the comment, as the request or the parsed page named them; null when "
        "neither did, and on items queued before schema version 14.",
    )
    article_id: str | None
    article_title: str | None
    source: str | None
    text: str
    scores: dict[str, float | None]
    spans: dict[str, list[SpanOut]]
    decision: Literal["approve", "review", "reject"]
    reasons: list[str]
    flagged_attributes: list[str] = Field(description="The attributes that reached review.")
    risk: float = Field(
        description="The queue's sort key: the decision (reject 2, review 1, approve 0) plus the highest "
        "score among the attributes that flagged it (all of them when none did)."
    )
    language: str | None
    judged_language: str | None = Field(
        description="The language it was scored in (its thread's when `language` is unknown); its "
        "verdict trains that language's model. null on items queued before schema version 6."
    )
    model_version: str
    created_at: str
    status: Literal["pending", "decided"]
    verdict: Literal["approve", "reject"] | None
    verdict_attributes: list[str] | None = Field(description="The attributes the verdict was recorded for.")
    decided_at: str | None
    decided_by: str | None = Field(
        default=None,
        description="The moderator whose own token gave the verdict standing (docs/queue.md); "
        "null for the API token's verdicts, a pending item, and verdicts given before names were kept.",
    )
    revision: int = Field(
        description="How many times its verdict was given, corrected or undone (0: never decided); send "
        "it back to correct or undo the verdict."
    )
    context: str | None = Field(
        description="The context it was scored with (`none`: neither article nor thread, so off_topic "
        "decided nothing); null on items queued before schema version 8."
    )
    unsupported_attributes: list[str] | None = Field(
        description="The attributes whose model was not trained for its language (at most review); null "
        "on items queued before schema version 8."
    )
    quotes: list[QuoteOut] | None = Field(
        description="What the comment quoted (articles:score parses quotes out of a reply): `text` is its "
        "own words only, each quote its `author` (null when it names none) and its words; null on items "
        "queued before schema version 9."
    )


class QueuePageOut(BaseModel):
    items: list[QueueItemOut]
    next_cursor: str | None
    after: str = Field(
        description="Pass back as `after` to list the items queued after this answer (or, when it holds "
        "`limit` items queued after an `after`, after its last item)."
    )


class ScoresItemOut(BaseModel):
    scores: dict[str, float | None]
    verdict: Literal["approve", "reject"] | None
    verdict_attributes: list[str] | None = Field(description="The attributes the verdict was recorded for.")
    judged_language: str | None = Field(
        description="The language it was scored in; null on items queued before schema version 6."
    )
    context: str | None = Field(
        description="The context it was scored with (`none`: off_topic decided nothing); null on items "
        "queued before schema version 8."
    )
    unsupported_attributes: list[str] | None = Field(
        description="The attributes whose model was not trained for its language (at most review); null "
        "on items queued before schema version 8."
    )


class ScoresPageOut(BaseModel):
    items: list[ScoresItemOut]
    next_cursor: str | None = Field(
        description="Pass back as `cursor` for the next page (GET /v1/queue's cursors are the same); "
        "null on the last page."
    )


class QueueStatsOut(BaseModel):
    items: int = Field(description="Queued items the filters keep.")
    pending: int = Field(description="Of those, waiting for a verdict.")
    decided: int
    pending_by_decision: dict[str, int] = Field(
        description="Pending items by the model's decision (`approve`, `review`, `reject`)."
    )
    pending_by_attribute: dict[str, int] = Field(
        description="Pending items per attribute that reached review on them (an item flagged by two "
        "attributes counts under both)."
    )
    verdicts: dict[str, int] = Field(description="Decided items by verdict (`approve`, `reject`).")
    oldest_pending_at: str | None = Field(
        description="When the longest-waiting pending item was queued; null when nothing is pending."
    )
    oldest_pending_age_s: float | None = Field(description="Seconds it has waited, at `as_of`.")
    as_of: str = Field(description="The server's time of the count.")


class AuthorRecordOut(BaseModel):
    author: str
    items: int = Field(description="The author's comments in the queue, decided or not.")
    pending: int
    approved: int
    rejected: int


class AuthorsOut(BaseModel):
    authors: list[AuthorRecordOut] = Field(
        description="The named authors that have comments in the queue, in the order asked."
    )


class ModeratorActivityOut(BaseModel):
    moderator: str | None = Field(description="The moderator's name; null for the API token's verdicts.")
    verdicts: int = Field(description="Verdicts given in the window (first verdicts and corrections).")
    approved: int
    rejected: int
    undone: int = Field(description="Verdicts this moderator took back (undo) in the window.")
    changed_by_others: int = Field(
        description="Of this moderator's verdicts in the window, those someone else later corrected or undid."
    )
    last_at: str = Field(description="This moderator's last event in the window.")


class ActivityOut(BaseModel):
    since: str = Field(description="The window's start (the `since` asked, else 7 days before `as_of`).")
    as_of: str
    moderators: list[ModeratorActivityOut] = Field(description="Who acted in the window, the busiest first.")


# --- /v1/feedback ---------------------------------------------------------------------------------


class FeedbackIn(_Strict):
    text: str = Field(description="The comment text the verdict is about.")
    attribute: Attribute
    label: Literal[0, 1] = Field(description="1: the comment has the attribute; 0: it has not.")
    article_id: str | None = Field(default=None, max_length=MAX_ID_CHARS)
    author: AuthorName | None = Field(
        default=None,
        description='Who wrote the comment: POST /v1/queue:erase {"author"} then erases the row too.',
    )
    doNotStore: bool = Field(default=False, description="Accept and discard: nothing is written.")


class FeedbackOut(BaseModel):
    stored: bool
    id: int | None = None
    message: str


# --- erasure (docs/security.md, "Erasing a comment") ----------------------------------------------


class DeletedOut(BaseModel):
    """Rows deleted, per table."""

    queue_items: int
    pending: int = Field(description="Of queue_items, those that had no verdict yet.")
    queue_flags: int
    feedback: int = Field(description="Feedback rows: the verdicts' copies of the comments.")
    idempotency_keys: int = Field(description="Stored answers of :decide and :undo replaying an item.")
    verdict_events: int = Field(default=0, description="The items' verdict history (who decided, when).")


class EraseIn(_Strict):
    article_id: str | None = Field(
        default=None, min_length=1, max_length=MAX_ID_CHARS, description="The article taken down."
    )
    author: AuthorName | None = Field(
        default=None, description="A reader whose queued comments are erased (the exact name stored)."
    )

    @model_validator(mode="after")
    def _one_of_them(self) -> EraseIn:
        if (self.article_id is None) == (self.author is None):
            raise ValueError("give article_id or author, one of them")
        return self


class ErasedOut(BaseModel):
    erased: bool = Field(description="true: the rows are deleted and the deletion committed.")
    deleted: DeletedOut


# --- /v1/model, health, admin ---------------------------------------------------------------------


class ModelInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    version: str
    attributes: list[str]
    thresholds: dict[str, dict[str, float | None]]  # null: that step is off for the attribute
    # Per detected language a site set thresholds for: every attribute's, its changes applied.
    language_thresholds: dict[str, dict[str, dict[str, float | None]]] = {}
    # Attributes judged against the article and thread: they decide nothing for a comment without either.
    context_attributes: list[str] = []
    manifest: dict[str, object]


class DatabaseHealth(BaseModel):
    status: Literal["ok", "unavailable", "disabled"]
    backend: Literal["sqlite", "postgresql"] | None
    schema_version: int | None = None
    detail: str | None = None


class Health(BaseModel):
    status: Literal["ok", "loading", "unavailable"]
    model_version: str | None = None
    database: DatabaseHealth | None = Field(default=None, description="/readyz only: the store's check.")


class WhoAmIOut(BaseModel):
    moderator: str | None = Field(
        description="The moderator the token names (docs/queue.md); null for the API token."
    )
    api_token: bool = Field(
        description="True for the API token, which alone may erase, activate a model and reload."
    )


class ReloadOut(BaseModel):
    reloaded: bool
    previous_version: str | None
    version: str
    workers_signalled: int = Field(default=0, description="Sibling workers told to reload (SIGHUP).")


class ModelVersionOut(BaseModel):
    version: str
    shipped: bool = Field(description="The model shipped with the service (MODERATION_MODEL_DIR).")
    active: bool
    created_at: str | None
    attributes: list[str]
    metrics: dict[str, dict[str, object]]


class ModelVersionsOut(BaseModel):
    active: str | None = Field(description="The version this worker serves.")
    selected: str | None = Field(
        default=None,
        description="The version the versions directory's ACTIVE names (else the shipped one): what every "
        "worker and replica sharing it serves once reloaded. Another than `active`: this worker has not "
        "switched yet.",
    )
    versions: list[ModelVersionOut]


class ActivateOut(BaseModel):
    activated: bool
    previous_version: str | None
    version: str
    workers_signalled: int = Field(default=0, description="Sibling workers told to reload (SIGHUP).")


# --- /v1alpha1/comments:analyze (Perspective) -----------------------------------------------------


# Bounds on the lists a Perspective request may carry, far above any real one. Validation and the
# route's loops run on the event loop, where 2 MB of them held every request (/healthz included):
# 150,000 context entries 0.8 s, 400,000 languages 1.2 s. Over a bound: INVALID_REQUEST at once.
MAX_CONTEXT_ENTRIES = 1000
MAX_LANGUAGES = 32
MAX_ATTRIBUTES = 256  # Perspective has 29 names: more can only hold an unknown one (also a 400)


def _one_or_many(value: Any) -> Any:
    """A lone string where Perspective has a list of them is that list of one, as Google reads a repeated
    field given one value: peRspective (R, jsonlite's auto_unbox) sends `"languages": "fr"`."""
    return [value] if isinstance(value, str) else value


Languages = Annotated[list[str] | None, BeforeValidator(_one_or_many)]


def _camel_or_snake(name: str) -> AliasChoices:
    """Google's JSON parsing takes a field by its lowerCamelCase name or by its proto name
    (`requestedAttributes` or `requested_attributes`), and some clients send the latter."""
    snake = to_snake(name)
    return AliasChoices(name, snake) if snake != name else AliasChoices(name)


class _NullIsUnset(BaseModel):
    """Proto3 JSON, as Google parses Perspective's requests: a member set to null is the member left out
    (its default). Clients that write every member (Go structs, Json.NET, a dict of Optionals) send them."""

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict) and None in data.values():
            return {k: v for k, v in data.items() if v is not None}
        return data


class _Lenient(_NullIsUnset):
    # Perspective clients send fields we do not use (sessionId, communityId, ...): accept and ignore.
    model_config = ConfigDict(
        extra="ignore", alias_generator=AliasGenerator(validation_alias=_camel_or_snake)
    )


class TextEntry(_Lenient):
    text: str | None = None
    type: str | None = None


class CommentText(_Lenient):
    # Optional here so that an empty comment gets Perspective's COMMENT_EMPTY, not a schema error.
    text: str = Field(default="", json_schema_extra={"minLength": 1, "pattern": "\\S"})
    type: str | None = Field(default=None, json_schema_extra={"enum": ["PLAIN_TEXT", None]})


class ArticleAndParentComment(_Lenient):
    article: TextEntry | None = Field(default=None, description="The article (text or summary).")
    parentComment: TextEntry | None = Field(default=None, description="The comment replied to.")


class PerspectiveContext(_Lenient):
    entries: list[TextEntry] = Field(default_factory=list, max_length=MAX_CONTEXT_ENTRIES)
    articleAndParentComment: ArticleAndParentComment | None = None


class AttributeParameters(_Lenient):
    scoreType: str | None = Field(default=None, json_schema_extra={"enum": ["PROBABILITY", None]})
    scoreThreshold: float | None = Field(default=None, ge=0.0, le=1.0)


class AnalyzeCommentRequest(_Lenient):
    comment: CommentText | None = None
    context: PerspectiveContext | None = None
    # The model's attributes in upper case (GET /v1/model lists them); the route answers any other
    # name with Perspective's documented 400.
    requestedAttributes: dict[str, AttributeParameters] = Field(
        default_factory=dict, max_length=MAX_ATTRIBUTES, json_schema_extra={"minProperties": 1}
    )
    spanAnnotations: bool = False
    dropUnsupportedAttributes: bool = False
    languages: Languages = Field(
        default=None,
        max_length=MAX_LANGUAGES,
        description="ISO 639-1 codes or BCP-47 tags ('en', 'fr-FR'); overrides language detection.",
    )
    doNotStore: bool = False
    clientToken: str | None = None
    sessionId: str | None = None
    communityId: str | None = None


# A member at its default is left out by proto3 JSON writers (Google's Go client sends a verdict of 0 as
# "summaryScore": {} and a span from 0 without "begin"): a missing number is 0, as Google reads it.
class Score(_NullIsUnset):
    value: float = Field(default=0.0, ge=0.0, le=1.0)
    type: str = "PROBABILITY"


class SpanScore(_NullIsUnset):
    begin: int = Field(default=0, ge=0)
    end: int = Field(default=0, ge=0)
    score: Score


class AttributeScore(BaseModel):
    summaryScore: Score | None = None
    spanScores: list[SpanScore] | None = None


class AnalyzeCommentResponse(BaseModel):
    attributeScores: dict[str, AttributeScore]
    languages: list[str]
    detectedLanguages: list[str]
    clientToken: str | None = None


class SuggestedScore(_Lenient):
    # The client "can specify just summary scores, just span scores, or both" (methods.md).
    summaryScore: Score | None = None
    spanScores: list[SpanScore] | None = None


class SuggestCommentScoreRequest(_Lenient):
    comment: CommentText | None = None
    context: PerspectiveContext | None = None
    attributeScores: dict[str, SuggestedScore] = Field(
        default_factory=dict, max_length=MAX_ATTRIBUTES, json_schema_extra={"minProperties": 1}
    )
    languages: Languages = Field(default=None, max_length=MAX_LANGUAGES)
    # Stored as the verdict's article id (its cross-validation group in training).
    communityId: str | None = Field(default=None, max_length=MAX_ID_CHARS)
    clientToken: str | None = None
    # Not in Perspective's SuggestCommentScore; a client that sends it (as it does to analyze) asks that
    # nothing be kept, and is answered as with MODERATION_DO_NOT_STORE.
    doNotStore: bool = False


class SuggestCommentScoreResponse(BaseModel):
    clientToken: str | None = None
    detectedLanguages: list[str]
    requestedLanguages: list[str] | None = None


class ErrorInfo(BaseModel):
    code: int
    status: str
    reason: str
    message: str
    details: list[dict[str, object]] | None = None


class ErrorBody(BaseModel):
    error: ErrorInfo


class GoogleErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    type_: str = Field(alias="@type", examples=["type.googleapis.com/google.commentanalyzer.v1alpha1.Error"])
    errorType: str = Field(examples=["COMMENT_TOO_LONG"])


class GoogleErrorInfo(BaseModel):
    code: int
    message: str
    status: str
    details: list[GoogleErrorDetail]


class GoogleErrorBody(BaseModel):
    """The error shape of Perspective's paths (Google's), with Perspective's errorType."""

    error: GoogleErrorInfo
