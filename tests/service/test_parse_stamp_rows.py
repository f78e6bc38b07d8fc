"""Session 43's fresh pages: a tabloid's comments (text / "NAME, Town, Country, 2 hours ago" / "↑ 1204 ↓ 88
Click to rate · Reply · Report abuse", under a "Comment by NAME" label for screen readers); a Greek
portal whose stamps end in the widget's buttons in Greek (NAME / text / "2 hours ago · 👍 Like (37) ·
Reply · Report", recent stamps relative and older ones absolute); a Romanian sports site ("acum 35 de
minute", "↳ răspuns pentru NAME") with a "Latest news" list of dated headlines after the thread."""

from __future__ import annotations

import pytest

from service.dates import find_date
from service.parse import parse_page
from service.parse.lexicon import chrome_pieces
from tests.service.generic_pages import ARTICLE_EN

TABLOID = [
    (
        "Dave_from_Leeds",
        "Leeds, United Kingdom",
        "2 hours ago",
        "We voted for this. Can't really complain now.",
    ),
    (
        "SunSeeker66",
        "Torremolinos, Spain",
        "2 hours ago",
        "Live here half the year. The machines worked fine.",
    ),
    ("Maureen P", "Stockport, United Kingdom", "1 hour ago", "That's good to hear, we fly out in June."),
    (
        "Hampshire Hog",
        "Winchester, United Kingdom",
        "3 hours ago",
        "Seven quid for three years. Hardly a fortune.",
    ),
]


def _tabloid(label: bool) -> str:
    page = ARTICLE_EN + "Comments 312\n\nShare what you think\n\nNewest Oldest Best rated Worst rated\n\n"
    page += "The comments below have been moderated in advance. "
    page += "The views expressed are those of our readers alone.\n\n"
    for i, (name, town, when, text) in enumerate(TABLOID):
        page += f"Comment by {name}\n\n" if label else ""
        rating = f"↑ {120 - i} ↓ {8 + i} Click to rate · Reply · Report abuse"
        page += f"{text}\n\n{name}, {town}, {when}\n\n{rating}\n\n"
    return page + "MOST READ NEWS\n\nPrivacy Policy · Terms\n"


@pytest.mark.parametrize("label", [True, False])
def test_a_tabloids_stamps_close_their_texts(label: bool):
    """The rating row was read as text after each stamp, so the stamps headed the next comment's text:
    every comment got its neighbour's words. And the house rules above the first text were its text."""
    article = parse_page(_tabloid(label))
    assert [c.author for c in article.comments] == [name for name, *_ in TABLOID]
    assert [c.text for c in article.comments] == [text for *_, text in TABLOID]


def test_a_row_of_separated_actions_is_chrome():
    assert chrome_pieces("↑ 1204 ↓ 88 Click to rate · Reply · Report abuse")
    assert chrome_pieces("Reply · Share")
    assert not chrome_pieces("Home · News · Sport")
    assert not chrome_pieces("Thanks · great article")


def test_a_screen_reader_label_is_not_shown_in_html():
    page = (
        "<html><head><title>Queues at the border</title></head><body><h1>Queues at the border</h1>"
        "<p>" + "Travellers face new checks at the border from April, officials said on Monday. " * 4 + "</p>"
        '<div class="comments"><h2>Comments (2)</h2>'
        '<div class="comment"><span class="sr-only">Comment by Ann</span>'
        "<p>First view on it, and it is long.</p>"
        '<p class="info">Ann, Leeds, 2 hours ago</p></div>'
        '<div class="comment"><span class="screen-reader-text">Comment by Bo</span>'
        "<p>Second view on it, also long.</p>"
        '<p class="info">Bo, York, 3 hours ago</p></div></div></body></html>'
    )
    article = parse_page(page, fmt="html")
    assert [c.text for c in article.comments] == [
        "First view on it, and it is long.",
        "Second view on it, also long.",
    ]
    assert "Comment by" not in article.body


