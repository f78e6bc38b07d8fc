"""Language identification: accuracy on the corpora's own comments and its cost next to scoring.

Per corpus (and its comments of at most 50 characters): share detected as the corpus' language,
share detected as ANOTHER supported language (de/fr/ar/en: the comment would be scored by the wrong
model), share undetermined (None). Then comments/s of detection alone and of the Scorer on the same
distinct comments, in this process (detection runs inside every ``Scorer.score`` call).
"""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path

SUPPORTED = ("en", "de", "fr", "ar")


def _sets(data_dir: Path, n: int = 600) -> dict[str, tuple[str, list[str]]]:
    from training import corpora as C
    from training import language_corpora as LC

    def tweets(path: Path, column: str) -> list[str]:
        with path.open(encoding="utf-8", newline="") as fh:
            return [row[column] for row in csv.DictReader(fh)]

    sources = {
        "germeval-2018": ("de", list(LC.load_germeval(data_dir / LC.GERMEVAL_FILE, "toxicity").texts)),
        "one-million-posts": ("de", list(LC.load_omp(data_dir / LC.OMP_FILE).texts)),
        "mlma-fr": ("fr", tweets(data_dir / LC.MLMA_FILES["fr"], "tweet")),
        "mlma-ar": ("ar", tweets(data_dir / LC.MLMA_FILES["ar"], "tweet")),
        "kaggle-insults": ("en", list(C.load_kaggle(data_dir / C.KAGGLE_DIR / "train.csv").texts)),
        "c3": ("en", list(C.c3_corpus(data_dir / C.C3_DIR / "C3_anonymized.csv", "personal_attack").texts)),
    }
    out: dict[str, tuple[str, list[str]]] = {}
    rnd = random.Random(0)
    for name, (lang, texts) in sources.items():
        rnd.shuffle(texts)
        out[name] = (lang, texts[:n])
        out[f"{name} (<=50 chars)"] = (lang, [t for t in texts if len(t) <= 50][:n])
    return out


def main(data_dir: Path, articles_dir: Path | None = None) -> int:
    from model.language import LanguageDetector
    from model.score import Scorer
    from service.settings import DEFAULT_MODEL_DIR

    sets = _sets(Path(data_dir))
    detector = LanguageDetector()
    print(f"{'set':<34} {'n':>5} {'right':>7} {'wrong-supported':>16} {'other':>7} {'und':>7}")
    for name, (lang, texts) in sets.items():
        found = detector.detect(texts)
        n = max(1, len(texts))
        right = sum(f == lang for f in found) / n
        wrong = sum(f in SUPPORTED and f != lang for f in found) / n
        und = sum(f is None for f in found) / n
        other = max(0.0, 1 - right - wrong - und)
        print(f"{name:<34} {len(texts):>5} {right:>7.3f} {wrong:>16.3f} {other:>7.3f} {und:>7.3f}")
    texts = [t for _, ts in sets.values() for t in ts]
    scorer = Scorer.load(DEFAULT_MODEL_DIR)
    fresh = LanguageDetector()
    started = time.perf_counter()
    fresh.detect(texts)  # includes loading the model once
    cold = time.perf_counter() - started
    rates = {"detect": [], "score": [], "score_english": []}
    for _ in range(3):
        started = time.perf_counter()
        fresh.detect(texts)
        rates["detect"].append(len(texts) / (time.perf_counter() - started))
        started = time.perf_counter()
        for i in range(0, len(texts), 50):
            scorer.score(texts[i : i + 50])
        rates["score"].append(len(texts) / (time.perf_counter() - started))
        started = time.perf_counter()
        for i in range(0, len(texts), 50):
            scorer.score(texts[i : i + 50], language="en")  # no detection, no routing
        rates["score_english"].append(len(texts) / (time.perf_counter() - started))
    print(f"\n{len(texts)} distinct comments; detection cold (with model load) {len(texts) / cold:,.0f}/s")
    for what, values in rates.items():
        print(f"  {what:<14} best of 3: {max(values):>9,.0f} comments/s")
    print("  (score = detection + routing + every attribute, threads of 50, no article)")
    return 0
