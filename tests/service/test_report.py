"""`moderate report` (`make run`): a readable plain-text report of pages, comments, scores and spans."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.records import Article, ArticleContext, Comment
from service.parse import parse_file
from service.report import first_words, report_article, write_report
from service.settings import Settings
from tests.fakes import FakeScorer

PLATFORMS = Path(__file__).resolve().parent / "platforms"

ARTICLE = Article(
    source="inline.html",
    format="html",
    title="Tides and the moon",
    body="The moon moves the tide twice a day.",
    comments=(
        Comment(
            text="The moon moves the tide, as the article says.", author="Ann", posted_at="2012-07-15T11:59"
        ),
        Comment(
            text="You are an idiot and a moron, " + "a stupid fool, long winded as a dumb speaker " * 3,
            author=None,
            posted_raw="3 hours ago",
            parent=0,
        ),
    ),
)


def render(article: Article) -> str:
    out = io.StringIO()
    from collections import Counter

    report_article(article, FakeScorer(), Settings().thresholds(), out, Counter())
    return out.getvalue()


def test_report_shows_each_comment_with_scores_decision_and_spans():
    text = render(ARTICLE)
    assert "Title: Tides and the moon" in text
    assert f"Body: {len(ARTICLE.body):,} characters; 2 comment(s)" in text
    assert "#1 Ann - 2012-07-15T11:59" in text
    assert "#2 (anonymous) - 3 hours ago, reply to #1" in text
    # the fake scorer: 11 insult words of 34 -> 3 x 11/34 = 0.97 -> reject at the default 0.9
    assert "insult 0.97" in text and "-> REJECT" in text
    assert "why: insult 0.97 >= reject threshold 0.90" in text
    assert 'insult spans: "idiot" +1.00, "moron" +1.00' in text
    assert "(context: article+thread)" in text
    assert "..." in text  # long comments are cut to their first words


def test_report_explains_only_the_attributes_the_decision_names():
    first, second = render(ARTICLE).split("#2 ")
    assert "-> APPROVE" in first and "spans:" not in first  # nothing flagged, nothing to explain
    assert "-> REJECT" in second and "insult spans:" in second


def test_report_shows_the_parser_warnings():
    from dataclasses import replace

    text = render(replace(ARTICLE, warnings=("the page declares 9 comment(s) but 2 were found",)))
    assert "WARNING: the page declares 9 comment(s) but 2 were found" in text
    assert "WARNING" not in render(ARTICLE)


def test_first_words_cuts_long_text_only():
    assert first_words("one two three", 5) == "one two three"
    assert first_words("a b c d e f", 3) == "a b c ..."


def test_report_over_the_seeds_lists_every_seed(seeds_dir: Path):
    out = io.StringIO()
    failures = write_report([str(seeds_dir)], FakeScorer(), Settings(), out)
    text = out.getvalue()
    assert failures == 0
    seeds = sorted(seeds_dir.glob("*.txt"))
    for seed in seeds:
        article = parse_file(seed)
        block = text.split(str(seed), 1)[1]
        assert block.lstrip().startswith(f"({article.format})")
        assert f"Title: {article.title}" in block
        assert f"Body: {len(article.body):,} characters; {len(article.comments)} comment(s)" in block
    assert f"{len(seeds)} page(s)" in text.splitlines()[-1]
    assert "Model fake-1" in text


def test_a_report_builds_its_thresholds_once_for_all_its_pages(
    seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The one settings object's thresholds are read once per run, not once per page."""
    page = (seeds_dir / "000_c9b04fa1e4a574b0.txt").read_bytes()  # the seed with comments
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_bytes(page)
    built: list[int] = []
    real = Settings.thresholds
    monkeypatch.setattr(Settings, "thresholds", lambda self: built.append(1) or real(self))
    out = io.StringIO()
    assert write_report([str(tmp_path)], FakeScorer(), Settings(), out) == 0
    assert out.getvalue().count(" comment(s); ") == 3 and "(no reader comments" not in out.getvalue()
    assert len(built) == 1


