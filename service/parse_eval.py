"""`moderate eval-parse --articles-dir DIR --data-dir DIR`: parser quality, failing below pinned floors.

Two measures, each per rendering (HTML, w3m text, inscriptis text):

- Dragnet test split (service.parse_quality): title+body token F1, comments token F1 and the rate of
  comments invented on pages without any, on pages never used to train or tune the parser;
- the shared article pages: for every page stem in the expectations file, each rendering present
(.html, .w3m.txt, .inscriptis.txt) is parsed and scored on: exact comment count, authors right (same
names in page order), and body snippets present (sentences from the article that must be in the body,
none from the comments).
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
DEFAULT_EXPECTED = Path(__file__).resolve().parent / "evaldata" / "parse_expected.json"
DEFAULT_FLOORS = Path(__file__).resolve().parent / "evaldata" / "parse_floors.json"
GOLD_SEPARATOR = "!@#$%^&*() COMMENTS"
_WS = re.compile(r"\s+")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--articles-dir", type=Path, required=True, help="directory of <site>/<page>.<fmt> files"
    )
    parser.add_argument("--expected", type=Path, default=DEFAULT_EXPECTED, help="expectations JSON")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="corpora root holding dragnet-pages/ (not scored when not given)",
    )
    parser.add_argument(
        "--split",
        choices=("test", "train", "all"),
        default="test",
        help="Dragnet pages to score (default: test; the floors are checked on test only)",
    )
    parser.add_argument("--floors", type=Path, default=DEFAULT_FLOORS, help="pinned floors JSON")
    parser.add_argument(
        "--no-check", action="store_true", help="print the figures, do not compare with floors"
    )
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
    from core.errors import InputError
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
    from core.errors import InputError
    from service.dates import find_date
    from service.parse import parse_file
    from service.parse.maintext import words_key
    from service.parse_quality import decode_gold

    text = decode_gold(gold.read_bytes())
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
    # Words only: a smiley the page draws as an image is text in the gold but not in our lines.
    body = words_key(art.body)
    comments = words_key(" ".join(c.text for c in art.comments))
    last_body = words_key(body_lines[-1][:80]) if body_lines else ""
    first_comment = words_key(comment_lines[0][:80]) if comment_lines else ""
    ok_body = bool(last_body) and last_body in body
    ok_comment = bool(first_comment) and first_comment not in body and first_comment in comments
    gold_headers = sum(1 for ln in comment_part.splitlines() if 0 < len(ln.strip()) <= 100 and find_date(ln))
    return (
        ok_body and ok_comment,
        f"last body line in body: {ok_body}; first comment in comments only: {ok_comment}; "
        f"{len(art.comments)} comments (gold has {gold_headers} dated header lines)",
    )


def run(args: argparse.Namespace) -> int:
    from core.errors import InputError

    root: Path = args.articles_dir
    if not root.is_dir():
        raise InputError(f"articles dir not found: {root} (set ARTICLES_DIR=... for make eval-parse)")
    if not args.no_check and args.split == "test":
        _load_floors(args.floors)  # a file that cannot be checked against stops the run before the work
    figures: dict[str, dict[str, dict[str, float]]] = {}
    if args.data_dir is not None:
        figures[f"dragnet_{args.split}"] = _dragnet(args.data_dir / "dragnet-pages", args.split)
    figures["shared"], missing = _shared(root, args)
    figures["heldout"] = _heldout()
    if args.no_check:
        print("\nfloors not checked (--no-check)")
        checked = 0
    elif args.split != "test":
        print(f"\nfloors not checked: they are pinned for --split test, not {args.split}")
        checked = 0
    else:
        checked = _check(figures, args.floors)
    if missing:  # a page not measured is a page lost, whatever the floors say
        print(f"\n{missing} expected page(s) MISSING under {root} (listed above)")
        return 1
    return checked


def _dragnet(folder: Path, split: str) -> dict[str, dict[str, float]]:
    from core.errors import InputError
    from service.parse import parse_file
    from service.parse_quality import RENDERINGS, dragnet_pages, score_dragnet

    if not folder.is_dir():
        raise InputError(f"Dragnet pages not found: {folder} (set DATA_DIR=... for make eval-parse)")
    ids = dragnet_pages(folder, split)
    scores = score_dragnet(folder, ids, parse_file)
    print(f"Dragnet {split} split: {len(ids)} pages (token F1 against the gold, page averages)")
    columns = (("body P", 7), ("body R", 7), ("body F1", 8), ("comm F1", 8), ("invented", 9), ("errors", 6))
    head = " ".join(f"{name:>{width}}" for name, width in (*columns, ("title", 6)))
    print(f"{'rendering':15} {head}")
    out: dict[str, dict[str, float]] = {}
    for rendering in RENDERINGS:
        sc = scores[rendering]
        f = sc.figures()
        out[rendering] = f
        print(
            f"{rendering:15} {f['body_precision']:>7.3f} {f['body_recall']:>7.3f} {f['body_f1']:>8.3f} "
            f"{f['comments_f1']:>8.3f} {sc.invented:>4}/{sc.without_comments:<4} {sc.errors:>6} "
            f"{f['title_right']:>6.3f}"
        )
    n_with = scores[RENDERINGS[0]].with_comments
    print(f"(comments F1 over the {n_with} pages with gold comments; title: share of pages whose title's")
    print(" words are mostly the gold's)")
    intervals = ", ".join(
        f"{r} [{low:.3f}, {high:.3f}]" for r in RENDERINGS for low, high in [scores[r].body_f1_interval()]
    )
    print(f"body F1 95% interval, pages resampled: {intervals}\n")
    return out


def _heldout() -> dict[str, dict[str, float]]:
    from service.parse_heldout import HELDOUT_DIR, figures, score_all

    scores = score_all()
    pages = len(next(iter(scores.values())))
    print(
        f"\nHeld-out pages ({HELDOUT_DIR.name}, never tuned on): {pages} pages, shares of pages or comments"
    )
    columns = ("count_exact", "matched", "authors", "invented", "silent_misses", "body_ends", "title_right")
    print(f"{'rendering':15} " + " ".join(f"{c:>13}" for c in columns))
    out: dict[str, dict[str, float]] = {}
    for rendering, rows in scores.items():
        out[rendering] = f = figures([s for _, s in rows])
        print(
            f"{rendering:15} "
            + " ".join(f"{f[c]:>13.3f}" if isinstance(f[c], float) else f"{f[c]:>13}" for c in columns)
        )
    return out


def _shared(root: Path, args: argparse.Namespace) -> tuple[dict[str, dict[str, float]], int]:
    """The shared pages' figures, and how many expected pages have no rendering under `root`."""
    from core.errors import InputError

    expected = _load_expected(args.expected)
    present = {stem: [fmt for fmt in FORMATS if (root / f"{stem}.{fmt}").exists()] for stem in expected}
    if expected and not any(present.values()):
        raise InputError(
            f"none of the {len(expected)} expected pages is under {root}: give the shared articles directory"
        )
    scores: list[Score] = []
    print(f"{'page':58} {'fmt':15} {'want':>4} {'got':>4} count authors body starts")
    for stem, spec in sorted(expected.items()):
        if not present[stem]:
            print(f"{stem[:58]:58} MISSING: no {', '.join(FORMATS)} file")
        for fmt in present[stem]:
            s = score_page(root / f"{stem}.{fmt}", spec, fmt)
            scores.append(s)
            print(_page_line(stem, fmt, s, args.verbose_misses))
    print()
    out = _shared_summary(scores)
    _same_split(scores, root)
    golds = sorted(root.glob("*/*.gold.txt"))
    if golds:
        print("\nDragnet gold body/comments boundary:")
        for gold in golds:
            html = gold.with_name(gold.name.replace(".gold.txt", ".html"))
            ok, why = gold_boundary(gold, html)
            print(f"  {'ok' if ok else '--'} {gold.relative_to(root)}: {why}")
    return out, sum(not formats for formats in present.values())


