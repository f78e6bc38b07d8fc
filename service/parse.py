# ruff: noqa: E501  (the furniture and opener tables are long regex alternations; wrapping them hurts reading)
"""Split a scraped page (plain text from any scraper, or raw HTML) into title, body, comments, dropped.

One segmenter serves every input: HTML is first rendered to lines (service.html), so a page and its
w3m or inscriptis text dumps go through the same steps:

1. every line is classified once with precompiled regexes: page furniture (share buttons, video
   player text, comment forms...), per-comment chrome ("Reply", "Report this comment"), comment
   section openers ("14 comments", "5 thoughts on", "Kommentare") and short lines holding a date;
2. the comment headers are the date lines that repeat in one *shape* (how the date is written, where
   it sits on the line, which words come with it) after a section opener, or that carry an explicit
   comment cue ("says:", "sagt:", "Posted by") when the page has no opener; a shape whose lines are
   interleaved with their own comment counters (a blog's front page) or have nothing written between
   them (a "Latest comments" widget) is rejected;
3. the shape learned on the page tells how far a header extends (a name line above the date line, or
   below it in forum post bars), whether headers come before or after the text (footers: "Posted by"
   stamps after the prose, or a time inside an action row "Like · Reply · 2y", whose name is then
   the block's first line), and which words are chrome rather than a name (tokens shared by almost
   every header, like "Thumb" or "says:");
4. undated headers of the same first-line shape ("by NAME (123)"), "NAME said..." headers with a
   time footer, reply rows ("Reply", "Antworten") and, under a comment heading, blocks that each
   open with a name and end with a reply link fill in what dates alone miss; a repeated header right
   inside a reply is a quote, not a comment; "Join Date: ..." profile lines that open most comments
   are the poster's, not the text;
5. the article body is the densest run of prose before the comment section (a maximum-sum run of
   per-line prose scores); navigation and teasers around it are dropped with a reason ("About the
   author" ends it; a closing run of five or more headline+summary teasers is not part of it);
6. every non-blank line ends in exactly one place: title, body, a comment (header or text), dropped
   (see segment_with_roles, which the property tests use to prove it).

HTML adds evidence, never a contradiction: a <time datetime> (or itemprop="datePublished",
dt-published) on a header line gives a relative or yearless date its ISO time, and marks a header
whose visible date a script would have filled in.

Nothing here knows a particular site: the word lists are generic web furniture in en/fr/de, with
dates and comment words in es/it/pt/nl too. tests/service/pages/ holds pages written in the style of
comment systems the shared set lacks (Disqus, Discourse, Drupal, phpBB, vBulletin, Blogger...).
"""

from __future__ import annotations

import logging
import os
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from service.dates import DATE, MONTH_RX, DateHit, find_date, to_iso, trie_rx
from service.errors import InputError, MalformedInputError, TooLargeError
from service.ingest import decode, read_limited
from service.records import Article, Comment, Dropped, PageFormat
from service.settings import Limits

log = logging.getLogger(__name__)

Format = Literal["auto", "text", "html"]

# ---------------------------------------------------------------------------------------------------
# Line classification (all regexes compiled once; each line is tested at most a few times)

_FURNITURE: list[tuple[str, str]] = [
    (
        "accessibility links",
        r"accessibility links|skip to (?:main )?(?:content|navigation|search|footer)|jump to (?:navigation|content)"
        r"|aller au contenu|zum inhalt springen|skip navigation|back to top|top of page|retour en haut",
    ),
    (
        "video player",
        r"please wait|no media source currently available|loading(?:\.\.\.|…)?(?: please wait!?)?"
        r"|loading,? please wait!?|(?:\d{1,2}:\d{2}(?::\d{2})?\s*){2,}|inline video player.*"
        r"|media caption.*|video (?:is )?(?:loading|unavailable).*|play video|watch video|replay|unmute|mute"
        r"|your browser does not support.*|this video (?:is|has).*",
    ),
    (
        "share buttons",
        r"(?:share|partager|teilen)(?: (?:this|on|via|article|story|post|page|sur|auf)\b.*)?|share this story about sharing"
        r"|share to \S+"
        r"|click to (?:share|print|email|e-mail)\b.*|(?:tweet|pin it|print|email|e-mail|facebook|twitter|whatsapp|linkedin"
        r"|pinterest|reddit|tumblr|messenger|telegram|flipboard|copy link|copy|mail|imprimer|drucken|google\+?|digg"
        r"|stumbleupon|delicious|x)(?:[\s,|•·/]+(?:tweet|print|email|e-mail|facebook|twitter|whatsapp|linkedin|pinterest"
        r"|reddit|tumblr|messenger|telegram|flipboard|copy link|mail|google\+?|digg|share|x))*"
        r"|e-?mail (?:this|to a friend)\b.*|send to a friend|print this (?:article|page|story)",
    ),
    (
        "recommendations",
        r"before you go|recommended(?: for you| stories| articles| reading)?|popular in the community|what'?s hot"
        r"|about the (?:author|writer)|(?:author|writer)(?:'s)? bio(?:graphy)?|über (?:den|die) autor(?:in)?|à propos de l'auteur|sobre el autor|sull'autore"
        r"|trending(?: now| stories)?:?|most (?:read|popular|viewed|shared|commented)\b.*|related(?: articles| stories| posts"
        r"| content| coverage| topics| links)?:?|more on this (?:story|topic)|you (?:may|might) also like\b.*"
        r"|more (?:from|stories|videos|news|posts)\b.{0,40}|read more\b.{0,30}|read next|up next|sponsored(?: content| stories)?"
        r"|advertisement|advert|ad|publicité|anzeige|promoted(?: stories)?|features (?:&|and) analysis|top stories"
        r"|editor'?s picks?|à lire aussi|lire aussi|sur le même sujet|das könnte sie auch interessieren|weitere artikel",
    ),
    (
        "newsletter and subscription",
        r"newsletters?\b.{0,60}|sign up\b.{0,60}|subscribe\b.{0,60}|abonnez-vous.{0,60}|je m'abonne.*|s'abonner.*"
        r"|follow us\b.*|suivez-nous.*|get (?:our|the) newsletter.*",
    ),
    (
        "comment form",
        r"leave a (?:reply|comment|response)\b.*|cancel reply|post (?:a |your )?comment|add (?:a |your )?comment\b.*"
        r"|submit(?: comment)?|your email address will not be published\b.*|required fields are marked\b.*"
        r"|save my name,? email.*|this site uses akismet.*|you must be (?:logged in|signed in) to (?:post|leave).*"
        r"|(?:notify|email) me (?:of|when)\b.*|(?:name|email|e-mail|website|comment|message|nom|courriel)\s*\*?:?"
        r"|poster un commentaire|écrire un commentaire|laisser un commentaire.*|réagir\b.{0,40}|kommentar schreiben.*"
        r"|schreibe einen kommentar.*|comment via \w+.*|log ?in to (?:comment|reply).*|sign in to comment.*"
        r"|deja (?:un|una|tu) (?:comentario|respuesta).*|lascia un commento.*|deixe (?:um|uma|o seu) (?:comentário|resposta).*"
        r"|laat een reactie achter.*|geef een reactie.*|reageer.{0,20}|cancelar respuesta|annulla risposta|cancelar resposta"
        r"|your comments?:?\*?(?: required)?|required|\* required|write a comment.*|join the (?:discussion|conversation).*"
        r"|commenting policy.*|comment(?:s)? policy.*|charte des commentaires.*|view comments\s*\d*|show (?:more )?comments(?: \(\d+\))?"
        r"|all comments|hide comments|loading comments(?:\.\.\.|…)?|comments? (?:are|is) closed\.?.*|commentaires fermés.*"
        r"|sort by\b.*|oldest first|newest first|best first|trier par.*"
        r"|no comments?(?: yet)?\.?|be the first to (?:comment|reply)\b.*|(?:start|join) the discussion\.?"
        r"|aucun commentaire.*|soyez le premier à (?:commenter|réagir).*|(?:noch )?keine kommentare.*"
        r"|(?:comments?|kommentare|commentaires) \(0\)|0 (?:comments?|kommentare|commentaires)"
        r"|(?:get|load|show|view|see) (?:more|all|older|newer)(?: comments| replies)?\b.{0,20}|comments? \d+ (?:of|to) \d+"
        r"|(?:get|load|show|view|see) \d+ (?:more |older |newer )?(?:comments?|replies)\b.{0,20}"
        r"|(?:sign in|log ?in|register)\b.{0,60}\bto (?:comment|post|reply)\b.*|show more|load more|mehr laden|voir plus"
        r"|login with your username.*|forgot your (?:username|password).*"
        r"|(?:username|password|nickname):?.{0,40}(?:password|username)?:?|deine e-mail-adresse wird nicht veröffentlicht.*"
        r"|votre adresse (?:e-?mail|de messagerie) ne sera pas publiée.*|view (?:the )?entire discussion.*",
    ),
    (
        "cookie notice",
        r"(?:en poursuivant votre navigation|we use cookies|this (?:site|website) uses cookies|by continuing to (?:use|browse)"
        r"|accept (?:all )?cookies|cookie (?:policy|settings|preferences)|diese website verwendet cookies).*",
    ),
    (
        "site chrome",
        r"print options:?|cancel|close|menu|search|home|log ?in|log ?out|sign ?in|register|previous|next|previous post:?.*"
        r"|next post:?.*|post navigation|proudly powered by.*|powered by \w+.*|all rights reserved.*|©.*|copyright\b.{0,120}"
        r"|terms (?:of (?:use|service)|and conditions)|privacy policy|contact us|about us|tags?:.{0,80}|filed under:?.{0,80}"
        r"|posted in\b.{0,80}|categories:?.{0,80}|permalink|image|photo|thumbnail|\[[^\]]{0,40}\]",
    ),
]
_FURNITURE_RX = re.compile(
    "|".join(f"(?P<f{i}>(?:{rx}))" for i, (_, rx) in enumerate(_FURNITURE)),
    re.I,
)
_FURNITURE_REASON = {f"f{i}": reason for i, (reason, _) in enumerate(_FURNITURE)}
# Furniture that can be a long sentence (matched at the start of prose-length lines only).
_LONG_FURNITURE_RX = re.compile(
    "|".join(
        f"(?P<f{i}>(?:{rx}))"
        for i, (reason, rx) in enumerate(_FURNITURE)
        if reason in {"cookie notice", "comment form"}
    ),
    re.I,
)

