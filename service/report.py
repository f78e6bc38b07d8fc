"""`moderate report` (`make run`): a plain-text report of every page under the given paths.

For each page: title, body length, and for each comment its author, time, first words, every
attribute's score, the context the off-topic score saw, the decision, and, for each attribute the
decision names, the spans that pushed its score up. It needs nothing but the repository: the shipped
model in model/default and the seeds.
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from core.errors import InputError
from core.records import Article, ArticleContext, Scores, Span
from service.decide import decide, flagged_attributes, judged_language, shown_score
from service.explain import explained, shared_detections
from service.ingest import display_line, display_path, without_source
from service.settings import Settings, ThresholdTable, check_thresholds, command_settings, served_model_dir

if TYPE_CHECKING:
    from model.score import CommentScorer

FIRST_WORDS = 14
TOP_SPANS = 3
RULE = "=" * 78
# Why a comment export (a `.jsonl` or `.ndjson` file, or standard input whose first line is a JSON
# object) is left out: it has no page to report.
COMMENT_EXPORT = "a comment export (JSON lines), not a page: `moderate score` scores its comments"

# Page text comes from strangers and this report goes to a terminal: control characters (ESC/CSI/OSC
# sequences set the title or clear lines, \r overwrites) and bidi overrides are shown escaped.
_ESCAPES = {
    c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
    for c in [
        *range(0x09),
        *range(0x0B, 0x20),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
}


class _Printable:
    """Writes through to `out` with the characters above escaped (newlines and tabs kept), and a file
    name's bytes that are not UTF-8 (lone surrogates, which no UTF-8 writer takes) as \\xNN escapes."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(display_path(text.translate(_ESCAPES)))


def printable(out: TextIO) -> TextIO:
    return out if isinstance(out, _Printable) else cast(TextIO, _Printable(out))


def first_words(text: str, n: int = FIRST_WORDS) -> str:
    words = text.split()
    return " ".join(words[:n]) + (" ..." if len(words) > n else "")


def _score(x: float) -> str:
    return shown_score(x) if math.isfinite(x) else "n/a (not in this model)"


def _fmt_scores(scores: Scores) -> str:
    parts = []
    for attribute, value in scores.as_dict().items():
        mark = " (language not supported)" if attribute in scores.unsupported else ""
        parts.append(f"{attribute.replace('_', '-')} {_score(value)}{mark}")
    return "   ".join(parts)


def _fmt_spans(spans: Sequence[Span]) -> str:
    """The first TOP_SPANS distinct words: "stupid" twice in a comment is one reason, not two."""
    seen: set[str] = set()
    shown: list[str] = []
    for s in spans:
        key = s.text.casefold()
        if key not in seen and len(shown) < TOP_SPANS:
            seen.add(key)
            shown.append(f'"{s.text}" {s.weight:+.2f}')
    return ", ".join(shown)


def report_article(
    article: Article, scorer: CommentScorer, thresholds: ThresholdTable, out: TextIO, verdicts: Counter[str]
) -> None:
    """One page's block of the report, decided at ``thresholds`` (the run's ``Settings.thresholds()``)."""
    out = printable(out)
    out.write(f"{RULE}\n{display_line(article.source)}  ({article.format})\n")
    out.write(f"Title: {article.title or '(no title)'}\n")
    out.write(
        f"Body: {len(article.body):,} characters; {len(article.comments)} comment(s); "
        f"{len(article.dropped)} line(s) of page furniture dropped\n"
    )
    for warning in article.warnings:
        out.write(f"  WARNING: {warning}\n")
    if not article.comments:
        out.write("  (no reader comments on this page)\n\n")
        return
    ctx = ArticleContext(title=article.title or "", body=article.body)
    texts = [c.own_text for c in article.comments]  # a quote is the quoted author's words, not theirs
    shared = shared_detections(scorer, texts, None)  # detected once, to score and to explain
    all_scores = scorer.score(texts, ctx, **shared)
    flagged = [
        set(flagged_attributes(s.as_dict(), thresholds, s.context, judged_language(s))) for s in all_scores
    ]
    # Spans only for the attributes a decision names (on a low score they explain noise), each
    # attribute's for the whole thread in one call, from the detections that scored it.
    spans_of = explained(scorer, texts, sorted(set().union(*flagged)), ctx, top_k=2 * TOP_SPANS, **shared)
    for i, (comment, scores) in enumerate(zip(article.comments, all_scores, strict=True)):
        decision = decide(scores, thresholds)
        verdicts[decision.verdict] += 1
        when = comment.posted_at or comment.posted_raw or "time unknown"
        reply = f", reply to #{comment.parent + 1}" if comment.parent is not None else ""
        out.write(f"\n  #{i + 1} {comment.author or '(anonymous)'} - {when}{reply}\n")
        for quote in comment.quotes:
            quoting = f"quoting {quote.author}: " if quote.author else "quoting: "
            said = first_words(comment.text[quote.start : quote.end])
            out.write(textwrap.indent(textwrap.fill(f'> {quoting}"{said}"', 72), "     ") + "\n")
        out.write(textwrap.indent(textwrap.fill(f'"{first_words(texts[i])}"', 72), "     ") + "\n")
        language = scores.language or "und"
        judged = judged_language(scores)  # an undetermined comment's thread's, guessed or English
        if judged != language:
            language += f", judged in {judged}"
        out.write(
            f"     {_fmt_scores(scores)} (context: {scores.context}) [language: {language}]"
            f"   -> {decision.verdict.upper()}\n"
        )
        for reason in decision.reasons:
            out.write(f"     why: {reason}\n")
        for attribute in flagged_attributes(
            scores.as_dict(), thresholds, scores.context, judged_language(scores)
        ):
            spans = spans_of[attribute][i]
            if spans:
                out.write(f"     {attribute} spans: {_fmt_spans(spans)}\n")
    out.write("\n")