GREEK = [
    ("Γιώργος Παπαδόπουλος", "πριν από 2 ώρες", "Μένω στο Κουκάκι είκοσι χρόνια και βλέπω τη διαφορά."),
    ("Ελένη Σ.", "πριν από 3 ώρες", "Και τα ενοίκια έπεσαν; Όχι, απλώς μεταφέρθηκε το πρόβλημα."),
    ("nikos_thess", "πριν από 1 ώρα", "Το Παγκράτι είναι μέσα στο 2ο διαμέρισμα, άρα καλύπτεται."),
    ("Μαρία Κωνσταντίνου", "14 Μαρτίου 2025, 10:24", "Ως ιδιοκτήτρια ενός μικρού διαμερίσματος διαφωνώ."),
    ("Ανδρέας Λ.", "14 Μαρτίου 2025, 08:37", "Λύση για τη στέγαση με τροπολογία της τελευταίας στιγμής."),
]


def test_stamps_that_end_in_the_same_buttons_in_any_language_are_footers():
    """The buttons are words the lexicon does not hold (Greek): the row they make after every stamp is
    learned from the page. The relative and the absolute stamps are one thread; a name ending in a Greek
    initial ("Ελένη Σ.") is a name."""
    page = ARTICLE_EN + "Σχόλια (5)\n\n"
    for i, (name, when, text) in enumerate(GREEK):
        page += f"{name}\n\n{text}\n\n{when} · 👍 Μου αρέσει ({30 - i}) · Απάντηση · Αναφορά\n\n"
    article = parse_page(page + "Δημοφιλή\n\n1. Καιρός: Έρχεται νέα ψυχρή εισβολή\n")
    assert [c.author for c in article.comments] == [name for name, *_ in GREEK]
    assert [c.text for c in article.comments] == [text for *_, text in GREEK]


def test_romanian_stamps_and_a_latest_news_list_after_the_thread():
    assert find_date("Câinele_Roșu_1948 acum 35 de minute") is not None
    rows = [
        ("Câinele_Roșu_1948", "", "acum 35 de minute", "Cine l-a pus pe ăsta să bată penalty-ul?"),
        (
            "Mihai Dobre",
            " ↳ răspuns pentru Câinele_Roșu_1948",
            "acum 28 de minute",
            "A fost schimbat în minutul 80.",
        ),
        (
            "rapidist_giulestean",
            "",
            "acum 1 oră",
            "Penalty inventat. Minge în piept clar, se vede pe reluare.",
        ),
        ("ionut_b", "", "acum 1 oră", "Atmosfera a fost superbă, păcat că nu mai încap oameni."),
        (
            "Florin Matei",
            "",
            "16.03.2025, 22:41",
            "Un egal corect până la urmă. Ambele echipe au avut repriza lor.",
        ),
    ]
    page = ARTICLE_EN + "Comentarii (48)\n\n"
    for i, (name, reply, when, text) in enumerate(rows):
        page += f"{name}{reply} {when}\n\n{text}\n\n👍 {40 - i} 👎 {i} Răspunde Raportează\n\n"
    page += "1 2 3 4 Următoarea »\n\nUltimele știri\n\n"
    page += "* Naționala: lotul pentru meciurile din martie acum 15 minute\n"
    page += "* Simona Halep, mesaj emoționant pentru fani acum 1 oră\n"
    page += "* Universitatea Craiova, amendă de la FRF acum 3 ore\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == [name for name, *_ in rows]
    assert [c.text for c in article.comments] == [text for *_, text in rows]
    assert article.comments[1].parent == 0


