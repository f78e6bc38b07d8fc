"""How the German toxicity recipe carries to a source it was not trained on, on the TRAINING parts only.

Issue #13's other German source (comments on a TV talk show's page) is not here. The proxy: train the
German recipe (``training.languages``: ``fit_language`` with ``CONFIGS["de"]``, C by grouped CV) on
one source's training part and score the other's.

- GermEval -> OMP: trained on GermEval 2018's training part, scored on One Million Posts' training
  part (Inappropriate or Discriminating, annotated posts);
- OMP -> GermEval: trained on One Million Posts' training part (annotated posts and the weak
  deleted-status rows at ``omp_weak_weight``), scored on GermEval's training part;
- in-source: grouped CV (by article / tweet) of the pooled recipe on both training parts, each
  corpus' out-of-fold AUC (``fit_language``'s ``cv_roc_auc_by_corpus``).

The held-out parts of ``make eval`` (``training.languages.held_out``) are dropped first, never read.
Noise: the standard deviation of a variant's cross-source mean minus the shipped recipe's over
bootstrap resamples (One Million Posts resampled by article, GermEval by tweet), the same resamples
for both.

``python -m training.cross_source --data-dir ../shared/data [--variant NAME ...]`` prints the table
docs/languages.md quotes ("Cross-source proxy").
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training import language_corpora as LC
from training.corpora import Corpus
from training.languages import (
    CONFIGS,
    OMP_DELETED_WEIGHT,
    LanguageConfig,
    fit_language,
    held_out,
    split_keys,
)

log = logging.getLogger(__name__)

BOOTSTRAP_ROUNDS = 200  # resamples for the noise of a paired difference: ~1 s a recipe, SD to ~5 %
SEED = 0  # the bootstrap's; the same resamples for every recipe


@dataclass(frozen=True, slots=True)
class Recipe:
    """One variant of the German toxicity recipe."""

    name: str
    config: LanguageConfig = CONFIGS["de"]
    omp_weak_weight: float = OMP_DELETED_WEIGHT
    prepare: Callable[[str], str] | None = None  # text rewrite before featurising (every corpus)


@dataclass(frozen=True, slots=True)
class Direction:
    """One source's model scoring the other source's rows."""

    trained_on: str
    scored_on: str
    labels: np.ndarray
    scores: np.ndarray
    groups: np.ndarray  # resampling units of the scored rows (article, tweet)

    @property
    def auc(self) -> float:
        return _auc(self.labels, self.scores)


@dataclass(frozen=True, slots=True)
class CrossSource:
    """A recipe's two cross-source directions and its in-source grouped CV per corpus."""

    recipe: str
    directions: tuple[Direction, Direction]
    in_source: Mapping[str, float]
    seconds: float

    @property
    def mean(self) -> float:
        return float(np.mean([d.auc for d in self.directions]))

    @property
    def in_source_mean(self) -> float:
        return float(np.mean(list(self.in_source.values()))) if self.in_source else float("nan")


@dataclass(frozen=True, slots=True)
class Sources:
    """The German toxicity training parts: GermEval, annotated OMP, OMP's weak deleted-status rows."""

    germeval: Corpus
    omp: Corpus
    omp_deleted: Corpus


def training_parts(data_dir: Path) -> Sources:
    """The training parts of the German toxicity corpora (the held-out parts dropped)."""
    d = Path(data_dir)
    germeval = held_out(LC.load_germeval(d / LC.GERMEVAL_FILE, "toxicity"))[0]
    omp = held_out(LC.load_omp(d / LC.OMP_FILE))[0]
    deleted = held_out(LC.load_omp_deleted(d / LC.OMP_FILE))[0]
    return Sources(germeval, omp, deleted)


def _prepared(corpus: Corpus, prepare: Callable[[str], str] | None, weight: float = 1.0) -> Corpus:
    """``corpus`` with its texts rewritten, grouped as before: a tweet's group is its original text,
    so a rewrite does not redraw the CV folds (and moves no figure by a new split alone)."""
    if prepare is None:
        return dataclasses.replace(corpus, weight=weight)
    return dataclasses.replace(
        corpus,
        texts=tuple(prepare(t) for t in corpus.texts),
        article_ids=tuple(split_keys(corpus)),
        weight=weight,
    )


def _direction(train: Sequence[Corpus], test: Corpus, config: LanguageConfig) -> Direction:
    model = fit_language(train, config, log.info, f"{train[0].name} -> {test.name}")[0]
    keys = np.unique(np.asarray(split_keys(test)), return_inverse=True)[1]
    return Direction(
        train[0].name,
        test.name,
        np.asarray(test.labels, dtype=np.int64),
        np.asarray(model.decision_function(list(test.texts)), dtype=np.float64),
        keys,
    )


