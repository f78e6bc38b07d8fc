"""The multi-attribute text family: one featuriser, one chunk lookup, K heads (model/heads.py)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from model.artifact import load_artifact, save_artifact
from model.features import TokenFeaturizer
from model.heads import MultiHeadText
from model.score import Scorer
from training import corpora as C


@pytest.fixture(scope="module")
def family(data_dir: Path) -> MultiHeadText:
    """Two heads fitted on real Kaggle rows: insult, and a second head on a different label (length)."""
    from sklearn.linear_model import LogisticRegression

    corpus = C.load_kaggle(data_dir / C.KAGGLE_DIR / "train.csv")
    texts, y = list(corpus.texts[:1200]), np.asarray(corpus.labels[:1200])
    featurizer = TokenFeaturizer(bigram_weight=1.5, char_weight=0.7).fit(texts)
    X = featurizer.transform(texts)
    long_ = np.asarray([len(t) > 120 for t in texts], dtype=int)
    coefs, intercepts = [], []
    for labels in (y, long_):
        lr = LogisticRegression(C=2.0, solver="liblinear", dual=True, max_iter=2000).fit(X, labels)
        coefs.append(lr.coef_.ravel())
        intercepts.append(lr.intercept_[0])
    calibration = np.asarray([[1.0, 0.0, 0.0], [0.8, 0.5, -1.0]])
    return MultiHeadText(
        featurizer, ["insult", "long"], np.column_stack(coefs), np.asarray(intercepts), calibration
    )


TEXTS = [
    "You are a worthless idiot!!",
    "Thanks, this explains the budget well.",
    "",
    "   ",
    "a\u2003b\u00a0c stupid",
    "what a moron, you clown",
    "x" * 3000,
    "Sh*t happens. I disagree with the author.",
    "you are an i d i o t!!(a b c d!e f g h) x y z",  # spaced-out words: one chunk with their neighbours
]


def test_fast_path_equals_the_sparse_reference(family: MultiHeadText) -> None:
    fast, _ = family.decision_all(TEXTS)
    reference = family.reference_decision(TEXTS)
    assert fast.shape == (len(TEXTS), 2)
    assert np.allclose(fast, reference, atol=1e-9)


def test_every_head_in_one_pass_equals_each_head_alone(family: MultiHeadText) -> None:
    p = family.predict_proba_all(TEXTS)
    for k, name in enumerate(family.names):
        alone = family.head(name).predict_proba(TEXTS)[:, 1]
        assert np.allclose(p[:, k], alone, atol=1e-12)
    batch = family.predict_proba_all(TEXTS)
    single = np.vstack([family.predict_proba_all([t]) for t in TEXTS])
    assert np.allclose(batch, single, atol=1e-12)
    assert p[0, 0] > p[1, 0]  # the insult head tells an insult from thanks


def test_length_term_enters_only_the_head_calibrated_on_it(family: MultiHeadText) -> None:
    d, ntok = family.decision_all(["one two three four five six"])
    assert ntok[0] == 6
    p = family.calibrate(d, ntok)
    expected = 1 / (1 + np.exp(-(0.8 * d[0, 1] + 0.5 * np.log1p(6) - 1.0)))
    assert p[0, 1] == pytest.approx(expected)
    assert p[0, 0] == pytest.approx(1 / (1 + np.exp(-d[0, 0])))


def test_calibration_is_bit_identical_to_its_formula_and_survives_pickling(family: MultiHeadText) -> None:
    """calibrate folds the formula's minus into its coefficients (two numpy calls fewer per call): the
    same numbers, bit for bit, also after unpickling (the folded coefficients are rebuilt at load)."""
    rng = np.random.default_rng(15)
    a, c, b = family.calibration[:, 0], family.calibration[:, 1], family.calibration[:, 2]
    for n in (1, 3, 257):
        d = rng.normal(scale=4.0, size=(n, 2))
        ntok = rng.integers(0, 400, size=n).astype(np.float64)
        expected = 1.0 / (1.0 + np.exp(-(d * a + np.log1p(ntok)[:, None] * c + b)))
        for model in (family, pickle.loads(pickle.dumps(family))):
            assert np.array_equal(model.calibrate(d, ntok), expected)


def test_explanations_are_spans_per_head(family: MultiHeadText) -> None:
    text = "Great article. But you, sir, are a complete IDIOT."
    spans = family.head("insult").explain(text, top_k=3)
    assert spans and all(text[s.start : s.end] == s.text for s in spans)
    assert any("idiot" in s.text.lower() for s in spans)
    assert family.explain(text, "long", top_k=3) != spans  # another head, other weights
    with pytest.raises(KeyError):
        family.head("nope")


def test_pickle_keeps_the_numbers_and_drops_the_caches(family: MultiHeadText) -> None:
    family.predict_proba_all(["a warm cache entry"])
    clone = pickle.loads(pickle.dumps(family))
    assert clone._chunks.size == 0
    assert np.allclose(clone.predict_proba_all(TEXTS), family.predict_proba_all(TEXTS), atol=1e-12)


def test_artifact_stores_a_family_once_and_the_scorer_looks_chunks_up_once(
    family: MultiHeadText, tmp_path: Path
) -> None:
    out = tmp_path / "artifact"
    entries = {
        n: {"interface": "predict_proba", "file": "text.joblib", "head": n, "threshold": 0.5}
        for n in family.names
    }
    manifest = save_artifact(out, {n: family for n in family.names}, {}, entries)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "text.joblib"]
    assert len({e["sha256"] for e in manifest["attributes"].values()}) == 1
    _, models = load_artifact(out)
    assert models["insult"].family is models["long"].family  # unpickled once
    scorer = Scorer.load(out)
    assert scorer._shared is not None and len(scorer._shared.models) == 1
    scores = scorer.score(TEXTS)
    expected = family.predict_proba_all(TEXTS)
    for k, name in enumerate(family.names):
        assert [s[name] for s in scores] == pytest.approx(expected[:, k].tolist(), abs=1e-12)
    (out / "text.joblib").write_bytes(b"tampered")
    from core.errors import ModelError

    with pytest.raises(ModelError, match="sha256"):
        load_artifact(out)


def test_compiled_decisions_equal_the_numpy_reference(family: MultiHeadText, data_dir: Path) -> None:
    corpus = C.load_kaggle(data_dir / C.KAGGLE_DIR / "train.csv")
    texts = [*TEXTS, *corpus.texts[2000:2300], "— — —", "idiot — moron", "you — idiot"]
    for size in (1, 3, 50, len(texts)):
        for i in range(0, len(texts), size):
            rows = family.split(texts[i : i + size])
            fast, ntok = family.decisions_from_rows(rows)
            slow, ntok_ref = family.decisions_from_rows_numpy(rows)
            np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)
            np.testing.assert_array_equal(ntok, ntok_ref)
    both, _ = family.decisions_from_rows(family.split(["you stupid idiot", "you stupid idiot"]))
    assert np.array_equal(both[0], both[1]) and not np.allclose(both[0], family.intercept)


def _new_chunk_terms(model, texts: list[str], compiled: bool) -> list[tuple[np.ndarray, ...]]:
    """Terms of every batch of never-seen chunks of ``texts`` (20-text batches), from fresh memos."""
    from model.token_memo import chunk_terms, chunk_terms_numpy

    model = pickle.loads(pickle.dumps(model))  # fresh token memo
    terms = chunk_terms if compiled else chunk_terms_numpy
    seen: set[str] = set()
    out = []
    for start in range(0, len(texts), 20):
        new = [
            c for c in dict.fromkeys(c for t in texts[start : start + 20] for c in t.split()) if c not in seen
        ]
        seen.update(new)
        tokens = model._tokens
        out.append(
            terms(
                new, tokens, model._lock, model._bigram_table, model.n_words, model.bigram_s, model.bigram_q
            )
        )
    return out


@pytest.mark.parametrize("layout", ["family", "single"])
def test_compiled_chunk_terms_equal_the_numpy_reference(
    family: MultiHeadText, small_model, kaggle_small, layout: str
) -> None:
    """New chunks' terms from one compiled pass equal the numpy reference bit for bit, for a family
    (K-vectors) and a single linear model (scalars, bigram sums added apart)."""
    model = family if layout == "family" else small_model.fast_
    texts = [*TEXTS, *kaggle_small[0][-600:], "idiot idiot you idiot", "!!! ??"]
    compiled, reference = _new_chunk_terms(model, texts, True), _new_chunk_terms(model, texts, False)
    assert sum(len(c[0]) for c in compiled) > 1000
    for got, want in zip(compiled, reference, strict=True):
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("layout", ["family", "single"])
def test_compiled_type_terms_equal_the_numpy_reference(
    family: MultiHeadText, small_model, kaggle_small, layout: str
) -> None:
    """New tokens' score and norm terms from the compiled pass equal ``np.unique`` + ``np.add.reduceat``
    bit for bit (numpy's pairwise order is reproduced), in batches, long tokens and CJK ones included."""
    from model.features import TOKEN_RE, normalize_token

    featurizer = family.featurizer if layout == "family" else small_model.featurizer_
    coef = family._coef64 if layout == "family" else small_model.fast_.coef
    texts = [*kaggle_small[0][:800], "x" * 40, "abcdefghij" * 3, "漢字 テスト", "idiot!!!"]
    types = list(dict.fromkeys(normalize_token(t) for text in texts for t in TOKEN_RE.findall(text)))
    assert len(types) > 2000
    for start in range(0, len(types), 37):
        batch = types[start : start + 37]
        got, want = featurizer.type_terms(batch, coef), featurizer.type_terms_numpy(batch, coef)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)


