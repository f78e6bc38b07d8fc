"""Fixtures for the API tests: a small deterministic scorer (implements model.score.CommentScorer), an
app built with it, and the real shipped model and parser for the tests that must use them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.errors import ModelError
from core.records import ArticleContext, Scores, Span
from service.api.app import create_app
from service.settings import DEFAULT_MODEL_DIR, Settings

INSULTS = ("idiot", "stupid", "moron", "dumb", "crétin", "abruti")
PROFANE = ("damn", "shit", "merde")
FRENCH = frozenset({"le", "la", "les", "est", "une", "des", "et", "espèce", "vous", "êtes", "ce", "article"})
TOKEN = "s3cret-token"
_WORD = re.compile(r"\w+")
# The attribute family of the issue: what the fake carries when a test asks for it.
FAMILY = (
    "insult",
    "off_topic",
    "toxicity",
    "severe_toxicity",
    "identity_attack",
    "profanity",
    "spam",
    "unsubstantial",
)
# Languages per attribute for the family fake (the others: English only).
FAMILY_LANGUAGES = {"toxicity": {"en", "fr", "de"}, "insult": {"en", "fr"}}


class FakeScorer:
    """Insult: share of insult words; off-topic: share of words absent from the article and thread.

    With ``attributes=FAMILY`` it also carries the rest of the family (toxicity follows insult words,
    profanity swear words, the others simple word counts). With ``detects=True`` it "detects" French
    by a few function words (else English) and marks the attributes not trained for the comment's
    language in ``Scores.unsupported``, as the contract asks of the real scorer."""

    attributes: tuple[str, ...] = ("insult", "off_topic")

    def __init__(
        self,
        version: str = "fake-1",
        *,
        attributes: Sequence[str] | None = None,
        languages: dict[str, set[str]] | None = None,
        detects: bool = False,
    ) -> None:
        self._version = version
        self.calls: list[int] = []
        self.languages_seen: list[str | None] = []
        if attributes is not None:
            self.attributes = tuple(attributes)
        self._languages = {k: frozenset(v) for k, v in (languages or {}).items()}
        self._detects = detects

    def supported_languages(self, attribute: str) -> frozenset[str]:
        return self._languages.get(attribute, frozenset({"en"}))

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

    def _detect(self, text: str) -> str | None:
        if not self._detects:
            return None
        words = _WORD.findall(text.lower())
        return "fr" if sum(w in FRENCH for w in words) >= 2 else "en"

    def _family(self, text: str) -> dict[str, float]:
        words = _WORD.findall(text.lower())
        n = max(1, len(words))
        toxic = self._insult(text)
        values = {
            "toxicity": toxic,
            "severe_toxicity": toxic / 2,
            "identity_attack": 0.0,
            "profanity": min(1.0, 3 * sum(w in PROFANE for w in words) / n),
            "spam": min(1.0, sum(w in ("http", "https", "buy") for w in words) / n * 3),
            "unsubstantial": 1.0 / n,
        }
        return {k: v for k, v in values.items() if k in self.attributes}

    def score(
        self,
        texts: Sequence[str],
        article: ArticleContext | None = None,
        *,
        use_thread: bool = True,
        language: str | None = None,
    ) -> list[Scores]:
        self.calls.append(len(texts))
        self.languages_seen.append(language)
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
            values = {"insult": self._insult(text), "off_topic": off, **self._family(text)}
            lang = language or self._detect(text)
            unsupported = frozenset(
                a for a in self.attributes if lang is not None and lang not in self.supported_languages(a)
            )
            out.append(Scores(values, context=kind, language=lang, unsupported=unsupported))
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
    assert isinstance(error["status"], str) and error["status"]
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
    assert isinstance(error["status"], str) and error["status"].isupper()
    (detail,) = error["details"]
    assert detail["@type"] == GOOGLE_ERROR_TYPE
    assert detail["errorType"] == error_type, error
    return dict(error)
