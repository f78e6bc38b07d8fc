"""Model versions: the shipped artifact plus every artifact `make train` published beside it.

    var/models/                 (settings.versions_dir)
        1.3f2a9c0d11ab/         one verified artifact per version, named by its model_version
        1.77e0b1c4d2f9/
        ACTIVE                  the version the service serves ("1.77e0b1c4d2f9\n"); absent = shipped

The shipped artifact (settings.model_dir, model/default) is always the first version and is never
written by training: training builds into a hidden directory inside ``versions_dir`` and renames it to
its version when complete, so a crash never leaves a half-written version. Switching versions writes
ACTIVE with a rename (atomic on POSIX), after the new scorer has loaded: a version that fails its hash
check is never made active. Listing reads manifests only, and each again only when it changed; nothing
is unpickled here.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
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
# Listed versions kept described between listings (a manifest is ~60 KB, its description far less):
# well above any versions directory in use, so the cache only bounds memory against a runaway one.
MAX_CACHED_VERSIONS = 1024


@dataclass(frozen=True)
class ModelVersion:
    version: str
    path: Path
    shipped: bool
    created_at: str | None
    attributes: tuple[str, ...]
    metrics: dict[str, Any]
    training_data: dict[str, Any]


# What identifies a manifest's content without reading it: a published version is never rewritten, a
# replaced manifest (a rename, a copy over it) has another inode, an edit in place another size or
# modification time, and a chmod (or any edit) another change time. Listing only: loading a version
# always reads and hashes every file afresh.
_StatKey = tuple[int, int, int, int, int]


def _stat_key(manifest: Path) -> _StatKey:
    st = manifest.stat()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


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
        # call, so a problem is a warning once (again when it changes), not a line per call. Only the
        # directories of the last listing that still have one are kept (under _described_lock).
        self._reported: dict[Path, str] = {}
        # Each listed directory's description, by its manifest's _stat_key: GET /v1/models parsed and
        # hashed every manifest on each call (158 ms with 60 versions, slowing /healthz). Bounded, LRU.
        self._described: OrderedDict[Path, tuple[_StatKey, ModelVersion]] = OrderedDict()
        self._described_lock = threading.Lock()

    def _not_listed(self, path: Path, what: str, problem: Exception) -> None:
        text = str(problem)
        with self._described_lock:
            level = logging.DEBUG if self._reported.get(path) == text else logging.WARNING
            self._reported[path] = text
        log.log(level, "%s in %s not listed: %s", what, path, text)

    def _listed(self, path: Path, *, shipped: bool) -> ModelVersion:
        """``path`` described, from the cache while its manifest is unchanged. The manifest is stat'ed
        before it is read, so a change during the read shows as another key at the next listing."""
        try:
            key = _stat_key(path / MANIFEST)
        except OSError:  # gone or unreadable: read_manifest says so in its own words
            with self._described_lock:
                self._described.pop(path, None)
            return _describe(path, shipped=shipped)
        with self._described_lock:
            cached = self._described.get(path)
            if cached is not None and cached[0] == key and cached[1].shipped == shipped:
                self._described.move_to_end(path)
                return cached[1]
            self._described.pop(path, None)  # changed: its old description is never listed again
        described = _describe(path, shipped=shipped)
        with self._described_lock:
            self._described[path] = (key, described)
            while len(self._described) > MAX_CACHED_VERSIONS:
                self._described.popitem(last=False)
        return described

    def _forget_except(self, listed: set[Path], failed: set[Path]) -> None:
        """Forget the descriptions of directories no longer listed, and the problems of those gone or
        fixed (a directory broken again is warned about again)."""
        with self._described_lock:
            for path in [p for p in self._described if p not in listed]:
                del self._described[path]
            for path in [p for p in self._reported if p not in failed]:
                del self._reported[path]

    @property
    def active_file(self) -> Path:
        return self.versions_dir / ACTIVE_FILE

    def versions(self) -> list[ModelVersion]:
        """Shipped first, then the trained versions oldest first. A directory that is not a readable
        artifact is left out (and logged), as is a second copy of a version already listed."""
        found: list[ModelVersion] = []
        seen_dirs = {self.shipped_dir}
        failed: set[Path] = set()
        try:
            found.append(self._listed(self.shipped_dir, shipped=True))
        except ModelError as exc:
            failed.add(self.shipped_dir)
            self._not_listed(self.shipped_dir, "shipped model", exc)
        trained: list[ModelVersion] = []
        if self.versions_dir.is_dir():
            for entry in sorted(self.versions_dir.iterdir()):
                if entry.name.startswith(".") or not (entry / MANIFEST).is_file():
                    continue
                seen_dirs.add(entry)
                try:
                    trained.append(self._listed(entry, shipped=False))
                except (ModelError, OSError, ValueError, TypeError) as exc:  # one bad folder is skipped
                    failed.add(entry)
                    self._not_listed(entry, "model version", exc)
        self._forget_except(seen_dirs, failed)
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
        replaces the shipped model. ModelError when ACTIVE cannot be written (a versions directory the
        service may not write: trained by another user, a read-only volume), ACTIVE unchanged."""
        try:
            if version == self._shipped_version():
                self.active_file.unlink(missing_ok=True)
            else:
                self._write_active(version)
        except OSError as exc:
            raise ModelError(
                f"cannot record {version} as the active version in {self.active_file}: {exc.strerror or exc}"
                f" (the service must be able to write {self.versions_dir})"
            ) from exc

    def _write_active(self, version: str) -> None:
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
