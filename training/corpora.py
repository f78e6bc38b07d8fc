"""Loaders for the labeled corpora, each returning texts, 0/1 labels and an account of every row.

Nothing is dropped silently: every row read is either used, EXCLUDED by the label definition (for
example a C3 comment with exactly one personal_attack vote is neither clearly an attack nor clearly
clean) or BAD (empty text, unknown label, broken CSV/JSON row), and the counts go into the manifest and
the CLI output.

Label definitions (what label 1 means):
- kaggle-insults-2012: the comment insults a participant of the conversation (competition labels).
- c3 personal_attack: at least 2 crowd votes for ``personal_attack`` (out of usually 3-5 judgements);
  label 0 = no vote at all; exactly 1 vote is excluded as ambiguous (``c3_weak_positives`` loads
  those rows separately; the insult trainer uses them as low-weight positives).
- OLID (subtask B): TIN = targeted insult or threat, at a person, group or other (tweets). NOT = not
  offensive. UNT (untargeted profanity) is excluded: it is not an insult. Broader than Kaggle's
  "insult to a participant" (targets include public figures and groups); Twitter domain.
  ``olid_weak_corpora`` gives the insult trainer TIN-at-an-individual as weak positives and NOT as
  weak negatives (both low weight; training/train.py INSULT_CONFIG says why and by how much).
- Davidson 2017: class 0 hate speech / 1 offensive language / 2 neither, lexicon-seeded tweets.
  "Offensive" is dominated by profanity and slurs, not insults to a person: never used for insult (it
  would teach "swearing = insult"); its offensive class trains profanity, its hate class
  identity_attack and, as weak rows, severe_toxicity (training/heads.py).
- generic CSV/JSONL: columns/keys ``text``, ``label`` (0/1/true/false), optional ``article_id``.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import hashlib
import json
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import numpy as np

from core.errors import TrainingDataError

KAGGLE_DIR = "kaggle-insults-2012"
C3_DIR = "c3-constructive-comments"
OLID_DIR = "olid-offenseval-2019"
DAVIDSON_DIR = "davidson-hate-offensive-2017"

csv.field_size_limit(10 * 1024 * 1024)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file a corpus was read from: what the manifest records about training data."""

    path: str
    sha256: str
    rows: int


@dataclass(frozen=True, slots=True)
class Corpus:
    """Labeled texts from one source, with the accounting of every row read."""

    name: str
    label_definition: str
    texts: tuple[str, ...]
    labels: tuple[int, ...]
    article_ids: tuple[str | None, ...]
    files: tuple[SourceFile, ...]
    bad: Mapping[str, int] = field(default_factory=dict)  # reason -> rows
    excluded: Mapping[str, int] = field(default_factory=dict)  # reason -> rows (by label definition)
    # Training weight of every row. Below 1 marks auxiliary rows (weak labels): they are trained on
    # but cross-validation does not score them, nor are they used for calibration or the threshold.
    weight: float = 1.0
    # Per-row weights (multiplied by ``weight``), e.g. a soft target given as a positive and a negative
    # copy of a row; empty = every row weighs ``weight``. Rows of such a corpus are never scored.
    row_weights: tuple[float, ...] = ()
    # Per-row language the comment was judged in (a moderator's verdict on a queue item: the language
    # that scored it), which routes the row to that language's model; empty or None: detect it.
    languages: tuple[str | None, ...] = ()

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def positives(self) -> int:
        return sum(self.labels)

    def summary(self) -> str:
        parts = [f"{self.name}: {len(self)} rows used ({self.positives} positive)"]
        if self.excluded:
            parts.append("excluded " + ", ".join(f"{k}: {v}" for k, v in sorted(self.excluded.items())))
        if self.bad:
            parts.append("bad " + ", ".join(f"{k}: {v}" for k, v in sorted(self.bad.items())))
        return "; ".join(parts)

    def manifest_entry(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label_definition": self.label_definition,
            "rows_used": len(self),
            "positives": self.positives,
            "bad_rows": dict(self.bad),
            "excluded_rows": dict(self.excluded),
            "weight": self.weight,
            "files": [{"path": f.path, "sha256": f.sha256, "rows": f.rows} for f in self.files],
        }

    def subset(self, keep: list[int], name: str | None = None) -> Corpus:
        return Corpus(
            name=name or self.name,
            label_definition=self.label_definition,
            texts=tuple(self.texts[i] for i in keep),
            labels=tuple(self.labels[i] for i in keep),
            article_ids=tuple(self.article_ids[i] for i in keep),
            files=self.files,
            bad=self.bad,
            excluded=self.excluded,
            weight=self.weight,
            row_weights=tuple(self.row_weights[i] for i in keep) if self.row_weights else (),
            languages=tuple(self.languages[i] for i in keep) if self.languages else (),
        )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


