"""Stage 3: authors, dates, threading and per-comment chrome of the found comments."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from core.records import Comment
from service.dates import DATE, REPLY_CUE, REPLY_NAME, DateHit, to_iso
from service.parse.body import _BULLET_START
from service.parse.habits import _ROLE_BADGE, without_habits
from service.parse.headers import _Header, _is_reply_row, _is_section_end
from service.parse.lexicon import (
    _CHROME_WORDS,
    _FUNCTION_WORDS,
    _HAS_DIGIT,
    _IMAGE_PLACEHOLDER,
    _LIKE_PHRASE,
    _NAME_PARTICLES,
    _NAME_STRIP,
    _PAREN_NUM,
    _REPORT_PHRASE,
    _ROLE_LINE,
    _TOKEN,
    SCORE_WORDS,
    _all_chrome_tokens,
    _ends_sentence,
    reads_english,
    strip_lead_markers,
)
from service.parse.lines import (
    _BRACKET_NAME,
    _PROSE_LINE_WORDS,
    _Line,
)
from service.parse.sectiongate import _PRONOUNS
from service.parse.shapes import button_tail, shared_button_row

log = logging.getLogger(__name__)


# "12 points", "3 likes", "(Score:4, Insightful)": a header's counters are not part of the name.
_SCORE = re.compile(
    rf"\b\d+\s*(?:{SCORE_WORDS}|karma)\b|\(score:[^)]*\)"
    r"|(?<![\w+\-−])[+\-−]\d{1,6}(?![\w.,])",  # votes up and down ("+34 / −3")
    re.I,
)
_EMAIL_ISH = re.compile(r"<[^>]{1,80}>")
_BY_CUE = re.compile(
    r"\b(?:posted by|written by|submitted by|geschrieben von|kommentar von|by|par)\b\s*:?\s*", re.I
)
_SAYS_CUE = re.compile(
    r"\s+(?:says|said|sagt|schreibt|écrit|a écrit|wrote|writes|dit|commented|replied|responded|antwortete|a répondu|schreef|zei|ha detto|ha scritto|scrive|escribió|escribio|escreveu|disse|dijo|comentó|comentou)\b.*$",  # noqa: E501
    re.I,
)
# "ann replied to bob · 2h", "ann ▸ bob", "ann in reply to bob": the header names the parent's author.
_HEADER_REPLY_TO = re.compile(
    rf"\s+(?:replied to|responded to|antwortete auf|a répondu à|▸|►|→|(?:[↪↳⤷➥]\s*)?{REPLY_CUE})"
    r"\s+(?:↵\s*)?@?(?P<to>.+)$",
    re.I,
)
# An action link glued to the comment's number in a text dump: "Reply#2 - Tue Jul 24, 2012 10:35 AM".
# (The number is already an ID mark here.)
_GLUED_ACTION = re.compile(r"^\W*(?:reply|quote|report|flag)\s*(?=\x00|#\d)", re.I)
_GLUED_VERB = re.compile(r"([a-z0-9])(wrote|writes|said|says|replied|responded|commented)(?=\s|:|$)")
# "@lpark" then "lpark": an avatar's alt text and the login beside it, with or without a space.
_DOUBLED_HANDLE = re.compile(r"(?<![\w@])@(\w[\w.-]*?) ?\1(?![\w.-])")
_MIN_DOUBLED_HANDLES = 2
_ID_MARK = "\x00"
_ID_MARK_RX = re.compile(_ID_MARK)


def _header_text(lines: list[_Line], h: _Header) -> str:
    parts: list[str] = []
    for j in range(h.start, h.end + 1) if h.name is None else (h.name,):
        ln = lines[j]
        if ln.furniture == "site chrome" and not ln.core.strip("[]"):
            continue
        core = ln.core if _BRACKET_NAME.match(ln.core) else strip_lead_markers(ln.core)
        if j > h.anchor:
            core = _ID_MARK + " " + core  # a line below the date: its own stretch ("DATE" / NAME / rank)
        if ln.date is not None and j == h.anchor:
            core = core[: ln.date.start] + " " + _ID_MARK + " " + core[ln.date.end :]
        if ln.date is not None:
            core = DATE.sub(" " + _ID_MARK + " ", core)  # "· edited 6 years ago": a second date is no name
        core = _EMAIL_ISH.sub(" ", core)
        core = _SCORE.sub(" ", core)
        core = _PAREN_NUM.sub(" " + _ID_MARK + " ", core)
        if h.start < j < h.anchor and _ROLE_LINE.fullmatch(ln.core):
            continue  # a role badge on a line of its own between the name and the date ("Staff")
        if parts and parts[-1].split() == _ROLE_BADGE.sub("", core.split(_ID_MARK, 1)[0].strip()).split():
            parts.pop()  # an avatar's alt text (the name) on the line above the name itself
        elif parts and len(parts[-1]) == 1 and parts[-1].isalpha() and parts[-1] == core[:1].upper():
            parts.pop()  # a letter avatar: the name's initial above it ("M" / "Marta Quinn", Commento)
        parts.append(core)
    return " ".join(parts)


# A "by" cue further into the header than this many words is prose ("written by"), not a name cue.
_MAX_WORDS_BEFORE_BY = 6
# A token in this share of the headers (and at least three headers) is a template word, not a name ...
_TEMPLATE_SHARE = 0.7
_MIN_HEADERS_FOR_TEMPLATE = 3
# ... unless it stands alone in more than half of them: a reader who wrote most of the thread.
_BESIDE_SHARE = 0.5
# Longer names are cut: no reader's display name runs longer.
_MAX_AUTHOR_WORDS = 8


def _no_name(text: str) -> bool:
    """An image's placeholder ("[icon_delete]") or glued buttons ("ReplyDelete") beside the date; counts
    alone are no buttons (a reader called "4-6-3")."""
    glued = any(c.isalpha() for c in text) and _all_chrome_tokens(text)
    return bool(_IMAGE_PLACEHOLDER.fullmatch(text)) or glued


def _authors(
    lines: list[_Line], headers: list[_Header], reply_to: dict[int, str] | None = None
) -> list[str | None]:
    """Each header's author; `reply_to` (when given) collects header index -> replied-to name."""
    if reply_to is None:
        reply_to = {}
    raw = [_GLUED_ACTION.sub("", _header_text(lines, h)) for h in headers]
    raw = _without_button_rows(lines, headers, raw)
    # "Gefällt mir · Antworten · 2 Tg.": a two-word "Like" is one action word, not a name ("Báo vi
    # phạm", report, neither).
    raw = [_LIKE_PHRASE.sub("like", _REPORT_PHRASE.sub("report", t)) for t in raw]
    # An avatar's alt text runs into the login beside it ("@lparklpark"; lynx: "@lpark lpark", giscus):
    # read once when two or more headers do it (the widget's habit: one "@mimi" keeps her name).
    if sum(1 for t in raw if _DOUBLED_HANDLE.search(t)) >= _MIN_DOUBLED_HANDLES:
        raw = [_DOUBLED_HANDLE.sub(r"\1", t) for t in raw]
    # A text dump that glues the name to its verb ("Big Daddywrote on ...", "Annresponded to Bob") does
    # it in every header: learned per page, so one "Rashid Alsaid" keeps his name.
    if sum(1 for t in raw if _GLUED_VERB.search(t)) >= max(2, _HABIT_SHARE * len(raw)):
        raw = [_GLUED_VERB.sub(r"\1 \2", t) for t in raw]
    texts: list[str] = []
    for text in raw:
        text, to = _header_name_part(text)
        if to is not None:
            reply_to[len(texts)] = to
        texts.append(text)
    all_tokens = [_TOKEN.findall(t) for t in texts]
    constant = _template_words(all_tokens)
    authors: list[str | None] = []
    for toks in all_tokens:
        # A template word ends a name where it stands ("Ann from Leeds" when every header has "from"),
        # but not as a capitalised particle inside one ("Pierre-Yves Le Goff le 3 décembre").
        marked = [
            _ID_MARK if t.lower() in constant and not _inner_particle(toks, k, constant) else t
            for k, t in enumerate(toks)
        ]
        # A count before its template label is the poster's profile, no part of the name: "NAME 4.532
        # Postings", "NAME 87 posts" (a template's function word is no label: "by Beavis 25 on DATE").
        labels = {k for k, t in enumerate(toks) if marked[k] == _ID_MARK != t and not _is_function(t)}
        marked = [_ID_MARK if k + 1 in labels and _is_number(t) else t for k, t in enumerate(marked)]
        kept = _name_stretch(marked)
        text = _clean_name(_ROLE_BADGE.sub("", _BADGE.sub("", " ".join(kept))))
        if text and len(text.split()) > _MAX_AUTHOR_WORDS:
            text = " ".join(text.split()[:_MAX_AUTHOR_WORDS])
        if _no_name(text):
            text = ""
        authors.append(text or None)
    return _split_parent_names(without_habits(authors), reply_to)


