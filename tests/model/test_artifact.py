"""The loader verifies the manifest, library versions and sha256 before unpickling anything."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from core.errors import ModelError
from model import artifact
from model.features import LinearTextClassifier
from model.score import Scorer


def _edit_manifest(model_dir: Path, edit: Callable[[dict[str, Any]], object], seal: bool = True) -> None:
    """Change the manifest; ``seal`` re-seals it, as an artifact written that way would be."""
    path = model_dir / artifact.MANIFEST
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(artifact.seal_manifest(manifest) if seal else manifest))


def test_a_hand_edited_manifest_is_refused_before_unpickling(small_artifact: Path) -> None:
    # The manifest says which languages an attribute serves: an edit must not make up French scores.
    _edit_manifest(
        small_artifact, lambda m: m["attributes"]["insult"].__setitem__("languages", ["en", "fr"]), False
    )
    with (
        mock.patch("joblib.load") as joblib_load,
        pytest.raises(ModelError, match=r"manifest_sha256.*make train"),
    ):
        Scorer.load(small_artifact)
    joblib_load.assert_not_called()


def test_a_manifest_without_its_seal_is_refused(small_artifact: Path) -> None:
    _edit_manifest(small_artifact, lambda m: m.pop(artifact.SEAL), False)
    with pytest.raises(ModelError, match=r"does not match its manifest_sha256"):
        artifact.verify_artifact(small_artifact)


def test_the_seal_reads_values_not_layout(small_artifact: Path) -> None:
    path = small_artifact / artifact.MANIFEST
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps(dict(reversed(list(manifest.items()))), indent=7))
    assert artifact.verify_artifact(small_artifact)[0] == manifest


def test_the_shipped_manifest_is_sealed() -> None:
    manifest = artifact.read_manifest(Path(__file__).resolve().parents[2] / "model" / "default")
    assert manifest[artifact.SEAL] == artifact.seal_manifest(manifest)[artifact.SEAL]


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


def test_a_missing_artifact_names_every_way_a_directory_was_given(tmp_path: Path) -> None:
    # `moderate score --model-dir DIR` (or report) with no artifact there was told to "point
    # MODERATION_MODEL_DIR at a valid artifact", a variable the reader had not used; --model-dir is named.
    with pytest.raises(ModelError, match=r"MODERATION_MODEL_DIR or --model-dir"):
        Scorer.load(tmp_path)


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


def test_save_refuses_a_directory_that_is_not_an_artifact(
    tmp_path: Path, small_model: LinearTextClassifier
) -> None:
    # `--out ~/project` by mistake: the directory used to be renamed away and deleted whole.
    precious = tmp_path / "project"
    (precious / "src").mkdir(parents=True)
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(ModelError, match="not a model artifact"):
        artifact.save_artifact(precious, {"insult": small_model}, {}, {})
    assert (precious / "notes.txt").read_text() == "keep me" and (precious / "src").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]  # no temporary left behind


def test_save_refuses_a_file_and_an_unwritable_place(
    tmp_path: Path, small_model: LinearTextClassifier
) -> None:
    a_file = tmp_path / "model.txt"
    a_file.write_text("keep me")
    with pytest.raises(ModelError, match="not a directory"):
        artifact.save_artifact(a_file, {"insult": small_model}, {}, {})
    assert a_file.read_text() == "keep me"
    # Under a regular file nothing can be created (even as root): a clear error, not a traceback.
    with pytest.raises(ModelError, match="cannot write a model artifact"):
        artifact.save_artifact(a_file / "model", {"insult": small_model}, {}, {})


def test_save_refuses_a_symlinked_out_dir(tmp_path: Path, small_artifact: Path) -> None:
    link = tmp_path / "current"
    link.symlink_to(small_artifact)
    with pytest.raises(ModelError, match="symlink"):
        artifact.check_out_dir(link)


def test_save_into_an_empty_directory(tmp_path: Path, small_model: LinearTextClassifier) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    artifact.save_artifact(out, {"insult": small_model}, {}, {})
    assert sorted(p.name for p in out.iterdir()) == ["insult.joblib", "manifest.json"]


@pytest.mark.parametrize("libraries", [None, "scikit-learn 1.9.1", ["numpy"]])
def test_manifest_without_a_library_table_is_refused(small_artifact: Path, libraries: object) -> None:
    _edit_manifest(small_artifact, lambda m: m.__setitem__("libraries", libraries))
    with mock.patch("joblib.load") as joblib_load, pytest.raises(ModelError, match=r"library.*make train"):
        Scorer.load(small_artifact)
    joblib_load.assert_not_called()


def test_a_manifest_nested_too_deeply_is_a_model_error(small_artifact: Path) -> None:
    (small_artifact / artifact.MANIFEST).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelError, match="nested too deeply"):
        Scorer.load(small_artifact)


def test_a_huge_manifest_is_refused_before_it_is_read(small_artifact: Path) -> None:
    # GET /v1/models, open to anyone, reads every version's manifest on each call: a 100 MB one (here a
    # sealed manifest padded with whitespace, which the seal does not read) cost ~200 MB and 0.7 s a call.
    path = small_artifact / artifact.MANIFEST
    with path.open("a") as fh:
        fh.write(" " * (16 * 1024 * 1024))
    with (
        mock.patch.object(Path, "read_text", side_effect=AssertionError("read")),
        pytest.raises(ModelError, match="bytes"),
    ):
        artifact.read_manifest(small_artifact)
    with pytest.raises(ModelError, match="bytes"):
        Scorer.load(small_artifact)


def test_a_manifest_entry_of_the_wrong_shape_is_a_model_error(small_artifact: Path) -> None:
    _edit_manifest(small_artifact, lambda m: m["attributes"]["insult"].__setitem__("languages", 5))
    with pytest.raises(ModelError, match="manifest does not describe its models"):
        Scorer.load(small_artifact)


@pytest.mark.parametrize("value", ['"\\ud800"', "1" * 5001])
def test_a_hostile_manifest_value_is_a_one_line_model_error(small_artifact: Path, value: str) -> None:
    # A lone surrogate escape (no UTF-8 form) and an integer past Python's 4,300-digit limit: JSON allows
    # both, and both were tracebacks instead of the one-line refusal.
    path = small_artifact / artifact.MANIFEST
    text = path.read_text()
    path.write_text(text[: text.rindex("}")] + f', "x": {value}}}')
    with pytest.raises(ModelError, match="make train"):
        artifact.verify_artifact(small_artifact)


def test_a_model_that_fails_its_smoke_test_names_the_same_fix_as_the_loader(small_artifact: Path) -> None:
    # It said "run `make train` to rebuild it": `make train` publishes a new version in var/models and
    # leaves the broken directory as it was; the loader's own errors name the real fixes.
    with (
        mock.patch.object(Scorer, "score", side_effect=AttributeError("no predict_proba")),
        pytest.raises(ModelError, match="does not work with this code") as caught,
    ):
        Scorer.load(small_artifact)
    assert artifact.FIX in str(caught.value)


@pytest.mark.parametrize("error", [MemoryError(), OSError(28, "No space left on device")])
def test_a_machine_that_cannot_load_the_model_is_not_told_to_rebuild_it(small_artifact: Path, error) -> None:
    # Out of memory (ulimit -v, a container's limit) or a file error while the smoke test compiled its
    # kernels said the model "does not work with this code: rebuild it".
    with mock.patch.object(Scorer, "score", side_effect=error), pytest.raises(ModelError) as caught:
        Scorer.load(small_artifact)
    assert "could not be loaded" in str(caught.value) and artifact.FIX not in str(caught.value)


def test_a_manifest_that_does_not_describe_its_models_names_the_loaders_fix(small_artifact: Path) -> None:
    _edit_manifest(small_artifact, lambda m: m["attributes"]["insult"].__setitem__("languages", 5))
    with pytest.raises(ModelError, match="manifest does not describe its models") as caught:
        Scorer.load(small_artifact)
    assert artifact.FIX in str(caught.value)