def test_compiled_segment_sum_adds_in_numpys_order() -> None:
    """``numpy_segment_sum`` equals ``np.add.reduceat`` bit for bit at every length it serves (the
    pairwise block's eight accumulators, its tail and the one split level)."""
    from model.family_kernel import numpy_segment_sum

    rng = np.random.default_rng(7)
    for n in (*range(300), 511, 1000, 1029):
        values = rng.standard_normal(n + 3) * 10.0 ** rng.integers(-8, 8, n + 3)
        want = np.add.reduceat(values[1 : n + 1], [0])[0] if n else 0.0
        assert numpy_segment_sum(values, 1, n + 1) == want, n


def test_term_rows_are_cache_aligned_and_small_sorts_match_numpy(family: MultiHeadText) -> None:
    """The featuriser's weight + coefficient rows start on a cache line and hold exactly the weights
    and coefficients; the compiled pass's insertion sort orders as ``np.sort`` does, short or long."""
    from model.family_kernel import CACHE_LINE, SMALL_SORT, sort_small

    f = family.featurizer
    rows = f.term_rows(family._coef64)
    assert rows.ctypes.data % CACHE_LINE == 0 and rows.shape == (f.n_features_, len(family.names) + 1)
    np.testing.assert_array_equal(rows[:, 0], f.feature_weights_)
    np.testing.assert_array_equal(rows[:, 1:], family._coef64)
    single = f.term_rows(family._coef64[:, 0])
    assert single.ctypes.data % CACHE_LINE == 0 and single.shape == (f.n_features_, 2)
    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 7, 30, SMALL_SORT, SMALL_SORT + 1, 300):
        values = rng.integers(0, 40, n).astype(np.int64)
        got = values.copy()
        sort_small(got)
        np.testing.assert_array_equal(got, np.sort(values))


