"""German, French and Arabic models for toxicity and insult: training and held-out evaluation.

Design (chosen by measurement, docs/languages.md): ONE MODEL PER LANGUAGE. A pooled model over all
three languages lost on every language's held-out set (toxicity AUC, same features and C: German
0.831 vs 0.845, One Million Posts 0.698 vs 0.708, French 0.730 vs 0.748, Arabic 0.786 vs 0.801);
char n-grams do not carry enough across these corpora to pay for mixing their label definitions.

Each language model is the project's linear text model (model.features.LinearTextClassifier: word +
bigram + char n-gram TF-IDF, NB scaling, logistic regression, Platt calibration on out-of-fold
decisions). Rows are weighted so that each corpus' classes weigh the same: MLMA is ~75% hostile and
One Million Posts ~10% inappropriate, and without balancing a model learns those priors instead of
the language of hostility. Probabilities are therefore calibrated to even odds, per corpus.

Fixed held-out splits (``held_out``), never trained or tuned on: GermEval 2018 (only its training file
is here) 20% of tweets by a hash of the text; One Million Posts 20% of ARTICLES by a hash of ID_Article;
MLMA 20% of tweets by a hash of HITId. ``moderate train`` trains the shipped models on all rows;
``moderate eval`` retrains on the other 80% and tests on the held-out part (training.evaluate).
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.features import LinearTextClassifier, TokenFeaturizer, fit_platt
from model.language import Detection
from model.multilingual import FOLDS, FoldedTextClassifier, LanguageRoutedClassifier
from training import language_corpora as LC
from training.corpora import OPERATOR_SOURCES, Corpus, group_codes, require_two_classes

Progress = Callable[[str], None]
SEED = 0
LANGUAGES = ("de", "fr", "ar")
ATTRIBUTES = ("toxicity", "insult")
HELD_OUT_PERCENT = 20
# Weight of One Million Posts' unannotated posts labelled by a moderator's deletion (weak rows):
# in cross-validation on the training articles they lift the annotated posts' AUC (docs/languages.md).
OMP_DELETED_WEIGHT = 0.3


@dataclass(frozen=True, slots=True)
class LanguageConfig:
    """Search space of one language's model (C by grouped cross-validation on training rows only)."""

    c_grid: tuple[float, ...] = (0.5, 1.0)
    nb_alpha: float = 0.5
    folds: int = 3
    featurizer: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    fold: str | None = None  # spelling variants folded first (model.multilingual.FOLDS)


CONFIGS: dict[str, LanguageConfig] = {
    # min_df 3: One Million Posts' weak rows bring many one-off n-grams; keeps the German models small.
    "de": LanguageConfig(c_grid=(1.0, 2.0), featurizer={"min_df": 3}),
    "fr": LanguageConfig(c_grid=(0.25, 0.5)),
    # Folding Arabic spelling variants: CV AUC on the training part 0.7916 -> 0.7940 (toxicity),
    # 0.7657 -> 0.7682 (insult), both at C=1. min_df 3 and char 1-4-grams: 4 x 3-fold grouped CV on
    # the training part, toxicity 0.7929 -> 0.7956, insult 0.7709 -> 0.7726; fewer features, faster.
    "ar": LanguageConfig(
        c_grid=(0.5, 1.0), fold="arabic", featurizer={"min_df": 3, "ngram_min": 1, "ngram_max": 4}
    ),
}


def is_held_out(key: str) -> bool:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT


def split_keys(corpus: Corpus) -> list[str]:
    """A row's split key: its article (One Million Posts), tweet id (MLMA) or text (GermEval)."""
    return [a if a is not None else t for a, t in zip(corpus.article_ids, corpus.texts, strict=True)]


def held_out(corpus: Corpus) -> tuple[Corpus, Corpus]:
    """(training part, held-out part) of ``corpus`` by the fixed split."""
    keys = split_keys(corpus)
    test = [i for i, k in enumerate(keys) if is_held_out(k)]
    train = [i for i, k in enumerate(keys) if not is_held_out(k)]
    return corpus.subset(train, f"{corpus.name}/train"), corpus.subset(test, f"{corpus.name}/held-out")


def language_corpora(data_dir: Path, attribute: str, language: str) -> list[Corpus]:
    """Every corpus one language's model of ``attribute`` trains on (all rows; see ``held_out``)."""
    d = Path(data_dir)
    if language == "de":
        out = [LC.load_germeval(d / LC.GERMEVAL_FILE, attribute)]
        if attribute == "toxicity":
            deleted = LC.load_omp_deleted(d / LC.OMP_FILE)
            out += [LC.load_omp(d / LC.OMP_FILE), dataclasses.replace(deleted, weight=OMP_DELETED_WEIGHT)]
        return out
    return [LC.load_mlma(d / LC.MLMA_FILES[language], language, attribute)]


