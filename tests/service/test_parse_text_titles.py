"""Session 26: the headline of a text dump (w3m, inscriptis) when no date stands beside it, and lines
shaped like a headline that link elsewhere (pages written for these tests, after the shapes the Dragnet
TRAIN split showed)."""

from __future__ import annotations

from service.parse import parse_page
from tests.helpers import LIBRARY_HEADLINE as _HEADLINE
from tests.helpers import LIBRARY_PARAGRAPHS as _PARAGRAPHS

# A blog's masthead: its name, a tagline longer than the post's headline, a menu (ten items: a title
# chosen close above the post's first line is more often right than that line).
_MASTHEAD = [
    "Valley Notes",
    "Thoughtful Analysis of Everything Happening Around the Valley",
    "\n".join(
        f"• {item}"
        for item in (
            "About",
            "Archives",
            "Contact",
            "Books",
            "Talks",
            "Press",
            "Links",
            "Store",
            "Travel",
            "Photos",
        )
    ),
]


def _page(*blocks: str) -> str:
    return "\n\n".join(blocks) + "\n"


def _body_words(text: str) -> str:
    return " ".join(text.split())


def test_a_dateless_headline_over_the_posts_prose_is_the_title() -> None:
    """The tagline above the menu was the title (the longest headline-like line above the article):
    the post's own headline, right over its prose with no date beside it, was not (Dragnet train R481)."""
    art = parse_page(_page(*_MASTHEAD, _HEADLINE, *_PARAGRAPHS), fmt="text")
    assert art.title == _HEADLINE
    body = _body_words(art.body)
    assert all(p in body for p in _PARAGRAPHS)


def test_a_dateless_headline_over_its_byline_is_the_title() -> None:
    art = parse_page(_page(*_MASTHEAD, _HEADLINE, "Written By: Ann Reyes", *_PARAGRAPHS), fmt="text")
    assert art.title == _HEADLINE


def test_a_sidebar_heading_over_a_list_is_not_the_title() -> None:
    """ "Posts by Topic" heads a list, not the article's prose: the headline above stays the title."""
    sidebar = "Posts by Topic\n\n• Announcements\n• Case studies\n• Tips"
    art = parse_page(_page("Valley Notes", _HEADLINE, sidebar, *_PARAGRAPHS), fmt="text")
    assert art.title == _HEADLINE


def test_a_label_under_the_headline_is_not_the_title() -> None:
    """A shorter headline-like line just under the title ("View Staff Page") is a label, not the
    headline, even with the article's prose right below it."""
    art = parse_page(_page("Valley Notes", _HEADLINE, "View Staff Page", *_PARAGRAPHS), fmt="text")
    assert art.title == _HEADLINE


def test_a_link_to_the_previous_post_is_not_the_title() -> None:
    """TypePad's "« PREVIOUS POST | Main" over the post: a link to another post, never its headline,
    however much longer than the headline it is (Dragnet train R162, R976)."""
    for link in (
        "« Faculty position at the University of Waterloo | Main",
        "Fantasy football: Vick saving his best for last »",
    ):
        art = parse_page(_page("Valley Notes", link, _HEADLINE, *_PARAGRAPHS), fmt="text")
        assert art.title == _HEADLINE


def test_columns_glued_by_spaces_are_not_the_title() -> None:
    glued = "Previous Article        Check Out More Of Our Geekery        Next Article"
    art = parse_page(_page("Valley Notes", glued, _HEADLINE, *_PARAGRAPHS), fmt="text")
    assert art.title == _HEADLINE


# A browser scraper's text (Playwright's `page.title()` over `document.body.innerText`, session 30): the
# document <title> first, then the page with no bullets, indentation or image placeholders.
def _browser_text(first: str) -> str:
    lines = [first, "Valley Notes", "Thoughtful Analysis of Everything Happening Around the Valley"]
    lines += [
        "About",
        "Archives",
        "Contact",
        "Most read this week",
        "Heating bills to rise again in the district",
    ]
    lines += ["", _HEADLINE, "Posted by Ann Reyes", ""]
    lines += [line for p in _PARAGRAPHS for line in (p, "")]
    return "\n".join([*lines, "Share this", "Related posts", "Winter opening hours for the pool"]) + "\n"


def test_a_browser_scrapers_title_line_names_the_headline_it_repeats() -> None:
    """The first line spells the headline and the site's name; the headline under it is the title, as
    HTML takes the <h1> the <title> repeats (without the hint the whole first line was the title)."""
    art = parse_page(_browser_text(f"{_HEADLINE} | Valley Notes"), fmt="text")
    assert art.title == _HEADLINE
    assert all(p in _body_words(art.body) for p in _PARAGRAPHS)
    assert "Valley Notes" not in art.body


def test_only_a_first_line_that_reads_like_a_document_title_is_one() -> None:
    from service.parse import _to_lines
    from service.settings import Limits

    menu = "Valley Notes | About | Archives | Contact | Log In"  # a w3m dump's menu: more than three parts
    cases = [
        (f"{_HEADLINE} | Valley Notes", "title"),
        (f"Valley Notes - {_HEADLINE}", "title"),
        (f"Valley Notes \u00bb {_HEADLINE} - Blog", "title"),
        (menu, None),
        ("Valley Notes", None),  # one part: the site's name over a dump, nothing repeated
        (f"• {_HEADLINE} | Valley Notes", None),  # a bulleted line is a list's
        ("Valley Notes | Winter hours", None),  # no line below repeats a part
    ]
    for first, hint in cases:
        _, lines, _ = _to_lines(_browser_text(first), "<input>", "text", Limits())
        assert (lines[0][0], lines[0][2]) == (first, hint)


def test_looking_for_the_document_title_stays_linear() -> None:
    """The test reads a bounded number of lines, and the words only of lines shorter than the first: on
    a 1 MB first line, 20,000 lines under a title, or a 1 MB line under one, it costs ~1 ms of CPU (the
    bound guards against a near-hang, as in tests/service/test_parse_bad_input.py). Parsing these pages
    costs what it did before, but for the 1 MB line under a title (0.32 -> 0.43 s: the title step reads
    each line's words once, as it does for BeautifulSoup's dumps; docs/parser-log.md, session 30)."""
    import time

    from service.parse.soup import opens_with_document_title

    title = f"{_HEADLINE} | Valley Notes"
    pages = [
        ["word " * 200_000, *_PARAGRAPHS],
        [title, *(f"Line {i} of the archive, - part {i}" for i in range(20_000)), _HEADLINE],
        [title, "x - " * 250_000, _HEADLINE],
    ]
    started = time.process_time()
    assert [opens_with_document_title(lines) for lines in pages] == [False, False, True]
    assert time.process_time() - started < 1
