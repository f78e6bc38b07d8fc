"""Bytes -> text: size limit, empty and binary detection, encoding detection, line-end normalisation.

Everything here is cheap and bounded: the size is checked before a file is read in full, and binary
sniffing only looks at the first few KiB.
"""

from __future__ import annotations

import codecs
import functools
import logging
import os
import re
import stat
import sys
import unicodedata

from core.errors import BinaryInputError, DecodeError, EmptyInputError, TooLargeError, UnreadableInputError

log = logging.getLogger(__name__)

SNIFF_BYTES = 8192

# A character a reader can see: not whitespace, not a control character (C0/C1, NUL), and not one of
# the invisible format or filler characters (zero-width space/joiners, bidi marks and isolates, word
# joiner, BOM, variation selectors, Hangul fillers, braille blank, tag characters). A comment made of
# these alone is empty to a moderator, like one made of spaces.
_VISIBLE = re.compile(
    "[^\\s\x00-\x1f\x7f-\x9f\xad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\U000e0000-\U000e007f]"
)


def has_visible_text(text: str) -> bool:
    """True when `text` has at least one visible character (stops at the first: cheap on real text)."""
    return _VISIBLE.search(text) is not None


def display_path(path: str) -> str:
    """A path as UTF-8 can carry it: the bytes of a file name that are not UTF-8 (which Python keeps as
    lone surrogates, and no UTF-8 writer takes) become \\xNN escapes."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        escapes_only = all(0xDC80 <= ord(c) <= 0xDCFF for c in path if 0xD800 <= ord(c) <= 0xDFFF)
        raw = path.encode("utf-8", "surrogateescape" if escapes_only else "replace")
        return raw.decode("utf-8", "backslashreplace")


# Control characters (ESC sequences retitle or clear a terminal, \r overwrites) and bidi overrides in a
# line that names a file; a name's newline or tab would split or stretch that line: all shown escaped.
_LINE_ESCAPES = {
    c: {0x09: "\\t", 0x0A: "\\n"}.get(c, f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}")
    for c in [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
}


def display_line(text: str) -> str:
    """`text` (a path, or a message naming one) as one printable line: `display_path`'s \\xNN escapes,
    and control characters, newlines and tabs escaped."""
    return display_path(text).translate(_LINE_ESCAPES)


# Magic numbers of formats people feed a text tool by mistake (images, archives, documents, media).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"RIFF", "RIFF media (WebP/WAV/AVI)"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or docx/xlsx/epub)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"\x28\xb5\x2f\xfd", "zstd archive"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"\x00\x00\x01\x00", "ICO image"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"\x1a\x45\xdf\xa3", "Matroska/WebM media"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document (doc/xls)"),
    (b"wOFF", "WOFF font"),
    (b"wOF2", "WOFF2 font"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def wide_encoding(head: bytes) -> str | None:
    """The codec of bytes that open with a UTF-16 or UTF-32 byte order mark (which it strips), else None:
    how a comment export or a JSON body written by Windows PowerShell 5 (`>`, Out-File) is read."""
    codec = next((enc for bom, enc in _BOMS if head.startswith(bom)), "utf-8")
    # "utf-16" and "utf-32" read the byte order from the BOM and leave it out of the text.
    return None if codec == "utf-8" else codec.removesuffix("-le").removesuffix("-be")


# C0 controls other than tab, LF, VT, FF, CR, ESC: their presence in bulk means binary.
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_NEWLINE_CHARS = ("\r", "\u2028", "\u2029", "\x85")  # every match of _NEWLINES starts with one
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HTML_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]{2,40})""", re.I)


def without_source(message: str, source: str) -> str:
    """A reader's error message for a row or a report line that names `source` itself: the readers
    start each message with the name of what they refuse ("a.txt: the page is empty"), said once."""
    return message.removeprefix(f"{source}: ")


