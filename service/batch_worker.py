"""Step 2 of `moderate score`: a chunk of tasks parsed and scored, in whatever process runs it, into the
chunk's output already serialised plus its counters: its rows written to a spool file as each file is
done (a local run), or one string crossing the process boundary (a Dask cluster). A file's bad input
is its error row; only a model error or an interruption stops the run."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from core.errors import InputError, ModerationError, UnreadableInputError
from core.records import Article, ArticleContext
from service import standard_input
from service.batch_config import BatchConfig, get_scorer
from service.batch_discover import Task, refuse_comment_export
from service.batch_process import exit_with_parent, interruption, log_like_parent, peak_rss_bytes
from service.batch_rows import decision_fields, error_row, row_text
from service.batch_summary import ChunkResult
from service.batch_threads import jsonl_rows
from service.ingest import display_line, without_source
from service.output import OutputError

# A file's unexpected error is logged as the command's own (`ERROR service.batch: ...`), as before the
# worker had a module of its own.
log = logging.getLogger("service.batch")


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
        row.update(decision_fields(s, config, counts))
        rows.append(row)
    return rows


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
        return [error_row(task.source, task.reason or "unreadable", task.error_type)]
    try:
        rows: list[dict[str, Any]] | list[str]
        if task.kind == "jsonl":
            rows = jsonl_rows(task.source, config, counts, task.data, path=task.spooled)
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
        return [error_row(task.source, f"cannot read: {exc.strerror or exc}", UnreadableInputError.__name__)]
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


def process_chunk(tasks: Sequence[Task], config: BatchConfig) -> ChunkResult:
    exit_with_parent(config.parent_pid)
    log_like_parent(config.log_level)
    cpu = time.process_time()
    counts: Counter[str] = Counter()
    spool = None
    if config.spool_dir is None:
        text = "".join(row for task in tasks for row in task_rows(task, config, counts))
    else:
        # Joined, the chunk's rows were one more copy of its output, and a worker's was pickled whole to
        # the parent, which held it twice more (its pickle, its encoding): 499,000 lines' rows are ~230 MB.
        text, spool = "", _spool_rows(tasks, config, counts)
    return ChunkResult(
        text, counts, len(tasks), os.getpid(), peak_rss_bytes(), time.process_time() - cpu, spool
    )


def _spool_rows(tasks: Sequence[Task], config: BatchConfig, counts: Counter[str]) -> str:
    """Write the chunk's rows to a new file in `config.spool_dir`, each file's as it is done; its path."""
    assert config.spool_dir is not None
    try:
        fd, spool = tempfile.mkstemp(prefix="chunk.", suffix=".rows", dir=config.spool_dir)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            for task in tasks:
                fh.writelines(task_rows(task, config, counts))
    except OSError as exc:  # a full disk (or a file size limit): the output cannot be written either
        # Named: 'No space left on device' alone blamed the output. (The run's own directory is removed.)
        where = display_line(os.path.dirname(config.spool_dir))
        raise OutputError(
            f"{exc.strerror or exc}, writing the rows to the spool directory in {where} (TMPDIR)"
        ) from exc
    return spool
