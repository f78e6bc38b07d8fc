# ruff: noqa: E501  (fixture markup reads best as one line per element)
"""The shared frame of the test pages: article bodies, the page around them, its text dump, what a
reader expects of it."""

from __future__ import annotations

import html
import textwrap

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
