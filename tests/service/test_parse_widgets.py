# ruff: noqa: E501  (page fixtures read best one line of the page a line)
"""Comment widgets of more sites, as text dumps and HTML give them (session 40's fresh pages: news
widgets, letters pages, Substack, Medium, Viafoura, the Guardian, Blogger): names beside what the
widget prints, headings and counts, footers and reply lines. Each page here is written for this test
in the layout a helper's fresh page showed."""

from __future__ import annotations

import pytest

from service.parse import parse_page
from tests.service.generic_pages import ARTICLE_EN, names_over_stamps


@pytest.mark.parametrize("gap", [" ", ""])
def test_letter_avatars_before_every_name_are_no_part_of_it(gap: str):
    """A widget that draws each reader's initials as an avatar ("MO", "J") prints them before the
    name, glued in some dumps ("JJean-Michel D."); learned per page, as every name shows one."""
    names = ["Margaret Olufemi", "Jean-Michel D.", "Laura Beaumont", "Claire_Lyon"]
    avatars = ["MO", "J", "LB", "C"]
    heads = [f"{avatar}{gap}{name}" for avatar, name in zip(avatars, names, strict=True)]
    assert [c.author for c in parse_page(names_over_stamps(heads)).comments] == names


def test_one_name_that_opens_with_its_initial_keeps_it():
    names = ["A Ahmed", "Ann Lee", "Bob Roy", "Cy Fox", "JJ Abrams", "BBC News"]
    assert [c.author for c in parse_page(names_over_stamps(names)).comments] == names


@pytest.mark.parametrize(
    "row", ["Masquer les réponses", "Antworten ausblenden", "Ver respuestas", "Hide replies"]
)
def test_a_show_or_hide_replies_link_is_no_name(row: str):
    """Le Figaro's "Masquer les réponses" above a reply's header was read as the start of its name."""
    page = ARTICLE_EN + "Comments (3)\n\n"
    for i, name in enumerate(["Ann Smith", "Bob Jones", "Carl Weir"]):
        page += f"{row}\n" if i else ""
        page += (
            f"{name} il y a {i + 2} heures\n\nMy view number {i} on the library money.\n\nRépondre Signaler\n"
        )
    assert [c.author for c in parse_page(page).comments] == ["Ann Smith", "Bob Jones", "Carl Weir"]


def test_a_count_every_comment_repeats_is_no_heading():
    """ "Total Comments (1465)" in each commenter's profile footer counts that reader's comments, not
    the thread: the first comment above the second profile stays a comment."""
    names = ["Flea Biscuit", "Debbie Does", "Carl Weir", "Dee Fox"]
    page = ARTICLE_EN + "Comments (4) Add A Comment\n\n"
    for i, name in enumerate(names):
        page += f"November 12, 2012 0{i + 1}:17 PM ET\nReport Abuse | QUOTE\n\nMy view number {i} on the money.\n\n"
        page += f"{i + 1}\n\n  • Profile\n  • Contact\n\n{name}\n\nTotal Comments ({1465 + i})\n\n"
    art = parse_page(page, fmt="text")
    # (the profile footer below each text stays in it: this layout is read so today)
    assert [c.text.split("\n")[0] for c in art.comments] == [
        f"My view number {i} on the money." for i in range(4)
    ]


def _substack(fmt: str) -> str:
    """Substack's comments: "NAME [badge] Mar 11", the text, a "Like (N) Reply Share ⋯" row in text
    (buttons in HTML: a row of controls, html.CONTROLS_HINT), under "Discussion about this post"."""
    rows = [("Mara Vellinga", "Paid", "Mar 11"), ("Owen Hartley", "Author", "Mar 11"),
            ("Pete Sorensen", "", "Mar 12"), ("Lena Ortiz", "Paid", "Mar 12")]  # fmt: skip
    if fmt == "text":
        page = ARTICLE_EN + "Discussion about this post\n\nComments Restacks\n"
        for i, (name, badge, stamp) in enumerate(rows):
            page += f"[ava]\n{name} {badge} {stamp}\n\nMy view number {i} on the money.\n\nLike ({9 - i}) Reply Share ⋯\n"
        return page
    items = "".join(
        f'<div class="comment"><div class="meta"><a>{n}</a> <span class="pill">{b}</span> <a>{s}</a></div>'
        f"<p>My view number {i} on the money.</p><button>Like ({9 - i})</button><button>Reply</button></div>"
        for i, (n, b, s) in enumerate(rows)
    )
    body = "".join(f"<p>{p}</p>" for p in ARTICLE_EN.split("\n\n")[1:] if p.strip())
    title = ARTICLE_EN.split("\n", 1)[0]
    return f"<html><body><h1>{title}</h1>{body}<h4>Discussion about this post</h4><div>{items}</div></body></html>"


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_substack_comments_under_their_heading_without_badges(fmt: str):
    # Text: the "⋯" menu after the buttons kept the row from reading as one, so no reply link marked the
    # comments and, with no heading known, none was found; HTML drops the buttons: it needed the heading.
    art = parse_page(_substack(fmt), fmt=fmt)
    assert [c.author for c in art.comments] == [
        "Mara Vellinga",
        "Owen Hartley",
        "Pete Sorensen",
        "Lena Ortiz",
    ]
    assert [c.text for c in art.comments] == [f"My view number {i} on the money." for i in range(4)]


