"""Where `moderate score` runs its chunks: in this process, on local loky processes (joblib), or on a
Dask cluster (its client's futures). Results come back in chunk order, whatever the backend, so the
output is identical for any N.

This module knows nothing of pages or rows: ``work`` turns a chunk into its result, and ``died`` gives
the result of an item whose worker process died reading it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import logging
import math
import os
import re
import signal
import time
import warnings
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any, TypeVar

from core.errors import ConfigurationError

log = logging.getLogger(__name__)

DASK_CONNECT_TIMEOUT = "10s"
# Chunks sent to a Dask cluster ahead of the one being written, per worker thread (joblib's default
# pre-dispatch): enough to keep every thread busy, while finished results wait on the cluster in order.
DASK_AHEAD_PER_THREAD = 2
# While a result is awaited the cluster is asked this often whether any worker is left. With none (every
# worker killed, none started) the run waited for ever, silent: it now says so, and gives up after
# DASK_NO_WORKER_S (ten minutes: a worker restarted by a supervisor or a job queue has come back by then).
DASK_POLL_S = 10.0
DASK_NO_WORKER_S = 600.0

_EXIT_CODES = re.compile(r"exit codes of the workers are \{([^}]*)\}")
# joblib's warning when its result generator is closed before its end ("4 tasks which were still being
# processed by the workers have been cancelled. You could benefit from adjusting the input task
# iterator ..."): here that is the run stopping on purpose (a closed output pipe, Ctrl-C, an error),
# which says so itself.
_JOBLIB_STOPPED_EARLY = r".*You could benefit from adjusting the input task iterator"

Item = TypeVar("Item")
Result = TypeVar("Result")


def chunk_results(
    chunks: Sequence[list[Item]],
    work: Callable[[list[Item]], Result],
    died: Callable[[Item, str], Result],
    *,
    jobs: int,
    backend: str,
    scheduler: str | None,
) -> Iterator[Result]:
    """``work(chunk)`` for every chunk, in order. An item whose worker process keeps dying (the OOM
    killer, a crash in compiled code) gets ``died(item, why)`` instead, and the run goes on."""
    if backend == "local" and jobs == 1:
        for chunk in chunks:  # in-process: no pickling at all
            yield work(chunk)
        return
    if backend == "dask":
        yield from _dask_results(chunks, work, died, scheduler)
        return
    with _out_of_descriptors(jobs):
        yield from _loky_results(chunks, work, died, jobs)


class TooManyOpenFilesError(ConfigurationError):
    """The worker processes could not be started: the process's open-file limit is too low for their
    pipes and semaphores. The run is stopped, not its files: each is still to do."""


@contextlib.contextmanager
def _out_of_descriptors(jobs: int) -> Iterator[None]:
    """loky starting its workers under a low `ulimit -n` (16, with --jobs 2) failed in a traceback
    whose EMFILE hid under another error (an UnboundLocalError in loky's cleanup): one line instead."""
    try:
        yield
    except Exception as exc:
        if not _caused_by(exc, errno.EMFILE):
            raise
        _kill_started_workers()
        import resource

        limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        shown = "unlimited" if limit == resource.RLIM_INFINITY else str(limit)
        raise TooManyOpenFilesError(
            f"too many open files to run {jobs} worker processes (`ulimit -n` is {shown}): "
            "raise `ulimit -n`, or use --jobs 1"
        ) from exc


def _kill_started_workers() -> None:
    """The workers loky started before one failed to start, killed and waited for. loky stops its
    workers from a thread it had not started yet: each was left starting up, and its traceback (its
    semaphores removed under it as this process exited) came after the run's last line."""
    from joblib.externals.loky import reusable_executor

    # (private: loky has no public way to reach a pool that failed to start)
    processes = getattr(getattr(reusable_executor, "_executor", None), "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(Exception):  # (best effort: the run's error is the one to tell)
            if process.is_alive():
                os.kill(process.pid, signal.SIGKILL)  # (loky's Popen has no kill())
                process.join(5)


def _caused_by(exc: BaseException, number: int) -> bool:
    """Whether `exc`, or an error it was raised from or while handling, is an OSError `number`."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, OSError) and cause.errno == number:
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _dask_results(
    chunks: Sequence[list[Item]],
    work: Callable[[list[Item]], Result],
    died: Callable[[Item, str], Result],
    scheduler: str | None,
) -> Iterator[Result]:
    """The chunks' results in order on a Dask cluster, at most DASK_AHEAD_PER_THREAD chunks per worker
    thread in flight. A chunk the scheduler gives up on (``KilledWorker``: its worker died
    ``distributed.scheduler.allowed-failures`` + 1 times) is run again item by item, and an item it
    gives up on again gets ``died``. (Not through joblib's Dask backend: it never completes a task
    that ends in KilledWorker, so the run hung for ever.)"""
    from dask.distributed import Client, KilledWorker
    from distributed.client import FutureCancelledError
    from distributed.comm.core import CommClosedError

    try:
        client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:  # (ValueError: an inproc address not there)
        raise ConfigurationError(
            f"cannot reach the Dask scheduler at {scheduler} within {DASK_CONNECT_TIMEOUT}: {exc}"
        ) from exc
    lost = (FutureCancelledError, CommClosedError)
    with _quiet_connection_loss(CommClosedError), client, _scheduler_lost(scheduler, lost):
        threads = sum(client.nthreads().values())
        log.info("dask cluster %s: %d workers, %d threads", scheduler, len(client.nthreads()), threads)
        ahead = DASK_AHEAD_PER_THREAD * max(1, threads)
        in_flight: deque[tuple[list[Item], Any]] = deque()
        queued = iter(chunks)
        for chunk in itertools.islice(queued, ahead):
            in_flight.append((chunk, client.submit(work, chunk, pure=False)))
        while in_flight:
            chunk, future = in_flight.popleft()
            try:
                result = _awaited(client, future, scheduler)
            except KilledWorker as exc:
                log.warning("a Dask worker kept dying on a chunk (%s): its files are run one by one", exc)
                yield from _dask_one_by_one(client, chunk, work, died, KilledWorker)
            else:
                yield result
            for following in itertools.islice(queued, 1):
                in_flight.append((following, client.submit(work, following, pure=False)))


def _awaited(client: Any, future: Any, scheduler: str | None) -> Any:
    """``future.result()``, saying so while the cluster has no worker, and a ConfigurationError (the run
    is incomplete) once it has had none for DASK_NO_WORKER_S."""
    without_since: float | None = None
    told_at = -math.inf
    while True:
        try:
            return future.result(timeout=DASK_POLL_S)
        except TimeoutError:
            if client.nthreads():
                without_since = None
                continue
        now = time.monotonic()
        without_since = now if without_since is None else without_since
        if now - without_since >= DASK_NO_WORKER_S:
            raise ConfigurationError(
                f"no Dask worker has been connected to the scheduler at {scheduler} for "
                f"{DASK_NO_WORKER_S:.0f} s: the run is incomplete"
            )
        if now - told_at >= 60:  # once a minute, not every poll
            told_at = now
            log.warning(
                "no Dask worker is connected to the scheduler at %s: waiting for one (the run stops "
                "after %.0f s without any)",
                scheduler,
                DASK_NO_WORKER_S,
            )


# distributed's own records of a lost scheduler connection, in this process: the client's stream closed
# (INFO with a traceback), its reconnection cancelled as the run closes the client or given up (ERROR,
# one with a traceback). ~40 lines before the run's stop line and error line, which say it once.
_CONNECTION_LOGGERS = ("distributed.client", "distributed.batched")
_GAVE_UP = "Failed to reconnect to scheduler"


@contextlib.contextmanager
def _quiet_connection_loss(closed: type[Exception]) -> Iterator[None]:
    """Leaves out, while the client is open and as it closes, distributed's records of its connection
    to the scheduler lost (`closed`: CommClosedError); its other records are logged as before."""

    def keep(record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, (closed, asyncio.CancelledError)):
            return False
        return not str(record.msg).startswith(_GAVE_UP)

    loggers = [logging.getLogger(name) for name in _CONNECTION_LOGGERS]
    for logger in loggers:
        logger.addFilter(keep)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(keep)


@contextlib.contextmanager
def _scheduler_lost(scheduler: str | None, lost: tuple[type[Exception], ...]) -> Iterator[None]:
    """A future the cluster cancelled (its scheduler gone or restarted: ``scheduler-connection-lost``),
    or a result fetched as the scheduler's connection closed (``CommClosedError`` from the client's
    gather: the future had finished just before the scheduler died), is a ConfigurationError, one
    line, not a traceback: the run cannot go on."""
    try:
        yield
    except lost as exc:
        why = getattr(exc, "reason", None) or exc
        raise ConfigurationError(
            f"the Dask scheduler at {scheduler} dropped the run's work ({why}): the run is incomplete"
        ) from exc


def _dask_one_by_one(
    client: Any,
    chunk: list[Item],
    work: Callable[[list[Item]], Result],
    died: Callable[[Item, str], Result],
    killed: type[Exception],
) -> Iterator[Result]:
    for item in chunk:  # one at a time: an item never shares a dying worker with its chunk-mates
        try:
            result = client.submit(work, [item], pure=False).result()
        except killed as exc:
            # (KilledWorker's properties; read defensively, as a newer distributed may change them)
            tries = int(getattr(exc, "allowed_failures", 0)) + 1
            worker = getattr(exc, "last_worker", None)
            last = getattr(worker, "address", worker)
            result = died(
                item, f"on this file alone, {tries} Dask worker(s) died, the last {last} (KilledWorker)"
            )
        yield result


def _loky_results(
    chunks: Sequence[list[Item]],
    work: Callable[[list[Item]], Result],
    died: Callable[[Item, str], Result],
    jobs: int,
) -> Iterator[Result]:
    """The chunks' results in order on `jobs` loky processes. A worker that dies (the kernel's OOM
    killer, a crash in compiled code) loses no other file: the first chunk not yet returned is run
    again alone, its files one by one if it dies again, and the rest resumes on a fresh pool."""
    from joblib import Parallel, delayed
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    def run(part: Sequence[list[Item]], n_jobs: int) -> Generator[Result, None, None]:
        calls = (delayed(work)(chunk) for chunk in part)
        return Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")(calls)

    done = 0
    while done < len(chunks):
        results = run(chunks[done:], jobs)
        try:
            for result in results:
                done += 1
                yield result
            return
        except TerminatedWorkerError as exc:
            log.warning(
                "a worker process died (%s): its unfinished files are run again", str(exc).split(".")[0]
            )
        finally:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=_JOBLIB_STOPPED_EARLY, category=UserWarning)
                results.close()  # (at its end, or after a worker died: nothing left to cancel)
        chunk = chunks[done]
        try:
            (result,) = run([chunk], 2)  # (n_jobs=1 would run it in this process)
        except TerminatedWorkerError:
            for task in chunk:
                try:
                    (result,) = run([[task]], 2)
                except TerminatedWorkerError as exc:
                    result = died(task, f"it died again on this file alone ({_exit_codes(exc)})")
                yield result
        else:
            yield result
        done += 1


def _exit_codes(exc: BaseException) -> str:
    """loky's '... The exit codes of the workers are {SIGKILL(-9)} ...' as 'exit code SIGKILL(-9)'."""
    found = _EXIT_CODES.search(str(exc))
    return f"exit code {found.group(1)}" if found else "exit code unknown"
