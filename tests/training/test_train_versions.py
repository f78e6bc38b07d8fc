"""`moderate train --versions-dir` (what `make train` runs) publishes a new version beside the shipped
model and never writes over it; `--out` still writes an explicit directory."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from model.artifact import load_artifact, read_manifest
from model.versions import VersionRegistry
from service.cli import main as moderate
from service.settings import DEFAULT_MODEL_DIR
from tests.training.test_train import _tiny_insult_data, kaggle_600  # noqa: F401 (fixture)
from training import corpora as C


def digests(path: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.iterdir())}


@pytest.mark.slow
def test_make_train_publishes_a_new_version_and_keeps_the_shipped_one(
    tmp_path: Path,
    kaggle_600: C.Corpus,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _tiny_insult_data(monkeypatch, kaggle_600)
    shipped_before = digests(DEFAULT_MODEL_DIR)
    versions = tmp_path / "versions"
    argv = ["train", "--data-dir", str(tmp_path), "--versions-dir", str(versions), "--attribute", "insult"]
    assert moderate([*argv, "--model-dir", str(DEFAULT_MODEL_DIR)]) == 0
    printed = capsys.readouterr().out
    assert digests(DEFAULT_MODEL_DIR) == shipped_before  # the shipped model is never written
    registry = VersionRegistry(DEFAULT_MODEL_DIR, versions)
    listed = registry.versions()
    assert [v.shipped for v in listed] == [True, False]
    new = listed[1]
    assert new.path == versions / new.version and f"POST /v1/models/{new.version}:activate" in printed
    manifest, models = load_artifact(new.path)  # a complete, verified artifact
    assert set(models) == {"insult", "off_topic"}
    # off_topic was not retrained: carried over byte for byte from the version served (the shipped one)
    shipped = read_manifest(DEFAULT_MODEL_DIR)
    assert manifest["attributes"]["off_topic"]["sha256"] == shipped["attributes"]["off_topic"]["sha256"]
    assert manifest["attributes"]["insult"]["sha256"] != shipped["attributes"]["insult"]["sha256"]
    # the same training again gives the same version: nothing new, no half-built directory left
    assert moderate([*argv, "--model-dir", str(DEFAULT_MODEL_DIR)]) == 0
    assert "nothing new published" in capsys.readouterr().out
    assert sorted(p.name for p in versions.iterdir()) == [new.version]


def test_train_needs_out_or_versions_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        moderate(["train", "--data-dir", str(tmp_path)])
    assert "--out" in capsys.readouterr().err


@pytest.mark.parametrize("how", ["ACTIVE beside it", "MODERATION_VERSIONS_DIR"])
def test_train_out_refuses_to_rewrite_a_published_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    """`--out var/models/<version>` rewrote a published version in place: its files no longer matched
    its name, and ACTIVE naming it stopped the next start."""
    import shutil

    versions = tmp_path / "versions"
    published = versions / read_manifest(DEFAULT_MODEL_DIR)["model_version"]
    shutil.copytree(DEFAULT_MODEL_DIR, published)
    if how == "ACTIVE beside it":
        (versions / "ACTIVE").write_text(published.name + "\n")
    else:
        monkeypatch.setenv("MODERATION_VERSIONS_DIR", str(versions))
    before = digests(published)
    assert moderate(["train", "--data-dir", str(tmp_path), "--out", str(published)]) == 1
    err = capsys.readouterr().err
    assert "never rewritten" in err and f"--versions-dir {versions}" in err and "Traceback" not in err
    assert digests(published) == before


def _make_train_line(env: dict[str, str]) -> str:
    import os
    import shutil
    import subprocess

    from tests.conftest import REPO

    if shutil.which("make") is None:
        pytest.skip("no make")
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("MODERATION_")}
    out = subprocess.run(
        ["make", "-n", "train", "DATA_DIR=/data"],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return next(line for line in out.splitlines() if "moderate train" in line)


def test_make_train_publishes_where_the_service_lists_versions() -> None:
    # `make train` always published into ./var/models and listed ./model/default as the shipped model:
    # a service configured with MODERATION_VERSIONS_DIR (the replicas' shared volume) never saw the new
    # version, and --attribute carried the other attributes over from another model than it serves.
    line = _make_train_line(
        {"MODERATION_VERSIONS_DIR": "/srv/versions", "MODERATION_MODEL_DIR": "/srv/shipped"}
    )
    assert "--versions-dir /srv/versions" in line and "--model-dir /srv/shipped" in line
    line = _make_train_line({})
    assert "--versions-dir var/models" in line and "--model-dir model/default" in line


def test_a_token_train_never_uses_does_not_stop_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # MODERATION_API_TOKEN=tooshort7 stopped `moderate train` ("invalid setting MODERATION_API_TOKEN"),
    # which never uses a token: it is a warning there, as in parse, report and score.
    import shutil

    versions = tmp_path / "versions"
    published = versions / read_manifest(DEFAULT_MODEL_DIR)["model_version"]
    shutil.copytree(DEFAULT_MODEL_DIR, published)
    monkeypatch.setenv("MODERATION_VERSIONS_DIR", str(versions))
    monkeypatch.setenv("MODERATION_API_TOKEN", "tooshort7")
    assert moderate(["train", "--data-dir", str(tmp_path), "--out", str(published)]) == 1
    err = capsys.readouterr().err
    assert "never rewritten" in err and "error: invalid setting" not in err, err
