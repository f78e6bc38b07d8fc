"""Off-topic training data, training and evaluation (issue 4).

Label definitions (written into the manifest and the README as ``LABEL_DEFINITIONS``):

- ``c3_non_relevant``: C3 (Globe and Mail comments, crowd-annotated) ``non_relevant`` votes inside
  ``non_constructive_characteristics``. Off-topic = 2 or more annotators (of ~5) ticked non_relevant;
  on-topic = none did; 1 vote is ambiguous and is left unlabelled (still part of the thread context).
  The thread is every other C3 comment with the same ``article_id``; C3 has no article text.
- ``swap``: self-supervised. A comment with 0 non_relevant votes is moved into another article's
  thread: there it is off-topic (1); the thread's own comments with 0 votes are on-topic (0).
- ``swap_mix``: as ``swap`` at other intruder rates (0%, 5%, 35%), for the intrusion model only; at 0% a
  clean thread whose 0-vote comments are all on-topic (most real threads have no intruder).
- ``pseudo_article``: like ``swap``/``c3_non_relevant`` but a few of the article's own on-topic comments
  are taken out of the thread and concatenated into a stand-in article body, so that the article
  features are trained although C3 has no article text. Documented as a proxy: real article prose
  is longer and more formal than comments.
- ``page_swap``: swap pairs between real article pages (title + body + comments) parsed by
  ``service.parse`` from ``articles_dir``, when the parser is available.

Evaluation always holds out whole articles (``is_heldout_article``): no article is in both train and
test. Reported: C3 non_relevant AUC overall and within comment-length bins (length alone gives AUC
~0.86 on C3, so the bins show what the model knows beyond length), and the swap test AUC with and
without thread context.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import logging
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from model.context import ContextOffTopic, ThreadExample
from service.errors import TrainingDataError
from service.records import ArticleContext

log = logging.getLogger(__name__)

C3_FILE = Path("c3-constructive-comments") / "C3_anonymized.csv"
HELDOUT_PERCENT = 20
STANDFIRST_WORDS = 40
LENGTH_BINS: tuple[tuple[int, int], ...] = ((0, 60), (60, 120), (120, 250), (250, 10**9))

LABEL_DEFINITIONS: dict[str, str] = {
    "c3_non_relevant": (
        "C3 crowd votes for non_relevant (in non_constructive_characteristics): off-topic = >=2 votes, "
        "on-topic = 0 votes, 1 vote unlabelled; thread = other C3 comments with the same article_id; "
        "no article text."
    ),
    "swap": (
        "Self-supervised: a comment with 0 non_relevant votes moved into another article's thread is "
        "off-topic there (1); that thread's own 0-vote comments are on-topic (0)."
    ),
    "swap_mix": (
        "As swap with 0%, 5% or 35% of the thread moved in from other articles (0%: a clean thread, all "
        "its 0-vote comments on-topic): intrusion training only, so the intrusion model sees unmixed "
        "threads as well."
    ),
    "pseudo_article": (
        "As c3_non_relevant and swap, with a few of the article's own on-topic comments removed from the "
        "thread and concatenated as a stand-in article body (C3 has no article text)."
    ),
    "page_swap": (
        "Swap pairs between real article pages (title, body, comments) from the shared article pages, "
        "when the parser is available."
    ),
}
SOURCE_WEIGHTS: dict[str, float] = {
    "c3_non_relevant": 1.0,
    "swap": 1.0,
    "swap_mix": 1.0,
    "pseudo_article": 1.0,
    "page_swap": 3.0,
}

_VOTES = re.compile(r"non_relevant:(\d+)")


@dataclass(frozen=True, slots=True)
class C3Comment:
    article_id: str
    text: str
    non_relevant_votes: int

    @property
    def label(self) -> float:
        if self.non_relevant_votes >= 2:
            return 1.0
        if self.non_relevant_votes == 0:
            return 0.0
        return float("nan")


def load_c3_threads(data_dir: Path) -> dict[str, list[C3Comment]]:
    """C3 comments grouped by article_id (insertion order of the file). Rows with empty text are counted
    and skipped with a log line."""
    path = Path(data_dir) / C3_FILE
    if not path.is_file():
        raise TrainingDataError(f"C3 corpus not found at {path}: set DATA_DIR to the shared corpora")
    csv.field_size_limit(sys.maxsize)
    groups: dict[str, list[C3Comment]] = {}
    empty = 0
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                text = (row.get("comment_text") or "").strip()
                if not text:
                    empty += 1
                    continue
                if row.get("article_id") is None:
                    raise TrainingDataError(f"{path}: a row without article_id (not the C3 file?)")
                m = _VOTES.search(row.get("non_constructive_characteristics") or "")
                votes = int(m.group(1)) if m else 0
                groups.setdefault(row["article_id"], []).append(C3Comment(row["article_id"], text, votes))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise TrainingDataError(f"{path}: not a readable UTF-8 CSV ({exc})") from exc
    if empty:
        log.warning("C3: %d rows with empty comment_text skipped", empty)
    return groups


def is_heldout_article(article_id: str) -> bool:
    """Deterministic article-level split: ~20% of articles are held out for evaluation."""
    digest = hashlib.sha256(f"offtopic:{article_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELDOUT_PERCENT


def split_articles(
    groups: Mapping[str, list[C3Comment]],
) -> tuple[dict[str, list[C3Comment]], dict[str, list[C3Comment]]]:
    train = {a: c for a, c in groups.items() if not is_heldout_article(a)}
    test = {a: c for a, c in groups.items() if is_heldout_article(a)}
    return train, test


# ---------------------------------------------------------------------- dataset builders
def non_relevant_threads(
    groups: Mapping[str, list[C3Comment]], use_thread: bool = True
) -> list[ThreadExample]:
    """One example per article: every comment, labelled by its non_relevant votes."""
    out = []
    for aid, comments in groups.items():
        out.append(
            ThreadExample(
                texts=tuple(c.text for c in comments),
                labels=np.array([c.label for c in comments]),
                use_thread=use_thread,
                weight=SOURCE_WEIGHTS["c3_non_relevant"],
                source="c3_non_relevant",
                meta={"article_id": aid},
            )
        )
    return out


def _intruder_pool(groups: Mapping[str, list[C3Comment]]) -> list[tuple[str, str]]:
    return [(aid, c.text) for aid, cs in groups.items() for c in cs if c.non_relevant_votes == 0]


def swap_threads(
    groups: Mapping[str, list[C3Comment]],
    *,
    seed: int,
    intruder_fraction: float = 0.2,
    use_thread: bool = True,
    pseudo_article_size: int = 0,
    label_natives: str = "swap",
    mix: bool = False,
) -> list[ThreadExample]:
    """Each article's thread with comments from other articles mixed in (label 1), natives label 0.

    ``pseudo_article_size`` > 0 takes that many of the article's own 0-vote comments out of the thread
    as a stand-in article body. ``label_natives="votes"`` labels natives by their non_relevant votes
    (1/0/unlabelled) instead of 0 for 0-vote and unlabelled otherwise. ``mix`` marks intrusion data at
    another intruder rate than the evaluation's (source ``swap_mix``; with ``intruder_fraction=0`` a
    clean thread whose natives are the intrusion task's negatives)."""
    rng = np.random.default_rng(seed)
    pool = _intruder_pool(groups)
    source = "swap_mix" if mix else "pseudo_article" if pseudo_article_size else "swap"
    out = []
    for aid in sorted(groups):
        natives = list(groups[aid])
        article = None
        if pseudo_article_size:
            on_topic = [i for i, c in enumerate(natives) if c.non_relevant_votes == 0]
            if len(on_topic) < pseudo_article_size + 3:
                continue
            picked = set(rng.choice(on_topic, pseudo_article_size, replace=False).tolist())
            article = ArticleContext(title="", body="\n\n".join(natives[i].text for i in sorted(picked)))
            natives = [c for i, c in enumerate(natives) if i not in picked]
        k = max(1, round(intruder_fraction * len(natives))) if intruder_fraction > 0 else 0
        intruders: list[str] = []
        while len(intruders) < k:
            other_aid, text = pool[int(rng.integers(len(pool)))]
            if other_aid != aid:
                intruders.append(text)
        texts = [c.text for c in natives] + intruders
        if label_natives == "votes":
            native_labels = [c.label for c in natives]
        else:
            native_labels = [0.0 if c.non_relevant_votes == 0 else float("nan") for c in natives]
        labels = np.array(native_labels + [1.0] * k)
        order = rng.permutation(len(texts))
        task = "intruder" if k or mix else "irrelevant"
        out.append(
            ThreadExample(
                texts=tuple(texts[i] for i in order),
                labels=labels[order],
                article=article,
                use_thread=use_thread,
                weight=SOURCE_WEIGHTS[source],
                task=task,
                source=source,
                meta={"article_id": aid},
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class PageThread:
    """A real page's article and comments, for page_swap."""

    source: str
    article: ArticleContext
    comments: tuple[str, ...]


def load_page_threads(articles_dir: Path | None) -> list[PageThread]:
    """Parse the real pages with service.parse when it exists; pages with < 3 comments are skipped.
    Returns [] (and logs why) when the parser or the directory is missing."""
    if articles_dir is None or not Path(articles_dir).is_dir():
        return []
    try:
        from service.parse import parse_file
    except ImportError:
        log.warning("service.parse.parse_file not available: page_swap data not built")
        return []
    pages = []
    for path in sorted(Path(articles_dir).rglob("*.html")):
        try:
            art = parse_file(path)
        except Exception as exc:  # a page the parser cannot read is reported, not fatal
            log.warning("page %s not parsed: %s", path, exc)
            continue
        comments = tuple(c.text for c in art.comments if c.text.strip())
        if len(comments) >= 3 and art.body.strip():
            pages.append(PageThread(str(path), ArticleContext(art.title or "", art.body), comments))
    return pages


def standfirst(article: ArticleContext, words: int = STANDFIRST_WORDS) -> ArticleContext:
    """The headline and the first words of the body: the context a feed often gives instead of the
    article (the issue's independent check has only this)."""
    return ArticleContext(title=article.title, body=" ".join(article.body.split()[:words]))


def page_swap_threads(
    pages: Sequence[PageThread], *, seed: int, use_thread: bool = True, short_article: bool = False
) -> list[ThreadExample]:
    rng = np.random.default_rng(seed)
    out = []
    for i, page in enumerate(pages):
        others = [c for j, p in enumerate(pages) if j != i for c in p.comments]
        if not others:
            continue
        k = max(1, round(0.2 * len(page.comments)))
        intruders = [others[int(rng.integers(len(others)))] for _ in range(k)]
        texts = list(page.comments) + intruders
        labels = np.array([0.0] * len(page.comments) + [1.0] * k)
        out.append(
            ThreadExample(
                texts=tuple(texts),
                labels=labels,
                article=standfirst(page.article) if short_article else page.article,
                use_thread=use_thread,
                weight=SOURCE_WEIGHTS["page_swap"],
                task="intruder",
                source="page_swap",
                meta={"page": page.source},
            )
        )
    return out


def build_training_threads(
    groups: Mapping[str, list[C3Comment]], pages: Sequence[PageThread] = (), *, seed: int = 0
) -> list[ThreadExample]:
    """Every context kind is represented, so each is calibrated (see model.context)."""
    threads: list[ThreadExample] = []
    threads += non_relevant_threads(groups, use_thread=True)
    threads += non_relevant_threads(groups, use_thread=False)
    threads += swap_threads(groups, seed=seed + 1)
    threads += swap_threads(groups, seed=seed + 2, pseudo_article_size=4)
    threads += swap_threads(groups, seed=seed + 3, pseudo_article_size=4, use_thread=False)
    threads += swap_threads(
        groups, seed=seed + 4, pseudo_article_size=4, intruder_fraction=0, label_natives="votes"
    )
    # A short stand-in article (one comment) like a headline + standfirst.
    threads += swap_threads(groups, seed=seed + 7, pseudo_article_size=1)
    # Intruder rates other than the ~20% above, clean threads included (most real threads are): the
    # intrusion model then learns to keep natives of an unmixed thread low, so its noise does not
    # drown the human non_relevant ranking in the combined score (article-grouped CV and held-out).
    for k, fraction in enumerate((0.0, 0.05, 0.35)):
        threads += swap_threads(groups, seed=seed + 9 + k, intruder_fraction=fraction, mix=True)
    if pages:
        threads += page_swap_threads(pages, seed=seed + 5)
        threads += page_swap_threads(pages, seed=seed + 6, use_thread=False)
        threads += page_swap_threads(pages, seed=seed + 8, short_article=True)
    return threads


def corpus_documents(groups: Mapping[str, list[C3Comment]], pages: Sequence[PageThread]) -> list[str]:
    """Documents for the TF-IDF space: comments and articles."""
    docs = [c.text for cs in groups.values() for c in cs]
    for p in pages:
        docs.append(f"{p.article.title}\n{p.article.body}")
        docs.extend(p.comments)
    return docs


# ---------------------------------------------------------------------- training
def train_off_topic(
    data_dir: Path,
    articles_dir: Path | None = None,
    *,
    seed: int = 0,
    progress: Callable[[str], None] = lambda s: None,
) -> tuple[ContextOffTopic, dict[str, Any]]:
    """Train on the training articles of C3 (plus real pages); return the model and a training report
    (label definitions, data counts, held-out metrics)."""
    groups = load_c3_threads(data_dir)
    train, test = split_articles(groups)
    pages = load_page_threads(articles_dir)
    progress(f"off_topic: C3 {len(train)} train / {len(test)} held-out articles, {len(pages)} real pages")
    threads = build_training_threads(train, pages, seed=seed)
    model = ContextOffTopic()
    model.fit(threads, documents=[d for p in pages for d in (p.article.title, p.article.body)])
    progress(
        f"off_topic: fitted on {model.n_train_rows_} labelled rows; CV AUC per C {model.cv_auc_}, "
        f"chose C={model.C_:g}, threshold {model.threshold_:.3f}"
    )
    progress(
        f"off_topic: combination by grouped CV: {model.cv_combine_chosen_} "
        f"{model.cv_combine_[model.cv_combine_chosen_]}; stacked LR {model.cv_combine_['stack']}"
    )
    metrics = evaluate_off_topic(model, test, seed=seed)
    report = {
        "label_definitions": LABEL_DEFINITIONS,
        "source_weights": SOURCE_WEIGHTS,
        "train_articles": len(train),
        "heldout_articles": len(test),
        "pages": [p.source for p in pages],
        "metrics": metrics,
        "context_feature_weights": model.feature_weights(),
    }
    return model, report


LABEL_DEFINITION = (
    "probability that the comment has nothing to do with the article and thread it sits under: "
    "irrelevant in itself (C3 non_relevant, >= 2 of ~5 crowd votes vs none) OR an intruder from another "
    "discussion (self-supervised swaps), combined by noisy-OR; see label_definitions"
)


def default_articles_dir(data_dir: Path) -> Path:
    """The shared layout keeps the real pages beside the corpora: ../shared/data and ../shared/articles."""
    return Path(data_dir).resolve().parent / "articles"


def train_attribute(request: Any, progress: Callable[[str], None]) -> Any:
    """The off_topic entry of training.train.TRAINERS: (TrainingRequest, progress) -> TrainedAttribute."""
    import time

    from training import corpora as C
    from training.train import TrainedAttribute

    started = time.perf_counter()
    data_dir = Path(request.data_dir)
    articles_dir = default_articles_dir(data_dir)
    corpus = C.c3_corpus(data_dir / C3_FILE, "non_relevant", group="non_constructive")
    progress(f"  {corpus.summary()}")
    # Say so instead of dropping them silently: off_topic learns from whole threads, not single verdicts.
    if getattr(request, "feedback", None) is not None:
        read = C.load_feedback(request.feedback, "off_topic").files[0]
        progress(
            f"  NOT USED: {read.rows} off_topic verdicts in {read.path} "
            "(off_topic does not learn from feedback)"
        )
    if getattr(request, "decisions", ()):
        progress("  NOT USED: --decisions files (they are insult labels; off_topic does not read them)")
    if not articles_dir.is_dir():
        progress(f"  no article pages at {articles_dir}: off_topic trains without page_swap data")
    model, report = train_off_topic(
        data_dir, articles_dir if articles_dir.is_dir() else None, progress=progress
    )
    for line in format_metrics(report["metrics"]):
        progress(f"  {line}")
    pages = [
        {
            "path": Path(p).relative_to(articles_dir).as_posix(),
            "sha256": hashlib.sha256(Path(p).read_bytes()).hexdigest(),
        }
        for p in report["pages"]
    ]
    metrics = {
        "cv_roc_auc_mean": max(model.cv_auc_.values()),
        "cv_roc_auc_per_c": {f"{c:g}": a for c, a in model.cv_auc_.items()},
        "oof_roc_auc_thread": round(model.oof_auc_thread_, 4),
        # Article-grouped CV AUCs of each way of combining the two sub-models (out-of-fold logits).
        "cv_combine_roc_auc": model.cv_combine_,
        "combine_chosen": model.cv_combine_chosen_,
        "heldout": report["metrics"],
        "rows": model.n_train_rows_,
    }
    hyper = {
        **{k: list(v) if isinstance(v, tuple) else v for k, v in model.get_params().items()},
        "C": model.C_,
        "label_definitions": LABEL_DEFINITIONS,
        "source_weights": SOURCE_WEIGHTS,
        "split": f"C3 articles held out by sha256('offtopic:'+article_id) % 100 < {HELDOUT_PERCENT}",
        "train_articles": report["train_articles"],
        "heldout_articles": report["heldout_articles"],
        "pages": pages,
        "context_feature_weights": report["context_feature_weights"],
    }
    return TrainedAttribute(
        model=model,
        interface="predict_thread",
        label_definition=LABEL_DEFINITION,
        threshold=model.threshold_,
        metrics=metrics,
        hyperparameters=hyper,
        corpora=[corpus],
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------- evaluation
def _auc(y: Sequence[float] | np.ndarray, s: Sequence[float] | np.ndarray) -> float | None:
    y_arr = np.asarray(y)
    if len(np.unique(y_arr)) < 2:
        return None
    return float(roc_auc_score(y_arr, np.asarray(s)))


def evaluate_non_relevant(model: ContextOffTopic, groups: Mapping[str, list[C3Comment]]) -> dict[str, Any]:
    """C3 non_relevant (>=2 vs 0 votes) AUC on the given (held-out) articles, with the thread as
    context and without, overall and within length bins; plus the length-only AUC for reference."""
    ys: list[float] = []
    with_thread: list[float] = []
    without: list[float] = []
    lengths: list[int] = []
    for comments in groups.values():
        texts = [c.text for c in comments]
        p_thread, _ = model.predict_thread(texts, None, use_thread=True)
        p_none, _ = model.predict_thread(texts, None, use_thread=False)
        for c, a, b in zip(comments, p_thread, p_none, strict=True):
            if np.isnan(c.label):
                continue
            ys.append(c.label)
            with_thread.append(float(a))
            without.append(float(b))
            lengths.append(len(c.text))
    y = np.array(ys)
    length = np.array(lengths)
    out: dict[str, Any] = {
        "n": len(y),
        "n_positive": int(y.sum()),
        "auc_thread": _auc(y, with_thread),
        "auc_none": _auc(y, without),
        "auc_length_only": _auc(y, -length),  # shorter = more off-topic
        "bins": [],
    }
    wt = np.array(with_thread)
    for lo, hi in LENGTH_BINS:
        m = (length >= lo) & (length < hi)
        out["bins"].append(
            {
                "chars": f"{lo}-{hi if hi < 10**9 else ''}",
                "n": int(m.sum()),
                "n_positive": int(y[m].sum()),
                "auc_thread": _auc(y[m], wt[m]),
                "auc_length_only": _auc(y[m], -length[m]),
            }
        )
    return out


def evaluate_swap(
    model: ContextOffTopic, groups: Mapping[str, list[C3Comment]], *, seed: int = 12345
) -> dict[str, Any]:
    """Intruders moved into other (held-out) articles' threads vs the natives: AUC with the thread as
    context and with none (comment-only, the blind baseline)."""
    out: dict[str, Any] = {}
    for name, use_thread in (("auc_thread", True), ("auc_none", False)):
        ys: list[float] = []
        ss: list[float] = []
        for ex in swap_threads(groups, seed=seed, use_thread=use_thread):
            p, _ = model.predict_thread(ex.texts, None, use_thread=use_thread)
            m = ~np.isnan(ex.labels)
            ys.extend(ex.labels[m].tolist())
            ss.extend(p[m].tolist())
        out[name] = _auc(ys, ss)
        out["n"] = len(ys)
        out["n_intruders"] = int(np.sum(ys))
    ys, ss = [], []
    for ex in swap_threads(groups, seed=seed, pseudo_article_size=4):
        p, _ = model.predict_thread(ex.texts, ex.article, use_thread=True)
        m = ~np.isnan(ex.labels)
        ys.extend(ex.labels[m].tolist())
        ss.extend(p[m].tolist())
    out["auc_pseudo_article_thread"] = _auc(ys, ss)
    ys, ss = [], []
    for ex in swap_threads(groups, seed=seed, pseudo_article_size=1):
        p, _ = model.predict_thread(ex.texts, ex.article, use_thread=True)
        m = ~np.isnan(ex.labels)
        ys.extend(ex.labels[m].tolist())
        ss.extend(p[m].tolist())
    out["auc_short_article_thread"] = _auc(ys, ss)
    # Natives with non_relevant votes count as natives too (they are harder: chatter scores high).
    ys, ss = [], []
    for ex in swap_threads(groups, seed=seed):
        p, _ = model.predict_thread(ex.texts, None, use_thread=True)
        ys.extend(np.nan_to_num(ex.labels, nan=0.0).tolist())
        ss.extend(p.tolist())
    out["auc_thread_all_natives"] = _auc(ys, ss)
    return out


def evaluate_off_topic(
    model: ContextOffTopic, heldout: Mapping[str, list[C3Comment]], *, seed: int = 0
) -> dict[str, Any]:
    return {
        "c3_non_relevant": evaluate_non_relevant(model, heldout),
        "c3_swap": evaluate_swap(model, heldout, seed=12345 + seed),
    }


# ---------------------------------------------------------------------- `moderate eval` entries
@functools.lru_cache(maxsize=2)
def _trained_for_eval(data_dir: Path) -> tuple[ContextOffTopic, dict[str, list[C3Comment]]]:
    """`moderate eval` retrains with the `moderate train` recipe (training split only) once per run and
    shares the model between the two evaluations below."""
    articles_dir = default_articles_dir(data_dir)
    model, _ = train_off_topic(data_dir, articles_dir if articles_dir.is_dir() else None)
    _, heldout = split_articles(load_c3_threads(data_dir))
    return model, heldout


def eval_c3_non_relevant(data_dir: Path, progress: Callable[[str], None]) -> dict[str, float]:
    """Held-out C3 articles, each comment scored with its thread: ROC/PR AUC, P/R/F1 at the shipped
    threshold, the comment-only (blind) AUC, the length-only AUC and the AUC within each length bin."""
    from training.evaluate import binary_metrics

    model, heldout = _trained_for_eval(Path(data_dir))
    nr = evaluate_non_relevant(model, heldout)
    for line in format_metrics({"c3_non_relevant": nr, "c3_swap": None}, only="c3_non_relevant"):
        progress(f"  {line}")
    ys, ps, irr = [], [], []
    for comments in heldout.values():
        texts = [c.text for c in comments]
        p, _ = model.predict_thread(texts, None, use_thread=True)
        p_irr, _, _ = model.predict_components(texts, None, use_thread=True)
        for c, v, w in zip(comments, p, p_irr, strict=True):
            if not np.isnan(c.label):
                ys.append(int(c.label))
                ps.append(float(v))
                irr.append(float(w))
    out = binary_metrics(ys, np.asarray(ps), model.threshold_)
    # The irrelevance sub-model alone (before the noisy-OR with intrusion): what the human labels see.
    out["roc_auc_irrelevance_part"] = float(roc_auc_score(ys, irr))
    out["roc_auc_none"] = nr["auc_none"]
    out["roc_auc_length_only"] = nr["auc_length_only"]
    for b in nr["bins"]:
        if b["auc_thread"] is not None:
            out[f"roc_auc_chars_{b['chars']}"] = b["auc_thread"]
    return out


def eval_c3_swap(data_dir: Path, progress: Callable[[str], None]) -> dict[str, float]:
    """Held-out C3 articles with ~20% of comments moved in from other held-out articles: telling the
    intruders from the natives with the thread as context (and blind, for reference)."""
    from training.evaluate import binary_metrics

    model, heldout = _trained_for_eval(Path(data_dir))
    ys, ps, intr = [], [], []
    for ex in swap_threads(heldout, seed=12345):
        p, _ = model.predict_thread(ex.texts, None, use_thread=True)
        _, p_int, _ = model.predict_components(ex.texts, None, use_thread=True)
        m = ~np.isnan(ex.labels)
        ys += ex.labels[m].astype(int).tolist()
        ps += p[m].tolist()
        intr += p_int[m].tolist()
    out = binary_metrics(ys, np.asarray(ps), model.threshold_)
    # The intrusion sub-model alone (before the noisy-OR with irrelevance).
    out["roc_auc_intrusion_part"] = float(roc_auc_score(ys, intr))
    sw = evaluate_swap(model, heldout, seed=12345)
    out["roc_auc_none"] = sw["auc_none"]
    out["roc_auc_pseudo_article_thread"] = sw["auc_pseudo_article_thread"]
    out["roc_auc_short_article_thread"] = sw["auc_short_article_thread"]
    out["roc_auc_thread_all_natives"] = sw["auc_thread_all_natives"]
    progress(
        f"  swap AUC: thread {out['roc_auc']:.3f}, blind {sw['auc_none']:.3f}, "
        f"pseudo-article+thread {sw['auc_pseudo_article_thread']:.3f}  "
        f"short-article+thread {sw['auc_short_article_thread']:.3f}  "
        f"(thread, all natives incl. voted off-topic: {sw['auc_thread_all_natives']:.3f})"
    )
    return out


def format_metrics(metrics: Mapping[str, Any], only: str | None = None) -> Iterable[str]:
    nr = metrics["c3_non_relevant"]
    yield (
        f"C3 non_relevant (held-out articles, n={nr['n']}, pos={nr['n_positive']}): "
        f"AUC thread {nr['auc_thread']:.3f}  none {nr['auc_none']:.3f}  "
        f"length-only {nr['auc_length_only']:.3f}"
    )
    for b in nr["bins"]:
        auc = "n/a" if b["auc_thread"] is None else f"{b['auc_thread']:.3f}"
        lo = "n/a" if b["auc_length_only"] is None else f"{b['auc_length_only']:.3f}"
        yield (
            f"  length {b['chars']:>9} chars: n={b['n']:5d} pos={b['n_positive']:4d}  "
            f"AUC {auc}  length-only {lo}"
        )
    if only == "c3_non_relevant":
        return
    sw = metrics["c3_swap"]
    yield (
        f"C3 swap test (held-out articles, n={sw['n']}, intruders={sw['n_intruders']}): "
        f"AUC thread {sw['auc_thread']:.3f}  none {sw['auc_none']:.3f}  "
        f"pseudo-article+thread {sw['auc_pseudo_article_thread']:.3f}  "
        f"short-article+thread {sw['auc_short_article_thread']:.3f}  "
        f"(thread, all natives incl. voted off-topic: {sw['auc_thread_all_natives']:.3f})"
    )
