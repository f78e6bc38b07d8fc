"""BeautifulSoup's get_text("\\n") (service.parse.soup): inline elements on lines of their own, read
back as one line. tests/service/platforms/otters.html is written for this repository; otters.bs4.txt is
BeautifulSoup 4.15's `BeautifulSoup(html, "lxml").get_text("\\n")` of it, kept as it came out."""

from __future__ import annotations

from pathlib import Path

import pytest

import service.parse
from service.parse import parse_file, parse_page
from service.parse.soup import join_soup, looks_like_soup

PLATFORMS = Path(__file__).resolve().parent / "platforms"
AUTHORS = ["Marta Quinn", "Tom Hale", "Jo Bell"]
STAMPS = ["March 3, 2012 at 9:14 am", "March 3, 2012 at 10:02 am", "March 4, 2012 at 8:40 pm"]


def test_a_beautifulsoup_dump_reads_as_its_page() -> None:
    art = parse_file(PLATFORMS / "otters.bs4.txt")
    assert [c.author for c in art.comments] == AUTHORS
    assert [c.posted_raw for c in art.comments] == STAMPS
    assert art.comments[0].text == "Wonderful news, I saw two of them last week near the old mill, playing."
    # The headline the document <title> repeats, not the site's name above it (also in the <title>).
    assert art.title == "Otters return to the lower river"
    assert "by Ana Ruiz on March 2, 2012" in art.body.splitlines()
    assert "Otters have been seen again along the lower river for the first time" in art.body
    assert "the end of September." in art.body
    assert "Wonderful news" not in art.body
    assert not art.warnings


def test_without_the_reading_the_same_dump_lost_its_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the reading is for: line by line, "Marta Quinn" / " " / "says:" found no comment.
    monkeypatch.setattr(service.parse, "looks_like_soup", lambda text, lines: False)
    art = parse_file(PLATFORMS / "otters.bs4.txt")
    assert not art.comments
    assert art.warnings  # the heading's "3 Responses" still says comments were missed


def test_the_html_page_and_its_dump_give_the_same_comments() -> None:
    html = parse_file(PLATFORMS / "otters.html")
    text = parse_file(PLATFORMS / "otters.bs4.txt")
    assert [(c.author, c.posted_raw, c.text) for c in html.comments] == [
        (c.author, c.posted_raw, c.text) for c in text.comments
    ]
    assert html.title == text.title


def test_inline_splits_are_joined_and_paragraphs_kept_apart() -> None:
    lines = [
        "In his essay ",
        "On Providence",
        ", Seneca says the following:",
        "",
        "by ",
        "John",
        " on ",
        "July 15, 2012",
        "Chris Nahr",
        " ",
        "07.15.12 at 11:59",
        "",
        "The first paragraph ends here.",
        " ",
        "The second paragraph is its own line.",
        "Steps:",
        " 2. a list item keeps its line",
    ]
    assert join_soup(lines) == [
        "In his essay On Providence, Seneca says the following:",
        "",
        "by John on July 15, 2012",
        "Chris Nahr 07.15.12 at 11:59",
        "",
        "The first paragraph ends here.",
        " ",
        "The second paragraph is its own line.",
        "Steps:",
        " 2. a list item keeps its line",
    ]


def _read(text: str) -> bool:
    return looks_like_soup(text, text.split("\n"))


def test_only_a_dump_that_reads_like_beautifulsoup_is_touched() -> None:
    dump = (PLATFORMS / "otters.bs4.txt").read_text(encoding="utf-8")
    assert _read(dump)
    # The same page as a browser draws it: inline elements on their line, one blank between blocks.
    w3m_like = "\n\n".join(
        ln
        for ln in (" ".join(part.split()) for part in "\n".join(join_soup(dump.split("\n"))).split("\n"))
        if ln
    )
    assert not _read(w3m_like)
    # A poem dumped by w3m: <br> after a trailing space, the next line flush left; no runs of blanks.
    poem = "\n".join(
        ["I would love to live like a river flows, ", "carried by the surprise of its own unfolding."] * 5
    )
    assert not _read(poem + "\n\n" + "A paragraph of prose that runs on and on.\n\n" * 30)
    assert not _read("")


