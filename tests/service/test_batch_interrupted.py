"""`moderate score` stopped: Ctrl-C, SIGTERM, a killed run or worker, a lost Dask scheduler; what was
written is said and never half a row."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from service import batch, batch_discover
from tests.fakes import FakeScorer
from tests.helpers import wait_until
from tests.service.batch_helpers import (
    args_for,
    fake_factory,
    rows_of,
    run_batch,
    write_jsonl,
)


def test_a_parallel_run_stopped_early_warns_nothing(recwarn):
    # `moderate score --jobs 2 | head -1`: the closed pipe stopped the run, and joblib's UserWarning
    # ("4 tasks which were still being processed by the workers have been cancelled. You could benefit
    # from adjusting the input task iterator ...") reached the terminal after it.
    from service.batch_dispatch import chunk_results

    chunks = [[i] for i in range(40)]
    results = chunk_results(chunks, len, lambda item, why: 0, jobs=2, backend="local", scheduler=None)
    assert next(results) == 1
    results.close()
    assert [str(w.message) for w in recwarn if "task iterator" in str(w.message)] == []


@pytest.mark.parametrize("exc", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_interrupted_run_leaves_the_final_name_untouched(mixed_dir, tmp_path, monkeypatch, capsys, exc):
    root, _ = mixed_dir
    out = tmp_path / "scores.jsonl"
    out.write_text("previous run\n")
    real = batch.process_chunk
    calls = []

    def failing(tasks, config):
        calls.append(1)
        if len(calls) == 3:  # two chunks already written to the temp file
            raise exc
        return real(tasks, config)

    monkeypatch.setattr(batch, "process_chunk", failing)
    with pytest.raises(type(exc)):
        batch.run(
            args_for(root / "seeds", root / "articles", out=out, chunk_size=1), scorer_factory=fake_factory
        )
    assert out.read_text() == "previous run\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.jsonl"]
    (tmp_path / "fresh").mkdir()
    calls.clear()
    with pytest.raises(type(exc)):
        batch.run(
            args_for(root / "seeds", out=tmp_path / "fresh" / "x.csv", chunk_size=1),
            scorer_factory=fake_factory,
        )
    assert list((tmp_path / "fresh").iterdir()) == []


@pytest.mark.parametrize(
    ("stop", "said"),
    [
        (KeyboardInterrupt(), "Ctrl-C"),
        (SystemExit(128 + signal.SIGTERM), "SIGTERM"),
        (SystemExit(128 + signal.SIGHUP), "SIGHUP"),
    ],
)
@pytest.mark.parametrize("to_file", [False, True])
def test_an_interrupted_run_says_what_it_wrote(tmp_path, monkeypatch, capsys, stop, said, to_file):
    """Stopped mid-run, a run's last stderr line says how many files' rows were written and the last of
    them (the walk's order: the rest can be run again), or that --out was left as it was. SIGTERM said
    nothing at all, Ctrl-C only 'interrupted'."""
    for i in range(5):
        write_jsonl(tmp_path / f"{i}.jsonl", [{"id": str(i), "text": "an ordinary comment"}])
    real = batch.process_chunk
    calls = []

    def stopping(tasks, config):
        calls.append(1)
        if len(calls) == 3:  # two files' rows already written
            raise stop
        return real(tasks, config)

    monkeypatch.setattr(batch, "process_chunk", stopping)
    out = tmp_path / "out" / "scores.jsonl"
    out.parent.mkdir()
    kw: dict[str, Any] = {"out": out} if to_file else {}
    with pytest.raises(type(stop)) as stopped:
        batch.run(args_for(tmp_path, chunk_size=1, **kw), scorer_factory=fake_factory)
    cap = capsys.readouterr()
    # Ctrl-C: service.cli prints the KeyboardInterrupt's message as the last line ("interrupted" if none)
    last = str(stopped.value) if isinstance(stop, KeyboardInterrupt) else cap.err.splitlines()[-1]
    assert last.startswith(f"moderate score: stopped by {said} after 2 of 5 files"), cap.err
    if to_file:
        assert f"nothing written to {out}" in last and list(out.parent.iterdir()) == []
    else:
        assert [r["source"] for r in rows_of(cap.out)] == [
            str(tmp_path / "0.jsonl"),
            str(tmp_path / "1.jsonl"),
        ]
        assert f"the last {tmp_path / '1.jsonl'}" in last, last


def test_a_run_stopped_during_the_walk_says_so(tmp_path, monkeypatch):
    """Ctrl-C while a big tree is still being walked: not 'after 0 of 0 files'."""
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": "an ordinary comment"}])

    def interrupted_walk(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "discover", interrupted_walk)
    with pytest.raises(KeyboardInterrupt) as stopped:
        batch.run(args_for(tmp_path), scorer_factory=fake_factory)
    assert str(stopped.value) == (
        "moderate score: stopped by Ctrl-C before the walk had listed the files: no rows written"
    )


# How long the slow reader waits for the run to be waiting on the full pipe (~0.3 s on an idle machine),
# and the run for the reader to take the rest of its row: only guards against a hang.
PIPE_WAIT_DEADLINE_S = 60


class _PollNotingAFullPipe:
    """select.poll as service.output's write uses it, that sets `waiting` when the write finds no room:
    the run then waits on the full pipe, which is when the test's signal must land."""

    def __init__(self, waiting: Any) -> None:
        self._poll = select.poll()
        self._waiting = waiting

    def register(self, fd: int, mask: int) -> None:
        self._poll.register(fd, mask)

    def poll(self, timeout: int) -> list[tuple[int, int]]:
        ready = self._poll.poll(0)
        if not ready:
            self._waiting.set()
            ready = self._poll.poll(timeout)
        return ready


@pytest.mark.parametrize("out_format", ["jsonl", "csv"])
def test_a_signal_while_the_output_pipe_is_full_leaves_no_half_line(tmp_path, monkeypatch, out_format):
    """The reader is slow: the pipe is full and the write waits. A Ctrl-C (or SIGTERM) landing then cut
    the line being written and dropped the rest of the buffer: the output ended in half a row. Now the
    row is finished first (the reader takes it; in CSV a quoted cell's newline ends no row), and the
    run still stops. The signal is sent once the write has found the pipe full (it was sent once the
    pipe held 15 pages, a guess at what makes a writer wait), and the run waits for the reader for as
    long as the test may take (its 5 s is a bound for readers that never read, not for a loaded machine)."""
    import fcntl
    import threading
    import types

    from service import output

    comments = [{"id": f"{i}\nof an export", "text": f"comment {i} " * 20} for i in range(3_000)]
    write_jsonl(tmp_path / "big.jsonl", comments)
    from service.settings import Settings

    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=fake_factory, out_format=out_format)
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 16 * 4096)  # 16 pages, whatever the system's default
    main, received, waiting = threading.get_ident(), bytearray(), threading.Event()
    noting = types.SimpleNamespace(
        poll=lambda: _PollNotingAFullPipe(waiting), POLLOUT=select.POLLOUT, PIPE_BUF=select.PIPE_BUF
    )
    monkeypatch.setattr(output, "select", noting)
    monkeypatch.setattr(output, "FINISH_LINE_SECONDS", PIPE_WAIT_DEADLINE_S)

    def slow_reader() -> None:
        waiting.wait(PIPE_WAIT_DEADLINE_S)  # (if it never waits, the assertions below say so)
        signal.pthread_kill(main, signal.SIGINT)
        while chunk := os.read(read_end, 1 << 16):
            received.extend(chunk)

    reader = threading.Thread(target=slow_reader)
    reader.start()
    summary = batch.Summary()
    with os.fdopen(write_end, "w", encoding="utf-8") as sink, pytest.raises(KeyboardInterrupt):
        batch.score_paths([tmp_path], config, sink, summary=summary)
    reader.join(timeout=PIPE_WAIT_DEADLINE_S)
    os.close(read_end)
    assert waiting.is_set(), "the run never waited on the full pipe"
    assert len(received) >= 15 * 4096 and received.endswith(b"\n"), received[-200:]
    if out_format == "csv":
        records = list(csv.reader(io.StringIO(received.decode())))
        assert records[0] == list(batch.CSV_COLUMNS) and received.count(b'"') % 2 == 0, received[-200:]
        assert {(len(r), r[0]) for r in records[1:]} == {(len(batch.CSV_COLUMNS), "comment")}
    else:
        assert [json.loads(line)["kind"] for line in received.splitlines()] == ["comment"] * received.count(
            b"\n"
        )
    assert summary.cut_chunk and "perhaps the first rows" in summary.render_stopped(KeyboardInterrupt(), None)


