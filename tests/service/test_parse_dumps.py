# ruff: noqa: E501  (inline page fixtures read best one sentence a line)
"""Session 16: text dumps of scrapers the parser was not tuned on (lynx, links, html2text), and comment
widgets' page furniture (pages written for these tests, after the shapes a bug hunt found)."""

from __future__ import annotations

import textwrap

import pytest

from service.parse import parse_page
from service.parse.lines import _classify, _classify_one, _unglue_cues
from tests.helpers import LIBRARY_HEADLINE as _HEADLINE
from tests.helpers import LIBRARY_PARAGRAPHS as _PARAGRAPHS


def _dump(width: int, indent: str) -> str:
    """A browser's text dump: menu, headline, paragraphs hard-wrapped at `width` columns."""
    wrapped = [textwrap.fill(p, width, initial_indent=indent, subsequent_indent=indent) for p in _PARAGRAPHS]
    return "\n\n".join(["The Valley Courier", f"{indent}* Home\n{indent}* News", _HEADLINE, *wrapped]) + "\n"


@pytest.mark.parametrize(("width", "indent"), [(72, ""), (72, "   "), (78, ""), (80, "   ")])
def test_a_hard_wrapped_dump_keeps_its_lead_and_headline(width: int, indent: str) -> None:
    art = parse_page(_dump(width, indent), fmt="text")
    assert art.title == _HEADLINE
    body = " ".join(art.body.split())
    for para in _PARAGRAPHS:
        assert para in body


_ARTICLE = "\n".join(
    [
        "The Valley Courier",
        "",
        _HEADLINE,
        "",
        *(f"{p}\n" for p in _PARAGRAPHS),
    ]
)


@pytest.mark.parametrize(
    "notice",
    [
        "Please enable JavaScript to view the comments powered by Commento.",
        "JavaScript must be enabled to use this widget.",
        "Bitte aktivieren Sie JavaScript, um die Kommentare zu sehen.",
        "Veuillez activer JavaScript pour voir les commentaires.",
    ],
)
def test_a_noscript_notice_is_not_the_article(notice: str) -> None:
    art = parse_page(f"{_ARTICLE}\n{notice}\n\n© 2026 The Valley Courier\n", fmt="text")
    assert notice not in art.body
    assert _PARAGRAPHS[-1] in art.body


_FR_LEAD = """Horaires de la piscine : la mairie recule

La mairie a annoncé lundi que la piscine municipale garderait ses horaires du soir jusqu'à la fin de l'année scolaire, après une pétition signée par plus de mille habitants du quartier.

Les clubs de natation, qui s'entraînent après dix-neuf heures, avaient prévenu qu'ils ne pourraient plus accueillir les enfants si les bassins fermaient plus tôt.

"""


@pytest.mark.parametrize(
    ("time", "unit"), [("9 h 15", " min"), ("21:40", " Uhr"), ("21:40", " h"), ("21:40", " hrs")]
)
def test_a_time_unit_after_the_stamp_is_no_author(time: str, unit: str) -> None:
    names = ["Hélène Vasseur", "nageur_92", "Paul Arnaud"]
    thread = "".join(
        f"{name} dit :\n\n{day} mars 2026 à {time}{unit}\n\nMerci pour cet article, les horaires du soir comptent beaucoup pour nous.\n\nRépondre\n\n"
        for day, name in zip((4, 5, 6), names, strict=True)
    )
    art = parse_page(f"{_FR_LEAD}3 commentaires\n\n{thread}", fmt="text")
    assert [c.author for c in art.comments] == names
    assert all(c.posted_raw.endswith(unit.strip()) for c in art.comments)


def _forum(label: str, names: list[str]) -> str:
    """A forum thread in a text browser: the post bar's screen-reader label glued to its cue."""
    posts = "".join(
        f"   {name}\n          Member\n\nRe: Pool hours\n\n   {label} {name} » Mon Mar 0{k + 2}, 2026 21:{k}5\n"
        f"   We swim there every Tuesday evening with the children and the club.\n   Top\n\n"
        for k, name in enumerate(names)
    )
    return f"{_ARTICLE}\n{posts}"