def _page_line(stem: str, fmt: str, s: Score, verbose: bool) -> str:
    mark = {True: "ok", False: "--"}
    line = (
        f"{stem[:58]:58} {fmt:15} {s.expected:>4} {s.got:>4} {mark[s.count_ok]:>5} "
        f"{mark[s.authors_ok]:>7} {mark[s.body_ok]:>4} {mark[s.starts_ok]:>6}"
    )
    if s.error:
        line += f"  ERROR {s.error}"
    elif verbose and s.detail:
        line += f"  {s.detail}"
    return line


def _shared_summary(scores: list[Score]) -> dict[str, dict[str, float]]:
    print(f"{'format':15} {'pages':>5} {'count':>7} {'authors':>8} {'body':>6} {'starts':>7}")
    out: dict[str, dict[str, float]] = {}
    for fmt in (*FORMATS, "all"):
        sel = [s for s in scores if fmt == "all" or s.fmt == fmt]
        if not sel:
            continue
        row = {
            "count_ok": sum(s.count_ok for s in sel),
            "authors_ok": sum(s.authors_ok for s in sel),
            "body_ok": sum(s.body_ok for s in sel),
            "starts_ok": sum(s.starts_ok for s in sel),
        }
        out[fmt] = {k: float(v) for k, v in row.items()}
        print(
            f"{fmt:15} {len(sel):>5} {row['count_ok']:>7} {row['authors_ok']:>8} "
            f"{row['body_ok']:>6} {row['starts_ok']:>7}"
        )
    return out


