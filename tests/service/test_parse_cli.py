"""`moderate parse PATH` prints exactly the JSON shape of issue 2."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ARTICLES_DIR, SEEDS_DIR


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", *args], capture_output=True, text=True, timeout=60
    )


def test_parse_prints_one_json_object_in_the_issue_shape():
    proc = _run(str(SEEDS_DIR / "000_c9b04fa1e4a574b0.txt"))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert list(out) == ["source", "format", "title", "body", "comments", "declared_comment_count", "dropped"]
    assert out["format"] == "text"
    assert out["declared_comment_count"] == 14
    assert len(out["comments"]) == 14
    assert out["comments"][0] == {
        "author": "ashtah",
        "posted_at": "2017-05-17T15:17:00",
        "posted_raw": "17 May 2017, 15:17",
        "text": "so why was the conversation taped?",
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


def test_missing_file_is_a_one_line_error():
    proc = _run("/nonexistent/page.html")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "no such file" in proc.stderr
