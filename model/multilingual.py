"""One attribute, several languages: a base model plus one model per extra language.

``LanguageRoutedClassifier`` is what an attribute's joblib file holds when the attribute was trained
for more than one language. The Scorer gives it each comment's language (detected, or the request's):

- a comment in one of ``language_models``' languages is scored by that language's model;
- every other comment (the base language, an unsupported language, undetermined) by ``base``. The
  base model also serves the Scorer's shared chunk lookup (``chunk_rows`` / ``positive_proba_from_rows``
  delegate to it), so comments in the base language cost exactly what they cost before.

``languages`` lists what the attribute was trained for: ``base_language`` (None when the base model
is only a fallback, e.g. a pooled model for languages nobody labelled) plus the per-language keys. The
Scorer marks a comment's attribute unsupported when its language is not in the list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from core.records import Span
from model.features import LinearTextClassifier, TokenFeaturizer


class LanguageRoutedClassifier:
    """Routes each text to the model of its language (see the module docstring)."""

    def __init__(
        self, base: Any, language_models: Mapping[str, Any], base_language: str | None = "en"
    ) -> None:
        if base_language is not None and base_language in language_models:
            raise ValueError(f"{base_language!r} is both the base language and a routed language")
        self.base = base
        self.language_models = dict(language_models)
        self.base_language = base_language

    @property
    def languages(self) -> frozenset[str]:
        extra = {self.base_language} if self.base_language else set()
        return frozenset(self.language_models) | extra

    # -- the base model, as the Scorer's shared lookup uses it --------------------------------------
    @property
    def family(self) -> Any:
        """The base's text family (model/heads.py), so the Scorer still computes it once per batch."""
        return getattr(self.base, "family", None)

    @property
    def column(self) -> int:
        return int(self.base.column)

    def chunk_rows(self, chunks: list[str]) -> tuple[np.ndarray, Any]:
        rows: tuple[np.ndarray, Any] = self.base.chunk_rows(chunks)
        return rows

    def positive_proba_from_rows(self, rows: Any) -> np.ndarray:
        return np.asarray(self.base.positive_proba_from_rows(rows))

    # -- routing -----------------------------------------------------------------------------------
    def model_for(self, language: str | None) -> Any:
        return self.language_models.get(language or "", self.base)

    def language_proba(self, texts: Sequence[str], language: str) -> np.ndarray:
        """P(positive) of texts that are all in ``language`` (a routed one)."""
        return np.asarray(self.language_models[language].predict_proba(list(texts))[:, 1], dtype=np.float64)

    def predict_proba(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """Two columns like sklearn's; without ``languages`` every text goes to the base model."""
        texts = list(texts)
        p = np.asarray(self.base.predict_proba(texts)[:, 1], dtype=np.float64) if texts else np.zeros(0)
        if languages is not None:
            p = self.route(texts, languages, p)
        return np.column_stack([1.0 - p, p])

    def route(
        self, texts: Sequence[str], languages: Sequence[str | None], base_proba: np.ndarray
    ) -> np.ndarray:
        """``base_proba`` with the texts of routed languages rescored by their language's model (a new
        array when any is; ``base_proba`` itself, as float64, when none is)."""
        if self.language_models.keys().isdisjoint(languages):  # the common case, without a Python loop
            return np.asarray(base_proba, dtype=np.float64)
        routed: dict[str, list[int]] = {}
        for i, lang in enumerate(languages):
            if lang in self.language_models:  # most comments are in the base model's language
                routed.setdefault(lang, []).append(i)
        if not routed:
            return np.asarray(base_proba, dtype=np.float64)
        out = np.array(base_proba, dtype=np.float64, copy=True)
        for language, rows in routed.items():
            out[rows] = self.language_proba([texts[i] for i in rows], language)
        return out

    def explain(
        self, text: str, *, top_k: int = 5, language: str | None = None, **context: Any
    ) -> list[Span]:
        model = self.model_for(language)
        if not hasattr(model, "explain"):
            return []
        spans: list[Span] = model.explain(text, top_k=top_k, **context)
        return spans


# Arabic spelling variants folded to one letter (hamza-carrying alefs, taa marbuta, alef maqsura), as
# tweets write them interchangeably. One character for one, so span offsets stay those of the text.
FOLDS = {"arabic": str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})}


class FoldedTextClassifier(LinearTextClassifier):
    """A LinearTextClassifier that folds spelling variants (``FOLDS[fold]``) before featurising."""

    def __init__(
        self,
        featurizer: TokenFeaturizer | None = None,
        C: float = 4.0,
        max_iter: int = 2000,
        fold: str = "arabic",
    ) -> None:
        super().__init__(featurizer=featurizer, C=C, max_iter=max_iter)
        self.fold = fold

    def folded(self, texts: Sequence[str]) -> list[str]:
        table = FOLDS[self.fold]
        return [t.translate(table) for t in texts]

    def fit(self, texts: Sequence[str], y: Any, *args: Any, **kwargs: Any) -> FoldedTextClassifier:
        super().fit(self.folded(texts), y, *args, **kwargs)
        return self

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        return super().decision_function(self.folded(texts))

    def explain(self, text: str, *, top_k: int = 5, **context: Any) -> list[Span]:
        spans = super().explain(self.folded([text])[0], top_k=top_k, **context)
        return [Span(s.start, s.end, text[s.start : s.end], s.weight) for s in spans]
