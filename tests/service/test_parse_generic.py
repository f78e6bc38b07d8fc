# ruff: noqa: E501  (the HTML fixtures below are one element per line, as CMSes write them)
"""Header shapes from CMSes that are not among the shared pages: the segmenter must learn them from
the page's own structure. Each page here is written for the test; none comes from a shared site."""

from __future__ import annotations

import pytest

from service.parse import parse_page
from service.parse.lines import _classify_one
from tests.service.generic_pages import ARTICLE_EN, names_over_stamps, three_comments_with


def test_german_pipe_headers_with_numeric_dates():
    page = (
        "Neue Regeln für E-Scooter in der Innenstadt\n\n"
        "Die Stadt führt ab Juli neue Regeln für E-Scooter ein, die das Abstellen auf Gehwegen verbieten "
        "und feste Parkzonen in der Innenstadt vorsehen, wie die Verwaltung am Montag mitteilte.\n\n"
        "Kommentare (3)\n\n"
        "Peter Müller | 12.03.2021, 14:22\nEndlich! Die Dinger liegen überall herum.\n\n"
        "Anna K. | 12.03.2021, 15:01\nIch finde die Scooter praktisch, aber Ordnung muss sein.\n\n"
        "Horst | 13.03.2021, 09:10\nUnd wer kontrolliert das?\n\n"
        "Kommentar schreiben\n"
    )
    article = parse_page(page)
    assert [(c.author, c.posted_at) for c in article.comments] == [
        ("Peter Müller", "2021-03-12T14:22:00"),
        ("Anna K.", "2021-03-12T15:01:00"),
        ("Horst", "2021-03-13T09:10:00"),
    ]
    assert article.declared_comment_count == 3
    assert "Kommentar schreiben" not in article.comments[-1].text


def test_french_par_headers_learn_day_first_dates_from_the_page():
    page = (
        "Les prix de l'immobilier repartent à la hausse\n\n"
        "Après deux années de baisse, les prix de l'immobilier repartent à la hausse dans la plupart des "
        "grandes villes françaises, selon une étude publiée jeudi par les notaires.\n\n"
        "4 réactions\n\n"
        "Par Jean Dupont le 12/03/2021 à 14h22\nIl était temps, les vendeurs attendaient.\n\n"
        "Par Marie le 12/03/2021 à 15h01\nLes acheteurs, eux, ne sont pas contents.\n\n"
        "Par Luc le 13/03/2021 à 09h10\nEncore une bulle ?\n\n"
        "Par Sophie le 13/03/2021 à 10h00\nTout dépend des taux.\n\n"
        "Réagir à cet article\n"
    )
    article = parse_page(page)
    assert [c.author for c in article.comments] == ["Jean Dupont", "Marie", "Luc", "Sophie"]
    # "13/03" proves the page writes day first, so "12/03" is the 12th of March, not December 3rd.
    assert article.comments[0].posted_at == "2021-03-12T14:22:00"
    assert article.comments[-1].text == "Tout dépend des taux."


def test_undated_wrote_headers_and_at_reply_markers():
    page = (
        "How we rebuilt our search engine\n\n"
        "We rebuilt our search engine over the last year, moving from a monolithic index to a set of "
        "smaller shards that can be rebuilt independently when the catalogue changes.\n\n"
        "Comments\n\n"
        "alice wrote:\nThis is a great write-up, thanks.\n\n"
        "bob wrote:\nDid you consider using an off-the-shelf engine instead?\n\n"
        "alice wrote:\n@bob we did, but the licensing did not work for us.\n\n"
        "Leave a comment\n"
    )
    article = parse_page(page)
    assert [(c.author, c.posted_raw, c.parent) for c in article.comments] == [
        ("alice", None, None),
        ("bob", None, None),
        ("alice", None, 1),
    ]


BLOGGER_LIKE = """Walking the old canal path

Last Sunday I walked the whole length of the old canal path, from the lock at the mill to the aqueduct, and found that most of the towpath has been cleared since last winter.

The volunteers have put up new signs at every bridge and the café at the halfway point is open again on weekends, which made the walk a lot more pleasant.

5 comments:

Mary P. said...

Lovely post, we did the same walk in May.

March 3, 2021 at 10:15 AM
Anonymous said...

Is the path suitable for bikes?

March 3, 2021 at 11:02 AM
Tom said...

@Anonymous yes, but walk them under the low bridges.

March 4, 2021 at 8:30 AM

Post a Comment

Newer Post Older Post Home
"""

NAME_LINE_THEN_DATE_LINE = """A quiet revolution in home baking

Sourdough bakers across the country say the biggest change of the past year has not been new flours or ovens but the rise of small neighbourhood groups that swap starters and advice every weekend.

3 comments on “A quiet revolution in home baking”

Jean Martin
March 3, 2021 at 10:15 am

My starter came from a neighbour two streets away.

Reply

Priya
March 3, 2021 at 12:40 pm

Same here, and it is still going strong.

Reply

Olu
March 4, 2021 at 9:02 am

Does anyone have a rye starter to share?

Reply

Leave a Reply Cancel reply
"""


def test_said_headers_with_time_footers():
    article = parse_page(BLOGGER_LIKE)
    assert [(c.author, c.posted_at, c.parent) for c in article.comments] == [
        ("Mary P.", "2021-03-03T10:15:00", None),
        ("Anonymous", "2021-03-03T11:02:00", None),
        ("Tom", "2021-03-04T08:30:00", 1),
    ]
    assert article.comments[1].text == "Is the path suitable for bikes?"
    assert article.declared_comment_count == 5


