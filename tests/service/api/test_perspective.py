"""POST /v1alpha1/comments:analyze against Perspective's documented examples.

Sources (quoted, read 2026-11):
- conversationai/perspectiveapi, 2-api/methods.md, "AnalyzeComment example" (request, response).
- conversationai/perspectiveapi, quickstart.md (the curl request and its response shape).
- A real Perspective 400, quoted in atom/biohazard-alert issue #20:
  {"error":{"code":400,"message":"Attribute INSULT does not support request languages: und",
   "status":"INVALID_ARGUMENT"}}
- conversationai/perspectiveapi, 2-api/limits.md: the error messages and the ErrorType enum
  (COMMENT_TOO_LONG, COMMENT_EMPTY, NO_REQUESTED_ATTRIBUTES, LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE, ...;
  "Any other request format error is given INVALID_REQUEST").
- The commentanalyzer v1alpha1 discovery/OpenAPI description (APIs-guru/openapi-directory): span offsets
  are "the UTF-16 codepoint range"; `languages` are the effective languages, `detectedLanguages` the
  detected ones; `context.articleAndParentComment`; `dropUnsupportedAttributes`.

`client` serves a fake with the shipped model's attributes (insult, off_topic; no language detector),
`family_client` one with the whole attribute family, per-attribute languages and a (toy) detector.
"""

from __future__ import annotations

import codecs
import copy
import json
import time

import pytest

from core.records import Scores
from service.api import perspective_protocol as pp
from tests.service.api.conftest import (
    FAMILY,
    FAMILY_LANGUAGES,
    TOKEN,
    FakeScorer,
    assert_error,
    assert_google_error,
    auth,
    family_loader,
    make_client,
)

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


def _language_detail(error: dict) -> dict:
    return error["details"][0]["languageNotSupportedByAttributeError"]


# --- the documented examples ----------------------------------------------------------------------


def test_documented_request_with_attributes_the_model_lacks_gets_the_documented_400(client):
    error = assert_google_error(
        client.post(URL, json=DOC_REQUEST), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    )
    # The shipped model carries no TOXICITY yet: an attribute supported in no language.
    assert error["message"] == "Attribute TOXICITY does not support request languages: en"
    assert _language_detail(error) == {"attribute": "TOXICITY", "requestedLanguages": ["en"]}


def test_documented_request_with_our_attributes_answers_documented_shape(client):
    r = client.post(URL, json=_ours(DOC_REQUEST))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"attributeScores", "languages", "detectedLanguages"}
    assert body["languages"] == DOC_RESPONSE["languages"]
    # No detector in this model: the language used is the request's.
    assert body["detectedLanguages"] == ["en"]
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


def test_sentences_end_where_a_sentence_ends_not_inside_a_number_or_a_url(client):
    from service.api.perspective_protocol import sentence_spans

    def pieces(text: str) -> list[str]:
        return [text[b:e] for b, e in sentence_spans(text)]

    # A full stop inside a token ends nothing: "3." and "5 million." were two spans, each scored alone.
    assert pieces("The budget is 3.5 million. You idiot!") == ["The budget is 3.5 million.", "You idiot!"]
    assert pieces("See www.example.com now. Idiot.") == ["See www.example.com now.", "Idiot."]
    assert pieces("It costs $4.99 (really).\nWhy?") == ["It costs $4.99 (really).", "Why?"]
    assert pieces('He said "stop." Then left.') == ['He said "stop."', "Then left."]
    # The model's other languages end sentences with their own marks: Arabic's question mark, the
    # ellipsis, and the full-width CJK marks (no space after them).
    assert pieces("أنت غبي؟ شكرا لك على المقال.") == ["أنت غبي؟", "شكرا لك على المقال."]
    assert pieces("Tu es nul… vraiment nul.") == ["Tu es nul…", "vraiment nul."]
    assert pieces("你是白痴。谢谢！") == ["你是白痴。", "谢谢！"]
    assert pieces("Wait... what?! no") == ["Wait...", "what?!", "no"]
    assert pieces("line one\r\nline two\rline three") == ["line one", "line two", "line three"]
    assert pieces("...") == ["..."] and pieces("  x  ") == ["x"]
    assert pieces('Costs (really). Then "hi"! ok') == ["Costs (really).", 'Then "hi"!', "ok"]
    # Linear in the text: a run of marks is read once (20,000 dots and a letter cost seconds otherwise).
    for hostile in (
        "." * 20_000 + "x",
        "!?" * 10_000 + "x",
        ".)" * 10_000 + "x",
        "." * 9_000 + ")" * 9_000 + "x",
    ):
        started = time.perf_counter()
        assert pieces(hostile) == [hostile]
        assert time.perf_counter() - started < 0.5
    text = "The budget is 3.5 million. You idiot!"
    request = {"comment": {"text": text}, "requestedAttributes": {"INSULT": {}}, "spanAnnotations": True}
    spans = client.post(URL, json=request).json()["attributeScores"]["INSULT"]["spanScores"]
    assert [(s["begin"], s["end"]) for s in spans] == [(0, 26), (27, 37)]


def test_span_offsets_are_utf16_code_units(client):
    # 😀 and 𝕏 are outside the Basic Multilingual Plane: two UTF-16 units each, one Python character.
    text = "😀 What an idiot. Nice 𝕏 post, thanks! Été."
    request = {"comment": {"text": text}, "requestedAttributes": {"INSULT": {}}, "spanAnnotations": True}
    spans = client.post(URL, json=request).json()["attributeScores"]["INSULT"]["spanScores"]
    units = text.encode("utf-16-le")
    pieces = [units[2 * s["begin"] : 2 * s["end"]].decode("utf-16-le") for s in spans]
    assert pieces == ["😀 What an idiot.", "Nice 𝕏 post, thanks!", "Été."]
    assert [(s["begin"], s["end"]) for s in spans] == [(0, 17), (18, 39), (40, 44)]
    assert spans[0]["score"]["value"] > 0 and spans[1]["score"]["value"] == 0
    whole = client.post(URL, json=request | {"spanAnnotations": False}).json()
    assert whole["attributeScores"]["INSULT"]["spanScores"][0]["end"] == len(units) // 2 == 44


def test_quickstart_request_as_json(client):
    r = client.post(URL + "?key=YOUR_KEY_HERE", json=_ours(QUICKSTART_REQUEST))
    assert r.status_code == 200, r.text
    summary = r.json()["attributeScores"]["INSULT"]["summaryScore"]
    assert summary["type"] == "PROBABILITY"


def test_the_documented_python_sample_without_a_content_type_is_read_as_json(client):
    # sample.md's Python sample: requests.post(url=url, data=json.dumps(data_dict)) sends no
    # Content-Type, and Google reads the body as JSON; here it was a 415, so the docs' own sample failed.
    data = json.dumps(_ours(QUICKSTART_REQUEST))
    r = client.post(URL + "?key=YOUR_KEY_HERE", content=data)
    assert "content-type" not in r.request.headers
    assert r.status_code == 200, r.text
    assert r.json() == client.post(URL + "?key=YOUR_KEY_HERE", json=_ours(QUICKSTART_REQUEST)).json()
    suggestion = json.dumps(DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}})
    assert client.post(SUGGEST + f"?key={TOKEN}", content=suggestion).status_code == 200
    # A body that is no JSON, sent without a Content-Type, is Perspective's INVALID_REQUEST 400.
    assert_google_error(client.post(URL, content=b"comment=idiot"), 400, "INVALID_REQUEST")


