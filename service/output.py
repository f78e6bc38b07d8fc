"""The output of a `moderate` command (standard output, or `moderate score --out`): a write that fails
is an OutputError, told apart from every other OSError (a file being read), so the command ends with
one line, `cannot write the output`, and exit status 1."""

from __future__ import annotations

import errno
import io
from typing import Any, TextIO


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
