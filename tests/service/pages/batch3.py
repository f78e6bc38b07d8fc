# ruff: noqa: E501, RUF005  (fixture markup reads best as one line per element)
"""Third batch of test pages: written after the second round of fixes, measured before any further change."""

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
