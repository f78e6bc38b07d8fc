"""Session 27: links to the previous and next post that a text dump leaves inside the article's body
("« Older post", "Newer post »", "« Previous | Main | Next »") are navigation; lines quoted in
guillemets are not; a title that is site chrome gives way to the headline heading the body (pages
written for these tests, after the shapes the Dragnet TRAIN split showed)."""

from __future__ import annotations

import pytest

from service.parse import Format, parse_page, parse_with_roles
from service.parse.body import _post_link
from tests.helpers import LIBRARY_HEADLINE as _HEADLINE
from tests.helpers import LIBRARY_PARAGRAPHS as _PARAGRAPHS

_REASON = "link to another post"


def _page(*blocks: str) -> str:
    return "\n\n".join(blocks) + "\n"


def _roles(page: str, fmt: Format = "text") -> dict[str, str]:
    _, _, roles = parse_with_roles(page, fmt=fmt)
    return {text: place for _, text, place in roles}


@pytest.mark.parametrize(
    "line",
    [
        "« Council budget approved after a long night",
        "Harbour bridge reopens to traffic »",
        "← Around the league: three teams still unbeaten",
        "Read the rest of this post on the original site →",
        "« Library hours extended | Main | Winter market returns »",
        "‹ Previous post",
    ],
)
def test_links_to_other_posts(line):
    assert _post_link(line)


@pytest.mark.parametrize(
    "line",
    [
        "« Nous sommes prêts », a déclaré la maire devant le conseil municipal.",
        "« C'est une bonne nouvelle pour le quartier »",
        "Harbour bridge reopens to traffic",
        "The council said » nothing « about it",
        "« " + " ".join(["mot"] * 45),  # a long line: a wrapped paragraph, not a link
    ],
)
def test_quotations_and_prose_are_no_links(line):
    assert not _post_link(line)


def test_previous_and_next_links_in_the_body_are_dropped():
    prev_next = "« Council budget approved after a long night\nHarbour bridge reopens to traffic »"
    # ... and a teaser's link between two paragraphs
    page = _page(_HEADLINE, prev_next, *_PARAGRAPHS[:2], "Winter market returns »", *_PARAGRAPHS[2:])
    art = parse_page(page, fmt="text")
    roles = _roles(page)
    assert roles["« Council budget approved after a long night"] == _REASON
    assert roles["Harbour bridge reopens to traffic »"] == _REASON
    assert roles["Winter market returns »"] == _REASON
    assert art.title == _HEADLINE
    assert "Harbour bridge" not in art.body and "Winter market" not in art.body
    assert all(p in " ".join(art.body.split()) for p in _PARAGRAPHS)


def test_a_quotation_wrapped_over_lines_stays():
    """w3m wraps a French quotation: its first line opens with « and holds no »; the paragraph's other
    lines are prose, so the paragraph is the article's."""
    quote = (
        "« Nous avons entendu les habitants et la bibliothèque\n"
        "restera ouverte tout l'hiver », a expliqué la maire mardi soir\n"
        "devant le conseil municipal réuni au complet."
    )
    page = _page(_HEADLINE, _PARAGRAPHS[0], quote, *_PARAGRAPHS[1:])
    roles = _roles(page)
    assert roles["« Nous avons entendu les habitants et la bibliothèque"] == "body"
    assert _REASON not in roles.values()


def test_html_is_left_to_the_main_text_extractor():
    paragraphs = "".join(f"<p>{p}</p>" for p in _PARAGRAPHS)
    html = (
        f"<html><head><title>{_HEADLINE}</title></head><body><h1>{_HEADLINE}</h1>"
        f"<p>Harbour bridge reopens to traffic »</p>{paragraphs}</body></html>"
    )
    assert _REASON not in _roles(html, fmt="html").values()


@pytest.mark.parametrize(
    "line",
    [
        "RSS Feed or, Subscribe via Email",
        "[ ]Keep me logged in",
        "NEW! SIGN IN WITH YOUR SOCIAL PROFILE",
        "Scroll Left Scroll Right",
        "Real Estate » More",
        "Skip to local navigation",
    ],
)
def test_chrome_taken_for_the_title_gives_way_to_the_headline(line):
    """A text dump whose only headline-like line above the article is a log-in, feed or scroller box:
    that line is site chrome, and a short headline heading the body is the title."""
    page = _page(line, "Library stays open", *_PARAGRAPHS)
    art = parse_page(page, fmt="text")
    assert art.title == "Library stays open"
    assert _roles(page)[line] == "site chrome"
    assert line not in art.body


def test_chrome_over_the_prose_is_no_title():
    """No headline-like line heads the body: no title rather than the chrome."""
    page = _page("RSS Feed or, Subscribe via Email", *_PARAGRAPHS)
    art = parse_page(page, fmt="text")
    assert art.title is None
    assert _roles(page)["RSS Feed or, Subscribe via Email"] == "site chrome"
    assert all(p in " ".join(art.body.split()) for p in _PARAGRAPHS)


@pytest.mark.parametrize(
    "headline",
    ["Why readers subscribed to the paper again", "Council signs lease for the old library"],
)
def test_headlines_near_the_chrome_words_stay(headline):
    """Whole words only: "subscribed" and "signs" are no log-in or feed box."""
    page = _page(headline, *_PARAGRAPHS)
    assert parse_page(page, fmt="text").title == headline


_LOGIN_STORY = (
    "A fake login screen fooled thousands of readers this week, the bank said on Tuesday. The screen "
    "copied the bank's own page and asked for passwords.",
    "Thousands of customers typed their details before the fake login screen was taken down, and the "
    "bank has written to every one of them.",
)


@pytest.mark.parametrize(
    ("headline", "story"),
    [
        ("Fake login screen fooled thousands", _LOGIN_STORY),
        (
            "Google closes Reader and RSS fans look elsewhere",
            (
                "Google will close Reader in July, and fans of RSS feeds are looking elsewhere for a "
                "place to read the blogs they follow.",
                "Several small companies say their RSS readers gained thousands of users since Google "
                "made its announcement.",
            ),
        ),
    ],
)
def test_a_headline_about_chrome_words_stays_when_the_article_repeats_it(headline, story):
    """Session 29: a real headline may hold a chrome word ("login", "RSS"); the article repeats
    most of its longer words, which no log-in or feed box's body does, so it stays the title."""
    page = _page(headline, *story)
    assert parse_page(page, fmt="text").title == headline
    assert _roles(page)[headline] == "title"


def test_chrome_whose_words_the_article_lacks_still_goes():
    """The same story under a log-in box: the box's words are not the article's, so it is chrome."""
    page = _page("[ ]Keep me logged in", *_LOGIN_STORY)
    assert _roles(page)["[ ]Keep me logged in"] == "site chrome"
    assert parse_page(page, fmt="text").title != "[ ]Keep me logged in"