@pytest.mark.parametrize("label", ["Postby", "Beitragvon", "Messagepar"])
def test_a_label_glued_to_the_post_bars_cue_is_no_name(label: str) -> None:
    names = ["Hélène Vasseur", "swimmer_92", "Paul Arnaud", "Grace Lin"]
    art = parse_page(_forum(label, names), fmt="text")
    assert [c.author for c in art.comments] == names


def test_a_name_that_ends_like_a_cue_stays_whole() -> None:
    # One poster "Shelby" opening each of her stamps: what follows the word repeats too.
    lines = _classify([(f"Shelby » Mon Mar 0{k}, 2026 21:15", 0, None) for k in (2, 3, 4)])
    _unglue_cues(lines)
    assert [ln.core.split()[0] for ln in lines] == ["Shelby"] * 3


_REPLY_CUES = {
    "en": ("In reply to", "Thu, 12/03/2026 - {t}"),
    "de": ("Antwort auf", "Do., 03.12.2026 - {t}"),
    "fr": ("En réponse à", "jeu, 03/12/2026 - {t}"),
    "es": ("En respuesta a", "Jue, 03/12/2026 - {t}"),
}
_THREAD = [  # author, replied-to author, text
    ("Margaret Olsen", None, "The bus route was cut ten years ago and never came back to the valley."),
    ("dave_k", "Margaret Olsen", "It came back in 2019 after the petition, with half of the stops."),
    ("Priya Raman", "dave_k", "Half of the stops is hardly a victory for anyone living out of town."),
    ("Tom Whitfield", "Margaret Olsen", "My daughter starts at seven thirty and cannot get there on time."),
    ("Ruth Ainsley", None, "Thank you for covering this, the other papers have ignored it."),
]


@pytest.mark.parametrize("language", sorted(_REPLY_CUES))
def test_a_reply_line_above_the_text_names_the_parent_and_is_not_text(language: str) -> None:
    # Drupal's "In reply to NAME" as a line of its own, flattened by lynx / html2text (no indentation).
    cue, stamp = _REPLY_CUES[language]
    blocks = []
    for i, (author, to, text) in enumerate(_THREAD):
        reply = [f"{cue} {to}", ""] if to else []
        blocks.append(
            "\n".join([author, "", stamp.format(t=f"1{i}:05"), "", *reply, text, "", "Delete", "Reply"])
        )
    page = _dump(76, "") + "\n2 Comments\n\n" + "\n\n".join(blocks) + "\n"
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == [a for a, _, _ in _THREAD]
    assert [c.text for c in art.comments] == [t for _, _, t in _THREAD]
    assert [c.parent for c in art.comments] == [None, 0, 1, 0, None]


def test_a_reader_opening_with_the_cue_in_a_sentence_keeps_it() -> None:
    blocks = [
        "Margaret Olsen\n\nThu, 12/03/2026 - 10:05\n\nThe bus route was cut ten years ago.",
        "dave_k\n\nThu, 12/03/2026 - 11:05\n\nIn reply to Margaret, it came back in 2019.",
    ]
    art = parse_page(_dump(76, "") + "\n2 Comments\n\n" + "\n\n".join(blocks) + "\n", fmt="text")
    assert [c.text for c in art.comments] == [
        "The bus route was cut ten years ago.",
        "In reply to Margaret, it came back in 2019.",
    ]
    assert art.comments[1].parent == 0  # read from the text, as before


def _forum_page(role_of: dict[str, str]) -> str:
    """phpBB in lynx: each post's bar shows its poster's profile ABOVE the next header, so a text dump
    puts it at the end of the previous post."""
    posts = []
    for i, (author, _, text) in enumerate(_THREAD):
        posts.append(
            f"{author}\n       {role_of.get(author, 'Member')}\n       Posts: {20 + i}\n\n"
            f"Re: {_HEADLINE}\n\n  * Quote\n\nPostby {author} » Thu Dec 03, 2026 1{i}:05\n{text}\nTop\n"
            + "_"
            * 60
        )
    return _dump(76, "") + "\n\n" + "\n\n".join(posts) + "\n"


def test_the_next_posters_profile_and_the_post_bar_are_not_the_comments_text() -> None:
    art = parse_page(_forum_page({}), fmt="text")
    assert [c.author for c in art.comments] == [a for a, _, _ in _THREAD]
    assert [c.text for c in art.comments] == [t for _, _, t in _THREAD]


