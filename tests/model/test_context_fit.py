"""Fitting pieces of the off-topic model that need no corpus: the forum-meta cue and the per-article
indicator columns of the human rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from model.context_fit import article_effects, fit_with_effects
from model.context_tokens import is_meta_word, tokenize_docs


@pytest.mark.parametrize(
    "text",
    [
        "Die Zensur hier im Forum ist lächerlich",
        "mein Posting wurde gelöscht",
        "liebe Redaktion, warum wird das nicht freigeschaltet?",
        "the moderators deleted my comment again",
        "don't feed the trolls",
    ],
)
def test_forum_talk_has_a_meta_word_in_both_languages(text):
    assert any(is_meta_word(t) for t in tokenize_docs([text])[0])


@pytest.mark.parametrize(
    "text",
    [
        "Die Regierung hat das Budget beschlossen",
        "the standard model of the trolley problem",
        "a posterior estimate in modern fashion",
        "forensic evidence was presented",
    ],
)
def test_ordinary_words_are_not_meta_words(text):
    assert not any(is_meta_word(t) for t in tokenize_docs([text])[0])


def _articles(rng: np.random.Generator, n_articles: int = 40, per: int = 60):
    """Rows of articles whose off-topic share differs widely; ``a`` is an article-level trait that
    tracks that share (like an article's typical comment length) and says nothing within an article;
    ``b`` ranks comments within every article."""
    rate = rng.uniform(-3.0, 1.0, n_articles)
    group = np.repeat(np.arange(n_articles), per)
    a = rate[group] + rng.normal(0, 1.0, n_articles)[group]
    b = rng.normal(0, 1, len(group))
    y = (rng.random(len(group)) < 1 / (1 + np.exp(-(rate[group] + 1.0 * b)))).astype(float)
    return np.column_stack([a, b]), y, group


def test_article_indicators_take_the_base_rate_off_article_level_features():
    x, y, group = _articles(np.random.default_rng(0))
    data = {"y": y, "human": np.ones(len(y), bool), "group": group.astype(str)}
    effects = article_effects(data)
    assert effects is not None and effects.shape == (len(y), 40)
    plain, _ = fit_with_effects(LogisticRegression(C=0.1), x, y, np.ones(len(y)), None)
    within, _ = fit_with_effects(LogisticRegression(C=0.1), x, y, np.ones(len(y)), effects)
    assert within.shape == (2,)  # the indicator columns are dropped
    assert plain[0] > 0.3  # without them the article trait stands in for the base rate
    # L2 splits a base rate between the trait and the indicators: they take a good part, not all
    assert abs(within[0]) < 0.75 * plain[0]
    assert within[1] > plain[1] > 0.7  # the within-article signal is kept, and gains


def test_only_human_rows_get_article_indicators():
    data = {
        "y": np.array([0.0, 1.0, 0.0, 1.0]),
        "human": np.array([False, True, True, False]),
        "group": np.array(["s:1", "o:1", "o:2", "s:2"]),
    }
    effects = article_effects(data)
    assert effects is not None
    assert (effects.toarray() > 0).astype(int).tolist() == [[0, 0], [1, 0], [0, 1], [0, 0]]
    data["human"] = np.zeros(4, bool)
    assert article_effects(data) is None


def test_a_model_trained_on_other_context_features_refuses_to_load():
    import pickle

    from core.errors import ModelError
    from model.context import ContextOffTopic
    from model.kernels import DENSE_FEATURES

    model = ContextOffTopic()
    model.coef_dense_ = np.zeros(len(DENSE_FEATURES))
    assert pickle.loads(pickle.dumps(model)).coef_dense_.shape == (len(DENSE_FEATURES),)
    model.coef_dense_ = np.zeros(len(DENSE_FEATURES) - 2)  # an artifact from before a feature was added
    with pytest.raises(ModelError, match="retrain"):
        pickle.loads(pickle.dumps(model))
