"""`moderate score --out`: what a file must be to be written (a regular file or a new name, not one of
the inputs), and writing it atomically (temp file, fsync, rename)."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO, cast

from core.errors import ConfigurationError
from service.batch_discover import TEMP_SUFFIX, kind_of_mode
from service.batch_rows import OUR_CSV_HEADERS
from service.ingest import display_line
from service.output import CheckedOutput, OutputError


@contextmanager
def atomic_output(path: Path) -> Iterator[TextIO]:
    """Write to a temp file beside `path`, fsync, then rename over it; on any failure remove the temp.

    Readers never see a half-written file under the final name: it is either the old file or the new.
    """
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=directory)
    try:
        # mkstemp makes the file 0600: give it the mode a plain open() would (or the old file's).
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(fd, mode)
        fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        try:
            # A write the disk refuses (full, a file size limit) is an OutputError: one line, exit 1.
            checked = CheckedOutput(fh)
            yield cast(TextIO, checked)
            checked.flush()
            try:
                os.fsync(fh.fileno())
            except OSError as exc:
                raise OutputError(exc.strerror or str(exc)) from exc
        finally:
            with contextlib.suppress(OSError):  # after a refused write its unwritten buffer is dropped
                fh.close()
        problem = out_problem(str(path))  # it may have changed while we worked: never replace a device
        if problem:
            raise ConfigurationError(f"--out {problem}; the output is not written")
        existed = path.exists()
        try:
            os.replace(tmp, path)
        except FileNotFoundError as exc:  # removed by hand (or a cleaner): its rows went with it
            kept = "left as it was" if existed else "not written"
            raise OutputError(
                f"its temp file {display_line(tmp)} was removed during the run: the output is lost, "
                f"{display_line(str(path))} is {kept}"
            ) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # Make the rename itself durable.
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _looks_like_our_output(path: Path) -> bool:
    """Whether an existing file starts like a `moderate score` output (JSONL rows or the CSV header)."""
    try:
        with path.open("rb") as fh:
            first = fh.readline(1 << 16).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return False
    if not first or first in OUR_CSV_HEADERS:
        return True
    try:
        row = json.loads(first)
    except (ValueError, RecursionError):
        return False
    return (
        isinstance(row, dict)
        and row.get("kind") in ("comment", "page", "error", "skipped")
        and "source" in row
    )


def out_problem(raw: str) -> str | None:
    """What is wrong with `raw` as --out, or None. Only a regular file or a new name in a writable
    directory will do: the output is renamed over it, which would replace a FIFO, a device (as root,
    /dev/stdout itself) or a symlink with a plain file."""
    if not raw:
        return "is empty: give a file name"
    if raw.endswith(os.sep):
        return f"{raw} names a directory: give a file name"
    path = Path(raw)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        return f"{raw}: cannot check it: {exc.strerror or exc}"
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            return f"{raw} is a symlink: give the file it points to, or a new name (it is left as it is)"
        if stat.S_ISDIR(st.st_mode):
            return f"{raw} is a directory: give a file name"
        if not stat.S_ISREG(st.st_mode):
            return f"{raw} is {kind_of_mode(st.st_mode)}: only a regular file or a new name (left as it is)"
        if not os.access(path, os.W_OK):
            return f"{raw} is not writable"
    parent = path.parent
    if not parent.is_dir():
        return f"directory {parent} does not exist"
    try:  # the real test of "writable": root passes os.access on a read-only file system
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=parent)
    except OSError as exc:
        return f"cannot write in {parent}: {exc.strerror or exc}"
    os.close(fd)
    os.unlink(probe)
    return None


def is_an_input(out: Path, paths: Sequence[str]) -> bool:
    """`out` exists and is an input: named as a PATH, or under a PATH directory and not an earlier
    output of ours (that one is skipped, see `run`). Overwriting it would lose the input."""
    if not out.is_file():
        return False
    target = out.resolve()
    for p in map(Path, paths):
        try:
            resolved = p.resolve()
        except (OSError, RuntimeError):  # a symlink loop (RuntimeError until Python 3.13): its error row
            continue
        if resolved == target:
            return True
        if p.is_dir() and target.is_relative_to(resolved) and not _looks_like_our_output(out):
            return True
    return False