def test_a_profile_unlike_the_others_is_left_whole() -> None:
    # A sentence under the next poster's name: that block's tail is not all template (nor a rank), so
    # nothing of it is cut.
    art = parse_page(_forum_page({"Priya Raman": "I moderate here."}), fmt="text")
    assert (
        art.comments[1].text.startswith(_THREAD[1][2])
        and "Priya Raman\nI moderate here." in art.comments[1].text
    )
    assert [c.text for i, c in enumerate(art.comments) if i != 1] == [
        t for i, (_, _, t) in enumerate(_THREAD) if i != 1
    ]


def test_a_rank_unlike_the_others_is_cut_with_the_profile() -> None:
    # A "Moderator" among "Member"s (session 22): ranks differ from poster to poster on real forums, so
    # a short label right under the next poster's name is part of the profile; until then that block
    # kept "Top" / "Priya Raman" / "Moderator" / "Posts: 21" / "Re: ...".
    art = parse_page(_forum_page({"Priya Raman": "Moderator"}), fmt="text")
    assert [c.text for c in art.comments] == [t for _, _, t in _THREAD]


@pytest.mark.parametrize(
    "ending", ["Thanks!", "#SaveOurBus", "Source: https://example.org/report", "Edit: typo"]
)
def test_a_last_line_many_readers_share_is_theirs(ending: str) -> None:
    # Comments that end alike are not a template unless the next poster's name stands among the lines.
    blocks = [
        f"{author}\n\nThu, 12/03/2026 - 1{i}:05\n\n{text}\n{ending}\n\nReply"
        for i, (author, _, text) in enumerate(_THREAD)
    ]
    art = parse_page(_dump(76, "") + "\n5 Comments\n\n" + "\n\n".join(blocks) + "\n", fmt="text")
    assert [c.text for c in art.comments] == [f"{t}\n{ending}" for _, _, t in _THREAD]


def test_a_header_split_into_name_separator_and_date_lines_is_one_header() -> None:
    # BeautifulSoup's get_text("\n") puts each element on a line: "NAME" / "•" / "2 days ago" (Isso).
    posts = [
        f"{author}\n•\n{i + 2} days ago\n\n\n{text}\n\n\n0\n|\nReply\nEdit\nDelete\n\n\n"
        for i, (author, _, text) in enumerate(_THREAD)
    ]
    page = (
        _dump(400, "") + "\n\n5 Comments\n\n\nType Comment Here (at least 3 chars)\n\n\n" + "\n".join(posts)
    )
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == [a for a, _, _ in _THREAD]
    assert [c.text for c in art.comments] == [t for _, _, t in _THREAD]
    assert [c.posted_raw for c in art.comments] == [f"{i + 2} days ago" for i in range(len(_THREAD))]


@pytest.mark.parametrize(
    "line", ["Antwort auf Ihre Frage", "En réponse à votre article", "Antwort auf Herrn Berger"]
)
def test_a_reply_cue_naming_nobody_on_the_page_is_the_readers_text(line: str) -> None:
    blocks = [
        "Margaret Olsen\n\nThu, 12/03/2026 - 10:05\n\nThe bus route was cut ten years ago.",
        f"dave_k\n\nThu, 12/03/2026 - 11:05\n\n{line}\nIt came back in 2019.",
    ]
    art = parse_page(_dump(76, "") + "\n2 Comments\n\n" + "\n\n".join(blocks) + "\n", fmt="text")
    assert art.comments[1].text == f"{line}\nIt came back in 2019."
    assert art.comments[1].parent is None


_WP_THREAD = [
    (
        "Margarita Olsen",
        "3 diciembre, 2026 a las 14:05",
        "Es exactamente lo que pasó con la línea de autobús hace diez años.",
    ),
    (
        "dave_k",
        "3 diciembre, 2026 a las 15:40",
        "La línea de autobús volvió en 2019, después de la recogida de firmas.",
    ),
    (
        "Paula Ramos",
        "3 diciembre, 2026 a las 16:02",
        "Volvió con la mitad de las paradas, eso no es una victoria para nadie.",
    ),
]


