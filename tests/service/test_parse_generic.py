# ruff: noqa: E501  (the HTML fixtures below are one element per line, as CMSes write them)
"""Header shapes from CMSes that are not among the shared pages: the segmenter must learn them from
the page's own structure. Each page here is written for the test; none comes from a shared site."""

from __future__ import annotations

import pytest

from core.records import Dropped
from service.parse import parse_page

ARTICLE_EN = (
    "City council approves new budget after long debate\n\n"
    "The city council approved a new budget on Tuesday after a debate that lasted more than six hours and "
    "included dozens of public speakers from across the city.\n\n"
    "Council members said the budget reflects the priorities of residents, including road repairs, "
    "libraries and public safety, while keeping taxes flat for the third year in a row.\n\n"
)
ARTICLE_BODY_EN = ARTICLE_EN.split("\n\n", 1)[1]  # without the headline


def test_bullet_separated_relative_headers_with_action_rows():
    page = ARTICLE_EN + (
        "12 Comments\n\nSort by Newest\n\n"
        "John Smith • 3 years ago\nGreat article, thanks for covering this.\nReply • Share ›\n\n"
        "Jane Doe • 3 years ago\nI disagree with the council on the library funding.\nReply • Share ›\n\n"
        "Mark T • 2 years ago\nTaxes flat? We will see next year.\nReply • Share ›\n\n"
        "Load more comments\nPowered by Disqus\n"
    )
    article = parse_page(page)
    assert [c.author for c in article.comments] == ["John Smith", "Jane Doe", "Mark T"]
    assert [c.text for c in article.comments] == [
        "Great article, thanks for covering this.",
        "I disagree with the council on the library funding.",
        "Taxes flat? We will see next year.",
    ]
    assert [c.posted_raw for c in article.comments] == ["3 years ago", "3 years ago", "2 years ago"]
    assert all(c.posted_at is None for c in article.comments)  # relative: no reference time
    assert article.declared_comment_count == 12
    dropped = {d.text for d in article.dropped}
    assert {"Reply • Share ›", "Load more comments", "Sort by Newest"} <= dropped
    assert "Reply" not in article.body


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


def test_related_stories_with_relative_times_are_not_comments():
    page = ARTICLE_EN + (
        "Related stories\nStorm damages homes in the north\n2 hours ago\nFlood defences to be upgraded\n"
        "5 hours ago\nRiver levels rising fast\n1 day ago\n\nMost read\nShare this article\n"
    )
    assert parse_page(page).comments == ()


def test_teaser_bylines_under_a_more_from_heading_are_not_comments():
    page = ARTICLE_EN + (
        "More from our newsroom\n\n"
        "Bridge repairs to finish early\nBy Jane Doe | March 3, 2021\nThe repairs will finish two weeks early.\n\n"
        "New park opens downtown\nBy Tom Lee | March 2, 2021\nThe park has a playground and a pond.\n\n"
        "Council votes on budget\nBy Ann Marie | March 1, 2021\nThe vote is expected to be close.\n"
    )
    assert parse_page(page).comments == ()


def test_interview_quotes_are_not_comments():
    page = (
        ARTICLE_EN
        + "The mayor said:\nWe are proud of this budget.\n\nThe opposition leader said:\nIt is a mistake.\n"
    )
    assert parse_page(page).comments == ()


def test_html_and_text_renderings_give_the_same_split():
    html = (
        "<html><head><title>Budget vote</title></head><body><nav><a>Home</a> <a>News</a></nav>"
        "<h1>City council approves new budget after long debate</h1>"
        "<p>The city council approved a new budget on Tuesday after a debate that lasted more than six hours "
        "and included dozens of public speakers from across the city.</p>"
        "<section class='comments'><h3>3 responses to “City council approves new budget”</h3><ol>"
        "<li class='comment'><div class='comment-author'>Ann Lee says:</div>"
        "<div>March 2, 2021 at 4:11 pm</div>"
        "<p>Good news for the libraries.</p><a>Reply</a>"
        "<ul class='children'><li class='comment'><div>Bo Chen says:</div><div>March 2, 2021 at 5:02 pm</div>"
        "<p>Agreed, finally.</p><a>Reply</a></li></ul></li>"
        "<li class='comment'><div>Cy Díaz says:</div><div>March 3, 2021 at 9:30 am</div>"
        "<p>What about the buses?</p><a>Reply</a></li></ol></section>"
        "<form><h3>Leave a Reply</h3><label>Comment</label></form></body></html>"
    )
    article = parse_page(html.encode())
    assert article.format == "html"
    assert article.title == "City council approves new budget after long debate"
    assert [(c.author, c.posted_at, c.text, c.parent) for c in article.comments] == [
        ("Ann Lee", "2021-03-02T16:11:00", "Good news for the libraries.", None),
        ("Bo Chen", "2021-03-02T17:02:00", "Agreed, finally.", 0),
        ("Cy Díaz", "2021-03-03T09:30:00", "What about the buses?", None),
    ]
    assert article.declared_comment_count == 3
    assert "Leave a Reply" not in article.body and "Home" not in article.body
    text = "\n\n".join(
        [
            "City council approves new budget after long debate",
            "The city council approved a new budget on Tuesday after a debate that lasted more than six "
            "hours and included dozens of public speakers from across the city.",
            "3 responses to “City council approves new budget”",
            " 1. Ann Lee says:\n    March 2, 2021 at 4:11 pm\n\n"
            "    Good news for the libraries.\n\n    Reply",
            "     1. Bo Chen says:\n        March 2, 2021 at 5:02 pm\n\n"
            "        Agreed, finally.\n\n        Reply",
            " 2. Cy Díaz says:\n    March 3, 2021 at 9:30 am\n\n    What about the buses?\n\n    Reply",
            "Leave a Reply",
        ]
    )
    from_text = parse_page(text)
    assert [(c.author, c.posted_at, c.text, c.parent) for c in from_text.comments] == [
        (c.author, c.posted_at, c.text, c.parent) for c in article.comments
    ]


