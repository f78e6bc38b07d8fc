# ruff: noqa: E501, RUF005  (fixture markup reads best as one line per element)
"""Second batch of test pages: written after the first round of fixes, measured before any further change."""

from __future__ import annotations

from tests.service.pages.page import (
    FURNITURE,
    E,
    Page,
    expect,
    para_lines,
    ph,
)

# ---------------------------------------------------------------------------------------------------
# Second batch: written after the first round of fixes, measured before any further change.


def livefyre() -> Page:
    p = Page("livefyre", "Cycle lane: shop owners speak out", "bikes")
    cs = [
        (
            "BikeMum",
            "3 years ago",
            "2016-03-12T10:15:00Z",
            ["My kids can finally ride to school on their own."],
        ),
        (
            "Frank T",
            "3 years ago",
            "2016-03-12T11:40:00Z",
            ["Lost two parking spaces outside my shop, sales are down."],
        ),
        (
            "BikeMum",
            "2 years ago",
            "2017-01-04T08:00:00Z",
            ["Frank, have you counted how many cyclists stop at your shop?"],
        ),
    ]
    h = [
        '<div class="fyre"><div class="fyre-stream-stats"><span class="fyre-comment-count">3 Comments</span></div>'
    ]
    for name, when, iso, text in cs:
        h.append(
            f'<article class="fyre-comment-wrapper"><header class="fyre-comment-head"><a class="fyre-comment-username">'
            f'<span itemprop="author">{E(name)}</span></a> · <time class="fyre-comment-date" datetime="{iso}">{when}</time></header>'
            f'<section class="fyre-comment" itemprop="text">{ph(text)}</section>'
            f'<footer class="fyre-comment-footer"><a>Like</a> · <a>Reply</a> · <a>Share</a></footer></article>'
        )
    h.append("</div>")
    p.html_comments = "".join(h)
    t = ["3 Comments", ""]
    for name, when, _, text in cs:
        t += [f"{name} · {when}", ""] + para_lines(text) + ["", "Like · Reply · Share", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, _, tx in cs], posted_at_html=[i[:-1] for _, _, i, _ in cs])
    return p


def undated() -> Page:
    """Comments whose dates the page renders with script: only names, text and a reply link show."""
    p = Page("undated", "Tomato blight: how to stop it", "garden")
    cs = [
        ("Hilda", ["Copper spray worked for me, but only if I started early in July."]),
        ("Rob Evans", ["Remove the lowest leaves so that rain cannot splash soil onto them."]),
        (
            "GreenFingers",
            [
                "Grow them under a clear roof. No rain on the leaves, no blight.",
                "It is the only thing that has ever worked in our wet valley.",
            ],
        ),
    ]
    h = ['<section id="comments"><h3>Comments (3)</h3><ul class="comment-list">']
    for name, text in cs:
        h.append(
            f'<li class="comment"><div class="comment-author"><span class="fn">{E(name)}</span></div>'
            f'<div class="comment-text">{ph(text)}</div><div class="comment-actions"><a class="reply">Reply</a></div></li>'
        )
    h.append("</ul></section>")
    p.html_comments = "".join(h)
    t = ["Comments (3)", ""]
    for name, text in cs:
        t += [f"  • {name}", ""] + para_lines(text, "    ") + ["", "    Reply", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, tx in cs])
    return p


def vbulletin() -> Page:
    p = Page("vbulletin", "Reservoir thread: hosepipe ban coming?", "water")
    cs = [
        (
            "12-03-2019, 10:15 PM",
            "#2",
            "dryspell",
            "Senior Member",
            "Jan 2015",
            "1,234",
            ["They said the same last year and it rained all of July."],
        ),
        (
            "13-03-2019, 07:02 AM",
            "#3",
            "Waterboy",
            "Junior Member",
            "Mar 2019",
            "12",
            ["First post here. Our well ran dry last week, so it is serious where I live."],
        ),
        (
            "13-03-2019, 09:30 AM",
            "#4",
            "dryspell",
            "Senior Member",
            "Jan 2015",
            "1,235",
            ["Sorry to hear that, Waterboy. Which village are you in?"],
        ),
    ]
    h = ['<div id="posts"><div class="pagenav">Page 1 of 1</div>']
    for when, num, name, rank, joined, posts, text in cs:
        h.append(
            f'<table class="tborder post"><tr><td class="thead">{when}<span class="postnum"><a>{num}</a></span></td></tr>'
            f'<tr><td class="alt2"><div><a class="bigusername">{E(name)}</a></div><div class="smallfont">{rank}</div>'
            f'<div class="smallfont"><div>Join Date: {joined}</div><div>Posts: {posts}</div></div></td></tr>'
            f'<tr><td class="alt1"><div id="post_message">{"<br><br>".join(E(x) for x in text)}</div></td></tr>'
            f"<tr><td><a>Reply With Quote</a></td></tr></table>"
        )
    h.append("</div>")
    p.html_comments = "".join(h)
    t = ["Page 1 of 1", ""]
    for when, num, name, rank, joined, posts, text in cs:
        t += (
            [
                f"{when}                                                   {num}",
                name,
                rank,
                "",
                f"Join Date: {joined}",
                f"Posts: {posts}",
                "",
            ]
            + para_lines(text)
            + ["", "Reply With Quote", ""]
        )
    p.text_comments = t
    expect(p, [(n, tx) for _, _, n, _, _, _, tx in cs])
    return p


