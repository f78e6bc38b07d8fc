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
        # Session 20: Italian and Dutch stamps without a digit, and singular units.
        ("Marco De Luca · un'ora fa", "un'ora fa"),
        ("un’ora fa", "un’ora fa"),
        ("una settimana fa", "una settimana fa"),
        ("un mese fa", "un mese fa"),
        ("5 minuti fa", "5 minuti fa"),
        ("Ingrid een uur geleden", "een uur geleden"),
        ("een maand geleden", "een maand geleden"),
        ("1 minuut geleden", "1 minuut geleden"),
        ("há 1 mês", "há 1 mês"),
        # Session 40: Indonesian, Turkish, Swedish, Norwegian, Finnish, Czech, Romanian, Hungarian.
        ("Budi Santoso 2 jam yang lalu", "2 jam yang lalu"),
        ("30 menit lalu", "30 menit lalu"),
        ("2 saat önce", "2 saat önce"),
        ("för 2 timmar sedan", "för 2 timmar sedan"),
        ("3 dagar sedan", "3 dagar sedan"),
        ("for 5 minutter siden", "for 5 minutter siden"),
        ("2 tuntia sitten", "2 tuntia sitten"),
        ("před 2 hodinami", "před 2 hodinami"),
        ("acum 3 ore", "acum 3 ore"),
        ("2 órája", "2 órája"),
        ("Kemarin", "Kemarin"),
        ("igår 14:03", "igår 14:03"),
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


_WP_DE_COMMENTS = """
Margarete Olsen sagt:
3. Dezember 2026 um 14:05 Uhr
Genau das ist vor zehn Jahren mit der Buslinie passiert.
Antworten

dave_k sagt:
3. Dezember 2026 um 15:40 Uhr
Die Buslinie kam 2019 doch zurück, nach der Petition.
Antworten

Petra Rahmann sagt:
3. Dezember 2026 um 16:02 Uhr
Mit der Hälfte der Haltestellen ist das kein Erfolg.
Antworten
"""
_WP_DE_BODY = """
Der regionale Verkehrsverbund hat am Mittwoch bestätigt, dass die frühe Fähre zur Insel Marrow ab Januar nicht mehr fährt. Rund dreihundert Pendler kommen damit vor acht Uhr nicht mehr aufs Festland.

Nach Angaben des Verbunds schreibt die Verbindung seit sechs Jahren Verluste, und das eingesetzte Schiff braucht ohnehin eine Motorüberholung, die es den größten Teil des Frühjahrs außer Dienst stellen würde.

Die Inselbewohner reagierten bei einer vollen Versammlung im Dorfgemeinschaftshaus mit Empörung. Mehrere Pflegekräfte und Lehrerinnen sagten, sie müssten aufs Festland ziehen oder ihre Stelle aufgeben.

3 Gedanken zu „Fährplan gekürzt: Inselpendler sitzen fest“
"""


@pytest.mark.parametrize(
    "meta", ["Von Sarah Lindqvist | 3. Dezember 2026 | 3 Kommentare", "Von Sarah Lindqvist, 3. Dezember 2026"]
)
def test_a_counter_in_the_byline_does_not_swallow_the_article(meta: str) -> None:
    page = (
        "Der Hafenbote\n\nFährplan gekürzt: Inselpendler sitzen fest\n\n"
        + meta
        + "\n"
        + _WP_DE_BODY
        + _WP_DE_COMMENTS
    )
    art = parse_page(page)
    assert "Dorfgemeinschaftshaus" in art.body and "Motorüberholung" in art.body
    assert "Gedanken zu" not in art.body  # the localized heading heads the thread
    assert [c.author for c in art.comments] == ["Margarete Olsen", "dave_k", "Petra Rahmann"]
    assert art.declared_comment_count == 3


def test_a_post_under_its_points_and_comment_count_stays_the_body() -> None:
    # Hacker News: "57 points by NAME | 9 comments" above the post's own text, then the thread.
    post = (
        "The regional transport authority confirmed on Wednesday that the early ferry to Marrow Island will stop running from January, leaving around three hundred daily commuters without a way to reach the mainland.\n\n"
        "Officials said the crossing had been losing money for six years and that the vessel used for it needs an engine overhaul that would take it out of service for most of the spring.\n\n"
        "Island residents reacted with anger at a packed meeting in the village hall, where several nurses and teachers said they would have to move to the mainland or give up their jobs.\n\n"
    )
    thread = "".join(
        f"{name} {age} | next [–]\n{text}\nreply\n\n"
        for name, age, text in [
            ("margaretolsen", "2 days ago", "This is exactly what happened to the bus route ten years ago."),
            ("dave_k", "2 days ago", "The bus route came back in 2019 though, after the petition."),
            ("priyaraman", "1 day ago", "It came back with half the stops, which is hardly a victory."),
        ]
    )
    page = (
        "Ask HN: Ferry timetable cut leaves island commuters stranded\n57 points by slindqvist 3 days ago | hide | past | favorite | 3 comments\n\n"
        + post
        + "add comment\n\n"
        + thread
    )
    art = parse_page(page)
    assert "village hall" in art.body and "engine overhaul" in art.body
    assert [c.author for c in art.comments] == ["margaretolsen", "dave_k", "priyaraman"]


