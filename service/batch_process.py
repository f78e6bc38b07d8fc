"""Process-level helpers of `moderate score`: the progress bar, a local worker's watch on its parent,
a process's peak memory, telling an interruption (Ctrl-C, SIGTERM) from a file's error, and SIGTERM,
SIGHUP and SIGUSR1 turned into an exit that cleans up."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from service.output import LOG_FORMAT, STOP_SIGNALS


class Progress:
    """A one-line progress bar on a terminal; silent when `stream` is not a TTY (pipes, CI logs)."""

    def __init__(self, total: int, stream: TextIO, enabled: bool | None = None) -> None:
        self.total = total
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self.done = 0
        self.started = time.perf_counter()
        self._last = 0.0

    def update(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if self.enabled and (now - self._last > 0.1 or self.done >= self.total):
            self._last = now
            frac = self.done / self.total if self.total else 1.0
            bar = "#" * int(frac * 30)
            rate = self.done / max(now - self.started, 1e-9)
            self.stream.write(f"\r[{bar:<30}] {self.done}/{self.total} files {rate:.1f}/s")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def peak_rss_bytes() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


_watching_parent = False


def exit_with_parent(parent_pid: int | None) -> None:
    """In a local worker: a thread that ends this process once its parent is gone. A `moderate score`
    killed with -9 would otherwise leave its workers running, each holding a model (~350 MB).
    Checked twice a second; a worker inside a long C call notices when the call returns."""
    global _watching_parent
    if parent_pid is None or _watching_parent or os.getpid() == parent_pid:
        return
    _watching_parent = True
    first_parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass  # the pid exists (reused by another user's process: the ppid check below sees it)
            if os.getppid() != first_parent:
                os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def log_like_parent(level: int | None) -> None:
    """In a local worker: log to stderr at `level` (the `moderate` process's), in its format. A worker
    had no logging set up, so its lines came out bare and `-v` showed none of its debug lines (the
    traceback an 'unexpected' error points to). A process that logs already is left as it is."""
    root = logging.getLogger()
    if level is not None and not root.handlers:
        logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr)


def interruption(exc: BaseException) -> BaseException | None:
    """The Ctrl-C or SIGTERM (KeyboardInterrupt, SystemExit) behind `exc`, if any. One landing inside a
    compiled call (numba, numpy) comes out as that call's SystemError, caused by the interruption: it
    must stop the run, not become an "internal error" row for the file while the run goes on."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, (KeyboardInterrupt, SystemExit)):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


@contextmanager
def signals_as_exit() -> Iterator[None]:
    """Turn SIGTERM (a scheduler killing the job), SIGHUP and SIGUSR1 (output.STOP_SIGNALS) into
    SystemExit(128 + signal number), so the temp --out file and the spool directory are removed and the
    run says what it wrote. A signal the process was started ignoring (`nohup`'s SIGHUP) stays ignored."""

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    for s, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(s, terminate)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
