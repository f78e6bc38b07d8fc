"""Label definitions of the text-attribute family, built from the real corpora (training/corpora.py
accounting: every row read is used, excluded by the definition, or bad).

Each loader returns Corpus objects whose ``article_ids`` are CV groups: a C3 article, a YouTube
video, or ``None`` (the row is its own group: tweets carry no thread).
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable
from pathlib import Path

from training.corpora import (
    C3_DIR,
    DAVIDSON_DIR,
    OLID_DIR,
    Corpus,
    SourceFile,
    _Builder,
    _file_errors,
    _require,
    davidson,
    olid_rows,
    read_c3,
    sha256_file,
)

MLMA_DIR = "mlma-hate-speech"
YOUTUBE_DIR = "youtube-spam"
YOUTUBE_FILES = (
    "Youtube01-Psy.csv",
    "Youtube02-KatyPerry.csv",
    "Youtube03-LMFAO.csv",
    "Youtube04-Eminem.csv",
)
YOUTUBE_TEST_VIDEO = (
    "Youtube04-Eminem.csv"  # the largest video (448 comments): `make eval` never trains on it
)
YOUTUBE_TRAIN_FILES = tuple(f for f in YOUTUBE_FILES if f != YOUTUBE_TEST_VIDEO)


def _weighted(corpus: Corpus, weight: float) -> Corpus:
    return dataclasses.replace(corpus, weight=weight)


# -- C3 ------------------------------------------------------------------------------------------


def c3_toxicity_level(data_dir: Path) -> tuple[Corpus, Corpus]:
    """(clear, soft) from C3 ``crowd_toxicity_level`` (mean of 1-4 ratings, ~5 raters).

    clear: 1 = level >= 2 (at least "somewhat toxic" on average), 0 = level == 1 (every rater: not
    toxic). soft: every row strictly between, as a positive copy of weight (level - 1) and a negative
    copy of weight (2 - level): a soft target the LR fits by weighted log loss; never scored. Both
    copies are scaled by the raters' agreement (``soft_agreement_weight``): a middle level the raters
    disagree on is weaker evidence."""
    rows, bad, source = read_c3(Path(data_dir) / C3_DIR / "C3_anonymized.csv")
    clear = _Builder("c3/toxicity_level", "1 = crowd_toxicity_level >= 2, 0 = level == 1 (mean of 1-4)")
    soft = _Builder(
        "c3/toxicity_level/soft",
        "1 < level < 2 as a soft target: positive copy weight level-1, negative copy weight 2-level",
    )
    weights: list[float] = []
    for b in (clear, soft):
        b.bad.update(bad)
        b.files.append(source)
    for row in rows:
        level = row.toxicity_level
        if level is None:
            clear.bad["no crowd_toxicity_level"] += 1
        elif level >= 2:
            clear.add(row.text, 1, row.article_id)
        elif level <= 1:
            clear.add(row.text, 0, row.article_id)
        else:
            clear.excluded["1 < level < 2 (in the soft corpus)"] += 1
            p = level - 1.0
            a = soft_agreement_weight(row.toxicity_agreement)
            soft.add(row.text, 1, row.article_id)
            soft.add(row.text, 0, row.article_id)
            weights += [a * p, a * (1.0 - p)]
    return clear.build(), dataclasses.replace(soft.build(), row_weights=tuple(weights))


# Soft rows' weight: agreement / 0.65 (about the middle rows' median, so their total weight stays near
# what it was), at least 0.2 / 0.65 (130 middle rows have agreement under 0.2). Grouped CV on the
# training articles: +0.0019 AUC (paired article bootstrap 95 % [0.0007, 0.0032]); the same scaling
# of the clear rows lost 0.0009, so only the soft rows carry it (docs/attributes.md).
AGREEMENT_REFERENCE = 0.65
AGREEMENT_FLOOR = 0.2


def soft_agreement_weight(agreement: float | None) -> float:
    """Weight of a soft C3 toxicity row from its raters' agreement (1.0 when the corpus lacks it)."""
    if agreement is None:
        return 1.0
    return max(agreement, AGREEMENT_FLOOR) / AGREEMENT_REFERENCE


SEVERE_LEVEL = 2.4  # top levels: ~5 % of C3 rows (mean rating between "toxic" and "very toxic")
SEVERE_ABUSIVE_VOTES = 3


def c3_severe(data_dir: Path) -> Corpus:
    """1 = level >= 2.4 or >= 3 ``abusive`` votes; 0 = level < 2 and at most 1 abusive vote."""
    rows, bad, source = read_c3(Path(data_dir) / C3_DIR / "C3_anonymized.csv")
    b = _Builder(
        "c3/severe",
        f"1 = crowd_toxicity_level >= {SEVERE_LEVEL} or >= {SEVERE_ABUSIVE_VOTES} abusive votes; "
        "0 = level < 2 and <= 1 abusive vote; the rest excluded",
    )
    b.bad.update(bad)
    b.files.append(source)
    for row in rows:
        level = row.toxicity_level or 1.0
        abusive = row.toxicity.get("abusive", 0)
        if level >= SEVERE_LEVEL or abusive >= SEVERE_ABUSIVE_VOTES:
            b.add(row.text, 1, row.article_id)
        elif level < 2 and abusive <= 1:
            b.add(row.text, 0, row.article_id)
        else:
            b.excluded["toxic but not severe (between the definitions)"] += 1
    return b.build()


# -- tweets ----------------------------------------------------------------------------------------