# A reply's header may print the replied-to reader's name right after the name, with only an icon
# between ("dlee Marta Quinn • 2 hours ago": Disqus's parent link, an arrow with no text). Read so when
# the tail is the whole name of a reader above, on at least this many headers of the page (a habit of
# the page's widget, so one "Ann Lee" under a reader "Lee" keeps her name).
_MIN_NAMED_PARENTS = 2
# ... unless a reply cue stands before that name ("Rob J.responded to noob": the cue is glued, the name
# is not the widget's).
_CUE_TAIL = re.compile(r"(?:\bto|\bauf|\bà|\ba)$", re.I)


def _split_parent_names(authors: list[str | None], reply_to: dict[int, str]) -> list[str | None]:
    split: dict[int, tuple[str, str]] = {}
    seen: set[str] = set()
    for i, name in enumerate(authors):
        if name and i not in reply_to:
            parent = _longest_seen_tail(name, seen)
            if parent is not None:
                name = _clean_name(_ROLE_BADGE.sub("", name[: -len(parent) - 1].rstrip()))
                if name and not _CUE_TAIL.search(name):
                    split[i] = (name, parent)
        if name:
            seen.add(name)
    if len(split) < _MIN_NAMED_PARENTS:
        return authors
    out = list(authors)
    for i, (name, parent) in split.items():
        out[i] = name
        reply_to[i] = parent
    return out


