# ruff: noqa: E501  (the HTML fixtures below are one element per line, as CMSes write them)
"""HTML from CMSes that are not among the shared pages: headlines, nesting and author markup the
parser must read from the page's own structure. Each page here is written for the test; none comes from
a shared site."""

from __future__ import annotations

import pytest

from core.records import Dropped
from service.parse import parse_page
from tests.service.generic_pages import ARTICLE_BODY_EN, ARTICLE_EN


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
