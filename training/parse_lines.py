"""Train the parser's line model (service/parse/linemodel.py) on the Dragnet TRAIN split.

`python -m training.parse_lines --data-dir ../shared/data` parses every train page in its three
renderings, projects the gold body onto the body lines the rules keep (a line is the article's when
its words appear, in order, in the gold body), and fits per input kind (HTML, text) a scaled logistic
regression, or that averaged with gradient-boosted trees (training/boosted_trees.py). The model (C, or
the blend) and the drop threshold are chosen by 5-fold cross-validation grouped by page (all renderings
of a page in one fold), maximising the page-averaged title+body token F1 of the kept lines. The model
is adopted for a kind only when that cross-validated F1 beats keeping every body line. A third model,
"text/w3m" (STYLED), reads the section features too and serves the w3m-style text dumps; `--only
text/w3m` refits it alone, leaving the file's other models and the section gate as they are.
The same parse also gives every comment section the rules find to training.parse_sections, which
trains the section gate (service/parse/section_gate.json); the line model's rows come from parses
without the gate (it only changes pages whose section it rejects).
The test split (service.parse_quality.in_test_split) is never read.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from training import parse_sections
from training.boosted_trees import TREE_WEIGHT, TREES, export_trees, fit_trees
from training.cli import require_folder
from training.parse_sections import SectionRow, train_gate
from training.scaled_logistic import FOLDS, fingerprint, fit, page_fold, rounded

log = logging.getLogger(__name__)

C_GRID = (0.1, 1.0, 10.0)
THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(1, 15))


@dataclass
class PageRows:
    page_id: str
    kind: str  # "html" or "text"
    rendering: str  # the file's: "html", "w3m.txt" or "inscriptis.txt"
    style: str  # text: linemodel.text_style of its lines, as the parser reads it ("" for HTML)
    x: np.ndarray
    y: np.ndarray
    line_tokens: list[Counter[str]]
    fixed_tokens: Counter[str]  # the title: kept whatever the model says
    gold: Counter[str]
    paras: list[int]


def collect(root: Path, ids: list[str], sections: list[SectionRow] | None = None) -> list[PageRows]:
    """Line rows per page and rendering; with `sections`, also a SectionRow per found comment section."""
    from core.errors import InputError
    from service.parse import _to_lines
    from service.parse.linemodel import FEATURES, SECTION_FEATURES, features, paragraph_ids, text_style
    from service.parse.maintext import main_text_key, words_key
    from service.parse.segment import segment_with_roles
    from service.parse_quality import RENDERINGS, comment_text, prf, read_gold, tokens
    from service.settings import Limits

    limits = Limits()
    out: list[PageRows] = []
    for page_id in ids:
        gold = read_gold(root / f"{page_id}.gold.txt")
        gold_key, gold_tokens = words_key(gold.body), tokens(gold.body)
        for rendering in RENDERINGS:
            data = (root / f"{page_id}.{rendering}").read_bytes()
            try:
                real, raw, text = _to_lines(data, page_id, "auto", limits)
                main = main_text_key(text) if real == "html" else None
                buf: list = []
                sec_buf: list = []
                article, _ = segment_with_roles(
                    raw, source=page_id, fmt=real, limits=limits, main_text=main, collect=buf,
                    collect_section=sec_buf,
                )  # fmt: skip
            except InputError:
                continue
            if sections is not None and sec_buf:
                kept = prf(tokens(comment_text(article)), tokens(gold.comments))[2]
                sections.append(SectionRow(page_id, rendering, sec_buf[0][0], gold.has_comments, kept))
            lines, role, sec_start, title_idx = buf[0]
            by_section = real == "text"  # the text model's rows add the section features
            feats = features(lines, role, sec_start, sections=by_section)
            width = len(FEATURES) + (len(SECTION_FEATURES) if by_section else 0)
            idx = sorted(feats)
            keys = [words_key(lines[j].text) for j in idx]
            title = lines[title_idx].core if title_idx is not None else ""
            out.append(
                PageRows(
                    page_id,
                    real,
                    rendering,
                    text_style(lines) if by_section else "",
                    np.array([feats[j] for j in idx], dtype=float).reshape(len(idx), width),
                    np.array([bool(k) and k in gold_key for k in keys], dtype=int),
                    [tokens(lines[j].text) for j in idx],
                    tokens(title),
                    gold_tokens,
                    paragraph_ids(lines, idx),
                )
            )
    return out


def recipe() -> dict[str, Any]:
    """What the line model's training chooses from: recorded in the file, compared by a fast test."""
    return json.loads(
        json.dumps({"candidates": CANDIDATES, "thresholds": THRESHOLDS, "folds": FOLDS})
    )  # tuples as JSON lists, as the file holds them