# Per-comment chrome: action links and counters that sit inside a comment block.
_CHROME_RX = re.compile(
    r"(?:\d+\s*)?(?:reply|replies|antworten|antwort|répondre|repondre|rispondi|responder|report|report abuse|flag"
    r"|like|likes|dislike|upvote|downvote|vote up|vote down|recommend|permalink|link|parent|reply to this"
    r"|continue this thread|load more replies|more replies|show replies|hide replies|view replies?|edit|delete"
    r"|share|signaler(?: un abus)?|melden|rate this|homepage|journal|profile|follow|unfollow|block|quote|zitieren"
    r"|citer|in reply to.*|report this comment.*|link to this.*|signaler ce commentaire.*|level \d+"
    r"|reply with quote|multi-?quote(?: this message)?|quick reply|quote reply|#\d{1,7}"
    r"|(?:comment|kommentar|commentaire|commento|comentario)\s*(?:number|no\.?|nr\.?|n°|#)\s*\d{1,7}\.?"
    r"|view (?:all )?\d+ (?:more )?repl(?:y|ies)|(?:posted )?(?:in )?reply to @?\S+|\(?edited\)?"
    r"|(?:flag|report) as inappropriate|thumbs? (?:up|down)\s*\d*|(?:like )?liked by \d+ (?:people|persons?|others?)"
    r"|was this (?:comment |review )?helpful\?.{0,20}|gefällt mir(?: \d+)?"
    r"|\d+\s+(?:réponses?|risposte|respuestas|respostas|reacties)"
    r"|\d+ points?|[+-]?\d+|\(\s*\d+\s*\)|points|votes?|[·|:•*–—-]+|score:.*|\(score:.*\)|"
    r"(?:\d+\s+)?(?:reply|replies|like|likes)(?:\s*\|\s*\w+)*)",
    re.I,
)
_CHROME_WORDS = frozenset(
    [
        "reply",
        "replies",
        "share",
        "report",
        "flag",
        "like",
        "likes",
        "dislike",
        "upvote",
        "downvote",
        "permalink",
        "link",
        "edit",
        "delete",
        "quote",
        "antworten",
        "antwort",
        "melden",
        "teilen",
        "zitieren",
        "répondre",
        "repondre",
        "signaler",
        "partager",
        "citer",
        "j'aime",
        "beantwoorden",
        "reageren",
        "citeren",
        "rapporteren",
        "responda",
        "citar",
        "denunciar",
        "citare",
        "gosto",
        "curtir",
        "respect",
        "rispondi",
        "segnala",
        "responder",
        "compartir",
        "vote",
        "votes",
        "point",
        "points",
        "recommend",
        "parent",
        "thread",
        "collapse",
        "expand",
        "hide",
        "show",
        "more",
        "less",
        "follow",
        "unfollow",
        "block",
        "mute",
        "tweet",
        "facebook",
        "twitter",
        "email",
        "print",
        "embed",
        "save",
        "award",
        "give",
        "source",
        "context",
        "translate",
        "helpful",
        "unhelpful",
        "upvoted",
        "downvoted",
        "modifier",
        "supprimer",
        "[–]",
        "[+]",
        "[-]",
    ]
)
_CHROME_SPLIT = re.compile(r"[\s•·|/›»‹«()\[\]+\-–—:▲▼△▽↑↓⬆⬇👍👎]+")


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _all_chrome_tokens(core: str) -> bool:
    """ "Reply • Share ›", "Like (3) | Report": only action words, counts and separators. Buttons
    without whitespace between them reach text dumps glued ("ReplyShareReport"): split at the case."""
    if " " not in core and len(core) <= 60 and _CAMEL.search(core):
        core = _CAMEL.sub(" ", core)
    head = _CHROME_SPLIT.split(core[:20].lower(), maxsplit=2)
    if not any(t in _CHROME_WORDS or t.isdigit() for t in head[:2] if t):
        return False  # cheap exit: the first word is no action word
    tokens = [t for t in _CHROME_SPLIT.split(core.lower()) if t]
    return 0 < len(tokens) <= 8 and all(t in _CHROME_WORDS or t.isdigit() for t in tokens)


# A table layout's bullet cell glued to the text ("*             Please do not post..."): layout.
_GAP_BULLET = re.compile(r"^(?:[*•◦▪·-]|\[[^\]\s]{1,12}\])\s{3,}(?=\S)")
_TRAILING_CHROME = re.compile(r"(?<=[\w.!?)\"”’])(?:Report|Reply|Antworten|Répondre)$")

# Comment section openers: headings and counters. Group "n" is a declared count when present.
_NUM_WORDS = r"(?P<n>\d{1,6})|(?P<w>one|two|three|four|five|six|seven|eight|nine|ten|no|zero)"
_COMMENT_WORDS = (
    r"(?:comments?|responses?|replies|reactions?|thoughts?|commentaires?|réactions?|kommentare?|reaktionen?"
    r"|antworten|reacties?|commenti|commento|comentarios?|comentários?|respuestas?|risposte|respostas?|kommentarer"
    r"|discussion|discusión|discussione|discussão|ergänzungen|leserbriefe)"
)
# Without a count, only these words make a heading ("Comments", "Kommentare"): "Reply" or "Antworten" do not.
_SECTION_WORDS = (
    r"(?:comments?|commentaires|kommentare|reader comments|réactions|discussion|leserkommentare|comentarios"
    r"|comentários|commenti|reacties|kommentarer)"
)
_OPENER_RX = re.compile(
    rf"(?:there (?:are|is)\s+)?(?:{_NUM_WORDS})\s+{_COMMENT_WORDS}\b(?:\s+(?:on|to|zu|sur|à|so far|for|in)\b.*|\s*:)?"
    rf"|(?:all |reader |readers' |user |visitor |latest |\d+ )?{_SECTION_WORDS}\s*[:(\[]?\s*(?P<n2>\d{{1,6}})?\s*[)\]]?\s*:?"
    rf"|{_COMMENT_WORDS}\s+(?:on|to|zu|sur)\b.{{0,160}}|{_COMMENT_WORDS}\s*[(\[](?P<n3>\d{{1,6}})[)\]]\s*:?"
    r"|(?:what (?:do )?(?:you|readers) (?:think|say)|vos réactions|ihre meinung|leserkommentare|discussion)\W*",
    re.I,
)
_COUNT_ONLY = re.compile(rf"(?:.{{0,80}}[|·•,]\s*)?(?P<n>\d{{1,6}})\s+{_COMMENT_WORDS}\s*$", re.I)
# A count inside a short line: "{ 14 comments… read them below or add one }", "Comments (3)".
_COUNT_ANY = re.compile(
    rf"(?<![\w.,])(?P<n>\d{{1,6}})\s+{_SECTION_WORDS}\b|\b{_SECTION_WORDS}\s*\((?P<n2>\d{{1,6}})\)", re.I
)
_WORD_NUMS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
              "ten": 10, "no": 0, "zero": 0}  # fmt: skip

# A name line (the line above a date line in two-line headers) and explicit comment cues.
_SAYS_WORDS = [
    "says",
    "said",
    "sagt",
    "schreibt",
    "schrieb",
    "écrit",
    "dit",
    "wrote",
    "writes",
    "schreef",
    "zei",
    "scrive",
    "escribió",
    "escribio",
    "escreveu",
    "disse",
    "dijo",
    "comentó",
    "comentou",
]
_CUE_PHRASES = ["a écrit", "posted by", "geschrieben von", "ha detto", "ha scritto"]
# One prefix tree per word list: these are searched on most short lines (see dates.trie_rx).
_CUE_RX = re.compile(
    r"\b" + trie_rx([*_SAYS_WORDS, *_CUE_PHRASES, "von", "par", "by"]) + r"\b\s*:?",
    re.I,
)
_FINAL_INITIAL = re.compile(r"(?:^|\s)[A-Z]\.$")  # "Dorothy P.": an initial, not a sentence end
_SENTENCE_END = re.compile(r"[.!?…;\"”“»)]\s*$")
_LEAD_MARKER = re.compile(
    rf"^(?:[•*●◦▪‣·□■☐☆★○◆►▸+\-–—>]+\s*|(?-i:o)\s+(?=\S)|\(?\d{{1,4}}[.)]\s+(?!{MONTH_RX}\s)|\[[\w .:/+–-]{{0,40}}\]\s*|#\d+\s*)+",
    re.I,
)
_TOKEN = re.compile(r"\S+")
_PAREN_NUM = re.compile(r"\(#?\d+\)|\(#\d+\)|#\d+")
_FUNCTION_WORDS = frozenset(
    [
        "says",
        "said",
        "sagt",
        "schreibt",
        "schrieb",
        "écrit",
        "wrote",
        "writes",
        "dit",
        "posted",
        "by",
        "on",
        "at",
        "le",
        "la",
        "à",
        "am",
        "um",
        "uhr",
        "von",
        "par",
        "de",
        "from",
        "|",
        "·",
        "•",
        "-",
        "–",
        "—",
        ":",
        ",",
        "@",
        "said:",
        "says:",
        "sagt:",
        "écrit:",
        "wrote:",
        "by:",
        "posted:",
        "on:",
        "au",
        "le:",
        "a",
        "level",
        "points",
        "point",
        "ago",
        "edited",
        "homepage",
        "journal",
    ]
)
_NAME_STRIP = " \t,;:|·•-–—@()[]«»\"'“”+*"

_END_REASONS = {
    "form field",
    "comment form",
    "recommendations",
    "newsletter and subscription",
    "site chrome",
    "cookie notice",
}
_MAX_HEADER_WORDS = 12
_MAX_NAME_WORDS = 5


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


# A footer glued to the end of the comment text: "... fun to watch! Posted by: Walters on December 29, 2007".
_GLUED_FOOTER = re.compile(
    r"^(?P<text>.*?\S)\s+(?P<foot>(?:posted|submitted|written|geschrieben|publié|écrit)\s+(?:by|von|par)\s*:?\s+\S.{0,100})$",
    re.I,
)


_COLUMN_GAP = re.compile(r"(?<=[^\s\[])\s{6,}(?=[^\s\]])")  # not inside a "[          ]" form field
_GLUED_HINT = re.compile(r"(?:posted|submitted|written|geschrieben|publié|écrit)\s+(?:by|von|par)\b", re.I)


def _short_dated(cell: str) -> bool:
    return cell.count(" ") <= 14 and find_date(cell) is not None


