"""bench.parse_scrapers: a page rendered on the fly by a scraper, parsed as text and scored against
the gold as eval-parse scores its renderings. The renderer here is a stand-in (the scrapers' libraries
are not the project's dependencies); the scoring path is the one the real renderers take."""

from __future__ import annotations

import re

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
