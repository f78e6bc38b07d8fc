"""`moderate score`: every input accounted for, identical output for any N and on Dask, atomic --out."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.records import ArticleContext, Scores
from service import batch, batch_discover, batch_jsonl, batch_outfile, batch_rows, batch_threads, batch_worker
from tests.fakes import FakeScorer

# A few real pages with comments and a few without, in all three renderings (.html, .w3m, .inscriptis).
SITES = ("lemire.me", "news.ycombinator.com", "barbadostoday.bb", "johndcook.com")


def fake_factory(model_dir: Path) -> FakeScorer:
    return FakeScorer(model_dir=model_dir)


def family_factory(model_dir: Path) -> FakeScorer:
    from tests.fakes import FAMILY

    return FakeScorer(model_dir=model_dir, attributes=FAMILY)


@dataclass(frozen=True)
class CountingFactory:
    """Records every load as a line in a file named after the loading process, to count loads."""

    log_dir: Path

    def __call__(self, model_dir: Path) -> FakeScorer:
        with open(self.log_dir / f"{os.getpid()}.loads", "a") as fh:
            fh.write("load\n")
        return FakeScorer(model_dir=model_dir)


COMMENTS_JSONL = [
    {"id": "c1", "text": "The tide tables in this article are wrong.", "article_id": "a1",
     "article": {"title": "Tides", "body": "The tide tables and the moon."}},
    {"id": "c2", "text": "You are an idiot, a moron.", "article_id": "a1"},
    "this line is not json",
    {"id": "c3", "text": "Cheap watches for sale here"},
    [1, 2, 3],
    {"id": "c4", "text": "   "},
    {"text": "no id"},
    {"id": "c5", "text": "The moon moves the tide.", "article_id": "a1"},
    {"id": "c6", "text": "stupid", "article_id": "b2", "article": "not an object"},
]  # fmt: skip


def write_jsonl(path: Path, items: list[Any]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write((item if isinstance(item, str) else json.dumps(item)) + "\n")
        fh.write("\n")  # a trailing blank line is not an error


@pytest.fixture(scope="session")
def mixed_dir(tmp_path_factory, seeds_dir: Path, articles_dir: Path) -> tuple[Path, dict[str, str]]:
    """A tree mixing real pages, a comments export and every kind of broken entry.

    Returns the root and, for each entry that must show up in the output, what it must show up as.
    """
    root = tmp_path_factory.mktemp("batch") / "in"
    root.mkdir()
    expect: dict[str, str] = {}
    shutil.copytree(seeds_dir, root / "seeds")
    for f in sorted((root / "seeds").iterdir()):
        expect[str(f)] = "page"
    for site in SITES:
        shutil.copytree(articles_dir / site, root / "articles" / site)
        for f in sorted((root / "articles" / site).iterdir()):
            expect[str(f)] = "page"
    write_jsonl(root / "comments.jsonl", COMMENTS_JSONL)
    expect[str(root / "comments.jsonl")] = "jsonl"
    broken = root / "broken"
    broken.mkdir()
    (broken / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    expect[str(broken / "image.png")] = "error:PNG"
    (broken / "empty.txt").write_bytes(b"")
    expect[str(broken / "empty.txt")] = "error:empty"
    with (broken / "huge.txt").open("wb") as fh:  # 50 MB of real text, over the 20 MiB page limit
        chunk = (seeds_dir / SEEDS[0]).read_bytes()
        fh.write(chunk * (50 * 1024 * 1024 // len(chunk) + 1))
    expect[str(broken / "huge.txt")] = "error:over the page limit"
    (broken / "dangling.html").symlink_to(broken / "does-not-exist.html")
    expect[str(broken / "dangling.html")] = "error:dangling symlink"
    (broken / "self-loop.txt").symlink_to(broken / "self-loop.txt")
    expect[str(broken / "self-loop.txt")] = "error:symlink loop"
    (broken / "loop").symlink_to(root)  # a directory symlink back to an ancestor
    expect[str(broken / "loop")] = "skipped:already walked"
    os.mkfifo(broken / "pipe.txt")  # opening a FIFO would block forever: must be refused from stat
    expect[str(broken / "pipe.txt")] = "error:FIFO"
    locked = broken / "locked.txt"
    locked.write_text("Title\n\nBody of a page nobody may read.\n")
    locked.chmod(0)
    # root reads a chmod-000 file anyway; then it is simply a page (the FIFO and links cover "unreadable")
    expect[str(locked)] = "page" if os.geteuid() == 0 else "error:permission denied"
    (root / "empty-dir").mkdir()
    return root, expect


SEEDS = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))


def args_for(*paths: str | Path, **kw: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    batch.add_arguments(parser)
    argv = [str(p) for p in paths]
    for k, v in kw.items():
        argv += [f"--{k.replace('_', '-')}", str(v)]
    return parser.parse_args(argv)


def run_batch(capsys, *paths: str | Path, factory=fake_factory, **kw: Any) -> tuple[int, str, str]:
    rc = batch.run(args_for(*paths, **kw), scorer_factory=factory)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def rows_of(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(scope="session")
def local_run(mixed_dir) -> tuple[int, str, str]:
    """The reference run (--jobs 1, in process), shared by the checks below."""
    root, _ = mixed_dir
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = batch.run(args_for(root), scorer_factory=fake_factory)
    return rc, out.getvalue(), err.getvalue()


def test_every_input_file_is_accounted_for(mixed_dir, local_run):
    _root, expect = mixed_dir
    rc, out, err = local_run
    rows = rows_of(out)
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(row)
    assert set(by_source) == set(expect), set(by_source) ^ set(expect)
    for source, want in expect.items():
        got = by_source[source]
        kind, _, needle = want.partition(":")
        if kind == "page":
            assert all(r["kind"] in ("page", "comment") for r in got), got
            assert len(got) == 1 if got[0]["kind"] == "page" else all(r["kind"] == "comment" for r in got)
        elif kind == "jsonl":
            assert {r["kind"] for r in got} == {"comment", "error"}
        else:
            assert [r["kind"] for r in got] == [kind], got
            text = str(got[0].get("error") or got[0].get("reason"))
            assert needle.lower() in text.lower(), (source, text)
    assert rc == 1  # some files failed
    assert "empty-dir: empty directory" in err


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


def test_comment_rows_have_the_documented_fields(local_run):
    rows = [r for r in rows_of(local_run[1]) if r["kind"] == "comment" and "comment_index" in r]
    for r in rows:
        assert {
            "source",
            "comment_index",
            "author",
            "posted_at",
            "text",
            "quotes",
            "scores",
            "context",
            "decision",
        } <= set(r)
        assert set(r["scores"]) == {"insult", "off_topic"}
        assert r["decision"] in ("approve", "review", "reject")
    by_page: dict[str, list[int]] = {}
    for r in rows:
        by_page.setdefault(r["source"], []).append(r["comment_index"])
    assert all(ix == list(range(len(ix))) for ix in by_page.values())


def test_jsonl_rows_are_in_input_order_with_line_numbers_and_threads(local_run, mixed_dir):
    root, _ = mixed_dir
    rows = [r for r in rows_of(local_run[1]) if r["source"] == str(root / "comments.jsonl")]
    assert [(r["kind"], r["line"]) for r in rows] == [
        ("comment", 1), ("comment", 2), ("error", 3), ("comment", 4), ("error", 5),
        ("error", 6), ("error", 7), ("comment", 8), ("error", 9),
    ]  # fmt: skip
    comments = {r["id"]: r for r in rows if r["kind"] == "comment"}
    # c1, c2, c5 share article_id a1: one thread, with c1's article as context.
    assert {comments[c]["context"] for c in ("c1", "c2", "c5")} == {"article+thread"}
    assert comments["c3"]["context"] == "none"
    assert comments["c2"]["scores"]["insult"] == 1.0 and comments["c2"]["decision"] == "reject"
    assert comments["c5"]["scores"]["off_topic"] < comments["c3"]["scores"]["off_topic"]
    errors = {r["line"]: r["error"] for r in rows if r["kind"] == "error"}
    assert "invalid JSON" in errors[3]
    assert "expected a JSON object" in errors[5]
    assert '"text" is empty' in errors[6]
    assert '"id"' in errors[7]
    assert '"article"' in errors[9]


def test_summary_on_stderr_counts_everything(local_run, mixed_dir):
    _, expect = mixed_dir
    _rc, out, err = local_run
    rows = rows_of(out)
    n_comments = sum(r["kind"] == "comment" for r in rows)
    n_errors = sum(r["kind"] == "error" for r in rows)
    assert f"comments scored: {n_comments};" in err
    assert f"errors: {n_errors}" in err
    assert f"files: {len(expect)} seen" in err
    flagged = {v: sum(r.get("decision") == v for r in rows) for v in batch.VERDICTS}
    assert (
        f"decisions: approve {flagged['approve']}, review {flagged['review']}, reject {flagged['reject']}"
        in err
    )
    assert "files/s" in err and "comments/s" in err
    assert "\r" not in err  # no progress bar outside a terminal


def test_output_identical_for_jobs_2(mixed_dir, local_run, capsys, monkeypatch):
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 2)  # two workers even on a one-core runner
    root, _ = mixed_dir
    rc, out, _ = run_batch(capsys, root, jobs=2, chunk_size=3)
    assert (rc, out) == local_run[:2]


def test_a_parallel_run_stopped_early_warns_nothing(recwarn):
    # `moderate score --jobs 2 | head -1`: the closed pipe stopped the run, and joblib's UserWarning
    # ("4 tasks which were still being processed by the workers have been cancelled. You could benefit
    # from adjusting the input task iterator ...") reached the terminal after it.
    from service.batch_dispatch import chunk_results

    chunks = [[i] for i in range(40)]
    results = chunk_results(chunks, len, lambda item, why: 0, jobs=2, backend="local", scheduler=None)
    assert next(results) == 1
    results.close()
    assert [str(w.message) for w in recwarn if "task iterator" in str(w.message)] == []


@pytest.mark.slow
def test_output_identical_on_a_dask_cluster(mixed_dir, local_run, capsys):
    from dask.distributed import LocalCluster

    root, _ = mixed_dir
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        rc, out, _ = run_batch(
            capsys, root, backend="dask", scheduler=cluster.scheduler_address, chunk_size=4
        )
    assert (rc, out) == local_run[:2]


def test_relative_paths_on_a_dask_cluster_name_the_same_files_on_its_workers(
    tmp_path, seeds_dir, monkeypatch, capsys
):
    # A Dask worker runs in its own working directory (another machine, a service's): "crawl/a.txt"
    # named another file there, and every page became an error row ("no such file").
    from dask.distributed import Client, LocalCluster

    (tmp_path / "in").mkdir()
    (tmp_path / "elsewhere").mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        shutil.copyfile(sorted(seeds_dir.glob("*.txt"))[0], tmp_path / "in" / name)
    monkeypatch.chdir(tmp_path)
    # Two worker processes: on one thread in all, joblib would run the chunks in this process.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            client.run(os.chdir, str(tmp_path / "elsewhere"))
        rc, out, _ = run_batch(
            capsys, "in", backend="dask", scheduler=cluster.scheduler_address, chunk_size=1
        )
    rows = rows_of(out)
    assert rc == 0 and {r["kind"] for r in rows} == {"comment"}
    assert {r["source"] for r in rows} == {
        str(tmp_path / "in" / name) for name in ("a.txt", "b.txt", "c.txt")
    }


def test_model_loads_once_per_worker_process(mixed_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 2)  # two workers even on a one-core runner
    root, _ = mixed_dir
    logs, inputs = tmp_path / "logs", tmp_path / "in"
    logs.mkdir()
    inputs.mkdir()
    for i in range(12):  # 12 comment files, one chunk each: every chunk needs the model
        write_jsonl(inputs / f"{i:02d}.jsonl", [{"id": f"{i}", "text": "a comment", "article_id": "x"}])
    factory = CountingFactory(logs)
    rc, out, _ = run_batch(capsys, inputs, root / "seeds", factory=factory, jobs=2, chunk_size=1)
    rows = rows_of(out)
    assert rc == 0 and sum(r["source"].endswith(".jsonl") for r in rows) == 12
    assert len({r["source"] for r in rows}) == 12 + len(SEEDS)
    loads = {p.stem: p.read_text().count("load") for p in logs.glob("*.loads")}
    assert loads and all(n == 1 for n in loads.values()), loads  # 17 chunks, one load per process
    assert str(os.getpid()) not in loads  # the parent never loads the model when workers do


def test_csv_has_one_row_per_jsonl_row(mixed_dir, local_run, capsys):
    root, _ = mixed_dir
    rc, out, _ = run_batch(capsys, root, format="csv")
    table = list(csv.DictReader(io.StringIO(out)))
    jrows = rows_of(local_run[1])
    assert rc == 1
    assert [(r["kind"], r["source"]) for r in table] == [(r["kind"], r["source"]) for r in jrows]
    for c, j in zip(table, jrows, strict=True):
        if j["kind"] == "comment":
            assert float(c["insult"]) == j["scores"]["insult"] and c["decision"] == j["decision"]


def test_out_is_written_atomically(mixed_dir, tmp_path, capsys):
    root, _ = mixed_dir
    out = tmp_path / "scores.jsonl"
    rc, stdout, _ = run_batch(capsys, root / "seeds", out=out)
    assert rc == 0 and stdout == ""
    assert len(out.read_text().splitlines()) >= len(SEEDS)
    assert [p.name for p in tmp_path.iterdir()] == ["scores.jsonl"]  # no temp file left behind


@pytest.mark.parametrize("exc", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_interrupted_run_leaves_the_final_name_untouched(mixed_dir, tmp_path, monkeypatch, capsys, exc):
    root, _ = mixed_dir
    out = tmp_path / "scores.jsonl"
    out.write_text("previous run\n")
    real = batch.process_chunk
    calls = []

    def failing(tasks, config):
        calls.append(1)
        if len(calls) == 3:  # two chunks already written to the temp file
            raise exc
        return real(tasks, config)

    monkeypatch.setattr(batch, "process_chunk", failing)
    with pytest.raises(type(exc)):
        batch.run(
            args_for(root / "seeds", root / "articles", out=out, chunk_size=1), scorer_factory=fake_factory
        )
    assert out.read_text() == "previous run\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.jsonl"]
    (tmp_path / "fresh").mkdir()
    calls.clear()
    with pytest.raises(type(exc)):
        batch.run(
            args_for(root / "seeds", out=tmp_path / "fresh" / "x.csv", chunk_size=1),
            scorer_factory=fake_factory,
        )
    assert list((tmp_path / "fresh").iterdir()) == []


@pytest.mark.parametrize(
    ("stop", "said"), [(KeyboardInterrupt(), "Ctrl-C"), (SystemExit(128 + signal.SIGTERM), "SIGTERM")]
)
@pytest.mark.parametrize("to_file", [False, True])
def test_an_interrupted_run_says_what_it_wrote(tmp_path, monkeypatch, capsys, stop, said, to_file):
    """Stopped mid-run, a run's last stderr line says how many files' rows were written and the last of
    them (the walk's order: the rest can be run again), or that --out was left as it was. SIGTERM said
    nothing at all, Ctrl-C only 'interrupted'."""
    for i in range(5):
        write_jsonl(tmp_path / f"{i}.jsonl", [{"id": str(i), "text": "an ordinary comment"}])
    real = batch.process_chunk
    calls = []

    def stopping(tasks, config):
        calls.append(1)
        if len(calls) == 3:  # two files' rows already written
            raise stop
        return real(tasks, config)

    monkeypatch.setattr(batch, "process_chunk", stopping)
    out = tmp_path / "out" / "scores.jsonl"
    out.parent.mkdir()
    kw: dict[str, Any] = {"out": out} if to_file else {}
    with pytest.raises(type(stop)) as stopped:
        batch.run(args_for(tmp_path, chunk_size=1, **kw), scorer_factory=fake_factory)
    cap = capsys.readouterr()
    # Ctrl-C: service.cli prints the KeyboardInterrupt's message as the last line ("interrupted" if none)
    last = str(stopped.value) if isinstance(stop, KeyboardInterrupt) else cap.err.splitlines()[-1]
    assert last.startswith(f"moderate score: stopped by {said} after 2 of 5 files"), cap.err
    if to_file:
        assert f"nothing written to {out}" in last and list(out.parent.iterdir()) == []
    else:
        assert [r["source"] for r in rows_of(cap.out)] == [
            str(tmp_path / "0.jsonl"),
            str(tmp_path / "1.jsonl"),
        ]
        assert f"the last {tmp_path / '1.jsonl'}" in last, last


def test_a_run_stopped_during_the_walk_says_so(tmp_path, monkeypatch):
    """Ctrl-C while a big tree is still being walked: not 'after 0 of 0 files'."""
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": "an ordinary comment"}])

    def interrupted_walk(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "discover", interrupted_walk)
    with pytest.raises(KeyboardInterrupt) as stopped:
        batch.run(args_for(tmp_path), scorer_factory=fake_factory)
    assert str(stopped.value) == (
        "moderate score: stopped by Ctrl-C before the walk had listed the files: no rows written"
    )


@pytest.mark.parametrize("out_format", ["jsonl", "csv"])
def test_a_signal_while_the_output_pipe_is_full_leaves_no_half_line(tmp_path, out_format):
    """The reader is slow: the pipe is full and the write waits. A Ctrl-C (or SIGTERM) landing then cut
    the line being written and dropped the rest of the buffer: the output ended in half a row. Now the
    row is finished first (the reader takes it; in CSV a quoted cell's newline ends no row), and the
    run still stops."""
    import fcntl
    import struct
    import termios
    import threading

    comments = [{"id": f"{i}\nof an export", "text": f"comment {i} " * 20} for i in range(3_000)]
    write_jsonl(tmp_path / "big.jsonl", comments)
    from service.settings import Settings

    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=fake_factory, out_format=out_format)
    read_end, write_end = os.pipe()
    main, received = threading.get_ident(), bytearray()

    def slow_reader() -> None:
        # The pipe holds 16 pages and a write goes to a fresh page when it does not fit the last one, so
        # a writer waits once 15 pages are full.
        deadline = time.monotonic() + 30
        while struct.unpack("i", fcntl.ioctl(read_end, termios.FIONREAD, b"\0\0\0\0"))[0] < 15 * 4096:
            if time.monotonic() > deadline:
                break  # (the assertions below say so; the pipe is drained all the same)
            time.sleep(0.01)  # (polling the pipe's fill level: the writer waits once it is full)
        signal.pthread_kill(main, signal.SIGINT)
        while chunk := os.read(read_end, 1 << 16):
            received.extend(chunk)

    reader = threading.Thread(target=slow_reader)
    reader.start()
    summary = batch.Summary()
    with os.fdopen(write_end, "w", encoding="utf-8") as sink, pytest.raises(KeyboardInterrupt):
        batch.score_paths([tmp_path], config, sink, summary=summary)
    reader.join(timeout=30)
    os.close(read_end)
    assert len(received) >= 15 * 4096 and received.endswith(b"\n"), received[-200:]
    if out_format == "csv":
        records = list(csv.reader(io.StringIO(received.decode())))
        assert records[0] == list(batch.CSV_COLUMNS) and received.count(b'"') % 2 == 0, received[-200:]
        assert {(len(r), r[0]) for r in records[1:]} == {(len(batch.CSV_COLUMNS), "comment")}
    else:
        assert [json.loads(line)["kind"] for line in received.splitlines()] == ["comment"] * received.count(
            b"\n"
        )
    assert summary.cut_chunk and "perhaps the first rows" in summary.render_stopped(KeyboardInterrupt(), None)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--jobs", "0"], "--jobs"),
        (["--backend", "dask"], "--scheduler"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--backend dask"),
        (["--out", "/no/such/dir/out.jsonl"], "does not exist"),
    ],
)
def test_usage_errors_exit_2(seeds_dir, capsys, argv, message):
    from service.cli import main

    assert main(["score", str(seeds_dir), *argv]) == 2
    assert message in capsys.readouterr().err


def test_missing_path_is_a_usage_error(tmp_path, capsys):
    from service.cli import main

    assert main(["score", str(tmp_path / "nope")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_a_missing_odd_file_name_is_a_one_line_usage_error(tmp_path, capsys):
    from service.cli import main

    name = os.fsdecode(os.fsencode(tmp_path) + b"/a\nb\xff.txt")
    assert main(["score", name]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a\\nb\\xff.txt" in err, err
    err.encode("utf-8")  # no lone surrogate for a strict UTF-8 stderr to choke on


def test_a_directory_tree_deeper_than_the_recursion_limit_is_walked(tmp_path):
    # The walk recursed once per level: a tree ~500 directories deep ended `moderate score`, `parse` and
    # `report` in a RecursionError traceback before any file was read.
    depth = sys.getrecursionlimit() + 100
    deepest = tmp_path
    try:
        for _ in range(depth):  # (pathlib's mkdir(parents=True) recurses too)
            deepest /= "d"
            deepest.mkdir()
        (deepest / "page.txt").write_text("A title\n\nA body line.\n")
        (tmp_path / "z.txt").write_text("A title\n\nA body line.\n")
        (deepest / "up").symlink_to(tmp_path)  # a loop back to the top, from the bottom
        tasks = batch.discover([tmp_path])
        assert [(t.kind, t.source) for t in tasks] == [
            ("page", str(deepest / "page.txt")),
            ("skipped", str(deepest / "up")),
            ("page", str(tmp_path / "z.txt")),
        ]
    finally:  # pytest's clean-up of old temp dirs (shutil.rmtree) recurses per level: taken down here
        for leaf in (deepest / "page.txt", deepest / "up"):
            leaf.unlink(missing_ok=True)
        while deepest != tmp_path:
            deepest.rmdir()
            deepest = deepest.parent


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


def test_clean_input_exits_0_and_empty_dir_is_a_message(seeds_dir, tmp_path, capsys):
    rc, out, err = run_batch(capsys, seeds_dir)
    assert rc == 0 and len(out.splitlines()) >= len(SEEDS)
    rc, out, err = run_batch(capsys, tmp_path)
    assert (rc, out) == (0, "")
    assert f"{tmp_path}: empty directory" in err


def test_unreadable_file_is_an_error_row(tmp_path, monkeypatch):
    """Root can read chmod-000 files, so make the read itself fail the way EACCES does."""
    page = tmp_path / "page.txt"
    page.write_text("Title\n\nBody\n")
    real_open = Path.open

    def deny(self, *a, **kw):
        if self == page:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *a, **kw)

    monkeypatch.setattr(Path, "open", deny)
    from service.settings import Settings

    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=fake_factory)
    result = batch.process_chunk(batch.discover([page]), config)
    (row,) = rows_of(result.text)
    assert row["kind"] == "error" and "permission denied" in row["error"]
    assert result.counts["file_errors"] == 1


def test_an_export_replaced_by_a_fifo_during_the_run_is_an_error_row_not_a_hang(tmp_path):
    """discover() saw a regular file; by the time a worker opens it, it is a FIFO with no writer (a
    crawler's rotation, a hostile upload dir). open() of a FIFO waits for a writer for ever."""
    import threading

    export = tmp_path / "comments.jsonl"
    write_jsonl(export, [{"id": "1", "text": "fine words"}])
    tasks = batch.discover([tmp_path])
    export.unlink()
    os.mkfifo(export)
    from service.settings import Settings

    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=fake_factory)
    results: list[batch.ChunkResult] = []
    worker = threading.Thread(target=lambda: results.append(batch.process_chunk(tasks, config)), daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # unblock the open() (a writer comes and goes), so the thread can end
        os.close(os.open(export, os.O_WRONLY | os.O_NONBLOCK))
    assert results, "reading the export blocked on the FIFO"
    (row,) = rows_of(results[0].text)
    assert row["kind"] == "error" and "FIFO" in row["error"], row
    assert results[0].counts["file_errors"] == 1


def test_a_warning_naming_an_odd_file_name_is_one_line(tmp_path, caplog):
    """A crawl's file named with a newline and a byte that is not UTF-8, whose text has a broken UTF-8
    sequence: the parser's warning wrote the name raw, so one warning was two lines on stderr (the
    second one free text: `... replaced` under a name of the file's choosing)."""
    name = os.fsencode(tmp_path) + b"/evil\xff\nWARNING forged.txt"
    with open(name, "wb") as fh:  # (it declares UTF-8: read as UTF-8, its broken byte replaced)
        fh.write(b'<html><head><meta charset="utf-8"><title>Council</title></head><body>')
        fh.write(b"<p>A page about the council with one broken byte: \xff here.</p></body></html>")
    from service.settings import Settings

    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=fake_factory)
    with caplog.at_level("WARNING"):
        batch.process_chunk(batch.discover([tmp_path]), config)
    messages = [r.getMessage() for r in caplog.records]
    assert any("invalid UTF-8" in m for m in messages), messages
    assert all("\n" not in m and "\udcff" not in m for m in messages), messages
    assert any("evil\\xff\\nWARNING forged.txt" in m for m in messages), messages


def test_an_export_repeating_its_article_on_every_line_holds_it_once(tmp_path):
    """A CMS export that repeats the article (a 200 KB body) on each comment line: every line's copy
    was held until the file was scored (10,000 lines with a 50 KB body: 1.3 GB, against 330 MB
    without the article), past docs/limits.md's ~4.4 KB a line. Equal articles are now held once."""
    import tracemalloc

    body = "The council met on Tuesday to discuss the new budget for roads and schools. " * 2_700
    export = tmp_path / "denormalised.jsonl"
    with_article = {"title": "Budget", "body": body}
    write_jsonl(
        export,
        [
            {"id": str(i), "text": f"comment {i}", "article_id": "a1", "article": with_article}
            for i in range(100)
        ]
        + [{"id": f"s{i}", "text": f"single {i}", "article": with_article} for i in range(100)],
    )
    from collections import Counter

    from service.settings import Settings

    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=fake_factory)
    batch.get_scorer(config)  # (the fake model loaded outside the measure)
    tracemalloc.start()
    try:
        rows = batch_threads.jsonl_rows(str(export), config, Counter())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [json.loads(r)["kind"] for r in rows] == ["comment"] * 200
    # a line's own transient copies (its bytes, text, parsed object), not the 200 lines' (44 MB before)
    assert peak < 25 * len(body), f"{peak:,} bytes at peak for a {len(body):,}-character article"


def test_an_export_is_held_as_its_rows_text_not_as_dicts(tmp_path):
    """Every row of an export was held as a dict (its scores another) until the file was scored and
    serialised, ~1.5 KB a line (499,000 real lines peaked at 1.78 GB, now 1.19 GB): a row is now held
    as its output text, and a thread's lines are let go once it is scored."""
    import tracemalloc

    from service.settings import Settings
    from tests.fakes import FAMILY

    sentence = "The council should fix the roads before it spends more on a stadium nobody asked for. "
    lines = 4_000
    write_jsonl(
        tmp_path / "export.jsonl",
        [{"id": f"c{i}", "text": f"{i} {sentence * 3}", "article_id": f"a{i // 20}"} for i in range(lines)],
    )
    config = batch.BatchConfig.from_settings(
        Settings(), scorer_factory=lambda d: FakeScorer(model_dir=d, attributes=FAMILY)
    )
    batch.get_scorer(config)  # (the fake model loaded outside the measure)
    tracemalloc.start()
    try:
        result = batch.process_chunk(batch.discover([tmp_path / "export.jsonl"]), config)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.counts["comments_scored"] == lines and len(rows_of(result.text)) == lines
    # A row's text held twice at most (its own, then the chunk's), and a line's own text and fields
    # until its thread is scored: ~950 bytes a line of 270 characters (2,100 before).
    assert peak < 1_200 * lines, f"{peak / lines:,.0f} bytes a line at peak"


def _measured_run(tmp_path: Path, lines: int, jobs: int) -> tuple[int, int]:
    """(peak bytes this process allocated scoring an export of `lines` 20-comment threads, output bytes)."""
    import tracemalloc

    from service.settings import Settings

    sentence = "The council should fix the roads before it spends more on a stadium nobody asked for. "
    write_jsonl(
        tmp_path / "export.jsonl",
        [{"id": f"c{i}", "text": f"{i} {sentence * 3}", "article_id": f"a{i // 20}"} for i in range(lines)],
    )
    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=family_factory)
    if jobs == 1:
        batch.get_scorer(config)  # (the fake model loaded outside the measure)
    out = tmp_path / "scores.jsonl"
    with out.open("w", encoding="utf-8") as sink:
        tracemalloc.start()
        try:
            summary = batch.score_paths([tmp_path / "export.jsonl"], config, sink, jobs=jobs)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert summary.counts["comments_scored"] == lines and summary.errors == 0
    assert len(rows_of(out.read_text(encoding="utf-8"))) == lines
    return peak, out.stat().st_size


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
    (tmp_path / "warm").mkdir()
    _measured_run(tmp_path / "warm", 20, jobs=2)  # (joblib's imports, not measured)
    peak, size = _measured_run(tmp_path, 40_000, jobs=2)
    # pieces of ~1 MiB (4 MB at peak for 18 MB of output; 2.5 times the output before)
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


