"""Pydantic request and response models: the HTTP edge only. Inside, the service works on the frozen
dataclasses of service.records.

Size limits (comment length, comments per request) come from the runtime settings, so they are checked
in the routes rather than as static constraints here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Attribute = Literal[
    "insult",
    "off_topic",
    "toxicity",
    "severe_toxicity",
    "identity_attack",
    "profanity",
    "spam",
    "unsubstantial",
]


class _Strict(BaseModel):
    # Unknown fields are a 422, so a typo ("coments") never silently scores nothing.
    model_config = ConfigDict(extra="forbid")


# --- /v1/comments:score ---------------------------------------------------------------------------


class CommentIn(_Strict):
    id: str | None = Field(default=None, description="Your id for the comment, echoed back.")
    text: str = Field(description="The comment text (plain text).")
    author: str | None = None


class ArticleIn(_Strict):
    title: str | None = None
    body: str | None = None


class ScoreCommentsRequest(_Strict):
    comments: list[CommentIn] = Field(
        description="The comments of ONE thread, in order; each is scored with the others as context.",
    )
    article: ArticleIn | None = Field(default=None, description="The article the thread sits under.")
    explain: bool = Field(default=False, description="Also return the spans that pushed each score up.")


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
    start: int
    end: int
    text: str
    weight: float


class CommentResult(BaseModel):
    id: str | None
    scores: AttributeScores
    context: Literal["article+thread", "article", "thread", "none"]
    decision: DecisionOut
    spans: dict[str, list[SpanOut]] | None = None


class ScoreCommentsResponse(BaseModel):
    model: ModelRef
    results: list[CommentResult]


# --- /v1/articles:score ---------------------------------------------------------------------------


class ScorePageJson(_Strict):
    content: str = Field(description="The scraped page: plain text from any scraper, or raw HTML.")
    format: Literal["auto", "text", "html"] = "auto"
    source: str | None = Field(default=None, description="Where the page came from (URL or file name).")


class ParsedArticle(BaseModel):
    source: str
    format: Literal["text", "html"]
    title: str | None
    body: str
    declared_comment_count: int | None
    dropped: int = Field(description="Lines of page furniture dropped by the parser.")


class PageComment(BaseModel):
    index: int
    author: str | None
    posted_at: str | None
    posted_raw: str | None
    parent: int | None
    text: str
    scores: AttributeScores
    context: Literal["article+thread", "article", "thread", "none"]
    decision: DecisionOut


class ScorePageResponse(BaseModel):
    model: ModelRef
    article: ParsedArticle
    comments: list[PageComment]


# --- /v1/feedback ---------------------------------------------------------------------------------


class FeedbackIn(_Strict):
    text: str = Field(description="The comment text the verdict is about.")
    attribute: Attribute
    label: Literal[0, 1] = Field(description="1: the comment has the attribute; 0: it has not.")
    article_id: str | None = None
    doNotStore: bool = Field(default=False, description="Accept and discard: nothing is written.")


class FeedbackOut(BaseModel):
    stored: bool
    id: int | None = None
    message: str


# --- /v1/model, health, admin ---------------------------------------------------------------------


class ModelInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    version: str
    attributes: list[str]
    thresholds: dict[str, dict[str, float | None]]  # null: that step is off for the attribute
    manifest: dict[str, object]


class Health(BaseModel):
    status: Literal["ok", "loading", "unavailable"]
    model_version: str | None = None


class ReloadOut(BaseModel):
    reloaded: bool
    previous_version: str | None
    version: str
    workers_signalled: int = Field(default=0, description="Sibling workers told to reload (SIGHUP).")


# --- /v1alpha1/comments:analyze (Perspective) -----------------------------------------------------


class _Lenient(BaseModel):
    # Perspective clients send fields we do not use (sessionId, communityId, ...): accept and ignore.
    model_config = ConfigDict(extra="ignore")


class TextEntry(_Lenient):
    text: str | None = None
    type: str | None = None


class CommentText(_Lenient):
    text: str = Field(json_schema_extra={"minLength": 1, "pattern": "\\S"})
    type: str | None = Field(default=None, json_schema_extra={"enum": ["PLAIN_TEXT", None]})


class PerspectiveContext(_Lenient):
    entries: list[TextEntry] = Field(default_factory=list)


class AttributeParameters(_Lenient):
    scoreType: str | None = Field(default=None, json_schema_extra={"enum": ["PROBABILITY", None]})
    scoreThreshold: float | None = Field(default=None, ge=0.0, le=1.0)


class AnalyzeCommentRequest(_Lenient):
    comment: CommentText
    context: PerspectiveContext | None = None
    # The schema lists the names we score; the route answers any other name with Perspective's 400.
    requestedAttributes: dict[str, AttributeParameters] = Field(
        json_schema_extra={"propertyNames": {"enum": ["INSULT", "OFF_TOPIC"]}, "minProperties": 1},
    )
    spanAnnotations: bool = False
    dropUnsupportedAttributes: bool = False
    languages: list[str] | None = Field(
        default=None,
        description="English only: 'en' or an English locale tag such as 'en-US'.",
        json_schema_extra={"items": {"type": "string", "pattern": "^[eE][nN](-[A-Za-z0-9-]*)?$"}},
    )
    doNotStore: bool = False
    clientToken: str | None = None
    sessionId: str | None = None
    communityId: str | None = None


class Score(BaseModel):
    value: float = Field(ge=0.0, le=1.0)
    type: str = "PROBABILITY"


class SpanScore(BaseModel):
    begin: int
    end: int
    score: Score


class AttributeScore(BaseModel):
    summaryScore: Score | None = None
    spanScores: list[SpanScore] | None = None


class AnalyzeCommentResponse(BaseModel):
    attributeScores: dict[str, AttributeScore]
    languages: list[str]
    clientToken: str | None = None


class SuggestedScore(_Lenient):
    summaryScore: Score


class SuggestCommentScoreRequest(_Lenient):
    comment: CommentText
    context: PerspectiveContext | None = None
    attributeScores: dict[str, SuggestedScore] = Field(
        json_schema_extra={"propertyNames": {"enum": ["INSULT", "OFF_TOPIC"]}, "minProperties": 1},
    )
    languages: list[str] | None = None
    communityId: str | None = None
    clientToken: str | None = None


class SuggestCommentScoreResponse(BaseModel):
    clientToken: str | None = None


class ErrorInfo(BaseModel):
    code: int
    status: str
    reason: str
    message: str
    details: list[dict[str, object]] | None = None


class ErrorBody(BaseModel):
    error: ErrorInfo
