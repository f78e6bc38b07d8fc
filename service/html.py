"""HTML -> lines of text with structure hints, so the text segmenter serves HTML too.

Block elements become lines in document order; script/style/template/noscript/svg and hidden elements
are skipped like a browser would. Each line carries its nesting depth (lists, blockquotes, reply
containers) and a hint for where it sat (document title, main heading, navigation chrome, a form).
The DOM is walked iteratively, so nesting depth never hits Python's recursion limit; when libxml2
refuses a tree that is too deep, a flat tag-stripping pass keeps every piece of text instead (and says
so: `render_html`'s `stripped`, which the parser turns into a warning).
"""

from __future__ import annotations

import html as htmllib
import logging
import re
from typing import Any, NamedTuple

from core.errors import TooLargeError
from service.settings import Limits

log = logging.getLogger(__name__)


class HtmlLine(NamedTuple):
    text: str
    depth: int  # nesting of lists / blockquotes / reply containers: a hint for threads
    # "title", "h1", "nav", "form", "dt=<machine-readable time>" (a <time datetime> or a schema.org /
    # microformats date on the line), or None
    hint: str | None
    # How many <blockquote>s hold the line: in a comment, words the reply quotes (the standard markup
    # for a quote: WordPress, Disqus, Discourse, phpBB), whether or not a "NAME wrote:" line heads them.
    quote: int = 0


SKIP_TAGS = frozenset(
    {"script", "style", "template", "noscript", "svg", "math", "head", "iframe", "object", "embed",
     "canvas", "video", "audio", "select", "input", "textarea", "map", "picture", "source"}
)  # fmt: skip
BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
     "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
     "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol",
     "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
     "label", "option", "frameset", "frame"}
)  # fmt: skip
NEST_TAGS = frozenset({"ul", "ol", "blockquote", "dl", "menu", "dir"})
# Only explicit navigation counts: <footer>/<aside>/<header> also wrap comment metadata and action rows.
CHROME_TAGS = {"nav": "nav", "form": "form"}
# A line whose element a comment's markup names as its author (<span class="comment-author">, a
# <cite> inside <li class="comment">): the segmenter may take it as a comment header.
AUTHOR_HINT = "author"
# A line whose every word is a <button>'s ("Reply", "Report", "Load 5 more replies"): controls, shown as a
# browser shows them (w3m prints "[Reply]") and read as chrome.
CONTROLS_HINT = "controls"
# Class names of comment boxes, English and the sites' own languages ("réactions" in French, "reactie"
# in Dutch).
_COMMENT_BOX = re.compile(
    r"comment|kommentar|komentar|comentari|r[eé]action|reactie|dsq-|disqus|livefyre|\breply\b|\breplies\b"
)
# A comment marked as one by a standard, not a class name: a schema.org Comment (microdata) or an ARIA
# article. One inside another is a reply, whatever the class names (Facebook's comments plugin nests
# role="article" boxes in obfuscated <div>s); a news <article> around the thread moves every comment
# alike, and threads are read from relative depth.
_SCHEMA_COMMENT = re.compile(r"schema\.org/Comment\b", re.I)
# One class token: "comment-author", "author_name", "fn", "dsq-username", BEM's "comment__username"; not
# "comment-author-ann" (WordPress marks a whole comment by its author's login that way).
_AUTHOR_CLASS = re.compile(
    r"(?:[a-z0-9]+(?:[-_]|__))*(?:author|username|user[-_]name|nick|nickname|commenter|poster|fn|cite)"
    r"(?:[-_](?:name|link|wrap|info))?"
)
# One class token of a role badge beside a commenter's name: "badge", "coral-userBadge",
# "gsc-comment-author-association".
_BADGE_CLASS = re.compile(r"(?:[a-z0-9]+(?:[-_]|__))*(?:user-?|author-?)?(?:badge|association)")
# A class token longer than this names no author or badge (real ones are a few dozen characters), and
# the two patterns' repeated prefix keeps backtracking state per repeat: one class of 4 million "a-"
# (an 8 MB attribute) took a parse to 805 MB; libxml2's huge option now lets an attribute reach 20 MiB.
_MAX_CLASS_TOKEN_CHARS = 200


