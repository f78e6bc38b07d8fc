"""The parser's evaluation: a fixed page split, gold files read with their separator variants, bag-of-words
F1, and the floors check failing below a floor."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from service.parse_eval import _check
from service.parse_quality import (
    RenderingScore,
    decode_gold,
    dragnet_pages,
    in_test_split,
    prf,
    read_gold,
    title_in_gold,
    tokens,
)


def test_split_is_fixed_and_about_thirty_percent():
    ids = [str(i) for i in range(2000)]
    test = [i for i in ids if in_test_split(i)]
    assert 0.27 < len(test) / len(ids) < 0.33
    assert test == [i for i in ids if in_test_split(i)]  # no seed, no state


def test_split_of_the_dragnet_folder_partitions_it(tmp_path: Path):
    for i in ("1", "2", "R5", "T9", "100"):
        (tmp_path / f"{i}.gold.txt").write_text("body", encoding="utf-8")
    train, test = dragnet_pages(tmp_path, "train"), dragnet_pages(tmp_path, "test")
    assert sorted(train + test) == dragnet_pages(tmp_path, "all") and not set(train) & set(test)


def test_gold_separator_variants_split_body_from_comments(tmp_path: Path):
    for sep in ("!@#$%^&*() COMMENTS", "!@#$%^&*()) COMMENTS", "!@#$%&*() COMMENTS"):
        p = tmp_path / "1.gold.txt"
        p.write_text(f"Title\nThe body text.\n{sep}\nAnn 12.01.12\nFirst comment here.\n", encoding="utf-8")
        gold = read_gold(p)
        assert gold.body.strip() == "Title\nThe body text."
        assert "First comment" in gold.comments and "COMMENTS" not in gold.comments


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_gold_files_are_read_in_their_own_encoding(tmp_path: Path, encoding: str):
    # Dragnet ships a few gold files as UTF-16 (with a BOM) and some as Windows-1252.
    text = "Caf\u00e9 \u2019quotes\u2019\n!@#$%^&*() COMMENTS\nJos\u00e9 12.01.12\nSo true.\n"
    p = tmp_path / "1.gold.txt"
    p.write_bytes(text.encode(encoding))
    gold = read_gold(p)
    assert gold.body.strip() == "Caf\u00e9 \u2019quotes\u2019" and "Jos\u00e9" in gold.comments
    assert decode_gold(text.encode(encoding)) == text


def test_a_title_is_right_when_most_of_its_words_are_the_golds():
    gold = "Ancient understanding of tides\nPosted on 12 July 2012\nThe moon pulls the sea."
    assert title_in_gold("Ancient understanding of tides | John D. Cook", gold)  # 4 of 7 words
    assert not title_in_gold("The blog of John D. Cook", gold)
    assert not title_in_gold(None, gold) and not title_in_gold("", gold)


def test_bag_of_words_f1():
    assert prf(tokens("the cat sat"), tokens("The cat sat")) == (1.0, 1.0, 1.0)
    p, r, f = prf(tokens("the cat"), tokens("the cat sat on the mat"))
    assert (p, round(r, 3)) == (1.0, 0.333) and round(f, 3) == 0.5
    assert prf(Counter(), tokens("x"))[2] == 0.0


def test_floors_check_fails_below_a_floor_and_above_a_ceiling(tmp_path: Path):
    floors = tmp_path / "floors.json"
    floors.write_text(
        json.dumps({"floors": {"g": {"html": {"body_f1": 0.9, "false_comment_rate_max": 0.05}}}}),
        encoding="utf-8",
    )
    assert _check({"g": {"html": {"body_f1": 0.95, "false_comment_rate": 0.01}}}, floors) == 0
    assert _check({"g": {"html": {"body_f1": 0.85, "false_comment_rate": 0.01}}}, floors) == 1
    assert _check({"g": {"html": {"body_f1": 0.95, "false_comment_rate": 0.2}}}, floors) == 1
    assert _check({}, floors) == 1


def test_eval_parse_names_each_expected_page_it_cannot_find(tmp_path: Path, articles_dir: Path, capsys):
    # An expected page with no rendering under --articles-dir was skipped without a word: a wrong or
    # partial directory measured fewer pages (none at all: nothing printed) and --no-check exited 0.
    from service.cli import main

    (tmp_path / "lemire.me").mkdir()
    page = articles_dir / "lemire.me" / "simdjson-vs-json-for-modern-cpp.html"
    (tmp_path / "lemire.me" / page.name).write_bytes(page.read_bytes())
    expected = tmp_path / "expected.json"
    expected.write_text(
        json.dumps(
            {
                "lemire.me/simdjson-vs-json-for-modern-cpp": {"comments": 5},
                "nowhere.org/gone": {"comments": 2},
            }
        ),
        encoding="utf-8",
    )
    argv = ["eval-parse", "--articles-dir", str(tmp_path), "--expected", str(expected), "--no-check"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "nowhere.org/gone" in out and "MISSING" in out
    assert "lemire.me/simdjson-vs-json-for-modern-cpp" in out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([*argv[:2], str(empty), *argv[3:]]) == 1
    err = capsys.readouterr().err
    assert "none of the 2 expected pages" in err


def test_eval_parse_says_when_the_floors_were_not_checked(tmp_path: Path, articles_dir: Path, capsys):
    # --split train exited 0 without comparing anything, saying nothing: read as "floors met".
    from service.cli import main

    (tmp_path / "lemire.me").mkdir()
    page = articles_dir / "lemire.me" / "simdjson-vs-json-for-modern-cpp.html"
    (tmp_path / "lemire.me" / page.name).write_bytes(page.read_bytes())
    expected = tmp_path / "expected.json"
    expected.write_text(json.dumps({"lemire.me/simdjson-vs-json-for-modern-cpp": {"comments": 5}}), "utf-8")
    argv = ["eval-parse", "--articles-dir", str(tmp_path), "--expected", str(expected)]
    assert main([*argv, "--split", "train"]) == 0
    assert "floors not checked: they are pinned for --split test" in capsys.readouterr().out
    assert main([*argv, "--no-check"]) == 0
    assert "floors not checked (--no-check)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("option", "content", "fragment"),
    [
        ("--expected", "[1, 2]", "an object of page stems"),
        ("--expected", '{"lemire.me/simdjson-vs-json-for-modern-cpp": {"authors": []}}', '"comments"'),
        ("--floors", "[1, 2]", '{"floors": {GROUP: {RENDERING: {NAME: NUMBER}}}}'),
        ("--floors", '{"floors": {"shared": {"html": {"count_ok": "29"}}}}', '{"floors": {GROUP:'),
    ],
)
def test_a_malformed_expectations_or_floors_file_is_a_one_line_error(
    tmp_path: Path, articles_dir: Path, capsys, option: str, content: str, fragment: str
):
    # A list, or a page without its "comments" count, ended eval-parse in a TypeError or KeyError
    # traceback (a list of stems was even read as missing pages).
    from service.cli import main

    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    assert main(["eval-parse", "--articles-dir", str(articles_dir), option, str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and fragment in err, err


def test_a_missing_folder_says_which_make_variable_names_it(tmp_path: Path, capsys):
    # `make eval-parse` with the corpora elsewhere said only "articles dir not found: ../shared/articles"
    # (or "Dragnet pages not found: ..."), where `make train` and `make eval` name DATA_DIR.
    from service.cli import main

    assert main(["eval-parse", "--articles-dir", str(tmp_path / "nope")]) == 1
    assert "set ARTICLES_DIR=... for make eval-parse" in capsys.readouterr().err
    argv = ["eval-parse", "--articles-dir", str(tmp_path), "--data-dir", str(tmp_path / "nope")]
    assert main(argv) == 1
    assert "set DATA_DIR=... for make eval-parse" in capsys.readouterr().err


def test_the_body_f1_interval_resamples_pages():
    import math

    score = RenderingScore()
    score.page_body_f1 = [0.5, 1.0] * 50
    low, high = score.body_f1_interval()
    assert low < 0.75 < high and 0.05 < high - low < 0.2  # the mean 0.75, sd of the mean 0.025
    assert score.body_f1_interval() == (low, high)  # a fixed seed: the same figures every run
    score.page_body_f1 = [0.9] * 100
    assert score.body_f1_interval() == pytest.approx((0.9, 0.9))
    assert all(math.isnan(v) for v in RenderingScore().body_f1_interval())