@pytest.mark.parametrize(
    ("heading", "says"),
    [
        # html2text wraps WordPress's heading at 78 columns, inside the quoted headline
        (f"## 3 comentarios en «{_HEADLINE}, y la sala de lectura\nsigue abierta»", "escribe"),
        (f"## 3 thoughts on “{_HEADLINE}, and its reading room\nstays open”", "wrote"),
        (f"## 3 Kommentare zu „{_HEADLINE}, und der Lesesaal\nbleibt offen“", "meint"),
    ],
)
def test_a_wrapped_comment_heading_and_a_says_line_open_the_thread(heading: str, says: str) -> None:
    thread = "".join(
        f"  {k}. ![](https://secure.gravatar.com/avatar/x{k}) **[{name}](https://example.org/{k})** {says}:\n\n"
        f"[{stamp}](/biblioteca/#comment-{k})\n\n{text}\n\n[Responder](/biblioteca/?replytocom={k})\n\n"
        for k, (name, stamp, text) in enumerate(_WP_THREAD, 1)
    )
    page = _dump(78, "") + "\n" + heading + "\n\n" + thread
    article = parse_page(page)
    assert [(c.author, c.text) for c in article.comments] == [(n, t) for n, _, t in _WP_THREAD]
    assert heading.split("\n")[-1] not in article.body


@pytest.mark.parametrize("line", ["1. dave_k dice:", "Margarita Olsen dice:", "Jan de Vries zegt:"])
def test_wordpress_says_lines_in_spanish_and_dutch_are_header_cues(line: str) -> None:
    date = _classify([(line, 0, None)])[0].date
    assert date is not None and date.kind == "cue"


@pytest.mark.parametrize("says", ["dice", "says"])
def test_a_says_line_of_its_own_takes_the_name_a_blank_line_above(says: str) -> None:
    """BeautifulSoup's get_text("\\n") of a WordPress thread: "NAME", a blank line, "says:", the date."""
    thread = "".join(
        f"{name}\n \n{says}:\n{stamp}\n\n\n{text}\nResponder\n\n" for name, stamp, text in _WP_THREAD
    )
    page = _dump(78, "") + "\n3 comentarios\n\n" + thread
    article = parse_page(page, fmt="text")
    assert [(c.author, c.posted_raw, c.text) for c in article.comments] == _WP_THREAD


_FB_THREAD = [  # (depth, name, text)
    (
        0,
        "Margaret Olsen",
        "This is exactly what happened to the bus route ten years ago, and it never came back.",
    ),
    (1, "dave_k", "The bus route came back in 2019 though, after the petition was handed in."),
    (2, "Priya Raman", "It came back with half the stops, which is hardly a victory for anyone."),
    (1, "Tom Whitfield", "My daughter is a nurse at the hospital and starts at seven thirty."),
    (0, "harbourwatcher", "Has anyone asked why the engine overhaul was not planned years ago?"),
]


def _fb_dump(footer_indent, text_indent) -> str:
    """inscriptis's rendering of Facebook's comments plugin: name, text, then the action row with the
    time ("Like · Reply · 2d"), each reply indented under its parent."""
    rows = []
    for depth, name, text in _FB_THREAD:
        pad, at = footer_indent(depth, name), text_indent(depth, name)
        rows += [f"{' ' * pad}{name}", f"{' ' * at}{text}", f"{' ' * pad}Like · Reply · 2d"]
    return _dump(200, "") + "\n5 comments\nSort by Top\nAdd a comment...\n" + "\n".join(rows) + "\n"


def test_indented_footers_nest_their_comments_in_a_text_dump() -> None:
    article = parse_page(_fb_dump(lambda depth, _: 4 + 6 * depth, lambda depth, _: 8 + 6 * depth))
    assert [(c.author, c.parent) for c in article.comments] == [
        ("Margaret Olsen", None),
        ("dave_k", 0),
        ("Priya Raman", 1),
        ("Tom Whitfield", 0),
        ("harbourwatcher", None),
    ]


def test_footers_indented_anyhow_by_the_layout_nest_nothing() -> None:
    # A layout's columns: the text does not sit the same way under each footer.
    article = parse_page(_fb_dump(lambda depth, name: 4 + len(name) % 5, lambda depth, _: 8))
    assert [c.author for c in article.comments] == [name for _, name, _ in _FB_THREAD]
    assert [c.parent for c in article.comments] == [None] * 5


