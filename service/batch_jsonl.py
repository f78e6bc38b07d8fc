"""Reading a comment export (`.jsonl`, `.ndjson`) for `moderate score`: its lines, bounded in size, each
parsed into a comment record or refused with the InputError that becomes the line's error row."""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from pydantic_core import from_json

from core.errors import MalformedInputError, TooLargeError, UnreadableInputError
from core.records import ArticleContext
from service.api.jsonsteps import TOO_DEEP, json_error
from service.ingest import has_visible_text, kind_of_mode, wide_encoding
from service.parse.quotes import quoted_comments
from service.settings import Limits

# One JSONL line may not be larger than this: a comment plus its article, bounded like an HTTP request.
MAX_JSONL_LINE_BYTES = 2 * 1024 * 1024
# A line's "language" tag, at most as long as the API accepts its request's (service/api/schemas.py).
MAX_LANGUAGE_TAG_CHARS = 35
# A lone surrogate (a JSON \uD800-\uDFFF escape): not valid Unicode, and it cannot be written as UTF-8.
SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(slots=True)
class JsonlComment:
    """One checked comment line of an export."""

    line: int
    id: str
    text: str
    article_id: str | None
    article: ArticleContext | None
    language: str | None = None  # the line's language hint as a model key ("fr-FR" -> "fr"); None: detect
    # What the text quotes (start, end in the text as exported, author, text); `text` is then the rest,
    # the commenter's own words, which are scored (as a page's reply is).
    quotes: tuple[dict[str, Any], ...] = ()


def read_json_line(raw: bytes) -> Any:
    """A line's JSON value, read as the API reads a body (pydantic-core: the same refusals, positions
    and nesting limit, MAX_DEPTH), except that a lone surrogate escape is read, for the line's checks
    to name its field (and the row its id)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedInputError(
            f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
        ) from exc
    try:
        return from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        if "surrogate" in str(exc) or "hex escape" in str(exc):  # ("\\ud800x": "end of hex escape")
            with contextlib.suppress(ValueError, RecursionError):
                return json.loads(text)  # the stdlib reads a lone surrogate (within MAX_DEPTH here)
        what, _, line_and_column = json_error(exc).rpartition(" at line ")
        column = line_and_column.rpartition(" column ")[2]  # (a line is one line: its row says which)
        raise MalformedInputError(f"invalid JSON: {what} (column {column})") from exc


def parse_jsonl_line(obj: Any, raw: bytes, line_no: int, limits: Limits) -> JsonlComment:
    """One parsed line (``obj``, read from ``raw``) as a comment, or the InputError saying why not."""
    if not isinstance(obj, dict):
        raise MalformedInputError(f"expected a JSON object, got {type(obj).__name__}")
    cid, text = _id_of(obj.get("id"), line_no), obj.get("text")
    if not isinstance(text, str):
        raise MalformedInputError('"text" must be a string')
    if not has_visible_text(text):  # spaces, zero-width characters, NULs: nothing to moderate
        raise MalformedInputError('"text" is empty')
    if len(text) > limits.max_comment_chars:
        raise TooLargeError(
            f'"text" has {len(text):,} characters, over the limit of {limits.max_comment_chars:,}'
        )
    article_id = obj.get("article_id")
    if _is_integer(article_id):
        article_id = str(article_id)  # a CMS's numeric post id
    if article_id is not None and not isinstance(article_id, str):
        raise MalformedInputError('"article_id" must be a string or an integer when given')
    art = obj.get("article")
    ctx = None
    if art is not None:
        if not isinstance(art, dict):
            raise MalformedInputError('"article" must be an object with "title" and "body"')
        title, body = art.get("title") or "", art.get("body") or ""
        if not isinstance(title, str) or not isinstance(body, str):
            raise MalformedInputError('"article.title" and "article.body" must be strings')
        if has_visible_text(title) or has_visible_text(body):  # else no article: context "none"
            ctx = ArticleContext(title=title, body=body)
    if b"\\u" in raw:  # only a \u escape can make a lone surrogate: it could not be written out as UTF-8
        fields = {"id": cid, "text": text, "article_id": article_id}
        if ctx is not None:
            fields.update({"article.title": ctx.title, "article.body": ctx.body})
        for name, value in fields.items():
            if value is not None and SURROGATE.search(value):
                raise MalformedInputError(
                    f'"{name}" has a lone surrogate (a \\uD800-\\uDFFF escape): not valid Unicode'
                )
    [quoting] = quoted_comments([text], [None])
    quotes = tuple(quoting.quotes_shown())
    return JsonlComment(line_no, cid, quoting.own_text, article_id, ctx, _language_of(obj), quotes)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _id_of(cid: Any, line_no: int) -> str:
    """A line's id: a string as given, a CMS export's numeric id as its digits, none: "line-N"."""
    if cid is None:
        return f"line-{line_no}"
    if _is_integer(cid):
        return str(cid)
    if not isinstance(cid, str) or not cid:
        raise MalformedInputError('"id" must be a non-empty string or an integer when given')
    return cid


def _language_of(obj: dict[str, Any]) -> str | None:
    """A line's "language", read as the API reads its request's: a BCP-47 tag as a model key, or None
    (absent, "und"); what the API refuses with a 422 (no tag, too long, not a string) is an InputError."""
    tag = obj.get("language")
    if tag is None:
        return None
    if not isinstance(tag, str):
        raise MalformedInputError('"language" must be a string (a BCP-47 tag, e.g. "fr") when given')
    if len(tag) > MAX_LANGUAGE_TAG_CHARS:
        raise MalformedInputError(f'"language" has over {MAX_LANGUAGE_TAG_CHARS} characters: not a tag')
    from model.language import normalize_language

    try:
        return normalize_language(tag)
    except ValueError as exc:
        raise MalformedInputError(f'"language": {exc}') from None


def refused_id(obj: Any) -> str | None:
    """The "id" of a refused line, when it is a JSON object with a string id that can be written."""
    cid = obj.get("id") if isinstance(obj, dict) else None
    if not isinstance(cid, str) or not cid or SURROGATE.search(cid):
        return None
    return cid


def oversized_line() -> str:
    """The error of a line over MAX_JSONL_LINE_BYTES (TooLargeError)."""
    return f"line over {MAX_JSONL_LINE_BYTES:,} bytes"


def _as_utf8(data: bytes) -> bytes:
    """`data` in UTF-8: as it is, or re-encoded from UTF-16 or UTF-32 read by its byte order mark (a
    unit cut off at the end, as a first line read up to its newline byte is, is left out)."""
    codec = wide_encoding(data)
    if codec is None:
        return data
    return codecs.getincrementaldecoder(codec)("replace").decode(data).encode("utf-8", "replace")


JSON_LD_KEY = "@context"


def reads_as_json_lines(data: bytes) -> bool:
    """Whether a page file's (or standard input's) first line is a JSON object, read as
    `read_json_line` reads an export's lines: a comment export under another name (a BigQuery or CMS
    export's `.json`), whose comments the page parser would never find."""
    if wide_encoding(data) is not None:  # its newline is two or four bytes: read its first line's
        data = _as_utf8(data[:MAX_JSONL_LINE_BYTES])
    first = data.partition(b"\n")[0].removeprefix(codecs.BOM_UTF8).strip()
    if not first.startswith(b"{"):
        return False
    try:
        obj = read_json_line(first)  # as the export's reader reads it
        # A JSON-LD object (schema.org metadata a scraper kept from a <script>) opens a page, never
        # an export: no comment row carries "@context".
        return isinstance(obj, dict) and JSON_LD_KEY not in obj
    except MalformedInputError as exc:
        # Nested past MAX_DEPTH: an export's line, whose error row names the limit, at any depth (the
        # stdlib's own recursion limit made 300 levels an export and 10,000 a page).
        return TOO_DEEP in str(exc)


