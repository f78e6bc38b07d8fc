"""Stage 1: input lines -> classified pieces (_Line): furniture, chrome, opener, date."""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass, replace

from service.dates import DATE, REL_LAST_WORDS, REPLY_CUE, DateHit, find_date
from service.html import AUTHOR_HINT, CONTROLS_HINT
from service.parse.lexicon import (
    _ALLOWED_TAGS,
    _CHROME_RX,
    _COMMENT_FORM_RX,
    _COMMENT_WORD,
    _COUNT_ANY,
    _COUNT_ONLY,
    _CUE_RX,
    _DECORATION,
    _FINAL_INITIAL,
    _FORM_FIELD,
    _FURNITURE_REASON,
    _FURNITURE_RX,
    _GLUED_COUNT,
    _HAS_ALNUM,
    _HAS_DIGIT,
    _HAS_LETTER,
    _IMAGE_PLACEHOLDER,
    _LONG_FURNITURE_RX,
    _MAX_HEADER_WORDS,
    _MAX_NAME_WORDS,
    _OPENER_RX,
    _POLICY_WORD,
    _POST_FOOTER,
    _POST_FOOTER_OPENINGS,
    _REACTION_MARKS,
    _SAYS_LINE,
    _SITE_NOTICE_IN_LINE,
    _SITE_NOTICE_WORDS,
    _TOKEN,
    _TWO_PART_COUNT,
    _WORD_NUMS,
    FEED_LIST_ITEM,
    FORM_FIELD_LABEL,
    LYNX_BUTTON,
    REACTIONS,
    ROLE_BADGE,
    WIDGET_TAB,
    _all_chrome_tokens,
    _ends_sentence,
    _name_words,
    chrome_pieces,
    strip_lead_markers,
)
from service.textcase import lower_for_words, may_hold

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Line:
    text: str  # the line as output (stripped)
    core: str  # without list bullets and image placeholders
    indent: int
    hint: str | None
    blank_before: bool
    furniture: str | None = None
    chrome: bool = False
    opener: bool = False
    count: int | None = None
    date: DateHit | None = None
    score: float | None = None  # cached prose score (see _line_score)
    src: int = -1  # index of the input line this piece came from (a glued footer splits one line in two)
    quote: int = 0  # HTML: the <blockquote>s holding the line
    row: bool = False  # a button row the page prints in every comment, whatever its words (rows.py)

    @property
    def structural(self) -> bool:
        """A structural hint (title, heading, navigation, form, a machine time); a comment's author
        mark (html.AUTHOR_HINT) and a row of buttons (html.CONTROLS_HINT) are not."""
        return self.hint is not None and self.hint != AUTHOR_HINT and self.hint != CONTROLS_HINT


# A footer glued to the end of the comment text: "... fun to watch! Posted by: Walters on December 29, 2007".
_GLUED_FOOTER = re.compile(
    r"^(?P<text>.*?\S)\s+(?P<foot>(?:posted|submitted|written|geschrieben|publié|écrit)\s+(?:by|von|par)\s*:?\s+\S.{0,100})$",
    re.I,
)


_COLUMN_GAP = re.compile(r"(?<=[^\s\[])\s{6,}(?=[^\s\]])")  # not inside a "[          ]" form field
_GLUED_HINT = re.compile(r"(?:posted|submitted|written|geschrieben|publié|écrit)\s+(?:by|von|par)\b", re.I)
# The words _GLUED_HINT starts with: a line without one of them (lower-cased) cannot match.
_GLUED_STEMS = ("posted", "submitted", "written", "geschrieben", "publié", "écrit")


# A table cell read as a comment header is short (spaces, i.e. words - 1).
_MAX_HEADER_CELL_SPACES = 14
# A glued footer ("... fun to watch! Posted by: NAME on DATE") follows some text: the line is longer.
_MIN_GLUED_CHARS = 40


def _short_dated(cell: str) -> bool:
    return cell.count(" ") <= _MAX_HEADER_CELL_SPACES and find_date(cell) is not None


def _may_hold_footer(cell: str) -> bool:
    # Substring tests: they are far cheaper than any regex on every line.
    return len(cell) > _MIN_GLUED_CHARS and (
        " by" in cell or " By" in cell or " BY" in cell or " von" in cell or " par" in cell
    )


def _may_glue_footer(cell: str) -> bool:
    """`_GLUED_HINT.search(cell)`, skipping the search (a dozen microseconds on a long line: re.I, no
    literal prefix) on a line without one of its words."""
    if not may_hold(lower_for_words(cell), _GLUED_STEMS):
        return False
    return _GLUED_HINT.search(cell) is not None


def _pieces(text: str) -> list[str]:
    """The pieces of one line: text dumps of table layouts put columns side by side ("Fantasy Games
    Posted by Rob on ..."), and some footers are glued to the comment text."""
    cells: list[str] | tuple[str] = (text,)
    if "      " in text:
        parts = _COLUMN_GAP.split(text)
        # Split the columns apart only where one of them is a comment header or footer: splitting
        # prose columns would chop the article into fragments.
        if len(parts) > 1 and any(_may_glue_footer(c) or _short_dated(c) for c in parts):
            cells = parts
    out: list[str] = []
    for cell in cells:
        if not cell:
            continue
        if _may_hold_footer(cell) and _may_glue_footer(cell):
            m = _GLUED_FOOTER.match(cell)
            if m and find_date(m["foot"]) is not None:
                out += (m["text"], m["foot"])
                continue
        out.append(cell)
    return out