def balanced_weights(corpus_list: Sequence[Corpus]) -> np.ndarray:
    """Per corpus, positives and negatives weigh the same in total (times the corpus weight)."""
    parts = []
    for c in corpus_list:
        y = np.asarray(c.labels, dtype=np.float64)
        share = y.mean() if len(y) else 0.5
        if 0 < share < 1:
            parts.append(np.where(y == 1, 0.5 / share, 0.5 / (1 - share)) * c.weight)
        else:
            parts.append(np.full(len(y), c.weight))
    return np.concatenate(parts) if parts else np.zeros(0)


def _groups(corpus_list: Sequence[Corpus]) -> np.ndarray:
    """Each row's CV group (its article, else its text), coded as ``np.unique`` codes them, without its
    fixed-width string array (one 20,000-character German verdict with no article took the German
    model's training from 0.25 to 3.86 GB: corpora.group_codes)."""
    return group_codes([f"{c.name}|{k}" for c in corpus_list for k in split_keys(c)])


def _logistic(c_value: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c_value, solver="liblinear", dual=True, max_iter=3000, random_state=SEED)


@dataclass(frozen=True, slots=True)
class LanguageModel:
    """One language's fitted model and what the manifest says about it."""

    language: str
    model: LinearTextClassifier
    threshold: float
    metrics: Mapping[str, Any]
    hyperparameters: Mapping[str, Any]
    corpora: Sequence[Corpus]
    seconds: float

    def manifest_entry(self) -> dict[str, Any]:
        return {
            "label_definition": "; ".join(c.label_definition for c in self.corpora),
            "threshold": self.threshold,
            "metrics": dict(self.metrics),
            "hyperparameters": dict(self.hyperparameters),
            "training_data": [c.manifest_entry() for c in self.corpora],
            "training_seconds": round(self.seconds, 1),
        }


