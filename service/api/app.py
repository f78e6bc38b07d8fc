"""The FastAPI application factory.

    app = create_app(Settings(), scorer_loader=...)   # tests pass a small fake loader

Nothing is loaded at import: the model loads in `lifespan` (once per uvicorn worker process), and a
failing artifact stops the worker from starting, so uvicorn's rolling restart (SIGHUP to the
supervisor) keeps the old worker. Inside a running worker SIGHUP reloads in place (see ModelHolder,
and service.api.run for the several-worker story).

`worker_app` is the zero-argument factory uvicorn imports in each worker of `moderate serve --workers
N`; `app_from_env` the one for uvicorn started by hand (`uvicorn --factory service.api.app:app_from_env`),
which warns that the server's settings (SERVER_SETTINGS) are then uvicorn's own options.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote, quote_plus

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import ConfigurationError, ModelError
from model.score import CommentScorer
from model.versions import VersionRegistry
from service.api import errors
from service.api.guards import (
    BodyLimitMiddleware,
    InFlightLimitMiddleware,
    SafetyNetMiddleware,
    TokenFirstMiddleware,
)
from service.api.headers import DefaultHeadersMiddleware
from service.api.metrics import Metrics, MetricsMiddleware
from service.api.perspective_protocol import check_aliases
from service.api.routers import (
    admin,
    articles,
    batch,
    comments,
    docs,
    feedback,
    health,
    model,
    perspective,
    queue,
    web,
    whoami,
)
from service.api.state import (
    AppState,
    ModelHolder,
    PageParser,
    ScorerLoader,
    default_page_parser,
    load_shipped_scorer,
)
from service.memory import limit_arenas
from service.settings import Settings, check_thresholds, warn_unknown_variables

log = logging.getLogger(__name__)

PAGE_PATH = "/v1/articles:score"


# Starlette decodes parameter names, so ?k%65y=TOKEN authenticates like ?key=TOKEN: redact both.
_KEY_PARAM = re.compile(r"([?&](?:k|%6[bB])(?:e|%65)(?:y|%79)=)[^&\s]*")


class RedactKeyFilter(logging.Filter):
    """Keep the API token out of uvicorn's access log: Perspective clients send it as `?key=...`
    (redacted whatever it holds), and a client may put the configured token anywhere else in the URL
    (`?token=`, `?access_token=`, a path): it is refused there, and redacted wherever it appears, as
    sent or percent-encoded."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.secrets: tuple[str, ...] = ()
        if token:  # as sent (uvicorn logs the raw path, '"' as %22) or as URL libraries percent-encode it
            spellings = (token.replace('"', "%22"), quote(token), quote(token, safe=""), quote_plus(token))
            self.secrets = tuple(dict.fromkeys(spellings))

    def _redact(self, text: str) -> str:
        if "=" in text:
            text = _KEY_PARAM.sub(r"\1<redacted>", text)
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def _install_access_log_redaction(token: str | None) -> None:
    access = logging.getLogger("uvicorn.access")
    for old in [f for f in access.filters if isinstance(f, RedactKeyFilter)]:
        access.removeFilter(old)
    access.addFilter(RedactKeyFilter(token))


