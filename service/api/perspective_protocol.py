"""Perspective's protocol, independent of which attributes the loaded model carries: attribute names,
languages, text limits, span offsets and the errors Perspective documents.

Sources: conversationai/perspectiveapi 2-api/methods.md and 2-api/limits.md (messages and the
ErrorType enum), the public commentanalyzer v1alpha1 discovery/OpenAPI description (field meanings:
`languages` = the effective languages, `detectedLanguages`, span offsets in UTF-16 code units,
`dropUnsupportedAttributes` drops an attribute "not supported for the language").
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any

from core.errors import ConfigurationError
from model.score import CommentScorer
from service.api.errors import ApiError

# Perspective's published attribute names (production, experimental, New York Times, bridging). A name
# here that the loaded model does not carry is an attribute this service supports in no language.
PERSPECTIVE_ATTRIBUTES = frozenset(
    {
        "TOXICITY",
        "SEVERE_TOXICITY",
        "IDENTITY_ATTACK",
        "INSULT",
        "PROFANITY",
        "THREAT",
        "SEXUALLY_EXPLICIT",
        "FLIRTATION",
        "TOXICITY_EXPERIMENTAL",
        "SEVERE_TOXICITY_EXPERIMENTAL",
        "IDENTITY_ATTACK_EXPERIMENTAL",
        "INSULT_EXPERIMENTAL",
        "PROFANITY_EXPERIMENTAL",
        "THREAT_EXPERIMENTAL",
        "ATTACK_ON_AUTHOR",
        "ATTACK_ON_COMMENTER",
        "INCOHERENT",
        "INFLAMMATORY",
        "LIKELY_TO_REJECT",
        "OBSCENE",
        "SPAM",
        "UNSUBSTANTIAL",
        "AFFINITY_EXPERIMENTAL",
        "COMPASSION_EXPERIMENTAL",
        "CURIOSITY_EXPERIMENTAL",
        "NUANCE_EXPERIMENTAL",
        "PERSONAL_STORY_EXPERIMENTAL",
        "REASONING_EXPERIMENTAL",
        "RESPECT_EXPERIMENTAL",
        # Names real clients send (session 37): Jigsaw's older fast toxicity model (its Dart and Java
        # clients; xatkit asks it beside 16 others), and the outrage attributes the Prosocial Ranking
        # Challenge's Perspective ranker asks. Unknown, they were a 400 that dropUnsupportedAttributes
        # could not drop.
        "TOXICITY_FAST",
        "ALIENATION_EXPERIMENTAL",
        "FEARMONGERING_EXPERIMENTAL",
        "GENERALIZATION_EXPERIMENTAL",
        "MORAL_OUTRAGE_EXPERIMENTAL",
        "SCAPEGOATING_EXPERIMENTAL",
    }
)
SCORE_TYPE = "PROBABILITY"
SCORE_TYPES = (None, "", "SCORE_TYPE_UNSPECIFIED", SCORE_TYPE)
TEXT_TYPES = (None, "", "TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT")
KNOWN_TEXT_TYPES = (*TEXT_TYPES, "HTML")  # the proto's TextType; HTML is known but not supported
MAX_TEXT_BYTES = 20 * 1024  # limits.md: "The maximum text size per request is 20 KB" (UTF-8 bytes)
# spanAnnotations answers one score per sentence and requested name: a 20 KB text of one-letter lines
# (10,240 sentences) under 256 versioned names ("TOXICITY@7") was a 225 MB answer built in 8 s on the
# event loop for a 25 KB request. Every shipped attribute once over those 10,240 sentences is 81,920.
MAX_SPAN_SCORES = 100_000
# The language assumed when the model carries no language detector (Scores.language is None).
ASSUMED_LANGUAGE = "en"
DEFAULT_LANGUAGES = frozenset({"en"})

# Where a sentence ends: its closing marks (with closing quotes/brackets) before a space or the end of
# the text, so "3.5", "www.example.com" and "$4.99" end nothing; the full-width CJK marks, which no
# space follows; or a line break. The marks are Latin's, the ellipsis and Arabic's question mark.
# A run of marks is tried once, from its start, and never backtracked into (possessive): otherwise
# 20,000 dots and a letter took 8 s of the event loop.
_MARKS = ".!?…؟"
_CLOSERS = "\"')\\]»’”"
_SENTENCE_END = re.compile(
    rf"(?<![{_MARKS}])[{_MARKS}]++[{_CLOSERS}]*+(?=\s|$)"
    rf"|[。！？]+[{_CLOSERS}]*|\r\n?|[\n\u2028\u2029]"
)


# --- errors (limits.md: messages; ErrorType: COMMENT_TOO_LONG, COMMENT_EMPTY, NO_REQUESTED_ATTRIBUTES,
# LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE, LANGUAGE_DETECTION_FAILED; any other error is INVALID_REQUEST) ---


def invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_argument", message, error_type="INVALID_REQUEST")


def unsupported_text_type(text_type: str) -> ApiError:
    """limits.md's two messages: a type Perspective knows but does not read (HTML), or one it lacks."""
    if text_type in KNOWN_TEXT_TYPES:
        return invalid("Currently, only 'PLAIN_TEXT' comments are supported")
    return invalid(f"Unknown text type: {text_type}")