@pytest.mark.parametrize(
    ("sort", "form", "actions", "stamps"),
    [
        (
            "Sortieren nach Relevanteste",
            "Schreibe einen Kommentar …",
            "Gefällt mir · Antworten",
            ["2 Tg.", "2 Tg.", "1 Tg."],
        ),
        (
            "Trier par Les plus pertinents",
            "Ajouter un commentaire…",
            "J’aime · Répondre",
            ["2 j", "1 j", "1 sem."],
        ),
        (
            "Ordenar por Más relevantes",
            "Añade un comentario...",
            "Me gusta · Responder",
            ["2 d", "2 d", "1 d"],
        ),
    ],
)
def test_facebook_plugin_action_rows_close_their_comments(
    sort: str, form: str, actions: str, stamps: list[str]
) -> None:
    names = ["Margarete Olsen", "dave_k", "Petra Rahmann"]
    texts = [
        "Genau das ist vor zehn Jahren mit der Buslinie passiert, und zurück kam sie nie.",
        "Die Buslinie kam 2019 doch zurück, nach der Petition, es geht also.",
        "Mit der Hälfte der Haltestellen ist das für niemanden ein Erfolg.",
    ]
    thread = "".join(f"{n}\n{t}\n{actions} · {s}\n" for n, t, s in zip(names, texts, stamps, strict=True))
    page = _LEAD_DE + f"\n3 Kommentare\n{sort}\n{form}\n" + thread + "Facebook-Kommentare-Plugin\n"
    art = parse_page(page)
    assert [c.author for c in art.comments] == names
    assert [c.posted_raw for c in art.comments] == stamps
    assert [c.text for c in art.comments] == texts


_FB_PROFILED = [
    (
        "Linda Marsh Cooper",
        "Works at Riverside Middle School",
        "So proud of my brother! Best bread in the state.",
    ),
    ("Gary Wills", "", "Their rye is even better than the sourdough, get there before ten."),
    ("Pete Marsh", "Owner at Sunrise Bakery", "Thanks Gary! We are adding a second rye bake on Saturdays."),
    (
        "Petra Rahmann",
        "Arbeitet bei Stadtwerke Bremen",
        "Die Buslinie kam 2019 doch zurück, nach der Petition.",
    ),
    ("Ann Lee", "", "I live in Leeds\nand the ferry was my only way to work for ten years."),
]


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_facebook_plugin_profile_line_is_no_part_of_the_comment(fmt: str) -> None:
    # The plugin shows a workplace or school line under some names; it stayed as the text's first line.
    # A reader's own first line with a pronoun ("I live in Leeds") stays theirs.
    if fmt == "text":
        thread = "".join(
            f"{n}\n{w}\n{t}\nLike · Reply · 2y\n".replace("\n\n", "\n") for n, w, t in _FB_PROFILED
        )
        page = _LEAD_EN + f"\n{len(_FB_PROFILED)} comments\nSort by Top\nAdd a comment...\n" + thread
    else:
        thread = "".join(
            f'<div class="UFIComment"><a class="UFICommentActorName">{n}</a>'
            + (f'<div class="_4bl9">{w}</div>' if w else "")
            + f'<div class="UFICommentBody">{t.replace(chr(10), "<br>")}</div>'
            '<div class="UFICommentActions">Like · Reply · 2y</div></div>'
            for n, w, t in _FB_PROFILED
        )
        page = _en_page(f'<div class="fb-comments"><div>{len(_FB_PROFILED)} comments</div>{thread}</div>')
    art = parse_page(page, fmt=fmt)
    assert [c.author for c in art.comments] == [n for n, _, _ in _FB_PROFILED]
    assert [c.text for c in art.comments] == [t for _, _, t in _FB_PROFILED]


def test_one_reader_subject_shaped_like_a_profile_line_stays_the_text() -> None:
    """The profile line is the widget's habit: a single "NAME in PLACE" or "SUBJECT in PLACE" first line
    on a page is what the reader wrote (a subject line on SB Nation, a signature)."""
    texts = [
        "Robertson meltdown in Yankee 7th\nSomehow it feels good to see other relievers fail too.",
        *[t for _, t in _THREAD[1:3]],
    ]
    names = [n for n, _ in _THREAD[:3]]
    thread = "".join(f"{n}\n{t}\nLike · Reply · 2y\n" for n, t in zip(names, texts, strict=True))
    art = parse_page(_LEAD_EN + "\n3 comments\n" + thread)
    assert [c.text for c in art.comments] == texts


# Action rows and "load more" buttons as news sites write them (session 20 hunt).
_ROWS_AND_MORE = {
    "de": ("Antworten Melden 14 Empfehlungen", "Weitere Postings laden"),
    "es": ("Responder Denunciar Me gusta (15)", "Cargar más comentarios"),
    "it": ("Rispondi | Segnala | Mi piace 8", "Carica altri commenti"),
    "nl": ("Reageer · Melden · 👍 14", "Meer reacties laden"),
    "ar": ("رد | إبلاغ | إعجاب 5", "عرض المزيد من التعليقات"),
    "fr": ("Répondre · Signaler · J’aime (5)", "Voir plus de réactions"),
    "pt": ("Responder · Denunciar", "Ver mais comentários"),
    # Session 40
    "id": ("Suka (45) · Balas · Laporkan", "Lihat semua komentar"),
    "tr": ("Beğen 64 Yanıtla Şikayet et", "Tüm yorumları göster"),
    "sv": ("Gilla 23 Svara Anmäl", "Visa fler kommentarer"),
    "pt-br": ("Curtir (58) Responder Denunciar", "Ver todos os comentários"),
}


