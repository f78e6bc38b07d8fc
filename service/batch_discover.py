"""Step 1 of `moderate score` (and the walk of `moderate parse` and `report`): the PATHs walked in
sorted order, every directory entry classified as a ``Task`` (a page, a comment export, an entry that
cannot be read or is skipped, with the reason) from ``stat`` alone, so nothing ever blocks."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TextIO

from core.errors import MalformedInputError
from service import standard_input
from service.batch_jsonl import reads_as_json_document, reads_as_json_lines
from service.ingest import kind_of_mode

TaskKind = Literal["page", "jsonl", "error", "skipped", "stdin"]

# The --out file is written as `.NAME.XXXXXXXX.moderate-tmp` beside it and renamed when complete. A run
# killed with -9 leaves it behind: the walker reports such files (and the `.part` files of older
# versions) as skipped, never as input.
TEMP_SUFFIX = ".moderate-tmp"
_LEFTOVER = re.compile(r"^\..+\.[A-Za-z0-9_]{8}(?:\.moderate-tmp|\.part)$")


@dataclass(frozen=True, slots=True)
class Task:
    """One directory entry to account for in the output."""

    kind: TaskKind
    source: str
    reason: str | None = None  # why an "error" or "skipped" entry is not scored
    data: bytes | None = field(default=None, repr=False)  # the input itself, read from standard input
    spooled: str | None = None  # the file standard input was written to (a local run), read for `source`
    # An "error" entry's error_type: what the walk refuses (a dangling link, a FIFO, a directory it cannot
    # list) cannot be read, as docs/batch.md says and a page refused the same way when read is.
    error_type: str = "UnreadableInputError"


# Comment exports by name: JSON Lines is also spelled NDJSON (newline-delimited JSON).
JSONL_SUFFIXES = (".jsonl", ".ndjson")


def _file_task(path: str) -> Task:
    return Task("jsonl" if path.lower().endswith(JSONL_SUFFIXES) else "page", path)


def refuse_comment_export(data: bytes, source: str) -> None:
    """A page file holding a comment export (JSON lines, by any name, or one JSON document) is an
    error, not a page titled with its first line: the same for `moderate parse`, `report` and `score`."""
    if reads_as_json_lines(data):
        raise MalformedInputError(
            f"{source}: JSON lines (a comment export), not a page: `moderate score` reads an export "
            "from a .jsonl or .ndjson file, or from standard input"
        )
    if reads_as_json_document(data):
        raise MalformedInputError(
            f"{source}: a JSON document, not a page: `moderate score` reads a comment export as JSON "
            "lines, one comment object a line, from a .jsonl or .ndjson file, or from standard input"
        )


def _unstattable(path: str, exc: OSError) -> str:
    """The reason of an entry `os.stat` refused with `exc`: a link naming its target when it can."""
    if not os.path.islink(path):
        return f"cannot stat: {exc.strerror or exc}"
    try:
        target = os.readlink(path)
    except OSError as err:  # /proc/1/root of another user's process: the link itself is unreadable
        return f"symlink that cannot be followed ({exc.strerror or exc}) nor read ({err.strerror or err})"
    if exc.errno == errno.ELOOP:  # the link chain points back at itself
        return f"symlink loop (-> {target}): too many levels of symbolic links"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return f"dangling symlink (-> {target}): {exc.strerror}"
    return f"symlink (-> {target}) cannot be followed: {exc.strerror or exc}"


def _own_stat(path: str) -> os.stat_result | None:
    """The entry itself (a link that cannot be followed, not its target), or None."""
    try:
        return os.lstat(path)
    except OSError:
        return None


def discover(
    paths: Sequence[str | os.PathLike[str]],
    empty_dirs: list[str] | None = None,
    exclude: Mapping[tuple[int, int], str | None] | None = None,
    stdin_file: tuple[int, int, str] | None = None,
    stdin_any_kind: bool = False,
) -> list[Task]:
    """Every entry under `paths`, in argument order then sorted walk order, classified without reading.

    Directories are walked recursively following symlinks; a directory or file reached twice (a symlink
    loop, two links to one directory or file, a PATH named twice) is read once and the other entry gets a
    "skipped" task. A file is read once as a page and once as an export when its names say both (a
    `.txt` link to a `.jsonl` file). An entry refused (a symlink loop, a FIFO) named twice is one error.
    `exclude` maps the (device, inode) of files that are no input (this run's output) to the reason of
    their "skipped" task, or to None to leave them out altogether (the output's temp file).
    `stdin_file`: the file `-` is redirected from and how it is read (`standard_input.redirected_file`),
    the same file as a PATH reading it the same way; with `stdin_any_kind`, read any way (`moderate
    parse` reads every entry as a page, whatever its name).
    """
    tasks: list[Task] = []
    # Keyed by identity and how the entry is read: the same file is read at most once as a page and once
    # as an export (a page link to an export hid the export behind the page's error row).
    visited: dict[tuple[int, int, str], str] = {}
    exclude = exclude or {}
    stdin_named = False
    stdin_keys = [] if stdin_file is None else [stdin_file]
    if stdin_file is not None and stdin_any_kind:
        stdin_keys = [(*stdin_file[:2], kind) for kind in ("page", "jsonl")]

    def standard_input_entry() -> None:
        nonlocal stdin_named
        if stdin_named:
            why = "standard input, already read above (`-` named twice)"
            tasks.append(Task("skipped", standard_input.SOURCE, why))
        elif read := [visited[k] for k in stdin_keys if k in visited]:  # `score x.jsonl - < x.jsonl`
            why = f"standard input is the file already read as {read[0]} (named twice)"
            tasks.append(Task("skipped", standard_input.SOURCE, why))
        else:
            visited.update(dict.fromkeys(stdin_keys, standard_input.SOURCE))
            tasks.append(Task("stdin", standard_input.STDIN))
        stdin_named = True

    def refused(path: str, reason: str, st: os.stat_result | None) -> None:
        """An entry that cannot be read, keyed by `st` (a link's own, when it cannot be followed)."""
        key = None if st is None else (st.st_dev, st.st_ino, "error")
        if key in visited:  # named twice (or a second link to one FIFO): its error row once
            tasks.append(Task("skipped", path, f"already refused as {visited[key]} (named twice or alias)"))
            return
        if key is not None:
            visited[key] = path
        tasks.append(Task("error", path, reason))

    def entry(path: str, in_directory: bool) -> Iterator[str] | None:
        """Classify `path` into `tasks`; for a directory to walk, its entries' paths in sorted order."""
        if path == standard_input.STDIN and not in_directory:  # read by the consumer, once
            standard_input_entry()
            return None
        try:
            st = os.stat(path)
        except OSError as exc:
            refused(path, _unstattable(path, exc), _own_stat(path))
            return None
        hidden = in_directory and os.path.basename(path).startswith(".")
        if stat.S_ISDIR(st.st_mode) and not hidden:
            return walk(path, st)
        if (st.st_dev, st.st_ino) in exclude:
            reason = exclude[(st.st_dev, st.st_ino)]
            if reason is not None:
                tasks.append(Task("skipped", path, reason))
        elif stat.S_ISREG(st.st_mode) and _LEFTOVER.match(os.path.basename(path)):
            tasks.append(Task("skipped", path, "temp file of an interrupted `moderate score --out` run"))
        elif hidden:
            # .git, .DS_Store, an editor's swap file: a crawl's bookkeeping, no page. Named on the
            # command line, a hidden file is read.
            tasks.append(Task("skipped", path, "hidden (its name starts with '.'); name it to read it"))
        elif stat.S_ISREG(st.st_mode):
            task = _file_task(path)
            key = (st.st_dev, st.st_ino, task.kind)
            if key in visited:  # the same file named twice, or reached by a link: its rows once
                tasks.append(
                    Task("skipped", path, f"file already read as {visited[key]} (named twice or alias)")
                )
            else:
                visited[key] = path
                tasks.append(task)
        elif not in_directory and standard_input.is_standard_input(st):
            return entry(standard_input.STDIN, in_directory=False)  # read once, as `-` is
        else:
            refused(path, f"{kind_of_mode(st.st_mode)}, not a page file", st)
        return None

    def walk(path: str, st: os.stat_result) -> Iterator[str] | None:
        key = (st.st_dev, st.st_ino, "directory")
        if key in visited:
            tasks.append(
                Task("skipped", path, f"directory already walked as {visited[key]} (symlink loop or alias)")
            )
            return None
        visited[key] = path
        try:
            with os.scandir(path) as it:
                names = sorted(e.name for e in it)
        except OSError as exc:
            tasks.append(Task("error", path, f"cannot list directory: {exc.strerror or exc}"))
            return None
        if not names and empty_dirs is not None:
            empty_dirs.append(path)
        return (os.path.join(path, name) for name in names)

    # Depth first with a stack of the open directories' remaining entries, not recursion: a tree deeper
    # than Python's recursion limit (~500 levels took a RecursionError) is walked like any other.
    stack: list[Iterator[str]] = [iter([os.fspath(p) for p in paths])]
    while stack:
        path = next(stack[-1], None)
        if path is None:
            stack.pop()
        elif (entries := entry(path, len(stack) > 1)) is not None:
            stack.append(entries)
    return tasks


def own_output(stream: TextIO) -> dict[tuple[int, int], str | None]:
    """`discover`'s `exclude` for a run writing to `stream`: when it is a regular file (stdout
    redirected, `moderate score crawl > crawl/scores.jsonl`), a walk of the directory it sits in must
    not read the run's own output as input."""
    try:
        st = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):  # not a file descriptor (a StringIO, a closed stdout)
        return {}
    if not stat.S_ISREG(st.st_mode):
        return {}
    return {(st.st_dev, st.st_ino): "the standard output of this run (its own output, not input)"}
