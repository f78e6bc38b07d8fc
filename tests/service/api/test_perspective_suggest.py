"""POST /v1alpha1/comments:suggestscore: stored feedback, its checks and where a key travels."""

from __future__ import annotations

import copy

from tests.service.api.conftest import (
    TOKEN,
    assert_google_error,
    auth,
    make_client,
)
from tests.service.api.perspective_helpers import (
    DOC_SUGGEST,
    SUGGEST,
    URL,
    feedback_rows,
)

# --- suggestscore ---------------------------------------------------------------------------------


def test_suggestscore_documented_example_stores_feedback(client, settings):
    # The documented request names TOXICITY; this fake (like the shipped model) has INSULT and OFF_TOPIC.
    ours = copy.deepcopy(DOC_SUGGEST)
    ours["attributeScores"] = {
        "INSULT": {"summaryScore": {"value": 0}},
        "OFF_TOPIC": {"summaryScore": {"value": 0.9}},
    }
    r = client.post(SUGGEST + f"?key={TOKEN}", json=ours)
    assert r.status_code == 200, r.text
    # the documented response, and the language it was judged in (this fake detects none: English)
    assert r.json() == {"clientToken": "comment-53922", "detectedLanguages": ["en"]}
    text = DOC_SUGGEST["comment"]["text"]
    assert feedback_rows(settings) == [
        (text, "insult", 0, "/forum/movies"),
        (text, "off_topic", 1, "/forum/movies"),
    ]


def test_suggestscore_answers_the_languages_its_response_declares(family_client, settings):
    # The discovery document's SuggestCommentScoreResponse (Google's generated .NET, Ruby and Rust
    # clients have the same three members) declares clientToken, detectedLanguages and
    # requestedLanguages; only the token was answered. detectedLanguages is what comments:analyze says.
    french = "Espèce de crétin, vous êtes un abruti et cet article est nul."
    verdict = {"INSULT": {"summaryScore": {"value": 1}}}
    request = {"comment": {"text": french}, "attributeScores": verdict, "clientToken": "t-1"}
    r = family_client.post(SUGGEST, json=request, headers=auth())
    assert r.status_code == 200, r.text
    assert r.json() == {"clientToken": "t-1", "detectedLanguages": ["fr"]}
    analyzed = {"comment": {"text": french}, "requestedAttributes": {"INSULT": {}}}
    assert family_client.post(URL, json=analyzed).json()["detectedLanguages"] == ["fr"]
    named = request | {"languages": ["fr-FR"]}
    r = family_client.post(SUGGEST, json=named, headers=auth())
    assert r.json() == {"clientToken": "t-1", "detectedLanguages": ["fr"], "requestedLanguages": ["fr-FR"]}
    # Detected from the text, not the request's first language (as comments:analyze answers it).
    declared = request | {"languages": ["de"]}
    r = family_client.post(SUGGEST, json=declared, headers=auth())
    assert r.json() == {"clientToken": "t-1", "detectedLanguages": ["fr"], "requestedLanguages": ["de"]}
    bad = request | {"languages": ["deutsch"]}
    error = assert_google_error(family_client.post(SUGGEST, json=bad, headers=auth()), 400, "INVALID_REQUEST")
    assert "'deutsch'" in error["message"]
    assert [row[1:3] for row in feedback_rows(settings)] == [("insult", 1)] * 3


def test_suggestscore_accepts_span_scores_without_a_summary(client, settings):
    spans = {
        "INSULT": {
            "spanScores": [
                {"begin": 0, "end": 7, "score": {"value": 0.1}},
                {"begin": 8, "end": 20, "score": {"value": 0.8}},
            ]
        },
        "OFF_TOPIC": {"spanScores": [{"begin": 0, "end": 20, "score": {"value": 0.2}}]},
    }
    r = client.post(SUGGEST, json=DOC_SUGGEST | {"attributeScores": spans}, headers=auth())
    assert r.status_code == 200, r.text
    assert [row[1:3] for row in feedback_rows(settings)] == [("insult", 1), ("off_topic", 0)]
    empty = DOC_SUGGEST | {"attributeScores": {"INSULT": {}}}
    error = assert_google_error(client.post(SUGGEST, json=empty, headers=auth()), 400, "INVALID_REQUEST")
    assert "summaryScore or spanScores" in error["message"]