SLOW_RUN = """
import sys
from service import batch, batch_jsonl
from tests.service.batch_helpers import args_for, slow_factory
sys.exit(batch.run(args_for(sys.argv[1], out=sys.argv[2], chunk_size=1), scorer_factory=slow_factory))
"""


def _temp_output_written(outdir: Path) -> bool:
    """Whether the run's temp output has bytes yet. The --out writability probe (an empty temp file of
    the same name pattern, removed at once) can vanish between the listing and the stat."""
    for p in outdir.glob(".scores.jsonl.*" + batch_discover.TEMP_SUFFIX):
        try:
            if p.stat().st_size > 0:
                return True
        except FileNotFoundError:
            continue
    return False


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "rc", "said"),
    [
        (signal.SIGTERM, 128 + signal.SIGTERM, "SIGTERM"),
        (signal.SIGINT, None, "Ctrl-C"),
        # The terminal closed, the ssh session dropped: the temp file and spool directory were left,
        # nothing said, exit -SIGHUP.
        (signal.SIGHUP, 128 + signal.SIGHUP, "SIGHUP"),
        # Its default action kills too: the same two were left behind, nothing said.
        (signal.SIGUSR1, 128 + signal.SIGUSR1, "SIGUSR1"),
    ],
)
def test_a_killed_run_never_leaves_a_half_file(tmp_path, sig, rc, said):
    """A real process, interrupted by a real signal while it writes: the final name never appears, the
    temp file and the spool directory are removed, and the run says it was stopped."""
    inputs, outdir, spool = tmp_path / "in", tmp_path / "out", tmp_path / "tmp"
    inputs.mkdir()
    outdir.mkdir()
    spool.mkdir()
    for i in range(200):  # ~20 s of slow scoring: the signal lands mid-run
        write_jsonl(inputs / f"{i:03d}.jsonl", [{"id": str(i), "text": "some words " * 400}])
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN, str(inputs), str(outdir / "scores.jsonl")],
        cwd=repo,
        env={**os.environ, "TMPDIR": str(spool)},
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not _temp_output_written(outdir):
        assert proc.poll() is None and time.monotonic() < deadline, "run ended before it wrote anything"
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == rc if rc is not None else proc.returncode != 0, err
    assert list(outdir.iterdir()) == []  # no final file, and the temp file was removed
    assert list(spool.iterdir()) == []
    assert f"moderate score: stopped by {said} after " in err, err