def davidson_for(data_dir: Path, what: str) -> Corpus:
    path = Path(data_dir) / DAVIDSON_DIR / "labeled_data.csv"
    if what == "hate":  # hate speech vs offensive-only and neither
        return davidson(path, "davidson/hate", "1 = class 0 (hate speech), 0 = class 1 or 2", _hate)
    if what == "offensive":  # any offensive language (hate or offensive) vs neither
        return davidson(path, "davidson/offensive", "1 = class 0 or 1 (hate/offensive), 0 = class 2", _off)
    raise ValueError(what)


def _hate(cls: str) -> int:
    return 1 if cls == "0" else 0


def _off(cls: str) -> int:
    return 0 if cls == "2" else 1


OlidRule = Callable[[str, str, str], int | None]


@_file_errors
def olid(path: Path, name: str, definition: str, rule: OlidRule) -> Corpus:
    """OLID training tweets labelled by ``rule(subtask_a, subtask_b, subtask_c)`` -> 1 / 0 / None."""
    _require(path)
    b = _Builder(name, definition)
    n = 0
    for row in olid_rows(path):
        n += 1
        if row is None:
            b.bad["broken row"] += 1
            continue
        y = rule(row[2], row[3], row[4])
        if y is None:
            b.excluded["/".join(row[2:5])] += 1
        else:
            b.add(row[1], y)
    b.files.append(SourceFile(str(path), sha256_file(path), n))
    return b.build()


def olid_for(data_dir: Path, what: str, weight: float) -> Corpus:
    path = Path(data_dir) / OLID_DIR / "olid-training-v1.0.tsv"
    rules: dict[str, tuple[str, OlidRule]] = {
        "off": ("1 = OFF (offensive), 0 = NOT", lambda a, _b, _c: 1 if a == "OFF" else 0),
        "grp": (
            "1 = TIN at a group (GRP), 0 = NOT; other offensive rows excluded",
            lambda a, b, c: 1 if (b, c) == ("TIN", "GRP") else (0 if a == "NOT" else None),
        ),
        "unt": (
            "1 = UNT (untargeted profanity/swearing), 0 = NOT; targeted rows excluded",
            lambda a, b, _c: 1 if b == "UNT" else (0 if a == "NOT" else None),
        ),
    }
    definition, rule = rules[what]
    return _weighted(olid(path, f"olid/{what}", definition, rule), weight)


MLMA_DEFINITION = (
    "1 = hostile (any sentiment but 'normal') and aimed at an identity target (origin, gender, "
    "sexual_orientation, religion, disability); 0 = sentiment exactly 'normal'; hostile rows with "
    "target 'other' excluded"
)


@_file_errors
def mlma_identity(data_dir: Path, weight: float) -> Corpus:
    """MLMA English tweets: 1 = hostile (any sentiment but 'normal') AND aimed at an identity target
    (origin, gender, sexual_orientation, religion, disability); 0 = sentiment exactly 'normal';
    hostile rows with target 'other' are excluded. Texts are lower-cased with stop words removed."""
    path = _require(Path(data_dir) / MLMA_DIR / "en_dataset.csv")
    b = _Builder("mlma/en-identity", MLMA_DEFINITION)
    n = 0
    with path.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            n += 1
            sentiment, target, tweet = rec.get("sentiment"), rec.get("target"), rec.get("tweet")
            if sentiment is None or target is None or tweet is None:
                b.bad["broken row"] += 1
            elif sentiment == "normal":
                b.add(tweet, 0)
            elif target == "other":
                b.excluded["hostile, target other"] += 1
            else:
                b.add(tweet, 1)
    b.files.append(SourceFile(str(path), sha256_file(path), n))
    return _weighted(b.build(), weight)


@_file_errors
def youtube_spam(data_dir: Path, files: tuple[str, ...] = YOUTUBE_FILES) -> Corpus:
    """YouTube comments of four music videos, CLASS 1 = spam; the CV group is the video."""
    b = _Builder("youtube-spam", "1 = CLASS 1 (spam: ads, 'check out my channel', link farming), 0 = ham")
    for name in files:
        path = _require(Path(data_dir) / YOUTUBE_DIR / name)
        n = 0
        with path.open(newline="", encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                n += 1
                cls, text = rec.get("CLASS"), rec.get("CONTENT")
                if cls not in ("0", "1") or text is None:
                    b.bad["broken row or unknown label"] += 1
                else:
                    b.add(text, int(cls), f"video:{name}")
        b.files.append(SourceFile(str(path), sha256_file(path), n))
    return b.build()


def c3_civil(data_dir: Path, name: str, definition: str, weight: float) -> Corpus:
    """C3 comments the crowd rated not toxic at all (crowd_toxicity_level exactly 1) as negatives, low
    weight: news comments, of every length, that attack nobody."""
    rows, bad, source = read_c3(Path(data_dir) / C3_DIR / "C3_anonymized.csv")
    b = _Builder(name, definition)
    b.bad.update(bad)
    b.files.append(source)
    for row in rows:
        if row.toxicity_level == 1.0:
            b.add(row.text, 0, row.article_id)
        else:
            b.excluded["rated toxic by some raters (an identity attack is not ruled out)"] += 1
    return _weighted(b.build(), weight)


def c3_all_negative(data_dir: Path, name: str, definition: str, weight: float) -> Corpus:
    """Every C3 comment as a negative (e.g. news comments are not spam), low weight."""
    rows, bad, source = read_c3(Path(data_dir) / C3_DIR / "C3_anonymized.csv")
    b = _Builder(name, definition)
    b.bad.update(bad)
    b.files.append(source)
    for row in rows:
        b.add(row.text, 0, row.article_id)
    return _weighted(b.build(), weight)