def _split_glued(raw_lines: list[tuple[str, int, str | None]]) -> list[tuple[str, int, str | None, int]]:
    """Pieces of lines: text dumps of table layouts put columns side by side ("Fantasy Games      Posted
    by Rob on ..."), and some footers are glued to the comment text. Each piece keeps its source line."""
    out: list[tuple[str, int, str | None, int]] = []
    for src, (text, indent, hint) in enumerate(raw_lines):
        if not text:
            out.append((text, indent, hint, src))  # blank lines carry the layout: keep them
            continue
        cells: list[str] | tuple[str] = (text,)
        if "      " in text:
            parts = _COLUMN_GAP.split(text)
            # Split the columns apart only where one of them is a comment header or footer: splitting
            # prose columns would chop the article into fragments.
            if len(parts) > 1 and any(_GLUED_HINT.search(c) or _short_dated(c) for c in parts):
                cells = parts
        for cell in cells:
            if not cell:
                continue
            # Substring tests first: they are far cheaper than any regex on every line.
            if (
                len(cell) > 40
                and (" by" in cell or " By" in cell or " BY" in cell or " von" in cell or " par" in cell)
                and _GLUED_HINT.search(cell)
            ):
                m = _GLUED_FOOTER.match(cell)
                if m and find_date(m["foot"]) is not None:
                    out.append((m["text"], indent, hint, src))
                    out.append((m["foot"], indent, hint, src))
                    continue
            out.append((cell, indent, hint, src))
    return out


_BRACKET_NAME = re.compile(r"\[[^\]\s]{1,30}\]\s*[·•|–—-]\s")
_BRACKETED = re.compile(r"<[^>]{1,80}>|\([^)]{0,40}\)")


def _header_words(core: str) -> int:
    """Words of a would-be header, not counting <emails> and (ids) or (Score:4) notes."""
    if "<" in core or "(" in core:
        core = _BRACKETED.sub(" ", core)
    return len(_TOKEN.findall(core))


def _classify(raw_lines: list[tuple[str, int, str | None]]) -> list[_Line]:
    lines: list[_Line] = []
    blank = False
    seen: dict[str, _Line] = {}  # a page repeats "Reply", "Share", bullets...: classify each text once
    for text, indent, hint, src in _split_glued(raw_lines):
        if not text:
            blank = True
            continue
        known = seen.get(text)
        if known is not None:
            lines.append(
                _Line(
                    text,
                    known.core,
                    indent,
                    hint,
                    blank,
                    known.furniture,
                    known.chrome,
                    known.opener,
                    known.count,
                    known.date,
                    src=src,
                )
            )
            blank = False
            continue
        # Bullets, list numbers and [image] placeholders never start with a letter (but "o" bullets do).
        first = text[0]
        core = text if first.isalpha() and first != "o" else (_LEAD_MARKER.sub("", text).strip() or text)
        if first == "[" and _BRACKET_NAME.match(text):
            core = text  # "[deleted] · 1 hour ago": the bracket is the name, not an image placeholder
        ln = _Line(text, core, indent, hint, blank, src=src)
        blank = False
        spaces = core.count(" ")
        if len(core) <= 200:
            short = spaces <= 15  # the furniture, chrome and says tables hold short lines only
            # A header holds at most a dozen words besides its date: longer prose needs no date search.
            if spaces <= _MAX_HEADER_WORDS + 10:
                ln.date = find_date(core)
            if ln.date is not None and _header_words(core) - len(ln.date.raw.split()) > _MAX_HEADER_WORDS:
                ln.date = None
            if ln.date is None and len(core) <= 80 and core.endswith((":", "...", "…")):
                cue = _SAYS_LINE.fullmatch(core)
                if cue:  # "alice wrote:" heads a comment even when the page shows no date
                    ln.date = DateHit(len(core), len(core), "", "cue", False)
            m = (_FURNITURE_RX if short else _LONG_FURNITURE_RX).fullmatch(core)
            if m and m.lastgroup:
                ln.furniture = _FURNITURE_REASON[m.lastgroup]
            elif short and ("|" in core or "·" in core or "•" in core):
                ln.furniture = _furniture_bar(core)
            elif "[" in core and _FORM_FIELD.search(core):
                ln.furniture = "form field"
            elif not short and _COMMENT_WORD.search(core) and _POLICY_WORD.search(core):
                ln.furniture = "comment policy"
            if len(core) <= 60 and (_CHROME_RX.fullmatch(core) or _all_chrome_tokens(core)):
                ln.chrome = True
            digit = _HAS_DIGIT.search(core) is not None
            o = None
            if short or digit or core[:5].lower() == "there":  # "34 responses to “a long title”"
                o = _OPENER_RX.fullmatch(core) or (_COUNT_ONLY.fullmatch(core) if digit else None)
            if o is None and digit and len(core) <= 100:
                o = _COUNT_ANY.search(core)
            if o:
                ln.opener = True
                groups = o.groupdict()
                if groups.get("n") or groups.get("n2") or groups.get("n3"):
                    ln.count = int(groups.get("n") or groups.get("n2") or groups.get("n3") or 0)
                elif groups.get("w"):
                    ln.count = _WORD_NUMS.get(groups["w"].lower())
        if not ln.chrome and (core == "o" or (not _HAS_ALNUM.search(core) and _DECORATION.fullmatch(core))):
            ln.chrome = True  # rules, bullets (inscriptis' lone "o"), stars: decoration (emoji-only is not)
        lines.append(ln)
        seen[text] = ln
    return lines


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


# ---------------------------------------------------------------------------------------------------
# Finding the comment headers


_SAYS_LINE = re.compile(
    r"(?P<name>[^\s,;]+(?: [^\s,;]+){0,3})\s+(?:says|said|wrote|writes|sagt|schreibt|schrieb|a écrit|écrit|dit|a dit|commented|replied|kommentierte|schreef|zei|ha detto|ha scritto|scrive|escribió|escribio|escreveu|disse|dijo|comentó|comentou)\s*(?::|\.\.\.|…)",
    re.I,
)
_HAS_ALNUM = re.compile(r"\w")
_DECORATION = re.compile(r"[\s\-–—_=*•·●◦▪‣□■☐☆★○◆►▸|~#>+/\\\u2190-\u21ff\u2500-\u25ff\u2600-\u2606]+")
_HAS_DIGIT = re.compile(r"\d")
# Text-browser renderings of form fields: "Search for: [          ] [Search]".
# A comment policy: a sentence about comments and about rules, moderation or liability.
_COMMENT_WORD = re.compile(r"comment|kommentar|commentaire|posts?\b|contributions?|réaction", re.I)
_POLICY_WORD = re.compile(
    r"moderat|guideline|house rules|rules|policy|abusive|offensive|libel|violat|netiquette|opinions expressed"
    r"|respectful|règles|charte|richtlinien|nutzungsbedingungen|terms of (?:use|service)",
    re.I,
)
_FORM_FIELD = re.compile(r"\[\s{3,}\]|\[(?:search|submit|go|ok|send)\]", re.I)
_HAS_LETTER = re.compile(r"[^\W\d_]")


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
    if len(core) > 60 or (
        _SENTENCE_END.search(core) and not core.endswith(":") and not _FINAL_INITIAL.search(core)
    ):
        return False
    words = core.split()
    if _CUE_RX.search(core):
        return len(words) <= _MAX_NAME_WORDS + 2
    return 1 <= len(words) <= 3


def _is_name_line_loose(ln: _Line) -> bool:
    """A name line once the page has shown that its headers have one: up to six words, no sentence."""
    if _is_name_like(ln):
        return True
    if ln.date is not None or ln.opener or ln.chrome or ln.furniture is not None:
        return False
    core = ln.core
    return len(core) <= 60 and len(core.split()) <= 6 and not _SENTENCE_END.search(core)


def _signature(ln: _Line) -> tuple[str, bool, bool]:
    """How the date is written and whether words come before it. Words after it are left out: an
    "· edited 2 hours ago" suffix must not split one thread's headers into two shapes."""
    d = ln.date
    assert d is not None
    before = ln.core[: d.start].strip(" ([")
    return (d.kind, d.has_time, bool(before))


@dataclass(slots=True)
class _Header:
    start: int  # first line index of the header
    anchor: int  # the date line
    end: int  # last line index of the header (inclusive)


def _find_headers(lines: list[_Line], title_idx: int | None) -> tuple[list[_Header], int | None, str]:
    """Return (headers, opener line index, mode) where mode is "header" or "footer"."""
    anchors = [i for i, ln in enumerate(lines) if ln.date is not None and i != title_idx and not ln.opener]
    if not anchors:
        return [], None, "header"
    openers = [i for i, ln in enumerate(lines) if ln.opener and i != title_idx]
    content = _content_prefix(lines)
    counters = _counter_lines(lines)
    groups: dict[tuple[str, bool, bool], list[int]] = defaultdict(list)
    for i in anchors:
        groups[_signature(lines[i])].append(i)

    best: tuple[float, list[int], int | None] | None = None
    prose_start: int | None = None
    for members in groups.values():
        # Each opener that precedes some members starts a candidate section.
        starts: list[int | None] = [*[o for o in openers if o < members[-1]][-20:], None]
        for o in starts:
            after = [i for i in members if o is None or i > o]
            sel = [i for i in after if _plausible_anchor(lines, i)]
            if not sel:
                continue
            # The shape is learned from the group: once most of its date lines look like headers, the
            # rest of the same shape are headers too (an anonymous comment has no name line).
            if len(sel) >= 2 and len(after) >= 3 and len(sel) >= 0.6 * len(after) and o is not None:
                sel = after  # a small thread under a heading: two of three make the shape
            elif len(sel) >= 3 and len(sel) >= 0.6 * len(after):
                sel = after
            cue = sum(1 for i in sel if _has_cue(lines, i)) / len(sel)
            cue_only = lines[sel[0]].date is not None and lines[sel[0]].date.kind == "cue"  # type: ignore[union-attr]
            if cue_only and (o is None or len(sel) < 2):
                continue  # "X said:" lines without a comment heading are more likely an interview
            if _mostly_empty(content, sel):
                continue  # "NAME on TITLE DATE" rows of a recent-comments widget: no text under any
            if _counters_between(counters, members, o):
                continue  # "Posted by ... / 5 Comments" teasers of a blog's front page, not one thread
            if o is None:
                # A weak "By NAME" cue needs more support: no "More from" heading just above.
                strong = sum(1 for i in sel if _has_cue(lines, i, _STRONG_CUE_RX)) / len(sel)
                weak_ok = (
                    cue >= 0.5 and len(sel) >= 3 and not _promo_between(lines, max(-1, sel[0] - 8), sel[0])
                )
                if len(sel) >= 2 and (strong >= 0.5 or weak_ok):
                    score = len(sel) * 0.8
                else:
                    # No heading and no "says:": a reply link after most of them still marks comments,
                    # provided they come after the article's first prose (not its own dateline).
                    if prose_start is None:
                        region = _main_region(lines, 0, len(lines))
                        prose_start = region[0] if region else -1
                    # ... or that end with their own reply link and are no longer than the comments: on a
                    # page that is only comments the densest prose is the first comment's text. (An
                    # article's dateline holds the whole article before its "Reply".)
                    stops = [*sel[1:], min(len(lines), sel[-1] + 60)]
                    sizes = [content[stop] - content[i + 1] for i, stop in zip(sel, stops, strict=True)]
                    longest = max([3, *(n for i, n in zip(sel, sizes, strict=True) if i > prose_start)])
                    sel = [
                        i
                        for i, stop, size in zip(sel, stops, sizes, strict=True)
                        if i > prose_start or (size <= 3 * longest and _replied(lines, i, stop))
                    ]
                    if len(sel) < 3 or _reply_ratio(lines, sel) < 0.6:
                        continue
                    score = len(sel) * 0.7
            else:
                gap = _content_gap(lines, o, sel[0])
                if gap > 12 or _promo_between(lines, o, sel[0]):
                    continue
                if len(sel) < 2 and cue < 0.5 and lines[o].count != 1:
                    continue
                score = len(sel) + 0.5 - gap * 0.01
                if lines[o].count is not None and lines[o].count == len(sel):
                    score += 2
            if cue_only:
                score -= 1  # a dated shape of the same size wins: it carries the times
            if best is None or score > best[0]:
                best = (score, sel, o)
    if best is None:
        return [], None, "header"
    _, sel, opener = best
    mode = _mode(lines, sel, opener)
    headers = _extend_headers(lines, sel, mode)
    return headers, opener, mode