DRUPAL_LIKE = """<!DOCTYPE html><html><head><title>Library hours extended | Town News</title></head><body>
<header><nav><ul><li><a>Home</a></li><li><a>News</a></li><li><a>Sports</a></li></ul></nav></header>
<main><article><h1>Library hours extended</h1><div class="submitted">Submitted by editor on Mon, 03/01/2021 - 09:00</div>
<p>The town library will open until nine in the evening on weekdays starting next month, the council announced on Monday after a survey of residents.</p>
<p>The change costs about twenty thousand dollars a year and will be paid from the culture budget, which was increased last autumn.</p></article>
<section class="comments"><h2 class="title">Comments</h2>
<article class="comment"><footer><span class="username">alice</span> <span>Tue, 03/02/2021 - 16:11</span></footer><div class="content"><h3>Great news</h3><p>Finally I can go after work.</p></div><ul class="links"><li><a>Reply</a></li></ul></article>
<div class="indented"><article class="comment"><footer><span class="username">bob</span> <span>Tue, 03/02/2021 - 17:40</span></footer><div class="content"><h3>Re: Great news</h3><p>Same here, thanks council.</p></div><ul class="links"><li><a>Reply</a></li></ul></article></div>
<article class="comment"><footer><span class="username">carol</span> <span>Wed, 03/03/2021 - 08:05</span></footer><div class="content"><h3>Cost</h3><p>Twenty thousand seems a lot for three hours.</p></div><ul class="links"><li><a>Reply</a></li></ul></article>
</section>
<section><h2>Add new comment</h2><form><label>Your name</label><label>Comment</label><button>Save</button></form></section></main>
<footer><p>© 2021 Town News. All rights reserved.</p></footer></body></html>
"""

DISQUS_LIKE = """<html><head><title>Transit plan</title></head><body><h1>New transit plan unveiled</h1>
<p>The regional transit authority unveiled a plan on Thursday to add three new bus lines and extend evening service on the two busiest train routes by the end of next year.</p>
<div id="disqus_thread"><div class="thread-meta"><span class="comment-count">2 comments</span><a>Login</a></div>
<ul class="post-list"><li class="post"><div class="post-content"><div class="post-byline"><span class="author"><a>Rider42</a></span><span class="post-meta"><a class="time-ago" title="Thursday, March 4, 2021 10:15 AM">5 days ago</a></span></div>
<div class="post-body"><p>About time. The 9 bus is always full.</p></div><footer><a>Reply</a> <a>Share ›</a></footer></div>
<ul class="children"><li class="post"><div class="post-content"><div class="post-byline"><span class="author"><a>Commuter Joe</a></span><span class="post-meta"><a class="time-ago">4 days ago</a></span></div>
<div class="post-body"><p>Rider42 agreed, and the 12 too.</p></div><footer><a>Reply</a> <a>Share ›</a></footer></div></li></ul></li></ul></div>
</body></html>
"""


def test_html_submitted_by_footers_with_indented_replies():
    article = parse_page(DRUPAL_LIKE.encode())
    assert [(c.author, c.posted_at, c.parent) for c in article.comments] == [
        ("alice", "2021-03-02T16:11:00", None),
        ("bob", "2021-03-02T17:40:00", 0),
        ("carol", "2021-03-03T08:05:00", None),
    ]
    assert article.comments[0].text == "Great news\nFinally I can go after work."
    assert article.title == "Library hours extended"
    assert article.body.startswith(
        "Submitted by editor on Mon, 03/01/2021 - 09:00\nThe town library will open"
    )
    assert "Home" not in article.body and "All rights reserved" not in article.body


