"""Reading a page never waits: what the walk listed as a page file and is now a FIFO with a writer that
never writes, a terminal or a kernel file is an error row or a one-line error, not a hang."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import UnreadableInputError
from service import batch, ingest
from tests.service.batch_helpers import REPO, fake_factory, rows_of


@pytest.fixture
def fifo_with_a_writer(tmp_path: Path) -> Iterator[Path]:
    """A FIFO this process holds open for writing (O_RDWR) and never writes to: a reader waits on it."""
    fifo = tmp_path / "held.fifo"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR)
    try:
        yield fifo
    finally:
        os.close(fd)  # the writer goes: a reader still waiting gets its end of file


def test_a_page_swapped_for_a_held_fifo_after_the_walk_is_an_error_row_not_a_hang(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("Title\n\nBody of a page.\n")
    tasks = batch.discover([page])
    page.unlink()
    os.mkfifo(page)
    writer = os.open(page, os.O_RDWR)  # held open, nothing written: a blocking read waits for ever
    from service.settings import Settings

    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=fake_factory)
    results: list[batch.ChunkResult] = []
    worker = threading.Thread(target=lambda: results.append(batch.process_chunk(tasks, config)), daemon=True)
    try:
        worker.start()
        worker.join(timeout=20)
    finally:
        os.close(writer)  # (a reader still waiting gets its end of file, and the thread ends)
    worker.join(timeout=20)
    assert len(results) == 1 and not worker.is_alive()
    (row,) = rows_of(results[0].text)
    assert row["kind"] == "error" and row["error"] == "a FIFO (named pipe), not a page file", row
    assert row["error_type"] == "UnreadableInputError"


def _parse(path: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,  # a regression is a failure, not a hung test run
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("target", ["fifo", "/dev/ptmx"])
def test_a_page_name_for_a_fifo_or_a_terminal_is_a_one_line_error_not_a_hang(
    tmp_path, fifo_with_a_writer, target
):
    # `moderate parse` reads the file named: a held FIFO or a link to /dev/ptmx (whose reads wait for a
    # terminal's output) blocked for ever. Only this process's own standard input is read as a pipe.
    if target == "/dev/ptmx" and not os.path.exists(target):
        pytest.skip("no /dev/ptmx")
    page = tmp_path / "page.txt"
    page.symlink_to(fifo_with_a_writer if target == "fifo" else target)
    proc = _parse(page)
    kind = "a FIFO (named pipe)" if target == "fifo" else "a device"
    assert proc.returncode == 1 and proc.stdout == "", proc.stderr
    assert proc.stderr.strip().splitlines() == [f"moderate parse: error: {page}: {kind}, not a page file"]


def test_a_regular_file_whose_read_would_wait_is_refused_not_waited_on(tmp_path, monkeypatch):
    # /proc/kmsg is a "regular empty file" whose read waits for the kernel's next message; opened
    # non-blocking, the read says EAGAIN (simulated here: reading the real one drains the kernel's log).
    page = tmp_path / "kmsg"
    page.write_text("Title\n\nBody of a page.\n")
    real_read = os.read

    def would_block(fd: int, n: int) -> bytes:
        if os.path.samestat(os.fstat(fd), page.stat()) and os.get_blocking(fd) is False:
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        return real_read(fd, n)

    monkeypatch.setattr(ingest.os, "read", would_block)
    with pytest.raises(UnreadableInputError, match=r"reading it would wait for data"):
        ingest.read_limited(page, 1_000)
