"""The store suite runs on both backends: every test taking `target` runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from service.storage import Store, Target, parse_target
from tests.pg import PostgresServer

# How long a test waits for another thread's writer to reach the state it waits for.
WAIT_DEADLINE_S = 30


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """An empty SQLite file, or a fresh PostgreSQL database: a copy of `migrated_template`, which the
    store opens as it opens any current one (migrating an empty database took ~0.1 s of each test's
    setup, on ~100 tests), unless the module sets EMPTY_DATABASES (test_store_schema.py: migrating
    empty databases is what it tests)."""
    if request.param == "sqlite":
        yield Target(path=tmp_path / "store.sqlite3")
    elif getattr(request.module, "EMPTY_DATABASES", False):
        yield parse_target(request.getfixturevalue("pg_url"))
    else:
        postgres: PostgresServer = request.getfixturevalue("postgres")
        template = request.getfixturevalue("migrated_template")
        with postgres.database(f"t_{uuid.uuid4().hex[:12]}", template) as url:
            yield parse_target(url)


@pytest.fixture
def store(target: Target) -> Iterator[Store]:
    s = Store.open(target)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def postgres_waits() -> Callable[[Target, threading.Thread], None]:
    """wait(target, thread): on PostgreSQL, return once a session of the target's database waits on a
    lock held by another (or `thread` has ended: then nothing waited), polled until a deadline. On SQLite
    it returns at once: a second writer waits for the write lock inside SQLite, unseen."""

    def wait(target: Target, thread: threading.Thread) -> None:
        if target.url is None:
            return
        url = target.url.set(drivername="postgresql").render_as_string(hide_password=False)
        deadline = time.monotonic() + WAIT_DEADLINE_S
        with psycopg.connect(url, autocommit=True) as conn:
            while thread.is_alive():
                waiting = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                ).fetchone()
                if waiting and waiting[0]:
                    return
                assert time.monotonic() < deadline, "the second writer neither waited nor finished"
                time.sleep(0.01)

    return wait