def test_a_json_body_with_a_bom_or_sent_as_text_plain_is_read_as_json(client):
    # JSON is JSON: RFC 8259 lets a parser ignore a leading UTF-8 BOM (what .NET's Encoding.UTF8 and
    # Windows PowerShell 5 write before a file's text), and a browser page posting without a CORS
    # preflight must send text/plain. Both were refused (400 "not valid JSON", 415).
    request = _ours(QUICKSTART_REQUEST) | {"clientToken": "b"}
    expected = client.post(URL, json=request).json()
    data = json.dumps(request).encode()
    for content_type in ("application/json", "text/plain", "text/plain;charset=UTF-8", None):
        headers = {"content-type": content_type} if content_type else {}
        for body in (data, codecs.BOM_UTF8 + data):
            r = client.post(URL, content=body, headers=headers)
            assert r.status_code == 200, (content_type, body[:3], r.text)
            assert r.json() == expected
    suggestion = json.dumps(DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}})
    r = client.post(SUGGEST + f"?key={TOKEN}", content=suggestion, headers={"content-type": "text/plain"})
    assert r.status_code == 200, r.text
    # A BOM and nothing else is an empty body: an empty request message, as without the BOM.
    for content_type in ("application/json", "text/plain"):
        bom_only = client.post(URL, content=codecs.BOM_UTF8 + b"\n", headers={"content-type": content_type})
        assert_google_error(bom_only, 400, "COMMENT_EMPTY")
    # Only one BOM, only at the start; text/plain that is no JSON is the usual 400.
    twice = client.post(URL, content=codecs.BOM_UTF8 * 2 + data, headers={"content-type": "application/json"})
    assert_google_error(twice, 400, "INVALID_REQUEST")
    plain = client.post(URL, content=b"you idiot", headers={"content-type": "text/plain"})
    assert "not valid JSON" in assert_google_error(plain, 400, "INVALID_REQUEST")["message"]
    # The native API reads a BOM the same way; text/plain stays a 415 there (its JSON is declared).
    native = json.dumps({"comments": [{"text": "You idiot."}]}).encode()
    bommed = client.post(
        "/v1/comments:score", content=codecs.BOM_UTF8 + native, headers={"content-type": "application/json"}
    )
    assert bommed.status_code == 200, bommed.text
    assert_error(
        client.post("/v1/comments:score", content=native, headers={"content-type": "text/plain"}),
        415,
        "unsupported_media_type",
    )


# sample.md's cURL sample, verbatim: JavaScript-style object keys, which Google's JSON reader takes.
SAMPLE_CURL_BODY = b"""{comment: {text: "what kind of idiot name is foo?"},
          languages: ["en"],
          requestedAttributes: {TOXICITY:{}} }"""


def test_the_documented_curl_sample_with_unquoted_keys_is_answered(family_client):
    headers = {"content-type": "application/json"}
    r = family_client.post(URL + "?key=YOUR_KEY_HERE", content=SAMPLE_CURL_BODY, headers=headers)
    assert r.status_code == 200, r.text  # was 400 "not valid JSON: key must be a string"
    assert r.json() == family_client.post(URL, json=QUICKSTART_REQUEST).json()
    # Only names outside strings are quoted: a string keeps its own "name: value", commas and braces.
    token = 'x {a: 1}, b: "c"'
    body = b'{comment: {text: "idiot"}, requestedAttributes: {TOXICITY: {}}, clientToken: %s}'
    echoed = family_client.post(URL, content=body % json.dumps(token).encode(), headers=headers)
    assert echoed.status_code == 200, echoed.text
    assert echoed.json()["clientToken"] == token
    # What is no JSON either way keeps its own error; so does a big body (quoting it would hold the
    # event loop: docs/limits.md).
    from service.api.guards import BARE_KEYS_MAX_BYTES

    broken = family_client.post(URL, content=b"{comment: {text: }", headers=headers)
    error = assert_google_error(broken, 400, "INVALID_REQUEST")
    assert "not valid JSON" in error["message"]
    padded = SAMPLE_CURL_BODY[:-1] + b" " * BARE_KEYS_MAX_BYTES + b"}"
    error = assert_google_error(
        family_client.post(URL, content=padded, headers=headers), 400, "INVALID_REQUEST"
    )
    assert "key must be a string" in error["message"]


