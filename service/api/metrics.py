"""Prometheus metrics: request counts, latency histograms, comments scored, model reloads, and the review
queue's backlog read from the store at scrape time.

One `Metrics` per app (no module-level metric objects, so tests can build many apps).

Several workers: `moderate serve --workers N` points PROMETHEUS_MULTIPROC_DIR at a fresh directory
before uvicorn forks, prometheus-client then writes every worker's values to memory-mapped files there,
and /metrics (answered by any one worker) aggregates all of them. Without that variable (one worker,
tests) the values live in a private registry of this process.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.storage.stats import QueueStats

# The method label: HTTP methods are any token a client sends (h11 takes "FOO1", "FOO2", ...), and each
# label value is a new series held in memory and printed by /metrics: anything else counts as "other".
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))

# Sub-millisecond resolution: the single-comment target is p99 < 10 ms.
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Metrics:
    def __init__(self) -> None:
        self.multiprocess = multiprocess_dir() is not None
        # In multiprocess mode values go to the mmap files whatever the registry; /metrics reads them back.
        self.registry: CollectorRegistry | None = None if self.multiprocess else CollectorRegistry()
        self.requests = Counter(
            "moderation_http_requests_total",
            "HTTP requests answered, by route and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "moderation_http_request_duration_seconds",
            "Time from the first request byte seen by the app to the last response byte sent.",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.comments = Counter(
            "moderation_comments_scored_total",
            "Comments scored, by endpoint.",
            ("endpoint",),
            registry=self.registry,
        )
        # A desk's pace per moderator: labels are bounded by the names the roster has held.
        self.verdicts = Counter(
            "moderation_verdicts_total",
            "Verdicts written (approve, reject, undo), by moderator (api_token: the API token's); a "
            "replayed retry is not counted.",
            ("verdict", "moderator"),
            registry=self.registry,
        )
        self.reloads = Counter(
            "moderation_model_reloads_total",
            "Model reload attempts, by outcome (ok / refused).",
            ("outcome",),
            registry=self.registry,
        )

    def render(self, *gauges: Collector) -> tuple[bytes, str]:
        """The exposition text: the process's metrics, then `gauges` (read at scrape time: the review
        queue's, the moderators' roster)."""
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            assert self.registry is not None
            registry = self.registry
        payload = generate_latest(registry)
        if gauges:
            scraped = CollectorRegistry()
            for collector in gauges:
                scraped.register(collector)
            payload += generate_latest(scraped)
        return payload, CONTENT_TYPE_LATEST


class QueueGauges(Collector):
    """The review queue's figures at scrape time (service.storage.stats). They are the shared store's,
    so every replica reports the same values: aggregate them with max, not sum. `stats` None: the store
    did not answer, and only moderation_queue_stats_up (0) is exported."""

    def __init__(self, stats: QueueStats | None, now: datetime) -> None:
        self.stats, self.now = stats, now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "moderation_queue_stats_up",
            "1 when the store answered the queue's counts for this scrape, else 0.",
        )
        up.add_metric([], 0.0 if self.stats is None else 1.0)
        yield up
        stats = self.stats
        if stats is None:
            return
        pending = GaugeMetricFamily(
            "moderation_queue_pending",
            "Queued comments waiting for a verdict, by the model's decision.",
            labels=("decision",),
        )
        for decision, count in stats.pending_by_decision.items():
            pending.add_metric([decision], float(count))
        yield pending
        flagged = GaugeMetricFamily(
            "moderation_queue_pending_flagged",
            "Pending comments per attribute that reached review on them (one comment may count twice).",
            labels=("attribute",),
        )
        for attribute, count in stats.pending_by_attribute.items():
            flagged.add_metric([attribute], float(count))
        yield flagged
        decided = GaugeMetricFamily(
            "moderation_queue_decided", "Queued comments with a verdict, by verdict.", labels=("verdict",)
        )
        for verdict, count in stats.verdicts.items():
            decided.add_metric([verdict], float(count))
        yield decided
        yield GaugeMetricFamily(
            "moderation_queue_oldest_pending_age_seconds",
            "How long the longest-waiting pending comment has waited; 0 when none waits.",
            value=stats.oldest_pending_age_s(self.now) or 0.0,
        )


class RosterGauges(Collector):
    """The moderators' tokens in force on the worker answering the scrape (service.roster). With
    MODERATION_MODERATOR_TOKENS_FILE, moderation_moderators_file_ok 0 says the file is refused and no
    moderator can sign in: alert on it."""

    def __init__(self, in_force: int, file_ok: bool | None) -> None:
        self.in_force, self.file_ok = in_force, file_ok

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "moderation_moderators", "Moderators whose own token is taken now.", value=float(self.in_force)
        )
        if self.file_ok is not None:
            yield GaugeMetricFamily(
                "moderation_moderators_file_ok",
                "1 when MODERATION_MODERATOR_TOKENS_FILE was read and accepted at its last read, else 0.",
                value=1.0 if self.file_ok else 0.0,
            )


class MetricsMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware: it costs a task per request). Labels use the route template,
    or "unmatched", and a known method or "other", so label cardinality stays bounded whatever paths and
    methods clients send."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Iterable[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = frozenset(routes)
        # Templated routes ("/v1/queue/{item_id}:decide") never equal a request's path. The route the
        # router matched is on the scope; a request answered before routing (413, 503) is matched
        # here, the template with the most literal text first ("{item_id}:decide" before "{item_id}").
        templated = sorted(
            (r for r in self.routes if "{" in r), key=lambda r: -len(re.sub(r"\{[^}]*\}", "", r))
        )
        self.templates = [(compile_path(r)[0], r) for r in templated]

    def route_label(self, scope: Scope) -> str:
        matched = getattr(scope.get("route"), "path", None)
        if matched in self.routes:
            return str(matched)
        path = scope.get("path", "")
        if path in self.routes:
            return str(path)
        return next((route for regex, route in self.templates if regex.match(path)), "unmatched")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = self.route_label(scope)
            method = scope.get("method", "")
            method = method if method in METHODS else "other"
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
