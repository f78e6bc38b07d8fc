# ruff: noqa: E501  (inline page fixtures read best one sentence a line)
"""Session 15: comment stamps, headings and action words in German, French and Spanish, and comment
widgets that mix relative and absolute stamps (pages written for this test, after the shapes of
WordPress, Drupal, Isso and the Facebook comments plugin in those languages)."""

from __future__ import annotations

import pytest

from service.dates import find_date, to_iso
from service.parse import parse_page


@pytest.mark.parametrize(
    ("line", "raw"),
    [
        ("vor 1 Tag", "vor 1 Tag"),
        ("vor einem Tag", "vor einem Tag"),
        ("vor 1 Monat", "vor 1 Monat"),
        ("vor 1 Jahr", "vor 1 Jahr"),
        ("vor 2 Jahren", "vor 2 Jahren"),
        ("vor 1 Woche", "vor 1 Woche"),
        ("vor 2 Std.", "vor 2 Std."),
        ("Gefällt mir · Antworten · 2 Tg.", "2 Tg."),
        ("Margarete · 2 Min.", "2 Min."),
        ("J’aime · Répondre · 2 j", "2 j"),
        ("J'aime · Répondre · 1 sem.", "1 sem."),
        ("il y a 3 h", "il y a 3 h"),
        ("hace 2 d", "hace 2 d"),
        ("Me gusta · Responder · 2 d", "2 d"),
        ("Gestern", "Gestern"),
        ("Möwe77•Gestern", "Gestern"),
        ("Ruth Ainsley • Yesterday", "Yesterday"),
        ("Aujourd’hui", "Aujourd’hui"),
        ("Hier", "Hier"),
        ("Ayer", "Ayer"),
        ("ayer a las 14:05", "ayer a las 14:05"),
        ("gestern um 14:05", "gestern um 14:05"),
        ("Ann · last week", "last week"),
        ("right now", "right now"),
        ("Tom · about 2 hours", "about 2 hours"),
    ],
)
def test_localized_and_short_relative_stamps(line: str, raw: str) -> None:
    hit = find_date(line)
    assert hit is not None and hit.kind == "rel", line
    assert hit.raw == raw
    assert to_iso(hit.raw) is None


@pytest.mark.parametrize(
    ("line", "raw", "iso"),
    [
        ("Margarete Olsen Do., 03.12.2026 - 14:05", "Do., 03.12.2026 - 14:05", "2026-12-03T14:05:00"),
        ("dave_k Fr, 04.12.2026 - 15:40", "Fr, 04.12.2026 - 15:40", "2026-12-04T15:40:00"),
        ("Marguerite Olsen jeu. 3 déc. 2026 à 14:05", "jeu. 3 déc. 2026 à 14:05", "2026-12-03T14:05:00"),
        ("Margarita Olsen Jue, 3 dic 2026 - 14:05", "Jue, 3 dic 2026 - 14:05", "2026-12-03T14:05:00"),
        ("mié, 3 dic 2026 - 14:05", "mié, 3 dic 2026 - 14:05", "2026-12-03T14:05:00"),
    ],
)
def test_short_weekdays_belong_to_the_date_not_the_name(line: str, raw: str, iso: str) -> None:
    hit = find_date(line)
    assert hit is not None and hit.raw == raw
    assert to_iso(hit.raw) == iso


def test_a_day_and_month_alone_on_a_line_is_a_date() -> None:
    hit = find_date("3 Dec")
    assert hit is not None and hit.raw == "3 Dec"
    assert find_date("on 3 Dec the ferry stops running") is None


@pytest.mark.parametrize(
    "line",
    [
        "Gestern war ich mit dem Zug in der Stadt.",
        "Hier ist die Fähre.",
        "Hier, la mairie a voté.",
        "Yesterday I took the ferry",
        "I am reading it right now",
        "It took about 2 hours",
        "Last week the council met",
        "Ayer fuimos al puerto",
        "The Today show",
        "so 12 people came",
        "Heute Journal",
    ],
)
def test_day_words_in_prose_are_not_stamps(line: str) -> None:
    assert find_date(line) is None


_LEAD_DE = """Fährplan gekürzt: Inselpendler sitzen fest

Der regionale Verkehrsverbund hat am Mittwoch bestätigt, dass die frühe Fähre zur Insel Marrow ab Januar nicht mehr fährt. Rund dreihundert Pendler kommen damit vor acht Uhr nicht mehr aufs Festland.

Nach Angaben des Verbunds schreibt die Verbindung seit sechs Jahren Verluste, und das eingesetzte Schiff braucht ohnehin eine Motorüberholung, die es den größten Teil des Frühjahrs außer Dienst stellen würde.
"""


def test_german_singular_units_head_their_own_comments() -> None:
    page = (
        _LEAD_DE
        + """
4 Kommentare

Margarete Olsen • vor 2 Tagen
Genau das ist vor zehn Jahren mit der Buslinie passiert.
Antworten

dave_k • vor einem Tag
Die Buslinie kam 2019 doch zurück, nach der Petition.
Antworten

Petra Rahmann • vor 1 Tag
Mit der Hälfte der Haltestellen ist das kein Erfolg.
Antworten

Thomas Weißfeld • vor 3 Tagen
Ohne die frühe Fähre schafft meine Tochter das nicht.
Antworten
"""
    )
    art = parse_page(page)
    assert [c.author for c in art.comments] == [
        "Margarete Olsen",
        "dave_k",
        "Petra Rahmann",
        "Thomas Weißfeld",
    ]
    assert [c.posted_raw for c in art.comments] == [
        "vor 2 Tagen",
        "vor einem Tag",
        "vor 1 Tag",
        "vor 3 Tagen",
    ]


def test_short_weekday_stays_out_of_the_author() -> None:
    page = (
        _LEAD_DE
        + """
Kommentare

Margarete Olsen
Do., 03.12.2026 - 14:05
Genau das ist vor zehn Jahren mit der Buslinie passiert.
Antworten

dave_k
Do, 03.12.2026 - 15:40
Die Buslinie kam 2019 doch zurück, nach der Petition.
Antworten

Petra Rahmann
Fr., 04.12.2026 - 16:02
Mit der Hälfte der Haltestellen ist das kein Erfolg.
Antworten
"""
    )
    art = parse_page(page)
    assert [c.author for c in art.comments] == ["Margarete Olsen", "dave_k", "Petra Rahmann"]
    assert art.comments[2].posted_at == "2026-12-04T16:02:00"
