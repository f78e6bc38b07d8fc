"""The store suite runs on both backends: every test taking `target` runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.storage import Store, Target, parse_target


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    if request.param == "sqlite":
        return Target(path=tmp_path / "store.sqlite3")
    return parse_target(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(target: Target) -> Iterator[Store]:
    s = Store.open(target)
    try:
        yield s
    finally:
        s.close()
