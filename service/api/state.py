"""What one running app holds: the settings, the current model behind an atomic swap, metrics, the
feedback store. Built by create_app and kept on ``app.state.moderation``; nothing here is global."""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from starlette.concurrency import run_in_threadpool

from core.errors import ModelError
from core.records import Article
from service.api.errors import ApiError
from service.api.metrics import Metrics
from service.roster import Roster
from service.settings import Limits, Settings, ThresholdTable

if TYPE_CHECKING:
    from model.score import CommentScorer
    from model.versions import VersionRegistry
    from service.storage import QueueStats, Store

log = logging.getLogger(__name__)

STORE_RETRY_S = 1.0  # after a failed open, the store is tried again at most this often
# Store calls in threads at once, at most: half of anyio's 40-thread pool, the rest stays for scoring.
MAX_STORE_THREADS = 20

T = TypeVar("T")
ScorerLoader = Callable[[Path], "CommentScorer"]
# Checks a loaded scorer against the app's settings before it is swapped in (raises ModelError).
ScorerCheck = Callable[["CommentScorer"], None]
PageFormat = Literal["auto", "text", "html"]
PageParser = Callable[..., Article]


def load_shipped_scorer(model_dir: Path) -> CommentScorer:
    """The default loader: the verified artifact through model.score.Scorer (imported only when called)."""
    module = importlib.import_module("model.score")
    scorer: CommentScorer = module.Scorer.load(model_dir)
    return scorer


def default_page_parser(data: bytes | str, *, source: str, fmt: PageFormat, limits: Limits) -> Article:
    from service.parse import parse_page

    return parse_page(data, source=source, fmt=fmt, limits=limits)


class ModelHolder:
    """The current scorer. A reload builds the new scorer completely, then swaps one reference: a request
    keeps the scorer it resolved at its start, so in-flight requests finish on the old model, and a
    loader error leaves the old model in place.

    With a version registry, the directory loaded is the active version's (ACTIVE in the versions
    directory, else the shipped model), and ``activate`` switches versions the same atomic way.
    ``check`` vets a scorer loaded by ``reload`` or ``activate`` before the swap (the app checks the
    one it starts with itself): a ModelError from it keeps the old model."""

    def __init__(
        self,
        loader: ScorerLoader,
        model_dir: Path,
        versions: VersionRegistry | None = None,
        check: ScorerCheck | None = None,
    ) -> None:
        self._loader = loader
        self._check = check
        self.model_dir = model_dir
        self.versions = versions
        self.current: CommentScorer | None = None
        self._reload_lock = threading.Lock()

    def _load(self, model_dir: Path) -> CommentScorer:
        try:
            return self._loader(model_dir)
        except ModelError:
            raise
        except Exception as exc:  # a corrupt artifact must be refused, never crash the worker
            raise ModelError(f"cannot load the model from {model_dir}: {type(exc).__name__}: {exc}") from exc

    def _active_dir(self) -> Path:
        return self.versions.active_dir() if self.versions is not None else self.model_dir

    def load(self) -> CommentScorer:
        with self._reload_lock:
            model_dir = self._active_dir()
            self.current = self._load(model_dir)
            self.model_dir = model_dir
            return self.current

    def reload(self) -> tuple[str | None, str]:
        """Returns (previous version, new version); raises ModelError and keeps the old model."""
        with self._reload_lock:
            previous = self.current
            model_dir = self._active_dir()
            fresh = self._load(model_dir)
            if self._check is not None:
                self._check(fresh)
            self.current, self.model_dir = fresh, model_dir
        log.warning(
            "model reloaded from %s: %s -> %s",
            model_dir,
            previous.version if previous else None,
            fresh.version,
        )
        return (previous.version if previous else None), fresh.version

    def activate(self, version: str) -> tuple[str | None, str]:
        """Load ``version`` (its hashes are verified before anything is unpickled), and only when it
        loaded, record it in ACTIVE and swap it in. KeyError: no such version; ModelError: refused,
        the old model and ACTIVE are unchanged."""
        if self.versions is None:
            raise KeyError(version)
        with self._reload_lock:
            previous = self.current
            entry = self.versions.find(version)
            fresh = self._load(entry.path)
            if fresh.version != version:  # the manifest changed between listing and loading
                raise ModelError(f"{entry.path} now holds model {fresh.version}, not {version}")
            if self._check is not None:
                self._check(fresh)
            self.versions.set_active(version)
            self.current, self.model_dir = fresh, entry.path
        log.warning(
            "model version activated from %s: %s -> %s",
            entry.path,
            previous.version if previous else None,
            version,
        )
        return (previous.version if previous else None), version