@pytest.mark.parametrize("fmt", ["text", "html"])
@pytest.mark.parametrize("lang", sorted(_ROWS_AND_MORE))
def test_localized_action_rows_and_load_more_stay_out_of_the_texts(lang: str, fmt: str) -> None:
    # "Mi piace" after another action, Dutch "Reageer", Arabic "إعجاب", "14 Empfehlungen" were kept
    # as the last line of every comment; the load-more button as the last comment's; in HTML the count
    # line was taken for the next comment's name and shifted every reply's level by one.
    row, more = _ROWS_AND_MORE[lang]
    stamps = ["December 3, 2026 10:15", "December 3, 2026 11:20", "December 3, 2026 12:05"]
    if fmt == "text":
        thread = "".join(
            f"{name}\n{stamp}\n\n{text}\n\n{row}\n\n"
            for (name, text), stamp in zip(_THREAD, stamps, strict=False)
        )
        page = _LEAD_EN + "\n3 Comments\n\n" + thread + more + "\n"
    else:
        one = (
            '<li class="comment"><div class="meta"><b>{}</b> <span>{}</span></div><p>{}</p>'
            f"<div class=actions>{''.join(f'<span>{w}</span> ' for w in row.split(' '))}</div>{{}}</li>"
        )
        (a, ta), (b, tb), (c, tc) = _THREAD[:3]
        reply = f'<ol class="children">{one.format(b, stamps[1], tb, "")}</ol>'
        thread = one.format(a, stamps[0], ta, reply) + one.format(c, stamps[2], tc, "")
        page = _en_page(
            f'<section class="comments"><h2>3 Comments</h2><ol>{thread}</ol><a>{more}</a></section>'
        )
    art = parse_page(page, fmt=fmt)
    assert [c.author for c in art.comments] == [n for n, _ in _THREAD[:3]]
    assert [c.text for c in art.comments] == [t for _, t in _THREAD[:3]]
    if fmt == "html":
        assert [c.parent for c in art.comments] == [None, 0, None]


@pytest.mark.parametrize(
    "row",
    [
        "Löschen",
        "Bearbeiten",
        "Borrar",
        "Antworten · Bearbeiten · Löschen",
        "Me gusta · Responder",
        "0|Répondre Éditer Supprimer",  # Isso's French vote count and actions
    ],
)
def test_localized_action_rows_are_comment_chrome(row: str) -> None:
    from service.parse.lexicon import _CHROME_RX, _all_chrome_tokens

    assert _CHROME_RX.fullmatch(row) or _all_chrome_tokens(row)


_LEAD_EN = """Ferry timetable cut leaves island commuters stranded

The regional transport authority confirmed on Wednesday that the early ferry to Marrow Island will stop running from January, leaving around three hundred daily commuters without a way to reach the mainland before eight o'clock.

Officials said the crossing had been losing money for six years and that the vessel used for it needs an engine overhaul that would take it out of service for most of the spring in any case.

Island residents reacted with anger at a packed meeting in the village hall, where several nurses and teachers said they would have to move to the mainland or give up their jobs altogether.
"""


def _en_page(comments_html: str) -> str:
    """The English lead article as an HTML page (headline, its paragraphs), then a comment widget."""
    title = _LEAD_EN.split("\n", 1)[0]
    paragraphs = "".join(f"<p>{p}</p>" for p in _LEAD_EN.split("\n\n")[1:])
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{paragraphs}{comments_html}</body></html>"


_THREAD = [
    ("Margaret Olsen", "This is exactly what happened to the bus route ten years ago."),
    ("dave_k", "The bus route came back in 2019 though, after the petition."),
    ("Priya Raman", "It came back with half the stops, which is hardly a victory."),
    ("Tom Whitfield", "My daughter is a nurse and starts at seven thirty."),
]


def test_one_widget_mixing_absolute_and_relative_stamps_is_one_thread() -> None:
    stamps = ["Dec 3, 2026", "Dec 4, 2026", "5 hours ago", "2 hours ago"]
    page = (
        _LEAD_EN
        + "\n4 Comments\n\n"
        + "".join(
            f"{name} • {stamp}\n{text}\nReply\n\n"
            for (name, text), stamp in zip(_THREAD, stamps, strict=True)
        )
    )
    art = parse_page(page)
    assert [c.author for c in art.comments] == [n for n, _ in _THREAD]
    assert [c.posted_raw for c in art.comments] == stamps
    assert [c.text for c in art.comments] == [t for _, t in _THREAD]


_MIXED_BARE = {
    "en": ["5 hours ago", "2 hours ago", "December 3, 2026", "December 2, 2026"],
    "de": [
        "vor 3 Stunden",
        "gestern, 18:40",
        "1. Dezember 2026 um 11:20 Uhr",
        "30. November 2026 um 20:15 Uhr",
    ],
}


