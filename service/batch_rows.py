"""The rows `moderate score` writes: a scored comment's fields, an error row, and a row as its JSON line
or CSV record (six-decimal scores rounded down, file names made writable, CSV cells kept from running
as formulas)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

from core.records import Scores
from service.batch_config import BatchConfig, OutFormat
from service.batch_jsonl import SURROGATE
from service.decide import decide, judged_language
from service.ingest import display_path
from service.settings import THRESHOLD_ATTRIBUTES

CSV_COLUMNS: tuple[str, ...] = (
    "kind",
    "source",
    "line",
    "id",
    "article_id",
    "comment_index",
    "parent",
    "author",
    "posted_at",
    "text",
    *THRESHOLD_ATTRIBUTES,  # one score column per attribute
    "context",
    "language",
    "judged_language",
    "unsupported",
    "decision",
    "reasons",
    "comments",
    "title",
    "error",  # an error row's reason, and a skipped row's
    "error_type",
)
# Columns added since session 20, oldest first, and so every header this command has written: an
# earlier run's output under an input directory is still recognised as ours (skipped, overwritten by --out).
CSV_COLUMNS_ADDED = ("judged_language", "parent", "error_type")
OUR_CSV_HEADERS = frozenset(
    ",".join(c for c in CSV_COLUMNS if c not in CSV_COLUMNS_ADDED[k:])
    for k in range(len(CSV_COLUMNS_ADDED) + 1)
)
_FORMULA_STARTS = frozenset("=+-@\t\r")


# Scores are written to six decimals, rounded down as the decision's reasons round theirs: to nearest,
# 0.8999996 was written 0.9 on a row its 0.9 reject threshold had not rejected. The nudge absorbs the
# float error of the product (0.123456 * 1e6 = 123455.99999999999), far below a written decimal.
SCORE_DECIMALS = 6
_SCALE = 10**SCORE_DECIMALS


def _r(x: float) -> float | None:
    """Six decimals, rounded down; None (JSON null) for a score the artifact does not carry (the
    Scorer gives NaN)."""
    x = float(x)
    return math.floor(x * _SCALE + 1e-6) / _SCALE if math.isfinite(x) else None


def decision_fields(scores: Scores, config: BatchConfig, counts: Counter[str]) -> dict[str, Any]:
    decision = decide(scores, config.thresholds)
    counts["decision_" + decision.verdict] += 1
    counts["comments_scored"] += 1
    return {
        "scores": {k: _r(v) for k, v in scores.as_dict().items()},
        "context": scores.context,
        "language": scores.language or "und",
        # the language its decision and thresholds were judged in, as the API says it
        "judged_language": judged_language(scores),
        # attributes whose model was not trained for the comment's language ("" in CSV: none)
        "unsupported": sorted(scores.unsupported),
        "decision": decision.verdict,
        "reasons": list(decision.reasons),
    }


def error_row(
    source: str, reason: str, error_type: str = "InputError", line: int | None = None
) -> dict[str, Any]:
    row: dict[str, Any] = {"kind": "error", "source": source}
    if line is not None:
        row["line"] = line
    row.update(error=reason, error_type=error_type)
    return row


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in row.items() if k in CSV_COLUMNS}
    scores = row.get("scores")
    if scores:
        flat.update(scores)
    if "reasons" in row:
        flat["reasons"] = "; ".join(row["reasons"])
    if "unsupported" in row:
        flat["unsupported"] = " ".join(row["unsupported"])
    if row.get("kind") == "skipped":
        flat["error"] = row.get("reason")
    # CSV injection: spreadsheets run a cell that starts with one of these as a formula, and comment
    # text, authors and exported ids are written by strangers. A leading ' makes the cell plain text.
    return {k: "'" + v if isinstance(v, str) and v[:1] in _FORMULA_STARTS else v for k, v in flat.items()}


# Fields that may hold a file name: the source, and an error or skip reason naming it or a link's target.
_PATH_FIELDS = ("source", "error", "reason")


def _displayable(row: dict[str, Any]) -> dict[str, Any]:
    shown = {
        k: display_path(v) for k in _PATH_FIELDS if isinstance(v := row.get(k), str) and SURROGATE.search(v)
    }
    return {**row, **shown} if shown else row


def serialise(rows: Iterable[dict[str, Any]], out_format: OutFormat) -> str:
    return "".join(row_text(row, out_format) for row in rows)


def row_text(row: dict[str, Any], out_format: OutFormat) -> str:
    """One row as the run writes it: a JSON line, or a CSV record."""
    row = _displayable(row)
    if out_format == "jsonl":
        return json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n"
    buf = io.StringIO()
    csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n", extrasaction="ignore").writerow(
        _flat(row)
    )
    return buf.getvalue()