# `moderate score` whose second loky worker cannot be started (EMFILE), as under a `ulimit -n` that
# leaves room for the first one only (where that is depends on the machine).
SECOND_WORKER_REFUSED = """
import errno, sys
from joblib.externals.loky.backend import popen_loky_posix
from service import cli

launch, launched = popen_loky_posix.Popen._launch, []

def second_refused(self, process_obj):
    if launched:
        raise OSError(errno.EMFILE, "Too many open files")
    launched.append(launch(self, process_obj))

popen_loky_posix.Popen._launch = second_refused
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="--jobs 2 is capped at the cores: 1 runs in process")
@pytest.mark.parametrize("limit", [12, 16, None])
def test_too_few_file_descriptors_for_the_workers_is_one_line(tmp_path, limit):
    """`ulimit -n 16` and --jobs 2: loky could not open its workers' pipes and semaphores, and the run
    ended in a traceback (EMFILE under loky's UnboundLocalError), and a worker already started printed
    its own as the run exited. Now the line of what was written, then one naming the cause, exit 1,
    nothing left behind. (None: the second worker refused, the first started.)"""
    inputs, outdir, spool = tmp_path / "in", tmp_path / "out", tmp_path / "tmp"
    for d in (inputs, outdir, spool):
        d.mkdir()
    for i in range(6):
        write_jsonl(inputs / f"{i}.jsonl", [{"id": str(i), "text": "a few plain words"}])
    out = outdir / "scores.jsonl"
    ulimit = ["bash", "-c", f'ulimit -n {limit} && exec "$@"', "bash"] if limit else []
    run = ["-m", "service.cli"] if limit else ["-c", SECOND_WORKER_REFUSED]
    proc = subprocess.run(
        [*ulimit, sys.executable, *run, "score", str(inputs), "--jobs", "2", "--out", str(out)],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "TMPDIR": str(spool)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    shown = limit or resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"moderate score: stopped by an error after 0 of 6 files: nothing written to {out} (left as it was)",
        f"moderate score: error: too many open files to run 2 worker processes (`ulimit -n` is {shown}): "
        "raise `ulimit -n`, or use --jobs 1",
    ]
    assert list(outdir.iterdir()) == [] and list(spool.iterdir()) == []


def test_a_signal_the_process_ignores_stays_ignored(tmp_path, monkeypatch):
    """`nohup moderate score ... &`: SIGHUP is ignored, and SIGINT too in a script's background job.
    Noted while a row was written, an ignored SIGINT cut the output after that row, though the run went
    on; SIGHUP must not end such a run either."""
    import fcntl
    import threading
    import types

    from service import batch_process, output

    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 16 * 4096)
    main, received, waiting = threading.get_ident(), bytearray(), threading.Event()
    noting = types.SimpleNamespace(
        poll=lambda: _PollNotingAFullPipe(waiting), POLLOUT=select.POLLOUT, PIPE_BUF=select.PIPE_BUF
    )
    monkeypatch.setattr(output, "select", noting)
    text = "".join(f'{{"row": {i}, "text": "{"words " * 20}"}}\n' for i in range(20_000))  # ~3 MB

    def slow_reader() -> None:
        waiting.wait(PIPE_WAIT_DEADLINE_S)
        signal.pthread_kill(main, signal.SIGINT)
        signal.pthread_kill(main, signal.SIGHUP)
        while chunk := os.read(read_end, 1 << 16):
            received.extend(chunk)

    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGHUP)}
    try:
        with batch_process.signals_as_exit():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            reader = threading.Thread(target=slow_reader)
            reader.start()
            with os.fdopen(write_end, "w", encoding="utf-8") as sink:
                output.write_lines(sink, text)
            reader.join(timeout=PIPE_WAIT_DEADLINE_S)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    os.close(read_end)
    assert waiting.is_set(), "the write never waited on the full pipe"
    assert received.decode() == text


class _ClosedFuture:
    def result(self, timeout: float | None = None) -> None:
        from distributed.comm.core import CommClosedError

        raise CommClosedError("in <TCP (closed) ConnectionPool.gather>: Stream is closed")


class _ClientWhoseSchedulerDied:
    """A Dask client whose futures finished, but whose scheduler closed the connection before the
    results were gathered."""

    def __init__(self, address: str, timeout: str) -> None:
        self.address = address

    def __enter__(self) -> _ClientWhoseSchedulerDied:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def nthreads(self) -> dict[str, int]:
        return {"tcp://127.0.0.1:1": 1}

    def submit(self, *args: Any, **kwargs: Any) -> _ClosedFuture:
        return _ClosedFuture()


def test_a_result_gathered_as_the_dask_scheduler_closed_is_one_error(monkeypatch):
    # CI: the scheduler was killed just after a chunk finished; the client's gather raised
    # CommClosedError (not FutureCancelledError), and the run ended in a traceback.
    import dask.distributed

    from core.errors import ConfigurationError
    from service.batch_dispatch import chunk_results

    monkeypatch.setattr(dask.distributed, "Client", _ClientWhoseSchedulerDied)
    results = chunk_results([[1]], len, lambda item, why: 0, jobs=1, backend="dask", scheduler="tcp://x:1")
    with pytest.raises(ConfigurationError, match=r"the Dask scheduler at tcp://x:1 dropped the run's work"):
        next(results)


def test_a_dask_cluster_left_without_workers_says_so_and_gives_up(monkeypatch, caplog):
    # Every worker killed (or none started): the run waited on its first result for ever, silent.
    import logging

    from dask.distributed import LocalCluster

    from core.errors import ConfigurationError
    from service import batch_dispatch
    from service.batch_dispatch import chunk_results

    monkeypatch.setattr(batch_dispatch, "DASK_POLL_S", 0.1)
    monkeypatch.setattr(batch_dispatch, "DASK_NO_WORKER_S", 1.0)
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        results = chunk_results([[1]], len, lambda item, why: 0, jobs=1, backend="dask", scheduler=cluster)
        with (
            caplog.at_level(logging.WARNING, logger=batch_dispatch.__name__),
            pytest.raises(ConfigurationError, match=r"no Dask worker has been connected .* for 1 s"),
        ):
            next(results)
    assert "no Dask worker is connected to the scheduler" in caplog.text


LOST_SCHEDULER_RUN = """
import functools, sys
from service import batch, cli
from tests.service.batch_helpers import slow_factory
batch.run = functools.partial(batch.run, scorer_factory=slow_factory)
sys.exit(cli.main(sys.argv[1:]))
"""


def _scheduler_address(scheduler: subprocess.Popen[bytes], path: Path) -> str | None:
    """The address a Dask scheduler wrote to its --scheduler-file; None until it has."""
    assert scheduler.poll() is None, "the Dask scheduler exited"
    try:
        return str(json.loads(path.read_text())["address"])
    except (FileNotFoundError, ValueError, KeyError):  # not written yet, or not all of it
        return None


@pytest.mark.slow
def test_a_dask_scheduler_lost_mid_run_is_one_error_line(tmp_path):
    """The scheduler dies mid-run (its machine rebooted): the run ended in a FutureCancelledError
    traceback. Now it says what was done and ends with one error line, exit 1, --out left as it was;
    distributed's own records of the lost connection (~40 lines, two tracebacks) are left out."""

    inputs, outdir = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    outdir.mkdir()
    for i in range(200):
        write_jsonl(inputs / f"{i:03d}.jsonl", [{"id": str(i), "text": "some words " * 400}])
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    dask = [sys.executable, "-m"]
    # The scheduler takes a port of its own (0) and writes its address to a file: a port found free and
    # let go could be taken by another pytest worker's server before the scheduler bound it.
    scheduler_file = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [
            *dask,
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--scheduler-file",
            str(scheduler_file),
            "--no-dashboard",
        ],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        address = wait_until(lambda: _scheduler_address(scheduler, scheduler_file), 60, what="its address")
    except BaseException:
        scheduler.kill()
        scheduler.wait(timeout=30)
        raise
    worker = subprocess.Popen(
        [*dask, "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard"],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        argv = ["score", str(inputs), "--out", str(outdir / "scores.jsonl"), "--chunk-size", "1"]
        argv += ["--backend", "dask", "--scheduler", address]
        proc = subprocess.Popen(
            [sys.executable, "-c", LOST_SCHEDULER_RUN, *argv], cwd=repo, env=env, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 90
        while not _temp_output_written(outdir):
            assert proc.poll() is None and time.monotonic() < deadline, "run ended before it wrote anything"
            time.sleep(0.05)
        scheduler.kill()
        _, err = proc.communicate(timeout=120)
    finally:
        for p in (scheduler, worker):
            p.kill()
            p.wait(timeout=30)
    lines = err.decode().splitlines()
    assert proc.returncode == 1, err
    assert lines[-1].startswith(f"moderate score: error: the Dask scheduler at {address} dropped"), lines[-3:]
    assert "nothing written to" in lines[-2], lines[-3:]
    assert len(lines) == 2, err.decode()
    assert list(outdir.iterdir()) == []


def test_the_temp_files_of_a_killed_run_are_never_read_as_input(tmp_path, capsys):
    good = {"id": "real", "text": "an ordinary comment"}
    write_jsonl(tmp_path / "comments.jsonl", [good])
    leftovers = [".scores.jsonl.k3j2h1x_" + batch_discover.TEMP_SUFFIX, ".scores.jsonl.ab12cd34.part"]
    for name in leftovers:  # a comment row each, if they were scored
        write_jsonl(tmp_path / name, [{"id": "leftover", "text": "half-written output"}])
    rc, _, _ = run_batch(capsys, tmp_path, out=tmp_path / "scores.jsonl")
    assert rc == 0
    rows = rows_of((tmp_path / "scores.jsonl").read_text())
    assert [r["id"] for r in rows if r["kind"] == "comment"] == ["real"]
    skipped = sorted(Path(r["source"]).name for r in rows if r["kind"] == "skipped")
    assert skipped == sorted(leftovers)
    assert all("interrupted" in r["reason"] for r in rows if r["kind"] == "skipped")


KILLED_RUN = """
import sys
from service import batch, batch_jsonl
from tests.service.batch_helpers import args_for, slow_factory
sys.exit(batch.run(args_for(sys.argv[1], out=sys.argv[2], jobs=2, chunk_size=1), scorer_factory=slow_factory))
"""


def _cmdline(process) -> str:
    import psutil

    try:
        return " ".join(process.cmdline())
    except psutil.Error:  # exited between listing and reading
        return ""


@pytest.mark.slow
def test_workers_exit_when_their_parent_is_killed(tmp_path):
    import psutil

    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(400):  # ~40 s of slow scoring split over two workers
        write_jsonl(inputs / f"{i:03d}.jsonl", [{"id": str(i), "text": "some words " * 400}])
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(inputs), str(tmp_path / "scores.jsonl")],
        cwd=repo,
        stderr=subprocess.DEVNULL,
    )
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    workers: list[psutil.Process] = []
    while len(workers) < 2:  # loky's workers score; helper processes (resource trackers) exist too
        assert proc.poll() is None and time.monotonic() < deadline, "no workers started"
        workers = [c for c in parent.children(recursive=True) if "popen_loky" in _cmdline(c)]
        time.sleep(0.1)
    time.sleep(3)  # past their imports and into scoring; the whole run takes ~20 s
    assert proc.poll() is None, "the run ended before it could be killed mid-way"
    children = parent.children(recursive=True)
    proc.kill()  # kill -9: no cleanup runs in the parent
    proc.wait()
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], [p.cmdline()[:3] for p in alive]