@pytest.mark.parametrize("fmt", ["text", "html"])
@pytest.mark.parametrize("lang", sorted(_MIXED_BARE))
def test_relative_and_absolute_stamps_joined_to_the_name_by_a_space_are_one_thread(
    lang: str, fmt: str
) -> None:
    # "Ann 3 hours ago" / "Cy December 3, 2024": only punctuation joints ("NAME • DATE") were merged,
    # so the absolute-dated (older) comments were lost.
    stamps = _MIXED_BARE[lang]
    if fmt == "text":
        thread = "".join(
            f"{name} {stamp}\n{text}\nReply\n\n" for (name, text), stamp in zip(_THREAD, stamps, strict=True)
        )
        page = _LEAD_EN + "\n4 Comments\n\n" + thread
    else:
        thread = "".join(
            f'<li class="comment"><div class="meta"><b>{name}</b> <span>{stamp}</span></div><p>{text}</p>'
            "<button>Reply</button></li>"
            for (name, text), stamp in zip(_THREAD, stamps, strict=True)
        )
        page = _en_page(f'<section class="comments"><h2>4 Comments</h2><ol>{thread}</ol></section>')
    art = parse_page(page, fmt=fmt)
    assert [c.author for c in art.comments] == [n for n, _ in _THREAD]
    assert [c.posted_raw for c in art.comments] == stamps
    assert [c.text for c in art.comments] == [t for _, t in _THREAD]
    assert art.comments[2].posted_at is not None and art.comments[2].posted_at.startswith("2026-12-0")


@pytest.mark.parametrize("fmt", ["text", "html"])
@pytest.mark.parametrize(
    "stamps",
    [
        ["3 uur geleden", "gisteren om 22:10", "2 december 2026 om 20:30", "1 december 2026 om 09:15"],
        ["há 2 horas", "há 5 horas", "3 de dezembro de 2026 às 08h12", "2 de dezembro de 2026 às 23h40"],
    ],
)
def test_relative_and_absolute_stamps_on_lines_of_their_own_are_one_thread(
    stamps: list[str], fmt: str
) -> None:
    # NAME / DATE / text: only lines with a name before the date were merged, so the absolute-dated
    # comments were lost (or, when they were more, the relative ones).
    if fmt == "text":
        thread = "".join(
            f"{name}\n{stamp}\n\n{text}\n\nReply\n\n"
            for (name, text), stamp in zip(_THREAD, stamps, strict=True)
        )
        page = _LEAD_EN + "\nComments\n\n" + thread
    else:
        thread = "".join(
            f'<li><div class="naam">{name}</div><div class="tijd">{stamp}</div><div>{text}</div><a>Reply</a></li>'
            for (name, text), stamp in zip(_THREAD, stamps, strict=True)
        )
        page = _en_page(f"<section><h3>Comments</h3><ul>{thread}</ul></section>")
    art = parse_page(page, fmt=fmt)
    assert [c.author for c in art.comments] == [n for n, _ in _THREAD]
    assert [c.posted_raw for c in art.comments] == stamps
    assert [c.text for c in art.comments] == [t for _, t in _THREAD]


@pytest.mark.parametrize("shown", ["Yesterday", "Vorgestern"])
def test_a_time_element_showing_a_word_joins_the_relative_stamps(shown: str) -> None:
    # Isso: <time datetime> inside the permalink; the text is whatever the widget's locale says.
    shows = ["3 days ago", "3 days ago", shown, "2 hours ago"]
    days = ["2026-12-03T14:05:00Z", "2026-12-03T15:40:00Z", "2026-12-05T16:02:00Z", "2026-12-06T08:30:00Z"]
    thread = "".join(
        f'<div class="isso-comment"><div class="isso-comment-header"><span class="isso-author">{name}</span>'
        f'<span class="isso-spacer">•</span><a class="isso-permalink" href="#"><time datetime="{day}">{show}</time></a></div>'
        f'<div class="isso-text"><p>{text}</p></div><div class="isso-comment-footer"><a href="#">Reply</a></div></div>'
        for (name, text), show, day in zip(_THREAD, shows, days, strict=True)
    )
    art = parse_page(_en_page(f'<section id="isso-thread"><h4>4 Comments</h4>{thread}</section>'), fmt="html")
    assert [c.author for c in art.comments] == [n for n, _ in _THREAD]
    assert [c.posted_raw for c in art.comments] == shows
    assert art.comments[2].posted_at == "2026-12-05T16:02:00"


def _isso_nested(box: str) -> str:
    def one(name: str, text: str, inner: str = "") -> str:
        return (
            f'<div class="isso-comment"><div class="isso-comment-header"><span class="isso-author">{name}</span>'
            '<span class="isso-spacer">•</span><time datetime="2026-12-03T14:05:00Z">2 days ago</time></div>'
            f'<div class="isso-text"><p>{text}</p></div><div class="isso-comment-footer"><a href="#">Reply</a></div>'
            f'<div class="{box}">{inner}</div></div>'
        )

    (a, ta), (b, tb), (c, tc), (d, td) = _THREAD
    thread = one(a, ta, one(b, tb, one(c, tc))) + one(d, td)
    return _en_page(f'<section id="isso-thread"><h4>4 Comments</h4>{thread}</section>')


@pytest.mark.parametrize("box", ["isso-follow-up", "child", "children"])
def test_reply_boxes_of_isso_and_old_reddit_nest_replies(box: str) -> None:
    art = parse_page(_isso_nested(box), fmt="html")
    assert [c.author for c in art.comments] == [n for n, _ in _THREAD]
    assert [c.parent for c in art.comments] == [None, 0, 1, None]