def test_suggestscore_reads_a_zero_left_out_as_proto3_json_writers_leave_it(client, settings):
    # Proto3 JSON leaves out a member at its default: Google's Go client (commentanalyzer/v1alpha1,
    # `Value float64 json:"value,omitempty"`) sends a "not insulting" verdict as "summaryScore": {},
    # and a span from 0 without "begin". Both were 400s; every negative verdict from such a client
    # was lost.
    verdicts = {
        "INSULT": {"summaryScore": {}},
        "OFF_TOPIC": {"spanScores": [{"end": 10, "score": {"type": "PROBABILITY"}}]},
    }
    r = client.post(SUGGEST, json=DOC_SUGGEST | {"attributeScores": verdicts}, headers=auth())
    assert r.status_code == 200, r.text
    assert [row[1:3] for row in feedback_rows(settings)] == [("insult", 0), ("off_topic", 0)]
    # An attribute with neither score is still refused, as Perspective documents.
    empty = DOC_SUGGEST | {"attributeScores": {"INSULT": {}}}
    assert_google_error(client.post(SUGGEST, json=empty, headers=auth()), 400, "INVALID_REQUEST")


def test_suggestscore_refuses_scores_that_are_no_probability(client, settings):
    # A verdict is a probability: 0.6 as a STD_DEV_SCORE (0.6 deviations above the mean), a RAW model
    # output or a type nobody knows was stored as "has the attribute" (0.6 >= 0.5), a wrong training label.
    for kind in ("STD_DEV_SCORE", "RAW", "PERCENTILE", "BOGUS"):
        summary = {"INSULT": {"summaryScore": {"value": 0.6, "type": kind}}}
        span = {"INSULT": {"spanScores": [{"begin": 0, "end": 4, "score": {"value": 0.6, "type": kind}}]}}
        for scores in (summary, span):
            r = client.post(SUGGEST, json=DOC_SUGGEST | {"attributeScores": scores}, headers=auth())
            error = assert_google_error(r, 400, "INVALID_REQUEST")
            assert kind in error["message"] and "PROBABILITY" in error["message"]
    assert not settings.db_path.exists()
    typed = {"INSULT": {"summaryScore": {"value": 0.6, "type": "PROBABILITY"}}}
    ok = client.post(SUGGEST, json=DOC_SUGGEST | {"attributeScores": typed}, headers=auth())
    assert ok.status_code == 200, ok.text
    assert [row[1:3] for row in feedback_rows(settings)] == [("insult", 1)]


def test_suggestscore_unknown_attribute_and_auth(client, settings):
    error = assert_google_error(
        client.post(SUGGEST, json=DOC_SUGGEST, headers=auth()), 400, "INVALID_REQUEST"
    )
    assert error["message"].startswith("Attribute TOXICITY is not offered by this service")
    typo = DOC_SUGGEST | {"attributeScores": {"INSLUT": {"summaryScore": {"value": 1}}}}
    error = assert_google_error(client.post(SUGGEST, json=typo, headers=auth()), 400, "INVALID_REQUEST")
    assert error["message"] == "Unknown requested attribute: INSLUT"
    ours = DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}}
    missing = assert_google_error(client.post(SUGGEST, json=ours), 401, "INVALID_REQUEST")
    # A Perspective client sends its key: the 401 names the ways it may, not only a bearer token.
    assert "'?key=<token>'" in missing["message"] and "X-Goog-Api-Key" in missing["message"]
    assert_google_error(client.post(SUGGEST + "?key=wrong", json=ours), 401, "INVALID_REQUEST")
    assert_google_error(
        client.post(SUGGEST, json=ours | {"comment": {"text": " "}}, headers=auth()), 400, "COMMENT_EMPTY"
    )
    assert_google_error(
        client.post(SUGGEST, json=ours | {"comment": {"text": "\u200b"}}, headers=auth()),
        400,
        "COMMENT_EMPTY",
    )
    long = ours | {"comment": {"text": "é" * 10_241}}
    assert_google_error(client.post(SUGGEST, json=long, headers=auth()), 400, "COMMENT_TOO_LONG")
    bad_value = DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 3}}}}
    assert_google_error(client.post(SUGGEST, json=bad_value, headers=auth()), 400, "INVALID_REQUEST")
    # stored as the verdict's article id: an unbounded one made training run out of memory
    community = ours | {"communityId": "c" * 2049}
    assert_google_error(client.post(SUGGEST, json=community, headers=auth()), 400, "INVALID_REQUEST")
    assert not settings.db_path.exists()


