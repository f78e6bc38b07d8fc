# ruff: noqa: E501, RUF005  (fixture markup reads best as one line per element)
"""Build the unseen-style test pages: each comment system or trap as HTML and as a w3m-like text dump.

The pages are written for this repository (own text, no copied content) and imitate the markup and the
text layout of comment systems and CMSes that are NOT in /work/shared/articles. Run it to regenerate:
`.venv/bin/python tests/service/pages/build.py`; it writes <name>.html, <name>.w3m.txt and expected.json.
"""

from __future__ import annotations

import html
import json
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
E = html.escape

BODIES = {
    "council": [
        "The town council voted on Tuesday evening to close the old library on Mill Street and move its "
        "collection to the community centre, ending a debate that has divided residents for two years.",
        "Supporters of the move said the centre has longer opening hours, a lift and a car park, while "
        "opponents argued that the building on Mill Street is within walking distance of three schools.",
        "The council's finance officer told members that repairing the roof and the heating of the old "
        "building would cost more than the library's entire budget for the next four years.",
        "A petition signed by more than two thousand people asked the council to delay the vote until an "
        "independent survey of the building had been published, but the motion to delay was defeated.",
    ],
    "bikes": [
        "A new protected cycle lane along the river road opened to the public this weekend after eighteen "
        "months of construction work and several delays caused by flooding last winter.",
        "The lane separates cyclists from traffic with a low concrete kerb and planted verges, and it links "
        "the railway station with the university campus and the business park to the east.",
        "City engineers expect the number of people cycling on the route to double within a year, based on "
        "counts taken on similar lanes that were built in neighbouring towns since 2015.",
        "Local shop owners were divided, with some worried about the loss of parking spaces in front of "
        "their stores and others hoping that more people on bikes would stop and spend money nearby.",
    ],
    "garden": [
        "Growing tomatoes on a balcony is easier than most people think, provided the plants get at least six "
        "hours of direct sunlight a day and a pot that holds enough compost to keep the roots moist.",
        "Choose a compact or bush variety rather than a tall cordon type, because the tall plants need "
        "support and regular pruning that is awkward in a small space with little room to move.",
        "Water deeply in the morning rather than a little every evening, and feed the plants with a "
        "potash-rich liquid fertiliser once the first flowers have opened on the lowest truss.",
        "If the leaves curl or turn yellow from the bottom up, the plant is usually short of water or "
        "nutrients, and a thick mulch on top of the compost helps to keep the moisture in during heat.",
    ],
    "water": [
        "The regional water authority has warned that reservoir levels are at their lowest point for the "
        "time of year since records began, after the driest spring in more than half a century.",
        "Households are being asked to take shorter showers, to avoid watering lawns and to report leaks, "
        "while farmers have been told that abstraction licences may be suspended from next month.",
        "Engineers are bringing an old pumping station back into service to move water from the northern "
        "lakes, a project that was due to finish in the autumn but has been brought forward.",
        "The authority said a hosepipe ban remains likely unless the summer brings well above average "
        "rainfall, and it promised to publish weekly figures for every reservoir it manages.",
    ],
}

NAV = ["Home", "News", "Local", "Sport", "Opinion", "Contact"]
FURNITURE = ["The Valley Courier. All rights reserved.", "Privacy policy"]  # never part of a body


def wrap(text: str, width: int = 78, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent) or [indent]