_BRACKET_NAME = re.compile(r"\[[^\]\s]{1,30}\]\s*[·•|–—-]\s")
_BRACKETED = re.compile(r"<[^>]{1,80}>|\([^)]{0,40}\)")


def _header_words(core: str) -> int:
    """Words of a would-be header, not counting <emails> and (ids) or (Score:4) notes."""
    if "<" in core or "(" in core:
        core = _BRACKETED.sub(" ", core)
    return len(_TOKEN.findall(core))


# A name line is at most this long, and holds 1-3 words (a cue like "says" allows two more) ...
_MAX_NAME_CHARS = 60
_MAX_PLAIN_NAME_WORDS = 3


def _is_name_like(ln: _Line) -> bool:
    if (
        (ln.date is not None and ln.date.kind != "cue")
        or ln.opener
        or ln.chrome
        or ln.furniture in {"comment form", "share buttons", "video player"}
    ):
        return False
    if not _HAS_LETTER.search(ln.core):
        return False
    core = ln.core
    if ln.furniture == "site chrome" and core.startswith("[") and core.endswith("]"):
        return False
    if len(core) > _MAX_NAME_CHARS or (
        _ends_sentence(core) and not core.endswith(":") and not _FINAL_INITIAL.search(core)
    ):
        return False
    words = core.split()
    if _CUE_RX.search(core):
        return len(words) <= _MAX_NAME_WORDS + 2
    return 1 <= _name_words(words) <= _MAX_PLAIN_NAME_WORDS


# A prose line has at least this many words.
_PROSE_LINE_WORDS = 4


def _is_prose(ln: _Line) -> bool:
    return ln.furniture is None and not ln.chrome and len(ln.core.split()) >= _PROSE_LINE_WORDS


# Lines longer than this are prose: none of the tables (furniture, chrome, openers, dates) is tried.
_MAX_CLASSIFIED_CHARS = 200
# The furniture, chrome and "says" tables hold short lines only (counted in spaces, i.e. words - 1).
_SHORT_SPACES = 15
# Slack over a header's word budget before the date search is skipped altogether.
_DATE_SEARCH_SLACK = 10
# A "NAME wrote:" cue line is at most this long.
_MAX_CUE_CHARS = 80
# Per-comment chrome ("Reply", "Report this comment", "Like · Share") is short.
_MAX_CHROME_CHARS = 60
# A comment counter anywhere in a line ("Posted in News | 5 Comments") is looked for in short lines.
_MAX_COUNTER_CHARS = 100


def _classify(raw_lines: list[tuple[str, int, str | None]]) -> list[_Line]:
    """The classified pieces of the non-blank lines, each with the index of its input line."""
    lines: list[_Line] = []
    blank = False
    seen: dict[str, _Line] = {}  # a page repeats "Reply", "Share", bullets...: classify each text once
    for src, (text, indent, hint) in enumerate(raw_lines):
        if not text:
            blank = True  # blank lines carry the layout
            continue
        # Most lines have no column gap and no footer cue: one piece.
        pieces = _pieces(text) if "      " in text or _may_hold_footer(text) else (text,)
        for piece in pieces:
            known = seen.get(piece)
            if known is None:
                ln = seen[piece] = _classify_one(piece, indent, hint, blank, src)
            else:
                ln = _Line(
                    piece, known.core, indent, hint, blank, known.furniture, known.chrome, known.opener,
                    known.count, known.date, src=src,
                )  # fmt: skip
            if ln.date is not None and not blank and lines and _is_profile_label(lines[-1]):
                ln = replace(ln, date=None, chrome=True)  # (a copy: `seen` holds the first one)
            lines.append(ln)
            blank = False
    return lines


def _is_profile_label(ln: _Line) -> bool:
    """A forum profile's sign-up label alone on its line, its date on the next ("Joined" / "Nov 20,
    2023": a <dl> in a text dump, XenForo's and Invision's user cards)."""
    return len(ln.core) <= _MAX_PROFILE_LABEL_CHARS and _PROFILE_DATE_LABEL.fullmatch(ln.core) is not None


def _classify_one(text: str, indent: int, hint: str | None, blank: bool, src: int) -> _Line:
    # Bullets, list numbers and [image] placeholders never start with a letter (but "o" bullets do).
    first = text[0]
    core = text if first.isalpha() and first != "o" else (strip_lead_markers(text).strip() or text)
    if first == "[" and _BRACKET_NAME.match(text):
        core = text  # "[deleted] · 1 hour ago": the bracket is the name, not an image placeholder
    if core.endswith(_BADGE_ENDS):
        core = _unglue_badge(core)
    if "vatar" in core or "rofile" in core:
        core = _without_avatar_alt(core)
    ln = _Line(text, core, indent, hint, blank, src=src)
    if len(core) <= _MAX_CLASSIFIED_CHARS:
        spaces = core.count(" ")
        short = spaces <= _SHORT_SPACES
        digit = _HAS_DIGIT.search(core) is not None
        ln.date = _line_date(core, spaces, digit)
        if ln.date is not None and _PROFILE_DATE_LABEL.search(core, 0, ln.date.start):
            ln.date = None  # "Joined: Fri Feb 09, 2024": a forum profile's sign-up date, no post's;
            ln.chrome = True  # and the profile is no part of what the reader wrote
        ln.furniture = _line_furniture(core, short)
        if _is_chrome(core, spaces):
            ln.chrome = True
        _mark_opener(ln, core, short, digit)
    if ln.furniture is None and _is_post_footer(core):
        ln.furniture = "post footer"  # at any length: inscriptis gives the footer one long line
    elif ln.furniture is None and len(core) > _MAX_CLASSIFIED_CHARS and _opens_site_notice(core):
        ln.furniture = "site notice"  # inscriptis and a browser's innerText give it one long line too
    if hint == CONTROLS_HINT:
        ln.chrome = True  # buttons alone on their line: controls, whatever their words
    elif not ln.chrome and (core == "o" or (not _HAS_ALNUM.search(core) and _DECORATION.fullmatch(core))):
        ln.chrome = True  # rules, bullets (inscriptis' lone "o"), stars: decoration (emoji-only is not)
    return ln


