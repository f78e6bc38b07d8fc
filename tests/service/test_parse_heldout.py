"""The held-out pages' scorer (service/parse_heldout.py): what it counts, and that the set is whole."""

from __future__ import annotations

import json

from core.records import Article, Comment
from service.parse_heldout import HELDOUT_DIR, RENDERINGS, figures, score_page

WANT = {
    "title": "Night buses return",
    "body_first": "The city brings back its night buses",
    "body_last": "from the first of May.",
    "comments": [
        {"author": "Ann Lee", "time": "2 hours ago", "text_start": "About time, I work late", "parent": None},
        {"author": "Bob", "time": "1 hour ago", "text_start": "Same here", "parent": 0},
        {"author": "Cy", "time": "5 minutes ago", "text_start": "Which lines", "parent": None},
    ],
    "declared": 3,
}
BODY = "The city brings back its night buses on six lines from the first of May."


def _article(comments: tuple[Comment, ...], warnings: tuple[str, ...] = ()) -> Article:
    return Article("p", "text", "Night Buses Return!", BODY, comments, 3, (), warnings)


def test_a_page_read_right_scores_every_figure() -> None:
    found = (
        Comment("About time, I work late shifts.", "Ann Lee"),
        Comment("Same here!", "bob", parent=0),
        Comment("Which lines?", "Cy"),
    )
    s = score_page(WANT, _article(found))
    assert (s.count_ok, s.matched, s.authors, s.parents, s.invented, s.silent_miss) == (
        True,
        3,
        3,
        3,
        0,
        False,
    )
    assert s.body_first and s.body_last and s.title


def test_misses_inventions_wrong_parents_and_silence_are_counted() -> None:
    found = (
        Comment("Ann Lee\nAbout time, I work late shifts.", "Ann"),  # text starts with the name: missed
        Comment("Same here!", "Bob", parent=1),  # its parent is the next comment, not Ann's
        Comment("Trending: Gold prices hit a record", "Gold prices"),
    )
    s = score_page(WANT, _article(found))
    assert (s.count_ok, s.matched, s.authors, s.parents, s.invented) == (True, 1, 1, 0, 2)
    silent = score_page(WANT, _article(()))
    warned = score_page(WANT, _article((), ("the page declares 3 comment(s) but 0 were found",)))
    assert silent.silent_miss and not warned.silent_miss
    f = figures([s, silent])
    assert f["count_exact"] == 0.5 and f["matched"] == round(1 / 6, 4) and f["silent_misses"] == 1


def test_every_page_is_there_in_its_three_renderings() -> None:
    expected = json.loads((HELDOUT_DIR / "expected.json").read_text(encoding="utf-8"))
    assert len(expected) >= 30
    for page in expected:
        for _, suffix, _ in RENDERINGS:
            assert (HELDOUT_DIR / f"{page}{suffix}").stat().st_size > 0, (page, suffix)


def test_a_reply_opening_with_a_quote_matches_on_its_own_words() -> None:
    """The answer key gives a reply's own words; the quote above them is set apart (`Comment.quotes`)."""
    from core.records import Quote

    quoted = "Ann Lee wrote: About time, I work late shifts.\n"
    found = (
        Comment("About time, I work late shifts.", "Ann Lee"),
        Comment(quoted + "Same here!", "Bob", parent=0, quotes=(Quote(0, len(quoted) - 1, "Ann Lee"),)),
        Comment("Which lines?", "Cy"),
    )
    assert score_page(WANT, _article(found)).matched == 3
    unquoted = (found[0], Comment(quoted + "Same here!", "Bob", parent=0), found[2])
    assert score_page(WANT, _article(unquoted)).matched == 2
