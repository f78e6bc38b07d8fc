"""The shipped default model through the Scorer: the contract the service relies on."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from model.artifact import verify_artifact
from model.score import CommentScorer, Scorer
from service.records import ArticleContext
from service.settings import DEFAULT_MODEL_DIR


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load(DEFAULT_MODEL_DIR)


def test_shipped_artifact_is_small_and_verified() -> None:
    manifest, blobs = verify_artifact(DEFAULT_MODEL_DIR)
    total = sum(p.stat().st_size for p in Path(DEFAULT_MODEL_DIR).iterdir())
    assert total <= 15 * 1024 * 1024
    assert "insult" in manifest["attributes"] and set(blobs) == set(manifest["attributes"])
    entry = manifest["attributes"]["insult"]
    for key in ("label_definition", "threshold", "metrics", "hyperparameters", "training_data"):
        assert entry[key] not in (None, "", {}, [])
    for source in entry["training_data"]:
        assert all(len(f["sha256"]) == 64 and f["rows"] > 0 for f in source["files"])


def test_scorer_satisfies_the_protocol(scorer: Scorer) -> None:
    as_protocol: CommentScorer = scorer
    assert as_protocol.version.startswith("1.")
    assert "insult" in as_protocol.attributes


def test_batch_scores_in_order(scorer: Scorer) -> None:
    texts = ["You are a worthless idiot.", "Thanks, this explains the budget well.", "", "x" * 10_000]
    scores = scorer.score(texts, ArticleContext(title="Budget", body="The budget..."))
    assert len(scores) == 4
    assert scores[0].insult > 0.5 > scores[1].insult
    assert all(0.0 <= s.insult <= 1.0 for s in scores)
    if "off_topic" not in scorer.attributes:  # not faked while no off-topic model ships
        assert all(math.isnan(s.off_topic) and s.context == "none" for s in scores)
    assert scorer.score([]) == []


def test_batch_equals_one_by_one(scorer: Scorer) -> None:
    texts = ["what a moron", "good point about taxes", "you clown!!!", "I disagree with the author"]
    batch = [s.insult for s in scorer.score(texts)]
    single = [scorer.score([t])[0].insult for t in texts]
    assert batch == pytest.approx(single, abs=1e-12)


def test_explain_points_at_the_insult(scorer: Scorer) -> None:
    text = "Great article. But you, sir, are a complete IDIOT."
    spans = scorer.explain(text, "insult", top_k=3)
    assert spans and spans[0].text.lower() in {"idiot", "complete idiot", "you"}
    assert all(text[s.start : s.end] == s.text for s in spans)
    assert scorer.explain(text, "no_such_attribute") == []
