"""A comment export scored as the API scores threads: lines sharing an article_id are one thread, scored
in windows of at most THREAD_WINDOW comments, lines without one a thousand per call, and each line in
the language it names; the rows come back as their text, in input order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from core.errors import EmptyInputError, InputError, TooLargeError
from core.records import ArticleContext, Scores
from service.batch_config import BatchConfig, get_scorer
from service.batch_jsonl import (
    JsonlComment,
    jsonl_lines,
    oversized_line,
    parse_jsonl_line,
    read_json_line,
    refused_id,
)
from service.batch_rows import decision_fields, error_row, row_text

if TYPE_CHECKING:
    from model.score import CommentScorer

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


def jsonl_rows(
    source: str,
    config: BatchConfig,
    counts: Counter[str],
    data: bytes | None = None,
    *,
    path: str | None = None,
) -> list[str]:
    """Score a comments export (the file `source`; or standard input, `data` or the file `path` it was
    spooled to): lines sharing an article_id are one thread; each row's output text (`row_text`), in
    input order. A row is held as its text, and a thread's lines are let go once it is scored: each
    row's dict held until the file was done cost ~1.5 KB a line (499,000 real lines peaked at 1.78 GB,
    now 1.19 GB)."""
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
    for line_no, raw in jsonl_lines(path or source, data):
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
            row["quotes"] = list(c.quotes)  # (a page's row lists them too; CSV has no column for them)
            row.update(decision_fields(s, config, counts))
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