_REPLY_WORD = re.compile(
    r"reply|antwort|répondre|repondre|responder|rispondi|reageer|beantwoorden|responda", re.I
)


def _undated_headers(lines: list[_Line], title_idx: int | None) -> tuple[list[_Header], int | None]:
    """Comments that show no date (rendered by script, or hidden): under a comment heading, blocks that
    each end with a reply link and each open with a name line. Learned per page: most blocks must."""
    openers = [i for i, ln in enumerate(lines) if ln.opener and i != title_idx and ln.count != 0]
    for o in reversed(openers[-5:]):
        rows = []
        for j in range(o + 1, min(len(lines), o + 4000)):
            ln = lines[j]
            if ln.opener or (_is_section_end(ln) and not ln.chrome):
                break
            if ln.chrome and _REPLY_WORD.search(ln.core):
                rows.append(j)
        if len(rows) < 2:
            continue
        starts: list[int] = []
        prev = o
        for r in rows:
            idx = [j for j in range(prev + 1, r) if not lines[j].chrome and lines[j].furniture is None]
            prev = r
            if not idx:
                continue  # a second action row under the same comment
            first = idx[0]
            if len(idx) >= 2 and _is_name_like(lines[first]) and not _BYLINE.match(lines[first].core):
                starts.append(first)
            else:
                starts.append(-1)
        good = [j for j in starts if j >= 0]
        if len(good) < 2 or len(good) < 0.8 * len(starts):
            continue
        if _content_gap(lines, o, good[0]) > 3:
            continue
        return [_Header(j, j, j) for j in good], o
    return [], None


def _content_prefix(lines: list[_Line]) -> list[int]:
    """Prefix counts of content lines (not chrome, not furniture, two words or more): any range's
    count in O(1), since the header search tests many candidate ranges."""
    ps = [0]
    for ln in lines:
        ps.append(ps[-1] + (not ln.chrome and ln.furniture is None and " " in ln.core))
    return ps


def _mostly_empty(content: list[int], sel: list[int]) -> bool:
    """Dated lines with nothing written between them: a list of links, not comments (a comment with
    an empty text happens, but not for most of a thread)."""
    if len(sel) < 3:
        return False
    empty = sum(1 for a, b in pairwise(sel) if content[b] - content[a + 1] == 0)
    return empty > 0.5 * (len(sel) - 1)


def _counter_lines(lines: list[_Line]) -> list[int]:
    # A bare "3 replies" is a comment's own action row (chrome), not a teaser's "5 Comments".
    return [
        j
        for j, ln in enumerate(lines)
        if (ln.opener and ln.count is not None and not (ln.chrome and _REPLY_COUNT.fullmatch(ln.core)))
        or (len(ln.core) <= 20 and _NO_COMMENTS.fullmatch(ln.core))
    ]


_REPLY_COUNT = re.compile(
    r"\d+\s+(?:repl(?:y|ies)|antworten|réponses?|risposte|respuestas|respostas|reacties)", re.I
)


