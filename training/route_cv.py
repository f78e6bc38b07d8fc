"""Routing rules for comments no language model takes, compared on the TRAINING parts only.

``python -m training.route_cv --data-dir ../shared/data`` prints, for the shipped rule (detected, else
a top-3 guess >= 0.1, else the Arabic script, else the base) and for the same rule with the char
n-gram language profiles (training/language_profiles.py) deciding the comments it leaves to the base,
at several margins: French and Arabic toxicity/insult AUC (each comment alone, no thread), English
insult AUC on Kaggle ``train.csv`` and the shares of each corpus scored by its own language's model.

Scores, all out-of-fold or from models that never saw the scored rows (the held-out parts of
``make eval`` are dropped first and never read):

- French/Arabic: 3-fold StratifiedGroupKFold (by tweet) on the MLMA training part, each fold's model
  fitted as shipped (``fit_language``: C by inner CV, Platt calibration);
- English: 5-fold out-of-fold on Kaggle ``train.csv``, same recipe;
- a comment routed to another language is scored by that language's model trained on its training
  parts (``split_models``); a comment left to the base by the English family's head trained on the
  family evaluation's training rows (French; as ``make eval`` does), or by its own out-of-fold
  English score (Kaggle);
- the profiles are cross-fitted: 5 folds by a hash of each row's group (tweet, article, text), each
  fold's rows judged by profiles fitted on the other folds' rows of every corpus.

``--mask-keywords`` removes MLMA French's sampling keywords from every text first (is it the language
or the corpus' topic that the profiles recognise?); ``--coverage`` judges by vocabulary coverage
instead of the profiles (``cross_fitted_coverage``); ``--verbose`` lists the English comments moved.
docs/languages.md ("Measured, not adopted") quotes the table.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from model.language import Detection, LanguageDetector, default_detector
from training import corpora as C
from training import language_corpora as LC
from training.cli import require_folder
from training.corpora import Corpus
from training.language_profiles import LanguageProfiles, words
from training.languages import (
    CONFIGS,
    LanguageConfig,
    fit_language,
    held_out,
    split_keys,
    split_models,
)

PROFILE_FOLDS = 5
MARGINS = (0.0, 0.3, 0.5, 1.0)
COVERAGE_MARGINS = (0.0, 0.05, 0.1, 0.2, 0.3)  # differences of shares, not of log-likelihoods
ROUTED = frozenset({"en", "de", "fr", "ar"})
MLMA_EN_FILE = f"{LC.MLMA_DIR}/en_dataset.csv"
# The topic words MLMA French was sampled by, as its training part shows them (hand-picked among its
# 250 commonest words): masked everywhere with --mask-keywords, to see what the profiles route on
# language alone (a keyword tells the MLMA corpus, not the French language, apart).
MLMA_FR_KEYWORDS = frozenset(
    [
        "mongol",
        "mongols",
        "attardé",
        "attardés",
        "attarde",
        "gauchiste",
        "gauchistes",
        "renois",
        "renoi",
        "rebeus",
        "rebeu",
        "sale",
        "migrants",
        "arabe",
        "arabes",
        "terrorisme",
        "avortement",
        "islam",
        "islamo",
        "juif",
        "juifs",
        "réfugiés",
        "complotiste",
        "ching",
        "chong",
        "islamisation",
        "raciste",
        "racisme",
        "intellectuel",
        "zemmour",
        "expulser",
        "musulmans",
        "antisémite",
        "pute",
        "fdp",
        "débile",
        "mental",
        "bobo",
        "noirs",
        "blancs",
        "africains",
    ]
)
_WORD_RE = re.compile(r"[^\W\d_]+")


def masked(text: str, words: frozenset[str]) -> str:
    return _WORD_RE.sub(lambda m: " " if m.group(0).lower() in words else m.group(0), text)


def quiet(_: str) -> None:
    return None


@dataclasses.dataclass
class Part:
    """One corpus' training part: texts, labels, group keys, language, detections."""

    name: str
    language: str
    corpus: Corpus
    detections: list[Detection]

    @property
    def texts(self) -> list[str]:
        return list(self.corpus.texts)

    @property
    def labels(self) -> np.ndarray:
        return np.asarray(self.corpus.labels)


