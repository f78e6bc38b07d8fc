"""POST /batch, Google's batch protocol. The request bodies come from googleapiclient's own
BatchHttpRequest (the client research harnesses such as HELM and modelgauge score Perspective with),
carried to the in-process app by a transport adapter; its request building and response parsing run
unchanged. The raw-protocol tests below cover what that client never sends. The same client against a
real `moderate serve` is in test_perspective_clients.py."""

from __future__ import annotations

import json
from email.message import Message
from email.parser import BytesParser
from typing import Any
from urllib.parse import urlsplit

import httplib2
import pytest
from fastapi.testclient import TestClient

from service.api.batch_protocol import BatchFormatError, InnerResponse, parse_batch, write_batch
from service.settings import Limits
from tests.service.api.conftest import TOKEN, assert_google_error, make_client
from tests.service.api.test_perspective_clients import googleapiclient_service

ANALYZE = "/v1alpha1/comments:analyze"


class ClientHttp:
    """httplib2's `request` interface over a TestClient: the transport, nothing else, is replaced."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.posts: list[str] = []

    def request(self, uri: str, method: str = "GET", body: Any = None, headers: Any = None, **_: Any) -> Any:
        parts = urlsplit(uri)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        content = body.encode("utf-8") if isinstance(body, str) else body
        if method == "POST":
            self.posts.append(parts.path)
        r = self.client.request(method, target, content=content, headers=dict(headers or {}))
        fields = {k.lower(): v for k, v in r.headers.items()}
        return httplib2.Response({"status": str(r.status_code), **fields}), r.content


def service_over(client: TestClient, key: str = "any-key") -> tuple[Any, ClientHttp]:
    http = ClientHttp(client)
    return googleapiclient_service("http://testserver", key, http=http), http


def run_batch(service: Any, calls: list[tuple[str, Any]]) -> dict[str, tuple[Any, Any]]:
    answers: dict[str, tuple[Any, Any]] = {}
    batch = service.new_batch_http_request()
    for request_id, call in calls:
        batch.add(
            call, request_id=request_id, callback=lambda rid, resp, exc: answers.update({rid: (resp, exc)})
        )
    batch.execute()
    return answers


def analyze_body(text: str, **extra: Any) -> dict[str, Any]:
    return {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {}}, **extra}


BODIES = {
    "toxic": analyze_body("you are a stupid idiot"),
    "civil": analyze_body("thanks for the clear article"),
    "french": analyze_body("espèce de crétin, vous êtes un abruti"),
    "spans": analyze_body("What an idiot. Thanks anyway. 😀 Fine.", spanAnnotations=True, clientToken="c-9"),
    "context": analyze_body("idiot", context={"entries": [{"text": "The council voted on the budget."}]}),
}


def test_every_call_of_a_batch_answers_as_it_would_alone(family_client):
    service, http = service_over(family_client)
    answers = run_batch(service, [(name, service.comments().analyze(body=b)) for name, b in BODIES.items()])
    assert http.posts == ["/batch"]  # one request carried them all
    assert list(answers) == list(BODIES)  # in order, each under its own id
    for name, body in BODIES.items():
        response, error = answers[name]
        assert error is None
        assert response == service.comments().analyze(body=body).execute(), name
    assert answers["french"][0]["detectedLanguages"] == ["fr"]
    assert answers["spans"][0]["clientToken"] == "c-9"


def test_a_failing_call_fails_alone_with_its_own_google_error(family_client):
    from googleapiclient.errors import HttpError

    service, _ = service_over(family_client)
    calls = [
        ("long", service.comments().analyze(body=analyze_body("x" * 20_481))),
        ("ok", service.comments().analyze(body=BODIES["toxic"])),
        (
            "threat",
            service.comments().analyze(body={**BODIES["civil"], "requestedAttributes": {"THREAT": {}}}),
        ),
        ("empty", service.comments().analyze(body={"requestedAttributes": {"TOXICITY": {}}})),
    ]
    answers = run_batch(service, calls)
    assert answers["ok"][1] is None and "TOXICITY" in answers["ok"][0]["attributeScores"]
    expected = {
        "long": "COMMENT_TOO_LONG",
        "threat": "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        "empty": "COMMENT_EMPTY",
    }
    for name, error_type in expected.items():
        response, error = answers[name]
        assert response is None and isinstance(error, HttpError), name
        assert error.resp.status == 400 and error.error_details[0]["errorType"] == error_type


def test_suggestscore_in_a_batch_needs_the_key_of_its_own_call(family_client, settings):
    import sqlite3

    suggestion = {
        "comment": {"text": "you idiot"},
        "attributeScores": {"INSULT": {"summaryScore": {"value": 1}}},
    }
    wrong, _ = service_over(family_client, key="wrong")
    answers = run_batch(wrong, [("s", wrong.comments().suggestscore(body=suggestion))])
    assert answers["s"][0] is None and answers["s"][1].resp.status == 401
    right, _ = service_over(family_client, key=TOKEN)
    answers = run_batch(right, [("s", right.comments().suggestscore(body=suggestion | {"clientToken": "k"}))])
    assert answers["s"] == ({"clientToken": "k", "detectedLanguages": ["en"]}, None)
    with sqlite3.connect(settings.db_path) as conn:
        assert conn.execute("SELECT text, attribute, label FROM feedback").fetchall() == [
            ("you idiot", "insult", 1)
        ]


# --- the raw protocol: what googleapiclient never sends ------------------------------------------------

BOUNDARY = "b0und"


def part(request: bytes, content_id: str | None = "<base + 1>", kind: str = "application/http") -> bytes:
    head = f"Content-Type: {kind}\r\n" + (f"Content-ID: {content_id}\r\n" if content_id else "")
    return f"--{BOUNDARY}\r\n{head}\r\n".encode() + request + b"\r\n"


def analyze_request(body: dict[str, Any], path: str = ANALYZE, method: str = "POST") -> bytes:
    payload = json.dumps(body).encode()
    head = f"{method} {path}?key=k HTTP/1.1\r\nContent-Type: application/json\r\nHost: x\r\n"
    return head.encode() + f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload


def post_batch(client: TestClient, *parts: bytes, content_type: str | None = None) -> Any:
    body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
    kind = content_type or f"multipart/mixed; boundary={BOUNDARY}"
    return client.post("/batch", content=body, headers={"Content-Type": kind})


def answer_parts(response: Any) -> list[Message]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("multipart/mixed; boundary=")
    head = f"Content-Type: {response.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser().parsebytes(head + response.content)
    parts = message.get_payload()
    assert isinstance(parts, list)
    return parts


def inner_status_and_json(message: Message) -> tuple[int, Any]:
    raw = message.get_payload(decode=True)
    assert isinstance(raw, bytes)
    status_line, rest = raw.split(b"\r\n", 1)
    _, body = rest.split(b"\r\n\r\n", 1)
    return int(status_line.split()[1]), json.loads(body)


def test_parts_that_are_not_perspective_calls_get_error_parts_and_the_rest_still_answers(client):
    r = post_batch(
        client,
        part(
            analyze_request({"comment": {"text": "you idiot"}, "requestedAttributes": {"INSULT": {}}}),
            "<a + 1>",
        ),
        part(analyze_request({"text": "x", "label": 1}, path="/v1/feedback"), "<a + 2>"),  # writes: never
        part(analyze_request({}, path="/batch"), "<a + 3>"),  # no batch in a batch
        part(b"GET /$discovery/rest?version=v1alpha1 HTTP/1.1\r\n\r\n", "<a + 4>"),
        part(b"{not a request line}", "<a + 5>"),
        part(analyze_request({"comment": {"text": "hi"}}), "<a + 6>", kind="application/json"),
        part(
            b"POST " + ANALYZE.encode() + b" HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{", "<a + 7>"
        ),
        # The same path percent-encoded, as some clients send the colon: the decoded path is the call.
        part(
            analyze_request(
                {"comment": {"text": "you idiot"}, "requestedAttributes": {"INSULT": {}}},
                path=ANALYZE.replace(":", "%3A"),
            ),
            "<a + 8>",
        ),
    )
    parts = answer_parts(r)
    assert [p["Content-ID"] for p in parts] == [f"<response-a + {i}>" for i in range(1, 9)]
    assert inner_status_and_json(parts[7]) == inner_status_and_json(parts[0])
    parts = parts[:7]
    statuses = [inner_status_and_json(p) for p in parts]
    assert statuses[0][0] == 200 and "INSULT" in statuses[0][1]["attributeScores"]
    assert [s for s, _ in statuses[1:]] == [404, 404, 404, 400, 400, 400]
    for _, body in statuses[1:]:
        assert body["error"]["details"][0]["errorType"] == "INVALID_REQUEST"  # Google's shape in every part
    assert "cannot be part of a batch" in statuses[1][1]["error"]["message"]
    assert "not valid JSON" in statuses[6][1]["error"]["message"]


@pytest.mark.parametrize(
    ("content_type", "parts", "message"),
    [
        ("application/json", [b"{}"], "multipart/mixed"),
        ("multipart/mixed", [part(b"POST / HTTP/1.1\r\n\r\n")], "no boundary"),
        (None, [], "no parts"),
    ],
)
def test_a_body_that_is_no_batch_is_a_google_400(client, content_type, parts, message):
    error = assert_google_error(post_batch(client, *parts, content_type=content_type), 400, "INVALID_REQUEST")
    assert message in error["message"]


def test_a_batch_is_bounded_in_parts_and_bytes(settings):
    small = settings.model_copy(update={"limits": Limits(max_comments_per_request=3, max_request_bytes=4096)})
    request = analyze_request({"comment": {"text": "hello"}, "requestedAttributes": {"INSULT": {}}})
    with make_client(small) as client:
        assert len(answer_parts(post_batch(client, *[part(request)] * 3))) == 3
        error = assert_google_error(post_batch(client, *[part(request)] * 4), 400, "INVALID_REQUEST")
        assert "4 parts; at most 3" in error["message"]
        big = analyze_request({"comment": {"text": "x" * 5000}, "requestedAttributes": {"INSULT": {}}})
        assert_google_error(post_batch(client, part(big)), 413, "COMMENT_TOO_LONG")


def test_a_batch_holds_a_bounded_sum_of_answers(client, monkeypatch):
    # Each part's answer is bounded, but a 2 MiB batch of span-annotated parts held ~1 GB of them before
    # writing. Past MAX_BATCH_ANSWER_BYTES, the remaining parts are answered 413 unrun.
    from service.api.routers import batch as batch_router

    spans = {"comment": {"text": "One. Two. Three. " * 20}, "requestedAttributes": {"INSULT": {}}}
    request = analyze_request(spans | {"spanAnnotations": True})
    raw = answer_parts(post_batch(client, part(request)))[0].get_payload(decode=True)
    one = len(raw.split(b"\r\n\r\n", 1)[1])  # the part's answer: its JSON body
    monkeypatch.setattr(batch_router, "MAX_BATCH_ANSWER_BYTES", 2 * one)  # held after three: over
    parts = answer_parts(post_batch(client, *[part(request, f"<p + {i}>") for i in range(5)]))
    statuses = [inner_status_and_json(p) for p in parts]
    assert [s for s, _ in statuses] == [200, 200, 200, 413, 413]
    assert "send it again in another batch" in statuses[3][1]["error"]["message"]
    assert [p["Content-ID"] for p in parts] == [f"<response-p + {i}>" for i in range(5)]


def test_an_unexpected_failure_in_one_part_is_a_500_part(family_client, monkeypatch):
    scorer = family_client.app.state.moderation.models.current
    real = scorer.score

    def score(texts, *args, **kwargs):
        if texts and texts[0] == "boom":
            raise RuntimeError("a bug")
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(scorer, "score", score)
    body = {"requestedAttributes": {"INSULT": {}}}
    parts = answer_parts(
        post_batch(
            family_client,
            part(analyze_request(body | {"comment": {"text": "boom"}}), "<x + 1>"),
            part(analyze_request(body | {"comment": {"text": "fine"}}), "<x + 2>"),
        )
    )
    (bad, bad_body), (good, _) = [inner_status_and_json(p) for p in parts]
    assert (bad, good) == (500, 200) and bad_body["error"]["code"] == 500


# --- the envelope alone ----------------------------------------------------------------------------------


def test_bare_lf_parts_and_folded_content_ids_are_read():
    request = b"POST /v1alpha1/comments:analyze?alt=json HTTP/1.1\ncontent-type: application/json\n\n{}\n"
    body = f"--{BOUNDARY}\nContent-Type: application/http\nContent-ID: <abc +\n 7>\n\n".encode() + request
    (inner,) = parse_batch(
        f'multipart/mixed; boundary="{BOUNDARY}"', body + f"\n--{BOUNDARY}--".encode(), max_parts=5
    )
    assert (inner.content_id, inner.method, inner.path, inner.query) == (
        "abc + 7",
        "POST",
        ANALYZE,
        "alt=json",
    )
    assert inner.headers == (("content-type", "application/json"),) and inner.body == b"{}"
    with pytest.raises(BatchFormatError):
        parse_batch("text/plain", body, max_parts=5)


def test_a_flood_of_empty_parts_is_refused_before_the_mime_parser_reads_it(monkeypatch):
    # 170,000 empty parts in 1.7 MB (under the body limit) held the event loop for ~1.7 s of MIME parsing.
    body = b"--b\r\n\r\nx\r\n" * 170_000 + b"--b--\r\n"

    def no_parse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the MIME parser read a batch already known to be too big")

    with monkeypatch.context() as patched:
        patched.setattr("email.parser.BytesParser.parsebytes", no_parse)
        with pytest.raises(BatchFormatError, match="170000 parts; at most 1000"):
            parse_batch("multipart/mixed; boundary=b", body, max_parts=1000)
    request = b'POST /v1alpha1/comments:analyze HTTP/1.1\r\n\r\n{"comment": {"text": "--b --b\\n--b"}}'
    body = b"--b\r\nContent-Type: application/http\r\n\r\n" + request + b"\r\n--b--"
    parts = parse_batch("multipart/mixed; boundary=b", body, max_parts=1)
    assert len(parts) == 1 and parts[0].problem is None  # the boundary inside a body is not a part


def test_the_answer_boundary_never_occurs_in_a_part():
    responses = [InnerResponse(str(i), 200, "application/json", b'{"a": "--batch_"}') for i in range(3)]
    body, content_type = write_batch(responses)
    boundary = content_type.split("boundary=")[1]
    assert body.count(f"--{boundary}".encode()) == 4 and body.endswith(f"--{boundary}--\r\n".encode())
    assert all(boundary.encode() not in r.body for r in responses)


# Short parts are scored on the event loop, long ones (over INLINE_MAX_CHARS) in the threadpool.
@pytest.mark.parametrize("padding", ["", " and more" * 200])
def test_a_reload_between_parts_does_not_mix_models_in_one_batch(family_client, monkeypatch, padding):
    import copy
    import dataclasses

    holder = family_client.app.state.moderation.models
    first = holder.current
    real = first.score
    other = copy.copy(first)  # the next version: every score 0.123
    monkeypatch.setattr(
        other,
        "score",
        lambda *a, **k: [
            dataclasses.replace(s, values=dict.fromkeys(s.values, 0.123)) for s in real(*a, **k)
        ],
    )

    def score(*args, **kwargs):  # a reload lands right after the first part is scored
        holder.current = other
        return real(*args, **kwargs)

    monkeypatch.setattr(first, "score", score)
    body = {"requestedAttributes": {"INSULT": {}}}
    parts = answer_parts(
        post_batch(
            family_client,
            *(
                part(analyze_request(body | {"comment": {"text": f"comment {i}{padding}"}}), f"<x + {i}>")
                for i in range(3)
            ),
        )
    )
    values = [
        inner_status_and_json(p)[1]["attributeScores"]["INSULT"]["summaryScore"]["value"] for p in parts
    ]
    assert 0.123 not in values  # every part by the model current when the batch began
    analyze = {"comment": {"text": "after the batch"}, "requestedAttributes": {"INSULT": {}}}
    after = family_client.post(ANALYZE, json=analyze).json()
    assert after["attributeScores"]["INSULT"]["summaryScore"]["value"] == 0.123  # then the new one


def test_the_batch_body_is_read_into_parts_off_the_event_loop(family_client, monkeypatch):
    # The MIME parser is pure Python: a 2 MiB part of a million short lines took it ~0.6 s, and on the
    # event loop that held every request of the worker (/healthz at 1.7 s under four such batches).
    import asyncio

    from service.api.routers import batch as batch_router

    on_loop: list[bool] = []

    def parse(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return parse_batch(*args, **kwargs)

    monkeypatch.setattr(batch_router, "parse_batch", parse)
    body = {"comment": {"text": "you idiot"}, "requestedAttributes": {"INSULT": {}}}
    (answer,) = answer_parts(post_batch(family_client, part(analyze_request(body))))
    assert inner_status_and_json(answer)[0] == 200
    assert on_loop == [False]
    r = post_batch(family_client, content_type="multipart/mixed")  # refused alike, from the thread
    assert_google_error(r, 400, "INVALID_REQUEST")
    assert on_loop == [False, False]
