"""`moderate score`: batch-score page files, directories of pages and comment JSONL exports.

Work is split in three steps so that it parallelises without changing the output:

1. ``discover`` (service/batch_discover.py) walks the PATHs in the parent, in sorted order, and turns
   every directory entry into a ``Task`` (a page, a comments JSONL file, or an entry that cannot be
   read, with the reason). Symlink loops, dangling links and FIFOs are classified there, from ``stat``
   alone, so nothing ever blocks.
2. ``process_chunk`` (service/batch_worker.py) parses and scores a chunk of tasks into the chunk's
   output already serialised (JSONL or CSV text: service/batch_rows.py; an export's threads:
   service/batch_threads.py) plus counters. A local run's chunk writes its rows to a spool file, which
   the parent copies to the output a piece at a time (the output never crosses the process boundary
   nor is held whole); on Dask, one string comes back per chunk. The model is loaded once per worker
   process (service/batch_config.py) and reused for every chunk.
3. ``score_paths`` (here) sends the chunks to loky processes (joblib) or an existing Dask cluster
   (service/batch_dispatch.py) and writes the results in chunk order, so the output is identical for
   any N, to standard output or atomically to --out (service/batch_outfile.py).

This module is the driver and the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TextIO

from core.errors import InputError, ModerationError
from service import standard_input
from service.batch_config import BatchConfig, ScorerFactory, get_scorer
from service.batch_discover import Task, discover, own_output
from service.batch_dispatch import TooManyOpenFilesError, chunk_results
from service.batch_outfile import atomic_output, is_an_input, out_problem
from service.batch_process import Progress, signals_as_exit
from service.batch_rows import CSV_COLUMNS, error_row, serialise
from service.batch_summary import VERDICTS as VERDICTS  # (re-exported: tests and callers name batch.VERDICTS)
from service.batch_summary import ChunkResult, Summary
from service.batch_worker import process_chunk
from service.ingest import display_line, without_source
from service.output import OutputError, whole_rows, write_lines
from service.settings import command_settings, served_model_dir


def chunked(tasks: Sequence[Task], size: int) -> list[list[Task]]:
    return [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]


def auto_chunk_size(n_tasks: int, jobs: int) -> int:
    # About 8 chunks per worker balances load; at most 64 files keeps progress updates frequent.
    if jobs <= 1:
        return 64
    return max(1, min(64, -(-n_tasks // (jobs * 8))))


# --------------------------------------------------------------------------------------------------
# 3. the driver


def _results(
    chunks: list[list[Task]], config: BatchConfig, jobs: int, backend: str, scheduler: str | None
) -> Iterator[ChunkResult]:
    return chunk_results(
        chunks,
        functools.partial(process_chunk, config=config),
        functools.partial(_died_on, config=config),
        jobs=jobs,
        backend=backend,
        scheduler=scheduler,
    )


def _died_on(task: Task, why: str, config: BatchConfig) -> ChunkResult:
    """The error row of a file whose worker process kept dying reading it; `why` says how often."""
    row = error_row(
        task.source,
        f"the worker process died reading this file (killed, e.g. out of memory, or a crash): {why}",
        "WorkerDiedError",
    )
    return ChunkResult(serialise([row], config.out_format), Counter(file_errors=1), 1, os.getpid(), 0)


def score_paths(
    paths: Sequence[str | os.PathLike[str]],
    config: BatchConfig,
    sink: TextIO,
    *,
    jobs: int = 1,
    backend: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    progress_stream: TextIO | None = None,
    show_progress: bool | None = None,
    chunk_size: int | None = None,
    exclude: Mapping[tuple[int, int], str | None] | None = None,
    summary: Summary | None = None,
) -> Summary:
    """Score everything under `paths` into `sink`; return the counters for the summary, kept in
    `summary` when given (what was written when a signal stops the run). `exclude`: see `discover`
    (this run's output file, when it sits under an input directory)."""
    started = time.perf_counter()
    summary = Summary() if summary is None else summary
    with _spooling(config, backend) as config:
        stdin_file = None
        if standard_input.STDIN in paths:  # (redirected from a file also named: read once)
            sniff = config.page_format == "auto"
            stdin_file = standard_input.redirected_file(config.limits.max_page_bytes, sniff=sniff)
        tasks = [
            _read_stdin(config) if t.kind == "stdin" else t
            for t in discover(paths, summary.empty_dirs, exclude, stdin_file)
        ]
        summary.total = len(tasks)
        if backend == "local" and jobs == 1 and any(t.kind in ("page", "jsonl") for t in tasks):
            # Fail fast on a bad model before writing anything. With workers, the parent never loads
            # it (that would cost a model's memory for nothing): a worker's ModelError stops the run.
            get_scorer(config)
        if config.out_format == "csv":
            sink.write(",".join(CSV_COLUMNS) + "\n")
        chunks = chunked(tasks, chunk_size or auto_chunk_size(len(tasks), jobs))
        progress = Progress(len(tasks), progress_stream or sys.stderr, show_progress)
        try:
            for result in _results(chunks, config, jobs, backend, scheduler):
                summary.cut_chunk = True  # (until its rows are all written)
                _write_chunk(sink, result, quoted=config.out_format == "csv")
                summary.cut_chunk = False
                summary.add(result)
                summary.last_written = tasks[summary.files - 1].source if summary.files else None
                progress.update(result.files)
        finally:
            progress.close()
    summary.elapsed = time.perf_counter() - started
    return summary


@contextmanager
def _spooling(config: BatchConfig, backend: str) -> Iterator[BatchConfig]:
    """`config` with a directory for a local run's chunks to write their rows to (`process_chunk`), and
    standard input to be written to as it is read (`_read_stdin`), removed with what is left in it when
    the run ends."""
    if backend != "local":  # a Dask worker's files are on its own machine: its rows come back as text
        yield config
        return
    try:
        spool = tempfile.TemporaryDirectory(prefix="moderate-score-", ignore_cleanup_errors=True)
    except OSError as exc:
        raise OutputError(f"no spool directory in {tempfile.gettempdir()} (TMPDIR): {exc.strerror}") from exc
    with spool as spool_dir:
        yield dataclasses.replace(config, spool_dir=spool_dir)


def _write_chunk(sink: TextIO, result: ChunkResult, *, quoted: bool) -> None:
    """A chunk's rows to `sink`: its text, or its spool file a piece at a time, then removed."""
    if result.spool is None:
        write_lines(sink, result.text, quoted=quoted)
        return
    try:
        fh = open(result.spool, "rb")  # noqa: SIM115 (closed below; only the open is an OutputError)
    except OSError as exc:
        raise OutputError(f"cannot read the spool file {result.spool}: {exc.strerror}") from exc
    with fh:
        for piece in whole_rows(fh, quoted=quoted):
            write_lines(sink, piece, quoted=quoted)
    os.unlink(result.spool)


def _read_stdin(config: BatchConfig) -> Task:
    """The `-` task, read here, in the process that has standard input (bounded as a file is: see
    `standard_input.read_input`). A local run's export is written to a file in its spool directory as
    it is read, and scored as that file; a page (at most MAX_PAGE_BYTES), or on Dask (a worker's disk
    is its own) an export too, is sent to the worker with the task."""
    limits, sniff = config.limits, config.page_format == "auto"
    spooled = None
    try:
        if config.spool_dir is None:
            export, data = standard_input.read_input(
                limits.max_page_bytes, limits.max_jsonl_lines, sniff=sniff
            )
        else:
            with _stdin_spool(config.spool_dir) as (spooled, write):
                export, data = standard_input.read_input(
                    limits.max_page_bytes, limits.max_jsonl_lines, sniff=sniff, spool=write
                )
    except InputError as exc:
        why = without_source(str(exc), standard_input.SOURCE)
        return Task("error", standard_input.SOURCE, why, error_type=type(exc).__name__)
    if not export:
        return Task("page", standard_input.SOURCE, data=data)
    return Task("jsonl", standard_input.SOURCE, data=None if spooled else data, spooled=spooled)


@contextmanager
def _stdin_spool(spool_dir: str) -> Iterator[tuple[str, Callable[[bytes], object]]]:
    """A new file in `spool_dir` for standard input, and the function that writes to it. A write it
    refuses (a full disk, a file size limit) is an OutputError, as for the chunks' rows there."""

    def refused(exc: OSError) -> OutputError:
        why = exc.strerror or str(exc)
        where = display_line(os.path.dirname(spool_dir))  # (the run's own directory there is removed)
        return OutputError(f"{why}, spooling standard input in {where} (TMPDIR)")

    try:
        fd, path = tempfile.mkstemp(prefix="stdin.", suffix=".jsonl", dir=spool_dir)
        fh = os.fdopen(fd, "wb")
    except OSError as exc:
        raise refused(exc) from exc

    def write(raw: bytes) -> None:
        try:
            fh.write(raw)
        except OSError as exc:
            raise refused(exc) from exc

    try:
        yield path, write
        try:
            fh.flush()
        except OSError as exc:
            raise refused(exc) from exc
    finally:
        with contextlib.suppress(OSError):  # (a write it refused has been said above)
            fh.close()


# --------------------------------------------------------------------------------------------------
# CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="page file, directory, or comments .jsonl; - reads a page or a comment export (its first "
        "line a JSON object) from standard input, named <stdin> in the rows",
    )
    parser.add_argument(
        "--out", help="write here (atomically) instead of stdout: a regular file or a new name (- is stdout)"
    )
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="output format")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (local backend)")
    parser.add_argument("--backend", choices=("local", "dask"), default="local")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786")
    parser.add_argument(
        "--model-dir", type=Path, help="model artifact directory (default: the version the service serves)"
    )
    parser.add_argument(
        "--page-format", choices=("auto", "text", "html"), default="auto", help="how pages are read"
    )
    parser.add_argument("--chunk-size", type=int, help="files per task sent to a worker (default: auto)")