def profile_texts(data_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """Per language, (group key, text) of the texts profiles learn from: the training parts of the
    routed models' corpora, and for English Kaggle train.csv, OLID training tweets and MLMA English
    (its 80%, split as MLMA French and Arabic)."""
    d = Path(data_dir)
    out: dict[str, list[tuple[str, str]]] = {}

    def add(language: str, corpus: Corpus) -> None:
        out.setdefault(language, []).extend(zip(split_keys(corpus), corpus.texts, strict=True))

    for corpus in profile_corpora(d):
        add(corpus[0], corpus[1])
    return out


def profile_corpora(d: Path) -> list[tuple[str, Corpus]]:
    """(language, training part) of every corpus the profiles learn from (see ``profile_texts``)."""
    return [
        ("en", C.load_kaggle(d / C.KAGGLE_DIR / "train.csv")),
        ("en", C.load_olid(d / C.OLID_DIR / "olid-training-v1.0.tsv")),
        ("en", held_out(LC.load_mlma(d / MLMA_EN_FILE, "en", "toxicity"))[0]),
        ("de", held_out(LC.load_germeval(d / LC.GERMEVAL_FILE, "toxicity"))[0]),
        ("de", held_out(LC.load_omp(d / LC.OMP_FILE))[0]),
        ("de", held_out(LC.load_omp_deleted(d / LC.OMP_FILE))[0]),
        ("fr", held_out(LC.load_mlma(d / LC.MLMA_FILES["fr"], "fr", "toxicity"))[0]),
        ("ar", held_out(LC.load_mlma(d / LC.MLMA_FILES["ar"], "ar", "toxicity"))[0]),
    ]


def _fold(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:4], "big") % PROFILE_FOLDS


def cross_fitted_evidence(
    data_dir: Path, wanted: Sequence[str], mask: frozenset[str] = frozenset(), **fit: Any
) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """For each text of ``wanted``: the profiles' mean log-likelihood per language, from profiles
    fitted without the text's fold (by group key); ``mask``'s words removed from every text first."""
    texts = profile_texts(data_dir)
    folds = {t: _fold(k) for rows in texts.values() for k, t in rows}
    want = set(wanted)
    out: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for f in range(PROFILE_FOLDS):
        train = {lang: [masked(t, mask) for k, t in rows if _fold(k) != f] for lang, rows in texts.items()}
        profiles = LanguageProfiles.fit(train, "en", 0.0, **fit)
        for t in want:
            if folds.get(t, 0) == f:
                scores, n = profiles.evidence(masked(t, mask))
                out[t] = (profiles.languages, scores / n if n else np.zeros(len(profiles.languages)))
    return out


def vocabulary_features(text: str) -> set[str]:
    """The comment's words and the char 2-5-grams of its words (cleaned as the detector cleans): what
    a routed model's featuriser reads, roughly (model/features.py)."""
    out: set[str] = set()
    for word in words(text):
        out.add(f"w:{word}")
        padded = f" {word} "
        for n in range(2, 6):
            out.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def cross_fitted_coverage(
    data_dir: Path, wanted: Sequence[str], mask: frozenset[str] = frozenset()
) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """The alternative to the profiles: for each text of ``wanted``, the share of its
    ``vocabulary_features`` seen at least twice in each language's training texts (cross-fitted as
    ``cross_fitted_evidence``)."""
    texts = profile_texts(data_dir)
    folds = {t: _fold(k) for rows in texts.values() for k, t in rows}
    languages = tuple(sorted(texts))
    out: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for f in range(PROFILE_FOLDS):
        seen: dict[str, set[str]] = {}
        for lang in languages:
            counts: Counter[str] = Counter()
            for k, t in texts[lang]:
                if _fold(k) != f:
                    counts.update(vocabulary_features(masked(t, mask)))
            seen[lang] = {g for g, n in counts.items() if n >= 2}
        for t in set(wanted):
            if folds.get(t, 0) == f:
                found = vocabulary_features(masked(t, mask))
                share = [len(found & seen[lang]) / len(found) if found else 0.0 for lang in languages]
                out[t] = (languages, np.asarray(share))
    return out


