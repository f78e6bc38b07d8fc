"""List the Dragnet TRAIN pages where the parser loses most (body F1, comments F1, invented comments).

`python -m training.parse_losses --data-dir ../shared/data [--top 15] [--json out.json]`: a tool for
finding failure patterns on the train split only; the test split is never read.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from service.parse_quality import RENDERINGS, comment_text, dragnet_pages, prf, read_gold, tokens
from training.cli import require_folder


def page_rows(folder: Path, ids: list[str]) -> list[dict[str, Any]]:
    from core.errors import InputError
    from service.parse import parse_file

    rows: list[dict[str, Any]] = []
    for page_id in ids:
        gold = read_gold(folder / f"{page_id}.gold.txt")
        for rendering in RENDERINGS:
            try:
                art = parse_file(folder / f"{page_id}.{rendering}")
            except InputError:
                continue
            bp, br, bf = prf(tokens(f"{art.title or ''}\n{art.body}"), tokens(gold.body))
            row: dict[str, Any] = {
                "page": page_id,
                "rendering": rendering,
                "body_p": bp,
                "body_r": br,
                "body_f1": bf,
                "has_comments": gold.has_comments,
                "n_comments": len(art.comments),
            }
            if gold.has_comments:
                cp, cr, cf = prf(tokens(comment_text(art)), tokens(gold.comments))
                row.update(comm_p=cp, comm_r=cr, comm_f1=cf)
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--json", type=Path, default=None, help="also write every row here")
    args = ap.parse_args(argv)
    require_folder("python -m training.parse_losses", args.data_dir / "dragnet-pages", "pass --data-dir")
    folder = args.data_dir / "dragnet-pages"
    rows = page_rows(folder, dragnet_pages(folder, "train"))
    if args.json:
        args.json.write_text(json.dumps(rows), encoding="utf-8")
    for rendering in RENDERINGS:
        sel = [r for r in rows if r["rendering"] == rendering]
        n = max(1, len(sel))
        withc = [r for r in sel if r["has_comments"]]
        inv = [r for r in sel if not r["has_comments"] and r["n_comments"]]
        print(
            f"== {rendering}: body F1 {sum(float(r['body_f1']) for r in sel) / n:.3f}, comments F1 "
            f"{sum(float(r['comm_f1']) for r in withc) / max(1, len(withc)):.3f}, invented {len(inv)}/"
            f"{len(sel) - len(withc)}"
        )
        for key in ("body_f1", "comm_f1"):
            worst = sorted((r for r in sel if key in r), key=lambda r: float(r[key]))[: args.top]
            print(f"  worst {key}: " + ", ".join(f"{r['page']}({float(r[key]):.2f})" for r in worst))
        print("  invented: " + ", ".join(str(r["page"]) for r in inv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
