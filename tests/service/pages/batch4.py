# ruff: noqa: E501, RUF005  (fixture markup reads best as one line per element)
"""Fourth batch of test pages: names of every shape, traps inside comment text, a short article before
teasers."""

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
