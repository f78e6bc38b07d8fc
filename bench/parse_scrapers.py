"""The parser on scrapers it was not tuned on: each Dragnet page's HTML rendered on the fly by a common
scraper (BeautifulSoup's `get_text("\\n")` and `get_text()`, html2text, markdownify, a headless
Chromium's `document.body.innerText`), parsed as text and scored against the gold exactly as
`moderate eval-parse` scores its renderings (service.parse_quality).
Reference figures only: no floors. Nothing rendered is written unless `--keep DIR` asks for it.

    python -m bench.parse_scrapers --data-dir ../shared/data --split train
    python -m bench.parse_scrapers --data-dir ../shared/data --renderers bs4 --reference --pages /tmp/p.jsonl

beautifulsoup4, markdownify and playwright are dev dependencies, html2text (GPL-3.0) is not: a renderer
whose library (or, for "chromium", Debian's /usr/bin/chromium) is not installed is skipped and named.
The HTML is decoded as UTF-8 with replacement, as the corpus's inscriptis dumps were.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from core.records import Article
from service.parse_quality import RENDERINGS, RenderingScore, comment_text, prf, read_gold, tokens

_REPO = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)

Renderer = Callable[[str], str]


def _soup(html: str) -> Any:
    import warnings

    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():  # XHTML pages: read as HTML, as a scraper's user would
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(html, "lxml")


def _bs4_lines(html: str) -> str:
    return str(_soup(html).get_text("\n"))


def _bs4_plain(html: str) -> str:
    return str(_soup(html).get_text())


def _html2text(html: str) -> str:
    import html2text

    return html2text.html2text(html)


def _markdownify(html: str) -> str:
    from markdownify import markdownify

    return str(markdownify(html))


CHROMIUM = os.environ.get("MODERATION_CHROMIUM", "/usr/bin/chromium")
# No GPU, no background traffic (refused by a closed network), no first-run pages: the browser tests
# (tests/browser/conftest.py) launch it the same way.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_PAGE_TIMEOUT_MS = 20_000  # the largest Dragnet page loads in well under a second; a hung one is an error
# A browser scraper's user takes the page's title and its visible text (Playwright's `page.title()` and
# `page.inner_text("body")`), and BeautifulSoup's get_text reads the <title> too: both, one line apart.
_INNER_TEXT = "document.title + '\\n' + (document.body ? document.body.innerText : '')"


class ChromiumText:
    """Debian's headless Chromium through Playwright, started on first use and kept for the whole run:
    JavaScript off, every network request aborted (the page is given with set_content; its stylesheets,
    images and frames are not fetched), and the text a browser scraper takes (`_INNER_TEXT`)."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None
        self._page: Any = None

    def __call__(self, html: str) -> str:
        from playwright.sync_api import Error as PlaywrightError

        if self._page is None:
            self._open()
        try:
            self._page.set_content(html, timeout=_PAGE_TIMEOUT_MS, wait_until="domcontentloaded")
            return str(self._page.evaluate(_INNER_TEXT))
        except PlaywrightError as e:  # a timeout or a crashed tab: the page reads as nothing, the next
            # gets a new tab
            log.warning("chromium could not render a page: %s", str(e).splitlines()[0])
            self._page.close()
            self._page = self._new_page()
            return ""

    def _open(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        self._page = self._new_page()

    def _new_page(self) -> Any:
        page = self._browser.new_context(java_script_enabled=False).new_page()
        page.route("**/*", lambda route: route.abort())
        return page

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._playwright.stop()
        self._playwright = self._browser = self._page = None


# name -> (the module it needs, the renderer): the commonest calls of each library, default options.
RENDERERS: dict[str, tuple[str, Renderer]] = {
    "bs4": ("bs4", _bs4_lines),
    "bs4-plain": ("bs4", _bs4_plain),
    "html2text": ("html2text", _html2text),
    "markdownify": ("markdownify", _markdownify),
    "chromium": ("playwright", ChromiumText()),
}
# Renderers that need a program besides their Python library.
_PROGRAMS = {"chromium": CHROMIUM}


def _missing(name: str) -> str | None:
    module = RENDERERS[name][0]
    if importlib.util.find_spec(module) is None:
        return module
    program = _PROGRAMS.get(name)
    if program is not None and not (shutil.which(program) or Path(program).is_file()):
        return program
    return None


def available(names: Iterable[str]) -> tuple[dict[str, Renderer], list[str]]:
    """The renderers among `names` whose library imports (and program is installed), and the names
    skipped (something missing)."""
    found: dict[str, Renderer] = {}
    skipped: list[str] = []
    for name in names:
        what = _missing(name)
        if what is None:
            found[name] = RENDERERS[name][1]
        else:
            skipped.append(name)
    return found, skipped


def score_rendered(
    root: Path,
    page_ids: Iterable[str],
    renderers: dict[str, Renderer],
    reference: Iterable[str] = (),
    keep: Path | None = None,
    reuse: bool = False,
) -> tuple[dict[str, RenderingScore], list[dict[str, object]]]:
    """Score each page rendered by each renderer (parsed as text), and in the `reference` renderings on
    disk (parsed as eval-parse parses them); with per-page rows (body and comments F1, comments found).
    Each rendering is written to `keep` if given; with `reuse`, one already there is read, not rendered."""
    from core.errors import InputError
    from service.parse import parse_file, parse_page

    names = [*reference, *renderers]
    out = {name: RenderingScore() for name in names}
    rows: list[dict[str, object]] = []
    for page_id in page_ids:
        gold = read_gold(root / f"{page_id}.gold.txt")
        html = (root / f"{page_id}.html").read_bytes().decode("utf-8", errors="replace")
        for name in names:
            article: Article | None
            try:
                if name in renderers:
                    kept = keep / f"{page_id}.{name}.txt" if keep is not None else None
                    if reuse and kept is not None and kept.is_file():
                        text = kept.read_text(encoding="utf-8")
                    else:
                        text = renderers[name](html)
                        if kept is not None:
                            kept.write_text(text, encoding="utf-8")
                    article = parse_page(text, source=f"{page_id}.{name}", fmt="text")
                else:
                    article = parse_file(root / f"{page_id}.{name}")
            except InputError:
                article = None
            out[name].add(gold, article)
            rows.append(_row(page_id, name, gold.body, gold.comments if gold.has_comments else None, article))
    return out, rows


def _row(
    page: str, name: str, gold_body: str, gold_comments: str | None, art: Article | None
) -> dict[str, object]:
    body = f"{art.title or ''}\n{art.body}" if art else ""
    row: dict[str, object] = {
        "page": page,
        "rendering": name,
        "body_f1": round(prf(tokens(body), tokens(gold_body))[2], 4),
        "comments": len(art.comments) if art else -1,
    }
    if gold_comments is not None:
        row["comments_f1"] = round(prf(tokens(comment_text(art) if art else ""), tokens(gold_comments))[2], 4)
    return row


def report(scores: dict[str, RenderingScore]) -> None:
    columns = ("body P", "body R", "body F1", "comm F1", "invented", "errors", "title")
    print(f"{'rendering':15} " + " ".join(f"{c:>8}" for c in columns))
    for name, sc in scores.items():
        f = sc.figures()
        invented = f"{sc.invented}/{sc.without_comments}"
        print(
            f"{name:15} {f['body_precision']:>8.3f} {f['body_recall']:>8.3f} {f['body_f1']:>8.3f} "
            f"{f['comments_f1']:>8.3f} {invented:>8} {sc.errors:>8} {f['title_right']:>8.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.parse_scrapers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--data-dir", type=Path, default=_REPO.parent / "shared" / "data")
    ap.add_argument("--split", choices=("train", "test", "all"), default="train")
    ap.add_argument(
        "--renderers", default=",".join(RENDERERS), help=f"comma-separated: {', '.join(RENDERERS)}"
    )
    ap.add_argument("--reference", action="store_true", help="also score the w3m, inscriptis and HTML files")
    ap.add_argument("--pages", type=Path, help="write one JSON line per page and rendering here")
    ap.add_argument("--keep", type=Path, help="write each rendering here (outside the repository)")
    ap.add_argument(
        "--reuse", action="store_true", help="parse the renderings already in --keep instead of rendering"
    )
    ap.add_argument("--limit", type=int, help="only the first N pages of the split")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.renderers.split(",") if n.strip()]
    unknown = sorted(set(names) - set(RENDERERS))
    if unknown:
        ap.error(f"unknown renderer(s) {', '.join(unknown)} (of {', '.join(RENDERERS)})")
    from bench import require_folder
    from service.parse_quality import dragnet_pages

    folder = args.data_dir / "dragnet-pages"
    require_folder(ap.prog, folder, "pass --data-dir")
    if args.keep is not None and args.keep.resolve().is_relative_to(_REPO):
        ap.error("--keep must be outside the repository (the corpus's licence)")
    if args.reuse and args.keep is None:
        ap.error("--reuse reads the renderings of --keep DIR: pass it")
    renderers, skipped = available(names)
    for name in skipped:
        print(f"skipped {name}: {_missing(name)} is not installed", file=sys.stderr)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    ids = dragnet_pages(folder, args.split)[: args.limit]
    reference = RENDERINGS if args.reference else ()
    try:
        scores, rows = score_rendered(folder, ids, renderers, reference, args.keep, args.reuse)
    finally:
        for render in renderers.values():
            if isinstance(render, ChromiumText):
                render.close()
    with_comments = next(iter(scores.values())).with_comments if scores else 0
    print(f"Dragnet {args.split} split: {len(ids)} pages, {with_comments} with gold comments (page averages)")
    report(scores)
    if args.pages is not None:
        args.pages.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
