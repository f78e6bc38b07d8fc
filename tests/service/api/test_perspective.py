"""POST /v1alpha1/comments:analyze against Perspective's documented examples.

Sources (quoted, read 2026-11):
- conversationai/perspectiveapi, 2-api/methods.md, "AnalyzeComment example" (request, response).
- conversationai/perspectiveapi, quickstart.md (the curl request and its response shape).
- A real Perspective 400, quoted in atom/biohazard-alert issue #20:
  {"error":{"code":400,"message":"Attribute INSULT does not support request languages: und",
   "status":"INVALID_ARGUMENT"}}
"""

from __future__ import annotations

import copy

import pytest

from tests.service.api.conftest import TOKEN, assert_error, auth

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


def _shape(value):
    """The structure of a JSON value: keys and types, not the numbers."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return type(value).__name__


def _ours(request: dict) -> dict:
    """The documented request with Perspective's attribute names swapped for ours."""
    ours = copy.deepcopy(request)
    names = list(ours["requestedAttributes"])
    mapping = dict(zip(names, ["INSULT", "OFF_TOPIC"], strict=False))
    ours["requestedAttributes"] = {mapping[n]: v for n, v in ours["requestedAttributes"].items()}
    return ours


def test_documented_request_with_attributes_we_lack_gets_perspective_400(client):
    error = assert_error(client.post(URL, json=DOC_REQUEST), 400)
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["message"].startswith("Attribute TOXICITY does not exist")
    assert "INSULT, OFF_TOPIC" in error["message"]


def test_documented_request_with_our_attributes_answers_documented_shape(client):
    r = client.post(URL, json=_ours(DOC_REQUEST))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"attributeScores", "languages"}
    assert body["languages"] == DOC_RESPONSE["languages"]
    assert set(body["attributeScores"]) == {"INSULT", "OFF_TOPIC"}
    documented = _shape(DOC_RESPONSE["attributeScores"]["UNSUBSTANTIAL"])
    for attribute in body["attributeScores"].values():
        assert _shape(attribute) == documented
        summary = attribute["summaryScore"]
        assert summary["type"] == "PROBABILITY" and 0.0 <= summary["value"] <= 1.0
        # Without spanAnnotations Perspective returns one span: the whole comment.
        assert [(s["begin"], s["end"]) for s in attribute["spanScores"]] == [(0, 56)]
        assert attribute["spanScores"][0]["score"] == summary
    insult = body["attributeScores"]["INSULT"]["summaryScore"]["value"]
    assert insult == pytest.approx(3 / 12)  # fake scorer: 1 insult word of 12


def test_span_annotations_score_each_sentence_at_documented_offsets(client):
    request = _ours(DOC_REQUEST) | {"spanAnnotations": True}
    body = client.post(URL, json=request).json()
    spans = body["attributeScores"]["INSULT"]["spanScores"]
    text = DOC_REQUEST["comment"]["text"]
    assert [(s["begin"], s["end"]) for s in spans] == [(0, 31), (32, 56)]
    assert text[0:31] == "What kind of idiot name is foo?" and text[32:56] == "Sorry, I like your name."
    # Each sentence is scored on its own: the insult sits in the first one only.
    assert spans[0]["score"]["value"] == pytest.approx(3 / 7)
    assert spans[1]["score"]["value"] == 0.0


def test_quickstart_request_as_json(client):
    r = client.post(URL + "?key=YOUR_KEY_HERE", json=_ours(QUICKSTART_REQUEST))
    assert r.status_code == 200, r.text
    summary = r.json()["attributeScores"]["INSULT"]["summaryScore"]
    assert summary["type"] == "PROBABILITY"


def test_real_perspective_language_error_is_reproduced_exactly(client):
    request = {"comment": {"text": "hello"}, "languages": ["und"], "requestedAttributes": {"INSULT": {}}}
    error = assert_error(client.post(URL, json=request), 400)
    # Verbatim message and status of the real Perspective answer quoted in the module docstring.
    assert error["message"] == "Attribute INSULT does not support request languages: und"
    assert error["status"] == "INVALID_ARGUMENT"


