"""Off-topic datasets (C3 non_relevant, swap pairs, pseudo-articles, real pages), the article split and
the evaluation functions, on the real corpora."""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from model.context import ContextOffTopic
from training.offtopic import (
    C3_FILE,
    LABEL_DEFINITIONS,
    LENGTH_BINS,
    SOURCE_WEIGHTS,
    C3Comment,
    build_training_threads,
    evaluate_non_relevant,
    evaluate_swap,
    format_metrics,
    is_heldout_article,
    load_c3_threads,
    load_page_threads,
    non_relevant_threads,
    page_swap_threads,
    split_articles,
    swap_threads,
)


@pytest.fixture(scope="module")
def groups(data_dir: Path) -> dict[str, list[C3Comment]]:
    return load_c3_threads(data_dir)


@pytest.fixture(scope="module")
def raw_rows(data_dir: Path) -> list[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with (data_dir / C3_FILE).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_c3_is_grouped_by_article(groups, raw_rows):
    assert sum(len(c) for c in groups.values()) == len(raw_rows) == 9900
    assert len(groups) == len({r["article_id"] for r in raw_rows}) == 395


@pytest.mark.parametrize(("votes", "label"), [(0, 0.0), (2, 1.0), (3, 1.0), (4, 1.0)])
def test_non_relevant_votes_map_to_labels(groups, raw_rows, votes, label):
    """Checked against the raw vote strings: a row with exactly ``votes`` non_relevant votes."""
    pattern = re.compile(rf"(^|\s)non_relevant:{votes}(\s|$)")
    row = next(
        r
        for r in raw_rows
        if (
            pattern.search(r["non_constructive_characteristics"])
            if votes
            else "non_relevant" not in r["non_constructive_characteristics"]
        )
    )
    comment = next(c for c in groups[row["article_id"]] if c.text == row["comment_text"].strip())
    assert comment.non_relevant_votes == votes
    assert comment.label == label


def test_one_vote_is_unlabelled(groups):
    one = [c for cs in groups.values() for c in cs if c.non_relevant_votes == 1]
    assert len(one) > 1000
    assert all(np.isnan(c.label) for c in one)


def test_article_split_is_disjoint_deterministic_and_about_a_fifth(groups):
    train, test = split_articles(groups)
    assert not set(train) & set(test)
    assert set(train) | set(test) == set(groups)
    assert 0.12 < len(test) / len(groups) < 0.28
    assert all(is_heldout_article(a) for a in test)
    assert split_articles(groups)[1].keys() == test.keys()


def test_non_relevant_threads_keep_unlabelled_comments_as_context(groups):
    threads = non_relevant_threads(groups)
    assert len(threads) == len(groups)
    ex = max(threads, key=lambda t: len(t.texts))
    aid = ex.meta["article_id"]
    assert ex.texts == tuple(c.text for c in groups[aid])
    assert np.isnan(ex.labels).sum() == sum(c.non_relevant_votes == 1 for c in groups[aid])


def test_swap_threads_mix_in_comments_from_other_articles(groups):
    _, test = split_articles(groups)
    own_text = {aid: {c.text for c in cs} for aid, cs in test.items()}
    for ex in swap_threads(test, seed=5):
        aid = ex.meta["article_id"]
        intruders = [t for t, y in zip(ex.texts, ex.labels, strict=True) if y == 1]
        natives = [t for t, y in zip(ex.texts, ex.labels, strict=True) if y == 0]
        assert intruders and all(t not in own_text[aid] for t in intruders)
        assert all(t in own_text[aid] for t in natives)
        assert len(intruders) == max(1, round(0.2 * len(groups[aid])))
        assert ex.task == "intruder"


@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.35])
def test_swap_mix_threads_are_intrusion_data_at_other_rates(groups, fraction):
    """swap_mix threads carry the intrusion task at 0% (a clean thread: natives only), 5% or 35%."""
    _, test = split_articles(groups)
    threads = swap_threads(test, seed=3, intruder_fraction=fraction, mix=True)
    assert len(threads) == len(test)
    for ex in threads:
        assert ex.task == "intruder" and ex.source == "swap_mix"
        n_native = len(groups[ex.meta["article_id"]])
        k = max(1, round(fraction * n_native)) if fraction else 0
        assert int(np.nansum(ex.labels)) == k
        assert len(ex.texts) == n_native + k