def test_suggestscore_reads_proto_names_and_every_place_a_key_travels(client, settings):
    snake = {
        "comment": {"text": "You idiot."},
        "attribute_scores": {"INSULT": {"summary_score": {"value": 0.9}}},
        "client_token": "c-9",
    }
    r = client.post(SUGGEST + f"?key={TOKEN}", json=snake)
    assert r.status_code == 200, r.text
    assert r.json() == {"clientToken": "c-9", "detectedLanguages": ["en"]}
    # Google's API-key header, and a key beside an OAuth bearer token (googleapiclient built with both
    # credentials= and developerKey=): any one credential that matches the token is enough.
    assert client.post(SUGGEST, json=snake, headers={"X-Goog-Api-Key": TOKEN}).status_code == 200
    mixed = client.post(SUGGEST + f"?key={TOKEN}", json=snake, headers={"Authorization": "Bearer ya29.x"})
    assert mixed.status_code == 200, mixed.text
    wrong = {"X-Goog-Api-Key": "wrong", "Authorization": "Bearer also-wrong"}
    assert_google_error(client.post(SUGGEST + "?key=bad", json=snake, headers=wrong), 401, "INVALID_REQUEST")
    assert [row[1:3] for row in feedback_rows(settings)] == [("insult", 1)] * 3


def test_suggestscore_honours_do_not_store(settings):
    ours = DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}}
    with make_client(settings.model_copy(update={"do_not_store": True})) as c:
        r = c.post(SUGGEST, json=ours, headers=auth())
    assert r.status_code == 200 and r.json() == {"clientToken": "comment-53922", "detectedLanguages": ["en"]}
    assert not settings.db_path.exists()


def test_suggestscore_refuses_spans_outside_the_comment(client, settings):
    # A span from 5 to 2, or past the comment's end, was stored as a verdict (a training label) on a
    # comment it says nothing about (bug hunt).
    size = len(DOC_SUGGEST["comment"]["text"])
    for begin, end in ((5, 2), (0, size + 1), (size + 3, size + 9)):
        spans = {"INSULT": {"spanScores": [{"begin": begin, "end": end, "score": {"value": 0.9}}]}}
        r = client.post(SUGGEST, json=DOC_SUGGEST | {"attributeScores": spans}, headers=auth())
        error = assert_google_error(r, 400, "INVALID_REQUEST")
        assert "spanScores[0]" in error["message"] and str(size) in error["message"]
    assert not settings.db_path.exists()
    whole = {"INSULT": {"spanScores": [{"begin": 0, "end": size, "score": {"value": 0.9}}]}}
    assert (
        client.post(SUGGEST, json=DOC_SUGGEST | {"attributeScores": whole}, headers=auth()).status_code == 200
    )
    assert [row[1:3] for row in feedback_rows(settings)] == [("insult", 1)]


def test_suggestscore_honours_do_not_store_in_the_request(client, settings):
    ours = DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}, "doNotStore": True}
    r = client.post(SUGGEST, json=ours, headers=auth())
    assert r.status_code == 200 and r.json() == {"clientToken": "comment-53922", "detectedLanguages": ["en"]}
    assert not settings.db_path.exists()
