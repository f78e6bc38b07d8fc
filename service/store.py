"""Durable SQLite store for moderators' verdicts (feedback), read back by `moderate train --feedback`.

The schema is a contract with training (helper "insult" reads exactly this table):

    feedback(id INTEGER PRIMARY KEY, text TEXT NOT NULL, attribute TEXT NOT NULL,
             label INTEGER NOT NULL, article_id TEXT, created_at TEXT NOT NULL)

WAL mode so readers (training) never block the service's writers, ``synchronous=FULL`` so a write
acknowledged to the caller survives a power cut, and a busy timeout so several uvicorn workers can
share one file.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from service.errors import ConfigurationError, InputError

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    attribute TEXT NOT NULL,
    label INTEGER NOT NULL,
    article_id TEXT,
    created_at TEXT NOT NULL
)
"""
ATTRIBUTES = (
    "insult",
    "off_topic",
    "toxicity",
    "severe_toxicity",
    "identity_attack",
    "profanity",
    "spam",
    "unsubstantial",
)


@dataclass(frozen=True, slots=True)
class Feedback:
    """One moderator verdict: `label` 1 means the comment has the attribute, 0 that it has not."""

    text: str
    attribute: str
    label: int
    article_id: str | None = None
    created_at: str = ""


class FeedbackStore:
    """One connection per store, serialised by a lock: sqlite3 connections are not thread-safe and
    FastAPI runs sync endpoints in a threadpool."""

    def __init__(self, path: Path, *, timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self.path, timeout=timeout_s, check_same_thread=False, isolation_level=None
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigurationError(f"cannot open the feedback database {self.path}: {exc}") from exc
        self._lock = threading.Lock()

    def add(self, item: Feedback) -> int:
        """Insert one verdict and return its id; the row is on disk when this returns."""
        if item.attribute not in ATTRIBUTES:
            raise InputError(f"unknown attribute {item.attribute!r}; expected one of {', '.join(ATTRIBUTES)}")
        if item.label not in (0, 1):
            raise InputError(f"label must be 0 or 1, got {item.label!r}")
        if not item.text.strip():
            raise InputError("feedback text is empty")
        created = item.created_at or datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            try:
                cur = self._conn.execute(
                    "INSERT INTO feedback (text, attribute, label, article_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (item.text, item.attribute, int(item.label), item.article_id, created),
                )
            except sqlite3.Error as exc:  # locked past the busy timeout, disk full, read-only...
                raise ConfigurationError(
                    f"cannot write to the feedback database {self.path}: {exc}; nothing was stored, retry"
                ) from exc
            row_id = int(cur.lastrowid or 0)
        log.debug("stored feedback id=%d attribute=%s", row_id, item.attribute)
        return row_id

    def all(self) -> list[Feedback]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT text, attribute, label, article_id, created_at FROM feedback ORDER BY id"
            ).fetchall()
        return [Feedback(*row) for row in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
