"""Fixtures for the API tests: an app built with the shared fake scorer (tests/fakes.py), and the real
shipped model and parser for the tests that must use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.errors import ModelError
from service.settings import DEFAULT_MODEL_DIR, Settings
from tests.fakes import FakeScorer

__all__ = ["FakeScorer"]  # the API tests import it from here

TOKEN = "s3cret-token"


class Loader:
    """Scorer loader whose artifacts can be swapped or broken between loads (reload tests)."""

    def __init__(self) -> None:
        self.next_version = "fake-1"
        self.broken = False
        self.loads = 0

    def __call__(self, model_dir: Path) -> FakeScorer:
        self.loads += 1
        if self.broken:
            raise ModelError(f"manifest sha256 mismatch in {model_dir}: run `make train`")
        return FakeScorer(self.next_version)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(api_token=TOKEN, db_path=tmp_path / "feedback.sqlite3", model_dir=tmp_path / "model")


@pytest.fixture
def loader() -> Loader:
    return Loader()


@pytest.fixture
def client(settings: Settings, loader: Loader) -> Iterator[TestClient]:
    with TestClient(create_app(settings, scorer_loader=loader)) as c:
        yield c


def make_client(settings: Settings, loader: Any = None) -> TestClient:
    return TestClient(create_app(settings, scorer_loader=loader or Loader()))


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
    assert isinstance(error["status"], str) and error["status"]
    assert isinstance(error["message"], str) and error["message"]
    if reason is not None:
        assert error["reason"] == reason, error
    return dict(error)
