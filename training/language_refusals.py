"""Which comments each corpus would have refused as "another language" (issues #12, #13; session 23).

Per corpus and part, each comment alone (no thread, no article: Perspective's ``comments:analyze`` at
its barest, and what a client sending no ``languages`` gets): the share detected as the corpus' own
language, the share judged (``model.score.assumed_language``) in a language no attribute model serves,
which the Perspective endpoint refuses with LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE and the native API
flags as not supported, and that share by the detector's confidence band. Then, for each candidate
``WEAK_UNSERVED`` confidence, how many comments the rule moves, and which non-English ones it sends to
English. Choose on the training parts only (``--parts train``); the held-out parts are reported, never
chosen on.

    python -m training.language_refusals --data-dir ../shared/data [--parts train|all]
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from model.language import Detection, LanguageDetector, has_letters
from model.score import assumed_language
from training import corpora as C
from training import language_corpora as LC
from training.cli import require_folder
from training.languages import held_out

BANDS = (0.0, 0.3, 0.5, 0.7, 0.9, 1.01)  # the detector's top probability, lower bounds
CANDIDATES = (0.5, 0.6, 0.7, 0.8, 0.9, 1.01)
YOUTUBE_DIR = "youtube-spam"
# The languages the shipped model's attributes serve (model/default/manifest.json: toxicity and insult in
# en/de/fr/ar, the others in English): judged in any other, a comment is refused.
SERVED_LANGUAGES = frozenset({"en", "de", "fr", "ar"})


def _youtube(d: Path) -> list[str]:
    out: list[str] = []
    for path in sorted((d / YOUTUBE_DIR).glob("Youtube*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            out.extend(row["CONTENT"] for row in csv.DictReader(fh))
    return out


def corpora(d: Path, parts: str) -> list[tuple[str, str, list[str]]]:
    """(name, language, texts) of every corpus; ``parts="train"`` keeps the training parts only."""

    def split(name: str, language: str, corpus: C.Corpus) -> list[tuple[str, str, list[str]]]:
        train, test = held_out(corpus)
        out = [(f"{name} train", language, list(train.texts))]
        return out if parts == "train" else [*out, (f"{name} held-out", language, list(test.texts))]

    out: list[tuple[str, str, list[str]]] = [
        ("kaggle train", "en", list(C.load_kaggle(d / C.KAGGLE_DIR / "train.csv").texts)),
        ("olid train", "en", list(C.load_olid(d / C.OLID_DIR / "olid-training-v1.0.tsv").texts)),
        *split("germeval", "de", LC.load_germeval(d / LC.GERMEVAL_FILE, "toxicity")),
        *split("omp", "de", LC.load_omp(d / LC.OMP_FILE)),
        *split("mlma fr", "fr", LC.load_mlma(d / LC.MLMA_FILES["fr"], "fr", "toxicity")),
        *split("mlma ar", "ar", LC.load_mlma(d / LC.MLMA_FILES["ar"], "ar", "toxicity")),
    ]
    if parts != "train":
        out += [
            ("kaggle test", "en", list(C.load_kaggle(d / C.KAGGLE_DIR / "test_with_solutions.csv").texts)),
            ("c3", "en", list(C.c3_corpus(d / C.C3_DIR / "C3_anonymized.csv", "personal_attack").texts)),
            ("davidson", "en", list(C.load_davidson(d / C.DAVIDSON_DIR / "labeled_data.csv").texts)),
            ("youtube", "en", _youtube(d)),
        ]
    return out


def judged(detections: Sequence[Detection], texts: Sequence[str], weak: float) -> list[str | None]:
    """Each comment's judged language alone (no thread), with ``weak`` as the rule's confidence."""
    return [
        assumed_language(d, has_letters(t), None, SERVED_LANGUAGES, weak)
        for d, t in zip(detections, texts, strict=True)
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--parts", choices=("train", "all"), default="train")
    args = parser.parse_args(argv)
    require_folder("python -m training.language_refusals", args.data_dir, "pass --data-dir")
    detector = LanguageDetector()
    print("corpus | n | own language | refused before (no rule) | refused by band " + str(BANDS[:-1]))
    rows = []
    for name, language, texts in corpora(args.data_dir, args.parts):
        detections = detector.detect_with_confidence(texts)
        before = judged(detections, texts, 0.0)
        refused = [j is not None and j not in SERVED_LANGUAGES for j in before]
        own = sum(d.language == language for d in detections) / len(texts)
        bands: Counter[int] = Counter()
        for d, r in zip(detections, refused, strict=True):
            if r:
                bands[max(i for i, low in enumerate(BANDS) if d.confidence >= low)] += 1
        by_band = " ".join(f"{bands[i]}" for i in range(len(BANDS) - 1))
        share = f"{sum(refused)} ({sum(refused) / len(texts):.2%})"
        print(f"{name} | {len(texts)} | {own:.4f} | {share} | {by_band}")
        rows.append((name, language, texts, before, detections))
    print("\nrule: WEAK_UNSERVED candidate -> refused after, and comments moved (to which language)")
    for weak in CANDIDATES:
        print(f"-- {weak}")
        for name, language, texts, before, detections in rows:
            after = judged(detections, texts, weak)
            n_refused = sum(j is not None and j not in SERVED_LANGUAGES for j in after)
            moved = Counter((b, a) for b, a in zip(before, after, strict=True) if a != b)
            print(f"   {name}: refused {n_refused} ({n_refused / len(texts):.2%}); moved {dict(moved)}")
            if language != "en":
                for text, b, a in zip(texts, before, after, strict=True):
                    if a != b and a in (None, "en"):
                        print(f"      to English ({b}): {text[:100]!r}")


if __name__ == "__main__":
    main()