def comment_empty() -> ApiError:
    return ApiError(400, "empty", "Comment must be non-empty.", error_type="COMMENT_EMPTY")


def comment_too_long(size: int) -> ApiError:
    # The documented message, then the numbers (Perspective gives none; they help whoever reads logs).
    return ApiError(
        400,
        "too_large",
        f"Comment text too long. It has {size} bytes in UTF-8; the limit is {MAX_TEXT_BYTES}.",
        error_type="COMMENT_TOO_LONG",
    )


def too_many_span_scores(sentences: int, names: int) -> ApiError:
    return invalid(
        f"spanAnnotations would answer {sentences * names:,} span scores ({sentences:,} sentences x "
        f"{names} requested attributes); at most {MAX_SPAN_SCORES:,}: request fewer attributes, or no "
        "spanAnnotations"
    )


def no_requested_attributes() -> ApiError:
    return ApiError(
        400, "invalid_argument", "Missing requested_attributes", error_type="NO_REQUESTED_ATTRIBUTES"
    )


def unknown_attribute(name: str) -> ApiError:
    return invalid(f"Unknown requested attribute: {name}")


def language_not_supported(
    attribute: str, languages: Sequence[str], *, requested: bool, detected: Sequence[str] = ()
) -> ApiError:
    """Perspective's LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE, with the detail members clients read."""
    detail: dict[str, Any] = {"attribute": attribute}
    if requested:
        detail["requestedLanguages"] = list(languages)
    if detected:
        detail["detectedLanguages"] = list(detected)
    return ApiError(
        400,
        "language_not_supported",
        f"Attribute {attribute} does not support request languages: {', '.join(languages)}",
        error_type="LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        fields={"languageNotSupportedByAttributeError": detail},
    )


# --- names and languages ---------------------------------------------------------------------------


def perspective_name(attribute: str) -> str:
    return attribute.upper()


# Perspective's API reference ("Versions"): "To use a specific version of a model, use a model name of
# the form MODEL_NAME@VERSION_NUMBER"; without one, the latest version answers.
_VERSIONED_NAME = re.compile(r"([A-Za-z0-9_]+)@[0-9]+")


def unversioned(requested: str) -> str:
    """The attribute a requested name asks for: ``TOXICITY@6`` is TOXICITY. This service has one version
    of each attribute, the loaded model's, and answers it for any version number."""
    match = _VERSIONED_NAME.fullmatch(requested)
    return match.group(1) if match else requested


def offered(scorer: CommentScorer, aliases: Mapping[str, str]) -> dict[str, str]:
    """{Perspective name: our attribute} for every attribute of the loaded model, plus the aliases."""
    names = {perspective_name(a): a for a in scorer.attributes}
    for name, target in aliases.items():
        if target in names:  # a site's own mapping wins over the model's name
            names[name.upper()] = names[target]
    return names


def check_aliases(aliases: Mapping[str, str], attributes: Iterable[str]) -> None:
    """At start and reload: every alias must point at an attribute of the loaded model."""
    ours = sorted(perspective_name(a) for a in attributes)
    wrong = sorted({t for t in aliases.values() if t not in ours})
    if wrong:
        raise ConfigurationError(
            f"MODERATION_PERSPECTIVE_ALIASES: alias targets must be attributes of the loaded model "
            f"({', '.join(ours)}); got {', '.join(wrong)}"
        )


def supported_languages(scorer: CommentScorer, attribute: str) -> frozenset[str]:
    """The languages ``attribute`` was trained for: the scorer's answer, else the manifest's, else en."""
    method = getattr(scorer, "supported_languages", None)
    if callable(method):
        return frozenset(method(attribute))
    entry = scorer.manifest.get("attributes", {}).get(attribute, {})
    languages = entry.get("languages") if isinstance(entry, Mapping) else None
    return frozenset(languages) if languages else DEFAULT_LANGUAGES


def accepts_language(scorer: CommentScorer) -> bool:
    """Whether ``scorer.score`` takes ``language=`` (the contract says it will; older scorers do not)."""
    score = scorer.score
    function = getattr(score, "__func__", score)
    try:
        return _takes_language(function)
    except TypeError:  # an unhashable callable: read its signature every time
        return _takes_language.__wrapped__(function)


@functools.lru_cache(maxsize=64)
def _takes_language(function: Any) -> bool:
    # Per function, not per request: inspect.signature cost ~40 us, a tenth of a request's overhead.
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return "language" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


