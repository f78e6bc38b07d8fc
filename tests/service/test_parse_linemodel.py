"""The shipped line model: plain JSON coefficients that match the parser's features, adopted only with
its cross-validated gain recorded, and applied per paragraph."""

from __future__ import annotations

import json

import pytest

from service.parse import parse_page
from service.parse.linemodel import FEATURES, MODEL_PATH, LineModel, load, paragraph_means


def test_shipped_model_matches_the_features_and_records_its_gain():
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert raw["features"] == list(FEATURES)
    model = load()
    assert model is not None and set(model.kinds) <= {"html", "text"} and model.kinds
    for kind, m in raw["models"].items():
        cv = m["cross_validation"]
        assert cv["cv_f1"] > cv["baseline_f1"], kind  # adopted only where it helped
        assert 0 < model.kinds[kind].threshold < 1


def test_a_model_for_other_features_is_refused():
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    raw["features"] = raw["features"][:-1]
    with pytest.raises(ValueError, match="features"):
        LineModel.from_dict(raw)
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    kind = next(iter(raw["models"]))
    raw["models"][kind]["coef"] = raw["models"][kind]["coef"][:-1]
    with pytest.raises(ValueError, match="coefficient count"):
        LineModel.from_dict(raw)


def test_paragraph_lines_share_one_decision():
    assert paragraph_means([0.2, 0.6, 0.9], [0, 0, 1]) == pytest.approx([0.4, 0.4, 0.9])


def test_related_links_after_the_article_are_dropped_from_a_text_page():
    prose = (
        "The council voted on Tuesday to close the old swimming pool, after a survey found that repairing "
        "the roof would cost more than building a new one on the site of the car park next to the station."
    )
    related = [
        "More from Local News",
        "Bus fares to rise in spring",
        "New bakery opens on High Street",
        "School wins regional chess title",
        "Roadworks planned for Mill Lane",
    ]
    page = "Council votes to close old pool\n\n" + "\n\n".join([prose] * 6) + "\n\n" + "\n".join(related)
    art = parse_page(page, fmt="text")
    assert prose in art.body
    assert not any(r in art.body for r in related[1:])