_REACTION_FIRST = frozenset(_REACTION_MARKS)
# A text dump shows an avatar's alt text before the name it belongs to: "Brett_W's avatar Brett_W 2h",
# "Avatar of Ann Lee Ann Lee · 3 days ago" (OpenWeb, WordPress).
_AVATAR = r"(?:avatar|profile (?:picture|photo|image))"
_AVATAR_ALT_AFTER = re.compile(rf"^(?P<n>[^\s'’].{{0,39}}?)['’]s? {_AVATAR}\s+(?=(?P=n)\b)", re.I)
_AVATAR_ALT_BEFORE = re.compile(rf"^{_AVATAR}(?: (?:of|for))? (?P<n>\S.{{0,39}}?)\s+(?=(?P=n)\b)", re.I)
# ... or on a line of its own, over the name ("Marcus T. Bell's avatar").
_AVATAR_ALT_LINE = re.compile(
    rf"[^\s'’].{{0,39}}?['’]s? {_AVATAR}|{_AVATAR}(?: (?:of|for) \S.{{0,39}})?", re.I
)


def _without_avatar_alt(core: str) -> str:
    return _AVATAR_ALT_BEFORE.sub("", _AVATAR_ALT_AFTER.sub("", core, count=1), count=1)


def _is_chrome(core: str, spaces: int) -> bool:
    """A comment widget's own words: its buttons and counts, who reacted, an avatar's alt text."""
    # (lynx's "(BUTTON)" marks do not count: "(BUTTON) Reply (BUTTON) Share" is as short as "Reply Share")
    size = len(core) - core.count(LYNX_BUTTON) * len(LYNX_BUTTON)
    if size <= _MAX_CHROME_CHARS and (
        _CHROME_RX.fullmatch(core) or _all_chrome_tokens(core) or (spaces and chrome_pieces(core))
    ):
        return True
    if core[0] in _REACTION_FIRST and REACTIONS.fullmatch(core):
        return True  # who reacted to the post
    return ("vatar" in core or "rofile" in core) and _AVATAR_ALT_LINE.fullmatch(core) is not None


def _opens_site_notice(core: str) -> bool:
    """A long line that opens with a site notice ("This page is best viewed in ..."): searched only at
    its start, as a paragraph of the article may quote one."""
    return core[:5].lower() == "this " and _SITE_NOTICE_IN_LINE.match(core) is not None


def _is_post_footer(core: str) -> bool:
    """A blog engine's post footer: "This entry was posted in ...", "Bookmark the permalink." """
    return core[:20].lower().startswith(_POST_FOOTER_OPENINGS) and _POST_FOOTER.match(core) is not None


# A role badge glued to the stamp before it ("@danawells 1 hour agoStaff": giscus's header in a text
# dump) hides the stamp's word end. The words a badge (lexicon.ROLE_BADGE) ends in: a cheap pre-test.
_BADGE_ENDS = (
    "Staff", "team", "Moderator", "Mod", "Admin", "Administrator", "Author", "Editor", "Verified",
    "Subscriber", "Owner", "Contributor", "Collaborator", "Commenter",
)  # fmt: skip
_GLUED_BADGE = re.compile(rf"(?<=[a-z0-9]){ROLE_BADGE}$")


def _unglue_badge(core: str) -> str:
    """The core with a space before a badge glued to a stamp that ends right there (a badge glued to a
    name, "Dana WellsStaff", is cut with the name: comments._ROLE_BADGE)."""
    m = _GLUED_BADGE.search(core)
    if m is None:
        return core
    hit = find_date(core[: m.start()])
    return f"{core[: m.start()]} {core[m.start() :]}" if hit is not None and hit.end == m.start() else core


def _glued_day(core: str, spaces: int) -> bool:
    """A short line with a day glued to the name before it (the date search skips long prose)."""
    return spaces <= _MAX_HEADER_WORDS + _DATE_SEARCH_SLACK and _GLUED_DAY.search(core) is not None


