"""Save and load the self-describing model artifact.

An artifact is a directory: ``manifest.json`` plus one joblib file per model: one attribute's
fitted estimator, or a family of text attributes sharing one featuriser (model/heads.py; their
manifest entries name the same file and their ``head``). The manifest carries the model version,
creation time, library versions, sha256 and row counts of every training file, hyper-parameters,
metrics, thresholds, label definitions and the sha256 of each model file, and is sealed by the
sha256 of its own content (``manifest_sha256``): the manifest also says which languages an attribute
serves and how it is read, so a hand-edited one (say, "fr" added to an English-only attribute) would
make up scores. ``load_artifact`` checks the seal, the library versions and every file's sha256
BEFORE anything is unpickled: a pickle runs code, so an unverified one is never opened.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import shutil
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from core.errors import ModelError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT = "comment-moderation-artifact"
FORMAT_VERSION = 1
FIX = (
    "rebuild it (`make train-shipped` for the shipped model, `make train` for a new version) or point "
    "MODERATION_MODEL_DIR or --model-dir at a valid artifact"
)
# The shipped manifest (eight attributes) is ~60 KB: one past this is no artifact's, and GET /v1/models,
# open to anyone, reads every version's manifest on each call (a 100 MB one cost ~200 MB a call).
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
# Pickles are only portable between identical versions of these; python is checked by major.minor.
PINNED_LIBRARIES = ("scikit-learn", "numpy", "scipy", "joblib")


def library_versions() -> dict[str, str]:
    # Read from the installed distributions: importing scikit-learn costs ~0.7 s and scoring never
    # needs it (model/estimator.py).
    from importlib.metadata import version

    return {
        "python": ".".join(platform.python_version_tuple()[:2]),
        **{name: version(name) for name in PINNED_LIBRARIES},
    }


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


SEAL = "manifest_sha256"


def _content_digest(manifest: Mapping[str, Any]) -> str:
    """sha256 of the manifest without its seal, in a canonical form (sorted keys, no spaces), so
    re-indenting the file does not break the seal but changing any value does."""
    body = {k: v for k, v in manifest.items() if k != SEAL}
    # ASCII escapes: a lone surrogate ("\\ud800", which JSON allows) has no UTF-8 form.
    text = json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return sha256_bytes(text.encode("ascii"))


def seal_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest with its seal (``manifest_sha256``) set to its content's digest."""
    return {**{k: v for k, v in manifest.items() if k != SEAL}, SEAL: _content_digest(manifest)}


def check_out_dir(out_dir: Path) -> None:
    """Refuse an ``out_dir`` that ``save_artifact`` must not replace, before anything is trained.

    The artifact directory is swapped in whole (the old one is deleted), so only a missing or empty
    directory or an earlier artifact (manifest.json and *.joblib files only) may be replaced: pointing
    ``--out`` at a home or project directory by mistake must not delete it. Also checks that a
    directory can be created beside it (where the new artifact is built).
    """
    out_dir = Path(out_dir)
    if out_dir.is_symlink():
        raise ModelError(f"{out_dir} is a symlink: give the real directory (not replaced, nothing written)")
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ModelError(f"{out_dir} exists and is not a directory: refusing to replace it")
        entries = sorted(out_dir.iterdir())
        artifact_only = all(
            e.is_file() and not e.is_symlink() and (e.name == MANIFEST or e.suffix == ".joblib")
            for e in entries
        )
        if entries and not ((out_dir / MANIFEST).is_file() and artifact_only):
            names = ", ".join(e.name for e in entries[:5]) + (", ..." if len(entries) > 5 else "")
            raise ModelError(
                f"{out_dir} exists and is not a model artifact (it holds {names}): refusing to replace "
                "it; give a new or empty directory"
            )
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent)
        os.rmdir(probe)
    except OSError as exc:
        raise ModelError(f"cannot write a model artifact to {out_dir}: {exc}") from exc