def test_client_token_is_echoed_and_unknown_fields_are_ignored(client):
    request = {
        "comment": {"text": "a calm remark", "type": "PLAIN_TEXT"},
        "requestedAttributes": {"INSULT": {"scoreType": "PROBABILITY"}},
        "clientToken": "comment-53922",
        "sessionId": "s",
        "communityId": "/forum/movies",
        "doNotStore": True,
        "somethingNew": 1,
    }
    body = client.post(URL, json=request).json()
    assert body["clientToken"] == "comment-53922"
    assert body["languages"] == ["en"]


def test_context_entries_are_the_off_topic_context(client):
    request = {
        "comment": {"text": "bridge funding"},
        "requestedAttributes": {"OFF_TOPIC": {}},
        "context": {"entries": [{"text": "The bridge funding vote", "type": "PLAIN_TEXT"}]},
    }
    on = client.post(URL, json=request).json()["attributeScores"]["OFF_TOPIC"]["summaryScore"]["value"]
    request["context"] = {"entries": [{"text": "Cats and dogs"}]}
    off = client.post(URL, json=request).json()["attributeScores"]["OFF_TOPIC"]["summaryScore"]["value"]
    assert (on, off) == (0.0, 1.0)


def test_score_threshold_omits_low_scores(client):
    request = {
        "comment": {"text": "a calm remark"},
        "requestedAttributes": {"INSULT": {"scoreThreshold": 0.5}, "OFF_TOPIC": {}},
    }
    body = client.post(URL, json=request).json()
    assert "INSULT" not in body["attributeScores"]
    assert "OFF_TOPIC" in body["attributeScores"]


@pytest.mark.parametrize(
    ("request_body", "fragment"),
    [
        ({"comment": {"text": "x"}, "requestedAttributes": {}}, "at least one attribute"),
        ({"comment": {"text": "  "}, "requestedAttributes": {"INSULT": {}}}, "Comment must be non-empty."),
        (
            {"comment": {"text": "\u200b"}, "requestedAttributes": {"INSULT": {}}},
            "Comment must be non-empty.",
        ),
        ({"comment": {}, "requestedAttributes": {"INSULT": {}}}, "comment.text: Field required"),
        ({"comment": {"text": "x", "type": "HTML"}, "requestedAttributes": {"INSULT": {}}}, "PLAIN_TEXT"),
        ({"comment": {"text": "x"}, "requestedAttributes": {"INSULT": {"scoreType": "STD_DEV"}}}, "STD_DEV"),
        ({"comment": {"text": "x"}, "requestedAttributes": {"FLIRTATION": {}, "INSULT": {}}}, "FLIRTATION"),
        ({"comment": {"text": "x"}, "languages": ["de"], "requestedAttributes": {"INSULT": {}}}, ": de"),
        ({"comment": {"text": "x"}}, "requestedAttributes"),
        ({"requestedAttributes": {"INSULT": {}}}, "comment"),
        ({"comment": "x", "requestedAttributes": {"INSULT": {}}}, "comment"),
    ],
)
def test_invalid_arguments_are_perspective_400s(client, request_body, fragment):
    error = assert_error(client.post(URL, json=request_body), 400)
    assert error["status"] == "INVALID_ARGUMENT"
    assert fragment in error["message"]


def test_too_long_comment_is_413(client):
    request = {"comment": {"text": "x" * 20_001}, "requestedAttributes": {"INSULT": {}}}
    assert_error(client.post(URL, json=request), 413, "too_large")


def test_context_entries_with_nothing_visible_are_no_article(client):
    scorer = client.app.state.moderation.models.current
    seen = []
    real = scorer.score

    def recording(texts, article=None, *, use_thread=True):
        seen.append(article)
        return real(texts, article, use_thread=use_thread)

    scorer.score = recording
    request = {
        "comment": {"text": "bridge funding"},
        "requestedAttributes": {"OFF_TOPIC": {}},
        "context": {"entries": [{"text": "\u200b"}, {"text": "\u2060\ufeff"}, {"text": " "}]},
    }
    assert client.post(URL, json=request).status_code == 200
    assert seen == [None]


def test_locale_tags_are_accepted_for_english(client):
    request = {"comment": {"text": "x"}, "languages": ["en-US"], "requestedAttributes": {"INSULT": {}}}
    assert client.post(URL, json=request).json()["languages"] == ["en-US"]


