"""The article and thread builders the generic-parser tests share (tests/service/test_parse_generic*.py).
Each page is written for the tests; none comes from a shared site."""

from __future__ import annotations

ARTICLE_EN = (
    "City council approves new budget after long debate\n\n"
    "The city council approved a new budget on Tuesday after a debate that lasted more than six hours and "
    "included dozens of public speakers from across the city.\n\n"
    "Council members said the budget reflects the priorities of residents, including road repairs, "
    "libraries and public safety, while keeping taxes flat for the third year in a row.\n\n"
)
ARTICLE_BODY_EN = ARTICLE_EN.split("\n\n", 1)[1]  # without the headline


def three_comments_with(row: str) -> str:
    page = ARTICLE_EN + "3 Comments\n\n"
    for i, name in enumerate(["Ann Smith", "Bob Jones", "Carl Weir"]):
        page += f"{name}\n{i + 2} hours ago\n\nMy view number {i} on the library money.\n{row}\n\n"
    return page + "Leave a Reply\n"


def names_over_stamps(heads: list[str]) -> str:
    """The article, "Comments (N)", then each head line (a name as the widget prints it) over a stamp
    and one line of text: the page the name-habit tests vary."""
    page = ARTICLE_EN + f"Comments ({len(heads)})\n\n"
    for i, head in enumerate(heads):
        page += f"{head}\n{i + 2} hours ago\nMy view number {i} on the library money.\n\n"
    return page