def test_quoting_bare_keys_is_one_pass_even_over_unclosed_escaped_quotes():
    # The quoting runs on the event loop. With strings that had to close, a body of escaped quotes under
    # the size limit ('{"\\"\\"...', 32 KB) was retried from every quote: 1.5 s here, quadratic. One pass
    # takes well under a millisecond; the bound leaves a margin of hundreds for a loaded machine.
    import time

    from service.api.guards import BARE_KEYS_MAX_BYTES, quote_bare_keys

    for unit in (b'\\"', b"\\\n", b'"\\'):
        body = b'{"' + unit * (BARE_KEYS_MAX_BYTES // len(unit) - 1)
        started = time.process_time()
        assert quote_bare_keys(body) == body  # an unclosed string is kept as it is, to the end
        assert time.process_time() - started < 0.25
    assert quote_bare_keys(b'{a: "x\\"y", b: 1}') == b'{"a": "x\\"y", "b": 1}'


def test_a_lone_language_string_is_a_list_of_one(family_client):
    # peRspective (CRAN) builds its body with jsonlite's auto_unbox, so `languages = "fr"` goes out as
    # "languages": "fr", and its tests expected scores from Google for it; here it was a 400 ("Input
    # should be a valid list"). The lone value is read as the one-element list, as Google reads it.
    text = {
        "comment": {"text": "Espèce de crétin, vous êtes un abruti."},
        "requestedAttributes": {"TOXICITY": {}},
    }
    lone = family_client.post(URL, json=text | {"languages": "fr"})
    assert lone.status_code == 200, lone.text
    assert lone.json() == family_client.post(URL, json=text | {"languages": ["fr"]}).json()
    assert lone.json()["languages"] == ["fr"]
    refused = family_client.post(URL, json=text | {"languages": "es"})
    assert_google_error(refused, 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
    assert_google_error(family_client.post(URL, json=text | {"languages": 7}), 400, "INVALID_REQUEST")
    suggestion = DOC_SUGGEST | {
        "attributeScores": {"INSULT": {"summaryScore": {"value": 1}}},
        "languages": "en",
    }
    assert family_client.post(SUGGEST, json=suggestion, headers=auth()).status_code == 200


def test_real_perspective_language_error_is_reproduced_exactly(client):
    request = {"comment": {"text": "hello"}, "languages": ["und"], "requestedAttributes": {"INSULT": {}}}
    error = assert_google_error(client.post(URL, json=request), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
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
    assert body["languages"] == ["en"] and body["detectedLanguages"] == ["en"]


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


def test_article_and_parent_comment_are_the_off_topic_context(client):
    def off_topic(context):
        request = {"comment": {"text": "bridge funding cats"}, "requestedAttributes": {"OFF_TOPIC": {}}}
        r = client.post(URL, json=request | {"context": context})
        assert r.status_code == 200, r.text
        return r.json()["attributeScores"]["OFF_TOPIC"]["summaryScore"]["value"]

    article = {"text": "The bridge funding vote"}
    # The article alone leaves "cats" off topic; the parent comment (the thread) brings it in.
    assert off_topic({"articleAndParentComment": {"article": article}}) == pytest.approx(1 / 3)
    both = {"articleAndParentComment": {"article": article, "parentComment": {"text": "my cats"}}}
    assert off_topic(both) == 0.0
    assert off_topic(
        {"articleAndParentComment": {"parentComment": {"text": "bridge cats"}}}
    ) == pytest.approx(1 / 3)
    assert off_topic({}) == 0.5  # the fake's "no context at all"
    error = assert_google_error(
        client.post(
            URL,
            json={
                "comment": {"text": "x"},
                "requestedAttributes": {"OFF_TOPIC": {}},
                "context": {"entries": [article], "articleAndParentComment": {"article": article}},
            },
        ),
        400,
        "INVALID_REQUEST",
    )
    assert "either entries or article_and_parent_comment" in error["message"]


def test_score_threshold_omits_low_scores(client):
    request = {
        "comment": {"text": "a calm remark"},
        "requestedAttributes": {"INSULT": {"scoreThreshold": 0.5}, "OFF_TOPIC": {}},
    }
    body = client.post(URL, json=request).json()
    assert "INSULT" not in body["attributeScores"]
    assert "OFF_TOPIC" in body["attributeScores"]


# --- errors: Google's shape with Perspective's errorType, on every 4xx ------------------------------


@pytest.mark.parametrize(
    ("request_body", "error_type", "message"),
    [
        (
            {"comment": {"text": "x"}, "requestedAttributes": {}},
            "NO_REQUESTED_ATTRIBUTES",
            "Missing requested_attributes",
        ),
        ({"comment": {"text": "x"}}, "NO_REQUESTED_ATTRIBUTES", "Missing requested_attributes"),
        (
            {"comment": {"text": "  "}, "requestedAttributes": {"INSULT": {}}},
            "COMMENT_EMPTY",
            "Comment must be non-empty.",
        ),
        (
            {"comment": {"text": "\u200b"}, "requestedAttributes": {"INSULT": {}}},
            "COMMENT_EMPTY",
            "Comment must be non-empty.",
        ),
        (
            {"comment": {}, "requestedAttributes": {"INSULT": {}}},
            "COMMENT_EMPTY",
            "Comment must be non-empty.",
        ),
        ({"requestedAttributes": {"INSULT": {}}}, "COMMENT_EMPTY", "Comment must be non-empty."),
        ({}, "COMMENT_EMPTY", "Comment must be non-empty."),
        (
            {"comment": {"text": "x", "type": "HTML"}, "requestedAttributes": {"INSULT": {}}},
            "INVALID_REQUEST",
            "Currently, only 'PLAIN_TEXT' comments are supported",
        ),
        # limits.md: a type Perspective does not have is "Unknown text type", not the PLAIN_TEXT message.
        (
            {"comment": {"text": "x", "type": "MARKDOWN"}, "requestedAttributes": {"INSULT": {}}},
            "INVALID_REQUEST",
            "Unknown text type",
        ),
        (
            {"comment": {"text": "x"}, "requestedAttributes": {"INSULT": {"scoreType": "STD_DEV_SCORE"}}},
            "INVALID_REQUEST",
            "Requested score type STD_DEV_SCORE is not supported by attribute INSULT",
        ),
        (
            {"comment": {"text": "x"}, "requestedAttributes": {"INSULT": {}, "TOXICTY": {}}},
            "INVALID_REQUEST",
            "Unknown requested attribute: TOXICTY",
        ),
        (
            {"comment": {"text": "x"}, "requestedAttributes": {"FLIRTATION": {}, "INSULT": {}}},
            "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
            "Attribute FLIRTATION does not support request languages: en",
        ),
        (
            {"comment": {"text": "x"}, "languages": ["de"], "requestedAttributes": {"INSULT": {}}},
            "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
            "Attribute INSULT does not support request languages: de",
        ),
        ({"comment": "x", "requestedAttributes": {"INSULT": {}}}, "INVALID_REQUEST", "comment"),
        (
            {"comment": {"text": "x"}, "requestedAttributes": ["INSULT"]},
            "INVALID_REQUEST",
            "requestedAttributes",
        ),
    ],
)
def test_invalid_arguments_are_perspective_400s(client, request_body, error_type, message):
    error = assert_google_error(client.post(URL, json=request_body), 400, error_type)
    assert message in error["message"]


def test_text_limit_is_20_kb_of_utf8(client):
    def post(text):
        return client.post(URL, json={"comment": {"text": text}, "requestedAttributes": {"INSULT": {}}})

    assert post("x" * 20_480).status_code == 200
    assert post("é" * 10_240).status_code == 200  # 20,480 bytes
    for text in ("x" * 20_481, "é" * 10_241, "😀" * 5_121):  # 20,481 / 20,482 / 20,484 bytes
        error = assert_google_error(post(text), 400, "COMMENT_TOO_LONG")
        assert error["message"].startswith("Comment text too long.")


def test_a_post_with_no_body_and_no_content_type_is_comment_empty(client):
    # What a client that probes its key sends: no body, no Content-Type.
    for path in (URL + "?key=probe", SUGGEST + f"?key={TOKEN}"):
        r = client.post(path)
        assert "content-type" not in r.request.headers
        error = assert_google_error(r, 400, "COMMENT_EMPTY")
        assert error["message"] == "Comment must be non-empty."


def test_a_gzip_request_body_is_read_as_google_reads_it(client, settings):
    # Google's Java clients (google-api-services-commentanalyzer on google-api-java-client) gzip every
    # request body by default (AbstractGoogleClientRequest: setEncoding(new GZipEncoding())) and
    # Google's front end inflates it; here it was read as JSON and refused as "not valid JSON".
    import gzip

    request = _ours(DOC_REQUEST) | {"clientToken": "gz"}
    plain = client.post(URL, json=request)
    assert plain.status_code == 200, plain.text
    zipped = gzip.compress(json.dumps(request).encode())
    for encoding in ("gzip", "x-gzip", "GZIP"):
        headers = {"content-type": "application/json; charset=UTF-8", "content-encoding": encoding}
        r = client.post(URL, content=zipped, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json() == plain.json()
    gz = {"content-type": "application/json", "content-encoding": "gzip"}
    ours = DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}}
    r = client.post(SUGGEST + f"?key={TOKEN}", content=gzip.compress(json.dumps(ours).encode()), headers=gz)
    assert r.status_code == 200, r.text
    assert [row[1:3] for row in _feedback_rows(settings)] == [("insult", 1)]
    # The native API reads it the same way.
    native = {"comments": [{"text": "You idiot."}]}
    r = client.post("/v1/comments:score", content=gzip.compress(json.dumps(native).encode()), headers=gz)
    assert r.status_code == 200, r.text
    # Bounded after inflation (a gzip bomb stops at the limit), and a body that is no gzip says so.
    bomb = gzip.compress(b'{"comment": {"text": "' + b"x" * 3_000_000 + b'"}}')
    assert len(bomb) < 100_000
    error = assert_google_error(client.post(URL, content=bomb, headers=gz), 413, "COMMENT_TOO_LONG")
    assert "inflated" in error["message"]
    error = assert_google_error(client.post(URL, content=b"{}", headers=gz), 400, "INVALID_REQUEST")
    assert "gzip" in error["message"]
    br = {"content-type": "application/json", "content-encoding": "br"}
    error = assert_google_error(client.post(URL, content=b"\x1b\x00", headers=br), 415, "INVALID_REQUEST")
    assert "br" in error["message"]
    identity = {"content-type": "application/json", "content-encoding": "identity"}
    assert client.post(URL, content=json.dumps(request), headers=identity).json() == plain.json()


def test_a_body_encoded_twice_is_decoded_twice_within_the_same_bound(client):
    # RFC 9110: Content-Encoding lists the codings in the order they were applied ("gzip, gzip": a proxy
    # that gzips what a Java client already gzipped), in one field or several. It was a 415 naming
    # "gzip, gzip"; a second field was not read at all.
    import gzip
    import zlib

    from service.api.guards import MAX_CONTENT_CODINGS

    request = _ours(DOC_REQUEST) | {"clientToken": "gz2"}
    plain = client.post(URL, json=request).json()
    data = json.dumps(request).encode()
    json_type = ("content-type", "application/json")
    for codings, encoded in (
        ("gzip, gzip", gzip.compress(gzip.compress(data))),
        ("deflate,gzip", gzip.compress(zlib.compress(data))),
        ("identity, gzip", gzip.compress(data)),
    ):
        r = client.post(URL, content=encoded, headers=[json_type, ("content-encoding", codings)])
        assert r.status_code == 200, (codings, r.text)
        assert r.json() == plain
    fields = [json_type, ("content-encoding", "gzip"), ("content-encoding", "gzip")]
    r = client.post(URL, content=gzip.compress(gzip.compress(data)), headers=fields)
    assert r.status_code == 200, r.text
    assert r.json() == plain
    # Each pass is bounded by the body limit (a bomb inside a gzip stops there), the number of codings
    # too, and a coding this server does not read is named in the 415.
    bomb = gzip.compress(gzip.compress(b'{"comment": {"text": "' + b"x" * 3_000_000 + b'"}}'))
    gz2 = [json_type, ("content-encoding", "gzip, gzip")]
    error = assert_google_error(client.post(URL, content=bomb, headers=gz2), 413, "COMMENT_TOO_LONG")
    assert "inflated" in error["message"]
    many = data
    for _ in range(MAX_CONTENT_CODINGS + 1):
        many = gzip.compress(many)
    over = [json_type, ("content-encoding", ", ".join(["gzip"] * (MAX_CONTENT_CODINGS + 1)))]
    error = assert_google_error(client.post(URL, content=many, headers=over), 415, "INVALID_REQUEST")
    assert f"at most {MAX_CONTENT_CODINGS}" in error["message"]
    mixed = [json_type, ("content-encoding", "br, gzip")]
    error = assert_google_error(
        client.post(URL, content=gzip.compress(data), headers=mixed), 415, "INVALID_REQUEST"
    )
    assert "Content-Encoding br is not supported" in error["message"]
    once = [json_type, ("content-encoding", "gzip, gzip")]
    error = assert_google_error(
        client.post(URL, content=gzip.compress(data), headers=once), 400, "INVALID_REQUEST"
    )
    assert "not gzip data" in error["message"]


def test_every_other_4xx_of_the_perspective_paths_has_google_shape(client):
    form = {"content-type": "application/x-www-form-urlencoded"}  # what curl -d sends without -H
    form_body = {"content": b'{"comment": {"text": "x"}}', "headers": form}
    assert_google_error(client.post(URL, **form_body), 415, "INVALID_REQUEST")
    assert_google_error(
        client.post(URL, content=b"{not json", headers={"content-type": "application/json"}),
        400,
        "INVALID_REQUEST",
    )
    assert_google_error(client.get(URL), 405, "INVALID_REQUEST")
    assert_google_error(client.post("/v1alpha1/comments:nothing"), 404, "INVALID_REQUEST")
    big = b'{"comment": {"text": "' + b"x" * 3_000_000 + b'"}}'
    assert_google_error(
        client.post(URL, content=big, headers={"content-type": "application/json"}), 413, "COMMENT_TOO_LONG"
    )
    ours = DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}}
    assert_google_error(client.post(SUGGEST + "?key=wrong", json=ours), 401, "INVALID_REQUEST")


