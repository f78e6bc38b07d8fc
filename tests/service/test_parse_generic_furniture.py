# ruff: noqa: E501  (the HTML fixtures below are one element per line, as CMSes write them)
"""Page furniture around comments on CMSes that are not among the shared pages: action rows, forms,
counters, teasers, bylines and sidebars that must not become comments or comment text. Each page here
is written for the test; none comes from a shared site."""

from __future__ import annotations

import pytest

from service.parse import parse_page
from service.settings import Limits
from tests.service.generic_pages import ARTICLE_BODY_EN, ARTICLE_EN, three_comments_with


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


def test_points_in_headers_and_action_rows():
    article = parse_page(POINTS_HEADERS_AND_ACTION_ROWS)
    assert [(c.author, c.text) for c in article.comments] == [
        ("alice_dev", "Turn on incremental compilation."),
        ("bob42", "Check whether a code generator runs on every build."),
        ("carol", "Profile it first."),
    ]
    assert article.declared_comment_count == 3


@pytest.mark.parametrize("row", ["3 replies", "0 replies", "1 reply", "2 réponses", "4 Antworten"])
def test_a_reply_counter_under_each_comment_is_not_a_page_of_teasers(row):
    # "3 replies" under every comment is each comment's own counter, not a blog front page's
    # "5 Comments" per teaser: the thread was rejected and every comment lost.
    article = parse_page(three_comments_with(row))
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
    article = parse_page(three_comments_with(row))
    assert [c.text for c in article.comments] == [
        f"My view number {i} on the library money." for i in range(3)
    ]
    assert row in {d.text for d in article.dropped}


@pytest.mark.parametrize(
    "tail", ["Show 12 more comments", "Load 5 more replies", "Terms of Service | Privacy Policy | Contact Us"]
)
def test_page_chrome_after_the_last_comment_is_not_its_text(tail):
    page = three_comments_with("Reply").replace("Leave a Reply\n", tail + "\n")
    article = parse_page(page)
    assert article.comments[-1].text == "My view number 2 on the library money."
    assert tail in {d.text for d in article.dropped}


def test_a_cookie_notice_between_comments_is_not_comment_text():
    notice = (
        "We use cookies to improve your experience on our site. By continuing to browse you agree to our "
        "use of cookies."
    )
    page = three_comments_with("Reply").replace("Bob Jones\n", notice + "\n\nBob Jones\n")
    article = parse_page(page)
    assert [c.text for c in article.comments] == [
        f"My view number {i} on the library money." for i in range(3)
    ]
    assert (notice, "cookie notice") in {(d.text, d.reason) for d in article.dropped}


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
    page = three_comments_with("Reply").replace("My view number 1 on the library money.", text)
    assert parse_page(page).comments[1].text == text


def test_furniture_repeated_in_every_comment_is_still_dropped():
    article = parse_page(three_comments_with("Share on Facebook"))
    assert [c.text for c in article.comments] == [
        f"My view number {i} on the library money." for i in range(3)
    ]


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


def test_two_said_lines_in_an_article_are_no_thread():
    """Fewer than three "NAME said:" lines without a heading read as quotes in the article."""
    page = (
        ARTICLE_EN + "The mayor said:\n\nWe will fix the roads.\n\nHer deputy said:\n\nAnd the libraries.\n\n"
    )
    assert parse_page(page).comments == ()


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


def test_a_byline_under_a_comment_link_above_the_article_is_no_comment():
    page = "Comment\n\nCouncil approves new budget\nGregory Smith\nposted 16 mins ago\n\n" + ARTICLE_BODY_EN
    assert parse_page(page).comments == ()


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


def test_a_long_list_of_links_between_two_prose_lines_is_no_article_list():
    # A few bulleted examples between two prose lines are the article's; a dozen links between the
    # post and the footer's prose are not (unless a prose line introduces them with a colon).
    from service.parse.body import _line_score, _score_article_lists
    from service.parse.lines import _classify

    prose = "We will post the first sample pictures as soon as readers send them in."
    for items, kept in ((3, True), (12, False)):
        raw = (
            [(prose, 0, None)]
            + [(f"• Older post number {k}", 2, None) for k in range(items)]
            + [(prose, 0, None)]
        )
        lines = _classify(raw)
        scores = [_line_score(ln) for ln in lines]
        _score_article_lists(lines, 0, scores)
        assert (scores[1] > 0) is kept


