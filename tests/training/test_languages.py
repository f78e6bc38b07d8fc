"""German, French and Arabic corpora, their fixed held-out splits and the per-language trainer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training import language_corpora as LC
from training import languages as LG
from training.corpora import Corpus


def test_germeval_labels_and_accounting(data_dir: Path) -> None:
    tox = LC.load_germeval(data_dir / LC.GERMEVAL_FILE, "toxicity")
    insult = LC.load_germeval(data_dir / LC.GERMEVAL_FILE, "insult")
    assert len(tox) == len(insult) == tox.files[0].rows == 5009
    assert tox.positives == 1688  # OFFENSE, as PROVENANCE.md counts
    assert insult.positives == 1022 + 595  # ABUSE + INSULT
    assert all("|LBR|" not in t for t in tox.texts)


def test_mlma_labels_exclude_what_is_not_an_insult(data_dir: Path) -> None:
    tox = LC.load_mlma(data_dir / LC.MLMA_FILES["fr"], "fr", "toxicity")
    insult = LC.load_mlma(data_dir / LC.MLMA_FILES["fr"], "fr", "insult")
    assert tox.files[0].rows == 2863 and tox.excluded == {"duplicate tweet": 2}
    assert len(tox) - tox.positives == len(insult) - insult.positives  # same "normal" rows
    assert insult.excluded["hateful/fearful only (not clearly an insult)"] > 0
    assert 0.6 < tox.positives / len(tox) < 0.9  # mostly hostile: why the trainer balances classes


def test_omp_rows_are_either_annotated_or_moderated(data_dir: Path) -> None:
    annotated = LC.load_omp(data_dir / LC.OMP_FILE)
    deleted = LC.load_omp_deleted(data_dir / LC.OMP_FILE)
    assert len(annotated) + len(deleted) + sum(deleted.bad.values()) == annotated.files[0].rows == 8611
    assert all(a is not None for a in annotated.article_ids)
    inappropriate = LC.load_omp(data_dir / LC.OMP_FILE, only_inappropriate=True)
    assert len(inappropriate) == len(annotated) and inappropriate.positives < annotated.positives


def test_held_out_split_is_fixed_and_by_article(data_dir: Path) -> None:
    annotated = LC.load_omp(data_dir / LC.OMP_FILE)
    train, test = LG.held_out(annotated)
    assert not set(train.article_ids) & set(test.article_ids)
    assert len(train) + len(test) == len(annotated)
    assert 0.1 < len(set(test.article_ids)) / len(set(annotated.article_ids)) < 0.3
    assert LG.held_out(annotated)[1].texts == test.texts


def test_balanced_weights_even_out_each_corpus() -> None:
    a = Corpus("a", "d", ("x",) * 4, (1, 1, 1, 0), (None,) * 4, ())
    b = Corpus("b", "d", ("y",) * 2, (0, 1), (None,) * 2, (), weight=0.3)
    w = LG.balanced_weights([a, b])
    assert w[:3].sum() == pytest.approx(w[3]) and w[4] == pytest.approx(w[5]) == pytest.approx(0.3)


@pytest.mark.slow
def test_a_language_model_learns_and_is_calibrated(data_dir: Path) -> None:
    corpus = LC.load_germeval(data_dir / LC.GERMEVAL_FILE, "toxicity")
    train, test = LG.held_out(corpus.subset(list(range(1500))))
    model = LG.train_language([train], "de", "toxicity", lambda _m: None)
    p = model.model.predict_proba(list(test.texts))[:, 1]
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(test.labels, p) > 0.7
    assert 0 < model.threshold < 1 and model.metrics["cv_roc_auc_mean"] > 0.65
    entry = model.manifest_entry()
    assert entry["training_data"][0]["files"][0]["rows"] == 5009
    assert np.isfinite(p).all()


class _Constant:
    def __init__(self, value: float) -> None:
        self.value = value

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        p = np.full(len(texts), self.value)
        return np.column_stack([1 - p, p])


def _held_out_french(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, texts: tuple[str, ...], labels: tuple[int, ...]
) -> tuple[list[np.ndarray], dict[str, float]]:
    """evaluate_held_out on a French set with constant per-language models (de 0.2, fr 0.6, ar 0.9,
    the served base 0.05): the probabilities it scored, per pass, and its metrics."""
    test = Corpus("mlma/fr/toxicity", "d", texts, labels, (None,) * len(texts), ())
    models = {
        lang: LG.LanguageModel(lang, _Constant(value), 0.5, {}, {}, (), 0.0)  # type: ignore[arg-type]
        for lang, value in (("de", 0.2), ("fr", 0.6), ("ar", 0.9))
    }
    monkeypatch.setattr(LG, "split_models", lambda *_a: LG.SplitModels(models, {"mlma/fr/toxicity": test}))
    seen: list[np.ndarray] = []

    def metrics(labels: object, p: np.ndarray, threshold: float, groups: object = None) -> dict[str, float]:
        seen.append(np.asarray(p))
        return {"roc_auc": 0.5}

    monkeypatch.setattr("training.fit.binary_metrics", metrics)
    out = LG.evaluate_held_out(tmp_path, "toxicity/fr_mlma", lambda _m: None, base=lambda _a: _Constant(0.05))
    return seen, out


def test_held_out_evaluation_routes_as_the_service(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """French goes to the French model, Arabic script to the Arabic one, the rest to the served base
    (the English family's head), never to another language's model."""
    texts = (
        "Ceci est un commentaire tout à fait normal sur cet article",
        "Quel abruti, ce type est un crétin fini",
        "هذا تعليق مكتوب بالعربية",
        "Este é um comentário escrito em português do Brasil",
    )
    seen, out = _held_out_french(monkeypatch, tmp_path, texts, (0, 1, 1, 1))
    assert seen[0].tolist() == pytest.approx([0.6, 0.6, 0.9, 0.05])  # as served
    assert seen[1].tolist() == pytest.approx([0.6] * 4)  # language given
    assert out["detected_share"] == pytest.approx(0.5)


def test_served_routes_deal_comments_into_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """In threads, a comment nobody can place goes to its thread's language; alone, it does not."""
    from model.language import Detection

    fr, pt = Detection("fr", 0.9, (("fr", 0.9),)), Detection("pt", 0.98, (("pt", 0.98),))
    texts = [f"comment {i}" for i in range(7)]
    detections = [fr, fr, fr, pt, fr, fr, pt]
    languages = frozenset({"en", "fr"})
    assert LG.served_routes(texts, detections, languages, 1) == ["fr", "fr", "fr", None, "fr", "fr", None]
    assert LG.served_routes(texts, detections, languages, 7) == ["fr"] * 7
    # In pairs no language holds a majority of two comments: as if each came alone.
    assert LG.served_routes(texts, detections, languages, 2) == LG.served_routes(
        texts, detections, languages, 1
    )


def test_the_evaluation_reports_threads_and_single_comments(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    texts = (
        "Ceci est un commentaire tout à fait normal sur cet article",
        "Quel abruti, ce type est un crétin fini",
        "Merci pour cet article, il explique très bien la situation.",
        "@user tu é mongol",
    )
    seen, out = _held_out_french(monkeypatch, tmp_path, texts, (0, 1, 0, 1))
    assert seen[0].tolist() == pytest.approx([0.6] * 4)  # one thread: the Portuguese-looking one too
    assert seen[2].tolist() == pytest.approx([0.6, 0.6, 0.6, 0.05])  # each comment alone
    assert out["detected_share"] == pytest.approx(0.75) and out["routed_share"] == pytest.approx(1.0)


def test_language_evaluations_require_the_family_corpora() -> None:
    from training.evaluate import REQUIRED_FILES

    for name in ("toxicity/fr_mlma", "insult/ar_mlma", "insult/en_routed"):
        assert "kaggle-insults-2012/train.csv" in REQUIRED_FILES[name]
        assert "mlma-hate-speech/fr_dataset.csv" in REQUIRED_FILES[name]


def _feedback(rows: list[tuple[str, int]]) -> Corpus:
    texts, labels = zip(*rows, strict=True)
    return Corpus(
        "feedback/insult", "moderator verdicts", texts, labels, (None,) * len(rows), (), {"empty text": 1}
    )


def test_verdicts_on_german_french_and_arabic_comments_go_to_their_language() -> None:
    """The scorer routes a German, French or Arabic comment to that language's model; its verdict
    trained the English head only, so moderating it never changed how such comments score."""
    german = "Du bist ein kompletter Idiot und solltest dich schämen, ehrlich."
    english = "You are a complete idiot and should be ashamed of yourself."
    arabic = "أنت غبي جدا ولا تفهم أي شيء"
    corpus = _feedback([(german, 1), (english, 1), (arabic, 1), ("+1", 0), ("I agree with this", 0)])
    rest, parts = LG.split_feedback(corpus)
    assert rest.texts == (english, "+1", "I agree with this") and rest.name == "feedback/insult"
    assert {k: c.texts for k, c in parts.items()} == {"de": (german,), "ar": (arabic,)}
    assert parts["de"].name == "feedback/insult/de" and parts["de"].labels == (1,)
    # every row accounted once: the routed ones are named in the English part, bad rows stay there
    assert rest.excluded == {
        LG.FEEDBACK_ROUTED.format(language="de"): 1,
        LG.FEEDBACK_ROUTED.format(language="ar"): 1,
    }
    assert rest.bad == {"empty text": 1} and parts["de"].bad == {}


@pytest.mark.slow
def test_a_language_model_learns_from_verdicts_in_its_language(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    germeval = LC.load_germeval(data_dir / LC.GERMEVAL_FILE, "insult").subset(list(range(1500)))
    monkeypatch.setattr(LG, "LANGUAGES", ("de",))
    monkeypatch.setattr(LG, "language_corpora", lambda *_a: [germeval])
    rows = [(f"Der Quaxelbrot hat wieder geschrieben, du Quaxelbrot (Nummer {i})", 1) for i in range(30)]
    rows += [("Der Bericht über Quaxelbrot war fair", 0), ("Ein fairer Bericht, danke", 0)]
    verdicts = _feedback(rows)
    verdicts = Corpus(verdicts.name + "/de", "v", verdicts.texts, verdicts.labels, verdicts.article_ids, ())
    plain = LG.train_languages(data_dir, "insult", lambda _m: None)["de"]
    taught = LG.train_languages(data_dir, "insult", lambda _m: None, feedback={"de": [verdicts]})["de"]
    probe = ["Du Quaxelbrot", "Du bist hier"]
    before = plain.model.predict_proba(probe)[:, 1]
    after = taught.model.predict_proba(probe)[:, 1]
    assert after[0] > before[0] and after[0] > after[1]
    assert [c["name"] for c in taught.manifest_entry()["training_data"]] == [germeval.name, verdicts.name]
    assert set(taught.metrics["cv_roc_auc_by_corpus"]) == {germeval.name}  # verdicts do not choose C