P = ParamSpec("P")
R = TypeVar("R")


def _file_errors(load: Callable[Concatenate[Path, P], R]) -> Callable[Concatenate[Path, P], R]:
    """A corpus file that is not UTF-8 or not readable CSV is a TrainingDataError naming the file
    (the CLI prints it), not a traceback."""

    @functools.wraps(load)
    def wrapper(path: Path, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return load(path, *args, **kwargs)
        except UnicodeDecodeError as exc:
            raise TrainingDataError(f"{path}: not UTF-8 ({exc})") from exc
        except csv.Error as exc:
            raise TrainingDataError(f"{path}: unreadable CSV/TSV ({exc})") from exc

    return wrapper


def _require(path: Path) -> Path:
    if not path.is_file():
        raise TrainingDataError(f"corpus file not found: {path} (set DATA_DIR to the corpora directory)")
    return path


class _Builder:
    """Collects rows and counts for one corpus."""

    def __init__(self, name: str, definition: str) -> None:
        self.name = name
        self.definition = definition
        self.texts: list[str] = []
        self.labels: list[int] = []
        self.article_ids: list[str | None] = []
        self.languages: list[str | None] = []
        self.files: list[SourceFile] = []
        self.bad: Counter[str] = Counter()
        self.excluded: Counter[str] = Counter()

    def add(self, text: str, label: int, article_id: str | None = None, language: str | None = None) -> None:
        if not text.strip():
            self.bad["empty text"] += 1
            return
        self.texts.append(text)
        self.labels.append(label)
        self.article_ids.append(article_id)
        self.languages.append(language)

    def build(self) -> Corpus:
        return Corpus(
            name=self.name,
            label_definition=self.definition,
            texts=tuple(self.texts),
            labels=tuple(self.labels),
            article_ids=tuple(self.article_ids),
            files=tuple(self.files),
            bad=dict(self.bad),
            excluded=dict(self.excluded),
            languages=tuple(self.languages) if any(self.languages) else (),
        )


# -- Kaggle 2012 -------------------------------------------------------------------------------------

_ESCAPE_RE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt'\"\\abfv])")
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "'": "'", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f"}
_SIMPLE["v"] = "\v"
_HIGH_RUN_RE = re.compile(r"[\x80-\xff]+")


def _unescape_once(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        esc = match.group(1)
        if esc[0] in "xuU":
            code = int(esc[1:], 16)
            return chr(code) if code <= 0x10FFFF else match.group(0)
        return _SIMPLE[esc]

    return _ESCAPE_RE.sub(replace, text)


def _fix_bytes(text: str) -> str:
    """``\\xNN`` escapes are mostly UTF-8 bytes (``\\xc2\\xa0``); lone ones are Latin-1/cp1252."""

    def replace(match: re.Match[str]) -> str:
        raw = match.group(0).encode("latin-1")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace").replace("\ufffd", " ")

    return _HIGH_RUN_RE.sub(replace, text)


def decode_kaggle(field_text: str) -> tuple[str, int]:
    """Decode one Kaggle Comment field; returns (text, escaping levels removed: 0 to 3).

    The field is a Python-style escaped string in literal double quotes; some rows were escaped twice
    (``\\\\n``, ``\\\\xe2\\\\x80\\\\x99``): a second pass runs only when the first leaves escapes behind.
    """
    text = field_text
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    levels = 0
    for _ in range(3):  # one row in train.csv is escaped three times
        if not _ESCAPE_RE.search(text):
            break
        text = _unescape_once(text)
        levels += 1
    return _fix_bytes(text), levels


KAGGLE_DEFINITION = "1 = insults a participant of the conversation (Kaggle 2012 / Impermium labels)"


@_file_errors
def load_kaggle(path: Path, name: str | None = None) -> Corpus:
    """One Kaggle 2012 file (train.csv or test_with_solutions.csv): columns Insult, Date, Comment."""
    _require(path)
    b = _Builder(name or f"kaggle-2012/{path.name}", KAGGLE_DEFINITION)
    rows = 0
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or [h.strip() for h in header[:3]] != ["Insult", "Date", "Comment"]:
            raise TrainingDataError(f"{path}: expected header Insult,Date,Comment, got {header}")
        for row in reader:
            rows += 1
            if len(row) < 3:
                b.bad["broken row"] += 1
                continue
            if row[0] not in ("0", "1"):
                b.bad["unknown label"] += 1
                continue
            text, _ = decode_kaggle(row[2])
            b.add(text, int(row[0]))
    b.files.append(SourceFile(str(path), sha256_file(path), rows))
    return b.build()


# -- C3 ----------------------------------------------------------------------------------------------


def parse_votes(cell: str | None) -> dict[str, int]:
    """``"personal_attack:3\\nteasing:1"`` -> {"personal_attack": 3, "teasing": 1}. Blank -> {}."""
    votes: dict[str, int] = {}
    for part in (cell or "").split():
        name, sep, count = part.partition(":")
        if sep and count.isdigit():
            votes[name] = votes.get(name, 0) + int(count)
        elif part.strip():
            raise ValueError(f"bad vote entry {part!r}")
    return votes


@dataclass(frozen=True, slots=True)
class C3Row:
    article_id: str
    text: str
    toxicity: Mapping[str, int]
    non_constructive: Mapping[str, int]
    constructive: Mapping[str, int]
    toxicity_level: float | None = None  # crowd_toxicity_level: mean rating, 1 (not) .. 4 (very toxic)
    toxicity_agreement: float | None = None  # agree_toxicity_expt: the raters' agreement, 0 .. 1


@_file_errors
def read_c3(path: Path) -> tuple[list[C3Row], Counter[str], SourceFile]:
    """Every C3 row with its parsed vote dictionaries, plus bad-row counts."""
    _require(path)
    rows: list[C3Row] = []
    bad: Counter[str] = Counter()
    n = 0
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        needed = {"article_id", "comment_text", "toxicity_characteristics"}
        if not needed <= set(reader.fieldnames or ()):
            raise TrainingDataError(
                f"{path}: missing C3 columns {sorted(needed - set(reader.fieldnames or ()))}"
            )
        for rec in reader:
            n += 1
            if None in rec or any(v is None for v in rec.values()):
                bad["broken row"] += 1
                continue
            try:
                row = C3Row(
                    article_id=rec["article_id"].strip(),
                    text=rec["comment_text"],
                    toxicity=parse_votes(rec["toxicity_characteristics"]),
                    non_constructive=parse_votes(rec.get("non_constructive_characteristics")),
                    constructive=parse_votes(rec.get("constructive_characteristics")),
                    toxicity_level=float(rec["crowd_toxicity_level"])
                    if rec.get("crowd_toxicity_level")
                    else None,
                    toxicity_agreement=float(rec["agree_toxicity_expt"])
                    if rec.get("agree_toxicity_expt")
                    else None,
                )
            except ValueError:
                bad["unparseable vote string"] += 1
                continue
            rows.append(row)
    return rows, bad, SourceFile(str(path), sha256_file(path), n)


def c3_corpus(
    path: Path, characteristic: str = "personal_attack", group: str = "toxicity", min_votes: int = 2
) -> Corpus:
    """C3 as a binary corpus: >= min_votes votes for ``characteristic`` -> 1, no vote -> 0, else excluded."""
    rows, bad, source = read_c3(path)
    definition = (
        f"1 = at least {min_votes} crowd votes for {characteristic} (C3 {group}_characteristics), "
        f"0 = no vote; 1..{min_votes - 1} votes excluded as ambiguous"
    )
    b = _Builder(f"c3/{characteristic}", definition)
    b.bad.update(bad)
    b.files.append(source)
    for row in rows:
        votes = (row.toxicity if group == "toxicity" else row.non_constructive).get(characteristic, 0)
        if votes >= min_votes:
            b.add(row.text, 1, row.article_id)
        elif votes == 0:
            b.add(row.text, 0, row.article_id)
        else:
            b.excluded[f"{votes} vote(s), ambiguous"] += 1
    return b.build()


def c3_weak_positives(
    path: Path, characteristic: str = "personal_attack", votes: int = 1, weight: float = 0.3
) -> Corpus:
    """C3 rows with exactly ``votes`` votes for ``characteristic`` as positives of low ``weight``.

    ``c3_corpus`` excludes them as ambiguous; as weak positives they helped in grouped CV on the
    C3 training articles (training/train.py INSULT_CONFIG says by how much).
    """
    rows, bad, source = read_c3(path)
    definition = (
        f"1 (weak, weight {weight:g}) = exactly {votes} crowd vote(s) for {characteristic} "
        "(C3 toxicity_characteristics); other rows are in the main C3 corpus or excluded"
    )
    b = _Builder(f"c3/{characteristic}/{votes}-vote", definition)
    b.bad.update(bad)
    b.files.append(source)
    for row in rows:
        n = row.toxicity.get(characteristic, 0)
        if n == votes:
            b.add(row.text, 1, row.article_id)
        else:
            b.excluded[f"{n} vote(s), not {votes}"] += 1
    return dataclasses.replace(b.build(), weight=weight)


# -- OLID and Davidson ------------------------------------------------------------------------------

OLID_DEFINITION = (
    "1 = OLID subtask B TIN (targeted insult or threat, tweets), 0 = subtask A NOT; UNT excluded"
)


@_file_errors
def load_olid(path: Path) -> Corpus:
    """OLID training TSV (quoting disabled, as its PROVENANCE says)."""
    _require(path)
    b = _Builder("olid/train-tin", OLID_DEFINITION)
    n = 0
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if not header or header[:3] != ["id", "tweet", "subtask_a"]:
            raise TrainingDataError(f"{path}: unexpected OLID header {header}")
        for row in reader:
            n += 1
            if len(row) != 5:
                b.bad["broken row"] += 1
                continue
            a, btask = row[2], row[3]
            if a == "NOT":
                b.add(row[1], 0)
            elif a == "OFF" and btask == "TIN":
                b.add(row[1], 1)
            elif a == "OFF" and btask == "UNT":
                b.excluded["UNT (untargeted offense)"] += 1
            else:
                b.bad["unknown label"] += 1
    b.files.append(SourceFile(str(path), sha256_file(path), n))
    return b.build()


OLID_COLUMNS = ["id", "tweet", "subtask_a", "subtask_b", "subtask_c"]


def olid_rows(path: Path) -> Iterator[list[str] | None]:
    """The OLID training TSV's data rows (quoting disabled, as its PROVENANCE says); None for a row
    without its five fields. A file without OLID's header is a TrainingDataError."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if not header or header[:5] != OLID_COLUMNS:
            raise TrainingDataError(f"{path}: unexpected OLID header {header}")
        for row in reader:
            yield row if len(row) == 5 else None


@_file_errors
def olid_weak_corpora(
    path: Path, targets: tuple[str, ...] = ("IND",), pos_weight: float = 0.1, neg_weight: float = 0.3
) -> tuple[Corpus, Corpus]:
    """OLID as two low-weight auxiliary corpora for the insult model: (positives, negatives).

    Positives: subtask B TIN with a subtask C target in ``targets`` (default IND = an individual, the
    closest to "insults a participant"). Negatives: subtask A NOT. Everything else (UNT, TIN at a
    group or other target) is excluded and counted. Tweets are far from news comments, so both are
    weak (weight < 1): trained on, never scored, calibrated or thresholded on.
    """
    _require(path)
    names = "/".join(t.lower() for t in targets)
    pos = _Builder(
        f"olid/tin-{names}",
        f"1 (weak, weight {pos_weight:g}) = OLID targeted insult/threat (TIN) at target {'/'.join(targets)}",
    )
    neg = _Builder("olid/not", f"0 (weak, weight {neg_weight:g}) = OLID subtask A NOT (not offensive)")
    n = 0
    for row in olid_rows(path):
        n += 1
        if row is None:
            pos.bad["broken row"] += 1
            continue
        a, b, c = row[2], row[3], row[4]
        if a == "NOT" and b == "NULL" and c == "NULL":
            neg.add(row[1], 0)
            pos.excluded["NOT (in olid/not)"] += 1
        elif a == "OFF" and b == "TIN" and c in ("IND", "GRP", "OTH"):
            if c in targets:
                pos.add(row[1], 1)
            else:
                pos.excluded[f"TIN at {c}"] += 1
            neg.excluded["OFF"] += 1
        elif a == "OFF" and b == "UNT":
            pos.excluded["UNT (untargeted offense)"] += 1
            neg.excluded["OFF"] += 1
        else:
            pos.bad["unknown label"] += 1
    source = SourceFile(str(path), sha256_file(path), n)
    pos.files.append(source)
    neg.files.append(source)
    return (
        dataclasses.replace(pos.build(), weight=pos_weight),
        dataclasses.replace(neg.build(), weight=neg_weight),
    )


DAVIDSON_DEFINITION = "1 = class 0/1 (hate speech or offensive language, tweets), 0 = class 2 (neither)"


@_file_errors
def davidson(path: Path, name: str, definition: str, label: Callable[[str], int | None]) -> Corpus:
    """Davidson 2017 with ``label(class)`` -> 1 / 0 / None (excluded); class 0 hate, 1 offensive,
    2 neither."""
    _require(path)
    b = _Builder(name, definition)
    n = 0
    with path.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            n += 1
            cls, tweet = rec.get("class"), rec.get("tweet")
            if cls is None or tweet is None:
                b.bad["broken row"] += 1
            elif cls not in ("0", "1", "2"):
                b.bad["unknown label"] += 1
            else:
                y = label(cls)
                if y is None:
                    b.excluded[f"class {cls}"] += 1
                else:
                    b.add(tweet, y)
    b.files.append(SourceFile(str(path), sha256_file(path), n))
    return b.build()


def load_davidson(path: Path) -> Corpus:
    return davidson(path, "davidson-2017", DAVIDSON_DEFINITION, lambda cls: 0 if cls == "2" else 1)


# -- generic user data -----------------------------------------------------------------------------

_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


def _parse_label(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, float) and value in (0.0, 1.0):
        return int(value)
    if isinstance(value, str):
        v = value.strip().lower()
        if v in _TRUE:
            return 1
        if v in _FALSE:
            return 0
    return None


def _generic_records(path: Path, bad: Counter[str]) -> Iterator[Mapping[str, Any] | None]:
    """Each record, or None for a row already counted in ``bad``."""
    # utf-8-sig: spreadsheet exports start with a byte-order mark, which would hide the header.
    if path.suffix.lower() == ".jsonl":
        with path.open(encoding="utf-8-sig", errors="strict") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except (ValueError, RecursionError):  # (too deep, or an int over 4,300 digits: one bad row)
                    bad["malformed JSON line"] += 1
                    yield None
                    continue
                if not isinstance(rec, dict):
                    bad["JSON line is not an object"] += 1
                    yield None
                    continue
                yield rec
    else:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            try:
                fieldnames = reader.fieldnames
            except csv.Error as exc:
                raise TrainingDataError(f"{path}: unreadable CSV header ({exc})") from exc
            if not fieldnames or not {"text", "label"} <= set(fieldnames):
                raise TrainingDataError(
                    f"{path}: a CSV needs a header with text and label columns, got {fieldnames}"
                )
            if len(set(fieldnames)) != len(fieldnames):
                raise TrainingDataError(f"{path}: the header names a column twice: {fieldnames}")
            while True:
                try:
                    rec = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:  # e.g. a NUL byte or a field over the size limit
                    bad[f"unreadable CSV row ({exc})"] += 1
                    yield None
                    continue
                if None in rec or any(v is None for v in rec.values()):
                    bad["broken row"] += 1
                    yield None
                    continue
                if rec.get("text") == "text" and rec.get("label") == "label":
                    bad["repeated header row"] += 1
                    yield None
                    continue
                yield rec


def _first_non_utf8_line(path: Path) -> str:
    """Where the file stops being UTF-8 (the decoder's own position is within a read buffer)."""
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                return f"line {number} is not UTF-8 (byte {line[exc.start]:#04x} at column {exc.start + 1})"
    return "not UTF-8"


# The API's comment limit (MODERATION_LIMITS__MAX_COMMENT_CHARS' default). Training reads no operator
# label on a longer text: one 600 KB verdict stalled the toxicity head's solver (> 8 min instead of
# ~1.5; a 19,000-character one: no change). A page's parsed comments are not held to the API's limit,
# so a verdict on a longer one can reach the store: the reason says it is training's cap.
MAX_OPERATOR_TEXT_CHARS = 20_000
TOO_LONG = (
    f"longer than {MAX_OPERATOR_TEXT_CHARS:,} characters (training's cap, the API's comment limit: "
    "a longer text stalls the solver)"
)


def load_generic(path: Path, name: str | None = None) -> Corpus:
    """User data: CSV with a header or JSONL; ``text``, ``label`` and optional ``article_id``."""
    _require(path)
    b = _Builder(name or f"user/{path.name}", "user-supplied labels (1 = has the attribute)")
    n = 0
    try:
        for rec in _generic_records(path, b.bad):
            n += 1
            if rec is None:
                continue  # already counted as bad (an empty JSON object is not: it has no text)
            text = rec.get("text")
            label = _parse_label(rec.get("label"))
            if not isinstance(text, str):
                b.bad["missing text"] += 1
            elif label is None:
                b.bad["unknown label"] += 1
            elif len(text) > MAX_OPERATOR_TEXT_CHARS:
                b.bad[TOO_LONG] += 1
            else:
                aid = rec.get("article_id")
                b.add(text, label, None if aid in (None, "") else str(aid))
    except UnicodeDecodeError as exc:
        raise TrainingDataError(f"{path}: {_first_non_utf8_line(path)}; save it as UTF-8") from exc
    b.files.append(SourceFile(str(path), sha256_file(path), n))
    return b.build()


# -- moderator feedback ----------------------------------------------------------------------------


def load_feedback(source: Path | str, attribute: str) -> Corpus:
    """Moderators' verdicts stored by the service (table ``feedback``), read-only: an SQLite file (a
    path or sqlite:///path) or a PostgreSQL database (postgresql://...) that several replicas share.

    The manifest's sha256 is of the rows read (text, label, article_id of this attribute, in id
    order), not of the database file: the file changes with every other write and does not hold
    rows still in the write-ahead log of a running service. A URL is recorded without its password."""
    target = _feedback_target(source)
    if target.path is None:
        return _load_feedback_postgres(target, attribute)
    with _sqlite_feedback(target.path) as con:
        columns = {row[1] for row in con.execute("PRAGMA table_info(feedback)")}
        language = "judged_language" if "judged_language" in columns else "NULL"  # before schema v6
        cur = con.execute(
            f"SELECT text, label, article_id, {language} FROM feedback WHERE attribute = ? ORDER BY id",
            (attribute,),
        )
        return _feedback_corpus(cur, attribute, str(target.path))


def feedback_attributes(source: Path | str) -> tuple[str, dict[str, int]]:
    """Where the verdicts were read (never the password) and how many the feedback table holds on
    each attribute: training names those on an attribute it does not train."""
    target = _feedback_target(source)
    if target.path is None:
        from sqlalchemy import func, select

        from service.storage.schema import feedback

        with _postgres_feedback(target) as conn:
            query = select(feedback.c.attribute, func.count()).group_by(feedback.c.attribute)
            rows = list(conn.execute(query))
    else:
        with _sqlite_feedback(target.path) as con:
            rows = con.execute("SELECT attribute, COUNT(*) FROM feedback GROUP BY attribute").fetchall()
    return target.describe(), {a if isinstance(a, str) else repr(a): int(n) for a, n in rows}


def _feedback_target(source: Path | str) -> Any:
    from core.errors import ModerationError
    from service.storage.engine import parse_target

    try:
        return parse_target(source)
    except ModerationError as exc:
        raise TrainingDataError(f"--feedback: {exc}") from exc


@contextlib.contextmanager
def _sqlite_feedback(path: Path) -> Iterator[sqlite3.Connection]:
    """The service's SQLite file, read-only; its errors are training errors naming the file."""
    if not Path(path).is_file():
        raise TrainingDataError(
            f"feedback database not found: {path} (the service writes it at MODERATION_DB_PATH)"
        )
    try:
        # as_uri() percent-encodes the path: a raw '#', '?' or '%' in it would change the file opened.
        con = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise TrainingDataError(f"{path}: cannot open feedback database ({exc})") from exc
    con.text_factory = _utf8_or_bytes  # a row another client wrote in another encoding is one bad row
    try:
        yield con
    except sqlite3.Error as exc:
        raise TrainingDataError(f"{path}: cannot read table feedback ({exc})") from exc
    finally:
        con.close()


@contextlib.contextmanager
def _postgres_feedback(target: Any) -> Iterator[Any]:
    """A read-only connection to the replicas' PostgreSQL; its errors are training errors naming the
    database without its password."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.settings import Database
    from service.storage import engine as engines

    engine = engines.create(target, Database(pool_size=1, max_overflow=0))
    try:
        with engine.connect() as conn:
            yield conn.execution_options(postgresql_readonly=True)
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise TrainingDataError(
            f"{target.describe()}: cannot read table feedback ({detail[0] if detail else type(exc).__name__})"
        ) from exc
    finally:
        engine.dispose()


def _load_feedback_postgres(target: Any, attribute: str) -> Corpus:
    from sqlalchemy import inspect, literal, select

    from service.storage.schema import feedback

    with _postgres_feedback(target) as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("feedback")}
        language = (  # before schema v6: none stored
            feedback.c.judged_language if "judged_language" in columns else literal(None)
        )
        query = (
            select(feedback.c.text, feedback.c.label, feedback.c.article_id, language)
            .where(feedback.c.attribute == attribute)
            .order_by(feedback.c.id)
        )
        return _feedback_corpus(conn.execute(query), attribute, target.describe())


def _utf8_or_bytes(raw: bytes) -> str | bytes:
    """SQLite stores TEXT unchecked: sqlite3 raised on the first row that is not UTF-8 and no verdict
    was read at all. Such a value stays bytes here and its row is counted as bad."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


# Corpus-name prefixes of the operator's own labels: moderators' verdicts (load_feedback) and
# --decisions files (training/heads.py names them "decisions/<file>").
OPERATOR_SOURCES = ("feedback/", "decisions/")
REPEATED_VERDICT = "the same verdict on the same text again (counted once)"
OVERRULED_VERDICT = "overruled by a later verdict on the same text (the latest is used)"


def _as_the_model_reads(text: str, keys: dict[str, str]) -> str:
    """The text as the featuriser sees it: its normalised tokens (case, spacing, punctuation but !/?,
    digits, accents and letter runs make no difference). Texts with the same key are the same row.
    `keys` holds each raw token's normalised form, filled as tokens are met: normalising is the cost,
    and verdicts hold few distinct tokens (each normalised per row: 29 s of CPU for 100,000 verdicts)."""
    from model.tokens import normalize_token, tokenize

    out = []
    for token in tokenize(text):
        key = keys.get(token)
        if key is None:
            key = keys[token] = normalize_token(token)
        out.append(key)
    return " ".join(out)


def _feedback_corpus(rows: Any, attribute: str, where: str) -> Corpus:
    """One row per distinct text as the model reads it: its latest verdict. A client that retries, or
    a comment posted many times, must not weigh more than once (30 copies of one verdict pushed
    unrelated comments over the reject threshold; 300 copies differing only in case or trailing
    spaces took 'You are an idiot.' from 1.00 to 0.05), and a later verdict corrects an earlier one."""
    b = _Builder(
        f"feedback/{attribute}", f"moderator verdicts: 1 = moderator says the comment is {attribute}"
    )
    n = 0
    digest = hashlib.sha256()
    for text, label, article_id, language in rows:
        n += 1
        fields = [repr(text), repr(label), repr(article_id)]
        if language is not None:  # the rows of an older database hash as they did
            fields.append(repr(language))
        digest.update(json.dumps(fields).encode() + b"\n")
        if isinstance(text, bytes) or isinstance(article_id, bytes):
            b.bad["not UTF-8"] += 1
        elif not isinstance(text, str):
            b.bad["missing text"] += 1
        elif label not in (0, 1):
            b.bad["unknown label"] += 1
        elif not text.strip():
            b.bad["empty text"] += 1
        elif len(text) > MAX_OPERATOR_TEXT_CHARS:
            b.bad[TOO_LONG] += 1
        else:
            b.add(text, int(label), article_id, language if isinstance(language, str) else None)
    b.files.append(SourceFile(where, digest.hexdigest(), n))
    return latest_per_text(b.build())


def latest_per_text(corpus: Corpus) -> Corpus:
    """The operator's labels (verdicts, --decisions rows): one row per distinct text as the model reads
    it and language it was judged in, the latest (last) label on it, in the order of those latest rows;
    the others are counted as repeated or overruled. ("Idiot!" rejected in a German thread and approved
    in an English one trains each language's model with its own verdict.)"""
    latest: dict[tuple[str, str | None], int] = {}  # key -> index of the latest row on it
    excluded: Counter[str] = Counter(corpus.excluded)
    keys: dict[str, str] = {}
    for i, text in enumerate(corpus.texts):
        key = (_as_the_model_reads(text, keys), corpus.languages[i] if corpus.languages else None)
        earlier = latest.pop(key, None)  # re-inserted: the row takes the latest label's place
        if earlier is not None:
            excluded[
                REPEATED_VERDICT if corpus.labels[earlier] == corpus.labels[i] else OVERRULED_VERDICT
            ] += 1
        latest[key] = i
    return dataclasses.replace(corpus.subset(list(latest.values())), excluded=dict(excluded))


def group_codes(keys: Sequence[str]) -> np.ndarray:
    """Integer code of every key, in sorted key order (as ``np.unique(..., return_inverse=True)``,
    so folds stay as they were), without numpy's fixed-width string array: its memory grows with the
    LONGEST key times the row count (one 100,000-character article id took 22 GB)."""
    code = {k: i for i, k in enumerate(sorted(set(keys)))}
    return np.fromiter(map(code.__getitem__, keys), dtype=np.int64, count=len(keys))


def require_two_classes(labels: tuple[int, ...] | list[int], what: str) -> None:
    classes = set(labels)
    if len(classes) < 2:
        only = f"only label {classes.pop()}" if classes else "no rows"
        raise TrainingDataError(f"{what}: training data has {only}; need both 0 and 1 labels to train")