def fit_language(
    corpus_list: Sequence[Corpus], config: LanguageConfig, progress: Progress, what: str
) -> tuple[LinearTextClassifier, dict[str, Any], dict[str, Any], float]:
    """Grouped CV over C (training rows only), weighted Platt on out-of-fold decisions, final fit.

    Weak rows (corpus weight < 1) are trained on but never scored, calibrated or thresholded on."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold

    from training.fit import best_f1_threshold

    texts = [t for c in corpus_list for t in c.texts]
    if config.fold:
        table = FOLDS[config.fold]
        texts = [t.translate(table) for t in texts]
    y = np.asarray([v for c in corpus_list for v in c.labels], dtype=np.int64)
    require_two_classes(y.tolist(), what)
    weights = balanced_weights(corpus_list)
    scored = np.asarray([c.weight >= 1.0 for c in corpus_list for _ in c.texts])
    source = np.asarray([c.name for c in corpus_list for _ in c.texts])
    folds = StratifiedGroupKFold(n_splits=config.folds, shuffle=True, random_state=SEED)
    oof = np.zeros((len(config.c_grid), len(y)))
    started = time.perf_counter()
    for tr, va in folds.split(np.zeros(len(y)), y, _groups(corpus_list)):
        featurizer = TokenFeaturizer(**config.featurizer, nb_alpha=config.nb_alpha)
        x_tr = featurizer.fit_transform([texts[i] for i in tr], y[tr])
        x_va = featurizer.transform([texts[i] for i in va])
        for j, c_value in enumerate(config.c_grid):
            oof[j, va] = (
                _logistic(c_value).fit(x_tr, y[tr], sample_weight=weights[tr]).decision_function(x_va)
            )
    # The operator's labels train and calibrate but do not choose C: a handful of them would count as
    # much as a whole corpus.
    names = [c.name for c in corpus_list if c.weight >= 1.0 and not c.name.startswith(OPERATOR_SOURCES)]

    def auc(j: int, name: str) -> float:
        rows = scored & (source == name)
        return float(roc_auc_score(y[rows], oof[j, rows]))

    # Mean over the full-weight corpora: each counts once, whatever its size.
    mean = [float(np.mean([auc(j, n) for n in names])) for j in range(len(config.c_grid))]
    best = int(np.argmax(mean))
    c_best = config.c_grid[best]
    progress(
        f"  {what}: chose C={c_best:g} (mean CV AUC over corpora {mean[best]:.4f}, "
        f"{time.perf_counter() - started:.0f}s); fitting on all {len(y)} rows"
    )
    a, b = fit_platt(oof[best][scored], y[scored], weights[scored])
    p_oof = 1.0 / (1.0 + np.exp(-(a * oof[best][scored] + b)))
    threshold = best_f1_threshold(y[scored], p_oof)
    featurizer = TokenFeaturizer(**config.featurizer, nb_alpha=config.nb_alpha)
    model = (
        FoldedTextClassifier(featurizer=featurizer, C=c_best, fold=config.fold)
        if config.fold
        else LinearTextClassifier(featurizer=featurizer, C=c_best)
    )
    model.fit(texts, y, sample_weight=weights, calibration_decisions=oof[best])  # folding is idempotent
    model.calibration_ = (a, b)  # Platt on the full-weight rows only (weak rows excluded)
    metrics = {
        "cv_folds": config.folds,
        "cv_roc_auc_mean": round(mean[best], 4),
        "cv_roc_auc_grid": {f"C={c:g}": round(m, 4) for c, m in zip(config.c_grid, mean, strict=True)},
        "cv_roc_auc_by_corpus": {n: round(auc(best, n), 4) for n in names},
        "rows": len(y),
        "positives": int(y.sum()),
        "scored_rows": int(scored.sum()),
    }
    hyper = {
        "C": c_best,
        "nb_alpha": config.nb_alpha,
        "c_grid": list(config.c_grid),
        "featurizer": model.featurizer_.get_params(),
        "n_features": model.featurizer_.n_features_,
        "class_weights": "balanced per corpus (positives and negatives weigh the same)",
        "fold": config.fold,
        "calibration": {"method": "platt on out-of-fold decisions, weighted", "a": a, "b": b},
        "corpus_weights": {c.name: c.weight for c in corpus_list},
        "cv": f"StratifiedGroupKFold({config.folds}, shuffle, seed {SEED}); groups = article / tweet",
    }
    return model, hyper, metrics, threshold


def train_language(
    corpus_list: Sequence[Corpus], language: str, attribute: str, progress: Progress
) -> LanguageModel:
    started = time.perf_counter()
    for c in corpus_list:
        progress(f"  {c.summary()}")
    model, hyper, metrics, threshold = fit_language(
        corpus_list, CONFIGS[language], progress, f"{attribute}/{language}"
    )
    return LanguageModel(
        language, model, threshold, metrics, hyper, tuple(corpus_list), time.perf_counter() - started
    )


def train_languages(
    data_dir: Path,
    attribute: str,
    progress: Progress,
    feedback: Mapping[str, Sequence[Corpus]] | None = None,
) -> dict[str, LanguageModel]:
    """The shipped per-language models of ``attribute`` (all rows of every corpus), each with the
    operator's labels (verdicts, --decisions) on comments in its language (``feedback``: language ->
    corpora, ``split_feedback``'s parts)."""
    extra = feedback or {}
    return {
        lang: train_language(
            language_corpora(data_dir, attribute, lang) + list(extra.get(lang, ())),
            lang,
            attribute,
            progress,
        )
        for lang in LANGUAGES
    }


FEEDBACK_ROUTED = "in {language} (trains the {language} model, which scores it)"


def split_feedback(corpus: Corpus) -> tuple[Corpus, dict[str, Corpus]]:
    """Moderators' verdicts of a routed attribute, split as the scorer routes a comment: a German,
    French or Arabic comment is scored by that language's model, so its verdict trains that model;
    the rest train the English head. A row that carries the language it was judged in (a queue
    verdict: "Idiot!" in a German thread was scored by the German model) goes by that; the others by
    the detector. Returns (English part, language -> part)."""
    from model.language import default_detector, has_letters

    routable = frozenset(LANGUAGES) | {"en"}
    judged = corpus.languages or (None,) * len(corpus)
    unjudged = [i for i, lang in enumerate(judged) if lang is None]
    detections = (
        default_detector().detect_with_confidence([corpus.texts[i] for i in unjudged]) if unjudged else []
    )
    routes: list[str | None] = list(judged)
    for i, d in zip(unjudged, detections, strict=True):
        routes[i] = d.nearest(routable) if has_letters(corpus.texts[i]) else None
    parts = {
        lang: dataclasses.replace(
            corpus.subset([i for i, r in enumerate(routes) if r == lang], f"{corpus.name}/{lang}"),
            bad={},  # counted once, in the English part
            excluded={},
        )
        for lang in LANGUAGES
        if lang in routes
    }
    rest = corpus.subset([i for i, r in enumerate(routes) if r not in parts])
    moved = {FEEDBACK_ROUTED.format(language=lang): len(c) for lang, c in parts.items()}
    return dataclasses.replace(rest, excluded={**rest.excluded, **moved}), parts