def _longest_seen_tail(name: str, seen: set[str]) -> str | None:
    """The longest name of `seen` that ends `name` after a space, with something before that space
    (one set look-up per space, not a pass over every name seen: a thread of thousands stays linear)."""
    k = name.find(" ", 1)
    while k != -1:
        if name[k + 1 :] in seen:
            return name[k + 1 :]
        k = name.find(" ", k + 1)
    return None


def _inner_particle(toks: list[str], k: int, constant: set[str]) -> bool:
    """Whether toks[k] is a capitalised name particle between two capitalised words of a name."""
    t = toks[k]
    if not (t[:1].isupper() and t.casefold() in _NAME_PARTICLES and 0 < k < len(toks) - 1):
        return False
    return all(w[:1].isupper() and w.lower() not in constant for w in (toks[k - 1], toks[k + 1]))


def _header_name_part(text: str) -> tuple[str, str | None]:
    """The part of a header's text that can hold the name, and the replied-to name it shows, if any."""
    # Cue words say where a name starts ("Posted by NAME", "BY NAME") and ends ("NAME says:").
    m = None
    for m in _BY_CUE.finditer(text):
        if len(text[: m.start()].split()) <= _MAX_WORDS_BEFORE_BY:
            break
    else:
        m = None
    if m is not None:
        text = text[m.end() :]
    to = None
    r = _HEADER_REPLY_TO.search(text)
    if r:
        # "DATE in reply to BOB" / "ANN" (the name on the next line): Ann's name stays.
        first, *after = _ID_MARK_RX.split(r["to"])
        to = _clean_name(first)
        text = text[: r.start()] + "".join(" " + _ID_MARK + " " + part for part in after)
    return _SAYS_CUE.sub("", text), to


def _without_button_rows(lines: list[_Line], headers: list[_Header], raw: list[str]) -> list[str]:
    """A stamp followed by the row of buttons that most stamps end in ("vandaag om 09:14 · Reageer ·
    Rapporteer · 👍 41"): the buttons are no name, however alike in every header."""
    tails = [button_tail(lines[h.anchor]) if h.start == h.end else None for h in headers]
    shared = shared_button_row(tails, _TEMPLATE_SHARE)
    if shared is None:
        return raw
    return ["" if t == shared else r for t, r in zip(tails, raw, strict=True)]


def _template_words(all_tokens: list[list[str]]) -> set[str]:
    """Tokens present in almost every header: template words ("Thumb", "says:", "permalien"), not names."""
    n = len(all_tokens)
    if n < _MIN_HEADERS_FOR_TEMPLATE:
        return set()
    df: Counter[str] = Counter()
    for toks in all_tokens:
        df.update(set(t.lower() for t in toks))
    constant = {t for t, c in df.items() if c >= _TEMPLATE_SHARE * n and t != _ID_MARK}
    if not constant:
        return constant
    # A template word stands beside another name in most headers that hold it; a name that stands
    # alone is a reader who wrote most of the thread ("Anonymous", "Guest", one arguing with all).
    beside: Counter[str] = Counter()
    for toks in all_tokens:
        low = {t.lower() for t in toks}
        if any(
            t not in constant and t != _ID_MARK and not _is_function(t) and not t.strip(_NAME_STRIP).isdigit()
            for t in low
        ):
            beside.update(low & constant)
    return {
        t for t in constant if beside[t] >= _BESIDE_SHARE * df[t] or t.strip(_NAME_STRIP) in _CHROME_WORDS
    }


def _name_stretch(kept: list[str]) -> list[str]:
    """The name ends at the date or at a user id "(547705)": the first stretch that holds a name."""
    stretches: list[list[str]] = [[]]
    for t in kept:
        if t == _ID_MARK:
            stretches.append([])
        else:
            stretches[-1].append(t)
    for stretch in stretches:
        if all(_is_function(t) or _is_number(t) for t in stretch):
            continue  # only numbers and template words ("level 1", "39 points"): no name here
        while stretch and (
            (_is_function(stretch[0]) and stretch[0].lower() not in _NAME_INITIALS)
            or _is_number(stretch[0])  # list numbers, levels, scores come first
        ):
            stretch.pop(0)
        # A trailing capital is an initial ("Kofi A"), not the word "a".
        while (
            stretch
            and _is_function(stretch[-1])
            and not (len(stretch) > 1 and _INITIAL.fullmatch(stretch[-1]))
        ):
            stretch.pop()
        if stretch:
            return stretch
    return []


# A number, a comment's number ("#12", "1.2", ".1" when a list marker took the "#1"), or a time
# zone after a header's time ("10:14 AM EDT"): never a name.
_NUMBER_TOKEN = re.compile(r"[#.]?\d+(?:\.\d+)*\.?|(?-i:[ECMPA][SD]T|UTC|GMT|BST|CES?T|AES?T|AEDT|IST)")


def _is_number(token: str) -> bool:
    return _NUMBER_TOKEN.fullmatch(token.strip(_NAME_STRIP)) is not None


_NAME_EDGE = _NAME_STRIP.replace("(", "").replace(")", "").replace("[", "").replace("]", "")


# A commenter badge that a text dump glues to the name: "Unregistered CommenterPW" (Squarespace).
_BADGE = re.compile(r"^\W*(?:(?:un)?registered|verified|top) commenter\s*", re.I)