def test_one_badge_word_after_one_name_stays():
    """A company's account "Modern Lighting Concepts Staff" among plain names keeps its last word."""
    names = ["Modern Lighting Concepts Staff", "Ann Lee", "Bob Roy", "Cy Fox"]
    assert [c.author for c in parse_page(names_over_stamps(names)).comments] == names


@pytest.mark.parametrize(
    ("heading", "counter", "declared"),
    [("Conversation (3)", "", 3), ("Conversation", "214 Comments | 12 Viewing", 214)],
)
def test_a_conversation_heading_with_its_counter(heading: str, counter: str, declared: int):
    """Viafoura's "Conversation (6)" heading: no thread was found in HTML (no heading known, the stamps
    alone). OpenWeb's "Conversation" over its counter: the count under the heading is the declared one."""
    names = ["Gill Mackintosh", "Pete Lawless", "Martin Elcock"]
    items = "".join(
        f'<div class="vf-comment"><div class="vf-meta"><span>{n}</span> <time>{i + 2} hours ago</time></div>'
        f"<p>My view number {i} on the parking money.</p></div>"
        for i, n in enumerate(names)
    )
    title = ARTICLE_EN.split("\n", 1)[0]
    body = "".join(f"<p>{p}</p>" for p in ARTICLE_EN.split("\n\n")[1:] if p.strip())
    page = f"<html><body><h1>{title}</h1>{body}<section><h3>{heading}</h3>" + (
        f"<div>{counter}</div>" if counter else ""
    )
    art = parse_page(page + f"{items}</section></body></html>", fmt="html")
    assert [c.author for c in art.comments] == names
    assert art.declared_comment_count == declared


def test_a_reply_line_under_an_arrow_names_the_parent():
    page = ARTICLE_EN + "3 comments\n\n"
    for i, (name, to) in enumerate(
        [("Gill Mackintosh", ""), ("Pete Lawless", "Gill Mackintosh"), ("Ann Lee", "")]
    ):
        page += f"{name} {i + 2} hours ago\n" + (f"↪ replying to {to}\n" if to else "")
        page += f"\nMy view number {i} on the parking money.\n\n"
    comments = parse_page(page, fmt="text").comments
    assert [c.text for c in comments] == [f"My view number {i} on the parking money." for i in range(3)]
    assert [c.parent for c in comments] == [None, 0, None]


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_replies_headed_by_in_reply_to_their_parent(fmt: str):
    """The Guardian's threads: "NAME" over the date, a reply's "NAME in reply to ↵ PARENT" over its
    date. Replies were not headers (their name line was no name), so each joined its parent's text."""
    rows = [
        ("MancunianMarge", None), ("oldgitgeoff", "MancunianMarge"), ("Hartlepudlian", None),
        ("Rachel Fennimore", "Hartlepudlian"), ("Hartlepudlian", "Rachel Fennimore"), ("pintofmild", None),
    ]  # fmt: skip
    heads = [f"{n} in reply to ↵ {to}" if to else n for n, to in rows]
    if fmt == "text":
        page = ARTICLE_EN + "comments (6)\n\n"
        for i, head in enumerate(heads):
            page += f"{head}\n12 Mar 2024 0{i}.17\nMy view number {i} on the pub money.\n{40 - i}\nReport\n\n"
    else:
        items = "".join(
            f'<div class="d-comment"><div class="d-comment__meta"><span>{h}</span></div>'
            f'<div class="d-comment__timestamp">12 Mar 2024 0{i}.17</div>'
            f"<p>My view number {i} on the pub money.</p><button>Report</button></div>"
            for i, h in enumerate(heads)
        )
        title = ARTICLE_EN.split("\n", 1)[0]
        body = "".join(f"<p>{p}</p>" for p in ARTICLE_EN.split("\n\n")[1:] if p.strip())
        page = f"<html><body><h1>{title}</h1>{body}<h2>comments (6)</h2><div>{items}</div></body></html>"
    comments = parse_page(page, fmt=fmt).comments
    assert [c.author for c in comments] == [n for n, _ in rows]
    assert [c.text for c in comments] == [f"My view number {i} on the pub money." for i in range(6)]