def _line_date(core: str, spaces: int, digit: bool) -> DateHit | None:
    """The date of a would-be header line, or a "NAME wrote:" cue standing for one (`spaces`: its
    count of spaces, `digit`: whether it holds a digit)."""
    date = None
    # A header holds at most a dozen words besides its date: longer prose needs no date search.
    if spaces <= _MAX_HEADER_WORDS + _DATE_SEARCH_SLACK:
        date = find_date(core, has_digit=digit)
    if (
        date is None
        and digit
        and (
            ":" in core
            or core[-4:].lower() == " ago"
            or _GLUED_REL.search(core)
            or _GLUED_OPENING.search(core)
            or _glued_day(core, spaces)
            or core[core.rfind(" ") + 1 :].casefold() in REL_LAST_WORDS
        )
    ):
        # (a colon for a time, "ago" in any case for a relative stamp: cheap tests first). The name before
        # the date is a few words; the date itself may be many ("12 de marzo de 2024 a las 14:03").
        first_digit = _FIRST_DIGIT.search(core)
        name = _REPLY_BEFORE.sub("", core[: first_digit.start()]) if first_digit is not None else ""
        if first_digit is not None and name.count(" ") < _MAX_GLUED_SPACES:
            date = _glued_date(core)
    if date is not None and _header_words(core) - len(date.raw.split()) > _MAX_HEADER_WORDS:
        date = None
    # "alice wrote:" (or "alice said,") heads a comment even when the page shows no date.
    cue = date is None and len(core) <= _MAX_CUE_CHARS and core.endswith((":", "...", "…", ","))
    if cue and _SAYS_LINE.fullmatch(core):
        date = DateHit(len(core), len(core), "", "cue", False)
    return date


# A sign-up label alone on its line is at most this long ("Mitglied seit:", "Registriert seit:").
_MAX_PROFILE_LABEL_CHARS = 24
# The label of a forum profile's sign-up date, right before the date; a text dump may glue it to the
# profile's previous line ("New MemberJoined:", "Posts: 3Joined:").
_PROFILE_DATE_LABEL = re.compile(
    r"(?:(?<![^\W\d_])|(?<=[a-z])(?=[A-Z]))"
    r"(?i:joined|registered|member since|mitglied seit|registriert(?: seit)?|dabei seit"
    r"|inscrit(?: le| depuis)?|inscription|miembro desde|registrado(?: desde)?|iscritto(?: il| dal)?"
    r"|lid sinds|geregistreerd)\s*(?i:on)?:?\s*$"
)
# A name glued to its date ("Wesley Fryer10/8/12 8:26 PM", "seetfeiAugust 5, 2012 4:21 AM": a text
# dump of two adjacent elements) is looked for in short lines only, and the date must start right
# where the name stops: at a digit (also after an initial's dot: "Oskar B.45 minutes ago"), or at a
# capitalised English month after a small letter or a dot.
_MAX_GLUED_SPACES = 6
# A relative stamp ("3 hours ago") glued to what stands before it is a header only after a name: a
# display name runs to three words, a fourth is a sentence.
_MAX_GLUED_NAME_WORDS = 3
# Arabic opens a relative stamp with its word ("منذ 3 ساعات"): a name may be glued before that word.
_AR_STAMP_OPENING = r"(?:منذ|قبل)\s+\d"
# Other languages open it with a word too: "Joana Mexiahá 2 horas", "Ana Ruizhace 3 horas".
_STAMP_OPENING = r"(?:há|hace|il y a|vor|acum|před|pred|πριν από|för|for)\s+\d"
_GLUED_OPENING = re.compile(rf"(?<=[^\W\d_.])(?={_STAMP_OPENING})")
_GLUE = re.compile(
    r"[^\W\d_]\.?(?=\d)|(?<=[a-z0-9.])(?=(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d)"
    rf"|(?<=[^\W\d_])(?={_AR_STAMP_OPENING})"  # "محمد الإدريسيمنذ 3 ساعات"
    rf"|{_GLUED_OPENING.pattern}"
)
_GLUED_REL = re.compile(_AR_STAMP_OPENING)
# ("NAME in reply to NAME2" before a glued stamp: the first name is the one counted)
_REPLY_BEFORE = re.compile(rf"\s+{REPLY_CUE}\s.*$", re.I)
_FIRST_DIGIT = re.compile(r"\d")
# A day glued to the name before it, then a space or the rest of a numeric date: "Dimas Pratama10 Februari
# 2024 pukul 21.14" (Blogger), "Opettaja eläkkeellä12.3.2025 klo 22.40".
_GLUED_DAY = re.compile(r"[^\W\d_]\.?\d{1,2}(?: |[./-]\d)")


def _glued_date(core: str) -> DateHit | None:
    for m in _GLUE.finditer(core):
        k = m.end()
        hit = find_date(core[:k] + " " + core[k:])
        if hit is None or hit.start != k + 1:
            continue
        if hit.has_time:
            return DateHit(k, hit.end - 1, hit.raw, hit.kind, True)
        # "Marta Quinn3 hours ago": a widget drawn by script has no space between the name's element
        # and the stamp's; the stamp must end the line, after a name of a few words.
        name = _REPLY_BEFORE.sub("", core[:k])
        if hit.kind == "rel" and hit.end == len(core) + 1 and len(name.split()) <= _MAX_GLUED_NAME_WORDS:
            return DateHit(k, hit.end - 1, hit.raw, hit.kind, False)
    return None


