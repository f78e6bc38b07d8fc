"""`-` as a PATH of `moderate parse`, `report` and `score`: standard input (`curl URL | moderate score -`),
read with the bounds a file has (docs/limits.md) and named `<stdin>` in the output, as a file is by its
path. It is read once, in the process that started: a second `-` is a skipped entry."""

from __future__ import annotations

import os
import shlex
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

from core.errors import DecodeError, EmptyInputError, TooLargeError
from service.batch_jsonl import (
    MAX_JSONL_LINE_BYTES,
    is_blank_line,
    reads_as_json_lines,
    skip_rest_of_line,
)
from service.ingest import is_standard_input as is_standard_input  # (named here by the walk)

STDIN = "-"  # the PATH that names standard input, as for cat
SOURCE = "<stdin>"  # its name in rows, reports and errors (a "-" cell would be quoted in CSV)


def missing_paths(paths: Sequence[str]) -> str | None:
    """The usage error of `moderate parse`, `report` and `score` for PATHs that name nothing (neither
    `-` nor an existing entry; a dangling link exists: it is an error row, as in a directory), each
    named and quoted when it needs it, or None."""
    missing = [p for p in paths if p != STDIN and not os.path.lexists(p)]
    if not missing:
        return None
    return f"no such file or directory: {', '.join(shlex.quote(p) for p in missing)}"  # ('' too)


def _stream() -> BinaryIO:
    if sys.stdin is None:  # started with it closed (`<&-`)
        raise EmptyInputError(f"{SOURCE}: no standard input (it is closed)")
    return sys.stdin.buffer


def _reading(what: str) -> DecodeError:
    return DecodeError(f"{SOURCE}: cannot read standard input: {what}")


def check_page_size(data: bytes, max_bytes: int) -> bytes:
    """`data` read from standard input (at most one byte over `max_bytes`), refused as a file over
    the page limit is."""
    if len(data) > max_bytes:
        raise TooLargeError(f"{SOURCE}: over the page limit of {max_bytes:,} bytes")
    return data


def read_page(max_bytes: int) -> bytes:
    """A page from standard input: never more than one byte over the page limit is read."""
    try:
        data = _stream().read(max_bytes + 1)
    except OSError as exc:
        raise _reading(exc.strerror or str(exc)) from exc
    return check_page_size(data, max_bytes)


def _first_line(stream: BinaryIO, max_page_bytes: int) -> bytes:
    """The first line, which tells a page from a comment export: at most one byte over either bound."""
    return stream.readline(min(MAX_JSONL_LINE_BYTES, max_page_bytes) + 1)


def read_page_unless_export(max_page_bytes: int) -> bytes | None:
    """For `moderate report`: a page from standard input (bounded as `read_page` reads one), or None
    when it is a comment export (its first line a JSON object, as `read_input` tells them apart), of
    which no more is read."""
    stream = _stream()
    try:
        first = _first_line(stream, max_page_bytes)
        if reads_as_json_lines(first):
            return None
        data = first + stream.read(max_page_bytes + 1 - len(first))
    except OSError as exc:
        raise _reading(exc.strerror or str(exc)) from exc
    return check_page_size(data, max_page_bytes)


def redirected_file(max_page_bytes: int, *, sniff: bool) -> tuple[int, int, str] | None:
    """Standard input redirected from a regular file not yet read (`moderate score - x.jsonl <
    x.jsonl`): that file's identity and how `read_input` will read it, "jsonl" or "page" (its first line
    peeked with pread: nothing is consumed), for the walk to read the file once. None for a pipe, a
    terminal, or a file already partly read (the rest of it is another input)."""
    try:
        fd = sys.stdin.fileno()  # (None: closed, an AttributeError)
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or os.lseek(fd, 0, os.SEEK_CUR) != 0:
            return None
        head = os.pread(fd, min(MAX_JSONL_LINE_BYTES, max_page_bytes) + 1, 0)
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's replacement)
        return None
    first = head[: head.find(b"\n") + 1] or head  # as `_first_line` reads it
    return st.st_dev, st.st_ino, "jsonl" if _is_export(first, sniff) else "page"


def _is_export(first: bytes, sniff: bool) -> bool:
    return sniff and reads_as_json_lines(first)


def read_input(
    max_page_bytes: int, max_lines: int, *, sniff: bool, spool: Callable[[bytes], object] | None = None
) -> tuple[bool, bytes]:
    """For `moderate score`: (is a comment export, its bytes). A first line that is a JSON object makes
    it an export (with `sniff`, i.e. --page-format auto), as a `.jsonl` name makes a file one; it is
    read to at most one line past `max_lines` (refused then, as a file is), each line to its first
    MAX_JSONL_LINE_BYTES + 1 bytes (an error row then, as in a file). Otherwise it is a page: at most
    one byte over `max_page_bytes`, checked by the worker with `check_page_size`.
    With `spool`, an export's lines are passed to it as they are read (written to a file: memory stays
    bounded, whatever the export's size) and its bytes returned are b""; what `spool` raises is its own."""
    stream = _stream()
    try:
        first = _first_line(stream, max_page_bytes)
        if not _is_export(first, sniff):
            return False, first + stream.read(max_page_bytes + 1 - len(first))
    except OSError as exc:
        raise _reading(exc.strerror or str(exc)) from exc
    lines: list[bytes] = []
    keep = lines.append if spool is None else spool
    keep(first)
    for raw in _export_lines(stream, max_lines):
        keep(raw)
    return True, b"".join(lines)


def _export_lines(stream: BinaryIO, max_lines: int) -> Iterator[bytes]:
    """The lines after an export's first, to at most one past `max_lines` in all; a line over
    MAX_JSONL_LINE_BYTES as its first bytes (read past the rest: still over the bound, one error row).
    Blank lines past `max_lines` are read past, not kept, to the first that is not: as in a file, only
    such a line makes the export over the limit (one blank line there ended the export unrefused)."""
    n = 1
    while True:
        try:
            raw = stream.readline(MAX_JSONL_LINE_BYTES + 1)
            oversized = len(raw) > MAX_JSONL_LINE_BYTES and not raw.endswith(b"\n")
            if oversized:
                skip_rest_of_line(stream)
                raw += b"\n"
        except OSError as exc:
            raise _reading(exc.strerror or str(exc)) from exc
        if not raw:
            return
        n += 1
        if n <= max_lines:
            yield raw
        elif oversized or not is_blank_line(raw):
            yield raw  # over the limit: the export's error row
            return
