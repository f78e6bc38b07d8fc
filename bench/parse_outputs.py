"""Same parser output before and after a change: parse every Dragnet page in its three renderings, the
shared article pages in theirs, the seeds and the hand-written test pages, and write one JSON line per
page (the Article and where every input line went, or the input error); then compare two such files.

    python -m bench.parse_outputs --code ../main --out /tmp/before.jsonl   # the parser in ../main
    python -m bench.parse_outputs --out /tmp/after.jsonl                   # the parser here
    python -m bench.parse_outputs --compare /tmp/before.jsonl /tmp/after.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def _pages(data_dir: Path, articles_dir: Path) -> list[tuple[Path, str]]:
    dragnet = data_dir / "dragnet-pages"
    found: list[tuple[Path, str]] = []
    for root, glob in ((dragnet, "*"), (articles_dir, "*/*")):
        for ext, fmt in ((".w3m.txt", "text"), (".inscriptis.txt", "text"), (".html", "html")):
            found += [(p, fmt) for p in sorted(root.glob(glob + ext))]
    found += [(p, "text") for p in sorted((_REPO / "seeds").glob("*.txt"))]
    found += [(p, "auto") for p in sorted((_REPO / "tests" / "service" / "pages").glob("*.*"))]
    return found


def dump(out: Path, data_dir: Path, articles_dir: Path) -> int:
    from core.errors import InputError
    from service.parse import parse_with_roles

    with out.open("w", encoding="utf-8") as f:
        for path, fmt in _pages(data_dir, articles_dir):
            rec: dict[str, object] = {"file": str(path)}
            try:
                art, _, roles = parse_with_roles(path.read_bytes(), source=path.name, fmt=fmt)  # type: ignore[arg-type]
                rec |= {"article": art.to_dict(), "roles": roles}
            except InputError as exc:
                rec["error"] = f"{type(exc).__name__}: {exc}"
            f.write(json.dumps(rec, sort_keys=True, ensure_ascii=False) + "\n")
    return 0


def compare(a: Path, b: Path) -> int:
    left = [json.loads(line) for line in a.open(encoding="utf-8")]
    right = [json.loads(line) for line in b.open(encoding="utf-8")]
    if [r["file"] for r in left] != [r["file"] for r in right]:
        print("the two files list different pages")
        return 1
    differ = [x["file"] for x, y in zip(left, right, strict=True) if x != y]
    errors = sum("error" in r for r in left)
    print(f"{len(left) - len(differ)} of {len(left)} pages identical ({errors} input errors in the first)")
    for name in differ[:20]:
        print("differs:", name)
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.parse_outputs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--code", type=Path, help="parse with the project checkout in this directory")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", type=Path, nargs=2)
    ap.add_argument("--data-dir", type=Path, default=_REPO.parent / "shared" / "data")
    ap.add_argument("--articles-dir", type=Path, default=_REPO.parent / "shared" / "articles")
    args = ap.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if args.out is None:
        ap.error("--out or --compare is required")
    from bench import require_folder

    require_folder(ap.prog, args.data_dir / "dragnet-pages", "pass --data-dir")
    require_folder(ap.prog, args.articles_dir, "pass --articles-dir")
    if args.code is not None:
        sys.path.insert(0, str(args.code.resolve()))
    return dump(args.out, args.data_dir, args.articles_dir)


if __name__ == "__main__":
    raise SystemExit(main())