# methods.md, "SuggestCommentScore example": the request (minus a trailing comma the docs' JSON has).
DOC_SUGGEST = {
    "comment": {"text": "I guess it comes down a simple choice: Get busy living, or get busy dying."},
    "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}},
    "communityId": "/forum/movies",
    "clientToken": "comment-53922",
}
SUGGEST = "/v1alpha1/comments:suggestscore"


def _feedback_rows(settings):
    import sqlite3

    with sqlite3.connect(settings.db_path) as conn:
        return conn.execute("SELECT text, attribute, label, article_id FROM feedback").fetchall()


def test_suggestscore_documented_example_stores_feedback(client, settings):
    ours = copy.deepcopy(DOC_SUGGEST)
    ours["attributeScores"] = {
        "INSULT": {"summaryScore": {"value": 0}},
        "OFF_TOPIC": {"summaryScore": {"value": 0.9}},
    }
    r = client.post(SUGGEST + f"?key={TOKEN}", json=ours)
    assert r.status_code == 200, r.text
    assert r.json() == {"clientToken": "comment-53922"}  # the documented response
    text = DOC_SUGGEST["comment"]["text"]
    assert _feedback_rows(settings) == [
        (text, "insult", 0, "/forum/movies"),
        (text, "off_topic", 1, "/forum/movies"),
    ]


def test_suggestscore_unknown_attribute_and_auth(client, settings):
    error = assert_error(client.post(SUGGEST, json=DOC_SUGGEST, headers=auth()), 400)
    assert error["message"].startswith("Attribute TOXICITY does not exist")
    ours = DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}}
    assert_error(client.post(SUGGEST, json=ours), 401, "unauthenticated")
    assert_error(client.post(SUGGEST + "?key=wrong", json=ours), 401, "unauthenticated")
    assert_error(client.post(SUGGEST, json=ours | {"comment": {"text": " "}}, headers=auth()), 400)
    assert_error(client.post(SUGGEST, json=ours | {"comment": {"text": "\u200b"}}, headers=auth()), 400)
    bad_value = DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 3}}}}
    assert_error(client.post(SUGGEST, json=bad_value, headers=auth()), 400)
    assert not settings.db_path.exists()


def test_suggestscore_honours_do_not_store(settings):
    from tests.service.api.conftest import make_client

    ours = DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}}
    with make_client(settings.model_copy(update={"do_not_store": True})) as c:
        r = c.post(SUGGEST, json=ours, headers=auth())
    assert r.status_code == 200 and r.json() == {"clientToken": "comment-53922"}
    assert not settings.db_path.exists()


def test_aliases_answer_a_hard_wired_toxicity_client_under_its_own_name(settings):
    from tests.service.api.conftest import make_client

    aliased = settings.model_copy(update={"perspective_aliases": {"TOXICITY": "INSULT"}})
    with make_client(aliased) as c:
        # quickstart.md's request, unchanged: only the URL moved.
        body = c.post(URL, json=QUICKSTART_REQUEST).json()
        direct = c.post(URL, json=_ours(QUICKSTART_REQUEST)).json()
        assert set(body["attributeScores"]) == {"TOXICITY"}
        assert body["attributeScores"]["TOXICITY"] == direct["attributeScores"]["INSULT"]
        # the documented request still names an attribute nobody maps
        error = assert_error(c.post(URL, json=DOC_REQUEST), 400)
        assert error["message"].startswith("Attribute UNSUBSTANTIAL does not exist")
        r = c.post(SUGGEST, json=DOC_SUGGEST, headers=auth())
        assert r.status_code == 200, r.text
    assert [row[1:3] for row in _feedback_rows(settings)] == [("insult", 0)]


def test_drop_unsupported_attributes(client):
    request = _ours(DOC_REQUEST)
    request["requestedAttributes"] = {"TOXICITY": {}, "INSULT": {}}
    assert_error(client.post(URL, json=request), 400)
    body = client.post(URL, json=request | {"dropUnsupportedAttributes": True}).json()
    assert set(body["attributeScores"]) == {"INSULT"}
    error = assert_error(client.post(URL, json=DOC_REQUEST | {"dropUnsupportedAttributes": True}), 400)
    assert error["message"].startswith("None of the requested attributes exist")
