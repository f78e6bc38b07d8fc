# ruff: noqa: E501  (a rendering's lines read best whole)
"""Text renderings from markdown-writing scrapers (html2text, markdownify): their link, image, bold and
heading syntax is read as the text a reader sees, so comment headers are found as in a w3m dump."""

from __future__ import annotations

import pytest

from service.parse import parse_page
from service.parse.markdown import only_images, plain


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('[ ](/u/tarochan/ "Comments by tarochan") BY [ TAROCHAN ](/u/tarochan/) AT [01/08/08 05:30 PM](http://x.example/a#c1)',
         "BY TAROCHAN AT 01/08/08 05:30 PM"),
        ("1. ![](https://avatars.example/a.png?s=56) **[Mira Holt](http://mira.example)** says:", "1. Mira Holt says:"),
        ("[quietfox](user?id=quietfox) 3 hours ago | [link](item?id=17)", "quietfox 3 hours ago | link"),
        ("Posted by: [Walters](mailto:w@example.org) on December 29, 2007", "Posted by: Walters on December 29, 2007"),
        ("#### Comment number 108.", "Comment number 108."),
        # w3m's own widgets and literal asterisks are not markdown: left as they are
        ("Business       [              ][Go](*)Our site( )Web", "Business       [              ][Go](*)Our site( )Web"),
        ("[Enter your name...    ](Required)", "[Enter your name...    ](Required)"),
        ("char **argv, char **envp", "char **argv, char **envp"),
        ("***ADVERTISE HERE***", "***ADVERTISE HERE***"),
        ("# # #", "# # #"),
        ("![](https://img.example/spacer.gif)", "![](https://img.example/spacer.gif)"),  # nothing left: kept
    ],
)  # fmt: skip
def test_markdown_syntax_reads_as_its_text(line: str, expected: str) -> None:
    assert plain(line) == expected


@pytest.mark.parametrize(
    ("line", "images"),
    [
        ("[![](/avatar/dlee.png)](/u/dlee)", True),
        ('[![](/a.png "avatar")](/u/x "profile")  ![](/spacer.gif)', True),
        ("![](https://img.example/spacer.gif)", True),
        ("![Lena Park](/avatar/lena.png)", False),  # alt text is text a reader's browser may show
        ("[![](/avatar/dlee.png)](/u/dlee) dlee", False),
        ("[dlee](/u/dlee)", False),
    ],
)
def test_a_line_of_images_without_alt_text_holds_no_text(line: str, images: bool) -> None:
    assert only_images(line) is images


BODY = (
    "The harbour authority approved the dredging plan on Tuesday after a two-year review of the tide "
    "records, and the work will start in spring. Fishermen had asked for the channel to be deepened "
    "since the old sandbar closed the east entrance at low water.\n\n"
    "The plan costs four million and will be paid from the port's reserve, the authority said, with no "
    "increase in mooring fees before 2027.\n\n"
)
HEADERS = [
    ("Ana Ribeiro", "http://ana.example", "March 3, 2024 at 9:15 am"),
    ("tidewatcher", "https://tides.example/me", "March 3, 2024 at 10:02 am"),
    ("Jon K.", "http://jonk.example", "March 4, 2024 at 7:48 pm"),
]
TEXTS = [
    "Finally. The east entrance has been a hazard for years.",
    "Four million seems low for that much dredging; I hope they checked the silt survey.",
    "Will the work close the marina during the summer season?",
]


def markdownify_style() -> str:
    page = (
        "# Harbour dredging approved\n\n[Skip to content](#content)\n\n"
        + BODY
        + "## 3 thoughts on \u201cHarbour dredging approved\u201d\n\n"
    )
    for k, ((name, url, when), text) in enumerate(zip(HEADERS, TEXTS, strict=True), 1):
        page += f"{k}. ![](https://avatars.example/{k}.png?s=56&d=mm) **[{name}]({url})** says:\n\n"
        page += f"   [{when}](https://harbour.example/2024/03/dredging/#comment-{k})\n\n   {text}\n\n"
        page += f"   [Reply](https://harbour.example/2024/03/dredging/?replytocom={k}#respond)\n\n"
    return page


def w3m_style() -> str:
    page = (
        "Harbour dredging approved\n\nSkip to content\n\n"
        + BODY
        + "3 thoughts on \u201cHarbour dredging approved\u201d\n\n"
    )
    for k, ((name, _url, when), text) in enumerate(zip(HEADERS, TEXTS, strict=True), 1):
        page += f" {k}. [avatar] {name} says:\n\n    {when}\n\n    {text}\n\n    Reply\n\n"
    return page


def test_a_markdownify_rendering_gives_the_comments_of_a_w3m_dump() -> None:
    plain_dump, markdown = parse_page(w3m_style(), fmt="text"), parse_page(markdownify_style(), fmt="text")
    assert [(c.author, c.text) for c in plain_dump.comments] == list(
        zip([h[0] for h in HEADERS], TEXTS, strict=True)
    )
    assert [(c.author, c.posted_at, c.text) for c in markdown.comments] == [
        (c.author, c.posted_at, c.text) for c in plain_dump.comments
    ]
    assert markdown.title == "Harbour dredging approved"


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("3\\. Dezember 2026 um 14:05 Uhr", "3. Dezember 2026 um 14:05 Uhr"),
        ("**[dave\\_k](https://example.org/1)** sagt:", "dave_k sagt:"),
        ("a \\*starred\\* word", "a *starred* word"),
        ("C:\\Users\\ann", "C:\\Users\\ann"),  # not markdown punctuation: kept
    ],
)
def test_backslash_escapes_are_undone(line: str, text: str) -> None:
    assert plain(line) == text


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("**Giovanni Battista Rossi** · _3 ore fa_", "Giovanni Battista Rossi · 3 ore fa"),
        ("**Chiara** · _2 dicembre 2024 alle 18:40_", "Chiara · 2 dicembre 2024 alle 18:40"),
        # what a reader typed ("I _bow_", a Slashdot name "_KiTA_"), underscores inside words, doubled, in
        # runs or brackets: kept
        ("I _bow_ at these acts", "I _bow_ at these acts"),
        ("by _KiTA_ (241027) writes:", "by _KiTA_ (241027) writes:"),
        ("Radler_Köln vor 3 Stunden", "Radler_Köln vor 3 Stunden"),
        ("def __init__(self)", "def __init__(self)"),
        ("Name: ____________", "Name: ____________"),
        ("[_thumb_]", "[_thumb_]"),
    ],
)
def test_a_date_in_underscore_emphasis_reads_as_the_date(line: str, text: str) -> None:
    assert plain(line) == text


def test_stamps_in_emphasis_head_an_html2text_thread() -> None:
    # html2text writes <em>3 ore fa</em> as "_3 ore fa_": the underscore glued to the digit hid every
    # stamp, and the Italian thread was read as body text with no warning.
    stamps = ["3 ore fa", "2 ore fa", "2 dicembre 2024 alle 18:40"]
    thread = "".join(
        f"**{name}** · _{when}_\n\n{text}\n\nRispondi | Segnala | Mi piace 3\n\n"
        for (name, _url, _), when, text in zip(HEADERS, stamps, TEXTS, strict=True)
    )
    art = parse_page("# Harbour dredging approved\n\n" + BODY + "## Commenti\n\n" + thread, fmt="text")
    assert [(c.author, c.posted_raw, c.text) for c in art.comments] == list(
        zip([h[0] for h in HEADERS], stamps, TEXTS, strict=True)
    )
