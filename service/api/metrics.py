"""Prometheus metrics: request counts, latency histograms, comments scored, model reloads.

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
from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
        self.reloads = Counter(
            "moderation_model_reloads_total",
            "Model reload attempts, by outcome (ok / refused).",
            ("outcome",),
            registry=self.registry,
        )

    def render(self) -> tuple[bytes, str]:
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        assert self.registry is not None
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


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