# Every section word _COUNT_ANY knows holds one of these: a line matches re.IGNORECASE only where its
# lower-case form holds one (service/textcase.py: the few characters where that fails).
_SECTION_STEMS = (
    "comment", "kommentar", "discussion", "comentario", "comentário", "reacties", "réaction", "تعليق",
    "القراء", "diskus", "discus", "koment", "комментар", "коментар", "yorum", "kommentit", "hozzászól",
    "comentari", "komment", "σχόλι", "תגוב", "نظر", "دیدگاه", "टिप्पणि", "bình luận", "ý kiến",
    "ulasan", "rasprava", "maoni", "conversation", "评论", "評論", "コメント", "댓글",
)  # fmt: skip
_COMMENT_STEMS = ("comment", "kommentar", "post", "contribution", "réaction")  # the same for _COMMENT_WORD
# The same for _POLICY_WORD ("rules" covers "house rules").
_POLICY_STEMS = (
    "moderat", "guideline", "rules", "policy", "abusive", "offensive", "libel", "violat", "netiquette",
    "opinions expressed", "respectful", "règles", "charte", "richtlinien", "nutzungsbedingungen",
    "terms of ",
)  # fmt: skip


def _may_name_section(core: str) -> bool:
    return may_hold(lower_for_words(core), _SECTION_STEMS)


def _may_name_comments(core: str) -> bool:
    return may_hold(lower_for_words(core), _COMMENT_STEMS)


def _may_be_policy(core: str) -> bool:
    """Whether `core` may match both _COMMENT_WORD and _POLICY_WORD: each needs one of its words in
    the lower-cased text (most long lines have a comment word, "post": the policy words decide)."""
    low = lower_for_words(core)
    return may_hold(low, _COMMENT_STEMS) and may_hold(low, _POLICY_STEMS)


def _may_be_site_notice(core: str) -> bool:
    """Whether `core` may match _SITE_NOTICE_IN_LINE (re.I): it needs one of its words in any case.
    (Spelled out rather than `may_hold`: this runs on every classified line, and its generator would
    cost more than the lower-casing.)"""
    low = lower_for_words(core)
    return (
        low is None
        or _SITE_NOTICE_WORDS[0] in low
        or _SITE_NOTICE_WORDS[1] in low
        or _SITE_NOTICE_WORDS[2] in low
    )


_GLUED_LABEL = re.compile(r"[A-Z][a-z]{1,12}(?=[A-Z][a-z])")


def _line_furniture(core: str, short: bool) -> str | None:
    # An image's placeholder ("[c31]") is furniture that, unlike a button ("[Submit]"), does not end a
    # comment section.
    if core.startswith("[") and _IMAGE_PLACEHOLDER.fullmatch(core):
        return "image placeholder"
    m = (_FURNITURE_RX if short else _LONG_FURNITURE_RX).fullmatch(core)
    if m and m.lastgroup:
        return _FURNITURE_REASON[m.lastgroup]
    if _may_be_site_notice(core) and _SITE_NOTICE_IN_LINE.search(core):
        return "site notice"
    glued = _GLUED_LABEL.match(core) if short else None
    if glued:  # a button's label glued to the next one in w3m: "PostPost a New Comment"
        m = _FURNITURE_RX.fullmatch(core[glued.end() :])
        if m and m.lastgroup and _FURNITURE_REASON[m.lastgroup] == "comment form":
            return "comment form"
    if short and ("|" in core or "·" in core or "•" in core):
        return _furniture_bar(core)
    if "[" in core and _FORM_FIELD.search(core):
        return "form field"
    if not short and _may_be_policy(core) and _COMMENT_WORD.search(core) and _POLICY_WORD.search(core):
        return "comment policy"
    return None


# Not _IMAGE_PLACEHOLDER: that one takes "[10]", and "Comments [10]" states a count.
_TRAILING_PLACEHOLDER = re.compile(r"\s+\[[a-z_][\w\-. ]{0,40}\]$", re.I)


def _mark_opener(ln: _Line, core: str, short: bool, digit: bool) -> None:
    """A comment-section opener ("14 comments", "5 thoughts on", "Kommentare") and its count."""
    o = None
    if core.endswith("]"):  # an image's placeholder after the heading in w3m: "Comments [icon_comments]"
        core = _TRAILING_PLACEHOLDER.sub("", core)
    if short or digit or core[:5].lower() == "there":  # "34 responses to “a long title”"
        o = _OPENER_RX.fullmatch(core) or (
            (_COUNT_ONLY.fullmatch(core) or _GLUED_COUNT.fullmatch(core)) if digit else None
        )
    if o is None and digit and len(core) <= _MAX_COUNTER_CHARS and _may_name_section(core):
        o = _COUNT_ANY.search(core)
    if o and (date_end := _date_around_count(core, o) or _copyright_year(core, o)) is not None:
        # "Posted on November 1, 2012  Comments (0)": 2012 is the date's year; a count may follow the date.
        o = _COUNT_ANY.search(core, date_end) if len(core) <= _MAX_COUNTER_CHARS else None
    if not o:
        return
    ln.opener = True
    groups = o.groupdict()
    n = next((groups[g] for g in _COUNT_GROUPS if groups.get(g)), None)
    if (two := _TWO_PART_COUNT.fullmatch(core)) is not None:
        ln.count = sum(int(re.sub(r"\D", "", two[g])) for g in ("a", "b"))
    elif n:
        ln.count = int(re.sub(r"\D", "", n))  # "3,412"
    elif groups.get("w"):
        ln.count = _WORD_NUMS.get(groups["w"].lower())


# The groups of the opener patterns (lexicon._OPENER_ALTS, _COUNT_ANY ...) that hold a stated count.
_COUNT_GROUPS = ("n", "n2", "n3", "n4", "n5", "n6")


