"""Which of OUR languages a comment the detector cannot place reads most like: char n-gram profiles.

Validation only (training/route_cv.py), not shipped: measured as a routing rule for the comments
``Detection.nearest`` leaves to the base model, and not adopted (docs/languages.md, "Measured, not
adopted": it lifts French but moves a Spanish Kaggle comment to the French model at every margin that
does, so English falls).

Among the languages that have models (English, the base, and the routed ones), whose training text
explains the comment's letters best? A multinomial naive Bayes over character 1-3-grams of the
comment's words (cleaned as the detector cleans, each word padded with a space at each end, so short
function words count as whole words), one distribution per language and n-gram length, uniform
priors. A language other than ``default`` wins only when its mean log-likelihood per n-gram beats the
default's by ``margin``; otherwise the comment stays on the base model.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# As the detector cleans (model/language.py): URLs, @mentions, '#', digits dropped, lower-cased.
_NOISE_RE = re.compile(r"https?://\S+|www\.\S+|@\w+|#|\d+")
_WORD_RE = re.compile(r"[^\W\d_]+")
MAX_CHARS = 480  # the detector reads 120 cleaned characters; a profile's few more cost nothing


def words(text: str) -> list[str]:
    """The comment's words, cleaned as the detector cleans."""
    return _WORD_RE.findall(_NOISE_RE.sub(" ", text[:MAX_CHARS]).lower())


def ngrams(text: str, low: int = 1, high: int = 3) -> Counter[str]:
    """The character ``low``-``high``-grams of the comment's words, each word padded with spaces."""
    counts: Counter[str] = Counter()
    for word in words(text):
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            counts.update(padded[i : i + n] for i in range(size - n + 1))
    return counts


@dataclass(frozen=True, slots=True)
class LanguageProfiles:
    """Per-language log-probabilities of character n-grams (see the module docstring)."""

    languages: tuple[str, ...]
    default: str
    margin: float
    vocabulary: Mapping[str, int]
    log_prob: np.ndarray  # len(languages) x len(vocabulary)
    low: int = 1
    high: int = 3

    @classmethod
    def fit(
        cls,
        texts: Mapping[str, Iterable[str]],
        default: str,
        margin: float,
        *,
        alpha: float = 0.5,
        min_count: int = 2,
        low: int = 1,
        high: int = 3,
    ) -> LanguageProfiles:
        """One distribution per language of ``texts`` (language -> its training texts); n-grams seen
        fewer than ``min_count`` times over all languages are dropped (a one-off name is no evidence)."""
        if default not in texts:
            raise ValueError(f"default language {default!r} has no texts")
        languages = tuple(sorted(texts))
        counts = {lang: Counter[str]() for lang in languages}
        for lang in languages:
            for text in texts[lang]:
                counts[lang].update(ngrams(text, low, high))
        total: Counter[str] = Counter()
        for c in counts.values():
            total.update(c)
        vocabulary = {g: j for j, g in enumerate(sorted(g for g, n in total.items() if n >= min_count))}
        matrix = np.full((len(languages), len(vocabulary)), alpha, dtype=np.float64)
        for k, lang in enumerate(languages):
            for g, n in counts[lang].items():
                j = vocabulary.get(g)
                if j is not None:
                    matrix[k, j] += n
        # Each n-gram length is its own distribution, so a language's 1-grams do not crowd its 3-grams.
        sizes = np.asarray([len(g) for g in vocabulary])
        log_prob = np.zeros_like(matrix)
        for n in range(low, high + 1):
            cols = sizes == n
            if cols.any():
                block = matrix[:, cols]
                log_prob[:, cols] = np.log(block / block.sum(axis=1, keepdims=True))
        return cls(languages, default, margin, vocabulary, log_prob.astype(np.float32), low, high)

    def evidence(self, text: str) -> tuple[np.ndarray, int]:
        """Each language's summed log-likelihood of the comment's known n-grams, and their count."""
        grams = ngrams(text, self.low, self.high)
        found = [(self.vocabulary[g], n) for g, n in grams.items() if g in self.vocabulary]
        if not found:
            return np.zeros(len(self.languages)), 0
        cols = np.asarray([j for j, _ in found])
        weights = np.asarray([n for _, n in found], dtype=np.float64)
        return self.log_prob[:, cols].astype(np.float64) @ weights, int(weights.sum())

    def language_of(self, text: str) -> str | None:
        """The language other than ``default`` whose profile beats the default's by ``margin`` per
        n-gram (the likeliest such), else None: the comment stays on the base model."""
        scores, n = self.evidence(text)
        if n == 0:
            return None
        mean = scores / n
        k = int(np.argmax(mean))
        best = self.languages[k]
        if best == self.default:
            return None
        return best if mean[k] - mean[self.languages.index(self.default)] >= self.margin else None

    def languages_of(self, texts: Sequence[str]) -> list[str | None]:
        return [self.language_of(t) for t in texts]
