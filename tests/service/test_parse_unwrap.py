"""Markdown dumps hard-wrapped at a fixed width (service.parse.unwrap). tests/service/platforms/herons.html
is written for this repository; herons.html2text.txt is html2text 2025.4.15's `html2text.html2text(html)`
of it (default options: markdown wrapped at 78 columns), kept as it came out."""

from __future__ import annotations

from pathlib import Path

import pytest

import service.parse
from service.parse import parse_file
from service.parse.unwrap import unwrap, wrap_width

PLATFORMS = Path(__file__).resolve().parent / "platforms"
HEADLINE = "Herons nest again on Mill Island after twenty years away from the valley"


def test_an_html2text_dump_reads_as_its_page() -> None:
    art = parse_file(PLATFORMS / "herons.html2text.txt")
    # The headline's link was cut across two lines: read whole, it is the title.
    assert art.title == HEADLINE
    body = art.body.splitlines()
    assert body[0] == "by Ana Ruiz on April 12, 2012"
    # Each wrapped paragraph is one line; links cut across lines read as their text.
    assert body[1].startswith(
        "Grey herons are nesting again on Mill Island, twenty years after the last pair left"
    )
    assert "at the north end of the island, and the officers expect" in body[1]
    assert "and the council cleaned up the old weir pond that had been choked" in body[2]
    # html2text's hard break (<br>: two trailing spaces) still ends a line.
    assert body[3].endswith("while the birds are sitting.")
    assert body[4] == "The officers will publish their counts every month on the county's website."
    assert "http" not in art.body and "](" not in art.body
    assert [c.author for c in art.comments] == ["Marta Quinn", "Tom Hale"]
    assert art.comments[0].text.startswith("I walked past the alders on Sunday morning and counted at least")
    assert art.comments[0].text.endswith("Wonderful news for the whole valley.")


def test_without_the_reading_urls_stay_and_the_headline_is_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service.parse, "wrap_width", lambda text, lines: None)
    art = parse_file(PLATFORMS / "herons.html2text.txt")
    assert art.title != HEADLINE
    assert "http" in art.body


def test_the_html_page_and_its_dump_give_the_same_comments() -> None:
    html = parse_file(PLATFORMS / "herons.html")
    text = parse_file(PLATFORMS / "herons.html2text.txt")
    assert [(c.author, c.posted_raw, c.text) for c in html.comments] == [
        (c.author, c.posted_raw, c.text) for c in text.comments
    ]


def test_the_wrap_width_is_found_only_in_a_markdown_dump() -> None:
    # A browser dump wrapped at 78 columns but holding no markdown link is left alone.
    plain = ["word " * 15 + "wordy", "next line of the same paragraph", ""] * 6
    assert wrap_width("\n".join(plain), plain) is None
    marked = ["[a](/a) " + "word " * 13 + "wordy", "continuing the paragraph here", ""] * 6
    assert wrap_width("\n".join(marked), marked) == len(marked[0])
    # Too narrow for a dump's width (lines broken where the HTML broke them).
    short = ["[a](/a) word word", "continuing the paragraph here", ""] * 6
    assert wrap_width("\n".join(short), short) is None


def test_unwrap_joins_only_what_the_width_broke() -> None:
    lines = [
        "Friday last week saw Lance Armstrong release a statement that effectively",
        "ended his fight, as [Frankie Andreu pointed out with his",
        "reaction](http://www.cyclingnews.com/news/frankie-andreu-responds-to-",
        "armstrongs-ban), saying it sounded like a broken record.",
        "",
        "A line that ends with a hard break in html2text's markdown, two spaces:  ",
        "stays apart from the next line.",
        "A short line.",
        "  * a list item that is long enough to have reached the wrap width here",
        "  * next",
    ]
    out = unwrap(lines, 78)
    assert out[0] == (
        "Friday last week saw Lance Armstrong release a statement that effectively ended his fight, "
        "as [Frankie Andreu pointed out with his reaction](http://www.cyclingnews.com/news/"
        "frankie-andreu-responds-to-armstrongs-ban), saying it sounded like a broken record."
    )
    assert out[1:] == lines[4:]


def test_a_link_target_cut_past_the_width_is_joined_to_its_end() -> None:
    lines = [
        "[older entry >>](http://example.com/2012/10/25/pasta-with-a-name-longer-than-the-width-",
        "recipe.html) and more",
        "[Reserve now](http://example.com/?utm_source=Example.com&utm_medium=banner&utm_content=top",
        '"Must Have")!',
        "a [b](/c) line",
        "next (x)",
    ]
    assert unwrap(lines, 78) == [
        "[older entry >>](http://example.com/2012/10/25/pasta-with-a-name-longer-than-the-width-recipe.html)"
        " and more",
        "[Reserve now](http://example.com/?utm_source=Example.com&utm_medium=banner&utm_content=top"
        ' "Must Have")!',
        "a [b](/c) line",
        "next (x)",
    ]
