"""Comment counters (service/parse/counters.py) and the phrases the missed-comments warnings read:
each fact is written once and read the same by every stage that needs it."""

from __future__ import annotations

import pytest

from service.parse import parse_page
from service.parse.counters import comment_counter, counter_lines, states_count
from service.parse.lexicon import EMPTY_THREAD_NOTICE, ZERO_COMMENTS
from service.parse.lines import _classify_one, _Line

_ARTICLE = " ".join(
    ["We walked the old coast path from the harbour to the lighthouse, stopping for tea halfway."] * 4
)


def _line(text: str) -> _Line:
    return _classify_one(text, 0, None, True, 0)


@pytest.mark.parametrize(
    ("text", "states", "counter"),
    [
        ("6 Comments", True, True),
        ("Comments (14)", True, True),
        ("No comments", True, True),
        ("Comments Off", False, True),  # no number stated, but a front page's teaser counter all the same
        ("3 replies", True, False),  # a comment's own reply button, not a thread's count
        ("Responses (0)", True, False),
        ("Comments", False, False),
        ("No comments were made on the harbour plan last year", False, False),  # prose, not a counter
    ],
)
def test_a_counter_line_is_a_stated_count_or_a_short_zero_notice(
    text: str, states: bool, counter: bool
) -> None:
    ln = _line(text)
    assert states_count(ln) is states
    assert comment_counter(ln) is counter


def test_counter_lines_lists_the_counters_in_page_order() -> None:
    lines = [_line(t) for t in ("Tea on the cliffs", "5 Comments", "2 replies", "Comments Off", "About us")]
    assert counter_lines(lines) == [1, 3]


@pytest.mark.parametrize(
    "zero", ["No comments", "0 comments", "Zero comments", "Comments off", "Comments closed"]
)
def test_a_zero_count_is_a_teaser_counter_and_an_empty_threads_notice(zero: str) -> None:
    """One phrase list: the header search's teaser counters and the empty thread under a heading."""
    assert ZERO_COMMENTS.fullmatch(zero)
    assert EMPTY_THREAD_NOTICE.fullmatch(zero)
    assert EMPTY_THREAD_NOTICE.fullmatch(f"There are {zero.lower()} on this post.")
    page = (
        "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + f"\n\nComments\n\n{zero}\n\nAbout us\n"
    )
    art = parse_page(page, fmt="text")
    assert art.comments == ()
    assert not [w for w in art.warnings if "heading" in w], art.warnings


def test_a_comments_heading_over_a_script_notice_still_warns() -> None:
    # The counterpart: a heading over the script's notice where the thread loads, and no comment read.
    page = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3)
    page += "\n\nComments\n\nPlease enable JavaScript to view the comments.\n\nAbout us\n"
    art = parse_page(page, fmt="text")
    assert [w for w in art.warnings if "comment section heading ('Comments')" in w], art.warnings