def test_swap_threads_are_reproducible(groups):
    _, test = split_articles(groups)
    a = swap_threads(test, seed=11)
    b = swap_threads(test, seed=11)
    assert [x.texts for x in a] == [x.texts for x in b]


def test_pseudo_article_comments_leave_the_thread(groups):
    _, test = split_articles(groups)
    for ex in swap_threads(test, seed=2, pseudo_article_size=4):
        assert ex.article is not None
        body_parts = ex.article.body.split("\n\n")
        assert len(body_parts) == 4
        assert not set(body_parts) & set(ex.texts)


def test_real_pages_are_parsed_into_article_and_comments(articles_dir):
    pages = load_page_threads(articles_dir)
    assert len(pages) >= 10
    for page in pages:
        assert page.article.body.strip()
        assert len(page.comments) >= 3
    swaps = page_swap_threads(pages, seed=0)
    assert len(swaps) == len(pages)
    for page, ex in zip(pages, swaps, strict=True):
        assert ex.article == page.article
        assert ex.texts[: len(page.comments)] == page.comments


def test_every_context_kind_and_source_is_in_the_training_set(groups, articles_dir):
    train, _ = split_articles(groups)
    subset = {a: train[a] for a in sorted(train)[:30]}
    threads = build_training_threads(subset, load_page_threads(articles_dir))
    kinds = {(ex.article is not None, ex.use_thread) for ex in threads}
    assert kinds == {(True, True), (True, False), (False, True), (False, False)}
    assert {ex.source for ex in threads} == set(SOURCE_WEIGHTS) == set(LABEL_DEFINITIONS)


@pytest.mark.slow
def test_evaluation_reports_auc_overall_per_length_bin_and_swap(groups):
    train, test = split_articles(groups)
    subset = {a: train[a] for a in sorted(train)[:100]}
    model = ContextOffTopic(Cs=(0.1,), cv_folds=2).fit(build_training_threads(subset, seed=1))
    nr = evaluate_non_relevant(model, test)
    assert nr["n"] == sum(not np.isnan(c.label) for cs in test.values() for c in cs)
    assert [b["chars"] for b in nr["bins"]] == [f"{lo}-{hi if hi < 10**9 else ''}" for lo, hi in LENGTH_BINS]
    assert sum(b["n"] for b in nr["bins"]) == nr["n"]
    assert nr["auc_thread"] > 0.7  # a blind guess is 0.5
    sw = evaluate_swap(model, test)
    assert sw["auc_thread"] > sw["auc_none"] + 0.15
    lines = list(format_metrics({"c3_non_relevant": nr, "c3_swap": sw}))
    assert len(lines) == 2 + len(LENGTH_BINS)


def test_shipped_manifest_documents_off_topic():
    """The shipped artifact says what off_topic means, how it is called, and how it did on held-out
    articles (the numbers the README quotes)."""
    import json

    manifest = json.loads((Path(__file__).resolve().parents[2] / "model/default/manifest.json").read_text())
    entry = manifest["attributes"]["off_topic"]
    assert entry["interface"] == "predict_thread"
    assert "non_relevant" in entry["label_definition"]
    assert set(entry["hyperparameters"]["label_definitions"]) == set(LABEL_DEFINITIONS)
    assert 0.0 < entry["threshold"] < 1.0
    heldout = entry["metrics"]["heldout"]
    assert heldout["c3_non_relevant"]["auc_thread"] > 0.5
    assert heldout["c3_swap"]["auc_thread"] > heldout["c3_swap"]["auc_none"]
    assert entry["training_data"][0]["files"][0]["path"].endswith("C3_anonymized.csv")


class _Stop(Exception):
    pass


def test_off_topic_training_says_what_it_does_not_use(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--feedback off_topic verdicts and --decisions files are reported as unused, not dropped silently."""
    from service.store import Feedback, FeedbackStore
    from training import offtopic
    from training.train import TrainingRequest

    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.add(Feedback(text="what about the weather", attribute="off_topic", label=1))
    store.add(Feedback(text="you moron", attribute="insult", label=1))
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
