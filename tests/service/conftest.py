"""Fixtures shared by the service's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.model.test_versions import fake_artifact
from tests.service.batch_helpers import local_run, mixed_dir, real_runs  # noqa: F401 (the batch tests' fixtures)

ACTIVE_VERSION = "1.bbbbbbbbbbbb"


@pytest.fixture
def activated_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A versions directory (MODERATION_VERSIONS_DIR) whose ACTIVE names a published version other
    than the shipped one, as after `POST /v1/models/{v}:activate`; the version's directory."""
    versions = tmp_path / "versions"
    active = fake_artifact(versions / ACTIVE_VERSION, ACTIVE_VERSION)
    (versions / "ACTIVE").write_text(ACTIVE_VERSION + "\n")
    monkeypatch.setenv("MODERATION_VERSIONS_DIR", str(versions))
    return active