def _same_split(scores: list[Score], root: Path) -> None:
    """Scraper-agnostic means one split whatever the rendering: same comments, starting at the same words."""
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


def _load_expected(path: Path) -> dict[str, dict[str, Any]]:
    from core.errors import InputError

    try:
        expected = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read expectations {path}: {exc}") from exc
    if not isinstance(expected, dict) or not all(
        isinstance(spec, dict) and type(spec.get("comments")) is int for spec in expected.values()
    ):
        raise InputError(f'expectations {path}: not an object of page stems, each {{"comments": COUNT, ...}}')
    return expected


def _load_floors(path: Path) -> dict[str, dict[str, dict[str, float]]]:
    from core.errors import InputError

    try:
        floors = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read parser floors {path}: {exc}") from exc
    floors = floors.get("floors") if isinstance(floors, dict) else None
    numbers = (int, float)
    if not isinstance(floors, dict) or not all(
        isinstance(per, dict)
        and all(
            isinstance(pinned, dict)
            and all(isinstance(v, numbers) and not isinstance(v, bool) for v in pinned.values())
            for pinned in per.values()
        )
        for per in floors.values()
    ):
        raise InputError(
            f'parser floors {path}: not {{"floors": {{GROUP: {{RENDERING: {{NAME: NUMBER}}}}}}}}'
        )
    return floors


def _check(figures: dict[str, dict[str, dict[str, float]]], floors_path: Path) -> int:
    """Compare with the pinned floors ("NAME_max" keys are ceilings); 1 when any is missed."""
    floors = _load_floors(floors_path)
    failed = []
    for group, per_rendering in floors.items():
        for rendering, pinned in per_rendering.items():
            got = figures.get(group, {}).get(rendering)
            if got is None:
                failed.append(f"{group}/{rendering}: not measured")
                continue
            for key, bound in pinned.items():
                name = key.removesuffix("_max")
                value = got.get(name)
                ceiling = key.endswith("_max")
                if value is None or (value > bound if ceiling else value < bound):
                    failed.append(
                        f"{group}/{rendering}/{name}: {value} {'above' if ceiling else 'below'} {bound}"
                    )
    print()
    if failed:
        print("FAILED parser floors:\n  " + "\n  ".join(failed))
        return 1
    print(f"parser floors met ({floors_path.name})")
    return 0