def _clean_name(text: str) -> str:
    """Trim separators and dangling words; keep balanced parentheses ("countSudoku()", "Ann (staff)")."""
    for _ in range(3):
        text = text.strip(_NAME_EDGE)
        text = re.sub(r"\s+(?:on|at|le|am|um|à)$", "", text)
        if text.startswith("(") and text.count("(") > text.count(")"):
            text = text[1:]
        if text.endswith(")") and text.count(")") > text.count("("):
            text = text[:-1]
        if text.startswith("[") and text.count("[") > text.count("]"):
            text = text[1:]
        if text.endswith("]") and text.count("]") > text.count("["):
            text = text[:-1]
    return text.strip(_NAME_EDGE)


_INITIAL = re.compile(r"[A-Z]\.?")
_NAME_INITIALS = frozenset({"a", "le", "la", "de", "von", "am"})  # "A Simple Life", "Le Corbusier"


def _is_function(token: str) -> bool:
    t = token.lower().strip(_NAME_STRIP)
    return not t or t in _FUNCTION_WORDS


_NUM_PARTS = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}")


def _numeric_order(dates: Sequence[DateHit | None]) -> str | None:
    """Day-first or month-first, learned from the page: one "13/03" or "03/13" settles every date."""
    dmy = mdy = 0
    for d in dates:
        if d is None or d.kind != "num":
            continue
        m = _NUM_PARTS.search(d.raw)
        if m:
            a, b = int(m[1]), int(m[2])
            dmy += a > 12 >= b
            mdy += b > 12 >= a
    if dmy and not mdy:
        return "dmy"
    if mdy and not dmy:
        return "mdy"
    return None


def _page_order(lines: list[_Line]) -> str | None:
    """When the comment dates cannot tell, the page's other dates do: an unambiguous numeric one
    anywhere, else how it writes month names ("12 mars 2021" is day first, "March 12, 2021" is not)."""
    dates = [ln.date for ln in lines if ln.date is not None]
    order = _numeric_order(dates)
    if order is not None:
        return order
    dmy = sum(1 for d in dates if d.kind == "dmy")
    mdy = sum(1 for d in dates if d.kind in {"mdy", "md"})
    if dmy > 2 * mdy:
        return "dmy"
    if mdy > 2 * dmy:
        return "mdy"
    # Month first ("03/12/2024" as March 12) is an American habit: a page not in English writes the day
    # first. Read only when a slashed date is left to decide (dotted and dashed ones are day first).
    if any(d.kind == "num" and "/" in d.raw for d in dates) and not reads_english(lines):
        return "dmy"
    return None


_REPLY_TO = re.compile(rf"^\s*(?:@\s?|{REPLY_CUE}\s+@?)(?P<name>[^\s,:;!?]{{1,40}})", re.I)
# The same cue as a line of its own at the top of a comment ("In reply to NAME", Drupal).
# ("↪ replying to"; "Előzmény: NAME #2", with the post's number on the page: _POST_NUMBER_AFTER)
_REPLY_LINE = re.compile(rf"\s*(?:[↪↳⤷➥]\s*)?{REPLY_CUE}:?\s+(?P<to>{REPLY_NAME})\s*", re.I)
_POST_NUMBER_AFTER = re.compile(r"\s+#\d{1,5}$")
# ... or split over two lines, the name under the cue ("Replying to" / "NAME": Coral's rendered text).
_REPLY_CUE_LINE = re.compile(rf"\s*{REPLY_CUE}\s*:?\s*", re.I)


def _reply_lines(
    lines: list[_Line], blocks: Sequence[tuple[_Header, list[int]]], authors: Sequence[str | None]
) -> dict[int, str]:
    """Block index -> the name on a reply line (``_REPLY_LINE``) above the block's first line of text,
    when it names a commenter on the page; the line becomes comment chrome (English "In reply to"
    already is; "Antwort auf NAME" was text). "Antwort auf Ihre Frage" names nobody: it stays text."""
    names = {a.casefold() for a in authors if a} | {a.split()[0].casefold() for a in authors if a}
    out: dict[int, str] = {}
    for k, (_, idx) in enumerate(blocks):
        for n, j in enumerate(idx):
            ln = lines[j]
            m = _REPLY_LINE.fullmatch(ln.core)
            name = _clean_name(_POST_NUMBER_AFTER.sub("", m["to"])) if m is not None else ""
            below = idx[n + 1] if n + 1 < len(idx) and _REPLY_CUE_LINE.fullmatch(ln.core) else None
            if below is not None and re.fullmatch(REPLY_NAME, lines[below].core):
                name = _clean_name(lines[below].core)
            if name and name.casefold() in names:
                out[k] = name
                ln.chrome = True
                if below is not None:
                    lines[below].chrome = True
                break
            if not ln.chrome and ln.furniture is None:
                break
    return out


def _reply_markers(comments: list[Comment], header_reply_to: dict[int, str]) -> list[Comment]:
    """ "@bob ..." or "In reply to bob" (in the text or the header): the parent is bob's latest comment
    above, when the page's layout did not already show the thread."""
    out: list[Comment] = []
    latest: dict[str, int] = {}
    for i, c in enumerate(comments):
        if c.parent is None:
            m = _REPLY_TO.match(c.text)
            name = m["name"] if m else header_reply_to.get(i)
            if name:
                key = name.casefold()
                parent = latest.get(key)
                if parent is None:  # "@Daniel" for "Daniel Lemire": match on the first name
                    parent = next((k for a, k in latest.items() if a.split()[0] == key), None)
                if parent is not None:
                    c = replace(c, parent=parent)
        out.append(c)
        if c.author:
            latest[c.author.casefold()] = i
    return out