def test_a_separator_hidden_from_screen_readers_still_separates_actions() -> None:
    # The Facebook comments plugin: <span aria-hidden="true"> · </span> between "Like", "Reply" and the age.
    dot = '<span role="presentation" aria-hidden="true"> · </span>'
    thread = "".join(
        f'<div class="UFIComment"><a class="UFICommentActorName">{name}</a><div class="UFICommentBody">{text}</div>'
        f"<div><a>Like</a>{dot}<a>Reply</a>{dot}<abbr>{age}</abbr></div></div>"
        for (name, text), age in zip(_THREAD, ["2d", "2d", "1d", "1d"], strict=True)
    )
    widget = f'<div class="fb-comments"><div>4 comments</div><span aria-hidden="true">hidden label</span>{thread}</div>'
    art = parse_page(_en_page(widget), fmt="html")
    assert [c.author for c in art.comments] == [n for n, _ in _THREAD]
    assert [c.posted_raw for c in art.comments] == ["2d", "2d", "1d", "1d"]
    assert "hidden label" not in art.body  # other aria-hidden content is still left out


def test_discourse_day_month_stamps_with_the_name_below_and_the_reply_cue() -> None:
    stamps = ["3 Dec", "3 Dec in reply to Margaret_Olsen", "4 Dec in reply to dave_k", "5 Dec"]
    names = ["Margaret_Olsen", "dave_k", "Priya_Raman", "Tom_Whitfield"]
    page = (
        _LEAD_EN
        + "\n4 replies\n\n"
        + "".join(
            f"{stamp}\n{name}\n{text}\n\n"
            for stamp, name, (_, text) in zip(stamps, names, _THREAD, strict=True)
        )
    )
    art = parse_page(page)
    assert [c.author for c in art.comments] == names
    assert [c.posted_raw for c in art.comments] == ["3 Dec", "3 Dec", "4 Dec", "5 Dec"]
    assert [c.parent for c in art.comments] == [None, 0, 1, None]


@pytest.mark.parametrize("fmt", ["text", "html"])
@pytest.mark.parametrize(
    "stamps",
    [
        ["3 ore fa", "un'ora fa", "20 minuti fa"],
        ["3 uur geleden", "een uur geleden", "5 minuten geleden"],
    ],
)
def test_a_stamp_without_a_digit_heads_its_comment(stamps: list[str], fmt: str) -> None:
    # "un'ora fa" and "een uur geleden" were no dates: the comment under them was folded into the one
    # before, silently (no stated count to warn against).
    names = [n for n, _ in _THREAD[:3]]
    texts = [t for _, t in _THREAD[:3]]
    if fmt == "text":
        thread = "".join(f"{n} · {w}\n{t}\nReply\n\n" for n, w, t in zip(names, stamps, texts, strict=True))
        page = _LEAD_EN + "\nComments\n\n" + thread
    else:
        thread = "".join(
            f"<div class=c><b>{n}</b> · <em>{w}</em><p>{t}</p><a>Reply</a></div>"
            for n, w, t in zip(names, stamps, texts, strict=True)
        )
        page = _en_page(f"<section><h2>Comments</h2>{thread}</section>")
    art = parse_page(page, fmt=fmt)
    assert [c.author for c in art.comments] == names
    assert [c.posted_raw for c in art.comments] == stamps
    assert [c.text for c in art.comments] == texts


_PARTICLE_NAMES = [
    "Jean-Luc de la Tour",
    "Pierre-Yves Le Goff",
    "Pieter van den Berg",
    "Maria da Graça Costa",
]


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_names_with_particles_are_whole_authors(fmt: str) -> None:
    # A four-word name line was no name line ("Jean-Luc de la Tour": no author), and the header
    # template's "le" (before every date) cut "Pierre-Yves Le Goff" to "Pierre-Yves".
    texts = [t for _, t in _THREAD]
    stamps = [f"le {d} décembre 2026 à 18h{m}" for d, m in ((3, 40), (3, 55), (4, "05"), (4, 20))]
    if fmt == "text":
        thread = "".join(
            f"{n}\n\n{w}\n\n{t}\n\nRépondre Signaler\n\n"
            for n, w, t in zip(_PARTICLE_NAMES, stamps, texts, strict=True)
        )
        page = _LEAD_EN + "\nRéactions (4)\n\n" + thread
    else:
        thread = "".join(
            f'<div class="reaction"><p><strong>{n}</strong></p><p>{w}</p><p>{t}</p><p><a>Répondre</a> <a>Signaler</a></p></div>'
            for n, w, t in zip(_PARTICLE_NAMES, stamps, texts, strict=True)
        )
        page = _en_page(f"<section><h2>Réactions (4)</h2>{thread}</section>")
    art = parse_page(page, fmt=fmt)
    assert [c.author for c in art.comments] == _PARTICLE_NAMES
    assert [c.text for c in art.comments] == texts
    assert art.comments[0].posted_at == "2026-12-03T18:40:00"


