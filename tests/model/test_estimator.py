"""The model classes keep scikit-learn's estimator protocol without importing scikit-learn to score."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as SKLEARN_STOP_WORDS

from model.context import ContextOffTopic
from model.context_tokens import ENGLISH_STOP_WORDS
from model.features import LinearTextClassifier, TokenFeaturizer

ROOT = Path(__file__).resolve().parents[2]


def test_get_params_and_set_params_follow_sklearn() -> None:
    model = LinearTextClassifier(featurizer=TokenFeaturizer(min_df=3), C=2.0)
    params = model.get_params()
    assert params["C"] == 2.0 and params["featurizer__min_df"] == 3 and params["max_iter"] == 2000
    assert set(model.get_params(deep=False)) == {"featurizer", "C", "max_iter"}
    model.set_params(C=0.5, featurizer__ngram_max=4)
    assert (model.C, model.featurizer.ngram_max) == (0.5, 4)
    with pytest.raises(ValueError, match="invalid parameter 'gamma'"):
        model.set_params(gamma=1)


def test_sklearn_clone_copies_parameters_not_fitted_state() -> None:
    model = LinearTextClassifier(featurizer=TokenFeaturizer(min_df=1), C=1.0)
    model.fit(["you idiot", "nice article", "idiot moron", "thanks for this"], [1, 0, 1, 0])
    copy = clone(model)
    assert copy.get_params(deep=False).keys() == model.get_params(deep=False).keys()
    assert copy.C == 1.0 and copy.featurizer is not model.featurizer and copy.featurizer.min_df == 1
    assert not hasattr(copy, "coef_") and hasattr(model, "coef_")
    assert clone(ContextOffTopic(n_topics=4)).n_topics == 4


def test_repr_names_the_parameters() -> None:
    assert repr(TokenFeaturizer(min_df=7)).startswith("TokenFeaturizer(") and "min_df=7" in repr(
        TokenFeaturizer(min_df=7)
    )


def test_the_spelled_out_stop_words_are_sklearns() -> None:
    assert ENGLISH_STOP_WORDS == SKLEARN_STOP_WORDS


def test_loading_and_scoring_the_shipped_model_never_imports_sklearn() -> None:
    code = (
        "import sys\n"
        "from model.score import Scorer\n"
        "from service.settings import Settings\n"
        "s = Scorer.load(Settings().model_dir)\n"
        "s.score(['you are an idiot', 'great article'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_sklearns_tools_take_the_classifier() -> None:
    from sklearn.base import is_classifier
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.utils.validation import check_is_fitted

    texts = ["you idiot", "nice article", "idiot moron", "thanks for this", "moron fool", "good point"] * 3
    y = [1, 0, 1, 0, 1, 0] * 3
    model = LinearTextClassifier(featurizer=TokenFeaturizer(min_df=1), C=1.0)
    assert is_classifier(model)
    assert len(cross_val_score(model, texts, y, cv=3, scoring="roc_auc")) == 3
    assert len(cross_val_score(model, texts, y, cv=3)) == 3  # accuracy, ClassifierMixin's score
    search = GridSearchCV(model, {"C": [0.5, 2.0]}, cv=3, scoring="roc_auc").fit(texts, y)
    assert search.best_params_["C"] in (0.5, 2.0)
    check_is_fitted(search.best_estimator_)
