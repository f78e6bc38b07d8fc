# ruff: noqa: E501  (inline page fixtures read best one sentence a line)
"""Pages in the style of comment systems and CMSes that are not in /work/shared/articles (Disqus,
Discourse, Drupal, JComments, Substack, phpBB, Coral, Facebook plugin, Viafoura, Blogger, Movable Type,
numbered and ISO-stamped comments, es/it/pt/nl dates, a WordPress thread with traps inside comments) and
trap pages whose dated lines are not comments. Each page comes as HTML and as a w3m-like text dump,
written for this repository by tests/service/pages/build.py; expected.json holds what a reader sees."""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

import pytest

from core.records import Article
from service.parse import parse_file, parse_page, parse_with_roles

PAGES = Path(__file__).resolve().parent / "pages"
EXPECTED: dict[str, dict] = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))
FORMATS = ("html", "w3m.txt", "inscriptis.txt")
NAMES = sorted(EXPECTED)
CASES = [(name, fmt) for name in NAMES for fmt in FORMATS]
# Pages whose thread the section gate (service/parse/sectiongate.py) reads as page content; the page
# then says so in a warning. (The phpBB text dump's thread, once here, is now found.)
GATE_MISSES: set[tuple[str, str]] = set()
# The line model (its boosted trees, which learned from Dragnet that a short run of body lines late on
# the page is rarely the article) drops the last short paragraph of these four-paragraph text articles.
BODY_MISSES = {
    ("trap_liveblog", "w3m.txt"),
    ("trap_liveblog", "inscriptis.txt"),
}


@functools.cache
def _parsed(name: str, fmt: str) -> Article:
    """parse_file of one page in one rendering, once for the module: up to five tests check each (an
    Article is frozen, so none can change it for the next)."""
    return parse_file(PAGES / f"{name}.{fmt}")


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