def rows_sha256(pages: list[PageRows]) -> str:
    """Fingerprint of everything the line model is fitted and scored on."""
    return fingerprint(
        [
            p.page_id,
            p.kind,
            rounded(p.x),
            p.y.tolist(),
            [sorted(t.items()) for t in p.line_tokens],
            sorted(p.fixed_tokens.items()),
            sorted(p.gold.items()),
            p.paras,
        ]
        for p in pages
    )


@dataclass(frozen=True)
class TrainingRows:
    """The rows both parser models are trained from: one parse of the Dragnet train split."""

    ids: list[str]
    pages: list[PageRows]
    sections: list[SectionRow]
    n_with: int  # train page-renderings whose gold has comments
    n_without: int

    def trained_from(self) -> dict[str, Any]:
        """The line model file's record of its rows and recipe."""
        return {"rows_sha256": rows_sha256(base_rows(self.pages)), "recipe": recipe()}

    def gate_trained_from(self) -> dict[str, Any]:
        """The section gate file's record of its rows and recipe."""
        return {
            "rows_sha256": parse_sections.rows_sha256(self.sections, self.n_with, self.n_without),
            "recipe": parse_sections.recipe(),
        }


def training_rows(data_dir: Path) -> TrainingRows:
    """Parse the Dragnet train split under `data_dir` with today's rules."""
    from service.parse_quality import RENDERINGS, dragnet_pages, read_gold

    root = data_dir / "dragnet-pages"
    ids = dragnet_pages(root, "train")
    sections: list[SectionRow] = []
    pages = collect(root, ids, sections)
    n_with = sum(read_gold(root / f"{i}.gold.txt").has_comments for i in ids) * len(RENDERINGS)
    return TrainingRows(ids, pages, sections, n_with, len(ids) * len(RENDERINGS) - n_with)


def page_f1(page: PageRows, keep: np.ndarray) -> float:
    from service.parse_quality import prf

    pred = Counter(page.fixed_tokens)
    for k, toks in zip(keep, page.line_tokens, strict=True):
        if k:
            pred.update(toks)
    return prf(pred, page.gold)[2]


# A candidate model: ("logistic", {"C": c}), or ("blend", ...): the logistic regression's probability
# averaged with boosted trees' (training/boosted_trees.py).
Candidate = tuple[str, dict[str, Any]]
CANDIDATES: tuple[Candidate, ...] = tuple(("logistic", {"C": c}) for c in C_GRID) + tuple(
    ("blend", {"C": c, "trees": TREES, "tree_weight": TREE_WEIGHT}) for c in C_GRID[:1]
)


