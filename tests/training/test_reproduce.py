"""Training on the shared corpora must reproduce the shipped model byte for byte. The off_topic
trainer also reads real pages through the parser, so a parser change that alters its output makes
this fail until model/default is retrained with `make train-shipped` (`make train` publishes a new
version in var/models instead) and the change is reviewed with its new metrics."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from service.settings import DEFAULT_MODEL_DIR
from training.train import TrainingRequest, train_artifact

pytestmark = pytest.mark.slow


def test_make_train_reproduces_the_shipped_model(data_dir: Path, tmp_path: Path) -> None:
    shipped = json.loads((DEFAULT_MODEL_DIR / "manifest.json").read_text())
    out = tmp_path / "model"
    manifest = train_artifact(
        TrainingRequest(data_dir=data_dir, feedback=None), out, progress=lambda _m: None
    )
    assert sorted(manifest["attributes"]) == sorted(shipped["attributes"])
    for name, entry in shipped["attributes"].items():
        path = out / entry["file"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == entry["sha256"], (
            f"{name}: retrained bytes differ from model/default: run `make train-shipped`"
        )
