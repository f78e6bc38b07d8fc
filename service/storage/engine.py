"""SQLAlchemy engines for the two backends, with bounded pools.

- SQLite (embedded default): WAL so readers (training) never block the service's writers,
  synchronous=FULL so an acknowledged write survives a power cut, a busy timeout so several uvicorn
  workers share one file, and BEGIN IMMEDIATE so a writing transaction takes the write lock up front
  (a deferred one that reads then writes can fail at once with "database is locked" instead of
  waiting); a transaction that only reads (the READ_ONLY execution option) begins deferred, so it
  never waits for a writer. secure_delete zeroes what a DELETE removes (erasure, docs/security.md).
- PostgreSQL (several replicas): psycopg 3; a connect timeout and a statement timeout bound how long a
  request waits on a sick server; pre-ping replaces connections a database restart killed, so the
  service recovers without a restart. Every connection speaks UTF-8 and reads times in ISO and
  floats in full, whatever the database, role or PG* environment variables say.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import QueuePool

from core.errors import ConfigurationError
from service.settings import Database

POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
# Execution option of a transaction that only reads (SQLite begins it deferred, without the write lock).
READ_ONLY = "moderation_read_only"


@dataclass(frozen=True, slots=True)
class Target:
    """Where the store lives: a PostgreSQL URL or an SQLite file."""

    url: URL | None = None
    path: Path | None = None

    @property
    def backend(self) -> str:
        return "postgresql" if self.url is not None else "sqlite"

    def describe(self) -> str:
        """For logs, errors and manifests: never the password."""
        if self.url is not None:
            return shown(self.url.set(drivername="postgresql"))
        return str(self.path)


def shown(url: URL) -> str:
    """The URL with its password masked, in the user:pw@ part and in a query parameter (libpq takes
    ?password=... too)."""
    secret = {k: "***" for k in url.query if "password" in k.lower() or k.lower() == "passfile"}
    return url.update_query_dict(secret).render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def is_database_url(value: str) -> bool:
    return "://" in value and value.split("://", 1)[0].lower() in (*POSTGRES_SCHEMES, "sqlite")


def parse_target(value: str | Path) -> Target:
    """A postgresql:// URL, an sqlite:///path URL or a plain file path."""
    text = str(value)
    if not is_database_url(text):
        return Target(path=Path(text))
    scheme = text.split("://", 1)[0].lower()
    if scheme == "sqlite":
        path = text.split("://", 1)[1]
        if not path.startswith("/") or path == "/":
            raise ConfigurationError(f"expected sqlite:///path/to/file.sqlite3, got {text!r}")
        return Target(path=Path(path[1:] if path.startswith("//") else path))
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise ConfigurationError(f"cannot parse the database URL: {exc}") from exc
    except ValueError as exc:  # int() of the port; not shown: with an "@" in a password it holds some of it
        raise ConfigurationError("cannot parse the database URL: its port must be a number") from exc
    if not url.database:
        raise ConfigurationError(f"the database URL {shown(url)} names no database")
    return Target(url=url.set(drivername="postgresql+psycopg"))


def create(target: Target, pool: Database) -> Engine:
    if target.url is not None:
        return _postgres(target.url, pool)
    assert target.path is not None
    return _sqlite(target.path, pool)


def _options(url: URL, pool: Database) -> str:
    """libpq's options: the URL's own (?options=-c search_path=moderation), then the statement timeout.
    connect_args replace the URL's parameters, so the URL's were dropped, its tables put in public."""
    own = url.query.get("options", ())
    return " ".join(
        [
            *((own,) if isinstance(own, str) else own),
            f"-c statement_timeout={int(pool.statement_timeout_s * 1000)}",
        ]
    )


def _postgres(url: URL, pool: Database) -> Engine:
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=pool.pool_size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.pool_timeout_s,
        pool_pre_ping=True,
        pool_recycle=1800,
        # The first-verdict-wins update relies on read committed (a second update re-reads the row the
        # first committed); a database defaulting to repeatable read made half the losers a 503.
        isolation_level="READ COMMITTED",
        connect_args={
            "connect_timeout": pool.connect_timeout_s,
            "options": _options(url, pool),
            "application_name": "comment-moderation",
            # Text in UTF-8 whatever PGCLIENTENCODING says (LATIN1 failed every comment in another script).
            "client_encoding": "utf8",
            # A host that vanished (network cut, VM gone) leaves sent data unacknowledged: the kernel
            # drops the connection after this long instead of waiting for ever; keepalives find an
            # idle pooled connection whose host went away. (A host that is up but frozen acknowledges
            # and is bounded only by /readyz's own wait: service.api.routers.health.)
            "tcp_user_timeout": int((pool.statement_timeout_s + pool.connect_timeout_s) * 1000),
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        },
    )

    # insert=True: before SQLAlchemy's own first queries on the connection.
    @event.listens_for(engine, "connect", insert=True)
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Set after connecting, so no database, role or PG* variable overrides them:
        # - psycopg reads times in ISO only ('SQL, DMY' or 'German' made every read of an item a 500);
        # - floats in full (extra_float_digits 0, PostgreSQL 11's default, rounds a float8 to 15
        #   digits: a page's cursor missed its last item's risk and the same page came back for ever).
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True
        dbapi_conn.execute("SET DateStyle = ISO")
        dbapi_conn.execute("SET extra_float_digits = 3")
        dbapi_conn.autocommit = autocommit

    return engine


def _sqlite(path: Path, pool: Database) -> Engine:
    path = Path(path)
    busy = pool.sqlite_busy_timeout_s

    def connect() -> sqlite3.Connection:
        # Our own connect: a path holding '?', '#' or '%' is opened as the file it names, never parsed
        # as a URL. isolation_level=None: the driver never opens transactions; the begin hook does.
        return sqlite3.connect(path, timeout=busy, check_same_thread=False, isolation_level=None)

    engine = create_engine(
        "sqlite+pysqlite://",
        creator=connect,
        poolclass=QueuePool,
        pool_size=pool.pool_size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.pool_timeout_s,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        # A deleted row's bytes are overwritten with zeros, not left in a free page of the file: an
        # erased comment must not be readable from the file (or a copy of it) afterwards.
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A transaction that only reads is deferred: in WAL mode it reads a snapshot beside a writer,
        # where BEGIN IMMEDIATE would wait for the write lock (and fail "database is locked").
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
