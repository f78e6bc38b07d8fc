"""What `moderate score` reports: a chunk's serialised rows and counters, and the run's summary on stderr
(at its end, or the line saying what was done when a signal stopped it)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from service.ingest import display_line
from service.output import STOP_SIGNALS

VERDICTS: tuple[str, ...] = ("approve", "review", "reject")


@dataclass(slots=True)
class ChunkResult:
    """A chunk's serialised output rows (its `text`, or the file `spool` holding them), its counters,
    and the worker's identity and peak memory."""

    text: str
    counts: Counter[str]
    files: int
    pid: int
    peak_rss_bytes: int
    cpu_seconds: float = 0.0  # CPU time this chunk took in its process (benchmarks: load-independent)
    spool: str | None = None  # the file of the rows (UTF-8; `text` is empty), for the parent to copy


@dataclass(slots=True)
class Summary:
    """What `moderate score` prints on stderr at the end."""

    counts: Counter[str] = field(default_factory=Counter)
    files: int = 0
    empty_dirs: list[str] = field(default_factory=list)
    worker_peak_rss: dict[int, int] = field(default_factory=dict)  # pid -> bytes
    worker_cpu: dict[int, float] = field(default_factory=dict)  # pid -> CPU seconds spent on chunks
    elapsed: float = 0.0
    total: int | None = None  # entries the walk found (tasks; None: still walking), `files` written
    last_written: str | None = None  # the source of the last entry whose rows were written
    cut_chunk: bool = False  # stopped while writing a chunk: the next entries' first rows may be out

    @property
    def errors(self) -> int:
        return self.counts["file_errors"] + self.counts["line_errors"]

    def add(self, chunk: ChunkResult) -> None:
        self.counts.update(chunk.counts)
        self.files += chunk.files
        self.worker_peak_rss[chunk.pid] = max(self.worker_peak_rss.get(chunk.pid, 0), chunk.peak_rss_bytes)
        self.worker_cpu[chunk.pid] = self.worker_cpu.get(chunk.pid, 0.0) + chunk.cpu_seconds

    def render(self) -> str:
        c = self.counts
        elapsed = max(self.elapsed, 1e-9)
        verdicts = ", ".join(f"{v} {c['decision_' + v]}" for v in VERDICTS)
        lines = [
            f"files: {self.files} seen, {c['files_read']} read "
            f"({c['pages']} pages, {c['jsonl_files']} comment JSONL), {c['file_errors']} failed, "
            f"{c['skipped']} skipped",
            f"pages: {c['pages_with_comments']} with comments, {c['pages_without_comments']} without",
            f"comments scored: {c['comments_scored']}; bad JSONL lines: {c['line_errors']}",
            f"decisions: {verdicts}",
            f"errors: {self.errors}",
            f"elapsed: {self.elapsed:.2f}s, {self.files / elapsed:.1f} files/s, "
            f"{c['comments_scored'] / elapsed:.1f} comments/s",
        ]
        lines += [f"note: {display_line(d)}: empty directory, nothing to score" for d in self.empty_dirs]
        return "\n".join(lines)

    def render_stopped(self, stop: BaseException, out: Path | None) -> str:
        """The last line of a run stopped by a signal (the line before the error that stopped it): what
        it wrote (the walk's first `files` entries, so the rest can be run again), or that --out was
        left as it was."""
        cause = {KeyboardInterrupt: "Ctrl-C", SystemExit: "SIGTERM"}.get(type(stop), "an error")
        if isinstance(stop, SystemExit) and isinstance(stop.code, int):  # signals_as_exit's: 128 + signal
            cause = {128 + s: s.name for s in STOP_SIGNALS}.get(stop.code, cause)
        if self.total is None:
            return f"moderate score: stopped by {cause} before the walk had listed the files: no rows written"
        done = f"stopped by {cause} after {self.files:,} of {self.total:,} files"
        if out is not None:
            return f"moderate score: {done}: nothing written to {display_line(str(out))} (left as it was)"
        # A signal lets the row being written finish; a write the output refused may have cut it.
        whole = " (whole lines)" if isinstance(stop, (KeyboardInterrupt, SystemExit)) else ""
        cut = f", and perhaps the first rows of the next{whole}" if self.cut_chunk else ""
        if self.last_written is None:
            rows = f"perhaps the first rows of the first files{whole}" if self.cut_chunk else "no rows"
            return f"moderate score: {done}: {rows} written"
        return (
            f"moderate score: {done}: the rows of the first {self.files:,} in walk order are written, "
            f"the last {display_line(self.last_written)}{cut}; the other {self.total - self.files:,} are not"
        )
