"""`moderate parse PATH` prints exactly the JSON shape of issue 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ARTICLES_DIR, SEEDS_DIR


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", *args], capture_output=True, text=True, timeout=60
    )


def test_parse_prints_one_json_object_in_the_issue_shape():
    proc = _run(str(SEEDS_DIR / "000_c9b04fa1e4a574b0.txt"))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert list(out) == [
        "source",
        "format",
        "title",
        "body",
        "comments",
        "declared_comment_count",
        "dropped",
        "warnings",
    ]
    assert out["format"] == "text"
    assert out["declared_comment_count"] == 14
    assert len(out["comments"]) == 14
    assert out["comments"][0] == {
        "author": "ashtah",
        "posted_at": "2017-05-17T15:17:00",
        "posted_raw": "17 May 2017, 15:17",
        "text": "so why was the conversation taped?",
        "quotes": [],  # the quoted blocks of the text (none here), docs/parser.md
        "parent": None,
    }
    assert all(set(d) == {"text", "reason"} for d in out["dropped"])


def test_parse_html_with_explicit_format():
    page = ARTICLES_DIR / "lemire.me" / "simdjson-vs-json-for-modern-cpp.html"
    proc = _run(str(page), "--format", "html")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["format"] == "html"
    assert [c["author"] for c in out["comments"]] == [
        "degski",
        "degski",
        "Daniel Lemire",
        "wmu",
        "Daniel Lemire",
    ]
    assert out["comments"][2]["parent"] == 1  # Daniel Lemire answers degski's second comment


def test_missing_file_is_a_one_line_usage_error():
    # A missing PATH is a usage error (exit 2) naming it, as for `moderate score` and `report`.
    proc = _run("/nonexistent/page.html")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "no such file or directory: /nonexistent/page.html" in proc.stderr


def test_an_error_naming_an_odd_file_name_is_one_line_with_escapes(tmp_path):
    # The name's byte that is not UTF-8 came out as "\\udcff" (Python's escape of its lone surrogate,
    # not the \\xff the JSON output and `moderate score` show) and its newline split the one-line error.
    name = os.fsdecode(os.fsencode(tmp_path) + b"/a\nb\xff.txt")
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", name], capture_output=True, timeout=60
    )
    assert proc.returncode == 2 and proc.stdout == b""  # a missing PATH: a usage error
    assert proc.stderr.count(b"\n") == 1, proc.stderr
    assert b"a\\nb\\xff.txt" in proc.stderr and b"no such file" in proc.stderr


@pytest.mark.slow
def test_a_dash_reads_the_page_from_standard_input(tmp_path):
    # `curl URL | moderate parse -` answered "-: no such file": "-" is standard input, as for cat, named
    # "<stdin>" as `moderate score` and `report` name it (a "-" source is quoted in score's CSV).
    seed = (SEEDS_DIR / "000_c9b04fa1e4a574b0.txt").read_bytes()
    one = subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", "-"], input=seed, capture_output=True, timeout=60
    )
    assert one.returncode == 0, one.stderr
    page = json.loads(one.stdout)
    assert page["source"] == "<stdin>" and len(page["comments"]) == 14
    (tmp_path / "b.txt").write_bytes(seed)
    many = subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", "-", str(tmp_path / "b.txt"), "-"],
        input=seed,
        capture_output=True,
        timeout=60,
    )
    assert many.returncode == 0, many.stderr
    sources = [json.loads(line)["source"] for line in many.stdout.splitlines()]
    # read once, as a file named twice: the second "-" is a skipped object, as in `moderate score`
    assert sources == ["<stdin>", str(tmp_path / "b.txt"), "<stdin>"]
    assert "skipped" in json.loads(many.stdout.splitlines()[2])
    empty = subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", "-"], input=b"", capture_output=True, timeout=60
    )
    assert empty.returncode == 1 and b"<stdin>: the page is empty" in empty.stderr


def test_a_dash_with_standard_input_closed_is_a_one_line_error():
    # `moderate parse - <&-` (cron with stdin closed): sys.stdin is None, an AttributeError traceback.
    proc = subprocess.run(
        ["sh", "-c", 'exec "$0" -m service.cli parse - <&-', sys.executable],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1 and "<stdin>: no standard input" in proc.stderr


def test_indent_help_says_it_is_for_one_page_only(tmp_path, capsys):
    # "pretty-print the JSON with this indent": with several pages the output is JSON Lines and the
    # indent is not used, which the help did not say.
    from service.cli import main

    with pytest.raises(SystemExit):
        main(["parse", "--help"])
    assert "one page only (several: JSON Lines, one object a line)" in " ".join(
        capsys.readouterr().out.split()
    )
    seed = str(SEEDS_DIR / "000_c9b04fa1e4a574b0.txt")
    assert len(_run(seed, seed, "--indent", "2").stdout.splitlines()) == 2


def test_stdout_redirected_into_the_directory_is_not_parsed_as_a_page(tmp_path):
    # `moderate parse crawl > crawl/pages.jsonl` parsed its own output file: an error object, exit 1.
    (tmp_path / "a.txt").write_text((SEEDS_DIR / "000_c9b04fa1e4a574b0.txt").read_text(encoding="utf-8"))
    proc = subprocess.run(
        ["sh", "-c", 'exec "$0" -m service.cli parse "$1" > "$1/pages.jsonl"', sys.executable, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    rows = (tmp_path / "pages.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(r)["source"] for r in rows] == [str(tmp_path / "a.txt")]


def test_control_and_bidi_characters_are_json_escapes_not_raw_output(tmp_path):
    # A scraped title with a right-to-left override and a C1 CSI must not reach the terminal raw.
    seed = (SEEDS_DIR / "000_c9b04fa1e4a574b0.txt").read_text(encoding="utf-8")
    title = "Evil \u202eeman\u202c \x9b2J title"
    page = tmp_path / "page.txt"
    page.write_text(title + "\n" + seed.split("\n", 1)[1], encoding="utf-8")
    proc = _run(str(page))
    assert proc.returncode == 0, proc.stderr
    assert not any(ch in proc.stdout for ch in "\u202e\u202c\x9b")
    assert "\\u202e" in proc.stdout and "\\u009b" in proc.stdout
    assert json.loads(proc.stdout)["title"] == title  # the same string to a JSON reader


def test_many_pages_give_jsonl_in_input_order_with_an_error_object_per_bad_file(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text((SEEDS_DIR / "000_c9b04fa1e4a574b0.txt").read_text(encoding="utf-8"))
    (folder / "b.bin").write_bytes(b"\x00\x01\x02 not a page")
    (folder / ".hidden.txt").write_text("skipped")
    seed = SEEDS_DIR / "001_e0349fd65322dc56.txt"
    (tmp_path / "missing.html").symlink_to(tmp_path / "gone.html")  # (a missing PATH: a usage error)
    proc = _run(str(folder), str(seed), str(tmp_path / "missing.html"))
    assert proc.returncode == 1, proc.stderr  # some pages failed: the status says so, every page is listed
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    hidden = rows.pop(0)  # a hidden entry is skipped, and says so, as in `moderate score`
    assert hidden == {"source": str(folder / ".hidden.txt"), "skipped": hidden["skipped"]}
    assert "hidden" in hidden["skipped"]
    assert [r["source"] for r in rows] == [
        str(folder / "a.txt"),
        str(folder / "b.bin"),
        str(seed),
        str(tmp_path / "missing.html"),
    ]
    assert len(rows[0]["comments"]) == 14 and "error" not in rows[0]
    assert set(rows[1]) == {"source", "error", "error_type"} and "binary" in rows[1]["error"]
    assert rows[2]["format"] == "text" and rows[2]["title"]
    assert "dangling symlink" in rows[3]["error"]


def test_one_directory_of_good_pages_exits_zero(tmp_path):
    for name in ("000_c9b04fa1e4a574b0.txt", "001_e0349fd65322dc56.txt"):
        (tmp_path / name).write_text((SEEDS_DIR / name).read_text(encoding="utf-8"))
    proc = _run(str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 2


def test_a_directory_without_pages_is_a_note_not_silence(tmp_path):
    # An empty directory (or one of hidden files only) printed nothing at all and exited 0: a typo'd
    # crawl directory looked like a clean run. A note on stderr says so, as `moderate score` does.
    (tmp_path / "empty").mkdir()
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / ".page.txt").write_text("A title\n\nA body line.\n")
    seed = SEEDS_DIR / "000_c9b04fa1e4a574b0.txt"
    proc = _run(str(tmp_path / "empty"), str(seed), str(tmp_path / "hidden"))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["source"] for r in rows] == [str(seed), str(tmp_path / "hidden" / ".page.txt")]
    assert "skipped" in rows[1]  # accounted for, not parsed
    assert f"{tmp_path / 'empty'}: no page in this directory" in proc.stderr
    assert f"{tmp_path / 'hidden'}: no page in this directory" in proc.stderr


@pytest.mark.slow
def test_a_comment_export_is_an_error_not_a_page(tmp_path):
    # A comment export (JSON lines, under any name) came out as a "page" titled with its first line and
    # no comments, exit 0; `moderate score` refuses such a file as a page and reads it as an export.
    export = '{"id": "1", "text": "you idiot", "article_id": "a"}\n{"id": "2", "text": "fine"}\n'
    for name in ("comments.jsonl", "export.json"):
        (tmp_path / name).write_text(export, encoding="utf-8")
    (tmp_path / "page.txt").write_text((SEEDS_DIR / "000_c9b04fa1e4a574b0.txt").read_text(encoding="utf-8"))
    proc = _run(str(tmp_path))
    assert proc.returncode == 1, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [Path(r["source"]).name for r in rows] == ["comments.jsonl", "export.json", "page.txt"]
    assert all("JSON lines" in r["error"] and "moderate score" in r["error"] for r in rows[:2]), rows[:2]
    assert len(rows[2]["comments"]) == 14
    one = _run(str(tmp_path / "export.json"))
    assert one.returncode == 1 and one.stdout == "" and "JSON lines" in one.stderr
    forced = _run(str(tmp_path / "export.json"), "--format", "text")  # said to be a page: parsed as one
    assert forced.returncode == 0 and json.loads(forced.stdout)["format"] == "text"


def test_a_file_name_that_is_not_utf8_is_escaped_not_a_crash(tmp_path):
    # With a strict UTF-8 stdout (a UTF-8 locale other than C.UTF-8, PYTHONIOENCODING=utf-8) the name's
    # lone surrogate was a UnicodeEncodeError traceback and the pages after it were lost; with C.UTF-8
    # its raw byte made the output invalid UTF-8. `moderate score` writes such bytes as \xNN escapes.
    folder = tmp_path / "pages"
    folder.mkdir()
    seed = (SEEDS_DIR / "000_c9b04fa1e4a574b0.txt").read_bytes()
    for name in (b"a\xff.txt", b"b.txt"):
        (Path(os.fsdecode(os.fsencode(folder) + b"/" + name))).write_bytes(seed)
    with open(os.fsencode(folder) + b"/c\xfe.txt", "wb"):
        pass  # empty: an error object
    os.symlink(b"gone\xfd", os.fsencode(folder) + b"/d.txt")  # an error whose message names a file
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", str(folder)],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert b"Traceback" not in proc.stderr and proc.returncode == 1
    rows = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert [r["source"] for r in rows] == [
        f"{folder}/a\\xff.txt",
        f"{folder}/b.txt",
        f"{folder}/c\\xfe.txt",
        f"{folder}/d.txt",
    ]
    assert len(rows[0]["comments"]) == 14 and rows[2]["error"] == "the page is empty"
    assert "-> gone\\xfd" in rows[3]["error"], rows[3]


def test_every_entry_of_a_directory_is_accounted_for(tmp_path):
    # Only regular files were listed: a FIFO, a dangling link and a symlink loop vanished from the
    # output (exit 0 when nothing else failed), and a linked directory's pages were never read.
    folder = tmp_path / "pages"
    folder.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    seed = (SEEDS_DIR / "000_c9b04fa1e4a574b0.txt").read_text(encoding="utf-8")
    (folder / "a.txt").write_text(seed, encoding="utf-8")
    (elsewhere / "linked.txt").write_text(seed, encoding="utf-8")
    os.mkfifo(folder / "b.fifo")
    (folder / "c.dangling").symlink_to(tmp_path / "nowhere")
    (folder / "d.loop").symlink_to(folder / "d.loop")
    (folder / "e").symlink_to(elsewhere)
    (folder / "f").symlink_to(folder)  # a loop back to the folder: walked once
    proc = _run(str(folder))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [Path(r["source"]).relative_to(folder).as_posix() for r in rows] == [
        "a.txt",
        "b.fifo",
        "c.dangling",
        "d.loop",
        "e/linked.txt",
        "f",
    ]
    assert [bool(r.get("error")) for r in rows] == [False, True, True, True, False, False]
    assert "directory already walked" in rows[5]["skipped"]
    assert "FIFO" in rows[1]["error"] and "dangling" in rows[2]["error"] and "loop" in rows[3]["error"]
    # ... named as `moderate score` names them (docs/batch.md); parse said "InputError" (bug hunt)
    assert {r["error_type"] for r in rows[1:4]} == {"UnreadableInputError"}
    assert len(rows[4]["comments"]) == 14


def test_an_error_object_names_its_source_once(tmp_path):
    # {"source": "d/empty.txt", "error": "d/empty.txt: the page is empty"}: the name twice.
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone")
    proc = _run(str(tmp_path), "-")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["source"] for r in rows] == [
        str(tmp_path / "binary.txt"),
        str(tmp_path / "dangling.txt"),
        str(tmp_path / "empty.txt"),
        "<stdin>",
    ]
    for row in rows:
        assert os.path.basename(row["source"]) not in row["error"], row
    one = _run(str(tmp_path / "empty.txt"))
    assert one.stderr.count("empty.txt") == 1, one.stderr


def test_an_empty_path_is_no_file_not_the_current_directory():
    # `moderate parse ''` answered {"source": "", "error": "is a directory, not a page"}: Path("") is ".".
    # It is a missing PATH, a usage error naming it (quoted), as `moderate score ''` is.
    one = _run("")
    assert one.returncode == 2 and one.stdout == ""
    assert one.stderr == "moderate parse: usage error: no such file or directory: ''\n", one.stderr
    seed = str(SEEDS_DIR / "000_c9b04fa1e4a574b0.txt")
    many = _run("", seed)
    assert many.returncode == 2 and many.stdout == ""
    assert many.stderr == one.stderr, many.stderr


@pytest.mark.parametrize("indent", ["-3", "100000000"])
def test_an_indent_out_of_range_is_a_usage_error(indent):
    # --indent 100000000 ended in a MemoryError traceback; -3 was taken (as no indent at all).
    proc = _run(str(SEEDS_DIR / "000_c9b04fa1e4a574b0.txt"), "--indent", indent)
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr[-300:]
    assert "Traceback" not in proc.stderr and "--indent" in proc.stderr and "0 to 16" in proc.stderr


def test_an_alias_of_a_file_already_read_is_listed_as_skipped(tmp_path):
    # `ln -s a.txt DIR/b.txt`: score and report list b.txt as skipped, parse left it out without a word.
    # Every input is accounted for: a file reached again, named twice, and a second "-" too.
    (tmp_path / "a.txt").write_text((SEEDS_DIR / "000_c9b04fa1e4a574b0.txt").read_text(encoding="utf-8"))
    (tmp_path / "b.txt").symlink_to("a.txt")
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", str(tmp_path), str(tmp_path / "a.txt"), "-", "-"],
        input="A title\n\nA body line.\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    a = str(tmp_path / "a.txt")
    assert [r["source"] for r in rows] == [a, str(tmp_path / "b.txt"), a, "<stdin>", "<stdin>"]
    again = f"file already read as {a} (named twice or alias)"
    assert rows[1] == {"source": str(tmp_path / "b.txt"), "skipped": again}
    assert rows[2] == {"source": a, "skipped": again}
    assert "error" not in rows[3] and "skipped" not in rows[3] and rows[3]["format"] == "text"
    assert rows[4] == {"source": "<stdin>", "skipped": "standard input, already read above (`-` named twice)"}


HTML_PAGE = "<html><head><title>Bridge budget</title></head><body><p>The council met.</p></body></html>\n"


@pytest.mark.parametrize("stdin_first", [True, False])
@pytest.mark.parametrize("name", ["x.html", "x.jsonl"])
def test_standard_input_redirected_from_a_named_file_is_parsed_once(tmp_path, name, stdin_first):
    # `moderate parse - x.html < x.html` printed the page twice, once as <stdin>: the same file is
    # parsed once, the later of the two a skipped object, with `moderate score`'s reasons. Every entry
    # is a page to parse, so an export's name (its error object) is read once too.
    (tmp_path / "x.html").write_text(HTML_PAGE, encoding="utf-8")
    (tmp_path / "x.jsonl").write_text('{"text": "first"}\n{"text": "second"}\n', encoding="utf-8")
    named = str(tmp_path / name)
    with open(named, "rb") as redirected:
        proc = subprocess.run(
            [sys.executable, "-m", "service.cli", "parse", *(["-", named] if stdin_first else [named, "-"])],
            stdin=redirected,
            capture_output=True,
            text=True,
            timeout=60,
        )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 2, proc.stdout
    read, skipped = ("<stdin>", named) if stdin_first else (named, "<stdin>")
    assert rows[0]["source"] == read and "skipped" not in rows[0]
    assert rows[1] == {
        "source": skipped,
        "skipped": "file already read as <stdin> (named twice or alias)"
        if stdin_first
        else f"standard input is the file already read as {named} (named twice)",
    }
    if name == "x.html":
        assert rows[0]["title"] == "Bridge budget" and proc.returncode == 0, proc.stderr
    else:  # the export's error object once
        assert rows[0]["error_type"] == "MalformedInputError" and proc.returncode == 1


def test_a_file_named_twice_is_parsed_once_as_score_reads_it(tmp_path):
    # The same path twice: one object and a skipped one, with the reason `moderate score` gives.
    page = tmp_path / "x.html"
    page.write_text(HTML_PAGE, encoding="utf-8")
    proc = _run(str(page), str(page))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rows[0]["source"] == str(page) and rows[0]["title"] == "Bridge budget"
    again = f"file already read as {page} (named twice or alias)"
    assert rows[1:] == [{"source": str(page), "skipped": again}]