def test_progress_bar_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        p = batch.Progress(10, stream)
        p.update(10)
        p.close()
    assert "10/10 files" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_oversized_jsonl_line_is_an_error_line_and_the_run_goes_on(tmp_path, capsys):
    f = tmp_path / "big.jsonl"
    with f.open("wb") as fh:
        fh.write(json.dumps({"id": "a", "text": "fine"}).encode() + b"\n")
        fh.write(
            json.dumps({"id": "b", "text": "x" * (batch_jsonl.MAX_JSONL_LINE_BYTES + 10)}).encode() + b"\n"
        )
        fh.write(json.dumps({"id": "c", "text": "also fine"}).encode() + b"\n")
        fh.write(b'{"id": "d", "text": "caf\xe9"}\n')  # latin-1, not UTF-8
    rc, out, _ = run_batch(capsys, f)
    rows = rows_of(out)
    assert [(r["kind"], r["line"]) for r in rows] == [
        ("comment", 1),
        ("error", 2),
        ("comment", 3),
        ("error", 4),
    ]
    assert rc == 1 and rows[1]["error_type"] == "TooLargeError"
    assert "not UTF-8 (byte 0xe9" in rows[3]["error"]


def test_a_jsonl_export_over_the_line_limit_is_one_error_row_and_the_run_goes_on(
    tmp_path, capsys, monkeypatch
):
    # A file is held whole (threads may span it): past the limit it is refused, never an OOM kill.
    monkeypatch.setenv("MODERATION_LIMITS__MAX_JSONL_LINES", "3")
    big, small = tmp_path / "big.jsonl", tmp_path / "small.jsonl"
    write_jsonl(big, [{"id": str(i), "text": f"comment {i}"} for i in range(4)])
    write_jsonl(small, [{"id": str(i), "text": f"comment {i}"} for i in range(3)])
    rc, out, _ = run_batch(capsys, tmp_path)
    rows = rows_of(out)
    errors = [r for r in rows if r["kind"] == "error"]
    assert rc == 1 and len(errors) == 1 and errors[0]["source"].endswith("big.jsonl")
    assert errors[0]["error_type"] == "TooLargeError" and "over 3 lines" in errors[0]["error"]
    assert sorted(r["id"] for r in rows if r["kind"] == "comment") == ["0", "1", "2"]


