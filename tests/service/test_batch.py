"""`moderate score`: every input accounted for, identical output for any N and on Dask, the shipped
model end to end, the walk and its usage errors."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.records import Scores
from service import batch, batch_discover, batch_rows, batch_worker
from tests.fakes import FakeScorer
from tests.service.batch_helpers import (
    REPO,
    SEEDS,
    args_for,
    fake_factory,
    moderate,
    rows_of,
    run_batch,
    write_jsonl,
)


@dataclass(frozen=True)
class CountingFactory:
    """Records every load as a line in a file named after the loading process, to count loads."""

    log_dir: Path

    def __call__(self, model_dir: Path) -> FakeScorer:
        with open(self.log_dir / f"{os.getpid()}.loads", "a") as fh:
            fh.write("load\n")
        return FakeScorer(model_dir=model_dir)


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


@pytest.mark.slow
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


def test_clean_input_exits_0_and_empty_dir_is_a_message(seeds_dir, tmp_path, capsys):
    rc, out, err = run_batch(capsys, seeds_dir)
    assert rc == 0 and len(out.splitlines()) >= len(SEEDS)
    rc, out, err = run_batch(capsys, tmp_path)
    assert (rc, out) == (0, "")
    assert f"{tmp_path}: empty directory" in err


def test_unreadable_file_is_an_error_row(tmp_path, monkeypatch):
    """Root can read chmod-000 files, so make the open itself fail the way EACCES does."""
    page = tmp_path / "page.txt"
    page.write_text("Title\n\nBody\n")
    real_open = os.open

    def deny(path, *a, **kw):
        if os.fspath(path) == str(page):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr(os, "open", deny)
    from service.settings import Settings

    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=fake_factory)
    result = batch.process_chunk(batch.discover([page]), config)
    (row,) = rows_of(result.text)
    assert row["kind"] == "error" and "permission denied" in row["error"]
    # A file that cannot be read is not undecodable text (it was DecodeError until session 32).
    assert row["error_type"] == "UnreadableInputError"
    assert result.counts["file_errors"] == 1


def test_a_file_deleted_after_the_listing_is_an_unreadable_error_row(tmp_path):
    """A page or an export removed between the walk and its read: its row says the file is gone, typed
    as a read failure (a missing page was EmptyInputError, a missing export InputError, until session 32)."""
    from service.settings import Settings

    (tmp_path / "page.txt").write_text("Title\n\nBody\n")
    (tmp_path / "export.jsonl").write_text('{"id": "1", "text": "hello"}\n')
    tasks = batch.discover([tmp_path])
    for name in ("page.txt", "export.jsonl"):
        (tmp_path / name).unlink()
    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=fake_factory)
    result = batch.process_chunk(tasks, config)
    rows = {Path(r["source"]).name: r for r in rows_of(result.text)}
    assert set(rows) == {"page.txt", "export.jsonl"}
    for row in rows.values():
        assert row["kind"] == "error" and row["error_type"] == "UnreadableInputError", row
        assert "no such file" in row["error"].lower(), row
    assert result.counts["file_errors"] == 2


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


def test_more_jobs_than_cores_are_capped_with_a_note(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 1)
    seen = []
    real = batch.score_paths
    monkeypatch.setattr(batch, "score_paths", lambda *a, **kw: seen.append(kw["jobs"]) or real(*a, **kw))
    write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "hello"}])
    rc, out, err = run_batch(capsys, tmp_path, jobs=8)
    assert rc == 0 and seen == [1] and "--jobs 8 is more than this machine's 1 cores: using 1" in err
    assert [r["id"] for r in rows_of(out)] == ["a"]


CRASHING_RUN = """
import functools, sys
from service import batch, cli
from tests.service.batch_helpers import crashing_factory
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
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_bad_model_dir_is_a_clear_error_not_a_traceback(seeds_dir, tmp_path, jobs):
    out = tmp_path / "out.jsonl"
    proc = moderate("score", seeds_dir, "--model-dir", tmp_path, "--jobs", jobs, "--out", out)
    assert proc.returncode == 1
    assert "make train" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def _moderate_redirected(redirect: str, *argv: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-c", f'exec "$0" -m service.cli "$@" {redirect}', sys.executable, *map(str, argv)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.slow
def test_workers_score_with_stdin_and_stderr_closed(seeds_dir):
    # `moderate score seeds --jobs 2 2>&-` (cron, a daemon): loky's workers started with fd 2 closed and
    # died in faulthandler.enable(), so every file was a WorkerDiedError row among their tracebacks
    # (exit 1). fd 0 and 2 are now opened on /dev/null: the output is that of a run with them open.
    argv = ("score", seeds_dir, "--jobs", 2)
    expected = moderate(*argv)
    assert expected.returncode == 0 and expected.stdout.count("\n") > len(SEEDS), expected.stderr
    for redirect in ("2>&-", "<&- 2>&-"):
        proc = _moderate_redirected(redirect, *argv)
        assert (proc.returncode, proc.stdout) == (0, expected.stdout), (redirect, proc.stdout[:2000])
    # A closed stdout stays closed: the one clear error, as before.
    proc = _moderate_redirected(">&- <&-", *argv)
    assert proc.returncode == 1
    assert proc.stderr == "moderate score: error: cannot write the output: standard output is closed\n"


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_error(seeds_dir, tmp_path):
    out = tmp_path / "out.jsonl"
    proc = moderate("score", seeds_dir, "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9", "--out", out)
    assert proc.returncode == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in proc.stderr
    assert "Traceback" not in proc.stderr and list(tmp_path.iterdir()) == []


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


def test_an_entry_refused_named_twice_is_one_error_row(tmp_path, capsys):
    # A symlink loop named twice gave two error rows, while a file named twice is scored once: the
    # same identity rule (a link that cannot be followed is itself), for a dangling link or FIFO too.
    d = tmp_path / "d"
    d.mkdir()
    loop, dangling, fifo = d / "loop.txt", d / "dangling.txt", d / "fifo.txt"
    loop.symlink_to("loop.txt")
    dangling.symlink_to("nowhere.txt")
    os.mkfifo(fifo)
    rc, out, err = run_batch(capsys, loop, loop, fifo, d)
    rows = rows_of(out)
    assert [(r["kind"], r["source"]) for r in rows] == [
        ("error", str(loop)),
        ("skipped", str(loop)),
        ("error", str(fifo)),
        ("error", str(dangling)),
        ("skipped", str(fifo)),  # the directory's own entries for them
        ("skipped", str(loop)),
    ]
    assert "symlink loop" in rows[0]["error"]
    assert rows[1]["reason"] == f"already refused as {loop} (named twice or alias)"
    assert rc == 1 and "3 failed, 3 skipped" in err


@pytest.mark.parametrize("link", ["symlink", "hard link"])
def test_a_page_name_for_an_export_does_not_hide_the_export(tmp_path, capsys, link):
    # `all.txt -> export.jsonl`: the page's error row came first, then the export was skipped as
    # "already read as all.txt": none of its comments scored. Each kind of reading is its own.
    d = tmp_path / "d"
    d.mkdir()
    export, alias = d / "export.jsonl", d / "all.txt"
    export.write_text('{"id": "1", "text": "you are an idiot"}\n')
    if link == "symlink":
        alias.symlink_to("export.jsonl")
    else:
        alias.hardlink_to(export)
    rc, out, _ = run_batch(capsys, d, export, alias)
    rows = rows_of(out)
    assert [(r["kind"], r["source"]) for r in rows] == [
        ("error", str(alias)),
        ("comment", str(export)),
        ("skipped", str(export)),  # named again as the same kind: still read once
        ("skipped", str(alias)),
    ]
    assert "JSON lines (a comment export)" in rows[0]["error"] and rc == 1
    assert f"already read as {export}" in rows[2]["reason"]
    assert f"already read as {alias}" in rows[3]["reason"]


def _unreadable_proc_link() -> str | None:
    """A /proc link this process can see but neither follow nor read (pid 1's root, another user's)."""
    link = "/proc/1/root"
    try:
        os.lstat(link)
        os.readlink(link)
    except PermissionError:
        return link
    except OSError:
        return None
    return None


def test_a_proc_link_that_cannot_be_read_is_an_error_row_not_a_traceback(capsys):
    # `moderate score /proc/1/root` as a user who may not read it: os.readlink in the walk's own
    # error handler raised PermissionError, a traceback. (As root, `setpriv --reuid=65534` shows it.)
    link = _unreadable_proc_link()
    if link is None:
        pytest.skip("this process may read /proc/1/root")
    rc, out, _ = run_batch(capsys, link)
    (row,) = rows_of(out)
    assert rc == 1 and row["kind"] == "error" and row["source"] == link
    assert row["error"] == "symlink that cannot be followed (Permission denied) nor read (Permission denied)"


@pytest.mark.parametrize("stat_error", [errno.ENOENT, errno.EACCES])
def test_a_link_whose_target_cannot_be_read_is_an_error_row_saying_why(tmp_path, monkeypatch, stat_error):
    # The same with no /proc: a link whose stat fails and whose readlink fails too.
    link = tmp_path / "a.txt"
    link.symlink_to(tmp_path / "gone.txt")
    real_stat = os.stat

    def refuse(path, *a, **kw):
        if os.fspath(path) == str(link):
            raise OSError(stat_error, os.strerror(stat_error), str(link))
        return real_stat(path, *a, **kw)

    def unreadable(path, *a, **kw):
        raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))

    monkeypatch.setattr(batch_discover.os, "stat", refuse)
    (task,) = batch_discover.discover([tmp_path / "a.txt"])
    # A link's stat refused with EACCES is no dangling link: its target may well exist.
    assert task.kind == "error" and task.reason == (
        f"dangling symlink (-> {tmp_path / 'gone.txt'}): No such file or directory"
        if stat_error == errno.ENOENT
        else f"symlink (-> {tmp_path / 'gone.txt'}) cannot be followed: Permission denied"
    )
    monkeypatch.setattr(batch_discover.os, "readlink", unreadable)
    (task,) = batch_discover.discover([tmp_path / "a.txt"])
    assert task.kind == "error" and task.reason == (
        f"symlink that cannot be followed ({os.strerror(stat_error)}) nor read (Permission denied)"
    )


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


def test_missing_paths_are_named_so_each_can_be_told_apart(tmp_path, capsys):
    # "no such file or directory: " named nothing for an empty PATH, and "a, b" read as one name or two.
    from service.cli import main

    assert main(["score", "", str(tmp_path / "a, b"), str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert f"no such file or directory: '', '{tmp_path}/a, b', {tmp_path}/c\n" in err, err
