# ruff: noqa: E501, RUF005  (fixture markup reads best as one line per element)
"""First batch of test pages: comment systems and CMSes, and traps (dated lines that are not comments)."""

from __future__ import annotations

from tests.service.pages.page import (
    FURNITURE,
    E,
    Page,
    expect,
    para_lines,
    ph,
    wrap,
)

# ---------------------------------------------------------------------------------------------------
# Comment systems


def disqus() -> Page:
    p = Page("disqus", "Council votes to close the Mill Street library", "council")
    cs = [
        (
            "Margaret Okafor",
            "3 years ago",
            0,
            ["This is a sad day for the town. My children learned to read in that building."],
        ),
        (
            "kevin_r",
            "3 years ago",
            1,
            [
                "The building is falling apart though. Have you seen the state of the roof?",
                "I would rather have a working library somewhere else than a museum piece.",
            ],
        ),
        ("Margaret Okafor", "3 years ago", 2, ["A roof can be repaired if the council wants to repair it."]),
        (
            "Dev Patel",
            "2 years ago",
            0,
            ["Does anyone know whether the reading groups will continue at the centre?"],
        ),
    ]
    items = []
    for name, when, depth, text in cs:
        items.append(
            (
                depth,
                f'<li class="post"><div class="post-content"><div class="avatar"><img alt="Avatar" src="a.png"></div>'
                f'<div class="post-body"><header class="post-header"><span class="author"><a href="/u">{E(name)}</a></span>'
                f' <span class="bullet">•</span> <a class="time-ago" href="#c" title="Tuesday, March 12, 2019 10:15 AM">{when}</a></header>'
                f'<div class="post-message">{ph(text)}</div><footer><a class="reply">Reply</a> • <a class="share">Share ›</a></footer></div></div>',
            )
        )
    # nest: build html with ul.children for depth
    html_parts, cur = [], 0
    for depth, item in items:
        while cur < depth:
            html_parts.append('<ul class="children">')
            cur += 1
        while cur > depth:
            html_parts.append("</ul>")
            cur -= 1
        html_parts.append(item)
    html_parts += ["</ul>"] * cur
    p.html_comments = (
        f'<div id="disqus_thread"><div class="nav"><span class="comment-count">4 Comments</span> '
        f'<a>The Valley Courier</a> <a>Login</a></div><div class="sort">Sort by Best</div>'
        f'<ul class="post-list">{"".join(html_parts)}</ul></div>'
    )
    t = ["4 Comments", "The Valley Courier", "Login", "Sort by Best", ""]
    for name, when, depth, text in cs:
        ind = "    " * depth
        t += (
            [f"{ind}Avatar", f"{ind}{name} • {when}", ""]
            + para_lines(text, ind)
            + ["", f"{ind}Reply • Share ›", ""]
        )
    p.text_comments = t
    expect(p, [(n, tx) for n, _, _, tx in cs], parents=[None, 0, 1, None])
    return p


def discourse() -> Page:
    p = Page("discourse", "River road cycle lane opens to the public", "bikes")
    cs = [
        (
            "sam_cycles",
            "2019-03-12T10:15:00Z",
            "Mar 12, 2019, 10:15am",
            ["Rode it this morning. The surface is great but the junction at the bridge is still confusing."],
        ),
        (
            "Lena_V",
            "2019-03-12T13:02:00Z",
            "Mar 12, 2019, 1:02pm",
            [
                "Agreed about the bridge. I nearly went the wrong way.",
                "Someone should ask for better signs there.",
            ],
        ),
        (
            "old_tom",
            "2019-03-13T08:40:00Z",
            "Mar 13, 2019, 8:40am",
            ["Still no bike parking at the station end, which is where it is needed most."],
        ),
    ]
    h = ['<section class="topic-replies"><h2>3 replies</h2>']
    for name, iso, shown, text in cs:
        h.append(
            f'<div class="topic-body crawler-post" itemprop="comment" itemscope itemtype="http://schema.org/Comment">'
            f'<div class="crawler-post-meta"><span class="creator" itemprop="author" itemscope itemtype="http://schema.org/Person">'
            f'<a itemprop="url" href="/u/{name}"><span itemprop="name">{E(name)}</span></a></span>'
            f' <span class="crawler-post-infos"><time itemprop="datePublished" datetime="{iso}" class="post-time">{shown}</time></span></div>'
            f'<div class="post" itemprop="text">{ph(text)}</div>'
            f'<div class="post-likes">2 Likes</div></div>'
        )
    h.append("</section>")
    p.html_comments = "".join(h)
    t = ["3 replies", ""]
    for name, _, shown, text in cs:
        t += [name, shown, ""] + para_lines(text) + ["", "2 Likes", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, _, tx in cs], posted_at=[i[:-1] for _, i, _, _ in cs])
    return p