def _date_around_count(core: str, o: re.Match[str]) -> int | None:
    """Where the date that holds `o`'s count ends, or None when the count is no part of a date: in
    "Posted: 11/01/2012 Comments (4)" or "2012-11-01 Comments (3)" the number is the date's."""
    group = next((g for g in _COUNT_GROUPS if o.groupdict().get(g)), None)
    if group is None:
        return None
    date = find_date(core, has_digit=True)
    if date is None or date.start > o.start(group) or o.end(group) > date.end:
        return None
    return date.end


# A copyright notice's sign right before the count: "© 2012 Comments" (a footer's year, then its links).
_COPYRIGHT_SIGN = re.compile(r"(?:©|\(c\)|copyright)\s*$", re.I)


def _copyright_year(core: str, o: re.Match[str]) -> int | None:
    """Where the year ends when `o`'s count is a copyright notice's year, else None."""
    group = next((g for g in _COUNT_GROUPS if o.groupdict().get(g)), None)
    if group is None or not _COPYRIGHT_SIGN.search(core, 0, o.start(group)):
        return None
    return o.end(group)


_BAR_SPLIT = re.compile(r"\s*[|·•]\s*")


def _furniture_bar(core: str) -> str | None:
    """ "Terms of Service | Privacy Policy | Contact Us": a bar whose every cell is furniture is too."""
    cells = [c for c in _BAR_SPLIT.split(core) if c]
    if len(cells) < 2:
        return None
    reasons = []
    for cell in cells:
        m = _FURNITURE_RX.fullmatch(cell)
        if not (m and m.lastgroup):
            return None
        reasons.append(_FURNITURE_REASON[m.lastgroup])
    return reasons[0]


# A label glued by a text browser to the cue after it ("Postby NAME » DATE", "Beitragvon NAME": the
# label sat in its own element, for screen readers). Read apart once this many date lines open with
# the same glued word followed by different names (one poster "Shelby" opening each of her stamps
# repeats what follows too).
_GLUED_CUE = re.compile(r"([^\W\d_]{3,})(by|von|par)\s+(\S+)")
_MIN_GLUED_CUES = 3


# A comment heading quoting the headline ("9 thoughts on “A long headline”") wraps in a text dump: its
# rest, up to the closing quote, is part of the heading, not prose between heading and first comment.
_OPENING_QUOTES = "“«„‘‹"
_CLOSING_QUOTE_END = re.compile(r"[”»“’›\"]\W{0,2}$")
_MAX_HEADING_REST_WORDS = 12


def _join_wrapped_openers(lines: list[_Line]) -> None:
    """Marks the rest of a wrapped comment heading as that heading."""
    for i in range(len(lines) - 1):
        ln, rest = lines[i], lines[i + 1]
        if not ln.opener or rest.blank_before or rest.opener or rest.date is not None:
            continue
        text = ln.core
        quoted = max(map(text.rfind, _OPENING_QUOTES))
        if quoted < 0 or any(c in text[quoted + 1 :] for c in "”»“’›"):  # („…“ closes with “)
            continue  # no quote, or it closes on the heading's own line
        if _CLOSING_QUOTE_END.search(rest.core) and len(rest.core.split()) <= _MAX_HEADING_REST_WORDS:
            rest.furniture = "comment section heading"


# A compact time ("2d", "5 h") is a stamp only beside a separator ("Reply · 2d"); BeautifulSoup's
# get_text("\n") puts the separator on a line of its own ("Like" / "·" / "Reply" / "·" / "2d").
_SEPARATOR_LINE = re.compile(r"[·•|]")


# Beside a comment form's field label: its other labels and notices, and its text boxes ("[      ]" in w3m).
_FORM_NEIGHBOURS = ("comment form", "form field")


def _form_line(ln: _Line) -> bool:
    return (
        ln.furniture in _FORM_NEIGHBOURS
        or _COMMENT_FORM_RX.fullmatch(ln.core) is not None
        or _ALLOWED_TAGS.match(ln.core) is not None
    )


def _button_beside(lines: list[_Line], i: int, step: int) -> bool:
    """A button ("Like") beside line `i` in the same row, past "•" / "|" separator lines and no blank
    line between: "Like • Comment" is a row of buttons, not a heading."""
    j = i + step
    while 0 <= j < len(lines) and _SEPARATOR_LINE.fullmatch(lines[j].core):
        j += step
    if not 0 <= j < len(lines) or not lines[j].chrome or not _HAS_ALNUM.search(lines[j].core):
        return False
    lo, hi = min(i, j), max(i, j)
    return not any(lines[k].blank_before for k in range(lo + 1, hi + 1))


# A filler line beside a form's label: a lone "*" required marker, or a double-escaped blank
# ("&nbsp;" shown as text: the page escaped its own entity).
# (Possessive: its two entities start alike and differ at once, so nothing is given back, and `+` kept
# backtracking state per entity, ~25 bytes per byte of a line of them.)
_FILLER_LINE = re.compile(r"\*|(?:&nbsp;|&#160;)++")


def _past_fillers(lines: list[_Line], j: int, step: int) -> int:
    while 0 <= j < len(lines) and _FILLER_LINE.fullmatch(lines[j].core):
        j += step
    return j