def test_more_jobs_than_cores_are_capped_with_a_note(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 1)
    seen = []
    real = batch.score_paths
    monkeypatch.setattr(batch, "score_paths", lambda *a, **kw: seen.append(kw["jobs"]) or real(*a, **kw))
    write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "hello"}])
    rc, out, err = run_batch(capsys, tmp_path, jobs=8)
    assert rc == 0 and seen == [1] and "--jobs 8 is more than this machine's 1 cores: using 1" in err
    assert [r["id"] for r in rows_of(out)] == ["a"]


class SlowScorer(FakeScorer):
    def score(self, texts, article=None, *, use_thread=True, same_source=False):
        import time

        time.sleep(0.1)  # deliberate: a run long enough for a signal to land mid-way
        return super().score(texts, article, use_thread=use_thread)


def slow_factory(model_dir: Path) -> SlowScorer:
    return SlowScorer(model_dir=model_dir)


SLOW_RUN = """
import sys
from service import batch, batch_jsonl
from tests.service.test_batch import args_for, slow_factory
sys.exit(batch.run(args_for(sys.argv[1], out=sys.argv[2], chunk_size=1), scorer_factory=slow_factory))
"""


def _temp_output_written(outdir: Path) -> bool:
    """Whether the run's temp output has bytes yet. The --out writability probe (an empty temp file of
    the same name pattern, removed at once) can vanish between the listing and the stat."""
    for p in outdir.glob(".scores.jsonl.*" + batch_discover.TEMP_SUFFIX):
        try:
            if p.stat().st_size > 0:
                return True
        except FileNotFoundError:
            continue
    return False


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "rc"), [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, None)])
def test_a_killed_run_never_leaves_a_half_file(tmp_path, sig, rc):
    """A real process, interrupted by a real signal while it writes: the final name never appears."""
    inputs, outdir = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    outdir.mkdir()
    for i in range(200):  # ~20 s of slow scoring: the signal lands mid-run
        write_jsonl(inputs / f"{i:03d}.jsonl", [{"id": str(i), "text": "some words " * 400}])
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN, str(inputs), str(outdir / "scores.jsonl")],
        cwd=repo,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not _temp_output_written(outdir):
        assert proc.poll() is None and time.monotonic() < deadline, "run ended before it wrote anything"
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == rc if rc is not None else proc.returncode != 0, err
    assert list(outdir.iterdir()) == []  # no final file, and the temp file was removed


LOST_SCHEDULER_RUN = """
import functools, sys
from service import batch, cli
from tests.service.test_batch import slow_factory
batch.run = functools.partial(batch.run, scorer_factory=slow_factory)
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_a_dask_scheduler_lost_mid_run_is_one_error_line(tmp_path):
    """The scheduler dies mid-run (its machine rebooted): the run ended in a FutureCancelledError
    traceback. Now it says what was done and ends with one error line, exit 1, --out left as it was."""
    import socket

    inputs, outdir = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    outdir.mkdir()
    for i in range(200):
        write_jsonl(inputs / f"{i:03d}.jsonl", [{"id": str(i), "text": "some words " * 400}])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    dask = [sys.executable, "-m"]
    scheduler = subprocess.Popen(
        [
            *dask,
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [*dask, "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard"],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        argv = ["score", str(inputs), "--out", str(outdir / "scores.jsonl"), "--chunk-size", "1"]
        argv += ["--backend", "dask", "--scheduler", address]
        proc = subprocess.Popen(
            [sys.executable, "-c", LOST_SCHEDULER_RUN, *argv], cwd=repo, env=env, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 90
        while not _temp_output_written(outdir):
            assert proc.poll() is None and time.monotonic() < deadline, "run ended before it wrote anything"
            time.sleep(0.05)
        scheduler.kill()
        _, err = proc.communicate(timeout=120)
    finally:
        for p in (scheduler, worker):
            p.kill()
            p.wait(timeout=30)
    lines = err.decode().splitlines()
    assert proc.returncode == 1, err
    assert lines[-1].startswith(f"moderate score: error: the Dask scheduler at {address} dropped"), lines[-3:]
    assert "nothing written to" in lines[-2], lines[-3:]
    assert list(outdir.iterdir()) == []


class CrashingScorer(FakeScorer):
    """A bug in the model code: an unexpected exception, which costs its file an InternalError row."""

    def score(self, texts, article=None, *, use_thread=True, same_source=False):
        raise RuntimeError("a bug in the scorer")


def crashing_factory(model_dir: Path) -> CrashingScorer:
    return CrashingScorer(model_dir=model_dir)


CRASHING_RUN = """
import functools, sys
from service import batch, cli
from tests.service.test_batch import crashing_factory
batch.run = functools.partial(batch.run, scorer_factory=crashing_factory)
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_local_workers_log_as_the_moderate_process_does(tmp_path):
    """With --jobs 2 a worker had no logging set up: its lines came out bare ('a.jsonl: unexpected
    RuntimeError ...' without 'ERROR service.batch:'), and `-v`, which the line itself points to for the
    traceback, showed none of it. Workers now log with the run's level and format."""
    for name in ("a", "b"):
        write_jsonl(tmp_path / f"{name}.jsonl", [{"id": "1", "text": "an ordinary comment"}])
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASHING_RUN,
            "-v",
            "score",
            str(tmp_path),
            "--jobs",
            "2",
            "--chunk-size",
            "1",
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    for name in ("a", "b"):
        assert (
            f"ERROR service.batch: {tmp_path / name}.jsonl: unexpected RuntimeError: a bug in the scorer"
            in (line.partition(" (-v")[0] for line in lines)
        ), proc.stderr
    assert "DEBUG service.batch: traceback" in lines and "RuntimeError: a bug in the scorer" in lines, (
        proc.stderr
    )


