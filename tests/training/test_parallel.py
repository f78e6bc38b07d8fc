"""Training stages in forked processes: same result as inline, progress replayed, errors raised."""

from __future__ import annotations

import os

import pytest

from tests.helpers import blocked_writing_pipe, wait_until
from training import parallel


def _square(x: int, progress: parallel.Callable[[str], None]) -> tuple[int, int]:
    progress(f"squaring {x}")
    return x * x, os.getpid()


def _fail(progress: parallel.Callable[[str], None]) -> None:
    progress("about to fail")
    raise ValueError("no labelled rows")


def _die(progress: parallel.Callable[[str], None]) -> None:
    os._exit(3)


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)  # fork even where one core is usable


@pytest.mark.usefixtures("two_cores")
def test_a_stage_runs_in_another_process_and_replays_its_progress() -> None:
    lines: list[str] = []
    stage = parallel.forked(_square, 7, progress=lines.append)
    value, pid = stage.result()
    assert value == 49 and pid != os.getpid()
    assert lines == ["squaring 7"]


def test_a_stage_runs_inline_on_one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    lines: list[str] = []
    value, pid = parallel.forked(_square, 3, progress=lines.append).result()
    assert (value, pid, lines) == (9, os.getpid(), ["squaring 3"])


@pytest.mark.usefixtures("two_cores")
def test_a_stage_error_is_raised_in_the_parent_after_its_progress() -> None:
    lines: list[str] = []
    stage = parallel.forked(_fail, progress=lines.append)
    with pytest.raises(ValueError, match="no labelled rows"):
        stage.result()
    assert lines == ["about to fail"]


@pytest.mark.usefixtures("two_cores")
def test_a_stage_that_dies_is_reported_with_its_exit_code() -> None:
    stage = parallel.forked(_die, progress=lambda _line: None)
    with pytest.raises(RuntimeError, match=r"_die died \(exit code 3\)"):
        stage.result()


def _big_result(progress: parallel.Callable[[str], None]) -> bytes:
    return b"x" * 4_000_000  # far more than a pipe holds: the child blocks until it is read


@pytest.mark.usefixtures("two_cores")
def test_a_cancelled_stage_is_stopped_and_reaped() -> None:
    import fcntl
    import multiprocessing
    import struct
    import termios

    stage = parallel.forked(_big_result, progress=lambda _line: None)
    assert stage.conn is not None
    read_end = stage.conn.fileno()
    capacity = fcntl.fcntl(read_end, fcntl.F_GETPIPE_SZ)

    def blocked() -> bool:  # the pipe is full and the child asleep writing the rest of its result
        # (full: within a page of its capacity, as the 4-byte length header written first takes a page)
        unread = struct.unpack("i", fcntl.ioctl(read_end, termios.FIONREAD, b"\0" * 4))[0]
        return unread > capacity - os.sysconf("SC_PAGE_SIZE") and blocked_writing_pipe(stage.process.pid)

    try:  # the deadline is a hang guard only: the child fills the pipe within milliseconds of starting
        wait_until(blocked, timeout=60, interval=0.01, what="the child blocked writing its result")
    finally:  # never a blocked child left behind (pytest would wait for it at exit)
        parallel.cancel_all([stage])
    stage.cancel()  # twice is fine
    assert stage.process.exitcode is not None
    assert stage.process not in multiprocessing.active_children()


_FAILING_TRAINING = """
import multiprocessing, sys
from pathlib import Path
from core.errors import TrainingDataError
from tests.helpers import blocked_writing_pipe, wait_until
from training import parallel, train

parallel.usable_cores = lambda: 2

def lead(request, progress):
    # fails once the other stage (a forked child of this process) is blocked writing its model;
    # the deadline is a hang guard only
    wait_until(
        lambda: [p for p in multiprocessing.active_children() if blocked_writing_pipe(p.pid)],
        timeout=30, interval=0.01, what="the other stage blocked writing its model",
    )
    raise TrainingDataError("corpus file not found: mlma-hate-speech/en_dataset.csv")

def other(request, progress):
    return b"x" * 4_000_000  # a model: more than the pipe holds

train.TRAINERS.clear()
train.TRAINERS.update({"lead": lead, "other": other})
try:
    train.train_artifact(train.TrainingRequest(Path(sys.argv[1])), Path(sys.argv[1]) / "out")
except TrainingDataError as exc:
    print("error:", exc)
"""


def test_a_failed_training_stops_its_other_stages_and_exits(tmp_path: os.PathLike[str]) -> None:
    """A missing corpus failed the text family at once, but `moderate train` then hung for ever: the
    off_topic stage finished and blocked writing its model to a pipe nobody read, while the exiting
    process waited for it."""
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": root}
    proc = subprocess.Popen(
        [sys.executable, "-c", _FAILING_TRAINING, str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        pytest.fail("training did not exit after its error: a stage was left running")
    assert proc.returncode == 0, err
    assert "error: corpus file not found: mlma-hate-speech/en_dataset.csv" in out


_KILLED_TRAINING = """
import sys, time
from training import parallel

parallel.usable_cores = lambda: 2

def stage(progress):
    return b"x" * 4_000_000  # a model: more than the pipe holds

stages = [parallel.forked(stage, progress=print) for _ in range(2)]
print(" ".join(str(s.process.pid) for s in stages), flush=True)
time.sleep(60)  # killed here, before reading any result
"""


def test_stages_do_not_outlive_a_killed_training() -> None:
    """`kill <moderate train>` (a supervisor's stop, `timeout`) left its stages running: each finished
    and then blocked for ever writing its result to a pipe whose read end it and its siblings held."""
    import signal
    import subprocess
    import sys
    import time

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_TRAINING],
        env={**os.environ, "PYTHONPATH": root},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    pids = [int(p) for p in proc.stdout.readline().split()]
    # the stages are blocked writing their results (a hang guard only: they fill their pipes at once)
    wait_until(
        lambda: all(blocked_writing_pipe(p) for p in pids),
        timeout=60,
        interval=0.01,
        what="the stages blocked writing their results",
    )
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 20
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in pids if _running(p)]
    for p in alive:  # do not leave them behind when the test fails
        os.kill(p, signal.SIGKILL)
    assert not alive, "stages outlived the killed training"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
