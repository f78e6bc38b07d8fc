# ruff: noqa: E501  (page fixtures read best one line of the page a line)
"""HTML <button>s shown as a browser shows them (session 42). Modern widgets draw a comment's actions
("antworten", "melden", "+34") as buttons; the renderer left them out, so the action row that tells a
thread apart from a list of dated headlines was missing from HTML while w3m showed it ("[antworten]").
A line of buttons alone is controls: comment chrome in a thread, dropped as "buttons" elsewhere."""

from __future__ import annotations

from service.html import CONTROLS_HINT, html_to_lines
from service.parse import parse_page, parse_with_roles

_NAMES = ["Simmeringer Haide", "Donaublau", "grantiger_Opa", "Pragmatikerin", "xaver_m"]
_TEXTS = [
    "Heuer ein Jahr, nächstes Jahr wieder ein Jahr. Ich wohn seit 2021 hier und hör das zum dritten Mal.",
    "Zum dritten Mal? Ich hab gedacht, das war von Anfang an für 2026 geplant.",
    "Zu meiner Zeit hat man eine Straßenbahn in zwei Jahren gebaut, ganz ohne Einsprüche.",
    "Zu Ihrer Zeit durfte man auch noch ohne Einspruch jedem den Garten wegnehmen.",
    "Die Busse sind in der Früh jetzt schon so voll, dass man sie vorbeifahren lassen muss.",
]
_ARTICLE = "<h1>Straßenbahn verzögert sich erneut</h1>" + "".join(
    f"<p>Die neue Linie in den Norden der Stadt wird erst später fertig, Absatz {k} erklärt, warum die "
    "Arbeiten an den Gleisen länger dauern als geplant und was das für die Pendler bedeutet.</p>"
    for k in range(5)
)


def _forum(footer: str) -> str:
    posts = "".join(
        f'<div class="posting"><div class="posting--header"><a class="posting--username" href="#">{n}</a> '
        f"<span>{40 + 7 * i} Postings</span> <span>17. Jänner 2024, 08:{10 + i}:45</span></div>"
        f"<div><p>{t}</p></div><div>{footer.format(i=i)}</div></div>"
        for i, (n, t) in enumerate(zip(_NAMES, _TEXTS, strict=True))
    )
    return (
        "<html><head><title>Straßenbahn verzögert sich erneut</title></head><body><main><article>"
        f"{_ARTICLE}</article><section><h2>Forum</h2><p>1.284 Postings</p>{posts}</section></main></body></html>"
    )


def test_a_forum_whose_action_row_is_buttons_is_read_in_html():
    """A forum under an article with no heading the lexicon knows ("Forum", "1.284 Postings"): its
    action row of buttons is the cue. Without the buttons each post showed only "permalink"."""
    page = _forum(
        '<button>+{i}</button> <button>−1</button> <button>antworten</button> <a href="#">permalink</a> <button>melden</button>'
    )
    article = parse_page(page, fmt="html")
    assert [c.author for c in article.comments] == _NAMES
    assert [c.text for c in article.comments] == _TEXTS
    assert "Straßenbahn" in article.body and "Postings" not in article.body


def test_a_line_of_buttons_alone_is_controls_and_never_text():
    """ "Ocultar 2 respuestas" (hide 2 replies) and a comment form's "Publicar" are buttons alone on their
    line: chrome inside a thread, dropped as buttons outside it; never a comment's words or the body's."""
    page = (
        _forum("<button>Ocultar {i} respuestas</button>")
        .replace(
            "</section>",
            '<form><textarea></textarea><button type="submit">Publicar comentario</button></form></section>',
        )
        .replace(
            "<article>",
            '<article><div class="tools"><button>Compartir</button> <button>Guardar</button></div>',
        )
    )
    lines = {ln.text: ln.hint for ln in html_to_lines(page)}
    assert lines["Ocultar 1 respuestas"] == lines["Compartir Guardar"] == CONTROLS_HINT
    article, _, roles = parse_with_roles(page, fmt="html")
    assert all("Ocultar" not in c.text and "Publicar" not in c.text for c in article.comments)
    assert "Compartir" not in article.body and "Publicar" not in article.body
    assert {r for _, piece, r in roles if piece == "Compartir Guardar"} == {"buttons"}


def test_a_button_beside_words_is_part_of_the_line():
    """Mixed with a link or words the buttons are shown in the line, as w3m shows "[antworten]"; only a
    line of buttons alone is controls, and a commenter's name drawn as a button (Coral) stays the name."""
    page = _forum('<button>antworten</button> <a href="#">permalink</a>')
    lines = {ln.text: ln.hint for ln in html_to_lines(page)}
    assert lines["antworten permalink"] is None
    coral = (
        '<div class="comment"><button class="coral-username">Ann Lee</button> <span>3 hours ago</span></div>'
    )
    assert [ln.hint for ln in html_to_lines(f"<html><body>{coral}</body></html>")] == ["author"]