# A JSON document's first and last characters: an array's or an object's, as an export dumps its comments.
_DOCUMENT_ENDS = {b"[": b"]", b"{": b"}"}


def reads_as_json_document(data: bytes) -> bool:
    """Whether a page file (or standard input) is one whole JSON array or object, read as the API reads
    a body (nested past MAX_DEPTH is one too): a comment export dumped as one JSON value over many lines
    (a CMS's or a Perspective-style dump), whose comments the page parser would never find. Only a page
    that opens and closes as one is parsed, bounded as any page is (MAX_PAGE_BYTES)."""
    body = _as_utf8(data).removeprefix(codecs.BOM_UTF8).strip()
    if _DOCUMENT_ENDS.get(body[:1]) != body[-1:]:
        return False
    try:
        from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        return TOO_DEEP in str(exc)
    return True


def skip_rest_of_line(fh: BinaryIO) -> None:
    """Read past the rest of an oversized line without holding it."""
    while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
        pass


def _open_export(path: str) -> BinaryIO:
    """The export at `path`, opened for reading without waiting: the walk saw a regular file, but one
    replaced since by a FIFO made open() wait for a writer for ever. Only a regular file is read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # unreadable as an export, as a page in its place is (docs/batch.md)
            raise UnreadableInputError(f"{kind_of_mode(mode)} since the run listed it, not a comment export")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def is_blank_line(raw: bytes) -> bool:
    """Whether an export's line is blank, and left out: white space, or a BOM alone (Windows tools start
    UTF-8 files with one; exports joined with `cat` carry one per part)."""
    return not raw.removeprefix(codecs.BOM_UTF8).strip()


def jsonl_lines(path: str, data: bytes | None = None) -> Iterator[tuple[int, bytes | None]]:
    """(line number, raw bytes) per non-blank line of the file at `path`, or of `data` when given (the
    export read from standard input); None for a line over MAX_JSONL_LINE_BYTES."""
    with _open_export(path) if data is None else io.BytesIO(data) as fh:
        codec = wide_encoding(fh.read(4))
        fh.seek(0)
        if codec is not None:
            yield from _wide_lines(fh, codec)
            return
        line_no = 0
        while True:
            raw = fh.readline(MAX_JSONL_LINE_BYTES + 1)
            if not raw:
                return
            line_no += 1
            if len(raw) > MAX_JSONL_LINE_BYTES and not raw.endswith(b"\n"):
                skip_rest_of_line(fh)
                yield line_no, None
                continue
            if not is_blank_line(raw):
                yield line_no, raw.removeprefix(codecs.BOM_UTF8)


def _wide_lines(fh: BinaryIO, codec: str) -> Iterator[tuple[int, bytes | None]]:
    """jsonl_lines of an export in UTF-16 or UTF-32 (by its byte order mark), each line re-encoded in
    UTF-8: read by its bytes, every line of it was an error row ("not UTF-8"), or a page titled with
    its first line when piped in. A line is bounded in characters as it is read, then in bytes."""
    text = io.TextIOWrapper(fh, encoding=codec, errors="replace", newline="\n")
    line_no = 0
    while True:
        line = text.readline(MAX_JSONL_LINE_BYTES + 1)
        if not line:
            return
        line_no += 1
        raw = line.encode("utf-8", "replace")
        if len(raw) > MAX_JSONL_LINE_BYTES:
            while line and not line.endswith("\n"):
                line = text.readline(1 << 20)
            yield line_no, None
            continue
        if not is_blank_line(raw):
            yield line_no, raw