_FORUM = [
    ("Schwarzfahrer", "4.532"),
    ("U6-Pendlerin", "211"),
    ("Karl Heinz Gruber", "87"),
    ("dr.no", "12.904"),
]


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_a_forum_posters_post_count_is_no_part_of_the_name(fmt: str) -> None:
    # DER STANDARD-like: "NAME 4.532 Postings vor 2 Stunden", up/down votes below the text; the count
    # stayed in every author ("Schwarzfahrer 4.532").
    texts = [t for _, t in _THREAD]
    stamps = ["vor 2 Stunden", "vor 2 Stunden", "vor 3 Stunden", "vor 4 Stunden"]
    if fmt == "text":
        thread = "".join(
            f"{n} {c} Postings {w}\n\n{t}\n\n34 5 Antworten Melden\n\n"
            for (n, c), w, t in zip(_FORUM, stamps, texts, strict=True)
        )
        page = _LEAD_EN + "\nForum\n\n" + thread
    else:
        thread = "".join(
            f'<div class="posting"><div class="upost-head"><a>{n}</a> <span>{c} Postings</span> <span>{w}</span></div>'
            f'<div class="upost-body"><p>{t}</p></div><div><span>34</span> <span>5</span> <a>Antworten</a> <a>Melden</a></div></div>'
            for (n, c), w, t in zip(_FORUM, stamps, texts, strict=True)
        )
        page = _en_page(f"<div class=forum><h3>Forum</h3>{thread}</div>")
    art = parse_page(page, fmt=fmt)
    assert [c.author for c in art.comments] == [n for n, _ in _FORUM]
    assert [c.text for c in art.comments] == texts


def test_a_number_ending_a_user_name_before_the_template_stays() -> None:
    names = ["Beavis 25", "Yves Leclercq 214", "Ann", "Bob K"]
    thread = "".join(
        f"by {n} on Dec {d}, 2026 3:10 PM MST reply\n\n{t}\n\n"
        for n, d, (_, t) in zip(names, (3, 3, 4, 4), _THREAD, strict=True)
    )
    art = parse_page(_LEAD_EN + "\n4 Comments\n\n" + thread)
    assert [c.author for c in art.comments] == names


@pytest.mark.parametrize(
    ("name_cls", "date_cls"), [("c-nombre", "c-fecha"), ("autore", "data"), ("naam", "tijd")]
)
def test_name_and_stamp_elements_named_in_other_languages_do_not_glue(name_cls: str, date_cls: str) -> None:
    # <span class="c-nombre">Vicent Ribes</span><span class="c-fecha">hace 3 horas</span> with no space
    # between them read "Vicent Ribeshace 3 horas": no stamp, no comment (English class names were padded).
    stamps = ["hace 3 horas", "hace 2 horas", "3 de diciembre de 2026 a las 07:10"]
    thread = "".join(
        f'<div class="c"><div><span class="{name_cls}">{n}</span><span class="{date_cls}">{w}</span></div>'
        f"<p>{t}</p><div><a>Responder</a> <a>Denunciar</a></div></div>"
        for (n, t), w in zip(_THREAD, stamps, strict=False)
    )
    art = parse_page(_en_page(f"<div><h2>Comentarios (3)</h2>{thread}</div>"), fmt="html")
    assert [c.author for c in art.comments] == [n for n, _ in _THREAD[:3]]
    assert [c.posted_raw for c in art.comments] == stamps


@pytest.mark.parametrize(("attribute", "base"), [("data-level", 0), ("aria-level", 1), ("data-depth", 0)])
def test_a_flat_forum_list_nests_by_the_level_each_posting_states(attribute: str, base: int) -> None:
    # DER STANDARD-like: every posting a sibling, indented by CSS, its level in an attribute; every
    # reply came out top-level.
    levels = [0, 1, 0, 1, 2]
    names = ["Schwarzfahrer", "U6-Pendlerin", "dr.no", "Gürtelbewohner", "Karl Heinz Gruber"]
    texts = [*(t for _, t in _THREAD), "Stimmt, aber eröffnet wird frühestens 2030."]
    thread = "".join(
        f'<div class="posting" {attribute}="{lvl + base}"><div><a>{n}</a> <span class="date">vor {k + 2} Stunden</span></div>'
        f"<p>{t}</p><div><a>Antworten</a> <a>Melden</a></div></div>"
        for k, (lvl, n, t) in enumerate(zip(levels, names, texts, strict=True))
    )
    art = parse_page(_en_page(f"<div class=forum><h3>Diskussion</h3>{thread}</div>"), fmt="html")
    assert [c.author for c in art.comments] == names
    assert [c.parent for c in art.comments] == [None, 0, None, 2, 3]


_ES_LEAD = """Valencia amplía el carril bici de la avenida del Puerto

El Ayuntamiento de Valencia ha aprobado la ampliación del carril bici de la avenida del Puerto, que pasará a ser de doble sentido en todo su recorrido hasta la Marina.

La actuación costará 2,1 millones de euros y eliminará 140 plazas de aparcamiento en superficie, según el consistorio, que promete un aparcamiento disuasorio.

Los comerciantes de la zona han pedido que las obras se hagan por tramos para no cortar el acceso a sus negocios durante la campaña de Navidad.
"""