def test_a_post_of_paragraphs_above_a_longer_footer_is_the_article():
    from service.parse.body import _best_run

    # Line scores: a menu, a short post (45), a menu, a disclaimer and copyright footer (110): the post
    # is under half the footer, but it holds paragraphs (prose lines that end a sentence).
    scores = [-3.0] * 5 + [30.0, 15.0] + [-3.0] * 16 + [22.0] * 5 + [-3.0] * 3
    paragraph = [sc >= 12 for sc in scores]
    assert _best_run(scores, [False] * len(scores), paragraph) == (5, 7)
    # A list of dated headlines holds no sentence: the article below it still wins.
    assert _best_run(scores, [False] * len(scores), [False] * len(scores)) == (23, 28)


POST_ABOVE_FOOTER = (
    "Lens Rumors\n\n"
    "  • Home\n  • Cameras\n  • Lenses\n\n"
    "First time in stock: the new portrait lens\n\n"
    "The new portrait lens is in stock at two shops this morning, a week before the maker said it would "
    "ship, and both list it at the announced price.\n\n"
    "We will post the first sample pictures as soon as readers send them in.\n\n"
    + "".join(f"  • Older post number {k}\n" for k in range(1, 21))
    + "\nDisclaimer: this site has no affiliation with any of the makers named on its pages, and every "
    "trademark and brand belongs to its owner, whatever the rumours say about them.\n\n"
    "Talk or opinion widely spread with no source that anyone can find, or a report of a notable person "
    "or event that is current without known authority for its truth.\n\n"
    "If you want to use any picture from this website you have to ask for permission first, and you "
    "cannot copy more than two lines of any post without a working link back to it.\n"
)


def test_a_short_post_above_a_disclaimer_and_copyright_footer_is_the_body():
    article = parse_page(POST_ABOVE_FOOTER, fmt="text")
    assert article.title == "First time in stock: the new portrait lens"
    assert "two shops this morning" in article.body
    assert "Disclaimer" not in article.body


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


LISTED_STEPS_PAGE = (
    "  • Home\n  • Archives\n  • Contact\n\n"
    "How a spelling checker measures the distance between two words\n\n"
    "Written by: Ada Writer - Oct 29, 2012\n\n"
    "A spelling checker suggests the word closest to what was typed, and it measures how close two words "
    "are by counting the smallest number of single edits that turn one word into the other.\n\n"
    "The method is old and simple, and it works well for the short words people type on a phone "
    "keyboard in a hurry. The edits it allows are:\n\n"
    "  • Deletion\n  • Insertion\n  • Replacement\n  • Transposition\n\n"
    "For instance, the distance between cart and card is one.\n\n"
    "  • Step 0: cart\n  • Step 1 (replace t with d): card\n\n"
    "Then the distance between bread and beard is two.\n\n"
    "Posted in Language | No Comments »\n\n"
    "Archives\n\n"
    "  • November 2012\n  • October 2012\n  • September 2012\n  • August 2012\n  • July 2012\n\n"
)


def test_a_bulleted_list_the_article_introduces_does_not_end_its_region():
    # A list a prose line introduces ("The edits it allows are:"), and a list between two prose lines,
    # are in the article's region (the line model then judges them as any body line); the region used
    # to stop before the first list. The archive menu under its heading stays out.
    from service.parse import _to_lines
    from service.parse.body import _main_region
    from service.parse.lines import _classify

    _, raw, _ = _to_lines(LISTED_STEPS_PAGE, "<input>", "text", Limits())
    lines = _classify(raw)
    region = _main_region(lines, 0, len(lines))
    assert region is not None
    inside = [ln.text for ln in lines[region[0] : region[1]]]
    assert {"• Deletion", "• Transposition", "• Step 1 (replace t with d): card"} <= set(inside)
    assert inside[-1] == "Then the distance between bread and beard is two."


@pytest.mark.parametrize(
    "promo",
    [
        "Zobacz także: Rowerem do pracy? Sprawdź, ile możesz zyskać",
        "ALSO READ | Monsoon to arrive early in Kerala",
        "Lesen Sie auch: Die Bahn streicht weitere Züge",
        "Te puede interesar: El precio del alquiler sube otra vez",
    ],
)
def test_a_promos_label_before_its_headline_is_furniture(promo: str) -> None:
    # A promoted headline between the article's paragraphs, behind its label: it stayed in the body.
    article = parse_page(ARTICLE_EN.replace("Council members said", f"{promo}\n\nCouncil members said"))
    assert promo not in article.body
    assert "Council members said" in article.body
