"""Storage for moderators' verdicts (feedback) and the review queue: one interface (`Store`), two
backends through SQLAlchemy Core: SQLite (the embedded default, at MODERATION_DB_PATH) and PostgreSQL
(MODERATION_DATABASE_URL=postgresql://..., shared by several replicas)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from core.errors import ConfigurationError
from service.settings import Settings
from service.storage import writable
from service.storage.engine import Target, parse_target
from service.storage.erasure import Erased, Purged
from service.storage.idempotency import Answer, Keyed, KeyedRequest
from service.storage.records import (
    Feedback,
    NewQueueItem,
    Queued,
    QueueItem,
    QueuePage,
    QueueQuery,
    QueueScores,
    ScoresPage,
    VerdictEvent,
)
from service.storage.stats import QueueStats
from service.storage.store import Store

__all__ = [
    "Answer",
    "Erased",
    "Feedback",
    "Keyed",
    "KeyedRequest",
    "NewQueueItem",
    "Purged",
    "QueueItem",
    "QueuePage",
    "QueueQuery",
    "QueueScores",
    "QueueStats",
    "Queued",
    "ScoresPage",
    "Store",
    "Target",
    "VerdictEvent",
    "check_writable_sqlite",
    "open_store",
    "parse_target",
    "target_for",
]


def target_for(settings: Settings) -> Target:
    """PostgreSQL when MODERATION_DATABASE_URL is set, else the SQLite file at MODERATION_DB_PATH."""
    return parse_target(settings.database_url) if settings.database_url else Target(path=settings.db_path)


def open_store(settings: Settings) -> Store:
    return Store.open(target_for(settings), settings.database)


def check_writable_sqlite(settings: Settings) -> None:
    """ConfigurationError when the SQLite store can never be written: its path is a directory or another
    file that is not a regular one (a FIFO, a device), or its folder (or the nearest existing folder
    above, which the store would create it in) is not writable.
    Checked at start: the file is only made by the first write, so such a server used to start, say it
    was ready, and answer every feedback write 503 "retry" forever."""
    if settings.do_not_store or settings.database_url:
        return
    path = Path(settings.db_path)
    if path.is_dir():
        raise ConfigurationError(f"MODERATION_DB_PATH {path} is a directory: name the SQLite file in it")
    if path.exists() and not path.is_file():  # a FIFO: opening it to check waited for a writer, for ever
        raise ConfigurationError(f"MODERATION_DB_PATH {path} is not a regular file: name a SQLite file")
    folder = writable.nearest_folder(path)
    try:
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder} is not a directory")
        # A real write, not os.access: read-only mounts and ACLs are seen too. SQLite also writes its
        # journal beside the file, so the folder must be writable even when the file exists.
        with tempfile.TemporaryFile(dir=folder, prefix=".moderate-write-check-"):
            pass
        if path.exists():
            with path.open("ab"):
                pass
    except OSError as exc:
        raise ConfigurationError(f"MODERATION_DB_PATH {path} cannot be written: {exc}") from exc