def test_the_native_api_keeps_its_own_error_shape(client):
    error = assert_error(client.post("/v1/comments:score", json={"comments": []}), 422, "empty")
    assert "details" not in error and "@type" not in str(error)
    error = assert_error(client.post("/v1/comments:score"), 415, "unsupported_media_type")


# --- attributes and languages ---------------------------------------------------------------------


def test_drop_unsupported_attributes(client):
    request = _ours(DOC_REQUEST)
    request["requestedAttributes"] = {"TOXICITY": {}, "INSULT": {}, "THREAT": {}}
    assert_google_error(client.post(URL, json=request), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
    body = client.post(URL, json=request | {"dropUnsupportedAttributes": True}).json()
    assert set(body["attributeScores"]) == {"INSULT"}
    # Everything dropped: an answer with no scores (nothing is made up), not an error.
    r = client.post(URL, json=DOC_REQUEST | {"dropUnsupportedAttributes": True})
    assert r.status_code == 200, r.text
    assert r.json()["attributeScores"] == {}
    # A name Perspective does not have is a mistake, not an unsupported attribute: never dropped.
    typo = request | {"requestedAttributes": {"INSULT": {}, "INSLUT": {}}, "dropUnsupportedAttributes": True}
    assert_google_error(client.post(URL, json=typo), 400, "INVALID_REQUEST")


def test_every_attribute_of_the_model_answers_under_its_upper_case_name(family_client):
    scorer = family_client.app.state.moderation.models.current
    names = [a.upper() for a in scorer.attributes]
    assert {"TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "PROFANITY", "SPAM", "UNSUBSTANTIAL"} <= set(
        names
    )
    request = {"comment": {"text": "You idiot, damn it."}, "requestedAttributes": {n: {} for n in names}}
    body = family_client.post(URL, json=request).json()
    assert set(body["attributeScores"]) == set(names)
    direct = scorer.score(["You idiot, damn it."], None, use_thread=False)[0]
    for name in names:
        assert body["attributeScores"][name]["summaryScore"]["value"] == pytest.approx(direct[name.lower()])
    assert body["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5


def test_perspective_attributes_we_do_not_offer_are_never_scored(family_client):
    # perspective.py's default set (Production attributes): THREAT is not offered.
    production = ["TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY", "THREAT"]
    request = {"comment": {"text": "you idiot"}, "requestedAttributes": {n: {} for n in production}}
    error = assert_google_error(
        family_client.post(URL, json=request), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    )
    assert error["message"] == "Attribute THREAT does not support request languages: en"
    assert _language_detail(error) == {"attribute": "THREAT", "detectedLanguages": ["en"]}
    body = family_client.post(URL, json=request | {"dropUnsupportedAttributes": True}).json()
    assert set(body["attributeScores"]) == set(production) - {"THREAT"}
    for name in ("SEXUALLY_EXPLICIT", "FLIRTATION", "ATTACK_ON_AUTHOR", "LIKELY_TO_REJECT"):
        one = {"comment": {"text": "hi"}, "requestedAttributes": {name: {}}}
        assert_google_error(family_client.post(URL, json=one), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")


def test_an_attribute_name_with_a_version_is_that_attribute(family_client, settings):
    # Perspective's API reference ("Versions"): "To use a specific version of a model, use a model name
    # of the form MODEL_NAME@VERSION_NUMBER", and attributeScores mirror the requested names (research
    # code reads response['attributeScores']['TOXICITY@6']). It was "Unknown requested attribute".
    # This service has one version of each attribute, the loaded model's: it answers any version.
    text = "You idiot, damn it."
    plain = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {}}}
    expected = family_client.post(URL, json=plain).json()["attributeScores"]
    versioned = plain | {"requestedAttributes": {"TOXICITY@6": {}, "INSULT@2": {}, "TOXICITY": {}}}
    r = family_client.post(URL, json=versioned)
    assert r.status_code == 200, r.text
    scores = r.json()["attributeScores"]
    assert scores == {"TOXICITY@6": expected["TOXICITY"], "INSULT@2": expected["INSULT"]} | {
        "TOXICITY": expected["TOXICITY"]
    }
    # A Perspective attribute we do not offer stays unsupported under its versioned name ...
    threat = plain | {"requestedAttributes": {"THREAT@2": {}}}
    error = assert_google_error(
        family_client.post(URL, json=threat), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    )
    assert error["message"] == "Attribute THREAT@2 does not support request languages: en"
    dropped = family_client.post(URL, json=threat | {"dropUnsupportedAttributes": True})
    assert dropped.status_code == 200 and dropped.json()["attributeScores"] == {}
    # ... and what is no name and version is unknown, as before.
    for name in ("TOXICTY@6", "TOXICITY@", "TOXICITY@latest", "TOXICITY@6@6", "@6", "TOXICITY@-1"):
        unknown = plain | {"requestedAttributes": {name: {}}}
        error = assert_google_error(family_client.post(URL, json=unknown), 400, "INVALID_REQUEST")
        assert error["message"] == f"Unknown requested attribute: {name}"
    # A verdict for a versioned name is the attribute's verdict.
    verdict = {"comment": {"text": text}, "attributeScores": {"INSULT@2": {"summaryScore": {"value": 1}}}}
    assert family_client.post(SUGGEST, json=verdict, headers=auth()).status_code == 200
    assert [row[1:3] for row in _feedback_rows(settings)] == [("insult", 1)]


def test_the_fields_parameter_selects_a_partial_response(family_client):
    # `fields` is a standard parameter of every Google API (the discovery document lists it, and
    # googleapiclient passes analyze(body=..., fields="...") on): Google's partial response, "a/b" for a
    # member inside another, "a(b,c)" for several, "*" for every one. It was ignored: the whole answer.
    request = {
        "comment": {"text": "You idiot. Thanks for the article."},
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {}},
        "spanAnnotations": True,
        "clientToken": "f",
    }
    full = family_client.post(URL, json=request).json()
    scores = full["attributeScores"]

    def partial(selector: str, path: str = URL, body: dict = request) -> dict:
        r = family_client.post(path, params={"fields": selector, "key": TOKEN}, json=body)
        assert r.status_code == 200, (selector, r.text)
        return r.json()

    assert partial("languages") == {"languages": full["languages"]}
    assert partial("attributeScores/TOXICITY/summaryScore,clientToken") == {
        "attributeScores": {"TOXICITY": {"summaryScore": scores["TOXICITY"]["summaryScore"]}},
        "clientToken": "f",
    }
    values = {n: {"summaryScore": {"value": s["summaryScore"]["value"]}} for n, s in scores.items()}
    assert partial("attributeScores/*/summaryScore/value") == {"attributeScores": values}
    assert partial("attributeScores(TOXICITY(summaryScore(value)),INSULT/summaryScore/value)") == {
        "attributeScores": values
    }
    spans = [{"begin": s["begin"], "end": s["end"]} for s in scores["INSULT"]["spanScores"]]
    assert partial("attributeScores/INSULT/spanScores(begin,end)") == {
        "attributeScores": {"INSULT": {"spanScores": spans}}
    }
    assert partial("attributeScores/THREAT,languages") == {"attributeScores": {}, "languages": ["en"]}
    assert partial("*") == partial("") == partial("languages,*") == full
    assert partial(" languages , clientToken ") == {"languages": full["languages"], "clientToken": "f"}
    for bad, name in (
        ("nothing", "nothing"),
        ("languages/x", "languages/x"),
        ("languages/*", "languages/*"),
        ("*/value", "*/value"),
        ("attributeScores/TOXICITY/nope", "attributeScores/TOXICITY/nope"),
        ("attributeScores/TOXICITY/summaryScore/value/x", "attributeScores/TOXICITY/summaryScore/value/x"),
        ("attributeScores(", "attributeScores("),
        ("clientToken)", "clientToken)"),
        ("languages,,clientToken", "languages,,clientToken"),
        ("a" * 100 + "(" * 10_000, "a" * 100 + "(" * 10_000),
    ):
        r = family_client.post(URL, params={"fields": bad}, json=request)
        error = assert_google_error(r, 400, "INVALID_REQUEST")
        assert error["message"].startswith("Invalid field selection ") and name[:60] in error["message"], bad
    # suggestscore's answer has its own members.
    verdict = {
        "comment": {"text": "you idiot"},
        "attributeScores": {"INSULT": {"summaryScore": {"value": 1}}},
    }
    assert partial("detectedLanguages", SUGGEST, verdict) == {"detectedLanguages": ["en"]}
    r = family_client.post(SUGGEST, params={"fields": "languages", "key": TOKEN}, json=verdict)
    assert_google_error(r, 400, "INVALID_REQUEST")