def kind_of_mode(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def is_standard_input(st: os.stat_result) -> bool:
    """Whether a PATH's `st` is this process's standard input, a pipe or terminal (`curl URL | moderate
    score /dev/stdin`, /proc/self/fd/0): read as `-` is. (Redirected from a file, it is that file.)"""
    try:
        own = os.fstat(sys.stdin.fileno()) if sys.stdin is not None else None
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's replacement, closed)
        return False
    return (
        own is not None
        and not stat.S_ISREG(own.st_mode)
        and (own.st_dev, own.st_ino) == (st.st_dev, st.st_ino)
    )


def _check_page_file(name: str, st: os.stat_result, max_bytes: int) -> None:
    """Refuse what is no page file: a directory, a FIFO, device or socket (only this process's own
    standard input is read as a pipe is), a file over `max_bytes`."""
    if stat.S_ISDIR(st.st_mode):
        raise UnreadableInputError(f"{name}: is a directory, not a page")
    if not stat.S_ISREG(st.st_mode) and not is_standard_input(st):
        raise UnreadableInputError(f"{name}: {kind_of_mode(st.st_mode)}, not a page file")
    if st.st_size > max_bytes:
        raise TooLargeError(f"{name}: {st.st_size:,} bytes is over the page limit of {max_bytes:,} bytes")


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit and (chunk := os.read(fd, min(limit - size, 1 << 20))):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def read_limited(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """Read a file, refusing it before reading when it is over `max_bytes` (memory stays bounded).
    Errors name the file as given (a Path would write "./a.txt" as "a.txt")."""
    name = os.fspath(path)
    if not name:  # (os.stat("") is "no such file": say what is wrong)
        raise EmptyInputError("an empty PATH names no file")
    try:
        _check_page_file(name, os.stat(name), max_bytes)  # before opening: opening a device can act
        # Never waits: the name may have become a FIFO with a writer that never writes, a terminal, since
        # it was listed; a regular file stays non-blocking, so /proc/kmsg is EAGAIN, not a hang.
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        try:
            opened = os.fstat(fd)
            _check_page_file(name, opened, max_bytes)  # what was opened, not what the name was before
            pipe = stat.S_ISFIFO(opened.st_mode)
            if not stat.S_ISREG(opened.st_mode):  # own standard input: read to its end, as `-` is
                os.set_blocking(fd, True)
            data = _read_at_most(fd, max_bytes + 1)
        finally:
            os.close(fd)
    except BlockingIOError as exc:
        raise UnreadableInputError(
            f"{name}: reading it would wait for data (a kernel or device file), not a page"
        ) from exc
    except FileNotFoundError as exc:
        raise UnreadableInputError(f"{name}: no such file") from exc
    except PermissionError as exc:
        raise UnreadableInputError(f"{name}: cannot read: permission denied") from exc
    except OSError as exc:
        raise UnreadableInputError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:  # the file grew while we read it
        raise TooLargeError(f"{name}: over the page limit of {max_bytes:,} bytes")
    if pipe and not data:
        raise EmptyInputError(
            f"{name}: a FIFO (named pipe) with no writer (or nothing written to it): no page to read"
        )
    return data


# UTF-16 without a BOM in another script (Arabic, Cyrillic, CJK) shows NUL only where its ASCII
# characters are (spaces, digits, line ends): on one side of each 16-bit unit, in at least this share of
# the units (a stray NUL in 8 KiB of text is no pattern; a Chinese page's line ends and digits are ~2 %).
_UTF16_MIN_NUL_SHARE = 0.01
# ... and NULs on the other side at most this share of those: a CJK character whose low byte is 0
# (U+4E00) puts one there now and then; random bytes put as many on both sides.
_UTF16_MAX_OTHER_SIDE = 0.25
# Decoded, real text is letters, marks, digits, punctuation and spaces: 95 % and more in any script.
# Random 16-bit units land on letters ~70 % of the time (the CJK and Hangul blocks), on controls,
# symbols, private use and unassigned code points the rest.
_UTF16_MIN_TEXT_SHARE = 0.9
_TEXT_CATEGORIES = frozenset("LMNPZ")


def _utf16_without_bom(head: bytes) -> str | None:
    """The UTF-16 byte order of BOM-less UTF-16 text, or None. Text in the ASCII range shows NUL in
    every other byte, text in another script only where its ASCII characters are; either is confirmed
    by reading it (`_reads_as_utf16_text`): 16-bit numbers under 256 show the same NULs."""
    if len(head) < 4:
        return None
    even = head[0::2]
    odd = head[1::2]
    n = min(len(even), len(odd))
    nul_even = even.count(0)
    nul_odd = odd.count(0)
    for encoding, high, low in (("utf-16-le", nul_odd, nul_even), ("utf-16-be", nul_even, nul_odd)):
        ascii_range = high > 0.6 * n and low < 0.1 * n
        if ascii_range or (high >= _UTF16_MIN_NUL_SHARE * n and low <= _UTF16_MAX_OTHER_SIDE * high):
            return encoding if _reads_as_utf16_text(head, encoding) else None
    return None


def _is_printable_ascii(byte: int) -> bool:
    return 0x20 <= byte <= 0x7E or byte in (0x09, 0x0A, 0x0D)


def _reads_as_utf16_text(head: bytes, encoding: str) -> bool:
    """`head` decodes strictly as `encoding` into text of letters, digits, punctuation and spaces, and is
    not ASCII text with NULs in it (b"hello\x00world\x00" reads as CJK ideographs as UTF-16-LE: a pair
    of ASCII letters is one). Real UTF-16 text in another script has units such as 0x06xx (Arabic) or
    0x04xx (Cyrillic), whose bytes are no printable ASCII pair."""
    head = head[: len(head) // 2 * 2]
    pairs = [(head[i], head[i + 1]) for i in range(0, len(head), 2)]
    wide = [p for p in pairs if 0 not in p]
    if sum(_is_printable_ascii(a) and _is_printable_ascii(b) for a, b in wide) > len(wide) // 2:
        return False
    last = pairs[-1][1] if encoding == "utf-16-le" else pairs[-1][0]
    if 0xD8 <= last <= 0xDB:  # the head may cut a surrogate pair in two
        head = head[:-2]
    try:
        text = head.decode(encoding)
    except UnicodeDecodeError:
        return False
    plain = sum(1 for c in text if unicodedata.category(c)[0] in _TEXT_CATEGORIES or c in "\t\n\r")
    return plain >= _UTF16_MIN_TEXT_SHARE * len(text)


def sniff_binary(data: bytes, source: str = "<input>") -> None:
    """Raise BinaryInputError for known binary formats and for bytes full of control characters."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            # "MZ" and "ID3"/"BZh" are also plausible first letters of text: confirm with control bytes.
            weak = kind in {"Windows executable", "MP3 audio", "bzip2 archive", "RIFF media (WebP/WAV/AVI)"}
            if weak and not _CONTROL.search(data[:SNIFF_BYTES]):
                continue
            raise BinaryInputError(f"{source}: looks like binary data ({kind}), not a text or HTML page")
    head = data[:SNIFF_BYTES]
    if any(head.startswith(bom) for bom, _ in _BOMS) or _utf16_without_bom(head):
        return
    controls = len(_CONTROL.findall(head))
    if b"\x00" in head or controls > max(8, len(head) // 100):
        raise BinaryInputError(
            f"{source}: binary data ({controls} control bytes in the first {len(head)}), not a text page"
        )


# A page's own markup in ASCII: a charset a page can declare in a <meta> reads these bytes as themselves.
_ASCII_PROBE = rb"""<Meta charset="X+AGE-y"> \u00e9 Ab09!#$%&()*,./:;?@[]^_`{|}~'"""


@functools.lru_cache(maxsize=64)
def _page_charset(name: str) -> str | None:
    """Python's codec for a declared charset, if it is one a page can declare: ASCII-compatible, as the
    <meta> tag it was read from is (HTML treats a declared UTF-16 as UTF-8). Python's other codecs
    (unicode_escape, rot13, base64, "undefined", ...) are not charsets."""
    try:
        info = codecs.lookup(name)
        if info.decode(_ASCII_PROBE)[0] != _ASCII_PROBE.decode("ascii"):
            return None
    except (LookupError, UnicodeError, TypeError, ValueError):
        return None
    return info.name


def _declared_charset(head: bytes) -> str | None:
    m = _HTML_CHARSET.search(head)
    if not m:
        return None
    return _page_charset(m.group(1).decode("ascii", "replace").lower())


def decode(data: bytes, source: str = "<input>", *, max_bytes: int | None = None) -> str:
    """Decode page bytes to text with normalised line ends (LF only).

    Order: BOM, UTF-16 without BOM, strict UTF-8, the charset an HTML page declares, then
    charset-normalizer's best guess, then cp1252 (which decodes almost anything) as the last resort.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise TooLargeError(f"{source}: {len(data):,} bytes is over the page limit of {max_bytes:,} bytes")
    if not data or not data.strip():
        raise EmptyInputError(f"{source}: the page is empty")
    sniff_binary(data, source)
    text = normalise_line_ends(_decode_text(data, source))
    if "\x00" in text:
        raise BinaryInputError(f"{source}: NUL characters in the decoded text, not a text page")
    if not text.strip():
        raise EmptyInputError(f"{source}: the page has no visible text")
    return text


def normalise_line_ends(text: str) -> str:
    """CR LF, CR, NEL and the Unicode line and paragraph separators as LF: a page's lines end where a
    reader sees them end, whether it came as bytes or as text (JSON)."""
    if any(c in text for c in _NEWLINE_CHARS):  # (str's own search is far faster than the regex scan)
        text = _NEWLINES.sub("\n", text)
    return text


def _decode_text(data: bytes, source: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                text = _nearly(data[len(bom) :], encoding, source)
                if text is None:
                    raise DecodeError(
                        f"{source}: starts with a {encoding} BOM but is not valid {encoding}"
                    ) from exc
                return text
    utf16 = _utf16_without_bom(data[:SNIFF_BYTES])
    if utf16:
        try:
            return data.decode(utf16)
        except UnicodeDecodeError:
            text = _nearly(data, utf16, source)
            if text is not None:
                return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    declared = _declared_charset(data[:4096])
    if declared and declared not in {"utf-8", "utf_8"}:
        try:
            return data.decode(declared)
        except (UnicodeError, LookupError):  # (idna, say, raises UnicodeError on a byte it cannot take)
            pass
    # Mostly-UTF-8 with a few broken bytes: keep UTF-8 rather than turn every accent into mojibake. An
    # all-ASCII page that declares UTF-8 has no multi-byte sequence to show for it, and is trusted.
    bad = _count_utf8_errors(data)
    if bad <= max(2, len(data) // 5000) and (declared in {"utf-8", "utf_8"} or _looks_like_utf8(data)):
        log.warning("%s: %d invalid UTF-8 sequence(s), replaced", display_line(source), bad)
        return data.decode("utf-8", errors="replace")
    guess = _guess(data)
    if guess:
        return guess
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text and _mostly_text(text):
        return text
    raise DecodeError(
        f"{source}: not valid UTF-8 (byte 0x{data[utf8_error.start]:02x} at offset {utf8_error.start}) "
        "and no other encoding fits"
    )


def _nearly(data: bytes, encoding: str, source: str) -> str | None:
    """``data`` in ``encoding`` with its few invalid sequences replaced (a page cut off mid-character, a
    lone surrogate), as a mostly-UTF-8 page is read; None when there are more than a few."""
    text = data.decode(encoding, errors="replace")
    bad = text.count("\ufffd")  # (a page's own U+FFFD counts too: only ever refusing more)
    if bad > max(2, len(data) // 5000):
        return None
    log.warning("%s: %d invalid %s sequence(s), replaced", display_line(source), bad, encoding)
    return text


def _count_utf8_errors(data: bytes) -> int:
    """Invalid UTF-8 sequences in `data` (one linear pass)."""
    return data.decode("utf-8", errors="replace").count("\ufffd") - data.count("\ufffd".encode())


def _mostly_text(text: str) -> bool:
    """Letters, digits, spaces and common punctuation make up most of real text in any language."""
    sample = text[:65536]
    plain = sum(1 for c in sample if c.isalnum() or c.isspace() or c in ".,;:!?'\"()-")
    return plain >= 0.85 * len(sample)


def _looks_like_utf8(data: bytes) -> bool:
    """At least a few well-formed multi-byte sequences: the page really is UTF-8 with some damage."""
    return len(_UTF8_MULTIBYTE.findall(data[:65536])) >= 3


def _guess(data: bytes) -> str | None:
    """charset-normalizer's guess, kept only when it recognises a language in the decoded text.

    Its code page is a poor guess among single-byte code pages that differ only in a few letters and
    quotes (English with curly quotes comes out as cp850, "don’t" as "donÆt"; German as cp1250; Polish
    as cp1252), but the language it reads is good. So the language picks the code page where one is
    the language's own legacy encoding: Windows-1252 for Western European languages, Windows-1250
    for Central European ones; otherwise its best guess stands (cp1251 for Russian, ...).
    """
    from charset_normalizer import from_bytes  # imported lazily: only non-UTF-8 input pays for it

    results = [r for r in from_bytes(data[: 256 * 1024]) if r.encoding and r.coherence > 0]
    if not results:
        return None
    best = results[0]
    own = _LEGACY_CODE_PAGE.get(best.language)
    if own in _LEGACY_PAGES or best.encoding in _LEGACY_PAGES:
        own = _legacy_page_by_reading(data) or own
    for encoding in (own, best.encoding):
        if encoding:
            try:
                return data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
    return None


def _legacy_page_by_reading(data: bytes) -> str | None:
    """Windows-1252 or -1250, whichever reading our language detector places more surely in a language of
    that code page (charset-normalizer's own language is a guess on a few words: a short French text read
    as Czech came out "Café ŕ Paris"); None when neither reading is placed."""
    from model.language import default_detector  # (only a legacy-encoded page pays for it)

    best: tuple[float, str] | None = None
    for page, languages in (("cp1252", _WESTERN_CODES), ("cp1250", _CENTRAL_CODES)):
        text = data[:_READ_FOR_LANGUAGE].decode(page, errors="replace")
        found = default_detector().detect_one(text)
        if found.language in languages and (best is None or found.confidence > best[0]):
            best = (found.confidence, page)
    return best[1] if best else None


# Bytes of a legacy-encoded page read for its language.
_READ_FOR_LANGUAGE = 4096
_WESTERN_CODES = frozenset(
    ("en", "fr", "de", "es", "pt", "it", "nl", "da", "sv", "no", "nb", "nn", "fi", "is", "ca", "id", "ms",
     "ga")
)  # fmt: skip
_CENTRAL_CODES = frozenset(("pl", "cs", "sk", "hu", "sl", "hr", "ro", "bs", "sq"))
_LEGACY_PAGES = frozenset(("cp1252", "cp1250"))


_WESTERN = [
    "English",
    "French",
    "German",
    "Spanish",
    "Portuguese",
    "Italian",
    "Dutch",
    "Danish",
    "Swedish",
    "Norwegian",
    "Finnish",
    "Icelandic",
    "Catalan",
    "Indonesian",
    "Malay",
]
_CENTRAL = ["Polish", "Czech", "Slovak", "Hungarian", "Slovene", "Croatian", "Romanian"]
_LEGACY_CODE_PAGE = {**dict.fromkeys(_WESTERN, "cp1252"), **dict.fromkeys(_CENTRAL, "cp1250")}
