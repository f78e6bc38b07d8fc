"""Training recipe, artifact writing, feedback and the train/eval CLIs, on small real data."""

from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from core.errors import TrainingDataError
from model.artifact import MANIFEST, load_artifact
from service.cli import main as moderate
from training import corpora as C
from training import evaluate, languages, train

SMALL = train.LinearConfig(c_grid=(1.0, 4.0), nb_grid=(0.5, 1.0), folds=3)


@pytest.fixture(scope="module")
def kaggle_600(data_dir: Path) -> C.Corpus:
    corpus = C.load_kaggle(data_dir / C.KAGGLE_DIR / "train.csv")
    return corpus.subset(list(range(600)), "kaggle-600")


@pytest.mark.slow
def test_fit_linear_chooses_c_by_cv_and_calibrates(kaggle_600: C.Corpus) -> None:
    lines: list[str] = []
    model, hyper, metrics, threshold = train.fit_linear([kaggle_600], SMALL, lines.append, "t")
    assert hyper["C"] in SMALL.c_grid and hyper["nb_alpha"] in SMALL.nb_grid
    assert model.featurizer_.nb_alpha == hyper["nb_alpha"] and hyper["C"] == model.C
    best = max(metrics["cv_roc_auc_grid"].values())
    assert metrics["cv_roc_auc_mean"] == best
    assert 0.0 < threshold < 1.0
    assert sum("fold" in line for line in lines) == SMALL.folds  # progress is reported per fold
    p = model.predict_proba(list(kaggle_600.texts))[:, 1]
    assert p.min() > 0.0 and p.max() < 1.0


@pytest.mark.slow
def test_training_is_deterministic(kaggle_600: C.Corpus) -> None:
    a = train.fit_linear([kaggle_600], SMALL, lambda _: None, "t")[0]
    b = train.fit_linear([kaggle_600], SMALL, lambda _: None, "t")[0]
    assert pickle.dumps(a.featurizer_) == pickle.dumps(b.featurizer_)
    assert np.array_equal(a.coef_, b.coef_) and a.calibration_ == b.calibration_


def test_single_class_data_is_refused(kaggle_600: C.Corpus) -> None:
    positives = kaggle_600.subset([i for i, y in enumerate(kaggle_600.labels) if y == 1])
    with pytest.raises(TrainingDataError, match="only label 1"):
        train.fit_linear([positives], SMALL, lambda _: None, "insult")


def test_cv_groups_keep_articles_together() -> None:
    corpus = C.Corpus("c", "d", ("a", "b", "c", "d"), (0, 1, 0, 1), ("x", "x", None, None), ())
    groups = train._groups([corpus])
    assert groups[0] == groups[1] and len(set(groups.tolist())) == 3


def test_cv_groups_join_weak_rows_to_their_article() -> None:
    main = C.Corpus("c3", "d", ("a", "b"), (0, 1), ("x", "y"), ())
    weak = C.Corpus("c3/weak", "d", ("c",), (1,), ("x",), (), weight=0.3)
    groups = train._groups([main, weak])
    assert groups[0] == groups[2] and groups[0] != groups[1]


@pytest.mark.slow
def test_weak_rows_are_trained_on_but_not_scored(kaggle_600: C.Corpus) -> None:
    import dataclasses

    main = kaggle_600.subset(list(range(400)), "main")
    # Weak rows labelled 1 whatever their real label: if CV scored them, the AUC would change.
    weak_idx = list(range(400, 600))
    weak = dataclasses.replace(kaggle_600.subset(weak_idx, "weak"), labels=(1,) * len(weak_idx), weight=0.3)
    lines: list[str] = []
    model, hyper, metrics, threshold = train.fit_linear([main, weak], SMALL, lines.append, "t")
    assert metrics["rows"] == 600 and metrics["scored_rows"] == 400
    assert hyper["corpus_weights"] == {"main": 1.0, "weak": 0.3}
    assert set(metrics["cv_roc_auc_by_corpus"]) == {"main"}
    assert 0.0 < threshold < 1.0
    # the weights reach the fit: a model on the same rows with full weight differs
    full = dataclasses.replace(weak, weight=1.0, name="weak-full")
    other = train.fit_linear([main, full], SMALL, lambda _: None, "t")[0]
    assert not np.array_equal(model.coef_, other.coef_)