def save_artifact(
    out_dir: Path,
    models: Mapping[str, Any],
    manifest: Mapping[str, Any],
    attributes: Mapping[str, Any],
    carried: Mapping[str, tuple[bytes, Mapping[str, Any]]] | None = None,
) -> dict[str, Any]:
    """Write ``models`` (attribute -> fitted estimator) and the manifest, replacing ``out_dir`` whole.

    ``manifest`` holds the artifact-wide fields; ``attributes`` holds per-attribute entries (label
    definition, threshold, metrics, ...) to which the file name, size and sha256 are added here.
    ``carried`` holds already-verified files of attributes that were not retrained (their bytes and
    manifest entry), copied unchanged. ``model_version`` is derived from the model files' hashes, so
    identical training gives an identical version. The new artifact is built in a sibling temporary
    directory and swapped in, so a crash never leaves a half-written model behind.
    """
    import joblib

    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    except OSError as exc:
        raise ModelError(f"cannot write a model artifact to {out_dir}: {exc}") from exc
    try:
        entries: dict[str, Any] = {}
        written: dict[int, dict[str, Any]] = {}  # id(model) -> file fields: a shared model is one file
        for name, model in models.items():
            entry = dict(attributes.get(name, {}))
            if id(model) not in written:
                filename = str(entry.get("file") or f"{name}.joblib")
                path = tmp / filename
                joblib.dump(model, path, compress=("zlib", 3), protocol=5)
                data = path.read_bytes()
                written[id(model)] = {"file": filename, "bytes": len(data), "sha256": sha256_bytes(data)}
            entry.update(written[id(model)])
            entries[name] = entry
        for name, (data, old_entry) in (carried or {}).items():
            entry = dict(old_entry)
            (tmp / entry["file"]).write_bytes(data)
            entries[name] = entry
        digest = hashlib.sha256("".join(entries[n]["sha256"] for n in sorted(entries)).encode()).hexdigest()
        full = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            **manifest,
            "model_version": f"{FORMAT_VERSION}.{digest[:12]}",
            "libraries": library_versions(),
            "attributes": entries,
        }
        full = seal_manifest(full)
        (tmp / MANIFEST).write_text(json.dumps(full, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o755)
        old = out_dir.with_name(f".{out_dir.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
        if old.exists():
            shutil.rmtree(old)
    except OSError as exc:  # disk full, read-only file system, ...: nothing half-written is left
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelError(f"cannot write a model artifact to {out_dir}: {exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return full


def read_manifest(model_dir: Path) -> dict[str, Any]:
    path = Path(model_dir) / MANIFEST
    try:  # an unreadable directory or file (permissions) is a ModelError too: one line at startup
        if not path.is_file():
            raise ModelError(f"no model artifact at {model_dir} ({MANIFEST} missing): {FIX}")
        if (size := path.stat().st_size) > MAX_MANIFEST_BYTES:
            raise ModelError(
                f"{path} has {size:,} bytes, over the {MAX_MANIFEST_BYTES:,} a manifest may have: {FIX}"
            )
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelError(f"cannot read the model manifest {path}: {exc}") from exc
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, or an integer of 4,300+ digits
        raise ModelError(f"{path} is not valid JSON ({exc}): {FIX}") from exc
    except RecursionError as exc:  # the stdlib parser recurses: "[[[[..." a hundred thousand deep
        raise ModelError(f"{path} is nested too deeply to be a manifest: {FIX}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelError(f"{path} is not a {FORMAT} manifest: {FIX}")
    if manifest.get(SEAL) != _content_digest(manifest):
        raise ModelError(
            f"{path} does not match its {SEAL} (the manifest was edited or damaged after it was "
            f"written, or predates sealing): {FIX}"
        )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{path} has format_version {manifest.get('format_version')!r}, this code reads "
            f"{FORMAT_VERSION}: {FIX}"
        )
    if not isinstance(manifest.get("attributes"), dict) or not manifest["attributes"]:
        raise ModelError(f"{path} lists no attributes: {FIX}")
    if not isinstance(manifest.get("created_at", ""), str):
        raise ModelError(f"{path}: created_at is not a time stamp: {FIX}")
    return manifest


def verify_artifact(
    model_dir: Path, only: Collection[str] | None = None
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Check versions and hashes; return the manifest and each attribute's verified file bytes
    (of the ``only`` attributes, when given: the others are neither read nor checked)."""
    model_dir = Path(model_dir)
    manifest = read_manifest(model_dir)
    libs = manifest.get("libraries")
    if not isinstance(libs, dict):
        raise ModelError(f"manifest at {model_dir} does not list its library versions: {FIX}")
    here = library_versions()
    for lib in (*PINNED_LIBRARIES, "python"):
        if libs.get(lib) != here[lib]:
            raise ModelError(
                f"model at {model_dir} was written with {lib} {libs.get(lib)!r} but {here[lib]} is "
                f"installed; pickles are only safe with the same version: {FIX}"
            )
    blobs: dict[str, bytes] = {}
    checked: dict[str, bytes] = {}  # file -> verified bytes: attributes sharing a file read it once
    for name, entry in manifest["attributes"].items():
        if only is not None and name not in only:
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            raise ModelError(f"manifest entry for {name!r} names no file: {FIX}")
        filename = entry["file"]
        path = model_dir / filename
        if Path(filename).name != filename or not path.is_file():
            raise ModelError(f"model file {filename!r} for {name!r} is missing from {model_dir}: {FIX}")
        if filename in checked and sha256_bytes(checked[filename]) == entry.get("sha256"):
            blobs[name] = checked[filename]
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read model file {path}: {exc}") from exc
        digest = sha256_bytes(data)
        if digest != entry.get("sha256"):
            raise ModelError(
                f"model file {path} has sha256 {digest[:12]}..., manifest says "
                f"{str(entry.get('sha256'))[:12]}...: the file was modified or corrupted: {FIX}"
            )
        blobs[name] = checked[filename] = data
    return manifest, blobs


def load_artifact(model_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify, then unpickle: returns (manifest, attribute -> fitted estimator)."""
    import io

    import joblib

    manifest, blobs = verify_artifact(model_dir)
    models: dict[str, Any] = {}
    loaded: dict[str, Any] = {}  # file -> unpickled object: one family file serves several attributes
    for name, data in blobs.items():
        entry = manifest["attributes"][name]
        # Unpickle the exact bytes whose hash was checked, not the file again (no swap in between).
        try:
            if entry["file"] not in loaded:
                loaded[entry["file"]] = joblib.load(io.BytesIO(data))
            model = loaded[entry["file"]]
            # A multi-attribute file (model/heads.py) names the attribute's head in the manifest.
            models[name] = model.head(entry["head"]) if "head" in entry else model
        except Exception as exc:  # a verified file that still fails to load: say so, do not crash
            raise ModelError(
                f"cannot load model {name!r} from {model_dir} ({type(exc).__name__}: {exc}): {FIX}"
            ) from exc
    log.info("loaded model %s from %s", manifest.get("model_version"), model_dir)
    return manifest, models