class InterruptedInCompiledCodeScorer(FakeScorer):
    """A signal handler's exception raised inside a numba call: the call returns a SystemError caused by
    it ("CPUDispatcher(...) returned a result with an exception set"), as a real SIGTERM did."""

    interruption: BaseException = SystemExit(128 + signal.SIGTERM)

    def score(self, texts, article=None, *, use_thread=True, same_source=False):
        try:
            raise self.interruption
        except BaseException as exc:
            raise SystemError("CPUDispatcher(<function f>) returned a result with an exception set") from exc


@pytest.mark.parametrize("interruption", [SystemExit(128 + signal.SIGTERM), KeyboardInterrupt()])
def test_a_signal_inside_compiled_code_stops_the_run_not_one_file(tmp_path, capsys, interruption):
    for name in ("a.jsonl", "b.jsonl"):
        write_jsonl(tmp_path / name, [{"id": "1", "text": "an ordinary comment"}])

    def factory(model_dir: Path) -> FakeScorer:
        scorer = InterruptedInCompiledCodeScorer(model_dir=model_dir)
        scorer.interruption = interruption
        return scorer

    out = tmp_path / "scores.jsonl"
    with pytest.raises(type(interruption)):  # SIGTERM: SystemExit(143); Ctrl-C: 130 in service.cli
        batch.run(args_for(tmp_path / "a.jsonl", tmp_path / "b.jsonl", out=out), scorer_factory=factory)
    # the run was stopped: no output under the final name, and its temp file removed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "b.jsonl"]