class Page:
    def __init__(self, name: str, title: str, body: str, lang: str = "en") -> None:
        self.name, self.title, self.paras, self.lang = name, title, BODIES[body], lang
        self.html_comments = ""  # markup of the comment section
        self.text_comments: list[str] = []  # lines of the comment section in the text dump
        self.top_html = ""  # between the headline and the body (bylines)
        self.top_text: list[str] = []
        self.after_html = ""  # after the comments (or after the body): related lists, footers
        self.after_text: list[str] = []
        self.expected: dict[str, object] = {}
        self.subheads: list[str] = []  # one subhead above each paragraph (a sectioned article)

    def html(self) -> str:
        heads = self.subheads or [""] * len(self.paras)
        paras = "\n".join(
            (f"<h2>{E(h)}</h2>" if h else "") + f"<p>{E(p)}</p>"
            for h, p in zip(heads, self.paras, strict=True)
        )
        nav = " ".join(f'<li><a href="/{n.lower()}">{n}</a></li>' for n in NAV)
        return f"""<!DOCTYPE html>
<html lang="{self.lang}"><head><meta charset="utf-8"><title>{E(self.title)} | The Valley Courier</title>
<script>window.dataLayer = [];</script></head>
<body>
<header><div class="logo">The Valley Courier</div><nav><ul>{nav}</ul></nav></header>
<main>
<article class="post">
<h1 class="entry-title">{E(self.title)}</h1>
{self.top_html}
<div class="entry-content">
{paras}
</div>
</article>
{self.html_comments}
</main>
{self.after_html}
<footer><p>© 2019 The Valley Courier. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>
"""

    def text(self) -> str:
        out = ["The Valley Courier", "", "  • " + "\n  • ".join(NAV), "", self.title, ""]
        out += self.top_text
        for h, p in zip(self.subheads or [""] * len(self.paras), self.paras, strict=True):
            out += [h, ""] if h else []
            out += [*wrap(p), ""]
        out += self.text_comments
        out += self.after_text
        out += ["", "© 2019 The Valley Courier. All rights reserved.", "Privacy policy", ""]
        return "\n".join(out)


def para_lines(paras: list[str], indent: str = "") -> list[str]:
    out: list[str] = []
    for k, p in enumerate(paras):
        if k:
            out.append("")
        out += wrap(p, indent=indent)
    return out


def ph(paras: list[str]) -> str:
    return "".join(f"<p>{E(p)}</p>" for p in paras)


def expect(page: Page, comments: list[tuple[str | None, list[str]]], **extra: object) -> None:
    page.expected = {
        "comments": len(comments),
        "authors": [a for a, _ in comments],
        "starts": [" ".join(t[0].split()[:6]) for _, t in comments],
        "body_snippets": [page.paras[0][:70], page.paras[-1][:70]],
        "not_in_body": [t[0][:60] for _, t in comments] + FURNITURE,
        **extra,
    }


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


# ---------------------------------------------------------------------------------------------------
# Third batch: written after the second round of fixes, measured before any further change.


def guardian_like() -> Page:
    p = Page("guardian_like", "Reservoirs: the long dry spring", "water")
    cs = [
        ("Ruth, Sheffield", "12 Mar 2019 10:15", 0, ["We have not had proper rain here since February."]),
        (
            "Anon_9",
            "12 Mar 2019 10:40",
            1,
            ["This comment was removed by a moderator because it did not abide by our community standards."],
        ),
        (
            "Kofi A",
            "12 Mar 2019 11:02",
            1,
            ["Ruth, same in Derby. The river is the lowest I have ever seen it."],
        ),
        (
            "mjb1970",
            "12 Mar 2019 12:30",
            0,
            [
                "Water companies paid out dividends instead of fixing pipes.",
                "Nobody should be surprised by any of this.",
            ],
        ),
    ]
    h = ['<div class="discussion"><h2>Comments <span>(4)</span></h2><ul class="d-thread">']
    cur = 0
    for name, when, depth, text in cs:
        while cur < depth:
            h.append('<ul class="d-thread--responses">')
            cur += 1
        while cur > depth:
            h.append("</ul>")
            cur -= 1
        h.append(
            f'<li class="d-comment"><div class="d-comment__meta"><span class="d-comment__author">{E(name)}</span>'
            f'<time class="d-comment__timestamp" datetime="2019-03-12T10:15:00Z">{when}</time></div>'
            f'<div class="d-comment__body">{ph(text)}</div><div class="d-comment__actions"><a>Reply</a> <a>Report</a></div></li>'
        )
    h += ["</ul>"] * cur
    h.append("</ul></div>")
    p.html_comments = "".join(h)
    t = ["Comments (4)", ""]
    for name, when, depth, text in cs:
        ind = "   " * depth
        t += (
            [f"{ind}  • {name}", f"{ind}    {when}", ""]
            + para_lines(text, ind + "    ")
            + ["", f"{ind}    Reply Report", ""]
        )
    p.text_comments = t
    expect(p, [(n, tx) for n, _, _, tx in cs], parents=[None, 0, 0, None])
    return p