def test_bare_name_line_above_the_date_line():
    article = parse_page(NAME_LINE_THEN_DATE_LINE)
    assert [(c.author, c.posted_at) for c in article.comments] == [
        ("Jean Martin", "2021-03-03T10:15:00"),
        ("Priya", "2021-03-03T12:40:00"),
        ("Olu", "2021-03-04T09:02:00"),
    ]
    assert article.comments[-1].text == "Does anyone have a rye starter to share?"
    assert "Reply" not in {c.text for c in article.comments}


REPLIED_TO_HEADERS = """Cities test four-day week for staff

Three cities will test a four-day working week for their staff from next month, keeping pay the same while measuring how services and sick leave change over a full year.

Comments (3)

Ann Lee · 2h
This will never work for hospitals.

Bob Stone replied to Ann Lee · 1h
It is only for office staff, read the article.

Cy Park · 40m
Good idea, I hope it spreads.
"""


def test_compact_times_and_replied_to_headers():
    article = parse_page(REPLIED_TO_HEADERS)
    assert [(c.author, c.posted_raw, c.parent) for c in article.comments] == [
        ("Ann Lee", "2h", None),
        ("Bob Stone", "1h", 0),
        ("Cy Park", "40m", None),
    ]


SIGNATURE_FOOTERS = """Harbour ferry returns after repairs

The harbour ferry returned to service on Monday after three months of repairs to its engines, and the operator said the timetable would be back to normal by the end of the week.

Comments

Great to have it back, the bus took twice as long.
Linda K | March 3, 2021 10:15

Will the fares go up after all those repairs?
Mo | March 3, 2021 11:40

I hope they fixed the heating too.
Pete | March 4, 2021 08:05

Leave a comment
"""


def test_name_and_date_footers_after_the_text():
    article = parse_page(SIGNATURE_FOOTERS)
    assert [(c.author, c.posted_at, c.text) for c in article.comments] == [
        ("Linda K", "2021-03-03T10:15:00", "Great to have it back, the bus took twice as long."),
        ("Mo", "2021-03-03T11:40:00", "Will the fares go up after all those repairs?"),
        ("Pete", "2021-03-04T08:05:00", "I hope they fixed the heating too."),
    ]


POSTED_BY_PIPE_FOOTERS = """Notes on the spring garden

This spring the garden came back faster than in any year since we moved here, and the early tulips were open before the end of March despite the cold nights.

Comments

The tulips look wonderful in the photos.

Posted by: Helen | March 03, 2021 at 10:15 AM

Which variety are the red ones?

Posted by: Sam W. | March 03, 2021 at 02:40 PM

Verify your Comment

Post a comment
"""


def test_posted_by_pipe_footers():
    article = parse_page(POSTED_BY_PIPE_FOOTERS)
    assert [(c.author, c.posted_at, c.text) for c in article.comments] == [
        ("Helen", "2021-03-03T10:15:00", "The tulips look wonderful in the photos."),
        ("Sam W.", "2021-03-03T14:40:00", "Which variety are the red ones?"),
    ]


def test_table_layout_columns_beside_footers_are_split():
    # A text dump of a table layout: the sidebar column sits on the same line as the comment footers.
    page = ARTICLE_EN + (
        "Comments\n\n"
        "News                 Great to see the budget pass.\n"
        "Sport                Posted by Ann on March 3, 2021 10:15 AM                  ADVERTISEMENT\n\n"
        "Weather              Taxes will rise next year anyway.\n"
        "Travel               Posted by Bob on March 3, 2021 11:20 AM\n\n"
        "Leave a comment\n"
    )
    article = parse_page(page)
    assert [(c.author, c.posted_at) for c in article.comments] == [
        ("Ann", "2021-03-03T10:15:00"),
        ("Bob", "2021-03-03T11:20:00"),
    ]


def _says_thread(names: list[str]) -> str:
    page = ARTICLE_EN + f"{len(names)} thoughts on “City council approves new budget after long debate”\n\n"
    for i, name in enumerate(names):
        page += f"{name} says:\nMarch {i + 3}, 2021 at 10:1{i} am\n\nMy view number {i} on the library money.\n\nReply\n\n"
    return page + "Leave a Reply Cancel reply\n"


def test_a_commenter_who_wrote_most_of_the_thread_keeps_their_name():
    # A name in most headers is not a template word when nothing else stands beside it ("Anonymous",
    # "Guest", one reader arguing with everyone): dropping it left those comments without an author.
    names = ["Anonymous", "Anonymous", "Anonymous", "Bob Jones"]
    assert [c.author for c in parse_page(_says_thread(names)).comments] == names
    assert [c.author for c in parse_page(_says_thread(["Jean Dupont"] * 3)).comments] == ["Jean Dupont"] * 3


def test_template_words_in_every_header_are_still_no_names():
    page = (
        ARTICLE_EN
        + "Comments 3\n\n"
        + "".join(
            f"Thumb {name} 17 May 2017, 15:1{i}\n\nPoint {i} about the budget vote.\n\n"
            for i, name in enumerate(["ashtah", "Jean Dupont", "kev"])
        )
    )
    assert [c.author for c in parse_page(page).comments] == ["ashtah", "Jean Dupont", "kev"]


