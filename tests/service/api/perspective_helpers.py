"""Requests, answers and helpers shared by the Perspective API tests (test_perspective*.py)."""

from __future__ import annotations

import copy

URL = "/v1alpha1/comments:analyze"

# methods.md, "AnalyzeComment example": the request, verbatim.
DOC_REQUEST = {
    "comment": {"text": "What kind of idiot name is foo? Sorry, I like your name."},
    "languages": ["en"],
    "requestedAttributes": {"TOXICITY": {}, "UNSUBSTANTIAL": {}},
}
# methods.md: the documented response (TOXICITY has only a summaryScore; UNSUBSTANTIAL has spans
# [0,31) "What kind of idiot name is foo?" and [32,56) "Sorry, I like your name."; the JSON in the docs
# prints end 55 for the second span, the prose says 56, and len(text) is 56).
DOC_RESPONSE = {
    "attributeScores": {
        "TOXICITY": {"summaryScore": {"value": 0.8627961, "type": "PROBABILITY"}},
        "UNSUBSTANTIAL": {
            "spanScores": [
                {"begin": 0, "end": 31, "score": {"value": 0.52690625, "type": "PROBABILITY"}},
                {"begin": 32, "end": 55, "score": {"value": 0.9106685, "type": "PROBABILITY"}},
            ],
            "summaryScore": {"value": 0.69036055, "type": "PROBABILITY"},
        },
    },
    "languages": ["en"],
}
# quickstart.md sends JavaScript-style unquoted keys with curl; this is the same request as JSON.
QUICKSTART_REQUEST = {
    "comment": {"text": "what kind of idiot name is foo?"},
    "languages": ["en"],
    "requestedAttributes": {"TOXICITY": {}},
}


def shape(value):
    """The structure of a JSON value: keys and types, not the numbers."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value[:1]]
    return type(value).__name__


def with_our_attributes(request: dict) -> dict:
    """The documented request with Perspective's attribute names swapped for ours."""
    ours = copy.deepcopy(request)
    names = list(ours["requestedAttributes"])
    mapping = dict(zip(names, ["INSULT", "OFF_TOPIC"], strict=False))
    ours["requestedAttributes"] = {mapping[n]: v for n, v in ours["requestedAttributes"].items()}
    return ours


def language_detail(error: dict) -> dict:
    return error["details"][0]["languageNotSupportedByAttributeError"]


# methods.md, "SuggestCommentScore example": the request (minus a trailing comma the docs' JSON has).
DOC_SUGGEST = {
    "comment": {"text": "I guess it comes down a simple choice: Get busy living, or get busy dying."},
    "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}},
    "communityId": "/forum/movies",
    "clientToken": "comment-53922",
}
SUGGEST = "/v1alpha1/comments:suggestscore"


def feedback_rows(settings):
    import sqlite3

    with sqlite3.connect(settings.db_path) as conn:
        return conn.execute("SELECT text, attribute, label, article_id FROM feedback").fetchall()


# Coral Talk's body, as server/src/core/server/services/perspective/perspective.ts (coralproject/talk)
# builds it: formatBody() for "comments:analyze" (model TOXICITY_MODEL_DEFAULT = "TOXICITY", languages
# from the tenant locale via convertLanguage: en-US -> en, fr-FR -> fr), POSTed with
# Content-Type: application/json to `${endpoint}/comments:analyze?key=${key}`.
def coral_body(text: str, language: str) -> dict:
    return {
        "comment": {"text": text},
        "doNotStore": True,
        "requestedAttributes": {"TOXICITY": {}},
        "languages": [language],
    }


CORAL_COMMENTS = {
    "en": ("You are a complete idiot and a moron.", "Thanks for the thoughtful article."),
    "fr": ("Espèce de crétin, vous êtes un abruti.", "Merci pour cet article très clair."),
    "de": ("Du bist ein verdammter Idiot.", "Danke für den klaren Artikel."),
    "es": ("Eres un idiota y un imbécil.", "Gracias por el artículo."),
}
