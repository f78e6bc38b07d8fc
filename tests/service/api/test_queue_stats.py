"""GET /v1/queue:stats and /metrics' queue gauges: how many comments wait, since when and for which
attributes, as the queue lists them. In-process, and over real HTTP against a `moderate serve` uvicorn
process with two workers (the gauges are the shared store's, whichever worker answers)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.service.api.conftest import assert_error, auth, make_client
from tests.service.api.test_queue import queue_thread
from tests.service.api.test_queue_scores import (
    queue_seed_and_reject_the_first,
    queue_two_threads_and_reject_one,
)
from tests.service.api.test_uvicorn import start, stop, wait_ready

STATS_FIELDS = {
    "items", "pending", "decided", "pending_by_decision", "pending_by_attribute", "verdicts",
    "oldest_pending_at", "oldest_pending_age_s", "as_of",
}  # fmt: skip


def expected(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The counts as computed from GET /v1/queue's listing."""
    pending = [i for i in items if i["status"] == "pending"]
    return {
        "items": len(items),
        "pending": len(pending),
        "decided": len(items) - len(pending),
        "pending_by_decision": {
            d: sum(i["decision"] == d for i in pending) for d in ("approve", "review", "reject")
        },
        "pending_by_attribute": dict(
            sorted(Counter(a for i in pending for a in i["flagged_attributes"]).items())
        ),
        "verdicts": {v: sum(i["verdict"] == v for i in items) for v in ("approve", "reject")},
        "oldest_pending_at": min((i["created_at"] for i in pending), default=None),
    }


def counts(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if k not in ("oldest_pending_age_s", "as_of")}


def gauges(text: str) -> dict[str, float]:
    """The moderation_queue_* samples of a /metrics answer, by name and labels."""
    return {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"^(moderation_queue_[a-z_]+(?:\{[^}]*\})?) (\S+)$", text, re.MULTILINE)
    }


def test_the_stats_are_the_listing_s_counts(client):
    full = queue_two_threads_and_reject_one(client)
    r = client.get("/v1/queue:stats", headers=auth())
    assert r.status_code == 200, r.text
    stats = r.json()
    assert set(stats) == STATS_FIELDS
    assert counts(stats) == expected(full)
    assert stats["pending"] == 5 and stats["verdicts"]["reject"] == 1
    waited = datetime.fromisoformat(stats["as_of"]) - datetime.fromisoformat(stats["oldest_pending_at"])
    assert stats["oldest_pending_age_s"] == pytest.approx(waited.total_seconds(), abs=0.001)
    # the queue's filters
    for name, value in (
        ("status", "decided"),
        ("attribute", "insult"),
        ("decision", "review"),
        ("article", "x"),
    ):
        listed = client.get("/v1/queue", params={name: value, "limit": "200"}, headers=auth()).json()
        answer = client.get("/v1/queue:stats", params={name: value}, headers=auth()).json()
        assert counts(answer) == expected(listed["items"]), name
        assert listed["next_cursor"] is None


@pytest.mark.parametrize("query", ["status=open", "attribute=nope", "since=yesterday", "decision=maybe"])
def test_bad_stats_queries_are_422(client, query):
    assert_error(client.get("/v1/queue:stats?" + query, headers=auth()), 422)


def test_the_stats_need_the_token_and_a_queue(client, settings):
    assert_error(client.get("/v1/queue:stats"), 401, "unauthenticated")
    assert_error(client.get("/v1/queue:stats", headers=auth("not-the-token")), 403, "forbidden")
    with make_client(settings.model_copy(update={"do_not_store": True})) as c:
        assert_error(c.get("/v1/queue:stats", headers=auth()), 403, "disabled")
        # nothing may be stored: no queue, so no queue gauges either
        assert "moderation_queue" not in c.get("/metrics").text