def drupal() -> Page:
    p = Page("drupal", "Reservoir levels lowest since records began", "water")
    cs = [
        (
            "jdoe",
            "Tue, 03/12/2019 - 10:15",
            "Hosepipe ban",
            ["They should fix the leaks first. Half the water is lost before it reaches a tap."],
        ),
        (
            "Anne Marie",
            "Tue, 03/12/2019 - 14:40",
            "Farmers",
            ["Farmers will be hit hardest, as usual.", "Nobody asks where our food comes from."],
        ),
        (
            "gardener42",
            "Wed, 03/13/2019 - 09:05",
            "Rain barrels",
            ["Rain barrels are cheap. Every house should have one."],
        ),
    ]
    h = ['<section id="comments" class="comment-wrapper"><h2 class="title">Comments</h2>']
    for name, when, subj, text in cs:
        h.append(
            f'<div class="comment clearfix"><h3><a href="#c" class="permalink">{E(subj)}</a></h3>'
            f'<div class="submitted">Submitted by <span class="username">{E(name)}</span> on {when}</div>'
            f'<div class="content"><div class="field-name-comment-body">{ph(text)}</div></div>'
            f'<ul class="links inline"><li class="comment-reply"><a href="/reply">reply</a></li></ul></div>'
        )
    h.append('<h2 class="title comment-form">Add new comment</h2></section>')
    p.html_comments = "".join(h)
    t = ["Comments", ""]
    for name, when, subj, text in cs:
        t += [subj, "", f"Submitted by {name} on {when}", ""] + para_lines(text) + ["", "  • reply", ""]
    t += ["Add new comment", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, _, tx in cs])
    return p