class InsultOnlyScorer(FakeScorer):
    """An artifact without an off-topic model: the real Scorer gives NaN for the missing attribute."""

    def score(self, texts, article=None, *, use_thread=True, same_source=False):
        return [
            Scores({"insult": s["insult"], "off_topic": float("nan")}, "none")
            for s in super().score(texts, article)
        ]


def insult_only_factory(model_dir: Path) -> InsultOnlyScorer:
    return InsultOnlyScorer(model_dir=model_dir)


def test_a_missing_attribute_is_null_never_nan(tmp_path, capsys):
    f = tmp_path / "c.jsonl"
    write_jsonl(f, [{"id": "a", "text": "you idiot"}])
    rc, out, _ = run_batch(capsys, f, factory=insult_only_factory)

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    (row,) = [json.loads(line, parse_constant=refuse) for line in out.splitlines()]
    assert rc == 0 and row["scores"] == {"insult": 1.0, "off_topic": None}


# --------------------------------------------------------------------------------------------------
# End to end: the real parser and the shipped model in model/default, through the real CLI.

REPO = Path(__file__).resolve().parents[2]


def moderate(*argv: object, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *map(str, argv)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def real_runs(mixed_dir, tmp_path_factory) -> dict[str, tuple[int, str, str]]:
    """`moderate score` with the shipped model, --jobs 1 and --jobs 2, each written with --out."""
    root, _ = mixed_dir
    out_dir = tmp_path_factory.mktemp("real")
    runs = {}
    for jobs in (1, 2):
        out = out_dir / f"jobs{jobs}.jsonl"
        proc = moderate("score", root, "--jobs", jobs, "--out", out)
        runs[f"jobs{jobs}"] = (proc.returncode, out.read_text(encoding="utf-8"), proc.stderr)
    return runs


@pytest.mark.slow
def test_shipped_model_end_to_end_accounts_for_every_file(mixed_dir, real_runs):
    _, expect = mixed_dir
    rc, out, err = real_runs["jobs1"]
    assert rc == 1, err  # the broken files
    assert "Traceback" not in err
    rows = rows_of(out)
    assert {r["source"] for r in rows} == set(expect)
    comments = [r for r in rows if r["kind"] == "comment"]
    assert sum("comment_index" in r for r in comments) > 50  # the real parser finds the seeds' comments
    from service.settings import DEFAULT_MODEL_DIR

    shipped = json.loads((DEFAULT_MODEL_DIR / "manifest.json").read_text())["attributes"]
    assert "insult" in shipped
    for r in comments:
        for attribute, value in r["scores"].items():
            if attribute in shipped:
                assert 0.0 <= value <= 1.0
            else:  # an attribute the artifact does not carry is null, never a made-up number
                assert value is None
        assert r["decision"] in batch.VERDICTS
    for source, want in expect.items():
        got = [r for r in rows if r["source"] == source]
        if want.startswith(("error", "skipped")):
            kind, _, needle = want.partition(":")
            assert [r["kind"] for r in got] == [kind] and needle.lower() in str(got).lower(), got
    assert f"comments scored: {len(comments)};" in err


@pytest.mark.slow
def test_shipped_model_output_identical_for_jobs_1_and_2(real_runs):
    assert real_runs["jobs1"][:2] == real_runs["jobs2"][:2]


@pytest.mark.slow
def test_shipped_model_on_a_dask_cluster_matches_the_local_run(mixed_dir, real_runs, tmp_path, capsys):
    """Two real Dask worker processes (each loads the shipped model itself), driven through the CLI code."""
    from dask.distributed import LocalCluster

    root, _ = mixed_dir
    out = tmp_path / "dask.jsonl"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        rc = batch.run(args_for(root, backend="dask", scheduler=cluster.scheduler_address, out=out))
    capsys.readouterr()
    assert (rc, out.read_text(encoding="utf-8")) == real_runs["jobs1"][:2]


@pytest.mark.slow
def test_shipped_model_csv_and_jsonl_input(tmp_path):
    f = tmp_path / "comments.jsonl"
    write_jsonl(f, COMMENTS_JSONL)
    proc = moderate("score", f, "--format", "csv")
    table = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert proc.returncode == 1, proc.stderr
    assert [r["line"] for r in table] == ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    assert [r["kind"] for r in table].count("comment") == 4
    by_id = {r["id"]: r for r in table if r["kind"] == "comment"}
    assert float(by_id["c2"]["insult"]) > float(by_id["c1"]["insult"])  # "idiot and a moron"


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_bad_model_dir_is_a_clear_error_not_a_traceback(seeds_dir, tmp_path, jobs):
    out = tmp_path / "out.jsonl"
    proc = moderate("score", seeds_dir, "--model-dir", tmp_path, "--jobs", jobs, "--out", out)
    assert proc.returncode == 1
    assert "make train" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_error(seeds_dir, tmp_path):
    out = tmp_path / "out.jsonl"
    proc = moderate("score", seeds_dir, "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9", "--out", out)
    assert proc.returncode == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in proc.stderr
    assert "Traceback" not in proc.stderr and list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_lines_without_article_id_are_batched_yet_scored_as_alone(tmp_path, seeds_dir, monkeypatch, capsys):
    """Lines without an article_id are no thread: they are scored many per call (SINGLES_PER_CALL,
    made small here so several calls happen) with the numbers each gets when scored on its own, with
    its own article or none, by the shipped model; except that a comment the detector cannot place
    takes the batch's majority language (English here), as in a thread."""
    from model.score import Scorer
    from service.parse import parse_file
    from service.settings import DEFAULT_MODEL_DIR

    monkeypatch.setattr(batch_threads, "SINGLES_PER_CALL", 3)
    page = parse_file(sorted(seeds_dir.iterdir())[0])
    story = {"title": page.title, "body": page.body}
    other = {"title": "Budget", "body": "The city budget adds two bus lines and a new library."}
    items = []
    for i, c in enumerate(page.comments):
        item: dict[str, Any] = {"id": f"c{i}", "text": c.text}
        if i % 3 == 1:
            item["article"] = story
        elif i % 3 == 2:
            item["article"] = other
        items.append(item)
    f = tmp_path / "singles.jsonl"
    write_jsonl(f, items)
    scorer = Scorer.load(DEFAULT_MODEL_DIR)
    rc, out, _ = run_batch(capsys, f, factory=lambda _: scorer)
    assert rc == 0
    rows = rows_of(out)
    assert [r["id"] for r in rows] == [it["id"] for it in items]
    placed = 0
    for row, item in zip(rows, items, strict=True):
        art = None if item.get("article") is None else ArticleContext(**item["article"])
        alone = scorer.score([item["text"]], art)[0]
        routed = alone if row["language"] else scorer.score([item["text"]], art, language="en")[0]
        placed += bool(row["language"])
        assert row["scores"]["insult"] == pytest.approx(routed["insult"], abs=1e-6)
        assert row["scores"]["off_topic"] == pytest.approx(alone["off_topic"], abs=1e-6)
    assert placed >= len(items) - 2  # the seed thread: one comment nobody can place


def test_lines_without_article_id_are_scored_as_one_source_and_threads_as_threads(tmp_path, capsys):

    f = tmp_path / "mixed.jsonl"
    write_jsonl(
        f,
        [
            {"id": "a", "text": "first, alone"},
            {"id": "b", "text": "in a thread", "article_id": "x"},
            {"id": "c", "text": "second, alone"},
            {"id": "d", "text": "a reply", "article_id": "x"},
        ],
    )
    scorer = FakeScorer()
    rc, _, _ = run_batch(capsys, f, factory=lambda _: scorer)
    assert rc == 0 and scorer.calls == [2, 2]
    assert scorer.same_source_seen == [False, True]  # the thread, then the lines without article_id


def test_a_lone_surrogate_in_a_jsonl_line_is_an_error_line_not_a_crash(tmp_path, capsys):
    # JSON allows "\ud800" escapes, but such a string cannot be written back out as UTF-8: it used to
    # crash the whole run (UnicodeEncodeError on writing the row), losing every other file's output.
    f = tmp_path / "surrogates.jsonl"
    f.write_text(
        '{"id": "a", "text": "fine"}\n'
        '{"id": "\\ud800x", "text": "you idiot"}\n'
        '{"id": "c", "text": "lone \\udc00 low surrogate"}\n'
        '{"id": "d", "text": "ok", "article": {"title": "\\ud83d", "body": "b"}}\n'
        '{"id": "e", "text": "a real pair \\ud83d\\ude00 is fine"}\n',
        encoding="ascii",
    )
    out = tmp_path / "out.jsonl"
    rc, _, _ = run_batch(capsys, f, out=out)
    rows = rows_of(out.read_text(encoding="utf-8"))
    assert [(r["kind"], r["line"]) for r in rows] == [
        ("comment", 1),
        ("error", 2),
        ("error", 3),
        ("error", 4),
        ("comment", 5),
    ]
    assert rc == 1 and all("surrogate" in r["error"] for r in rows[1:4])


def test_a_deeply_nested_jsonl_line_is_an_error_line_and_the_file_is_scored(tmp_path, capsys):
    # The stdlib json recurses: 100,000 brackets raised RecursionError, which cost the whole file.
    f = tmp_path / "deep.jsonl"
    f.write_text(
        '{"id": "a", "text": "fine"}\n' + "[" * 100_000 + "]" * 100_000 + '\n{"id": "c", "text": "ok"}\n'
    )
    rc, out, _ = run_batch(capsys, f)
    rows = rows_of(out)
    assert [(r["kind"], r["line"]) for r in rows] == [("comment", 1), ("error", 2), ("comment", 3)]
    assert rc == 1 and rows[1]["error_type"] == "MalformedInputError" and "nest" in rows[1]["error"]


def test_a_jsonl_line_with_a_number_too_long_to_read_is_an_error_line_and_the_file_is_scored(
    tmp_path, capsys
):
    # Python refuses to read an integer of more than 4,300 digits with a ValueError that is no
    # JSONDecodeError: one such line in an export of strangers' comments made the whole file one
    # "internal error" row, and none of its comments was scored.
    f = tmp_path / "long-number.jsonl"
    f.write_text(
        '{"id": "a", "text": "fine"}\n{"id": "b", "text": "x", "article_id": ' + "9" * 5_000 + "}\n"
        '{"id": "c", "text": "ok"}\n'
    )
    rc, out, _ = run_batch(capsys, f)
    rows = rows_of(out)
    assert [(r["kind"], r["line"]) for r in rows] == [("comment", 1), ("error", 2), ("comment", 3)]
    assert rc == 1 and rows[1]["error_type"] == "MalformedInputError"
    assert "number out of range" in rows[1]["error"]


def test_a_utf8_bom_at_the_start_of_a_jsonl_file_is_not_a_bad_line(tmp_path, capsys):
    # Windows tools (PowerShell, Excel's "UTF-8" export) start files with a BOM: line 1 is still valid.
    f = tmp_path / "bom.jsonl"
    f.write_bytes(b'\xef\xbb\xbf{"id": "a", "text": "first"}\n{"id": "b", "text": "second"}\n')
    rc, out, _ = run_batch(capsys, f)
    rows = rows_of(out)
    assert rc == 0 and [(r["kind"], r["id"]) for r in rows] == [("comment", "a"), ("comment", "b")]


def test_a_bom_does_not_hide_an_oversized_first_line(tmp_path, capsys, monkeypatch):
    # The BOM was stripped before the size check: the cut line read as bad JSON, its tail as a phantom
    # line 2, and the real line 2 was numbered 3.
    monkeypatch.setattr(batch_jsonl, "MAX_JSONL_LINE_BYTES", 100)
    f = tmp_path / "bom_long.jsonl"
    f.write_bytes(b'\xef\xbb\xbf{"id": "a", "text": "' + b"x" * 200 + b'"}\n{"id": "b", "text": "second"}\n')
    rc, out, _ = run_batch(capsys, f)
    assert rc == 1
    rows = rows_of(out)
    assert [(r["kind"], r["line"]) for r in rows] == [("error", 1), ("comment", 2)]
    assert rows[0]["error"] == "line over 100 bytes"


def test_empty_and_blank_exports_are_accounted_for(tmp_path, capsys):
    empty, blank = tmp_path / "e.jsonl", tmp_path / "b.jsonl"
    empty.write_bytes(b"")
    blank.write_bytes(b"\n\n \n")
    rc, out, _ = run_batch(capsys, empty, blank)
    rows = rows_of(out)
    names = [(r["kind"], Path(r["source"]).name) for r in rows]
    assert rc == 1 and names == [("error", "e.jsonl"), ("error", "b.jsonl")]
    assert all(r["error"] == "the export has no lines" for r in rows)


def test_a_file_over_the_line_limit_counts_one_error(tmp_path, capsys, monkeypatch):
    # Its bad lines were counted, then the file became one error row: the summary said 2 errors for 1.
    monkeypatch.setenv("MODERATION_LIMITS__MAX_JSONL_LINES", "5")
    f = tmp_path / "many.jsonl"
    write_jsonl(f, ["not json", *({"id": f"c{i}", "text": "fine"} for i in range(10))])
    rc, out, err = run_batch(capsys, f)
    assert rc == 1 and [r["error_type"] for r in rows_of(out)] == ["TooLargeError"]
    assert "bad JSONL lines: 0" in err and "errors: 1\n" in err


def test_a_jsonl_error_reads_as_a_sentence(tmp_path, capsys):
    f = tmp_path / "cut.jsonl"
    f.write_text('{"id": "1", "text": "abc')  # a last line cut short
    _, out, _ = run_batch(capsys, f)
    # (pydantic-core's words and position, as the API's: until session 21 the stdlib's, "Unterminated
    # string starting at (column 21)")
    assert rows_of(out)[0]["error"] == "invalid JSON: EOF while parsing a string (column 24)"


def test_a_file_name_that_is_not_utf8_is_escaped_and_the_run_goes_on(tmp_path, seeds_dir, capsys):
    # The name's undecodable byte is a lone surrogate in Python: writing the row crashed the whole run.
    root = tmp_path / "in"
    root.mkdir()
    seed = sorted(seeds_dir.iterdir())[0]
    bad = os.fsencode(root) + b"/bad\xff.txt"
    shutil.copyfile(seed, bad)
    shutil.copyfile(seed, root / "good.txt")
    out = tmp_path / "out.jsonl"
    rc, _, _ = run_batch(capsys, root, out=out)
    rows = rows_of(out.read_text(encoding="utf-8"))
    sources = sorted({Path(r["source"]).name for r in rows})
    assert rc == 0 and sources == ["bad\\xff.txt", "good.txt"]
    assert len(rows) == 2 * sum(r["source"].endswith("good.txt") for r in rows)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_error_row_for_a_file_name_that_is_not_utf8_is_escaped_too(tmp_path, seeds_dir, capsys, fmt):
    # An error message named the file: its lone surrogate crashed the --out run (UnicodeEncodeError
    # traceback, nothing written) although the row's "source" was escaped. (The row names its source
    # once now; a dangling link's message still names its target.)
    root = tmp_path / "in"
    root.mkdir()
    (root / "good.txt").write_bytes(sorted(seeds_dir.iterdir())[0].read_bytes())
    with open(os.fsencode(root) + b"/empty\xff.txt", "wb"):
        pass
    with open(os.fsencode(root) + b"/binary\xfe.txt", "wb") as fh:
        fh.write(b"\x00\x01\x02" * 100)
    os.symlink(b"gone\xfd", os.fsencode(root) + b"/link.txt")
    out = tmp_path / f"out.{fmt}"
    rc, _, err = run_batch(capsys, root, out=out, format=fmt)
    assert rc == 1 and "Traceback" not in err
    text = out.read_text(encoding="utf-8")
    if fmt == "csv":
        rows = [r for r in csv.DictReader(io.StringIO(text)) if r["kind"] == "error"]
    else:
        rows = [r for r in rows_of(text) if r["kind"] == "error"]
    assert [r["source"] for r in rows] == [
        f"{root}/binary\\xfe.txt",
        f"{root}/empty\\xff.txt",
        f"{root}/link.txt",
    ]
    assert rows[0]["error"].startswith("binary data") and rows[1]["error"] == "the page is empty"
    assert "-> gone\\xfd" in rows[2]["error"], rows[2]


@pytest.mark.parametrize("address", ["garbage", "udp://host:8786", "tcp://[::1", "tcp://host:notaport"])
def test_a_malformed_scheduler_address_is_a_usage_error(seeds_dir, capsys, address):
    rc, _, err = run_batch(capsys, seeds_dir, backend="dask", scheduler=address)
    assert rc == 2 and f"--scheduler {address!r}" in err and "Traceback" not in err


def test_a_jsonl_text_or_article_with_nothing_visible_is_empty(tmp_path, capsys):
    f = tmp_path / "invisible.jsonl"
    write_jsonl(
        f,
        [
            {"id": "a", "text": "\u200b\u200b"},
            {"id": "b", "text": "\x00"},
            {"id": "c", "text": "tides", "article": {"title": "\u200b", "body": "\ufeff"}},
        ],
    )
    rc, out, _ = run_batch(capsys, f)
    rows = rows_of(out)
    assert [(r["kind"], r["line"]) for r in rows] == [("error", 1), ("error", 2), ("comment", 3)]
    assert rc == 1 and all(r["error"] == '"text" is empty' for r in rows[:2])
    assert [r.get("id") for r in rows[:2]] == ["a", "b"]  # a refused line keeps its id when it has one
    assert rows[2]["context"] == "none"  # an invisible article is no article context


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


def test_the_temp_files_of_a_killed_run_are_never_read_as_input(tmp_path, capsys):
    good = {"id": "real", "text": "an ordinary comment"}
    write_jsonl(tmp_path / "comments.jsonl", [good])
    leftovers = [".scores.jsonl.k3j2h1x_" + batch_discover.TEMP_SUFFIX, ".scores.jsonl.ab12cd34.part"]
    for name in leftovers:  # a comment row each, if they were scored
        write_jsonl(tmp_path / name, [{"id": "leftover", "text": "half-written output"}])
    rc, _, _ = run_batch(capsys, tmp_path, out=tmp_path / "scores.jsonl")
    assert rc == 0
    rows = rows_of((tmp_path / "scores.jsonl").read_text())
    assert [r["id"] for r in rows if r["kind"] == "comment"] == ["real"]
    skipped = sorted(Path(r["source"]).name for r in rows if r["kind"] == "skipped")
    assert skipped == sorted(leftovers)
    assert all("interrupted" in r["reason"] for r in rows if r["kind"] == "skipped")


KILLED_RUN = """
import sys
from service import batch, batch_jsonl
from tests.service.test_batch import args_for, slow_factory
sys.exit(batch.run(args_for(sys.argv[1], out=sys.argv[2], jobs=2, chunk_size=1), scorer_factory=slow_factory))
"""


def _cmdline(process) -> str:
    import psutil

    try:
        return " ".join(process.cmdline())
    except psutil.Error:  # exited between listing and reading
        return ""


@pytest.mark.slow
def test_workers_exit_when_their_parent_is_killed(tmp_path):
    import psutil

    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(400):  # ~40 s of slow scoring split over two workers
        write_jsonl(inputs / f"{i:03d}.jsonl", [{"id": str(i), "text": "some words " * 400}])
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(inputs), str(tmp_path / "scores.jsonl")],
        cwd=repo,
        stderr=subprocess.DEVNULL,
    )
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    workers: list[psutil.Process] = []
    while len(workers) < 2:  # loky's workers score; helper processes (resource trackers) exist too
        assert proc.poll() is None and time.monotonic() < deadline, "no workers started"
        workers = [c for c in parent.children(recursive=True) if "popen_loky" in _cmdline(c)]
        time.sleep(0.1)
    time.sleep(3)  # past their imports and into scoring; the whole run takes ~20 s
    assert proc.poll() is None, "the run ended before it could be killed mid-way"
    children = parent.children(recursive=True)
    proc.kill()  # kill -9: no cleanup runs in the parent
    proc.wait()
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], [p.cmdline()[:3] for p in alive]