def routed(
    base: Any, models: Mapping[str, LanguageModel], base_language: str | None
) -> LanguageRoutedClassifier:
    return LanguageRoutedClassifier(base, {k: m.model for k, m in models.items()}, base_language)


def manifest_fields(models: Mapping[str, LanguageModel], base_language: str | None) -> dict[str, Any]:
    """What an attribute's manifest entry gains: its languages and each language model's entry."""
    languages = ([base_language] if base_language else []) + sorted(models)
    return {
        "languages": languages,
        "language_models": {k: m.manifest_entry() for k, m in models.items()},
    }


TOXICITY_LANGUAGES_DEFINITION = (
    "German: GermEval 2018 OFFENSE, One Million Posts Inappropriate/Discriminating (deleted posts as weak "
    "rows); French/Arabic: MLMA any hostility type; see language_models"
)
LANGUAGE_INSULT_DEFINITION = (
    "German: GermEval 2018 INSULT or ABUSE; French/Arabic: MLMA offensive, abusive or disrespectful; "
    "see language_models"
)


# The attributes the language corpora label, and what their labels mean there.
ROUTED_DEFINITIONS = {"insult": LANGUAGE_INSULT_DEFINITION, "toxicity": TOXICITY_LANGUAGES_DEFINITION}


# -- held-out evaluation (``moderate eval``) ----------------------------------------------------------

HELD_OUT_SETS: dict[str, tuple[str, str]] = {
    # evaluation name -> (language, held-out corpus); the corpus name's held-out part is tested
    "toxicity/de_germeval": ("de", "germeval-2018/toxicity"),
    "toxicity/de_omp_inappropriate": ("de", "one-million-posts/inappropriate"),
    "toxicity/fr_mlma": ("fr", "mlma/fr/toxicity"),
    "toxicity/ar_mlma": ("ar", "mlma/ar/toxicity"),
    "insult/de_germeval": ("de", "germeval-2018/insult"),
    "insult/fr_mlma": ("fr", "mlma/fr/insult"),
    "insult/ar_mlma": ("ar", "mlma/ar/insult"),
}
REQUIRED_FILES = (LC.GERMEVAL_FILE, LC.OMP_FILE, *LC.MLMA_FILES.values())


@dataclass(frozen=True, slots=True)
class SplitModels:
    """One attribute's language models trained on the training parts, and the held-out parts."""

    models: Mapping[str, LanguageModel]
    tests: Mapping[str, Corpus]


_SPLIT_CACHE: dict[tuple[str, str], SplitModels] = {}


def split_models(data_dir: Path, attribute: str, progress: Progress) -> SplitModels:
    """Train every language's model on its training parts (once per attribute and run)."""
    key = (str(Path(data_dir).resolve()), attribute)
    if key not in _SPLIT_CACHE:
        models: dict[str, LanguageModel] = {}
        tests: dict[str, Corpus] = {}
        for lang in LANGUAGES:
            corpora = language_corpora(data_dir, attribute, lang)
            parts = [held_out(c) for c in corpora]
            for c, (_, test) in zip(corpora, parts, strict=True):
                if c.weight >= 1.0:
                    tests[c.name] = test
            if lang == "de" and attribute == "toxicity":  # the target is Inappropriate alone
                tests["one-million-posts/inappropriate"] = held_out(
                    LC.load_omp(Path(data_dir) / LC.OMP_FILE, only_inappropriate=True)
                )[1]
            progress(f"  {attribute}/{lang}: training on the training parts")
            models[lang] = train_language([tr for tr, _ in parts], lang, attribute, progress)
        _SPLIT_CACHE[key] = SplitModels(models, tests)
    return _SPLIT_CACHE[key]


# Comments per thread in the held-out evaluation: the Scorer routes one call's comments as one thread
# (model.language.thread_language). Fixed before any held-out figure was seen, never tuned.
THREAD_SIZE = 20


