"""Stage 3, the names' page habits: what a comment widget prints beside every reader's name, learned
per page (an avatar's initials, a badge, a presence word, a score, a place), so the same word beside one
name keeps it. `without_habits` cuts them from a page's names in one call."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from service.parse.lexicon import ROLE_BADGE, _ends_sentence

# A role badge glued to the name by a text dump ("Tom HaleStaff", "AnnModerator"), capitalised as the
# widgets print it. Apart from the name it stays: "Modern Lighting Concepts Staff" is a company's account.
_ROLE_BADGE = re.compile(rf"(?<=[a-z]){ROLE_BADGE}$")


_PRESENCE_WORDS = (
    r"(?:online|offline|en ligne|hors ligne|en línea|desconectado|conectado|abwesend|in linea|non in linea)"
)
_PRESENCE = re.compile(rf"\s+{_PRESENCE_WORDS}$|^{_PRESENCE_WORDS}\s+", re.I)
_PRESENCE_SHARE = 0.5


# Share of a page's names (and at least this many) that must hold a comma for the words after it to be
# the reader's place, not the name's.
_PLACE_SHARE = 0.6
_MIN_PLACES = 3
_TRAILING_COUNT = re.compile(r"\s+\d{1,6}$")
# Names that must end with a number (and their share) for the numbers to be scores, not the names'.
_MIN_COUNTED = 3
_COUNTED_SHARE = 0.8


# A letter avatar's initials before the name, spaced or glued by the dump ("MO Margaret Olufemi",
# "JJean-Michel D.", "Γ Γιώργος Π."): one to three capitals of any script, then a capitalised name.
_MAX_AVATAR_LETTERS = 3


def _avatar_lead(name: str) -> tuple[str, int] | None:
    """(the initials, where the name after them starts), or None."""
    k = 0
    while k < min(len(name), _MAX_AVATAR_LETTERS + 1) and name[k].isupper():
        k += 1
    if k == 0:
        return None
    if k <= _MAX_AVATAR_LETTERS and name[k : k + 1] == " " and name[k + 1 : k + 2].isupper():
        return name[:k], k + 1
    if k == 1 and name[1:2] == " " and name[2:3].upper() == name[0]:
        return name[:1], 2  # a lower-case login's letter ("F fietsfanaat038")
    if k > _MAX_AVATAR_LETTERS or k < 2:
        return None  # glued: the capitals before the name's own capital
    return name[: k - 1], k - 1


_AVATAR_SHARE = 0.5
_NAME_PARTS = re.compile(r"[\s_.-]+")


def _avatar_cut(name: str) -> str | None:
    """`name` without the initials before it, when they are its own (all initials of its capitalised
    words, or the first letter alone): "J Smith" and "BBC News" are no avatar and give None."""
    lead = _avatar_lead(name)
    if lead is None:
        return None
    letters, start = lead
    rest = name[start:]
    if start == len(letters) and not rest[1:2].islower():
        return None  # glued, the name's first word must read as one ("JJean"), not "MSNBC"
    words = [w for w in _NAME_PARTS.split(rest) if w[:1].isalpha()]
    initials = "".join(w[0] for w in words if w[:1].isupper())  # "Dr_Wessex_Watcher": DWW
    if len(letters) > 1:
        # (or the first letters of the first two words, or of the first and last: "AV Anja van Dalen")
        pairs = {(words[0][0] + w[0]).upper() for w in words[1:2] + words[-1:]} if len(words) > 1 else set()
        own = initials.startswith(letters) or letters in pairs
    else:
        own = rest[0].upper() == letters  # ("F fietsfanaat038")
    return rest if own and rest.strip() else None


def _without_avatars(authors: list[str | None]) -> list[str | None]:
    """Letter avatars (Ghost, Le Figaro, Commento): a widget that draws one draws it for every reader;
    learned per page (half the names, at least two), so "A Ahmed" alone keeps the "A"."""
    return _cut_page_habit(
        authors, lambda a: _avatar_cut(a) is not None, lambda a: _avatar_cut(a) or a, 2, _AVATAR_SHARE
    )


# A role or subscription badge after the name, apart from it or glued in a text dump ("Owen Hartley Author",
# "Lena Ortiz Paid", "Joana MexiaAssinante"):
# on two names of a page or more, the widget's; one "Modern Lighting Concepts Staff" keeps it.
# (with the subscriber's badge in pt, fr, de, es, it, nl)
_SPACED_BADGE = re.compile(
    rf"(?:\s+|(?<=[a-zà-ÿ.]))(?:{ROLE_BADGE}|Paid|Founding member|Supporter|Patron|Premium|Member"
    r"|Assinante|Abonnée?|Abonnent(?:in)?|Suscriptora?|Abbonat[oa]|Abonnee)$"
)
_MIN_BADGED = 2


def _without_badges(authors: list[str | None]) -> list[str | None]:
    return _cut_page_habit(
        authors, _SPACED_BADGE.search, lambda a: _SPACED_BADGE.sub("", a), _MIN_BADGED, 0.0
    )


# The same words in brackets after two names or more: the widget's tag ("kowal_z_radomia (gość)", "Ann
# (guest)"); one "Ann (staff)" keeps it, and readers' own places in brackets differ.
_PAREN_TAG = re.compile(
    r"\s+\(([^\W\d_A-ZÀ-ÞА-Я][^()\d]{0,19})\)$"
)  # (in lower case: "Ann (GiveWell)" is hers)
_MIN_TAGGED = 2


def _without_tags(authors: list[str | None]) -> list[str | None]:
    """(after two different names: one reader's "Sallie Goetsch (rhymes with sketch)" twice is her name)"""
    found = [(a, m) for a in authors if a and (m := _PAREN_TAG.search(a))]
    bases: dict[str, set[str]] = {}
    for a, m in found:
        bases.setdefault(m[1], set()).add(a[: m.start()].casefold())
    common = {t for t, names in bases.items() if len(names) >= _MIN_TAGGED}
    if not common:
        return authors
    cut = {a: a[: m.start()] for a, m in found if m[1] in common}
    return [cut.get(a, a) if a else a for a in authors]


def _without_presence(authors: list[str | None]) -> list[str | None]:
    """ "RetroRalf Offline", "Desconectado Rodrigo_MTB": a forum shows whether each poster is online.
    Learned per page (half the names, at least two), so a reader called "Online school" keeps it."""
    return _cut_page_habit(authors, _PRESENCE.search, lambda a: _PRESENCE.sub("", a), 2, _PRESENCE_SHARE)


def _without_counts(authors: list[str | None]) -> list[str | None]:
    """ "gnocchi_gal 33": a thread that prints each reader's score beside the name (Lemmy) does it for
    nearly all of them; learned per page, so "Bob 2" and users named "Beavis 25" and "Yves Leclercq
    214" among plain names keep their numbers. (A badge glued to the name stood before the count:
    "curdnerdOP 12".)"""
    return _cut_page_habit(
        authors,
        _TRAILING_COUNT.search,
        lambda a: _ROLE_BADGE.sub("", _TRAILING_COUNT.sub("", a)),
        _MIN_COUNTED,
        _COUNTED_SHARE,
    )


def _without_places(authors: list[str | None]) -> list[str | None]:
    """ "Sunny_Days, Leeds, United Kingdom" or "عمران علی (لاہور)": a widget that prints where each reader
    is (Daily Mail, Urdu dailies) does it for most of them; learned per page, so one "Smith, John" or
    "Ann (staff)" keeps the name."""
    commas = _cut_page_habit(
        authors, lambda a: ", " in a, lambda a: a.split(", ", 1)[0], _MIN_PLACES, _PLACE_SHARE
    )
    return _cut_page_habit(
        commas,
        lambda a: _PAREN_PLACE.search(a) is not None,
        lambda a: _PAREN_PLACE.sub("", a),
        _MIN_PLACES,
        _PLACE_SHARE,
    )


# "(Lahore)" after the name: a place in brackets, with no digit (not "(3)", a count).
_PAREN_PLACE = re.compile(r"(?<=\S)\s+\([^()\d]{2,40}\)$")


def _cut_page_habit(
    authors: list[str | None],
    shows: Callable[[str], object],
    cut: Callable[[str], str],
    minimum: int,
    share: float,
) -> list[str | None]:
    """Every name cut with `cut` when at least `minimum` names, and `share` of them, `shows` the habit
    (what a widget prints beside every name); else the names as they are."""
    named = [a for a in authors if a]
    if sum(1 for a in named if shows(a)) < max(minimum, share * len(named)):
        return authors
    return [cut(a) if a else a for a in authors]


# The newsroom's badge after its own account's name ("Vísti Zakhodu Редакція", "La Crónica Nacional
# Redacción", glued in a text dump: "Jornal MeridianoRedação"): cut even once, when a name stays before it.
_NEWSROOM_BADGE = re.compile(
    r"(?<=\S)(?:\s+|(?<=[a-zà-ÿа-я]))(?:Redaktion|Redakcja|Redakce|Redakcia|Redacción|Redação|Rédaction|Redazione"
    r"|Redactie|Redaksjonen|Redaktionen|Toimitus|Редакція|Редакция|Szerkesztőség|Newsroom|Editorial team)$"
)


def _without_newsroom_badge(authors: list[str | None]) -> list[str | None]:
    return [_NEWSROOM_BADGE.sub("", a) if a and _NEWSROOM_BADGE.search(a) else a for a in authors]


def without_habits(authors: list[str | None]) -> list[str | None]:
    """The page's names without what its widget prints beside every one of them."""
    authors = _without_newsroom_badge(authors)
    return _named(
        _without_places(
            _without_counts(_without_presence(_without_avatars(_without_badges(_without_tags(authors)))))
        )
    )


def _named(authors: list[str | None]) -> list[str | None]:
    """What is left once the page's habits are read off may be a symbol alone, or a reaction and its
    count: the "👍" of "Like · Reply · 👍 42 · 3h" once its count went as a score, "👍 18". No name
    ("4-6-3", digits and dashes, stays one)."""
    return [a if a and not _symbols_and_counts(a) else None for a in authors]


def _symbols_and_counts(name: str) -> bool:
    if any(c.isalpha() for c in name):
        return False
    return not any(c.isalnum() for c in name) or any(unicodedata.category(c) == "So" for c in name)


# A reader's town on a line of its own under the name ("Makarska", "Split"): a capitalised word or two.
_MAX_PLACE_WORDS = 2


def is_place_line(core: str) -> bool:
    words = core.split()
    return (
        0 < len(words) <= _MAX_PLACE_WORDS
        and all(w[:1].isupper() and w.isalpha() for w in words)
        and not _ends_sentence(core)
    )