def test_rows_say_the_language_and_the_unsupported_attributes(tmp_path: Path) -> None:
    from collections import Counter

    from service.settings import Limits, Thresholds

    config = batch.BatchConfig(
        model_dir=tmp_path, thresholds={"insult": Thresholds(review=0.5, reject=0.9)}, limits=Limits()
    )
    spanish = Scores({"insult": 0.95}, language="es", unsupported=frozenset({"insult"}))
    row = {"kind": "comment", "source": "x", **batch_rows.decision_fields(spanish, config, Counter())}
    assert row["language"] == "es" and row["unsupported"] == ["insult"]
    assert row["decision"] == "review"  # never rejects on a model not trained for Spanish
    undetermined = batch_rows.decision_fields(Scores({"insult": 0.1}), config, Counter())
    assert undetermined["language"] == "und" and undetermined["unsupported"] == []
    cells = next(
        csv.DictReader(io.StringIO(",".join(batch.CSV_COLUMNS) + "\n" + batch.serialise([row], "csv")))
    )
    assert cells["language"] == "es" and cells["unsupported"] == "insult"


def test_rows_say_the_language_the_comment_was_judged_in(tmp_path: Path) -> None:
    # The API and the review queue say `judged_language`; a batch row said only "und" while its reason
    # named the language the comment was judged in ("... not trained for language es: review"), and a
    # site's per-language thresholds applied by a language the row never showed.
    from collections import Counter

    from service.settings import Limits, Thresholds

    config = batch.BatchConfig(
        model_dir=tmp_path, thresholds={"insult": Thresholds(review=0.5, reject=0.9)}, limits=Limits()
    )
    guessed = Scores({"insult": 0.95}, unsupported=frozenset({"insult"}), assumed_language="es")
    row = {"kind": "comment", "source": "x", **batch_rows.decision_fields(guessed, config, Counter())}
    assert row["language"] == "und" and row["judged_language"] == "es"
    assert row["reasons"] == [
        "insult 0.95 >= reject threshold 0.90, but its model was not trained for language es: review"
    ]
    assert batch_rows.decision_fields(Scores({"insult": 0.1}), config, Counter())["judged_language"] == "en"
    cells = next(
        csv.DictReader(io.StringIO(",".join(batch.CSV_COLUMNS) + "\n" + batch.serialise([row], "csv")))
    )
    assert cells["language"] == "und" and cells["judged_language"] == "es"
    earlier = tmp_path / "scores.csv"  # a run's output from before the column: still recognised as ours
    earlier.write_text(
        ",".join(c for c in batch.CSV_COLUMNS if c not in ("judged_language", "parent")) + "\n"
    )
    assert batch_outfile._looks_like_our_output(earlier)


def test_a_page_row_says_which_comment_it_replies_to() -> None:
    # /v1/articles:score answers each comment's `parent` and the report says "reply to #N"; a batch row
    # had only its comment_index, so the page's threads were lost in `moderate score`'s output.
    from collections import Counter

    from core.records import Article, Comment
    from service.settings import Settings

    article = Article(
        source="p",
        format="text",
        title="Tides",
        body="The moon moves the tide.",
        comments=(Comment(text="The moon, yes."), Comment(text="No, the sun.", parent=0)),
    )
    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=fake_factory)
    rows = batch_worker.page_rows(article, "p", config, Counter())
    assert [(r["comment_index"], r["parent"]) for r in rows] == [(0, None), (1, 0)]
    cells = list(
        csv.DictReader(io.StringIO(",".join(batch.CSV_COLUMNS) + "\n" + batch.serialise(rows, "csv")))
    )
    assert [c["parent"] for c in cells] == ["", "0"]