class DyingScorer(FakeScorer):
    """Its process dies on a comment saying POISON, as one killed by the kernel's OOM killer does."""

    def score(self, texts, article=None, *, use_thread=True, same_source=False):
        if any("POISON" in t for t in texts):
            os._exit(137)
        return super().score(texts, article, use_thread=use_thread)


def dying_factory(model_dir: Path) -> DyingScorer:
    return DyingScorer(model_dir=model_dir)


def _poisoned_exports(root: Path) -> None:
    """Five one-line exports; c's comment kills the process that scores it."""
    for name in ("a", "b", "c", "d", "e"):
        text = "POISON pill" if name == "c" else "an ordinary comment"
        write_jsonl(root / f"{name}.jsonl", [{"id": name, "text": text}])


# What a run of _poisoned_exports writes: c is an error row, its chunk-mate d was run again alone and scored.
POISONED_ROWS = [("a", "comment"), ("b", "comment"), ("c", "error"), ("d", "comment"), ("e", "comment")]


@pytest.mark.slow
def test_a_worker_that_dies_costs_its_file_not_the_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 2)
    _poisoned_exports(tmp_path)
    rc, out, err = run_batch(capsys, tmp_path, factory=dying_factory, jobs=2, chunk_size=2)
    rows = rows_of(out)
    assert [(Path(r["source"]).stem, r["kind"]) for r in rows] == POISONED_ROWS
    assert rows[2]["error_type"] == "WorkerDiedError"
    assert "died again on this file alone (exit code EXIT(137))" in rows[2]["error"]
    assert rc == 1 and "1 failed" in err