def _class_tokens(cls: str) -> list[str]:
    """The class attribute's tokens that _AUTHOR_CLASS and _BADGE_CLASS may read."""
    return [token for token in cls.split() if len(token) <= _MAX_CLASS_TOKEN_CHARS]


CHROME_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
)
_REPLY_CONTAINER = re.compile(
    r"(?:^|[\s_-])(?:children|replies|reply-list|depth-\d+|comment-replies|indented|nested|child-of-\w+"
    r"|child-comments?|sub-?comments?|follow-?ups?)(?:$|[\s_-])"  # Isso's "isso-follow-up" too
    r"|(?:^|\s)child(?:$|\s)"  # old Reddit's replies box ("first-child" is no box)
)
# Padding between inline elements becomes a space only between two word characters: "(simdjson)" and
# "ann, May 2" keep their punctuation, "annMay 2" and "P.March" get their space.
_PAD = "\x01"
_PAD_BETWEEN_WORDS = re.compile(r"(?<=[\w.,;:!?)])\x01+(?=\w)")  # "Dorothy P.</a><time>March": a space
_SEPARATOR_ONLY = re.compile(r"\s*[·•|/–—-]\s*")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_WS = re.compile(r"[ \t\n\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000\u2028\u2029]+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


_LIMITS = Limits.model_fields
MAX_ELEMENTS: int = _LIMITS["max_html_elements"].default
MAX_ATTRIBUTE_PAIRS: int = _LIMITS["max_html_attribute_pairs"].default
# A start tag as an HTML5 tokenizer reads it: attribute names run to a space, "/", ">" or "="; only a
# value after "=" may be quoted, and a quoted value may hold ">". The pattern never fails once "<x" has
# matched, so it never backtracks.
_ATTRIBUTE = r"""[^\s/>][^\s/>=]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?"""
_START_TAG = re.compile(rf"<[A-Za-z][^\s/>]*(?:[\s/]+|{_ATTRIBUTE})*")
_ONE_ATTRIBUTE = re.compile(rf"[\s/]*{_ATTRIBUTE}")
_FEW = 32  # attributes an element may have without being counted (a tag shorter than 2 x this)


def check_markup(
    text: str, *, max_elements: int = MAX_ELEMENTS, max_attribute_pairs: int = MAX_ATTRIBUTE_PAIRS
) -> None:
    """Refuse, before libxml2 sees it, markup whose parse would cost far more than its size suggests.

    libxml2 compares each attribute of an element with the element's earlier ones: n attributes cost
    n² (one element with 40,000 attributes: 20 s); `max_attribute_pairs` bounds the sum of n² over the
    page's elements. Every element costs memory however short its markup (`a<br>` x 4M: 1.7 GB):
    `max_elements` bounds them. Linear scans; attributes are counted only in tags long enough to hold
    more than a few (script text can look like tags: that only ever counts more, never fewer).
    """
    if text.count("<") > max_elements:
        # Every "<" but end tags, comments and doctypes: a stray "<" in text counts too, which is only
        # stricter. str.count: a regex would build millions of match objects (4M: +500 MB, 10 s).
        elements = text.count("<") - text.count("</") - text.count("<!")
        if elements > max_elements:
            raise TooLargeError(f"{elements:,} HTML elements is over the limit of {max_elements:,} per page")
    pairs = 0
    for m in _START_TAG.finditer(text):
        if m.end() - m.start() < 2 * _FEW:
            continue
        n = sum(1 for _ in _ONE_ATTRIBUTE.finditer(text, m.start() + 2, m.end())) - 1  # less the name
        if n > _FEW:
            pairs += n * n
            if pairs > max_attribute_pairs:
                raise TooLargeError(
                    f"HTML elements with too many attributes (one with {n:,}): parsing them would take "
                    f"{pairs:,} attribute comparisons, over the limit of {max_attribute_pairs:,}"
                )


class HtmlRendering(NamedTuple):
    lines: list[HtmlLine]
    # Why the lines come from stripping the tags rather than from the parsed tree (the page is nested
    # past libxml2's depth limit, or libxml2 refused it); None when they come from the tree.
    stripped: str | None = None
    # The page holds one text, attribute or comment over libxml2's 10 MB buffer, so the tree was read
    # with its huge option: trafilatura's own parse (without it) stops there, as libxml2's did.
    huge: bool = False


def html_to_lines(
    text: str,
    *,
    max_depth: int = 512,
    max_elements: int = MAX_ELEMENTS,
    max_attribute_pairs: int = MAX_ATTRIBUTE_PAIRS,
) -> list[HtmlLine]:
    """Render an HTML document as lines in reading order (TooLargeError: see check_markup)."""
    return render_html(
        text, max_depth=max_depth, max_elements=max_elements, max_attribute_pairs=max_attribute_pairs
    ).lines


def render_html(
    text: str,
    *,
    max_depth: int = 512,
    max_elements: int = MAX_ELEMENTS,
    max_attribute_pairs: int = MAX_ATTRIBUTE_PAIRS,
) -> HtmlRendering:
    """html_to_lines, and whether the page had to be read by tag stripping (and why)."""
    import lxml.etree as etree  # lazy: text pages never load lxml
    import lxml.html

    check_markup(text, max_elements=max_elements, max_attribute_pairs=max_attribute_pairs)
    text = _XML_DECL.sub("", text, count=1)
    huge = False
    while True:
        parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, recover=True, huge_tree=huge)
        try:
            doc = lxml.html.document_fromstring(text, parser=parser)
        except (etree.ParserError, ValueError) as exc:
            log.warning("lxml could not parse the page (%s): falling back to tag stripping", exc)
            return HtmlRendering(_stripped_lines(text), f"libxml2 could not parse it ({exc})")
        limits = [e.message for e in parser.error_log if e.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT]
        if huge or not any("depth" not in m.lower() for m in limits):
            break
        # Its 10 MB buffer ("Buffer size limit exceeded": one inline script, data: URI or paragraph
        # over it) ends the tree there, and the rest of the page was lost without a word. The page
        # is already bounded (MAX_PAGE_BYTES), which that buffer limit is meant to do.
        log.info("HTML holds a text or attribute over libxml2's 10 MB buffer: read with its huge option")
        huge = True
    deep = next((e.message for e in parser.error_log if "depth" in e.message.lower()), None)
    if deep is not None:
        # libxml2 stops reading at its depth limit ("Excessive depth in document: 256, ..."): the tree
        # holds only what came before, so every piece of text is taken from the markup instead.
        log.warning("HTML nested deeper than libxml2 allows: falling back to tag stripping")
        limit = _NUMBER.search(deep)
        levels = f" ({limit.group()} levels)" if limit else ""
        return HtmlRendering(_stripped_lines(text), f"it is nested deeper than libxml2 reads{levels}")
    return HtmlRendering(_walk(doc, etree, max_depth), huge=huge)


