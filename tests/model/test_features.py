"""The fast per-token scorer reproduces the sparse-matrix model exactly, and spans map to the text."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.features import TOKEN_RE, LinearTextClassifier, normalize_token, token_spans

Labeled = tuple[list[str], np.ndarray]


@given(st.text(min_size=1, max_size=40))
@settings(max_examples=300, deadline=None)
def test_normalisation_is_a_fixed_point(text: str) -> None:
    for token in TOKEN_RE.findall(text):
        key = normalize_token(token)
        assert normalize_token(key) == key


def test_fast_path_matches_reference_on_real_comments(
    small_model: LinearTextClassifier, kaggle_small: Labeled
) -> None:
    texts = [*kaggle_small[0][:400], "", "!!!", "ÜBER-STUPID idiot 100000", "x" * 500]
    fast = small_model.decision_function(texts)
    ref = small_model.reference_decision(texts)
    np.testing.assert_allclose(fast, ref, rtol=1e-9, atol=1e-9)


@given(st.lists(st.text(max_size=60), min_size=1, max_size=8))
@settings(max_examples=50, deadline=None)
def test_fast_path_matches_reference_on_any_text(small_model: LinearTextClassifier, texts: list[str]) -> None:
    np.testing.assert_allclose(
        small_model.decision_function(texts), small_model.reference_decision(texts), rtol=1e-9, atol=1e-9
    )


def test_contributions_sum_to_the_decision(small_model: LinearTextClassifier, kaggle_small: Labeled) -> None:
    for text in kaggle_small[0][:50]:
        total = sum(c.weight for c in small_model.fast_.contributions(text))
        assert total + small_model.intercept_ == pytest.approx(small_model.decision_function([text])[0])


@pytest.mark.parametrize(
    "text",
    ["You are an IDIOT and a moron!!!", "Straße İstanbul: you STUUUUPID fool", "ok\u00a0you   idiot\n\nbye"],
)
def test_explain_spans_index_the_original_text(small_model: LinearTextClassifier, text: str) -> None:
    spans = small_model.explain(text, top_k=3)
    assert spans, "an insulting comment must have at least one positive span"
    assert [s.weight for s in spans] == sorted((s.weight for s in spans), reverse=True)
    for span in spans:
        assert span.weight > 0
        assert text[span.start : span.end] == span.text
    starts = {s for s, _, _ in token_spans(text)}
    assert all(span.start in starts for span in spans)


def test_insult_scores_above_neutral(small_model: LinearTextClassifier) -> None:
    p = small_model.predict_proba(["you are a pathetic idiot", "thank you for the detailed report"])[:, 1]
    assert p[0] > 0.5 > p[1]


def test_memo_tables_stay_bounded_and_exact(small_model: LinearTextClassifier) -> None:
    fast = small_model.fast_
    fast.max_cache_entries, fast.max_cache_chars = 50, 5_000  # instance override of the class limits
    try:
        texts = [f"you idiot{i} {'z' * (i % 300)}{i} ok" for i in range(400)]
        for start in range(0, 400, 20):
            batch = texts[start : start + 20]
            np.testing.assert_allclose(
                fast.decision_function(batch), small_model.reference_decision(batch), rtol=1e-9, atol=1e-9
            )
        assert len(fast._chunks.index) <= 50 + 60 and fast._chunks.chars <= 5_000 + 20 * 320
    finally:
        del fast.max_cache_entries, fast.max_cache_chars


def test_growing_rows_double_into_new_arrays_and_never_touch_the_base() -> None:
    from model.features import GrowingRows

    base = np.arange(6, dtype=np.float64).reshape(3, 2)
    rows = GrowingRows(base)
    first = rows.extend(np.array([[10.0, 11.0]]))
    assert first is not base and len(first) == 6 and rows.n == 4  # doubled
    assert np.array_equal(base, np.arange(6).reshape(3, 2))
    second = rows.extend(np.array([[12.0, 13.0], [14.0, 15.0]]))
    assert second is first  # room left: filled in place, earlier rows untouched
    third = rows.extend(np.ones((3, 2)))
    assert third is not second and rows.n == 9 and len(third) == 12
    assert np.array_equal(third[:6], np.vstack([base, [[10, 11], [12, 13], [14, 15]]]))
    assert np.array_equal(second[:6], third[:6])  # a reader of the older array still sees valid rows
