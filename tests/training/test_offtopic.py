"""Off-topic data (C3, One Million Posts, Dragnet pages, the shared pages), the article / page split,
the training examples and the evaluations, on the real corpora."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from training import offtopic_data as D
from training.offtopic import (
    DECISIONS_FILE,
    DENSE_SWAP_FRACTIONS,
    LABEL_DEFINITIONS,
    default_articles_dir,
    evaluate_decisions,
    evaluate_dense_swaps,
    foreign_examples,
    format_dense,
    format_metrics,
    human_examples,
    swap_examples,
    trained_languages,
    training_corpora,
    training_examples,
)

REPO = Path(__file__).resolve().parents[2]


def test_every_source_is_grouped_by_article_and_split_disjointly(sources):
    for name, (train, test) in sources.items():
        assert train and test, name
        assert not {t.group for t in train} & {t.group for t in test}
        share = len(test) / (len(train) + len(test))
        assert 0.1 < share < 0.3, (name, share)
        for t in train[:50]:
            assert len(t.comments) == len(t.labels) == len(t.native_ok)
    # Deterministic: the same hash every run.
    assert D.is_heldout("omp", "123") == D.is_heldout("omp", "123")


def test_one_million_posts_labels_are_offtopic(sources):
    train, test = sources["omp"]
    labels = np.concatenate([t.labels for t in train + test])
    labelled = labels[np.isfinite(labels)]
    assert 2000 < len(labelled) < 4000  # the staged annotated subset (PROVENANCE.md)
    assert 0.1 < labelled.mean() < 0.25
    for t in train:  # a post annotators called off-topic is never an on-topic native or intruder
        assert not (t.native_ok & (t.labels == 1)).any()


def test_dragnet_gold_pages_give_an_article_and_comments(data_dir):
    gold = (
        "July 24, 2012\n\nLatest Amelia Earhart search falls short\n\n"
        + "The expedition returns. " * 30
        + "\n!@#$%^&*()  COMMENTS\n\nElena July 26, 2012 at 7:58 am\n\n    Dicono che l'attesa aumenti il"
        " desiderio, posso confermare.\n\n    Buonissima giornata caro Paulo, with love\n\n"
        "Sarah says:\n\nOctober 16th, 2012 at 6:57 am\n\nI absolutely love some of these chairs here.\n"
        "bob 3 hours ago\nshort\n"
    )
    article, comments = D.split_gold(gold)
    assert article.title == "Latest Amelia Earhart search falls short"
    assert article.body.startswith("The expedition returns.")
    assert comments == [
        "Dicono che l'attesa aumenti il desiderio, posso confermare. "
        "Buonissima giornata caro Paulo, with love",
        "I absolutely love some of these chairs here.",
    ]
    pages = D.load_dragnet(data_dir)
    assert len(pages) > 150 and all(p.article is not None and len(p.comments) >= 3 for p in pages)


def test_standfirst_is_the_headline_and_first_paragraph():
    from core.records import ArticleContext

    article = ArticleContext("Headline", "Short.\nThe first real paragraph of the story goes on here.\nMore.")
    first = D.standfirst(article)
    assert first.title == "Headline" and first.body == "The first real paragraph of the story goes on here."


def test_swaps_mix_in_comments_of_other_threads(sources):
    train = sources["c3"][0][:30]
    examples = swap_examples(train, seed=1, source="c3_swap")
    assert examples
    own = {t.group: set(t.comments) for t in train}
    for ex in examples:
        group = ex.group.split(":", 1)[1]
        for text, y in zip(ex.texts, ex.labels, strict=True):
            if y == 1:
                assert text not in own[group]
            elif y == 0:
                assert text in own[group]
    again = swap_examples(train, seed=1, source="c3_swap")
    assert [e.texts for e in again] == [e.texts for e in examples]


def test_swap_density_draws_each_threads_share_of_intruders_in_its_range(sources):
    train = sources["c3"][0][:40]
    low, high = 0.1, 0.5
    examples = swap_examples(train, seed=2, source="c3_swap", density=(low, high))
    shares = []
    for ex in examples:
        n_intruders = int((ex.labels == 1).sum())
        n = len(ex.texts) - n_intruders
        # k = round(share / (1 - share) * n), at least one: the share is within rounding of the range
        assert max(1, round(low / (1 - low) * n)) - 1 <= n_intruders <= round(high / (1 - high) * n) + 1
        shares.append(n_intruders / len(ex.texts))
    assert max(shares) - min(shares) > 0.15  # drawn per thread, not one fixed share
    assert max(shares) > 0.3
    # Without a density the fixed fraction, as before.
    fixed = swap_examples(train, seed=2, source="c3_swap")
    for e in fixed:
        k = int((e.labels == 1).sum())
        assert k == max(1, round(0.2 * (len(e.texts) - k)))
    assert [e.texts for e in swap_examples(train, seed=2, source="c3_swap", density=(low, high))] == [
        e.texts for e in examples
    ]


def test_the_training_set_holds_every_context_kind_and_source(sources, data_dir):
    from model.context_memo import context_kind

    c3, omp, pages = sources["c3"][0][:20], sources["omp"][0][:100], sources["pages"][0][:10]
    examples = training_examples(c3, omp, pages, foreign=D.load_youtube(data_dir))
    assert {e.source for e in examples} == set(LABEL_DEFINITIONS)
    kinds = {context_kind(e.article, len(e.texts), e.use_thread) for e in examples}
    assert kinds == {"article+thread", "article", "thread", "none"}
    foreign = [e for e in examples if e.source == "foreign_swap"]
    # English news threads only (C3 and pages), every context kind the page swaps have.
    assert {e.group.split(":")[0] for e in foreign} == {"c3"} | {p.source for p in pages}
    assert {context_kind(e.article, len(e.texts), e.use_thread) for e in foreign} == kinds - {"none"}
    assert "foreign_swap" not in {e.source for e in training_examples(c3, omp, pages)}
    assert all(e.human for e in examples if e.source == "omp_offtopic")
    assert len(human_examples(sources["omp"][0][:100], use_thread=True)) > 0


def test_foreign_pool_is_the_spam_training_videos_cleaned(data_dir):
    """YouTube comments of the videos the spam attribute trains on, never its held-out video; ham and
    spam both; HTML and YouTube's U+FEFF gone; chatter under three words left out."""
    import csv

    from training.evaluate import TEST_VIDEO
    from training.labels import YOUTUBE_FILES

    assert D.clean_foreign("Hey guys, I&#39;m a <b>human</b>.<br /><br />Subscribe\ufeff") == (
        "Hey guys, I'm a human . Subscribe"
    )
    assert TEST_VIDEO not in D.YOUTUBE_TRAIN_FILES
    assert set(D.YOUTUBE_TRAIN_FILES) == set(YOUTUBE_FILES) - {TEST_VIDEO}
    pool = D.load_youtube(data_dir)
    assert len(pool) == len(set(pool)) > 800
    assert all(len(D._WORD.findall(t)) >= D.MIN_FOREIGN_WORDS and "\ufeff" not in t for t in pool)

    def cleaned(name: str) -> dict[str, str]:
        with (data_dir / D.YOUTUBE_DIR / name).open(encoding="utf-8", newline="") as fh:
            return {D.clean_foreign(r["CONTENT"]): r["CLASS"] for r in csv.DictReader(fh)}

    held = cleaned(TEST_VIDEO)
    trained = {t: c for name in D.YOUTUBE_TRAIN_FILES for t, c in cleaned(name).items()}
    only_held = set(held) - set(trained)
    assert len(only_held) > 300 and not only_held & set(pool)
    assert {trained[t] for t in pool} == {"0", "1"}


