"""`moderate score -`: a page or an export from standard input, bounded and spooled as a file is."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from service import batch
from tests.service.batch_helpers import (
    COMMENTS_JSONL,
    REPO,
    SEEDS,
    _measured_run,
    _pipe_in,
    family_factory,
    rows_of,
    run_batch,
    write_jsonl,
)


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


@pytest.mark.parametrize("stdin_first", [True, False])
@pytest.mark.parametrize("name", ["page.txt", "export.jsonl"])
def test_standard_input_redirected_from_a_named_file_is_read_once(
    tmp_path, capsys, monkeypatch, name, stdin_first
):
    # `moderate score - x.jsonl < x.jsonl` scored x twice, once as <stdin>: the same file is read once,
    # as when it is named twice, the later of the two a skipped row saying so.
    (tmp_path / "page.txt").write_bytes((REPO / "seeds" / SEEDS[0]).read_bytes())
    write_jsonl(tmp_path / "export.jsonl", COMMENTS_JSONL)
    named = str(tmp_path / name)
    with open(named, encoding="utf-8") as redirected:
        monkeypatch.setattr(sys, "stdin", redirected)
        rc, out, err = run_batch(capsys, *(["-", named] if stdin_first else [named, "-"]))
    rows = rows_of(out)
    read, skipped = ("<stdin>", named) if stdin_first else (named, "<stdin>")
    assert {r["source"] for r in rows[:-1]} == {read} and {r["kind"] for r in rows[:-1]} >= {"comment"}
    assert rows[-1] == {
        "kind": "skipped",
        "source": skipped,
        "reason": "file already read as <stdin> (named twice or alias)"
        if stdin_first
        else f"standard input is the file already read as {named} (named twice)",
    }
    assert "files: 2 seen, 1 read" in err and "1 skipped" in err
    assert rc == (0 if name == "page.txt" else 1)  # (the export's bad lines, once)


def test_standard_input_read_otherwise_than_the_named_file_is_read_too(tmp_path, capsys, monkeypatch):
    # As a page name and an export name for one file: each reading is its own. Standard input read as
    # a page (--page-format text), or the rest of a file already partly read, is another input.
    write_jsonl(tmp_path / "export.jsonl", COMMENTS_JSONL)
    named = str(tmp_path / "export.jsonl")
    for page_format, already_read in (("text", 0), ("auto", 1)):
        with open(named, encoding="utf-8") as redirected:
            redirected.buffer.raw.read(already_read)
            monkeypatch.setattr(sys, "stdin", redirected)
            _, out, _ = run_batch(capsys, "-", named, page_format=page_format)
        rows = rows_of(out)
        assert rows[0]["source"] == "<stdin>" and rows[0]["kind"] in ("page", "comment", "error")
        assert {r["kind"] for r in rows if r["source"] == named} == {"comment", "error"}
        assert "skipped" not in {r["kind"] for r in rows}


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
            "error_type": "EmptyInputError",
        }
    ]
    assert rc == 1


def test_a_dash_in_csv_is_named_as_a_file_is(capsys, monkeypatch):
    _pipe_in(monkeypatch, (REPO / "seeds" / SEEDS[0]).read_bytes())
    rc, out, _ = run_batch(capsys, "-", format="csv")
    assert rc == 0
    assert {r["source"] for r in csv.DictReader(io.StringIO(out))} == {"<stdin>"}


# 620 KB of export: held whole once (a local run reading it as Dask's does) it costs the `moderate`
# process +0.93 times its size at peak, 9 times the allowance below; spooled, -0.4 to -0.06 (10,000
# lines showed the same, at five times the CPU time).
STDIN_LINES = 2_000


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
    assert summary.counts["comments_scored"] == STDIN_LINES and summary.errors == 0
    return peak


@pytest.mark.slow
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
        [
            {"id": f"c{i}", "text": f"{i} {sentence * 3}", "article_id": f"a{i // 20}"}
            for i in range(STDIN_LINES)
        ],
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


def test_a_utf16_export_piped_in_is_scored_as_an_export(tmp_path, capsys, monkeypatch):
    # Its first line, read as bytes, was no JSON object: the export was scored as a page titled with
    # that line, no comment in it, exit 0.
    export = '{"id": "a", "text": "first"}\n{"id": "b", "text": "second"}\n'
    _pipe_in(monkeypatch, export.encode("utf-16"))
    rc, out, _ = run_batch(capsys, "-")
    assert rc == 0 and [(r["kind"], r["id"]) for r in rows_of(out)] == [("comment", "a"), ("comment", "b")]


def test_a_utf16_export_under_a_page_name_is_refused_as_an_export(tmp_path, capsys):
    f = tmp_path / "export.txt"
    f.write_bytes('{"id": "a", "text": "first"}\n'.encode("utf-16"))
    rc, out, _ = run_batch(capsys, f)
    [row] = rows_of(out)
    assert rc == 1 and row["kind"] == "error" and "JSON lines (a comment export), not a page" in row["error"]
