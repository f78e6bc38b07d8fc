"""Fixtures for the API tests: a small deterministic scorer (implements model.score.CommentScorer), an
app built with it, and the real shipped model and parser for the tests that must use them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.errors import ModelError
from service.records import ArticleContext, Scores, Span
from service.settings import DEFAULT_MODEL_DIR, Settings

INSULTS = ("idiot", "stupid", "moron", "dumb")
TOKEN = "s3cret-token"
_WORD = re.compile(r"\w+")


class FakeScorer:
    """Insult: share of insult words; off-topic: share of words absent from the article and thread."""

    attributes = ("insult", "off_topic")

    def __init__(self, version: str = "fake-1") -> None:
        self._version = version
        self.calls: list[int] = []

    @property
    def version(self) -> str:
        return self._version

    @property
    def manifest(self) -> dict[str, Any]:
        return {
            "version": self._version,
            "training_data": {"fake": "0" * 64},
            "metrics": {"insult": {"f1": 1.0}},
        }

    def _insult(self, text: str) -> float:
        words = _WORD.findall(text.lower())
        return min(1.0, 3 * sum(w in INSULTS for w in words) / max(1, len(words)))

    def score(
        self, texts: Sequence[str], article: ArticleContext | None = None, *, use_thread: bool = True
    ) -> list[Scores]:
        self.calls.append(len(texts))
        out = []
        for i, text in enumerate(texts):
            context = set(_WORD.findall(((article.title + " " + article.body) if article else "").lower()))
            if use_thread:
                for j, other in enumerate(texts):
                    if j != i:
                        context |= set(_WORD.findall(other.lower()))
            words = _WORD.findall(text.lower())
            has_article = article is not None and not article.is_empty
            has_thread = use_thread and len(texts) > 1
            kind = (
                "article+thread"
                if has_article and has_thread
                else "article"
                if has_article
                else "thread"
                if has_thread
                else "none"
            )
            off = 0.5 if not context else sum(w not in context for w in words) / max(1, len(words))
            out.append(Scores({"insult": self._insult(text), "off_topic": off}, context=kind))
        return out

    def explain(
        self,
        text: str,
        attribute: str,
        *,
        top_k: int = 5,
        article: ArticleContext | None = None,
        thread: Sequence[str] = (),
    ) -> list[Span]:
        spans = []
        for m in _WORD.finditer(text):
            if attribute == "insult" and m.group().lower() in INSULTS:
                spans.append(Span(m.start(), m.end(), m.group(), 1.0))
        return spans[:top_k]


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
