"""`moderate eval-parse --articles-dir DIR`: per-page parser accuracy against hand-written expectations.

For every page stem in the expectations file, each rendering present (.html, .w3m.txt, .inscriptis.txt)
is parsed and scored on: exact comment count, authors right (same names in page order), and body
snippets present (sentences from the article that must be in the body, none from the comments).
The Dragnet .gold.txt files add a third-party check of the body/comments boundary.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMATS = ("html", "w3m.txt", "inscriptis.txt")
DEFAULT_EXPECTED = Path(__file__).resolve().parent.parent / "tests" / "service" / "parse_expected.json"
GOLD_SEPARATOR = "!@#$%^&*() COMMENTS"
_WS = re.compile(r"\s+")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--articles-dir", type=Path, required=True, help="directory of <site>/<page>.<fmt> files"
    )
    parser.add_argument("--expected", type=Path, default=DEFAULT_EXPECTED, help="expectations JSON")
    parser.add_argument("--verbose-misses", action="store_true", help="print what differs on each miss")


def norm(text: str | None) -> str:
    return _WS.sub(" ", (text or "")).strip().casefold()


@dataclass
class Score:
    page: str
    fmt: str
    expected: int
    got: int
    count_ok: bool
    authors_ok: bool
    body_ok: bool
    starts_ok: bool = False
    error: str | None = None
    detail: str = ""
    shape: tuple[str, ...] = ()  # each comment's first words: compared across a page's renderings


def score_page(path: Path, spec: dict[str, Any], fmt: str) -> Score:
    from service.errors import InputError
    from service.parse import parse_file

    page = str(path)
    try:
        art = parse_file(path)
    except InputError as exc:
        return Score(page, fmt, spec["comments"], -1, False, False, False, error=str(exc))
    got = len(art.comments)
    count_ok = got == spec["comments"]
    want_authors = [norm(a) for a in spec.get("authors", [])]
    got_authors = [norm(c.author) for c in art.comments]
    authors_ok = count_ok and (not want_authors or got_authors == want_authors)
    # Where each comment starts: its text opens with the expected first words (when the spec gives them).
    want_starts = [norm(x) for x in spec.get("starts", [])]
    got_texts = [norm(c.text).lstrip("> ") for c in art.comments]  # a quoted opening keeps its "> "
    starts_ok = count_ok and (
        not want_starts
        or (
            len(want_starts) == len(got_texts)
            and all(g.startswith(w) for w, g in zip(want_starts, got_texts, strict=True))
        )
    )
    body = norm(art.body)
    missing = [s for s in spec.get("body_snippets", []) if norm(s) not in body]
    leaked = [s for s in spec.get("not_in_body", []) if norm(s) in body]
    body_ok = not missing and not leaked
    detail = ""
    if not authors_ok and count_ok:
        diff = [(w, g) for w, g in zip(want_authors, got_authors, strict=False) if w != g][:3]
        detail += f" authors differ: {diff}"
    if not starts_ok and count_ok:
        bad = [(w, g[:40]) for w, g in zip(want_starts, got_texts, strict=False) if not g.startswith(w)][:2]
        detail += f" starts differ: {bad}"
    if missing:
        detail += f" missing from body: {[m[:40] for m in missing]}"
    if leaked:
        detail += f" leaked into body: {[m[:40] for m in leaked]}"
    shape = tuple(t[:25] for t in got_texts)
    return Score(
        page, fmt, spec["comments"], got, count_ok, authors_ok, body_ok, starts_ok, detail=detail, shape=shape
    )


def gold_boundary(gold: Path, html: Path) -> tuple[bool, str]:
    """The gold body's last line must be in our body and the first gold comment's text must not."""
    from service.dates import find_date
    from service.errors import InputError
    from service.parse import parse_file

    text = gold.read_text(encoding="utf-8", errors="replace")
    if GOLD_SEPARATOR not in text:
        return False, "no separator in gold file"
    body_part, comment_part = text.split(GOLD_SEPARATOR, 1)
    body_lines = [ln.strip() for ln in body_part.splitlines() if len(ln.strip()) >= 40 and "\ufffd" not in ln]
    # Comment text lines: long enough to be prose, not a "NAME — DATE" header line.
    comment_lines = [
        ln.strip()
        for ln in comment_part.splitlines()
        if len(ln.strip()) >= 40 and "\ufffd" not in ln and (find_date(ln) is None or len(ln.strip()) > 100)
    ]
    try:
        art = parse_file(html)
    except InputError as exc:
        return False, str(exc)
    body = norm(art.body)
    comments = norm(" ".join(c.text for c in art.comments))
    last_body = norm(body_lines[-1][:80]) if body_lines else ""
    first_comment = norm(comment_lines[0][:80]) if comment_lines else ""
    ok_body = bool(last_body) and last_body in body
    ok_comment = bool(first_comment) and first_comment not in body and first_comment in comments
    gold_headers = sum(1 for ln in comment_part.splitlines() if 0 < len(ln.strip()) <= 100 and find_date(ln))
    return (
        ok_body and ok_comment,
        f"last body line in body: {ok_body}; first comment in comments only: {ok_comment}; "
        f"{len(art.comments)} comments (gold has {gold_headers} dated header lines)",
    )


def run(args: argparse.Namespace) -> int:
    from service.errors import InputError

    try:
        expected: dict[str, dict[str, Any]] = json.loads(args.expected.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read expectations {args.expected}: {exc}") from exc
    root: Path = args.articles_dir
    if not root.is_dir():
        raise InputError(f"articles dir not found: {root}")
    scores: list[Score] = []
    print(f"{'page':58} {'fmt':15} {'want':>4} {'got':>4} count authors body starts")
    for stem, spec in sorted(expected.items()):
        for fmt in FORMATS:
            path = root / f"{stem}.{fmt}"
            if not path.exists():
                continue
            s = score_page(path, spec, fmt)
            scores.append(s)
            mark = {True: "ok", False: "--"}
            line = (
                f"{stem[:58]:58} {fmt:15} {s.expected:>4} {s.got:>4} {mark[s.count_ok]:>5} "
                f"{mark[s.authors_ok]:>7} {mark[s.body_ok]:>4} {mark[s.starts_ok]:>6}"
            )
            if s.error:
                line += f"  ERROR {s.error}"
            elif args.verbose_misses and s.detail:
                line += f"  {s.detail}"
            print(line)
    print()
    print(f"{'format':15} {'pages':>5} {'count':>7} {'authors':>8} {'body':>6} {'starts':>7}")
    for fmt in (*FORMATS, "all"):
        sel = [s for s in scores if fmt == "all" or s.fmt == fmt]
        if not sel:
            continue
        print(
            f"{fmt:15} {len(sel):>5} {sum(s.count_ok for s in sel):>7} {sum(s.authors_ok for s in sel):>8} "
            f"{sum(s.body_ok for s in sel):>6} {sum(s.starts_ok for s in sel):>7}"
        )
    # Scraper-agnostic means one split whatever the rendering: same comments, starting at the same words.
    by_stem: dict[str, list[Score]] = {}
    for sc in scores:
        by_stem.setdefault(sc.page.rsplit(".", 2 if sc.fmt.endswith(".txt") else 1)[0], []).append(sc)
    multi = {stem: group for stem, group in by_stem.items() if len(group) > 1}
    split = sorted(stem for stem, group in multi.items() if len({sc.shape for sc in group}) > 1)
    print(
        f"\nrenderings giving the same comments (same first words): {len(multi) - len(split)} of {len(multi)}"
    )
    for stem in split:
        print(f"  differ: {Path(stem).relative_to(root) if Path(stem).is_relative_to(root) else stem}")
    golds = sorted(root.glob("*/*.gold.txt"))
    if golds:
        print("\nDragnet gold body/comments boundary:")
        for gold in golds:
            html = gold.with_name(gold.name.replace(".gold.txt", ".html"))
            ok, why = gold_boundary(gold, html)
            print(f"  {'ok' if ok else '--'} {gold.relative_to(root)}: {why}")
    return 0