_LEVEL_LABEL = re.compile(r"(?:level|depth|niveau|ebene)\s+(\d{1,2})", re.I)


# A "level N" label sits in the header or at most this many lines above it, and this share of the
# headers must show one for the labels to give the threads.
_LEVEL_LABEL_REACH = 4
_LEVEL_LABEL_SHARE = 0.8


def _level_labels(lines: list[_Line], headers: list[_Header]) -> list[int] | None:
    """ "level 2" written just above (or in) most headers is the thread depth, whatever the layout's
    indentation lost (HTML and text dumps flatten it)."""
    levels: list[int | None] = []
    prev_end = -1
    for h in headers:
        found = None
        for j in range(h.end, max(prev_end, h.start - _LEVEL_LABEL_REACH), -1):
            m = _LEVEL_LABEL.fullmatch(lines[j].core) if lines[j].chrome or j < h.start else None
            if m:
                found = int(m[1])
                break
        levels.append(found)
        prev_end = h.end
    known = [v for v in levels if v is not None]
    if len(known) < 2 or len(known) < _LEVEL_LABEL_SHARE * len(levels):
        return None
    top = min(known)
    return [top if v is None else v for v in levels]


def _parents(levels: list[int]) -> list[int | None]:
    if len(set(levels)) <= 1:
        return [None] * len(levels)
    ranks = {v: r for r, v in enumerate(sorted(set(levels)))}
    depth = [ranks[v] for v in levels]
    parents: list[int | None] = []
    last_at: dict[int, int] = {}
    for i, d in enumerate(depth):
        parent = None
        for up in range(d - 1, -1, -1):
            if up in last_at:
                parent = last_at[up]
                break
        parents.append(parent)
        last_at[d] = i
        for deeper in [k for k in last_at if k > d]:
            del last_at[deeper]
    return parents


def _merge_quoted_headers(
    lines: list[_Line], blocks: list[tuple[_Header, list[int]]], authors: list[str | None]
) -> tuple[list[tuple[_Header, list[int]]], list[str | None]]:
    """A reply that opens by quoting an earlier comment repeats that comment's header (same name, same
    time) before writing anything itself: the repeated header is quoted text, not a new comment."""
    seen: set[tuple[str, str]] = set()
    out_blocks: list[tuple[_Header, list[int]]] = []
    out_authors: list[str | None] = []
    for (h, idx), author in zip(blocks, authors, strict=True):
        d = lines[h.anchor].date
        key = (author or "", d.raw if d else "")
        previous_empty = bool(out_blocks) and not any(
            not lines[j].chrome and lines[j].furniture is None for j in out_blocks[-1][1]
        )
        if author and key in seen and previous_empty:
            ph, pidx = out_blocks[-1]
            out_blocks[-1] = (ph, [*pidx, *range(h.start, h.end + 1), *idx])
            continue
        seen.add(key)
        out_blocks.append((h, idx))
        out_authors.append(author)
    return out_blocks, out_authors


# Per-page habits (a subject line under each header, profile lines, names above the text) are
# learned from at least this many comments, and must show in this share of them.
_MIN_LEARNED_BLOCKS = 3
_HABIT_SHARE = 0.6
# A subject line is short: no more words than this, and no sentence end.
_MAX_SUBJECT_WORDS = 15


def _move_subject_lines(
    lines: list[_Line], blocks: list[tuple[_Header, list[int]]], role: list[str | None]
) -> list[tuple[_Header, list[int]]]:
    """When comments end with an action row ("Reply to This"), a short line after that row and before
    the next header is the next comment's subject line ("Re: Of course (Score:4)"), not the tail of
    the previous comment. Learned per page: most comments must end with such a row."""
    if len(blocks) < _MIN_LEARNED_BLOCKS:
        return blocks
    tails: list[tuple[int, list[int]] | None] = []
    for _, idx in blocks[:-1]:
        chrome_at = [p for p, j in enumerate(idx) if lines[j].chrome]
        if not chrome_at:
            tails.append(None)
            continue
        last = chrome_at[-1]
        after = [j for j in idx[last + 1 :] if not lines[j].chrome and lines[j].furniture is None]
        tails.append((last, after))
    if sum(t is not None for t in tails) < _HABIT_SHARE * len(tails):
        return blocks
    out = list(blocks)
    for k, tail in enumerate(tails):
        if tail is None or not tail[1] or len(tail[1]) > 2:
            continue
        if any(
            len(lines[j].core.split()) > _MAX_SUBJECT_WORDS or lines[j].core.endswith((".", "!", "?", "…"))
            for j in tail[1]
        ):
            continue
        h, idx = out[k]
        moved = set(tail[1])
        out[k] = (h, [j for j in idx if j not in moved])
        for j in tail[1]:
            role[j] = "header"
    return out


_LABEL_LINE = re.compile(r"(?P<label>[^\W\d][\w .'-]{0,24}?)\s*:\s*\S.{0,40}")


# Profile lines ("Join Date: ...") open a comment: the first few lines, each short.
_PROFILE_REACH = 6
_MAX_PROFILE_CHARS = 70


