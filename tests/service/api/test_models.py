"""GET /v1/models and POST /v1/models/{version}:activate: switch and roll back atomically, refuse a
version that fails to load (the old one keeps serving), and keep the choice across restarts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.errors import ModelError
from model.artifact import read_manifest, seal_manifest
from model.versions import ACTIVE_FILE
from service.api.app import create_app
from service.settings import DEFAULT_MODEL_DIR, Settings
from tests.model.test_versions import fake_artifact
from tests.service.api.conftest import FakeScorer, assert_error, auth

SHIPPED, NEW = "1.aaaaaaaaaaaa", "1.bbbbbbbbbbbb"


def manifest_loader(model_dir: Path) -> FakeScorer:
    """Serves the version its manifest names; a directory holding BROKEN fails like a bad hash."""
    if (model_dir / "BROKEN").exists():
        raise ModelError(f"model file in {model_dir} has the wrong sha256: run `make train-shipped`")
    return FakeScorer(str(read_manifest(model_dir)["model_version"]))


@pytest.fixture
def versioned(settings: Settings) -> Settings:
    fake_artifact(settings.model_dir, SHIPPED, "2026-01-01T00:00:00+00:00")
    fake_artifact(settings.versions_dir / NEW, NEW, "2026-12-01T00:00:00+00:00")
    return settings


def client_for(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, scorer_loader=manifest_loader))


def test_lists_the_shipped_model_first_and_marks_the_active_one(versioned: Settings) -> None:
    with client_for(versioned) as client:
        listing = client.get("/v1/models").json()
    assert listing["active"] == SHIPPED
    assert [(v["version"], v["shipped"], v["active"]) for v in listing["versions"]] == [
        (SHIPPED, True, True),
        (NEW, False, False),
    ]
    assert listing["versions"][1]["attributes"] == ["insult"]


def test_activate_switches_persists_across_a_restart_and_rolls_back(versioned: Settings) -> None:
    with client_for(versioned) as client:
        response = client.post(f"/v1/models/{NEW}:activate", headers=auth())
        assert response.status_code == 200, response.text
        assert response.json() == {
            "activated": True,
            "previous_version": SHIPPED,
            "version": NEW,
            "workers_signalled": 0,
        }
        assert client.get("/v1/model").json()["version"] == NEW
        scored = client.post("/v1/comments:score", json={"comments": [{"text": "hello"}]}).json()
        assert scored["model"]["version"] == NEW
        assert (versioned.versions_dir / ACTIVE_FILE).read_text().strip() == NEW
    with client_for(versioned) as client:  # a restart keeps the activated version
        assert client.get("/v1/model").json()["version"] == NEW
        assert client.post("/v1/admin/reload", headers=auth()).json()["version"] == NEW
        rollback = client.post(f"/v1/models/{SHIPPED}:activate", headers=auth())
        assert rollback.status_code == 200 and rollback.json()["version"] == SHIPPED
        assert client.get("/v1/models").json()["active"] == SHIPPED


def test_a_version_another_replica_activated_is_listed_as_selected_until_this_one_serves_it(
    versioned: Settings,
) -> None:
    # Replicas sharing the versions directory: an activation on one rewrote ACTIVE, and the others
    # went on listing their old version as the active one, with nothing saying they lagged.
    with client_for(versioned) as client:
        assert client.get("/v1/models").json()["selected"] == SHIPPED
        (versioned.versions_dir / ACTIVE_FILE).write_text(NEW + "\n")  # another replica's activation
        listing = client.get("/v1/models").json()
        assert (listing["active"], listing["selected"]) == (SHIPPED, NEW)
        assert client.post("/v1/admin/reload", headers=auth()).status_code == 200
        listing = client.get("/v1/models").json()
        assert (listing["active"], listing["selected"]) == (NEW, NEW)
        (versioned.versions_dir / ACTIVE_FILE).unlink()  # another replica's rollback to the shipped one
        assert client.get("/v1/models").json()["selected"] == SHIPPED


def test_activation_needs_the_token(versioned: Settings) -> None:
    with client_for(versioned) as client:
        assert_error(client.post(f"/v1/models/{NEW}:activate"), 401, "unauthenticated")
        assert_error(client.post(f"/v1/models/{NEW}:activate", headers=auth("wrong")), 401)
        assert client.get("/v1/model").json()["version"] == SHIPPED


@pytest.mark.parametrize("version", ["1.cccccccccccc", "latest", "..%2F..%2Fetc"])
def test_an_unknown_version_is_404(versioned: Settings, version: str) -> None:
    with client_for(versioned) as client:
        assert_error(client.post(f"/v1/models/{version}:activate", headers=auth()), 404, "not_found")
        assert client.get("/v1/model").json()["version"] == SHIPPED
    assert not (versioned.versions_dir / ACTIVE_FILE).exists()


def test_a_version_that_fails_to_load_is_refused_and_the_old_one_keeps_serving(versioned: Settings) -> None:
    (versioned.versions_dir / NEW / "BROKEN").write_text("")
    with client_for(versioned) as client:
        error = assert_error(client.post(f"/v1/models/{NEW}:activate", headers=auth()), 409, "model_refused")
        assert f"still serving {SHIPPED}" in error["message"]
        assert client.get("/v1/model").json()["version"] == SHIPPED
    assert not (versioned.versions_dir / ACTIVE_FILE).exists()


def test_an_activation_that_cannot_be_recorded_is_refused_and_the_old_one_keeps_serving(
    versioned: Settings,
) -> None:
    # ACTIVE not writable by the service (the versions directory trained by another user, a read-only
    # volume): the activation was a 500 "internal error; see the service log".
    with client_for(versioned) as client:
        active = versioned.versions_dir / ACTIVE_FILE
        active.mkdir()  # (as root no permission stops a write: a directory in its place)
        (active / "x").write_text("")
        error = assert_error(client.post(f"/v1/models/{NEW}:activate", headers=auth()), 409, "model_refused")
        assert f"still serving {SHIPPED}" in error["message"] and str(active) in error["message"]
        assert client.get("/v1/model").json()["version"] == SHIPPED


@pytest.mark.slow
def test_the_real_loader_checks_hashes_before_activating(settings: Settings, tmp_path: Path) -> None:
    """A copy of the shipped model with one byte changed: refused by the sha256 check, not unpickled."""
    version = str(read_manifest(DEFAULT_MODEL_DIR)["model_version"])
    tampered_version = "1.ffffffffffff"
    copy = settings.versions_dir / tampered_version
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    manifest_path = copy / "manifest.json"
    manifest = json.loads(manifest_path.read_text().replace(version, tampered_version))
    manifest_path.write_text(json.dumps(seal_manifest(manifest)))  # a well-formed version, one bad file
    live = settings.model_copy(update={"model_dir": DEFAULT_MODEL_DIR})
    with TestClient(create_app(live)) as client:
        # Listed (and its listing cached) while intact; a file changed after that is still caught:
        # only the listing is cached, never the check before unpickling.
        listed = [v["version"] for v in client.get("/v1/models").json()["versions"]]
        assert tampered_version in listed
        joblib_file = next(copy.glob("*.joblib"))
        data = bytearray(joblib_file.read_bytes())
        data[-1] ^= 0xFF
        joblib_file.write_bytes(bytes(data))
        error = assert_error(
            client.post(f"/v1/models/{tampered_version}:activate", headers=auth()), 409, "model_refused"
        )
        assert "sha256" in error["message"]
        assert client.get("/v1/model").json()["version"] == version


def test_a_version_without_an_alias_target_is_refused_and_the_old_one_keeps_serving(
    versioned: Settings,
) -> None:
    # MODERATION_PERSPECTIVE_ALIASES maps onto the served model's attributes: activating a version that
    # lacks a target would leave the alias answering nothing.
    def loader(model_dir: Path) -> FakeScorer:
        version = str(read_manifest(model_dir)["model_version"])
        return FakeScorer(version, attributes=("off_topic",) if version == NEW else ("insult", "off_topic"))

    aliased = versioned.model_copy(update={"perspective_aliases": {"ATTACK_ON_COMMENTER": "INSULT"}})
    with TestClient(create_app(aliased, scorer_loader=loader)) as client:
        error = assert_error(client.post(f"/v1/models/{NEW}:activate", headers=auth()), 409, "model_refused")
        assert f"still serving {SHIPPED}" in error["message"]
        assert "MODERATION_PERSPECTIVE_ALIASES" in error["message"]
        assert client.get("/v1/model").json()["version"] == SHIPPED
    assert not (versioned.versions_dir / ACTIVE_FILE).exists()


@pytest.mark.parametrize("switch", ["activate", "reload"])
def test_the_model_switched_from_is_freed(versioned: Settings, switch: str) -> None:
    # A real model's objects hold reference cycles, and the lifespan freezes everything alive at start
    # out of the collector's reach (gc.freeze): activation swapped the scorer without settling that as
    # a reload does, and the lifespan kept the model it started with for the worker's life, so each
    # switch or rollback left the old model's cycles in the worker (15 activations: 341 -> 561 MB).
    import gc
    import weakref

    loaded: list[weakref.ref[FakeScorer]] = []

    def cyclic_loader(model_dir: Path) -> FakeScorer:
        scorer = manifest_loader(model_dir)
        scorer.cycle = scorer  # type: ignore[attr-defined]
        loaded.append(weakref.ref(scorer))
        return scorer

    try:
        with TestClient(create_app(versioned, scorer_loader=cyclic_loader)) as client:
            if switch == "reload":
                (versioned.versions_dir / ACTIVE_FILE).write_text(NEW + "\n")
                response = client.post("/v1/admin/reload", headers=auth())
            else:
                response = client.post(f"/v1/models/{NEW}:activate", headers=auth())
            assert response.status_code == 200, response.text
            assert len(loaded) == 2 and loaded[1]() is not None
            assert loaded[0]() is None, "the model switched from is still alive"
    finally:
        gc.unfreeze()
