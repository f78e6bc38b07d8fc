"""`moderate score`'s output: --out written atomically and never over an input, CSV cells, the spool
that keeps a chunk's rows out of memory."""

from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from service import batch, batch_discover
from service.output import whole_rows
from tests.fakes import FakeScorer
from tests.service.batch_helpers import (
    COMMENTS_JSONL,
    SEEDS,
    _measured_run,
    args_for,
    fake_factory,
    rows_of,
    run_batch,
    write_jsonl,
)


def test_pages_without_comments_get_one_row_with_zero(local_run, mixed_dir):
    root, _ = mixed_dir
    rows = rows_of(local_run[1])
    seed_rows = [r for r in rows if r["source"].startswith(str(root / "seeds"))]
    assert seed_rows, "no seed rows"
    for r in seed_rows:
        if r["kind"] == "page":
            assert r["comments"] == 0 and r["title"]
        else:
            assert r["kind"] == "comment"


def test_output_identical_for_jobs_2(mixed_dir, local_run, capsys, monkeypatch):
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 2)  # two workers even on a one-core runner
    root, _ = mixed_dir
    rc, out, _ = run_batch(capsys, root, jobs=2, chunk_size=3)
    assert (rc, out) == local_run[:2]


@pytest.mark.slow
def test_output_identical_on_a_dask_cluster(mixed_dir, local_run, capsys):
    from dask.distributed import LocalCluster

    root, _ = mixed_dir
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        rc, out, _ = run_batch(
            capsys, root, backend="dask", scheduler=cluster.scheduler_address, chunk_size=4
        )
    assert (rc, out) == local_run[:2]


def test_out_is_written_atomically(mixed_dir, tmp_path, capsys):
    root, _ = mixed_dir
    out = tmp_path / "scores.jsonl"
    rc, stdout, _ = run_batch(capsys, root / "seeds", out=out)
    assert rc == 0 and stdout == ""
    assert len(out.read_text().splitlines()) >= len(SEEDS)
    assert [p.name for p in tmp_path.iterdir()] == ["scores.jsonl"]  # no temp file left behind


def test_stdout_redirected_into_the_input_directory_is_not_read_as_input(tmp_path, monkeypatch, capsys):
    # `moderate score crawl > crawl/scores.jsonl`: the shell creates the file first, and the walk read
    # the run's own output as a comment export (empty: an error row and exit 1; part-written: its rows
    # scored as comments). It is now a skipped row, like the --out file of a run.
    write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "hello"}])
    out = tmp_path / "scores.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        monkeypatch.setattr(sys, "stdout", fh)
        rc = batch.run(args_for(tmp_path), scorer_factory=fake_factory)
    rows = rows_of(out.read_text(encoding="utf-8"))
    assert rc == 0, capsys.readouterr().err
    assert [(r["kind"], Path(r["source"]).name) for r in rows] == [
        ("comment", "a.jsonl"),
        ("skipped", "scores.jsonl"),
    ]
    assert "standard output of this run" in rows[1]["reason"]


@pytest.mark.slow
def test_a_chunk_output_is_written_without_a_copy_of_it_whole(tmp_path):
    """A chunk's rows were joined into one string, and that string encoded whole to be written: the
    output held three times at the end of a file (499,000 real lines: 1.19 GB at --jobs 1). Its rows
    are now written as they are, a piece at a time."""
    lines = 4_000
    peak, size = _measured_run(tmp_path, lines, jobs=1)
    # the rows' texts until the file is done, and a line's own text and fields until its thread is
    # scored (~1.75 times the output; 2.3 times before)
    assert peak < 2 * size, f"{peak:,} bytes at peak for {size:,} bytes of output"


def test_a_local_worker_output_does_not_cross_to_the_parent_whole(tmp_path, monkeypatch):
    """With --jobs 2 a worker pickled its chunk's output whole to the parent, which held it twice more
    (its pickle and its encoding: 1.42 GB at --jobs 2 against 1.19 GB at --jobs 1 on 499,000 lines).
    The parent now holds a piece of it at a time."""
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 2)  # two workers even on a one-core runner
    # Pieces of 64 KiB, not output.PIECE_BYTES (1 MiB): a piece read costs ~4 of them at peak, so with
    # 1 MiB pieces only an output over ~8 MB (40,000 lines, ~12 s) fits under the bound below; with
    # 64 KiB, 5,000 lines (2.3 MB) show the same: ~0.13 times the output at peak, and 2.1 times it
    # when a worker sends its rows back whole (as text, as before the spool).
    monkeypatch.setattr(batch, "whole_rows", functools.partial(whole_rows, size=64 * 1024))
    (tmp_path / "warm").mkdir()
    _measured_run(tmp_path / "warm", 20, jobs=2)  # (joblib's imports, not measured)
    peak, size = _measured_run(tmp_path, 5_000, jobs=2)
    # pieces of 64 KiB (0.3 MB at peak for 2.3 MB of output; 2.5 times the output before)
    assert peak < size / 2, f"{peak:,} bytes at peak in the parent for {size:,} bytes of output"