def test_foreign_intruders_are_labelled_off_topic(sources):
    threads = sources["pages"][0][:15]
    pool = [f"foreign comment number {i} about cooking and football" for i in range(40)]
    examples = foreign_examples(threads, pool, seed=3, fraction=0.2, article="standfirst", use_thread=False)
    assert examples and all(e.source == "foreign_swap" and not e.use_thread for e in examples)
    # The intruders are the labelled rows; the natives are context (the news swaps label them 0), and
    # none of these rows sets the review shift.
    assert not any(e.calibrate for e in examples)
    for ex in examples:
        thread = next(t for t in threads if ex.group == f"{t.source}:{t.group}")
        assert ex.article == D.standfirst(thread.article)
        assert sorted(t for t in ex.texts if t not in pool) == sorted(thread.comments)
        for text, y in zip(ex.texts, ex.labels, strict=True):
            assert y == 1.0 if text in pool else np.isnan(y)
        intruders = [t for t in ex.texts if t in pool]
        assert len(intruders) == len(set(intruders)) == max(1, round(0.2 * len(thread.comments)))
    again = foreign_examples(threads, pool, seed=3, fraction=0.2, article="standfirst", use_thread=False)
    key = [(e.texts, np.nan_to_num(e.labels, nan=-1.0).tolist()) for e in examples]
    assert [(e.texts, np.nan_to_num(e.labels, nan=-1.0).tolist()) for e in again] == key
    other = foreign_examples(threads, pool, seed=4, fraction=0.2, article="standfirst", use_thread=False)
    assert [e.texts for e in other] != [e.texts for e in examples]