def test_a_score_just_under_a_threshold_is_written_under_it(tmp_path: Path) -> None:
    # Scores are written to six decimals; rounded to nearest, toxicity 0.8999996 was written 0.9 on a
    # row whose decision stayed review under the 0.9 reject threshold: a reader re-applying the
    # thresholds to the row rejected it. Rounded down, as the reasons round theirs.
    from collections import Counter

    from service.settings import Limits, Thresholds

    config = batch.BatchConfig(
        model_dir=tmp_path, thresholds={"toxicity": Thresholds(review=0.45, reject=0.9)}, limits=Limits()
    )
    row = batch_rows.decision_fields(Scores({"toxicity": 0.8999996, "insult": 0.1234567}), config, Counter())
    assert row["decision"] == "review"
    assert row["scores"] == {"toxicity": 0.899999, "insult": 0.123456}
    exact = batch_rows.decision_fields(Scores({"toxicity": 0.9, "insult": 0.123456}), config, Counter())
    assert exact["scores"] == {"toxicity": 0.9, "insult": 0.123456}  # six decimals exactly: kept


def test_a_run_scores_with_the_version_the_service_serves(tmp_path, activated_version, capsys):
    """After a version is activated (var/models/ACTIVE), `moderate score` decides as the service does;
    `--model-dir` still names a directory outright, and an ACTIVE naming no version is refused."""
    from core.errors import ModelError

    page = tmp_path / "page.txt"
    page.write_text("Title\n\nBody of the page, long enough to be a body.\n")
    seen: list[Path] = []

    def factory(model_dir: Path) -> FakeScorer:
        seen.append(Path(model_dir))
        return FakeScorer(model_dir=model_dir)

    assert run_batch(capsys, page, factory=factory)[0] == 0
    assert seen == [activated_version]
    other = tmp_path / "other"
    assert run_batch(capsys, page, factory=factory, model_dir=other)[0] == 0
    assert seen[-1] == other
    (activated_version.parent / "ACTIVE").write_text("1.cccccccccccc\n")
    with pytest.raises(ModelError, match=r"1\.cccccccccccc"):
        run_batch(capsys, page, factory=factory)


ENGLISH_LINES = [
    "Thanks for this article, it explains the budget very well.",
    "I think the council should have voted against the new bridge.",
    "Great reporting, I learned a lot about the city finances today.",
]
GERMAN_LINES = [
    "Das ist doch wirklich das Dümmste, was ich seit langem gelesen habe.",
    "Die Regierung hat wieder einmal versagt, das ist eine Schande für uns alle.",
]
CLOWN = "you clown!!!"  # the detector cannot place it


def _english_german_scorer(tmp_path: Path) -> Any:
    """A real Scorer over a tiny insult model with an English and a German route."""
    import numpy as np

    from model.artifact import save_artifact
    from model.features import LinearTextClassifier, TokenFeaturizer
    from model.multilingual import LanguageRoutedClassifier
    from model.score import Scorer

    def tiny(texts: list[str]) -> LinearTextClassifier:
        featurizer = TokenFeaturizer(min_df=1)
        return LinearTextClassifier(featurizer=featurizer, C=2.0).fit(texts * 5, np.asarray([1, 1, 0, 0] * 5))

    english = tiny(["you idiot", "you clown", "nice point", "thanks for this"])
    german = tiny(["du idiot", "du depp", "danke schön", "guter artikel"])
    save_artifact(
        tmp_path / "model",
        {"insult": LanguageRoutedClassifier(english, {"de": german}, "en")},
        {"model_version": "test"},
        {"insult": {"interface": "predict_proba", "threshold": 0.5, "languages": ["en", "de"]}},
    )
    return Scorer.load(tmp_path / "model")


def test_a_comment_nobody_can_place_takes_the_exports_majority_wherever_its_line_is(
    tmp_path, capsys, monkeypatch
):
    """Lines without an article_id are scored SINGLES_PER_CALL at a time; an undetermined comment took
    the majority language of its own part, not the export's (docs/batch.md): with English lines first,
    "you clown!!!" beside the export's two German lines was read as German, and with the same lines in
    another order as English (review against reject on the shipped model)."""
    scorer = _english_german_scorer(tmp_path)
    monkeypatch.setattr(batch_threads, "SINGLES_PER_CALL", 3)
    en, de, clown = ENGLISH_LINES, GERMAN_LINES, CLOWN
    assert scorer.detector.detect_one(clown).language is None
    rows = {}
    for name, texts in {"first": [*en, *de, clown], "last": [*de, clown, *en]}.items():
        f = tmp_path / f"{name}.jsonl"
        write_jsonl(f, [{"id": str(i), "text": t} for i, t in enumerate(texts)])
        rc, out, _ = run_batch(capsys, f, factory=lambda _: scorer)
        assert rc == 0
        (rows[name],) = [r for r in rows_of(out) if r["id"] == str(texts.index(clown))]
    expected = scorer.score([*en, *de, clown], use_thread=False, same_source=True)[-1]  # one call
    for row in rows.values():
        assert row["scores"]["insult"] == pytest.approx(expected["insult"], abs=1e-6)
        assert row["unsupported"] == sorted(expected.unsupported)


def test_a_file_named_twice_or_reached_by_a_link_is_scored_once(tmp_path, capsys):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "c.jsonl").write_text('{"id": "1", "text": "an ordinary comment"}\n')
    (tmp_path / "d" / "link.jsonl").symlink_to(tmp_path / "d" / "c.jsonl")
    c = tmp_path / "d" / "c.jsonl"
    rc, out, _ = run_batch(capsys, c, c, tmp_path / "d")
    rows = rows_of(out)
    assert rc == 0
    assert [(r["kind"], r["source"]) for r in rows] == [
        ("comment", str(c)),
        ("skipped", str(c)),
        ("skipped", str(c)),  # the directory's own entry for it
        ("skipped", str(tmp_path / "d" / "link.jsonl")),
    ]
    assert all(f"already read as {c}" in r["reason"] for r in rows[1:])


def test_a_comment_export_under_another_name_is_never_a_page_without_comments(tmp_path, capsys):
    line = '{"id": "1", "text": "an ordinary comment", "article_id": "a1"}\n'
    for name in ("export.ndjson", "export.json", "export.txt"):
        (tmp_path / name).write_text(line * 3)
    (tmp_path / "one.json").write_text(line.strip())  # one line, no newline at its end
    (tmp_path / "page.txt").write_text("{braces} open this page\n\nIts body, and no comments.\n")
    rc, out, _ = run_batch(capsys, tmp_path)
    rows = {(Path(r["source"]).name, r["kind"], r.get("line")) for r in rows_of(out)}
    assert rows == {
        *(("export.ndjson", "comment", n) for n in (1, 2, 3)),  # NDJSON is JSON Lines
        ("export.json", "error", None),  # not silently a page with 0 comments, exit 0
        ("export.txt", "error", None),
        ("one.json", "error", None),
        ("page.txt", "page", None),
    }
    assert rc == 1
    assert all("not a page" in r["error"] for r in rows_of(out) if r["kind"] == "error")


def test_a_comment_export_as_one_json_document_is_never_a_page_without_comments(
    tmp_path, capsys, monkeypatch
):
    """An export written as one JSON document (an array of comments, a Perspective-style or CMS dump
    spread over lines) was read as a text page: a `page` row with 0 comments, exit 0, its comments
    neither scored nor refused. It is an error row naming what it is; one over the page limit is
    refused before it is read, as any page is (memory stays bounded)."""
    comments = [{"id": str(i), "text": "an ordinary comment"} for i in range(3)]
    (tmp_path / "array.json").write_text(json.dumps(comments, indent=2))
    (tmp_path / "object.json").write_text(json.dumps({"comments": comments}, indent=2) + "\n")
    (tmp_path / "nested.json").write_text("[" * 300 + "]" * 300)  # past the reader's 200 levels
    (tmp_path / "page.txt").write_text("[Update] A page that opens with brackets\n\nIts body. [1]\n")
    (tmp_path / "braces.txt").write_text("{braces} open this page\n\nIts body, and no comments. {}\n")
    monkeypatch.setenv("MODERATION_LIMITS__MAX_PAGE_BYTES", "4096")
    (tmp_path / "big.json").write_text(json.dumps(comments * 100))
    rc, out, _ = run_batch(capsys, tmp_path)
    rows = {Path(r["source"]).name: r for r in rows_of(out)}
    assert {name: r["kind"] for name, r in rows.items()} == {
        "array.json": "error",
        "object.json": "error",
        "nested.json": "error",
        "page.txt": "page",
        "braces.txt": "page",
        "big.json": "error",
    }
    assert rc == 1
    for name in ("array.json", "object.json", "nested.json"):
        assert "a JSON document, not a page" in rows[name]["error"], rows[name]
        assert ".jsonl" in rows[name]["error"] and rows[name]["error_type"] == "MalformedInputError"
    assert rows["big.json"]["error_type"] == "TooLargeError" and "4,096 bytes" in rows["big.json"]["error"]


class InterruptedInCompiledCodeScorer(FakeScorer):
    """A signal handler's exception raised inside a numba call: the call returns a SystemError caused by
    it ("CPUDispatcher(...) returned a result with an exception set"), as a real SIGTERM did."""

    interruption: BaseException = SystemExit(128 + signal.SIGTERM)

    def score(self, texts, article=None, *, use_thread=True, same_source=False):
        try:
            raise self.interruption
        except BaseException as exc:
            raise SystemError("CPUDispatcher(<function f>) returned a result with an exception set") from exc


@pytest.mark.parametrize("interruption", [SystemExit(128 + signal.SIGTERM), KeyboardInterrupt()])
def test_a_signal_inside_compiled_code_stops_the_run_not_one_file(tmp_path, capsys, interruption):
    for name in ("a.jsonl", "b.jsonl"):
        write_jsonl(tmp_path / name, [{"id": "1", "text": "an ordinary comment"}])

    def factory(model_dir: Path) -> FakeScorer:
        scorer = InterruptedInCompiledCodeScorer(model_dir=model_dir)
        scorer.interruption = interruption
        return scorer

    out = tmp_path / "scores.jsonl"
    with pytest.raises(type(interruption)):  # SIGTERM: SystemExit(143); Ctrl-C: 130 in service.cli
        batch.run(args_for(tmp_path / "a.jsonl", tmp_path / "b.jsonl", out=out), scorer_factory=factory)
    # the run was stopped: no output under the final name, and its temp file removed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "b.jsonl"]


def test_exports_joined_with_cat_keep_each_parts_first_line(tmp_path, capsys):
    # `cat monday.jsonl tuesday.jsonl` of two BOM-started exports: the BOM opens line 2, not line 1.
    part = b'\xef\xbb\xbf{"id": "%s", "text": "an ordinary comment"}\n'
    f = tmp_path / "week.jsonl"
    f.write_bytes(part % b"mon" + part % b"tue")
    rc, out, _ = run_batch(capsys, f)
    assert rc == 0
    assert [(r["kind"], r["line"], r["id"]) for r in rows_of(out)] == [
        ("comment", 1, "mon"),
        ("comment", 2, "tue"),
    ]


class DyingScorer(FakeScorer):
    """Its process dies on a comment saying POISON, as one killed by the kernel's OOM killer does."""

    def score(self, texts, article=None, *, use_thread=True, same_source=False):
        if any("POISON" in t for t in texts):
            os._exit(137)
        return super().score(texts, article, use_thread=use_thread)


def dying_factory(model_dir: Path) -> DyingScorer:
    return DyingScorer(model_dir=model_dir)


def test_a_worker_that_dies_costs_its_file_not_the_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 2)
    for name in ("a", "b", "c", "d", "e"):
        text = "POISON pill" if name == "c" else "an ordinary comment"
        write_jsonl(tmp_path / f"{name}.jsonl", [{"id": name, "text": text}])
    rc, out, err = run_batch(capsys, tmp_path, factory=dying_factory, jobs=2, chunk_size=2)
    rows = rows_of(out)
    assert [(Path(r["source"]).stem, r["kind"]) for r in rows] == [
        ("a", "comment"),
        ("b", "comment"),
        ("c", "error"),  # its chunk-mate d was run again alone and scored
        ("d", "comment"),
        ("e", "comment"),
    ]
    assert rows[2]["error_type"] == "WorkerDiedError"
    assert "died again on this file alone (exit code EXIT(137))" in rows[2]["error"]
    assert rc == 1 and "1 failed" in err


def _poisoned_exports(root: Path) -> None:
    """Five one-line exports; c's comment kills the process that scores it."""
    for name in ("a", "b", "c", "d", "e"):
        text = "POISON pill" if name == "c" else "an ordinary comment"
        write_jsonl(root / f"{name}.jsonl", [{"id": name, "text": text}])