@pytest.mark.parametrize(
    ("lead", "heading", "iso"),
    [(_ES_LEAD, "Comentarios (3)", "2024-12-03"), (_LEAD_EN, "3 Comments", "2024-03-12")],
)
def test_slashed_dates_that_cannot_tell_are_day_first_outside_english(
    lead: str, heading: str, iso: str
) -> None:
    # "03/12/2024" on a Spanish page (every comment on the 1st to 12th) was read as March 12.
    stamps = ["03/12/2024 18:40", "02/12/2024 11:05", "01/12/2024 09:30"]
    texts = {
        _ES_LEAD: [
            "Por fin una buena noticia para la ciudad.",
            "Y andando tampoco es mejor.",
            "Más dinero para nada.",
        ],
        _LEAD_EN: [t for _, t in _THREAD[:3]],
    }[lead]
    names = [n for n, _ in _THREAD[:3]]
    thread = "".join(f"{n}\n{w}\n\n{t}\n\nReply\n\n" for n, w, t in zip(names, stamps, texts, strict=True))
    art = parse_page(lead + f"\n{heading}\n\n" + thread, fmt="text")
    assert [c.author for c in art.comments] == names
    assert art.comments[0].posted_at == iso + "T18:40:00"


def test_a_posters_post_count_on_its_own_line_heads_no_section() -> None:
    # BeautifulSoup's text puts "4.532 Postings" under each name on a line of its own: read as a
    # comment counter, it moved the section into the first posting and declared 4,532 comments.
    texts = [t for _, t in _THREAD]
    thread = "".join(
        f"{n}\n\n{c} Postings\n\nvor {k + 2} Stunden\n\n{t}\n\nAntworten\n\n"
        for k, ((n, c), t) in enumerate(zip(_FORUM, texts, strict=True))
    )
    art = parse_page(_LEAD_EN + "\nForum\n\n" + thread, fmt="text")
    assert art.declared_comment_count is None
    assert [c.text for c in art.comments] == texts


@pytest.mark.parametrize(
    ("line", "raw", "iso"),
    [
        # Session 38: Polish and Russian stamps (a Polish news site's and Habr's comment headers).
        ("Tomasz Wiśniewski, 12 marca 2024, 11:20", "12 marca 2024, 11:20", "2024-03-12T11:20:00"),
        ("12 października 2023 o 08:05", "12 października 2023 o 08:05", "2023-10-12T08:05:00"),
        ("billing_lead 12 мар 2024 в 12:00", "12 мар 2024 в 12:00", "2024-03-12T12:00:00"),
        ("3 декабря 2023 в 09:30", "3 декабря 2023 в 09:30", "2023-12-03T09:30:00"),
        ("Krzysztof z Poznania 3 godziny temu", "3 godziny temu", None),
        ("Zbigniew 35 minut temu", "35 minut temu", None),
        ("olga_dev 2 часа назад", "2 часа назад", None),
        ("вчера в 10:15", "вчера в 10:15", None),
    ],
)
def test_polish_and_russian_stamps(line: str, raw: str, iso: str | None) -> None:
    hit = find_date(line)
    assert hit is not None and hit.raw == raw, line
    assert to_iso(hit.raw) == iso


@pytest.mark.parametrize(
    ("heading", "stamps"),
    [
        ("Komentarze (3)", ["3 godziny temu", "2 godziny temu", "35 minut temu"]),
        ("Комментарии 3", ["12 мар 2024 в 14:03", "12 мар 2024 в 14:40", "12 мар 2024 в 15:02"]),
    ],
)
def test_a_polish_or_russian_thread_is_read_with_its_count(heading: str, stamps: list[str]) -> None:
    # Their headings and stamps were in no table: the thread stayed in the body, with no warning.
    page = (
        "Nowe przepisy dla hulajnóg elektrycznych\n\n"
        "Sejm przyjął nowelizację przepisów o ruchu drogowym, która zmienia zasady jazdy hulajnogą.\n\n"
        "Za złamanie zakazu grozić będzie mandat w wysokości do pięciuset złotych dla każdego kierowcy.\n\n"
        f"{heading}\n\n"
    )
    for name, stamp in zip(["Anna K", "ania_m", "Zbigniew"], stamps, strict=True):
        page += f"{name} {stamp}\n\nTo jest mój komentarz o nowych przepisach, {name}.\n\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == ["Anna K", "ania_m", "Zbigniew"]
    assert article.declared_comment_count == 3


@pytest.mark.parametrize(
    ("heading", "count"), [("4 评论", 4), ("评论 (4)", 4), ("コメント (3)", 3), ("댓글 5", 5)]
)
def test_a_cjk_comment_heading_declares_its_count(heading: str, count: int) -> None:
    # A Chinese, Japanese or Korean thread the rules cannot split is at least not missed in silence.
    page = (
        "家里的网络拓扑又改了\n\n目前这台 NAS 已经稳定运行了三个多月，功耗只有五瓦左右。如果你手上也有一台闲置的树莓派，不妨试一试。\n\n"
        f"{heading}\n\n小林 2024-03-12\n\n请问硬盘盒是什么型号？\n\n"
    )
    article = parse_page(page)
    assert article.declared_comment_count == count
    assert len(article.comments) == count or article.warnings