def write_report(
    paths: Sequence[str],
    scorer: CommentScorer,
    settings: Settings,
    out: TextIO,
    exclude: Mapping[tuple[int, int], str | None] | None = None,
) -> int:
    """Report every page under `paths`; return how many files could not be read or parsed. `exclude`:
    see `service.batch_discover.discover` (the report's own output file, when it sits under a PATH)."""
    from service import standard_input
    from service.batch_discover import discover, refuse_comment_export
    from service.ingest import read_limited
    from service.parse import parse_page

    out = printable(out)
    empty: list[str] = []
    stdin_file = None
    if standard_input.STDIN in paths:  # (`moderate report - x.txt < x.txt`: reported once)
        stdin_file = standard_input.redirected_file(settings.limits.max_page_bytes, sniff=True)
    tasks = discover(paths, empty, exclude, stdin_file)
    verdicts: Counter[str] = Counter()
    thresholds = settings.thresholds()  # built once for the run, not per page
    failures = pages = comments = unreported = 0
    for task in tasks:
        if task.kind == "skipped":
            out.write(f"{RULE}\n{display_line(f'{task.source}: skipped: {task.reason}')}\n\n")
            unreported += 1
            continue
        if task.kind == "error":  # (a dangling link, a FIFO): counted, and said, as a page not read
            out.write(f"{RULE}\n{display_line(f'{task.source}: cannot read this page: {task.reason}')}\n\n")
            failures += 1
            continue
        if task.kind not in ("page", "stdin"):
            reason = task.reason or COMMENT_EXPORT
            out.write(f"{RULE}\n{display_line(f'{task.source}: not reported: {reason}')}\n\n")
            unreported += 1
            continue
        source = standard_input.SOURCE if task.kind == "stdin" else task.source
        try:
            if task.kind == "stdin":
                piped = standard_input.read_page_unless_export(settings.limits.max_page_bytes)
                if piped is None:  # an export, as `moderate score -` reads it: as a `.jsonl` file is
                    out.write(f"{RULE}\n{source}: not reported: {COMMENT_EXPORT}\n\n")
                    unreported += 1
                    continue
                data = piped
            else:
                data = read_limited(task.source, settings.limits.max_page_bytes)
            refuse_comment_export(data, source)
            article = parse_page(data, source=source, limits=settings.limits)
        except InputError as exc:
            why = without_source(str(exc), source)
            out.write(f"{RULE}\n{display_line(f'{source}: cannot read this page: {why}')}\n\n")
            failures += 1
            continue
        pages += 1
        comments += len(article.comments)
        report_article(article, scorer, thresholds, out, verdicts)
    for d in empty:
        out.write(f"{display_line(d)}: empty directory, nothing to report\n")
    out.write(
        f"{RULE}\n{pages} page(s), {comments} comment(s): "
        + ", ".join(f"{v} {verdicts[v]}" for v in ("approve", "review", "reject"))
        + f"; {failures} file(s) could not be read"
        + (f", {unreported} not reported (above: why)" if unreported else "")
        + f". Model {scorer.version}.\n"
    )
    return failures


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="page files or directories of pages; - reads a page from standard input (reported as <stdin>)",
    )
    parser.add_argument(
        "--model-dir", type=Path, help="model artifact directory (default: the version the service serves)"
    )


def run(args: argparse.Namespace, *, scorer: CommentScorer | None = None) -> int:
    from service.cli import usage_error
    from service.standard_input import missing_paths

    if problem := missing_paths(args.paths):  # before the model loads
        return usage_error("report", problem)
    settings = command_settings("report")
    if scorer is None:
        from model.score import Scorer

        scorer = Scorer.load(args.model_dir or served_model_dir(settings))
    check_thresholds(settings, scorer.attributes)  # as `moderate serve`: a site's step the model lacks
    from service.batch_discover import own_output

    failures = write_report(args.paths, scorer, settings, sys.stdout, own_output(sys.stdout))
    return 1 if failures else 0
