"""A test run stopped with SIGTERM (a cancelled CI job, `timeout`): tests/conftest.py's handler."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from tests.conftest import REPO
from tests.helpers import wait_until

pytestmark = pytest.mark.slow

PROBE = """
import os
import subprocess
import time
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def server():
    child = subprocess.Popen(["sleep", "600"])  # stands for a server a fixture starts
    Path(f"{os.getpid()}.worker").write_text(str(child.pid))
    yield
    child.terminate()
    child.wait()


@pytest.mark.parametrize("i", range(2))
def test_long(server, i):
    time.sleep(120)
"""


def test_sigterm_to_pytest_stops_its_workers_and_their_fixtures_before_it_exits(tmp_path: Path) -> None:
    # SIGTERM killed the controller at once: its xdist workers ran on for 5-15 s (one in a long C call
    # was ended by os._exit, its fixtures never torn down), and the servers a killed worker's fixtures
    # had started kept running.
    (tmp_path / "test_probe.py").write_text(textwrap.dedent(PROBE))
    env = os.environ | {"PYTHONPATH": str(REPO)}
    plugins = ["-p", "no:cacheprovider", "-p", "tests.conftest"]  # the handler, as the suite loads it
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", *plugins, "-n", "2", "test_probe.py"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    left: list[int] = []
    try:
        started = wait_until(lambda: len(found := list(tmp_path.glob("*.worker"))) == 2 and found, 120, 0.2)
        pids = [int(f.stem) for f in started] + [int(f.read_text()) for f in started]
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=60)
        left = [pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
        assert left == [], f"left running when pytest exited: {left} of workers and fixture children {pids}"
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        for pid in left:  # this test's own processes, seen running just now
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