def _small_trainer(corpus: C.Corpus) -> train.Trainer:
    def trainer(request: train.TrainingRequest, progress: train.Progress) -> train.TrainedAttribute:
        corpora = [corpus]
        if request.feedback is not None:
            corpora.append(C.load_feedback(request.feedback, "insult"))
        model, hyper, metrics, threshold = train.fit_linear(corpora, SMALL, progress, "insult")
        return train.TrainedAttribute(model, "predict_proba", "test", threshold, metrics, hyper, corpora)

    return trainer


@pytest.mark.slow
def test_retraining_one_attribute_keeps_the_others(
    tmp_path: Path, kaggle_600: C.Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(train.TRAINERS, "insult", _small_trainer(kaggle_600))
    monkeypatch.setitem(train.TRAINERS, "other", _small_trainer(kaggle_600.subset(list(range(300)))))
    out = tmp_path / "model"
    first = train.train_artifact(train.TrainingRequest(tmp_path), out, ["insult", "other"])
    second = train.train_artifact(train.TrainingRequest(tmp_path), out, ["insult"])
    assert second["attributes"]["other"] == first["attributes"]["other"]
    # same data and code: same model bytes, so the same version
    assert second["attributes"]["insult"]["sha256"] == first["attributes"]["insult"]["sha256"]
    assert second["model_version"] == first["model_version"]
    manifest, models = load_artifact(out)
    assert set(models) == {"insult", "other"}
    assert manifest["attributes"]["insult"]["training_data"][0]["rows_used"] == 600
    # A damaged file of the attribute being retrained does not cost the others.
    (out / manifest["attributes"]["insult"]["file"]).write_bytes(b"damaged")
    third = train.train_artifact(train.TrainingRequest(tmp_path), out, ["insult"])
    assert third["attributes"]["other"] == first["attributes"]["other"]
    assert set(load_artifact(out)[1]) == {"insult", "other"}


@pytest.mark.slow
def test_retraining_one_attribute_refuses_when_the_others_cannot_be_carried_over(
    tmp_path: Path, kaggle_600: C.Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--attribute insult` published a version holding insult alone (a progress line said the others
    were not kept) when a file of the version served failed its hash check: activated, it silently
    served without the other attributes."""
    from core.errors import ModelError

    monkeypatch.setitem(train.TRAINERS, "insult", _small_trainer(kaggle_600))
    monkeypatch.setitem(train.TRAINERS, "other", _small_trainer(kaggle_600.subset(list(range(300)))))
    served = tmp_path / "served"
    first = train.train_artifact(train.TrainingRequest(tmp_path), served, ["insult", "other"])
    (served / first["attributes"]["other"]["file"]).write_bytes(b"damaged")
    out = tmp_path / "new"
    with pytest.raises(ModelError, match=r"cannot carry over .*other.*sha256"):
        train.train_artifact(train.TrainingRequest(tmp_path), out, ["insult"], carry_from=served)
    assert not out.exists()


@pytest.mark.slow
def test_feedback_rows_are_learned_and_counted(
    tmp_path: Path, kaggle_600: C.Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "fb.sqlite3"
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE feedback(id INTEGER PRIMARY KEY, text TEXT NOT NULL, attribute TEXT NOT NULL,"
        " label INTEGER NOT NULL, article_id TEXT, created_at TEXT NOT NULL)"
    )
    # distinct comments (a repeated text counts once: its latest verdict; the model reads digits as 0,
    # so "number 7" and "number 8" would be one text)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    words += ["kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango"]
    words += ["uniform", "victor", "whiskey", "xray", "yankee", "zulu", "red", "green", "blue", "black"]
    rows = [(f"zorblax wrote this, you zorblax ({word})", 1) for word in words]
    rows += [("the zorblax report was fair", 0), ("a fair zorblax report", 0)]
    con.executemany(
        "INSERT INTO feedback(text, attribute, label, created_at) VALUES (?, 'insult', ?, 'now')", rows
    )
    con.commit()
    con.close()
    monkeypatch.setitem(train.TRAINERS, "insult", _small_trainer(kaggle_600))
    manifest = train.train_artifact(train.TrainingRequest(tmp_path, feedback=db), tmp_path / "m", ["insult"])
    sources = {s["name"]: s for s in manifest["attributes"]["insult"]["training_data"]}
    assert sources["feedback/insult"]["rows_used"] == 32
    _, models = load_artifact(tmp_path / "m")
    # the moderators' new word now raises the score
    p = models["insult"].predict_proba(["you zorblax", "you are here"])[:, 1]
    assert p[0] > p[1]


def test_train_cli_reports_missing_data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert moderate(["train", "--data-dir", str(tmp_path / "nope"), "--out", str(tmp_path / "m")]) == 1
    assert "not found" in capsys.readouterr().err
    assert not (tmp_path / "m" / MANIFEST).exists()


def test_floors_file_covers_every_evaluation() -> None:
    floors = evaluate.load_floors()
    assert set(floors) >= {"insult/kaggle_public", "insult/c3_by_article"} | set(evaluate.FAMILY_TESTS)
    assert {name.split("/")[0] for name in evaluate.FAMILY_TESTS} >= {"toxicity", "spam", "unsubstantial"}
    assert all(0 < v < 1 for f in floors.values() for v in f.values())


def test_compare_flags_metrics_below_floor() -> None:
    floors = {"a": {"roc_auc": 0.9}, "b": {"roc_auc": 0.5}}
    results = {"a": {"roc_auc": 0.85}, "b": {"roc_auc": 0.7}}
    assert evaluate.compare(results, floors) == ["a: roc_auc 0.8500 < floor 0.9000"]
    assert evaluate.compare({"a": {}}, {"a": {"pr_auc": 0.1}}) == [
        "a: pr_auc has a floor but was not measured"
    ]


def test_eval_cli_fails_below_floor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    metrics = {"roc_auc": 0.5, "pr_auc": 0.3, "precision": 0.1, "recall": 0.1, "f1": 0.1}
    metrics |= {"threshold": 0.5, "n": 10, "positives": 3}
    monkeypatch.setattr(evaluate, "EVALUATIONS", {"fake": lambda d, p: metrics})
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"floors": {"fake": {"roc_auc": 0.8}}}))
    assert moderate(["eval", "--data-dir", str(tmp_path), "--floors", str(floors)]) == 1
    assert "roc_auc 0.5000 < floor 0.8000" in capsys.readouterr().out
    floors.write_text(json.dumps({"floors": {"fake": {"roc_auc": 0.4}}}))
    assert moderate(["eval", "--data-dir", str(tmp_path), "--floors", str(floors)]) == 0


def test_c3_split_is_by_article(data_dir: Path) -> None:
    c3 = C.c3_corpus(data_dir / C.C3_DIR / "C3_anonymized.csv")
    test_articles = {a for a in c3.article_ids if evaluate.in_test_split(a)}
    train_articles = {a for a in c3.article_ids if not evaluate.in_test_split(a)}
    assert not test_articles & train_articles
    assert 0.1 < len(test_articles) / len(set(c3.article_ids)) < 0.3


@pytest.mark.slow
def test_insult_training_adds_olid_as_weak_rows_only(data_dir: Path) -> None:
    from training.heads import head_corpora

    corpora = head_corpora(data_dir)["insult"]
    by_name = {c.name: c for c in corpora}
    assert by_name["olid/tin-ind"].weight == train.OLID_POS_WEIGHT < 1.0
    assert by_name["olid/not"].weight == train.OLID_NEG_WEIGHT < 1.0
    # Scored (weight 1) rows are exactly the Kaggle files and C3: OLID never enters CV scores.
    scored = {c.name for c in corpora if c.weight >= 1.0}
    assert scored == {"kaggle-2012/train.csv", "kaggle-2012/test_with_solutions.csv", "c3/personal_attack"}
    assert all(a is None for c in corpora if c.name.startswith("olid/") for a in c.article_ids)


@pytest.mark.parametrize(
    ("floors", "message"),
    [
        ({"insult/kaggle_publc": {"roc_auc": 0.9}}, "unknown evaluations"),  # typo: checked nothing
        ({"insult/kaggle_public": {"roc_auc": "0.9"}}, "not a number"),
        ({"insult/kaggle_public": {"roc_auc": 91}}, "not a number"),
        ({"insult/kaggle_public": {}}, "metric names"),
    ],
)
def test_eval_refuses_a_floors_file_that_checks_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], floors: dict[str, object], message: str
) -> None:
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"floors": floors}))
    # fails before any evaluation trains a model (the data dir holds no corpora at all)
    assert moderate(["eval", "--data-dir", str(tmp_path), "--floors", str(path)]) == 1
    captured = capsys.readouterr()
    assert message in captured.err and "evaluating" not in captured.out


@pytest.mark.parametrize("content", ["{not json", '{"floor": {}}', '["floors"]'])
def test_eval_reports_an_unreadable_floors_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = tmp_path / "floors.json"
    path.write_text(content)
    assert moderate(["eval", "--data-dir", str(tmp_path), "--floors", str(path)]) == 1
    assert "cannot read floors" in capsys.readouterr().err
    assert moderate(["eval", "--data-dir", str(tmp_path), "--floors", str(tmp_path / "nope.json")]) == 1


def test_compare_fails_nan_and_unfloored_evaluations() -> None:
    nan = float("nan")
    assert evaluate.compare({"a": {"roc_auc": nan}}, {"a": {"roc_auc": 0.5}}) == [
        "a: roc_auc nan < floor 0.5000"
    ]
    assert evaluate.compare({"b": {"roc_auc": 0.9}}, {}) == [
        "b: no floor in the floors file, nothing is checked"
    ]


def _must_not_train(request: train.TrainingRequest, progress: train.Progress) -> train.TrainedAttribute:
    raise AssertionError("trained although --out is refused")


@pytest.mark.parametrize("kind", ["project dir", "file", "under a file"])
def test_train_cli_refuses_an_out_it_must_not_replace_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    monkeypatch.setattr(train, "TRAINERS", {"insult": _must_not_train})
    keep = tmp_path / "notes.txt"
    keep.write_text("keep me")
    out = {"project dir": tmp_path, "file": keep, "under a file": keep / "model"}[kind]
    assert moderate(["train", "--data-dir", str(tmp_path), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "moderate train: error:" in err and "Traceback" not in err
    assert keep.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def _tiny_insult_data(monkeypatch: pytest.MonkeyPatch, kaggle: C.Corpus) -> None:
    """The real family trainer and CLI, with one head (insult) on 600 real Kaggle rows."""
    from training import heads

    half = {"train.csv": list(range(300)), "test_with_solutions.csv": list(range(300, len(kaggle)))}
    monkeypatch.setattr(C, "load_kaggle", lambda path, name=None: kaggle.subset(half[path.name], path.name))
    spec = heads.HeadSpec("insult", "test", lambda d: heads._kaggle(d))
    monkeypatch.setattr(heads, "HEADS", (spec,))
    # English only: the German/French/Arabic models have tests of their own (test_languages)
    monkeypatch.setattr(languages, "train_languages", lambda data_dir, attribute, progress, feedback=None: {})


@pytest.mark.slow
def test_train_cli_learns_the_operators_decisions_and_reports_bad_rows(
    tmp_path: Path, kaggle_600: C.Corpus, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _tiny_insult_data(monkeypatch, kaggle_600)
    mine = tmp_path / "mine.csv"
    # 30 texts (a text decided again counts once: test_corpora), apart by a made-up word each
    words = [c + v + "x" for c in "bdfgkm" for v in "aeiou"]
    rows = [f'"zorblax wrote this {w}, you zorblax",1' for w in words]
    rows += ["the zorblax report was fair,0", "the zorblax report was fair enough,0"]
    rows += [",1", "you zorblax,maybe"]
    mine.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "m"
    argv = ["train", "--data-dir", str(tmp_path), "--out", str(out), "--attribute", "insult"]
    assert moderate([*argv, "--decisions", str(mine)]) == 0
    printed = capsys.readouterr().out
    assert "decisions/mine.csv: 32 rows used (30 positive); bad empty text: 1, unknown label: 1" in printed
    manifest, models = load_artifact(out)
    sources = {s["name"]: s for s in manifest["attributes"]["insult"]["training_data"]}
    assert sources["decisions/mine.csv"]["bad_rows"] == {"empty text": 1, "unknown label": 1}
    p = models["insult"].predict_proba(["you zorblax", "you are here"])[:, 1]
    assert p[0] > p[1]


@pytest.mark.slow
def test_train_cli_sends_verdicts_on_german_comments_to_the_german_model(
    tmp_path: Path, kaggle_600: C.Corpus, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.storage import Feedback, Store, Target

    _tiny_insult_data(monkeypatch, kaggle_600)
    got = tmp_path / "language-feedback.json"

    def fake(data_dir: Path, attribute: str, progress: train.Progress, feedback: object = None) -> dict:
        parts = feedback if isinstance(feedback, dict) else {}
        texts = {k: [t for c in cs for t in c.texts] for k, cs in parts.items()}
        got.write_text(json.dumps(texts))  # runs in a forked child
        return {}

    monkeypatch.setattr(languages, "train_languages", fake)
    german = "Du bist ein kompletter Idiot und solltest dich schämen, ehrlich."
    store = Store.open(Target(path=tmp_path / "fb.sqlite3"))
    for text, label in [(german, 1), ("you utter zorblax", 1), ("a fair zorblax report", 0)]:
        store.add_feedback(Feedback(text=text, attribute="insult", label=label))
    store.close()
    french = "Tu es vraiment un imbécile fini, retourne à l'école et apprends à lire."
    mine = tmp_path / "mine.csv"
    mine.write_text(f'text,label\n"{french}",1\nyou total zorblax,1\n', encoding="utf-8")
    argv = ["train", "--data-dir", str(tmp_path), "--out", str(tmp_path / "m"), "--attribute", "insult"]
    assert moderate([*argv, "--feedback", str(tmp_path / "fb.sqlite3"), "--decisions", str(mine)]) == 0
    printed = capsys.readouterr().out
    assert "feedback/insult: 2 rows used (1 positive); excluded in de (trains the de model" in printed
    assert "decisions/mine.csv: 1 rows used (1 positive); excluded in fr (trains the fr model" in printed
    assert json.loads(got.read_text()) == {"de": [german], "fr": [french]}


def test_train_cli_stops_on_single_class_data(
    tmp_path: Path, kaggle_600: C.Corpus, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    positives = kaggle_600.subset([i for i, y in enumerate(kaggle_600.labels) if y == 1])
    _tiny_insult_data(monkeypatch, kaggle_600)
    monkeypatch.setattr(C, "load_kaggle", lambda path, name=None: positives.subset([0, 1, 2], path.name))
    out = tmp_path / "m"
    assert moderate(["train", "--data-dir", str(tmp_path), "--out", str(out), "--attribute", "insult"]) == 1
    err = capsys.readouterr().err
    assert "only label 1" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("option", ["--feedback", "--decisions"])
def test_train_cli_reports_a_missing_input_file_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    monkeypatch.setattr(train, "TRAINERS", {"insult": _must_not_train})
    argv = ["train", "--data-dir", str(tmp_path), "--out", str(tmp_path / "m"), option, str(tmp_path / "x")]
    assert moderate(argv) == 1
    assert "not found" in capsys.readouterr().err


def test_too_few_rows_for_cross_validation_is_a_training_error(kaggle_600: C.Corpus) -> None:
    pos = [i for i, y in enumerate(kaggle_600.labels) if y == 1][:2]
    neg = [i for i, y in enumerate(kaggle_600.labels) if y == 0][:10]
    with pytest.raises(TrainingDataError, match="at least 3 of each"):
        train.fit_linear([kaggle_600.subset(pos + neg)], SMALL, lambda _: None, "insult")


def test_eval_names_every_missing_corpus_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / C.KAGGLE_DIR).mkdir()
    for name in ("train.csv", "test_with_solutions.csv"):
        (tmp_path / C.KAGGLE_DIR / name).write_text("Insult,Date,Comment\n")
    assert moderate(["eval", "--data-dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "C3_anonymized.csv" in captured.err and "olid-training-v1.0.tsv" in captured.err
    assert "evaluating" not in captured.out  # nothing trained for minutes before failing


@pytest.mark.slow
def test_an_attribute_named_twice_is_trained_once(
    tmp_path: Path, kaggle_600: C.Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    trainer = _small_trainer(kaggle_600)

    def counting(request: train.TrainingRequest, progress: train.Progress) -> train.TrainedAttribute:
        calls.append("insult")
        return trainer(request, progress)

    monkeypatch.setitem(train.TRAINERS, "insult", counting)
    train.train_artifact(train.TrainingRequest(tmp_path), tmp_path / "m", ["insult", "insult"])
    assert calls == ["insult"]