@pytest.mark.parametrize(
    ("like", "reply", "sort"), [("Like", "Reply", "Sort by"), ("Gefällt mir", "Antworten", "Sortieren nach")]
)
def test_an_action_row_split_over_lines_closes_its_comment(like: str, reply: str, sort: str) -> None:
    """BeautifulSoup's get_text("\\n") puts every element of Facebook's action row on a line of its
    own ("Like" / "·" / "Reply" / "·" / "2d"), and the sort menu's choice under its label."""
    rows = "".join(
        f"\n\n{name}\n{text}\n\n\n{like}\n · \n{reply}\n · \n2d\n\n\n" for _, name, text in _FB_THREAD
    )
    page = (
        _dump(200, "")
        + f"\n5 comments\n{sort}\n \nTop\n\n\nAdd a comment...\n\n"
        + rows
        + "Facebook Comments Plugin\n"
    )
    article = parse_page(page)
    assert [(c.author, c.posted_raw, c.text) for c in article.comments] == [
        (name, "2d", text) for _, name, text in _FB_THREAD
    ]


@pytest.mark.parametrize("layout", ["same", "varied"])
def test_short_comments_are_not_read_as_the_next_commenters_name(layout):
    # "NAME • 2 hours ago" / text, no blank line between comments, every text a few words with no final
    # stop: each comment's text was taken as a name line above the next header, so every comment came
    # out empty (a flood of "you idiot" was eight empty comments, nothing to score).
    names = ["Ann Lee", "bob_k", "Carla", "Dmitri P.", "Eve", "Frank", "Gina", "Hal"]
    texts = (
        ["you idiot"] * 8
        if layout == "same"
        else ["lol", "you idiot", "fake news", "agreed", "so true", "first", "nice one", "sad"]
    )
    thread = "\n".join(
        f"{name} • {k + 2} hours ago\n{text}" for k, (name, text) in enumerate(zip(names, texts, strict=True))
    )
    article = parse_page(
        _HEADLINE + "\n\n" + "\n\n".join(_PARAGRAPHS) + "\n\n8 Comments\n" + thread, fmt="text"
    )
    assert [(c.author, c.text) for c in article.comments] == list(zip(names, texts, strict=True))


_SHORT_ARTICLE = "\n".join(
    [
        "The Valley Courier",
        "",
        _HEADLINE,
        "",
        "People from all over the county came to the library on Tuesday to hear the council's decision.",
        "",
        "Ann and Bo Reyes drove two hours from the coast with their children to be there.",
        "",
    ]
)
# A site's footer under a short article (a BBC page in w3m: Dragnet train page 268): the disclaimer and
# the browser notice, the notice's last words wrapped onto a line of their own.
_FOOTER_NOTICES = [
    "Courier © 2012 The Courier is not responsible for the content of external sites. Read more.",
    "External links are provided for reference purposes. The Courier is not responsible for the content of external Internet sites.",
    "This page is best viewed in an up-to-date web browser with style sheets (CSS) enabled. While you will be able to view the content of this page in your current browser, you will not be able to get the",
    "full visual experience. Please consider upgrading your browser software or enabling style sheets (CSS) if you are able to do so.",
]


def test_a_footers_disclaimer_and_browser_notice_are_not_the_article() -> None:
    art = parse_page(_SHORT_ARTICLE + "\n" + "\n\n".join(_FOOTER_NOTICES) + "\n", fmt="text")
    for notice in _FOOTER_NOTICES:
        assert notice not in art.body
    assert "Ann and Bo Reyes drove two hours" in art.body


@pytest.mark.parametrize("notice", _FOOTER_NOTICES)
def test_a_footer_notice_is_site_notice(notice: str) -> None:
    assert _classify_one(notice, 0, None, True, 0).furniture == "site notice"


@pytest.mark.parametrize("notice", [*_FOOTER_NOTICES[2:], "THIS SITE IS BEST VIEWED WITH A MODERN BROWSER."])
def test_a_footer_notice_in_capitals_is_site_notice(notice: str) -> None:
    """The notice's regex ignores case, and so does the word test in front of it."""
    assert _classify_one(notice.upper(), 0, None, True, 0).furniture == "site notice"


