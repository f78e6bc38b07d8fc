"""ContextOffTopic: context kinds, leave-one-out thread features, explanations, and the seed thread.

Small models are fitted on real C3 threads; the seed-thread test uses the real trained model (the
shipped artifact's off_topic when it has one, else one trained on the training split here).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from model.context import DENSE_FEATURES, ContextOffTopic, ThreadExample, context_kind
from service.records import ArticleContext
from training.offtopic import (
    build_training_threads,
    load_c3_threads,
    load_page_threads,
    split_articles,
    swap_threads,
)

REPO = Path(__file__).resolve().parents[2]
SEED_000 = REPO / "seeds" / "000_c9b04fa1e4a574b0.txt"

# The first seed's 14 comments, labelled as a moderator would for "off-topic under this article"
# (Putin offering a recording of the Lavrov-Trump exchange). None = not judged (arguable either way).
SEED_000_LABELS: dict[str, int | None] = {
    "so why was the conversation taped?": 0,
    "lulz @flamethrower the archivist": 1,
    "flamethrower, so when your supreme leader in Iran meets with other leaders his conversations are "
    "taped?": None,
    "Spot on Justin, you beat me to it.": None,
    "of course you are flamethrower:)": 1,
    "tak tak tak, qui est là? c'est moi Takiya aka Flame-Moa-thern!": 1,
    "what are you, the forum's idiot?": 1,
    "You are not allowed to tape record any president's conversation let alone the president of the "
    "United States. You are allowed to take notes but no tape recordings.": 0,
    "Correct Justin, but phone conversations are taped (watergate). Otherwise what happens physically "
    "is only written.": 0,
    "stfu you lowlife ignorant scumbag.": 1,
    "Ambassador Sergey Kislyak was doing the recording while Sergei Lavrov was holding up a lit lighter, "
    "rock n roll!": 0,
    "Lying is not an impeachable offense, lying to congress or under oath are. Also it is the within the "
    "president's prerogatives to declassify file. Now, Trump is still in danger of being impeached if the "
    "NYT report about telling the FBI director to drop the Michael Flynn investigation is true.": None,
    "Love him or hate him, you gotta give it to Vladik - he's a master troll.": None,
    "they did not provide it because thugs like you flamethrower and your nassrallah kept attacking saudi "
    "arabia and chanting death to al saud.": 1,
}


@pytest.fixture(scope="module")
def c3(data_dir: Path):
    return split_articles(load_c3_threads(data_dir))


@pytest.fixture(scope="module")
def small_model(c3) -> ContextOffTopic:
    """Fitted on 120 real C3 training articles: enough to learn, fast enough for a unit test."""
    train, _ = c3
    subset = {a: train[a] for a in sorted(train)[:120]}
    return ContextOffTopic(Cs=(0.1,), cv_folds=2).fit(build_training_threads(subset, seed=3))


@pytest.fixture(scope="module")
def trained_model(data_dir: Path, articles_dir: Path) -> ContextOffTopic:
    """The real off_topic model: the shipped one if the artifact carries it, else trained here."""
    manifest = REPO / "model" / "default" / "manifest.json"
    if manifest.is_file() and '"off_topic"' in manifest.read_text(encoding="utf-8"):
        from model.artifact import load_artifact

        _, models = load_artifact(REPO / "model" / "default")
        model = models["off_topic"]
        assert isinstance(model, ContextOffTopic)
        return model
    from training.offtopic import train_off_topic

    model, _ = train_off_topic(data_dir, articles_dir)
    return model


@pytest.fixture(scope="module")
def seed_thread() -> tuple[list[str], ArticleContext]:
    from service.parse import parse_file

    article = parse_file(SEED_000)
    texts = [c.text.strip() for c in article.comments]
    assert article.title and "Lavrov" in article.title
    return texts, ArticleContext(title=article.title, body=article.body)


# ---------------------------------------------------------------------- context kinds
@pytest.mark.parametrize(
    ("article", "n", "use_thread", "kind"),
    [
        (ArticleContext("Putin recording", "Lavrov and Trump"), 3, True, "article+thread"),
        (ArticleContext("Putin recording", ""), 3, False, "article"),
        (ArticleContext("", "   "), 3, True, "thread"),  # an empty article is no article
        (None, 1, True, "none"),  # a lone comment has no thread
        (None, 3, False, "none"),
    ],
)
def test_context_kind(article, n, use_thread, kind):
    assert context_kind(article, n, use_thread) == kind


@pytest.mark.parametrize("use_article", [True, False])
@pytest.mark.parametrize("use_thread", [True, False])
def test_predict_thread_reports_the_context_it_used(small_model, c3, use_article, use_thread):
    _, test = c3
    texts = [c.text for c in next(iter(test.values()))]
    article = ArticleContext("A title", "Some article body text about politics.") if use_article else None
    p, kind = small_model.predict_thread(texts, article, use_thread=use_thread)
    assert kind == context_kind(article, len(texts), use_thread)
    assert p.shape == (len(texts),)
    assert np.all((p > 0) & (p < 1))


def test_empty_thread(small_model):
    p, kind = small_model.predict_thread([], None)
    assert p.shape == (0,) and kind == "none"


def test_without_context_a_comment_scores_the_same_alone_or_in_a_thread(small_model, c3):
    _, test = c3
    texts = [c.text for c in next(iter(test.values()))]
    in_thread, _ = small_model.predict_thread(texts, None, use_thread=False)
    alone = [small_model.predict_thread([t], None)[0][0] for t in texts]
    np.testing.assert_allclose(in_thread, alone, rtol=1e-9)


def test_scores_follow_their_comments_when_the_thread_is_shuffled(small_model, c3):
    _, test = c3
    texts = [c.text for c in list(test.values())[1]]
    article = ArticleContext("Title", "Body of the article about the federal election.")
    p, _ = small_model.predict_thread(texts, article)
    order = np.random.default_rng(0).permutation(len(texts))
    q, _ = small_model.predict_thread([texts[i] for i in order], article)
    np.testing.assert_allclose(q, p[order], rtol=1e-9)


def test_thread_similarity_leaves_the_comment_itself_out(small_model):
    """A comment must not count as its own context: with unrelated neighbours, its similarity to the
    thread is ~0, and it rises only when another comment really shares its words."""
    col = DENSE_FEATURES.index("sim_thread_centroid")
    target = "The pipeline through British Columbia will carry bitumen to the coast tankers."
    unrelated = ["My cat enjoys sleeping in the sun.", "Hockey season starts next week, go Leafs."]
    _, dense, _ = small_model._featurize([target, *unrelated], None, True)
    assert dense[0, col] < 0.05
    echo = "Bitumen tankers on the British Columbia coast: the pipeline is a risk."
    _, dense2, _ = small_model._featurize([target, echo, *unrelated], None, True)
    assert dense2[0, col] > dense[0, col] + 0.2


def test_topic_similarity_leaves_the_comment_itself_out(small_model):
    """In the topic (LSA) space a comment is compared with the centroid of the OTHER comments: in a
    two-comment thread both see the same cosine, and an identical twin gives 1."""
    col = DENSE_FEATURES.index("topic_thread")
    a = "The pipeline through British Columbia will carry bitumen to the coast tankers."
    b = "Hockey season starts next week, go Leafs, the goalie looks good."
    _, dense, _ = small_model._featurize([a, b], None, True)
    assert dense[0, col] == pytest.approx(dense[1, col], abs=1e-12)
    assert dense[0, col] < 0.9
    _, twins, _ = small_model._featurize([a, a], None, True)
    np.testing.assert_allclose(twins[:, col], 1.0, atol=1e-6)
    _, blind, _ = small_model._featurize([a, b], None, False)
    assert not blind[:, [DENSE_FEATURES.index(f) for f in DENSE_FEATURES if f.startswith("topic_")]].any()


def test_intruders_are_off_their_threads_topic(small_model, c3):
    """The topic-space thread similarity alone tells intruders from natives on held-out C3 threads."""
    _, test = c3
    col = DENSE_FEATURES.index("topic_thread")
    ys, ss = [], []
    for ex in swap_threads(test, seed=7):
        _, dense, _ = small_model._featurize(ex.texts, None, True)
        m = ~np.isnan(ex.labels)
        ys += ex.labels[m].tolist()
        ss += (-dense[m, col]).tolist()
    assert roc_auc_score(ys, ss) > 0.75


def test_unseen_words_still_match_the_article(small_model):
    """Names absent from the training vocabulary (Kislyak) match through thread-local columns."""
    assert "kislyak" not in small_model.vocabulary_
    col = DENSE_FEATURES.index("sim_article")
    article = ArticleContext("Kislyak recording", "Ambassador Kislyak attended the Oval Office meeting.")
    _, dense, _ = small_model._featurize(["Kislyak again?", "Nice weather today."], article, True)
    assert dense[0, col] > 0.3
    assert dense[1, col] == 0.0


def test_an_article_about_the_comment_lowers_its_score(small_model, articles_dir):
    pages = load_page_threads(articles_dir)
    tides = next(p for p in pages if "tides" in p.source)
    football = next(p for p in pages if "profootballtalk" in p.source)
    texts = list(tides.comments)
    own, kind = small_model.predict_thread(texts, tides.article, use_thread=False)
    other, _ = small_model.predict_thread(texts, football.article, use_thread=False)
    assert kind == "article"
    assert other.mean() > own.mean()
    assert (other > own).mean() >= 0.8


def test_intruders_score_higher_than_natives_with_thread_context(small_model, c3):
    _, test = c3
    ys, ss, blind = [], [], []
    for ex in swap_threads(test, seed=99):
        p, _ = small_model.predict_thread(ex.texts, None, use_thread=True)
        q, _ = small_model.predict_thread(ex.texts, None, use_thread=False)
        m = ~np.isnan(ex.labels)
        ys += ex.labels[m].tolist()
        ss += p[m].tolist()
        blind += q[m].tolist()
    assert roc_auc_score(ys, ss) >= 0.75
    assert roc_auc_score(ys, ss) > roc_auc_score(ys, blind) + 0.15


def test_fit_refuses_a_single_class(c3):
    train, _ = c3
    comments = next(iter(train.values()))
    ex = ThreadExample(texts=tuple(c.text for c in comments), labels=np.zeros(len(comments)))
    with pytest.raises(ValueError, match="both classes"):
        ContextOffTopic(Cs=(0.1,), cv_folds=2).fit([ex])


def test_pickle_round_trip_scores_identically(small_model, seed_thread):
    """Identical up to float rounding: the clone starts with an empty chunk memo, and the memo's
    history only orders the columns of unseen words (hence the order of a few float sums)."""
    texts, article = seed_thread
    clone = pickle.loads(pickle.dumps(small_model))
    np.testing.assert_allclose(
        clone.predict_thread(texts, article)[0], small_model.predict_thread(texts, article)[0], rtol=1e-12
    )
    np.testing.assert_array_equal(
        clone.predict_thread(texts, article)[0], clone.predict_thread(texts, article)[0]
    )


# ---------------------------------------------------------------------- explanations
@pytest.mark.parametrize("text", list(SEED_000_LABELS)[:8])
def test_explain_gives_spans_of_the_comment(small_model, text):
    spans = small_model.explain(text, top_k=3)
    assert len(spans) <= 3
    for span in spans:
        assert text[span.start : span.end] == span.text
        assert span.weight > 0
    assert [s.weight for s in spans] == sorted((s.weight for s in spans), reverse=True)


def test_explain_weights_are_the_linear_contributions(small_model):
    """Exact for the linear own-text part: the span weights are coefficient x feature value, so they
    add up to that part of the decision when every contributing word is shown."""
    text = "lol you are an idiot, nobody cares about you"
    rows, _, _ = small_model._featurize([text], None, False)
    decision = float(small_model._text_decision(rows)[0])
    spans = small_model.explain(text, top_k=100)
    positive = sum(s.weight for s in spans)
    x = small_model._text_matrix(rows)
    contributions = x.data * small_model.coef_text_[x.indices]
    assert positive == pytest.approx(contributions[contributions > 0].sum())
    assert decision == pytest.approx(contributions.sum())


# ---------------------------------------------------------------------- the seed thread (real model)
def test_seed_thread_matches_the_fixture(seed_thread):
    texts, _ = seed_thread
    assert sorted(texts) == sorted(SEED_000_LABELS)


def test_seed_thread_ranks_bickering_above_on_topic_comments(trained_model, seed_thread):
    """With the article and the thread as context, the bickering and unrelated rants rank above the
    comments about the recording, taping and Lavrov (moderator labels above)."""
    texts, article = seed_thread
    p, kind = trained_model.predict_thread(texts, article)
    assert kind == "article+thread"
    judged = [
        (SEED_000_LABELS[t], s) for t, s in zip(texts, p, strict=True) if SEED_000_LABELS[t] is not None
    ]
    y = [label for label, _ in judged]
    s = [score for _, score in judged]
    assert roc_auc_score(y, s) >= 0.8
    off = np.mean([score for label, score in judged if label == 1])
    on = np.mean([score for label, score in judged if label == 0])
    assert on < off


@pytest.mark.parametrize(
    "odd",
    ["", "   ", "!!!???", "🙂🙂🙂", "lone surrogate \udcff here", "nul\x00inside", "x" * 20_000],
)
def test_odd_comments_get_a_probability_and_keep_the_thread_aligned(small_model, odd):
    """Comments with no tokens, emoji only, a lone surrogate, a NUL (the internal document break) or
    one huge token still get a finite probability, and their neighbours keep their own scores."""
    texts = ["The pipeline will cross British Columbia.", odd, "Tankers on the coast, again."]
    article = ArticleContext("Pipeline", "The pipeline through British Columbia to the coast.")
    p, kind = small_model.predict_thread(texts, article)
    assert kind == "article+thread"
    assert p.shape == (3,) and np.all(np.isfinite(p)) and np.all((p > 0) & (p < 1))
    # The own-text part depends on the comment alone: the neighbours' values must not move.
    rows, _, _ = small_model._featurize(texts, article, True)
    together = small_model._text_decision(rows)
    for i in (0, 2):
        alone, _, _ = small_model._featurize([texts[i]], None, False)
        assert together[i] == pytest.approx(small_model._text_decision(alone)[0])


def test_the_scorer_serves_off_topic_with_its_context(seed_thread):
    """Through the shipped artifact and the Scorer: off_topic and the context it saw, per comment, and
    explanations of off_topic as spans of the comment."""
    from model.artifact import load_artifact
    from model.score import Scorer

    texts, article = seed_thread
    scorer = Scorer.load(REPO / "model" / "default")
    _, models = load_artifact(REPO / "model" / "default")
    expected, _ = models["off_topic"].predict_thread(texts, article, True)
    scores = scorer.score(texts, article)
    assert [s.context for s in scores] == ["article+thread"] * len(texts)
    np.testing.assert_allclose([s["off_topic"] for s in scores], expected, rtol=1e-12)
    assert {s.context for s in scorer.score(texts, article, use_thread=False)} == {"article"}
    assert {s.context for s in scorer.score(texts[:1])} == {"none"}
    text = "of course you are flamethrower:)"
    spans = scorer.explain(text, "off_topic", article=article, thread=texts)
    assert spans and all(text[s.start : s.end] == s.text and s.weight > 0 for s in spans)


# ---------------------------------------------------------------------- fast path (chunk memo)
def _random_texts(rng: np.random.Generator, n: int) -> list[str]:
    """Random comments over an alphabet of letters, digits, punctuation, separators, emoji, a NUL and
    a lone surrogate, so chunks with every kind of token boundary occur."""
    alphabet = [
        *"abcdefgh ABC  xyz019.,!?:;)(-_'\"\n\t",
        "\u2019",
        "\u2014",
        "\u00a0",
        "é",
        "🙂",
        "\x00",
        "\udcff",
        "\u2003",
    ]
    words = [
        "pipeline",
        "kislyak",
        "Lavrov",
        "taped",
        "the",
        "of",
        "http://x.io",
        "www.a.b",
        ":)",
        ";)",
        ":D",
    ]
    out = []
    for _ in range(n):
        k = int(rng.integers(0, 40))
        parts = [
            words[int(rng.integers(len(words)))]
            if rng.random() < 0.4
            else alphabet[int(rng.integers(len(alphabet)))]
            for _ in range(k)
        ]
        out.append("".join(parts) if rng.random() < 0.5 else " ".join(parts))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("use_article", [True, False])
@pytest.mark.parametrize("use_thread", [True, False])
def test_fast_path_matches_the_reference_path(small_model, c3, articles_dir, use_article, use_thread):
    """The chunk-memo scoring path gives the per-token reference path's probabilities (to float
    rounding) on real C3 threads, real page threads and random text, cold and warm memo."""
    _, held = c3
    pages = load_page_threads(articles_dir)
    rng = np.random.default_rng(0)
    threads = [[c.text for c in comments] for comments in list(held.values())[:15]]
    threads += [list(p.comments) for p in pages[:5]]
    threads += [_random_texts(rng, int(rng.integers(1, 30))) for _ in range(15)]
    articles = [p.article for p in pages[:5]] + [ArticleContext("", "\udcff x\x00y"), ArticleContext("T", "")]
    model = pickle.loads(pickle.dumps(small_model))  # a fresh (cold) memo
    for rounds in range(2):
        for i, texts in enumerate(threads):
            article = articles[i % len(articles)] if use_article else None
            fast = model.predict_components(texts, article, use_thread)
            ref = model.predict_components(texts, article, use_thread, reference=True)
            assert fast[2] == ref[2]
            np.testing.assert_allclose(fast[0], ref[0], rtol=0, atol=1e-9)
            np.testing.assert_allclose(fast[1], ref[1], rtol=0, atol=1e-9)
            if rounds == 0:
                dense_ref = model._featurize(texts, article, use_thread)[1]
                np.testing.assert_allclose(
                    model._fast_features(texts, article, use_thread)[1], dense_ref, atol=1e-9
                )


def test_the_chunk_memo_is_bounded_and_not_pickled(small_model, c3):
    _, held = c3
    texts = [c.text for comments in list(held.values())[:10] for c in comments]
    model = pickle.loads(pickle.dumps(small_model))
    model.max_cache_entries = 50
    before = model.predict_components(texts[:40], None, True, reference=True)[0]
    for start in range(0, len(texts), 40):
        model.predict_thread(texts[start : start + 40], None)
    # Replaced whenever a call starts over the bound: at most the bound plus one thread's chunks.
    one_thread = max(len({w for t in texts[s : s + 40] for w in t.split()}) for s in range(0, len(texts), 40))
    assert len(model.__dict__["_chunk_memo"].index) <= 50 + one_thread
    np.testing.assert_allclose(model.predict_components(texts[:40], None, True)[0], before, atol=1e-9)
    assert "_chunk_memo" in model.__dict__
    assert "_chunk_memo" not in pickle.loads(pickle.dumps(model)).__dict__


# ---------------------------------------------------------------------- combining the two sub-models
def test_the_combination_is_the_best_by_grouped_cv(small_model):
    cv = small_model.cv_combine_
    assert "stack" in cv and any(k.startswith("noisy_or") for k in cv)
    for aucs in cv.values():
        assert set(aucs) == {"non_relevant_thread", "swap_thread"}
        assert all(0.0 <= v <= 1.0 for v in aucs.values())
    best = max(cv, key=lambda k: np.mean(list(cv[k].values())))
    assert small_model.cv_combine_chosen_ == best
    assert small_model.combine_ == ("stack" if best == "stack" else "noisy_or")


def test_predict_thread_combines_the_components(small_model, seed_thread):
    texts, article = seed_thread
    p, _ = small_model.predict_thread(texts, article)
    z_irr, z_int, kind = small_model._decisions(texts, article, True, False)
    assert kind == "article+thread"
    if small_model.combine_ == "noisy_or":
        a, b = small_model.intruder_scale_, small_model.intruder_offset_
        expected = 1 - (1 - 1 / (1 + np.exp(-z_irr))) * (1 - 1 / (1 + np.exp(-(a * z_int + b))))
    else:
        s = np.column_stack([z_irr, z_int, np.ones_like(z_irr), np.ones_like(z_irr), z_irr, z_int])
        expected = 1 / (1 + np.exp(-(s @ small_model.coef_stack_ + small_model.intercept_stack_)))
    np.testing.assert_allclose(p, expected, rtol=1e-12)


@pytest.mark.slow
def test_stacked_combination_and_bad_choice(c3):
    train, _ = c3
    subset = {a: train[a] for a in sorted(train)[:60]}
    threads = build_training_threads(subset, seed=3)
    model = ContextOffTopic(Cs=(0.1,), cv_folds=2, combine="stack").fit(threads)
    assert model.combine_ == "stack" and model.cv_combine_chosen_ == "stack"
    texts = [c.text for c in subset[sorted(subset)[0]]]
    p, kind = model.predict_thread(texts, None)
    assert kind == "thread" and np.all((p > 0) & (p < 1))
    # Blind: the stacked score is a monotone recalibration of the irrelevance part.
    blind, _ = model.predict_thread(texts, None, use_thread=False)
    p_irr, _, _ = model.predict_components(texts, None, use_thread=False)
    assert np.array_equal(np.argsort(blind, kind="stable"), np.argsort(p_irr, kind="stable"))
    with pytest.raises(ValueError, match="combine"):
        ContextOffTopic(Cs=(0.1,), cv_folds=2, combine="mean").fit(threads)


@pytest.mark.slow
def test_without_topic_space_the_fast_path_still_matches(c3, articles_dir):
    """``n_topics=0`` turns the topic features off: both paths leave them 0 and still agree (the
    compiled kernel's no-topics branch)."""
    train, held = c3
    subset = {a: train[a] for a in sorted(train)[:60]}
    model = ContextOffTopic(Cs=(0.1,), cv_folds=2, n_topics=0).fit(build_training_threads(subset, seed=3))
    assert model.topic_.shape[1] == 0
    pages = load_page_threads(articles_dir)
    cases = [([c.text for c in comments], None) for comments in list(held.values())[:5]]
    cases += [(list(p.comments), p.article) for p in pages[:3]]
    topic_cols = [DENSE_FEATURES.index("topic_norm"), DENSE_FEATURES.index("topic_thread")]
    for texts, article in cases:
        fast = model._fast_features(texts, article, True)[1]
        ref = model._featurize(texts, article, True)[1]
        np.testing.assert_allclose(fast, ref, atol=1e-9)
        assert not fast[:, topic_cols].any()
