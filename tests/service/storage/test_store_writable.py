"""The SQLite store's write check (service/storage/writable.py), asked by /readyz: a store the process
cannot write is not reported reachable. Real files made read-only for real (tests/readonly.py)."""

from __future__ import annotations

import sqlite3
import time
import types

import pytest

from core.errors import StoreReadOnlyError
from service.storage import Feedback, Store, Target
from service.storage import engine as engines
from service.storage import schema as S
from tests.readonly import WAYS, read_only, rerun_elsewhere

VERDICT = Feedback("you moron", "insult", 1)


@pytest.mark.parametrize("way", WAYS)
def test_ping_refuses_an_sqlite_store_this_process_cannot_write_until_it_can(request, tmp_path, way):
    # /readyz said the database was ok while the file or its folder was read-only: the connections open
    # before kept writing, but every one the pool opened next refused every write, and so did the next
    # start. Once the file is writable again the store is ok again, with no restart.
    if rerun_elsewhere(request, tmp_path, way):
        return
    folder = tmp_path / "db"
    folder.mkdir()
    store = Store.open(Target(path=folder / "store.sqlite3"))
    try:
        store.add_feedback(VERDICT)
        why = "a read-only file system" if way == "mount" else "permission denied"
        with read_only(folder, folder / "store.sqlite3", way):
            with pytest.raises(StoreReadOnlyError, match=f"cannot be written \\({why}\\)"):
                store.ping()
            if way == "file":  # what the check foresees: a connection opened now cannot write
                store.engine.dispose()
                with pytest.raises(StoreReadOnlyError, match=r"cannot write feedback: .*permission denied"):
                    store.add_feedback(VERDICT)
        if way == "file":
            # That connection made a new -wal and -shm with the file's mode: with the file writable again,
            # every connection opened still refused every write. The check names the -wal.
            with pytest.raises(StoreReadOnlyError, match="-wal cannot be written"):
                store.ping()
            for made in folder.glob("store.sqlite3-*"):
                made.chmod(0o644)
        # That read-only connection is in the pool: the check replaces it, and writes work again.
        assert store.ping() == S.SCHEMA_VERSION
        store.add_feedback(VERDICT)
        assert store.count_feedback() == 2
    finally:
        store.close()


def _sqlite_opens_read_only(monkeypatch, store: Store) -> None:
    """SQLite opens the file read-only (mode=ro) from now on, as it does a file that is read-only as a
    connection opens; the pool's connections are replaced."""
    real = sqlite3.connect

    def read_only_connect(path, **kwargs):
        return real(f"file:{path}?mode=ro", uri=True, **kwargs)

    monkeypatch.setattr(engines, "sqlite3", types.SimpleNamespace(connect=read_only_connect))
    store.engine.dispose()


def test_a_connection_sqlite_opened_read_only_fails_the_check_until_a_fresh_one_can_write(
    tmp_path, monkeypatch
):
    # Root writes past a chmod, so here SQLite itself opens the file read-only (mode=ro), as it does
    # when the file is read-only as a connection opens: SQLITE_READONLY to the probe's write.
    store = Store.open(Target(path=tmp_path / "store.sqlite3"))
    try:
        _sqlite_opens_read_only(monkeypatch, store)
        with pytest.raises(StoreReadOnlyError, match="SQLite opens it read-only"):
            store.ping()
        assert store.count_feedback() == 0  # reads work: a read-only connection goes back to the pool
        monkeypatch.undo()
        assert store.ping() == S.SCHEMA_VERSION  # that connection replaced by one that writes
        store.add_feedback(VERDICT)

        # Another writer holding the write lock is no sign of a read-only file, and the check does not
        # wait for it (the store's busy timeout is 10 s; /readyz waits 2 s).
        holder = sqlite3.connect(tmp_path / "store.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            assert store.ping() == S.SCHEMA_VERSION
            assert time.monotonic() - started < 1.5
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        store.add_feedback(VERDICT)
    finally:
        store.close()


# (A folder made read-only leaves the file, its -wal and -shm writable: connections opened then write.)
@pytest.mark.parametrize("way", ["file", "mount"])
def test_writes_recover_by_themselves_once_the_sqlite_file_can_be_written_again(request, tmp_path, way):
    # A connection the pool opened while the file could not be written stays read-only: every write
    # handed it failed (503 "readonly database") until a /readyz probe happened to replace it. A write
    # now drops it and takes a fresh connection, so the first write after the chmod back is stored.
    if rerun_elsewhere(request, tmp_path, way):
        return
    folder = tmp_path / "db"
    folder.mkdir()
    file = folder / "store.sqlite3"
    store = Store.open(Target(path=file))
    try:
        store.add_feedback(VERDICT)
        with read_only(folder, file, way):
            store.engine.dispose()  # the connections the pool opens next are opened now
            why = "a read-only file system" if way == "mount" else "permission denied"
            with pytest.raises(StoreReadOnlyError, match=f"cannot write feedback: .*\\({why}\\)"):
                store.add_feedback(VERDICT)
            with store.engine.connect(), store.engine.connect(), store.engine.connect():
                pass  # three more opened now, back in the pool
        for made in folder.glob("store.sqlite3-*"):  # made meanwhile with the file's mode (docs)
            made.chmod(0o644)
        store.add_feedback(VERDICT)  # no ping in between
        store.add_feedback_many([VERDICT, VERDICT])
        assert store.count_feedback() == 4
    finally:
        store.close()


def test_a_write_replaces_a_connection_sqlite_opened_read_only(tmp_path, monkeypatch):
    # As root (a chmod does not bind): SQLite opens the file read-only (mode=ro), as it does a file
    # that is read-only as a connection opens. While it does, a write is refused naming the store; once
    # it opens it for writing, the next write is stored, though the pool held read-only connections.
    store = Store.open(Target(path=tmp_path / "store.sqlite3"))
    try:
        _sqlite_opens_read_only(monkeypatch, store)
        with pytest.raises(StoreReadOnlyError, match=r"cannot write feedback: .*SQLite opens it read-only"):
            store.add_feedback(VERDICT)
        with store.engine.connect(), store.engine.connect():
            pass
        assert store.count_feedback() == 0  # reads work on them
        monkeypatch.undo()
        store.add_feedback(VERDICT)
        assert store.count_feedback() == 1
    finally:
        store.close()