def jcomments() -> Page:
    p = Page("jcomments", "How to grow tomatoes on a balcony", "garden")
    cs = [
        (
            "Petra",
            "12.03.2019 10:15",
            ["Thank you, the tip about watering in the morning made a big difference for me."],
        ),
        ("Guest", "12.03.2019 18:30", ["What compost do you recommend for pots?"]),
        ("Jan Novak", "14.03.2019 07:55", ["My plants always get blight in August. Any advice on that?"]),
    ]
    h = [
        '<div id="jc"><h4>Comments <span class="jc_count">(3)</span></h4><div id="comments-list" class="comments-list">'
    ]
    for k, (name, when, text) in enumerate(cs):
        h.append(
            f'<div class="even" id="comment-item-{k}"><div class="rbox"><div class="comment-box">'
            f'<a class="comment-anchor" href="#comment-{k}">#{k + 1}</a> <span class="comment-author">{E(name)}</span>'
            f' <span class="comment-date">{when}</span><div class="comment-body">{ph(text)}</div>'
            f'<span class="comments-buttons"><a>Reply</a> | <a>Quote</a></span></div></div></div>'
        )
    h.append("</div><h4>Add comment</h4></div>")
    p.html_comments = "".join(h)
    t = ["Comments (3)", ""]
    for k, (name, when, text) in enumerate(cs):
        t += [f"#{k + 1} {name} {when}", ""] + para_lines(text) + ["", "Reply | Quote", ""]
    t += ["Add comment", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def substack() -> Page:
    p = Page("substack", "Why the cycle lane matters", "bikes")
    cs = [
        ("Hannah Reid", "Mar 3", ["Great piece. The point about the business park is the one nobody makes."]),
        ("Tomás", "Mar 4", ["I live on the river road and the traffic has not got worse at all."]),
        ("Hannah Reid", "Mar 4", ["Good to hear from someone who actually lives there!"]),
    ]
    h = ['<div class="comments-page"><h4 class="comments-heading">3 Comments</h4>']
    for name, when, text in cs:
        h.append(
            f'<div class="comment"><div class="comment-content"><div class="comment-meta">'
            f'<span class="commenter-name"><a href="/u">{E(name)}</a></span> <a class="comment-date" href="#">{when}</a></div>'
            f'<div class="comment-body">{ph(text)}</div><div class="comment-actions"><span>Like</span> <span>Reply</span></div></div></div>'
        )
    h.append("</div>")
    p.html_comments = "".join(h)
    t = ["3 Comments", ""]
    for name, when, text in cs:
        t += [name, when, ""] + para_lines(text) + ["", "Like Reply", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def phpbb() -> Page:
    p = Page("phpbb", "Reservoir levels: what can households do?", "water")
    cs = [
        (
            "waterwise",
            "Tue Mar 12, 2019 10:15 am",
            ["Fit a water butt and use it for the garden. It fills up quicker than you expect."],
        ),
        ("Brian K", "Tue Mar 12, 2019 2:47 pm", ["Shorter showers are easy. Four minutes is plenty."]),
        ("moderator_ann", "Wed Mar 13, 2019 9:01 am", ["Please keep the thread on topic, thanks everyone."]),
    ]
    h = ['<div class="topic-posts"><h3>3 posts</h3>']
    for name, when, text in cs:
        h.append(
            f'<div class="post bg2"><div class="inner"><div class="postbody"><h3><a href="#p">Re: Reservoir levels</a></h3>'
            f'<p class="author"><span class="responsive-hide">Post by </span><strong><a class="username" href="/m">{E(name)}</a></strong>'
            f' » {when}</p><div class="content">{"<br><br>".join(E(x) for x in text)}</div></div></div></div>'
        )
    h.append("</div>")
    p.html_comments = "".join(h)
    t = ["3 posts", ""]
    for name, when, text in cs:
        t += ["Re: Reservoir levels", "", f"Post by {name} » {when}", ""] + para_lines(text) + ["", "Top", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def coral() -> Page:
    p = Page("coral", "Library closure: what happens next", "council")
    cs = [
        ("readerJo", "2 hours ago", 0, ["Will the staff keep their jobs at the new site?"]),
        (
            "Council Watch",
            "1 hour ago",
            1,
            ["According to the minutes, yes, all six posts move to the centre."],
        ),
        ("P. Lindqvist", "45 minutes ago", 0, ["I will believe it when I see it."]),
    ]
    h = [
        '<div id="coral_thread"><div class="coral-counter">Comments (3)</div><div class="coral-sort">Sort by Newest</div>'
    ]
    for name, when, depth, text in cs:
        ind = ' style="margin-left: 24px"' if depth else ""
        cls = "coral-comment coral-indent-1" if depth else "coral-comment"
        h.append(
            f'<div class="{cls}"{ind}><div class="coral-comment-username"><span>{E(name)}</span></div>'
            f'<time class="coral-timestamp" datetime="2019-03-12T10:15:00.000Z">{when}</time>'
            f'<div class="coral-comment-content">{ph(text)}</div>'
            f'<div class="coral-comment-actions"><button>Reply</button><button>Respect</button><button>Share</button><button>Report</button></div></div>'
        )
    h.append("</div>")
    p.html_comments = "".join(h)
    t = ["Comments (3)", "Sort by Newest", ""]
    for name, when, depth, text in cs:
        ind = "  " * depth
        t += (
            [f"{ind}{name}", f"{ind}{when}", ""]
            + para_lines(text, ind)
            + ["", f"{ind}Reply Respect Share Report", ""]
        )
    p.text_comments = t
    expect(p, [(n, tx) for n, _, _, tx in cs])
    return p


def facebook() -> Page:
    p = Page("facebook", "Balcony tomatoes: your questions answered", "garden")
    cs = [
        ("Rosa Martins", "2y", ["Mine are still green in October, should I pick them?"]),
        ("Gary Blake", "2y", ["Put them in a drawer with a banana, they ripen in a week."]),
        ("Ines Duarte", "1y", ["Best article on this I have read, thank you."]),
    ]
    h = ['<div class="fb-comments"><div class="_50f7">3 comments</div><div>Sort by <span>Oldest</span></div>']
    for name, when, text in cs:
        h.append(
            f'<div class="_3-8y"><a class="UFICommentActorName">{E(name)}</a><div class="_30o4"><span>{E(text[0])}</span></div>'
            f'<div class="_2vq9"><a>Like</a> · <a>Reply</a> · <abbr class="livetimestamp" data-utime="1552385700">{when}</abbr></div></div>'
        )
    h.append('<div class="_5lm5">Facebook Comments Plugin</div></div>')
    p.html_comments = "".join(h)
    t = ["3 comments", "Sort by Oldest", ""]
    for name, when, text in cs:
        t += [name, text[0], f"Like · Reply · {when}", ""]
    t += ["Facebook Comments Plugin", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def viafoura() -> Page:
    p = Page("viafoura", "Drought: hosepipe ban likely this summer", "water")
    cs = [
        ("Dorothy P.", "March 12, 2019", ["We had a ban in 1976 and we survived. People will cope."]),
        (
            "ecoSteve",
            "March 12, 2019",
            ["Why are new housing estates still being approved without water plans?"],
        ),
        ("Lina", "March 13, 2019", ["Leaking pipes are the real scandal here."]),
    ]
    h = ['<div class="vf-comments"><h3 class="vf-comment-count">3 Comments</h3>']
    for name, when, text in cs:
        h.append(
            f'<article class="vf-comment"><header class="vf-comment-header"><a class="vf-username">{E(name)}</a>'
            f'<time class="vf-date" datetime="2019-03-12">{when}</time></header><div class="vf-content">{ph(text)}</div>'
            f'<footer class="vf-comment-actions"><button>Like</button><button>Dislike</button><button>Reply</button></footer></article>'
        )
    h.append("</div>")
    p.html_comments = "".join(h)
    t = ["3 Comments", ""]
    for name, when, text in cs:
        t += [name, when, ""] + para_lines(text) + ["", "Like Dislike Reply", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def blogger() -> Page:
    p = Page("blogger", "Tomatoes on the balcony, year three", "garden")
    cs = [
        ("Auntie Liz", "March 3, 2019 at 10:15 AM", ["Lovely photos! Which variety is the yellow one?"]),
        ("Anonymous", "March 4, 2019 at 6:02 PM", ["I tried this last year and the pigeons ate everything."]),
        ("Mark", "March 5, 2019 at 9:30 PM", ["Netting works for pigeons.", "Cheap too."]),
    ]
    h = ['<div class="comments" id="comments"><h4>3 comments:</h4><dl id="comments-block">']
    for name, when, text in cs:
        h.append(
            f'<dt class="comment-author"><a href="/p">{E(name)}</a> said...</dt><dd class="comment-body">{ph(text)}</dd>'
            f'<dd class="comment-footer"><span class="comment-timestamp"><a href="#c" title="comment permalink">{when}</a></span></dd>'
        )
    h.append('</dl><p class="comment-footer"><a>Post a Comment</a></p></div>')
    p.html_comments = "".join(h)
    t = ["3 comments:", ""]
    for name, when, text in cs:
        t += [f"{name} said...", ""] + para_lines(text, "    ") + ["", f"    {when}", ""]
    t += ["Post a Comment", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def movabletype() -> Page:
    p = Page("movabletype", "Cycle lane: a year of numbers", "bikes")
    cs = [
        ("Greg", "March 12, 2019 10:15 AM", ["The numbers look good, but winter will be the real test."]),
        (
            "Sofia L.",
            "March 12, 2019 03:22 PM",
            ["I switched from the bus to the bike because of this lane.", "It takes me less time now."],
        ),
        ("Peter", "March 14, 2019 11:48 AM", ["Nice to see some data instead of opinions for once."]),
    ]
    h = ['<div id="comments" class="comments"><h2 class="comments-header">Comments</h2>']
    for name, when, text in cs:
        h.append(
            f'<div class="comment" id="comment-1"><div class="comment-content">{ph(text)}</div>'
            f'<p class="comment-footer">Posted by: <span class="vcard author">{E(name)}</span> | <a href="#c">{when}</a></p></div>'
        )
    h.append('<h2 class="comments-open-header">Post a comment</h2></div>')
    p.html_comments = "".join(h)
    t = ["Comments", ""]
    for name, when, text in cs:
        t += para_lines(text) + ["", f"Posted by: {name} | {when}", ""]
    t += ["Post a comment", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def numbered() -> Page:
    p = Page("numbered", "Council library vote: readers respond", "council")
    cs = [
        (
            "#12",
            "Harold",
            "on 2019-03-12",
            ["I voted for the councillors who promised to save it. Never again."],
        ),
        ("#13", "Bea", "on 2019-03-12", ["The centre is a better building, let's be honest."]),
        ("#14", "Ravi S", "on 2019-03-13", ["What about the local history archive? Where does that go?"]),
    ]
    h = ['<div class="comments"><h3>3 Comments</h3><ol class="commentlist">']
    for num, name, when, text in cs:
        h.append(
            f'<li class="comment"><div class="comment-meta"><a class="num">{num}</a> <cite>{E(name)}</cite> {when}</div>'
            f"{ph(text)}</li>"
        )
    h.append("</ol></div>")
    p.html_comments = "".join(h)
    t = ["3 Comments", ""]
    for num, name, when, text in cs:
        t += [f"{num} {name} {when}", ""] + para_lines(text) + [""]
    p.text_comments = t
    expect(p, [(n, tx) for _, n, _, tx in cs])
    return p


def isostamp() -> Page:
    p = Page("isostamp", "Water authority publishes reservoir figures", "water")
    cs = [
        ("nina.k", "2019-03-12T10:15:00Z", ["Weekly figures are a good start. Daily would be better."]),
        ("hydro_dave", "2019-03-12T22:47:10Z", ["The northern lakes are not exactly full either."]),
        ("Mo", "2019-03-13T06:05:00Z", ["Who decided to sell off the second reservoir in the nineties?"]),
    ]
    h = ['<section class="responses"><h2>Responses (3)</h2>']
    for name, when, text in cs:
        h.append(
            f'<div class="response"><div class="response-meta"><strong>{E(name)}</strong> <span>{when}</span></div>{ph(text)}</div>'
        )
    h.append("</section>")
    p.html_comments = "".join(h)
    t = ["Responses (3)", ""]
    for name, when, text in cs:
        t += [f"{name} {when}", ""] + para_lines(text) + [""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs], posted_at=[w[:-1] for _, w, _ in cs])
    return p


def lang_page(
    name: str, lang: str, heading: str, says: str, cs: list[tuple[str, str, list[str]]], body: str
) -> Page:
    p = Page(
        name,
        {
            "es": "Cierre de la biblioteca",
            "it": "Chiusura della biblioteca",
            "pt": "Encerramento da biblioteca",
            "nl": "Sluiting van de bibliotheek",
        }[lang],
        body,
        lang,
    )
    h = [
        f'<div id="comments" class="comments-area"><h2 class="comments-title">{heading}</h2><ol class="comment-list">'
    ]
    for n, when, text in cs:
        h.append(
            f'<li class="comment"><article class="comment-body"><footer class="comment-meta"><div class="comment-author vcard">'
            f'<b class="fn">{E(n)}</b> <span class="says">{says}</span></div><div class="comment-metadata">'
            f'<a href="#c"><time>{when}</time></a></div></footer><div class="comment-content">{ph(text)}</div>'
            f'<div class="reply"><a class="comment-reply-link">{ {"es": "Responder", "it": "Rispondi", "pt": "Responder", "nl": "Beantwoorden"}[lang] }</a></div></article></li>'
        )
    h.append("</ol></div>")
    p.html_comments = "".join(h)
    t = [heading, ""]
    for n, when, text in cs:
        t += (
            [f"  1. {n} {says}", f"     {when}", ""]
            + para_lines(text, "     ")
            + [
                "",
                "     "
                + {"es": "Responder", "it": "Rispondi", "pt": "Responder", "nl": "Beantwoorden"}[lang],
                "",
            ]
        )
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def spanish() -> Page:
    return lang_page(
        "spanish",
        "es",
        "3 comentarios",
        "dijo:",
        [
            ("Carmen", "12 de marzo de 2019 a las 10:15", ["Una pena, la biblioteca era parte del barrio."]),
            (
                "Luis G.",
                "12 de marzo de 2019 a las 22:40",
                ["El edificio nuevo tiene ascensor, eso es importante."],
            ),
            ("Marta", "13 de marzo de 2019 a las 8:05", ["¿Y qué pasa con los trabajadores?"]),
        ],
        "council",
    )


def italian() -> Page:
    return lang_page(
        "italian",
        "it",
        "3 commenti",
        "ha detto:",
        [
            ("Giulia", "12 marzo 2019 alle 10:15", ["Finalmente una decisione, se ne parlava da anni."]),
            ("Marco R.", "12 marzo 2019 alle 18:30", ["Il tetto andava riparato dieci anni fa."]),
            ("Anna", "14 marzo 2019 alle 9:00", ["Speriamo che gli orari restino lunghi anche d'estate."]),
        ],
        "council",
    )


def portuguese() -> Page:
    return lang_page(
        "portuguese",
        "pt",
        "3 comentários",
        "disse:",
        [
            ("Joana", "12 de março de 2019 às 10:15", ["Que pena, cresci a ler naquela biblioteca."]),
            ("Rui Costa", "12 de março de 2019 às 21:47", ["O centro comunitário fica longe das escolas."]),
            ("Beatriz", "15 de março de 2019 às 7:30", ["Alguém sabe se vai haver autocarro até lá?"]),
        ],
        "council",
    )


def dutch() -> Page:
    return lang_page(
        "dutch",
        "nl",
        "3 reacties",
        "schreef:",
        [
            ("Pieter", "12 maart 2019 om 10:15", ["Jammer, maar het gebouw was echt op."]),
            ("Sanne de Vries", "12 maart 2019 om 20:05", ["Mijn kinderen lopen er elke week naartoe."]),
            ("Kees", "13 mei 2019 om 08:45", ["Eerst zien, dan geloven."]),
        ],
        "council",
    )


def wp_threaded() -> Page:
    """WordPress-like thread: nesting, multiple paragraphs, a quote, a date line and "says:" inside text,
    an anonymous comment with no name."""
    p = Page("wp_threaded", "Should the old library be saved?", "council")
    cs = [
        (
            "Eleanor Hart",
            "March 12, 2019 at 10:15 pm",
            0,
            [
                "I have three points to make about this.",
                "First, the survey was never published, so nobody knows what the roof really costs.",
                "Second, the centre is further from the schools than the council admits.",
            ],
        ),
        (
            "Tom Baker",
            "March 12, 2019 at 11:02 pm",
            1,
            [
                "> the survey was never published",
                "It was published on the council website last week, you just have to dig for it.",
            ],
        ),
        (
            "Eleanor Hart",
            "March 13, 2019 at 7:40 am",
            2,
            [
                "Thanks Tom, found it. The meeting notes say:",
                "March 3, 2019",
                "Roof repairs estimated at 1.2 million. Works not approved.",
                "So much for transparency, as my neighbour says: nobody reads these.",
            ],
        ),
        (None, "March 13, 2019 at 9:12 am", 0, ["Anonymous comments should not be allowed on this topic."]),
        ("Priya", "March 14, 2019 at 18:20", 0, ["Whatever happens, please keep the children's section."]),
    ]
    h = [
        '<div id="comments" class="comments-area"><h2 class="comments-title">5 thoughts on “Should the old library be saved?”</h2><ol class="comment-list">'
    ]
    cur = 0
    for name, when, depth, text in cs:
        while cur < depth:
            h.append('<ol class="children">')
            cur += 1
        while cur > depth:
            h.append("</li></ol>")
            cur -= 1
        author = (
            f'<b class="fn">{E(name)}</b> <span class="says">says:</span>'
            if name
            else '<span class="says">says:</span>'
        )
        paras = "".join(
            f"<blockquote><p>{E(x[2:])}</p></blockquote>" if x.startswith("> ") else f"<p>{E(x)}</p>"
            for x in text
        )
        h.append(
            f'<li class="comment depth-{depth + 1}"><article class="comment-body"><footer class="comment-meta"><div class="comment-author vcard">'
            f'<img alt="" class="avatar">{author}</div><div class="comment-metadata"><a href="#c"><time datetime="2019-03-12T22:15:00+00:00">{when}</time></a></div></footer>'
            f'<div class="comment-content">{paras}</div><div class="reply"><a class="comment-reply-link">Reply</a></div></article>'
        )
    h += ["</li></ol>"] * cur
    h.append(
        '</ol><div id="respond"><h3 class="comment-reply-title">Leave a Reply</h3><p>Your email address will not be published.</p></div></div>'
    )
    p.html_comments = "".join(h)
    t = ["5 thoughts on “Should the old library be saved?”", ""]
    for name, when, depth, text in cs:
        ind = "    " * depth
        t += [f"{ind}  • {name} says:" if name else f"{ind}  • says:", f"{ind}    {when}", ""]
        for k, x in enumerate(text):
            if k:
                t.append("")
            t += wrap(x[2:], indent=ind + "    > ") if x.startswith("> ") else wrap(x, indent=ind + "    ")
        t += ["", f"{ind}    Reply", ""]
    t += ["Leave a Reply", "", "Your email address will not be published.", ""]
    p.text_comments = t
    expect(
        p,
        [(n, [tx[0][2:] if tx[0].startswith("> ") else tx[0]]) for n, _, _, tx in cs],
        parents=[None, 0, 1, None, None],
    )
    return p


# ---------------------------------------------------------------------------------------------------
# Traps: dated lines that are not comments


def trap_byline() -> Page:
    p = Page("trap_byline", "Library hours extended for the summer", "council")
    p.top_html = '<p class="byline">Posted by Editor on March 12, 2019 at 10:15 am</p>'
    p.top_text = ["Posted by Editor on March 12, 2019 at 10:15 am", ""]
    rel = [
        ("Council budget approved after long debate", "March 10, 2019"),
        ("New bus route to the community centre", "March 8, 2019"),
        ("School run traffic plan delayed again", "March 5, 2019"),
    ]
    p.after_html = (
        '<aside class="author-bio"><h3>About the author</h3><p>Jane Smith has covered local politics since 2004.'
        ' She lives in the valley with two cats.</p></aside><section class="related"><h3>Related Posts</h3><ul>'
        + "".join(f'<li><a href="#">{E(a)}</a> <span class="date">{d}</span></li>' for a, d in rel)
        + "</ul></section>"
    )
    p.after_text = (
        [
            "About the author",
            "",
            "Jane Smith has covered local politics since 2004. She lives in the valley",
            "with two cats.",
            "",
            "Related Posts",
            "",
        ]
        + [f"  • {a} {d}" for a, d in rel]
        + [""]
    )
    p.expected = {
        "comments": 0,
        "authors": [],
        "starts": [],
        "body_snippets": [p.paras[0][:70], p.paras[-1][:70]],
        "not_in_body": [
            *FURNITURE,
            "Jane Smith has covered local politics",
            "Council budget approved after long debate",
        ],
    }
    return p


def trap_related() -> Page:
    p = Page("trap_related", "Cycle lane opening weekend", "bikes")
    p.top_html = '<div class="meta">By <a rel="author">Chris Moore</a> · <time datetime="2019-03-12T10:15">12 March 2019, 10:15</time></div>'
    p.top_text = ["By Chris Moore · 12 March 2019, 10:15", ""]
    rel = [
        ("Chris Moore", "11 March 2019", "Why the river road floods every winter"),
        ("Dana Lee", "9 March 2019", "Station car park to close for repairs"),
        ("Chris Moore", "7 March 2019", "Students demand cheaper bus passes"),
    ]
    p.after_html = (
        '<section class="more"><h2>Latest news</h2>'
        + "".join(
            f'<div class="teaser"><h3><a href="#">{E(t)}</a></h3><div class="meta"><span class="author">{a}</span> <time>{d}</time></div></div>'
            for a, d, t in rel
        )
        + "</section>"
    )
    p.after_text = ["Latest news", ""] + [x for a, d, t in rel for x in (t, "", f"{a} {d}", "")]
    p.expected = {
        "comments": 0,
        "authors": [],
        "starts": [],
        "body_snippets": [p.paras[0][:70], p.paras[-1][:70]],
        "not_in_body": [*FURNITURE, "Why the river road floods every winter", "Dana Lee 9 March 2019"],
    }
    return p


def trap_events() -> Page:
    p = Page("trap_events", "Spring gardening workshops", "garden")
    ev = [
        ("Seed swap", "Sat 16 March 2019, 10:00", "Community centre, main hall"),
        ("Pruning for beginners", "Sun 24 March 2019, 14:30", "Allotments, gate B"),
        ("Composting clinic", "Sat 6 April 2019, 11:00", "Library garden"),
    ]
    p.after_html = (
        '<section class="events"><h2>Upcoming events</h2>'
        + "".join(
            f'<div class="event"><h3>{E(n)}</h3><p class="when">{w}</p><p class="where">{E(where)}</p></div>'
            for n, w, where in ev
        )
        + "</section>"
    )
    p.after_text = ["Upcoming events", ""] + [x for n, w, where in ev for x in (n, w, where, "")]
    p.expected = {
        "comments": 0,
        "authors": [],
        "starts": [],
        "body_snippets": [p.paras[0][:70], p.paras[-1][:70]],
        "not_in_body": [*FURNITURE],
    }
    return p


def trap_changelog() -> Page:
    p = Page("trap_changelog", "Release notes: water data portal", "water")
    ch = [
        ("Version 2.3", "2019-03-12", "Added weekly reservoir figures and a CSV export."),
        ("Version 2.2", "2019-02-20", "Fixed the map legend on small screens."),
        ("Version 2.1", "2019-01-15", "New charts for rainfall compared with the average."),
    ]
    p.after_html = (
        '<section class="changelog"><h2>Changelog</h2>'
        + "".join(
            f'<div class="release"><h3>{v} <small>{d}</small></h3><ul><li>{E(x)}</li></ul></div>'
            for v, d, x in ch
        )
        + "</section>"
    )
    p.after_text = ["Changelog", ""] + [x for v, d, c in ch for x in (f"{v} {d}", "", f"  • {c}", "")]
    p.expected = {
        "comments": 0,
        "authors": [],
        "starts": [],
        "body_snippets": [p.paras[0][:70], p.paras[-1][:70]],
        "not_in_body": [*FURNITURE],
    }
    return p


PAGES = [
    disqus,
    discourse,
    drupal,
    jcomments,
    substack,
    phpbb,
    coral,
    facebook,
    viafoura,
    blogger,
    movabletype,
    numbered,
    isostamp,
    spanish,
    italian,
    portuguese,
    dutch,
    wp_threaded,
    trap_byline,
    trap_related,
    trap_events,
    trap_changelog,
]
