"""Training on the shared corpora must reproduce the shipped model's predictions on a fixed probe set,
for every attribute the shipped artifact carries, within PREDICTION_TOLERANCE.

Bytes are not claimed: a pickle holds floats computed through BLAS/LAPACK (the randomized SVD of the
off-topic model) whose summation order depends on the CPU and the BLAS build, so the same code and
data give different last bits on another machine. What a user needs is the same scores.

The off_topic trainer also reads real pages through the parser, so a parser change that alters its
output makes this fail until model/default is retrained (and the change is reviewed with its new
metrics).

Training runs in a child process with OpenBLAS's kernels pinned as the Makefile pins them
(OPENBLAS_CORETYPE, read when the library loads): off_topic's truncated SVD turns the last-bit
differences of another CPU's kernels into probabilities up to 0.02 apart."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from core.records import ArticleContext
from model.artifact import load_artifact
from model.score import Scorer
from service.parse import parse_file
from service.settings import DEFAULT_MODEL_DIR
from tests.conftest import REPO, SEED_FILES
from training.corpora import decode_kaggle

pytestmark = pytest.mark.slow

# Largest allowed |shipped - retrained| probability on any probe comment, per attribute. Retraining on
# the development machine gave 1e-16 for insult and 5e-8 for off_topic (not bit-identical even there:
# its SVD and solver amplify rounding); another CPU or BLAS build may add more of the same rounding.
# 1e-5 leaves a wide margin above that, yet no decision (thresholds are shown to 2 decimals) can turn
# on it, and a change of data, code or hyperparameters moves probabilities by far more than 1e-5.
PREDICTION_TOLERANCE = 1e-5

# (group of texts, article or None, use_thread): scored as one call, as the service scores them.
Probe = tuple[list[str], ArticleContext | None, bool]


def _csv_column(path: Path, column: str, every: int, limit: int, delimiter: str = ",") -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(fh, delimiter=delimiter)
        texts = (r[column] for i, r in enumerate(rows) if i % every == 0 and (r.get(column) or "").strip())
        return list(islice(texts, limit))


def _chunks(texts: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(texts), size):
        yield texts[i : i + size]


def probe_set(data_dir: Path) -> list[Probe]:
    """~500 real comments, chosen by a fixed stride over the corpora (no randomness), in the ways the
    service scores them: the seed pages as threads under their article, the seeds' comments alone,
    C3 comments as threads under no article, and single comments in several languages."""
    probes: list[Probe] = []
    for path in SEED_FILES:
        page = parse_file(path)
        texts = [c.text for c in page.comments]
        if texts:
            probes.append((texts, ArticleContext(page.title, page.body), True))
            probes.append((texts, None, False))
    with (data_dir / "kaggle-insults-2012" / "test_with_solutions.csv").open(
        newline="", encoding="utf-8"
    ) as fh:
        kaggle = [decode_kaggle(row[2])[0] for row in islice(csv.reader(fh), 1, None, 8)][:200]
    probes += [(chunk, None, False) for chunk in _chunks(kaggle, 50)]
    threads: dict[str, list[str]] = {}
    with (data_dir / "c3-constructive-comments" / "C3_anonymized.csv").open(
        newline="", encoding="utf-8"
    ) as fh:
        for row in islice(csv.DictReader(fh), 0, None, 3):
            threads.setdefault(row["article_id"], []).append(row["comment_text"])
    c3 = [t[:12] for t in threads.values() if len(t) >= 4][:20]
    probes += [(thread, None, True) for thread in c3]
    singles = (
        _csv_column(data_dir / "jigsaw-toxic-sample-ibm" / "test_examples.csv", "comment_text", 20, 40)
        + _csv_column(data_dir / "youtube-spam" / "Youtube01-Psy.csv", "CONTENT", 5, 30)
        + _csv_column(data_dir / "mlma-hate-speech" / "fr_dataset.csv", "tweet", 50, 30)
    )
    with (data_dir / "germeval-2018" / "germeval2018.training.txt").open(encoding="utf-8") as fh:
        singles += [line.split("\t")[0] for line in islice(fh, 0, None, 100)][:30]
    probes += [(chunk, None, False) for chunk in _chunks(singles, 50)]
    return probes


def _inputs(training_data: object) -> list[tuple[str, list[tuple[str, str, int]]]]:
    """Each training source's name and files (name, sha256, rows), without their paths."""
    assert isinstance(training_data, list), training_data
    return [
        (src["name"], [(Path(f["path"]).name, f["sha256"], f["rows"]) for f in src.get("files", [])])
        for src in training_data
    ]


def predictions(scorer: Scorer, probes: list[Probe], attribute: str) -> np.ndarray:
    out = []
    for texts, article, use_thread in probes:
        out += [s[attribute] for s in scorer.score(texts, article, use_thread=use_thread)]
    return np.asarray(out, dtype=np.float64)


def test_probe_set_is_real_and_large_enough(data_dir: Path) -> None:
    probes = probe_set(data_dir)
    texts = [t for group, _, _ in probes for t in group]
    assert len(texts) >= 400 and len(set(texts)) >= 350
    assert any(article is not None for _, article, _ in probes)  # off_topic sees an article ...
    assert any(len(group) > 1 and use for group, _, use in probes)  # ... and threads


def blas_pin() -> dict[str, str]:
    """The Makefile's OpenBLAS kernel pin: Haswell's kernels wherever the CPU has AVX2."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return {}
    return {"OPENBLAS_CORETYPE": "Haswell"} if "avx2" in flags else {}


def _train_pinned(data_dir: Path, out: Path) -> dict:
    """`moderate train` into `out` in a child process under the kernel pin; its manifest."""
    subprocess.run(
        [sys.executable, "-m", "service.cli", "train", "--data-dir", str(data_dir), "--out", str(out)],
        cwd=REPO,
        env={**os.environ, **blas_pin()},
        check=True,
        capture_output=True,
    )
    manifest: dict = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return manifest


@pytest.mark.timeout(3600)  # a whole `make train`: minutes on an idle machine, more on a busy one
def test_make_train_reproduces_the_shipped_predictions(data_dir: Path, tmp_path: Path) -> None:
    shipped_manifest, shipped_models = load_artifact(DEFAULT_MODEL_DIR)
    out = tmp_path / "model"
    manifest = _train_pinned(data_dir, out)
    assert sorted(manifest["attributes"]) == sorted(shipped_manifest["attributes"])
    for name, entry in shipped_manifest["attributes"].items():
        # Same inputs first: if these differ, the corpora changed, not the code. Paths are not
        # compared (they depend on where the checkout is), the files' names, hashes and rows are.
        got = _inputs(manifest["attributes"][name].get("training_data"))
        assert got == _inputs(entry.get("training_data")), name
    shipped = Scorer(shipped_manifest, shipped_models)
    retrained = Scorer.load(out)
    probes = probe_set(data_dir)
    worst = {}
    for name in shipped_manifest["attributes"]:
        a, b = predictions(shipped, probes, name), predictions(retrained, probes, name)
        # An attribute not trained for a comment's language scores NaN: it must do so in both.
        known = ~np.isnan(a)
        assert known.sum() >= 100 and np.array_equal(known, ~np.isnan(b)), name
        worst[name] = float(np.max(np.abs(a[known] - b[known])))
    print("max |shipped - retrained| per attribute:", json.dumps(worst))
    bad = {n: d for n, d in worst.items() if d > PREDICTION_TOLERANCE}
    assert not bad, (
        f"retrained predictions differ from model/default by more than {PREDICTION_TOLERANCE}: {bad}; "
        "retrain model/default and review the new metrics"
    )
