"""Split a scraped page (plain text from any scraper, or raw HTML) into title, body, comments, dropped."""

from __future__ import annotations

import os
from typing import Literal

from service.ingest import decode, read_limited
from service.records import Article
from service.settings import Limits

Format = Literal["auto", "text", "html"]


def parse_page(
    data: bytes | str,
    *,
    source: str = "<input>",
    fmt: Format = "auto",
    limits: Limits | None = None,
) -> Article:
    limits = limits or Limits()
    text = decode(data, source, max_bytes=limits.max_page_bytes) if isinstance(data, bytes) else data
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    title = lines[0] if lines else None
    return Article(source=source, format="text", title=title, body="\n".join(lines[1:]))


def parse_file(path: str | os.PathLike[str], *, fmt: Format = "auto", limits: Limits | None = None) -> Article:
    limits = limits or Limits()
    data = read_limited(path, limits.max_page_bytes)
    return parse_page(data, source=str(path), fmt=fmt, limits=limits)