def test_the_spool_directory_is_removed_when_the_run_ends(tmp_path, monkeypatch, capsys):
    """A local run's chunks write their rows to files in a temp directory: nothing of it is left, after
    a run that ends or one stopped by an error."""
    import tempfile

    spool_root = tmp_path / "tmp"
    spool_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool_root))
    write_jsonl(tmp_path / "export.jsonl", [{"id": "1", "text": "an ordinary comment"}])
    rc, out, _ = run_batch(capsys, tmp_path / "export.jsonl")
    assert rc == 0 and [r["kind"] for r in rows_of(out)] == ["comment"]
    assert list(spool_root.iterdir()) == []

    from core.errors import ModelError

    class BrokenScorer(FakeScorer):
        def score(self, *args: Any, **kwargs: Any) -> Any:
            raise ModelError("the model broke mid-run")

    with pytest.raises(ModelError):
        run_batch(capsys, tmp_path / "export.jsonl", factory=lambda d: BrokenScorer(model_dir=d))
    assert list(spool_root.iterdir()) == []


@pytest.mark.parametrize("size", [1, 7, 64, 1 << 20])
def test_spooled_rows_are_written_in_pieces_of_whole_rows(size):
    """A spooled chunk is written a piece at a time, each piece whole rows (a signal lets the row being
    written finish, so a piece must not end inside one): in CSV a newline inside a quoted cell ends
    none, whatever the quotes before it."""
    from service.output import whole_rows

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    cells = ["plain", "two\nlines", 'a "quoted"\nword', '"', "\n\n", "x" * 50]
    for i in range(40):
        writer.writerow([i, cells[i % len(cells)], cells[(i * 7) % len(cells)]])
    data = buf.getvalue().encode("utf-8")
    pieces = list(whole_rows(io.BytesIO(data), quoted=True, size=size))
    assert b"".join(pieces) == data
    rows = [row for piece in pieces for row in csv.reader(io.StringIO(piece.decode("utf-8")))]
    assert [int(row[0]) for row in rows] == list(range(40))  # no row split across two pieces
    lines = b"".join(b'{"line": %d}\n' % i for i in range(40))
    pieces = list(whole_rows(io.BytesIO(lines), size=size))
    assert b"".join(pieces) == lines and all(p.endswith(b"\n") for p in pieces)
    assert len(pieces) == {1: 40, 1 << 20: 1}.get(size, len(pieces))  # (a row over `size`: one piece)


@pytest.mark.slow
def test_shipped_model_output_identical_for_jobs_1_and_2(real_runs):
    assert real_runs["jobs1"][:2] == real_runs["jobs2"][:2]


def test_an_out_file_inside_an_input_directory_is_not_scored(seeds_dir, tmp_path, capsys):
    # `moderate score crawl/ --out crawl/scores.jsonl`: the run's own temp file was discovered as a page
    # (an error row), and the next run read the previous scores.jsonl as a comments export (an error
    # row per line): exit code 1, more errors every night, on perfectly good input.
    root = tmp_path / "crawl"
    shutil.copytree(seeds_dir, root)
    out = root / "scores.jsonl"
    rc1, _, _ = run_batch(capsys, root, out=out)
    first = out.read_text()
    rc2, _, err = run_batch(capsys, root, out=out)
    rows = rows_of(out.read_text())
    assert (rc1, rc2) == (0, 0), err
    assert not any(r["kind"] == "error" for r in rows)
    assert {r["source"] for r in rows if r["kind"] != "skipped"} == {str(root / s) for s in SEEDS}
    # The previous output is accounted for as skipped, under its own name (runs stay reproducible).
    skipped = [r for r in rows if r["kind"] == "skipped"]
    assert [r["source"] for r in skipped] == [str(out)] and "--out" in skipped[0]["reason"]
    assert [r for r in rows if r["kind"] != "skipped"] == rows_of(first)


