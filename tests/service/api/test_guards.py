"""The input guards (service/api/guards.py) as bare ASGI middleware, without a server."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest
from starlette.requests import Request

from service.api import guards
from tests.service.api.conftest import assert_error


def test_a_body_goes_back_to_the_budget_when_its_answer_is_sent_not_after_the_memory_trim(monkeypatch):
    """A big body's bytes were given back only after malloc_trim had run in the threadpool, while the
    client, its answer in hand, was already sending the next body on the connection: uploads sent one
    after the other were answered 503 ("would pass its budget") with nothing else in the worker."""
    size = guards.RELEASE_AFTER_BYTES  # big enough to be trimmed after
    trim_may_end = asyncio.Event()
    answered: list[int] = []

    async def slow_trim(func: Any, *args: Any) -> None:
        await trim_may_end.wait()  # the trim still running when the next request comes

    monkeypatch.setattr(guards, "run_in_threadpool", slow_trim)

    async def app(scope, receive, send):
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limit = guards.BodyLimitMiddleware(app, lambda path: 10 * size, budget=size + size // 2)

    async def request() -> None:
        scope = {"type": "http", "method": "POST", "path": "/x", "headers": []}
        messages = [{"type": "http.request", "body": b"x" * size, "more_body": False}]

        async def receive() -> dict[str, Any]:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answered.append(message["status"])

        await limit(scope, receive, send)

    async def main() -> None:
        first = asyncio.create_task(request())
        while not answered:
            await asyncio.sleep(0.01)
        second = asyncio.create_task(request())  # the next upload, while the first is being trimmed
        for _ in range(500):
            if len(answered) == 2:
                break
            await asyncio.sleep(0.01)
        trim_may_end.set()
        await asyncio.gather(first, second)
        assert limit.held == 0

    asyncio.run(main())
    assert answered == [200, 200]


def test_a_gzip_body_of_many_members_is_refused_before_it_costs_minutes(client):
    """Every gzip member cost a copy of the rest of the body (zlib's unused_data): 100,000 empty
    members in 2 MiB took seconds of CPU, 20 MiB of them (a page) minutes, mostly holding the GIL
    (every request of the worker waited). Real clients send one member; past a few, 400."""
    import gzip
    import zlib

    import pytest

    from tests.service.api.conftest import assert_error

    empty = gzip.compress(b"", 1)
    page = {"content-type": "text/plain", "content-encoding": "gzip"}
    many = empty * ((2 * 1024 * 1024 - 100) // len(empty))
    error = assert_error(client.post("/v1/articles:score", content=many, headers=page), 400, "malformed")
    assert "members" in error["message"]
    wbits = 16 + zlib.MAX_WBITS
    parts = [gzip.compress(b"part %d " % i) for i in range(guards.MAX_GZIP_MEMBERS)]
    assert guards.inflate(b"".join(parts), wbits, 1000) == b"".join(
        b"part %d " % i for i in range(guards.MAX_GZIP_MEMBERS)
    )
    with pytest.raises(zlib.error, match="members"):
        guards.inflate(b"".join(parts) + empty, wbits, 1000)


# Every state-changing operation of the app. Those in TOKEN_FIRST take the token: without one they
# answer 401 before anything about the body (a form body on :decide was 415, a malformed one 400 or
# 422, so a caller without the token learned what the body should be). The rest need no token for what
# they are asked here (queueing from comments:score is asked in the body; /batch's parts carry their own).
TOKEN_FIRST = {
    ("post", "/v1/articles:score?queue=true"),
    ("post", "/v1/feedback"),
    ("post", "/v1/queue/{item_id}:decide"),
    ("post", "/v1/queue/{item_id}:undo"),
    ("post", "/v1/models/{version}:activate"),
    ("post", "/v1/admin/reload"),
    ("post", "/v1alpha1/comments:suggestscore"),
    ("delete", "/v1/queue/{item_id}"),
    ("post", "/v1/queue:erase"),
    ("delete", "/v1/feedback/{row_id}"),
}
NO_TOKEN = {
    ("post", "/v1/comments:score"),
    ("post", "/v1/articles:score"),
    ("post", "/v1alpha1/comments:analyze"),
    ("post", "/batch"),
}
BODIES = {
    "form": ("application/x-www-form-urlencoded", b"verdict=reject"),
    "malformed JSON": ("application/json", b"{not json"),
    "JSON of the wrong shape": ("application/json", b'{"nonsense": [1, 2]}'),
    "no content type": (None, b"{}"),
    "plain text": ("text/plain", b"a page"),
}


def test_every_state_changing_operation_is_listed_with_whether_it_takes_the_token_first(client):
    spec = client.get("/openapi.json").json()
    operations = {
        (method, path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("post", "put", "patch", "delete")
    }
    listed = {(method, path.split("?")[0]) for method, path in TOKEN_FIRST} | NO_TOKEN
    assert operations == listed


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize(("method", "path"), sorted(TOKEN_FIRST))
def test_authentication_is_decided_before_anything_about_the_body(client, method, path, body):
    content_type, content = BODIES[body]
    headers = {"content-type": content_type} if content_type else {}
    url = path.replace("{item_id}", "x").replace("{version}", "v1").replace("{row_id}", "1")
    response = client.request(method.upper(), url, content=content, headers=headers)
    assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


# A body each token route accepts, so that its handler and every dependency run (default: {}).
AUTHENTICATED_BODIES = {
    "/v1/articles:score?queue=true": ("text/plain", b"a page"),
    "/v1/feedback": ("application/json", b'{"text": "x", "attribute": "insult", "label": 1}'),
    "/v1/queue/{item_id}:decide": ("application/json", b'{"verdict": "reject"}'),
    "/v1/queue/{item_id}:undo": ("application/json", b'{"revision": 1}'),
    "/v1/queue:erase": ("application/json", b'{"article_id": "a-1"}'),
    "/v1alpha1/comments:suggestscore": (
        "application/json",
        b'{"comment": {"text": "x"}, "attributeScores": {"INSULT": {"summaryScore": {"value": 1}}}}',
    ),
}


@pytest.mark.parametrize(("method", "path"), sorted(TOKEN_FIRST))
def test_every_token_route_compares_the_token_and_reads_its_header_once_per_request(
    client, monkeypatch, method, path
):
    """A JsonRoute authenticated before reading the body, then FastAPI ran the same dependency again:
    two HMAC comparisons and two reads of the Authorization header per request. Now the early pass
    marks the request and the dependency trusts the mark."""
    import hmac

    from fastapi.security import HTTPBearer

    from tests.service.api.conftest import auth

    comparisons: list[bytes] = []
    header_reads: list[str] = []
    compare, read_bearer = hmac.compare_digest, HTTPBearer.__call__

    def counted_compare(a: Any, b: Any) -> bool:
        comparisons.append(a)
        return compare(a, b)

    @functools.wraps(read_bearer)  # FastAPI reads the dependency's parameters from its signature
    async def counted_read(self: HTTPBearer, request: Request) -> Any:
        header_reads.append(request.url.path)
        return await read_bearer(self, request)

    monkeypatch.setattr(hmac, "compare_digest", counted_compare)
    monkeypatch.setattr(HTTPBearer, "__call__", counted_read)
    url = path.replace("{item_id}", "x").replace("{version}", "v1").replace("{row_id}", "1")
    content_type, content = AUTHENTICATED_BODIES.get(path, ("application/json", b"{}"))
    headers = {**auth(), "content-type": content_type}
    response = client.request(method.upper(), url, content=content, headers=headers)
    assert response.status_code not in (400, 401, 403, 422), response.text  # authenticated, body taken
    assert len(comparisons) == 1, (response.status_code, comparisons)
    assert header_reads == [url.split("?")[0]]


@pytest.mark.parametrize(("method", "path"), sorted(TOKEN_FIRST))
def test_a_wrong_token_on_any_token_route_is_refused_before_the_body(client, method, path):
    from tests.service.api.conftest import auth

    url = path.replace("{item_id}", "x").replace("{version}", "v1").replace("{row_id}", "1")
    headers = {**auth("not-the-token-at-all"), "content-type": "application/json"}
    response = client.request(method.upper(), url, content=b"{}", headers=headers)
    if "/v1/queue" in path or "queue=true" in path or method == "delete":
        assert_error(response, 403, "forbidden")  # the queue's rule: a wrong token is refused, not unknown
    else:
        assert_error(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path"), sorted(TOKEN_FIRST))
def test_a_token_on_a_route_whose_token_is_not_configured_is_refused(tmp_path, method, path):
    from service.settings import Settings
    from tests.service.api.conftest import auth, make_client

    settings = Settings(api_token=None, db_path=tmp_path / "db.sqlite3", model_dir=tmp_path / "model")
    url = path.replace("{item_id}", "x").replace("{version}", "v1").replace("{row_id}", "1")
    with make_client(settings) as client:
        response = client.request(
            method.upper(), url, content=b"{}", headers={**auth(), "content-type": "application/json"}
        )
    assert_error(response, 403, "disabled")


def test_the_early_mark_counts_only_for_the_route_that_set_it(settings):
    """A /batch part starts from a copy of the batch's scope state: a mark there must authenticate
    nothing on another route, and a route that is no JsonRoute (no early pass) still checks the token."""
    from service.api import deps
    from service.api.errors import ApiError
    from service.api.state import AppState

    state = AppState(settings=settings, models=None, metrics=None)  # type: ignore[arg-type]
    batch_route, reload_route = object(), object()
    scope = {"type": "http", "method": "POST", "path": "/v1/admin/reload", "headers": [], "query_string": b""}
    request = Request({**scope, "route": reload_route, "state": {deps.AUTHENTICATED: batch_route}})
    with pytest.raises(ApiError) as refused:
        asyncio.run(deps.require_token(request, state, None))
    assert refused.value.status == 401
    request.scope["state"][deps.AUTHENTICATED] = reload_route  # its own route's early pass: trusted
    asyncio.run(deps.require_token(request, state, None))


# The guards that read the body (service/api/guards.py), each as a request it refuses.
BODY_GUARDS = {
    "too large": ({"content-type": "application/json"}, b"{}" + b" " * 2000),  # over the 1,000 bytes below
    "unknown coding": ({"content-type": "application/json", "content-encoding": "br"}, b"{}"),
}


def _small_limits(settings: Any, **more: Any) -> Any:
    limits = settings.limits.model_copy(update={"max_request_bytes": 1000, "max_page_bytes": 1000, **more})
    return settings.model_copy(update={"limits": limits})


@pytest.mark.parametrize("guard", sorted(BODY_GUARDS))
@pytest.mark.parametrize(("method", "path"), sorted(TOKEN_FIRST))
def test_a_token_route_answers_401_before_the_guards_that_read_the_body(settings, method, path, guard):
    """The body limit (413) and an unknown Content-Encoding (415) answered a caller without the token
    before the route's 401, telling it what the body should be."""
    from tests.service.api.conftest import make_client

    headers, content = BODY_GUARDS[guard]
    url = path.replace("{item_id}", "x").replace("{version}", "v1").replace("{row_id}", "1")
    with make_client(_small_limits(settings)) as client:
        response = client.request(method.upper(), url, content=content, headers=headers)
    assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("guard", sorted(BODY_GUARDS))
def test_the_body_guards_still_come_first_on_routes_that_take_no_token_and_for_the_token(settings, guard):
    from tests.service.api.conftest import auth, make_client

    status = {"too large": 413, "unknown coding": 415}[guard]
    headers, content = BODY_GUARDS[guard]
    with make_client(_small_limits(settings)) as client:
        for method, path in sorted(NO_TOKEN):
            response = client.request(method.upper(), path, content=content, headers=headers)
            assert response.status_code == status, (path, response.text)
        for method, path in sorted(TOKEN_FIRST):
            url = path.replace("{item_id}", "x").replace("{version}", "v1").replace("{row_id}", "1")
            response = client.request(method.upper(), url, content=content, headers={**headers, **auth()})
            assert response.status_code == status, (path, response.text)


def _call_app(
    app: Any, path: str, headers: list[tuple[bytes, bytes]], receive: Any, method: str = "POST"
) -> list[dict[str, Any]]:
    """One request through the whole ASGI app; the messages it sent."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": query.encode(),
        "headers": headers, "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "state": {},
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return sent


@pytest.mark.parametrize(("method", "path"), sorted(TOKEN_FIRST))
def test_a_token_route_refuses_a_caller_without_it_from_the_headers_alone(settings, loader, method, path):
    """A body of 1 GiB declared without the token: 401 at once, nothing of the body read (the body limit
    answered 413 first; a body under the drain bound it read and threw away first)."""
    from service.api.app import create_app

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    url = path.replace("{item_id}", "x").replace("{version}", "v1").replace("{row_id}", "1")
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % 2**30)]
    sent = _call_app(create_app(settings, scorer_loader=loader), url, headers, receive, method.upper())
    assert sent[0]["status"] == 401
    assert (b"connection", b"close") in sent[0]["headers"]  # the body is still coming: not kept alive


def test_a_token_route_refuses_a_slow_body_without_the_token_with_401_not_408(settings, loader):
    from service.api.app import create_app

    trickled = asyncio.Event()

    async def receive() -> dict[str, Any]:  # one byte, then nothing more until the deadline
        if not trickled.is_set():
            trickled.set()
            return {"type": "http.request", "body": b"{", "more_body": True}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    app = create_app(_small_limits(settings, body_timeout_s=0.2), scorer_loader=loader)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"100")]
    sent = _call_app(app, "/v1/feedback", headers, receive)
    assert sent[0]["status"] == 401
    assert (b"connection", b"close") in sent[0]["headers"]
