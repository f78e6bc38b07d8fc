# ruff: noqa: E501  (page fixtures read best one line of the page a line)
"""Comment sections in more languages (session 41's fresh pages: Greek, Croatian, Hungarian, Czech,
Romanian, Catalan, Slovak, Russian, Malay, Swiss German): headings, stamps, action rows and reply lines
in the page's own words. Each page here is written for this test in the layout a fresh page showed."""

from __future__ import annotations

import pytest

from service.dates import find_date, to_iso
from service.parse import parse_page

_BODY = (
    "Η απεργία των ναυτικών αφήνει τα πλοία δεμένα στα λιμάνια για σαράντα οκτώ ώρες από την Πέμπτη.\n\n"
    "Οι επιβάτες με εισιτήρια μπορούν να τα αλλάξουν χωρίς χρέωση ή να ζητήσουν επιστροφή χρημάτων.\n\n"
)


def test_greek_widget_with_letter_avatars_and_relative_stamps():
    """ "Σχόλια (3)", "Γ Γιώργος Π. πριν από 2 ώρες" (a Greek capital as the avatar), "Απάντηση · Μου
    αρέσει (7) · Αναφορά" under each text."""
    names = ["Γιώργος Π.", "Ελένη Κ.", "Μαρία Σταματίου"]
    page = "Δεμένα τα πλοία λόγω απεργίας\n\n" + _BODY + "Σχόλια (3)\n\n"
    for i, name in enumerate(names):
        page += f"  • {name[0]} {name} πριν από {i + 2} ώρες\n    Σχόλιο αριθμός {i} για την απεργία και τα εισιτήρια.\n    Απάντηση · Μου αρέσει ({i + 4}) · Αναφορά\n"
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == names
    assert art.comments[0].text == "Σχόλιο αριθμός 0 για την απεργία και τα εισιτήρια."


def test_facebook_plugin_rows_in_croatian_with_towns_under_the_names():
    """The plugin's footer "Sviđa mi se · Odgovori · 👍 42 · 3 h" closes each comment; the name heads it
    with the reader's town or workplace under it on some ("Makarska", "Radi u: Turistička agencija").
    The thumb left once the count is read off is no name."""
    readers = [
        ("Ante Vuković", "Makarska"),
        ("Marija Jurić", None),
        ("Ivana Horvat", "Radi u: Turistička agencija"),
        ("Tomislav Babić", "Split"),
    ]
    page = (
        "Parking u centru od lipnja skuplji\n\n"
        + (
            "Gradsko vijeće odlučilo je da će parkiranje u centru od lipnja stajati pet eura po satu, a mještani su ogorčeni.\n\n"
            "Stanari dobivaju jednu kartu po kućanstvu, a nova pravila vrijede od prvog lipnja do kraja rujna.\n\n"
        )
        + "14 komentara\nPoredaj po [Najpopularnije]\n\n"
    )
    for i, (name, place) in enumerate(readers):
        page += (
            f"{name}\n"
            + (f"{place}\n" if place else "")
            + f"Moj komentar broj {i} o cijeni parkiranja u gradu.\nSviđa mi se · Odgovori · 👍 {40 - i} · {i + 1} h\n\n"
        )
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == [name for name, _ in readers]
    assert [c.text for c in art.comments] == [
        f"Moj komentar broj {i} o cijeni parkiranja u gradu." for i in range(4)
    ]
    assert art.declared_comment_count == 14


def test_hungarian_blog_replies_name_their_parent_with_its_number():
    """blog.hu's flat thread: "Kommentek:", "20 komment | Rendezés: ...", each reply opening with
    "Előzmény: NAME #2" (the answered comment's author and number), "Válasz erre" under the text."""
    page = (
        "Megnyúlt a paradicsompalánta? Íme, mit rontottam el\n\n"
        + (
            "Idén is túl korán vetettem el a paradicsomot, és a palánták megnyúltak a meleg szobában.\n\n"
            "Most leírom, mit tanultam belőle, hogy ti ne kövessétek el ugyanazt a hibát a kertben.\n\n"
        )
        + "Kommentek:\n\n3 komment | Rendezés: legrégebbi elöl\n\n"
    )
    rows = [
        ("kertészlány", None, "Nálam a radiátor volt a bűnös két évig."),
        ("Tóth Béla", None, "A megnyúlt palántát mélyebbre lehet ültetni."),
        ("zöldujjú", "Tóth Béla #2", "Ez igaz, én fektetve ültetem ki őket."),
    ]
    for i, (name, ref, text) in enumerate(rows):
        page += (
            f"{name}\n2024.03.12. 08:{10 + i}:52\n"
            + (f"Előzmény: {ref}\n" if ref else "")
            + f"{text}\nVálasz erre\n\n"
        )
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == ["kertészlány", "Tóth Béla", "zöldujjú"]
    assert art.comments[2].text == "Ez igaz, én fektetve ültetem ki őket." and art.comments[2].parent == 1
    assert art.comments[0].posted_at == "2024-03-12T08:10:52"


