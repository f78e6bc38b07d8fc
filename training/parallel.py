"""Run independent training stages side by side on a multi-core machine.

``forked(fn, *args, progress=...)`` starts ``fn(*args, buffer)`` in a forked child and returns a
handle; ``handle.result()`` waits, replays the child's progress lines through the parent's ``progress``
(so the log reads as if the stages ran one after the other) and returns the child's result or raises
its exception. When a stage fails, ``cancel_all`` stops the stages still running: their results are
not wanted, and a finished child would block writing its result to a pipe nobody reads while the
exiting parent waits for it (a missing corpus hung `moderate train` after its error).

Fork, not spawn: the child shares the parent's loaded corpora copy-on-write and sees the same code
(tests that swap a trainer see the swap in the child too).

With one usable core, or where fork is unavailable, the stage runs inline when ``result()`` is called:
the numbers are the same either way (every stage is seeded).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _stop(signum: int, frame: Any) -> None:
    sys.exit(128 + signum)  # unwinds the stage, so stages it started are cancelled too


def _die_with(parent: int) -> None:
    """SIGTERM this stage when the process that started it dies without unwinding (kill, a supervisor's
    stop, `timeout`): left alone, a stage trained on and then blocked for ever writing its result to a
    pipe no one would read (three such orphans, 1.2 GB, outlived a killed `moderate train`). Linux's
    PR_SET_PDEATHSIG; elsewhere nothing changes."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:  # it died before the line above: no signal will come
        sys.exit(128 + signal.SIGTERM)


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...], parent: int) -> None:
    signal.signal(signal.SIGTERM, _stop)
    _die_with(parent)
    lines: list[str] = []
    try:
        value = fn(*args, lines.append)
        payload: tuple[str, Any, list[str]] = ("ok", value, lines)
    except BaseException as exc:  # sent to the parent, which raises it
        payload = ("error", exc, lines)
    try:
        conn.send_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception as exc:  # an unpicklable result or exception: say what it was
        conn.send_bytes(pickle.dumps(("error", RuntimeError(f"training stage failed: {exc!r}"), lines)))
    finally:
        conn.close()


class Stage:
    """A training stage running in a forked child (or deferred, to run inline)."""

    def __init__(
        self, fn: Callable[..., Any], args: tuple[Any, ...], progress: Callable[[str], None]
    ) -> None:
        self.fn, self.args, self.progress = fn, args, progress
        self.process: Any = None
        self.conn: Connection | None = None
        if usable_cores() > 1 and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            parent, child = ctx.Pipe(duplex=False)
            # not a daemon: a stage may start stages of its own (the text family's languages)
            self.process = ctx.Process(target=_child, args=(child, fn, args, os.getpid()))
            self.process.start()
            child.close()
            self.conn = parent

    def result(self) -> Any:
        if self.conn is None:
            return self.fn(*self.args, self.progress)
        try:
            data = self.conn.recv_bytes()
        except EOFError:
            self.process.join()
            name = getattr(self.fn, "__name__", repr(self.fn))
            raise RuntimeError(f"training stage {name} died (exit code {self.process.exitcode})") from None
        finally:
            self.conn.close()
        self.process.join()
        status, value, lines = pickle.loads(data)  # our own child's bytes, over a private pipe
        for line in lines:
            self.progress(line)
        if status == "error":
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child if it still runs and reap it; its result is dropped. Idempotent."""
        if self.process is None:
            return
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=30)  # a long native fit returns to Python within seconds
            if self.process.is_alive():
                self.process.kill()
        self.process.join()
        if self.conn is not None:
            self.conn.close()


def cancel_all(stages: Iterable[Stage]) -> None:
    for stage in stages:
        stage.cancel()


def forked(fn: Callable[..., Any], *args: Any, progress: Callable[[str], None]) -> Stage:
    return Stage(fn, args, progress)