def test_the_reading_keeps_every_line_accounted_for() -> None:
    from service.parse import parse_with_roles

    dump = (PLATFORMS / "otters.bs4.txt").read_text(encoding="utf-8")
    article, inputs, roles = parse_with_roles(dump, fmt="text")
    assert sorted({src for src, _, _ in roles}) == [i for i, _ in inputs]
    # every character of the dump, in order, in the lines the segmenter saw, whitespace aside
    assert "".join("".join(text.split()) for _, text in inputs) == "".join(dump.split())
    assert parse_page(dump, fmt="text") == article


def test_the_fixture_is_what_beautifulsoup_writes_and_reads_as_its_page() -> None:
    """The real library (a dev dependency) renders otters.html as the kept dump, and that parses to the
    page's three comments: a BeautifulSoup release that changed its output would show here."""
    from bs4 import BeautifulSoup

    text = BeautifulSoup((PLATFORMS / "otters.html").read_text(encoding="utf-8"), "lxml").get_text("\n")
    assert text == (PLATFORMS / "otters.bs4.txt").read_text(encoding="utf-8")
    assert [c.author for c in parse_page(text, fmt="text").comments] == AUTHORS


def test_a_date_a_source_line_break_put_apart_rejoins_its_line() -> None:
    # "<a>nature</a>\n    - \n<time>" and "<span>By <a>NAME</a></span>\n<span>Nov. 2</span>": get_text
    # puts blank lines between them; on lines of their own, a name over a date read as a comment header.
    lines = [
        "nature",
        "",
        "",
        "             - ",
        "            ",
        "March 2, 2012",
        "",
        "By ",
        "Erika Riggs",
        "",
        "",
        "Nov. 2",
        "",
        "Herons nest by the weir",
        "",
        "|",
        "",
        "Category:",
        "The first paragraph ends here.",
        "",
        "-",
        "",
        "The second paragraph.",
        "Tom Hale",
        "",
        "",
        "Nov. 5",
        "By Jo Bell",
        "",
        "",
        "",
        "March 3, 2012",
    ]
    assert join_soup(lines) == [
        "nature - March 2, 2012",
        "",
        "By Erika Riggs Nov. 2",
        "",
        "Herons nest by the weir",
        "",
        "|",  # a separator before no date stays apart
        "",
        "Category:",
        "The first paragraph ends here.",
        "",
        "-",
        "",
        "The second paragraph.",
        "Tom Hale",  # a name over a date, no byline: a comment header's two lines, kept
        "",
        "",
        "Nov. 5",
        "By Jo Bell",  # three blank lines: the source's indentation between two blocks
        "",
        "",
        "",
        "March 3, 2012",
    ]


_GAP = ["", "", ""]  # get_text's blank lines where the source indented a block


def _soup_head(
    document_title: str, headline: str, sentence: list[str], byline: tuple[str, ...] = ()
) -> list[str]:
    """A BeautifulSoup dump's start: the document <title>, the headline, an optional byline, and four
    paragraphs whose sentence an inline element splits over three lines."""
    return [document_title, *_GAP, headline, *_GAP, *byline, *(sentence + _GAP) * 4]


def test_a_sidebar_byline_and_its_date_read_as_one_line_on_a_page() -> None:
    from service.parse import parse_with_roles

    gap = _GAP
    page = _soup_head(
        "Otters return to the lower river | River News",
        "Otters return to the lower river",
        [
            "Otters have been seen again along the lower river for the first time in years, and the ",
            "trust",
            " says the water is cleaner than it has been since the mill closed.",
        ],
        byline=("by ", "Ana Ruiz", " on ", "March 2, 2012", *gap),
    )
    page += ["Hot Right Now", *gap, "Herons nest by the weir", "", "", "By ", "Erika Riggs", "", "", "Nov. 2"]
    page += gap
    page += ["Recent Posts", *gap, "Salmon counts rise", *gap, "Copyright 2012"]
    _, inputs, _ = parse_with_roles("\n".join(page), fmt="text")
    texts = [text for _, text in inputs]
    assert "By Erika Riggs Nov. 2" in texts
    assert "Nov. 2" not in texts
    assert "by Ana Ruiz on March 2, 2012" in texts


