"""Model versions: the shipped artifact plus every artifact `make train` published beside it.

    var/models/                 (settings.versions_dir)
        1.3f2a9c0d11ab/         one verified artifact per version, named by its model_version
        1.77e0b1c4d2f9/
        ACTIVE                  the version the service serves ("1.77e0b1c4d2f9\n"); absent = shipped

The shipped artifact (settings.model_dir, model/default) is always the first version and is never
written by training: training builds into a hidden directory inside ``versions_dir`` and renames it to
its version when complete, so a crash never leaves a half-written version. Switching versions writes
ACTIVE with a rename (atomic on POSIX), after the new scorer has loaded: a version that fails its hash
check is never made active. Listing reads manifests only; nothing is unpickled here.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ModelError
from model.artifact import MANIFEST, read_manifest

log = logging.getLogger(__name__)

ACTIVE_FILE = "ACTIVE"
BUILD_PREFIX = ".building-"
# A build directory untouched this long belongs to a training run that was killed (training takes
# minutes and writes into it as it goes): the next build removes it so dead runs don't fill the disk.
STALE_BUILD_SECONDS = 24 * 3600
# model_version is "<format>.<12 hex>"; anything else in ACTIVE or a URL is refused before any lookup.
VERSION_PATTERN = re.compile(r"^[0-9]+\.[0-9a-f]{6,64}$")


@dataclass(frozen=True)
class ModelVersion:
    version: str
    path: Path
    shipped: bool
    created_at: str | None
    attributes: tuple[str, ...]
    metrics: dict[str, Any]
    training_data: dict[str, Any]


def _describe(path: Path, *, shipped: bool) -> ModelVersion:
    manifest = read_manifest(path)
    entries = manifest["attributes"]
    return ModelVersion(
        version=str(manifest.get("model_version", "unknown")),
        path=path,
        shipped=shipped,
        created_at=manifest.get("created_at"),
        attributes=tuple(entries),
        metrics={n: e.get("metrics", {}) for n, e in entries.items() if isinstance(e, dict)},
        training_data=dict(manifest.get("training_data") or {}),
    )


class VersionRegistry:
    """The versions under ``versions_dir`` and the shipped ``shipped_dir``; which one is active."""

    def __init__(self, shipped_dir: Path, versions_dir: Path) -> None:
        self.shipped_dir = Path(shipped_dir)
        self.versions_dir = Path(versions_dir)
        # Each directory's last problem logged: listing runs on every GET /v1/models, which anyone may
        # call, so a problem is a warning once (again when it changes), not a line per call.
        self._reported: dict[Path, str] = {}

    def _not_listed(self, path: Path, what: str, problem: Exception) -> None:
        text = str(problem)
        level = logging.DEBUG if self._reported.get(path) == text else logging.WARNING
        self._reported[path] = text
        log.log(level, "%s in %s not listed: %s", what, path, text)

    @property
    def active_file(self) -> Path:
        return self.versions_dir / ACTIVE_FILE

    def versions(self) -> list[ModelVersion]:
        """Shipped first, then the trained versions oldest first. A directory that is not a readable
        artifact is left out (and logged), as is a second copy of a version already listed."""
        found: list[ModelVersion] = []
        try:
            found.append(_describe(self.shipped_dir, shipped=True))
        except ModelError as exc:
            self._not_listed(self.shipped_dir, "shipped model", exc)
        trained: list[ModelVersion] = []
        if self.versions_dir.is_dir():
            for entry in sorted(self.versions_dir.iterdir()):
                if entry.name.startswith(".") or not (entry / MANIFEST).is_file():
                    continue
                try:
                    trained.append(_describe(entry, shipped=False))
                except (ModelError, OSError, ValueError, TypeError) as exc:  # one bad folder is skipped
                    self._not_listed(entry, "model version", exc)
        trained.sort(key=lambda v: (v.created_at or "", v.version))
        seen = {v.version for v in found}
        for version in trained:
            if version.version not in seen:
                seen.add(version.version)
                found.append(version)
        return found

    def find(self, version: str) -> ModelVersion:
        if not VERSION_PATTERN.match(version):
            raise KeyError(version)
        for candidate in self.versions():
            if candidate.version == version:
                return candidate
        raise KeyError(version)

    def pinned(self) -> str | None:
        """The version named in ACTIVE, or None (serve the shipped model)."""
        try:
            text = self.active_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelError(f"cannot read the active model version from {self.active_file}: {exc}") from exc
        return text or None

    def active_dir(self) -> Path:
        """The directory to serve: ACTIVE's version, or the shipped model. ACTIVE naming a version that
        is not there is an error, never a silent fall-back to another model."""
        pinned = self.pinned()
        if pinned is None:
            return self.shipped_dir
        try:
            return self.find(pinned).path
        except KeyError:
            raise ModelError(
                f"{self.active_file} names model version {pinned!r}, which is not in {self.versions_dir} "
                f"or {self.shipped_dir}: activate another version or delete {self.active_file}"
            ) from None

    def set_active(self, version: str) -> None:
        """Write ACTIVE atomically (temporary file, fsync, rename). The shipped version is served by
        removing ACTIVE instead: pinned by name, a rollback to it would stop the service once a release
        replaces the shipped model."""
        if version == self._shipped_version():
            self.active_file.unlink(missing_ok=True)
            return
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".ACTIVE.", dir=self.versions_dir)
        try:
            os.fchmod(fd, 0o644)  # mkstemp's 0600: replicas running as other users read it too
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(version + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.active_file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def build_dir(self) -> Path:
        """A fresh hidden directory name inside versions_dir for training to write an artifact into."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        self._remove_stale_builds()
        build = Path(tempfile.mkdtemp(prefix=BUILD_PREFIX, dir=self.versions_dir))
        build.rmdir()  # save_artifact creates it (it refuses to replace anything but an artifact)
        return build

    def _remove_stale_builds(self) -> None:
        now = time.time()
        for path in self.versions_dir.glob(BUILD_PREFIX + "*"):
            try:
                stale = (
                    path.is_dir()
                    and not path.is_symlink()
                    and now - path.stat().st_mtime > STALE_BUILD_SECONDS
                )
                if stale:
                    shutil.rmtree(path)
                    log.warning("removed %s: a training run left it unfinished over a day ago", path.name)
            except OSError as exc:  # another run removed it first, or it is not ours to remove
                log.warning("could not remove stale build %s: %s", path.name, exc)

    def publish(self, built: Path) -> tuple[ModelVersion, bool]:
        """Rename a complete artifact in ``built`` to versions_dir/<model_version>. Returns the version
        and whether it is new (training that reproduces an existing version publishes nothing)."""
        described = _describe(built, shipped=False)
        target = self.versions_dir / described.version
        if target.exists() or described.version == self._shipped_version():
            shutil.rmtree(built)
            existing = self.find(described.version)
            return existing, False
        try:
            built.rename(target)
        except OSError:
            # Another training run published the same version between the check and the rename (a
            # directory renames onto an existing one only when that is empty): keep theirs.
            if not (target / MANIFEST).is_file():
                raise
            shutil.rmtree(built)
            return self.find(described.version), False
        return _describe(target, shipped=False), True

    def _shipped_version(self) -> str | None:
        try:
            return str(read_manifest(self.shipped_dir).get("model_version"))
        except ModelError:
            return None