# The browser notice unwrapped, as inscriptis and a browser's innerText give it (Dragnet train pages 267
# and 268 read by a headless Chromium): one line longer than the classifier's tables read.
_ONE_LINE_NOTICE = f"{_FOOTER_NOTICES[2]} {_FOOTER_NOTICES[3]}"


def test_a_browser_notice_on_one_long_line_is_not_the_article() -> None:
    from service.parse.lines import _MAX_CLASSIFIED_CHARS

    assert len(_ONE_LINE_NOTICE) > _MAX_CLASSIFIED_CHARS
    assert _classify_one(_ONE_LINE_NOTICE, 0, None, True, 0).furniture == "site notice"
    art = parse_page(f"{_SHORT_ARTICLE}\n{_FOOTER_NOTICES[0]}\n\n{_ONE_LINE_NOTICE}\n", fmt="text")
    assert "best viewed" not in art.body
    assert "Ann and Bo Reyes drove two hours" in art.body


def test_a_long_paragraph_quoting_the_browser_notice_is_no_site_notice() -> None:
    """Only a long line that opens with the notice is one: a paragraph may quote it further on."""
    line = f"The old site told every visitor: {_ONE_LINE_NOTICE[:1].lower()}{_ONE_LINE_NOTICE[1:]}"
    assert _classify_one(line, 0, None, True, 0).furniture is None


def test_a_readers_sentence_about_browsers_is_no_site_notice() -> None:
    line = "I upgraded my browser last week and the page is best viewed on a phone now, which surprised me a lot."
    assert _classify_one(line, 0, None, True, 0).furniture is None


# A blog engine's post footer under the article (WordPress themes' "postmetadata": Dragnet train pages
# R26, R140, R287, R319, R407 and a dozen more), as one long line (inscriptis) or wrapped (w3m), in the
# languages the themes ship in. It read as prose and stayed in the body.
_POST_FOOTERS = [
    "This entry was posted on Tuesday, October 23rd, 2012 at 8:14 pm and is filed under Local News, Libraries. You can follow any responses to this entry through the RSS 2.0 feed. You can leave a response, or trackback from your own site.",
    "This entry was written by Ann Reyes, posted on October 18, 2012 at 11:45 am, filed under news and tagged library, council, winter, heating, roof. Bookmark the permalink. Follow any comments here with the RSS feed for this post.",
    "or trackback from your own site.",
    "Bookmark the permalink. Follow any comments here with the RSS feed for this post.",
    "RSS feed for comments on this post. TrackBack URI",
    "Dieser Eintrag wurde veröffentlicht in Lokales. Setze ein Lesezeichen auf den Permalink.",
    "Cette entrée a été publiée dans Actualités. Vous pouvez la mettre en favoris avec ce permalien.",
    "Esta entrada fue publicada en Noticias. Guarda el enlace permanente.",
]


def test_a_blog_engines_post_footer_is_not_the_article() -> None:
    art = parse_page(_SHORT_ARTICLE + "\n" + "\n\n".join(_POST_FOOTERS[:2]) + "\n", fmt="text")
    assert "Ann and Bo Reyes drove two hours" in art.body
    assert "This entry was" not in art.body


@pytest.mark.parametrize("footer", _POST_FOOTERS)
def test_a_post_footer_line_is_post_footer(footer: str) -> None:
    assert _classify_one(footer, 0, None, True, 0).furniture == "post footer"


@pytest.mark.parametrize(
    "line",
    [
        "This entry was a surprise to the jury, who had expected a photograph rather than a painting this year.",
        "Kramer's pingback: [...] Bookmark the permalink. Follow any comments here with the RSS feed for this post.",
        "You can follow the council's debate live on the radio from seven o'clock on Tuesday evening.",
    ],
)
def test_prose_naming_an_entry_or_a_feed_is_no_post_footer(line: str) -> None:
    assert _classify_one(line, 0, None, True, 0).furniture is None


# A blog post whose headline ends in a full stop (so no line above the prose reads as a headline) and
# whose last line is a short sign-off in headline shape (Dragnet train R762, R765: a team's line-up).
_SIGNED_OFF_POST = "\n\n".join(
    [
        "Home | News | Sports | Contact",
        "Gone skiing. Back in spring.",
        *_PARAGRAPHS,
        "Until next time.",
        "p.s. Anyone heading to the mountains this winter give me a shout and we will go for a coffee. Cheers!",
    ]
)