def _profile_lines(lines: list[_Line], blocks: list[tuple[_Header, list[int]]]) -> set[int]:
    """ "Join Date: Jan 2015" / "Posts: 1,234" under every poster's name: "Label: value" lines that
    open most comments with the same labels are the poster's profile, not what they wrote."""
    if len(blocks) < 2:
        return set()
    leading: list[list[tuple[int, str]]] = []
    counts: Counter[str] = Counter()
    for _, idx in blocks:
        found: list[tuple[int, str]] = []
        for j in idx[:_PROFILE_REACH]:
            ln = lines[j]
            if ln.chrome:
                continue
            m = _LABEL_LINE.fullmatch(ln.core) if len(ln.core) <= _MAX_PROFILE_CHARS else None
            if not m:
                break
            found.append((j, m["label"].casefold()))
        leading.append(found)
        counts.update({label for _, label in found})
    common = {label for label, c in counts.items() if c >= max(2, _HABIT_SHARE * len(blocks))}
    found_lines = {j for found in leading for j, label in found if label in common}
    return found_lines | _workplace_lines(lines, blocks) | _label_value_lines(lines, blocks)


# A profile drawn as labels and values on lines of their own ("Join Date" / "Mar 2014" / "Location" /
# "Cardiff", a <dl> in HTML) is looked for in this many of a comment's first lines, before its prose.
_LABEL_VALUE_REACH = 12
# ... and holds at least this many of the page's labels (a profile has fields).
_MIN_PROFILE_LABELS = 2
# The profile opens the comment: at most a rank line ("Senior Member") before its first label.
_MAX_LINES_BEFORE_LABELS = 1


def _may_label(ln: _Line) -> bool:
    """A line that may be a profile's label: no digits (a value), not chrome ("Reply" and "Report this
    comment" are dropped as chrome already), not an avatar's placeholder."""
    return not ln.chrome and not _HAS_DIGIT.search(ln.core) and not _IMAGE_PLACEHOLDER.fullmatch(ln.core)


def _label_value_lines(lines: list[_Line], blocks: list[tuple[_Header, list[int]]]) -> set[int]:
    """The opening lines of each comment up to the last of its short lines that most comments open
    with alike (the profile's labels, "View Forum Posts"), and the value under that last label: the
    poster's profile (vBulletin 4 under the name). Learned per page: the labels vary by site."""
    if len(blocks) < _MIN_LEARNED_BLOCKS:
        return set()
    leads: list[list[int]] = []
    counts: Counter[str] = Counter()
    for _, idx in blocks:
        lead: list[int] = []
        for j in idx[:_LABEL_VALUE_REACH]:
            ln = lines[j]
            if len(ln.core.split()) >= _PROSE_LINE_WORDS or len(ln.core) > _MAX_PROFILE_CHARS:
                break  # the comment's own words start
            lead.append(j)
        leads.append(lead)
        counts.update({lines[j].core.casefold() for j in lead if _may_label(lines[j])})
    labels = {key for key, c in counts.items() if c >= max(_MIN_LEARNED_BLOCKS, _HABIT_SHARE * len(blocks))}
    out: set[int] = set()
    for lead in leads:
        at = [p for p, j in enumerate(lead) if lines[j].core.casefold() in labels]
        if len(at) < _MIN_PROFILE_LABELS or at[0] > _MAX_LINES_BEFORE_LABELS:
            continue  # one line alike ("[avatar]" under a short comment), or labels after the text
        last = at[-1]
        out.update(j for j in lead[: last + 1] if not lines[j].chrome)
        value = lines[lead[last + 1]] if last + 1 < len(lead) else None
        if value is not None and not value.chrome and not _ends_sentence(value.core):
            out.add(lead[last + 1])  # the last label's value ("1,234" under "Posts"; not a "Thanks!")
    return out


# The profile line a comment widget shows under some names (Facebook's plugin: "Works at Riverside
# Middle School", "Owner at Sunrise Bakery", "Arbeitet bei ...", "Travaille chez ...", "Lavora presso
# ..."): a capitalised role or verb of at most three words, a preposition of place, and a capitalised
# place; a short line with no sentence end or comma, opening a comment that has more text below it.
# A reader's own first line says "I" or "we" ("I live in Leeds"): a pronoun before the place keeps it.
_WORKPLACE = re.compile(
    r"(?P<role>(?-i:[A-Z\u00c0-\u00de])[\w'’.-]*(?:\s+[\w'’.-]+){0,2})\s+"
    r"(?:at|in|bei|an|chez|à|en|presso|a|bij|aan|em|na|no|في|(?:u|w|в|σε|ב):)\s+"  # ("Radi u: ...")
    r"(?-i:[A-Z\u00c0-\u00de\d])[^,.;:!?…]*",
    re.I,
)
_MAX_WORKPLACE_WORDS = 8  # "Studied Mechanical Engineering at University of Nottingham" and no longer
_MIN_WORKPLACE_LINES = 2


def _is_workplace_line(core: str) -> bool:
    """ "Works at NAME", "Radi u: NAME"; not a reader's own sentence ("I live in Leeds")."""
    m = _WORKPLACE.fullmatch(core) if len(core.split()) <= _MAX_WORKPLACE_WORDS else None
    return m is not None and not any(w.casefold() in _PRONOUNS for w in m["role"].split())


