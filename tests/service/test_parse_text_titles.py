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