def test_fields_may_be_named_as_in_the_proto(family_client):
    # Google's JSON parsing takes the proto's field names too (requested_attributes for
    # requestedAttributes), and Google's own Angular client sends them: read exactly like camelCase.
    camel = {
        "comment": {"text": "You idiot. Nice day.", "type": "PLAIN_TEXT"},
        "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.0}, "THREAT": {}},
        "dropUnsupportedAttributes": True,
        "spanAnnotations": True,
        "clientToken": "t-1",
        "languages": ["en"],
    }
    snake = {
        "comment": {"text": "You idiot. Nice day.", "type": "PLAIN_TEXT"},
        "requested_attributes": {"TOXICITY": {"score_threshold": 0.0}, "THREAT": {}},
        "drop_unsupported_attributes": True,
        "span_annotations": True,
        "client_token": "t-1",
        "languages": ["en"],
    }
    expected = family_client.post(URL, json=camel)
    assert expected.status_code == 200, expected.text
    body = expected.json()
    assert set(body["attributeScores"]) == {"TOXICITY"} and body["clientToken"] == "t-1"
    assert len(body["attributeScores"]["TOXICITY"]["spanScores"]) == 2
    assert family_client.post(URL, json=snake).json() == body
    # A threshold above the score hides it, whichever name carries it.
    civil = {"text": "Thanks for the clear article, and have a nice day."}
    hidden = camel | {"comment": civil, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.5}}}
    answer = family_client.post(URL, json=hidden).json()
    assert answer["attributeScores"] == {}
    snake_hidden = snake | {"comment": civil, "requested_attributes": {"TOXICITY": {"score_threshold": 0.5}}}
    assert family_client.post(URL, json=snake_hidden).json() == answer
    pair = {
        "comment": {"text": "The bridge budget vote."},
        "requested_attributes": {"TOXICITY": {}},
        "context": {
            "article_and_parent_comment": {"article": {"text": "A"}, "parent_comment": {"text": "B"}}
        },
    }
    both = pair | {"context": {"entries": [{"text": "C"}], **pair["context"]}}
    assert_google_error(family_client.post(URL, json=both), 400, "INVALID_REQUEST")  # read, so refused


def test_a_null_field_is_the_field_unset(family_client, settings):
    # Proto3 JSON, as Google parses it: "null is an accepted value for all field types and treated as
    # the default value". Clients that serialize every member (Go structs, C#'s Json.NET, Java's Gson
    # with serializeNulls, a Python dict of Optional[...]) send nulls; they were 400s here.
    request = {
        "comment": {"text": "You idiot. Nice day.", "type": None},
        "context": {"entries": None, "articleAndParentComment": None},
        "requestedAttributes": {"TOXICITY": {"scoreType": None, "scoreThreshold": None}},
        "spanAnnotations": None,
        "dropUnsupportedAttributes": None,
        "doNotStore": None,
        "languages": None,
        "clientToken": None,
        "sessionId": None,
        "communityId": None,
    }
    r = family_client.post(URL, json=request)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body["attributeScores"]) == {"TOXICITY"} and "clientToken" not in body
    assert len(body["attributeScores"]["TOXICITY"]["spanScores"]) == 1  # spanAnnotations unset: false
    unset = {"comment": {"text": "You idiot. Nice day."}, "requestedAttributes": {"TOXICITY": {}}}
    assert body == family_client.post(URL, json=unset).json()
    # A null text is an unset text: Perspective's COMMENT_EMPTY, not a type error.
    empty = unset | {"comment": {"text": None}}
    assert_google_error(family_client.post(URL, json=empty), 400, "COMMENT_EMPTY")
    suggest = {
        "comment": {"text": "You idiot.", "type": None},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1, "type": None}, "spanScores": None}},
        "languages": None,
        "communityId": None,
        "clientToken": None,
        "context": None,
    }
    r = family_client.post(SUGGEST, json=suggest, headers=auth())
    assert r.status_code == 200, r.text
    assert r.json() == {"detectedLanguages": ["en"]}  # no token, no requested languages
    assert [row[1:] for row in _feedback_rows(settings)] == [("toxicity", 1, None)]


