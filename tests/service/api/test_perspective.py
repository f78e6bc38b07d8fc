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
import json
import time

import pytest

from tests.service.api.conftest import (
    TOKEN,
    assert_error,
    assert_google_error,
    auth,
)
from tests.service.api.perspective_helpers import (
    DOC_REQUEST,
    DOC_RESPONSE,
    DOC_SUGGEST,
    QUICKSTART_REQUEST,
    SUGGEST,
    URL,
    language_detail,
    shape,
    with_our_attributes,
)

# --- the documented examples ----------------------------------------------------------------------


def test_documented_request_with_attributes_the_model_lacks_gets_the_documented_400(client):
    error = assert_google_error(
        client.post(URL, json=DOC_REQUEST), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    )
    # The shipped model carries no TOXICITY yet: an attribute supported in no language.
    assert error["message"] == "Attribute TOXICITY does not support request languages: en"
    assert language_detail(error) == {"attribute": "TOXICITY", "requestedLanguages": ["en"]}


def test_documented_request_with_our_attributes_answers_documented_shape(client):
    r = client.post(URL, json=with_our_attributes(DOC_REQUEST))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"attributeScores", "languages", "detectedLanguages"}
    assert body["languages"] == DOC_RESPONSE["languages"]
    # No detector in this model: the language used is the request's.
    assert body["detectedLanguages"] == ["en"]
    assert set(body["attributeScores"]) == {"INSULT", "OFF_TOPIC"}
    documented = shape(DOC_RESPONSE["attributeScores"]["UNSUBSTANTIAL"])
    for attribute in body["attributeScores"].values():
        assert shape(attribute) == documented
        summary = attribute["summaryScore"]
        assert summary["type"] == "PROBABILITY" and 0.0 <= summary["value"] <= 1.0
        # Without spanAnnotations Perspective returns one span: the whole comment.
        assert [(s["begin"], s["end"]) for s in attribute["spanScores"]] == [(0, 56)]
        assert attribute["spanScores"][0]["score"] == summary
    insult = body["attributeScores"]["INSULT"]["summaryScore"]["value"]
    assert insult == pytest.approx(3 / 12)  # fake scorer: 1 insult word of 12


def test_span_annotations_score_each_sentence_at_documented_offsets(client):
    request = with_our_attributes(DOC_REQUEST) | {"spanAnnotations": True}
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
    # Linear in the text: a run of marks is read once (20,000 dots and a letter took 8 s otherwise).
    # Python's re shows no count of the steps a search took, so this bound on CPU time (not wall time,
    # which a loaded machine stretches) stays, only as a guard against that near-hang: each text takes
    # ~1 ms, 500 times less than the bound, and the quadratic search 16 times more.
    for hostile in (
        "." * 20_000 + "x",
        "!?" * 10_000 + "x",
        ".)" * 10_000 + "x",
        "." * 9_000 + ")" * 9_000 + "x",
    ):
        started = time.thread_time()
        assert pieces(hostile) == [hostile]
        assert time.thread_time() - started < 0.5
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


def test_span_scores_are_bounded_per_request(client):
    # 10,240 one-letter lines under 256 versioned names was a 225 MB answer, built in 8 s on the event
    # loop, for a 25 KB request. Over MAX_SPAN_SCORES (sentences x requested names): a 400 before scoring.
    from service.api.perspective_protocol import MAX_SPAN_SCORES

    text = "a\n" * 10_240
    names = {f"INSULT@{i}": {} for i in range(1, 11)}
    request = {"comment": {"text": text}, "requestedAttributes": names, "spanAnnotations": True}
    error = assert_google_error(client.post(URL, json=request), 400, "INVALID_REQUEST")
    assert "102,400 span scores (10,240 sentences x 10 requested attributes)" in error["message"]
    assert 10_240 * 10 > MAX_SPAN_SCORES >= 10_240 * 8  # every shipped attribute on such a text passes
    fewer = client.post(URL, json=request | {"requestedAttributes": {"INSULT": {}, "INSULT@2": {}}})
    assert fewer.status_code == 200, fewer.text
    assert len(fewer.json()["attributeScores"]["INSULT@2"]["spanScores"]) == 10_240
    whole = client.post(URL, json=request | {"spanAnnotations": False})
    assert whole.status_code == 200 and len(whole.json()["attributeScores"]) == 10