def _workplace_lines(lines: list[_Line], blocks: Sequence[tuple[_Header, list[int]]]) -> set[int]:
    """Each block's first line when it is a commenter's workplace or school line (_WORKPLACE) and the
    reader's text follows it."""
    out: set[int] = set()
    for _, idx in blocks:
        content = [j for j in idx if not lines[j].chrome and lines[j].furniture is None]
        if len(content) < 2:
            continue
        if _is_workplace_line(lines[content[0]].core.strip()):
            out.add(content[0])
    # The widget's habit: one such line on a page is a reader's subject or signature ("Robert in Oregon").
    return out if len(out) >= _MIN_WORKPLACE_LINES else set()


# A forum's post bar and the NEXT poster's profile end each block when a text dump puts them above the
# next header (phpBB in lynx: "Top" / a rule / NAME / "Member" / "Posts: 39" / "Re: SUBJECT"). Cut only
# where the next comment's author stands on a line of its own among them, on most blocks of the page:
# lines that merely end many comments alike ("Thanks!", "#SaveOurBus") are what readers wrote.
_TAIL_REACH = 8
_SENTENCE_ENDS = (".", "!", "?", "…")
_TAIL_BAR = 2  # lines of the post bar above the next poster's name ("Top", a rule)
_RULE = re.compile(r"[\s_\-=*~·—–]{3,}")


def _tail_key(core: str) -> str:
    """What a tail line shares with its fellows on other blocks: its label ("Posts: 39"), else itself."""
    m = _LABEL_LINE.fullmatch(core) if len(core) <= _MAX_PROFILE_CHARS else None
    return m["label"].casefold() + ":" if m else core.casefold()


def _profile_tail(lines: list[_Line], tail: list[int], common: set[str], following: str) -> list[int]:
    """The tail's lines from the post bar above the next poster's name to the end, when the name is
    there and only template lines follow it; else none."""

    def template(j: int) -> bool:
        core = lines[j].core.strip()
        return _tail_key(core) in common or bool(_RULE.fullmatch(core))

    def named(p: int) -> bool:
        return bool(following) and lines[tail[p]].core.strip().casefold() == following

    for p in range(len(tail) - 1, -1, -1):
        if named(p):
            q = p
            while q > 0 and p - q < _TAIL_BAR and template(tail[q - 1]):
                q -= 1
            return tail[q:]
        if not template(tail[p]) and not (p > 0 and named(p - 1) and _is_rank(lines[tail[p]].core)):
            return []
    return []


# A forum rank right under the poster's name differs from poster to poster ("Member", "New member",
# "Site Admin", "Moderator"), so it is no template line: a short label (at most this many words, no
# digits, no sentence end) is read as one only in that place, right under the next poster's name.
_MAX_RANK_WORDS = 3


def _is_rank(core: str) -> bool:
    core = core.strip()
    return (
        0 < len(core.split()) <= _MAX_RANK_WORDS
        and not any(c.isdigit() for c in core)
        and not core.endswith((".", "!", "?", "…", ":", ","))
    )


def _tail_lines(
    lines: list[_Line], blocks: Sequence[tuple[_Header, list[int]]], authors: Sequence[str | None]
) -> set[int]:
    """The post bar and next poster's profile ending the blocks, learned per page: most blocks (3 or
    more) must show it; each block keeps its first line of text. The last block loses only bar lines."""
    if len(blocks) < 4:
        return set()
    tails = []
    for _, idx in blocks:
        text_idx = [j for j in idx if not lines[j].chrome and lines[j].furniture is None]
        tails.append(text_idx[1:][-_TAIL_REACH:])
    counts = Counter(key for tail in tails for key in {_tail_key(lines[j].core.strip()) for j in tail})
    common = {key for key, c in counts.items() if c >= max(3, _HABIT_SHARE * len(blocks))}
    cuts = [
        _profile_tail(lines, tail, common, (authors[k + 1] or "").casefold())
        for k, tail in enumerate(tails[:-1])
    ]
    if sum(1 for cut in cuts if cut) < max(3, _HABIT_SHARE * len(cuts)):
        return set()
    out = {j for cut in cuts for j in cut}
    bar = {_tail_key(lines[j].core.strip()) for cut in cuts for j in cut[:_TAIL_BAR]}
    # The last post's bar ("Top") is followed by the page's own buttons ("Post Reply", "6 posts • Page
    # 1 of 1"), not by a next poster: from the bar on, when no sentence follows it, nothing is the post's.
    last = tails[-1]
    at = next((p for p, j in enumerate(last) if _tail_key(lines[j].core.strip()) in bar), None)
    if at is not None and not any(lines[j].core.rstrip().endswith(_SENTENCE_ENDS) for j in last[at:]):
        return out | set(last[at:])
    for j in reversed(last):
        core = lines[j].core.strip()
        if not (_tail_key(core) in bar or _RULE.fullmatch(core)):
            break
        out.add(j)
    return out