def served_routes(
    texts: Sequence[str],
    detections: Sequence[Detection],
    languages: frozenset[str],
    thread_size: int = THREAD_SIZE,
) -> list[str | None]:
    """The model each comment is scored by when the comments reach the Scorer in threads of
    ``thread_size``, dealt in a fixed pseudo-random order (sha256 of the text): ``Detection.nearest``
    with each thread's language. ``thread_size`` 1 is one comment per request (the Perspective
    endpoint), where no thread helps."""
    from model.language import has_letters, thread_language

    order = sorted(range(len(texts)), key=lambda i: (hashlib.sha256(texts[i].encode("utf-8")).digest(), i))
    routes: list[str | None] = [None] * len(texts)
    for start in range(0, len(order), thread_size):
        rows = order[start : start + thread_size]
        thread = thread_language([detections[i] for i in rows]) if thread_size > 1 else None
        for i in rows:  # a comment without letters takes no language from its thread (as the Scorer)
            placeable = detections[i].language is not None or has_letters(texts[i])
            routes[i] = detections[i].nearest(languages, thread=thread) if placeable else None
    return routes


def evaluate_held_out(
    data_dir: Path, name: str, progress: Progress, *, base: Callable[[str], Any]
) -> dict[str, float]:
    """Metrics of one HELD_OUT_SETS entry, scored as the service scores: each comment's language is
    DETECTED (none is given) and routed as the Scorer routes (``served_routes``, threads of
    ``THREAD_SIZE``): to the detected language's model, else to the thread's language's, else to the
    likeliest guess that has a model, else to the model of its script, else to ``base(attribute)``
    (the caller's English family head, as the service falls back to it).
    ``roc_auc_single_comment`` routes each comment alone (no thread); ``roc_auc_language_given``
    routes every comment to its corpus' language model; ``detected_share`` is the share detected as
    that language and ``routed_share`` the share scored by its model (threads)."""
    from model.language import default_detector
    from training.fit import binary_metrics

    attribute = name.split("/", 1)[0]
    language, corpus_name = HELD_OUT_SETS[name]
    split = split_models(data_dir, attribute, progress)
    test = split.tests[corpus_name]
    texts = list(test.texts)
    detections = default_detector().detect_with_confidence(texts)
    router = routed(base(attribute), split.models, "en")
    routes = served_routes(texts, detections, router.languages)
    metrics = binary_metrics(
        test.labels,
        router.predict_proba(texts, routes)[:, 1],
        split.models[language].threshold,
        split_keys(test),  # resampled by what the split holds out: an article, a tweet
    )
    model = split.models[language]
    given = binary_metrics(test.labels, model.model.predict_proba(texts)[:, 1], model.threshold)
    alone = served_routes(texts, detections, router.languages, 1)
    single = binary_metrics(test.labels, router.predict_proba(texts, alone)[:, 1], model.threshold)
    metrics["roc_auc_language_given"] = given["roc_auc"]
    metrics["roc_auc_single_comment"] = single["roc_auc"]
    metrics["detected_share"] = float(np.mean([d.language == language for d in detections]))
    metrics["routed_share"] = float(np.mean([r == language for r in routes]))
    return metrics


def evaluate_english_kept(
    data_dir: Path, progress: Progress, *, base: Callable[[str], Any]
) -> dict[str, float]:
    """English must not get worse: the English insult held-out set (Kaggle's public test) scored
    through detection and routing (threads of ``THREAD_SIZE``, as ``evaluate_held_out``), against
    the English family's insult head alone. ``kept_english`` is the share of its comments that stay
    on the English model (not routed to de, fr or ar); ``*_single_comment``: each comment alone."""
    from model.language import default_detector
    from training import corpora as C
    from training.fit import binary_metrics

    test = C.load_kaggle(Path(data_dir) / C.KAGGLE_DIR / "test_with_solutions.csv")
    texts = list(test.texts)
    insult = base("insult")
    split = split_models(data_dir, "insult", progress)
    router = routed(insult, split.models, "en")
    detections = default_detector().detect_with_confidence(texts)
    routes = served_routes(texts, detections, router.languages)
    alone = served_routes(texts, detections, router.languages, 1)
    metrics = binary_metrics(test.labels, router.predict_proba(texts, routes)[:, 1], 0.5)
    p_base = insult.predict_proba(texts)[:, 1]
    metrics["roc_auc_english_model_alone"] = binary_metrics(test.labels, p_base, 0.5)["roc_auc"]
    single = binary_metrics(test.labels, router.predict_proba(texts, alone)[:, 1], 0.5)
    metrics["roc_auc_single_comment"] = single["roc_auc"]
    metrics["kept_english"] = float(np.mean([r not in LANGUAGES for r in routes]))
    metrics["kept_english_single_comment"] = float(np.mean([r not in LANGUAGES for r in alone]))
    return metrics