DUTCH = [
    ("H", "Henk_uit_Zwolle", "Weer de automobilist als melkkoe. En dan klagen dat de winkels leeglopen."),
    (
        "MS",
        "Marieke Stam",
        "Ik fiets al twintig jaar naar de stad en heb nooit een parkeerplaats nodig gehad.",
    ),
    ("AV", "Anja van Dalen", "Zwolle is Amsterdam niet. Mensen uit de regio hebben keuze genoeg."),
    ("F", "fietsfanaat038", "Eindelijk een wethouder die keuzes durft te maken. Prima besteed geld."),
]


def test_buttons_after_every_stamp_are_no_name_and_letter_avatars_of_any_two_words():
    """ "vandaag om 09:14 · Reageer · Rapporteer · 👍 41" under each text: the buttons, alike in every
    stamp, were taken for every comment's author ("Rapporteer · 👍"); the names over the texts carry a
    letter avatar made of the first two words' letters ("AV Anja van Dalen") or a lower-case login's."""
    page = ARTICLE_EN + "Reacties (4)\n\nLog in om te reageren.\n\n"
    for i, (avatar, name, text) in enumerate(DUTCH):
        page += (
            f"{avatar} {name}\n\n{text}\n\nvandaag om 09:{14 + i} · Reageer · Rapporteer · 👍 {41 - i}\n\n"
        )
    article = parse_page(page + "Meest gelezen\n")
    assert [c.author for c in article.comments] == [name for _, name, _ in DUTCH]
    assert [c.text for c in article.comments] == [text for *_, text in DUTCH]


def test_a_picks_badge_and_a_recommend_count_over_the_text_are_chrome():
    rows = [("HollowayRoad", "The point about padding is spot on, and I say so as a manager."),
            ("elspethg", "We had the same experience with the Friday meetings nobody missed."),
            ("Brummagem_Bob", "Speak for yourself. That was the only time I saw my colleagues.")]  # fmt: skip
    page = ARTICLE_EN + "Comments (1,246)\n\nAll commentsEditors’ picks\n\n"
    for i, (name, text) in enumerate(rows):
        pick = "Editor’s pick\n" if i == 0 else ""
        page += f"{name}\n12 Mar 2025 14:0{i}\n{pick}{412 - i} ⇧\n\n{text}\n\nReply Share Report\n\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == [name for name, _ in rows]
    assert [c.text for c in article.comments] == [text for _, text in rows]


@pytest.mark.parametrize(
    ("line", "raw"),
    [
        ("Kyläläinen 3 t sitten", "3 t sitten"),
        ("2 min sitten", "2 min sitten"),
        ("5 pv sitten", "5 pv sitten"),
    ],
)
def test_finnish_short_relative_stamps(line: str, raw: str):
    hit = find_date(line)
    assert hit is not None and hit.raw == raw


def test_a_name_glued_to_a_numeric_date_in_a_text_dump():
    """w3m glues the name's element to the stamp's: "Opettaja eläkkeellä12.3.2025 klo 22.40", also after
    an initial's dot ("Pekka S.12.3.2025 klo 19.08")."""
    rows = [("Opettaja eläkkeellä", "22.40"), ("Pekka S.", "19.08"), ("vesikattoremontti", "14.22")]
    page = ARTICLE_EN + "Kommentit (3)\n\n"
    for i, (name, time) in enumerate(rows):
        page += f"{name}12.3.2025 klo {time}\n\nMielipide numero {i} koulun korjauksesta ja sen hinnasta.\n\n"
        page += f"👍 {i} 👎 0 Vastaa Ilmoita asiaton viesti\n\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == [name for name, _ in rows]


def test_the_same_tag_in_brackets_after_two_names_is_the_widgets():
    """Polish guests: "kowal_z_radomia (gość)". One "Ann (staff)" keeps its brackets, one reader's name twice
    too, and an affiliation ("Catherine (GiveWell)", "Olivia (GiveWell)")."""
    from service.parse.habits import without_habits

    names = [
        "kowal_z_radomia (gość)",
        "Marta_K",
        "Adam (gość)",
        "Ann (staff)",
        "Krystyna (gość)",
        "Sal (hi)",
        "Sal (hi)",
        "Cat (GiveWell)",
        "Ol (GiveWell)",
    ]
    assert without_habits(names) == [
        "kowal_z_radomia",
        "Marta_K",
        "Adam",
        "Ann (staff)",
        "Krystyna",
        "Sal (hi)",
        "Sal (hi)",
        "Cat (GiveWell)",
        "Ol (GiveWell)",
    ]


