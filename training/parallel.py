"""Run independent training stages side by side on a multi-core machine.

``forked(fn, *args, progress=...)`` starts ``fn(*args, buffer)`` in a forked child and returns a
handle; ``handle.result()`` waits, replays the child's progress lines through the parent's ``progress``
(so the log reads as if the stages ran one after the other) and returns the child's result or raises
its exception. Fork, not spawn: the child shares the parent's loaded corpora copy-on-write and sees the
same code (tests that swap a trainer see the swap in the child too).

With one usable core, or where fork is unavailable, the stage runs inline when ``result()`` is called:
the numbers are the same either way (every stage is seeded).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
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
            self.process = ctx.Process(target=_child, args=(child, fn, args))
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


def forked(fn: Callable[..., Any], *args: Any, progress: Callable[[str], None]) -> Stage:
    return Stage(fn, args, progress)