# --- text ------------------------------------------------------------------------------------------


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[begin, end) of each sentence in code points, surrounding whitespace excluded."""
    spans = []
    cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    for begin, end in zip([0, *cuts], [*cuts, len(text)], strict=True):
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if end > begin:
            spans.append((begin, end))
    return spans or [(0, len(text))]


def utf16_offsets(text: str, offsets: Iterable[int]) -> list[int]:
    """Code-point offsets -> UTF-16 code units (what Perspective's spans count): a character outside
    the Basic Multilingual Plane (most emoji) is two units."""
    wanted = list(offsets)
    if text.isascii() or all(ord(c) <= 0xFFFF for c in text):
        return wanted
    units = [0]
    for c in text:
        units.append(units[-1] + (2 if ord(c) > 0xFFFF else 1))
    return [units[i] for i in wanted]


# --- partial responses: the `fields` system parameter ------------------------------------------------

# A selection: {member name (or "*", every member): what of it, None for all of it}.
FieldTree = dict[str, "FieldTree | None"]
_FIELD_NAME = re.compile(r"[A-Za-z0-9_@.-]+|\*")
_SELECTOR_SHOWN = 200  # characters of a refused selector quoted in the error


@functools.cache
def discovery_template() -> str:
    """The discovery document (package data), before its URLs are filled in."""
    return resources.files("service.api").joinpath("commentanalyzer_v1alpha1.json").read_text("utf-8")


@functools.cache
def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = json.loads(discovery_template())["schemas"]
    return schemas


def field_selection(selector: str | None, response: str) -> FieldTree | None:
    """Google's partial-response selector (`fields=a/b,c(d,e)`, `*` for every member), checked against
    the schema of ``response`` (an id of the discovery document's schemas); None: the whole answer.
    Anything else is Perspective's INVALID_REQUEST "Invalid field selection", before any work. Spaces
    are read as nothing (no name has one: "languages, clientToken" is two names)."""
    selector = "".join((selector or "").split())
    if not selector:
        return None
    parser = _FieldParser(selector)
    tree = parser.fields(_schemas()[response])
    if parser.at != len(selector):
        raise parser.error()
    return tree


def select_fields(value: Any, tree: FieldTree | None) -> Any:
    """``value`` with only the members ``tree`` selects (in a list: of each item)."""
    if tree is None:
        return value
    if isinstance(value, list):
        return [select_fields(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in tree or "*" in tree:
            out[key] = select_fields(item, _union(tree.get(key, {}), tree.get("*", {})))
    return out


def _union(a: FieldTree | None, b: FieldTree | None) -> FieldTree | None:
    if a is None or b is None:
        return None
    merged = dict(a)
    for key, sub in b.items():
        merged[key] = _union(merged[key], sub) if key in merged else sub
    return merged


class _FieldParser:
    """fields := selection ("," selection)*; selection := name ("/" selection | "(" fields ")")?. Each
    step goes one member down the schema, so nesting is bounded by the schema's depth (a few levels),
    not by the selector (10,000 '(' are refused at the first one that names no member)."""

    def __init__(self, selector: str) -> None:
        self.selector = selector
        self.at = 0

    def error(self) -> ApiError:
        shown = self.selector[:_SELECTOR_SHOWN] + ("..." if len(self.selector) > _SELECTOR_SHOWN else "")
        return invalid(f"Invalid field selection {shown}")

    def _take(self, char: str) -> bool:
        if self.selector.startswith(char, self.at):
            self.at += 1
            return True
        return False

    def fields(self, schema: Mapping[str, Any]) -> FieldTree:
        tree: FieldTree = {}
        self._selection(schema, tree)
        while self._take(","):
            self._selection(schema, tree)
        return tree

    def _selection(self, schema: Mapping[str, Any], tree: FieldTree) -> None:
        match = _FIELD_NAME.match(self.selector, self.at)
        if match is None:
            raise self.error()
        self.at = match.end()
        name = match.group()
        member = _member_schema(schema, name)
        if member is None:
            raise self.error()
        sub: FieldTree | None = None
        if self._take("/"):
            sub = {}
            self._selection(member, sub)
        elif self._take("("):
            sub = self.fields(member)
            if not self._take(")"):
                raise self.error()
        tree[name] = _union(tree[name], sub) if name in tree else sub


def _resolved(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = _schemas()[schema["$ref"]]
    if schema.get("type") == "array":  # a selection inside a list selects in each of its items
        return _resolved(schema.get("items", {}))
    return schema


def _member_schema(schema: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """The schema of member ``name`` of an object of ``schema`` (a map's: any key), None when it has no
    such member. ``*`` of an object of named members selects them whole: nothing below it."""
    schema = _resolved(schema)
    if "additionalProperties" in schema:
        return _resolved(schema["additionalProperties"])
    properties = schema.get("properties")
    if not properties:
        return None
    if name == "*":
        return {}
    return _resolved(properties[name]) if name in properties else None