def test_a_header_shaped_line_quoted_inside_a_comment_is_not_a_new_comment():
    # Every real header ends "| link" and every comment ends with "reply": a quoted "NAME 3 hours ago"
    # line without either sits inside the comment above it.
    rows = [
        ("gulbrandr", "1 hour ago", "Please do not post links with tracking junk in the URL."),
        (
            "richbradshaw",
            "2 hours ago",
            "Someone said this on another story:\n\nJohn Smith 3 hours ago\n\nRoads are fine. I disagree.",
        ),
        ("dfxm12", "2 hours ago", "Proper grammar matters here."),
        ("drcube", "3 hours ago", "Regular words can be proper nouns too."),
        ("sjs382", "4 hours ago", "I never considered that."),
    ]
    page = ARTICLE_EN + "5 comments\n\n" + "".join(f"{n} {t} | link\n\n{x}\n\nreply\n\n" for n, t, x in rows)
    article = parse_page(page)
    assert [c.author for c in article.comments] == [n for n, _, _ in rows]
    assert article.comments[1].text.split("\n") == [
        "Someone said this on another story:",
        "John Smith 3 hours ago",
        "Roads are fine. I disagree.",
    ]


@pytest.mark.parametrize(
    "header",
    ["{name}\n{n} hours ago", "{name} · {n} hours ago", "{name}\nMarch {n}, 2021 at 10:15 am"],
)
def test_a_page_that_is_only_comments_keeps_the_first_one(header):
    # No heading, no article: the densest prose is the first comment's own text, so the first header
    # came before "the article" and its comment was taken for the body. Its reply link marks it.
    names = ["Ann Smith", "Bob Jones", "Carl Weir", "Dana Fox"]
    page = "".join(
        header.format(name=name, n=i + 2)
        + f"\n\nI think the council got this one wrong, number {i}, and the roads will suffer.\nReply\n\n"
        for i, name in enumerate(names)
    )
    article = parse_page(page)
    assert [c.author for c in article.comments] == names
    assert article.body == ""


def test_ambiguous_numeric_dates_follow_the_pages_own_date_order():
    # Every comment date is ambiguous (both numbers <= 12); the page writes its own date day first
    # ("12 mars 2021"), so "03/04/2021" is the 3rd of April, not March 4th.
    page = (
        "Le conseil municipal adopte le budget\n\n"
        "Publié le 12 mars 2021\n\n"
        "Le conseil municipal a adopté mardi soir un budget qui augmente de quatre pour cent les dépenses "
        "consacrées aux routes et aux écoles, après un long débat.\n\n"
        "3 commentaires\n\n"
        "Jean | 03/04/2021 14:05\nTrès bonne nouvelle pour les écoles.\n\n"
        "Marie | 05/04/2021 09:10\nEt les impôts alors ?\n\n"
        "Paul | 06/04/2021 18:30\nOn verra bien.\n\n"
    )
    article = parse_page(page)
    assert [c.posted_at for c in article.comments] == [
        "2021-04-03T14:05:00",
        "2021-04-05T09:10:00",
        "2021-04-06T18:30:00",
    ]


def test_a_reader_complaining_about_moderation_keeps_their_words():
    # Long lines about comments and moderation are a policy paragraph outside a comment, but a
    # reader's own sentence inside one.
    line = "The comments here are moderated far too harshly, and abusive ones stay up while mine go."
    page = three_comments_with("Reply").replace("My view number 1 on the library money.", line)
    assert parse_page(page).comments[1].text == line


@pytest.mark.parametrize(
    "text",
    [
        "• fix the potholes\n• hire more teachers\n• cut council pay",
        "- fix the potholes\n- hire more teachers\n- cut council pay\nThat is my plan.",
        "1. fix the potholes\n2. hire more teachers\n3. cut council pay\nThat is my plan.",
    ],
)
def test_a_comment_that_opens_with_a_list_keeps_it(text):
    # Short bulleted lines opening a comment were taken for its action menu ("• Edit", "• Flag") and
    # dropped: a reader's list, abusive or not, never reached the moderator. A menu has action words.
    page = three_comments_with("Reply").replace("My view number 1 on the library money.", text)
    assert parse_page(page).comments[1].text == text


@pytest.mark.parametrize(
    "text",
    [
        "You idiots\nGo away\nNobody cares\nSeriously.",
        "Roses are red\nViolets are blue\nMayor is crook\nSo are you",
        "My list:\napples\npears\nplums\nThat is all.",
        "Vote them out\nVote them out\nVote them out",
        "Great article.\nThanks\nBob",
    ],
)
@pytest.mark.parametrize("row", ["Reply", ""])
def test_the_last_comment_made_of_short_lines_is_kept(text, row):
    # Three short lines in a row looked like the page's footer menu: the whole last comment was
    # dropped as "after the comment section", however abusive.
    page = three_comments_with(row).replace("My view number 2 on the library money.", text)
    page += "\n\nAbout us\nContact us\nPrivacy policy\n"
    article = parse_page(page)
    assert article.comments[2].text == text


def test_a_plus_one_comment_keeps_its_text():
    # "+1" alone reads as a vote counter; as a comment's only line it is what the reader wrote.
    page = three_comments_with("Reply").replace("My view number 1 on the library money.", "+1")
    assert [c.text for c in parse_page(page).comments][1] == "+1"