def _counters_between(counters: list[int], members: list[int], opener: int | None) -> bool:
    """Comment counters (other than the section's own) between the lines of one date shape: each dated
    line has its own count, so these are a blog front page's teasers, not one thread."""
    lo, hi = bisect_right(counters, members[0]), bisect_left(counters, members[-1])
    hits = (
        hi
        - lo
        - (1 if opener is not None and members[0] < opener < members[-1] and opener in counters else 0)
    )
    return hits >= max(1, (len(members) - 1) // 2)


_NO_COMMENTS = re.compile(r"no comments?|(?:0|zero) comments?|comments? off|comments? closed", re.I)


def _reply_ratio(lines: list[_Line], sel: list[int]) -> float:
    """Share of headers followed, before the next header, by a per-comment reply link."""
    hits = 0
    for k, i in enumerate(sel):
        stop = sel[k + 1] if k + 1 < len(sel) else min(len(lines), i + 60)
        hits += _replied(lines, i, stop)
    return hits / len(sel)


def _replied(lines: list[_Line], i: int, stop: int) -> bool:
    return any(_is_reply_row(lines[j]) for j in range(i + 1, stop))


def _is_reply_row(ln: _Line) -> bool:
    return ln.chrome and bool(_REPLY_WORD.search(ln.core))


# "says:", "wrote", "Posted by" belong to comments; a bare "By NAME" is also every article's byline.
_STRONG_CUE_RX = re.compile(
    r"\b" + trie_rx([*_SAYS_WORDS, *_CUE_PHRASES, "submitted by", "commented", "kommentierte"]) + r"\b",
    re.I,
)


_PAREN_ID = re.compile(r"\(\d{2,}\)")


def _first_line_shape(core: str) -> tuple[str, str, bool]:
    tokens = core.split()
    return (
        tokens[0].lower() if tokens else "",
        tokens[-1].lower() if tokens else "",
        bool(_PAREN_ID.search(core)),
    )


def _add_dateless_headers(lines: list[_Line], headers: list[_Header]) -> list[_Header]:
    """Comments whose header shows the learned first line ("by NAME (1234)", "NAME says:") but no date
    (hidden or collapsed) are headers too. The shape must have a constant word to be trusted."""
    if len(headers) < 3:
        return headers
    shapes = [_first_line_shape(lines[h.start].core) for h in headers]
    first = Counter(sh[0] for sh in shapes).most_common(1)[0]
    last = Counter(sh[1] for sh in shapes).most_common(1)[0]
    ids = sum(sh[2] for sh in shapes)
    need_first = first[0] if first[1] >= 0.9 * len(shapes) and first[0].isalpha() else None
    need_last = last[0] if last[1] >= 0.9 * len(shapes) and last[0].rstrip(":").isalpha() else None
    need_id = ids >= 0.7 * len(shapes)
    if not (need_first or need_last):
        return headers
    taken = {j for h in headers for j in range(h.start, h.end + 1)}
    extra: list[_Header] = []
    for j in range(headers[0].start + 1, headers[-1].start):
        ln = lines[j]
        if j in taken or ln.date is not None or ln.chrome or ln.furniture is not None:
            continue
        if len(ln.core.split()) > 8 or ln.core.endswith((".", "!", "?", "…")):
            continue
        f, la, has_id = _first_line_shape(ln.core)
        if (need_first and f != need_first) or (need_last and la != need_last) or (need_id and not has_id):
            continue
        extra.append(_Header(j, j, j))
    if not extra:
        return headers
    return sorted(headers + extra, key=lambda h: h.start)


def _drop_quoted_headers(lines: list[_Line], headers: list[_Header]) -> list[_Header]:
    """A header-shaped line quoted inside a comment ("John Smith 3 hours ago") is text. Learned per page:
    when most comments end with a reply link and most date lines end with the same words ("| link"),
    a date line without those words, inside a comment that has not reached its reply link yet, is
    quoted."""
    if len(headers) < 4:
        return headers

    def tail(h: _Header) -> str:
        ln = lines[h.anchor]
        return " ".join(ln.core[ln.date.end :].split()).casefold() if ln.date is not None else ""

    def replied(a: int, b: int) -> bool:
        return any(lines[j].chrome and _REPLY_WORD.search(lines[j].core) for j in range(a, b))

    stops = [h.start for h in headers[1:]] + [min(len(lines), headers[-1].end + 60)]
    ends = [replied(h.end + 1, stop) for h, stop in zip(headers, stops, strict=True)]
    common, count = Counter(tail(h) for h in headers).most_common(1)[0]
    if not common or count < 0.8 * len(headers) or sum(ends) < 0.8 * len(headers):
        return headers
    kept = [headers[0]]
    open_block = not ends[0]  # the kept comment above has not shown its reply link yet
    for h, end in zip(headers[1:], ends[1:], strict=True):
        if open_block and tail(h) != common:
            open_block = not end  # quoted: the comment above runs on to this block's reply link
            continue
        kept.append(h)
        open_block = not end
    return kept


def _has_cue(lines: list[_Line], i: int, rx: re.Pattern[str] = _CUE_RX) -> bool:
    if rx.search(lines[i].core):
        return True
    return (
        i > 0
        and not lines[i].blank_before
        and bool(rx.search(lines[i - 1].core))
        and _is_name_like(lines[i - 1])
    )


def _plausible_anchor(lines: list[_Line], i: int) -> bool:
    """A bare date line needs a name line right above it; a date line with words needs few of them."""
    ln = lines[i]
    d = ln.date
    assert d is not None
    rest = (ln.core[: d.start] + " " + ln.core[d.end :]).strip(_NAME_STRIP + " ")
    rest = _PAREN_NUM.sub("", rest).strip(_NAME_STRIP)
    if ln.furniture is not None and not rest:
        return False
    if rest:
        return len(rest.split()) <= _MAX_HEADER_WORDS
    if i > 0 and not lines[i].blank_before:
        prev = lines[i - 1]
        if _is_name_like(prev) and not prev.opener:
            return True
    return _name_below(lines, i) is not None


def _name_below(lines: list[_Line], i: int) -> int | None:
    """Forum post bars put the date first and the poster's name on the next line ("DATE  #2" / NAME);
    a post number or other chrome may sit between them."""
    for j in range(i + 1, min(len(lines), i + 3)):
        ln = lines[j]
        if ln.blank_before:
            return None
        if ln.chrome:
            continue
        return j if _is_name_like(ln) and not ln.opener and len(ln.core.split()) <= 3 else None
    return None


def _promo_between(lines: list[_Line], start: int, stop: int) -> bool:
    """A "Related stories" / "More from" heading after the opener: those dated lines are teasers."""
    return any(lines[j].furniture == "recommendations" for j in range(start + 1, stop))


def _content_gap(lines: list[_Line], o: int, first: int) -> int:
    """Content lines between an opener and the first header (furniture and chrome do not count)."""
    n = 0
    for j in range(o + 1, first):
        ln = lines[j]
        if ln.furniture is None and not ln.chrome and not ln.opener:
            n += 1
    return n


_POSTED_BY = re.compile(
    r"^\W*(?:posted|submitted|written|geschrieben|publié|écrit)\b.{0,20}\b(?:by|von|par)\b|^[—–-]\s*\w", re.I
)


def _mode(lines: list[_Line], sel: list[int], opener: int | None) -> str:
    """Footers ("Posted by NAME on DATE" after the text) or headers (before the text)."""
    posted = sum(1 for i in sel if _POSTED_BY.search(lines[i].core))
    if posted >= max(1, len(sel) // 2):
        start = (opener + 1) if opener is not None else max(0, sel[0] - 30)
        if _content_gap(lines, start - 1, sel[0]) < 1:
            return "header"
        # "Submitted by NAME on DATE" above the text (a subject line before it) is a header: footers
        # leave the first comment's prose before the first stamp and nothing after the last one.
        if opener is not None and _prose_lines(lines, opener + 1, sel[0]) == 0:
            return (
                "header" if _prose_lines(lines, sel[-1] + 1, _section_stop(lines, sel[-1] + 1)) else "footer"
            )
        return "footer"
    # No "Posted by": read the layout. Footers leave the first comment's prose between the heading
    # and the first date line, and nothing but page chrome after the last one.
    if opener is None or len(sel) < 2:
        return "header"
    prose_before = sum(
        1
        for j in range(opener + 1, sel[0])
        if lines[j].furniture is None and not lines[j].chrome and len(lines[j].core.split()) >= 4
    )
    after = next((j for j in range(sel[-1] + 1, len(lines)) if not lines[j].chrome), None)
    nothing_after = after is None or _is_section_end(lines[after]) or lines[after].opener
    # A time inside an action row ("Like · Reply · 2y") closes its comment: an action row is a footer.
    actions = sum(1 for i in sel if _action_row_with_date(lines[i]))
    if prose_before >= 1 and actions >= 0.6 * len(sel):
        return "footer"
    return "footer" if prose_before >= 1 and nothing_after else "header"


def _action_row_with_date(ln: _Line) -> bool:
    d = ln.date
    if d is None or d.kind == "cue":
        return False
    rest = (ln.core[: d.start] + " " + ln.core[d.end :]).strip(_NAME_STRIP + " ")
    # An action ("Like", "Reply"), not just counters: "10 points · 6 years ago" heads a comment.
    return bool(rest) and _all_chrome_tokens(rest) and bool(_ACTION_WORD.search(rest))


_ACTION_WORD = re.compile(
    r"\b(?:reply|like|share|report|flag|antworten|répondre|responder|rispondi|beantwoorden|j'aime|gefällt)\b",
    re.I,
)


def _words_beside_date(ln: _Line) -> bool:
    d = ln.date
    if d is None:
        return False
    rest = (ln.core[: d.start] + " " + ln.core[d.end :]).strip(_NAME_STRIP + " ")
    return bool(_PAREN_NUM.sub("", rest).strip(_NAME_STRIP))


def _prose_lines(lines: list[_Line], start: int, stop: int) -> int:
    return sum(
        1
        for j in range(start, stop)
        if lines[j].furniture is None and not lines[j].chrome and len(lines[j].core.split()) >= 4
    )


def _section_stop(lines: list[_Line], start: int) -> int:
    """Where the page's chrome resumes after the last comment stamp (a form, a furniture heading)."""
    for j in range(start, min(len(lines), start + 200)):
        if _is_section_end(lines[j]) or lines[j].opener:
            return j
    return min(len(lines), start + 200)


def _extend_headers(lines: list[_Line], sel: list[int], mode: str) -> list[_Header]:
    """Learn how many lines above the date line belong to the header, from the whole group."""
    headers = [_Header(i, i, i) for i in sel]
    if mode == "header":
        for _back in (1, 2):  # a name line, then maybe a "BY" or avatar line above it
            votes = 0
            for h in headers:
                j = h.start - 1
                if (
                    j >= 0
                    and h.start - j == 1
                    and not lines[h.start].blank_before
                    and _is_name_like(lines[j])
                ):
                    votes += 1
            if votes == 0 or votes < 0.5 * len(headers):
                break
            prev_ends = [-1] + [h.anchor for h in headers[:-1]]
            for h, prev_end in zip(headers, prev_ends, strict=True):
                j = h.start - 1
                # Learned: headers here have a name line, so a longer one ("Bob K from Leeds") is too.
                if j > prev_end and not lines[h.start].blank_before and _is_name_line_loose(lines[j]):
                    h.start = j
    # Date first, name below (forum post bars): learned from the group, most headers must show it.
    sel_set = set(sel)
    if mode == "header":
        below = {h.anchor: _name_below(lines, h.anchor) for h in headers if h.start == h.anchor}
        bare = [h for h in headers if h.start == h.anchor and not _words_beside_date(lines[h.anchor])]
        if bare and sum(1 for h in bare if below.get(h.anchor) is not None) >= max(2, 0.6 * len(headers)):
            for h in bare:
                name_at = below.get(h.anchor)
                if name_at is None or name_at in sel_set:
                    continue
                h.end = name_at
                # A short title line right under the name ("Senior Member") belongs to the header too.
                k = name_at + 1
                if (
                    k < len(lines)
                    and k not in sel_set
                    and not lines[k].blank_before
                    and _is_name_like(lines[k])
                    and len(lines[k].core.split()) <= 3
                    and k + 1 < len(lines)
                ):
                    h.end = k
    # Trailing punctuation-only lines (":" or "·") and chrome directly after the date line.
    for h in headers:
        j = h.end + 1
        while (
            j < len(lines) and j not in sel_set and (lines[j].core.strip(":·|•-–— ") == "") and j - h.end <= 2
        ):
            h.end = j
            j += 1
    return headers


# ---------------------------------------------------------------------------------------------------
# Authors, parents, assembling


# "12 points", "3 likes", "(Score:4, Insightful)": a header's counters are not part of the name.
_SCORE = re.compile(r"\b\d+\s*(?:points?|likes?|votes?|upvotes?|karma|pts)\b|\(score:[^)]*\)", re.I)
_EMAIL_ISH = re.compile(r"<[^>]{1,80}>")
_BY_CUE = re.compile(
    r"\b(?:posted by|written by|submitted by|geschrieben von|kommentar von|by|par)\b\s*:?\s*", re.I
)
_SAYS_CUE = re.compile(
    r"\s+(?:says|said|sagt|schreibt|écrit|a écrit|wrote|writes|dit|commented|replied|antwortete|a répondu|schreef|zei|ha detto|ha scritto|scrive|escribió|escribio|escreveu|disse|dijo|comentó|comentou)\b.*$",
    re.I,
)
# "ann replied to bob · 2h", "ann ▸ bob", "ann in reply to bob": the header names the parent's author.
_HEADER_REPLY_TO = re.compile(
    r"\s+(?:replied to|in reply to|reply to|replying to|antwortete auf|antwort an|a répondu à|en réponse à|▸|►|→)\s+@?(?P<to>.+)$",
    re.I,
)
_ID_MARK = "\x00"
_ID_MARK_RX = re.compile(_ID_MARK)


def _header_text(lines: list[_Line], h: _Header) -> str:
    parts: list[str] = []
    for j in range(h.start, h.end + 1):
        ln = lines[j]
        if ln.furniture == "site chrome" and not ln.core.strip("[]"):
            continue
        core = ln.core if _BRACKET_NAME.match(ln.core) else _LEAD_MARKER.sub("", ln.core)
        if j > h.anchor:
            core = _ID_MARK + " " + core  # a line below the date: its own stretch ("DATE" / NAME / rank)
        if ln.date is not None and j == h.anchor:
            core = core[: ln.date.start] + " " + _ID_MARK + " " + core[ln.date.end :]
        if ln.date is not None:
            core = DATE.sub(" " + _ID_MARK + " ", core)  # "· edited 6 years ago": a second date is no name
        core = _EMAIL_ISH.sub(" ", core)
        core = _SCORE.sub(" ", core)
        core = _PAREN_NUM.sub(" " + _ID_MARK + " ", core)
        parts.append(core)
    return " ".join(parts)


def _authors(
    lines: list[_Line], headers: list[_Header], reply_to: dict[int, str] | None = None
) -> list[str | None]:
    """Each header's author; `reply_to` (when given) collects header index -> replied-to name."""
    if reply_to is None:
        reply_to = {}
    texts: list[str] = []
    for h in headers:
        text = _header_text(lines, h)
        # Cue words say where a name starts ("Posted by NAME", "BY NAME") and ends ("NAME says:").
        m = None
        for m in _BY_CUE.finditer(text):
            if len(text[: m.start()].split()) <= 6:
                break
        else:
            m = None
        if m is not None:
            text = text[m.end() :]
        r = _HEADER_REPLY_TO.search(text)
        if r:
            reply_to[len(texts)] = _clean_name(_ID_MARK_RX.split(r["to"])[0])
            text = text[: r.start()]
        text = _SAYS_CUE.sub("", text)
        texts.append(text)
    all_tokens = [_TOKEN.findall(t) for t in texts]
    # Tokens present in almost every header are template words ("Thumb", "says:", "permalien"), not names.
    df: Counter[str] = Counter()
    for toks in all_tokens:
        df.update(set(t.lower() for t in toks))
    n = len(headers)
    constant = {t for t, c in df.items() if n >= 3 and c >= 0.7 * n and t != _ID_MARK} if n >= 3 else set()
    if constant:
        # A template word stands beside another name in most headers that hold it; a name that stands
        # alone is a reader who wrote most of the thread ("Anonymous", "Guest", one arguing with all).
        beside: Counter[str] = Counter()
        for toks in all_tokens:
            low = {t.lower() for t in toks}
            if any(
                t not in constant
                and t != _ID_MARK
                and not _is_function(t)
                and not t.strip(_NAME_STRIP).isdigit()
                for t in low
            ):
                beside.update(low & constant)
        constant = {t for t in constant if beside[t] >= 0.5 * df[t] or t.strip(_NAME_STRIP) in _CHROME_WORDS}
    authors: list[str | None] = []
    for toks in all_tokens:
        # A template word ends a name where it stands ("Ann from Leeds" when every header has "from").
        kept = [_ID_MARK if t.lower() in constant else t for t in toks]
        # The name ends at the date or at a user id "(547705)": keep the first non-empty stretch.
        stretches: list[list[str]] = [[]]
        for t in kept:
            if t == _ID_MARK:
                stretches.append([])
            else:
                stretches[-1].append(t)
        for stretch in stretches:
            if all(_is_function(t) or t.strip(_NAME_STRIP).isdigit() for t in stretch):
                continue  # only numbers and template words ("level 1", "39 points"): no name here
            while stretch and (
                (_is_function(stretch[0]) and stretch[0].lower() not in _NAME_INITIALS)
                or stretch[0].strip(_NAME_STRIP).isdigit()  # list numbers, levels, scores come first
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
                kept = stretch
                break
        else:
            kept = []
        text = _clean_name(" ".join(kept))
        if text and len(text.split()) > 8:
            text = " ".join(text.split()[:8])
        authors.append(text or None)
    return authors


_NAME_EDGE = _NAME_STRIP.replace("(", "").replace(")", "").replace("[", "").replace("]", "")


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
    return None


_REPLY_TO = re.compile(
    r"^\s*(?:@\s?|(?:in reply to|replying to|reply to|en réponse à|antwort an|als antwort auf)\s+@?)(?P<name>[^\s,:;!?]{1,40})",
    re.I,
)


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
                    c = Comment(c.text, c.author, c.posted_at, c.posted_raw, parent)
        out.append(c)
        if c.author:
            latest[c.author.casefold()] = i
    return out


_LEVEL_LABEL = re.compile(r"(?:level|depth|niveau|ebene)\s+(\d{1,2})", re.I)


def _level_labels(lines: list[_Line], headers: list[_Header]) -> list[int] | None:
    """ "level 2" written just above (or in) most headers is the thread depth, whatever the layout's
    indentation lost (HTML and text dumps flatten it)."""
    levels: list[int | None] = []
    prev_end = -1
    for h in headers:
        found = None
        for j in range(h.end, max(prev_end, h.start - 4), -1):
            m = _LEVEL_LABEL.fullmatch(lines[j].core) if lines[j].chrome or j < h.start else None
            if m:
                found = int(m[1])
                break
        levels.append(found)
        prev_end = h.end
    known = [v for v in levels if v is not None]
    if len(known) < 2 or len(known) < 0.8 * len(levels):
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


def _move_subject_lines(
    lines: list[_Line], blocks: list[tuple[_Header, list[int]]], role: list[str | None]
) -> list[tuple[_Header, list[int]]]:
    """When comments end with an action row ("Reply to This"), a short line after that row and before
    the next header is the next comment's subject line ("Re: Of course (Score:4)"), not the tail of
    the previous comment. Learned per page: most comments must end with such a row."""
    if len(blocks) < 3:
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
    if sum(t is not None for t in tails) < 0.6 * len(tails):
        return blocks
    out = list(blocks)
    for k, tail in enumerate(tails):
        if tail is None or not tail[1] or len(tail[1]) > 2:
            continue
        if any(
            len(lines[j].core.split()) > 15 or lines[j].core.endswith((".", "!", "?", "…")) for j in tail[1]
        ):
            continue
        h, idx = out[k]
        moved = set(tail[1])
        out[k] = (h, [j for j in idx if j not in moved])
        for j in tail[1]:
            role[j] = "header"
    return out


_LABEL_LINE = re.compile(r"(?P<label>[^\W\d][\w .'-]{0,24}?)\s*:\s*\S.{0,40}")


def _profile_lines(lines: list[_Line], blocks: list[tuple[_Header, list[int]]]) -> set[int]:
    """ "Join Date: Jan 2015" / "Posts: 1,234" under every poster's name: "Label: value" lines that
    open most comments with the same labels are the poster's profile, not what they wrote."""
    if len(blocks) < 2:
        return set()
    leading: list[list[tuple[int, str]]] = []
    counts: Counter[str] = Counter()
    for _, idx in blocks:
        found: list[tuple[int, str]] = []
        for j in idx[:6]:
            ln = lines[j]
            if ln.chrome:
                continue
            m = _LABEL_LINE.fullmatch(ln.core) if len(ln.core) <= 70 else None
            if not m:
                break
            found.append((j, m["label"].casefold()))
        leading.append(found)
        counts.update({label for _, label in found})
    common = {label for label, c in counts.items() if c >= max(2, 0.6 * len(blocks))}
    return {j for found in leading for j, label in found if label in common}


def _names_above_text(
    lines: list[_Line],
    blocks: list[tuple[_Header, list[int]]],
    authors: list[str | None],
    role: list[str | None],
) -> tuple[list[tuple[_Header, list[int]]], list[str | None]]:
    """Footers that carry only a time ("Like · Reply · 2y") leave the name as the first line of each
    block: NAME / text / footer. Learned per page: most nameless blocks must open with a name line."""
    nameless = [k for k, a in enumerate(authors) if a is None]
    if not nameless or len(nameless) < 0.6 * len(authors):
        return blocks, authors
    firsts: dict[int, int] = {}
    for k in nameless:
        idx = [j for j in blocks[k][1] if not lines[j].chrome and lines[j].furniture is None]
        if len(idx) >= 2 and _is_name_like(lines[idx[0]]) and not _CUE_RX.search(lines[idx[0]].core):
            firsts[k] = idx[0]
    if len(firsts) < 0.6 * len(nameless):
        return blocks, authors
    out_blocks, out_authors = list(blocks), list(authors)
    for k, j in firsts.items():
        h, idx = blocks[k]
        out_blocks[k] = (h, [i for i in idx if i != j])
        out_authors[k] = _clean_name(lines[j].core) or None
        role[j] = "header"
    return out_blocks, out_authors


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


def _footer_stamp(lines: list[_Line], h: _Header, idx: list[int]) -> int | None:
    """An undated header ("NAME said...") may carry its time in a footer: the last bare date line of
    the block."""
    d = lines[h.anchor].date
    if d is not None and d.kind != "cue":
        return None
    for j in reversed(idx):
        ln = lines[j]
        if ln.date is not None and ln.date.kind != "cue" and len(ln.date.raw) >= 0.6 * len(ln.core):
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
        short = len(ln.core.split()) <= 6 and not _SENTENCE_END.search(ln.core)
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
    return set(run) if len(menu) >= 3 else set()


_PLUS_ONE = re.compile(r"\+\d{1,3}")
# A text browser's image placeholder on a line of its own ("[avatar]", "[3362e]", not "[removed]").
_PLACEHOLDER = re.compile(r"\[[\w.-]{0,40}\]")
_LINK_BAR = re.compile(r"(?:[^|•·]{1,40}[|•·]){3,}")


def _is_menu_line(ln: _Line) -> bool:
    core = ln.core
    if _LINK_BAR.match(core):
        return True
    words = core.split()
    return len(words) <= 4 and not _SENTENCE_END.search(core) and not core.endswith((",", ":"))


def _last_comment_end(lines: list[_Line], start: int, stop: int, replies: bool) -> int:
    """The last comment runs until the page's chrome starts: a form, a furniture heading, or a menu
    (three short link-like lines in a row, or a bar of links). Short lines the reader wrote are no
    menu: a run that starts at the comment's first line of text or that a line ending in ":" opens,
    or anything before the comment's reply link (when `replies`: the page's comments end with one,
    and then the comment ends there)."""
    first = next((j for j in range(start, stop) if not lines[j].chrome and lines[j].furniture is None), stop)
    floor = first + 1
    if replies:
        for j in range(start, stop):
            if j > start and _is_section_end(lines[j]):
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
        if j > start and (_is_section_end(ln) or _LINK_BAR.match(ln.core)):
            return j - run if run >= 3 and not readers and j - run >= floor else j
        if _is_menu_line(ln):
            if run == 0:
                run_start, readers = j, j <= first
            run += 1
        else:
            run = 0
        if run == 3 and not readers:
            intro = run_start > start and lines[run_start - 1].core.endswith(":")  # "My list:"
            readers = j - 2 < floor or intro
        if run >= 3 and not readers:
            return j - run + 1
    return stop


def _is_section_end(ln: _Line) -> bool:
    return ln.hint in {"nav", "form"} or (ln.furniture in _END_REASONS and not ln.chrome)


def segment(raw_lines: list[tuple[str, int, str | None]], *, source: str, fmt: PageFormat,
            limits: Limits) -> Article:  # fmt: skip
    return segment_with_roles(raw_lines, source=source, fmt=fmt, limits=limits)[0]


def segment_with_roles(
    raw_lines: list[tuple[str, int, str | None]], *, source: str, fmt: PageFormat, limits: Limits
) -> tuple[Article, list[tuple[int, str, str]]]:
    """The Article, and where every piece of every non-blank input line went: (input line index, text,
    place) with place "title", "body", "header", "text" or a drop reason. Used to prove nothing is lost."""
    lines = _classify(raw_lines)
    _mark_foreign_script(lines)
    _markup_times(lines)
    if not lines:
        raise MalformedInputError(f"{source}: no text found in the page")
    n = len(lines)
    role: list[str | None] = [None] * n  # "title", "body", "header", "text", or a drop reason

    title_idx = _pick_title(lines)
    headers, opener, mode = _find_headers(lines, title_idx)
    if not headers:
        headers, opener = _undated_headers(lines, title_idx)
    if headers and mode == "header":
        headers = _add_dateless_headers(lines, headers)
        headers = _drop_quoted_headers(lines, headers)
    if len(headers) > limits.max_comments_per_page:
        raise TooLargeError(
            f"{source}: {len(headers):,} comments is over the limit of {limits.max_comments_per_page:,} per page"
        )
    declared = None
    for i, ln in enumerate(lines):
        if ln.opener and ln.count is not None and (opener is None or i <= opener):
            declared = ln.count
    if opener is not None and lines[opener].count is not None:
        declared = lines[opener].count

    comments: list[Comment] = []
    section_start = section_end = n
    if headers:
        section_start = headers[0].start if opener is None else opener
        blocks: list[tuple[_Header, list[int]]] = []
        if mode == "header":
            for k, h in enumerate(headers):
                stop = headers[k + 1].start if k + 1 < len(headers) else n
                if k + 1 == len(headers):
                    replied = sum(1 for _, idx in blocks if any(_is_reply_row(lines[j]) for j in idx))
                    stop = _last_comment_end(lines, h.end + 1, stop, replied >= max(1, 0.6 * len(blocks)))
                body_idx = list(range(h.end + 1, stop))
                blocks.append((h, body_idx))
                section_end = stop
            blocks = _move_subject_lines(lines, blocks, role)
        else:
            prev = (opener + 1) if opener is not None else headers[0].start
            for h in headers:
                body_idx = list(range(prev, h.start))
                # In footer mode a comment cannot begin before the section: trim leading furniture.
                blocks.append((h, body_idx))
                prev = h.end + 1
            section_end = prev
        header_reply_to: dict[int, str] = {}
        authors = _authors(lines, headers, header_reply_to)
        if mode == "header":
            blocks, authors = _merge_quoted_headers(lines, blocks, authors)
        else:
            blocks, authors = _names_above_text(lines, blocks, authors, role)
        numeric_order = _numeric_order([lines[h.anchor].date for h, _ in blocks]) or _page_order(lines)
        # Indentation shows threads in header mode; footers sit wherever the layout put them.
        levels = [lines[h.start].indent for h, _ in blocks] if mode == "header" else [0] * len(blocks)
        levels = _level_labels(lines, [h for h, _ in blocks]) or levels
        parents = _parents(levels)
        footer_time: dict[int, str] = {}
        profile = _profile_lines(lines, blocks)
        seen_on_page = Counter(ln.core for ln in lines if ln.furniture is not None)
        # An image placeholder right above a header ("[avatar]" / "Par NAME, le DATE") is its avatar.
        avatar_at = {h.start for h, _ in blocks if not lines[h.start].blank_before}
        for k, (h, body_idx) in enumerate(blocks):
            for j in range(h.start, h.end + 1):
                role[j] = "header"
            text_lines: list[str] = []
            menu = _leading_menu(lines, body_idx, lines[h.anchor].indent)
            stamp = _footer_stamp(lines, h, body_idx)
            if stamp is not None:  # "NAME said..." / text / "March 3, 2021 at 10:15 AM" (Blogger)
                role[stamp] = "header"
                footer_time[k] = lines[stamp].date.raw  # type: ignore[union-attr]
                body_idx = [j for j in body_idx if j != stamp]
            for j in body_idx:
                ln = lines[j]
                if j in profile:
                    role[j] = "commenter profile"
                    continue
                if ln.furniture == "cookie notice" and "cookie" in ln.core.lower():
                    # A banner the layout put between comments, however long. (A reader's long line
                    # about moderation or newsletters stays: it may be what they wrote.)
                    role[j] = "cookie notice"
                    continue
                if (
                    j in menu
                    or ln.chrome
                    or (
                        ln.furniture not in {None, "site chrome", "link in another language"}
                        and len(ln.core) < 60
                        # A label ("Share this:", "Advertisement") or the page's template; a longer
                        # one-off line ("Share on Facebook if you agree!!!") is the reader's.
                        and (len(ln.core.split()) <= 3 or seen_on_page[ln.core] >= 2)
                    )
                    or (j + 1 in avatar_at and _PLACEHOLDER.fullmatch(ln.core))
                ):
                    role[j] = "comment chrome"
                    continue
                role[j] = "text"
                text_lines.append(_TRAILING_CHROME.sub("", _GAP_BULLET.sub("", ln.text)))
            if not text_lines:
                # "+1" reads as a vote counter; as a comment's only line it is what the reader wrote.
                plus = [
                    j for j in body_idx if role[j] == "comment chrome" and _PLUS_ONE.fullmatch(lines[j].text)
                ]
                if len(plus) == 1:
                    role[plus[0]] = "text"
                    text_lines.append(lines[plus[0]].text)
            d = lines[h.anchor].date  # None for a header that shows no date
            raw = d.raw if d is not None and d.kind != "cue" else ""
            if not raw and footer_time.get(k) is not None:
                raw = footer_time[k]
            comments.append(
                Comment(
                    text="\n".join(text_lines).strip(),
                    author=authors[k],
                    posted_at=_posted_at(lines, h, raw, numeric_order),
                    posted_raw=raw or None,
                    parent=parents[k],
                )
            )
        if opener is not None:
            role[opener] = "comment section heading"
            for j in range(opener + 1, headers[0].start):
                if role[j] is None:
                    ln = lines[j]
                    role[j] = ln.furniture or ("comment chrome" if ln.chrome else "comment section chrome")

    if comments:
        comments = _reply_markers(comments, header_reply_to if len(blocks) == len(headers) else {})
    # The article is the densest run of prose before the comments; what lies around it is page chrome.
    body_end = section_start if headers else n
    region = _main_region(lines, 0, body_end)
    if region is not None and fmt == "text":
        # The headline sits just above the article; a line far above it is the site's name or a menu.
        near = _title_near(lines, region[0])
        if near is not None:
            title_idx = near
    # Everything else: title, body, or furniture.
    if title_idx is not None:
        role[title_idx] = "title"
    body: list[str] = []
    dropped: list[Dropped] = []
    for j, ln in enumerate(lines):
        r = role[j]
        if r is None:
            if j >= section_end:
                r = ln.furniture or "after the comment section"
            elif ln.opener:
                r = (
                    "comment counter with no comments"
                    if not headers or j < section_start
                    else "comment section heading"
                )
            elif ln.furniture is not None:
                r = ln.furniture
            elif region is not None and j < region[0] and not _lead_in(lines, j, title_idx, region[0]):
                r = "page header before the article"
            elif region is not None and region[1] <= j < body_end:
                r = "page furniture after the article"
            elif title_idx is not None and j < title_idx and fmt == "text":
                r = "page header before the title"
            elif ln.hint == "nav":
                r = "navigation"
            elif ln.hint == "title" and title_idx is not None:
                r = "document title"
            elif headers and mode == "footer" and section_start <= j < section_end:
                r = "comment section chrome"
            else:
                r = "body"
        role[j] = r
        if r == "body":
            body.append(ln.text)
        elif r not in {"title", "header", "text"}:
            dropped.append(Dropped(ln.text, r))
    title = lines[title_idx].core if title_idx is not None else None
    roles = [(ln.src, ln.text, role[j] or "body") for j, ln in enumerate(lines)]
    article = Article(
        source=source,
        format=fmt,
        title=title,
        body="\n".join(body),
        comments=tuple(comments),
        declared_comment_count=declared,
        dropped=tuple(dropped),
    )
    return article, roles


def _markup_times(lines: list[_Line]) -> None:
    """HTML only: a short line that carries a machine-readable time but shows none (a <time datetime>
    that a script fills in, "NAME <time datetime=...></time>") is a date line for the header search."""
    for ln in lines:
        if (
            ln.date is None
            and ln.hint is not None
            and ln.hint.startswith("dt=")
            and ln.furniture is None
            and not ln.chrome
            and not ln.opener
            and len(ln.core.split()) <= 6
            and not _SENTENCE_END.search(ln.core)
        ):
            ln.date = DateHit(len(ln.core), len(ln.core), "", "stamp", True)


_NON_LATIN = re.compile(r"[^\W\d_\u0000-\u024f\u1e00-\u1eff]")


def _mark_foreign_script(lines: list[_Line]) -> None:
    """A short line in another script than the page ("read this in Arabic" links) is furniture."""
    prose = [ln for ln in lines if len(ln.core) >= 60]
    if not prose:
        return
    foreign = sum(1 for ln in prose if not ln.core.isascii() and _mostly_foreign(ln.core))
    if foreign > 0.2 * len(prose):
        return
    for ln in lines:
        if ln.furniture is None and len(ln.core) < 60 and not ln.core.isascii() and _mostly_foreign(ln.core):
            ln.furniture = "link in another language"


def _mostly_foreign(text: str) -> bool:
    text = text[:160]
    if not _NON_LATIN.search(text):
        return False
    letters = sum(1 for c in text if c.isalpha())
    return letters > 0 and len(_NON_LATIN.findall(text)) > 0.5 * letters


_BULLET_START = re.compile(r"^\s*(?:[•*●◦▪‣·□■☐☆★○◆►▸+-]|\d{1,3}[.)])\s")


_SEPARATORS = re.compile(r"\s[|▪•·›»/]\s")


# Headings that close an article: nothing after them (before the comments) is the article any more.
_BIO_HEADING = re.compile(
    r"about the (?:author|writer)|(?:author|writer)(?:'s)? bio|über (?:den|die) autor|à propos de l'auteur"
    r"|sobre el autor|sull'autore",
    re.I,
)
_END_OF_ARTICLE = re.compile(
    r"before you go|recommended|popular in the community|what'?s hot|trending|most (?:read|popular|viewed|shared)"
    r"|related (?:articles|stories|posts|content|coverage)|you (?:may|might) also like|more (?:from|stories|on this)"
    r"|read next|up next|top stories|editor'?s picks?|à lire aussi|sur le même sujet|das könnte sie auch|weitere artikel"
    r"|about the (?:author|writer)|(?:author|writer)(?:'s)? bio|über (?:den|die) autor|à propos de l'auteur|sobre el autor|sull'autore",
    re.I,
)


def _line_score(ln: _Line) -> float:
    """Prose scores by its length; chrome, link lists and short labels cost a little (cached)."""
    if ln.score is None:
        ln.score = _line_score_uncached(ln)
    return ln.score


def _line_score_uncached(ln: _Line) -> float:
    if ln.furniture is not None or ln.opener or ln.hint in {"nav", "form", "title"}:
        return -4.0
    words = len(ln.core.split())
    core = ln.core
    bar = (
        "|" in core
        or "•" in core
        or "·" in core
        or "▪" in core
        or "›" in core
        or "»" in core
        or " / " in core
    ) and len(_SEPARATORS.findall(core)) >= 3
    if bar or len(core) < 3.5 * words:
        return -3.0  # "A | B | C" link bars and letter indexes are navigation, however long
    if words >= 12 and not (words < 20 and _BULLET_START.match(ln.text)):
        return float(min(words, 60))
    if words >= 6 and _SENTENCE_END.search(ln.core):
        return words / 2
    return -3.0 if _BULLET_START.match(ln.text) else -2.0


def _main_region(lines: list[_Line], start: int, end: int) -> tuple[int, int] | None:
    """The article body: the maximum-sum run of line scores (Kadane), then grown over neighbouring
    prose that a short dip (a caption, a table, an ad label) separates from it."""
    scores = [_line_score(lines[j]) for j in range(start, end)]
    # "More from" / "Most read" headings stop the article from growing over the teasers below them.
    barrier = [
        lines[j].furniture == "recommendations" and bool(_END_OF_ARTICLE.match(lines[j].core))
        for j in range(start, end)
    ]
    bio = [barrier[k] and bool(_BIO_HEADING.match(lines[start + k].core)) for k in range(len(barrier))]
    best_sum, best = 0.0, None
    run, run_start = 0.0, 0
    for k, sc in enumerate(scores):
        if bio[k]:
            run, run_start = 0.0, k + 1  # the article does not run on across "About the author"
            continue
        if run <= 0:
            run, run_start = 0.0, k
        run += sc
        if run > best_sum:
            best_sum, best = run, (run_start, k + 1)
    if best is None or best_sum < 40:
        return None
    a, b = best
    # Grow forward and backward while the detour pays for itself within a bounded dip.
    for direction in (1, -1):
        acc, k, dip = 0.0, (b if direction == 1 else a - 1), 0
        while 0 <= k < len(scores):
            acc += scores[k]
            dip = dip + 1 if scores[k] < 0 else 0
            if acc < -14 or dip > 5 or barrier[k]:
                break
            if acc > 0:
                if direction == 1:
                    b = k + 1
                else:
                    a = k
                acc = 0.0
            k += direction
    b_abs = start + b
    # Text dumps wrap paragraphs: a short last line ("reservoir it manages.") scores as a label, but
    # it finishes the sentence the region stopped in. (Only where the page shows blank lines.)
    if any(lines[j].blank_before for j in range(start + a + 1, b_abs)):
        steps = 0
        while (
            b_abs < end
            and steps < 3
            and not lines[b_abs].blank_before
            and not _SENTENCE_END.search(lines[b_abs - 1].core)
            and len(lines[b_abs - 1].core) >= 55  # the line above ran to the wrap width
            and (lines[b_abs].text[:1].islower() or bool(_SENTENCE_END.search(lines[b_abs].core)))
            and lines[b_abs].furniture is None
            and not lines[b_abs].chrome
            and not lines[b_abs].opener
            and lines[b_abs].date is None
        ):
            b_abs += 1
            steps += 1
    return start + a, _trim_teaser_tail(lines, start + a, b_abs)


def _paragraphs(lines: list[_Line], a: int, b: int) -> list[tuple[int, int]]:
    """Paragraphs of a region: runs of lines between blank lines (text dumps), or single lines when
    the page shows no blank lines at all (HTML, where every block is its own line)."""
    if not any(lines[j].blank_before for j in range(a + 1, b)):
        return [(j, j + 1) for j in range(a, b)]
    out: list[tuple[int, int]] = []
    first = a
    for j in range(a + 1, b):
        if lines[j].blank_before:
            out.append((first, j))
            first = j
    out.append((first, b))
    return out


_MIN_TEASERS = 5


def _trim_teaser_tail(lines: list[_Line], a: int, b: int) -> int:
    """A list of teasers (a headline, then a one-paragraph summary, again and again) right after a short
    article reads as prose too: when at least five such pairs close the region, they are not the
    article. Sections of a long read have subheads too, but rarely one short paragraph each, five
    times in a row, to the very end."""
    end = b  # the region may stop inside a wrapped paragraph's short last line: finish the paragraph
    while end < len(lines) and end - b < 3 and not lines[end].blank_before and lines[end].furniture is None:
        end += 1
    paras = _paragraphs(lines, a, end)
    k = len(paras)
    pairs = 0
    while k >= 2:
        (h0, h1), (p0, p1) = paras[k - 2], paras[k - 1]
        head = lines[h0]
        words = sum(len(lines[j].core.split()) for j in range(p0, p1))
        if not (
            h1 - h0 == 1
            and 3 <= len(head.core.split()) <= 14
            and not _SENTENCE_END.search(head.core)
            and head.furniture is None
            and 10 <= words <= 40
            and _SENTENCE_END.search(lines[p1 - 1].core)
        ):
            break
        pairs += 1
        k -= 2
    if pairs < _MIN_TEASERS or k == 0:
        return b
    return paras[k][0]


_TITLE_REACH = 15


def _lead_in(lines: list[_Line], j: int, title_idx: int | None, region_start: int) -> bool:
    """Between the headline and the prose: a standfirst, byline or caption belongs to the article."""
    return (
        title_idx is not None
        and title_idx < j
        and region_start - j <= 8
        and not _BULLET_START.match(lines[j].text)
    )


_BYLINE = re.compile(r"^(?:by|par|von|posted by|written by)\b", re.I)


def _title_near(lines: list[_Line], region_start: int) -> int | None:
    """Text pages: the headline is the longest headline-like line shortly before the article's prose."""
    best: tuple[int, int] | None = None
    for j in range(region_start - 1, max(-1, region_start - _TITLE_REACH - 1), -1):
        ln = lines[j]
        words = len(ln.core.split())
        if ln.furniture is not None or ln.opener or ln.date is not None or ln.hint is not None:
            continue
        if _BYLINE.match(ln.core) or _BULLET_START.match(ln.text) or "[" in ln.core:
            continue
        headline = 3 <= words <= 30 and not ln.core.rstrip("\"”'’»").endswith((".", ":", ",", ";"))
        # On a tie the higher line wins: kickers and captions come below headlines. The page's first
        # line is the exception: a dump opens with the site's name, not with the headline.
        if headline and (best is None or words > best[0] or (words == best[0] and j > 0)):
            best = (words, j)
    return best[1] if best else None


def _pick_title(lines: list[_Line]) -> int | None:
    """HTML: the <h1> that the <title> repeats, else the first <h1>, else <title>. Text: the longest
    headline-like line (3-25 words, no final period) before the first real paragraph."""
    doc_title = next((norm_key(ln.core) for ln in lines if ln.hint == "title"), "")
    h1s = [i for i, ln in enumerate(lines) if ln.hint == "h1" and len(ln.core) >= 3]
    for i in h1s:
        if doc_title and norm_key(lines[i].core) in doc_title:
            return i
    if h1s:
        return h1s[0]
    for i, ln in enumerate(lines):
        if ln.hint == "title":
            return i
    best: tuple[int, int] | None = None
    for i, ln in enumerate(lines[:150]):
        words = len(ln.core.split())
        if words >= 20 and best is not None:
            break
        if ln.furniture is not None or ln.opener or ln.chrome or ln.date is not None or ln.hint is not None:
            continue
        if 3 <= words <= 25 and not ln.core.rstrip("\"”'’»").endswith((".", ":", ",")):
            if words >= 6:
                return i  # the first headline-sized line: later ones are usually standfirsts
            if best is None or words > best[0]:
                best = (words, i)
    return best[1] if best else None


def norm_key(text: str) -> str:
    return " ".join(text.casefold().split())


# ---------------------------------------------------------------------------------------------------
# Public API


def parse_page(
    data: bytes | str,
    *,
    source: str = "<input>",
    fmt: Format = "auto",
    limits: Limits | None = None,
) -> Article:
    """Split one page into title, body, comments and dropped furniture.

    Raises only service.errors.InputError subclasses for input that cannot be used.
    """
    limits = limits or Limits()
    if fmt not in ("auto", "text", "html"):
        raise MalformedInputError(f"{source}: unknown format {fmt!r} (use auto, text or html)")
    try:
        return _parse(data, source, fmt, limits)
    except InputError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise MalformedInputError(f"{source}: the page is too deeply nested or too big to parse") from exc
    except Exception as exc:  # a parser bug must still reach callers as a clear, typed input error
        log.exception("parser failure on %s", source)
        raise MalformedInputError(
            f"{source}: the parser could not split this page ({type(exc).__name__})"
        ) from exc


def _parse(data: bytes | str, source: str, fmt: Format, limits: Limits) -> Article:
    real, raw_lines = _to_lines(data, source, fmt, limits)
    return segment(raw_lines, source=source, fmt=real, limits=limits)


def parse_with_roles(
    data: bytes | str, *, source: str = "<input>", fmt: Format = "auto", limits: Limits | None = None
) -> tuple[Article, list[tuple[int, str]], list[tuple[int, str, str]]]:
    """parse_page plus the accounting behind it: the input lines (index, text) the segmenter saw and
    where each piece of each went (see segment_with_roles). Tests use it to prove nothing is lost."""
    limits = limits or Limits()
    real, raw_lines = _to_lines(data, source, fmt, limits)
    article, roles = segment_with_roles(raw_lines, source=source, fmt=real, limits=limits)
    return article, [(i, t) for i, (t, _, _) in enumerate(raw_lines) if t], roles


_SPACES = re.compile(r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")


def _to_lines(
    data: bytes | str, source: str, fmt: Format, limits: Limits
) -> tuple[PageFormat, list[tuple[str, int, str | None]]]:
    from service.errors import EmptyInputError
    from service.html import html_to_lines, looks_like_html

    if isinstance(data, bytes):
        text = decode(data, source, max_bytes=limits.max_page_bytes)
    else:
        if len(data) > limits.max_page_bytes:
            raise TooLargeError(
                f"{source}: {len(data):,} characters is over the page limit of {limits.max_page_bytes:,}"
            )
        text = data.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise EmptyInputError(f"{source}: the page is empty")
    real: PageFormat = "html" if fmt == "html" or (fmt == "auto" and looks_like_html(text)) else "text"
    raw_lines: list[tuple[str, int, str | None]] = []

    def check_lines(n: int) -> None:
        if n > limits.max_page_lines:
            raise TooLargeError(
                f"{source}: {n:,} lines is over the limit of {limits.max_page_lines:,} lines per page"
            )

    if real == "html":
        raw_lines = [
            (ln.text, ln.depth, ln.hint) for ln in html_to_lines(text, max_depth=limits.max_html_depth)
        ]
        if not raw_lines:
            raise EmptyInputError(f"{source}: the HTML page has no visible text")
        check_lines(len(raw_lines))
    else:
        check_lines(text.count("\n") + 1)  # before splitting: the lines' memory is the cost
        for line in text.split("\n"):
            # A scraper's &nbsp; (U+00A0), ICU's narrow space before "PM" (U+202F), thin spaces and tabs
            # inside a line are spaces to a reader: the classifier counts and splits on " ".
            stripped = _SPACES.sub(" ", line.strip())
            if stripped:
                raw_lines.append((stripped, len(line) - len(line.lstrip(" \t\u00a0")), None))
            else:
                raw_lines.append(("", 0, None))
    return real, raw_lines


def parse_file(
    path: str | os.PathLike[str], *, fmt: Format = "auto", limits: Limits | None = None
) -> Article:
    """Read (size-checked before reading) and parse one page; `source` is the path."""
    limits = limits or Limits()
    data = read_limited(path, limits.max_page_bytes)
    return parse_page(data, source=str(path), fmt=fmt, limits=limits)