def cross_source(sources: Sources, recipe: Recipe, *, in_source: bool = True) -> CrossSource:
    """Both directions of ``recipe`` and (``in_source``) its pooled grouped CV AUC per corpus."""
    started = time.process_time()
    germeval = _prepared(sources.germeval, recipe.prepare, sources.germeval.weight)
    omp = _prepared(sources.omp, recipe.prepare, sources.omp.weight)
    weak = [_prepared(sources.omp_deleted, recipe.prepare, recipe.omp_weak_weight)]
    weak = [c for c in weak if c.weight > 0]
    directions = (
        _direction([germeval], omp, recipe.config),
        _direction([omp, *weak], germeval, recipe.config),
    )
    by_corpus: dict[str, float] = {}
    if in_source:
        metrics = fit_language([germeval, omp, *weak], recipe.config, log.info, f"{recipe.name} in-source")[2]
        by_corpus = dict(metrics["cv_roc_auc_by_corpus"])
    return CrossSource(recipe.name, directions, by_corpus, time.process_time() - started)


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC by the rank sum (ties count half, as sklearn's): ~50x cheaper than sklearn's checks
    across the bootstrap's hundreds of calls."""
    from scipy.stats import rankdata

    positive = labels == 1
    n_pos = int(positive.sum())
    n_neg = len(labels) - n_pos
    return float((rankdata(scores)[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def paired_noise(a: CrossSource, b: CrossSource, rounds: int = BOOTSTRAP_ROUNDS) -> float:
    """SD over grouped bootstrap resamples of (b's cross-source mean - a's), the same rows for both."""
    rng = np.random.default_rng(SEED)
    diffs = []
    for _ in range(rounds):
        diff = 0.0
        for da, db in zip(a.directions, b.directions, strict=True):
            n_groups = int(da.groups.max()) + 1
            counts = np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups)
            rows = np.repeat(np.arange(len(da.labels)), counts[da.groups])
            if da.labels[rows].min() == da.labels[rows].max():
                continue
            diff += _auc(db.labels[rows], db.scores[rows]) - _auc(da.labels[rows], da.scores[rows])
        diffs.append(diff / len(a.directions))
    return float(np.std(diffs))


# -- the variants compared (docs/languages.md, "Cross-source proxy") -----------------------------------

_MENTION_RE = re.compile(r"@\w+")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+")


def strip_handles(text: str) -> str:
    """Mentions and URLs to a space: account names and link ids belong to one source (GermEval's tweets
    reply to @parties and @politicians), never to a language."""
    return _URL_RE.sub(" ", _MENTION_RE.sub(" ", text))


def eszett(text: str) -> str:
    """Spell "ß" as "ss" (Swiss German, and many writers, never use it)."""
    return text.replace("ß", "ss")


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def transliterated(text: str) -> str:
    """Umlauts and "ß" spelled as on a keyboard without them (the featuriser otherwise reads "ä" as "a",
    so "schön" meets "schon" and misses "schoen")."""
    return text.translate(_UMLAUTS)


def _config(**changes: object) -> LanguageConfig:
    base = CONFIGS["de"]
    featurizer = {**base.featurizer, **changes.pop("featurizer", {})}  # type: ignore[dict-item]
    return dataclasses.replace(base, featurizer=featurizer, **changes)  # type: ignore[arg-type]


VARIANTS: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe("shipped"),
        Recipe("no handles", prepare=strip_handles),
        Recipe("ss for ß", prepare=eszett),
        Recipe("ae oe ue ss", prepare=transliterated),
        Recipe("char 1-4", config=_config(featurizer={"ngram_min": 1, "ngram_max": 4})),
        Recipe("char 3-5", config=_config(featurizer={"ngram_min": 3, "ngram_max": 5})),
        Recipe("char 2-6", config=_config(featurizer={"ngram_min": 2, "ngram_max": 6})),
        Recipe("min_df 2", config=_config(featurizer={"min_df": 2})),
        Recipe("min_df 5", config=_config(featurizer={"min_df": 5})),
        Recipe("NB 0", config=_config(nb_alpha=0.0)),
        Recipe("NB 1", config=_config(nb_alpha=1.0)),
        Recipe("C 0.25-0.5", config=_config(c_grid=(0.25, 0.5))),
        Recipe("C 4", config=_config(c_grid=(4.0,))),
        Recipe("no bigrams", config=_config(featurizer={"bigrams": False})),
        Recipe("weak rows 0", omp_weak_weight=0.0),
        Recipe("weak rows 0.1", omp_weak_weight=0.1),
        Recipe("weak rows 0.6", omp_weak_weight=0.6),
        # the three best single changes together (chosen after the rows above)
        Recipe(
            "no handles + char 3-5 + NB 1",
            config=_config(nb_alpha=1.0, featurizer={"ngram_min": 3, "ngram_max": 5}),
            prepare=strip_handles,
        ),
    )
}


def main(argv: Sequence[str] | None = None) -> None:
    from training.cli import require_folder

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument(
        "--variant",
        action="append",
        choices=sorted(VARIANTS),
        help="repeatable; default: every variant (the shipped recipe always runs first)",
    )
    parser.add_argument("--no-in-source", action="store_true", help="skip the pooled grouped CV")
    args = parser.parse_args(argv)
    require_folder("python -m training.cross_source", args.data_dir, "pass --data-dir")
    sources = training_parts(args.data_dir)
    names = ["shipped", *[n for n in (args.variant or VARIANTS) if n != "shipped"]]
    print(
        "recipe | GermEval -> OMP | OMP -> GermEval | mean | vs shipped (noise SD) | "
        "in-source CV GermEval / OMP (mean) | CPU s"
    )
    base: CrossSource | None = None
    for name in names:
        result = cross_source(sources, VARIANTS[name], in_source=not args.no_in_source)
        base = base or result
        delta = f"{result.mean - base.mean:+.4f} ({paired_noise(base, result):.4f})"
        inside = " / ".join(f"{v:.4f}" for v in result.in_source.values())
        g2o, o2g = (d.auc for d in result.directions)
        print(
            f"{name} | {g2o:.4f} | {o2g:.4f} | {result.mean:.4f} | {delta} | "
            f"{inside} ({result.in_source_mean:.4f}) | {result.seconds:.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
