"""Storage for moderators' verdicts (feedback) and the review queue: one interface (`Store`), two
backends through SQLAlchemy Core: SQLite (the embedded default, at MODERATION_DB_PATH) and PostgreSQL
(MODERATION_DATABASE_URL=postgresql://..., shared by several replicas)."""

from __future__ import annotations

from service.settings import Settings
from service.storage.engine import Target, parse_target
from service.storage.records import Feedback, NewQueueItem, QueueItem, QueuePage, QueueQuery
from service.storage.store import Store

__all__ = [
    "Feedback",
    "NewQueueItem",
    "QueueItem",
    "QueuePage",
    "QueueQuery",
    "Store",
    "Target",
    "open_store",
    "parse_target",
    "target_for",
]


def target_for(settings: Settings) -> Target:
    """PostgreSQL when MODERATION_DATABASE_URL is set, else the SQLite file at MODERATION_DB_PATH."""
    return parse_target(settings.database_url) if settings.database_url else Target(path=settings.db_path)


def open_store(settings: Settings) -> Store:
    return Store.open(target_for(settings), settings.database)
