"""How often the missed-comments warnings are right: over the Dragnet pages of a bench.parse_outputs
dump, count the "the page declares N comment(s)" and "comment section heading but no comments" warnings
on renderings whose gold has no comments (false alarms) and whose gold has comments (true); a declared
count with under 5 gold words per declared comment is counted apart ("far": the gold holds a fraction).

    python -m bench.parse_outputs --out /tmp/after.jsonl
    python -m bench.parse_warnings /tmp/after.jsonl --split train [-v]
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent
# Under this many gold comment words per declared comment, the gold holds only part of the thread.
FAR_WORDS = 5
KINDS = {
    "declares": re.compile(r"the page declares (\d[\d,]*) comment"),
    "heading": re.compile(r"the page has a comment section heading"),
}
TRUTHS = ("false", "true", "far")


def count(dump: Path, dragnet: Path, split: str) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(kind, truth) -> [(page id, rendering, warning)] over the dump's Dragnet pages in `split`."""
    from service.parse_quality import in_test_split, read_gold, tokens

    rows: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for line in dump.open(encoding="utf-8"):
        rec = json.loads(line)
        path = Path(rec["file"])
        if path.parent.resolve() != dragnet.resolve() or not rec.get("article"):
            continue
        page, _, rendering = path.name.partition(".")
        if split != "all" and in_test_split(page) != (split == "test"):
            continue
        gold = read_gold(dragnet / f"{page}.gold.txt")
        for warning in rec["article"]["warnings"]:
            for kind, rx in KINDS.items():
                if (m := rx.match(warning)) is None:
                    continue
                truth = "true" if gold.has_comments else "false"
                words = sum(tokens(gold.comments).values())
                if truth == "true" and kind == "declares" and words < FAR_WORDS * int(m[1].replace(",", "")):
                    truth = "far"
                rows[(kind, truth)].append((page, rendering, warning))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.parse_warnings",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("dump", type=Path, help="a bench.parse_outputs --out file")
    ap.add_argument("--split", choices=("train", "test", "all"), default="train")
    ap.add_argument("--data-dir", type=Path, default=_REPO.parent / "shared" / "data")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every warning counted")
    args = ap.parse_args(argv)
    from bench import require_folder

    dragnet = args.data_dir / "dragnet-pages"
    require_folder(ap.prog, dragnet, "pass --data-dir")
    rows = count(args.dump, dragnet, args.split)
    for kind in KINDS:
        for truth in TRUTHS:
            found = rows[(kind, truth)]
            per = Counter(r for _, r, _ in found)
            print(
                f"{args.split:5} {kind:9} {truth:5} {len(found):4}  "
                + " ".join(f"{k}={v}" for k, v in sorted(per.items()))
            )
            for page, rendering, warning in found if args.verbose else ():
                print(f"    {page} {rendering} {warning[:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
