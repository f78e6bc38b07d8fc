"""The version registry: the shipped model first, published versions beside it, ACTIVE written
atomically and never pointing at a version that is not there."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from core.errors import ModelError
from model.artifact import FORMAT, FORMAT_VERSION, seal_manifest
from model.versions import ACTIVE_FILE, VersionRegistry


def fake_artifact(path: Path, version: str, created_at: str = "2026-12-01T00:00:00+00:00") -> Path:
    """A manifest only: enough to list a version (listing never unpickles)."""
    path.mkdir(parents=True)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created_at,
        "model_version": version,
        "attributes": {"insult": {"file": "insult.joblib", "metrics": {"cv_roc_auc_mean": 0.9}}},
    }
    (path / "manifest.json").write_text(json.dumps(seal_manifest(manifest)))
    return path


@pytest.fixture
def registry(tmp_path: Path) -> VersionRegistry:
    fake_artifact(tmp_path / "shipped", "1.aaaaaaaaaaaa", "2026-01-01T00:00:00+00:00")
    return VersionRegistry(tmp_path / "shipped", tmp_path / "versions")


def test_the_shipped_model_is_the_only_version_at_first(registry: VersionRegistry) -> None:
    assert [(v.version, v.shipped) for v in registry.versions()] == [("1.aaaaaaaaaaaa", True)]
    assert registry.pinned() is None
    assert registry.active_dir() == registry.shipped_dir


def test_published_versions_are_listed_oldest_first_and_junk_is_skipped(registry: VersionRegistry) -> None:
    fake_artifact(registry.versions_dir / "1.cccccccccccc", "1.cccccccccccc", "2026-12-02T00:00:00+00:00")
    fake_artifact(registry.versions_dir / "1.bbbbbbbbbbbb", "1.bbbbbbbbbbbb", "2026-12-01T00:00:00+00:00")
    (registry.versions_dir / "notes").mkdir()  # no manifest: not a version
    broken = registry.versions_dir / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    fake_artifact(registry.versions_dir / ".building-x", "1.dddddddddddd")  # unfinished training
    fake_artifact(registry.versions_dir / "odd-time", "1.eeeeeeeeeeee", 5)  # type: ignore[arg-type]
    deep = registry.versions_dir / "deep"
    deep.mkdir()
    (deep / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)  # the listing was a 500
    listed = [v.version for v in registry.versions()]
    assert listed == ["1.aaaaaaaaaaaa", "1.bbbbbbbbbbbb", "1.cccccccccccc"]
    assert registry.find("1.bbbbbbbbbbbb").metrics == {"insult": {"cv_roc_auc_mean": 0.9}}


def test_a_directory_that_is_no_version_is_logged_once_not_on_every_listing(
    registry: VersionRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    # GET /v1/models lists on every call and anyone may call it: each call wrote one warning per bad
    # directory, so a client in a loop filled the log.
    broken = registry.versions_dir / "broken"
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="model.versions"):
        for _ in range(5):
            registry.versions()
        assert len([r for r in caplog.records if "not listed" in r.getMessage()]) == 1
        (broken / "manifest.json").write_text("[]")  # another problem: said again, once
        registry.versions()
        registry.versions()
    assert len([r for r in caplog.records if "not listed" in r.getMessage()]) == 2


def test_activate_writes_active_and_a_missing_version_is_an_error(registry: VersionRegistry) -> None:
    fake_artifact(registry.versions_dir / "1.bbbbbbbbbbbb", "1.bbbbbbbbbbbb")
    registry.set_active("1.bbbbbbbbbbbb")
    assert (registry.versions_dir / ACTIVE_FILE).read_text() == "1.bbbbbbbbbbbb\n"
    assert registry.active_dir() == registry.versions_dir / "1.bbbbbbbbbbbb"
    assert not [p for p in registry.versions_dir.iterdir() if p.name.startswith(".ACTIVE")]
    registry.set_active("1.eeeeeeeeeeee")  # e.g. the version directory was deleted afterwards
    with pytest.raises(ModelError, match=r"1\.eeeeeeeeeeee.*not in"):
        registry.active_dir()


def test_rolling_back_to_the_shipped_model_survives_an_upgrade(registry: VersionRegistry) -> None:
    import stat

    fake_artifact(registry.versions_dir / "1.bbbbbbbbbbbb", "1.bbbbbbbbbbbb")
    registry.set_active("1.bbbbbbbbbbbb")
    mode = stat.S_IMODE((registry.versions_dir / ACTIVE_FILE).stat().st_mode)
    assert mode & 0o044 == 0o044  # readable by replicas running as other users
    registry.set_active("1.aaaaaaaaaaaa")  # the rollback: serve what ships, not a pinned name
    assert not (registry.versions_dir / ACTIVE_FILE).exists()
    shutil.rmtree(registry.shipped_dir)  # a release replaces the shipped model
    fake_artifact(registry.shipped_dir, "1.ffffffffffff")
    assert registry.active_dir() == registry.shipped_dir
    assert registry.versions()[0].version == "1.ffffffffffff"


def test_an_active_file_that_cannot_be_written_is_a_model_error(registry: VersionRegistry) -> None:
    # A versions directory the service cannot write (trained by another user, a read-only volume): the
    # OSError reached the API as a 500 "internal error", saying nothing of why.
    fake_artifact(registry.versions_dir / "1.bbbbbbbbbbbb", "1.bbbbbbbbbbbb")
    blocker = registry.versions_dir / ACTIVE_FILE  # (as root no permission stops a write: a directory)
    blocker.mkdir()
    (blocker / "x").write_text("")
    for version in ("1.bbbbbbbbbbbb", "1.aaaaaaaaaaaa"):  # a version, and the rollback to the shipped one
        with pytest.raises(ModelError, match=f"cannot record {version} as the active version in {blocker}"):
            registry.set_active(version)
    assert not [p for p in registry.versions_dir.iterdir() if p.name.startswith(".ACTIVE")]


@pytest.mark.parametrize("name", ["../shipped", "1.AAAA", "", "latest", "1.aaaaaaaaaaaa/.."])
def test_find_refuses_names_that_are_not_versions(registry: VersionRegistry, name: str) -> None:
    with pytest.raises(KeyError):
        registry.find(name)


def test_publish_renames_a_build_and_a_repeat_publishes_nothing(registry: VersionRegistry) -> None:
    build = registry.build_dir()
    assert not build.exists() and build.parent == registry.versions_dir
    fake_artifact(build, "1.bbbbbbbbbbbb")
    published, new = registry.publish(build)
    assert new and published.path == registry.versions_dir / "1.bbbbbbbbbbbb" and not build.exists()
    again = registry.build_dir()
    fake_artifact(again, "1.bbbbbbbbbbbb")
    published, new = registry.publish(again)
    assert not new and published.version == "1.bbbbbbbbbbbb" and not again.exists()
    same_as_shipped = registry.build_dir()
    fake_artifact(same_as_shipped, "1.aaaaaaaaaaaa")
    published, new = registry.publish(same_as_shipped)
    assert not new and published.shipped
    assert sorted(p.name for p in registry.versions_dir.iterdir()) == ["1.bbbbbbbbbbbb"]


def test_a_publish_that_loses_the_race_to_the_same_version_leaves_no_build_behind(
    registry: VersionRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = registry.build_dir(), registry.build_dir()
    fake_artifact(first, "1.bbbbbbbbbbbb")
    fake_artifact(second, "1.bbbbbbbbbbbb")
    real_exists = Path.exists

    def exists_before_the_other_run_renamed(path: Path) -> bool:
        # Both runs checked before either renamed: the second sees no target yet.
        return False if path.name == "1.bbbbbbbbbbbb" else real_exists(path)

    assert registry.publish(first)[1]
    monkeypatch.setattr(Path, "exists", exists_before_the_other_run_renamed)
    published, new = registry.publish(second)
    assert not new and published.version == "1.bbbbbbbbbbbb"
    assert sorted(p.name for p in registry.versions_dir.iterdir()) == ["1.bbbbbbbbbbbb"]


def test_a_new_build_removes_builds_a_killed_run_left_a_day_ago(registry: VersionRegistry) -> None:
    import os
    import time

    dead = fake_artifact(registry.versions_dir / ".building-dead", "1.bbbbbbbbbbbb")
    running = fake_artifact(registry.versions_dir / ".building-running", "1.cccccccccccc")
    day_ago = time.time() - 25 * 3600
    os.utime(dead, (day_ago, day_ago))
    registry.build_dir()
    assert not dead.exists() and running.exists()


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    import model.versions

    reads: list[Path] = []
    real = model.versions.read_manifest

    def counting(path: Path) -> dict[str, object]:
        reads.append(Path(path))
        return real(path)

    monkeypatch.setattr(model.versions, "read_manifest", counting)
    return reads


def test_a_listing_rereads_only_the_manifests_that_changed(
    registry: VersionRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GET /v1/models (anyone may call it) read, parsed and hashed every version's manifest on each call:
    # 158 ms a call with 60 versions, which moved /healthz's p99 from 10 to 74 ms under four clients.
    for i in range(3):
        fake_artifact(registry.versions_dir / f"1.{i}bbbbbbbbbbb", f"1.{i}bbbbbbbbbbb")
    reads = _count_reads(monkeypatch)
    first = registry.versions()
    assert len(reads) == 4  # the shipped model and three versions
    assert registry.versions() == first
    assert registry.find("1.1bbbbbbbbbbb").path == registry.versions_dir / "1.1bbbbbbbbbbb"
    assert len(reads) == 4, reads  # nothing changed: nothing read again
    changed = registry.versions_dir / "1.1bbbbbbbbbbb"
    shutil.rmtree(changed)  # replaced by another manifest (another inode): read again, alone
    fake_artifact(changed, "1.1bbbbbbbbbbb", "2026-12-03T00:00:00+00:00")
    listed = {v.version: v.created_at for v in registry.versions()}
    assert reads[4:] == [changed]
    assert listed["1.1bbbbbbbbbbb"] == "2026-12-03T00:00:00+00:00"
    manifest = changed / "manifest.json"  # rewritten in place (one byte longer): read again
    manifest.write_text(manifest.read_text().replace("2026-12-03", "2026-12-04") + "\n")
    registry.versions()  # (the seal no longer matches: the version is no longer listed)
    assert reads[5:] == [changed]
    assert "1.1bbbbbbbbbbb" not in [v.version for v in registry.versions()]


def test_the_listing_cache_is_bounded_and_forgets_removed_versions(
    registry: VersionRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    import model.versions

    monkeypatch.setattr(model.versions, "MAX_CACHED_VERSIONS", 3)
    for i in range(5):
        fake_artifact(registry.versions_dir / f"1.{i}bbbbbbbbbbb", f"1.{i}bbbbbbbbbbb")
    assert len(registry.versions()) == 6  # all listed, whatever the cache holds
    assert len(registry._described) <= 3
    for i in range(5):
        shutil.rmtree(registry.versions_dir / f"1.{i}bbbbbbbbbbb")
    registry.versions()
    assert list(registry._described) == [registry.shipped_dir]


def test_problems_of_removed_directories_are_forgotten(
    registry: VersionRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    # The problems already warned about were kept for every directory ever seen: on a long-running
    # server whose versions directory churns (failed uploads, half-copied versions) they only grew.
    for i in range(50):
        broken = registry.versions_dir / f"broken-{i}"
        broken.mkdir(parents=True)
        (broken / "manifest.json").write_text("{not json")
        registry.versions()
        shutil.rmtree(broken)
    registry.versions()
    assert registry._reported == {}
    fixed = registry.versions_dir / "1.bbbbbbbbbbbb"  # a problem that is fixed is forgotten too
    fixed.mkdir()
    (fixed / "manifest.json").write_text("{not json")
    registry.versions()
    shutil.rmtree(fixed)
    fake_artifact(fixed, "1.bbbbbbbbbbbb")
    assert [v.version for v in registry.versions()][-1] == "1.bbbbbbbbbbbb"
    assert registry._reported == {}
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="model.versions"):
        shutil.rmtree(fixed)
        fixed.mkdir()
        (fixed / "manifest.json").write_text("{not json")  # broken again, as before: said again
        registry.versions()
    assert len([r for r in caplog.records if "not listed" in r.getMessage()]) == 1