def test_said_comma_headers_without_a_heading():
    """Blog threads of "NAME said," lines and no comment heading: a run of them after the article."""
    thread = "".join(
        f"{name} said,\n\n{text}\n\n"
        for name, text in (
            ("Progress Trap", "There is one benefit of the name you chose: it ranks first in searches."),
            ("Jacob", "@Progress Trap This was how I thought about it in the beginning."),
            ("firefighter jeff", "Good job on the dovetails, but flush them up to make them look best."),
        )
    )
    article = parse_page(ARTICLE_EN + "45 users responded in this post\n\n" + thread)
    assert [c.author for c in article.comments] == ["Progress Trap", "Jacob", "firefighter jeff"]
    assert article.comments[2].text.startswith("Good job on the dovetails")
    assert "Progress Trap said," not in article.body


def test_bracketed_count_and_numbered_headers():
    """ "Add/View Comments [3]" states the count; numbered "N  NAME | DATE" headers then match it."""
    thread = "".join(
        f"{k}  {name} | 10/29/2012 {time}\n{text}\n\n"
        for k, (name, time, text) in enumerate(
            (
                ("Stephan Kopp", "5:14:46 PM", "Hi Ed, the link seems to be broken."),
                ("Ed Brill", "5:25:25 PM", "@1 - thanks. Indeed. Just fixed."),
                ("Ranjit", "3:07:08 AM", "I was reading through some of the articles on this."),
            ),
            start=1,
        )
    )
    page = (
        ARTICLE_EN
        + "Ed Brill | Highland Park, IL USA Category: Add/View Comments [3]\n\nPost a Comment\n\n"
        + thread
    )
    article = parse_page(page)
    assert article.declared_comment_count == 3
    assert [c.text for c in article.comments] == [
        "Hi Ed, the link seems to be broken.",
        "@1 - thanks. Indeed. Just fixed.",
        "I was reading through some of the articles on this.",
    ]


def test_a_name_glued_to_its_date_in_a_text_dump():
    """A text dump can glue two elements: "Wesley Fryer10/8/12 8:26 PM" is a name and a date."""
    page = ARTICLE_EN + (
        "Posted by Karl at 5:53 PM\n\n2 comments:\n\n"
        "Wesley Fryer10/8/12 8:26 PM\n\nI think a big piece of the puzzle is rethinking the requirements.\n\nReplyDelete\n\n"
        "Ann Lee10/9/12 9:02 AM\n\nParents expect the old credits, and colleges too.\n\nReplyDelete\n\n"
        "Add comment\n"
    )
    article = parse_page(page)
    assert [(c.author, c.posted_raw) for c in article.comments] == [
        ("Wesley Fryer", "10/8/12 8:26 PM"),
        ("Ann Lee", "10/9/12 9:02 AM"),
    ]


@pytest.mark.parametrize("stamp", ["3 hours ago", "3 HOURS AGO", "3 Hours Ago"])
def test_a_name_glued_to_a_relative_stamp_in_any_case(stamp: str):
    """A widget's "Marta Quinn3 HOURS AGO" (its stamp styled in capitals) is a name and a date, as in lower case."""
    line = _classify_one(f"Marta Quinn{stamp}", 0, None, False, 0)
    assert line.date is not None and (line.date.raw, line.date.start) == (stamp, len("Marta Quinn"))


def test_digits_glued_to_a_word_without_a_time_are_no_date():
    page = (
        ARTICLE_EN
        + "Windows10 is out\n\nThe update ships to everyone next week, the company said on Monday.\n"
    )
    assert parse_page(page).comments == ()


def test_a_lone_named_comment_under_a_countless_heading():
    """One dated header under "Comments", its name a blank line above and prose below: the only comment."""
    page = ARTICLE_EN + (
        "Comments\n\nLog in or join now to add a comment.\nJennifer H.\n\n5 hours ago\n\n"
        "Don't really see the connection of how it's doing wonders at the polls.\n\nFollow Us\n"
    )
    article = parse_page(page)
    assert [(c.author, c.posted_raw) for c in article.comments] == [("Jennifer H.", "5 hours ago")]
    assert article.comments[0].text.startswith("Don't really see")


def test_undated_list_items_with_indented_text_are_comments():
    # A script-rendered thread dumped as text: "• NAME" items, each text indented below its item, no
    # dates and no reply links; a reply is an item nested in its parent's text.
    page = ARTICLE_EN + (
        "COMMENTS\n\nLOG IN TO COMMENT  |  REGISTER\n\n"
        "  • Pat Lee\n\n    The library cuts are the wrong place to save money, and everyone on my street agrees.\n\n"
        "  • Sam R\n\n    Roads first. Our street has had the same potholes for three winters now.\n\n"
        "      • Pat Lee\n\n        Roads matter, but the libraries serve far more people every single day.\n\n"
    )
    article = parse_page(page)
    assert [c.author for c in article.comments] == ["Pat Lee", "Sam R", "Pat Lee"]
    assert article.comments[0].text.startswith("The library cuts")
    assert article.comments[2].text.startswith("Roads matter")
    assert "potholes" not in article.body