def _install_sighup(app: FastAPI, state: AppState) -> bool:
    """SIGHUP reloads the model in this process. Only possible when the loop runs in the main thread
    (a uvicorn worker); under TestClient the lifespan runs in a helper thread and this is skipped."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def on_hup() -> None:
        try:
            await admin.reload_model(state)
        except ModelError as exc:
            log.error("SIGHUP reload refused, still serving the old model: %s", exc)

    def handler() -> None:
        task = loop.create_task(on_hup())
        tasks.add(task)  # keep a reference until done
        task.add_done_callback(tasks.discard)

    try:
        loop.add_signal_handler(signal.SIGHUP, handler)
    except (ValueError, RuntimeError, NotImplementedError, AttributeError) as exc:
        log.debug("SIGHUP reload not installed: %s", exc)
        return False
    return True


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: AppState = app.state.moderation
    state.store_slots = state.new_store_slots()
    limit_arenas()
    # A ModelError here becomes one log line (OneLineStartupFailure), and the worker exits.
    scorer = await run_in_threadpool(state.models.load)
    log.info("model %s loaded from %s", scorer.version, state.models.model_dir)
    try:
        check_aliases(state.settings.perspective_aliases, scorer.attributes)
        check_thresholds(state.settings, scorer.attributes)
    except ConfigurationError as exc:
        log.error("cannot start: %s", exc)
        raise
    del scorer  # held here (suspended at the yield below), the first model outlived every switch
    await run_in_threadpool(state.open_store_at_start)  # migrates; a schema newer than the code stops here
    # Everything alive now (libraries, the model) is long-lived: move it out of the cyclic GC's reach
    # so full collections stay short and do not show up as latency spikes.
    gc.collect()
    gc.freeze()
    _install_access_log_redaction(state.settings.api_token)  # here: uvicorn has configured its loggers by now
    hup = _install_sighup(app, state)
    try:
        yield
    finally:
        if hup:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        state.close()


class OneLineStartupFailure:
    """A failing lifespan makes Starlette send uvicorn the whole traceback as the failure message.
    For a domain error (a model that cannot load) the operator needs one line naming the fix: send
    that instead. uvicorn logs the message and, the failure being reported, no traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def send_one_line(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                last = str(message.get("message", "")).strip().splitlines()[-1:] or [""]
                kind, _, text = last[0].partition(": ")
                if kind.startswith("core.errors."):
                    message = {**message, "message": f"cannot start: {text}"}
            await send(message)

        await self.app(scope, receive, send_one_line)


def create_app(
    settings: Settings,
    scorer_loader: ScorerLoader = load_shipped_scorer,
    *,
    page_parser: PageParser = default_page_parser,
) -> FastAPI:
    app = FastAPI(
        title="Comment moderation",
        version="1",
        summary="Score reader comments for insult and off-topic; Perspective-compatible.",
        lifespan=lifespan,
        docs_url=None,  # served by routers.docs from local assets, not a CDN
        redoc_url=None,
        # A path with a trailing slash is a 404, not a 307 to an absolute URL built from the client's
        # Host header (a cache or proxy that keeps the Host would hand that redirect to others).
        redirect_slashes=False,
    )
    metrics = Metrics()

    def check_scorer(scorer: CommentScorer) -> None:
        # A reloaded or activated model must carry the alias targets and the attributes a site set
        # thresholds for, as the one started with does.
        try:
            check_aliases(settings.perspective_aliases, scorer.attributes)
            check_thresholds(settings, scorer.attributes)
        except ConfigurationError as exc:
            raise ModelError(f"model {scorer.version} refused: {exc}") from exc

    app.state.moderation = AppState(
        settings=settings,
        models=ModelHolder(
            scorer_loader,
            settings.model_dir,
            VersionRegistry(settings.model_dir, settings.versions_dir),
            check=check_scorer,
        ),
        metrics=metrics,
        parse_page=page_parser,
    )
    routes: list[str] = []
    api_routes: list[BaseRoute] = []
    for module in (comments, articles, perspective, batch, feedback, queue, model, health, admin, whoami):
        app.include_router(module.router)
        routes += [getattr(r, "path", "") for r in module.router.routes]
        api_routes += module.router.routes
    docs.install(app)
    web.install(app)
    errors.install(app)

    limits = settings.limits

    def limit_for(path: str) -> int:
        return limits.max_page_bytes if path == PAGE_PATH else limits.max_request_bytes

    # add_middleware wraps: the last added is outermost, so metrics see the 413s of the body limit and
    # the 500s of the safety net too.
    # The in-flight limit sits inside the body limit: a slot is taken for work once the body has
    # arrived, not while a slow client sends it (64 trickling uploads held every slot).
    app.add_middleware(SafetyNetMiddleware)
    app.add_middleware(
        InFlightLimitMiddleware, limit=limits.max_requests_in_flight, always=frozenset(health.PROBES)
    )
    app.add_middleware(
        BodyLimitMiddleware,
        limit_for=limit_for,
        body_timeout=limits.body_timeout_s,
        drain_bytes=limits.max_drain_bytes,
        budget=limits.max_buffered_body_bytes,
    )
    # Outside the body limit: who may call a token route is decided before its body is read.
    app.add_middleware(
        TokenFirstMiddleware,
        routes=api_routes,
        body_timeout=limits.body_timeout_s,
        drain_bytes=limits.max_drain_bytes,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics, routes=routes)
    if settings.cors_origins:
        # Outside the guards, so their 413s and 503s carry the headers too and a page can read them.
        # No credentials (cookies): write endpoints take the bearer token, which is a plain header.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            # X-Goog-Api-Key: where Google's clients may put the Perspective key (suggestscore reads it).
            allow_headers=["Authorization", "Content-Type", "X-Goog-Api-Key"],
            max_age=600,
        )
    # Outside the guards and CORS: their answers (a 413, a 503, a preflight) carry the defaults too.
    app.add_middleware(DefaultHeadersMiddleware)
    app.add_middleware(OneLineStartupFailure)
    return app


# Settings `moderate serve` hands uvicorn as its own options (service.api.run): uvicorn started by hand
# takes them from its command line instead, with no deadline for a request's head (slowloris sockets).
SERVER_SETTINGS = (
    "MODERATION_HOST",
    "MODERATION_PORT",
    "MODERATION_WORKERS",
    "MODERATION_HTTP_PARSER",
    "MODERATION_LIMITS__HEADER_TIMEOUT_S",
    "MODERATION_LIMITS__MAX_HEAD_BYTES",
    "MODERATION_LIMITS__SEND_TIMEOUT_S",
    "MODERATION_LIMITS__KEEP_ALIVE_TIMEOUT_S",
)


def _settings_from_env() -> Settings:
    # Logging first: what is said about the settings is then written like every other line, not bare;
    # the level is the settings' own.
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    logging.getLogger().setLevel(settings.log_level.upper())
    return settings


def worker_app() -> FastAPI:
    """The factory each worker of `moderate serve --workers N` calls (it gave uvicorn the server's
    settings): settings from MODERATION_* environment variables."""
    return create_app(_settings_from_env())


def app_from_env() -> FastAPI:
    """The factory for uvicorn started by hand (`uvicorn --factory service.api.app:app_from_env`)."""
    settings = _settings_from_env()
    warn_unknown_variables()  # (`moderate serve` did, before its workers started)
    log.warning(
        "started by uvicorn itself, not `moderate serve`: %s do not apply (uvicorn's own options do, and "
        "set no deadline for a request's head); start it with `moderate serve`",
        ", ".join(SERVER_SETTINGS),
    )
    return create_app(settings)
