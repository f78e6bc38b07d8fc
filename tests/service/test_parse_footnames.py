"""Footer-stamped comments whose name opens the block (session 42's fresh pages: an Irish custom CMS, a
Chilean regional paper): NAME / text / "DATE ▲ 61 ▼ 2 Reply". The name line may end in the widget's
buttons and start with a letter avatar; the first block also holds what stands between the heading and
the first name (a sort menu, the house rules, a log-in line, the comment box). Also a name whose stamp
stands under the comment's score (Commento)."""

from __future__ import annotations

import pytest

from service.parse import parse_page
from tests.service.generic_pages import ARTICLE_EN

NAMES = ["Siobhán Kearney", "Declan Furlong", "Ciara N", "Pádraig Ó Súilleabháin"]
TEXTS = [
    "The night bus at 3am is full of hospital staff going home. A good thing.",
    "Grand, now can they get the daytime ones to actually turn up on time?",
    "Same on the 39a. Real-time info said 4 minutes for about 25 minutes.",
    "In fairness the new route has been far better since they fixed the lane.",
]
LEAD_IN = (
    "Most liked | Newest\n\n"
    "This is YOUR comments community. Stay civil, stay constructive, stay on topic.\n\n"
    "Log in to leave a comment, or create an account.\n\n"
)


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split()[:2])


def _page(head: str) -> str:
    page = ARTICLE_EN + f"{len(NAMES)} Comments\n\n" + LEAD_IN
    for i, (name, text) in enumerate(zip(NAMES, TEXTS, strict=True)):
        stamp = f"22 Jan 2025 8:{10 + i}PM ▲ {9 - i} ▼ 2 Reply"
        page += f"{head.format(name=name, av=_initials(name))}\n\n{text}\n\n{stamp}\n\n"
    return page + "Read next:\n\n• Residents' anger as works are delayed again\n"


@pytest.mark.parametrize("head", ["{av} {name} Report", "{name} Report", "{name}"])
def test_names_over_footer_stamped_texts_past_avatars_and_buttons(head: str):
    article = parse_page(_page(head))
    assert [c.author for c in article.comments] == NAMES
    assert [c.text for c in article.comments] == TEXTS
    assert "community" not in " ".join(c.text for c in article.comments)
    assert "Log in to leave" not in article.body


@pytest.mark.parametrize("row", ["Ocultar 2 respuestas", "Ver 3 respuestas", "Voir les 4 réponses"])
def test_a_hide_replies_row_with_its_count_is_chrome(row: str):
    page = ARTICLE_EN + "Comentarios (3)\n\n"
    for i, name in enumerate(["Claudia Riquelme", "Felipe Arce", "Don Hernán"]):
        page += f"{name}\n\nMi opinión número {i} sobre el dinero de la biblioteca municipal.\n\n"
        page += f"hace {5 - i} horas · Responder · Me gusta ({i}) · Denunciar\n\n{row}\n\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == ["Claudia Riquelme", "Felipe Arce", "Don Hernán"]
    assert all(row not in c.text for c in article.comments)


def test_a_score_line_between_the_name_and_its_stamp():
    """Commento: NAME / "4 points" / "2 days ago" / text / "Reply". The score line hid the name above the
    stamp, and no comment was found (the page was warned of, not read)."""
    names = ["Marieke van Dijk", "Joost Hendriks", "Ellen Bakker", "Wouter"]
    page = ARTICLE_EN + "Reacties\n\nUpvotes Newest Oldest\n\n"
    for i, name in enumerate(names):
        points = "1 point" if i == 2 else f"{4 - i} points"
        page += f"{name}\n{points}\n{i + 2} days ago\n\nMy view number {i} on the library money.\n\nReply\n\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == names
    texts = [f"My view number {i} on the library money." for i in range(4)]
    assert [c.text for c in article.comments] == texts


def test_words_the_widget_prints_after_most_names_and_votes_in_the_footer():
    """A Czech discussion: "NAME✓ ověřený uživatel" (a verified reader) over the text, the footer
    "před hodinou · +5 / −12 · Odpovědět · Nahlásit". The badge is learned from the names that carry it;
    the votes ("−3", a minus sign) were taken for the author; "před hodinou" (an hour ago) was no date."""
    rows = [("Tomáš Dvořák", True, "před 2 hodinami"), ("Jana Procházková", True, "před 2 hodinami"),
            ("Martin Veselý", False, "před hodinou"), ("Pavel Horák", True, "před 58 minutami"),
            ("Lenka Kučerová", True, "včera 22:41")]  # fmt: skip
    page = ARTICLE_EN + "Diskuse (41)\n\nŘadit: Nejlépe hodnocené | Nejnovější\n\n"
    for i, (name, verified, stamp) in enumerate(rows):
        badge = "✓ ověřený uživatel" if verified else ""
        page += f"{name}{badge}\n\nMůj názor číslo {i} na peníze pro knihovnu.\n\n"
        page += f"{stamp} · +{30 - i} / −{i + 1} · Odpovědět · Nahlásit\n\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == [name for name, _, _ in rows]
    assert [c.posted_raw for c in article.comments] == [stamp for _, _, stamp in rows]
    assert [c.text for c in article.comments] == [
        f"Můj názor číslo {i} na peníze pro knihovnu." for i in range(5)
    ]


def test_an_avatar_placeholder_over_each_name_stays_out_of_the_text_above():
    """The Facebook plugin in w3m: "[ywA]" (an avatar's data: URI) / NAME / text / "Like · Reply · 142 ·
    2d". The placeholder over the next name was the start of that comment's text."""
    names = ["Rakesh Nair", "Shweta Kulkarni", "Mohammed Irfan", "Lakshmi Venkatesh"]
    page = ARTICLE_EN + "38 comments\n\nSort by [Top   ]\n"
    for i, name in enumerate(names):
        text = f"My view number {i} on the library money."
        page += f"[ywA{'A' * i}]\n{name}\n{text}\nLike · Reply · {40 - i} · 2d\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == names
    assert [c.text for c in article.comments] == [
        f"My view number {i} on the library money." for i in range(4)
    ]
