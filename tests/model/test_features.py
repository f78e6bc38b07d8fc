"""The fast per-token scorer reproduces the sparse-matrix model exactly, and spans map to the text."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.features import TOKEN_RE, LinearTextClassifier, normalize_token
from model.tokens import token_spans

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
    from model.token_memo import GrowingRows

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


@given(st.lists(st.integers(min_value=0, max_value=2**40), max_size=400, unique=True), st.data())
@settings(max_examples=200, deadline=None)
def test_hash_table_finds_every_key_and_no_other(keys: list[int], data: st.DataObject) -> None:
    from model.token_memo import SMALL_LOOKUP, IntHashTable

    arr = np.asarray(keys, dtype=np.int64)
    table = IntHashTable(arr)
    table.sorted_keys = None  # exercise the probe loop even for small lookups
    assert np.array_equal(table.lookup(arr), np.arange(len(arr)))
    others = data.draw(st.lists(st.integers(min_value=0, max_value=2**40), max_size=SMALL_LOOKUP + 10))
    probe = np.asarray(others, dtype=np.int64)
    expected = [keys.index(k) if k in keys else -1 for k in others]
    assert table.lookup(probe).tolist() == expected


def test_a_pickled_model_keeps_its_vocabulary_and_scores(small_model: LinearTextClassifier) -> None:
    import pickle

    from model.features import PackedIndex, ordered_keys

    f = small_model.featurizer_
    state = f.__getstate__()
    assert isinstance(state["word_index_"], PackedIndex) and isinstance(state["gram_index_"], PackedIndex)
    again = pickle.loads(pickle.dumps(small_model))
    g = again.fast_.featurizer
    assert g.word_index_ == f.word_index_ and list(g.word_index_) == list(f.word_index_)
    assert g.gram_index_ == f.gram_index_
    assert ordered_keys(g.word_index_) == sorted(f.word_index_, key=f.word_index_.__getitem__)
    texts = ["you are a pathetic idiot", "thank you for the detailed report", "zzqx unseen wordz"]
    np.testing.assert_array_equal(again.predict_proba(texts), small_model.predict_proba(texts))


def test_packed_index_round_trips_and_refuses_a_separator() -> None:
    from model.features import PackedIndex, ordered_keys, pack_index

    index = {"b": 1, "a": 0, "": 2}
    packed = pack_index(index)
    assert isinstance(packed, PackedIndex) and packed.unpack() == index
    assert ordered_keys(index) == ["a", "b", ""]
    assert pack_index({"a\x00b": 0}) == {"a\x00b": 0}  # left as a dict, never split wrongly
    assert PackedIndex("", np.empty(0, dtype=np.int64)).unpack() == {}
    with pytest.raises(ValueError, match="2 keys for 3 values"):
        PackedIndex("a\x00b", np.arange(3)).unpack()


@given(st.lists(st.text(min_size=1, max_size=35), min_size=1, max_size=30))
@settings(max_examples=300, deadline=None)
def test_compiled_ngram_lookup_equals_the_python_one(
    small_model: LinearTextClassifier, raw: list[str]
) -> None:
    f = small_model.featurizer_
    vocab = list(f.gram_index_)[:: max(1, len(f.gram_index_) // 50)]  # real n-grams, so hits happen
    types = [normalize_token(t) for t in raw] + [g.strip() or g for g in vocab[:10]] + ["日本語", "😀x"]
    fast, slow = f.type_table(types), f.type_table(types, compiled=False)
    assert fast.nnz == slow.nnz and fast.nnz > 0
    assert (fast != slow).nnz == 0


def test_compiled_ngram_table_follows_a_refit(kaggle_small: Labeled) -> None:
    from model.features import TokenFeaturizer

    texts, _ = kaggle_small
    f = TokenFeaturizer(ngram_min=1, ngram_max=4).fit(texts[:200])
    first = f.type_table(["idiot"])
    f.fit(texts[200:400])
    again = f.type_table(["idiot"])
    assert (again != f.type_table(["idiot"], compiled=False)).nnz == 0
    assert first.shape != again.shape or (first != again).nnz > 0  # a new vocabulary, a new table


def test_unseen_keeps_first_seen_order_and_tests_only_misses() -> None:
    from model.chunks import unseen

    keys = ["a", "b", "a", "c", "d", "c", "e"]
    index = {"b": 0, "e": 1}
    assert unseen(keys, [k not in index for k in keys], index) == ["a", "c", "d"]
    # a key missed by the earlier lookup but added since is left out; keys not marked are not tested
    assert unseen(keys, [True, False, True, True, False, True, False], {"c": 2}) == ["a"]


def test_ngram_table_ends_a_position_early_only_when_the_vocabulary_allows_it(
    small_model: LinearTextClassifier,
) -> None:
    """A fitted vocabulary is prefix-closed (an n-gram's document frequency is at most its prefix's),
    so the compiled lookup stops at a position's first missing n-gram; a vocabulary with an n-gram
    whose prefix is missing keeps every lookup, and both equal the Python path."""
    from model.gram_kernel import GramTable

    assert small_model.featurizer_._gram_table().closed
    grams = {"ab": 0, "abc": 1, "xyz": 2, " x": 3, "z ": 4}  # "xyz" without "xy"
    table = GramTable(grams, 2, 3)
    assert not table.closed
    rows, feats, skipped = table.hits(["xyz", "abc", "q"])
    assert sorted(zip(rows.tolist(), feats.tolist(), strict=True)) == [(0, 2), (0, 3), (0, 4), (1, 0), (1, 1)]
    assert not skipped.any()
    closed = GramTable({**grams, "xy": 5}, 2, 3)
    assert closed.closed
    rows, feats, _ = closed.hits(["xyz"])
    assert sorted(feats.tolist()) == [2, 3, 4, 5]


def test_ngram_table_without_its_shortest_length_probes_every_length() -> None:
    """A vocabulary with no n-gram of the shortest length looked up is not prefix-closed for the
    lookup: ending a position at its missing shortest n-gram would lose the longer ones."""
    from model.gram_kernel import GramTable

    table = GramTable({"abc": 0, " ab": 1}, 2, 3)
    assert not table.closed
    _, feats, _ = table.hits(["abc"])
    assert sorted(feats.tolist()) == [0, 1]