@pytest.mark.slow
@pytest.mark.timeout(120)  # (before the fix the run hung for ever: joblib never completed the task)
def test_a_dask_worker_that_keeps_dying_costs_its_file_not_the_run(tmp_path, capsys):
    # A file whose scoring kills its Dask worker (the OOM killer, a segfault) made the scheduler give up
    # on its chunk (KilledWorker after `allowed-failures` retries), and that ended the whole run with a
    # traceback and nothing written. Now it is the same as on local workers: one WorkerDiedError row.
    import dask
    from dask.distributed import LocalCluster

    _poisoned_exports(tmp_path)
    # No retries by the scheduler: each death is a KilledWorker at once (the test stays fast).
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
    ):
        rc, out, err = run_batch(
            capsys,
            tmp_path,
            factory=dying_factory,
            backend="dask",
            scheduler=cluster.scheduler_address,
            chunk_size=2,
        )
    rows = rows_of(out)
    assert [(Path(r["source"]).stem, r["kind"]) for r in rows] == POISONED_ROWS
    assert rows[2]["error_type"] == "WorkerDiedError" and "worker process died" in rows[2]["error"]
    assert "1 Dask worker(s) died" in rows[2]["error"] and "(KilledWorker)" in rows[2]["error"]
    assert rc == 1 and "1 failed" in err
