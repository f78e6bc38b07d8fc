"""Issue #11: a real headline that opens like page furniture ("Newsletter subscribers fall ...", "Sign up
rates ...", "Subscribe now or ...", "Follow us into ...") is the article's title in every input a user
gives (raw HTML, w3m-, inscriptis- and BeautifulSoup-like text), while a call to action ("Sign up for
our newsletter") stays furniture. Pages written for these tests."""

from __future__ import annotations

import pytest

from service.parse import parse_page
from service.parse.lexicon import _FURNITURE_REASON

HEADLINES = [
    "Newsletter subscribers fall as readers drift away",
    "Sign up rates for winter flu jabs fall in rural districts",
    "Subscribe now or lose access, publisher tells readers",
    "Follow us into the forest: a day with the rangers",
]
# Each article repeats its headline's longer words, as articles do.
_ARTICLES = {
    HEADLINES[0]: [
        "Subscribers to the council's weekly newsletter fell by a third this year, according to figures "
        "published on Tuesday by the communications office.",
        "Officials said readers were drifting away to social media and that the printed edition would be "
        "reviewed, while the emailed newsletter would continue for at least another year.",
        "About two hundred residents had written to the council asking for the newsletter to be kept, "
        "among them several teachers who sign up their classes for it every week.",
    ],
    HEADLINES[1]: [
        "Sign up rates for the winter flu jab have fallen in the rural districts of the county, the health "
        "board said on Monday, with fewer than half of those eligible booked so far.",
        "Nurses said the closure of two village surgeries meant a longer trip for older patients, and that "
        "many had not heard that the jabs were free this winter.",
        "The board will send a mobile clinic to the districts next month and asked pharmacies to offer the "
        "jab without an appointment.",
    ],
    HEADLINES[2]: [
        "The publisher told readers on Friday that they must subscribe now or lose access to the archive, "
        "ending a decade in which every article was free to read.",
        "Readers who subscribe before the end of the month will pay half price for a year, the publisher "
        "said, and libraries will keep their access at no cost.",
        "Several readers said they would cancel, while others welcomed a plan they hoped would pay for more "
        "local reporting.",
    ],
    HEADLINES[3]: [
        "The rangers walk the forest every morning before dawn, checking the traps the survey team set "
        "along the northern trail the evening before.",
        "We followed them for a day, from the first coffee in the hut to the last count of the deer that "
        "graze in the clearing by the river.",
        "The forest has grown by a fifth since the rangers began their work, and the deer have come back "
        "with it, they said.",
    ],
}
_SITE = "The Valley Courier"
_MENU = ["Home", "News", "Sport", "Weather"]
_CALL = "Sign up for our newsletter"
_FOOTER = "Copyright 2026 The Valley Courier"
_GAP = ["", "", ""]  # get_text's blank lines where the source indented a block


def _html(headline: str, tag: str = "h1") -> str:
    paras = "".join(f"<p>{p}</p>" for p in _ARTICLES[headline])
    site = f"<h1>{_SITE}</h1>" if tag != "h1" else f'<div class="logo">{_SITE}</div>'
    menu = "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in _MENU)
    return (
        f"<html><head><title>{headline} - {_SITE}</title></head><body>{site}<ul>{menu}</ul>"
        f'<article><{tag} class="headline">{headline}</{tag}>'
        f'<p class="byline">By Ann Reyes</p>{paras}</article>'
        f'<div class="promo"><p>{_CALL}</p></div><footer><p>{_FOOTER}</p></footer></body></html>'
    )


def _w3m(headline: str) -> str:
    lines = [_SITE, "", *(f"  • {m}" for m in _MENU), "", headline, "", "By Ann Reyes", ""]
    for p in _ARTICLES[headline]:
        lines += [p, ""]
    return "\n".join([*lines, _CALL, "", _FOOTER, ""])


def _inscriptis(headline: str) -> str:
    lines = [_SITE, *(f"  * {m}" for m in _MENU), "", headline, "By Ann Reyes", ""]
    for p in _ARTICLES[headline]:
        lines += [p, ""]
    return "\n".join([*lines, _CALL, _FOOTER])