def _unmark_form_labels(lines: list[_Line]) -> None:
    """A line that reads both as a heading and as a form label ("Comment", "Comment:") is the comment
    form's field label when the line beside it (past filler lines) is the form too ("Website" /
    "Comment" / "You may use these HTML tags ...", or its text box), or the line after the one under
    it is, in its block (that one the field's notice); and a button when it stands in a row of buttons
    ("Like • Comment"): no heading promising comments. So is a bare "Comments" right under another
    field's label ("Name (required)" / "Website" / "Comments": the label of a <textarea>, which leaves
    no line of its own)."""
    for i, ln in enumerate(lines):
        if not ln.opener or ln.count is not None:
            continue
        if ln.furniture is None:
            above = _past_fillers(lines, i - 1, -1)
            # (A bare "Email" is as often a share row's button: "Print" / "Email" / "Comments".)
            label = above >= 0 and lines[above].furniture != "share buttons"
            if label and FORM_FIELD_LABEL.fullmatch(lines[above].core):
                ln.opener, ln.furniture = False, "comment form"
            continue
        if ln.furniture != "comment form":
            continue
        for step in (-1, 1):
            j = _past_fillers(lines, i + step, step)
            if (0 <= j < len(lines) and _form_line(lines[j])) or _button_beside(lines, i, step):
                ln.opener = False
                break
        if ln.opener and _form_past_a_notice(lines, i):
            ln.opener = False


def _form_past_a_notice(lines: list[_Line], i: int) -> bool:
    """The form again past one line under the label, in its block ("Comment:" / "Posting indicates you
    have read ..." / "Notify me when there are more comments")."""
    notice = _past_fillers(lines, i + 1, 1)
    k = _past_fillers(lines, notice + 1, 1)
    if k >= len(lines) or any(lines[m].blank_before for m in range(i + 1, k + 1)):
        return False
    return _form_line(lines[k])


# A sidebar's tab row: this many tab names beside a "Comments" tab.
_MIN_WIDGET_TABS = 2


def _beside(lines: list[_Line], i: int, step: int) -> int:
    """The next line from `i` in direction `step` past decoration ("●" in w3m), or -1 / len(lines)."""
    j = i + step
    while 0 <= j < len(lines) and lines[j].chrome and not _HAS_ALNUM.search(lines[j].core):
        j += step
    return j


def _same_block(lines: list[_Line], a: int, b: int) -> bool:
    return not any(lines[k].blank_before for k in range(min(a, b) + 1, max(a, b) + 1))


def _tabs_beside(lines: list[_Line], i: int) -> int:
    """How many widget tab names ("Popular", "Recent", "Tags") run on from line `i`, in its block."""
    n = 0
    for step in (-1, 1):
        j = _beside(lines, i, step)
        while 0 <= j < len(lines) and _same_block(lines, i, j) and WIDGET_TAB.fullmatch(lines[j].core):
            n += 1
            j = _beside(lines, j, step)
    return n


def _unmark_feed_links(lines: list[_Line]) -> None:
    """A bare heading ("Comments") beside a feed list's other item in its block ("Posts" / "Comments" /
    "Atom": Blogger's "Subscribe To" widget; "Full" / "Comments": WordPress.com's feeds) is a feed link,
    and one among a sidebar's tabs ("Comments" / "Popular" / "Recent") a tab: no heading promising
    comments."""
    for i, ln in enumerate(lines):
        if not ln.opener or ln.count is not None or ln.furniture is not None:
            continue
        near = [j for j in (_beside(lines, i, -1), _beside(lines, i, 1)) if 0 <= j < len(lines)]
        if any(_same_block(lines, i, j) and FEED_LIST_ITEM.fullmatch(lines[j].core) for j in near):
            ln.opener, ln.furniture = False, "newsletter and subscription"
        elif _tabs_beside(lines, i) >= _MIN_WIDGET_TABS:
            ln.opener, ln.furniture = False, "site chrome"


def _date_after_separator_line(lines: list[_Line]) -> None:
    for prev, ln in itertools.pairwise(lines):
        if ln.date is None and not ln.blank_before and _SEPARATOR_LINE.fullmatch(prev.core):
            hit = find_date(f"{prev.core} {ln.core}") if len(ln.core) <= 8 else None
            if hit is not None and hit.start == len(prev.core) + 1:
                ln.date = hit._replace(start=0, end=hit.end - hit.start)


def _unglue_cues(lines: list[_Line]) -> None:
    """Splits the glued cue in the lines' core (their text stays as written) and shifts the date."""
    seen: dict[str, set[str]] = {}
    for ln in lines:
        m = _GLUED_CUE.match(ln.core) if ln.date is not None else None
        if m is not None and m.end(2) <= ln.date.start:  # type: ignore[union-attr]
            seen.setdefault(m[1] + m[2], set()).add(m[3])
    glued = {w for w, names in seen.items() if len(names) >= _MIN_GLUED_CUES}
    if not glued:
        return
    for ln in lines:
        d = ln.date
        m = _GLUED_CUE.match(ln.core) if d is not None else None
        if d is not None and m is not None and m[1] + m[2] in glued and m.end(2) <= d.start:
            k = m.end(1)
            ln.core = f"{ln.core[:k]} {ln.core[k:]}"
            ln.date = d._replace(start=d.start + 1, end=d.end + 1)


# A name cell over a text cell whose first line starts with the stamp (a table row's "NAME<br>STAMP"
# cell as lynx writes it: "Rui B." / "há 4 horas Também acho, ..."): the stamp is the header's, the rest
# the comment's first line. It takes this many such lines on the page (the thread's habit): one name over
# one dated sentence is a byline over a dateline.
_MIN_LEADING_STAMPS = 2
# A name line above such a stamp: at most this many words (particles count: "Maria da Graça Costa").
_MAX_NAME_ABOVE_WORDS = 4
_NAME_ABOVE = re.compile(r"[^\W\d][\w'’.-]*(?: [\w'’.-]+)*")
# The text after the stamp: a capitalised sentence of at least this many words.
_MIN_TEXT_AFTER_STAMP_WORDS = 3