def _usage_error(message: str) -> int:
    from service.cli import usage_error

    return usage_error("score", message)


def _scheduler_problem(address: str) -> str | None:
    """What is wrong with a Dask scheduler address, by Dask's own parser (None: it reads)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme not in {"tcp", "tls", "ws", "wss", "inproc"}:
            return f"a scheduler is reached over tcp, tls, ws, wss or inproc, not {scheme}"
        if scheme != "inproc":  # (an in-process cluster's address is not host:port)
            parse_host_port(location)
    except ValueError as exc:
        return f"{exc}; expected e.g. tcp://host:8786"
    return None


def _argument_problem(args: argparse.Namespace) -> str | None:
    """What makes the arguments (other than --out) a usage error, or None."""
    if args.jobs < 1:
        return "--jobs must be at least 1"
    if args.chunk_size is not None and args.chunk_size < 1:
        return "--chunk-size must be at least 1"
    if args.backend == "dask" and not args.scheduler:
        return "--backend dask needs --scheduler ADDRESS"
    if args.scheduler and args.backend != "dask":
        return "--scheduler only applies to --backend dask"
    if args.scheduler and (problem := _scheduler_problem(args.scheduler)):
        return f"--scheduler {args.scheduler!r}: {problem}"
    return standard_input.missing_paths(args.paths)


def run(args: argparse.Namespace, *, scorer_factory: ScorerFactory | None = None) -> int:
    if problem := _argument_problem(args):
        return _usage_error(problem)
    if args.out == "-":  # standard output, as `-` is standard input among the PATHs
        args.out = None
    if args.out is not None:
        problem = out_problem(args.out)
        if problem:
            return _usage_error(f"--out {problem}")
        args.out = Path(args.out)
        if is_an_input(args.out, args.paths):
            return _usage_error(f"--out {args.out} is one of the inputs: refusing to overwrite it")
    settings = command_settings("score")
    settings = settings.model_copy(update={"model_dir": args.model_dir or served_model_dir(settings)})
    if scorer_factory is None:  # the real model: refused as by `serve`, before any file is read
        from service.settings import check_artifact_thresholds

        check_artifact_thresholds(settings)
    if args.backend == "dask":
        # A Dask worker runs in its own working directory (on another machine, under a service): a
        # relative path would name another file there, or none. Rows name the absolute path.
        args.paths = [p if p == standard_input.STDIN else os.path.abspath(p) for p in args.paths]
        settings = settings.model_copy(update={"model_dir": Path(os.path.abspath(settings.model_dir))})
    config = BatchConfig.from_settings(settings, out_format=args.format, page_format=args.page_format)
    if scorer_factory is not None:
        config = dataclasses.replace(config, scorer_factory=scorer_factory)
    if args.backend == "local" and args.jobs > 1:
        level = logging.getLogger().getEffectiveLevel()
        config = dataclasses.replace(config, parent_pid=os.getpid(), log_level=level)
    jobs = args.jobs
    cores = os.cpu_count() or 1
    if args.backend == "local" and jobs > cores:
        # Scoring is CPU-bound and every worker holds the model (~360 MB): more workers than cores
        # only cost memory (--jobs 64 would want ~23 GB).
        print(
            f"moderate score: --jobs {jobs} is more than this machine's {cores} cores: using {cores}",
            file=sys.stderr,
        )
        jobs = cores
    kwargs: dict[str, Any] = {
        "jobs": jobs,
        "backend": args.backend,
        "scheduler": args.scheduler,
        "chunk_size": args.chunk_size,
        # A bar only on a terminal, and not when the rows themselves scroll on that terminal.
        "show_progress": sys.stderr.isatty() and (args.out is not None or not sys.stdout.isatty()),
    }
    summary = Summary()
    try:
        with signals_as_exit():
            if args.out is None:
                score_paths(
                    args.paths, config, sys.stdout, exclude=own_output(sys.stdout), summary=summary, **kwargs
                )
                sys.stdout.flush()
            else:
                with atomic_output(args.out) as fh:
                    # The output may sit under an input directory: neither it nor its temp file is input.
                    st = os.fstat(fh.fileno())
                    exclude: dict[tuple[int, int], str | None] = {(st.st_dev, st.st_ino): None}
                    with contextlib.suppress(OSError):
                        st = os.stat(args.out)
                        exclude[(st.st_dev, st.st_ino)] = "the --out file of this run (its previous output)"
                    score_paths(args.paths, config, fh, exclude=exclude, summary=summary, **kwargs)
    except (KeyboardInterrupt, SystemExit, ModerationError, OutputError) as stop:
        # Refused before any file was done: the error alone says it. (Workers that could not start
        # stopped a run already under way: what it wrote, nothing, is said as for a signal.)
        refused = isinstance(stop, (ModerationError, OutputError)) and not summary.files
        if refused and not isinstance(stop, TooManyOpenFilesError):
            raise
        said = summary.render_stopped(stop, args.out)
        if isinstance(stop, KeyboardInterrupt):  # service.cli prints it, as the run's last line
            raise KeyboardInterrupt(said) from stop
        print(said, file=sys.stderr)
        raise
    print(summary.render(), file=sys.stderr)
    return 1 if summary.errors else 0