class WaitingSlots:
    """A worker's slots for one kind of heavy work (parsing a page, a big JSON body): `size` at once,
    at most `max_waiting` waiting for one, and the next is a 503 with Retry-After at once (a waiting
    request holds a slot of the in-flight limit, which comment scoring needs). Made on first use, on
    the worker's event loop."""

    def __init__(self, size: int, max_waiting: int, what: str) -> None:
        self.semaphore = asyncio.Semaphore(size)
        self.max_waiting = max_waiting
        self.what = what  # "pages", "JSON bodies": the 503's words
        self.waiting = 0

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        if self.semaphore.locked() and self.waiting >= self.max_waiting:
            raise ApiError(
                503,
                "overloaded",
                f"{self.waiting} {self.what} are already waiting to be parsed by this worker; retry soon",
                headers={"Retry-After": "1"},
            )
        self.waiting += 1
        try:
            await self.semaphore.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self.semaphore.release()


@dataclass
class AppState:
    settings: Settings
    models: ModelHolder
    metrics: Metrics
    parse_page: PageParser = default_page_parser
    # The pages parsed and scored at once (limits.max_concurrent_pages, max_waiting_pages; the
    # articles router).
    page_slots: WaitingSlots | None = field(default=None, repr=False)
    # Bounds the store calls in threads at once (run_store); made in the lifespan, on the worker's loop.
    store_slots: asyncio.Semaphore | None = field(default=None, repr=False)
    # The big JSON bodies parsed at once (service.api.guards.read_json).
    json_slots: WaitingSlots | None = field(default=None, repr=False)
    # /readyz's store check in flight, if any (service.api.routers.health)
    database_check: asyncio.Future[dict[str, object]] | None = field(default=None, repr=False)
    database_problem: str | None = None  # the last one /readyz logged, so a new one is logged once
    # /metrics' read of the queue's counts in flight, if any (service.api.routers.health)
    queue_count: asyncio.Future[QueueStats] | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)
    _store_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _store_failure: tuple[float, Exception] | None = field(default=None, repr=False)
    # The decision thresholds in force (settings.thresholds()), built once: every scoring request built
    # the table again, copying each per-language threshold a site set.
    thresholds: ThresholdTable = field(init=False, repr=False)
    # The moderators' tokens in force (a file's, read again while the app runs).
    roster: Roster = field(init=False, repr=False)
    # The Perspective endpoints' {name: attribute} (perspective_protocol.offered) and the attributes it
    # was built for: comments:analyze and comments:suggestscore built it again on every request.
    _perspective_names: tuple[tuple[str, ...], Mapping[str, str]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.thresholds = self.settings.thresholds()
        self.roster = Roster(self.settings)

    def perspective_names(self, scorer: CommentScorer) -> Mapping[str, str]:
        """{Perspective name: attribute} for ``scorer`` and the site's aliases, built once per model
        (again only when a reload brings other attributes)."""
        from service.api.perspective_protocol import offered

        attributes = tuple(scorer.attributes)
        built = self._perspective_names
        if built is None or built[0] != attributes:
            built = (attributes, offered(scorer, self.settings.perspective_aliases))
            self._perspective_names = built
        return built[1]

    def store(self) -> Store:
        """The feedback and queue store, opened (and migrated) on first use. An open that fails (the
        database is down) raises StoreUnavailableError and is tried again by a later request, so the
        service recovers without a restart. An SQLite file is only created when first written."""
        from core.errors import StoreUnavailableError
        from service.storage import open_store

        with self._store_lock:
            if self._store is None:
                # A database that just failed to open fails the next requests at once for a moment,
                # rather than making each wait out its own connect timeout behind this lock.
                failure = self._store_failure
                if failure is not None and time.monotonic() - failure[0] < STORE_RETRY_S:
                    raise StoreUnavailableError(str(failure[1]))
                try:
                    self._store = open_store(self.settings)
                except StoreUnavailableError as exc:
                    self._store_failure = (time.monotonic(), exc)
                    raise
                self._store_failure = None
            return self._store

    def new_store_slots(self) -> asyncio.Semaphore:
        """As many store calls at once as the store has connections (more would only wait on its pool),
        up to MAX_STORE_THREADS."""
        database = self.settings.database
        return asyncio.Semaphore(min(database.pool_size + database.max_overflow, MAX_STORE_THREADS))

    async def run_store(self, call: Callable[[Store], T]) -> T:
        """``call(store)`` in the threadpool, once one of the store's slots is free. Without the slots,
        requests waiting on a locked or unreachable database (its busy or connect timeout, then the
        pool's) took every thread of the worker, and scoring and parsing, which need no store, waited
        with them. No slot within the pool timeout: StoreUnavailableError (503), nothing was run."""
        from core.errors import StoreUnavailableError

        if self.store_slots is None:  # no lifespan ran (an app driven without it): bound all the same
            self.store_slots = self.new_store_slots()
        slots = self.store_slots
        wait = self.settings.database.pool_timeout_s
        try:
            async with asyncio.timeout(wait):
                await slots.acquire()
        except TimeoutError:
            raise StoreUnavailableError(
                f"every connection to the store is busy (none freed within {wait:g} s); nothing was "
                "stored, retry"
            ) from None
        try:
            return await run_in_threadpool(lambda: call(self.store()))
        finally:
            slots.release()

    def open_store_at_start(self) -> None:
        """Migrate on start when there is a database to migrate (PostgreSQL, or an existing SQLite
        file): a schema newer than the code then stops the worker with a clear error. A database that
        is down only logs: scoring works without it and the store opens once it is back."""
        from core.errors import StoreUnavailableError
        from service.storage import check_writable_sqlite

        settings = self.settings
        check_writable_sqlite(settings)  # a ConfigurationError stops the worker (uvicorn started directly)
        if settings.do_not_store or not (settings.database_url or settings.db_path.is_file()):
            return
        try:
            store = self.store()
        except StoreUnavailableError as exc:
            log.warning("store not available at start (feedback and queue answer 503 until it is): %s", exc)
            return
        log.info("store %s at schema version %d", store.describe(), store.schema_version)

    def sqlite_not_made(self) -> bool:
        """True while the SQLite store's file does not exist and nothing opened it: a read (a probe, a
        scrape) must not create it, and it holds nothing."""
        settings = self.settings
        return (
            not settings.database_url
            and self._store is None
            and self._store_failure is None
            and not settings.db_path.exists()
        )

    def store_status(self) -> dict[str, object]:
        """For /readyz: is the database reachable and writable, and at which schema version."""
        from core.errors import ModerationError
        from service.storage import target_for, writable

        settings = self.settings
        if settings.do_not_store:
            return {"status": "disabled", "backend": None}
        try:
            backend = target_for(settings).backend
        except ModerationError as exc:
            return {"status": "unavailable", "backend": None, "detail": str(exc)}
        try:
            if backend == "sqlite" and self.sqlite_not_made():
                writable.check_files(settings.db_path)  # the first write would make the file there
                return {"status": "ok", "backend": "sqlite", "detail": "created on the first write"}
            version = self.store().ping()
        except ModerationError as exc:  # (StoreReadOnlyError too: a file this process cannot write)
            return {"status": "unavailable", "backend": backend, "detail": str(exc)}
        return {"status": "ok", "backend": backend, "schema_version": version}

    def close(self) -> None:
        with self._store_lock:
            if self._store is not None:
                self._store.close()
                self._store = None
