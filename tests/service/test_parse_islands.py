"""A small stretch of text body cut off from the article by a long run of lines that are not the article
(a bio, a sidebar's blurb under a related-posts box) is an island: dropped, whatever its words."""

from __future__ import annotations

import pytest

from service.parse.lines import _Line
from service.parse.segment import _ISLAND_GAP, _ISLAND_SHARE, _drop_islands

PROSE = "The council voted to keep the library open for another year after a long debate."


def _page(stretches: list[tuple[str, int]], gap: int) -> tuple[list[_Line], list[str | None]]:
    """Lines and roles: each stretch is (role of its lines, line count), `gap` furniture lines between."""
    lines: list[_Line] = []
    role: list[str | None] = []
    for k, (r, n) in enumerate(stretches):
        if k:
            lines += [_Line("Share this", "Share this", 0, None, True) for _ in range(gap)]
            role += ["share buttons"] * gap
        lines += [_Line(PROSE, PROSE, 0, None, True) for _ in range(n)]
        role += [r] * n
    return lines, role


def test_a_small_stretch_far_below_the_article_is_dropped():
    lines, role = _page([("body", 10), ("body", 2)], _ISLAND_GAP)
    _drop_islands(lines, role, len(lines))
    assert role[:10] == ["body"] * 10
    assert role[-2:] == ["not the article (apart from it)"] * 2
    assert role.count("share buttons") == _ISLAND_GAP  # the furniture keeps its own reason


def test_a_small_stretch_above_the_article_is_dropped_too():
    lines, role = _page([("body", 2), ("body", 10)], _ISLAND_GAP + 5)
    _drop_islands(lines, role, len(lines))
    assert role[:2] == ["not the article (apart from it)"] * 2
    assert role[-10:] == ["body"] * 10


def test_a_shorter_gap_keeps_one_stretch():
    lines, role = _page([("body", 10), ("body", 2)], _ISLAND_GAP - 1)
    before = list(role)
    _drop_islands(lines, role, len(lines))
    assert role == before


@pytest.mark.parametrize("small", [5, 8])  # at least half the largest stretch's words: both article
def test_a_stretch_of_half_the_article_or_more_stays(small):
    assert small >= _ISLAND_SHARE * 10
    lines, role = _page([("body", 10), ("body", small)], _ISLAND_GAP)
    _drop_islands(lines, role, len(lines))
    assert "not the article (apart from it)" not in role


def test_the_stretch_holding_the_title_stays():
    lines, role = _page([("title", 1), ("body", 10)], _ISLAND_GAP)
    _drop_islands(lines, role, len(lines))
    assert role[0] == "title"
    assert "not the article (apart from it)" not in role


def test_the_stretch_holding_the_chosen_headline_stays():
    lines, role = _page([("body", 2), ("body", 10)], _ISLAND_GAP)  # line 1: the headline chosen
    _drop_islands(lines, role, len(lines), (1, None))
    assert "not the article (apart from it)" not in role


def test_lines_past_the_body_end_are_not_looked_at():
    lines, role = _page([("body", 10), ("body", 2)], _ISLAND_GAP)
    _drop_islands(lines, role, len(lines) - 2)
    assert role[-2:] == ["body"] * 2


def test_a_stretch_opening_with_the_headline_repeated_stays():
    lines, role = _page([("body", 2), ("body", 10)], _ISLAND_GAP)
    headline = "Rolling Blackouts Leave Experts Stumped"
    lines[0] = _Line(headline, headline, 0, None, True)
    lines.insert(0, _Line(f"Business | {headline}", f"Business | {headline}", 0, None, True))
    role.insert(0, "page header before the article")
    _drop_islands(lines, role, len(lines), (None, 0))
    assert "not the article (apart from it)" not in role
    lines[0] = _Line("Another story altogether", "Another story altogether", 0, None, True)
    _drop_islands(lines, role, len(lines), (0,))
    assert role[1:3] == ["not the article (apart from it)"] * 2
