"""The input guards (service/api/guards.py) as bare ASGI middleware, without a server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

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
    url = path.replace("{item_id}", "x").replace("{version}", "v1")
    response = client.request(method.upper(), url, content=content, headers=headers)
    assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"
