"""The parser's learned files (service/parse/line_model.json, section_gate.json) record what they were
trained from: the recipe (what cross-validation chooses from) and a fingerprint of the training rows
(the features, labels and tokens the rules give on the Dragnet train split). A change of the recipe
makes these tests fail until `make train-parse` is rerun. Whether today's rules still give the recorded
rows is checked by hand (docs/parser-log.md, sessions 22-23): the files refitted on today's rules
miss three eval-parse floors, so the shipped ones are those of the rules of commit 4d83199.

Comparing the rows, not refitting: the parse takes under a minute, the full recipe about seven (over
the budget of a CI test), and the fit is deterministic for given rows (run twice, the files are identical
byte for byte), so equal rows and recipe mean the files are what the command gives."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from service.parse.linemodel import MODEL_PATH
from service.parse.sectiongate import MODEL_PATH as GATE_PATH
from training import parse_lines, parse_sections
from training.parse_sections import SectionRow
from training.scaled_logistic import rounded

STALE = "rerun `make train-parse` and check `make eval-parse` (docs/parser.md)"


def _trained_from(path: Path) -> dict[str, object]:
    recorded = json.loads(path.read_text(encoding="utf-8")).get("trained_from")
    assert recorded, f"{path.name} does not record what it was trained from: {STALE}"
    return recorded  # type: ignore[no-any-return]


def test_shipped_parse_models_record_todays_recipe():
    assert _trained_from(MODEL_PATH)["recipe"] == parse_lines.recipe(), STALE
    assert _trained_from(GATE_PATH)["recipe"] == parse_sections.recipe(), STALE


def test_the_rows_fingerprint_sees_a_changed_feature_but_not_the_last_bits():
    row = SectionRow("p1", "html", [0.25, 3.0, -1e-9], True, 0.5)

    def sha(r: SectionRow) -> str:
        return parse_sections.rows_sha256([r], 3, 2)

    base = sha(row)
    assert sha(SectionRow("p1", "html", [0.25 + 1e-12, 3.0, 0.0], True, 0.5)) == base
    assert sha(SectionRow("p1", "html", [0.2501, 3.0, 0.0], True, 0.5)) != base
    assert sha(SectionRow("p1", "html", [0.25, 3.0, 0.0], False, 0.5)) != base
    assert parse_sections.rows_sha256([row], 3, 3) != base
    assert rounded(np.array([[-1e-9, 1.0]])) == [[0.0, 1.0]]


def test_the_two_parser_files_are_written_together_once_both_are_fitted(tmp_path, monkeypatch):
    # `make train-parse` wrote section_gate.json as soon as the gate was fitted, minutes before the line
    # model: a run stopped in between (Ctrl-C, a failure in the line model's fit) left a new gate beside
    # the old line model, files of two different parses. Both are now written after both fits.
    import pytest

    rows = parse_lines.TrainingRows(ids=["page"], pages=[], sections=[], n_with=0, n_without=0)
    monkeypatch.setattr(parse_lines, "training_rows", lambda data_dir: rows)
    monkeypatch.setattr(parse_lines, "train_gate", lambda *args: None)
    (tmp_path / "dragnet-pages").mkdir()
    line, gate = tmp_path / "line_model.json", tmp_path / "section_gate.json"
    argv = ["--data-dir", str(tmp_path), "--out", str(line), "--gate-out", str(gate)]

    def stopped(pages):
        raise KeyboardInterrupt

    monkeypatch.setattr(parse_lines, "cross_validate", stopped)
    with pytest.raises(KeyboardInterrupt):
        parse_lines.main(argv)
    assert (line.exists(), gate.exists()) == (False, False)

    monkeypatch.setattr(parse_lines, "cross_validate", lambda pages: {"cv_f1": 0.5, "baseline_f1": 0.6})
    assert parse_lines.main(argv) == 0
    assert json.loads(line.read_text())["models"] == {} and json.loads(gate.read_text())["model"] is None


def test_the_w3m_line_model_records_todays_recipe():
    styled = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["styles"][parse_lines.STYLED]
    assert styled["trained_from"]["recipe"] == parse_lines.styled_recipe(), STALE


def test_only_the_w3m_model_is_refitted_with_only(tmp_path, monkeypatch):
    # `--only text/w3m` must leave the html and text models (fitted on older rows) and the gate alone.
    rows = parse_lines.TrainingRows(ids=["page"], pages=[], sections=[], n_with=0, n_without=0)
    monkeypatch.setattr(parse_lines, "training_rows", lambda data_dir: rows)
    monkeypatch.setattr(parse_lines, "styled_model", lambda text: {"type": "logistic", "threshold": 0.4})
    (tmp_path / "dragnet-pages").mkdir()
    line, gate = tmp_path / "line_model.json", tmp_path / "section_gate.json"
    kept = {"html": {"type": "logistic", "threshold": 0.3}, "text": {"type": "logistic", "threshold": 0.45}}
    line.write_text(json.dumps({"features": ["f"], "models": kept}), encoding="utf-8")
    argv = [
        "--data-dir",
        str(tmp_path),
        "--out",
        str(line),
        "--gate-out",
        str(gate),
        "--only",
        parse_lines.STYLED,
    ]
    assert parse_lines.main(argv) == 0
    doc = json.loads(line.read_text(encoding="utf-8"))
    assert doc["models"] == kept and doc["styles"] == {
        parse_lines.STYLED: {"type": "logistic", "threshold": 0.4}
    }
    assert not gate.exists()
