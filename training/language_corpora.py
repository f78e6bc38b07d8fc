"""Loaders for the German, French and Arabic corpora, each returning ``training.corpora.Corpus``.

Label definitions (what label 1 means), per attribute:

- GermEval 2018 (German tweets): toxicity = coarse OFFENSE (vs OTHER). insult = fine INSULT or ABUSE
  (both ascribe negative qualities to a person or group; Perspective's INSULT covers groups too) vs
  OTHER and PROFANITY (swearing at nobody is not an insult).
- One Million Posts (DER STANDARD forum, German): toxicity = Inappropriate or Discriminating (majority
  vote, annotated posts only). Not used for insult: Inappropriate mixes swearing, obscenity, threats and
  insults. Posts without these annotations carry a moderator's verdict (``Status = deleted``):
  ``load_omp_deleted`` gives them as weak rows.
- MLMA (French / Arabic tweets): toxicity = any hostility type (offensive, abusive, hateful,
  disrespectful, fearful), 0 = exactly "normal", as the dataset's README defines toxic.
  insult = offensive, abusive or disrespectful vs exactly "normal"; rows that are only hateful and/or
  fearful are excluded from insult (hostile, but not clearly an insult). Most rows are hostile
  (keyword-sampled): the trainer balances classes per corpus.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from training.corpora import Corpus, SourceFile, _Builder, _file_errors, _require, sha256_file

GERMEVAL_DIR = "germeval-2018"
OMP_DIR = "one-million-posts"
MLMA_DIR = "mlma-hate-speech"
GERMEVAL_FILE = f"{GERMEVAL_DIR}/germeval2018.training.txt"
OMP_FILE = f"{OMP_DIR}/posts_labeled_wide.csv"
MLMA_FILES = {"fr": f"{MLMA_DIR}/fr_dataset.csv", "ar": f"{MLMA_DIR}/ar_dataset.csv"}

GERMEVAL_DEFINITIONS = {
    "toxicity": "GermEval 2018 coarse label OFFENSE (vs OTHER)",
    "insult": "GermEval 2018 fine label INSULT or ABUSE (vs OTHER or PROFANITY)",
}
OMP_DEFINITION = "One Million Posts: Inappropriate or Discriminating (annotators' majority vote)"
OMP_INAPPROPRIATE_DEFINITION = "One Million Posts: Inappropriate (annotators' majority vote)"
OMP_DELETED_DEFINITION = (
    "One Million Posts, posts not annotated for Inappropriate: Status deleted by a moderator"
)
MLMA_DEFINITIONS = {
    "toxicity": "MLMA: any hostility type (vs exactly 'normal')",
    "insult": (
        "MLMA: offensive, abusive or disrespectful (vs exactly 'normal'; hateful/fearful-only excluded)"
    ),
}
INSULT_TYPES = frozenset({"offensive", "abusive", "disrespectful"})
MLMA_TYPES = frozenset({"normal", "offensive", "abusive", "hateful", "disrespectful", "fearful"})


@_file_errors
def load_germeval(path: Path, attribute: str) -> Corpus:
    """GermEval 2018 training TSV: text, coarse, fine; split on tabs (tweets contain quotes)."""
    _require(path)
    b = _Builder(f"germeval-2018/{attribute}", GERMEVAL_DEFINITIONS[attribute])
    n = 0
    with path.open(encoding="utf-8", newline="") as fh:
        for line in fh:
            n += 1
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                b.bad["broken row"] += 1
                continue
            text, coarse, fine = parts[0].replace("|LBR|", "\n"), parts[1], parts[2]
            if coarse not in ("OFFENSE", "OTHER") or fine not in ("ABUSE", "INSULT", "PROFANITY", "OTHER"):
                b.bad["unknown label"] += 1
            elif attribute == "toxicity":
                b.add(text, int(coarse == "OFFENSE"), None)
            else:
                b.add(text, int(fine in ("INSULT", "ABUSE")), None)
    b.files.append(SourceFile(str(path), sha256_file(path), n))
    return b.build()


def _omp_rows(path: Path) -> tuple[list[dict[str, str]], SourceFile]:
    _require(path)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and not {"Body", "Headline", "ID_Article", "Status", "Inappropriate"} <= set(rows[0]):
        from core.errors import TrainingDataError

        raise TrainingDataError(f"{path}: unexpected One Million Posts columns {sorted(rows[0])[:8]}")
    return rows, SourceFile(str(path), sha256_file(path), len(rows))


def _omp_text(row: dict[str, str]) -> str:
    return "\n".join(part for part in (row.get("Headline", ""), row.get("Body", "")) if part.strip())


@_file_errors
def load_omp(path: Path, only_inappropriate: bool = False) -> Corpus:
    """Annotated One Million Posts (toxicity), ``article_ids`` = ID_Article. ``only_inappropriate``:
    the Inappropriate label alone (the held-out target's definition)."""
    rows, source = _omp_rows(path)
    name = "inappropriate" if only_inappropriate else "inappropriate-or-discriminating"
    definition = OMP_INAPPROPRIATE_DEFINITION if only_inappropriate else OMP_DEFINITION
    b = _Builder(f"one-million-posts/{name}", definition)
    for row in rows:
        inappropriate, discriminating = row.get("Inappropriate", ""), row.get("Discriminating", "")
        if only_inappropriate:
            discriminating = "0" if inappropriate else ""
        if inappropriate == "" and discriminating == "":
            b.excluded["not annotated (see the deleted-status weak rows)"] += 1
        elif {inappropriate, discriminating} - {"0", "1", ""}:
            b.bad["unknown label"] += 1
        else:
            b.add(_omp_text(row), int("1" in (inappropriate, discriminating)), row["ID_Article"])
    b.files.append(source)
    return b.build()


@_file_errors
def load_omp_deleted(path: Path) -> Corpus:
    """Posts with no Inappropriate/Discriminating annotation: label = deleted by a moderator."""
    rows, source = _omp_rows(path)
    b = _Builder("one-million-posts/deleted", OMP_DELETED_DEFINITION)
    for row in rows:
        if row.get("Inappropriate", "") != "" or row.get("Discriminating", "") != "":
            b.excluded["annotated (used with its labels)"] += 1
        elif row.get("Status") not in ("online", "deleted"):
            b.bad["unknown status"] += 1
        else:
            b.add(_omp_text(row), int(row["Status"] == "deleted"), row["ID_Article"])
    b.files.append(source)
    return b.build()


@_file_errors
def load_mlma(path: Path, language: str, attribute: str) -> Corpus:
    """MLMA tweets of one language. ``article_ids`` holds the HITId (the split key)."""
    _require(path)
    b = _Builder(f"mlma/{language}/{attribute}", MLMA_DEFINITIONS[attribute])
    n = 0
    seen: Counter[str] = Counter()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            n += 1
            types = frozenset(str(row.get("sentiment") or "").split("_"))
            text = str(row.get("tweet") or "")
            if not types or not types <= MLMA_TYPES:
                b.bad["unknown label"] += 1
                continue
            seen[text] += 1
            if seen[text] > 1:
                b.excluded["duplicate tweet"] += 1
                continue
            if attribute == "toxicity" or types == {"normal"} or types & INSULT_TYPES:
                b.add(text, int(types != {"normal"}), f"mlma-{language}-{row.get('HITId')}")
            else:
                b.excluded["hateful/fearful only (not clearly an insult)"] += 1
    b.files.append(SourceFile(str(path), sha256_file(path), n))
    return b.build()