def test_the_decision_fixture_is_balanced_and_names_real_seeds():
    spec = json.loads(DECISIONS_FILE.read_text(encoding="utf-8"))
    assert len(spec["articles"]) == 5  # every seed article
    for art in spec["articles"]:
        assert (REPO / art["seed"]).is_file()
        labels = [c["label"] for c in art["comments"]]
        assert labels.count(0) >= 10 and labels.count(1) >= 10


def test_decision_evaluation_counts_flags_at_the_threshold():
    class Fake:
        """Scores by a keyword, so the expected rates are known."""

        def predict_thread(self, texts, article=None, use_thread=True):
            words = {"recipe", "match", "click", "engaged"}
            p = np.array([0.9 if words & set(re.findall(r"\w+", t.lower())) else 0.1 for t in texts])
            return p, "article"

    d = evaluate_decisions(Fake())  # type: ignore[arg-type]
    for mode in ("article", "article+thread", "mixed"):
        assert d[mode]["on_topic_flagged"] == 0.0
        assert 0.0 < d[mode]["off_topic_flagged"] < 0.5
    lines = format_metrics({"swap": {}, "omp_offtopic": {}, "decisions": d})
    assert any("seed fixture (article)" in line for line in lines)


def test_dense_swap_evaluation_reports_auc_and_flag_rates_per_density(sources):
    class Constant:
        def predict_thread(self, texts, article=None, use_thread=True):
            return np.full(len(texts), 0.7), "thread"

    small = {k: (v[0], v[1][:8]) for k, v in sources.items()}
    d = evaluate_dense_swaps(Constant(), small)  # type: ignore[arg-type]
    assert set(d) == {
        f"{name}_{k}"
        for k in DENSE_SWAP_FRACTIONS
        for name in ("pages_standfirst_thread", "pages_article_thread", "c3_thread")
    }
    for name, v in d.items():
        share = v["positives"] / v["n"]
        # one intruder in two / in three (rounding per thread; comments a human flagged stay unlabelled)
        assert abs(share - (0.5 if name.endswith("1in2") else 1 / 3)) < 0.08, (name, share)
        assert v["auc"] == 0.5 and v["flagged"] == 1.0 and v["natives_flagged"] == 1.0
    assert "c3_thread_1in2 AUC 0.5000 flagged 100% / natives 100%" in format_dense(d)


def test_shipped_manifest_documents_off_topic():
    """The shipped artifact says what off_topic means, how it is called, and how it did on held-out
    articles (the numbers docs/offtopic.md quotes)."""
    manifest = json.loads((REPO / "model/default/manifest.json").read_text())
    entry = manifest["attributes"]["off_topic"]
    assert entry["interface"] == "predict_thread"
    assert "digresses" in entry["label_definition"]
    assert set(entry["hyperparameters"]["label_definitions"]) == set(LABEL_DEFINITIONS)
    assert entry["threshold"] == 0.6
    heldout = entry["metrics"]["heldout"]
    assert heldout["swap"]["pages_standfirst_thread"]["auc"] > 0.8
    assert heldout["omp_offtopic"]["thread"]["auc"] > 0.5


class _Stop(Exception):
    pass