# HELM's toxicity metric: every call asks for these eight, and it has no option to drop any.
HELM_ATTRIBUTES = [
    "TOXICITY",
    "SEVERE_TOXICITY",
    "IDENTITY_ATTACK",
    "INSULT",
    "PROFANITY",
    "THREAT",
    "SEXUALLY_EXPLICIT",
    "FLIRTATION",
]


def test_a_site_may_drop_unsupported_attributes_for_every_request(settings):
    helm = {
        "comment": {"text": "you idiot"},
        "requestedAttributes": {n: {} for n in HELM_ATTRIBUTES},
        "languages": ["en"],
        "spanAnnotations": True,
    }
    french = helm | {"languages": ["fr"]}
    with make_client(settings, family_loader()) as default:
        assert_google_error(default.post(URL, json=helm), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
    dropping = settings.model_copy(update={"perspective_drop_unsupported": True})
    with make_client(dropping, family_loader()) as client:
        body = client.post(URL, json=helm).json()
        assert list(body["attributeScores"]) == HELM_ATTRIBUTES[:5]  # never a score for the other three
        assert all(body["attributeScores"][n]["spanScores"] for n in HELM_ATTRIBUTES[:5])
        # A language the attribute lacks is dropped the same way (INSULT and TOXICITY know French).
        assert set(client.post(URL, json=french).json()["attributeScores"]) == {"TOXICITY", "INSULT"}
        typo = helm | {"requestedAttributes": {"INSULT": {}, "INSLUT": {}}}
        assert_google_error(client.post(URL, json=typo), 400, "INVALID_REQUEST")  # a typo stays an error


def test_detected_language_decides_which_attributes_may_answer(family_client):
    french = "Espèce de crétin, vous êtes un abruti et cet article est nul."
    request = {"comment": {"text": french}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {}}}
    body = family_client.post(URL, json=request).json()
    assert body["languages"] == ["fr"] and body["detectedLanguages"] == ["fr"]
    assert body["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.1
    # PROFANITY is trained for English only: Perspective's 400, naming the detected language ...
    request["requestedAttributes"]["PROFANITY"] = {}
    error = assert_google_error(
        family_client.post(URL, json=request), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    )
    assert error["message"] == "Attribute PROFANITY does not support request languages: fr"
    assert _language_detail(error) == {"attribute": "PROFANITY", "detectedLanguages": ["fr"]}
    # ... or dropped.
    body = family_client.post(URL, json=request | {"dropUnsupportedAttributes": True}).json()
    assert set(body["attributeScores"]) == {"TOXICITY", "INSULT"}


def test_request_languages_override_detection_and_reach_the_scorer(family_client):
    scorer = family_client.app.state.moderation.models.current
    text = "Espèce de crétin, vous êtes un abruti."
    request = {"comment": {"text": text}, "languages": ["de-DE"], "requestedAttributes": {"TOXICITY": {}}}
    body = family_client.post(URL, json=request).json()
    assert body["languages"] == ["de-DE"]  # mirrors the request
    assert body["detectedLanguages"] == ["de"]  # the language the comment was scored in
    assert scorer.languages_seen[-1] == "de"
    error = assert_google_error(
        family_client.post(URL, json=request | {"requestedAttributes": {"TOXICITY": {}, "INSULT": {}}}),
        400,
        "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
    )
    assert error["message"] == "Attribute INSULT does not support request languages: de"
    assert _language_detail(error) == {"attribute": "INSULT", "requestedLanguages": ["de"]}
    # An English comment declared French is scored as French, as Perspective does.
    english = {"comment": {"text": "you idiot"}, "languages": ["fr"], "requestedAttributes": {"INSULT": {}}}
    assert family_client.post(URL, json=english).json()["detectedLanguages"] == ["fr"]


def test_a_language_that_is_no_tag_is_invalid(family_client):
    text = "Espèce de crétin, vous êtes un abruti."
    request = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}}
    for bad in ("deutsch", "12", "e"):  # with the attributes dropped, this reached the scorer: a 500
        for drop in (True, False):
            body = request | {"languages": [bad], "dropUnsupportedAttributes": drop}
            error = assert_google_error(family_client.post(URL, json=body), 400, "INVALID_REQUEST")
            assert repr(bad) in error["message"]
    for tag in (
        "und",
        "mul",
        "zxx",
    ):  # a request naming no language: Perspective supports it with no attribute
        dropped = request | {"languages": [tag], "dropUnsupportedAttributes": True}
        answer = family_client.post(URL, json=dropped).json()
        assert answer["attributeScores"] == {}
        # the first language the request names, as documented; it said "en" (the scorer's "undetermined"
        # read as English) for this French comment
        assert answer["languages"] == [tag] and answer["detectedLanguages"] == [tag]
    body = family_client.post(URL, json=request | {"languages": ["frc"]})
    assert body.status_code == 400  # a well-formed tag of a language no model has: not supported


def test_a_scorer_without_the_language_argument_is_still_served(settings):
    from service.api.perspective_protocol import accepts_language
    from tests.service.api.conftest import FakeScorer

    class Old(FakeScorer):
        def score(self, texts, article=None, *, use_thread=True):  # the pre-contract signature
            return super().score(texts, article, use_thread=use_thread)

    assert accepts_language(FakeScorer()) and not accepts_language(Old())

    class Unhashable:  # a callable object as ``score`` (the answer is cached per function, when it can be)
        __hash__ = None

        def __call__(self, texts, article=None, *, language=None):
            return []

    scorer = FakeScorer()
    scorer.score = Unhashable()  # type: ignore[method-assign]
    assert accepts_language(scorer)
    with make_client(settings, lambda _dir: Old()) as c:
        request = {"comment": {"text": "x idiot"}, "languages": ["en"], "requestedAttributes": {"INSULT": {}}}
        r = c.post(URL, json=request)
        assert r.status_code == 200, r.text


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


@pytest.mark.parametrize("language", ["en", "fr"])
def test_coral_talk_request_with_a_toxicity_model(family_client, language):
    toxic, civil = CORAL_COMMENTS[language]
    values = []
    for text in (toxic, civil):
        r = family_client.post(URL + "?key=coral-key", json=coral_body(text, language))
        assert r.status_code == 200, r.text
        body = r.json()
        values.append(body["attributeScores"]["TOXICITY"]["summaryScore"]["value"])  # what Coral reads
        assert body["languages"] == [language]
    assert values[0] > values[1]