@pytest.mark.parametrize(("name", "fmt"), CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_comments_authors_and_starts(name: str, fmt: str) -> None:
    spec = EXPECTED[name]
    art = _parsed(name, fmt)
    if (name, fmt) in GATE_MISSES:
        assert not art.comments, "this gate miss is fixed now: remove it from GATE_MISSES"
        assert any("read as page content" in w for w in art.warnings)
        return
    assert len(art.comments) == spec["comments"]
    assert [_norm(c.author) or None for c in art.comments] == [_norm(a) or None for a in spec["authors"]]
    for c, start in zip(art.comments, spec["starts"], strict=True):
        assert _norm(c.text).lstrip("> ").startswith(_norm(start)), (c.text[:60], start)


@pytest.mark.parametrize(("name", "fmt"), CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_body_is_clean_and_complete(name: str, fmt: str) -> None:
    spec = EXPECTED[name]
    body = _norm(_parsed(name, fmt).body)
    missing = [snippet for snippet in spec["body_snippets"] if _norm(snippet) not in body]
    if (name, fmt) in BODY_MISSES:
        assert len(missing) == 1, "this body miss is fixed now: remove it from BODY_MISSES"
    else:
        assert not missing
    for snippet in spec["not_in_body"]:
        assert _norm(snippet) not in body


@pytest.mark.parametrize("name", [n for n in NAMES if "parents" in EXPECTED[n]])
@pytest.mark.parametrize("fmt", FORMATS)
def test_thread_parents(name: str, fmt: str) -> None:
    art = _parsed(name, fmt)
    assert [c.parent for c in art.comments] == EXPECTED[name]["parents"]


@pytest.mark.parametrize("name", [n for n in NAMES if "posted_at" in EXPECTED[n]])
@pytest.mark.parametrize("fmt", FORMATS)
def test_iso_times(name: str, fmt: str) -> None:
    art = _parsed(name, fmt)
    assert [c.posted_at for c in art.comments] == EXPECTED[name]["posted_at"]


@pytest.mark.parametrize("name", NAMES)
def test_renderings_agree(name: str) -> None:
    """The HTML and its text dumps give the same split: same authors, same comment openings."""
    arts = [_parsed(name, fmt) for fmt in FORMATS if (name, fmt) not in GATE_MISSES]
    shapes = [[(_norm(c.author), _norm(c.text).lstrip("> ")[:30]) for c in a.comments] for a in arts]
    assert all(shape == shapes[0] for shape in shapes)


@pytest.mark.parametrize("name", [n for n in NAMES if "posted_at_html" in EXPECTED[n]])
def test_markup_time_fills_relative_dates(name: str) -> None:
    """A <time datetime> in the HTML gives "3 years ago" its ISO time; the text dumps cannot know it."""
    art = _parsed(name, "html")
    assert [c.posted_at for c in art.comments] == EXPECTED[name]["posted_at_html"]
    assert all(c.posted_at is None for c in _parsed(name, "w3m.txt").comments)


def test_markup_time_never_contradicts_the_text() -> None:
    """wp_threaded's markup carries one fixed datetime on every comment: the visible dates win."""
    art = _parsed("wp_threaded", "html")
    assert [c.posted_at for c in art.comments] == [
        c.posted_at for c in _parsed("wp_threaded", "w3m.txt").comments
    ]


@pytest.mark.parametrize(("name", "fmt"), CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_nothing_lost(name: str, fmt: str) -> None:
    """Every non-blank input line ends up, piece by piece, in exactly one place."""
    data = (PAGES / f"{name}.{fmt}").read_bytes()
    _, inputs, roles = parse_with_roles(data, source=name)
    placed: dict[int, str] = {}
    for src, text, _place in roles:
        placed[src] = placed.get(src, "") + text
    for i, text in inputs:
        assert "".join(text.split()) == "".join(placed.get(i, "").split()), text


def test_fixture_files_match_their_builder(tmp_path: Path) -> None:
    """The committed pages are exactly what build.py writes (no hand edits that the builder lost)."""
    spec = importlib.util.spec_from_file_location("pages_build", PAGES / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    build.HERE = tmp_path  # type: ignore[attr-defined]
    build.main()
    for produced in tmp_path.iterdir():
        assert produced.read_text(encoding="utf-8") == (PAGES / produced.name).read_text(encoding="utf-8")


def test_markup_times_alone_find_comments_in_html() -> None:
    """Without reply links the text shows nothing but names and prose; the empty <time datetime>
    elements of the markup still mark each comment's header."""
    from service.parse import parse_page

    html = (PAGES / "jsdates.html").read_text(encoding="utf-8").replace('<a class="reply-link">Reply</a>', "")
    art = parse_page(html)
    assert [c.author for c in art.comments] == EXPECTED["jsdates"]["authors"]
    assert [c.posted_at for c in art.comments] == EXPECTED["jsdates"]["posted_at_html"]


def test_markup_times_in_teasers_are_no_comments() -> None:
    """The same empty <time datetime> elements under a "Latest news" teaser list stay teasers."""
    from service.parse import parse_page

    html = (PAGES / "trap_related.html").read_text(encoding="utf-8")
    for day in ("11", "9", "7"):
        html = html.replace(
            f"<time>{day} March 2019</time>", f'<time datetime="2019-03-{int(day):02d}"></time>'
        )
    assert parse_page(html).comments == ()


# ---------------------------------------------------------------------------------------------------
# Inline text fixtures: header shapes in a plain text page (one article, three comments).

BODY = "\n\n".join(
    [
        "The regional water authority has warned that reservoir levels are at their lowest point for the time of year since records began, after the driest spring in more than half a century.",
        "Households are being asked to take shorter showers, to avoid watering lawns and to report leaks, while farmers have been told that abstraction licences may be suspended from next month.",
        "Engineers are bringing an old pumping station back into service to move water from the northern lakes, a project that was due to finish in the autumn but has been brought forward.",
    ]
)


def _page(comments):
    return (
        "Water news\n\nReservoirs at record low\n\n"
        + BODY
        + "\n\n"
        + comments
        + "\n\nLeave a Reply\n\n© 2019 Site"
    )


INLINE = {
    "posted on DATE by NAME (header)": (
        "3 Comments\n\n"
        + "\n\n".join(
            f"Posted on March {d}, 2019 at 10:15 am by {n}\n\n{t}"
            for d, n, t in [
                (12, "Ann", "First comment text here about leaks."),
                (13, "Bob K", "Second comment about showers and lawns."),
                (14, "Cy", "Third comment about the pumping station."),
            ]
        ),
        ["Ann", "Bob K", "Cy"],
    ),
    "dmy slash 24h": (
        "Comments (3)\n\n"
        + "\n\n".join(
            f"{n}\n{d}/03/2019 {h}\n\n{t}\n\nReply"
            for d, n, h, t in [
                (12, "Ann", "10:15", "First comment text here about leaks."),
                (13, "Bob K", "22:05", "Second comment about showers."),
                (14, "Cy", "07:30", "Third comment about the station."),
            ]
        ),
        ["Ann", "Bob K", "Cy"],
    ),
    "deleted + edited": (
        "3 comments\n\n"
        + "\n\n".join(
            f"{n} · {w}\n\n{t}\n\nReply · Share"
            for n, w, t in [
                ("Ann", "2 hours ago (edited)", "First comment text here about leaks."),
                ("[deleted]", "1 hour ago", "[removed]"),
                ("Cy", "30 minutes ago", "Third comment about the station."),
            ]
        ),
        ["Ann", "[deleted]", "Cy"],
    ),
    "avatar img + votes": (
        "3 Comments\n\n"
        + "\n\n".join(
            f"[IMG]\n{n}\n{w}\n\n{t}\n\n▲ 12 ▼  Reply"
            for n, w, t in [
                ("Ann", "March 12, 2019", "First comment text here about leaks."),
                ("Bob", "March 13, 2019", "Second comment about showers."),
                ("Cy", "March 14, 2019", "Third comment about the station."),
            ]
        ),
        ["Ann", "Bob", "Cy"],
    ),
    "no blank lines inscriptis": (
        "Comments\n"
        + "\n".join(
            f"{n}\n{w}\n{t}\nReply"
            for n, w, t in [
                ("Ann", "March 12, 2019 at 10:15", "First comment text here about leaks."),
                ("Bob", "March 13, 2019 at 11:00", "Second comment about showers."),
                ("Cy", "March 14, 2019 at 12:00", "Third comment about the station."),
            ]
        ),
        ["Ann", "Bob", "Cy"],
    ),
    "name – date same line en dash": (
        "Kommentare (3)\n\n"
        + "\n\n".join(
            f"{n} – {w}\n\n{t}\n\nAntworten"
            for n, w, t in [
                ("Ann", "12. März 2019 um 10:15 Uhr", "Erster Kommentar über die Lecks."),
                ("Bob", "13. März 2019 um 11:00 Uhr", "Zweiter Kommentar über das Duschen."),
                ("Cy", "14. März 2019 um 12:00 Uhr", "Dritter Kommentar über die Pumpe."),
            ]
        ),
        ["Ann", "Bob", "Cy"],
    ),
    "fr le DATE à": (
        "3 commentaires\n\n"
        + "\n\n".join(
            f"{n} le {w}\n\n{t}\n\nRépondre"
            for n, w, t in [
                ("Ann", "12 mars 2019 à 10 h 15", "Premier commentaire sur les fuites."),
                ("Bob", "13 mars 2019 à 11 h 00", "Deuxième commentaire sur les douches."),
                ("Cy", "14 mars 2019 à 12 h 00", "Troisième commentaire sur la station."),
            ]
        ),
        ["Ann", "Bob", "Cy"],
    ),
    "one comment only": (
        "1 Comment\n\nAnn says:\nMarch 12, 2019 at 10:15 am\n\nOnly one comment here about the leaks.\n\nReply",
        ["Ann"],
    ),
    "two comments no heading says": (
        "Ann says:\nMarch 12, 2019 at 10:15 am\n\nA comment here about the leaks.\n\nReply\n\nBob says:\nMarch 12, 2019 at 11:15 am\n\nAnother comment about lawns.\n\nReply",
        ["Ann", "Bob"],
    ),
    "reply to NAME header": (
        "3 Comments\n\n"
        + "\n\n".join(
            f"{n} {w}\n\n{t}\n\nReply"
            for n, w, t in [
                ("Ann", "12 March 2019 10:15", "First comment text here about leaks."),
                ("Bob in reply to Ann", "12 March 2019 11:15", "Second comment about showers."),
                ("Cy", "13 March 2019 09:00", "Third comment about the station."),
            ]
        ),
        ["Ann", "Bob", "Cy"],
    ),
}

INLINE["name lines of four words (small thread)"] = (
    "3 Comments\n\n"
    + "\n\n".join(
        f"{n}\n{d} March 2019 10:15\n\n{t}"
        for d, n, t in [
            (12, "Ann from Leeds", "First comment text here about leaks."),
            (13, "Bob K from East Grinstead", "Second comment about showers and lawns."),
            (14, "Cy from York", "Third comment about the pumping station."),
        ]
    ),
    ["Ann", "Bob K", "Cy"],  # "from" is in every header: a template word, where the name ends
)
INLINE["badge after every name"] = (
    "3 Comments\n\n"
    + "\n\n".join(
        f"{n} ✓ Verified\n{d} March 2019 10:15\n\n{t}"
        for d, n, t in [
            (12, "Ann", "First comment text here about leaks."),
            (13, "Bob K", "Second comment about showers and lawns."),
            (14, "Cy", "Third comment about the pumping station."),
        ]
    ),
    ["Ann", "Bob K", "Cy"],
)

INLINE["compact stamp after the name (OpenWeb, X)"] = (
    "Conversation\n3 Comments\n\n"
    + "\n\n".join(
        f"{n} {w}\n\n{t}\n\n14 1"
        for n, w, t in [
            ("RiverRat77", "5h", "First comment text here about leaks."),
            ("Jen K", "4h", "Second comment about showers and lawns."),
            ("M. Okafor", "2d", "Third comment about the pumping station."),
        ]
    ),
    ["RiverRat77", "Jen K", "M. Okafor"],  # "5h" was part of the name, and the HTML thread was missed
)

INLINE["compact stamp glued to the name (OpenWeb in w3m)"] = (
    "Conversation\n3 Comments\n\n"
    + "\n\n".join(
        f"{n}{w}\n\n{t}\n\nReply14Share"
        for n, w, t in [
            ("RiverRat77", "5h", "First comment text here about leaks."),
            ("Jen K", "4h", "Second comment about showers and lawns."),
            ("Gaffer Gary", "45m", "Third comment about the pumping station."),
        ]
    ),
    ["RiverRat77", "Jen K", "Gaffer Gary"],  # no thread was found
)


@pytest.mark.parametrize("case", sorted(INLINE))
def test_inline_header_shapes(case: str) -> None:
    comments, authors = INLINE[case]
    art = parse_page(_page(comments), fmt="text")
    assert [c.author for c in art.comments] == authors
    assert all(c.text for c in art.comments)
    assert "reservoir levels are at their lowest point" in art.body


@pytest.mark.parametrize("fmt", FORMATS)
def test_latest_comments_widget_is_no_thread(fmt: str) -> None:
    """Under a "Latest Comments" heading (an opener), "NAME on TITLE DATE" rows with no text between
    them are a widget's links."""
    page = (PAGES / f"trap_recent_comments.{fmt}").read_text(encoding="utf-8")
    art = parse_page(page.replace("Recent Comments", "Latest Comments"))
    assert art.comments == ()


_IT_BODY = "\n\n".join(
    [
        "La giunta comunale ha votato martedì sera per chiudere la vecchia biblioteca di via del Mulino e trasferire la collezione nel centro civico, dopo due anni di discussioni in città.",
        "I sostenitori dicono che il centro ha orari più lunghi, un ascensore e un parcheggio, mentre gli oppositori ricordano che la vecchia sede è vicina a tre scuole del quartiere.",
        "Una petizione firmata da oltre duemila persone chiedeva di rinviare il voto, ma la mozione è stata respinta dalla maggioranza dopo un lungo dibattito in aula.",
    ]
)


@pytest.mark.parametrize(
    ("heading", "form"),
    [
        ("Commenti", "Lascia un commento"),
        ("Comentários", "Deixe um comentário"),
        ("Reacties", "Laat een reactie achter"),
        ("Diskussion", "Kommentar schreiben"),
        ("Discussione", "Lascia un commento"),
        ("Discussie", "Laat een reactie achter"),
    ],
)
def test_headings_and_forms_in_other_languages(heading: str, form: str) -> None:
    """An uncounted heading opens the section; the comment form after it is furniture."""
    comments = [
        ("Giulia", "10:15", "Finalmente una decisione presa."),
        ("Marco", "11:20", "Il tetto andava riparato prima."),
    ]
    thread = "\n\n".join(f"{n}\n12/03/2019 {h}\n\n{x}" for n, h, x in comments)
    page = (
        f"Giornale\n\nChiusura della biblioteca\n\n{_IT_BODY}\n\n{heading}\n\n{thread}\n\n{form}\n\nNome *\n"
    )
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == ["Giulia", "Marco"]
    assert [c.text for c in art.comments] == [x for _, _, x in comments]
    assert any(d.text == form and d.reason == "comment form" for d in art.dropped)


AR_BODY = [
    "أعلنت الحكومة اليوم عن خطة جديدة لدعم المزارعين المتضررين من الجفاف، تشمل قروضا بدون فوائد وتوزيع "
    "البذور والأسمدة بأسعار مخفضة في جميع المحافظات.",
    "وقال وزير الفلاحة في مؤتمر صحفي إن الخطة ستكلف نحو ملياري درهم، وإن الدفعة الأولى من المساعدات ستصل "
    "إلى المستفيدين قبل نهاية الشهر المقبل.",
]


def test_an_arabic_page_with_its_heading_stamps_and_form() -> None:
    # 0 comments before: no Arabic heading, month name, relative stamp ("منذ ساعتين": the dual, no
    # digit), chrome or form line was known, so the thread went into the body.
    comments = [
        ("مواطن غيور", "منذ 3 ساعات", "خطوة جيدة لكن يجب مراقبة توزيع المساعدات."),
        ("أبو يوسف", "منذ ساعتين", "نحن في القرية لم نر أي دعم منذ سنوات."),
        ("فاطمة الزهراء", "منذ 20 دقيقة", "أين الدعم لمربي الماشية؟"),
    ]
    page = (
        "الرئيسية\n\nالحكومة تعلن خطة جديدة لدعم المزارعين\n\n"
        + "\n\n".join(AR_BODY)
        + "\n\nالتعليقات (3)\n\n"
        + "\n\n".join(f"{n} {w}\n\n{t}\n\nرد" for n, w, t in comments)
        + "\n\nأضف تعليقك\nإرسال\n\nجميع الحقوق محفوظة © 2024"
    )
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == [n for n, _, _ in comments]
    assert [c.text for c in art.comments] == [t for _, _, t in comments]
    assert [c.posted_raw for c in art.comments] == [w for _, w, _ in comments]
    assert AR_BODY[1][:40] in art.body and "التعليقات" not in art.body and not art.warnings


def test_arabic_readers_under_an_english_article() -> None:
    # Short lines in another script than the page are taken for language links ("العربية"): a reader's
    # dated Arabic header and short comment were dropped with them, and the thread was lost.
    comments = [
        ("مواطن غيور", "منذ 3 ساعات", "خطوة جيدة لكن يجب مراقبة توزيع المساعدات."),
        ("أبو يوسف", "منذ ساعتين", "نحن في القرية لم نر أي دعم."),
        ("فاطمة الزهراء", "منذ 20 دقيقة", "أين الدعم لمربي الماشية؟"),
    ]
    thread = "3 Comments\n\n" + "\n\n".join(f"{n} {w}\n\n{t}\n\nرد" for n, w, t in comments)
    art = parse_page(_page(thread), fmt="text")
    assert [(c.author, c.text) for c in art.comments] == [(n, t) for n, _, t in comments]
