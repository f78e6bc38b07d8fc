"""The loader verifies the manifest, library versions and sha256 before unpickling anything."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from model import artifact
from model.features import LinearTextClassifier
from model.score import Scorer
from service.errors import ModelError


def _edit_manifest(model_dir: Path, edit: Callable[[dict[str, Any]], object]) -> None:
    path = model_dir / artifact.MANIFEST
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))


def test_round_trip_scores_like_the_fitted_model(
    small_artifact: Path, small_model: LinearTextClassifier
) -> None:
    manifest, models = artifact.load_artifact(small_artifact)
    assert manifest["libraries"] == artifact.library_versions()
    texts = ["you are a total idiot", "thanks, good article"]
    assert models["insult"].predict_proba(texts).tolist() == small_model.predict_proba(texts).tolist()


def test_tampered_file_is_refused_before_unpickling(small_artifact: Path) -> None:
    path = small_artifact / "insult.joblib"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with mock.patch("joblib.load") as joblib_load, pytest.raises(ModelError, match=r"sha256.*make train"):
        Scorer.load(small_artifact)
    joblib_load.assert_not_called()


@pytest.mark.parametrize("library", ["scikit-learn", "numpy", "scipy", "python"])
def test_wrong_library_version_is_refused(small_artifact: Path, library: str) -> None:
    _edit_manifest(small_artifact, lambda m: m["libraries"].__setitem__(library, "0.0.1"))
    with mock.patch("joblib.load") as joblib_load, pytest.raises(ModelError, match=rf"{library}.*make train"):
        Scorer.load(small_artifact)
    joblib_load.assert_not_called()


def test_missing_model_file_is_refused(small_artifact: Path) -> None:
    (small_artifact / "insult.joblib").unlink()
    with pytest.raises(ModelError, match=r"missing.*make train"):
        Scorer.load(small_artifact)


def test_missing_manifest_is_refused(small_artifact: Path) -> None:
    (small_artifact / artifact.MANIFEST).unlink()
    with pytest.raises(ModelError, match="make train"):
        Scorer.load(small_artifact)


def test_garbage_manifest_is_refused(small_artifact: Path) -> None:
    (small_artifact / artifact.MANIFEST).write_bytes(b"\x00\xff not json")
    with pytest.raises(ModelError, match="make train"):
        Scorer.load(small_artifact)


def test_file_outside_the_artifact_is_refused(small_artifact: Path) -> None:
    _edit_manifest(small_artifact, lambda m: m["attributes"]["insult"].__setitem__("file", "../x.joblib"))
    with pytest.raises(ModelError, match="missing"):
        Scorer.load(small_artifact)


def test_save_replaces_the_whole_directory(small_artifact: Path, small_model: LinearTextClassifier) -> None:
    (small_artifact / "stale.joblib").write_bytes(b"old")
    artifact.save_artifact(small_artifact, {"insult": small_model}, {"model_version": "2"}, {})
    assert sorted(p.name for p in small_artifact.iterdir()) == ["insult.joblib", "manifest.json"]
