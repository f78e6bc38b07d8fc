"""The section gate: plain JSON coefficients adopted only with their cross-validated gain recorded; a
dated list of headlines is not read as comments, a real thread is, and a rejected section's lines are
still all accounted for."""

from __future__ import annotations

import json

import pytest

from core.records import Comment
from service.parse import _to_lines, parse_page
from service.parse.linemodel import KindModel
from service.parse.lines import _classify
from service.parse.sectiongate import FEATURES, MODEL_PATH, SectionGate, features, load
from service.parse.segment import segment_with_roles
from service.settings import Limits
from training.parse_sections import SectionRow, train_gate

PROSE = (
    "The council voted on Tuesday to close the old swimming pool, after a survey found that repairing "
    "the roof would cost more than building a new one on the site of the car park next to the station."
)

HEADLINES = [
    (
        "Spencer Rascoff",
        "Nov. 5",
        "Zillow To Acquire Mortech To Add Professional Services To Its Marketplace",
    ),
    ("Erin Lantz", "Nov. 5", "Rhode Island Agent Helps Worried Sandy Evacuees Find New Homes"),
    ("Erika Riggs", "Nov. 2", "Five Smart Moves A First-Time Buyer Should Consider This Year"),
    ("Samantha DeBianchi", "Oct. 28", "The White House Value: Then And Now In Twelve Charts"),
]

THREAD = [
    (
        "Maria",
        "March 3, 2021 at 9:15 am",
        "I went there as a child and I'm sad to see it go, but the roof was leaking for years.",
    ),
    (
        "Tom K",
        "March 3, 2021 at 10:02 am",
        "Do you know if they will keep the old mosaic? My dad helped to lay it in 1974.",
    ),
    (
        "Priya",
        "March 3, 2021 at 11:40 am",
        "We need a pool in town, so I hope the new one opens before the summer holidays.",
    ),
    (
        "Maria",
        "March 3, 2021 at 12:05 pm",
        "@Tom K I asked at the meeting: they said they would try, but I'm not sure they will.",
    ),
]


def _comments(rows: list[tuple[str, str, str]]) -> list[Comment]:
    return [Comment(text=t, author=a, posted_raw=d) for a, d, t in rows]


def test_shipped_gate_matches_the_features_and_records_its_gain():
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert raw["features"] == list(FEATURES)
    gate = load()
    assert gate is not None and 0 < gate.model.threshold < 1
    cv = raw["model"]["cross_validation"]
    assert cv["cross_validated"]["objective"] > cv["keep_every_section"]["objective"]
    assert cv["cross_validated"]["invented"] < cv["keep_every_section"]["invented"]


def test_a_gate_for_other_features_is_refused():
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    raw["features"] = raw["features"][:-1]
    with pytest.raises(ValueError, match="features"):
        SectionGate.from_dict(raw)
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    raw["model"]["coef"] = raw["model"]["coef"][:-1]
    with pytest.raises(ValueError, match="coefficient count"):
        SectionGate.from_dict(raw)


def test_a_conversation_scores_above_a_list_of_headlines():
    gate = load()
    assert gate is not None
    lines = _classify([(PROSE, 0, None)] * 40)  # 30 lines of article above a section of 10
    kw = {"fmt": "text", "opener": None, "declared": None, "mode": "header", "start": 30, "end": 40}
    thread = gate.probability(features(lines, _comments(THREAD), **kw))  # type: ignore[arg-type]
    headlines = gate.probability(features(lines, _comments(HEADLINES), **kw))  # type: ignore[arg-type]
    assert thread > gate.model.threshold > headlines


def _blog(section_heading: str, rows: list[tuple[str, str, str]], by: str) -> str:
    parts = ["Council votes to close old pool", "\n\n".join([PROSE] * 5), section_heading]
    parts += [f"{by}{a} {d}\n\n{t}" if by else f"{a}\n{d}\n\n{t}" for a, d, t in rows]
    return "\n\n".join(parts) + "\n"


def test_a_real_thread_is_kept():
    art = parse_page(_blog("4 Comments", THREAD, ""), fmt="text")
    assert [c.author for c in art.comments] == [a for a, _, _ in THREAD]
    assert not any("page content" in w for w in art.warnings)


def test_a_rejected_section_is_placed_as_on_a_page_without_comments():
    """A gate that rejects every section: no comments, a warning, and every line still has one place."""
    page = _blog("4 Comments", THREAD, "")
    real, raw, _ = _to_lines(page, "t", "text", Limits())
    kept, _ = segment_with_roles(raw, source="t", fmt=real, limits=Limits())
    assert len(kept.comments) == len(THREAD)
    n = len(FEATURES)
    never = SectionGate(KindModel((0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0, 0.99))
    art, roles = segment_with_roles(raw, source="t", fmt=real, limits=Limits(), section_gate=never)
    assert art.comments == ()
    assert any("read as page content" in w for w in art.warnings)
    assert {place for _, _, place in roles}.isdisjoint({"header", "text"})
    assert {src for src, _, _ in roles} == {i for i, (t, _, _) in enumerate(raw) if t}


def test_training_adopts_a_gate_only_when_it_beats_keeping_every_section():
    n = len(FEATURES)
    rows = []
    for k in range(60):
        real = k % 2 == 0
        x = [float(real)] * n  # separable: every feature says "comments" or not
        rows.append(SectionRow(f"p{k}", "html", x, real, 0.9 if real else 0.0))
    gate = train_gate(rows, n_with=30, n_without=30)
    assert gate is not None
    cv = gate["cross_validation"]
    assert cv["cross_validated"]["invented"] == 0.0 < cv["keep_every_section"]["invented"]
    # Only real threads: nothing to gain, nothing adopted.
    assert train_gate([r for r in rows if r.has_gold], n_with=30, n_without=30) is None


def test_a_dated_list_of_headlines_is_not_read_as_comments():
    page = _blog("Latest News", HEADLINES, "By ")
    real, raw, _ = _to_lines(page, "t", "text", Limits())
    rules_only, _ = segment_with_roles(raw, source="t", fmt=real, limits=Limits())
    assert len(rules_only.comments) == len(HEADLINES)  # the dated shape alone reads as a thread
    art, roles = segment_with_roles(raw, source="t", fmt=real, limits=Limits(), section_gate=load())
    assert art.comments == ()
    assert any("read as page content" in w for w in art.warnings)
    assert PROSE in art.body
    placed = {text for _, text, _ in roles}
    assert all(t in placed for _, _, t in HEADLINES)
