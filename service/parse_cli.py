"""`moderate parse PATH [--format auto|text|html]`: print one page's split as one JSON object."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="the page to parse (plain text from any scraper, or raw HTML)")
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=("auto", "text", "html"),
        default="auto",
        help="input format (default: sniff the first bytes)",
    )
    parser.add_argument("--indent", type=int, default=None, help="pretty-print the JSON with this indent")


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
                "parent": c.parent,
            }
            for c in article.comments
        ],
        "declared_comment_count": article.declared_comment_count,
        "dropped": [{"text": d.text, "reason": d.reason} for d in article.dropped],
    }


# C1 controls (\x9b is a terminal's CSI), bidi overrides/isolates and line/paragraph separators from a
# scraped page: written as JSON \\u escapes (the same string to a JSON reader), never raw to a terminal.
_UNSAFE = re.compile("[\x80-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def run(args: argparse.Namespace) -> int:
    from service.parse import parse_file
    from service.settings import Settings

    # The configured limit (MODERATION_LIMITS__MAX_PAGE_BYTES) applies before the file is read.
    article = parse_file(args.path, fmt=args.fmt, limits=Settings().limits)
    text = json.dumps(article_json(article), ensure_ascii=False, indent=args.indent)
    sys.stdout.write(_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
    return 0
