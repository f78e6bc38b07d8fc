"""`moderate parse PATH... [--format auto|text|html]`: print each page's split as JSON.

One file (or "-", standard input: `curl URL | moderate parse -`, named "<stdin>"): one JSON object (an
unreadable page is a one-line error and exit status 1). Several files or a directory (read recursively,
in sorted order, following symlinks as `moderate score` does, hidden files skipped): JSON Lines, one
object per page in input order, and for a page that cannot be parsed, or an entry that is no page (a
FIFO, a dangling link, a symlink loop), an object {"source", "error", "error_type"} in its place, and
for an entry not read (hidden, or a file, directory or "-" already read: a link, a name given twice,
"-" redirected from a file also named) {"source", "skipped"} with the reason, as `moderate score`
lists it; the exit status is 1 when any page failed. A directory with no page in it is a note on
stderr (exit 0, as `moderate score`). The pages parse in this one process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from core.records import Article
    from service.parse import Format
    from service.settings import Limits


# Wider indents help no reader; 100,000,000 spaces a line ran out of memory (a traceback).
MAX_INDENT = 16


def _indent(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_INDENT:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of spaces from 0 to {MAX_INDENT}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="pages to parse (plain text from any scraper, or raw HTML), or directories of them; "
        "- reads a page from standard input (named <stdin> in the output)",
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=("auto", "text", "html"),
        default="auto",
        help="input format (default: sniff the first bytes)",
    )
    parser.add_argument(
        "--indent",
        type=_indent,
        default=None,
        help="pretty-print the JSON with this indent, for one page only "
        "(several: JSON Lines, one object a line)",
    )


def article_json(article: Any) -> dict[str, Any]:
    """The JSON shape of issue 2: comments without internal fields, dropped as text + reason."""
    return {
        "source": article.source,
        "format": article.format,
        "title": article.title,
        "body": article.body,
        "comments": [
            {
                "author": c.author,
                "posted_at": c.posted_at,
                "posted_raw": c.posted_raw,
                "text": c.text,
                "quotes": c.quotes_shown(),
                "parent": c.parent,
            }
            for c in article.comments
        ],
        "declared_comment_count": article.declared_comment_count,
        "dropped": [{"text": d.text, "reason": d.reason} for d in article.dropped],
        "warnings": list(article.warnings),
    }


# C1 controls (\x9b is a terminal's CSI), bidi overrides/isolates and line/paragraph separators from a
# scraped page: written as JSON \\u escapes (the same string to a JSON reader), never raw to a terminal.
_UNSAFE = re.compile("[\x80-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _dumps(obj: dict[str, Any], indent: int | None) -> str:
    from service.ingest import display_path

    # A file name's bytes that are not UTF-8 (lone surrogates in Python, which no UTF-8 writer takes)
    # are written as \xNN escapes, in the source and in an error naming it, as `moderate score` does.
    obj = {
        k: display_path(v) if k in ("source", "error") and isinstance(v, str) else v for k, v in obj.items()
    }
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def expand(
    paths: list[str],
    empty: list[str] | None = None,
    exclude: Mapping[tuple[int, int], str | None] | None = None,
    stdin_file: tuple[int, int, str] | None = None,
) -> list[tuple[str, Literal["page", "error", "skipped"], str | None]]:
    """(entry, "page", None) to parse, or (entry, "error" or "skipped", why), in input order, as
    `moderate score` lists them (`discover`): a directory stands for its entries, walked recursively
    in sorted order (symlinks followed, each directory once); a FIFO, a dangling link or a symlink
    loop gets its error object, and a hidden entry, a file or directory reached again (named twice, a
    link to one already read) and a second "-" (standard input is read once) their skipped object,
    instead of vanishing from the output. A directory PATH giving nothing to parse (empty, or hidden
    files only) is appended to `empty`. `exclude`: see `discover` (this run's own output file)."""
    from service.batch_discover import discover

    out: list[tuple[str, Literal["page", "error", "skipped"], str | None]] = []
    for task in discover(paths, exclude=exclude, stdin_file=stdin_file, stdin_any_kind=True):
        if task.kind in ("page", "jsonl", "stdin"):
            out.append((task.source, "page", None))
        elif task.kind == "error":
            out.append((task.source, "error", task.reason or "unreadable"))
        else:
            out.append((task.source, "skipped", task.reason))
    if empty is not None:
        for raw in paths:
            inside = os.path.join(raw, "")
            read = (p for p, kind, _ in out if kind != "skipped")
            if os.path.isdir(raw) and not any(p.startswith(inside) for p in read):
                empty.append(raw)
    return out


def _parse(path: str, fmt: Format, limits: Limits) -> Article:
    from service import standard_input
    from service.batch_discover import refuse_comment_export
    from service.ingest import read_limited
    from service.parse import parse_page

    if path == standard_input.STDIN:
        path = standard_input.SOURCE
        data = standard_input.read_page(limits.max_page_bytes)  # bounded, as a file is
    else:
        data = read_limited(path, limits.max_page_bytes)
    if fmt == "auto":  # (--format text or html: the user says it is a page)
        refuse_comment_export(data, path)
    return parse_page(data, source=path, fmt=fmt, limits=limits)


def run(args: argparse.Namespace) -> int:
    from core.errors import ModerationError, UnreadableInputError
    from service import standard_input
    from service.batch_discover import own_output
    from service.cli import usage_error
    from service.ingest import display_line, without_source
    from service.settings import command_settings

    if problem := standard_input.missing_paths(args.paths):
        return usage_error("parse", problem)
    limits = command_settings("parse").limits
    # The configured limit (MODERATION_LIMITS__MAX_PAGE_BYTES) applies before each file is read.
    if len(args.paths) == 1 and not os.path.isdir(args.paths[0]):  # (Path("") is ".", a directory)
        article = _parse(args.paths[0], args.fmt, limits)
        sys.stdout.write(_dumps(article_json(article), args.indent) + "\n")
        return 0
    failed = 0
    empty: list[str] = []
    own = dict.fromkeys(own_output(sys.stdout))  # this run's output is left out altogether, as in report
    stdin_file = None
    if standard_input.STDIN in args.paths:  # (`moderate parse - x.html < x.html`: parsed once)
        stdin_file = standard_input.redirected_file(limits.max_page_bytes, sniff=False)
    for path, kind, why in expand(args.paths, empty, own, stdin_file):
        source = standard_input.SOURCE if path == standard_input.STDIN else path
        try:
            if kind == "skipped":  # accounted for, not parsed (as `moderate score`'s skipped row)
                obj = {"source": source, "skipped": why}
            elif kind == "error":  # (a FIFO, a dangling link, a loop: as `moderate score` names it)
                raise UnreadableInputError(why or "unreadable")
            else:
                obj = article_json(_parse(path, args.fmt, limits))
        except ModerationError as exc:
            failed += 1
            why = without_source(str(exc), source)  # the object names its source
            obj = {"source": source, "error": why, "error_type": type(exc).__name__}
        sys.stdout.write(_dumps(obj, None) + "\n")
    for d in empty:  # nothing to parse is not an error (as `moderate score`), but never silent
        print(f"moderate parse: note: {display_line(d)}: no page in this directory", file=sys.stderr)
    return 1 if failed else 0