def test_metrics_export_the_queue_backlog(client, settings):
    empty = gauges(client.get("/metrics").text)
    assert empty["moderation_queue_stats_up"] == 1
    assert empty["moderation_queue_oldest_pending_age_seconds"] == 0
    assert not settings.db_path.exists()  # a scrape of a fresh service creates no database file
    ids = queue_thread(client)
    client.post(f"/v1/queue/{ids['c3']}:decide", json={"verdict": "approve"}, headers=auth())
    stats = client.get("/v1/queue:stats", headers=auth()).json()
    seen = gauges(client.get("/metrics").text)
    for decision, count in stats["pending_by_decision"].items():
        assert seen[f'moderation_queue_pending{{decision="{decision}"}}'] == count
    for attribute, count in stats["pending_by_attribute"].items():
        assert seen[f'moderation_queue_pending_flagged{{attribute="{attribute}"}}'] == count
    assert seen['moderation_queue_decided{verdict="approve"}'] == 1
    assert (
        sum(v for k, v in seen.items() if k.startswith("moderation_queue_pending{")) == stats["pending"] == 2
    )
    assert 0 <= seen["moderation_queue_oldest_pending_age_seconds"] < 60


def test_metrics_say_when_the_store_does_not_answer(client, settings):
    queue_thread(client)
    settings.db_path.unlink()  # the file gone under the service: the store refuses (503), the scrape goes on
    r = client.get("/metrics")
    assert r.status_code == 200
    seen = gauges(r.text)
    assert seen == {"moderation_queue_stats_up": 0.0}


def test_the_openapi_document_describes_the_stats(client):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/queue:stats"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "status",
        "decision",
        "attribute",
        "article",
        "decided_by",
        "author",
        "since",
        "until",
    }
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(spec["components"]["schemas"][schema]["properties"]) == STATS_FIELDS


@pytest.mark.slow
def test_the_stats_and_gauges_over_real_http_with_two_workers(tmp_path):
    proc, base = start(tmp_path, "--workers", "2")
    try:
        wait_ready(proc, base)
        with httpx.Client(base_url=base, timeout=60) as http:
            full = queue_seed_and_reject_the_first(http)
            stats = http.get("/v1/queue:stats", headers=auth()).json()
            assert counts(stats) == expected(full)
            assert stats["items"] == len(full) > 3 and stats["verdicts"]["reject"] == 1
            # whichever worker answers the scrape, the gauges are the shared store's
            for _ in range(4):
                seen = gauges(http.get("/metrics").text)
                assert seen["moderation_queue_stats_up"] == 1
                pending = sum(v for k, v in seen.items() if k.startswith("moderation_queue_pending{"))
                assert pending == stats["pending"]
                assert seen['moderation_queue_decided{verdict="reject"}'] == 1
            assert_error(http.get("/v1/queue:stats"), 401, "unauthenticated")
    finally:
        log = stop(proc)
    assert "Traceback" not in log, log


def test_a_scrape_answers_in_time_when_the_database_never_does(client, monkeypatch):
    # A frozen database host must not hold the scrape (Prometheus' timeout would mark the replica down
    # and its request metrics lost): the gauges say the store did not answer, one read waits at a time.
    import threading
    import time

    from service.api.routers import health
    from service.storage import Store

    queue_thread(client)
    release, calls = threading.Event(), []
    counted = Store.queue_stats

    def frozen(store, query):
        calls.append(1)
        release.wait(30)
        return counted(store, query)

    monkeypatch.setattr(Store, "queue_stats", frozen)
    monkeypatch.setattr(health, "DATABASE_CHECK_S", 0.3)
    for _ in range(3):
        started = time.monotonic()
        r = client.get("/metrics")
        assert time.monotonic() - started < 5  # ~0.3 s; the bound only catches waiting out the 30 s
        assert r.status_code == 200 and gauges(r.text) == {"moderation_queue_stats_up": 0.0}
        assert "moderation_http_requests_total" in r.text  # the process's own metrics still there
    assert len(calls) == 1
    release.set()
    deadline = time.monotonic() + 10
    while gauges(client.get("/metrics").text)["moderation_queue_stats_up"] != 1:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert gauges(client.get("/metrics").text)['moderation_queue_pending{decision="review"}'] >= 1