def _is_name_above(ln: _Line) -> bool:
    core = ln.core
    if ln.date is not None or ln.chrome or ln.opener or ln.furniture is not None:
        return False
    if len(core.split()) > _MAX_NAME_ABOVE_WORDS or not _NAME_ABOVE.fullmatch(core):
        return False
    return not core.endswith(".") or _FINAL_INITIAL.search(core) is not None  # "Rui B." is a name


def _leading_stamp(prev: _Line, ln: _Line) -> DateHit | None:
    """The stamp that starts `ln`, right under a name line, when a capitalised sentence follows it."""
    if ln.blank_before or not _is_name_above(prev):
        return None
    if ln.date is None and DATE.match(ln.core) is None:
        return None  # (an anchored match first: find_date searches the whole of a long line)
    hit = ln.date if ln.date is not None else find_date(ln.core)
    if hit is None or hit.start != 0:
        return None
    rest = ln.core[hit.end :].strip()
    if not rest[:1].isupper() or len(rest.split()) < _MIN_TEXT_AFTER_STAMP_WORDS:
        return None
    return hit


def _split_leading_stamps(lines: list[_Line]) -> list[_Line]:
    """Splits "STAMP Text ..." under a name line into the stamp and the text, once the page does it
    `_MIN_LEADING_STAMPS` times; both pieces keep the input line's index."""
    found = {i: hit for i in range(1, len(lines)) if (hit := _leading_stamp(lines[i - 1], lines[i]))}
    if len(found) < _MIN_LEADING_STAMPS:
        return lines
    out: list[_Line] = []
    for i, ln in enumerate(lines):
        hit = found.get(i)
        if hit is None:
            out.append(ln)
            continue
        stamp, rest = _cut_text(ln, hit.end)
        out.append(_classify_one(stamp, ln.indent, ln.hint, ln.blank_before, ln.src))
        out.append(_classify_one(rest.strip(), ln.indent, ln.hint, False, ln.src))
    return out


def _cut_text(ln: _Line, k: int) -> tuple[str, str]:
    """`ln.text` cut where its core's k-th character stands: a bullet or placeholder the core left out
    stays in the first piece, so that the pieces still rebuild the input line."""
    lead = len(ln.text) - len(ln.core)
    if lead >= 0 and ln.text.endswith(ln.core):
        return ln.text[: lead + k], ln.text[lead + k :]
    return ln.core[:k], ln.core[k:]


# A comment counter with the first comment's stamp after it on one line: Discourse's "Continue Discussion
# 9 replies" heading and the first post's "12 Mar" are inline elements, one line in a text dump (lynx:
# "9 replies12 Mar").
_COUNTER_THEN_REST = re.compile(r"(.{0,60}?\b\d{1,6}\s+(?:replies|comments|posts))\s*(\S.{0,40})", re.I)


def _split_counter_stamps(lines: list[_Line]) -> list[_Line]:
    """Splits "COUNTER STAMP" into the counter (an opener) and the stamp (a date alone)."""
    out: list[_Line] = []
    for ln in lines:
        m = _COUNTER_THEN_REST.fullmatch(ln.core) if not ln.opener and ln.date is None else None
        if m is not None:
            head = _classify_one(_cut_text(ln, m.end(1))[0], ln.indent, ln.hint, ln.blank_before, ln.src)
            stamp = _classify_one(m[2], ln.indent, ln.hint, False, ln.src)
            alone = stamp.date is not None and (stamp.date.start, stamp.date.end) == (0, len(m[2]))
            if head.opener and alone:
                out += (head, stamp)
                continue
        out.append(ln)
    return out


# A reply's name line naming its parent: "oldgitgeoff in reply to ↵ MancunianMarge" (The Guardian).
_REPLY_NAMED = re.compile(
    rf"\S+(?:\s+\S+){{0,2}}\s+(?:replied to|responded to|{REPLY_CUE})\s*[↵↪→►▸]?\s*@?\S+(?:\s+\S+){{0,2}}",
    re.I,
)


def _is_header_name(ln: _Line) -> bool:
    """A name line over a date: a name, a name with where the reader writes from, a reply's names."""
    return _is_name_like(ln) or _is_placed_name(ln) or _is_reply_named(ln)


def _is_reply_named(ln: _Line) -> bool:
    return ln.date is None and not ln.opener and _REPLY_NAMED.fullmatch(ln.core) is not None


# "Margaret Oyelaran, Leeds, UK": a letters page's signature, the name and where the reader writes from
# (each part a few capitalised words).
_PLACED_NAME = re.compile(
    r"(?-i:[A-Z\u00c0-\u00de])[\w.'’-]*(?:\s+(?-i:[A-Z\u00c0-\u00de])[\w.'’-]*){0,3}"
    r"(?:\s?,\s+(?-i:[A-Z\u00c0-\u00de])[\w.'’-]*(?:\s+[\w.'’-]+){0,2}){1,2}"
)


def _is_placed_name(ln: _Line) -> bool:
    return (
        ln.date is None
        and ln.furniture is None
        and not ln.chrome
        and _PLACED_NAME.fullmatch(ln.core) is not None
    )
