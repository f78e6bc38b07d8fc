"""bench.parse_scrapers: a page rendered on the fly by a scraper, parsed as text and scored against
the gold as eval-parse scores its renderings. The renderer here is a stand-in (the scrapers' libraries
are not the project's dependencies); the scoring path is the one the real renderers take."""

from __future__ import annotations

import re

import pytest

from bench import parse_scrapers

PAGE = """<html><head><title>Otters return to the river</title></head><body>
<h1>Otters return to the river</h1>
<p>Otters have been seen again along the lower river for the first time in forty years, the county's
wildlife officers said on Monday after a month of night counts.</p>
<p>Volunteers counted eleven animals between the old mill and the estuary, most of them young.</p>
<h2>3 comments</h2>
<div><b>Marta Quinn</b> <i>March 3, 2012 at 9:14 am</i>
<p>Wonderful news, I saw two of them last week.</p></div>
<div><b>Tom Hale</b> <i>March 3, 2012 at 10:02 am</i>
<p>About time the water was clean enough for them.</p></div>
<div><b>Ana Ruiz</b> <i>March 4, 2012 at 8:40 pm</i>
<p>Please keep the dogs on a lead near the banks.</p></div>
</body></html>"""

GOLD = """Otters return to the river
Otters have been seen again along the lower river for the first time in forty years, the county's
wildlife officers said on Monday after a month of night counts.
Volunteers counted eleven animals between the old mill and the estuary, most of them young.
!@#$%^&*() COMMENTS
Marta Quinn March 3, 2012 at 9:14 am Wonderful news, I saw two of them last week.
Tom Hale March 3, 2012 at 10:02 am About time the water was clean enough for them.
Ana Ruiz March 4, 2012 at 8:40 pm Please keep the dogs on a lead near the banks.
"""


def _tags_to_lines(html: str) -> str:
    """A crude scraper: every tag a line break (the shape of BeautifulSoup's get_text("\\n"))."""
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"<[^>]+>", "\n", html))


def test_a_rendered_page_is_parsed_as_text_and_scored_against_the_gold(tmp_path):
    (tmp_path / "7.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "7.gold.txt").write_text(GOLD, encoding="utf-8")
    kept = tmp_path / "kept"
    kept.mkdir()
    scores, rows = parse_scrapers.score_rendered(tmp_path, ["7"], {"tags": _tags_to_lines}, keep=kept)
    sc = scores["tags"]
    assert (sc.pages, sc.errors, sc.with_comments) == (1, 0, 1)
    figures = sc.figures()
    assert figures["body_f1"] > 0.9, figures
    assert figures["comments_f1"] > 0.9, figures
    assert figures["title_right"] == 1.0
    assert rows == [
        {
            "page": "7",
            "rendering": "tags",
            "body_f1": figures["body_f1"],
            "comments": 3,
            "comments_f1": figures["comments_f1"],
        }
    ]
    assert (kept / "7.tags.txt").read_text(encoding="utf-8") == _tags_to_lines(PAGE)


def test_a_renderer_whose_library_is_missing_is_skipped_and_named(monkeypatch):
    monkeypatch.setitem(parse_scrapers.RENDERERS, "nosuch", ("no_such_module_xyz", _tags_to_lines))
    found, skipped = parse_scrapers.available(["nosuch"])
    assert (found, skipped) == ({}, ["nosuch"])


def test_markdownify_renders_the_page_as_markdown_the_parser_reads() -> None:
    text = parse_scrapers.RENDERERS["markdownify"][1](PAGE)
    assert "Otters return to the river" in text
    assert "**Marta Quinn**" in text  # <b> as markdown bold, which the parser reads as its text
    assert "<" not in text


def test_markdownify_pages_are_scored(tmp_path):
    (tmp_path / "7.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "7.gold.txt").write_text(GOLD, encoding="utf-8")
    found, skipped = parse_scrapers.available(["markdownify"])
    assert skipped == []
    sc = parse_scrapers.score_rendered(tmp_path, ["7"], found)[0]["markdownify"]
    figures = sc.figures()
    assert (sc.errors, figures["title_right"]) == (0, 1.0)
    assert figures["body_f1"] > 0.9 and figures["comments_f1"] > 0.9, figures


def test_kept_renderings_are_parsed_again_without_rendering(tmp_path):
    (tmp_path / "7.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "7.gold.txt").write_text(GOLD, encoding="utf-8")
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "7.tags.txt").write_text(_tags_to_lines(PAGE), encoding="utf-8")

    def fails(html: str) -> str:
        raise AssertionError("rendered again")

    scores, _ = parse_scrapers.score_rendered(tmp_path, ["7"], {"tags": fails}, keep=kept, reuse=True)
    assert scores["tags"].figures()["comments_f1"] > 0.9


def test_a_missing_program_skips_its_renderer(monkeypatch):
    monkeypatch.setitem(parse_scrapers._PROGRAMS, "chromium", "/nonexistent/chromium")
    assert parse_scrapers.available(["chromium"]) == ({}, ["chromium"])


# JavaScript off (the script's text is never written), every request aborted (the image and the stylesheet
# are never fetched, and the page does not wait on them), a hidden element not shown.
_BROWSER_PAGE = """<html><head><title>Otters return - The Courier</title>
<link rel="stylesheet" href="http://203.0.113.9/site.css">
<script>document.write("<p>Written by a script</p>")</script></head>
<body><h1>Otters return</h1><img src="http://203.0.113.9/otter.jpg" alt="An otter">
<p>Otters have been <b>seen</b> again.</p><div style="display:none">Hidden box</div>
<ul><li>One</li><li>Two</li></ul></body></html>"""


@pytest.mark.slow  # Debian's Chromium: `make browser` installs it, and `make test-all` depends on that
def test_chromium_gives_the_title_and_the_visible_text() -> None:
    import time

    found, skipped = parse_scrapers.available(["chromium"])
    assert skipped == [], f"{parse_scrapers.CHROMIUM} not found: run `make browser`"
    render = found["chromium"]
    assert isinstance(render, parse_scrapers.ChromiumText)
    try:
        started = time.monotonic()
        texts = [render(_BROWSER_PAGE), render("<p>Second page</p>")]  # one browser for both
        elapsed = time.monotonic() - started
    finally:
        render.close()
    assert texts == [
        "Otters return - The Courier\nOtters return\n\nOtters have been seen again.\n\nOne\nTwo",
        "\nSecond page",  # no <title>: an empty first line
    ]
    assert elapsed < 30  # neither page waited on its blocked requests (~3 s with the browser's start)
