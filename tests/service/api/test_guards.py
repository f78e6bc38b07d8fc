"""The input guards (service/api/guards.py) as bare ASGI middleware, without a server."""

from __future__ import annotations

import asyncio
from typing import Any

from service.api import guards


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