def test_numbered_dated_headers_without_a_heading_are_comments():
    # "#N - DATE" headers (a comment's own number) and no comment heading: the number is the cue that
    # these dated lines head comments; neither it nor the time zone is the author's name.
    page = ARTICLE_EN + (
        "Discuss this post\n\n"
        "#1 - Tue Mar 5, 2024 10:14 AM EDT\n\nThe library cuts are the wrong place to save money.\n\n"
        "#2 - Tue Mar 5, 2024 10:35 AM EDT\n\nRoads first, our street has had potholes for years.\n\n"
        "#3 - Tue Mar 5, 2024 12:06 PM EDT\n\nFlat taxes for a third year is good news for families.\n\n"
    )
    article = parse_page(page)
    assert [c.posted_raw for c in article.comments] == [
        "Tue Mar 5, 2024 10:14 AM",
        "Tue Mar 5, 2024 10:35 AM",
        "Tue Mar 5, 2024 12:06 PM",
    ]
    assert [c.author for c in article.comments] == [None, None, None]
    assert article.comments[1].text == "Roads first, our street has had potholes for years."


def test_name_glued_to_a_month_name_date():
    # A text dump of two adjacent elements: "Pam LeeMarch 5, 2024 4:11 AM" is a name and a date.
    page = ARTICLE_EN + (
        "3 comments:\n\n"
        "Pam LeeMarch 5, 2024 4:11 AM\n\nThe library cuts are the wrong place to save money.\n\nReply\n\n"
        "sam_rMarch 5, 2024 4:21 AM\n\nRoads first, our street has had potholes for years.\n\nReply\n\n"
        "Kim O.March 6, 2024 9:02 AM\n\nFlat taxes for a third year is good news for families.\n\nReply\n\n"
    )
    article = parse_page(page)
    assert [(c.author, c.posted_raw) for c in article.comments] == [
        ("Pam Lee", "March 5, 2024 4:11 AM"),
        ("sam_r", "March 5, 2024 4:21 AM"),
        ("Kim O.", "March 6, 2024 9:02 AM"),
    ]


def test_single_comment_with_its_date_as_a_footer():
    # One comment whose date follows its text (a Blogger-style footer), then the comment form: the
    # layout reads as a footer even with a single date line to learn from.
    page = ARTICLE_EN + (
        "1 comment:\n\n"
        "Emily Park said...\n\n    Just read this, and the library funding is great news for us.\n\n"
        "    October 9, 2012 3:04 PM [icon_delete]\n\n"
        "Post a Comment\n\nOlder Post Home\n"
    )
    article = parse_page(page)
    assert len(article.comments) == 1
    assert article.comments[0].posted_raw == "October 9, 2012 3:04 PM"
    assert article.comments[0].text.startswith("Just read this")  # its "said..." line names it
    assert article.comments[0].author == "Emily Park"  # not the image placeholder beside the date
    assert "Post a Comment" not in article.comments[0].text


def test_comment_count_heading_with_a_link_after_a_dash():
    # "one comment – permalink": the count heads the thread even with a link after it.
    page = ARTICLE_EN + (
        "one comment – permalink\n\n"
        "Jennie Park writes\n11/09/12 at 11:18 am\n\n"
        "This is so good for the libraries, I will go this weekend!\n\n"
        "Leave a Comment\n"
    )
    article = parse_page(page)
    assert article.declared_comment_count == 1
    assert [c.posted_raw for c in article.comments] == ["11/09/12 at 11:18 am"]
    assert article.comments[0].text == "This is so good for the libraries, I will go this weekend!"


def test_count_heading_glued_to_the_next_element():
    # A text rendering glued the heading to the next link: "1 CommentNo Reactions".
    page = ARTICLE_EN + (
        "1 CommentNo Reactions\n\n"
        "   1. Dana Whitfield\n      4 Nov 2012 at 11:22 pm\n\n"
        "    Nice work on the library story, the new hours will help a lot of us.\n\n"
        "      Reply\n\nLeave a Comment\n"
    )
    article = parse_page(page)
    assert article.declared_comment_count == 1
    assert [c.posted_raw for c in article.comments] == ["4 Nov 2012 at 11:22 pm"]
    assert article.comments[0].text.startswith("Nice work on the library story")
    # ... and a word merely starting with a comment word is no heading.
    assert parse_page(ARTICLE_EN + "3 commentsxyz\n").declared_comment_count is None


@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_a_lone_comment_with_its_name_under_the_date(gap):
    # "5 hours ago" / "Jennifer H." / text, under a count-less heading and a sign-in line; a text dump
    # may put a blank line between each.
    page = ARTICLE_EN + gap.join(
        [
            "Comments\n",
            "Log in or join now to add a comment.\n",
            "5 hours ago\n",
            "Jennifer H.\n",
            "Don't really see how the new hours help anyone who works late.\n",
            "Follow Us\n",
        ]
    )
    article = parse_page(page)
    assert [c.posted_raw for c in article.comments] == ["5 hours ago"]
    assert article.comments[0].text.endswith("Don't really see how the new hours help anyone who works late.")


def test_a_commenter_badge_glued_to_the_name_is_not_the_name():
    page = ARTICLE_EN + (
        "Reader Comments (2)\n\n"
        "July 31, 2012 | Unregistered CommenterPW\n"
        "I'm gonna have to rethink the whole library schedule now.\n\n"
        "August 1, 2012 | Registered CommenterDana Kim\n"
        "Same here, the new hours suit us much better.\n\n"
        "Leave a comment\n"
    )
    assert [c.author for c in parse_page(page).comments] == ["PW", "Dana Kim"]


