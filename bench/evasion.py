"""Obfuscated abuse: how much of a held-out abusive comment's score survives when its abusive words are
written around the models ("1d10t", "i.d.i.o.t", "id*ot", a Cyrillic letter), and what the clean
negatives and the natural text's ROC AUC are, per attribute (issue #12).

    python -m bench.evasion --data-dir ../shared/data [--model-dir DIR | --train]

The rows are ``make eval``'s held-out rows (training/evaluate.py's ``in_family_test``): Kaggle's public
test insults, the C3 comments of the held-out articles, 20 % of the Davidson / OLID / MLMA tweets.
``--model-dir`` (default: the service's model, ``MODERATION_MODEL_DIR`` or model/default) scores them as
served, but the shipped model was trained on every row, these too; ``--train`` fits the family on the
training rows only (as ``make eval`` does, some minutes) and scores them with it: never trained on.

Which words are perturbed is chosen without any model: per attribute, the words most associated with
its label on the TRAINING rows (smoothed document-frequency log-odds), ``TOP_WORDS`` each. Every
occurrence of one of them in a positive comment is rewritten by each obfuscation in turn; a positive
holding none of them is left out of the perturbed figures (their count is printed).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench import require_folder

ATTRIBUTES = ("toxicity", "insult", "profanity", "identity_attack")
TOP_WORDS = 25  # per attribute: enough to cover most abusive comments, few enough to be the abuse itself
MIN_POSITIVE_DOCS = 15  # a word in fewer training positives is a name or a topic, not a label cue
WORD_RE = re.compile(r"[a-z]{4,}")  # candidate words: shorter ones are mostly function words

_LEET_DIGITS = str.maketrans("aeiost", "431057")
_LEET_SYMBOLS = str.maketrans("asi", "@$1")
# Cyrillic letters drawn like Latin ones: the first such letter of the word is swapped.
_HOMOGLYPHS = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "i": "\u0456", "c": "\u0441", "p": "\u0440"}


def _middle(word: str) -> int:
    return max(1, len(word) // 2)


def _homoglyph(word: str) -> str:
    for i, ch in enumerate(word):
        if ch.lower() in _HOMOGLYPHS:
            return word[:i] + _HOMOGLYPHS[ch.lower()] + word[i + 1 :]
    return word


OBFUSCATIONS: dict[str, Callable[[str], str]] = {
    "leet_digits": lambda w: w.lower().translate(_LEET_DIGITS),  # idiot -> 1d107
    "leet_symbols": lambda w: w.lower().translate(_LEET_SYMBOLS),  # bastard -> b@$t@rd
    "spaced": " ".join,  # i d i o t
    "dotted": ".".join,  # i.d.i.o.t
    "hyphen_letters": "-".join,  # f-u-c-k
    "star_inner": lambda w: w[: _middle(w)] + "*" + w[_middle(w) + 1 :],  # id*ot
    "hyphen_inner": lambda w: w[: _middle(w)] + "-" + w[_middle(w) :],  # id-iot
    "doubled": lambda w: w[: _middle(w) + 1] + w[_middle(w)] + w[_middle(w) + 1 :],  # idiiot
    "homoglyph": _homoglyph,  # idіot with a Cyrillic і
}


def label_words(texts: Sequence[str], labels: Sequence[int], k: int = TOP_WORDS) -> list[str]:
    """The ``k`` words most associated with label 1 (document-frequency log-odds, add-one smoothed)."""
    pos_df: Counter[str] = Counter()
    neg_df: Counter[str] = Counter()
    for text, y in zip(texts, labels, strict=True):
        (pos_df if y else neg_df).update(set(WORD_RE.findall(text.lower())))
    n_pos = max(1, sum(1 for y in labels if y))
    n_neg = max(1, len(labels) - n_pos)

    def log_odds(w: str) -> float:
        return math.log((pos_df[w] + 1) / (n_pos + 2)) - math.log((neg_df[w] + 1) / (n_neg + 2))

    ranked = sorted((w for w, n in pos_df.items() if n >= MIN_POSITIVE_DOCS), key=log_odds, reverse=True)
    return ranked[:k]


def perturb(text: str, words: re.Pattern[str], how: Callable[[str], str]) -> str:
    return words.sub(lambda m: how(m.group()), text)


def held_out_rows(data_dir: Path) -> tuple[dict[str, tuple[list[str], list[int]]], dict[str, list[str]]]:
    """Per attribute: its ``make eval`` held-out (texts, labels), and its label words from training rows."""
    from training.evaluate import FAMILY_TESTS, in_family_test
    from training.heads import head_corpora

    corpora = head_corpora(data_dir)
    test: dict[str, tuple[list[str], list[int]]] = {}
    words: dict[str, list[str]] = {}
    for attribute in ATTRIBUTES:
        sources = {s for head, ss in FAMILY_TESTS.values() if head == attribute for s in ss}
        texts: list[str] = []
        labels: list[int] = []
        train_texts: list[str] = []
        train_labels: list[int] = []
        for c in corpora[attribute]:
            for t, y, a in zip(c.texts, c.labels, c.article_ids, strict=True):
                if in_family_test(c.name, t, a):
                    if c.name in sources:
                        texts.append(t)
                        labels.append(int(y))
                elif not c.row_weights and c.weight >= 1:  # clear, full-weight training rows
                    train_texts.append(t)
                    train_labels.append(int(y))
        test[attribute] = (texts, labels)
        words[attribute] = label_words(train_texts, train_labels)
    return test, words


def scorer_model(model_dir: Path) -> Callable[[list[str]], dict[str, np.ndarray]]:
    from model.score import Scorer

    scorer = Scorer.load(model_dir)

    def score(texts: list[str]) -> dict[str, np.ndarray]:
        rows = scorer.score(texts, use_thread=False)
        return {a: np.array([r[a] for r in rows]) for a in ATTRIBUTES}

    return score


def trained_model(data_dir: Path) -> Callable[[list[str]], dict[str, np.ndarray]]:
    from training.evaluate import family_on_training_rows

    family: Any = family_on_training_rows(data_dir, lambda msg: print(msg, file=sys.stderr, flush=True))

    def score(texts: list[str]) -> dict[str, np.ndarray]:
        p = family.predict_proba_all(texts)
        return {a: p[:, family.names.index(a)] for a in ATTRIBUTES}

    return score


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def report(
    score: Callable[[list[str]], dict[str, np.ndarray]],
    test: dict[str, tuple[list[str], list[int]]],
    words: dict[str, list[str]],
    review: dict[str, float],
) -> None:
    for attribute in ATTRIBUTES:
        texts, labels = test[attribute]
        y = np.asarray(labels, dtype=bool)
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, words[attribute])) + r")\b", re.IGNORECASE)
        natural = score(texts)[attribute]
        cut = review[attribute]
        print(f"\n{attribute}: review at {cut}; {len(texts)} held-out rows, {int(y.sum())} positive")
        print(f"  label words (training rows): {' '.join(words[attribute])}")
        print(
            f"  natural text: ROC AUC {roc_auc(y, natural):.4f}; negatives at or above review "
            f"{np.mean(natural[~y] >= cut):.4f} (n={int((~y).sum())})"
        )
        hit = [t for t, pos in zip(texts, y, strict=True) if pos and pattern.search(t)]
        clean = natural[y][[bool(pattern.search(t)) for t in np.asarray(texts, dtype=object)[y]]]
        print(f"  positives holding a label word: {len(hit)} of {int(y.sum())}")
        print(f"  {'variant':<16} {'mean':>6} {'>=review':>9}")
        print(f"  {'clean':<16} {clean.mean():6.3f} {np.mean(clean >= cut):9.3f}")
        for name, how in OBFUSCATIONS.items():
            p = score([perturb(t, pattern, how) for t in hit])[attribute]
            print(f"  {name:<16} {p.mean():6.3f} {np.mean(p >= cut):9.3f}")


def main(
    data_dir: Path = Path("../shared/data"), articles_dir: Path | None = None, argv: Sequence[str] = ()
) -> int:
    from service.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m bench.evasion")
    parser.add_argument("--data-dir", type=Path, default=data_dir)
    parser.add_argument(
        "--model-dir", type=Path, default=None, help="score with this model (default: served)"
    )
    parser.add_argument("--train", action="store_true", help="fit the family on the training rows only")
    args = parser.parse_args(list(argv))
    require_folder(parser.prog, args.data_dir, "pass --data-dir")
    settings = Settings()
    review = {a: getattr(settings, a).review for a in ATTRIBUTES}
    test, words = held_out_rows(args.data_dir)
    score = trained_model(args.data_dir) if args.train else scorer_model(args.model_dir or settings.model_dir)
    print(
        "model:", "family fitted on the training rows" if args.train else args.model_dir or settings.model_dir
    )
    report(score, test, words, review)
    return 0


if __name__ == "__main__":
    sys.exit(main(argv=sys.argv[1:]))