def test_czech_discussion_with_spaced_numeric_dates_and_its_post_count():
    """ "Diskuse k článku (83 příspěvků)" states the count; each header is a name over "12. 3. 2024
    7:42" (the day's dot is no list number)."""
    page = (
        "Praha rozšíří placené parkování do dalších čtvrtí\n\n"
        + (
            "Od dubna budou řidiči platit za parkování i v dalších částech Vinohrad a Žižkova, oznámil magistrát.\n\n"
            "Rezidenti si mohou zažádat o parkovací oprávnění přes aplikaci nebo na úřadě městské části.\n\n"
        )
        + "Diskuse k článku (83 příspěvků)\n\n"
    )
    names = ["Jan Dvořák", "Petr Novotný", "Eva Malá"]
    for i, name in enumerate(names):
        page += f"{name}\n\n12. 3. 2024 {7 + i}:42\n\nMůj příspěvek číslo {i} k parkování v Praze.\n\n{30 - i} / −6 Odpovědět Nahlásit\n\n"
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == names
    assert [c.posted_at for c in art.comments] == [f"2024-03-12T0{7 + i}:42:00" for i in range(3)]
    assert art.declared_comment_count == 83


@pytest.mark.parametrize(
    "bar, stamp",
    [
        ("8 comentarii · Călătorii cu Ioana · Autentificare", "acum {n} zile"),  # Disqus in Romanian
        ("Комментарии ^8", "{n} дня назад"),  # w3m draws a <sup> count as "^8"
    ],
)
def test_a_localised_count_bar_opens_the_thread(bar: str, stamp: str):
    page = (
        "Un weekend în Sibiu: ce am plătit\n\n"
        + (
            "Am petrecut trei zile în Sibiu și am notat fiecare cheltuială, de la cazare la mese și muzee.\n\n"
            "Bugetul total a fost mai mic decât ne așteptam, mai ales pentru că am mers în afara sezonului.\n\n"
        )
        + f"{bar}\n\n"
    )
    for i, name in enumerate(["Andreea Popescu", "Mihai", "Radu Ionescu"]):
        page += f"  • {name} {stamp.format(n=i + 2)}\n\n    Părerea mea numărul {i} despre bugetul din Sibiu.\n\n    6 ▲ · Răspunde · Distribuie ›\n"
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == ["Andreea Popescu", "Mihai", "Radu Ionescu"]
    assert art.declared_comment_count == 8


@pytest.mark.parametrize(
    "heading, said, date",
    [
        ("7 comentaris a «Coca de recapte»", "ha dit:", "4 de juny de 2024 a les 9:{m}"),  # Catalan
        ("3 komentáre k „Kriváň zo Štrbského Plesa“", "povedal:", "15. júna 2024 o 20:{m}"),  # Slovak
        ("5 ulasan:", "berkata:", "12 Mac 2024 pada 9:{m} PG"),  # Malay
    ],
)
def test_classic_wordpress_threads_in_their_language(heading: str, said: str, date: str):
    page = (
        "Coca de recapte com la feia la padrina\n\n"
        + (
            "La coca de recapte és una recepta de les comarques de Lleida que es fa amb escalivada i arengades.\n\n"
            "Avui us explico com la feia la meva àvia, pas a pas, amb la massa i els temps de forn.\n\n"
        )
        + f"{heading}\n\n"
    )
    names = ["Montse", "Jordi Puigvert", "Roser"]
    for i, name in enumerate(names):
        page += f" {i + 1}. {name} {said}\n    {date.format(m=10 + i)}\n\n    El meu comentari número {i} sobre la recepta.\n\n    Respon\n"
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == names
    assert [c.text for c in art.comments] == [
        f"El meu comentari número {i} sobre la recepta." for i in range(3)
    ]


def _unknown_language_thread(row: str, names: list[str]) -> str:
    """A thread whose heading and buttons no word list knows (Lithuanian here), under numeric stamps."""
    page = (
        "Vilniuje atnaujinamas senamiesčio apšvietimas\n\n"
        + (
            "Savivaldybė pradeda keisti senus šviestuvus senamiestyje naujais, kurie naudoja mažiau elektros.\n\n"
            "Darbai truks iki rudens, o gyventojai apie eismo ribojimus bus informuojami iš anksto.\n\n"
        )
        + "Skaitytojų nuomonės (4)\n\n"
    )
    for i, name in enumerate(names):
        page += f"{name} 2024-03-14 10:{10 + i}\n\nMano nuomonė numeris {i} apie šviestuvus ir elektrą.\n\n{row}\n\n"
    return page