def test_unreadable_pages_are_reported_not_fatal(tmp_path: Path):
    (tmp_path / "a.txt").write_text("A title\n\nA body line.\n")
    (tmp_path / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (tmp_path / "c.txt").symlink_to(tmp_path / "gone.txt")
    out = io.StringIO()
    failures = write_report([str(tmp_path)], FakeScorer(), Settings(), out)
    text = out.getvalue()
    assert failures == 2
    assert "b.png: cannot read this page:" in text and "PNG" in text
    assert "c.txt: cannot read this page: dangling symlink" in text
    title = parse_file(tmp_path / "a.txt").title or "(no title)"
    assert f"a.txt  (text)\nTitle: {title}\n" in text


def test_the_footer_accounts_for_every_file_it_did_not_report(tmp_path: Path):
    # A comment export (JSONL) and a file named twice were said "not reported"/"skipped" in the body,
    # but the footer counted only pages and unreadable files: "1 page(s) ...; 0 file(s) could not be
    # read" over a directory of three files read as a complete run.
    (tmp_path / "a.txt").write_text("A title\n\nA body line.\n")
    (tmp_path / "comments.jsonl").write_text('{"id": "1", "text": "you idiot"}\n')
    out = io.StringIO()
    failures = write_report([str(tmp_path), str(tmp_path / "a.txt")], FakeScorer(), Settings(), out)
    footer = out.getvalue().splitlines()[-1]
    assert failures == 0
    assert footer.startswith("1 page(s), 0 comment(s): "), footer
    assert "; 0 file(s) could not be read, 2 not reported (above: why). Model " in footer, footer


@pytest.mark.parametrize("argv", [["report"], ["report", "--model-dir"]])
def test_report_requires_paths(argv, capsys):
    from service.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


@pytest.mark.slow
def test_make_run_works_on_a_fresh_clone_with_no_data(tmp_path):
    """`moderate report seeds/` from a clone of the committed repository: shipped model, no corpora."""
    repo = Path(__file__).resolve().parents[2]
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    env = {**os.environ, "PYTHONPATH": str(clone), "DATA_DIR": str(tmp_path / "no-data")}
    env.pop("MODERATION_MODEL_DIR", None)
    code = (
        "import service, sys; from service.cli import main; "
        "print(service.__file__, file=sys.stderr); sys.exit(main())"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "report", "seeds/"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith(str(clone / "service")), proc.stderr  # the clone's code, not this tree
    out = proc.stdout
    for seed in sorted((clone / "seeds").glob("*.txt")):
        assert f"seeds/{seed.name}" in out
    footer = out.splitlines()[-1]
    assert footer.startswith("5 page(s), ") and "0 file(s) could not be read. Model " in footer
    n_comments = int(footer.split(", ")[1].split(" ")[0])
    verdicts = out.count("-> APPROVE") + out.count("-> REVIEW") + out.count("-> REJECT")
    assert verdicts == n_comments > 0  # one scored line per comment the parser found
    assert "insult spans:" in out


HOSTILE = Article(
    source="evil\x1b[2J.html",
    format="html",
    title="Tides\x1b]0;PWNED\x07",
    body="The moon moves the tide.",
    comments=(
        Comment(text="so why was the \x1b[31mconversation\x1b[0m taped?\r\x1b[2K", author="Ann\x9b2J"),
        Comment(text="the \u202eredi\u202c moves the tide", author="Bob"),
    ),
)


def test_control_characters_from_a_page_never_reach_the_terminal():
    # Comment text, titles and authors come from strangers: an ESC, CSI or OSC sequence printed raw
    # sets the terminal's title, clears lines or worse; \r overwrites what the moderator reads; a bidi
    # override reorders it. They are shown escaped instead.
    text = render(HOSTILE)
    assert not any(ord(ch) < 32 and ch != "\n" for ch in text), repr(text)
    assert not any(0x7F <= ord(ch) < 0xA0 or ch in "\u202a\u202b\u202c\u202d\u202e" for ch in text)
    assert "Tides\\x1b]0;PWNED\\x07" in text and "Ann\\x9b2J" in text and "\\u202eredi" in text


def test_a_hostile_page_file_is_reported_escaped(tmp_path: Path, seeds_dir: Path):
    seed = sorted(seeds_dir.glob("*.txt"))[0].read_text(encoding="utf-8")
    target = "so why was the conversation taped?"
    assert target in seed
    page = tmp_path / "esc.txt"
    page.write_text(seed.replace(target, "so why was the \x1b]0;PWNED\x07conversation taped?"), "utf-8")
    out = io.StringIO()
    write_report([str(page)], FakeScorer(), Settings(), out)
    assert "\x1b" not in out.getvalue() and "\\x1b]0;PWNED\\x07conversation" in out.getvalue()


def test_a_file_name_that_is_not_utf8_is_reported_escaped(tmp_path: Path, seeds_dir: Path):
    # Its lone surrogate reached the terminal: a UnicodeEncodeError traceback with a strict UTF-8
    # stdout, the pages after it never reported. Written as \xNN escapes, as `moderate score` does.
    seed = sorted(seeds_dir.glob("*.txt"))[0].read_bytes()
    Path(os.fsdecode(os.fsencode(tmp_path) + b"/a\xff.txt")).write_bytes(seed)
    Path(os.fsdecode(os.fsencode(tmp_path) + b"/b\xfe.txt")).write_bytes(b"")
    out = io.StringIO()
    failures = write_report([str(tmp_path)], FakeScorer(), Settings(), out)
    text = out.getvalue()
    text.encode("utf-8")  # no lone surrogate left
    assert failures == 1 and f"{tmp_path}/a\\xff.txt  (text)" in text
    assert f"{tmp_path}/b\\xfe.txt: cannot read this page: the page is empty\n" in text


def test_report_scores_with_the_version_the_service_serves(tmp_path: Path, activated_version, monkeypatch):
    import argparse

    import model.score
    from service import report

    seen: list[Path] = []

    def load(model_dir: Path) -> FakeScorer:
        seen.append(Path(model_dir))
        return FakeScorer(model_dir=model_dir)

    monkeypatch.setattr(model.score.Scorer, "load", staticmethod(load))
    page = tmp_path / "page.txt"
    page.write_text("Title\n\nBody of the page, long enough to be a body.\n")
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    assert report.run(parser.parse_args([str(page)])) == 0
    assert seen == [activated_version]
    assert report.run(parser.parse_args([str(page), "--model-dir", str(tmp_path / "x")])) == 0
    assert seen[-1] == tmp_path / "x"


def test_a_word_repeated_in_a_comment_is_one_span_in_the_report():
    from dataclasses import replace

    repeated = replace(ARTICLE, comments=(Comment(text="idiot idiot idiot moron", author="Ann"),))
    text = render(repeated)
    assert 'insult spans: "idiot" +1.00, "moron" +1.00\n' in text


def test_a_newline_in_a_file_name_never_splits_a_report_line(tmp_path: Path, seeds_dir: Path):
    # A name holding "\n" started a new line of the report: a page header or error line read as two
    # (the second one free text a file's name chose). Shown as \n, each file's line is one line.
    seed = sorted(seeds_dir.glob("*.txt"))[0].read_bytes()
    (tmp_path / "a\nTitle: forged.txt").write_bytes(seed)
    (tmp_path / "b\n.txt").write_bytes(b"")
    (tmp_path / "c\tx.txt").symlink_to(tmp_path / "gone")
    out = io.StringIO()
    write_report([str(tmp_path)], FakeScorer(), Settings(), out)
    lines = out.getvalue().splitlines()
    assert f"{tmp_path}/a\\nTitle: forged.txt  (text)" in lines
    assert not any(line.startswith("Title: forged") for line in lines)
    assert f"{tmp_path}/b\\n.txt: cannot read this page: the page is empty" in lines
    assert any(
        line.startswith(f"{tmp_path}/c\\tx.txt: cannot read this page: dangling symlink") for line in lines
    )


def test_a_comment_export_under_a_page_name_is_not_reported_as_a_page(tmp_path: Path):
    # export.json (JSON lines) was reported as a page titled with its first line and no comments.
    (tmp_path / "export.json").write_text('{"id": "1", "text": "you idiot"}\n', encoding="utf-8")
    out = io.StringIO()
    assert write_report([str(tmp_path)], FakeScorer(), Settings(), out) == 1
    text = out.getvalue()
    assert "export.json: cannot read this page: " in text and "JSON lines" in text
    assert text.splitlines()[-1].startswith("0 page(s), ")


def test_a_report_redirected_into_the_directory_does_not_report_itself(tmp_path: Path, monkeypatch):
    # `moderate report crawl > crawl/report.txt` read its own output file as a page to report.
    import argparse

    from service import report

    (tmp_path / "a.txt").write_text("A title\n\nA body line.\n")
    out = tmp_path / "report.txt"
    with out.open("w", encoding="utf-8") as fh:
        monkeypatch.setattr(sys, "stdout", fh)
        rc = report.run(argparse.Namespace(paths=[str(tmp_path)], model_dir=None), scorer=FakeScorer())
    text = out.read_text(encoding="utf-8")
    assert rc == 0
    assert "report.txt: skipped: the standard output of this run" in text
    assert "report.txt  (" not in text and "report.txt: cannot read" not in text


def test_a_score_just_under_a_threshold_never_reads_as_the_threshold():
    """0.8996 under a reject threshold of 0.90 read "insult 0.90 ... -> REVIEW" (the score line
    rounded, the decision's reason rounded down): a moderator saw a score at the threshold that did not
    reject. Both are rounded down now, so they agree."""

    class JustUnder(FakeScorer):
        def _insult(self, text: str) -> float:
            return 0.8996

    out = io.StringIO()
    from collections import Counter

    one = Article(source="x.txt", format="text", title="t", body="b", comments=(Comment(text="hm"),))
    report_article(one, JustUnder(), Settings().thresholds(), out, Counter())
    text = out.getvalue()
    assert "insult 0.89 " in text and "insult 0.90" not in text
    assert "why: insult 0.89 >= review threshold" in text and "-> REVIEW" in text


def _pipe_in(monkeypatch, data: bytes | None) -> io.BytesIO | None:
    stream = None if data is None else io.BytesIO(data)
    monkeypatch.setattr(sys, "stdin", None if stream is None else io.TextIOWrapper(stream))
    return stream


def test_a_dash_reports_the_page_on_standard_input(monkeypatch, seeds_dir: Path):
    # `curl URL | moderate report -` said "-: not reported: cannot stat: No such file or directory":
    # "-" is standard input, reported as a file is and named <stdin>; a second "-" is skipped.
    seed = sorted(seeds_dir.glob("*.txt"))[0]
    _pipe_in(monkeypatch, seed.read_bytes())
    piped, from_file = io.StringIO(), io.StringIO()
    assert write_report(["-", "-"], FakeScorer(), Settings(), piped) == 0
    write_report([str(seed)], FakeScorer(), Settings(), from_file)
    text = piped.getvalue()
    assert text.startswith("=" * 78 + "\n<stdin>  (")
    page = text.split("\n", 2)[2].split("=" * 78)[0]
    assert page == from_file.getvalue().split("\n", 2)[2].split("=" * 78)[0]
    assert "<stdin>: skipped: standard input, already read above (`-` named twice)" in text
    assert "1 page(s), 14 comment(s)" in text and "1 not reported" in text


@pytest.mark.parametrize("stdin_first", [True, False])
def test_standard_input_redirected_from_a_named_file_is_reported_once(
    monkeypatch, tmp_path: Path, seeds_dir: Path, stdin_first
):
    # `moderate report - x.txt < x.txt` reported the page twice, once as <stdin>: read once, as
    # `moderate score` and `parse` read it, the later of the two skipped with their reason.
    named = tmp_path / "x.txt"
    named.write_bytes(sorted(seeds_dir.glob("*.txt"))[0].read_bytes())
    out = io.StringIO()
    with open(named, encoding="utf-8") as redirected:
        monkeypatch.setattr(sys, "stdin", redirected)
        paths = ["-", str(named)] if stdin_first else [str(named), "-"]
        assert write_report(paths, FakeScorer(), Settings(), out) == 0
    text = out.getvalue()
    skipped = (
        f"{named}: skipped: file already read as <stdin> (named twice or alias)"
        if stdin_first
        else f"<stdin>: skipped: standard input is the file already read as {named} (named twice)"
    )
    assert skipped in text and "1 page(s), 14 comment(s)" in text and "1 not reported" in text


def test_standard_input_is_reported_with_a_file_s_bounds(monkeypatch):
    monkeypatch.setenv("MODERATION_LIMITS__MAX_PAGE_BYTES", "50000")
    stream = _pipe_in(monkeypatch, b"Title\n\n" + b"A line of the page body.\n" * 4000)
    out = io.StringIO()
    assert write_report(["-"], FakeScorer(), Settings(), out) == 1
    assert "<stdin>: cannot read this page: over the page limit of 50,000 bytes\n" in out.getvalue()
    assert stream is not None and stream.tell() == 50_001
    _pipe_in(monkeypatch, None)
    out = io.StringIO()
    assert write_report(["-"], FakeScorer(), Settings(), out) == 1
    assert "<stdin>: cannot read this page: no standard input (it is closed)\n" in out.getvalue()


def test_report_and_score_help_say_a_dash_is_standard_input(capsys):
    from service.cli import main

    for command in ("report", "score", "parse"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "- reads a page" in " ".join(capsys.readouterr().out.split()), command


def test_a_score_just_under_a_threshold_reads_as_its_reason_does():
    # The score line rounded to nearest while the reasons round down (service/decide.py): insult
    # 0.8996 read "insult 0.90 ... -> REVIEW" under a reject threshold of 0.90, and 0.9376 read
    # "insult 0.94" beside "why: insult 0.93 >= reject threshold 0.90".
    from collections import Counter

    from core.records import Scores

    class Fixed(FakeScorer):
        def __init__(self, value: float) -> None:
            super().__init__()
            self.value = value

        def score(self, texts, article=None, **kwargs):  # type: ignore[no-untyped-def]
            return [Scores({"insult": self.value, "off_topic": 0.0}, context="article") for _ in texts]

    one = Article(source="p", format="text", title="t", body="b", comments=(Comment(text="x"),))
    for value, shown, verdict in ((0.8996, "0.89", "REVIEW"), (0.9376, "0.93", "REJECT")):
        out = io.StringIO()
        report_article(one, Fixed(value), Settings().thresholds(), out, Counter())
        text = out.getvalue()
        assert f"insult {shown}   off-topic 0.00" in text and f"-> {verdict}" in text
        assert f"why: insult {shown} >= " in text


def test_an_undetermined_comment_says_the_language_it_was_judged_in():
    # The API, the queue and batch rows say `judged_language`; the report said only "[language: und]"
    # beside a reason naming the language it was judged in ("... not trained for language es").
    from collections import Counter
    from dataclasses import replace

    from core.records import Scores

    class Guessed(FakeScorer):
        def score(self, texts, article=None, **kwargs):  # type: ignore[no-untyped-def]
            values = {"insult": 0.95, "off_topic": 0.0}
            return [
                Scores(values, context="article", unsupported=frozenset({"insult"}), assumed_language="es")
                for _ in texts
            ]

    one = Article(source="p", format="text", title="t", body="b", comments=(Comment(text="x"),))
    out = io.StringIO()
    report_article(one, Guessed(), Settings().thresholds(), out, Counter())
    text = out.getvalue()
    assert "[language: und, judged in es]   -> REVIEW" in text
    assert "not trained for language es: review" in text
    assert "(context: article+thread) [language: und, judged in en]" in render(ARTICLE)  # the base models'

    french = replace(ARTICLE, comments=(Comment(text="Vous êtes une idiote, ce est la fin"),))
    out = io.StringIO()
    report_article(french, FakeScorer(detects=True), Settings().thresholds(), out, Counter())
    assert "[language: fr]" in out.getvalue()  # detected: nothing more to say


def test_thresholds_for_an_attribute_the_model_lacks_stop_moderate_report(
    tmp_path: Path, monkeypatch, capsys
):
    # As `moderate serve` and `moderate score`: MODERATION_SPAM__REJECT under a model without spam
    # decided nothing in the report, without a word; now one line naming the variable.
    import model.score
    from service.cli import main

    monkeypatch.setattr(model.score.Scorer, "load", staticmethod(lambda model_dir: FakeScorer()))
    monkeypatch.setenv("MODERATION_SPAM__REJECT", "0.95")
    page = tmp_path / "page.txt"
    page.write_text("Title\n\nBody of the page, long enough to be a body.\n")
    assert main(["report", str(page)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(
        "moderate report: error: MODERATION_SPAM (spam): thresholds for an attribute the model"
    )
    assert len(captured.err.splitlines()) == 1 and captured.out == ""


def test_a_comment_export_is_not_reported_alike_from_a_file_and_from_standard_input(
    monkeypatch, tmp_path: Path
):
    # `moderate report export.jsonl` said "not reported" (exit 0) and the same bytes piped to
    # `moderate report -` "1 file(s) could not be read" (exit 1): one input, two answers. Both are a
    # comment export now, not reported, with the command that scores it; no more of stdin is read.
    line = b'{"article_id": "a", "text": "hi"}\n'
    export = tmp_path / "export.jsonl"
    export.write_bytes(line)
    stream = _pipe_in(monkeypatch, line + b"x" * 100_000)
    answers = []
    for path, name in ((str(export), str(export)), ("-", "<stdin>")):
        out = io.StringIO()
        failures = write_report([path], FakeScorer(), Settings(), out)
        lines = out.getvalue().splitlines()
        assert lines[1].startswith(f"{name}: not reported: "), lines
        answers.append((failures, lines[1].removeprefix(name), lines[-1]))
    assert answers[0] == answers[1]
    failures, why, footer = answers[0]
    assert failures == 0 and "comment export" in why and "`moderate score`" in why
    assert "; 0 file(s) could not be read, 1 not reported (above: why). Model " in footer
    assert stream is not None and stream.tell() == len(line)


def test_a_comment_export_under_a_page_name_gets_one_reason_from_every_command(tmp_path: Path):
    # parse and report said "`moderate score` scores its comments", but `moderate score export.json`
    # refused it too ("a comment export is read from a .jsonl or .ndjson file"): each command now
    # gives the one reason, which says how score reads it.
    from collections import Counter

    from service import batch, batch_worker
    from service.parse_cli import _parse

    export = tmp_path / "export.json"
    export.write_text('{"id": "1", "text": "you idiot"}\n', encoding="utf-8")
    config = batch.BatchConfig.from_settings(Settings())
    [row] = map(json.loads, batch_worker.task_rows(batch.Task("page", str(export)), config, Counter()))
    out = io.StringIO()
    write_report([str(export)], FakeScorer(), Settings(), out)
    reported = out.getvalue().splitlines()[1].removeprefix(f"{export}: cannot read this page: ")
    with pytest.raises(Exception) as parsed:
        _parse(str(export), "auto", Settings().limits)
    assert row["error"] == reported == str(parsed.value).removeprefix(f"{export}: ")
    assert ".jsonl" in reported and "standard input" in reported and "moderate score" in reported


def test_dev_stdin_on_a_pipe_is_standard_input(monkeypatch, seeds_dir: Path):
    # `curl URL | moderate report /dev/stdin` (and `score`): "/dev/stdin: not reported: a FIFO (named
    # pipe), not a page file", while `moderate parse /dev/stdin` read it. The pipe that is standard input
    # is read as `-` is, once (named <stdin>); another FIFO is still no page file.
    from service.batch import discover

    read_end, write_end = os.pipe()
    os.write(write_end, sorted(seeds_dir.glob("*.txt"))[0].read_bytes())
    os.close(write_end)
    monkeypatch.setattr(sys, "stdin", os.fdopen(read_end, "r"))
    named = f"/proc/self/fd/{read_end}"
    assert [(t.kind, t.source) for t in discover([named, "-"])] == [
        ("stdin", "-"),
        ("skipped", "<stdin>"),
    ]
    out = io.StringIO()
    assert write_report([named], FakeScorer(), Settings(), out) == 0
    assert out.getvalue().startswith("=" * 78 + "\n<stdin>  (text)\n"), out.getvalue()[:300]
    other_read, other_write = os.pipe()
    try:
        [task] = discover([f"/proc/self/fd/{other_read}"])
        assert task.kind == "error" and "FIFO" in (task.reason or "")
    finally:
        os.close(other_read)
        os.close(other_write)


def test_the_footer_s_counts_match_the_lines_above(tmp_path: Path):
    # A dangling link was said "not reported" above but counted as "could not be read" below: a reader
    # looking for the footer's "N not reported (above: why)" found more lines than N.
    (tmp_path / "a.txt").write_text("A title\n\nA body line.\n")
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / "d.jsonl").write_text('{"id": "1", "text": "hi"}\n')
    out = io.StringIO()
    failures = write_report([str(tmp_path), str(tmp_path / "a.txt")], FakeScorer(), Settings(), out)
    text = out.getvalue()
    unreadable = text.count(": cannot read this page: ")
    unreported = text.count(": not reported: ") + text.count(": skipped: ")
    assert (failures, unreadable, unreported) == (2, 2, 2), text
    assert f"; {unreadable} file(s) could not be read, {unreported} not reported (above: why)." in text


def test_a_quoted_insult_does_not_raise_the_quoting_replys_score():
    """dana_wells quotes kai_r's insult to object to it (phpBB's "kai_r wrote: ↑DATE ..." block): the
    reply was scored with the quoted words as its own (the fake scorer's insult 0.20; the shipped model
    0.68, a "review"). Only the reader's own words are scored; the quote is shown as a quote."""
    text = render(parse_file(PLATFORMS / "phpbb_quotes.html"))
    reply = text[text.index("#4 dana_wells") :]
    assert '> quoting kai_r: "kai_r wrote:' in reply
    assert '"Please keep it civil, calling people names helps nobody."' in reply
    assert "insult 0.00" in reply and "-> REJECT" not in reply
    quoted = text[text.index("#3 kai_r") : text.index("#4 dana_wells")]
    assert "insult 0.50" in quoted  # the insult still counts, once: for the one who wrote it


def test_a_page_is_detected_once_to_score_and_explain_it(monkeypatch):
    """The report explained its flagged attributes one by one (`explain_thread`), each language-routed one
    detecting the page's comments again after scoring had: now they are detected once for both, and
    the spans are the scorer's own."""
    from collections import Counter

    from model.language import LanguageDetector
    from model.score import Scorer
    from service.settings import DEFAULT_MODEL_DIR

    scorer = Scorer.load(DEFAULT_MODEL_DIR)
    comments = ("You are an idiot and a moron.", "Du bist doof, du Vollidiot.", "The tide is high today.")
    article = Article(
        source="p",
        format="text",
        title="Tides",
        body="The moon moves the tide.",
        comments=tuple(map(Comment, comments)),
    )
    routed = [a for a in scorer.attributes if hasattr(scorer.models[a], "route")]
    assert routed, "the shipped model routes some attributes by language"
    detected: list[str] = []
    real = LanguageDetector.detect_with_confidence

    def counting(self, texts, *args, **kwargs):  # type: ignore[no-untyped-def]
        detected.extend(texts)
        return real(self, texts, *args, **kwargs)

    out = io.StringIO()
    with monkeypatch.context() as patch:
        patch.setattr(LanguageDetector, "detect_with_confidence", counting)
        report_article(article, scorer, Settings().thresholds(), out, Counter())
    text = out.getvalue()
    flagged = [a for a in routed if f"     {a} spans: " in text]
    assert flagged, text  # a routed attribute was explained
    # each comment once; the article's language (memoised by the scorer) at most once besides
    assert sorted(t for t in detected if t in comments) == sorted(comments)
    assert len(detected) <= len(comments) + 1, detected
    spans = scorer.explain_thread(
        list(comments), flagged[0], top_k=6, article=ArticleContext("Tides", "The moon moves the tide.")
    )
    assert any(s.text in text for per_comment in spans for s in per_comment)
