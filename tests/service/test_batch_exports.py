"""`moderate score` on comment exports (JSONL): bad lines are error rows, threads and languages as the
API reads them, limits, and exports under other names."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from core.records import ArticleContext, Scores
from service import batch, batch_jsonl, batch_outfile, batch_rows, batch_threads
from tests.conftest import SEED_FILES
from tests.fakes import FakeScorer
from tests.service.batch_helpers import (
    COMMENTS_JSONL,
    _pipe_in,
    fake_factory,
    moderate,
    rows_of,
    run_batch,
    write_jsonl,
)


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
        if j["kind"] == "error":  # (the CSV had no error_type column: bug hunt)
            assert (c["error"], c["error_type"]) == (j["error"], j["error_type"])
    assert any(j["kind"] == "error" for j in jrows)


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


@pytest.mark.parametrize("swap", ["directory", "fifo"])
def test_an_export_swapped_after_the_walk_is_an_unreadable_input_error(tmp_path, swap):
    # A `.jsonl` swapped for a directory was `InputError`, where a page in its place, and docs/batch.md,
    # say `UnreadableInputError`.
    export = tmp_path / "comments.jsonl"
    write_jsonl(export, [{"id": "1", "text": "fine words"}])
    tasks = batch.discover([export])
    export.unlink()
    export.mkdir() if swap == "directory" else os.mkfifo(export)
    from service.settings import Settings

    config = batch.BatchConfig.from_settings(Settings(), scorer_factory=fake_factory)
    (row,) = rows_of(batch.process_chunk(tasks, config).text)
    kind = "a directory" if swap == "directory" else "a FIFO (named pipe)"
    assert row["error"] == f"{kind} since the run listed it, not a comment export", row
    assert row["error_type"] == "UnreadableInputError"


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


@pytest.mark.slow
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


_WIDE_EXPORT = '{"id": "a", "text": "first"}\r\n\n{"id": "b", "text": "deuxi\u00e8me \u0a15"}\n'


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_an_export_in_utf16_or_utf32_with_a_bom_is_scored_as_its_utf8_twin(tmp_path, capsys, codec):
    # Windows PowerShell 5 writes `>` and Out-File in UTF-16 with a BOM: every line of such an export
    # was an error row ("not UTF-8"), plus phantom lines of its newlines' second bytes.
    bom = {"utf-16": b"", "utf-16-be": codecs.BOM_UTF16_BE, "utf-32": b""}[codec]
    wide, utf8 = tmp_path / "wide.jsonl", tmp_path / "utf8.jsonl"
    wide.write_bytes(bom + _WIDE_EXPORT.encode(codec))
    utf8.write_bytes(_WIDE_EXPORT.encode())
    rc, out, _ = run_batch(capsys, wide, utf8)
    rows = rows_of(out)
    assert rc == 0 and [(r["kind"], r["line"], r["id"]) for r in rows[:2]] == [
        ("comment", 1, "a"),
        ("comment", 3, "b"),
    ]
    strip = [{k: v for k, v in r.items() if k != "source"} for r in rows]
    assert strip[:2] == strip[2:]


def test_an_oversized_line_of_a_utf16_export_is_one_error_row(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(batch_jsonl, "MAX_JSONL_LINE_BYTES", 100)
    f = tmp_path / "wide_long.jsonl"
    f.write_bytes(
        ('{"id": "a", "text": "' + "\u00e9" * 60 + '"}\n{"id": "b", "text": "second"}\n').encode("utf-16")
    )
    rc, out, _ = run_batch(capsys, f)
    rows = rows_of(out)
    assert rc == 1 and [(r["kind"], r["line"]) for r in rows] == [("error", 1), ("comment", 2)]
    assert rows[0]["error"] == "line over 100 bytes"


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
        ",".join(c for c in batch.CSV_COLUMNS if c not in ("judged_language", "parent", "error_type")) + "\n"
    )
    assert batch_outfile._looks_like_our_output(earlier)


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


def test_a_page_whose_first_line_is_json_ld_metadata_is_a_page_not_an_export(tmp_path, capsys, monkeypatch):
    """A scraper that keeps <script> text can open its dump with the page's schema.org JSON-LD: that
    JSON object is no comment (it carries "@context"), and the page's comments were refused unread as
    "JSON lines (a comment export), not a page", from a file and from standard input."""
    json_ld = '{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Bridge budget"}'
    page = tmp_path / "page.txt"
    page.write_text(json_ld + "\n" + SEED_FILES[0].read_text())
    rc, out, _ = run_batch(capsys, page)
    rows = rows_of(out)  # a page's comments, one row each
    assert rc == 0 and [r["kind"] for r in rows] == ["comment"] * 14, rows[:2]
    assert not batch_jsonl.reads_as_json_lines(page.read_bytes())
    assert batch_jsonl.reads_as_json_lines(b'{"id": "1", "text": "an ordinary comment"}\n')
    _pipe_in(monkeypatch, page.read_bytes())
    rc, out, _ = run_batch(capsys, "-")
    rows = rows_of(out)
    assert rc == 0 and [r["kind"] for r in rows] == ["comment"] * 14, rows[:2]


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


def test_every_export_row_names_its_article_id_null_when_it_has_none(tmp_path, capsys):
    # A line scored alone had no article_id key in its JSONL row, while CSV wrote an empty cell and
    # docs/batch.md lists the field for every export row: a reader of the JSONL met a KeyError.
    f = tmp_path / "mixed.jsonl"
    write_jsonl(f, [{"id": "a", "text": "hi"}, {"id": "b", "text": "ok", "article_id": "s1"}])
    rc, out, _ = run_batch(capsys, f)
    assert rc == 0
    assert [(r["id"], r["article_id"]) for r in rows_of(out)] == [("a", None), ("b", "s1")]


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


def test_an_export_line_is_scored_on_its_own_words_with_its_quotes_listed(tmp_path, capsys):
    # A line quoting an insult to object to it was scored as the insult (a page's reply is not): its
    # quotes ("> " lines, "NAME wrote:") are now found, its own words scored, and the row lists them.
    own = "Please do not call people that here, it is not ok."
    lines = [
        {"id": "q", "text": "> You stupid idiot, you moron.\n\n" + own},
        {"id": "w", "text": "kai_r wrote:\nYou stupid idiot, you moron.\n\n" + own, "article_id": "s1"},
        {"id": "p", "text": own, "article_id": "s1"},
    ]
    f = tmp_path / "replies.jsonl"
    write_jsonl(f, lines)
    scorer = FakeScorer()
    rc, out, _ = run_batch(capsys, f, factory=lambda _: scorer)
    assert rc == 0
    rows = rows_of(out)
    assert [(r["id"], r["scores"]["insult"], r["decision"]) for r in rows] == [
        ("q", 0.0, "approve"),
        ("w", 0.0, "approve"),
        ("p", 0.0, "approve"),
    ]
    for row, line in zip(rows, lines, strict=True):
        for quote in row["quotes"]:
            assert line["text"][quote["start"] : quote["end"]] == quote["text"]
    assert [[q["author"] for q in r["quotes"]] for r in rows] == [[None], ["kai_r"], []]


def test_a_cms_exports_numeric_ids_are_read_as_their_digits_and_a_missing_id_is_the_line(tmp_path, capsys):
    """Bug hunt: WordPress and most CMS exports give integer ids; every such line was an error row (and
    the moderator page's import took the same file). A line without an id is named after its line."""
    f = tmp_path / "wp.jsonl"
    rows = [
        {"id": 1001, "article_id": 7, "text": "You are a complete idiot."},
        {"text": "Nice piece."},
        {"id": True, "text": "a flag is no id"},
        {"id": "", "text": "nor is nothing"},
    ]
    write_jsonl(f, rows)
    _, out, _ = run_batch(capsys, f)
    got = rows_of(out)
    assert [(r["kind"], r.get("id"), r.get("article_id")) for r in got[:2]] == [
        ("comment", "1001", "7"),
        ("comment", "line-2", None),
    ]
    assert [r["kind"] for r in got[2:]] == ["error", "error"]
    assert "integer" in got[2]["error"]
