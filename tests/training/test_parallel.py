"""Training stages in forked processes: same result as inline, progress replayed, errors raised."""

from __future__ import annotations

import os

import pytest

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
