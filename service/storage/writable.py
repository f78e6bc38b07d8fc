"""Can the SQLite store be written? Asked by /readyz on every probe (every few seconds, per worker), so
it is cheap and never waits long (and, its last check alone, by every write: `connection_writes`):

- the store's folder and files (the database, its -wal and -shm) through access(2): a chmod, an ACL or
  a read-only mount is seen at once. Connections opened before a chmod keep writing, but the next one
  the pool opens is read-only, and the next start refuses the file (check_writable_sqlite);
- a write that changes nothing (`UPDATE ... WHERE 0`, rolled back) on a pooled connection: one that
  SQLite opened read-only answers SQLITE_READONLY, and stays read-only after the file is writable again.

Root passes a chmod (and writes past it), so as root only a read-only mount or such a connection counts.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from core.errors import StoreReadOnlyError, StoreUnavailableError
from service.storage.engine import READ_ONLY

log = logging.getLogger(__name__)

# The probe waits at most this long for another writer's lock (not the store's busy timeout, 10 s):
# a writer holding it shows the file takes writes, and a probe must answer within /readyz's 2 s.
PROBE_BUSY_MS = 100
_EFFECTIVE = os.access in os.supports_effective_ids
# A write that changes nothing: SQLITE_READONLY from a connection SQLite opened read-only.
NO_OP_WRITE = "UPDATE schema_version SET version = version WHERE 0"


def _writable(path: Path, mode: int = os.W_OK) -> bool:
    return os.access(path, mode, effective_ids=_EFFECTIVE)


def _why(path: Path) -> str:
    try:
        read_only = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    return "a read-only file system" if read_only else "permission denied"


def nearest_folder(path: Path) -> Path:
    """The folder the store's file is (or would be made) in: its own, else the nearest existing one above
    (the store makes the missing ones at the first write)."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def unwritable(path: Path) -> str | None:
    """Why the SQLite store at `path` cannot be written (its folder or one of its files refused), or
    None. The folder is `nearest_folder`'s."""
    folder = nearest_folder(path)
    # SQLite makes its -wal and -shm beside the file: the folder must take new files.
    if not _writable(folder, os.W_OK | os.X_OK):
        return f"its folder {folder} cannot be written ({_why(folder)})"
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file.exists() and not _writable(file):
            return f"{file} cannot be written ({_why(file)})"
    return None


def refused(path: Path) -> StoreReadOnlyError:
    return StoreReadOnlyError(
        f"the SQLite file {path} is read-only: {unwritable(path) or 'SQLite opens it read-only'}; "
        "feedback and the queue cannot be stored until it can be written"
    )


def check_files(path: Path) -> None:
    """StoreReadOnlyError when the folder or a file of the store cannot be written."""
    if unwritable(path) is not None:
        raise refused(path)


def _is(exc: BaseException, code: int) -> bool:
    errorcode = getattr(getattr(exc, "orig", exc), "sqlite_errorcode", None)
    return isinstance(errorcode, int) and errorcode & 0xFF == code  # extended codes: the low byte


def connection_writes(conn: Connection) -> bool:
    """In a writing transaction (BEGIN IMMEDIATE: the write lock is held, so it waits for no one): False
    when SQLite opened this connection read-only, which it stays for good. A schema not made yet (no
    table to probe) is left to the transaction's own writes to tell."""
    try:
        conn.exec_driver_sql(NO_OP_WRITE)
    except DBAPIError as exc:
        if _is(exc, sqlite3.SQLITE_READONLY):
            return False
        if _is(exc, sqlite3.SQLITE_ERROR):  # no such table: a file the migration is about to fill
            return True
        raise
    return True


def _pooled_connection_writes(engine: Engine) -> bool:
    """False when the connection the pool hands out answers SQLITE_READONLY to a write that changes
    nothing. A deferred transaction, rolled back: nothing is written, and it waits for the write lock
    PROBE_BUSY_MS at most (busy: another writer holds it, so the file takes writes)."""
    with engine.connect() as conn:
        conn = conn.execution_options(**{READ_ONLY: True})  # BEGIN, not BEGIN IMMEDIATE: no 10 s wait
        driver = conn.connection.driver_connection  # outside SQLAlchemy's transaction, which begins below
        assert driver is not None
        busy = driver.execute("PRAGMA busy_timeout").fetchone()[0]
        driver.execute(f"PRAGMA busy_timeout = {PROBE_BUSY_MS}")
        try:
            with conn.begin() as tx:
                conn.exec_driver_sql(NO_OP_WRITE)
                tx.rollback()
        except DBAPIError as exc:
            if _is(exc, sqlite3.SQLITE_BUSY):
                return True
            if _is(exc, sqlite3.SQLITE_READONLY):
                conn.invalidate()  # never back into the pool: it would refuse every write given to it
                return False
            raise
        finally:
            if not conn.invalidated:
                driver.execute(f"PRAGMA busy_timeout = {int(busy)}")
    return True


def check_connections(engine: Engine, path: Path) -> None:
    """StoreReadOnlyError when a connection SQLite opens now cannot write. A pooled connection opened
    while the file was read-only is read-only for good: then the pool's connections are replaced, and
    a fresh one answers (the file may be writable again)."""
    try:
        if _pooled_connection_writes(engine):
            return
        engine.dispose()  # the others may have been opened read-only too
        if _pooled_connection_writes(engine):
            log.info("store %s: replaced pooled connections SQLite had opened read-only", path)
            return
    except (DBAPIError, SQLAlchemyError) as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[:1] or [type(exc).__name__]
        raise StoreUnavailableError(
            f"cannot check that the SQLite file {path} can be written: {detail[0]}"
        ) from exc
    raise refused(path)