@pytest.mark.timeout(120)  # (before the fix the run hung for ever: joblib never completed the task)
def test_a_dask_worker_that_keeps_dying_costs_its_file_not_the_run(tmp_path, capsys):
    # A file whose scoring kills its Dask worker (the OOM killer, a segfault) made the scheduler give up
    # on its chunk (KilledWorker after `allowed-failures` retries), and that ended the whole run with a
    # traceback and nothing written. Now it is the same as on local workers: one WorkerDiedError row.
    import dask
    from dask.distributed import LocalCluster

    _poisoned_exports(tmp_path)
    # No retries by the scheduler: each death is a KilledWorker at once (the test stays fast).
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
    ):
        rc, out, err = run_batch(
            capsys,
            tmp_path,
            factory=dying_factory,
            backend="dask",
            scheduler=cluster.scheduler_address,
            chunk_size=2,
        )
    rows = rows_of(out)
    assert [(Path(r["source"]).stem, r["kind"]) for r in rows] == [
        ("a", "comment"),
        ("b", "comment"),
        ("c", "error"),  # its chunk-mate d was run again alone and scored
        ("d", "comment"),
        ("e", "comment"),
    ]
    assert rows[2]["error_type"] == "WorkerDiedError" and "worker process died" in rows[2]["error"]
    assert "1 Dask worker(s) died" in rows[2]["error"] and "(KilledWorker)" in rows[2]["error"]
    assert rc == 1 and "1 failed" in err


def test_a_language_on_a_jsonl_line_is_read_as_the_api_reads_it(tmp_path, capsys):
    # A line's "language" was ignored: a site that knows its comments' language could say so to the
    # API (`language`, Perspective's `languages`) but not in an export. A line is now scored as the API
    # scores its thread sent with that language; what the API refuses (422) is an error row.
    from service.api.scoring import score_thread
    from service.settings import Settings

    f = tmp_path / "languages.jsonl"
    write_jsonl(
        f,
        [
            {"id": "a", "text": "salut espèce d'idiot", "article_id": "x", "language": "fr-FR"},
            {"id": "b", "text": "hello idiot", "article_id": "x"},
            {"id": "c", "text": "ok", "language": "fr"},
            {"id": "d", "text": "bad tag", "language": "not a tag!"},
            {"id": "e", "text": "not a string", "language": 5},
            {"id": "f", "text": "too long", "language": "en-" + "x" * 40},
            {"id": "g", "text": "und is no hint", "language": "und"},
        ],
    )
    scorer = FakeScorer(languages={"insult": {"en", "fr"}})
    rc, out, _ = run_batch(capsys, f, factory=lambda _: scorer)
    rows = rows_of(out)
    assert [(r["kind"], r["id"], r.get("language")) for r in rows] == [
        ("comment", "a", "fr"),
        ("comment", "b", "und"),
        ("comment", "c", "fr"),
        ("error", "d", None),
        ("error", "e", None),
        ("error", "f", None),
        ("comment", "g", "und"),
    ]
    assert all(r["error_type"] == "MalformedInputError" and '"language"' in r["error"] for r in rows[3:6])
    assert rc == 1
    # Each thread line is scored in the whole thread, with its own language: as the API scores it.
    thresholds = Settings().thresholds()
    api = {
        language: score_thread(
            scorer, ["salut espèce d'idiot", "hello idiot"], None, thresholds, language=language
        )
        for language in ("fr", None)
    }
    assert rows[0]["scores"] == api["fr"][0]["scores"] and rows[0]["context"] == "thread"
    assert (
        rows[1]["scores"] == api[None][1]["scores"]
        and rows[1]["decision"] == api[None][1]["decision"]["verdict"]
    )
    assert ("fr", 2) in zip(scorer.languages_seen, scorer.calls, strict=True)


def test_a_thread_naming_many_languages_costs_calls_linear_in_its_lines(tmp_path, capsys):
    # Each language a thread's lines name was one scoring call over the whole window: 300 lines naming
    # 300 well-formed tags ("aaa", "aab", ...) cost 300 calls of 300 comments. Now the most named
    # MAX_WINDOW_LANGUAGES are scored in the whole window, a rarer one's lines as a thread of their own.
    import itertools

    from model.language import normalize_language

    tags = ["".join(t) for t in itertools.islice(itertools.product("abcdefghij", repeat=3), 300)]
    lines = [
        {"id": str(i), "text": f"comment {i}", "article_id": "t", "language": tag}
        for i, tag in enumerate(tags)
    ]
    lines += [
        {"id": f"f{i}", "text": f"commentaire {i}", "article_id": "t", "language": "fr"} for i in range(3)
    ]
    f = tmp_path / "babel.jsonl"
    write_jsonl(f, lines)
    scorer = FakeScorer()
    rc, out, _ = run_batch(capsys, f, factory=lambda _: scorer)
    rows = rows_of(out)
    assert rc == 0 and [r["id"] for r in rows] == [line["id"] for line in lines]
    assert all(
        r["kind"] == "comment" and r["language"] == normalize_language(line["language"])
        for r, line in zip(rows, lines, strict=True)
    )
    # French, the most named, is scored with the whole thread; the rest in calls of their own lines.
    assert (len(lines), "fr") in zip(scorer.calls, scorer.languages_seen, strict=True)
    # Linear: at most a few window-sized calls and one pass over the rest (unbounded: 301 x 303).
    assert sum(scorer.calls) <= 10 * len(lines)


def test_a_long_thread_is_scored_in_windows_of_the_apis_request_size(tmp_path, capsys, monkeypatch):
    # A thread was scored in one call, holding all its comments' features and off-topic context at
    # once: 99,000 lines of one article_id took 1.27 GB. Now THREAD_WINDOW comments at a time, each
    # window as one API request, and a thread that fits in one window is scored exactly as before.
    monkeypatch.setattr(batch_threads, "THREAD_WINDOW", 3)
    f = tmp_path / "long.jsonl"
    lines = [{"id": str(i), "text": f"comment {i} about the tide", "article_id": "t"} for i in range(7)]
    lines[4]["language"] = "fr"
    write_jsonl(f, [*lines, {"id": "s", "text": "short thread", "article_id": "u"}])
    scorer = FakeScorer()
    rc, out, _ = run_batch(capsys, f, factory=lambda _: scorer)
    assert rc == 0 and [r["id"] for r in rows_of(out)] == [*map(str, range(7)), "s"]
    # windows of even sizes (no lone last comment without a thread): 0-1, 2-3, 4-6 (once for its
    # French first line, once detected); then the one-line thread
    assert list(zip(scorer.calls, scorer.languages_seen, strict=True)) == [
        (2, None),
        (2, None),
        (3, "fr"),
        (3, None),
        (1, None),
    ]
    assert [r["context"] for r in rows_of(out)] == ["thread"] * 7 + ["none"]


def test_an_unplaceable_comment_of_a_long_thread_takes_the_whole_threads_majority(
    tmp_path, capsys, monkeypatch
):
    # Scored in windows, "you clown!!!" must not take its window's majority (German) when the thread's
    # is English: wherever its line sits, it is scored as in one call for the whole thread.
    scorer = _english_german_scorer(tmp_path)
    monkeypatch.setattr(batch_threads, "THREAD_WINDOW", 3)
    rows = {}
    for name, texts in {
        "first": [*ENGLISH_LINES, *GERMAN_LINES, CLOWN],
        "last": [*GERMAN_LINES, CLOWN, *ENGLISH_LINES],
    }.items():
        f = tmp_path / f"{name}.jsonl"
        write_jsonl(f, [{"id": str(i), "text": t, "article_id": "a"} for i, t in enumerate(texts)])
        rc, out, _ = run_batch(capsys, f, factory=lambda _: scorer)
        assert rc == 0
        (rows[name],) = [r for r in rows_of(out) if r["id"] == str(texts.index(CLOWN))]
    expected = scorer.score([*ENGLISH_LINES, *GERMAN_LINES, CLOWN])[-1]  # one call, one thread
    for row in rows.values():
        assert row["scores"]["insult"] == pytest.approx(expected["insult"], abs=1e-6)
        assert row["unsupported"] == sorted(expected.unsupported)


def test_hidden_entries_of_a_directory_are_skipped_and_a_named_one_is_read(tmp_path, capsys):
    # A crawl directory's .DS_Store was an error row (binary) and made the run exit 1, and a .git
    # directory's files were scored as pages, while `moderate parse` skipped them. Now each hidden
    # entry of a directory is a `skipped` row; a hidden file named on the command line is read.
    seed = (Path(__file__).resolve().parents[2] / "seeds" / SEEDS[0]).read_bytes()
    crawl = tmp_path / "crawl"
    (crawl / ".git").mkdir(parents=True)
    (crawl / ".git" / "HEAD.txt").write_bytes(seed)
    (crawl / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1\x00" * 50)
    (crawl / "page.txt").write_bytes(seed)
    rc, out, _ = run_batch(capsys, crawl)
    rows = rows_of(out)
    skipped = sorted(r["source"] for r in rows if r["kind"] == "skipped")
    assert rc == 0 and skipped == [str(crawl / ".DS_Store"), str(crawl / ".git")]
    assert {r["source"] for r in rows if r["kind"] == "comment"} == {str(crawl / "page.txt")}
    assert all("hidden" in r["reason"] for r in rows if r["kind"] == "skipped")
    named = tmp_path / ".named.txt"
    named.write_bytes(seed)
    rc, out, _ = run_batch(capsys, named)
    assert rc == 0 and {r["kind"] for r in rows_of(out)} == {"comment"}


# --------------------------------------------------------------------------------------------------
# `-`: standard input


class _Stdin(io.BytesIO):
    """sys.stdin's binary buffer over `data`; `tell()` after the run is how much of it was read."""


def _pipe_in(monkeypatch, data: bytes | None) -> _Stdin | None:
    stream = None if data is None else _Stdin(data)
    monkeypatch.setattr(sys, "stdin", None if stream is None else io.TextIOWrapper(stream))
    return stream


def _without_source(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "source"} for r in rows]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_dash_scores_a_page_or_an_export_from_standard_input(tmp_path, capsys, monkeypatch, jobs):
    # `curl URL | moderate score -` was a usage error ("no such file or directory: -", exit 2): "-" now
    # reads standard input, a page or (its first line a JSON object) a comment export, scored as the
    # same bytes in a file are and named <stdin>; a second "-" is a skipped row, as a file named twice.
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 2)
    page = (REPO / "seeds" / SEEDS[0]).read_bytes()
    (tmp_path / "page.txt").write_bytes(page)
    write_jsonl(tmp_path / "export.jsonl", COMMENTS_JSONL)
    for name in ("page.txt", "export.jsonl"):
        _pipe_in(monkeypatch, (tmp_path / name).read_bytes())
        rc, out, err = run_batch(capsys, "-", tmp_path / name, "-", jobs=jobs, chunk_size=1)
        rows = rows_of(out)
        piped = [r for r in rows if r["source"] == "<stdin>"]
        from_file = [r for r in rows if r["source"] == str(tmp_path / name)]
        assert len(piped) == len(from_file) + 1 and len(rows) == len(piped) + len(from_file), rows
        assert piped[-1] == {
            "kind": "skipped",
            "source": "<stdin>",
            "reason": "standard input, already read above (`-` named twice)",
        }
        assert _without_source(piped[:-1]) == _without_source(from_file)
        assert {r["kind"] for r in from_file} == ({"comment"} if name == "page.txt" else {"comment", "error"})
        assert "files: 3 seen, 2 read" in err and "1 skipped" in err
        assert rc == (0 if name == "page.txt" else 1)


