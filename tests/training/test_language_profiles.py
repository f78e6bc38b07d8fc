"""Char n-gram language profiles and the routing harness's helpers (training/route_cv.py)."""

from __future__ import annotations

import numpy as np
import pytest

from training.language_profiles import LanguageProfiles, ngrams
from training.route_cv import masked, profile_route

TEXTS = {
    "en": ["the cat is on the table and it is happy", "you are the one who said that", "what is this thing"],
    "fr": ["le chat est sur la table et il est content", "tu es celui qui a dit que", "qu'est-ce que c'est"],
    "de": ["die Katze ist auf dem Tisch und sie ist froh", "du bist der, der das gesagt hat"],
}


def fitted(margin: float = 0.0) -> LanguageProfiles:
    return LanguageProfiles.fit(TEXTS, "en", margin, min_count=1)


def test_ngrams_read_cleaned_words_padded() -> None:
    grams = ngrams("@user Tu 42 http://x.fr")
    assert grams == {"t": 1, "u": 1, " t": 1, "tu": 1, "u ": 1, " tu": 1, "tu ": 1, " ": 2}


def test_a_language_other_than_the_default_wins_only_by_the_margin() -> None:
    profiles = fitted()
    assert profiles.language_of("le chat est content et il est sur la table") == "fr"
    assert profiles.language_of("die Katze ist froh") == "de"
    assert profiles.language_of("the thing is on the table") is None  # the default: stays on the base
    scores, n = profiles.evidence("le chat est content")
    mean = scores / n
    lead = mean[profiles.languages.index("fr")] - mean[profiles.languages.index("en")]
    assert lead > 0
    assert fitted(lead - 1e-9).language_of("le chat est content") == "fr"
    assert fitted(lead + 1e-9).language_of("le chat est content") is None


def test_no_known_ngram_gives_no_language() -> None:
    profiles = fitted()
    assert profiles.evidence("12345 @user") == (pytest.approx(np.zeros(3)), 0)
    assert profiles.language_of("12345 @user") is None
    assert profiles.language_of("") is None


def test_default_must_have_texts() -> None:
    with pytest.raises(ValueError, match="default"):
        LanguageProfiles.fit({"fr": ["le chat"]}, "en", 0.0)


def test_harness_route_is_the_profiles_rule() -> None:
    profiles = fitted()
    for text in ("le chat est content", "die Katze", "what is that", "tu es"):
        scores, n = profiles.evidence(text)
        for margin in (0.0, 0.2, 1.0):
            expected = LanguageProfiles(
                profiles.languages, "en", margin, profiles.vocabulary, profiles.log_prob
            ).language_of(text)
            assert profile_route((profiles.languages, scores / n), margin) == expected


def test_masked_removes_only_the_listed_words() -> None:
    assert masked("Tu es MONGOL, mongolie", frozenset({"mongol"})) == "Tu es  , mongolie"


def test_vocabulary_features_are_words_and_their_char_2_to_5_grams() -> None:
    from training.route_cv import vocabulary_features

    assert vocabulary_features("@user Tu!") == {"w:tu", " t", "tu", "u ", " tu", "tu ", " tu "}
    assert vocabulary_features("http://x.fr 42") == set()