def commento() -> Page:
    p = Page("commento", "Cycle lane counts published", "bikes")
    cs = [
        (
            "maria_k",
            "3 days ago",
            "2019-03-09T10:15:00Z",
            ["Interesting that weekend numbers are higher than weekday ones."],
        ),
        (
            "J. Ortega",
            "2 days ago",
            "2019-03-10T19:00:00Z",
            ["Families ride at weekends, commuters still drive. Give it time."],
        ),
        (
            "anonymous",
            "5 hours ago",
            "2019-03-12T05:00:00Z",
            ["Counts in March mean nothing, wait for the summer."],
        ),
    ]
    h = ['<div id="commento"><div class="commento-count">3 comments</div>']
    for name, when, iso, text in cs:
        h.append(
            f'<div class="commento-card"><div class="commento-header"><div class="commento-name">{E(name)}</div>'
            f'<div class="commento-subtitle"><span class="commento-timeago"><time datetime="{iso}">{when}</time></span></div></div>'
            f'<div class="commento-body">{ph(text)}</div><div class="commento-options"><button>▲</button> 2 <button>▼</button>'
            f'<button class="commento-reply">Reply</button></div></div>'
        )
    h.append("</div>")
    p.html_comments = "".join(h)
    t = ["3 comments", ""]
    for name, when, _, text in cs:
        t += [name, when, ""] + para_lines(text) + ["", "▲ 2 ▼ Reply", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, _, tx in cs], posted_at_html=[i[:-1] for _, _, i, _ in cs])
    return p


def utterances() -> Page:
    p = Page("utterances", "Notes on balcony tomatoes", "garden")
    cs = [
        ("hkarlsson", "Mar 12, 2019", ["Thanks for the write-up. Did you try self-watering pots?"]),
        (
            "tomato-tom",
            "Mar 13, 2019",
            ["> Did you try self-watering pots?", "Yes, they work well but the reservoir grows algae."],
        ),
        ("hkarlsson", "Mar 14, 2019", ["Good to know, I will cover mine."]),
    ]
    h = ['<div class="utterances"><h2 class="timeline-header">3 Comments</h2>']
    for name, when, text in cs:
        paras = "".join(
            f"<blockquote><p>{E(x[2:])}</p></blockquote>" if x.startswith("> ") else f"<p>{E(x)}</p>"
            for x in text
        )
        h.append(
            f'<article class="timeline-comment"><header class="comment-header"><strong><a class="text-link">{E(name)}</a></strong>'
            f' commented <a class="link-secondary"><time datetime="2019-03-12T10:15:00Z">on {when}</time></a></header>'
            f'<div class="markdown-body">{paras}</div><div class="comment-reactions">👍 2</div></article>'
        )
    h.append("</div>")
    p.html_comments = "".join(h)
    t = ["3 Comments", ""]
    for name, when, text in cs:
        t += [f"{name} commented on {when}", ""]
        for k, x in enumerate(text):
            if k:
                t.append("")
            t += wrap(x[2:], indent="> ") if x.startswith("> ") else wrap(x)
        t += ["", "👍 2", ""]
    p.text_comments = t
    expect(p, [(n, [tx[0][2:] if tx[0].startswith("> ") else tx[0]]) for n, _, tx in cs])
    return p