@pytest.mark.parametrize("layout", ["family", "single"])
def test_chunk_rows_are_the_index_rows_new_seen_or_repeated(
    family: MultiHeadText, small_model, layout: str
) -> None:
    """All-new distinct chunks (the Scorer's shared lookup sends only those) take their rows in order
    without a second lookup; a batch mixing seen, new and repeated chunks looks its rows up."""
    model = pickle.loads(pickle.dumps(family if layout == "family" else small_model.fast_))
    lookup = model.chunk_rows
    for chunks in (
        ["alpha", "beta,", "you idiot!!"],
        ["beta,", "delta", "delta", "alpha"],
        ["x", "y"],
        ["x"],
    ):
        ids, table = lookup(chunks)
        assert ids.dtype == np.int64
        assert ids.tolist() == [table.index[c] for c in chunks]
    assert len(table.index) == table.size == 6


class _CountingIndex(dict[str, int]):
    """A chunk index that counts the probes of chunks known to be in it."""

    probes = 0

    def __getitem__(self, key: str) -> int:
        self.probes += 1
        return super().__getitem__(key)


@pytest.mark.parametrize("layout", ["family", "single"])
def test_chunk_rows_probe_again_only_the_missed_chunks(
    family: MultiHeadText, small_model, layout: str
) -> None:
    """A slice of the text family's stream finds ~85 % of its chunks at the first probe: after adding
    the new ones, only the missed chunks are looked up again (every chunk was: ~4 us a comment of the
    ~37 of insult alone), and a memo started afresh meanwhile has every row looked up in the new table."""
    model = pickle.loads(pickle.dumps(family if layout == "family" else small_model.fast_))
    lookup = model.chunk_rows
    _, table = lookup(["alpha", "beta,", "you idiot!!"])
    table.index = counting = _CountingIndex(table.index)
    chunks = ["beta,", "gamma", "alpha", "gamma", "you idiot!!", "delta"]
    ids, same = lookup(chunks)
    assert same is table
    assert ids.tolist() == [table.index[c] for c in chunks] == [1, 3, 0, 3, 2, 4]
    assert counting.probes == 3 + len(chunks)  # the three missed, then the check above
    model.max_cache_entries = 4  # the memo is full: the next miss starts it afresh
    chunks = ["alpha", "epsilon", "gamma", "alpha"]
    ids, fresh = lookup(chunks)
    assert fresh is not table
    assert ids.tolist() == [fresh.index[c] for c in chunks] == [0, 1, 2, 0]