def profile_route(evidence: tuple[tuple[str, ...], np.ndarray], margin: float) -> str | None:
    languages, mean = evidence
    if not mean.any():
        return None
    k = int(np.argmax(mean))
    best = languages[k]
    if best == "en":
        return None
    return best if mean[k] - mean[languages.index("en")] >= margin else None


def oof_scores(
    corpus: Corpus, language: str, attribute: str, folds: int, config: LanguageConfig
) -> np.ndarray:
    """Out-of-fold P(positive) of ``corpus``, each fold's model fitted as shipped (``fit_language``:
    C by inner grouped CV, Platt calibration), folds grouped by tweet."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.asarray(corpus.labels)
    groups = np.unique(np.asarray(split_keys(corpus)), return_inverse=True)[1]
    out = np.zeros(len(y))
    split = StratifiedGroupKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y, groups)
    for tr, va in split:
        part = corpus.subset(tr.tolist(), corpus.name)
        model = fit_language([part], config, quiet, f"{attribute}/{language}")[0]
        out[va] = model.predict_proba([corpus.texts[i] for i in va])[:, 1]
    return out


def routes(
    part: Part,
    evidence: Mapping[str, tuple[tuple[str, ...], np.ndarray]] | None,
    margin: float,
    only_undetermined: bool = False,
) -> list[str | None]:
    """Each comment alone: the shipped rule, then (with ``evidence``) the profiles for the rest."""
    out: list[str | None] = []
    for text, d in zip(part.texts, part.detections, strict=True):
        route = d.nearest(ROUTED)
        if route is None and evidence is not None and not (only_undetermined and d.language is not None):
            route = profile_route(evidence[text], margin)
        out.append(route)
    return out


def auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--mask-keywords", action="store_true", help="mask MLMA_FR_KEYWORDS everywhere")
    parser.add_argument(
        "--coverage", action="store_true", help="vocabulary coverage instead of the profiles (margins 0-0.3)"
    )
    parser.add_argument("--verbose", action="store_true", help="list the English comments moved")
    args = parser.parse_args(argv)
    require_folder("python -m training.route_cv", args.data_dir, "pass --data-dir")
    d = args.data_dir
    detector: LanguageDetector = default_detector()

    def part(name: str, language: str, corpus: Corpus) -> Part:
        return Part(name, language, corpus, detector.detect_with_confidence(list(corpus.texts)))

    parts = {
        (lang, att): part(
            f"{att}/{lang}", lang, held_out(LC.load_mlma(d / LC.MLMA_FILES[lang], lang, att))[0]
        )
        for lang in ("fr", "ar")
        for att in ("toxicity", "insult")
    }
    kaggle = part("insult/en", "en", C.load_kaggle(d / C.KAGGLE_DIR / "train.csv"))
    shares = {
        "olid": part("olid", "en", C.load_olid(d / C.OLID_DIR / "olid-training-v1.0.tsv")),
        "germeval": part("germeval", "de", held_out(LC.load_germeval(d / LC.GERMEVAL_FILE, "toxicity"))[0]),
        "omp": part("omp", "de", held_out(LC.load_omp(d / LC.OMP_FILE))[0]),
    }
    every = [*parts.values(), kaggle, *shares.values()]
    unrouted = [
        t for p in every for t, det in zip(p.texts, p.detections, strict=True) if det.nearest(ROUTED) is None
    ]
    mask = MLMA_FR_KEYWORDS if args.mask_keywords else frozenset()
    judge = cross_fitted_coverage if args.coverage else cross_fitted_evidence
    evidence = judge(d, unrouted, mask)
    print(f"unrouted comments judged: {len(set(unrouted))}")

    from training.evaluate import family_on_training_rows

    heads = family_on_training_rows(d, quiet).heads()  # the base, as ``make eval`` routes to it
    scores: dict[tuple[str, str], dict[str | None, np.ndarray]] = {}
    for (lang, att), p in parts.items():
        models = split_models(d, att, quiet).models
        by_route: dict[str | None, np.ndarray] = {
            k: m.model.predict_proba(p.texts)[:, 1] for k, m in models.items() if k != lang
        }
        by_route[lang] = oof_scores(p.corpus, lang, att, 3, CONFIGS[lang])
        by_route[None] = heads[att].predict_proba(p.texts)[:, 1]
        by_route["en"] = by_route[None]
        scores[(lang, att)] = by_route
    insult_models = split_models(d, "insult", quiet).models
    en_scores: dict[str | None, np.ndarray] = {
        k: m.model.predict_proba(kaggle.texts)[:, 1] for k, m in insult_models.items()
    }
    en_scores[None] = en_scores["en"] = oof_scores(
        kaggle.corpus, "en", "insult", 5, LanguageConfig(c_grid=(1.0, 2.0, 4.0))
    )

    def mixed(by_route: Mapping[str | None, np.ndarray], rs: Sequence[str | None]) -> np.ndarray:
        return np.asarray([by_route[r][i] for i, r in enumerate(rs)])

    rules: list[tuple[str, Callable[[Part], list[str | None]]]] = [
        ("shipped", lambda p: routes(p, None, 0.0)),
        ("language given", lambda p: [p.language] * len(p.texts)),
    ]
    kind = "coverage" if args.coverage else "profiles"
    for m in COVERAGE_MARGINS if args.coverage else MARGINS:
        rules.append((f"{kind}, margin {m:g}", partial(routes, evidence=evidence, margin=m)))
        rules.append(
            (
                f"{kind} (undetermined only), margin {m:g}",
                partial(routes, evidence=evidence, margin=m, only_undetermined=True),
            )
        )
    print(
        "| rule | toxicity fr | insult fr | toxicity ar | insult ar | insult en (Kaggle train) | "
        "fr by fr | Kaggle stays en | OLID stays en | GermEval by de | OMP by de |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, rule in rules:
        row = [name]
        for key in (("fr", "toxicity"), ("fr", "insult"), ("ar", "toxicity"), ("ar", "insult")):
            p = parts[key]
            row.append(f"{auc(p.labels, mixed(scores[key], rule(p))):.4f}")
        rk = rule(kaggle) if name != "language given" else ["en"] * len(kaggle.texts)
        row.append(f"{auc(kaggle.labels, mixed(en_scores, rk)):.5f}")
        row.append(f"{np.mean([r == 'fr' for r in rule(parts[('fr', 'toxicity')])]):.4f}")
        row.append(f"{np.mean([r in (None, 'en') for r in rk]):.4f}")
        ro = rule(shares["olid"])
        row.append(f"{np.mean([r in (None, 'en') for r in ro]):.4f}")
        for k in ("germeval", "omp"):
            row.append(f"{np.mean([r == 'de' for r in rule(shares[k])]):.4f}")
        print("| " + " | ".join(row) + " |", flush=True)
        if args.verbose and name.startswith(kind):
            shipped = routes(kaggle, None, 0.0), routes(shares["olid"], None, 0.0)
            for p, before, after in ((kaggle, shipped[0], rk), (shares["olid"], shipped[1], ro)):
                for i, (b, a) in enumerate(zip(before, after, strict=True)):
                    if a != b:
                        print(f"    {p.name} moved to {a}: y={p.labels[i]} {p.texts[i][:60]!r}")


if __name__ == "__main__":
    main()