def test_the_out_file_gets_the_usual_permissions(seeds_dir, tmp_path, capsys):
    # mkstemp creates 0600: a results file the moderators' group (or the web server) could not read.
    out = tmp_path / "scores.jsonl"
    old = os.umask(0o022)
    try:
        run_batch(capsys, seeds_dir, out=out)
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644
    out.chmod(0o640)  # an existing file keeps the mode its owner gave it
    run_batch(capsys, seeds_dir, out=out)
    assert out.stat().st_mode & 0o777 == 0o640


def test_csv_cells_cannot_be_spreadsheet_formulas(tmp_path, seeds_dir, capsys):
    # Moderators open the CSV in Excel / LibreOffice: a comment (or an exported id) starting with = + -
    # @ is run as a formula there (CSV injection): =HYPERLINK(...) phishes, =cmd|... runs programs.
    seed = (seeds_dir / SEEDS[0]).read_text(encoding="utf-8")
    target = "so why was the conversation taped?"
    assert target in seed
    (tmp_path / "page.txt").write_text(seed.replace(target, '=HYPERLINK("http://evil.example","taped")'))
    write_jsonl(tmp_path / "c.jsonl", [{"id": "@SUM(1+1)", "text": "fine", "article_id": "+1"}])
    rc, out, _ = run_batch(capsys, tmp_path, format="csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert rc == 0
    cells = [v for row in table for v in row.values()]
    assert not any(v[:1] in ("=", "+", "-", "@", "\t", "\r") for v in cells), cells
    texts = {r["text"] for r in table}
    assert '\'=HYPERLINK("http://evil.example","taped")' in texts
    jrow = next(r for r in table if r["kind"] == "comment" and r["source"].endswith(".jsonl"))
    assert (jrow["id"], jrow["article_id"]) == ("'@SUM(1+1)", "'+1")


def test_out_naming_an_input_file_is_refused_and_the_input_kept(tmp_path, capsys):
    # With the previous output skipped (above), `--out` naming a real input would lose that input:
    # skipped, then replaced by the output. Refused before anything is written.
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    export = crawl / "comments.jsonl"
    write_jsonl(export, COMMENTS_JSONL)
    before = export.read_bytes()
    for paths in ([export], [crawl]):  # named directly, or found under an input directory
        rc, _, err = run_batch(capsys, *paths, out=export)
        assert rc == 2 and "is one of the inputs" in err, err
        assert export.read_bytes() == before
        assert [p.name for p in crawl.iterdir()] == ["comments.jsonl"]


def test_a_symlink_loop_named_with_an_existing_out_is_its_error_row(tmp_path, capsys):
    # `moderate score l1 --out prev.jsonl` with l1 -> l2 -> l1: checking whether --out was an input
    # resolved l1 and ended in a RuntimeError traceback ("Symlink loop from"). Now the loop's error row,
    # as without --out.
    (tmp_path / "l1").symlink_to("l2")
    (tmp_path / "l2").symlink_to("l1")
    out = tmp_path / "prev.jsonl"
    out.write_text("{}\n")
    rc, stdout, _ = run_batch(capsys, tmp_path / "l1")
    assert rc == 1 and rows_of(stdout)[0]["kind"] == "error"
    rc, _, _ = run_batch(capsys, tmp_path / "l1", out=out)
    assert rc == 1 and out.read_text() == stdout


@pytest.mark.parametrize("existed", [False, True])
def test_an_out_temp_file_removed_mid_run_is_a_one_line_error(tmp_path, monkeypatch, existed):
    # `rm outd/.r.jsonl.*` while the run wrote it: os.replace's FileNotFoundError traceback, exit 1 and
    # nothing said. Now an OutputError (the CLI's one line, exit 1) saying the output is lost.
    from service.output import OutputError

    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": "an ordinary comment"}])
    out = tmp_path / "out" / "r.jsonl"
    out.parent.mkdir()
    if existed:
        out.write_text("previous run\n")
    real = batch.process_chunk

    def removing_the_temp_file(tasks, config):
        for temp in out.parent.glob(".r.jsonl.*" + batch_discover.TEMP_SUFFIX):
            temp.unlink()
        return real(tasks, config)

    monkeypatch.setattr(batch, "process_chunk", removing_the_temp_file)
    with pytest.raises(OutputError) as lost:
        batch.run(args_for(tmp_path / "a.jsonl", out=out), scorer_factory=fake_factory)
    kept = "left as it was" if existed else "not written"
    assert "was removed during the run: the output is lost" in str(lost.value)
    assert str(lost.value).endswith(f"{out} is {kept}")
    assert [p.name for p in out.parent.iterdir()] == (["r.jsonl"] if existed else [])


@pytest.mark.parametrize("to_file", [False, True])
def test_a_full_spool_directory_is_named_and_the_run_says_what_it_wrote(
    tmp_path, monkeypatch, capsys, to_file
):
    # A full TMPDIR (the chunks' spool) ended in "cannot write the output: No space left on device", as
    # if the output were full, with no line saying what had been written. The third chunk's spool file
    # here is /dev/full: a real ENOSPC.
    from service import batch_worker
    from service.output import OutputError

    for i in range(4):
        write_jsonl(tmp_path / f"{i}.jsonl", [{"id": str(i), "text": "an ordinary comment"}])
    real_mkstemp, chunks = batch_worker.tempfile.mkstemp, []

    def full_on_the_third_chunk(*args, **kwargs):
        fd, path = real_mkstemp(*args, **kwargs)
        if kwargs.get("prefix") == "chunk.":
            if len(chunks) == 2:
                os.dup2(os.open("/dev/full", os.O_WRONLY), fd)
            chunks.append(path)
        return fd, path

    monkeypatch.setattr(batch_worker.tempfile, "mkstemp", full_on_the_third_chunk)
    out = tmp_path / "out" / "scores.jsonl"
    out.parent.mkdir()
    kw: dict[str, Any] = {"out": out} if to_file else {}
    with pytest.raises(OutputError) as full:
        batch.run(args_for(tmp_path, chunk_size=1, **kw), scorer_factory=fake_factory)
    spool_root = os.path.dirname(os.path.dirname(chunks[0]))
    assert str(full.value) == (
        f"No space left on device, writing the rows to the spool directory in {spool_root} (TMPDIR)"
    )
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("moderate score: stopped by an error after 2 of 4 files"), last
    assert ("nothing written to" in last) == to_file, last


class WorkRecorder:
    """A scorer factory that records whether any work started."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, model_dir: Path) -> FakeScorer:
        self.calls += 1
        return FakeScorer(model_dir=model_dir)


def _special_out(tmp_path: Path, kind: str) -> str:
    import socket
    import stat as st

    target = tmp_path / f"out-{kind}"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        if os.geteuid() == 0:
            os.mknod(target, 0o666 | st.S_IFCHR, os.makedev(1, 3))  # a /dev/null of our own
        else:  # only root makes device nodes; a socket file is the same case: not a regular file
            s = socket.socket(socket.AF_UNIX)
            s.bind(str(target))
            s.close()
    elif kind == "symlink":
        (tmp_path / "real.jsonl").write_text("keep me\n")
        target.symlink_to(tmp_path / "real.jsonl")
    elif kind == "directory":
        target.mkdir()
    elif kind == "empty":
        return ""
    elif kind == "trailing-slash":
        return str(tmp_path / "new-dir") + "/"
    elif kind == "unwritable":
        return "/proc/self/scores.jsonl"  # refused even to root
    return str(target)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("fifo", "FIFO"),
        ("device", "not a regular file" if os.geteuid() != 0 else "a device"),
        ("symlink", "is a symlink"),
        ("directory", "is a directory"),
        ("empty", "is empty"),
        ("trailing-slash", "names a directory"),
        ("unwritable", "cannot write in /proc/self"),
    ],
)
def test_a_bad_out_is_a_usage_error_before_any_work_and_is_left_untouched(
    seeds_dir, tmp_path, capsys, kind, message
):
    out = _special_out(tmp_path, kind)
    before = os.lstat(out) if out and os.path.lexists(out) else None
    factory = WorkRecorder()
    rc = batch.run(args_for(seeds_dir, out=out, jobs=1), scorer_factory=factory)
    err = capsys.readouterr().err
    assert rc == 2 and "usage error: --out" in err and message in err, err
    assert factory.calls == 0  # refused before any work
    if before is not None:
        after = os.lstat(out)
        assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    if kind == "symlink":
        assert (tmp_path / "real.jsonl").read_text() == "keep me\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(batch_discover.TEMP_SUFFIX)] == []


def test_dev_stdout_is_refused_not_replaced(seeds_dir, capsys):
    before = os.lstat("/dev/stdout")
    assert batch.run(args_for(seeds_dir, out="/dev/stdout"), scorer_factory=WorkRecorder()) == 2
    assert "is a symlink" in capsys.readouterr().err
    after = os.lstat("/dev/stdout")
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