def test_html_inline_author_and_relative_time_spans_do_not_glue():
    article = parse_page(DISQUS_LIKE.encode())
    assert article.declared_comment_count == 2
    assert [(c.author, c.posted_raw, c.parent) for c in article.comments] == [
        ("Rider42", "5 days ago", None),
        ("Commuter Joe", "4 days ago", 0),
    ]
    assert [c.text for c in article.comments] == [
        "About time. The 9 bus is always full.",
        "Rider42 agreed, and the 12 too.",
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

POINTS_HEADERS_AND_ACTION_ROWS = """Why is my build so slow?

I have a project with about two hundred modules and the build takes ten minutes on a fast laptop even when I change a single file, which seems far too slow to me.

all 3 comments

sorted by: best

[–]alice_dev 12 points 6 years ago
Turn on incremental compilation.
permalink embed save report reply

[–]bob42 5 points 6 years ago
Check whether a code generator runs on every build.
permalink embed save parent report reply

[–]carol 2 points 6 years ago
Profile it first.
permalink embed save report reply
"""


def test_posted_by_pipe_footers():
    article = parse_page(POSTED_BY_PIPE_FOOTERS)
    assert [(c.author, c.posted_at, c.text) for c in article.comments] == [
        ("Helen", "2021-03-03T10:15:00", "The tulips look wonderful in the photos."),
        ("Sam W.", "2021-03-03T14:40:00", "Which variety are the red ones?"),
    ]


def test_points_in_headers_and_action_rows():
    article = parse_page(POINTS_HEADERS_AND_ACTION_ROWS)
    assert [(c.author, c.text) for c in article.comments] == [
        ("alice_dev", "Turn on incremental compilation."),
        ("bob42", "Check whether a code generator runs on every build."),
        ("carol", "Profile it first."),
    ]
    assert article.declared_comment_count == 3


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


def _three_comments_with(row: str) -> str:
    page = ARTICLE_EN + "3 Comments\n\n"
    for i, name in enumerate(["Ann Smith", "Bob Jones", "Carl Weir"]):
        page += f"{name}\n{i + 2} hours ago\n\nMy view number {i} on the library money.\n{row}\n\n"
    return page + "Leave a Reply\n"


@pytest.mark.parametrize("row", ["3 replies", "0 replies", "1 reply", "2 réponses", "4 Antworten"])
def test_a_reply_counter_under_each_comment_is_not_a_page_of_teasers(row):
    # "3 replies" under every comment is each comment's own counter, not a blog front page's
    # "5 Comments" per teaser: the thread was rejected and every comment lost.
    article = parse_page(_three_comments_with(row))
    assert [c.author for c in article.comments] == ["Ann Smith", "Bob Jones", "Carl Weir"]
    assert [c.text for c in article.comments] == [
        f"My view number {i} on the library money." for i in range(3)
    ]


@pytest.mark.parametrize(
    "row",
    [
        "View 2 replies",
        "Reply to Ann",
        "Posted in reply to Ann",
        "Edited",
        "(edited)",
        "Flag as inappropriate",
        "Thumbs up 3",
        "Liked by 3 people",
        "Like Liked by 2 people",
        "Was this helpful? Yes No",
        "Gefällt mir",
    ],
)
def test_per_comment_action_rows_are_not_comment_text(row):
    article = parse_page(_three_comments_with(row))
    assert [c.text for c in article.comments] == [
        f"My view number {i} on the library money." for i in range(3)
    ]
    assert row in {d.text for d in article.dropped}


@pytest.mark.parametrize(
    "tail", ["Show 12 more comments", "Load 5 more replies", "Terms of Service | Privacy Policy | Contact Us"]
)
def test_page_chrome_after_the_last_comment_is_not_its_text(tail):
    page = _three_comments_with("Reply").replace("Leave a Reply\n", tail + "\n")
    article = parse_page(page)
    assert article.comments[-1].text == "My view number 2 on the library money."
    assert tail in {d.text for d in article.dropped}


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


def test_a_cookie_notice_between_comments_is_not_comment_text():
    notice = (
        "We use cookies to improve your experience on our site. By continuing to browse you agree to our "
        "use of cookies."
    )
    page = _three_comments_with("Reply").replace("Bob Jones\n", notice + "\n\nBob Jones\n")
    article = parse_page(page)
    assert [c.text for c in article.comments] == [
        f"My view number {i} on the library money." for i in range(3)
    ]
    assert (notice, "cookie notice") in {(d.text, d.reason) for d in article.dropped}


def test_a_reader_complaining_about_moderation_keeps_their_words():
    # Long lines about comments and moderation are a policy paragraph outside a comment, but a
    # reader's own sentence inside one.
    line = "The comments here are moderated far too harshly, and abusive ones stay up while mine go."
    page = _three_comments_with("Reply").replace("My view number 1 on the library money.", line)
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
    page = _three_comments_with("Reply").replace("My view number 1 on the library money.", text)
    assert parse_page(page).comments[1].text == text


@pytest.mark.parametrize(
    "line",
    [
        "Share on Facebook if you agree!!!",
        "Most popular opinion ever",
        "Leave a comment if you agree with me",
        "Subscribe to my channel for the truth",
        "More from this clown of an author",
        "Sign up for the protest on Friday",
    ],
)
def test_a_readers_line_that_looks_like_furniture_stays_in_the_comment(line):
    # Furniture patterns ("share on ...", "most popular ...", "subscribe ...") matched short lines a
    # reader wrote and dropped them: spam and abuse never reached the moderator.
    text = f"{line}\nThat is all I have to say."
    page = _three_comments_with("Reply").replace("My view number 1 on the library money.", text)
    assert parse_page(page).comments[1].text == text


def test_furniture_repeated_in_every_comment_is_still_dropped():
    article = parse_page(_three_comments_with("Share on Facebook"))
    assert [c.text for c in article.comments] == [
        f"My view number {i} on the library money." for i in range(3)
    ]


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
    page = _three_comments_with(row).replace("My view number 2 on the library money.", text)
    page += "\n\nAbout us\nContact us\nPrivacy policy\n"
    article = parse_page(page)
    assert article.comments[2].text == text


def test_a_plus_one_comment_keeps_its_text():
    # "+1" alone reads as a vote counter; as a comment's only line it is what the reader wrote.
    page = _three_comments_with("Reply").replace("My view number 1 on the library money.", "+1")
    assert [c.text for c in parse_page(page).comments][1] == "+1"


def test_name_blank_line_date_headers_with_reply_counters():
    """Name, blank line, date: learned from the page when most headers show it. Each comment's own
    "Responses (0)" counter heads no section, and a "Response to NAME, DATE" line is the reply's text."""
    thread = "".join(
        f"  • {name}\n\n    1 November 2012 {time}\n\n    {text}\n\n"
        "  • \n      □ Recommend? (3)\n      □ Responses (0)\n      □ Report\n\n"
        for name, time, text in (
            ("rusticred", "9:37PM", "Who needs small government when the storm has opened the debate?"),
            ("IanCW", "9:48PM", "And yet he still found the time to have a dig at the unions."),
            ("Alishia Mason", "9:58PM", "Either way I liked the article, it was a good read."),
        )
    )
    reply = "  • \n\n    1 November 2012 10:16PM\n\n    Response to IanCW, 1 November 2012 9:48PM\n\n    Bigger storms are coming.\n"
    page = ARTICLE_EN + "3 comments, displaying first\n\nSort comments by [Oldest]\n\n" + thread + reply
    article = parse_page(page)
    assert [c.author for c in article.comments] == ["rusticred", "IanCW", "Alishia Mason", None]
    assert [c.posted_raw for c in article.comments][:3] == [
        "1 November 2012 9:37PM",
        "1 November 2012 9:48PM",
        "1 November 2012 9:58PM",
    ]
    assert article.comments[0].text.startswith("Who needs small government")
    assert "Bigger storms are coming." in article.comments[3].text
    assert "rusticred" not in article.body


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


def test_two_said_lines_in_an_article_are_no_thread():
    """Fewer than three "NAME said:" lines without a heading read as quotes in the article."""
    page = (
        ARTICLE_EN + "The mayor said:\n\nWe will fix the roads.\n\nHer deputy said:\n\nAnd the libraries.\n\n"
    )
    assert parse_page(page).comments == ()


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


def test_a_posters_own_comment_counter_above_the_date_is_part_of_the_header():
    """ "Total Comments (1465)" right above each date is the poster's tally, not a front page's teaser."""
    thread = "".join(
        f"{k}\n\n{name}\nTotal Comments ({total})\nNovember 12, 2012  {time} PM ET\nReport Abuse | QUOTE\n\n{text}\n\n"
        for k, (name, total, time, text) in enumerate(
            (
                ("Flea Biscuit", 1465, "01:42", "That would be appropriate, as they play away next week."),
                ("Debbie Does", 16769, "01:45", "Appropriate why? Because it is a Monday night game?"),
                ("Flea Biscuit", 1465, "01:57", "I think you missed the whole reference."),
            ),
            start=1,
        )
    )
    article = parse_page(ARTICLE_EN + "Comments (3) Add A Comment\n\n" + thread)
    assert [c.posted_raw for c in article.comments] == [
        "November 12, 2012  01:42 PM",
        "November 12, 2012  01:45 PM",
        "November 12, 2012  01:57 PM",
    ]
    assert "Appropriate why?" in article.comments[1].text


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


def test_a_byline_under_a_comment_link_above_the_article_is_no_comment():
    page = "Comment\n\nCouncil approves new budget\nGregory Smith\nposted 16 mins ago\n\n" + ARTICLE_BODY_EN
    assert parse_page(page).comments == ()


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


def test_undated_list_of_headlines_under_a_heading_is_not_comments():
    # The same shape holding headlines (a sidebar under "Comments"): no sentences under the items.
    page = ARTICLE_EN + (
        "Comments\n\n"
        "  • Recent Posts\n\n    Budget vote delayed again\n    Library hours cut in three districts\n\n"
        "  • Archives\n\n    March 2024\n    February 2024\n    January 2024\n\n"
        "  • Photos\n\n    Storm damage downtown\n    Marathon in pictures\n\n"
    )
    article = parse_page(page)
    assert article.comments == ()


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


def test_undated_list_items_under_a_comment_policy():
    # No comment heading: the site's comment policy stands above the "• NAME" items.
    page = ARTICLE_EN + (
        "We welcome comments on our stories, but we require civility; comments that break these rules "
        "may be removed by our moderators.\n\n"
        "  • Pat Lee\n\n    The library cuts are the wrong place to save money, and everyone on my street agrees.\n\n"
        "  • Sam R\n\n    Roads first. Our street has had the same potholes for three winters now.\n\n"
    )
    article = parse_page(page)
    assert [c.author for c in article.comments] == ["Pat Lee", "Sam R"]
    assert "potholes" not in article.body


HTML_ARTICLE = (
    "<html><head><title>Budget vote</title></head><body>"
    "<h1>City council approves new budget after long debate</h1>"
    "<p>The city council approved a new budget on Tuesday after a debate that lasted more than six hours "
    "and included dozens of public speakers from across the city.</p>"
    "<p>Council members said the budget reflects the priorities of residents, including road repairs, "
    "libraries and public safety, while keeping taxes flat for the third year in a row.</p>"
)


def test_html_undated_comments_named_by_their_markup():
    # No date, no reply link, no heading the lexicon knows: the markup names each comment's author.
    page = HTML_ARTICLE + (
        "<div id='disqus_thread'><ul>"
        "<li class='post'><div class='post-byline'><span class='author'>Pat Lee</span></div>"
        "<div class='post-message'><p>The library cuts are the wrong place to save money, honestly.</p></div></li>"
        "<li class='post'><div class='post-byline'><span class='author'>Sam R</span></div>"
        "<div class='post-message'><p>Roads first. Our street has had potholes for three winters.</p></div></li>"
        "</ul></div></body></html>"
    )
    article = parse_page(page.encode())
    assert [c.author for c in article.comments] == ["Pat Lee", "Sam R"]
    assert article.comments[1].text == "Roads first. Our street has had potholes for three winters."
    assert "potholes" not in article.body


def test_html_author_names_outside_comment_markup_are_not_comments():
    # A "More stories" box with bylines classed "author": no comment markup around them.
    page = HTML_ARTICLE + (
        "<div class='more-stories'><ul>"
        "<li><span class='author'>Pat Lee</span><p>Budget vote delayed again after a long night of debate.</p></li>"
        "<li><span class='author'>Sam R</span><p>Library hours are cut in three districts across the city.</p></li>"
        "</ul></div></body></html>"
    )
    article = parse_page(page.encode())
    assert article.comments == ()


def test_html_undated_comments_with_block_author_elements():
    # WordPress-style: the author is a block of its own (<div class="comment-author">), no date shown;
    # the inline text before it ("Comment by") is a line of its own, not the author's.
    page = HTML_ARTICLE + (
        "<ol class='commentlist'>"
        "<li class='comment'>Comment by<div class='comment-author vcard'>Pat Lee</div>"
        "<div class='comment-body'><p>The library cuts are the wrong place to save money, honestly.</p></div></li>"
        "<li class='comment'><div class='comment-author vcard'>Sam R</div>"
        "<div class='comment-body'><p>Roads first. Our street has had potholes for three winters.</p></div></li>"
        "</ol></body></html>"
    )
    article = parse_page(page.encode())
    assert [c.author for c in article.comments] == ["Pat Lee", "Sam R"]


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
    assert "Just read this" in article.comments[0].text  # (after its "Emily Park said..." line)
    assert article.comments[0].author is None  # not the image placeholder beside the date
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


def test_rate_this_comment_row_is_chrome():
    page = ARTICLE_EN + (
        "3 Comments\n\n"
        "Ann wrote on November 13th, 2012 at 5:49 am\n\nGood news for the libraries.\n\n"
        "Please rate this comment: Thumb up 0 Thumb down 0\n\n"
        "Bo wrote on November 13th, 2012 at 6:02 am\n\nAgreed, finally.\n\n"
        "Please rate this comment: Thumb up 2 Thumb down 1\n\n"
        "Cy wrote on November 13th, 2012 at 7:30 am\n\nWhat about the buses?\n\n"
    )
    article = parse_page(page)
    assert [c.text for c in article.comments] == [
        "Good news for the libraries.",
        "Agreed, finally.",
        "What about the buses?",
    ]


def test_article_dateline_and_counter_above_the_heading_are_not_teasers():
    # The article's own date (same shape as the comments' dates) and its "2 Comments" counter sit
    # above the comment heading: one thread, not a front page of teasers.
    page = (
        "Oct 14 2012\n\nCity council approves new budget after long debate\n\n"
        + ARTICLE_BODY_EN
        + "Town Desk | 2 Comments | Share Article\n\n"
        "Reader Comments (2)\n\n"
        "Good news for the libraries, finally some sense in this council!\n"
        "October 15, 2012 | Danae\n"
        "What about the buses? Nobody ever talks about the buses.\n"
        "October 16, 2012 | Maria\n\n"
        "Post a New Comment\n"
    )
    article = parse_page(page)
    assert [(c.author, c.posted_raw) for c in article.comments] == [
        ("Danae", "October 15, 2012"),
        ("Maria", "October 16, 2012"),
    ]


def test_posted_by_byline_under_a_comments_menu_link_is_not_a_comment():
    # A menu's "Comments" link right above the headline and its "Posted by NAME on DATE" byline: one
    # dated line above the page's main prose is the article's byline, not a lone comment.
    page = (
        "Home\n\nComments\n\n"
        "City council approves new budget after long debate\n\n"
        "Posted by Max Fisher on October 29, 2012 at 1:34 pm\n\n" + ARTICLE_BODY_EN
    )
    article = parse_page(page)
    assert article.comments == ()
    assert "six hours" in article.body


def test_byline_and_posted_by_footer_of_the_article_are_not_comments():
    # "by NAME on DATE" under the headline and "Posted by NAME on DATE" after the article: two cued
    # dated lines, the first above the main prose, are the post's own byline and footer.
    body = ARTICLE_BODY_EN
    page = (
        "City council approves new budget after long debate\n\n"
        "by Bill Lee on 8/09/2012 12:13:00 PM\n\n"
        + body
        + "Posted by Bill Lee on 8/09/2012 12:13:00 PM\n\nNewer Post Older Post Home\n"
    )
    article = parse_page(page)
    assert article.comments == ()
    assert "six hours" in article.body


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


def test_drupal_comment_viewing_options_head_the_thread():
    # Drupal's comment module puts its display options above every thread; the headers carry no cue
    # and each comment ends in a login link, not a reply link.
    page = ARTICLE_EN + (
        "Similar Articles You Might Enjoy:\n\n"
        "Comment viewing options\n\n"
        "Flat list - collapsedFlat list - expanded\n"
        "Date - newest firstDate - oldest first\n"
        'Select your preferred way to display the comments and click "Save settings" to activate your changes.\n'
        "Thu, 08/09/2012 - 13:04 | 2691543 riverdale\n\n"
        "The library hours were the best news of the week for my kids.\n\n"
        "  * Login or register to post comments\n"
        "Thu, 08/09/2012 - 13:13 | 2691572 Skateboarder\n\n"
        "Agreed, although the budget still looks thin to me.\n\n"
        "  * Login or register to post comments\n"
    )
    article = parse_page(page)
    assert [c.author for c in article.comments] == ["riverdale", "Skateboarder"]
    assert article.comments[1].text == "Agreed, although the budget still looks thin to me."


@pytest.mark.parametrize("heading", ["Featured Comments", "Top comments", "Comments [icon_comments]"])
def test_featured_comments_heading_and_an_image_placeholder_after_a_heading(heading):
    page = ARTICLE_EN + (
        f"{heading}\n\n"
        "Doug on Aug 9, 10:14 AM said:\n"
        "The new library hours are welcome, though I wish they had opened on Sundays too.\n"
        "Reply\n\nJoin the discussion\n"
    )
    article = parse_page(page)
    assert [(c.author, c.posted_raw) for c in article.comments] == [("Doug", "Aug 9, 10:14 AM")]


def test_footers_closed_by_a_post_a_new_comment_form():
    # Squarespace: "DATE | NAME" after each comment's text, then "Post a New Comment". A second heading
    # under the first belongs to neither comment.
    page = ARTICLE_EN + (
        "Dana | 2 Comments | Share Article\n\n"
        "Reader Comments (2)\n\n"
        "I LOVE these! Thank you so much for covering the library hours.\n"
        "October 15, 2012 | Danae\n"
        "Great to hear, we will visit on Saturday.\n"
        "October 16, 2012 | Maria\n\n"
        "Post a New Comment\n\n"
        "Enter your information below to add a new comment.\n"
    )
    article = parse_page(page)
    assert [(c.author, c.text) for c in article.comments] == [
        ("Danae", "I LOVE these! Thank you so much for covering the library hours."),
        ("Maria", "Great to hear, we will visit on Saturday."),
    ]


def test_an_image_placeholder_between_comments_is_not_comment_text():
    # w3m writes an image as its alt text in brackets; a button ("[Submit]") ends a thread, an avatar
    # ("[c31]") does not, and it is no comment text either.
    rows = [("Jen", "Trade you weather? Here we have a drought this summer."), ("Nicole", "Lovely photos.")]
    blocks = []
    for k, (name, text) in enumerate(rows, 1):
        blocks.append(f" {k}. Jul 24, 2012 / {name} says:\n\n    {text}\n\n    [Reply]\n")
    page = ARTICLE_EN + "2 Responses\n\n" + blocks[0] + "\n    [c31]\n\n" + blocks[1] + "\nLeave a Reply\n"
    article = parse_page(page)
    assert [(c.author, c.text) for c in article.comments] == rows


@pytest.mark.parametrize(
    "line", ["Please Sign up (or log in) to add a comment!", "Log in or join now to add a comment."]
)
def test_a_sign_up_to_comment_line_is_form_furniture(line):
    from service.parse.lines import _line_furniture

    assert _line_furniture(line, short=True) == "comment form"


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


def test_a_breadcrumb_trail_is_not_the_title():
    page = (
        "You are here: Home » Design » Poltrona with Acoustics\n\n"
        "Poltrona with Acoustics\n\n"
        "Studio KMJ designed Poltrona with Acoustics, a chair that wraps the sitter in quiet.\n\n"
        "The shape of the chair is inspired by a rose, and its strips curve around the head.\n"
    )
    article = parse_page(page)
    assert article.title == "Poltrona with Acoustics"
    assert "You are here" not in article.body


def test_a_short_post_above_a_longer_disclaimer_is_the_article():
    from service.parse.body import _best_run

    # Line scores: a menu, a short post (45), a menu, a longer disclaimer (88), a footer.
    post, disclaimer = [30.0, 15.0], [22.0] * 4
    scores = [-3.0] * 5 + post + [-3.0] * 16 + disclaimer + [-3.0] * 3
    assert _best_run(scores, [False] * len(scores)) == (5, 7)
    # ... but not when the earlier run is under half the best one: a teaser above the article.
    scores = [-3.0] * 5 + [41.0] + [-3.0] * 16 + [30.0] * 4 + [-3.0] * 3
    assert _best_run(scores, [False] * len(scores)) == (22, 26)


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


def test_an_action_link_glued_to_the_comment_number_is_not_the_author():
    page = ARTICLE_EN + (
        "Public Discussion (2)\n\n"
        "Reply#1 - Tue Jul 24, 2012 10:35 AM EDT\n"
        "The library hours were overdue, good news for students.\n\n"
        "Reply#2 - Tue Jul 24, 2012 10:45 AM EDT\n"
        "Hey, cheap study space! That's all I need this summer.\n\n"
        "#2.1 - Tue Jul 24, 2012 11:05 AM EDT\n"
        "Now if only the coffee machine worked on weekends.\n\n"
        "#2.2 - Tue Jul 24, 2012 11:25 AM EDT\n"
        "It does on Saturdays, I checked last week.\n\n"
        "Leave a Reply\n"
    )
    comments = parse_page(page).comments
    assert len(comments) == 4 and [c.author for c in comments] == [None] * 4


@pytest.mark.parametrize(
    ("line", "reason"), [("PostPost a New Comment", "comment form"), ("HomeAbout Us", None)]
)
def test_a_form_label_glued_to_the_next_one_is_still_the_form(line, reason):
    from service.parse.lines import _line_furniture

    assert _line_furniture(line, short=True) == reason


def test_a_sidebar_entry_line_under_a_zero_count_is_not_a_comment():
    # Movable Type's sidebar: "About this Entry / This page contains a single entry by NAME published on
    # DATE." after a post whose meta line says "0 Comments".
    page = (
        "Yard Sign Fenders\n\nby Byron\n\nNovember 6, 2012 · 6:33 AM\n\n0 Comments\n\n"
        + ARTICLE_BODY_EN
        + "About this Entry\n\n"
        "This page contains a single entry by Byron published on November 6, 2012 6:33 AM.\n\n"
        "Winter Rides was the previous entry in this blog.\n\n"
        "You can find recent content on the main index.\n"
    )
    assert parse_page(page).comments == ()
    # A stale zero does not hide a comment whose header says so ("says:").
    page = page.split("About this Entry")[0] + (
        "Dana Kim says:\nNovember 7, 2012 at 9:12 AM\n\n"
        "The fender idea works, I made one from an old campaign sign last fall.\n\nLeave a Reply\n"
    )
    assert [c.author for c in parse_page(page).comments] == ["Dana Kim"]


def _blog_post(og_title: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE_BODY_EN.split("\n\n") if p)
    return (
        "<html><head><title>Fenders From Yard Signs | Bike Hugger</title>"
        f'<meta property="og:title" content="{og_title}"></head><body>'
        "<h1>Bike Hugger</h1><nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
        f"<article><h2>Fenders From Yard Signs</h2>{paragraphs}</article></body></html>"
    )


def test_html_headline_from_the_metadata_not_the_site_name_h1():
    article = parse_page(_blog_post("Fenders From Yard Signs"), fmt="html")
    assert article.title == "Fenders From Yard Signs"
    assert "Bike Hugger" not in article.body and "Fenders From Yard Signs" not in article.body
    assert Dropped("Bike Hugger", "site name") in article.dropped
    # Metadata that the <title> does not carry (a widget's heading) is not the headline; the <title>'s
    # own other part, "Fenders From Yard Signs" beside the <h1>'s "Bike Hugger", still is (session 22:
    # the title was "Bike Hugger").
    article = parse_page(_blog_post("Newsletter subscription status"), fmt="html")
    assert article.title == "Fenders From Yard Signs"
    assert Dropped("Bike Hugger", "site name") in article.dropped


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


def _entry(name: str, text: str, replies: str = "", mark: str = 'role="article"') -> str:
    # Facebook's comments plugin: obfuscated class names, each comment an ARIA article, its replies in
    # a <div> inside it, and the time in a footer ("Like · Reply · 2d").
    return (
        f'<div class="_3-8y" {mark}><div class="_ohe"><a class="_4ah">{name}</a></div>'
        f'<div class="_3-8m"><span>{text}</span></div>'
        f'<div class="_2vq9"><a>Like</a> · <a>Reply</a> · <abbr class="_5pcq">2d</abbr></div>'
        f'<div class="_44ri">{replies}</div></div>'
    )


@pytest.mark.parametrize("mark", ['role="article"', 'itemscope itemtype="https://schema.org/Comment"'])
def test_html_comments_nested_by_a_standard_mark_are_replies(mark):
    """A comment box (an ARIA article, a schema.org Comment) inside another is a reply, whatever the
    class names say; the page's own <article> around the thread moves every comment alike."""
    thread = (
        _entry(
            "Margaret Olsen",
            "This is exactly what happened to the bus route ten years ago.",
            _entry("dave_k", "The bus route came back in 2019 though, after the petition.",
                   _entry("Priya Raman", "It came back with half the stops, hardly a victory.", mark=mark),
                   mark=mark)
            + _entry("Tom Whitfield", "My daughter is a nurse and starts at seven thirty.", mark=mark),
            mark=mark,
        )
        + _entry("harbourwatcher", "Has anyone asked why the overhaul was not planned?", mark=mark)
    )  # fmt: skip
    page = (
        "<html><head><title>Ferry timetable cut leaves island commuters stranded</title></head><body>"
        '<article role="article"><h1>Ferry timetable cut leaves island commuters stranded</h1>'
        + "".join(f"<p>{p}</p>" for p in ARTICLE_EN.split("\n\n")[1:] if p.strip())
        + f"<div><span>5 comments</span></div>{thread}</article></body></html>"
    )
    article = parse_page(page.encode(), fmt="html")
    assert [(c.author, c.parent) for c in article.comments] == [
        ("Margaret Olsen", None),
        ("dave_k", 0),
        ("Priya Raman", 1),
        ("Tom Whitfield", 0),
        ("harbourwatcher", None),
    ]


def test_a_link_bar_at_the_top_of_a_text_dump_is_not_the_title():
    """A forum dump opens with its menu ("Hacker News new | past | comments | ...": twelve words, so it
    had been taken for the headline)."""
    dump = (
        "Hacker News new | past | comments | ask | show | jobs | submit login\n\n"
        "Show HN: A tiny SQLite replication tool (example.com)\n"
        "142 points by jdoe 5 hours ago | hide | past | favorite | 37 comments\n\n"
        "  alice 4 hours ago | next [–]\n"
        "How does this compare to Litestream? I've been using it in production for a year.\n\n"
        "  reply\n\n"
        "  bob_k 3 hours ago | prev [–]\n"
        "Nice work. What happens on a network partition?\n\n"
        "  reply\n"
    )
    article = parse_page(dump, fmt="text")
    assert article.title == "Show HN: A tiny SQLite replication tool (example.com)"
    assert [c.author for c in article.comments] == ["alice", "bob_k"]


def test_html_reply_boxes_of_the_same_class_nest_without_a_list_or_reply_class():
    """<div class="kommentar"> inside <div class="antworten"> inside another: a German site names its
    boxes in German, and the reply had come out as a top-level comment."""

    def box(author: str, when: str, text: str, replies: str = "") -> str:
        return (
            f'<div class="kommentar"><div class="kopf"><b>{author}</b> schrieb am {when}:</div>'
            f'<div class="text">{text}</div><div class="aktionen"><a>Antworten</a></div>{replies}</div>'
        )

    reply = box("Rita K.", "12.03.2024 um 15:40 Uhr", "Bei mir genauso, aber besser als jeden Tag im Stau.")
    page = (
        "<html><body><h1>Bahn erhöht Preise im Fernverkehr</h1>"
        "<p>Die Deutsche Bahn erhöht zum Fahrplanwechsel die Preise im Fernverkehr um durchschnittlich "
        "4,9 Prozent. Betroffen sind vor allem der Flexpreis und die Bahncard 100.</p>"
        "<p>Der Fahrgastverband Pro Bahn kritisierte die Erhöhung scharf, sagte ein Sprecher am Dienstag.</p>"
        '<div id="kommentare"><h3>Leserkommentare (3)</h3>'
        + box(
            "Pendler_HH",
            "12.03.2024 um 15:12 Uhr",
            "Mehr zahlen für weniger Leistung. Jeden Tag zu spät.",
            f'<div class="antworten">{reply}</div>',
        )
        + box("derNörgler", "12.03.2024 um 16:03 Uhr", "Wer fährt denn noch Flexpreis? Einfach früh buchen.")
        + "</div></body></html>"
    )
    article = parse_page(page, fmt="html")
    assert [(c.author, c.parent) for c in article.comments] == [
        ("Pendler_HH", None),
        ("Rita K.", 0),
        ("derNörgler", None),
    ]


@pytest.mark.parametrize(
    "row", ["Répondre · Signaler un abus", "Reply | Report abuse", "Antworten · Missbrauch melden"]
)
def test_report_abuse_in_several_words_is_an_action_row(row: str):
    """ "Signaler un abus" had been read as the comment's last sentence."""
    page = (
        "Grève à la SNCF : le trafic fortement perturbé jeudi\n\n"
        "Un TGV sur deux circulera jeudi en raison d'un préavis de grève déposé par plusieurs syndicats.\n"
        "La direction de la SNCF appelle les voyageurs à reporter leurs déplacements et promet le remboursement.\n\n"
        "Réactions (2)\n\n"
        "Jean-Pierre75 — le 14/03/2024 à 08h12\n"
        "Encore ! Chaque année la même chose au moment des vacances.\n"
        f"{row}\n\n"
        "bernard_g — le 14/03/2024 à 09h05\n"
        "Je prendrai le covoiturage, tant pis.\n"
        f"{row}\n"
    )
    article = parse_page(page, fmt="text")
    assert [c.text for c in article.comments] == [
        "Encore ! Chaque année la même chose au moment des vacances.",
        "Je prendrai le covoiturage, tant pis.",
    ]


def test_french_reaction_boxes_nest_as_replies_in_html():
    def box(author: str, text: str, replies: str = "") -> str:
        return (
            f'<div class="reaction"><p class="signature"><strong>{author}</strong> — le 14/03/2024 à 08h12</p>'
            f"<p>{text}</p><p>Répondre · Signaler un abus</p>{replies}</div>"
        )

    page = (
        "<html><body><h1>Grève à la SNCF : le trafic fortement perturbé jeudi</h1>"
        "<p>Un TGV sur deux circulera jeudi en raison d'un préavis de grève déposé par plusieurs syndicats "
        "de cheminots, qui réclament une hausse des salaires.</p>"
        "<p>La direction de la SNCF appelle les voyageurs à reporter leurs déplacements et promet le "
        "remboursement intégral des billets annulés.</p><section><h2>Réactions (2)</h2>"
        + box(
            "Jean-Pierre75",
            "Encore ! Chaque année la même chose.",
            box("Sophie L.", "Pas seulement le salaire."),
        )
        + "</section></body></html>"
    )
    article = parse_page(page, fmt="html")
    assert [(c.author, c.parent, c.text) for c in article.comments] == [
        ("Jean-Pierre75", None, "Encore ! Chaque année la même chose."),
        ("Sophie L.", 0, "Pas seulement le salaire."),
    ]


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


LINK_POST_THREAD = """urbanplanning

A subreddit for discussion of urban planning.

City to ban cars from downtown on weekends (citynews.example)

submitted 5 hours ago by transit_tom

  • 128 comments
  • share

all 128 comments
sorted by: best

bikelover22 245 points 4 hours ago

This is great news. Every city that tried this saw more foot traffic for shops, not less.

  • permalink
  • reply

skeptic_sam 58 points 4 hours ago

Source? I've seen studies going both ways.

  • permalink
  • reply

oldtowner 12 points 3 hours ago

Deliveries will be a nightmare.

  • permalink
  • reply
"""


def test_a_link_posts_own_dateline_and_counter_do_not_make_its_thread_a_teaser_list():
    """The post's "submitted ... ago" line shares the comments' date shape and its "128 comments" sat
    between them: the thread was read as a blog front page's teasers and went into the body."""
    article = parse_page(LINK_POST_THREAD, fmt="text")
    assert [c.author for c in article.comments] == ["bikelover22", "skeptic_sam", "oldtowner"]
    assert "Deliveries" not in article.body


def test_a_reply_cue_with_the_name_on_the_next_line_is_chrome_and_names_the_parent():
    """Coral's rendered text: "Replying to" / "NAME" opens a reply; both lines were left in its text."""
    page = (
        "Port expansion approved despite protests\n"
        "The harbour commission on Thursday approved a $400 million expansion of the container port, rejecting"
        " calls from residents to delay the vote until an independent noise study is complete.\n"
        "Residents of the nearby Eastside neighbourhood have protested for months, saying truck traffic is"
        " already unbearable.\n"
        "Comments (2)\n"
        "eastside_mom\n2 hours ago\nNobody on that commission lives near the port.\nReply\nReport\n"
        "R. Okafor\n1 hour ago\nReplying to\neastside_mom\nActually two of them do.\nReply\nReport\n"
    )
    article = parse_page(page, fmt="text")
    assert [(c.author, c.parent, c.text) for c in article.comments] == [
        ("eastside_mom", None, "Nobody on that commission lives near the port."),
        ("R. Okafor", 0, "Actually two of them do."),
    ]


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