def test_off_topic_training_says_what_it_does_not_use(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--feedback off_topic verdicts and --decisions files are reported as unused, not dropped silently."""
    from service.storage import Feedback, Store, Target
    from training import offtopic
    from training.train import TrainingRequest

    store = Store.open(Target(path=tmp_path / "fb.sqlite3"))
    store.add_feedback(Feedback(text="what about the weather", attribute="off_topic", label=1))
    store.add_feedback(Feedback(text="you moron", attribute="insult", label=1))
    store.close()

    def stop(*args: object, **kwargs: object) -> None:
        raise _Stop

    monkeypatch.setattr(offtopic, "train_off_topic", stop)  # only the reporting before training
    lines: list[str] = []
    request = TrainingRequest(data_dir, feedback=tmp_path / "fb.sqlite3", decisions=(tmp_path / "x.csv",))
    with pytest.raises(_Stop):
        offtopic.train_attribute(request, lines.append)
    assert any("NOT USED: 1 off_topic verdicts" in line for line in lines)
    assert any("NOT USED: --decisions" in line for line in lines)


def test_manifest_languages_are_those_trained_on_and_working() -> None:
    """English (C3, pages) and German (One Million Posts) when each trained the model and its held-out
    swap test works; a language whose test fails, or that did not train, is left out."""
    threads = {"c3": {"train": 5}, "pages": {"train": 3}, "omp": {"train": 4}}
    swap = {"c3_thread": {"auc": 0.9}, "pages_standfirst_thread": {"auc": 0.95}, "omp_thread": {"auc": 0.87}}
    assert trained_languages(threads, swap) == ["en", "de"]
    assert trained_languages(threads, {**swap, "omp_thread": {"auc": 0.55}}) == ["en"]
    assert trained_languages({**threads, "omp": {"train": 0}}, swap) == ["en"]
    assert trained_languages(threads, {**swap, "omp_thread": {"auc": None}}) == ["en"]
    no_english = {"c3_thread": {"auc": 0.6}, "pages_standfirst_thread": {"auc": 0.6}}
    assert trained_languages(threads, {**swap, **no_english}) == ["de"]


def test_training_data_lists_the_sources_trained_on(sources) -> None:
    """The manifest's training_data names the off-topic sources with their labelled rows, not C3's
    non_relevant label (UNSUBSTANTIAL's), which off_topic does not train on."""
    examples = training_examples(
        sources["c3"][0][:20], sources["omp"][0][:30], sources["pages"][0][:5], seed=0
    )
    entries = [c.manifest_entry() for c in training_corpora(examples)]
    names = [e["name"] for e in entries]
    assert set(names) <= set(LABEL_DEFINITIONS) and "c3_swap" in names and "omp_offtopic" in names
    labelled = sum(int(np.isfinite(e.labels).sum()) for e in examples)
    assert sum(e["rows_used"] for e in entries) == labelled
    for e in entries:
        assert 0 <= e["positives"] < e["rows_used"] and e["label_definition"] == LABEL_DEFINITIONS[e["name"]]
    assert next(e for e in entries if e["name"] == "c3_swap")["positives"] > 0  # the intruders


def test_off_topic_fits_under_one_blas_thread(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dense fits are small: a second BLAS thread only waits (docs/offtopic.md, Speed)."""
    from threadpoolctl import threadpool_info

    from training import offtopic

    seen: list[int] = []

    class Recording:
        def fit(self, *_args: object, **_kwargs: object) -> None:
            seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
            raise _Stop

    monkeypatch.setattr(offtopic, "ContextOffTopic", Recording)
    with pytest.raises(_Stop):
        offtopic.train_off_topic(data_dir, default_articles_dir(data_dir))
    assert seen and set(seen) == {1}


def test_the_manifest_hashes_the_pages_off_topic_trains_on(data_dir: Path, tmp_path: Path) -> None:
    """Its data_files hashed C3, One Million Posts and YouTube but neither page directory (the
    article pages are its largest source): a model trained without them looked the same."""
    import shutil

    from training.offtopic import NO_ARTICLES, data_files

    articles = tmp_path / "articles"
    shutil.copytree(default_articles_dir(data_dir), articles)
    files = data_files(data_dir, articles)
    assert files["dragnet-pages/*.gold.txt"] == data_files(data_dir, None)["dragnet-pages/*.gold.txt"]
    assert files["articles/**/*.html"] != NO_ARTICLES and len(files["articles/**/*.html"]) == 64
    assert data_files(data_dir, None)["articles/**/*.html"] == NO_ARTICLES
    page = next(articles.rglob("*.html"))
    page.write_text(page.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert data_files(data_dir, articles)["articles/**/*.html"] != files["articles/**/*.html"]
