"""The one test double of the scorer (implements model.score.CommentScorer): small, deterministic,
fast, so API, batch and report tests check our code rather than the model's numbers."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.records import ArticleContext, ContextKind, Scores, Span
from model.language import normalize_language
from service.settings import THRESHOLD_ATTRIBUTES

INSULTS = frozenset({"idiot", "idiots", "stupid", "moron", "dumb", "fool", "crétin", "abruti"})
PROFANE = frozenset({"damn", "shit", "merde"})
FRENCH = frozenset({"le", "la", "les", "est", "une", "des", "et", "espèce", "vous", "êtes", "ce", "article"})
WORD = re.compile(r"\w+")

# The attribute family of the service: what the fake carries when a test asks for it.
FAMILY = THRESHOLD_ATTRIBUTES
# Languages per attribute for the family fake (the others: English only).
FAMILY_LANGUAGES = {"toxicity": {"en", "fr", "de"}, "insult": {"en", "fr"}}


def context_kind(has_article: bool, has_thread: bool) -> ContextKind:
    if has_article and has_thread:
        return "article+thread"
    return "article" if has_article else "thread" if has_thread else "none"


class FakeScorer:
    """insult: 3 x the share of insult words (capped at 1); off_topic: the share of words absent from
    the article and the rest of the thread (0.5 with neither).

    With ``attributes=FAMILY`` it also carries the rest of the family (toxicity follows insult words,
    profanity swear words, the others simple word counts). With ``detects=True`` it "detects" French
    by a few function words (else English) and marks the attributes not trained for the comment's
    language in ``Scores.unsupported``, as the contract asks of the real scorer. ``model_dir`` only
    records where a factory was asked to load from."""

    attributes: tuple[str, ...] = ("insult", "off_topic")

    def __init__(
        self,
        version: str = "fake-1",
        *,
        model_dir: Path | None = None,
        attributes: Sequence[str] | None = None,
        languages: dict[str, set[str]] | None = None,
        detects: bool = False,
    ) -> None:
        self._version = version
        self.model_dir = model_dir
        self.calls: list[int] = []
        self.languages_seen: list[str | None] = []
        self.same_source_seen: list[bool] = []
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
        words = WORD.findall(text.lower())
        return min(1.0, 3 * sum(w in INSULTS for w in words) / max(1, len(words)))

    def _detect(self, text: str) -> str | None:
        if not self._detects:
            return None
        words = WORD.findall(text.lower())
        return "fr" if sum(w in FRENCH for w in words) >= 2 else "en"

    def judged_languages(
        self, texts: Sequence[str], article: ArticleContext | None = None, *, use_thread: bool = True
    ) -> list[str | None]:
        """The language ``score`` would judge each text in with none forced (no scoring)."""
        return [self._detect(text) for text in texts]

    def _family(self, text: str) -> dict[str, float]:
        words = WORD.findall(text.lower())
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
        same_source: bool = False,
        source_languages: Sequence[str | None] | None = None,
    ) -> list[Scores]:
        self.calls.append(len(texts))
        self.same_source_seen.append(same_source)
        self.languages_seen.append(language)
        has_article = article is not None and not article.is_empty
        has_thread = use_thread and len(texts) > 1
        kind = context_kind(has_article, has_thread)
        story = set(WORD.findall(f"{article.title} {article.body}".lower())) if article else set()
        own = [set(WORD.findall(text.lower())) for text in texts]
        # In how many comments each word occurs: a word is in the rest of the thread when it occurs in
        # a comment other than this one (linear in the thread's size, not quadratic).
        df = Counter(w for words in own for w in words) if use_thread else Counter()
        busy = sum(bool(words) for words in own)
        out = []
        for text, mine in zip(texts, own, strict=True):
            words = WORD.findall(text.lower())
            if not story and not (use_thread and busy - bool(mine) > 0):
                off = 0.5  # no context at all
            else:
                off = sum(w not in story and df[w] - (w in mine) <= 0 for w in words) / max(1, len(words))
            values = {"insult": self._insult(text), "off_topic": off, **self._family(text)}
            # A given language is read as the real Scorer reads it: "fr-FR" is fr, "und" undetermined.
            lang = normalize_language(language) if language is not None else self._detect(text)
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
        if attribute != "insult":
            return []
        spans = [
            Span(m.start(), m.end(), m.group(), 1.0)
            for m in WORD.finditer(text)
            if m.group().lower() in INSULTS
        ]
        return spans[:top_k]

    def explain_thread(
        self,
        texts: Sequence[str],
        attribute: str,
        *,
        top_k: int = 5,
        article: ArticleContext | None = None,
        language: str | None = None,
    ) -> list[list[Span]]:
        return [self.explain(t, attribute, top_k=top_k, article=article) for t in texts]
