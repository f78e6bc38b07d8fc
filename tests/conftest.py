"""Shared fixtures: paths to the seeds and to ../shared (read-only, never copied into the repo)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from tests.pg import PostgresServer

# Property tests explore the same examples on every run: a failure in CI reproduces locally, and a
# green run is not luck. `HYPOTHESIS_PROFILE=explore pytest` searches with fresh random seeds.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO / "seeds"
SHARED = Path(os.environ.get("MODERATION_SHARED_DIR", REPO.parent / "shared"))
DATA_DIR = Path(os.environ.get("DATA_DIR", SHARED / "data"))
ARTICLES_DIR = SHARED / "articles"
SEED_FILES = sorted(SEEDS_DIR.glob("*.txt"))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture(scope="session")
def data_dir() -> Path:
    assert DATA_DIR.is_dir(), (
        f"corpora not found at {DATA_DIR}: put shared/ beside the repo or set MODERATION_SHARED_DIR"
    )
    return DATA_DIR


@pytest.fixture(scope="session")
def articles_dir() -> Path:
    assert ARTICLES_DIR.is_dir(), (
        f"article pages not found at {ARTICLES_DIR}: put shared/ beside the repo or set MODERATION_SHARED_DIR"
    )
    return ARTICLES_DIR


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session (tests/pg.py); each test takes its own database."""
    server = PostgresServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session's server, dropped after the test."""
    with postgres.database(f"t_{uuid.uuid4().hex[:12]}") as url:
        yield url