def test_a_line_of_tabs_between_inline_elements_joins_them() -> None:
    # TypePad's "<span>\n\t\tPosted by:\n\t\t<a>NAME</a> |\n\t\t<a>DATE</a>": the source's line break and
    # indentation inside one text node, right under its text; a block's indentation follows a blank.
    lines = [
        "\t\tPosted by:",
        "\t\t",
        "Lulaine",
        " |",
        "\t\t",
        "November 07, 2012 at 10:59 AM",
        "",
        "The first paragraph ends here.",
        "\t\t",
        "",
        "\t\t",
        "The second paragraph.",
    ]
    assert join_soup(lines) == [
        "\t\tPosted by: Lulaine | November 07, 2012 at 10:59 AM",
        "",
        "The first paragraph ends here.",
        "\t\t",
        "",
        "\t\t",
        "The second paragraph.",
    ]


def test_typepad_footers_in_a_dump_name_their_authors() -> None:
    gap = _GAP
    page = _soup_head(
        "Otters return to the lower river - River News",
        "Otters return to the lower river",
        [
            "Otters have been seen again along the lower river for the first time in years, and the ",
            "trust",
            " says the water is cleaner than it has been since the mill closed in the autumn.",
        ],
    )
    page += ["Comments", *gap]
    thread = [
        ("Wonderful news, I saw two of them last week near the old mill.", "Marta Quinn", "09:14 AM"),
        ("Good to hear. The trust has done fine work on the banks this year.", "Tom Hale", "10:02 AM"),
        ("My children will be thrilled, we walk there every Sunday morning.", "Jo Bell", "08:40 PM"),
    ]
    for text, name, time in thread:
        page += [text, *gap, "\t\tPosted by:", "\t\t", name, " |", "\t\t", f"March 3, 2012 at {time}", *gap]
    page += ["Post a comment", *gap, "Copyright 2012"]
    art = parse_page("\n".join(page), fmt="text")
    assert [(c.author, c.posted_raw, c.text) for c in art.comments] == [
        (name, f"March 3, 2012 at {time}", text) for text, name, time in thread
    ]
    assert art.title == "Otters return to the lower river"


def test_a_blogger_header_split_by_a_blank_line_names_its_author() -> None:
    # Blogger's "<dt><a>NAME</a>\nsaid...</dt>": get_text puts "said..." a blank line below the name.
    assert join_soup(["Emily", "", "said...", "", "Just made up a batch."]) == [
        "Emily said...",
        "",
        "Just made up a batch.",
    ]
    gap = _GAP
    page = _soup_head(
        "Lemon cake - Emily's Kitchen",
        "Lemon cake",
        [
            "This lemon cake takes twenty minutes to mix and an hour to bake, and it keeps for a ",
            "week",
            " in a tin if nobody finds it first.",
        ],
    )
    page += ["2 comments:", *gap]
    thread = [
        ("Emily", "Just made up a batch of this, it was delicious!", "October 9, 2012 3:04 PM"),
        ("Tom Hale", "I added poppy seeds to mine and it worked very well.", "October 10, 2012 8:12 AM"),
    ]
    for name, text, stamp in thread:
        page += [name, "", "said...", *gap, text, *gap, stamp, *gap]
    page += ["Post a Comment", *gap, "Older Post"]
    art = parse_page("\n".join(page), fmt="text")
    assert [(c.author, c.posted_raw, c.text) for c in art.comments] == [
        (name, stamp, text) for name, text, stamp in thread
    ]


def test_a_first_line_too_long_for_a_document_title_is_not_one() -> None:
    """The title step compares each line below the document <title> with it: a huge first line (a hostile
    page read as BeautifulSoup's) would cost that per line, and no real <title> is that long."""
    from service.parse import _to_lines
    from service.parse.soup import DOCUMENT_TITLE_CHARS
    from service.settings import Limits

    body = "".join(f"Paragraph {i} of the story\n, and more of it {i}\n\n\n\n" for i in range(40))
    for first, hint in (("Otters return - The Courier", "title"), ("x" * (DOCUMENT_TITLE_CHARS + 1), None)):
        _, lines, _ = _to_lines(first + "\n" + body, "<input>", "text", Limits())
        assert lines[0][0] == first
        assert lines[0][2] == hint
