"""The cross-source measure of the German toxicity recipe, on tiny synthetic corpora."""

from __future__ import annotations

import csv
import dataclasses
import random
from pathlib import Path

import numpy as np
import pytest

from training import cross_source as XS
from training import language_corpora as LC

TOXIC = ["Du bist ein dummer Idiot", "was für ein Vollidiot", "halt die Klappe du Depp", "so ein Trottel"]
CALM = ["Danke für den Beitrag", "ich sehe das anders", "guter Artikel heute", "das Wetter ist schön"]
FILLER = ["Berlin", "Wien", "morgen", "gestern", "Politik", "Fußball", "Regierung", "Zeitung"]


def _line(rng: random.Random, toxic: bool, marker: str) -> str:
    words = [rng.choice(TOXIC if toxic else CALM), rng.choice(FILLER), rng.choice(FILLER)]
    return " ".join([marker, *words]) if marker else " ".join(words)


def _write_corpora(root: Path, rows: int = 90) -> Path:
    """GermEval-like tweets (toxic ones reply to @partei, a source-only cue) and One Million Posts-like
    posts (annotated, and unannotated with a moderator's status) in the real files' formats."""
    rng = random.Random(0)
    (root / LC.GERMEVAL_DIR).mkdir(parents=True)
    (root / LC.OMP_DIR).mkdir(parents=True)
    with (root / LC.GERMEVAL_FILE).open("w", encoding="utf-8") as fh:
        for i in range(rows):
            toxic = i % 3 == 0
            marker = "@partei" if toxic else "@leser"
            fh.write(f"{_line(rng, toxic, marker)} {i}\t{'OFFENSE' if toxic else 'OTHER'}\tOTHER\n")
    fields = ["ID_Post", "ID_Article", "Headline", "Body", "Status", "Inappropriate", "Discriminating"]
    with (root / LC.OMP_FILE).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for i in range(2 * rows):
            toxic = i % 4 == 0
            annotated = i % 2 == 0
            writer.writerow(
                {
                    "ID_Post": str(i),
                    "ID_Article": str(i % 40),
                    "Headline": "",
                    "Body": f"{_line(rng, toxic, '')} {i}",
                    "Status": "deleted" if toxic else "online",
                    "Inappropriate": str(int(toxic)) if annotated else "",
                    "Discriminating": "0" if annotated else "",
                }
            )
    return root


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> XS.Sources:
    return XS.training_parts(_write_corpora(tmp_path_factory.mktemp("corpora")))


def test_training_parts_leave_out_the_held_out_rows(sources: XS.Sources) -> None:
    from training.languages import is_held_out, split_keys

    for corpus in (sources.germeval, sources.omp, sources.omp_deleted):
        assert len(corpus) > 0 and not any(is_held_out(k) for k in split_keys(corpus))
    assert sources.omp_deleted.weight == 1.0  # the recipe sets the weak rows' weight


def test_shared_words_carry_across_sources_and_a_source_only_cue_does_not(sources: XS.Sources) -> None:
    shipped = XS.cross_source(sources, XS.VARIANTS["shipped"])
    (g2o, o2g) = shipped.directions
    assert (g2o.trained_on, g2o.scored_on) == (sources.germeval.name, sources.omp.name)
    assert (o2g.trained_on, o2g.scored_on) == (sources.omp.name, sources.germeval.name)
    assert len(g2o.labels) == len(sources.omp) and len(o2g.labels) == len(sources.germeval)
    assert g2o.auc > 0.9 and o2g.auc > 0.9  # the insults are the same words in both sources
    assert set(shipped.in_source) == {sources.germeval.name, sources.omp.name}
    assert shipped.mean == pytest.approx((g2o.auc + o2g.auc) / 2)
    # GermEval's toxic rows also carry "@partei": without the insult words only that cue is left, which
    # One Million Posts never has, so the model it gives cannot rank OMP's posts.
    blank = dataclasses.replace(
        sources.germeval,
        texts=tuple(t.split()[0] + " " + t.split()[-1] for t in sources.germeval.texts),
    )
    cue_only = XS.cross_source(
        dataclasses.replace(sources, germeval=blank), XS.Recipe("cue"), in_source=False
    )
    assert cue_only.directions[0].auc == pytest.approx(0.5, abs=0.1)
    assert cue_only.in_source == {}


def test_paired_noise_is_zero_against_itself_and_positive_otherwise(sources: XS.Sources) -> None:
    a = XS.cross_source(sources, XS.VARIANTS["shipped"], in_source=False)
    rng = np.random.default_rng(1)
    g2o, o2g = (
        dataclasses.replace(d, scores=d.scores + rng.normal(0, 3, len(d.scores))) for d in a.directions
    )
    b = dataclasses.replace(a, directions=(g2o, o2g))
    assert XS.paired_noise(a, a, rounds=20) == 0.0
    assert XS.paired_noise(a, b, rounds=20) > 0.0


def test_text_rewrites() -> None:
    assert XS.strip_handles("@spdde ihr seid https://t.co/x1 peinlich www.x.de").split() == [
        "ihr",
        "seid",
        "peinlich",
    ]
    assert XS.transliterated("Schöne Grüße, Ärger") == "Schoene Gruesse, Aerger"
    assert XS.eszett("Grüße") == "Grüsse"


def test_cli_prints_one_row_per_recipe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _write_corpora(tmp_path / "data")
    XS.main(["--data-dir", str(root), "--variant", "NB 0", "--no-in-source"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(" | ")[0] for line in lines] == ["recipe", "shipped", "NB 0"]
    with pytest.raises(SystemExit):
        XS.main(["--data-dir", str(tmp_path / "missing")])


def test_rank_auc_is_sklearns() -> None:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 300)
    scores = np.round(rng.normal(size=300) + labels, 1)  # rounded: ties count half
    assert XS._auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