@pytest.mark.parametrize(
    ("line", "raw", "iso"),
    [
        # Session 40: Swedish, Norwegian, Turkish and Indonesian month names.
        ("Karin Lundgren 12 mars 2024 kl. 14.03", "12 mars 2024 kl. 14.03", "2024-03-12T14:03:00"),
        ("3 augusti 2023", "3 augusti 2023", "2023-08-03"),
        ("12. desember 2024 kl. 09:15", "12. desember 2024 kl. 09:15", "2024-12-12T09:15:00"),
        ("Mehmet Yılmaz 12 Mart 2024 14:03", "12 Mart 2024 14:03", "2024-03-12T14:03:00"),
        ("5 Ekim 2023", "5 Ekim 2023", "2023-10-05"),
        ("17 Agustus 2024, 10:20", "17 Agustus 2024, 10:20", "2024-08-17T10:20:00"),
        # Folha de S.Paulo writes the date with dots
        ("Rodrigo Almeida 12.mar.2024 às 16h20", "12.mar.2024 às 16h20", "2024-03-12T16:20:00"),
    ],
)
def test_nordic_turkish_and_indonesian_month_names(line: str, raw: str, iso: str) -> None:
    hit = find_date(line)
    assert hit is not None and hit.raw == raw, line
    assert to_iso(hit.raw) == iso


@pytest.mark.parametrize(
    "line", ["Ali Ekim ile konuştu", "Mart ayında", "bir ay önce", "saat önce geldi", "lalu lintas macet"]
)
def test_new_month_and_unit_words_alone_are_no_dates(line: str) -> None:
    assert find_date(line) is None


@pytest.mark.parametrize(
    "line",
    [
        "Ver todos os comentários",
        "Ver todos los comentarios",
        "Voir tous les commentaires",
        "Alle Kommentare anzeigen",
        "Vedi tutti i commenti",
        "Lihat semua komentar",
        "Tüm yorumları göster",
        "Visa fler kommentarer",
    ],
)
def test_see_all_comments_links_are_the_comment_forms_furniture(line: str) -> None:
    from service.parse.lexicon import _FURNITURE_RX

    assert _FURNITURE_RX.fullmatch(line)


def test_facebook_plugin_names_beside_their_workplace_under_a_badge() -> None:
    """The plugin as w3m prints it: an avatar's "[0]" bullet, a "Top fan" badge line, then "NAME ·
    Works at ..." (or a school's name) over the text, "Like · Reply · 38 · 3y" under it, "· Edited"
    after the stamp of an edited comment. Every name was lost and the edited comment missed."""
    rows = [
        ("Top fan", "Darlene Pruitt · Works at Valley Regional Medical Center", "3y"),
        ("", "Josh Keller · Valley High School", "3y"),
        ("", "Mike Dunaway", "3y"),
        ("Top fan", "Kelly Anne Brooks", "2y · Edited"),
    ]
    thread = ""
    for i, (badge, head, stamp) in enumerate(rows):
        thread += f"  {'•' if i % 2 == 0 else '□'} [{i}]\n" + (f"    {badge}\n" if badge else "")
        thread += (
            f"    {head}\n    My view number {i} on the ferry money.\n    Like · Reply · {9 - i} · {stamp}\n"
        )
    art = parse_page(
        _LEAD_EN + "\nComments\n\n14 comments\nSort by Top\n\n" + thread + "\nLoad 10 more comments\n"
    )
    assert [c.author for c in art.comments] == [
        "Darlene Pruitt",
        "Josh Keller",
        "Mike Dunaway",
        "Kelly Anne Brooks",
    ]
    assert [c.text for c in art.comments] == [f"My view number {i} on the ferry money." for i in range(4)]


def test_an_arabic_initial_after_the_name_is_no_sentence_end() -> None:
    """ "سارة م. 12 مارس 2024": the initial's period made the line another shape than "خالد 12 مارس
    2024", and Sara's comment was folded into Khaled's."""
    names = ["أحمد السيد", "خالد", "سارة م.", "أبو يوسف"]
    stamps = ["منذ ساعتين", "12 مارس 2024", "12 مارس 2024", "11 مارس 2024"]
    page = _LEAD_EN + "\nالتعليقات (4)\n\n"
    for i, (name, stamp) in enumerate(zip(names, stamps, strict=True)):
        page += f"{name} {stamp}\n\nتعليق رقم {i} على الأسعار في السوق هذا الأسبوع.\n\nرد أعجبني إبلاغ\n"
    comments = parse_page(page, fmt="text").comments
    assert [c.author for c in comments] == names


def test_a_german_tech_sites_forum_under_the_article() -> None:
    """ "Forum zum Artikel" over "7 Beiträge ...", each post a subject, "NAME | DATE", the text and
    "Bewertung: +12 Antworten | Zitieren": no heading was known, so no post was found (warned only)."""
    names = ["Bitschubser", "nobody_special", "Datenhamster"]
    page = _LEAD_DE + "\nForum zum Artikel\n\n3 Beiträge Alle Beiträge im Forum anzeigen\n\n"
    for i, name in enumerate(names):
        page += f"Betreff Nummer {i}\n\n{name} | 12.03.2024 0{i + 1}:41\n\nMeine Meinung Nummer {i} zum Update.\n\n"
        page += f"Bewertung: +{12 - i} Antworten | Zitieren\n\n"
    comments = parse_page(page, fmt="text").comments
    assert [c.author for c in comments] == names
    assert all(
        f"Meine Meinung Nummer {i}" in c.text and "Bewertung" not in c.text for i, c in enumerate(comments)
    )