def test_names_glued_to_their_verb_in_every_header():
    page = ARTICLE_EN + (
        "3 Comments\n\n"
        "Big Daddywrote on November 13th, 2012 at 3:43 am\n"
        "The library should open on Sundays as well.\n\n"
        "Phil Whiteresponded to Big Daddy on November 13th, 2012 at 4:18 am\n"
        "Agreed, Sunday mornings would suit families.\n\n"
        "Rashid Alsaidwrote on November 13th, 2012 at 5:02 am\n"
        "The budget is the real question here.\n\n"
        "Leave a Reply\n"
    )
    article = parse_page(page)
    assert [c.author for c in article.comments] == ["Big Daddy", "Phil White", "Rashid Alsaid"]
    # ... a name that merely ends in a verb keeps it when the page does not glue verbs.
    page = ARTICLE_EN + (
        "2 Comments\n\n"
        "Rashid Alsaid on November 13th, 2012 at 3:43 am\n"
        "The library should open on Sundays as well.\n\n"
        "Dana Kim on November 13th, 2012 at 4:18 am\n"
        "Agreed, Sunday mornings would suit families.\n\n"
        "Leave a Reply\n"
    )
    assert [c.author for c in parse_page(page).comments] == ["Rashid Alsaid", "Dana Kim"]


@pytest.mark.parametrize(
    ("heading", "stamps"),
    [
        ("3 Kommentare", ["3. November um 14:32", "3. November um 15:05", "4. November um 09:12"]),
        ("3 commentaires", ["le 3 novembre à 14h32", "le 3 novembre à 15h05", "le 4 novembre à 09h12"]),
        ("3 Comments", ["3 November at 14:32", "3 November at 15:05", "4 November at 09:12"]),
    ],
)
def test_day_month_stamps_without_a_year(heading, stamps):
    # European comment stamps of the current year: day, month name and time, no year.
    names = ["Anna Berger", "Jonas Keller", "Marie Schulz"]
    texts = [
        "Finally the libraries get the money they were promised years ago.",
        "And who pays for it in the end? The tenants again, as always.",
        "The debate was worth watching anyway, thanks for the detailed report.",
    ]
    thread = "".join(f"{n}\n{s}\n{t}\n\n" for n, s, t in zip(names, stamps, texts, strict=True))
    article = parse_page(ARTICLE_EN + f"{heading}\n\n" + thread + "Leave a comment\n")
    dates = [s.removeprefix("le ") for s in stamps]  # the date itself, without its article
    assert [(c.author, c.posted_raw) for c in article.comments] == list(zip(names, dates, strict=True))


PHPBB_TOPIC = """Best budget road bike under $1000?

Post Reply 4 posts • Page 1 of 1

by newrider88 » Sat Feb 10, 2024 6:22 pm
I'm looking to get my first road bike. Budget is around $1000. Any recommendations? I ride mostly on weekends.
newrider88
New Member
Joined: Fri Feb 09, 2024 9:00 pm

by gravelgrinder » Sat Feb 10, 2024 7:05 pm
Look at the Triban RC 520 from Decathlon. Disc brakes, decent groupset, and well under budget.
gravelgrinder
Regular
Joined: Tue Mar 03, 2015 10:11 am

by MsSpoke » Sun Feb 11, 2024 8:40 am
Seconded. Also check used bikes, you can get a lot more for the money.
MsSpoke
Member
Joined: Wed Jun 01, 2022 3:30 pm
"""


@pytest.mark.parametrize("glue", ["\n", ""])
def test_a_forum_profiles_joined_date_heads_no_post(glue: str):
    """phpBB prints each poster's profile ("Joined: DATE") beside the post: those dates had made a
    comment of every profile (inscriptis glues the profile's lines: "MemberJoined: ...")."""
    page = PHPBB_TOPIC.replace("Member\nJoined", f"Member{glue}Joined")
    article = parse_page(page, fmt="text")
    assert [(c.author, c.posted_raw) for c in article.comments][-2:] == [
        ("gravelgrinder", "Sat Feb 10, 2024 7:05 pm"),
        ("MsSpoke", "Sun Feb 11, 2024 8:40 am"),
    ]
    assert not any("Joined" in c.text for c in article.comments)


@pytest.mark.parametrize(
    ("heading", "count"),
    [
        ("3,412 Comments", 3412),
        ("1.204 Kommentare", 1204),
        ("3 412 commentaires", 3412),
        ("Comments (1,024)", 1024),
    ],
)
def test_a_stated_count_with_thousands_separated_is_read_whole(heading: str, count: int):
    """ "3,412 Comments" had declared 412."""
    page = (
        "How the new bridge was built in 90 days\n\n"
        "A time-lapse of the new pedestrian bridge, from the first pile to the opening day, with commentary"
        " from the site engineers who worked on it through the winter.\n\n"
        f"{heading}\n\n@marcus_builds\n2 days ago\nThe pile driving at 3:20 is so satisfying.\nReply\n"
    )
    assert parse_page(page, fmt="text").declared_comment_count == count


@pytest.mark.parametrize(
    ("line", "count"),
    [
        ("Posted on November 1, 2012  Comments (0)", 0),  # Dragnet R441: had declared 2012
        ("Posted: 11/01/2012 Comments (4)", 4),
        ("Posted on 2012-11-01 Comments (3)", 3),  # had declared 1 (the day)
        ("Posted November 1, 2012 | 2012 comments", 2012),  # a big thread after the date still counts
        ("2012 comments", 2012),
        ("By Ann on March 3, 2012 with 5 Comments", 5),
    ],
)
def test_a_year_in_a_date_is_no_comment_count(line: str, count: int):
    """The number of a date ("November 1, 2012") in a post's meta line is the date's, not a comment count."""
    ln = _classify_one(line, 0, None, False, 0)
    assert (ln.opener, ln.count) == (True, count)


