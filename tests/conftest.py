"""Shared fixtures: paths to the seeds and to ../shared (read-only, never copied into the repo)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from hypothesis import settings as hypothesis_settings

from tests.helpers import built_once_per_run
from tests.pg import PostgresServer

# Property tests explore the same examples on every run: a failure in CI reproduces locally, and a
# green run is not luck. `HYPOTHESIS_PROFILE=explore pytest` searches with fresh random seeds.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_PREVIOUS_SIGTERM = pytest.StashKey[Any]()


def pytest_configure(config: pytest.Config) -> None:
    """SIGTERM (a cancelled CI job, `timeout`, `kill`) ends the run as Ctrl-C does, in the controller
    and in every xdist worker. It killed pytest at once: the controller's workers ran on (they noticed
    5-15 s later, and one in a long C call was ended by os._exit), and a worker killed outright never
    stopped the servers its fixtures had started (pg_ctl detaches PostgreSQL, which kept running with
    its folder in /dev/shm). Now the controller passes the signal to its workers (its only children)
    at once, each tears its fixtures down, and the controller waits for them before it exits."""

    def interrupt(signum: int, frame: object) -> None:
        # Once: the run is ending. A worker gets the signal twice when a whole process group is sent it
        # (from the sender and from the controller), and a second interrupt would cut its teardown short.
        # SIGKILL still ends a run at once.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if config.pluginmanager.has_plugin("dsession"):  # the xdist controller: its children are workers
            for worker in psutil.Process().children():
                with contextlib.suppress(psutil.Error):
                    worker.send_signal(signum)
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    config.stash[_PREVIOUS_SIGTERM] = previous

    def as_before() -> None:  # a process a test forks (multiprocessing) ends on SIGTERM as it did
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGTERM, previous)

    os.register_at_fork(after_in_child=as_before)


def pytest_unconfigure(config: pytest.Config) -> None:
    previous = config.stash.get(_PREVIOUS_SIGTERM, None)
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


REPO = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO / "seeds"
SHARED = Path(os.environ.get("MODERATION_SHARED_DIR", REPO.parent / "shared"))
DATA_DIR = Path(os.environ.get("DATA_DIR", SHARED / "data"))
ARTICLES_DIR = SHARED / "articles"
SEED_FILES = sorted(SEEDS_DIR.glob("*.txt"))

_WARMUP = pytest.StashKey[subprocess.Popen[bytes]]()
# A cold warm-up compiles every kernel in ~80 s of CPU; far longer means it hangs, and the tests then
# compile for themselves as before.
WARMUP_TIMEOUT_S = 600


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """In the xdist controller: fill numba's on-disk cache (model/jit.py) once, while the workers start
    and collect. In a fresh clone every process compiled the kernels for itself (~80 s of CPU each):
    both workers at their first scoring or language detection, and `moderate` subprocesses that started
    before a cache was written (or could not write one: `ulimit -f`). `moderate report seeds/` calls
    them all. Only an optimisation: a failed warm-up leaves the tests to compile as before."""
    config = session.config
    if not config.pluginmanager.has_plugin("dsession") or config.getoption("collectonly"):
        return
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    config.stash[_WARMUP] = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "report", str(SEEDS_DIR)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """The controller hands out tests only once the warm-up has ended (the workers collect meanwhile)."""
    warmup = session.config.stash.get(_WARMUP, None)
    if warmup is None:
        return
    try:
        _, stderr = warmup.communicate(timeout=WARMUP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        warmup.kill()
        _, stderr = warmup.communicate()
    if warmup.returncode != 0:
        tail = stderr.decode(errors="replace").strip().splitlines()[-1:]
        sys.stderr.write(f"numba warm-up failed (exit {warmup.returncode}): {tail}; the tests compile\n")


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
def sources(data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """Off-topic threads of every source, (train, held-out), for the model and the training tests.
    Parsing the shared pages takes ~3 s: built once per run, not per worker."""
    from training.offtopic import default_articles_dir, load_sources

    return built_once_per_run(
        tmp_path_factory, "offtopic-sources", lambda: load_sources(data_dir, default_articles_dir(data_dir))
    )


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session (tests/pg.py); each test takes its own database."""
    server = PostgresServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def migrated_template(postgres: PostgresServer) -> str:
    """A database of the session's server migrated to the current schema, closed again: the store
    suite's databases are copies of it (tests/service/storage/conftest.py)."""
    from service.storage import Store, parse_target

    name = "migrated_template"
    store = Store.open(parse_target(postgres.create_database(name)))
    store.close()  # no session may stay on a template CREATE DATABASE copies
    return name


@pytest.fixture
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session's server, dropped after the test."""
    with postgres.database(f"t_{uuid.uuid4().hex[:12]}") as url:
        yield url