def test_coral_talk_request_without_a_toxicity_model_gets_the_documented_error(client):
    r = client.post(URL + "?key=coral-key", json=coral_body(CORAL_COMMENTS["fr"][0], "fr"))
    error = assert_google_error(r, 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
    assert error["message"] == "Attribute TOXICITY does not support request languages: fr"


# --- discovery ------------------------------------------------------------------------------------


def test_discovery_document_points_at_this_server(client):
    r = client.get("/$discovery/rest?version=v1alpha1&key=anything")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["rootUrl"] == "http://testserver/" and doc["servicePath"] == ""
    assert (doc["id"], doc["name"], doc["version"]) == (
        "commentanalyzer:v1alpha1",
        "commentanalyzer",
        "v1alpha1",
    )
    methods = doc["resources"]["comments"]["methods"]
    assert methods["analyze"]["path"] == "v1alpha1/comments:analyze"
    assert methods["suggestscore"]["request"]["$ref"] == "SuggestCommentScoreRequest"
    for method in methods.values():  # every $ref resolves
        assert method["request"]["$ref"] in doc["schemas"] and method["response"]["$ref"] in doc["schemas"]
    assert "detectedLanguages" in doc["schemas"]["AnalyzeCommentResponse"]["properties"]
    assert client.get("/$discovery/rest").json()["rootUrl"] == "http://testserver/"
    assert_google_error(client.get("/$discovery/rest?version=v1"), 404, "INVALID_REQUEST")


@pytest.mark.parametrize(
    "host",
    ["evil.example/x", "evil.example#", "a@b", "evil.example:abc", "ex ample", "a\\b", "x:99999", "[::1"],
)
def test_discovery_refuses_a_host_header_that_is_no_host(client, host):
    """rootUrl is built from the Host header: a malformed one is refused, not answered with a document
    pointing who knows where (a shared cache would keep it)."""
    r = client.get("/$discovery/rest?version=v1alpha1", headers={"host": host})
    error = assert_google_error(r, 400, "INVALID_REQUEST")
    assert "Host" in error["message"]


@pytest.mark.parametrize(
    "host", ["news.example", "news.example:8443", "127.0.0.1:8000", "[::1]:8000", "Api-2.Example."]
)
def test_discovery_without_a_public_base_url_points_at_the_host_asked(client, host):
    r = client.get("/$discovery/rest?version=v1alpha1", headers={"host": host})
    assert r.status_code == 200, r.text
    assert r.json()["rootUrl"] == f"http://{host}/"


def test_a_public_base_url_is_the_discovery_documents_root_whatever_the_host(settings):
    """Behind a shared cache, a client's Host header must not choose where every later client is sent."""
    from service.settings import Settings

    public = settings.model_copy(update={"public_base_url": "https://moderation.example/perspective/"})
    with make_client(public) as c:
        for host in ("evil.example", "evil.example/x", "moderation.example"):
            r = c.get("/$discovery/rest?version=v1alpha1", headers={"host": host})
            assert r.status_code == 200, r.text
            doc = r.json()
            assert doc["rootUrl"] == doc["mtlsRootUrl"] == "https://moderation.example/perspective/"
            assert doc["baseUrl"] == "https://moderation.example/perspective/"
    # The setting is checked at start: a URL a client can call, nothing else.
    assert Settings(public_base_url="http://10.0.0.5:8000/").public_base_url == "http://10.0.0.5:8000/"
    assert Settings(public_base_url="https://m.example/p").public_base_url == "https://m.example/p/"
    for bad in (
        "moderation.example",
        "ftp://moderation.example/",
        "https://",
        "https://x.example/?a=1",
        "https://x.example/#f",
        "https://u:p@x.example/",
    ):
        with pytest.raises(ValueError, match="public_base_url"):
            Settings(public_base_url=bad)


# --- suggestscore ---------------------------------------------------------------------------------

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
    assert _feedback_rows(settings) == [
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
    bad = request | {"languages": ["deutsch"]}
    error = assert_google_error(family_client.post(SUGGEST, json=bad, headers=auth()), 400, "INVALID_REQUEST")
    assert "'deutsch'" in error["message"]
    assert [row[1:3] for row in _feedback_rows(settings)] == [("insult", 1)] * 2


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
    assert [row[1:3] for row in _feedback_rows(settings)] == [("insult", 1), ("off_topic", 0)]
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
    assert [row[1:3] for row in _feedback_rows(settings)] == [("insult", 0), ("off_topic", 0)]
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
    assert [row[1:3] for row in _feedback_rows(settings)] == [("insult", 1)]


def test_suggestscore_unknown_attribute_and_auth(client, settings):
    error = assert_google_error(
        client.post(SUGGEST, json=DOC_SUGGEST, headers=auth()), 400, "INVALID_REQUEST"
    )
    assert error["message"].startswith("Attribute TOXICITY is not offered by this service")
    typo = DOC_SUGGEST | {"attributeScores": {"INSLUT": {"summaryScore": {"value": 1}}}}
    error = assert_google_error(client.post(SUGGEST, json=typo, headers=auth()), 400, "INVALID_REQUEST")
    assert error["message"] == "Unknown requested attribute: INSLUT"
    ours = DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}}
    assert_google_error(client.post(SUGGEST, json=ours), 401, "INVALID_REQUEST")
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
    assert [row[1:3] for row in _feedback_rows(settings)] == [("insult", 1)] * 3


def test_suggestscore_honours_do_not_store(settings):
    ours = DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}}
    with make_client(settings.model_copy(update={"do_not_store": True})) as c:
        r = c.post(SUGGEST, json=ours, headers=auth())
    assert r.status_code == 200 and r.json() == {"clientToken": "comment-53922", "detectedLanguages": ["en"]}
    assert not settings.db_path.exists()


# --- aliases --------------------------------------------------------------------------------------


def test_aliases_map_a_site_name_onto_a_model_attribute(settings):
    aliased = settings.model_copy(update={"perspective_aliases": {"TOXICITY": "INSULT"}})
    with make_client(aliased) as c:
        # quickstart.md's request, unchanged: only the URL moved.
        body = c.post(URL, json=QUICKSTART_REQUEST).json()
        direct = c.post(URL, json=_ours(QUICKSTART_REQUEST)).json()
        assert set(body["attributeScores"]) == {"TOXICITY"}
        assert body["attributeScores"]["TOXICITY"] == direct["attributeScores"]["INSULT"]
        # the documented request still names an attribute nobody maps
        error = assert_google_error(c.post(URL, json=DOC_REQUEST), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
        assert error["message"].startswith("Attribute UNSUBSTANTIAL does not support")
        r = c.post(SUGGEST, json=DOC_SUGGEST, headers=auth())
        assert r.status_code == 200, r.text
    assert [row[1:3] for row in _feedback_rows(settings)] == [("insult", 0)]


def test_the_defaults_need_no_alias(settings):
    assert settings.perspective_aliases == {}
    with make_client(settings, family_loader()) as c:
        r = c.post(URL, json=QUICKSTART_REQUEST)
        assert r.status_code == 200, r.text
        assert set(r.json()["attributeScores"]) == {"TOXICITY"}


def test_an_alias_to_an_attribute_the_model_lacks_stops_the_app_at_start(settings):
    from core.errors import ConfigurationError

    bad = settings.model_copy(update={"perspective_aliases": {"TOXICITY": "TOXIC"}})
    with pytest.raises(ConfigurationError, match="TOXIC"), make_client(bad):
        pass
    # The same alias is fine with a model that carries the target.
    fine = settings.model_copy(update={"perspective_aliases": {"ATTACK_ON_COMMENTER": "TOXICITY"}})
    with make_client(fine, family_loader()) as c:
        request = {"comment": {"text": "idiot"}, "requestedAttributes": {"ATTACK_ON_COMMENTER": {}}}
        assert c.post(URL, json=request).json()["attributeScores"]["ATTACK_ON_COMMENTER"]


def test_sentences_are_scored_in_the_comment_language(family_client):
    scorer = family_client.app.state.moderation.models.current
    text = "Espèce de crétin, vous êtes un abruti. Idiot."  # the second "sentence" alone reads English
    request = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "spanAnnotations": True}
    body = family_client.post(URL, json=request).json()
    assert body["detectedLanguages"] == ["fr"]
    assert scorer.languages_seen[-2:] == [
        None,
        "fr",
    ]  # detected for the comment, then forced on its sentences
    assert len(body["attributeScores"]["TOXICITY"]["spanScores"]) == 2


