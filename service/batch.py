"""`moderate score`: batch-score page files, directories of pages and comment JSONL exports.

Work is split in three steps so that it parallelises without changing the output:

1. ``discover`` walks the PATHs in the parent, in sorted order, and turns every directory entry into a
   ``Task`` (a page, a comments JSONL file, or an entry that cannot be read, with the reason). Symlink
   loops, dangling links and FIFOs are classified here, from ``stat`` alone, so nothing ever blocks.
2. ``process_chunk`` parses and scores a chunk of tasks and returns the chunk's output already
   serialised (JSONL or CSV text) plus counters: one cheap string crosses the process boundary per chunk.
   The model is loaded once per worker process (``_scorer_for``) and reused for every chunk.
3. ``score_paths`` sends the chunks to loky processes (joblib) or an existing Dask cluster
   (service/batch_dispatch.py) and writes the results in chunk order, so the output is identical for
   any N.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import functools
import gc
import io
import json
import logging
import math
import os
import re
import stat
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO, cast

from core.errors import (
    ConfigurationError,
    EmptyInputError,
    InputError,
    MalformedInputError,
    ModerationError,
    TooLargeError,
)
from core.records import Article, ArticleContext, Scores
from service import standard_input
from service.batch_dispatch import chunk_results
from service.batch_jsonl import (
    SURROGATE,
    JsonlComment,
    jsonl_lines,
    oversized_line,
    parse_jsonl_line,
    read_json_line,
    reads_as_json_lines,
    refused_id,
)
from service.batch_process import (
    Progress,
    exit_with_parent,
    interruption,
    log_like_parent,
    peak_rss_bytes,
    sigterm_as_exit,
)
from service.batch_summary import VERDICTS as VERDICTS  # (re-exported: tests and callers name batch.VERDICTS)
from service.batch_summary import ChunkResult, Summary
from service.decide import decide, judged_language
from service.ingest import display_line, display_path, without_source
from service.output import CheckedOutput, OutputError, write_lines
from service.settings import (
    THRESHOLD_ATTRIBUTES,
    Limits,
    Settings,
    Thresholds,
    command_settings,
    served_model_dir,
)

if TYPE_CHECKING:
    from model.score import CommentScorer

log = logging.getLogger(__name__)

OutFormat = Literal["jsonl", "csv"]
TaskKind = Literal["page", "jsonl", "error", "skipped", "stdin"]
ScorerFactory = Callable[[Path], "CommentScorer"]

CSV_COLUMNS: tuple[str, ...] = (
    "kind",
    "source",
    "line",
    "id",
    "article_id",
    "comment_index",
    "parent",
    "author",
    "posted_at",
    "text",
    *THRESHOLD_ATTRIBUTES,  # one score column per attribute
    "context",
    "language",
    "judged_language",
    "unsupported",
    "decision",
    "reasons",
    "comments",
    "title",
    "error",
)
# Columns added since session 20, oldest first, and so every header this command has written: an
# earlier run's output under an input directory is still recognised as ours (skipped, overwritten by --out).
CSV_COLUMNS_ADDED = ("judged_language", "parent")
OUR_CSV_HEADERS = frozenset(
    ",".join(c for c in CSV_COLUMNS if c not in CSV_COLUMNS_ADDED[k:])
    for k in range(len(CSV_COLUMNS_ADDED) + 1)
)
# Lines without an article_id scored per call (bounded: a million-line export is not one numpy batch).
SINGLES_PER_CALL = 1_000
# A thread is scored this many consecutive comments at a time, each window as one API request of the
# API's most comments (MAX_COMMENTS_PER_REQUEST's default) with its off-topic context: memory per thread
# stays bounded (one call for 99,000 comments took 1.27 GB), and real threads fit in one window.
THREAD_WINDOW = 1_000
# Languages a window's lines may name and each still be scored with the whole window as its thread:
# each costs one call over the window, so an export naming hundreds (broken or hostile) would cost
# hundreds of window-sized calls. A site serves a handful (Coral sends en, es, fr, de or pt); lines
# naming a rarer one are scored as a thread of their own.
MAX_WINDOW_LANGUAGES = 5
# The --out file is written as `.NAME.XXXXXXXX.moderate-tmp` beside it and renamed when complete. A run
# killed with -9 leaves it behind: the walker reports such files (and the `.part` files of older
# versions) as skipped, never as input.
TEMP_SUFFIX = ".moderate-tmp"
_LEFTOVER = re.compile(r"^\..+\.[A-Za-z0-9_]{8}(?:\.moderate-tmp|\.part)$")
_FORMULA_STARTS = frozenset("=+-@\t\r")


@dataclass(frozen=True, slots=True)
class Task:
    """One directory entry to account for in the output."""

    kind: TaskKind
    source: str
    reason: str | None = None  # why an "error" or "skipped" entry is not scored
    data: bytes | None = field(default=None, repr=False)  # the input itself, read from standard input


@dataclass(frozen=True, slots=True)
class BatchConfig:
    """Everything a worker needs; small and picklable, sent with every chunk."""

    model_dir: Path
    thresholds: dict[str, Thresholds]
    limits: Limits
    out_format: OutFormat = "jsonl"
    page_format: Literal["auto", "text", "html"] = "auto"
    scorer_factory: ScorerFactory | None = None  # None: the real model.score.Scorer.load
    # Local worker processes exit when this process (the `moderate score` that started them) is gone,
    # and log at its level (None: as they are).
    parent_pid: int | None = None
    log_level: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> BatchConfig:
        return cls(
            model_dir=settings.model_dir, thresholds=settings.thresholds(), limits=settings.limits, **kwargs
        )


# --------------------------------------------------------------------------------------------------
# 1. discovery


def _kind_of_mode(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


# Comment exports by name: JSON Lines is also spelled NDJSON (newline-delimited JSON).
JSONL_SUFFIXES = (".jsonl", ".ndjson")


def _file_task(path: str) -> Task:
    return Task("jsonl" if path.lower().endswith(JSONL_SUFFIXES) else "page", path)


def refuse_comment_export(data: bytes, source: str) -> None:
    """A page file holding a comment export (JSON lines, by any name) is an error, not a page titled
    with its first line: the same for `moderate parse`, `report` and `score`."""
    if reads_as_json_lines(data):
        raise MalformedInputError(
            f"{source}: JSON lines (a comment export), not a page: `moderate score` reads an export "
            "from a .jsonl or .ndjson file, or from standard input"
        )


def discover(
    paths: Sequence[str | os.PathLike[str]],
    empty_dirs: list[str] | None = None,
    exclude: Mapping[tuple[int, int], str | None] | None = None,
) -> list[Task]:
    """Every entry under `paths`, in argument order then sorted walk order, classified without reading.

    Directories are walked recursively following symlinks; a directory or file reached twice (a symlink
    loop, two links to one directory or file, a PATH named twice) is read once and the other entry gets a
    "skipped" task.
    `exclude` maps the (device, inode) of files that are no input (this run's output) to the reason of
    their "skipped" task, or to None to leave them out altogether (the output's temp file).
    """
    tasks: list[Task] = []
    visited: dict[tuple[int, int], str] = {}
    exclude = exclude or {}

    def entry(path: str, in_directory: bool) -> Iterator[str] | None:
        """Classify `path` into `tasks`; for a directory to walk, its entries' paths in sorted order."""
        if path == standard_input.STDIN and not in_directory:  # read by the consumer, once
            again = any(t.kind == "stdin" for t in tasks)
            why = "standard input, already read above (`-` named twice)"
            tasks.append(Task("skipped", standard_input.SOURCE, why) if again else Task("stdin", path))
            return None
        try:
            st = os.stat(path)
        except OSError as exc:
            if os.path.islink(path):
                target = os.readlink(path)
                if exc.errno == 40:  # ELOOP: the link chain points back at itself
                    why = f"symlink loop (-> {target}): too many levels of symbolic links"
                else:
                    why = f"dangling symlink (-> {target}): {exc.strerror}"
                tasks.append(Task("error", path, why))
            else:
                tasks.append(Task("error", path, f"cannot stat: {exc.strerror or exc}"))
            return None
        hidden = in_directory and os.path.basename(path).startswith(".")
        if stat.S_ISDIR(st.st_mode) and not hidden:
            return walk(path, st)
        if (st.st_dev, st.st_ino) in exclude:
            reason = exclude[(st.st_dev, st.st_ino)]
            if reason is not None:
                tasks.append(Task("skipped", path, reason))
        elif stat.S_ISREG(st.st_mode) and _LEFTOVER.match(os.path.basename(path)):
            tasks.append(Task("skipped", path, "temp file of an interrupted `moderate score --out` run"))
        elif hidden:
            # .git, .DS_Store, an editor's swap file: a crawl's bookkeeping, no page. Named on the
            # command line, a hidden file is read.
            tasks.append(Task("skipped", path, "hidden (its name starts with '.'); name it to read it"))
        elif stat.S_ISREG(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in visited:  # the same file named twice, or reached by a link: its rows once
                tasks.append(
                    Task("skipped", path, f"file already read as {visited[key]} (named twice or alias)")
                )
            else:
                visited[key] = path
                tasks.append(_file_task(path))
        elif not in_directory and standard_input.is_standard_input(st):
            return entry(standard_input.STDIN, in_directory=False)  # read once, as `-` is
        else:
            tasks.append(Task("error", path, f"{_kind_of_mode(st.st_mode)}, not a page file"))
        return None

    def walk(path: str, st: os.stat_result) -> Iterator[str] | None:
        key = (st.st_dev, st.st_ino)
        if key in visited:
            tasks.append(
                Task("skipped", path, f"directory already walked as {visited[key]} (symlink loop or alias)")
            )
            return None
        visited[key] = path
        try:
            with os.scandir(path) as it:
                names = sorted(e.name for e in it)
        except OSError as exc:
            tasks.append(Task("error", path, f"cannot list directory: {exc.strerror or exc}"))
            return None
        if not names and empty_dirs is not None:
            empty_dirs.append(path)
        return (os.path.join(path, name) for name in names)

    # Depth first with a stack of the open directories' remaining entries, not recursion: a tree deeper
    # than Python's recursion limit (~500 levels took a RecursionError) is walked like any other.
    stack: list[Iterator[str]] = [iter([os.fspath(p) for p in paths])]
    while stack:
        path = next(stack[-1], None)
        if path is None:
            stack.pop()
        elif (entries := entry(path, len(stack) > 1)) is not None:
            stack.append(entries)
    return tasks


def own_output(stream: TextIO) -> dict[tuple[int, int], str | None]:
    """`discover`'s `exclude` for a run writing to `stream`: when it is a regular file (stdout
    redirected, `moderate score crawl > crawl/scores.jsonl`), a walk of the directory it sits in must
    not read the run's own output as input."""
    try:
        st = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):  # not a file descriptor (a StringIO, a closed stdout)
        return {}
    if not stat.S_ISREG(st.st_mode):
        return {}
    return {(st.st_dev, st.st_ino): "the standard output of this run (its own output, not input)"}


def chunked(tasks: Sequence[Task], size: int) -> list[list[Task]]:
    return [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]


def auto_chunk_size(n_tasks: int, jobs: int) -> int:
    # About 8 chunks per worker balances load; at most 64 files keeps progress updates frequent.
    if jobs <= 1:
        return 64
    return max(1, min(64, -(-n_tasks // (jobs * 8))))


# --------------------------------------------------------------------------------------------------
# 2. the worker


def _load_real_scorer(model_dir: Path) -> CommentScorer:
    from model.score import Scorer  # heavy (sklearn): imported only when scoring

    return Scorer.load(model_dir)


@functools.lru_cache(maxsize=4)
def _scorer_for(factory: ScorerFactory | None, model_dir: str, stamp: int) -> CommentScorer:
    """The per-process model cache: each worker loads the artifact once, whatever the chunk count."""
    log.debug("loading model from %s in pid %d", model_dir, os.getpid())
    gc.unfreeze()  # a model loaded earlier (its artifact since retrained) may be collected again
    scorer = (factory or _load_real_scorer)(Path(model_dir))
    # The model's ~200,000 objects live as long as the process: out of the collector's reach, a full
    # collection walks only the rows being built (each one walking the model cost ~0.13 s). Garbage
    # cycles left at this moment are kept until the next load unfreezes them: a few, once.
    gc.freeze()
    return scorer


def get_scorer(config: BatchConfig) -> CommentScorer:
    # The manifest's mtime is part of the key: a long-lived worker picks up a retrained artifact.
    try:
        stamp = (config.model_dir / "manifest.json").stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _scorer_for(config.scorer_factory, str(config.model_dir), stamp)


# Scores are written to six decimals, rounded down as the decision's reasons round theirs: to nearest,
# 0.8999996 was written 0.9 on a row its 0.9 reject threshold had not rejected. The nudge absorbs the
# float error of the product (0.123456 * 1e6 = 123455.99999999999), far below a written decimal.
SCORE_DECIMALS = 6
_SCALE = 10**SCORE_DECIMALS


def _r(x: float) -> float | None:
    """Six decimals, rounded down; None (JSON null) for a score the artifact does not carry (the
    Scorer gives NaN)."""
    x = float(x)
    return math.floor(x * _SCALE + 1e-6) / _SCALE if math.isfinite(x) else None


def _decision_fields(scores: Scores, config: BatchConfig, counts: Counter[str]) -> dict[str, Any]:
    decision = decide(scores, config.thresholds)
    counts["decision_" + decision.verdict] += 1
    counts["comments_scored"] += 1
    return {
        "scores": {k: _r(v) for k, v in scores.as_dict().items()},
        "context": scores.context,
        "language": scores.language or "und",
        # the language its decision and thresholds were judged in, as the API says it
        "judged_language": judged_language(scores),
        # attributes whose model was not trained for the comment's language ("" in CSV: none)
        "unsupported": sorted(scores.unsupported),
        "decision": decision.verdict,
        "reasons": list(decision.reasons),
    }


def error_row(
    source: str, reason: str, error_type: str = "InputError", line: int | None = None
) -> dict[str, Any]:
    row: dict[str, Any] = {"kind": "error", "source": source}
    if line is not None:
        row["line"] = line
    row.update(error=reason, error_type=error_type)
    return row


def page_rows(
    article: Article, source: str, config: BatchConfig, counts: Counter[str]
) -> list[dict[str, Any]]:
    counts["pages"] += 1
    if not article.comments:
        counts["pages_without_comments"] += 1
        return [{"kind": "page", "source": source, "title": article.title, "comments": 0}]
    counts["pages_with_comments"] += 1
    ctx = ArticleContext(title=article.title or "", body=article.body)
    # A quote is the quoted author's words: the reply is scored on its own.
    scores = get_scorer(config).score([c.own_text for c in article.comments], ctx)
    rows = []
    for i, (comment, s) in enumerate(zip(article.comments, scores, strict=True)):
        row: dict[str, Any] = {
            "kind": "comment",
            "source": source,
            "comment_index": i,
            "parent": comment.parent,  # the comment_index it replies to (None: not a reply)
            "author": comment.author,
            "posted_at": comment.posted_at,
            "text": comment.text,
            "quotes": comment.quotes_shown(),
        }
        row.update(_decision_fields(s, config, counts))
        rows.append(row)
    return rows


def jsonl_rows(
    source: str, config: BatchConfig, counts: Counter[str], data: bytes | None = None
) -> list[str]:
    """Score a comments export (the file `source`, or `data` read from standard input): lines sharing
    an article_id are one thread; each row's output text (`row_text`), in input order. A row is held
    as its text, and a thread's lines are let go once it is scored: each row's dict held until the
    file was done cost ~1.5 KB a line (499,000 real lines peaked at 1.78 GB, now 1.19 GB)."""
    out: list[str | None] = []
    threads: dict[str, list[tuple[int, JsonlComment]]] = {}
    # Lines without an article_id are no thread: each is scored blind to the others (use_thread=False),
    # so many can share one call (one call per line ran at ~3,000 comments/s); grouped by their article.
    # A line's language hint is the API's for a request: lines naming another language are scored apart.
    singles: dict[tuple[tuple[str, str] | None, str | None], list[tuple[int, JsonlComment]]] = {}
    line_errors = 0  # added to the run's counts only if the file is read to its end
    # An export may repeat its article on every line (a CMS's denormalised dump): each line's copy was
    # held until the file was scored (a 50 KB body: ~100 KB a line). Equal articles share one record.
    articles: dict[ArticleContext, ArticleContext] = {}
    for line_no, raw in jsonl_lines(source, data):
        if line_no > config.limits.max_jsonl_lines:
            # Bounded memory: the file is one error row, not an out-of-memory kill of the whole run.
            raise TooLargeError(
                f"over {config.limits.max_jsonl_lines:,} lines (MODERATION_LIMITS__MAX_JSONL_LINES): "
                "split the export, keeping each article_id's lines in one file"
            )
        if raw is None:
            line_errors += 1
            oversized = error_row(source, oversized_line(), "TooLargeError", line=line_no)
            out.append(row_text(oversized, config.out_format))
            continue
        obj = None
        try:
            obj = read_json_line(raw)
            c = parse_jsonl_line(obj, raw, line_no, config.limits)
        except InputError as exc:
            line_errors += 1
            refused = error_row(source, str(exc), type(exc).__name__, line=line_no)
            if (cid := refused_id(obj)) is not None:
                refused["id"] = cid  # the export's own id, when the line has one: rows are matched by it
            out.append(row_text(refused, config.out_format))
            continue
        if c.article is not None:
            c.article = articles.setdefault(c.article, c.article)
        slot = (len(out), c)
        out.append(None)  # filled once its thread is scored
        if c.article_id is None:
            key = (None if c.article is None else (c.article.title, c.article.body), c.language)
            singles.setdefault(key, []).append(slot)
        else:
            threads.setdefault(c.article_id, []).append(slot)
    if not out:  # nothing but blank lines: still one row, so every input is accounted for
        raise EmptyInputError("the export has no lines")
    counts["line_errors"] += line_errors
    scorer = get_scorer(config) if (threads or singles) else None
    groups = [(group, True) for group in threads.values()] + [(group, False) for group in singles.values()]
    threads.clear()
    singles.clear()
    groups.reverse()
    while groups:  # (popped: a scored group's lines are let go)
        group, use_thread = groups.pop()
        assert scorer is not None
        article = next((c.article for _, c in group if c.article is not None), None)
        window = THREAD_WINDOW if use_thread else SINGLES_PER_CALL
        comments = [c for _, c in group]
        scores = _score_in_windows(scorer, comments, article, use_thread=use_thread, window=window)
        for (pos, c), s in zip(group, scores, strict=True):
            row: dict[str, Any] = {"kind": "comment", "source": source, "line": c.line, "id": c.id}
            row["article_id"] = c.article_id  # null for a line scored alone, as CSV's empty cell
            row.update(_decision_fields(s, config, counts))
            out[pos] = row_text(row, config.out_format)
    return cast(list[str], out)  # (every slot is filled: each line's group has been scored)


def _windows(n: int, size: int, *, even: bool) -> list[range]:
    """Consecutive windows of at most `size` of n comments: `size` each and the rest last, or (`even`)
    of equal sizes, so that no window is a lone comment without a thread (1,001 comments: 501 + 500)."""
    if not even:
        return [range(i, min(i + size, n)) for i in range(0, n, size)]
    k = -(-n // size)
    return [range(i * n // k, (i + 1) * n // k) for i in range(k)]


def _score_in_windows(
    scorer: CommentScorer,
    comments: list[JsonlComment],
    article: ArticleContext | None,
    *,
    use_thread: bool,
    window: int,
) -> list[Scores]:
    """The scores of one thread (``use_thread``), or of an export's lines without an article_id, as the
    API scores requests of at most ``window`` consecutive comments: each line as in its window sent with
    that line's language (one call per language its lines name; None: each comment's detected one).
    A window whose own majority language is not the whole group's is scored again with the group's, so
    no result depends on where its line sits (docs/batch.md). One call for all of a big thread held the
    whole thread's features at once: 99,000 comments took 1.27 GB."""
    from model.language import majority_language

    found: list[Scores | None] = [None] * len(comments)
    detected: dict[range, list[Scores]] = {}  # window -> its detecting call's scores

    def score(part: Sequence[int], language: str | None, **kwargs: Any) -> list[Scores]:
        forced: dict[str, Any] = {"language": language} if language else {}
        texts = [comments[i].text for i in part]
        scored = scorer.score(
            texts, article, use_thread=use_thread, same_source=not use_thread, **forced, **kwargs
        )
        for i, s in zip(part, scored, strict=True):
            if comments[i].language == language:
                found[i] = s
        return scored

    parts = _windows(len(comments), window, even=use_thread)
    for part in parts:
        named = Counter(comments[i].language for i in part if comments[i].language is not None)
        wide = {None, *(language for language, _ in named.most_common(MAX_WINDOW_LANGUAGES))}
        for language in dict.fromkeys(comments[i].language for i in part):
            if language in wide:
                scored = score(part, language)
                if language is None:
                    detected[part] = scored
            else:  # beyond the bound: the lines naming it are their own thread (linear in lines)
                score([i for i in part if comments[i].language == language], language)
    if len(parts) > 1 and detected:
        languages = [s.language for scored in detected.values() for s in scored]
        whole = majority_language(languages)
        for part, scored in detected.items():
            if majority_language([s.language for s in scored]) != whole:
                score(part, None, source_languages=languages)
    return [s for s in found if s is not None]


def task_rows(task: Task, config: BatchConfig, counts: Counter[str]) -> list[str]:
    """The output rows of one task, as the run writes them (`row_text`). Never raises for bad input:
    that becomes an error row."""
    return [r if isinstance(r, str) else row_text(r, config.out_format) for r in _rows(task, config, counts)]


def _rows(task: Task, config: BatchConfig, counts: Counter[str]) -> list[dict[str, Any]] | list[str]:
    """The rows of one task; an export's already as their text (`jsonl_rows`)."""
    if task.kind == "skipped":
        counts["skipped"] += 1
        return [{"kind": "skipped", "source": task.source, "reason": task.reason}]
    if task.kind == "error":
        counts["file_errors"] += 1
        return [error_row(task.source, task.reason or "unreadable", "InputError")]
    try:
        rows: list[dict[str, Any]] | list[str]
        if task.kind == "jsonl":
            rows = jsonl_rows(task.source, config, counts, task.data)
            counts["jsonl_files"] += 1
        else:
            from service.ingest import read_limited
            from service.parse import parse_page

            if task.data is None:
                data = read_limited(task.source, config.limits.max_page_bytes)
            else:
                data = standard_input.check_page_size(task.data, config.limits.max_page_bytes)
            if config.page_format == "auto":
                refuse_comment_export(data, task.source)
            article = parse_page(data, source=task.source, fmt=config.page_format, limits=config.limits)
            rows = page_rows(article, task.source, config, counts)
        counts["files_read"] += 1
        return rows
    except InputError as exc:
        counts["file_errors"] += 1
        return [error_row(task.source, without_source(str(exc), task.source), type(exc).__name__)]
    except OSError as exc:  # e.g. a JSONL file that vanished or is unreadable
        counts["file_errors"] += 1
        return [error_row(task.source, f"cannot read: {exc.strerror or exc}", "InputError")]
    except ModerationError:
        raise  # a model error is not about this file: stop the run
    except Exception as exc:  # a parser bug must cost one file, not the whole night's run
        if (stop := interruption(exc)) is not None:
            raise stop from exc
        log.error(
            "%s: unexpected %s: %s (-v shows the traceback)",
            display_line(task.source),
            type(exc).__name__,
            display_line(str(exc)),
        )
        log.debug("traceback", exc_info=True)
        counts["file_errors"] += 1
        return [error_row(task.source, f"internal error: {type(exc).__name__}: {exc}", "InternalError")]


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in row.items() if k in CSV_COLUMNS}
    scores = row.get("scores")
    if scores:
        flat.update(scores)
    if "reasons" in row:
        flat["reasons"] = "; ".join(row["reasons"])
    if "unsupported" in row:
        flat["unsupported"] = " ".join(row["unsupported"])
    if row.get("kind") == "skipped":
        flat["error"] = row.get("reason")
    # CSV injection: spreadsheets run a cell that starts with one of these as a formula, and comment
    # text, authors and exported ids are written by strangers. A leading ' makes the cell plain text.
    return {k: "'" + v if isinstance(v, str) and v[:1] in _FORMULA_STARTS else v for k, v in flat.items()}


# Fields that may hold a file name: the source, and an error or skip reason naming it or a link's target.
_PATH_FIELDS = ("source", "error", "reason")


def _displayable(row: dict[str, Any]) -> dict[str, Any]:
    shown = {
        k: display_path(v) for k in _PATH_FIELDS if isinstance(v := row.get(k), str) and SURROGATE.search(v)
    }
    return {**row, **shown} if shown else row


def serialise(rows: Iterable[dict[str, Any]], out_format: OutFormat) -> str:
    return "".join(row_text(row, out_format) for row in rows)


def row_text(row: dict[str, Any], out_format: OutFormat) -> str:
    """One row as the run writes it: a JSON line, or a CSV record."""
    row = _displayable(row)
    if out_format == "jsonl":
        return json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n"
    buf = io.StringIO()
    csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n", extrasaction="ignore").writerow(
        _flat(row)
    )
    return buf.getvalue()


def process_chunk(tasks: Sequence[Task], config: BatchConfig) -> ChunkResult:
    exit_with_parent(config.parent_pid)
    log_like_parent(config.log_level)
    cpu = time.process_time()
    counts: Counter[str] = Counter()
    text = "".join(row for task in tasks for row in task_rows(task, config, counts))
    return ChunkResult(text, counts, len(tasks), os.getpid(), peak_rss_bytes(), time.process_time() - cpu)


# --------------------------------------------------------------------------------------------------
# 3. the driver


def _results(
    chunks: list[list[Task]], config: BatchConfig, jobs: int, backend: str, scheduler: str | None
) -> Iterator[ChunkResult]:
    return chunk_results(
        chunks,
        functools.partial(process_chunk, config=config),
        functools.partial(_died_on, config=config),
        jobs=jobs,
        backend=backend,
        scheduler=scheduler,
    )


def _died_on(task: Task, why: str, config: BatchConfig) -> ChunkResult:
    """The error row of a file whose worker process kept dying reading it; `why` says how often."""
    row = error_row(
        task.source,
        f"the worker process died reading this file (killed, e.g. out of memory, or a crash): {why}",
        "WorkerDiedError",
    )
    return ChunkResult(serialise([row], config.out_format), Counter(file_errors=1), 1, os.getpid(), 0)


def score_paths(
    paths: Sequence[str | os.PathLike[str]],
    config: BatchConfig,
    sink: TextIO,
    *,
    jobs: int = 1,
    backend: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    progress_stream: TextIO | None = None,
    show_progress: bool | None = None,
    chunk_size: int | None = None,
    exclude: Mapping[tuple[int, int], str | None] | None = None,
    summary: Summary | None = None,
) -> Summary:
    """Score everything under `paths` into `sink`; return the counters for the summary, kept in
    `summary` when given (what was written when a signal stops the run). `exclude`: see `discover`
    (this run's output file, when it sits under an input directory)."""
    started = time.perf_counter()
    summary = Summary() if summary is None else summary
    tasks = [
        _read_stdin(config) if t.kind == "stdin" else t for t in discover(paths, summary.empty_dirs, exclude)
    ]
    summary.total = len(tasks)
    if backend == "local" and jobs == 1 and any(t.kind in ("page", "jsonl") for t in tasks):
        # Fail fast on a bad model before writing anything. With workers, the parent never loads
        # it (that would cost a model's memory for nothing): a worker's ModelError stops the run.
        get_scorer(config)
    if config.out_format == "csv":
        sink.write(",".join(CSV_COLUMNS) + "\n")
    chunks = chunked(tasks, chunk_size or auto_chunk_size(len(tasks), jobs))
    progress = Progress(len(tasks), progress_stream or sys.stderr, show_progress)
    try:
        for result in _results(chunks, config, jobs, backend, scheduler):
            summary.cut_chunk = True  # (until its rows are all written)
            write_lines(sink, result.text, quoted=config.out_format == "csv")
            summary.cut_chunk = False
            summary.add(result)
            summary.last_written = tasks[summary.files - 1].source if summary.files else None
            progress.update(result.files)
    finally:
        progress.close()
    summary.elapsed = time.perf_counter() - started
    return summary


def _read_stdin(config: BatchConfig) -> Task:
    """The `-` task with its bytes: read here, in the process that has standard input, and sent to
    the worker with the task (bounded as a file is: see `standard_input.read_input`)."""
    try:
        export, data = standard_input.read_input(
            config.limits.max_page_bytes, config.limits.max_jsonl_lines, sniff=config.page_format == "auto"
        )
    except InputError as exc:
        return Task("error", standard_input.SOURCE, without_source(str(exc), standard_input.SOURCE))
    return Task("jsonl" if export else "page", standard_input.SOURCE, data=data)


@contextmanager
def atomic_output(path: Path) -> Iterator[TextIO]:
    """Write to a temp file beside `path`, fsync, then rename over it; on any failure remove the temp.

    Readers never see a half-written file under the final name: it is either the old file or the new.
    """
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=directory)
    try:
        # mkstemp makes the file 0600: give it the mode a plain open() would (or the old file's).
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(fd, mode)
        fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        try:
            # A write the disk refuses (full, a file size limit) is an OutputError: one line, exit 1.
            checked = CheckedOutput(fh)
            yield cast(TextIO, checked)
            checked.flush()
            try:
                os.fsync(fh.fileno())
            except OSError as exc:
                raise OutputError(exc.strerror or str(exc)) from exc
        finally:
            with contextlib.suppress(OSError):  # after a refused write its unwritten buffer is dropped
                fh.close()
        problem = out_problem(str(path))  # it may have changed while we worked: never replace a device
        if problem:
            raise ConfigurationError(f"--out {problem}; the output is not written")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # Make the rename itself durable.
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# --------------------------------------------------------------------------------------------------
# CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="page file, directory, or comments .jsonl; - reads a page or a comment export (its first "
        "line a JSON object) from standard input, named <stdin> in the rows",
    )
    parser.add_argument(
        "--out", help="write here (atomically) instead of stdout: a regular file or a new name (- is stdout)"
    )
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="output format")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (local backend)")
    parser.add_argument("--backend", choices=("local", "dask"), default="local")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786")
    parser.add_argument(
        "--model-dir", type=Path, help="model artifact directory (default: the version the service serves)"
    )
    parser.add_argument(
        "--page-format", choices=("auto", "text", "html"), default="auto", help="how pages are read"
    )
    parser.add_argument("--chunk-size", type=int, help="files per task sent to a worker (default: auto)")


def _looks_like_our_output(path: Path) -> bool:
    """Whether an existing file starts like a `moderate score` output (JSONL rows or the CSV header)."""
    try:
        with path.open("rb") as fh:
            first = fh.readline(1 << 16).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return False
    if not first or first in OUR_CSV_HEADERS:
        return True
    try:
        row = json.loads(first)
    except (ValueError, RecursionError):
        return False
    return (
        isinstance(row, dict)
        and row.get("kind") in ("comment", "page", "error", "skipped")
        and "source" in row
    )


def out_problem(raw: str) -> str | None:
    """What is wrong with `raw` as --out, or None. Only a regular file or a new name in a writable
    directory will do: the output is renamed over it, which would replace a FIFO, a device (as root,
    /dev/stdout itself) or a symlink with a plain file."""
    if not raw:
        return "is empty: give a file name"
    if raw.endswith(os.sep):
        return f"{raw} names a directory: give a file name"
    path = Path(raw)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        return f"{raw}: cannot check it: {exc.strerror or exc}"
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            return f"{raw} is a symlink: give the file it points to, or a new name (it is left as it is)"
        if stat.S_ISDIR(st.st_mode):
            return f"{raw} is a directory: give a file name"
        if not stat.S_ISREG(st.st_mode):
            return f"{raw} is {_kind_of_mode(st.st_mode)}: only a regular file or a new name (left as it is)"
        if not os.access(path, os.W_OK):
            return f"{raw} is not writable"
    parent = path.parent
    if not parent.is_dir():
        return f"directory {parent} does not exist"
    try:  # the real test of "writable": root passes os.access on a read-only file system
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=parent)
    except OSError as exc:
        return f"cannot write in {parent}: {exc.strerror or exc}"
    os.close(fd)
    os.unlink(probe)
    return None


def _is_an_input(out: Path, paths: Sequence[str]) -> bool:
    """`out` exists and is an input: named as a PATH, or under a PATH directory and not an earlier
    output of ours (that one is skipped, see `run`). Overwriting it would lose the input."""
    if not out.is_file():
        return False
    target = out.resolve()
    for p in map(Path, paths):
        if p.resolve() == target:
            return True
        if p.is_dir() and target.is_relative_to(p.resolve()) and not _looks_like_our_output(out):
            return True
    return False


def _usage_error(message: str) -> int:
    from service.cli import usage_error

    return usage_error("score", message)


def _scheduler_problem(address: str) -> str | None:
    """What is wrong with a Dask scheduler address, by Dask's own parser (None: it reads)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme not in {"tcp", "tls", "ws", "wss", "inproc"}:
            return f"a scheduler is reached over tcp, tls, ws, wss or inproc, not {scheme}"
        if scheme != "inproc":  # (an in-process cluster's address is not host:port)
            parse_host_port(location)
    except ValueError as exc:
        return f"{exc}; expected e.g. tcp://host:8786"
    return None


def _argument_problem(args: argparse.Namespace) -> str | None:
    """What makes the arguments (other than --out) a usage error, or None."""
    if args.jobs < 1:
        return "--jobs must be at least 1"
    if args.chunk_size is not None and args.chunk_size < 1:
        return "--chunk-size must be at least 1"
    if args.backend == "dask" and not args.scheduler:
        return "--backend dask needs --scheduler ADDRESS"
    if args.scheduler and args.backend != "dask":
        return "--scheduler only applies to --backend dask"
    if args.scheduler and (problem := _scheduler_problem(args.scheduler)):
        return f"--scheduler {args.scheduler!r}: {problem}"
    return standard_input.missing_paths(args.paths)


def run(args: argparse.Namespace, *, scorer_factory: ScorerFactory | None = None) -> int:
    if problem := _argument_problem(args):
        return _usage_error(problem)
    if args.out == "-":  # standard output, as `-` is standard input among the PATHs
        args.out = None
    if args.out is not None:
        problem = out_problem(args.out)
        if problem:
            return _usage_error(f"--out {problem}")
        args.out = Path(args.out)
        if _is_an_input(args.out, args.paths):
            return _usage_error(f"--out {args.out} is one of the inputs: refusing to overwrite it")
    settings = command_settings("score")
    settings = settings.model_copy(update={"model_dir": args.model_dir or served_model_dir(settings)})
    if scorer_factory is None:  # the real model: refused as by `serve`, before any file is read
        from service.settings import check_artifact_thresholds

        check_artifact_thresholds(settings)
    if args.backend == "dask":
        # A Dask worker runs in its own working directory (on another machine, under a service): a
        # relative path would name another file there, or none. Rows name the absolute path.
        args.paths = [p if p == standard_input.STDIN else os.path.abspath(p) for p in args.paths]
        settings = settings.model_copy(update={"model_dir": Path(os.path.abspath(settings.model_dir))})
    config = BatchConfig.from_settings(settings, out_format=args.format, page_format=args.page_format)
    if scorer_factory is not None:
        config = dataclasses.replace(config, scorer_factory=scorer_factory)
    if args.backend == "local" and args.jobs > 1:
        level = logging.getLogger().getEffectiveLevel()
        config = dataclasses.replace(config, parent_pid=os.getpid(), log_level=level)
    jobs = args.jobs
    cores = os.cpu_count() or 1
    if args.backend == "local" and jobs > cores:
        # Scoring is CPU-bound and every worker holds the model (~360 MB): more workers than cores
        # only cost memory (--jobs 64 would want ~23 GB).
        print(
            f"moderate score: --jobs {jobs} is more than this machine's {cores} cores: using {cores}",
            file=sys.stderr,
        )
        jobs = cores
    kwargs: dict[str, Any] = {
        "jobs": jobs,
        "backend": args.backend,
        "scheduler": args.scheduler,
        "chunk_size": args.chunk_size,
        # A bar only on a terminal, and not when the rows themselves scroll on that terminal.
        "show_progress": sys.stderr.isatty() and (args.out is not None or not sys.stdout.isatty()),
    }
    summary = Summary()
    try:
        with sigterm_as_exit():
            if args.out is None:
                score_paths(
                    args.paths, config, sys.stdout, exclude=own_output(sys.stdout), summary=summary, **kwargs
                )
                sys.stdout.flush()
            else:
                with atomic_output(args.out) as fh:
                    # The output may sit under an input directory: neither it nor its temp file is input.
                    st = os.fstat(fh.fileno())
                    exclude: dict[tuple[int, int], str | None] = {(st.st_dev, st.st_ino): None}
                    with contextlib.suppress(OSError):
                        st = os.stat(args.out)
                        exclude[(st.st_dev, st.st_ino)] = "the --out file of this run (its previous output)"
                    score_paths(args.paths, config, fh, exclude=exclude, summary=summary, **kwargs)
    except (KeyboardInterrupt, SystemExit, ModerationError) as stop:
        if isinstance(stop, ModerationError) and not summary.files:
            raise  # (refused before any file was done: the error alone says it)
        said = summary.render_stopped(stop, args.out)
        if isinstance(stop, KeyboardInterrupt):  # service.cli prints it, as the run's last line
            raise KeyboardInterrupt(said) from stop
        print(said, file=sys.stderr)
        raise
    print(summary.render(), file=sys.stderr)
    return 1 if summary.errors else 0