@pytest.mark.parametrize("glue", [" Reply Delete", " ReplyDelete"])
def test_said_lines_over_footer_stamped_comments_name_them(glue: str):
    """Blogger: "NAME said..." over the text, the date and its buttons under it. The name stayed in the
    text and the comments had no author (or the glued buttons "ReplyDelete" as one)."""
    names = ["Sue in Sheffield", "Jean", "Anonymous"]
    page = ARTICLE_EN + "3 comments:\n\n"
    for i, name in enumerate(names):
        page += (
            f"{name} said...\n\nMy view number {i} on the plot money.\n\n1{i} March 2024 at 21:14{glue}\n\n"
        )
    comments = parse_page(page, fmt="text").comments
    assert [c.author for c in comments] == names
    assert [c.text for c in comments] == [f"My view number {i} on the plot money." for i in range(3)]


@pytest.mark.parametrize("fmt", ["w3m", "inscriptis", "html"])
def test_letters_signed_with_where_the_reader_writes_from(fmt: str):
    """A letters page under "Readers respond": a subject, "NAME, City, Country", the date, the letter.
    The signature was no name line (its commas), so no letter was found and none was warned of."""
    rows = [
        ("Margaret Oyelaran", "Leeds, UK"),
        ("Paul Verhoeven", "Utrecht, Netherlands"),
        ("Ana Beltrán", "Cuenca"),
    ]
    comma = " ," if fmt == "inscriptis" else ","
    if fmt == "html":
        items = "".join(
            f"<article><h4>Subject number {i}</h4><p class=sig>{n}, {p}</p><p class=date>1{i} March 2024</p>"
            f"<p>My letter number {i} on the frog survey money.</p></article>"
            for i, (n, p) in enumerate(rows)
        )
        title = ARTICLE_EN.split("\n", 1)[0]
        body = "".join(f"<p>{p}</p>" for p in ARTICLE_EN.split("\n\n")[1:] if p.strip())
        page = f"<html><body><h1>{title}</h1>{body}<section><h2>Readers respond</h2>{items}</section></body></html>"
    else:
        page = ARTICLE_EN + "Readers respond\n\nWrite to us at letters@example.org.\n\n"
        for i, (n, p) in enumerate(rows):
            page += f"Subject number {i}\n\n{n}{comma} {p}\n\n1{i} March 2024\n\nMy letter number {i} on the frog survey money.\n\n"
    comments = parse_page(page, fmt="html" if fmt == "html" else "text").comments
    assert [c.author for c in comments] == [n for n, _ in rows]
    # (each letter's subject line stays with the letter above: a known limit)
    assert all(f"My letter number {i} on the frog" in c.text for i, c in enumerate(comments))


def test_teasers_after_a_counted_thread_with_a_sentence_each_are_no_comments():
    """Medium: "Responses (3)", three responses, then "More from NAME" teasers whose dates have the
    responses' shape and whose subtitles are sentences: they were read as five more comments."""
    page = ARTICLE_EN + "Responses (3)\n\n"
    for i, name in enumerate(["Priya Sundaram", "Dev Anand", "Hannah Cole"]):
        page += f"{name}\n\nMar {5 + i}, 2024\n\nMy response number {i} on the notebook money.\n\n{80 - i}\nReply\n"
    page += "See all responses\n\nMore from Tobias Wren and The Slow Desk\n\n"
    for i, head in enumerate(
        ["The Case for Boring Tools", "Notes on Notebooks", "What My Design Review Taught Me"]
    ):
        page += f"{head}\n\nWhy I stopped chasing new software number {i}.\n\nFeb {14 - i}, 2024 1.4K\n\n"
    comments = parse_page(page, fmt="text").comments
    assert [c.author for c in comments] == ["Priya Sundaram", "Dev Anand", "Hannah Cole"]


def test_footers_relative_and_absolute_with_their_buttons_are_one_thread():
    """ "há 3 horas · Responder · Denunciar" under recent comments, "12.03.2024 às 14:03 · Responder ·
    Denunciar" under older ones: the buttons after each date kept the two shapes apart, and the
    smaller half's comments were folded into the others' texts."""
    names = ["Rui Carvalho", "Ana Sofia M.", "Joaquim Pires", "Miguel T.", "utente_diario"]
    stamps = ["há 3 horas", "há 2 horas", "12.03.2024 às 14:03", "12.03.2024 às 15:47", "12.03.2024 às 12:20"]
    page = ARTICLE_EN + "Comentários (5)\n\n"
    for i, (name, stamp) in enumerate(zip(names, stamps, strict=True)):
        page += (
            f"{name}\n\nA minha opinião número {i} sobre o dinheiro.\n\n{stamp} · Responder · Denunciar\n\n"
        )
    comments = parse_page(page, fmt="text").comments
    assert [c.posted_raw for c in comments] == stamps
    assert [c.author for c in comments] == names
