"""What a `moderate score` worker needs (``BatchConfig``, sent with every chunk) and the model it loads
from it, once per process."""

from __future__ import annotations

import functools
import gc
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from service.settings import Limits, Settings, Thresholds

if TYPE_CHECKING:
    from model.score import CommentScorer

log = logging.getLogger(__name__)

OutFormat = Literal["jsonl", "csv"]
ScorerFactory = Callable[[Path], "CommentScorer"]


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
    # A local run's chunks write their rows to a file in this directory (None: they come back as text,
    # as across a Dask cluster, whose workers' files the parent cannot read): see `process_chunk`.
    spool_dir: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> BatchConfig:
        return cls(
            model_dir=settings.model_dir, thresholds=settings.thresholds(), limits=settings.limits, **kwargs
        )


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