def one_comment() -> Page:
    p = Page("one_comment", "Station car park to close for repairs", "bikes")
    p.top_html = '<p class="byline">Posted by Editor on March 10, 2019 at 9:00 am</p>'
    p.top_text = ["Posted by Editor on March 10, 2019 at 9:00 am", ""]
    p.html_comments = (
        '<div id="comments"><h3>One Response</h3><ol class="commentlist"><li class="comment">'
        '<div class="comment-author vcard"><cite class="fn">Walter</cite> <span class="says">says:</span></div>'
        '<div class="comment-meta"><a>March 11, 2019 at 14:05</a></div>'
        '<p>Where are we supposed to park in the meantime?</p><div class="reply"><a>Reply</a></div></li></ol>'
        '<h3 id="reply-title">Leave a Reply</h3></div>'
    )
    p.text_comments = [
        "One Response",
        "",
        "  1. Walter says:",
        "     March 11, 2019 at 14:05",
        "",
        "     Where are we supposed to park in the meantime?",
        "",
        "     Reply",
        "",
        "Leave a Reply",
        "",
    ]
    expect(p, [("Walter", ["Where are we supposed to park in the meantime?"])])
    return p


def relative_pt() -> Page:
    p = Page("relative_pt", "Biblioteca: o que acontece agora", "council", "pt")
    cs = [
        ("Ana Paula", "há 2 dias", ["Espero que mantenham o horário alargado."]),
        ("Miguel", "há 3 horas", ["A decisão já estava tomada antes da reunião."]),
        ("Sofia", "há 1 hora", ["Concordo com o Miguel, foi tudo combinado."]),
    ]
    h = ['<div class="comentarios"><h3>3 comentários</h3>']
    for name, when, text in cs:
        h.append(
            f'<div class="comentario"><strong class="autor">{E(name)}</strong> <span class="data">{when}</span>{ph(text)}'
            f'<a class="responder">Responder</a></div>'
        )
    h.append("</div>")
    p.html_comments = "".join(h)
    t = ["3 comentários", ""]
    for name, when, text in cs:
        t += [f"{name} {when}", ""] + para_lines(text) + ["", "Responder", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def german_numeric() -> Page:
    p = Page("german_numeric", "Radweg am Fluss eröffnet", "bikes", "de")
    cs = [
        ("Klaus M.", "12.03.2019, 10:15 Uhr", ["Endlich! Der Weg zur Uni ist jetzt viel sicherer."]),
        ("radlerin", "12.03.2019, 18:47 Uhr", ["Die Kreuzung an der Brücke ist aber immer noch gefährlich."]),
        ("Bernd", "14.03.2019, 07:03 Uhr", ["Und wo sollen die Autos jetzt parken?"]),
    ]
    h = ['<div class="kommentare"><h2>Kommentare (3)</h2>']
    for name, when, text in cs:
        h.append(
            f'<div class="kommentar"><div class="meta"><span class="name">{E(name)}</span> schrieb am <span class="datum">{when}</span>:</div>'
            f'{ph(text)}<div class="aktionen"><a>Antworten</a> <a>Melden</a></div></div>'
        )
    h.append("</div>")
    p.html_comments = "".join(h)
    t = ["Kommentare (3)", ""]
    for name, when, text in cs:
        t += [f"{name} schrieb am {when}:", ""] + para_lines(text) + ["", "Antworten Melden", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def trap_blog_index() -> Page:
    """A blog's front page: teasers with "Posted by NAME on DATE" and comment counts, no comments."""
    p = Page("trap_blog_index", "The Valley Courier blog", "garden")
    posts = [
        ("Balcony tomatoes, year three", "admin", "March 12, 2019", "5 Comments"),
        ("Seed swap this Saturday", "Jane", "March 8, 2019", "2 Comments"),
        ("Why we compost", "admin", "March 1, 2019", "No Comments"),
    ]
    p.after_html = "".join(
        f'<article class="post-teaser"><h2><a>{E(t)}</a></h2><p class="post-meta">Posted by {a} on {d}</p>'
        f"<p>A short teaser for this post about the garden, the weather and what grows well in pots this season.</p>"
        f'<p class="comments-link"><a>{c}</a></p></article>'
        for t, a, d, c in posts
    )
    p.after_text = [
        x
        for t, a, d, c in posts
        for x in (
            t,
            "",
            f"Posted by {a} on {d}",
            "",
            "A short teaser for this post about the garden, the weather and what grows well in pots",
            "this season.",
            "",
            c,
            "",
        )
    ]
    p.expected = {
        "comments": 0,
        "authors": [],
        "starts": [],
        "body_snippets": [p.paras[0][:70]],
        "not_in_body": [*FURNITURE],
    }
    return p


def trap_recent_comments() -> Page:
    """A sidebar "Recent comments" widget lists other pages' comments: they are not this page's."""
    p = Page("trap_recent_comments", "River road flood defences approved", "water")
    rc = [
        ("Maria", "Cycle lane opening weekend", "March 11, 2019"),
        ("Tom", "Library hours extended for the summer", "March 10, 2019"),
        ("Jo", "Spring gardening workshops", "March 9, 2019"),
    ]
    p.after_html = (
        '<aside class="widget"><h3 class="widget-title">Recent Comments</h3><ul>'
        + "".join(
            f'<li><span class="comment-author-link">{a}</span> on <a>{t}</a> <span class="date">{d}</span></li>'
            for a, t, d in rc
        )
        + "</ul></aside>"
    )
    p.after_text = ["Recent Comments", ""] + [f"  • {a} on {t} {d}" for a, t, d in rc] + [""]
    p.expected = {
        "comments": 0,
        "authors": [],
        "starts": [],
        "body_snippets": [p.paras[0][:70], p.paras[-1][:70]],
        "not_in_body": [*FURNITURE, "Cycle lane opening weekend"],
    }
    return p


BATCH2 = [
    livefyre,
    undated,
    vbulletin,
    one_comment,
    relative_pt,
    german_numeric,
    trap_blog_index,
    trap_recent_comments,
]
