"""No silent misses (issue #11): comments the parser cannot read still leave a warning saying why. The
pages in tests/service/platforms are written for this repository in the shape w3m gives two layouts:
Commento's thread (a letter avatar, the name, a date alone on its line, no heading) and a news site's
table rows (name and stamp in one cell, the text in the next, relative and absolute stamps)."""

from __future__ import annotations

from pathlib import Path

from service.parse import parse_file, parse_page

PLATFORMS = Path(__file__).resolve().parent / "platforms"


def test_name_lines_over_bare_dates_with_no_comment_found_warn() -> None:
    art = parse_file(PLATFORMS / "commento.w3m.txt")
    assert len(art.comments) < 4  # the layout is not read yet; the miss must be loud
    assert any("name lines with a date alone under them" in w and "'Lena Park'" in w for w in art.warnings)


def test_stamps_outside_every_header_in_a_found_thread_warn() -> None:
    art = parse_file(PLATFORMS / "table_rows.w3m.txt")
    assert len(art.comments) < 6
    warned = [w for w in art.warnings if "3 stamps stand alone in the comment section" in w]
    assert warned and "'há 2 horas'" in warned[0]


def test_one_name_over_bare_dates_is_a_feed_not_a_thread() -> None:
    feed = "\n\n".join(
        f"@HarbourNews\nMay {d}, 2024, 10:5{d} am\nThe river road cycle lane is open from the bridge on."
        for d in range(1, 5)
    )
    page = (
        "Cycle lane opens\n\nA new protected cycle lane along the river road opened to the public "
        "this weekend after eighteen months of construction work and a long public debate.\n\n" + feed
    )
    assert not parse_page(page, fmt="text").warnings


def test_a_thread_whose_stamps_all_head_comments_does_not_warn() -> None:
    art = parse_file(PLATFORMS / "coral.w3m.txt")
    assert art.comments and not art.warnings