def test_a_headline_shaped_line_at_the_end_of_the_post_is_not_its_title() -> None:
    """It was taken for the title, and the whole post above it dropped as "page header before the
    title": the body was empty."""
    art = parse_page(_SIGNED_OFF_POST + "\n", fmt="text")
    assert art.title is None or not art.title.startswith("p.s.")
    body = " ".join(art.body.split())
    for para in _PARAGRAPHS:
        assert para in body


# TypePad's comment section as w3m gives it (Dragnet train R394, R398, R400, R985 and more): a comment
# feed notice under the heading, comments with their "Posted by:" footers, then the comment form's
# preview and captcha notices. The feed notice opened the first comment's text; the form's notices
# stayed in the body of a post without comments.
_TYPEPAD_FEED = "Feed You can follow this conversation by subscribing to the comment feed for this post."
_TYPEPAD_FORM = [
    "This is only a preview. Your comment has not yet been posted.",
    "The letters and numbers you entered did not match the image. Please try again.",
    "As a final step before posting your comment, enter the letters and numbers you see in the image below. This prevents automated programs from posting comments.",
    "Having trouble reading this image? View an alternate.",
    "Comments are moderated, and will not appear until the author has approved them.",
]
_TYPEPAD_THREAD = "\n\n".join(
    [
        "Comments",
        _TYPEPAD_FEED,
        "Glad the reading room stays open, my kids go there every week.",
        "Posted by: Ann Reyes | October 03, 2012 at 01:12 AM",
        "The roof has leaked for years, fix it first.",
        "Posted by: Bo Lund | October 03, 2012 at 09:40 AM",
        "Verify your Comment",
        "Previewing your Comment",
        *_TYPEPAD_FORM,
    ]
)


def test_typepads_comment_feed_notice_is_no_comment_text() -> None:
    art = parse_page(_SHORT_ARTICLE + "\n" + _TYPEPAD_THREAD + "\n", fmt="text")
    assert [(c.author, c.text) for c in art.comments] == [
        ("Ann Reyes", "Glad the reading room stays open, my kids go there every week."),
        ("Bo Lund", "The roof has leaked for years, fix it first."),
    ]


@pytest.mark.parametrize("notice", _TYPEPAD_FORM)
def test_typepads_comment_form_notices_are_comment_form(notice: str) -> None:
    assert _classify_one(notice, 0, None, True, 0).furniture == "comment form"


def test_typepads_comment_form_notices_are_not_the_article() -> None:
    art = parse_page(_SHORT_ARTICLE + "\n" + "\n\n".join(_TYPEPAD_FORM) + "\n", fmt="text")
    assert "Ann and Bo Reyes drove two hours" in art.body
    for notice in _TYPEPAD_FORM:
        assert notice not in art.body


# Blog templates' one-line widgets that text dumps leave in the body or take for the title (Dragnet
# train: a row of skip links was the title of 8 w3m pages; Blogger's share row, glued by the dump).
@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("skip to main | skip to sidebar", "accessibility links"),
        ("Skip to main content | Skip to footer site map", "accessibility links"),
        ("Skip to Main Content »", "accessibility links"),
        ("Skip to main content.", "accessibility links"),
        ("Email ThisBlogThis!Share to TwitterShare to Facebook", "share buttons"),
        ("Email ThisBlogThis!Share to TwitterShare to FacebookShare to Pinterest", "share buttons"),
        ("Print Friendly", "share buttons"),
        ("View my complete profile", "site chrome"),
    ],
)
def test_a_blog_templates_widget_line_is_furniture(line: str, reason: str) -> None:
    assert _classify_one(line, 0, None, True, 0).furniture == reason


def test_a_row_of_skip_links_is_not_the_title() -> None:
    art = parse_page("skip to main | skip to sidebar\n\n" + _SHORT_ARTICLE, fmt="text")
    assert art.title == _HEADLINE


@pytest.mark.parametrize(
    "line",
    [
        "Skip to the end of the story if you already know how the council voted on the library.",
        "View my complete collection of photographs from the county fair in the gallery below.",
    ],
)
def test_prose_about_skipping_or_profiles_is_no_widget(line: str) -> None:
    assert _classify_one(line, 0, None, True, 0).furniture is None