def test_token_ids_share_a_row_per_spelling_and_rows_hold_their_terms(family: MultiHeadText) -> None:
    """New spellings get ids by normalised token (new ones next, in first-seen order), and each id's row
    holds that token's terms; a vocabulary word keeps its word id."""
    from model.features import normalize_token

    model = pickle.loads(pickle.dumps(family))
    tokens = model._tokens
    raw = ["Zqxv", "ZQXV", "zqxvvvv", "the", "Blorp9", "zqxv", "blorp1", "Ünïq", "the", "emoji😀"]
    first = len(tokens.q)
    ids = tokens.ids(raw, model._lock).tolist()
    norms = [normalize_token(t) for t in raw]
    order = list(dict.fromkeys(n for n in norms if n not in model.featurizer.word_index_))
    assert ids[3] == ids[8] == model.featurizer.word_index_["the"]
    assert [ids[norms.index(n)] for n in order] == list(range(first, first + len(order)))
    assert ids[0] == ids[1] == ids[5] != ids[2] and ids[4] == ids[6]  # "zqxvvvv" -> "zqxvv"
    new = [i for i, n in enumerate(norms) if n in order]  # a word's row comes from the sparse product
    want_s, want_q = model.featurizer.type_terms_numpy([norms[i] for i in new], model._coef64)
    np.testing.assert_array_equal(tokens.s[[ids[i] for i in new]], want_s)
    np.testing.assert_array_equal(tokens.q[[ids[i] for i in new]], want_q)


MIXED = [
    "@USER @USER Anna-Lena Øberg and José Ñúñez wrote 3,141 replies at https://example.org/a?b=1&c=2 lol",
    "Ｆｕｌｌｗｉｄｔｈ ｉｄｉｏｔ, naïve café façade, İstanbul ǅemal ﬁne STUUUUPID 1000000x",
    "你这个白痴 バカ野郎 바보 😀😡🤬 idiot👍 #hashtag www.spam.biz/buy-now 2024-12-05 12:30",
    "ﺍﻟﻠﻪ كَلْبٌ кретин Дурак Schweinehund Arsch\u200bloch Ævar Ðiðrik o\u0308 sh*t f**k it’s",
    "x" * 45 + " " + "ab1" * 20 + " '''quoted''' !!!??? ...!!! (you) [moron] {clown} <dumb>",
]


def test_new_chunk_path_equals_the_python_reference_on_a_mixed_stream(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shipped family, fed a distinct stream 20 comments at a time as the Scorer feeds it (corpus
    comments with names, URLs and @USER, plus emoji, CJK, accents, digits and long tokens), gives every
    head the decision of the plain sparse path with every n-gram found in Python."""
    import model

    scorer = Scorer.load(Path(model.__file__).parent / "default")
    family = next(f for m in scorer.models.values() if (f := getattr(m, "family", None)) is not None)
    olid = C.load_olid(data_dir / C.OLID_DIR / "olid-training-v1.0.tsv").texts
    kaggle = C.load_kaggle(data_dir / C.KAGGLE_DIR / "train.csv").texts
    texts = [*MIXED, *olid[:300], *kaggle[3000:3300], *MIXED[::-1]]
    fast = np.vstack(
        [family.decisions_from_rows(family.split(texts[i : i + 20]))[0] for i in range(0, len(texts), 20)]
    )
    monkeypatch.setattr(family.featurizer, "_gram_table", lambda: None)  # the Python n-gram lookup
    np.testing.assert_allclose(fast, family.reference_decision(texts), rtol=0, atol=1e-9)
