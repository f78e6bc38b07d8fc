"""No silent misses: a page that says it has comments gets them, or a warning with the reason."""

from __future__ import annotations

from service.parse import parse_page

_ARTICLE = " ".join(
    ["We walked the old coast path from the harbour to the lighthouse, stopping for tea halfway."] * 4
)
_COMMENTS = [
    (
        "Anna Berg",
        "12/02/2024 18:40",
        "Lovely write-up, we did the same walk last spring and loved the cafe.",
    ),
    ("Tom", "12/02/2024 19:05", "Was the path muddy after the rain? Thinking of going next weekend."),
    ("Maria S.", "13/02/2024 08:12", "Thanks for the tip about the tea, the scones there are the best."),
    ("jk", "13/02/2024 10:30", "Great photos. Which camera did you use for the lighthouse shots?"),
]


def _blog(heading: str) -> str:
    """A hand-written blog page: comment text first, then a "— name, date" footer."""
    html = "<html><head><title>A walk to the lighthouse</title></head><body><h1>A walk to the lighthouse</h1>"
    html += "".join(f"<p>{_ARTICLE}</p>" for _ in range(3)) + f"<h2>{heading}</h2>"
    for name, when, text in _COMMENTS:
        html += f'<div class="c"><p>{text}</p><p class="by">— {name}, {when}</p></div>'
    return html + "<p>Write to us at letters@example.org</p></body></html>"


def test_readers_said_heading_with_dash_footers_gives_every_comment() -> None:
    art = parse_page(_blog("What readers said (4)"), fmt="html")
    assert [c.author for c in art.comments] == ["Anna Berg", "Tom", "Maria S.", "jk"]
    assert [c.text for c in art.comments] == [t for _, _, t in _COMMENTS]
    assert art.declared_comment_count == 4
    assert art.warnings == ()
    assert "Lovely write-up" not in art.body


def test_same_page_as_text_gives_every_comment() -> None:
    text = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + "\n\nWhat readers said (4)\n\n"
    text += "\n\n".join(f"{t}\n— {n}, {w}" for n, w, t in _COMMENTS)
    art = parse_page(text, fmt="text")
    assert [c.author for c in art.comments] == ["Anna Berg", "Tom", "Maria S.", "jk"]
    assert art.warnings == ()


def test_declared_count_above_found_warns_with_the_numbers() -> None:
    art = parse_page(_blog("What readers said (6)"), fmt="html")
    assert len(art.comments) == 4
    assert len(art.warnings) == 1
    assert "declares 6 comment(s) but 4 were found" in art.warnings[0]


def test_repeated_dated_lines_that_are_not_read_as_comments_warn() -> None:
    # No heading and no cue: the footers are not read as comments, but the page shows their shape.
    html = _blog("").replace("<h2></h2>", "")
    art = parse_page(html, fmt="html")
    assert len(art.comments) == 4 or any("dated lines of one shape" in w for w in art.warnings), art


def test_page_without_comment_evidence_has_no_warning() -> None:
    html = "<html><body><h1>Plain page title here</h1>" + f"<p>{_ARTICLE}</p>" * 3 + "</body></html>"
    assert parse_page(html, fmt="html").warnings == ()
