"""Nothing is lost: every non-blank input line ends in exactly one place (title, body, a comment's
header or text, or dropped with a reason), checked on generated pages with hypothesis."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.dates import to_iso
from service.parse import parse_with_roles

WORDS = st.sampled_from(
    [
        "the",
        "a",
        "minister",
        "said",
        "on",
        "Tuesday",
        "that",
        "talks",
        "would",
        "continue",
        "reply",
        "share",
        "Comments",
        "3",
        "says:",
        "Posted",
        "by",
        "Thumb",
        "Leave",
        "a",
        "Reply",
        "17",
        "May",
        "2017,",
        "15:17",
        "August",
        "3,",
        "2019",
        "at",
        "4:11",
        "am",
        "il",
        "y",
        "a",
        "3",
        "heures",
        "5",
        "hours",
        "ago",
        "—",
        "·",
        "|",
        "Jean",
        "Müller",
        "Zoë",
        "François",
        "0:00",
        "please",
        "wait",
        "Before",
        "You",
        "Go",
        "Report",
        "this",
        "comment",
        "12",
        "comments",
        "[avatar]",
        "1.",
    ]
)
LINE = st.lists(WORDS, min_size=1, max_size=14).map(" ".join)
HEADER = st.builds(
    lambda name, day, hour: f"{name} {day} May 2017, {hour:02d}:15",
    st.sampled_from(["ashtah", "Jean Dupont", "Thumb justin", "BY KEV", "Posted by: Walters on"]),
    st.integers(1, 28),
    st.integers(0, 23),
)
IMAGE = "![](https://example.com/avatar.png)"
BLOCK = st.one_of(
    LINE, HEADER, st.just(""), st.just("Comments 4"), st.just("Reply"), st.just("   "), st.just(IMAGE)
)
PAGE = st.lists(BLOCK, min_size=1, max_size=60).map("\n".join)
PLACES = {"title", "body", "header", "text"}


def _check_accounting(page: str, fmt: str = "text") -> None:
    article, inputs, roles = parse_with_roles(page, fmt=fmt)  # type: ignore[arg-type]
    # Every non-blank input line is covered, in order, by its pieces and nothing else.
    by_src: dict[int, list[str]] = {}
    for src, text, place in roles:
        assert place, (src, text)
        by_src.setdefault(src, []).append(text)
    assert sorted(by_src) == [i for i, _ in inputs]
    for i, text in inputs:
        # Pieces of one line (table columns, a glued footer) rebuild it, whitespace aside.
        assert " ".join(by_src[i]).split() == text.split()
    # ... and each piece is in exactly the place its role names.
    body = [t for _, t, p in roles if p == "body"]
    assert article.body == "\n".join(body)
    assert [(d.text, d.reason) for d in article.dropped] == [(t, p) for _, t, p in roles if p not in PLACES]
    assert sum(1 for _, _, p in roles if p == "title") == (1 if article.title is not None else 0)
    texts = "\n".join(c.text for c in article.comments)
    for _, t, p in roles:
        if p == "text":
            # Leading bullets/placeholders and a glued trailing "Report"/"Reply" are presentation.
            tail = re.sub(r"(?:Report|Reply|Antworten|Répondre)$", "", t).strip()[-15:]
            assert tail in texts, t
    if article.comments:
        assert any(p == "header" for _, _, p in roles)
    else:
        assert not any(p in {"header", "text"} for _, _, p in roles)
    _check_title_outside_comments(article, roles)


def _check_title_outside_comments(article, roles) -> None:  # type: ignore[no-untyped-def]
    """No line is both the title and a comment's: the title's words stand in the comments (as an
    author or a line of text) no more often than the pieces placed in a comment hold them."""
    if article.title is None:
        return
    key = article.title.split()
    held = sum(
        part.split() == key for c in article.comments for part in (c.author or "", *c.text.split("\n"))
    )
    placed = sum(p in {"header", "text"} and " ".join(key) in " ".join(t.split()) for _, t, p in roles)
    assert held <= placed, (article.title, held, placed)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAGE)
def test_every_line_of_a_text_page_is_accounted_for(page):
    if page.replace(IMAGE, "").strip():  # (a page of images alone has no text: an input error)
        _check_accounting(page)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(["p", "div", "li", "h1", "nav", "span"]), LINE), min_size=1, max_size=30
    )
)
def test_every_line_of_an_html_page_is_accounted_for(blocks):
    html = "<html><body>" + "".join(f"<{tag}>{text}</{tag}>" for tag, text in blocks) + "</body></html>"
    _check_accounting(html, fmt="html")


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 28), st.integers(1, 12), st.integers(1990, 2030), st.integers(0, 23), st.integers(0, 59)
)
def test_dates_round_trip_to_iso(day, month, year, hour, minute):
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]  # fmt: skip
    iso = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00"
    assert to_iso(f"{day} {months[month - 1]} {year}, {hour:02d}:{minute:02d}") == iso
    assert to_iso(f"{months[month - 1]} {day}, {year} at {hour:02d}:{minute:02d}") == iso
    assert to_iso(f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}") == iso


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["you", "idiot", "> quoted line", "kai wrote:", "ok.", "", "  ", "\n"]), max_size=12
    ),
    st.integers(0, 3),
)
def test_a_comments_own_words_map_back_onto_its_text(pieces, lead):
    """quoted_comments' offsets are on the text as sent, and own_offsets puts each character of the own
    words (what is scored, and what spans are found in) at its place in that text."""
    from service.parse.quotes import quoted_comments

    text = " " * lead + "\n".join(pieces) + "\nthe reply's own words"
    [comment] = quoted_comments([text], [None])
    own, where = comment.own_text, comment.own_offsets()
    assert len(where) == len(own) + 1 and where == sorted(where)
    for i, char in enumerate(own):
        assert text[where[i]] == char or (char == "\n" and where[i] < len(text)), (i, char)
    for q in comment.quotes:
        assert all(not q.start <= w < q.end for w, c in zip(where[:-1], own, strict=True) if c != "\n")


_QUOTE_PIECES = ["you", "idiot", "> quoted line", "kai wrote:", "Kai said:", "Zitat von kai", "ok.", "", "  "]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(_QUOTE_PIECES), max_size=6),
            st.sampled_from([" ", "\n", "\n\n", "\r"]),
            st.sampled_from([None, "kai", "Kai", "bo"]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_one_line_comments_skip_the_layout_and_find_what_it_would(thread):
    """quoted_comments reads no layout for a one-line comment (a quote there would be the whole
    comment, which find_quotes refuses): the thread comes out as reading every layout gives it."""
    from core.records import Comment
    from service.parse.quotes import mark_quotes, plain_paragraphs, quoted_comments

    texts = [sep.join(pieces) + " the reply's own words" for pieces, sep, _ in thread]
    authors = [author for _, _, author in thread]
    stripped = [t.strip() for t in texts]
    slow = mark_quotes(
        [Comment(t, author=a) for t, a in zip(stripped, authors, strict=True)],
        [plain_paragraphs(t) for t in stripped],
    )
    fast = quoted_comments(texts, authors)
    for text, s, f in zip(texts, slow, fast, strict=True):
        lead = len(text) - len(text.lstrip())
        assert [(q.start - lead, q.end - lead, q.author) for q in f.quotes] == [
            (q.start, q.end, q.author) for q in s.quotes
        ]
        assert f.text == text and f.author == s.author


def test_a_line_a_comment_holds_is_not_also_the_title():
    # The title was picked before the comments were found and kept even when a comment took its line.
    one_line_texts = (
        "2 comments\nMarie July 23, 2012 at 10:28 pm\n    Nook Nook :) I am hooked\n"
        "Cristina July 22, 2012 at 9:28 pm\n    Lindas capas!\n"
    )
    rows = [
        ("Anonymous", "The real story is the campaign knowing where to allocate resources and the other "
         "campaign apparently being confused. That is far more important than what some blogger predicted."),
        ("Anonymous", "Well, that probably is not the real story, but it is some of the story. They had pros "
         "running the campaign, whether they were outmaneuvered or not, and a pot full of money."),
        ("http://www.facebook.com/robert.k Robert K", "The real story in this context. And the reference "
         "comes straight from the segment about the report. But diving into semantics is a way to avoid it."),
    ]  # fmt: skip
    head = (
        "We have made it easy to comment on posts, however we require civility and encourage full names "
        "to that end. Please read our guidelines here before commenting."
    )
    listed = "    " + head + "\n" + "".join(f"        * {n}\n            {t}\n" for n, t in rows)
    for page in (one_line_texts, listed):
        article, _, roles = parse_with_roles(page)
        assert article.comments
        _check_title_outside_comments(article, roles)


def test_split_pieces_keep_the_bullet_before_a_stamp():
    # "* STAMP Text" under a name is cut in two; the cut was made on the text without its bullet.
    stamps = "".join(
        f"{name}\n* {ago} hours ago {text}\n"
        for name, ago, text in (
            ("Ann Lee", 2, "This is a great article about cities."),
            ("Bob Ray", 3, "I disagree with most of the points made here."),
        )
    )
    counter = "Continue Discussion\n* 9 replies 12 Mar\nThe first post of the thread, with some words.\n"
    for page in (stamps, counter):
        _check_accounting(page)
        assert any(t.startswith("* ") and p for _, t, p in parse_with_roles(page)[2])


def test_an_image_only_markdown_line_is_dropped_as_an_image():
    # The line read as blank and was in no place at all: neither the inputs nor the dropped lines.
    page = (
        "Otters return to the river\n\nVolunteers counted nine otters by the end of the summer, the first "
        f"since the river was cleaned up in 2012.\n\n{IMAGE}\n\nThe count will be repeated next spring.\n"
    )
    article, inputs, _ = parse_with_roles(page)
    assert [(d.text, d.reason) for d in article.dropped] == [(IMAGE, "image")]
    assert [t for _, t in inputs] == [line for line in page.split("\n") if line]
    _check_accounting(page)


def test_marks_that_show_nothing_do_not_change_how_a_header_reads():
    # An RLM before one header made "\u200f3." its author and the page one comment instead of three.
    rows = [
        (1, "Patricia", "Absolutely lovely, hope your head is feeling better."),
        (2, "Yrina", "You both are the cutest thing ever, I love your blog!"),
        (3, "Suchitra", "ha! you are back to normal, sweet Arsch\u200bloch photos of the hubby!"),
    ]
    base = "Comments (3)\n" + "".join(
        f" {k}. 24. Jul, 2012 / {name} says:\n    {text}\n    [Reply]\n" for k, name, text in rows
    )
    want = parse_with_roles(base)[0].comments
    assert [c.author for c in want] == ["Patricia", "Yrina", "Suchitra"]
    for mark in ("\u200b", "\u200e", "\u200f", "\u2060", "\ufeff"):
        page = base.replace(" 3. 24. Jul", f" {mark}3. 24. Jul").replace(
            "Suchitra says:", f"Suchitra says:{mark}"
        )
        _check_accounting(page)
        assert parse_with_roles(page)[0].comments == want, repr(mark)  # the word's own mark stays
