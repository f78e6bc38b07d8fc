"""ContextOffTopic: context kinds, leave-one-out thread features, explanations, the runtime memo and
the seed thread.

Small models are fitted on real threads (C3, One Million Posts, Dragnet pages); the seed-thread tests
use the real trained model (the shipped artifact's off_topic when it has one, else one trained here).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from core.records import ArticleContext
from model.context import DENSE_FEATURES, ContextOffTopic, ThreadExample, context_kind
from model.context_fit import text_matrix
from model.kernels import C_MENTION, C_Q
from training.offtopic import swap_examples

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
def small_model(offtopic_small: ContextOffTopic) -> ContextOffTopic:
    return offtopic_small


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


def _dense(model: ContextOffTopic, texts, article=None, use_thread=True) -> np.ndarray:
    return model.features(texts, article, use_thread)[1]


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
def test_predict_thread_reports_the_context_it_used(small_model, sources, use_article, use_thread):
    texts = list(sources["c3"][1][0].comments)
    article = ArticleContext("A title", "Some article body text about politics.") if use_article else None
    p, kind = small_model.predict_thread(texts, article, use_thread=use_thread)
    assert kind == context_kind(article, len(texts), use_thread)
    assert p.shape == (len(texts),)
    assert np.all((p > 0) & (p < 1))


def test_empty_thread(small_model):
    p, kind = small_model.predict_thread([], None)
    assert p.shape == (0,) and kind == "none"


def test_without_context_a_comment_scores_the_same_alone_or_in_a_thread(small_model, sources):
    texts = list(sources["c3"][1][0].comments)
    in_thread, _ = small_model.predict_thread(texts, None, use_thread=False)
    alone = [small_model.predict_thread([t], None)[0][0] for t in texts]
    np.testing.assert_allclose(in_thread, alone, rtol=1e-9)


def test_scores_follow_their_comments_when_the_thread_is_shuffled(small_model, sources):
    texts = list(sources["c3"][1][1].comments)
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
    dense = _dense(small_model, [target, *unrelated])
    assert dense[0, col] < 0.05
    echo = "Bitumen tankers on the British Columbia coast: the pipeline is a risk."
    dense2 = _dense(small_model, [target, echo, *unrelated])
    assert dense2[0, col] > dense[0, col] + 0.2


def test_topic_similarity_leaves_the_comment_itself_out(small_model):
    """In the topic (LSA) space a comment is compared with the centroid of the OTHER comments: in a
    two-comment thread both see the same cosine, and an identical twin gives 1."""
    col = DENSE_FEATURES.index("topic_thread")
    a = "The pipeline through British Columbia will carry bitumen to the coast tankers."
    b = "Hockey season starts next week, go Leafs, the goalie looks good."
    dense = _dense(small_model, [a, b])
    assert dense[0, col] == pytest.approx(dense[1, col], abs=1e-12)
    assert dense[0, col] < 0.9
    np.testing.assert_allclose(_dense(small_model, [a, a])[:, col], 1.0, atol=1e-6)
    blind = _dense(small_model, [a, b], use_thread=False)
    assert not blind[:, [DENSE_FEATURES.index(f) for f in DENSE_FEATURES if f.startswith("topic_")]].any()


def test_unseen_words_still_match_the_article(small_model):
    """Names absent from the training vocabulary (Kislyak) match through columns of their own."""
    assert b"kislyak" not in small_model.vocabulary_
    col = DENSE_FEATURES.index("sim_article")
    article = ArticleContext("Kislyak recording", "Ambassador Kislyak attended the Oval Office meeting.")
    dense = _dense(small_model, ["Kislyak again?", "Nice weather today."], article)
    assert dense[0, col] > 0.3
    assert dense[1, col] == 0.0


def test_a_comment_without_content_words_is_scored_as_without_context(small_model, seed_thread):
    """ "lol" gives the context nothing to compare: the same score as with no context at all."""
    texts, article = seed_thread
    p, _ = small_model.predict_thread([*texts, "lol"], article)
    blind, kind = small_model.predict_thread(["lol"], None)
    assert kind == "none"
    assert p[-1] == pytest.approx(blind[0], rel=1e-9)


def test_an_article_about_the_comment_lowers_its_score(small_model, sources):
    pages = sources["pages"][0] + sources["pages"][1]
    tides = next(p for p in pages if "tides" in p.group)
    football = next(p for p in pages if "profootballtalk" in p.group)
    texts = list(tides.comments)
    own, kind = small_model.predict_thread(texts, tides.article, use_thread=False)
    other, _ = small_model.predict_thread(texts, football.article, use_thread=False)
    assert kind == "article"
    assert other.mean() > own.mean()
    assert (other > own).mean() >= 0.8


def test_intruders_score_higher_than_natives_with_thread_context(small_model, sources):
    ys, ss = [], []
    for ex in swap_examples(sources["c3"][1], seed=99, source="c3_swap"):
        p, _ = small_model.predict_thread(ex.texts, None, use_thread=True)
        m = ~np.isnan(ex.labels)
        ys += ex.labels[m].tolist()
        ss += p[m].tolist()
    assert roc_auc_score(ys, ss) >= 0.8


def test_fit_refuses_a_single_class(sources):
    t = sources["c3"][0][0]
    ex = ThreadExample(texts=t.comments, labels=np.zeros(len(t.comments)), group="a")
    with pytest.raises(ValueError, match="both classes"):
        ContextOffTopic(Cs=(0.1,), cv_folds=2).fit([ex])


def test_rows_not_marked_calibrate_train_but_do_not_set_the_review_shift(sources, monkeypatch):
    """Foreign-domain intruders (training.offtopic.foreign_examples) are fitted on, but the review
    shift is the 85 % recall point of the other rows only."""
    import dataclasses

    import model.context_fit as CF

    swaps = swap_examples(sources["c3"][0][:40], seed=5, source="c3_swap")
    extra = [
        dataclasses.replace(e, calibrate=False, source="other")
        for e in swap_examples(sources["c3"][0][40:60], seed=6, source="c3_swap")
    ]
    seen: list[int] = []
    real = CF.recall_threshold

    def recording(y: np.ndarray, p: np.ndarray, recall: float) -> float:
        seen.append(len(y))
        return real(y, p, recall)

    monkeypatch.setattr(CF, "recall_threshold", recording)
    model = ContextOffTopic(Cs=(0.1,), cv_folds=2).fit(swaps + extra)
    assert seen == [sum(int(np.isfinite(e.labels).sum()) for e in swaps)]
    assert model.n_train_rows_["other"] == sum(int(np.isfinite(e.labels).sum()) for e in extra) > 0
    assert model.oof_at_review_["recall"] >= model.review_recall


def test_pickle_round_trip_scores_identically(small_model, seed_thread):
    """Identical up to float rounding: the clone starts with an empty chunk memo, and the memo's
    history only orders the columns of unseen words (hence the order of a few float sums)."""
    texts, article = seed_thread
    clone = pickle.loads(pickle.dumps(small_model))
    np.testing.assert_allclose(
        clone.predict_thread(texts, article)[0], small_model.predict_thread(texts, article)[0], rtol=1e-12
    )


def test_the_text_part_is_the_own_words_model(small_model, sources):
    """The compiled path's own-text decision is the TF-IDF map the words were fitted on, times their
    folded weights (the chunk rows sum idf x coef over sqrt(sum idf^2))."""
    texts = [c for t in sources["omp"][1][:20] for c in t.comments]
    decision, _, _ = small_model.features(texts, None, False)
    expected = text_matrix(small_model, texts) @ small_model.coef_text_
    np.testing.assert_allclose(decision, expected, atol=1e-9)


# ---------------------------------------------------------------------- explanations
def test_explain_names_content_words_the_context_does_not_share(small_model, seed_thread):
    texts, article = seed_thread
    text = "My grandmother was so proud of her lasagna recipe, the conversation was about pasta"
    spans = small_model.explain(text, top_k=10, article=article, thread=texts)
    words = {s.text.lower() for s in spans}
    assert {"lasagna", "recipe", "pasta"} <= words
    assert not words & {"was", "so", "my", "her", "of", "the"}  # function words
    assert "conversation" not in words  # the thread and the article share it
    for s in spans:
        assert text[s.start : s.end] == s.text and s.weight > 0
    assert [s.weight for s in spans] == sorted((s.weight for s in spans), reverse=True)
    assert small_model.explain(text) == []  # no context, nothing to digress from


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


CONTENT_FREE = ["lol", "+1", "first!", "haha", "wow", "ok"]
# About the article itself: on topic by definition, and the same words in every thread (77 of 100 such
# comments under the seed articles went to review before they counted as content-free).
ABOUT_THE_ARTICLE = ["Thanks for the article.", "Good article, well written.", "Interesting read!"]


# Written for session 15's change (and chosen on: not a held-out set), docs/offtopic.md.
ABOUT_THE_ARTICLE_SET = [
    "Thanks for the article.", "Great piece, thanks.", "Interesting read.", "Excellent column as always.",
    "Good article.", "Well written article.", "The author nailed it.", "Very informative, thank you.",
    "Insightful piece.", "Thanks for sharing this story.", "Great reporting.", "Nice read!",
    "Good journalism.", "Thank you for this article.", "What a great article.", "Brilliant column.",
    "Superb writing.", "Another excellent piece by this writer.", "Good story, well told.",
    "Interesting article, thanks.",
]  # fmt: skip


def test_comments_about_the_article_rarely_reach_review(trained_model):
    from service.parse import parse_file

    flagged = 0
    for seed in sorted((REPO / "seeds").glob("*.txt")):
        page = parse_file(seed)
        article = ArticleContext(page.title or "", page.body)
        for text in ABOUT_THE_ARTICLE_SET:
            p, kinds = trained_model.predict_comments([text], article)
            flagged += p[0] >= 0.6 and kinds[0] != "none"
    assert flagged <= 10, flagged  # of 100; 77 before they counted as content-free


def test_content_free_comments_get_no_off_topic_decision(trained_model, seed_thread):
    """ "lol", "+1", "first!" under the seed thread: scored as if without context (their text-alone
    prior, which sits near the review threshold), so their context is "none" and decide() makes no
    off-topic decision: UNSUBSTANTIAL, not OFF_TOPIC, is about them (issue #14)."""
    from core.records import Scores
    from service.decide import decide
    from service.settings import Settings

    texts, article = seed_thread
    all_texts = [*texts, *CONTENT_FREE, *ABOUT_THE_ARTICLE, "Great recipe for lasagna here"]
    p, kinds = trained_model.predict_comments(all_texts, article)
    assert kinds[: len(texts)] == ("article+thread",) * len(texts)
    assert kinds[len(texts) : -1] == ("none",) * (len(CONTENT_FREE) + len(ABOUT_THE_ARTICLE))
    assert kinds[-1] == "article+thread"  # content words: the article and thread apply
    thread_p, kind = trained_model.predict_thread(all_texts, article)
    assert kind == "article+thread" and np.array_equal(thread_p, p)  # the same scores either way
    thresholds = Settings().thresholds()
    for value, context in zip(p[len(texts) : -1], kinds[len(texts) : -1], strict=True):
        decision = decide(Scores({"off_topic": float(value)}, context), thresholds)
        assert decision.verdict == "approve", (value, decision)


@pytest.mark.parametrize(
    "odd",
    ["", "   ", "!!!???", "🙂🙂🙂", "lone surrogate \udcff here", "nul\x00inside", "x" * 20_000],
)
def test_odd_comments_get_a_probability_and_keep_the_thread_aligned(small_model, odd):
    """Comments with no tokens, emoji only, a lone surrogate, a NUL (the internal document break) or
    one huge token still get a finite probability, and their neighbours keep their own text part."""
    texts = ["The pipeline will cross British Columbia.", odd, "Tankers on the coast, again."]
    article = ArticleContext("Pipeline", "The pipeline through British Columbia to the coast.")
    p, kind = small_model.predict_thread(texts, article)
    assert kind == "article+thread"
    assert p.shape == (3,) and np.all(np.isfinite(p)) and np.all((p > 0) & (p < 1))
    together = small_model.features(texts, article, True)[0]
    for i in (0, 2):
        assert together[i] == pytest.approx(small_model.features([texts[i]], None, False)[0][0])


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
    text = "lulz @flamethrower the archivist"
    spans = scorer.explain(text, "off_topic", article=article, thread=texts)
    assert spans and all(text[s.start : s.end] == s.text and s.weight > 0 for s in spans)


# ---------------------------------------------------------------------- the runtime memo
def test_the_chunk_memo_is_bounded_and_not_pickled(small_model, sources):
    texts = [c for t in sources["c3"][1][:10] for c in t.comments]
    model = pickle.loads(pickle.dumps(small_model))
    before = model.predict_thread(texts[:40], None)[0]
    model.max_cache_entries = 50
    for start in range(0, len(texts), 40):
        model.predict_thread(texts[start : start + 40], None)
    # Replaced whenever a call starts over the bound: at most the bound plus one thread's chunks.
    one_thread = max(len({w for t in texts[s : s + 40] for w in t.split()}) for s in range(0, len(texts), 40))
    assert len(model.__dict__["_chunk_memo"].table.index) <= 50 + one_thread
    np.testing.assert_allclose(model.predict_thread(texts[:40], None)[0], before, atol=1e-9)
    assert "_chunk_memo" not in pickle.loads(pickle.dumps(model)).__dict__


def test_rows_looked_up_once_give_the_same_scores(small_model, seed_thread):
    """The Scorer's path (chunk rows looked up once, shared between models) equals the model's own."""
    texts, article = seed_thread
    model = pickle.loads(pickle.dumps(small_model))
    memo_ids, memo = model.chunk_rows([c for t in texts for c in t.split()])
    from model.chunks import ChunkRows

    lengths = np.array([len(t.split()) for t in texts])
    docs = model.article_documents(article)
    a_ids, _ = model.chunk_rows([c for d in docs for c in d.split()])
    rows = ChunkRows(memo_ids, lengths, memo)
    article_rows = ChunkRows(a_ids, np.array([len(d.split()) for d in docs]), memo)
    p, _ = model.predict_thread(texts, article, rows=rows, article_rows=article_rows)
    np.testing.assert_allclose(p, small_model.predict_thread(texts, article)[0], atol=1e-12)


def test_compiled_chunk_rows_equal_the_per_chunk_python(small_model, sources):
    """The memo's rows of new chunks (one compiled pass, model/context_kernel.py) equal ``_chunk_row``'s,
    chunk by chunk in Python: in batches, with tokens seen in earlier batches, unseen words, cues, German,
    non-ASCII separators. Batches of every size (a single comment's few chunks, then threads) give the
    same rows and unseen-word columns as the reference alone."""
    from model.context_memo import ContextChunks

    texts = [c for t in sources["c3"][1][:20] for c in t.comments]
    texts += ["Zensur!! @mod :) www.x.at “quoted” café—naïve …ok ? ;) :D", "", "   ", "ééé’s 12:30"]
    chunks = list(dict.fromkeys(c for t in texts for c in t.split()))
    assert len(chunks) > 900
    fast, reference = ContextChunks(small_model), ContextChunks(small_model)
    for start in range(0, len(chunks), 300):
        batch = chunks[start : start + 300]
        got, want = fast._rows(batch), reference._rows_per_chunk(batch)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
    assert fast.oov_words == reference.oov_words and len(fast.oov_words) > 0
    mixed, reference = ContextChunks(small_model), ContextChunks(small_model)
    sizes = [1, 3, 39, 40, 7, 300, 2, 150, 5]
    start = 0
    seen_sizes = set()
    for size in sizes * 10:
        batch = chunks[start : start + size]
        if not batch:
            break
        seen_sizes.add(len(batch))
        start += size
        got, want = mixed._rows(batch), reference._rows_per_chunk(batch)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
    assert {1, 300} <= seen_sizes
    assert mixed.oov_words == reference.oov_words


# Odd chunks the compiled pass must read as the Python tokenizer does: cues in any case, lone surrogates
# (a "?" to the tokenizer, never a cue), NUL, Unicode quotes, dashes and spaces, CJK, emoji, accents and
# German capitals (only ASCII is lower-cased), digits, stems, forum words and their exceptions.
_HOSTILE = [
    "Zensur!! @mod :) www.x.at “quoted” café—naïve …ok ? ;) :D",
    "HTTP://X.COM/Path?q=1 Www.Foo WWW.bar http:// :-) :D :d ;( :( ;)",
    "\ud800lone\udfffsurrogate \udc00",
    "a\x00b NUL\x00\x00word",
    "日本語のテキスト、東京。中文，测试！ 한국어 텍스트",
    "😀😀 emoji🎉test 👍🏽ok 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "ÄÖÜ äöü Straße GELÖSCHT gelöscht Löschung ZENSIERT",
    "12:30 1000000 2nd 3rd 0.5% $100 #1 1111 aaaa bookkeeping",
    "posterior trolley trolls Moderators mods MODS admins Posting postings forist",
    "rationalizations nationally hopping ties tied singers flies e s t",
    "you're YOU u ur Du dich EUCH sie’s",
    "a\u2009b\u3000c\u00a0d\u2028e\u00abf\u00bbg\u201eh\u2013i\u2014j\u2026k",
    "under_score snake_case_word x_y",
    "@",
    "?!",
    # Keys over 16 bytes (compared beyond the table's inline bytes): vocabulary words and stems, and
    # words sharing their first 16 bytes only.
    "Arbeitslosenstatistik arbeitslosenstatistiken arbeitslosenstatistix Anforderungsprofile",
    "altersdiskriminierungen altersdiskriminierunX supercalifragilisticexpialidocious",
]


def test_compiled_chunk_rows_equal_the_reference_on_the_shipped_model(data_dir: Path):
    """With the shipped vocabulary and stems: every distinct chunk of a corpus sample (names, handles,
    URLs, emoji, digits, typos) and of hostile strings gets ``_rows_per_chunk``'s row, pool and
    unseen-word columns, in batches of a single comment's size and of threads'."""
    from bench.stream import distinct_comments
    from model.context_memo import ContextChunks
    from model.score import Scorer
    from service.settings import DEFAULT_MODEL_DIR

    model = Scorer.load(DEFAULT_MODEL_DIR).models["off_topic"]
    texts = distinct_comments(data_dir, 4_000) + _HOSTILE
    chunks = list(dict.fromkeys(c for t in texts for c in t.split()))
    chunks += [" ".join(_HOSTILE), "", "a"]  # chunks with separators of every kind; empty; one letter
    assert len(chunks) > 20_000
    fast, reference = ContextChunks(model), ContextChunks(model)
    start = 0
    for size in [1, 7, 2, 140, 30, 3000] * 50:
        batch = chunks[start : start + size]
        if not batch:
            break
        start += size
        pool_start = start * 3  # where a memo's pool would end: every start is shifted by it
        got, want = fast._rows(batch, pool_start), reference._rows_per_chunk(batch)
        np.testing.assert_array_equal(got[1][:, 0], want[1][:, 0] + pool_start)
        got[1][:, 0] -= pool_start
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
    assert start >= len(chunks)
    assert fast.oov_words == reference.oov_words and len(fast.oov_words) > 1_000
    rows = fast._rows(_HOSTILE)[0]
    assert rows[:, C_Q : C_MENTION + 1].sum(axis=0).min() > 0  # every cue column is exercised


def test_scores_equal_the_per_chunk_reference_path(data_dir: Path, monkeypatch):
    """Off-topic scores through the compiled new-chunk pass equal those of the per-chunk Python rows
    (within 1e-12), threads of 20 and single comments, with and without an article."""
    from bench.stream import distinct_comments
    from model.context_memo import ContextChunks
    from model.score import Scorer
    from service.settings import DEFAULT_MODEL_DIR

    model = Scorer.load(DEFAULT_MODEL_DIR).models["off_topic"]
    texts = distinct_comments(data_dir, 1_200) + _HOSTILE
    article = ArticleContext(title="Lavrov meets Blinken", body=" ".join(texts[:5]))

    def run(m: ContextOffTopic) -> list[np.ndarray]:
        out = [m.predict_thread(texts[i : i + 20], article if i % 40 else None)[0] for i in range(0, 800, 20)]
        return out + [m.predict_thread([t], article if i % 2 else None)[0] for i, t in enumerate(texts[800:])]

    fast = pickle.loads(pickle.dumps(model))
    got = run(fast)
    reference = pickle.loads(pickle.dumps(model))
    monkeypatch.setattr(ContextChunks, "_rows", ContextChunks._rows_per_chunk)
    want = run(reference)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-12)