def _soup(headline: str) -> str:
    """BeautifulSoup's get_text("\\n"): the document <title> first, each paragraph split at a link."""
    lines = [f"{headline} - {_SITE}", *_GAP]
    for m in _MENU:
        lines += [m, *_GAP]
    lines += [headline, *_GAP, "By ", "Ann Reyes", *_GAP]
    for p in _ARTICLES[headline]:
        first, rest = p.split(" ", 1)
        lines += [f"{first} ", rest.split(" ", 1)[0], f" {rest.split(' ', 1)[1]}", *_GAP]
    return "\n".join([*lines, _CALL, *_GAP, _FOOTER])


RENDERINGS = {
    "html": lambda h: (_html(h), "html"),
    "html-h2": lambda h: (_html(h, "h2"), "html"),
    "w3m": lambda h: (_w3m(h), "text"),
    "inscriptis": lambda h: (_inscriptis(h), "text"),
    "bs4": lambda h: (_soup(h), "text"),
}
_FURNITURE_REASONS = set(_FURNITURE_REASON.values())


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("rendering", sorted(RENDERINGS))
@pytest.mark.parametrize("headline", HEADLINES)
def test_a_headline_that_opens_like_furniture_is_the_title(headline: str, rendering: str) -> None:
    data, fmt = RENDERINGS[rendering](headline)
    art = parse_page(data, fmt=fmt)
    assert art.title == headline
    assert all(_words(p) in _words(art.body) for p in _ARTICLES[headline])
    # the call to action under the article is still furniture, with the reason the table gives it
    assert [d.reason for d in art.dropped if d.text == _CALL] == ["newsletter and subscription"]


@pytest.mark.parametrize("rendering", ["w3m", "inscriptis"])
def test_a_call_to_action_above_the_article_stays_furniture(rendering: str) -> None:
    """ "Sign up for our newsletter" over an article about a newsletter (the article repeats its words):
    a whole short call to action is no headline; the real one below it is the title."""
    headline = HEADLINES[0]
    data, _ = RENDERINGS[rendering](headline)
    data = data.replace(_SITE, f"{_SITE}\n\n{_CALL}\n", 1)
    art = parse_page(data, fmt="text")
    assert art.title == headline
    assert [d.reason for d in art.dropped if d.text == _CALL] == ["newsletter and subscription"] * 2


def test_a_long_offer_above_the_article_is_no_headline() -> None:
    """A subscription offer as long as a headline, that the article does not echo, stays furniture."""
    offer = "Subscribe Today! All Access Digital offer for just 99 cents!"
    headline = HEADLINES[3]
    art = parse_page(_w3m(headline).replace(_SITE, f"{_SITE}\n\n{offer}\n", 1), fmt="text")
    assert art.title == headline
    assert [d.reason for d in art.dropped if d.text == offer] == ["newsletter and subscription"]


def test_a_call_to_action_is_no_title_when_the_page_has_no_headline() -> None:
    """No headline-like line but the call to action above the prose, which the article echoes ("sign
    up", "newsletter"): no title rather than the call."""
    paras = _ARTICLES[HEADLINES[0]]
    data = "\n\n".join([_SITE, _CALL, *paras, _FOOTER]) + "\n"
    art = parse_page(data, fmt="text")
    assert art.title != _CALL
    assert [d.reason for d in art.dropped if d.text == _CALL] == ["newsletter and subscription"]


def test_a_dump_whose_first_line_repeats_the_headline_names_it() -> None:
    """A scraper that writes the page's <title> first: the headline it repeats is the title, even a
    short one the call-to-action rule would keep as furniture otherwise."""
    short = "Newsletter readers drift away"
    paras = _ARTICLES[HEADLINES[0]]
    data = "\n\n".join([f"{short} | {_SITE}", _SITE, *_MENU, short, "By Ann Reyes", *paras, _CALL]) + "\n"
    art = parse_page(data, fmt="text")
    assert art.title == short
    assert [d.reason for d in art.dropped if d.text == _CALL] == ["newsletter and subscription"]


def test_a_furniture_headline_that_is_not_the_title_stays_furniture() -> None:
    """A line that opens like furniture, echoed by the article but not its headline (a teaser in a box
    under it), keeps its furniture reason: only the title is taken back."""
    headline = HEADLINES[1]
    teaser = "Newsletter: rural districts lag on winter flu jab rates"
    data = _w3m(headline).replace(_CALL, f"{teaser}\n\n{_CALL}", 1)
    art = parse_page(data, fmt="text")
    assert art.title == headline
    assert [d.reason for d in art.dropped if d.text == teaser] == ["newsletter and subscription"]