_NUMBER = re.compile(r"\d+")
_HAS_WORD = re.compile(r"\w")
# The first <title>'s text: [^<]* stops at the next tag, so the search stays linear on any page.
_TITLE = re.compile(r"<title\b[^>]*>([^<]*)</title\s*>", re.I)


def _stripped_lines(text: str) -> list[HtmlLine]:
    """The tag-stripping fallback's lines, headed by the <title> (the head is dropped with its scripts),
    as the tree walk gives it: the headline rules still see the document's title."""
    lines = _flat_lines(text)
    title = _TITLE.search(text)
    name = _WS.sub(" ", htmllib.unescape(title.group(1))).strip() if title else ""
    return [HtmlLine(name, 0, "title"), *lines] if name else lines


def _walk(doc: object, etree: object, max_depth: int) -> list[HtmlLine]:
    w = _Walker(max_depth)
    head = doc.find("head")  # type: ignore[attr-defined]
    if head is not None:
        title_el = head.find("title")
        if title_el is not None and title_el.text_content().strip():
            w.lines.append(HtmlLine(_WS.sub(" ", title_el.text_content()).strip(), 0, "title"))
    walker = etree.iterwalk(doc, events=("start", "end"))  # type: ignore[attr-defined]
    for event, el in walker:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if (tag in SKIP_TAGS and not w.names_author(tag, el)) or not tag or _hidden(el) or w.is_badge(el):
                if tag == "textarea":
                    w.flush()  # a text box is a box of lines: what stands beside it is not one line with it
                walker.skip_subtree()
                # skip_subtree still delivers this element's "end" event; mark it to be ignored.
                w.stack.append((False, 0, "__skip__"))
                continue
            w.start(tag, el)
        else:
            w.end(tag, el)
    w.flush()
    return w.lines