def test_a_date_line_with_a_bare_comments_link_is_no_counter():
    """ "Posted on November 1, 2012 Comments" (a link to the comments) states no count: no opener."""
    ln = _classify_one("Posted on November 1, 2012 Comments", 0, None, False, 0)
    assert (ln.opener, ln.count) == (False, None)


def test_a_pingback_header_is_one_comment_under_its_long_name():
    # A pingback's "name" is the linking post's title and blog: longer than a person's, it was left out of
    # the header, and became an empty comment of its own above an authorless one.
    names = ["Anna Berg", "Why the budget matters | The Civic Ledger", "Tom Reyes", "Li Wei"]
    comments = parse_page(_says_thread(names)).comments
    assert [c.author for c in comments] == names
    assert all(c.text and c.posted_at for c in comments)


def _footer_thread(stamp: str = "") -> str:
    """Comments closed by "Posted by: NAME | DATE" footers, with no heading above them."""
    page = ARTICLE_EN + stamp
    for i, name in enumerate(["Ann Smith", "Bob Jones", "Carl Weir", "Dee Park"]):
        page += f"My view number {i} on the library money.\nPosted by: {name} | March {i + 3}, 2021 at 10:1{i} AM\n\n"
    return page


def test_the_first_comment_of_a_footer_section_without_a_heading_keeps_its_text():
    # The section started at the first footer, so the text above it (its comment's) stayed in the body.
    article = parse_page(_footer_thread())
    assert [c.text for c in article.comments] == [
        f"My view number {i} on the library money." for i in range(4)
    ]
    assert "My view" not in article.body


def test_an_update_stamp_above_footers_is_the_articles_not_a_comment():
    # "UPDATE <date>" led the footers as an empty comment by "UPDATE", and the update's paragraph went
    # into the first comment.
    update = "The vote was confirmed by the mayor on Wednesday morning after a short session."
    article = parse_page(_footer_thread(f"UPDATE March 2, 2021 at 09:00\n{update}\n\n"))
    assert [c.author for c in article.comments] == ["Ann Smith", "Bob Jones", "Carl Weir", "Dee Park"]
    assert article.comments[0].text == "My view number 0 on the library money."
    assert update in article.body


@pytest.mark.parametrize(
    "heading", ["Trending", "Most read", "Lesen Sie auch", "Les plus lus", "الأكثر قراءة"]
)
def test_a_dated_list_under_a_most_read_heading_after_the_thread_is_no_comments(heading: str):
    # The list's items ("HEADLINE 4 hours ago") share the comment headers' shape; read as headers they were
    # comments by their headlines, and the heading ended the last real comment.
    page = ARTICLE_EN + "3 Comments\n\n"
    for i, name in enumerate(["Ann Smith", "Bob Jones", "Carl Weir"]):
        page += f"{name} {i + 2} hours ago\n\nMy view number {i} on the library money.\n\n"
    page += f"{heading}\n\n  * Gold prices hit a record ahead of the holidays 4 hours ago\n"
    page += "  * Metro line three to open in April 8 hours ago\n\nAbout us Contact Privacy policy\n"
    comments = parse_page(page).comments
    assert [c.author for c in comments] == ["Ann Smith", "Bob Jones", "Carl Weir"]
    assert comments[-1].text == "My view number 2 on the library money."


def test_a_counter_in_the_posts_byline_under_a_prose_headline_heads_no_thread():
    # "N points by NAME | N comments" sits between the headline and the post's own text: taken for the
    # thread's heading, it made the post "comment section chrome" and left the body empty.
    post = (
        "We are a team of five engineers running a payments service that has to be up around the clock.\n"
        "Right now everyone is on call one week in five, and the week on call is miserable for all of us.\n\n"
        "What has worked for you? I am interested in how small teams decide which alerts may wake someone.\n\n"
    )
    page = "Ask: How do you keep a small team's on-call rotation humane for everyone?\n"
    page += "212 points by quietpager 7 hours ago | hide | past | favorite | 96 comments\n" + post
    for i, name in enumerate(["kthxbai", "mdrlogan", "pagerfree"]):
        page += f"{name} {6 - i} hours ago | next\n\nWe moved every noisy alert {i} to a daytime queue.\n\nreply\n\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == ["kthxbai", "mdrlogan", "pagerfree"]
    assert "payments service" in article.body and "wake someone" in article.body


def test_stamps_with_and_without_an_optional_badge_are_one_thread():
    # "Transport planner · 2 days ago" under some names and a bare "2 days ago" under others were two
    # shapes: the thread was read as the badged half, the others folded into their text.
    page = ARTICLE_EN + "4 comments\n\n"
    for name, stamp in [
        ("Margaret Olufemi", "Transport planner · 2 days ago"),
        ("Henrik Sorensen", "2 days ago"),
        ("Laura Beaumont", "1 day ago"),
        ("Tobias Keane", "Retired signaller · 5 hours ago"),
    ]:
        page += f"{name}\n\n{stamp}\n\nMy view on the budget, from {name.split()[0]}.\n\nLike 3 Reply\n\n"
    comments = parse_page(page).comments
    assert len(comments) == 4
    assert [c.text for c in comments] == [
        f"My view on the budget, from {n}." for n in ("Margaret", "Henrik", "Laura", "Tobias")
    ]