def fit_candidate(cand: Candidate, x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Fit one candidate; returns its P(article line) for new rows."""
    family, params = cand
    scaler, model = fit(x, y, params["C"])
    if family == "logistic":
        return lambda rows: model.predict_proba(scaler.transform(rows))[:, 1]
    trees, w = fit_trees(x, y, params["trees"]), params["tree_weight"]
    return lambda rows: (
        w * trees.predict_proba(rows)[:, 1] + (1 - w) * model.predict_proba(scaler.transform(rows))[:, 1]
    )


def export_candidate(cand: Candidate, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """The candidate fitted on every row, in line_model.json's form."""
    family, params = cand
    scaler, model = fit(x, y, params["C"])
    out: dict[str, Any] = {
        "type": family,
        "mean": [round(float(v), 6) for v in scaler.mean_],
        "scale": [round(float(v), 6) for v in scaler.scale_],
        "coef": [round(float(v), 6) for v in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
    }
    if family == "blend":
        out.update(
            export_trees(fit_trees(x, y, params["trees"])), type="blend", tree_weight=params["tree_weight"]
        )
    return out


def export_chosen(cv: dict[str, Any], pages: list[PageRows]) -> dict[str, Any]:
    """The candidate `cross_validate` chose, fitted on every line row of `pages`."""
    sel = [p for p in pages if len(p.y)]
    return export_candidate(
        (cv["model"], cv["params"]), np.vstack([p.x for p in sel]), np.concatenate([p.y for p in sel])
    )


def cross_validate(pages: list[PageRows], scored: Callable[[PageRows], bool] | None = None) -> dict[str, Any]:
    """Out-of-fold probabilities per candidate, then the (candidate, threshold) with the best mean page
    F1 when each paragraph is kept or dropped on its lines' mean probability (as the parser does). The
    models are fitted on all `pages`; the F1 is averaged over those `scored` (all by default)."""
    from service.parse.linemodel import paragraph_means

    fold = page_fold
    counted = [p for p in pages if scored is None or scored(p)]
    usable = [p for p in pages if len(p.y)]
    chosen = [scored is None or scored(p) for p in usable]
    unusable = [p for p in counted if not len(p.y)]
    baseline = float(np.mean([page_f1(p, np.ones(len(p.y), dtype=bool)) for p in counted]))
    best: tuple[float, Candidate, float] | None = None
    table = {}
    for cand in CANDIDATES:
        oof: dict[int, np.ndarray] = {}
        for f in range(FOLDS):
            train = [p for p in usable if fold(p.page_id) != f]
            predict = fit_candidate(
                cand, np.vstack([p.x for p in train]), np.concatenate([p.y for p in train])
            )
            for k, p in enumerate(usable):
                if fold(p.page_id) == f:
                    oof[k] = predict(p.x)
        means = {k: paragraph_means(list(oof[k]), p.paras) for k, p in enumerate(usable)}
        for t in THRESHOLDS:
            scores = [page_f1(p, np.array(means[k]) >= t) for k, p in enumerate(usable) if chosen[k]]
            scores += [page_f1(p, np.ones(0, dtype=bool)) for p in unusable]
            mean = float(np.mean(scores))
            table[f"{cand[0]} {cand[1]},t={t}"] = round(mean, 4)
            if best is None or mean > best[0]:
                best = (mean, cand, t)
        log.info(
            "  %s: best %.4f", cand, max(v for k, v in table.items() if k.startswith(f"{cand[0]} {cand[1]},"))
        )
    assert best is not None
    return {
        "baseline_f1": round(baseline, 4),
        "cv_f1": round(best[0], 4),
        "model": best[1][0],
        "params": best[1][1],
        "threshold": best[2],
    }


# The text model with the section features, for the dumps whose list items w3m drew (linemodel.text_style):
# fitted on every text page, chosen and scored on those; it takes the "text" model's place on them.
STYLED = "text/w3m"


def styled_recipe() -> dict[str, Any]:
    """What the styled model's training chooses from (recorded in its entry, compared by a fast test)."""
    return {
        **recipe(),
        "model": STYLED,
        "fitted_on": "text",
        "scored_on": "w3m",
        "features": "FEATURES + SECTION_FEATURES",
    }


def base_rows(pages: list[PageRows]) -> list[PageRows]:
    """The rows without the section features (the "html" and "text" models' rows)."""
    from service.parse.linemodel import FEATURES

    return [replace(p, x=p.x[:, : len(FEATURES)]) for p in pages]


def styled_model(text: list[PageRows]) -> dict[str, Any] | None:
    """The STYLED model in line_model.json's form, or None when, on the w3m-style pages, it does not
    cross-validate better than both keeping every body line and the plain text model refitted."""
    from service.parse.linemodel import FEATURES, SECTION_FEATURES

    def w3m(p: PageRows) -> bool:
        return p.style == "w3m"

    if not any(map(w3m, text)):
        return None
    cv = cross_validate(text, scored=w3m)
    cv["plain_text_cv_f1"] = cross_validate(base_rows(text), scored=w3m)["cv_f1"]
    log.info("%s: %s", STYLED, cv)
    if cv["cv_f1"] <= max(cv["baseline_f1"], cv["plain_text_cv_f1"]):
        return None
    out = export_chosen(cv, text)
    fingerprint = rows_sha256(text) + "/" + fingerprint_styles(text)
    out.update(
        features=[*FEATURES, *SECTION_FEATURES],
        threshold=cv["threshold"],
        cross_validation=cv,
        trained_from={"rows_sha256": fingerprint, "recipe": styled_recipe()},
    )
    return out


def fingerprint_styles(pages: list[PageRows]) -> str:
    return fingerprint([p.page_id, p.rendering, p.style] for p in pages)


def main(argv: list[str] | None = None) -> int:
    from service.parse.linemodel import FEATURES, MODEL_PATH
    from service.parse.sectiongate import FEATURES as GATE_FEATURES
    from service.parse.sectiongate import MODEL_PATH as GATE_PATH
    from service.parse_quality import RENDERINGS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--gate-out", type=Path, default=GATE_PATH)
    ap.add_argument(
        "--only", choices=[STYLED], help="refit only this model in --out; its other models and the gate stay"
    )
    args = ap.parse_args(argv)
    hint = "set DATA_DIR=... (make train-parse) or pass --data-dir"
    require_folder("python -m training.parse_lines", args.data_dir / "dragnet-pages", hint)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = training_rows(args.data_dir)
    ids, pages, sections = rows.ids, rows.pages, rows.sections
    styled = styled_model([p for p in pages if p.kind == "text"])
    if args.only:
        doc = json.loads(args.out.read_text(encoding="utf-8"))
        doc["styles"] = {k: m for k, m in doc.get("styles", {}).items() if k != STYLED}
        doc["styles"].update({STYLED: styled} if styled else {})
        args.out.write_text(_dumps(doc) + "\n", encoding="utf-8")
        log.info("wrote %s (%s %s)", args.out, STYLED, "adopted" if styled else "not adopted")
        return 0
    pages = base_rows(pages)
    gate = train_gate(sections, rows.n_with, rows.n_without)
    gate_doc = {
        "what": "section gate: P(a comment section found by the rules is reader comments), "
        "scaled logistic regression",
        "version": 1,
        "features": list(GATE_FEATURES),
        "model": gate,
        "trained_on": f"Dragnet train split: {len(ids)} pages x {len(RENDERINGS)} renderings, "
        f"{len(sections)} comment sections found",
        "trained_from": rows.gate_trained_from(),
    }
    kinds: dict[str, dict[str, Any]] = {}
    for kind in ("html", "text"):
        sel = [p for p in pages if p.kind == kind]
        kinds[kind] = cross_validate(sel)
        log.info("%s: %s", kind, kinds[kind])
    # A model per kind, fitted on all its train pages with the C and threshold chosen above; kept only
    # for the kinds where it beat keeping every body line.
    models = {}
    for kind, cv in kinds.items():
        if cv["cv_f1"] <= cv["baseline_f1"]:
            continue
        models[kind] = export_chosen(cv, [p for p in pages if p.kind == kind])
        models[kind].update(threshold=cv["threshold"], cross_validation=cv)
    n_lines = sum(len(p.y) for p in pages)
    out = {
        "what": "line model: P(a body line kept by the rules is the article's), scaled logistic regression "
        "or boosted trees per input kind",
        "version": 3,
        "features": list(FEATURES),
        "models": models,
        "styles": {STYLED: styled} if styled else {},
        "trained_on": f"Dragnet train split: {len(ids)} pages x 3 renderings, {n_lines} lines",
        "trained_from": rows.trained_from(),
    }
    # Both files once both are fitted: a run stopped between the fits (minutes apart) would leave files
    # of two different parses side by side.
    args.gate_out.write_text(json.dumps(gate_doc, indent=1) + "\n", encoding="utf-8")
    log.info("wrote %s (%s)", args.gate_out, "adopted" if gate else "not adopted: keeps every section")
    args.out.write_text(_dumps(out) + "\n", encoding="utf-8")
    log.info("wrote %s (adopted for: %s)", args.out, sorted(models) or "none")
    return 0


def _dumps(out: dict[str, Any]) -> str:
    """JSON with one line per tree (indent=1 would give every node value a line of its own)."""
    compact: dict[str, str] = {}
    for m in [*out["models"].values(), *out.get("styles", {}).values()]:
        if "trees" in m:
            m["trees"] = [_placeholder(compact, json.dumps(t, separators=(",", ":"))) for t in m["trees"]]
    text = json.dumps(out, indent=1)
    for key, tree in compact.items():
        text = text.replace(json.dumps(key), tree)
    return text


def _placeholder(compact: dict[str, str], text: str) -> str:
    key = f"@tree{len(compact)}@"
    compact[key] = text
    return key


if __name__ == "__main__":
    raise SystemExit(main())
