"""Perspective API errors: Google's error shape and errorType on every 4xx, bounds on request lists."""

from __future__ import annotations

import json

import pytest

from tests.service.api.conftest import (
    TOKEN,
    assert_error,
    assert_google_error,
    auth,
)
from tests.service.api.perspective_helpers import (
    DOC_REQUEST,
    DOC_SUGGEST,
    SUGGEST,
    URL,
    feedback_rows,
    with_our_attributes,
)

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

    request = with_our_attributes(DOC_REQUEST) | {"clientToken": "gz"}
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
    assert [row[1:3] for row in feedback_rows(settings)] == [("insult", 1)]
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

    request = with_our_attributes(DOC_REQUEST) | {"clientToken": "gz2"}
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
