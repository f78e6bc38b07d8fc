"""Where `moderate score` runs its chunks: in this process, on local loky processes (joblib), or on a
Dask cluster through joblib's Dask backend. Results come back in chunk order, whatever the backend, so
the output is identical for any N.

This module knows nothing of pages or rows: ``work`` turns a chunk into its result, and ``died`` gives
the result of an item whose worker process died reading it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from core.errors import ConfigurationError

log = logging.getLogger(__name__)

DASK_CONNECT_TIMEOUT = "10s"

Item = TypeVar("Item")
Result = TypeVar("Result")


def chunk_results(
    chunks: Sequence[list[Item]],
    work: Callable[[list[Item]], Result],
    died: Callable[[Item], Result],
    *,
    jobs: int,
    backend: str,
    scheduler: str | None,
) -> Iterator[Result]:
    """``work(chunk)`` for every chunk, in order."""
    if backend == "local" and jobs == 1:
        for chunk in chunks:  # in-process: no pickling at all
            yield work(chunk)
        return
    from joblib import Parallel, delayed, parallel_config

    calls = (delayed(work)(chunk) for chunk in chunks)
    if backend == "dask":
        from dask.distributed import Client

        try:
            client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:  # (ValueError: an inproc address not there)
            raise ConfigurationError(
                f"cannot reach the Dask scheduler at {scheduler} within {DASK_CONNECT_TIMEOUT}: {exc}"
            ) from exc
        with client, parallel_config(backend="dask"):
            log.info("dask cluster %s: %d workers", scheduler, len(client.scheduler_info()["workers"]))
            yield from Parallel(n_jobs=-1, return_as="generator")(calls)
        return
    yield from _loky_results(chunks, work, died, jobs)


def _loky_results(
    chunks: Sequence[list[Item]],
    work: Callable[[list[Item]], Result],
    died: Callable[[Item], Result],
    jobs: int,
) -> Iterator[Result]:
    """The chunks' results in order on `jobs` loky processes. A worker that dies (the kernel's OOM
    killer, a crash in compiled code) loses no other file: the first chunk not yet returned is run
    again alone, its files one by one if it dies again, and the rest resumes on a fresh pool."""
    from joblib import Parallel, delayed
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    def run(part: Sequence[list[Item]], n_jobs: int) -> Iterator[Result]:
        calls = (delayed(work)(chunk) for chunk in part)
        return Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")(calls)

    done = 0
    while done < len(chunks):
        try:
            for result in run(chunks[done:], jobs):
                done += 1
                yield result
            return
        except TerminatedWorkerError as exc:
            log.warning(
                "a worker process died (%s): its unfinished files are run again", str(exc).split(".")[0]
            )
        chunk = chunks[done]
        try:
            (result,) = run([chunk], 2)  # (n_jobs=1 would run it in this process)
        except TerminatedWorkerError:
            for task in chunk:
                try:
                    (result,) = run([[task]], 2)
                except TerminatedWorkerError:
                    result = died(task)
                yield result
        else:
            yield result
        done += 1
