"""The output of a `moderate` command (standard output, or `moderate score --out`): a write that fails
is an OutputError, told apart from every other OSError (a file being read), so the command ends with
one line, `cannot write the output`, and exit status 1."""

from __future__ import annotations

import contextlib
import errno
import io
import math
import os
import select
import signal
import stat
import threading
import time
from collections.abc import Iterator
from typing import Any, BinaryIO, TextIO

# stderr's log lines, in the `moderate` process and in its local worker processes alike.
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


class OutputError(Exception):
    """The output refused a write: a full disk, a file size limit, a closed descriptor (a closed pipe
    is not this: the reader is done)."""


class _ClosedOutput(io.TextIOBase):
    """sys.stdout when the process was started with it closed (`>&-`)."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


class CheckedOutput:
    """A text stream whose write or flush that fails is an OutputError (None: a closed stdout); the
    rest goes to the stream itself."""

    def __init__(self, out: TextIO | None) -> None:
        self._out: Any = _ClosedOutput() if out is None else out

    def write(self, text: str) -> int:
        return int(self._call("write", text))

    def flush(self) -> None:
        self._call("flush")

    def _call(self, name: str, *args: Any) -> Any:
        try:
            return getattr(self._out, name)(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(exc.strerror or str(exc)) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._out, name)


# A run stopped by a signal while it writes a line still writes the rest of that line, so its output
# never ends in half a row, if the reader takes it within this long; a reader that takes nothing for
# this long is not waited for (a stopped run must end).
FINISH_LINE_SECONDS = 5.0


def write_lines(sink: TextIO, text: str | bytes, *, quoted: bool = False) -> None:
    """Write `text` (whole lines; bytes are UTF-8 already) to `sink`, as UTF-8 through its file
    descriptor when it has one. A Ctrl-C or a STOP_SIGNALS signal landing while the write waited on a
    full pipe (a slow reader) left half a line and dropped the rest of the buffer; now the signal waits
    for the end of the line being written (at most FINISH_LINE_SECONDS), then acts as it would have. A
    write the output refuses is an OutputError (a closed pipe stays a BrokenPipeError). `quoted`: CSV,
    where a newline inside a double-quoted cell ends no row."""
    try:
        fd = sink.fileno()
    except (AttributeError, OSError, ValueError):  # no descriptor (a StringIO; io.UnsupportedOperation)
        sink.write(text if isinstance(text, str) else text.decode("utf-8"))
        return
    sink.flush()
    raw = text.encode("utf-8") if isinstance(text, str) else text
    data = memoryview(raw)
    # A pipe or terminal takes at most PIPE_BUF bytes a write once poll() says writable: such a write
    # never blocks, so a signal is seen between writes. A regular file takes the rest at once.
    regular = stat.S_ISREG(os.fstat(fd).st_mode)
    piece = len(data) if regular else select.PIPE_BUF
    writable = select.poll()
    writable.register(fd, select.POLLOUT)
    done, deadline = 0, math.inf
    try:
        with _signals_deferred() as caught:
            end = len(raw)
            while done < end:
                if caught and deadline == math.inf:  # only the rest of the line being written, then stop
                    end = _row_end(raw, done, quoted)
                    deadline = time.monotonic() + FINISH_LINE_SECONDS
                    continue
                if time.monotonic() > deadline:
                    break
                if regular or writable.poll(100):  # (milliseconds)
                    done += os.write(fd, data[done : min(end, done + piece)])
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc)) from exc


# Rows spooled to a file (a chunk of `moderate score`) are written on this many bytes at a time: the
# output is never held whole (499,000 lines' rows are ~230 MB), and a write is still a few syscalls.
PIECE_BYTES = 1 << 20


def whole_rows(fh: BinaryIO, *, quoted: bool = False, size: int = PIECE_BYTES) -> Iterator[bytes]:
    """The rows in `fh` (UTF-8, whole rows) in pieces of about `size` bytes, each ending where a row
    ends, so that `write_lines` can finish the row a signal cuts; a row longer than `size` is one piece.
    `quoted`: CSV, as for `write_lines`."""
    rest = b""
    while piece := fh.read(size):
        rest += piece
        if end := _last_row_end(rest, quoted):
            yield rest[:end]
            rest = rest[end:]
    if rest:
        yield rest


def _last_row_end(raw: bytes, quoted: bool) -> int:
    """Where the last whole row of `raw` (which starts a row) ends, or 0: after its last newline, or in
    CSV its last one outside a quoted cell (one backward pass, counting the quotes after each)."""
    at = raw.rfind(b"\n")
    if not quoted:
        return at + 1
    quotes, end = raw.count(b'"'), len(raw)
    while at != -1:
        quotes -= raw.count(b'"', at, end)  # now the quotes before this newline
        if quotes % 2 == 0:
            return at + 1
        end, at = at, raw.rfind(b"\n", 0, at)
    return 0


def _row_end(raw: bytes, done: int, quoted: bool) -> int:
    """Where the row that `raw[:done]` cuts ends: at its next newline, or in CSV at the next one outside
    a quoted cell (csv doubles a quote inside a cell: a newline ends a row when the quotes before it are
    even)."""
    at = done - 1
    while done and (at := raw.find(b"\n", at)) != -1:
        if not quoted or raw.count(b'"', 0, at) % 2 == 0:
            return at + 1
        at += 1
    return len(raw) if done else 0


# Signals that end a command-line run as SIGTERM does (SIGHUP: the terminal closed, an ssh session
# dropped; SIGUSR1, whose default also kills, sent by a script or by mistake), besides Ctrl-C. SIGQUIT
# (Ctrl-\) keeps its default, an exit at once with a core dump to debug a stuck run: no Python runs.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[list[int]]:
    """SIGINT and STOP_SIGNALS only noted (in the list yielded) while the block runs, then raised again
    with the handlers as they were (KeyboardInterrupt, `signals_as_exit`'s SystemExit, or the default).
    One the process ignores (SIGINT in a background job, `nohup`'s SIGHUP) is left ignored: noted, it
    cut the row being written and the rest of the output was dropped, though the run went on."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():  # (only it can set handlers)
        yield caught
        return
    signals = [s for s in (signal.SIGINT, *STOP_SIGNALS) if signal.getsignal(s) is not signal.SIG_IGN]
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in signals}
    try:
        yield caught
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
    if caught:
        signal.raise_signal(caught[0])