def test_footers_with_rating_rows_and_no_heading_close_their_comments():
    # Text, then "NAME, City, 3 hours ago", then its rating and action rows (Daily Mail's layout): with no
    # heading it was read as headers, every author and time one comment off and the first text in the body.
    page = ARTICLE_EN + "The comments below have been moderated in advance.\n\n"
    for i, (name, place) in enumerate(
        [("Sunny_Days", "Leeds"), ("RealistRob", "Bristol"), ("grannyjo", "Perth")]
    ):
        page += f"My view number {i} on the library money.\n\n{name}, {place}, United Kingdom, {i + 2} hours ago\n\n"
        page += f"Click to rate ▲ {40 - i} ▼\nReply Report\n\n"
    page += "View all\n\nBy posting your comment you agree to our house rules.\n"
    comments = parse_page(page).comments
    assert [c.text for c in comments] == [f"My view number {i} on the library money." for i in range(3)]
    # The place after each name is where the reader is, not who (learned: every header shows one).
    assert [c.author for c in comments] == ["Sunny_Days", "RealistRob", "grannyjo"]


def test_one_name_with_a_comma_keeps_it():
    """A single "Smith, John" among plain names is the name as the reader wrote it."""
    names = ["Smith, John", "Ann Lee", "Bob Roy", "Cy Fox"]
    assert [c.author for c in parse_page(names_over_stamps(names)).comments] == names


@pytest.mark.parametrize(
    "row", ["Recommend 412ReplyShareFlag", "▲ 5▼ 0ReplyShareReport", "Reply48Share", "Like 14Reply…"]
)
def test_buttons_glued_around_a_count_are_an_action_row(row: str):
    # A text dump of buttons with no space between them, a count inside: the row was read as the next
    # comment's name line ("412ReplyShareFlag David R.") or as the comment's last line.
    comments = parse_page(three_comments_with(row)).comments
    assert [c.author for c in comments] == ["Ann Smith", "Bob Jones", "Carl Weir"]
    assert [c.text for c in comments] == [f"My view number {i} on the library money." for i in range(3)]


@pytest.mark.parametrize(
    ("stamps", "raw"),
    [
        (["12 de marzo de 2024 a las 14:0{i}"] * 3, "12 de marzo de 2024 a las 14:0{i}"),
        (["منذ {n} ساعات"] * 3, "منذ {n} ساعات"),
    ],
)
def test_a_name_glued_to_a_long_or_arabic_stamp_is_a_header(stamps: list[str], raw: str):
    # A script-drawn widget puts no space between the name's element and the stamp's: the gate looked
    # for a glued date only in lines of under six spaces (a Spanish date alone has seven) and knew no
    # Arabic "منذ" after a letter.
    page = ARTICLE_EN + "3 Comments\n\n"
    names = ["vecino_del_casco", "Ana Ruiz", "مواطن غيور"]
    for i, (name, stamp) in enumerate(zip(names, stamps, strict=True)):
        page += f"{name}{stamp.format(i=i, n=i + 3)}\n\nMy view number {i} on the library money.\n\n"
    comments = parse_page(page).comments
    assert [c.author for c in comments] == names
    assert [c.posted_raw for c in comments] == [raw.format(i=i, n=i + 3) for i in range(3)]


@pytest.mark.parametrize(
    "row",
    ["Antworten Melden Empfehlen 14", "أعجبني (9) رد إبلاغ", "Odpowiedz Zgłoś", "Ответить Пожаловаться"],
)
def test_action_rows_in_other_languages_are_no_part_of_the_text(row: str):
    comments = parse_page(three_comments_with(row)).comments
    assert [c.text for c in comments] == [f"My view number {i} on the library money." for i in range(3)]


def test_a_byline_counter_under_a_question_headline_heads_no_thread_in_html():
    # The headline ends in "?", a sentence by its punctuation: one sentence before the counter is still
    # only the headline, and the post below it is the body.
    comments = "".join(
        f'<div class="comment"><span class="user">{name}</span> <span class="age">{6 - i} hours ago</span>'
        f"<p>We moved every noisy alert {i} to a daytime queue.</p><a>reply</a></div>"
        for i, name in enumerate(["kthxbai", "mdrlogan", "pagerfree"])
    )
    page = (
        "<html><head><title>How do you keep on-call humane? | Forum</title></head><body>"
        "<div>Forum new | past | comments | ask | show | jobs | submit</div><div>login</div>"
        "<table><tr><td><span class='titleline'><a href='item?id=1'>How do you keep a small team's on-call "
        "rotation humane?</a></span></td></tr></table>"
        "<div>212 points by quietpager 7 hours ago | hide | past | 96 comments</div>"
        "<p>We are a team of five engineers running a payments service that has to be up all day.</p>"
        "<p>Right now everyone is on call one week in five, and the week on call is miserable for us.</p>"
        f"<div class='comments'>{comments}</div></body></html>"
    )
    article = parse_page(page, fmt="html")
    assert [c.author for c in article.comments] == ["kthxbai", "mdrlogan", "pagerfree"]
    assert "payments service" in article.body and "miserable" in article.body
