"""Small helpers shared by tests."""

from __future__ import annotations

import contextlib
import csv
import fcntl
import itertools
import os
import pickle
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.05, what: str = "condition"
) -> T:
    """Poll ``predicate`` until it returns something truthy and return that; fail after ``timeout``
    seconds. Tests wait for the state they need instead of sleeping a guessed time: fast when the
    machine is idle, still correct when it is loaded."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(interval)


def built_once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[], T]) -> T:
    """``build()`` once per test run, not once per xdist worker: the first worker to ask builds it and
    pickles it into the run's temporary folder, the others wait on a lock and load the pickle. For
    session fixtures that every worker needs and no test changes (a corpus parsed from pages, a model
    trained on it): loadscope sends their modules to both workers, and each built them (~5 s each)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return build()
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, above each worker's own
    path = shared / f"{name}.pickle"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, a failed build included
        if path.is_file():
            value: T = pickle.loads(path.read_bytes())
            return value
        value = build()
        path.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        return value


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections for as long as the block runs: bound and never listening,
    so no other process (another pytest worker's server) can take it, as it could a port found free and
    let go."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def blocked_writing_pipe(pid: int) -> bool:
    """Whether process ``pid`` is asleep in a write to a full pipe (Linux: its state is S and its wait
    channel is the kernel's pipe_write, "anon_pipe_write" on newer kernels)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[-1].split()[0]
        with open(f"/proc/{pid}/wchan") as fh:
            channel = fh.read()
    except FileNotFoundError:
        return False
    return state == "S" and "pipe_write" in channel


def corpus_comments(data_dir: Path, per_file: int) -> list[str]:
    """The first ``per_file`` comments of each multilingual corpus file (MLMA en/fr/ar, C3, GermEval):
    the language kernels' equivalence tests read the same real comments."""
    texts: list[str] = []
    for lang in ("en", "fr", "ar"):
        with (data_dir / "mlma-hate-speech" / f"{lang}_dataset.csv").open(encoding="utf-8") as fh:
            texts += [row["tweet"] for row in itertools.islice(csv.DictReader(fh), per_file)]
    with (data_dir / "c3-constructive-comments" / "C3_anonymized.csv").open(encoding="utf-8") as fh:
        texts += [row["comment_text"] for row in itertools.islice(csv.DictReader(fh), per_file)]
    with (data_dir / "germeval-2018" / "germeval2018.training.txt").open(encoding="utf-8") as fh:
        texts += [line.split("\t")[0] for line in itertools.islice(fh, per_file)]
    return texts


# A short local news article (pages written for the parser's tests build text dumps around it).
LIBRARY_HEADLINE = "Old library stays open for the winter"
LIBRARY_PARAGRAPHS = [
    "Municipal councillors unanimously approved on Tuesday evening a proposal keeping the historic "
    "library on Mill Street open throughout the winter, reversing an announcement made in September.",
    "Councillors said the building still needs a new roof and that the heating bill would rise again "
    "this year, but that the reading room was the only warm public space left in the district.",
    "About two hundred people had signed a letter asking for the closure to be delayed, among them "
    "several teachers who bring their classes to the library every week.",
]