def test_a_button_row_in_a_language_no_list_knows_is_learned_from_the_page():
    """ "Atsakyti · Pranešti" once under every comment: a row of buttons whatever its words, so the
    dated lines above it are comment headers (before, the thread was read as page content)."""
    names = ["Jonas", "Rasa K.", "vilnietis", "Tomas"]
    art = parse_page(_unknown_language_thread("Atsakyti · Pranešti", names), fmt="text")
    assert [c.author for c in art.comments] == names
    assert [c.text for c in art.comments] == [
        f"Mano nuomonė numeris {i} apie šviestuvus ir elektrą." for i in range(4)
    ]


def test_a_name_line_that_repeats_is_no_button_row():
    """A reader who writes three comments in a row prints her name line three times, one per block: it
    stays her name, since the other readers' comments carry no such line."""
    names = ["Rasa", "Rasa", "Rasa", "Jonas", "Tomas", "Ona", "Petras"]
    page = _unknown_language_thread("Atsakyti · Pranešti", names)
    for name in set(names):
        page = page.replace(f"{name} 2024", f"{name}\n2024")
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == names


def test_stamps_with_a_month_name_no_table_holds_when_a_time_follows():
    """Urdu "14 مارچ 2024، 11:20", Thai "14 มี.ค. 67 11:02", Bengali digits: a date without a calendar
    reading; without the time such words are prose."""
    for line, raw in [
        ("عمران علی 14 مارچ 2024، 11:20 صبح", "14 مارچ 2024، 11:20"),
        ("14 มี.ค. 67 11:02 น.", "14 มี.ค. 67 11:02"),
        ("১৪ মার্চ ২০২৪, ১১:০২", "১৪ মার্চ ২০২৪, ১১:০২"),
    ]:
        hit = find_date(line)
        assert hit is not None and hit.raw == raw and to_iso(hit.raw) is None
    assert find_date("We bought 12 apples in 2024") is None


def test_a_town_in_brackets_after_every_name_is_no_part_of_it():
    def page(heads: list[str]) -> str:
        out = (
            "Lahore metro gets new feeder buses\n\n"
            + "The city adds twenty feeder buses to the metro line from next month, officials said on Monday.\n\n"
            * 3
        )
        out += f"Comments ({len(heads)})\n\n"
        for i, head in enumerate(heads):
            out += (
                f"{head} 14 March 2024, 1{i}:20\nMy view number {i} on the feeder buses.\nReply · Report\n\n"
            )
        return out

    names = ["عمران علی", "سدرہ خان", "محمد آصف"]
    towns = ["لاہور", "گوجرانوالہ", "کراچی"]
    heads = [f"{n} ({t})" for n, t in zip(names, towns, strict=True)]
    assert [c.author for c in parse_page(page(heads)).comments] == names
    one = parse_page(page(["Ann (staff)", "Bob Jones", "Cy Fox"]))
    assert [c.author for c in one.comments] == ["Ann (staff)", "Bob Jones", "Cy Fox"]


def test_a_byline_shaped_like_the_replies_heads_the_article_not_a_comment():
    """An issue tracker (or a news forum) prints the post's byline as the replies' header ("alice
    commented 3 days ago") over the article, with no heading before the replies: the long first post
    is the page's article, not a comment."""
    para = "The exporter drops every row whose date column is empty, so the monthly report is short by a few hundred lines.\n\n"
    page = "Exporter drops rows with empty dates #4121\n\nalice commented 3 days ago\n\n" + para * 9
    for i, name in enumerate(["bob", "carol", "dave"]):
        page += f"{name} commented {2 - i if i < 2 else 1} hours ago\n\nSeen it too, reply number {i}.\n\n"
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == ["bob", "carol", "dave"]
    assert "exporter drops every row" in art.body


@pytest.mark.parametrize(
    "stamp",
    ["pirms {n} dienām", "{n} klst."],  # Latvian (a word before the number), Icelandic (an abbreviation)
)
def test_relative_stamps_no_table_holds_are_learned_from_the_page(stamp: str):
    """Every header ends with a number and the same words around it: the page's own relative stamp, so
    the thread is read, and its button row under the text is learned as well."""
    page = "Mājas serveris no vecā klēpjdatora\n\n" + (
        "Vecais klēpjdators tagad strādā kā mājas serveris ar konteineriem un rezerves kopijām.\n\n"
        "Apraksts soli pa solim: operētājsistēma, disks, tīkls un automātiskie atjauninājumi.\n\n"
    )
    names = ["Edgars Liepiņš", "ilze_b", "Jānis", "Anna Kalniņa"]
    for i, name in enumerate(names):
        page += f"{name} • {stamp.format(n=5 - i)}\n\nMans komentārs numur {i} par serveri un diskiem.\n\nAtbildēt\n\n"
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == names
    assert [c.text for c in art.comments] == [
        f"Mans komentārs numur {i} par serveri un diskiem." for i in range(4)
    ]