@pytest.mark.parametrize(
    ("setting", "data", "message"),
    [
        (
            "MAX_PAGE_BYTES",
            b"Title\n\n" + b"A line of the page body.\n" * 4000,
            "over the page limit of 50,000 bytes",
        ),
        ("MAX_JSONL_LINES", b'{"id": "c", "text": "fine"}\n' * 4000, "over 5 lines"),
    ],
)
def test_standard_input_is_bounded_as_a_file_is(tmp_path, capsys, monkeypatch, setting, data, message):
    # The bounds of a file (docs/limits.md) hold for standard input, and no more of it is read than
    # they need: one byte past the page limit, one line past the line limit.
    monkeypatch.setenv("MODERATION_LIMITS__MAX_PAGE_BYTES", "50000")
    monkeypatch.setenv("MODERATION_LIMITS__MAX_JSONL_LINES", "5")
    name = "page.txt" if setting == "MAX_PAGE_BYTES" else "export.jsonl"
    (tmp_path / name).write_bytes(data)
    stream = _pipe_in(monkeypatch, data)
    rc, out, _ = run_batch(capsys, "-", tmp_path / name)
    piped, from_file = rows_of(out)
    assert rc == 1 and piped["source"] == "<stdin>" and from_file["source"] == str(tmp_path / name)
    assert piped["kind"] == from_file["kind"] == "error"
    assert piped["error_type"] == from_file["error_type"] == "TooLargeError"
    assert message in piped["error"] and message in from_file["error"]
    assert stream is not None
    assert stream.tell() == (50_001 if setting == "MAX_PAGE_BYTES" else 6 * len(data) // 4000)


def test_standard_input_over_the_line_limit_after_a_blank_line_is_refused_as_a_file_is(
    tmp_path, capsys, monkeypatch
):
    # Standard input was read to one line past MAX_JSONL_LINES: when that line was blank, the lines
    # after it were never read, and the first ones were scored as the whole export (exit 0), where the
    # same file is refused. Blank lines past the limit are now read past, to the first line that is not.
    monkeypatch.setenv("MODERATION_LIMITS__MAX_JSONL_LINES", "5")
    lines = [json.dumps({"id": f"c{i}", "text": "fine"}).encode() + b"\n" for i in range(8)]
    data = b"".join(lines[:5]) + b"\n \n\xef\xbb\xbf\n" + b"".join(lines[5:])
    (tmp_path / "export.jsonl").write_bytes(data)
    stream = _pipe_in(monkeypatch, data)
    rc, out, _ = run_batch(capsys, "-", tmp_path / "export.jsonl")
    piped, from_file = rows_of(out)
    assert rc == 1 and piped["kind"] == from_file["kind"] == "error", piped
    assert piped["error_type"] == from_file["error_type"] == "TooLargeError"
    assert "over 5 lines" in piped["error"] and piped["error"] == from_file["error"]
    assert stream is not None and stream.tell() == len(data) - 2 * len(lines[0])  # one line past them


def test_standard_input_closed_is_an_error_row(capsys, monkeypatch):
    # `moderate score - <&-` (cron with stdin closed): one error row, exit 1, as an unreadable file.
    _pipe_in(monkeypatch, None)
    rc, out, _ = run_batch(capsys, "-")
    assert rows_of(out) == [
        {
            "kind": "error",
            "source": "<stdin>",
            "error": "no standard input (it is closed)",
            "error_type": "InputError",
        }
    ]
    assert rc == 1


def test_a_dash_in_csv_is_named_as_a_file_is(capsys, monkeypatch):
    _pipe_in(monkeypatch, (REPO / "seeds" / SEEDS[0]).read_bytes())
    rc, out, _ = run_batch(capsys, "-", format="csv")
    assert rc == 0
    assert {r["source"] for r in csv.DictReader(io.StringIO(out))} == {"<stdin>"}


def _peak_scoring(path: str | Path, jobs: int, out: Path) -> int:
    """Peak bytes this process allocated scoring `path` (`-`: the monkeypatched standard input)."""
    import tracemalloc

    from service.settings import Settings

    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=family_factory)
    if jobs == 1:
        batch.get_scorer(config)  # (the fake model loaded outside the measure)
    with out.open("w", encoding="utf-8") as sink:
        tracemalloc.start()
        try:
            summary = batch.score_paths([path], config, sink, jobs=jobs)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert summary.counts["comments_scored"] == 10_000 and summary.errors == 0
    return peak


@pytest.mark.parametrize("jobs", [1, 2])
def test_standard_input_is_spooled_not_held_by_the_moderate_process(tmp_path, monkeypatch, jobs):
    """`moderate score -` read a whole export into the `moderate` process before any worker started,
    and held it until the run ended (with --jobs 2 pickled to the worker once more): a multi-GB export
    piped in was held whole. It is now written to a file in the run's spool directory as it is read,
    and scored as that file: piped in, an export costs the `moderate` process what the file costs."""
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 2)  # two workers even on a one-core runner
    sentence = "The council should fix the roads before it spends more on a stadium nobody asked for. "
    export = tmp_path / "export.jsonl"
    write_jsonl(
        export,
        [{"id": f"c{i}", "text": f"{i} {sentence * 3}", "article_id": f"a{i // 20}"} for i in range(10_000)],
    )
    if jobs == 2:
        (tmp_path / "warm").mkdir()
        _measured_run(tmp_path / "warm", 20, jobs=2)  # (joblib's imports, not measured)
    from_file = _peak_scoring(export, jobs, tmp_path / "scores.jsonl")
    _pipe_in(monkeypatch, export.read_bytes())
    piped = _peak_scoring("-", jobs, tmp_path / "scores.jsonl")
    size = export.stat().st_size
    # a line at a time (it held the export twice at peak: its lines, then joined; 3 times with --jobs 2)
    assert piped < from_file + size / 10, f"{piped:,} bytes at peak piped in, {from_file:,} from the file"


def test_standard_input_that_cannot_be_spooled_is_a_one_line_error(tmp_path):
    # A local run writes a piped export to its spool directory as it reads it: a write refused there (a
    # full disk; here a file size limit, EFBIG, which an unprivileged test can set) is one line on
    # stderr and exit 1, as for the output, and nothing is left in TMPDIR.
    spool_root = tmp_path / "tmp"
    spool_root.mkdir()
    export = b"".join(b'{"id": "c%d", "text": "an ordinary comment"}\n' % i for i in range(2_000))
    proc = subprocess.run(
        ["sh", "-c", 'ulimit -f 8; exec "$0" -m service.cli score -', sys.executable],
        input=export,
        capture_output=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(spool_root)},
    )
    assert proc.returncode == 1, proc.stderr
    (line,) = proc.stderr.decode().splitlines()
    assert line == (
        f"moderate score: error: cannot write the output: File too large, spooling standard input in "
        f"{spool_root} (TMPDIR)"
    )
    assert proc.stdout == b"" and list(spool_root.iterdir()) == []


def test_out_dash_is_standard_output(tmp_path, capsys, monkeypatch):
    # `--out -` wrote a file named "-" in the working directory, where `-` as a PATH is standard input.
    monkeypatch.chdir(tmp_path)
    rc, out, _ = run_batch(capsys, REPO / "seeds" / SEEDS[0], out="-")
    assert rc == 0 and {r["kind"] for r in rows_of(out)} == {"comment"}
    assert not (tmp_path / "-").exists()


def test_thresholds_for_an_attribute_the_model_lacks_stop_moderate_score(
    seeds_dir, tmp_path, monkeypatch, capsys
):
    # MODERATION_SPAM__REJECT=0.95 under a model without spam: `moderate serve` refused it, but
    # `moderate score` scored every file and spam decided nothing. Now the same one-line refusal,
    # before any file is read (the model's manifest names its attributes; nothing is unpickled).
    from service.cli import main
    from tests.model.test_versions import fake_artifact

    no_spam = fake_artifact(tmp_path / "model", "1.aaaaaaaaaaaa")  # insult only
    monkeypatch.setenv("MODERATION_SPAM__REJECT", "0.95")
    out = tmp_path / "out.jsonl"
    assert main(["score", str(seeds_dir), "--model-dir", str(no_spam), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("moderate score: error: MODERATION_SPAM (spam): thresholds for an attribute the")
    assert len(err.splitlines()) == 1 and not out.exists()


def test_every_export_row_names_its_article_id_null_when_it_has_none(tmp_path, capsys):
    # A line scored alone had no article_id key in its JSONL row, while CSV wrote an empty cell and
    # docs/batch.md lists the field for every export row: a reader of the JSONL met a KeyError.
    f = tmp_path / "mixed.jsonl"
    write_jsonl(f, [{"id": "a", "text": "hi"}, {"id": "b", "text": "ok", "article_id": "s1"}])
    rc, out, _ = run_batch(capsys, f)
    assert rc == 0
    assert [(r["id"], r["article_id"]) for r in rows_of(out)] == [("a", None), ("b", "s1")]


def test_an_error_row_names_its_source_once(tmp_path: Path, monkeypatch):
    # {"source": "empty.txt", "error": "empty.txt: the page is empty"}: the readers name the file in
    # their message, and the row names it again; for a PATH written "./x" (Path normalises it to "x")
    # or standard input ("<stdin>: no standard input") too. The error says only why.
    from collections import Counter

    from service.settings import Settings

    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (tmp_path / "big.txt").write_bytes(b"x" * 2_000)
    monkeypatch.setenv("MODERATION_LIMITS__MAX_PAGE_BYTES", "1024")
    monkeypatch.setattr(sys, "stdin", None)
    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=fake_factory)
    tasks = batch.discover(["./empty.txt", "binary.txt", str(tmp_path / "big.txt"), "missing.txt"])
    rows = [
        json.loads(row)
        for t in [*tasks, batch._read_stdin(config)]
        for row in batch_worker.task_rows(t, config, Counter())
    ]
    assert [r["kind"] for r in rows] == ["error"] * 5, rows
    for row in rows:
        assert row["source"] not in row["error"] and os.path.basename(row["source"]) not in row["error"], row


def test_a_jsonl_line_nested_past_the_limit_names_the_limit_and_where(tmp_path, capsys):
    # "invalid JSON: nested too deeply": no limit, no position (and a line 300 deep was read, which the
    # API refuses). The limit is the API's (docs/limits.md), named with the column, as the API names it.
    from pydantic_core import from_json

    deep_object = b'{"id": "2", "text": "x", "article": {"title": ' + b"[" * 300 + b"]" * 300 + b"}}"
    f = tmp_path / "deep.jsonl"
    f.write_bytes(b'{"id": "1", "text": "fine"}\n' + b"[" * 10_000 + b"\n" + deep_object + b"\n")
    rc, out, _ = run_batch(capsys, f)
    rows = rows_of(out)
    assert rc == 1
    assert [(r["kind"], r.get("line")) for r in rows] == [("comment", 1), ("error", 2), ("error", 3)]
    for row, line in zip(rows[1:], (b"[" * 10_000, deep_object), strict=True):
        with pytest.raises(ValueError) as caught:
            from_json(line)
        column = str(caught.value).rsplit(" ", 1)[1]  # where the API's reader says
        assert row["error"] == (
            "invalid JSON: recursion limit exceeded (nested more than 200 arrays and objects deep) "
            f"(column {column})"
        ), row


def test_missing_paths_are_named_so_each_can_be_told_apart(tmp_path, capsys):
    # "no such file or directory: " named nothing for an empty PATH, and "a, b" read as one name or two.
    from service.cli import main

    assert main(["score", "", str(tmp_path / "a, b"), str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert f"no such file or directory: '', '{tmp_path}/a, b', {tmp_path}/c\n" in err, err


@pytest.mark.parametrize(
    "first",
    [
        b'{"a":' + b"[" * 300 + b"]" * 300 + b"}",
        b'{"a":' + b"[" * 10_000 + b"]" * 10_000 + b"}",
        b'{"a":' + b"[" * 10_000,  # (unclosed: from_json stops at its limit, as the stdlib's did at its own)
    ],
)
def test_the_export_sniff_agrees_with_the_export_reader_at_any_depth(first, capsys, monkeypatch):
    # The sniff read the first line with the stdlib's json (recursion limit ~1,000): 300 levels was an
    # export, 10,000 a page. The reader of an export (pydantic-core's from_json, MAX_DEPTH 200) reads
    # both the same way, so the sniff now does: a line nested past its limit is an export's line, whose
    # error row names the limit, at any depth.
    assert batch_jsonl.reads_as_json_lines(first + b"\n")
    _pipe_in(monkeypatch, first + b'\n{"id": "2", "text": "fine"}\n')
    rc, out, _ = run_batch(capsys, "-")
    rows = rows_of(out)
    assert rc == 1 and [(r["kind"], r.get("line")) for r in rows] == [("error", 1), ("comment", 2)], rows
    assert "nested more than 200 arrays and objects deep" in rows[0]["error"]