def test_a_name_glued_to_a_stamp_opening_with_a_word_and_to_its_badge():
    """w3m glues inline elements written without a space between them: "Joana MexiaAssinante há 3
    horas", "Rui Pestana em resposta a Joana Mexiahá 2 horas" (the stamp's first word, after a reply)."""
    rows = [
        ("Joana Mexia", "Assinante", "", "há 3 horas"),
        ("Rui Pestana", "", " em resposta a Joana Mexia", "há 2 horas"),
        ("Miguel A. Santos", "Assinante", "", "há 3 horas"),
        ("Carla F.", "Assinante", "", "há 4 horas"),
    ]
    page = ARTICLE_EN + "Comentários (4)\n\n"
    for i, (name, badge, reply, when) in enumerate(rows):
        page += (
            f"{name}{badge}{reply}{when}\n\nOpinião número {i} sobre a urgência pediátrica do hospital.\n\n"
        )
        page += f"Gosto ({i}) Responder Denunciar\n\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == [name for name, *_ in rows]
    assert article.comments[1].parent == 0


@pytest.mark.parametrize("alt", ["{name}'s avatar {name} {when}", "{name}'s avatar\n{name} {when}"])
def test_an_avatars_alt_text_before_the_name_is_no_part_of_it(alt: str):
    """A text dump shows the avatar's alt text (OpenWeb, Substack): "Sharon McKinnon's avatar Sharon
    McKinnon 2h", on the name's line or over it. The longer line was no header, the name took "'s"."""
    rows = [("Sharon McKinnon", "2h"), ("Brett_W", "2h"), ("Koorin Grazier", "3h"), ("Sharon McKinnon", "1h")]
    page = ARTICLE_EN + "Conversation\n\n4 Comments\n\n"
    for i, (name, when) in enumerate(rows):
        page += alt.format(name=name, when=when) + f"\n\nMy view number {i} on the pool and the rates.\n\n"
        page += f"Like {i} Dislike Reply Report\n\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == [name for name, _ in rows]


def test_who_reacted_to_a_post_is_no_name_of_the_next():
    """XenForo prints "👍 Kale_Crusader, guppygrandad" under a post: the next post's name line was read
    past it. "👍 agreed" is a reader's words."""
    from service.parse.lexicon import REACTIONS

    for line in ("👍 Kale_Crusader", "👍 Kale_Crusader, guppygrandad", "❤️ Liked by Hannah Osei-Lindqvist"):
        assert REACTIONS.fullmatch(line), line
    for line in ("👍 agreed", "👍 well said, Bob", "👍 Great article!"):
        assert not REACTIONS.fullmatch(line), line


@pytest.mark.parametrize("line", ["Назар вчора о 21:40", "Petr včera v 21:40", "Lasse igår kl. 21:40"])
def test_yesterday_at_a_time_with_its_cyrillic_czech_or_nordic_word(line: str):
    """Ukrainian writes "at" with a Cyrillic "о", which the Latin "o" of Polish did not match."""
    hit = find_date(line)
    assert hit is not None and hit.raw.endswith("21:40")


def test_the_newsrooms_badge_after_its_accounts_name():
    from service.parse.habits import without_habits

    names = ["Вісті Заходу Редакція", "Redakcja", "Jornal MeridianoRedação", "La Crónica Nacional Redacción"]
    assert without_habits(names) == ["Вісті Заходу", "Redakcja", "Jornal Meridiano", "La Crónica Nacional"]