class _Walker:
    """The state of one walk over the DOM: the text of the open line and the stacks of open elements."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.lines: list[HtmlLine] = []
        self.buf: list[str] = []
        # Per open element: (is_block, nest_added, hint_pushed); hint/depth stacks mirror the DOM path.
        self.stack: list[tuple[bool, int, str | None]] = []
        self.hints: list[str] = []
        self.depth = 0
        self.stamp: list[str] = []  # the machine-readable time seen on the current line, if any
        self.rows: list[int] = []  # per open <tr>: the indent its spacer image gives (table-layout threads)
        self.boxes: list[bool] = []  # per open element: whether its class names a comment
        self.in_box = 0  # open elements whose class names a comment
        self.entries: list[bool] = []  # per open element: whether a standard marks it as a comment entry
        self.in_entry = 0
        # Per open element inside a comment box: its class, when it has one, and per class the depth
        # inside each open element of that class. A box inside a box of the same class, with no list or
        # reply container between them to nest it, is a reply (<div class="kommentar"> in another).
        self.kinds: list[str | None] = []
        self.kind_depths: dict[str, list[int]] = {}
        self.author = False  # the current line holds an element a comment's markup calls its author
        self.quote = 0  # open <blockquote>s
        self.in_button = 0  # open <button>s
        self.plain = False  # the current line holds words outside any <button>
        self.controls = False  # ... and inside one

    def is_badge(self, el: Any) -> bool:
        """A role badge inside a comment box ("Staff", "Mod", "Owner": Disqus's "badge", Coral's
        "coral-userBadge", giscus's "gsc-comment-author-association") is neither the name nor the text."""
        cls = f"{el.get('class', '')}".lower()
        return bool(self.in_box and cls) and any(map(_BADGE_CLASS.fullmatch, _class_tokens(cls)))

    def names_author(self, tag: str, el: Any) -> bool:
        """A button inside a comment box whose class names a user: Coral and Remark42 draw the
        commenter's name as a button that opens the profile, so its text is the author, not a control."""
        if tag != "button" or not self.in_box:
            return False
        cls = f"{el.get('class', '')}".lower()
        return any(map(_AUTHOR_CLASS.fullmatch, _class_tokens(cls)))

    def add_text(self, text: str) -> None:
        self.buf.append(text)
        if self.in_button:
            self.controls = self.controls or _HAS_WORD.search(text) is not None
        elif not self.plain:
            self.plain = _HAS_WORD.search(text) is not None

    def flush(self) -> None:
        if not self.buf:
            return
        line = _WS.sub(" ", _PAD_BETWEEN_WORDS.sub(" ", "".join(self.buf)).replace(_PAD, "")).strip()
        self.buf.clear()
        if line:
            hint = self.hints[-1] if self.hints else ("dt=" + self.stamp[-1] if self.stamp else None)
            if self.author:
                hint = hint or AUTHOR_HINT
            elif self.controls and not self.plain:
                hint = CONTROLS_HINT  # (over a form's or a menu's hint: a search form's "Go" is no prose)
            self.lines.append(HtmlLine(line, self.depth + sum(self.rows), hint, self.quote))
            self.stamp.clear()
            self.author = False
        self.plain = self.controls = False

    def start(self, tag: str, el: Any) -> None:
        is_block = tag in BLOCK_TAGS
        if is_block:
            self.flush()  # before this element's marks: the line so far is not in it
        cls = f"{el.get('class', '')} {el.get('id', '')}".lower()
        box = bool(_COMMENT_BOX.search(cls))
        self.boxes.append(box)
        self.in_box += box
        reply_entry = self._open_entry(el, is_block)
        if self.in_box and (tag == "cite" or any(map(_AUTHOR_CLASS.fullmatch, _class_tokens(cls)))):
            self.author = True  # marks the line it is on; lines are split exactly as before
        self.quote += tag == "blockquote"  # after the flush: the line so far is outside it
        if tag == "tr":
            self.rows.append(0)
        elif tag == "img" and self.rows:
            self.rows[-1] += _spacer_indent(el)
        if tag == "br":
            self.flush()
            self.stack.append((False, 0, None))
            return
        reply_box = tag in NEST_TAGS or (cls.strip() and _REPLY_CONTAINER.search(cls)) or reply_entry
        nest = 1 if len(self.stack) < self.max_depth and reply_box else 0
        if is_block and len(self.stack) < self.max_depth:
            nest += _level_attribute(el)  # a flat list that states each comment's level
        self.depth += nest
        kind = self.kinds[-1]
        if kind is not None:  # never a <br>: that is no block
            self.kind_depths.setdefault(kind, []).append(self.depth)
        hint = _hint_for(tag, el)
        if hint:
            self.hints.append(hint)
        self._note_time(tag, el, cls)
        pad = not is_block and _is_meta(tag, el)
        if pad:
            self.buf.append(_PAD)  # <span class="author">ann</span><time>May 2</time> must not glue
        self.stack.append((is_block, nest, "__pad__" if pad and not hint else hint))
        self.in_button += tag == "button"
        if el.text:
            self.add_text(el.text)
        if tag in {"td", "th"}:
            self.buf.append(" ")

    def _open_entry(self, el: Any, is_block: bool) -> bool:
        """Push `el`'s entry marks; whether it is a comment inside a comment: marked by a standard
        inside another so marked, or a comment box inside an open box of its own class."""
        entry = _is_entry(el)
        self.entries.append(entry)
        reply = entry and self.in_entry > 0
        self.in_entry += entry
        classes = str(el.get("class", "")).lower().split() if self.in_box and is_block else ()
        kind = " ".join(sorted(classes)) or None
        same = self.kind_depths.get(kind, ()) if kind else ()
        self.kinds.append(kind)
        return reply or bool(same and same[-1] == self.depth)

    def _note_time(self, tag: str, el: Any, cls: str) -> None:
        """Machine-readable times sit on <time>, <meta itemprop>, or date/time-classed elements."""
        if tag in _TIME_TAGS or "time" in cls or "date" in cls or "publish" in cls or "updated" in cls:
            when = _machine_time(tag, el)
            if when:
                self.stamp.append(when)

    def end(self, tag: str, el: Any) -> None:
        if not self.stack:
            return
        is_block, nest, hint = self.stack.pop()
        if hint == "__skip__":
            if tag == "textarea":
                self.flush()
            if el.tail:
                self.add_text(el.tail)
            return
        box = self.boxes.pop()
        self.in_entry -= self.entries.pop()
        kind = self.kinds.pop()
        if kind is not None:
            self.kind_depths[kind].pop()
        if hint == "__pad__":
            self.buf.append(_PAD)
            hint = None
        if tag in {"td", "th"}:
            self.buf.append(" ")
        if is_block:
            self.flush()
        self.in_box -= box  # after the flush: the box's last line is in it
        self.quote -= tag == "blockquote"
        if tag == "tr" and self.rows:
            self.rows.pop()
        self.depth -= nest
        if hint:
            self.hints.pop()
        self.in_button -= tag == "button"
        if el.tail:
            self.add_text(el.tail)


def _is_entry(el: Any) -> bool:
    """Whether a standard marks `el` as one comment: role="article", or a schema.org Comment item."""
    if el.get("role") == "article":
        return True
    itemtype = el.get("itemtype")
    return bool(itemtype and _SCHEMA_COMMENT.search(itemtype))


# A comment's level stated by an attribute, in a flat list of comments (forums indent such a list with
# CSS): aria-level (a standard: tree items), data-level, data-depth. Deeper than this is read at it.
_LEVEL_ATTRIBUTES = ("aria-level", "data-level", "data-depth")
_MAX_LEVEL_ATTRIBUTE = 32


def _level_attribute(el: object) -> int:
    get = el.get  # type: ignore[attr-defined]
    for name in _LEVEL_ATTRIBUTES:
        value = (get(name) or "").strip()
        if value.isdigit() and value.isascii():
            return min(int(value), _MAX_LEVEL_ATTRIBUTE)
    return 0


def _spacer_indent(el: object) -> int:
    """A transparent spacer image one pixel high (<img height=1 width=40>) indents a table row: a
    reply's depth in table-layout threads. One level per 10 pixels; a 1x1 tracking pixel is none."""
    get = el.get  # type: ignore[attr-defined]
    height, width = (get("height") or "").strip(), (get("width") or "").strip()
    if height not in {"0", "1"} or not width.isdigit():
        return 0
    return int(width) // 10


def _hint_for(tag: str, el: object) -> str | None:
    if tag == "h1":
        return "h1"
    hint = CHROME_TAGS.get(tag)
    if hint:
        return hint
    role = (el.get("role") or "").lower()  # type: ignore[attr-defined]
    if role in CHROME_ROLES:
        return "nav"
    return None


_TIME_TAGS = frozenset({"time", "meta", "abbr"})
_DATE_PROPS = frozenset({"datepublished", "datecreated", "datemodified", "commenttime", "uploaddate"})
_DT_CLASS = re.compile(r"(?:^|\s)(?:dt-published|dt-updated|published|updated)(?:$|\s)")
_TIME_CLASS = re.compile(r"time|date|timestamp", re.I)
_MACHINE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


def _machine_time(tag: str, el: object) -> str | None:
    """An ISO time the markup states for a machine: <time datetime>, itemprop="datePublished" with a
    content or datetime attribute, a microformats dt-published/published element's title or datetime; a
    time-classed element's title (read later by service.dates, which returns None when it cannot).
    Runs on every element: cheap attribute tests first, regexes only on likely elements."""
    get = el.get  # type: ignore[attr-defined]
    value = get("datetime") if tag == "time" else None
    if not value:
        prop = get("itemprop")
        if prop and prop.lower() in _DATE_PROPS:
            value = get("datetime") or get("content")
    if not value:
        cls = get("class")
        if not cls:
            return None
        if ("publish" in cls or "updated" in cls) and _DT_CLASS.search(cls):
            value = get("datetime") or get("title")
        if not value:
            title = get("title")
            if title and _TIME_CLASS.search(cls):
                title = title.strip()  # <a class="time-ago" title="Tuesday, March 12, 2019 10:15 AM">
                return title[:80] if any(c.isdigit() for c in title) else None
            return None
    m = _MACHINE_TIME.match(value.strip())
    return m.group(0) if m else None


# ... and as sites in other languages name them ("c-nombre", "c-fecha", "autore", "naam", "datum").
_META_CLASS = re.compile(
    r"author|name|user|nick|date|time|posted|byline|meta|when|ago|count"
    r"|autor|auteur|nombre|nome|naam|pseudo|fecha|datum|data|tijd|zeit|hora|heure",
    re.I,
)


def _is_meta(tag: str, el: object) -> bool:
    """Inline elements holding a name or a time: keep them apart from their neighbours."""
    if tag in {"time", "a", "button"}:
        return True  # links and times are words of their own
    get = el.get  # type: ignore[attr-defined]
    marks = f"{get('class', '')} {get('itemprop', '')}"
    return bool(marks.strip()) and bool(_META_CLASS.search(marks))


def _hidden(el: object) -> bool:
    get = el.get  # type: ignore[attr-defined]
    if get("hidden") is not None:
        return True
    cls = get("class")
    if cls and _SCREEN_READER_ONLY.search(cls):
        return True  # text for screen readers, moved off screen by the stylesheet: a browser shows none
    if (get("aria-hidden") or "").lower() == "true":
        # A separator hidden from screen readers is still on screen: "Like · Reply · 2d" needs its "·".
        return not (len(el) == 0 and _SEPARATOR_ONLY.fullmatch(el.text or ""))  # type: ignore[arg-type, attr-defined]
    style = get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


# The class names that the common CSS frameworks (Bootstrap, WordPress, HTML5 Boilerplate, Drupal, Tailwind)
# give text meant for screen readers only.
_SCREEN_READER_ONLY = re.compile(
    r"(?<![\w-])(?:sr-only|visually-?hidden|screen-reader-(?:text|only)|element-invisible|u-visually-hidden)(?![\w-])",
    re.I,
)


_DROPPED = ("script", "style", "template", "noscript", "svg", "head")
_DROP_OPENER = re.compile(r"<({})\b|<!--".format("|".join(_DROPPED)), re.I)
_DROP_CLOSER = {name: re.compile(rf"</{name}\s*>", re.I) for name in _DROPPED}
_BLOCK_TAG = re.compile(r"</?(?:{}|br)\b[^>]*>".format("|".join(sorted(BLOCK_TAGS))), re.I)
_ANY_TAG = re.compile(r"<[^>]*>")


def _flat_lines(text: str) -> list[HtmlLine]:
    """Tag stripping for documents lxml refuses: block tags become line breaks, text is kept."""
    text = _drop_blocks(text)
    # A tag needs a ">": past the last one, nothing matches (and every "<" there would be tried to the end).
    last = text.rfind(">") + 1
    text = _BLOCK_TAG.sub("\n", text[:last]) + text[last:]
    last = text.rfind(">") + 1
    text = _ANY_TAG.sub("", text[:last]) + text[last:]
    text = htmllib.unescape(text)
    out = []
    for raw in text.split("\n"):
        line = _WS.sub(" ", raw).strip()
        if line:
            out.append(HtmlLine(line, 0, None))
    return out


def _drop_blocks(text: str) -> str:
    """Scripts, styles, templates, noscript, svg, head and comments, each to its first closer, as one
    space; one without a closer stays. Linear: a block found without a closer is remembered, where the
    regex `<(script|...)\\b[^>]*>.*?</\\1\\s*>|<!--.*?-->` searched the rest of the page again for each
    such opener (145 KB of "<script>x": 7 s)."""
    out: list[str] = []
    kept = pos = 0  # text[kept:] is not yet copied out; openers are searched from pos
    unclosed: set[str] = set()  # blocks with no closer after where they were last looked for
    gt = -1  # the first ">" at or after the last opener's name, once found
    while (m := _DROP_OPENER.search(text, pos)) is not None:
        name = (m.group(1) or "!--").lower()
        end = -1
        if name == "!--":
            if name not in unclosed:
                end = text.find("-->", m.end())
                end = end + 3 if end >= 0 else -1
        else:
            if gt < m.end():
                gt = text.find(">", m.end())
                if gt < 0:
                    break  # no ">" left: no opener or closer can end
            if name not in unclosed:
                closer = _DROP_CLOSER[name].search(text, gt + 1)
                end = closer.end() if closer else -1
        if end < 0:
            unclosed.add(name)
            pos = m.start() + 1
            continue
        out += (text[kept : m.start()], " ")
        kept = pos = end
    out.append(text[kept:])
    return "".join(out)


def text_outside_tags(text: str) -> bool:
    """Whether anything readable is left once scripts, styles and tags are stripped."""
    return bool(_flat_lines(text))


_DECLARATIONS = ("<!doctype html", "<html", "<?xml")


def _start(text: str) -> str:
    return text[:4096].lstrip("\ufeff \t\r\n").lower()


def declares_html(text: str) -> bool:
    """A doctype, <html> or an XML declaration first: the page says it is markup."""
    return _start(text).startswith(_DECLARATIONS)


def looks_like_html(text: str) -> bool:
    """Cheap format sniffing: a doctype or <html> first, or a page that opens with a tag and is dense
    with tags. A text dump that merely quotes a few tags (ad snippets rendered as text) stays text."""
    head = text[:65536]
    start = _start(head)
    if start.startswith(_DECLARATIONS):
        return True
    tags = _COMMON_TAGS.findall(head)
    if len(tags) < 3:
        return False
    tag_chars = sum(len(t) for t in tags)
    return start.startswith("<") or tag_chars >= 0.2 * len(head)


_COMMON_TAGS = re.compile(
    r"</?(?:html|head|body|div|p|span|a|meta|title|script|link|table|br|li|ul|h[1-6])\b[^>]{0,400}>", re.I
)
