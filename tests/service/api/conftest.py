"""Fixtures for the API tests: a small deterministic scorer (implements model.score.CommentScorer), an
app built with it, and the real shipped model and parser for the tests that must use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.errors import ModelError
from service.api.app import create_app
from service.api.errors import CANONICAL_STATUSES
from service.settings import DEFAULT_MODEL_DIR, Settings
from tests.fakes import FAMILY, FAMILY_LANGUAGES, FakeScorer

__all__ = ["FAMILY", "FAMILY_LANGUAGES", "FakeScorer"]  # the API tests import them from here

TOKEN = "s3cret-token-for-tests"  # at least MIN_API_TOKEN_CHARS


class Loader:
    """Scorer loader whose artifacts can be swapped or broken between loads (reload tests)."""

    def __init__(self, **fake: Any) -> None:
        self.next_version = "fake-1"
        self.broken = False
        self.loads = 0
        self.fake = fake  # FakeScorer keyword arguments (attributes, languages, detects)

    def __call__(self, model_dir: Path) -> FakeScorer:
        self.loads += 1
        if self.broken:
            raise ModelError(f"manifest sha256 mismatch in {model_dir}: run `make train`")
        return FakeScorer(self.next_version, **self.fake)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        api_token=TOKEN,
        db_path=tmp_path / "feedback.sqlite3",
        model_dir=tmp_path / "model",
        versions_dir=tmp_path / "versions",
    )


@pytest.fixture
def loader() -> Loader:
    return Loader()


@pytest.fixture
def client(settings: Settings, loader: Loader) -> Iterator[TestClient]:
    with TestClient(create_app(settings, scorer_loader=loader)) as c:
        yield c


def make_client(settings: Settings, loader: Any = None) -> TestClient:
    return TestClient(create_app(settings, scorer_loader=loader or Loader()))


def family_loader() -> Loader:
    """A loader of the fake carrying the whole attribute family, with languages and detection."""
    return Loader(attributes=FAMILY, languages=FAMILY_LANGUAGES, detects=True)


@pytest.fixture
def family_client(settings: Settings) -> Iterator[TestClient]:
    with make_client(settings, family_loader()) as c:
        yield c


@pytest.fixture(scope="session")
def real_model_dir() -> Path:
    assert (DEFAULT_MODEL_DIR / "manifest.json").is_file(), f"no shipped model in {DEFAULT_MODEL_DIR}"
    return DEFAULT_MODEL_DIR


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: Any, status: int, reason: str | None = None) -> dict[str, Any]:
    """A precise 4xx in our JSON error shape (the Google API error shape Perspective clients parse)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == status
    # google.rpc.Code's names only (a client maps `status` to its enum): "PAYLOAD_TOO_LARGE" was none
    assert error["status"] in CANONICAL_STATUSES, error
    assert isinstance(error["message"], str) and error["message"]
    if response.request.url.path.startswith(("/v1alpha1/", "/$discovery/")):
        # Perspective's paths answer in Google's shape: the condition is the detail's errorType.
        assert "reason" not in error
        (detail,) = error["details"]
        assert detail["@type"] == GOOGLE_ERROR_TYPE
        if reason is not None:
            assert detail["errorType"] == PERSPECTIVE_ERROR_TYPES.get(reason, "INVALID_REQUEST"), error
    elif reason is not None:
        assert error["reason"] == reason, error
    return dict(error)


# Our `reason` -> the errorType Perspective's paths answer with.
PERSPECTIVE_ERROR_TYPES = {"empty": "COMMENT_EMPTY", "too_large": "COMMENT_TOO_LONG"}


GOOGLE_ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"


def assert_google_error(response: Any, status: int, error_type: str) -> dict[str, Any]:
    """Google's error shape exactly, as Perspective answers (and its clients parse): code, message,
    status and one detail carrying Perspective's errorType."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "status", "details"}, error
    assert error["code"] == status
    assert isinstance(error["message"], str) and error["message"]
    assert error["status"] == ("INVALID_ARGUMENT" if status == 400 else error["status"])
    assert error["status"] in CANONICAL_STATUSES, error
    (detail,) = error["details"]
    assert detail["@type"] == GOOGLE_ERROR_TYPE
    assert detail["errorType"] == error_type, error
    return dict(error)
