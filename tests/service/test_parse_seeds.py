"""The five seed pages: one Naharnet thread of 14 comments, four pages with furniture and no comments."""

from __future__ import annotations

import pytest

from service.parse import parse_file
from tests.conftest import SEEDS_DIR

SEED0 = SEEDS_DIR / "000_c9b04fa1e4a574b0.txt"
SEED0_AUTHORS = [
    "ashtah", "___flamethrower___", "justin", "s.o.s", "ex-fpm", "i.report", "eagledawn",
    "justin", "s.o.s", "marcus", "Kompromat", "gma-bs-artist.", "Maxx", "ex-fpm",
]  # fmt: skip
SEED0_TIMES = [
    "15:17", "16:07", "16:14", "17:34", "19:55", "20:19", "21:31",
    "16:12", "19:25", "20:43", "16:38", "18:38", "19:14", "19:59",
]  # fmt: skip


def test_seed0_has_exactly_14_comments_with_authors_and_times_in_page_order():
    article = parse_file(SEED0)
    assert len(article.comments) == 14
    assert [c.author for c in article.comments] == SEED0_AUTHORS
    assert [c.posted_at for c in article.comments] == [f"2017-05-17T{t}:00" for t in SEED0_TIMES]
    first = article.comments[0]
    assert (first.author, first.posted_at, first.posted_raw) == (
        "ashtah",
        "2017-05-17T15:17:00",
        "17 May 2017, 15:17",
    )
    assert first.text == "so why was the conversation taped?"
    assert article.comments[-1].text.startswith("they did not provide it because thugs")
    assert article.declared_comment_count == 14
    assert article.title == "Putin 'Ready to Provide Recording' of Lavrov-Trump Exchange"


def test_seed0_body_is_clean():
    article = parse_file(SEED0)
    assert "Comments 14" not in article.body
    assert "Thumb" not in article.body
    assert "إقرأ هذا الخبر بالعربية" not in article.body
    assert "so why was the conversation taped?" not in article.body
    assert article.body.startswith("Russian President Vladimir Putin said Wednesday")
    assert article.body.rstrip().endswith('they are dangerous and corrupt," Putin added.')
    reasons = {d.text: d.reason for d in article.dropped}
    assert "Comments 14" in reasons
    assert any("بالعربية" in text for text in reasons)


@pytest.mark.parametrize(
    ("seed", "furniture", "body_start"),
    [
        ("001_e0349fd65322dc56.txt", ["Before You Go", "Popular in the Community", "What's Hot"],
         "Russian Foreign Minister Sergei Lavrov says his mother"),
        ("002_0c5b6b9a8d1b1dbb.txt", [], "Nov. 8, 2017 (EIRNS)"),
        ("003_206143b4c8106e25.txt",
         ["Accessibility links", "please wait", "No media source currently available", "0:00 0:01:37 0:00",
          "16x9 Image"],
         "WATCH: Trump, Putin Hold Extensive First Talks"),
        ("004_1ddb2d368ca63d55.txt",
         ["Recommended For You", "Leave a Reply", "Your email address will not be published",
          "trump and putin"],
         "The American President explained to them"),
    ],
)  # fmt: skip
def test_other_seeds_have_no_comments_and_their_furniture_is_dropped(seed, furniture, body_start):
    article = parse_file(SEEDS_DIR / seed)
    assert article.comments == ()
    dropped = [d.text for d in article.dropped]
    for item in furniture:
        assert item not in article.body
        assert any(d.lstrip("• ").startswith(item) for d in dropped), item
    assert all(d.reason for d in article.dropped)
    assert article.body.startswith(body_start)
    assert len(article.body) > 1000