def jetpack_wp() -> Page:
    p = Page("jetpack_wp", "Closing the library: a reader's view", "council")
    cs = [
        ("Olive", "March 3", ["Beautifully put. I will miss the old reading room."]),
        ("Samir Haddad", "March 4", ["The new centre has a café, which the old library never had."]),
        ("Olive", "March 4", ["A café is not a reading room, Samir!"]),
    ]
    h = [
        '<div id="comments"><h3 class="comments-title">3 Replies to “Closing the library: a reader\'s view”</h3><ol class="comment-list">'
    ]
    for name, when, text in cs:
        h.append(
            f'<li class="comment"><div class="comment-author vcard"><img alt="avatar" class="avatar"><b class="fn">{E(name)}</b>'
            f' <span class="says">says:</span></div><div class="comment-metadata"><a><time datetime="2019-03-0{when[-1]}T10:15:00+00:00">{when}</time></a></div>'
            f'<div class="comment-content">{ph(text)}</div><div id="like-comment-wrapper"><span>Loading...</span></div>'
            f'<div class="reply"><a class="comment-reply-link">Reply</a></div></li>'
        )
    h.append('</ol><div class="nav-previous"><a>« Older Comments</a></div></div>')
    p.html_comments = "".join(h)
    t = ["3 Replies to “Closing the library: a reader's view”", ""]
    for name, when, text in cs:
        t += (
            ["  [avatar]", f"  {name} says:", f"  {when}", ""]
            + para_lines(text, "  ")
            + ["", "  Loading...", "", "  Reply", ""]
        )
    t += ["« Older Comments", ""]
    p.text_comments = t
    expect(
        p,
        [(n, tx) for n, _, tx in cs],
        posted_at_html=["2019-03-03T10:15:00", "2019-03-04T10:15:00", "2019-03-04T10:15:00"],
    )
    return p