class _UndeterminedScorer(FakeScorer):
    """Cannot place a comment of several sentences (the real detector's "Quel idiot. Stupid."): judges
    it in its likeliest guess, French; a sentence alone it places by its words, as the toy detector."""

    def score(self, texts, article=None, *, language=None, **kwargs):
        out = super().score(texts, article, language=language, **kwargs)
        if language is not None:
            return out
        return [
            Scores(s.values, s.context, None, frozenset(), "fr") if len(pp.sentence_spans(t)) > 1 else s
            for s, t in zip(out, texts, strict=True)
        ]


def test_sentences_of_an_undetermined_comment_are_scored_in_the_summarys_language(settings):
    # The summary was judged in French (the guess), but each sentence was detected on its own ("Idiot."
    # as English): one comment answered in two languages. The sentences now take the summary's.
    def loader(model_dir):
        return _UndeterminedScorer(attributes=FAMILY, languages=FAMILY_LANGUAGES, detects=True)

    with make_client(settings, loader) as c:
        text = "Quel crétin. Idiot."
        request = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}}
        request["spanAnnotations"] = True
        body = c.post(URL, json=request).json()
        scorer = c.app.state.moderation.models.current
    assert body["detectedLanguages"] == ["fr"]
    assert scorer.languages_seen[-2:] == [None, "fr"]
    assert len(body["attributeScores"]["TOXICITY"]["spanScores"]) == 2


_ENTRIES = {"entries": [{"text": "a"}] * 120_000}
_MANY_ATTRIBUTES = {f"A{i}": {} for i in range(150_000)}


# 2 MB of these held the worker's event loop, /healthz with it: 150,000 context entries 0.8 s of
# validation, 400,000 languages 1.2 s of the route's loops, 150,000 attribute names 0.8 s of
# validation. Each list is bounded far above any real request, and refused before the work.
@pytest.mark.parametrize(
    ("path", "extra", "where", "bound"),
    [
        (URL, {"context": _ENTRIES}, "context.entries", 1000),
        (URL, {"languages": ["en"] * 400_000}, "languages", 32),
        (URL, {"requestedAttributes": _MANY_ATTRIBUTES}, "requestedAttributes", 256),
        ("/v1alpha1/comments:suggestscore", {"languages": ["en"] * 400_000}, "languages", 32),
        ("/v1alpha1/comments:suggestscore", {"attributeScores": _MANY_ATTRIBUTES}, "attributeScores", 256),
    ],
)
def test_huge_lists_in_a_perspective_request_are_refused_at_once(family_client, path, extra, where, bound):
    body = {
        "comment": {"text": "you idiot"},
        "requestedAttributes": {"INSULT": {}},
        "attributeScores": {"INSULT": {"summaryScore": {"value": 0.9}}},
    } | extra
    r = family_client.post(path, json=body, headers=auth())
    error = assert_google_error(r, 400, "INVALID_REQUEST")
    assert (
        error["message"].startswith(f"invalid request: {where}: ") and f"at most {bound} " in error["message"]
    )
    # at the bound, the request is read as before
    at_bound = {
        "context": {"entries": [{"text": "council budget"}] * 1000},
        "languages": ["en"] * 32,
        "requestedAttributes": {"INSULT": {}, **{f"A{i}": {} for i in range(255)}},
        "attributeScores": {"INSULT": {"summaryScore": {"value": 0.9}}},
    }[where.split(".")[0]]
    r = family_client.post(path, json=body | {where.split(".")[0]: at_bound}, headers=auth())
    if where == "requestedAttributes":
        assert_google_error(r, 400, "INVALID_REQUEST")  # A0 is no Perspective attribute
        assert "Unknown requested attribute: A0" in r.json()["error"]["message"]
    else:
        assert r.status_code == 200, r.text


def test_a_best_guess_from_another_languages_model_is_still_perspectives_score(settings):
    # An undetermined comment read as English whose insult a weak guess sent to another language's
    # model: the native API marks it unsupported and never rejects on it, but a Perspective client
    # reading INSULT gets the score, not a 400 for a short English comment.
    from core.records import Scores
    from tests.service.api.conftest import FakeScorer

    class Guessing(FakeScorer):
        def score(self, texts, article=None, *, use_thread=True, language=None, same_source=False):
            got = super().score(texts, article, use_thread=use_thread, language=language)
            flags = frozenset({"insult"})
            return [Scores(s.as_dict(), s.context, None, flags, None, guessed=flags) for s in got]

    with make_client(settings, lambda _dir: Guessing()) as c:
        request = {"comment": {"text": "you clown!!!"}, "requestedAttributes": {"INSULT": {}}}
        r = c.post(URL, json=request)
        assert r.status_code == 200, r.text
        assert 0.0 <= r.json()["attributeScores"]["INSULT"]["summaryScore"]["value"] <= 1.0
        native = c.post("/v1/comments:score", json={"comments": [{"text": "you clown!!!"}]})
        assert native.status_code == 200, native.text
        assert native.json()["results"][0]["language_supported"]["insult"] is False


def test_every_json_answer_names_its_charset(client):
    """google-http-java-client reads a JSON body without a charset as ISO-8859-1: a non-ASCII clientToken
    echoed back came out garbled."""
    request = {"comment": {"text": "idiot"}, "requestedAttributes": {"INSULT": {}}, "clientToken": "café"}
    ok = client.post(URL, json=request)
    refused = client.post(URL, json={"comment": {"text": ""}, "requestedAttributes": {"INSULT": {}}})
    native = client.post("/v1/comments:score", json={"comments": [{"text": "idiot"}]})
    for r in (ok, refused, native):
        assert r.headers["content-type"] == "application/json; charset=UTF-8", r.text
    assert ok.content.decode("utf-8") and ok.json()["clientToken"] == "café"


def test_spans_of_an_attribute_a_weak_guess_sent_elsewhere_are_scored_by_that_model(settings):
    # "I am proud to be your friend, Denny... Tanks..." is judged `en`, but the detector's weak guess
    # (de 0.2) sent its INSULT summary to the German model; its spans were still the English model's.
    # Each span of such an attribute is now its sentence scored in the language whose model scored the
    # summary; the other attributes' spans stay in the judged language.
    from core.records import Scores
    from tests.service.api.conftest import FAMILY, FakeScorer

    class Guessing(FakeScorer):
        def score(self, texts, article=None, *, use_thread=True, language=None, same_source=False):
            got = super().score(texts, article, use_thread=use_thread, language=language)
            value = {"de": 0.75, "en": 0.25}.get(language or "", 0.5)  # which model read each text
            scores = [Scores(s.as_dict() | {"insult": value, "toxicity": value}, s.context) for s in got]
            if language is not None:
                return scores
            guessed = frozenset({"insult"})
            return [
                Scores(s.values, s.context, None, guessed, None, guessed, {"insult": "de"}) for s in scores
            ]

    text = "I am proud to be your friend, Denny. Tanks."
    with make_client(settings, lambda _dir: Guessing(attributes=FAMILY)) as c:
        request = {
            "comment": {"text": text},
            "requestedAttributes": {"INSULT": {}, "TOXICITY": {}},
            "spanAnnotations": True,
        }
        r = c.post(URL, json=request)
        assert r.status_code == 200, r.text
        scores = r.json()["attributeScores"]
    assert r.json()["detectedLanguages"] == ["en"]
    assert [s["score"]["value"] for s in scores["INSULT"]["spanScores"]] == [0.75, 0.75]
    assert [s["score"]["value"] for s in scores["TOXICITY"]["spanScores"]] == [0.25, 0.25]