def test_probabilities_in_one_call_equal_the_features_logistic(small_model, seed_thread):
    """``thread_probabilities`` (features and logistic in one compiled call, what scoring uses) gives
    bit for bit ``logistic`` of ``thread_features`` and the comments without a content word."""
    from model.kernels import DENSE_FEATURES, logistic

    texts, article = seed_thread
    model = pickle.loads(pickle.dumps(small_model))
    memo = model._memo()
    weights = model._folded()
    cases = [(texts, article, True), (texts, None, True), (texts, article, False), (texts[:1], None, True)]
    cases += [(["lol", texts[0], "+1 !!"], article, True), (["lol"], article, True)]
    free_seen = set()
    for thread, art, use_thread in cases:
        p, free, kind = memo.probabilities(thread, art, use_thread, None, None, weights)
        text_decision, dense, want_kind = memo.features(thread, art, use_thread)
        np.testing.assert_array_equal(p, logistic(text_decision, dense, *weights))
        np.testing.assert_array_equal(free, dense[:, DENSE_FEATURES.index("no_content")] > 0)
        assert kind == want_kind and free.dtype == bool
        free_seen.update(free.tolist())
    assert free_seen == {True, False}


# ---------------------------------------------------------------------- polluted threads (issue 14)
def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


def test_the_article_alone_logit_is_the_row_without_its_thread_terms(small_model, seed_thread, sources):
    """Every column outside ``THREAD_FEATURES`` is the same with or without the thread, so a comment's
    logit minus those columns' terms is what it scores with the article alone (one call per comment)."""
    from model.kernels import logits, thread_terms
    from training.offtopic_data import standfirst

    texts, article = seed_thread
    pages = [t for t in sources["pages"][0] if t.article is not None][:3]
    cases = [([*texts, "lol"], article), (texts, standfirst(article))]
    cases += [(list(t.comments[:15]), t.article) for t in pages]
    w, b = small_model._folded()
    for thread, art in cases:
        text_decision, dense, kind = small_model.features(thread, art, True)
        assert kind == "article+thread"
        alone = logits(text_decision, dense, w, b) - thread_terms(dense, w)
        want = [_logit(small_model.predict_thread([t], art)[0])[0] for t in thread]
        np.testing.assert_allclose(alone, want, rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def polluted_seed() -> tuple[list[str], np.ndarray, ArticleContext]:
    """Seed 003's fixture comments in ONE thread (half of them off-topic) under its whole article."""
    import json

    from service.parse import parse_file
    from training.offtopic import DECISIONS_FILE

    spec = json.loads(DECISIONS_FILE.read_text(encoding="utf-8"))
    (entry,) = [a for a in spec["articles"] if a["seed"].startswith("seeds/003_")]
    page = parse_file(REPO / entry["seed"])
    labels = np.array([int(c["label"]) for c in entry["comments"]])
    return [c["text"] for c in entry["comments"]], labels, ArticleContext(page.title or "", page.body)


def _without_rule(model: ContextOffTopic) -> ContextOffTopic:
    off = pickle.loads(pickle.dumps(model))
    off.polluted_thread_weight = 1.0
    return off


def test_a_polluted_thread_under_a_long_article_trusts_its_thread_less(trained_model, polluted_seed):
    """Ten off-topic comments among ten on-topic ones: with the thread's terms at full weight three of
    the off-topic ones stay under review; tempered (``POLLUTED_THREAD_WEIGHT``), they reach it and no
    on-topic comment does. Each tempered score is the blend of the thread's and the article-alone
    logits."""
    from model.context import POLLUTED_MIN_ARTICLE_WORDS, POLLUTED_THREAD_WEIGHT

    texts, labels, article = polluted_seed
    assert trained_model._memo().article(article)[0][3].sum() >= POLLUTED_MIN_ARTICLE_WORDS
    on = trained_model.predict_thread(texts, article)[0]
    off = _without_rule(trained_model).predict_thread(texts, article)[0]
    review = trained_model.review_threshold
    assert (off[labels == 1] >= review).sum() + 3 <= (on[labels == 1] >= review).sum()
    assert (on[labels == 0] >= review).sum() == (off[labels == 0] >= review).sum() == 0
    alone = np.array([_logit(trained_model.predict_thread([t], article)[0])[0] for t in texts])
    blend = POLLUTED_THREAD_WEIGHT * _logit(off) + (1 - POLLUTED_THREAD_WEIGHT) * alone
    np.testing.assert_allclose(_logit(on), blend, rtol=0, atol=1e-9)


def test_a_standfirst_a_clean_thread_or_no_article_is_not_tempered(trained_model, polluted_seed):
    """The rule needs a long article AND a polluted thread: a headline + standfirst (too weak a judge
    alone), the same comments without the thread or without an article, and a thread with one
    off-topic comment score exactly as with the rule off."""
    from model.context import POLLUTED_SHARE
    from training.offtopic_data import standfirst

    texts, labels, article = polluted_seed
    off_model = _without_rule(trained_model)
    short = standfirst(article)
    polluted = off_model.predict_thread(texts, short)[0] >= trained_model.review_threshold
    assert polluted.mean() >= POLLUTED_SHARE
    clean = [t for t, y in zip(texts, labels, strict=True) if y == 0] + [texts[int(np.argmax(labels))]]
    for thread, art, use_thread in [
        (texts, short, True),
        (texts, article, False),
        (texts, None, True),
        (clean, article, True),
    ]:
        got, kind = trained_model.predict_thread(thread, art, use_thread)
        want, want_kind = off_model.predict_thread(thread, art, use_thread)
        assert kind == want_kind
        np.testing.assert_array_equal(got, want)