def _posted_at(lines: list[_Line], h: _Header, raw: str, numeric_order: str | None) -> str | None:
    """ISO time of a comment. The text's own date decides; a machine-readable time in the HTML header
    (<time datetime>, itemprop="datePublished") fills in what the text cannot give ("3 years ago",
    "Mar 3" without a year) and is ignored when it names another day than the text."""
    iso = to_iso(raw, numeric_order=numeric_order) if raw else None
    stamp = None
    for j in range(h.start, h.end + 1):
        hint = lines[j].hint
        if hint is not None and hint.startswith("dt="):
            stamp = to_iso(hint[3:])
            break
    if stamp is None:
        return iso
    if iso is None:
        return stamp
    if iso[:10] == stamp[:10] and len(stamp) > len(iso):
        return stamp  # same day: the markup adds the time of day
    return iso


# A footer time stamp is mostly its date (this share of its characters at least).
_STAMP_DATE_SHARE = 0.6
# A comment's leading menu ("Edit", "Flag", "Follow") is made of short lines, at least this many.
_MENU_WORDS = 6
_MIN_MENU_LINES = 3


def _footer_stamp(lines: list[_Line], h: _Header, idx: list[int]) -> int | None:
    """An undated header ("NAME said...") may carry its time in a footer: the last bare date line of
    the block."""
    d = lines[h.anchor].date
    if d is not None and d.kind != "cue":
        return None
    for j in reversed(idx):
        ln = lines[j]
        if (
            ln.date is not None
            and ln.date.kind != "cue"
            and len(ln.date.raw) >= _STAMP_DATE_SHARE * len(ln.core)
        ):
            return j
    return None


def _leading_menu(lines: list[_Line], idx: list[int], indent: int) -> set[int]:
    """A run of short bulleted links opening a comment, with action words among them, is its action
    menu ("• Edit", "• Follow NAME", "• Flag"), not what the reader wrote. HTML shows no bullets: there
    the menu is nested deeper than the header (`indent`). A list without action words is the reader's."""
    run: list[int] = []
    for j in idx:
        ln = lines[j]
        if ln.chrome or ln.furniture is not None:
            run.append(j)
            continue
        short = len(ln.core.split()) <= _MENU_WORDS and not _ends_sentence(ln.core)
        if short and _BULLET_START.match(ln.text):
            run.append(j)
            continue
        if short and ln.indent > indent:
            run.append(j)
            continue
        break
    menu = [j for j in run if not lines[j].chrome and lines[j].furniture is None]
    if len(run) - len(menu) < 2:
        return set()  # short lines without action words: a list or a quote the reader wrote
    return set(run) if len(menu) >= _MIN_MENU_LINES else set()


_PLUS_ONE = re.compile(r"\+\d{1,3}")
# A text browser's image placeholder on a line of its own ("[avatar]", "[3362e]", not "[removed]").
_PLACEHOLDER = re.compile(r"\[[\w.-]{0,40}\]")
# Read only as a test (match or not), so three links are as good as all of them: `{3,}` kept backtracking
# state per link, ~75 bytes per byte of a comment's line of "a|a|a|..." (a 2 MB line: +54 MB).
_LINK_BAR = re.compile(r"(?:[^|•·]{1,40}[|•·]){3}")


# A menu line has at most this many words; this many in a row make a menu (the page's chrome).
_MENU_LINE_WORDS = 4
_MENU_RUN = 3


def _is_menu_line(ln: _Line) -> bool:
    core = ln.core
    if _LINK_BAR.match(core):
        return True
    words = core.split()
    return len(words) <= _MENU_LINE_WORDS and not _ends_sentence(core) and not core.endswith((",", ":"))


def _last_comment_end(lines: list[_Line], start: int, stop: int, replies: bool) -> int:
    """The last comment runs until the page's chrome starts: a form, a furniture heading, or a menu
    (three short link-like lines in a row, or a bar of links). Short lines the reader wrote are no
    menu: a run that starts at the comment's first line of text or that a line ending in ":" opens,
    or anything before the comment's reply link (when `replies`: the page's comments end with one,
    and then the comment ends there)."""
    first = next((j for j in range(start, stop) if not lines[j].chrome and lines[j].furniture is None), stop)
    floor = first + 1
    # A thread inside a form (SMF wraps every post in its moderation form) ends where the form does.
    in_form = start > 0 and lines[start - 1].hint == "form"

    def section_end(ln: _Line) -> bool:
        return ln.hint != "form" if in_form else _is_section_end(ln)

    if replies:
        for j in range(start, stop):
            if j > start and section_end(lines[j]):
                break
            if _is_reply_row(lines[j]) and first < j:
                # Its reply link closes the comment, as it closes every other one on the page.
                j += 1
                while j < stop and lines[j].chrome:
                    j += 1
                return j
    run, run_start, readers = 0, start, False
    for j in range(start, stop):
        ln = lines[j]
        # (An image after the last comment's text is the page's next box, not the reader's.)
        ends = section_end(ln) or (ln.furniture == "image placeholder" and j > first)
        if j > start and (ends or _LINK_BAR.match(ln.core)):
            return j - run if run >= _MENU_RUN and not readers and j - run >= floor else j
        if _is_menu_line(ln):
            if run == 0:
                run_start, readers = j, j <= first
            run += 1
        else:
            run = 0
        if run == _MENU_RUN and not readers:
            intro = run_start > start and lines[run_start - 1].core.endswith(":")  # "My list:"
            readers = j - (_MENU_RUN - 1) < floor or intro
        if run >= _MENU_RUN and not readers:
            return j - run + 1
    return stop