def test_quickstart_request_as_json(client):
    r = client.post(URL + "?key=YOUR_KEY_HERE", json=with_our_attributes(QUICKSTART_REQUEST))
    assert r.status_code == 200, r.text
    summary = r.json()["attributeScores"]["INSULT"]["summaryScore"]
    assert summary["type"] == "PROBABILITY"


def test_the_documented_python_sample_without_a_content_type_is_read_as_json(client):
    # sample.md's Python sample: requests.post(url=url, data=json.dumps(data_dict)) sends no
    # Content-Type, and Google reads the body as JSON; here it was a 415, so the docs' own sample failed.
    data = json.dumps(with_our_attributes(QUICKSTART_REQUEST))
    r = client.post(URL + "?key=YOUR_KEY_HERE", content=data)
    assert "content-type" not in r.request.headers
    assert r.status_code == 200, r.text
    assert (
        r.json()
        == client.post(URL + "?key=YOUR_KEY_HERE", json=with_our_attributes(QUICKSTART_REQUEST)).json()
    )
    suggestion = json.dumps(DOC_SUGGEST | {"attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}})
    assert client.post(SUGGEST + f"?key={TOKEN}", content=suggestion).status_code == 200
    # A body that is no JSON, sent without a Content-Type, is Perspective's INVALID_REQUEST 400.
    assert_google_error(client.post(URL, content=b"comment=idiot"), 400, "INVALID_REQUEST")


JSON = "application/json"


@pytest.mark.parametrize("codec", ["utf-16", "utf-32", "utf-16-be"])
def test_a_json_body_in_utf16_or_utf32_with_a_bom_is_read_as_its_utf8_twin(client, codec):
    # A file Windows PowerShell 5 wrote with `>` (UTF-16 with a BOM), sent with -InFile: it was 400/422
    # "not valid JSON: expected value at line 1 column 1", which named no cause.
    bom = codecs.BOM_UTF16_BE if codec == "utf-16-be" else b""
    request = with_our_attributes(QUICKSTART_REQUEST) | {"clientToken": "w\u00e9"}
    r = client.post(
        URL, content=bom + json.dumps(request).encode(codec), headers={"content-type": "application/json"}
    )
    assert r.status_code == 200, r.text
    assert r.json() == client.post(URL, json=request).json()
    native = {"comments": [{"text": "You idiot, caf\u00e9."}]}
    r = client.post(
        "/v1/comments:score", content=bom + json.dumps(native).encode(codec), headers={"content-type": JSON}
    )
    assert r.status_code == 200, r.text
    assert r.json() == client.post("/v1/comments:score", json=native).json()


def test_a_json_body_with_a_utf16_bom_that_is_no_utf16_says_so(client):
    broken = codecs.BOM_UTF16_LE + b'{\x00"'
    message = assert_google_error(client.post(URL, content=broken), 400, "INVALID_REQUEST")["message"]
    assert message == "the request body opens with a UTF-16 byte order mark but is not UTF-16 (byte 4)"
    assert_error(
        client.post("/v1/comments:score", content=broken, headers={"content-type": JSON}), 422, "malformed"
    )


def test_a_json_body_with_a_bom_or_sent_as_text_plain_is_read_as_json(client):
    # JSON is JSON: RFC 8259 lets a parser ignore a leading UTF-8 BOM (what .NET's Encoding.UTF8 and
    # Windows PowerShell 5 write before a file's text), and a browser page posting without a CORS
    # preflight must send text/plain. Both were refused (400 "not valid JSON", 415).
    request = with_our_attributes(QUICKSTART_REQUEST) | {"clientToken": "b"}
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
    # the size limit ('{"\\"\\"...', 32 KB) was retried from every quote: 1.5 s here, quadratic. Shown
    # by its matches, not a stopwatch (a timed test flakes on a loaded machine): the unclosed string is
    # one match that runs to the end of the body, so no quote after its first starts a search again.
    from service.api.guards import _BARE_KEY, BARE_KEYS_MAX_BYTES, quote_bare_keys

    for unit in (b'\\"', b"\\\n", b'"\\'):
        body = b'{"' + unit * (BARE_KEYS_MAX_BYTES // len(unit) - 1)
        assert quote_bare_keys(body) == body  # an unclosed string is kept as it is, to the end
        matches = [m.span() for m in _BARE_KEY.finditer(body)]
        assert 1 <= len(matches) <= 2 and matches[-1][1] == len(body), matches  # ('""' closes, then one)
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