def test_a_teaser_list_with_reading_times_is_no_thread():
    """ "5 Min. Lesezeit" under each teaser of a German page repeats like a stamp, but teasers with no
    text between them and no heading are page content: no comments."""
    page = (
        "Neue Radwege in der Innenstadt\n\n"
        + (
            "Die Stadt baut bis zum Sommer drei neue Radwege durch die Innenstadt und entfernt dafür Parkplätze.\n\n"
            "Anwohner und Händler wurden im Februar bei zwei Versammlungen über die Pläne informiert.\n\n"
        )
        + "Mehr zum Thema\n\n"
    )
    for i, teaser in enumerate(["Busse fahren öfter", "Neue Ampeln am Ring", "Parken wird teurer"]):
        page += f"{teaser}\n{i + 3} Min. Lesezeit\n\n"
    assert parse_page(page, fmt="text").comments == ()


def test_facebook_plugin_with_letter_avatars_badges_and_reaction_counts():
    """A local TV site's plugin: the avatar's initials on a line over "NAME · Top fan", the text, and
    "Like · Reply · 3d · 👍 18" (the reactions' count after the stamp) closing each comment."""
    readers = [
        ("Debbie Schaefer", " · Top fan", " · 👍 18"),
        ("Rick Hoffmann", "", " · 👍 7"),
        ("Jen Lindquist", "", ""),
    ]
    page = (
        "Bridge closure starts Monday\n\n"
        + (
            "The county closes the river bridge for ten weeks of repairs starting Monday, with a detour posted.\n\n"
            "School buses will use the detour route, and pickup times may shift by ten to fifteen minutes.\n\n"
        )
        + "3 Comments Sort by [Top   ]\n\n"
    )
    for i, (name, badge, likes) in enumerate(readers):
        initials = "".join(w[0] for w in name.split())
        page += f"{initials}\n{name}{badge}\nMy comment number {i} about the bridge detour.\nLike · Reply · {i + 2}d{likes}\n"
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == [name for name, _, _ in readers]
    assert [c.text for c in art.comments] == [
        f"My comment number {i} about the bridge detour." for i in range(3)
    ]


def test_numbered_comments_whose_stamps_change_form_and_a_spanish_reply_line():
    """A Spanish paper numbers its comments ("#1 Hace 12 minutos · NAME", then "#5 14/03/2025 - 10:41 ·
    NAME" for the older ones): the numbers counting up make one thread whatever each date looks like
    (the line's "#1" had been read as a list number), and "Responde a @NAME" names the parent."""
    rows = [("#1 Hace 12 minutos", "Paco_de_la_Trinidad", ""), ("#2 Hace 45 minutos", "Lucía Fernández R.", ""),
            ("#3 Hace 30 minutos", "Manolo_MLG", " Responde a @Lucía Fernández R."),
            ("#4 14/03/2025 - 10:41", "Jorge Salcedo", ""), ("#5 14/03/2025 - 09:58", "malagueña en Madrid", "")]  # fmt: skip
    page = (
        "Málaga congela las licencias turísticas\n\n"
        + "El Ayuntamiento aprobó la suspensión de nuevas licencias de viviendas turísticas en 43 barrios de la ciudad.\n\n"
        * 3
    )
    page += "5 comentarios\n\n"
    for i, (stamp, name, reply) in enumerate(rows):
        page += f"{stamp} · {name}{reply}\n\nMi opinión número {i} sobre las licencias del centro.\n\n👍 4 👎 0 Responder Denunciar\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == [name for _, name, _ in rows]
    assert [c.parent for c in article.comments] == [None, None, 1, None, None]


def test_a_relative_stamp_glued_to_a_name_that_ends_in_an_initial():
    """ "Mehmet K.2 saat önce": the stamp glued to the initial's dot (a widget's name and stamp elements
    with no space between them) was no date, and the first comment went to the section's chrome."""
    names = ["Mehmet K.", "Ayşe Demir", "Hakan Y."]
    page = (
        "İstanbul'da toplu ulaşıma zam\n\n"
        + "Toplu ulaşım ücretlerine yüzde 35 oranında zam yapılmasına karar verildi ve yeni tarife pazartesi başlıyor.\n\n"
        * 3
    )
    page += "Yorumlar (3)\n\n"
    for i, name in enumerate(names):
        page += f"• {name}{i + 2} saat önce\n\nBu konudaki yorum numarası {i} ve bilet fiyatları hakkında.\n\nBeğen ({i}) Yanıtla Şikayet Et\n"
    article = parse_page(page)
    assert [c.author for c in article.comments] == names
    assert [c.posted_raw for c in article.comments] == [f"{i + 2} saat önce" for i in range(3)]