def hace_es() -> Page:
    p = Page("hace_es", "Carril bici junto al río", "bikes", "es")
    cs = [
        ("Lucía", "hace 3 días", ["Por fin un carril seguro para ir a la universidad."]),
        ("Andrés M.", "hace 2 días", ["Faltan aparcamientos para bicis en la estación."]),
        ("Pepe", "hace 5 horas", ["¿Y los coches dónde aparcan ahora?"]),
    ]
    h = ['<section class="comentarios"><h3>Comentarios (3)</h3>']
    for name, when, text in cs:
        h.append(
            f'<div class="comentario"><span class="autor">{E(name)}</span> · <span class="fecha">{when}</span>{ph(text)}'
            f'<a class="responder">Responder</a> <a>Denunciar</a></div>'
        )
    h.append("</section>")
    p.html_comments = "".join(h)
    t = ["Comentarios (3)", ""]
    for name, when, text in cs:
        t += [f"{name} · {when}", ""] + para_lines(text) + ["", "Responder Denunciar", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def trap_liveblog() -> Page:
    """Timestamped liveblog entries with share buttons: the article itself, not reader comments."""
    p = Page("trap_liveblog", "Live: council votes on the library", "council")
    ev = [
        ("12 March 2019 19:45 GMT", "The meeting has opened and the public gallery is full."),
        ("12 March 2019 20:10 GMT", "The finance officer is presenting the repair estimates to members."),
        ("12 March 2019 20:55 GMT", "The motion to delay the vote has been defeated by eleven votes to six."),
    ]
    p.top_html = "".join(
        f'<div class="live-entry"><time>{w}</time><p>{E(x)}</p><div class="share"><a>Share</a></div></div>'
        for w, x in ev
    )
    p.top_text = [x for w, e in ev for x in (w, "", e, "", "Share", "")]
    p.expected = {
        "comments": 0,
        "authors": [],
        "starts": [],
        "body_snippets": [p.paras[0][:70], ev[-1][1][:60]],
        "not_in_body": [*FURNITURE],
    }
    return p


def trap_results() -> Page:
    p = Page("trap_results", "Valley cycling club: spring race results", "bikes")
    rows = [
        ("Sat 2 March 2019", "Hill climb", "A. Jones"),
        ("Sat 9 March 2019", "Time trial", "R. Patel"),
        ("Sun 17 March 2019", "Road race", "K. Müller"),
    ]
    p.after_html = (
        '<h2>Results</h2><table class="results"><tr><th>Date</th><th>Race</th><th>Winner</th></tr>'
        + "".join(f"<tr><td>{d}</td><td>{r}</td><td>{w}</td></tr>" for d, r, w in rows)
        + "</table>"
    )
    p.after_text = (
        ["Results", "", "Date              Race        Winner"]
        + [f"{d:<18}{r:<12}{w}" for d, r, w in rows]
        + [""]
    )
    p.expected = {
        "comments": 0,
        "authors": [],
        "starts": [],
        "body_snippets": [p.paras[0][:70], p.paras[-1][:70]],
        "not_in_body": [*FURNITURE],
    }
    return p


BATCH3 = [guardian_like, commento, utterances, jetpack_wp, hace_es, trap_liveblog, trap_results]


# ---------------------------------------------------------------------------------------------------
# Fourth batch: names of every shape, traps inside comment text, a short article before teasers.


def names_thread() -> Page:
    p = Page("names_thread", "Library vote: the full reaction", "council")
    cs = [
        ("Dr. Jane O'Neil", "5 hours ago", ["As a teacher I can say the children will lose out."]),
        ("李雷", "5 hours ago", ["My parents used the language section every week."]),
        ("José Álvarez", "4 hours ago", ["The Spanish books must move too, please."]),
        ("mary-ann_77", "4 hours ago", ["Has anyone asked the staff what they think?"]),
        ("Guest", "3 hours ago", ["Typical council, decide first and consult later."]),
        ("@valleydad", "2 hours ago", ["The centre is fine. Stop complaining and go and look at it."]),
        ("Ng", "1 hour ago", ["Two buses instead of a ten minute walk for us."]),
        ("Mr T. Brown", "1 hour ago", ["I have written to my councillor about the archive."]),
    ]
    h = ['<div id="disqus_thread"><span class="comment-count">8 Comments</span><ul class="post-list">']
    for name, when, text in cs:
        h.append(
            f'<li class="post"><header><span class="author">{E(name)}</span> <span>•</span> <a class="time-ago">{when}</a></header>'
            f'<div class="post-message">{ph(text)}</div><footer><a>Reply</a> • <a>Share ›</a></footer></li>'
        )
    h.append("</ul></div>")
    p.html_comments = "".join(h)
    t = ["8 Comments", ""]
    for name, when, text in cs:
        t += [f"{name} • {when}", ""] + para_lines(text) + ["", "Reply • Share ›", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    p.expected["authors"][5] = "valleydad"  # type: ignore[index]  # a handle's name, without the mention sign
    return p


def says_trap() -> Page:
    """Comment text that looks like headers: a "said:" line, a bare date line, a sign-off, a quote."""
    p = Page("says_trap", "Water meters for every home?", "water")
    cs = [
        (
            "Harriet",
            "March 12, 2019 at 9:15 am",
            [
                "My grandmother always said:",
                "Never waste what falls from the sky.",
                "She kept three rain barrels and never paid for garden water in her life.",
            ],
        ),
        (
            "Ben Olsen",
            "March 12, 2019 at 11:30 am",
            [
                "Meters went in on our street last year. The bill dated",
                "March 1, 2019",
                "was half of what we paid before.",
                "-- Ben",
            ],
        ),
        (
            "Harriet",
            "March 12, 2019 at 1:05 pm",
            ["Ben Olsen says: the bill was half.", "That matches what our neighbours told us."],
        ),
    ]
    h = ['<div id="comments"><h2>3 Responses</h2><ol class="commentlist">']
    for name, when, text in cs:
        h.append(
            f'<li class="comment"><div class="comment-author vcard"><cite class="fn">{E(name)}</cite> <span class="says">says:</span></div>'
            f'<div class="comment-meta"><a>{when}</a></div>{ph(text)}<div class="reply"><a>Reply</a></div></li>'
        )
    h.append("</ol></div>")
    p.html_comments = "".join(h)
    t = ["3 Responses", ""]
    for name, when, text in cs:
        t += [f"  1. {name} says:", f"     {when}", ""] + para_lines(text, "     ") + ["", "     Reply", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def short_body_teasers() -> Page:
    """A short article followed by a long list of teasers with summaries and no heading over them."""
    p = Page("short_body_teasers", "Hosepipe ban confirmed", "water")
    p.paras = p.paras[:2]
    teasers = [
        (
            "Farmers count the cost of the driest spring",
            "Growers in the east of the county say yields of wheat and barley could fall by a third if the dry weather continues into June.",
        ),
        (
            "How to save water in the garden this summer",
            "Mulch, water butts and watering in the early morning can cut the water a garden needs by half, experts say.",
        ),
        (
            "Old pumping station back in service",
            "Engineers have restarted a Victorian pumping station that had been out of use since the nineteen eighties.",
        ),
        (
            "Reservoir walks closed to protect wildlife",
            "Paths around two of the lowest reservoirs are closed while nesting birds use the exposed shoreline.",
        ),
        (
            "Leak repairs speed up across the region",
            "The water authority says it has doubled the number of repair crews and is fixing leaks within two days.",
        ),
    ]
    p.after_html = (
        '<section class="teasers">'
        + "".join(f'<div class="teaser"><h3><a>{E(a)}</a></h3><p>{E(b)}</p></div>' for a, b in teasers)
        + "</section>"
    )
    p.after_text = [x for a, b in teasers for x in (a, "", *wrap(b), "")]
    p.expected = {
        "comments": 0,
        "authors": [],
        "starts": [],
        "body_snippets": [p.paras[0][:70], p.paras[-1][:70]],
        "not_in_body": [
            *FURNITURE,
            "Growers in the east of the county",
            "Engineers have restarted a Victorian",
        ],
    }
    return p


def comment_hash() -> Page:
    p = Page("comment_hash", "Balcony tomato varieties compared", "garden")
    cs = [
        ("Yvonne", "March 12, 2019 10:15", ["Sungold is the sweetest I have grown, by far."]),
        ("K. Lindt", "March 12, 2019 21:40", ["Tumbling Tom does well in hanging baskets."]),
        ("peterpan", "March 13, 2019 06:55", ["Has anyone tried the black varieties in pots?"]),
    ]
    h = ['<div class="comments"><h3>Reader comments (3)</h3>']
    for k, (name, when, text) in enumerate(cs):
        h.append(
            f'<div class="comment"><p class="meta">Comment #{k + 1} by <span class="author">{E(name)}</span> — {when}</p>{ph(text)}</div>'
        )
    h.append("</div>")
    p.html_comments = "".join(h)
    t = ["Reader comments (3)", ""]
    for k, (name, when, text) in enumerate(cs):
        t += [f"Comment #{k + 1} by {name} — {when}", ""] + para_lines(text) + [""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    return p


def jsdates() -> Page:
    """Times that a script fills in: the HTML has empty <time datetime> elements, the dumps no dates."""
    p = Page("jsdates", "Tomatoes: the verdict after three summers", "garden")
    cs = [
        ("Orla", "2019-03-12T10:15:00Z", ["Three summers of trials, and the cherry types still win."]),
        ("Felix B", "2019-03-12T16:20:00Z", ["Mine split every time it rained after a dry week."]),
        (
            "Nadia",
            "2019-03-13T08:05:00Z",
            ["Felix, water little and often in dry spells and they split less."],
        ),
    ]
    h = ['<section class="comments"><h2>Comments</h2>']
    for name, iso, text in cs:
        h.append(
            f'<div class="comment"><div class="comment-head"><b class="author">{E(name)}</b> <time class="timeago" datetime="{iso}"></time></div>'
            f'{ph(text)}<a class="reply-link">Reply</a></div>'
        )
    h.append("</section>")
    p.html_comments = "".join(h)
    t = ["Comments", ""]
    for name, _, text in cs:
        t += [name, ""] + para_lines(text) + ["", "Reply", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs], posted_at_html=[i[:-1] for _, i, _ in cs])
    return p


def subheaded() -> Page:
    """A sectioned article: a subhead over each short paragraph, four times. It is all article (the
    teaser rule must not cut it), and the comments below it still split."""
    p = Page("subheaded", "Drought explained in four questions", "water")
    p.subheads = [
        "How low are the reservoirs?",
        "Who is asked to save water?",
        "What are engineers doing?",
        "Will there be a hosepipe ban?",
    ]
    cs = [
        ("Oskar", "March 12, 2019 at 10:15", ["Clear and useful, thank you."]),
        ("Bea L", "March 12, 2019 at 12:40", ["The ban question is the one everybody asks me."]),
        ("Raj", "March 13, 2019 at 08:00", ["Please do the same for the flood defences."]),
    ]
    h = ['<div id="comments"><h3>3 Comments</h3>']
    for name, when, text in cs:
        h.append(
            f'<div class="comment"><div class="comment-author">{E(name)}</div><div class="comment-date">{when}</div>{ph(text)}<a>Reply</a></div>'
        )
    h.append("</div>")
    p.html_comments = "".join(h)
    t = ["3 Comments", ""]
    for name, when, text in cs:
        t += [name, when, ""] + para_lines(text) + ["", "Reply", ""]
    p.text_comments = t
    expect(p, [(n, tx) for n, _, tx in cs])
    p.expected["body_snippets"] = [*p.paras, *p.subheads]
    return p


BATCH4 = [names_thread, says_trap, short_body_teasers, comment_hash, jsdates, subheaded]


# ---------------------------------------------------------------------------------------------------
# An inscriptis-like rendering (written here, independent of service.html): one line per block, no
# wrapping, list items as "* " or "1. " indented by their nesting, paragraphs set off by blank lines.

_BLOCKS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "article",
    "section",
    "header",
    "footer",
    "aside",
    "nav",
    "main",
    "table",
    "tr",
    "blockquote",
    "time_block",
    "form",
}
_SPACED = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "table"}


def inscriptis_like(markup: str) -> str:
    import lxml.html

    root = lxml.html.document_fromstring(markup)
    out: list[str] = []
    line: list[str] = []
    indent = [0]

    def flush(blank: bool = False) -> None:
        if line and line[-1] in {"* "} | {f"{n}. " for n in range(1, 100)} and len(line) == 1:
            return  # a list bullet stays on the line of the item's first block ("1. Ann says:")
        text = " ".join("".join(line).split())
        line.clear()
        if text:
            out.append(" " * indent[-1] + text)
        if blank and out and out[-1] != "":
            out.append("")

    def walk(el, list_kind: str | None = None, number: int = 0) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in {"script", "style", "head", "title"} or not tag:
            if el.tail:
                line.append(el.tail)
            return
        block = tag in _BLOCKS
        if block:
            flush(tag in _SPACED)
        if tag == "br":
            flush()
        pushed = False
        if tag in {"ul", "ol", "blockquote"}:
            indent.append(indent[-1] + 3)
            pushed = True
        if tag == "li":
            line.append("* " if list_kind != "ol" else f"{number}. ")
        if el.text:
            line.append(el.text)
        k = 0
        for child in el:
            if child.tag == "li":
                k += 1
            walk(child, tag if tag in {"ul", "ol"} else list_kind, k)
        if block:
            flush(tag in _SPACED)
        if tag in {"td", "th", "a", "span", "time", "b", "strong", "cite", "abbr"}:
            line.append(" ")
        if pushed:
            indent.pop()
        if el.tail:
            line.append(el.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    flush()
    return "\n".join(out).strip("\n") + "\n"


def main() -> None:
    expected = {}
    for make in PAGES + BATCH2 + BATCH3 + BATCH4:
        page = make()
        (HERE / f"{page.name}.html").write_text(page.html(), encoding="utf-8")
        (HERE / f"{page.name}.w3m.txt").write_text(page.text(), encoding="utf-8")
        (HERE / f"{page.name}.inscriptis.txt").write_text(inscriptis_like(page.html()), encoding="utf-8")
        expected[page.name] = {
            **page.expected,
            "batch": 4 if make in BATCH4 else 3 if make in BATCH3 else 2 if make in BATCH2 else 1,
        }
    (HERE / "expected.json").write_text(
        json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
