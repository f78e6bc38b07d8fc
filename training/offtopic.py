"""Off-topic: training threads, training, and the held-out evaluations.

OFF_TOPIC = the comment digresses too far from the topic of its article and discussion (the One
Million Posts definition; bickering between readers about each other counts). Label sources
(``LABEL_DEFINITIONS``, written into the manifest):

- ``*_swap``: self-supervised. Comments of another article moved into a thread are off-topic there
  (1); the thread's own comments are on-topic (0). From C3 and One Million Posts threads (no article
  text: the thread is the context) and from pages with real article text (Dragnet gold pages and the
  shared article pages), with the whole article, with only a headline and first paragraph, and with or
  without the thread, so that every context kind is seen and calibrated.
- ``foreign_swap``: self-supervised too. Comments from another domain (YouTube music-video comments,
  ham and spam) moved into the English news threads are off-topic there (1), the natives on-topic (0):
  real digressions are everyday chatter and spam, which share words with a thread by accident, not
  other news.
- ``omp_offtopic``: One Million Posts' human OffTopic label (trained annotators), with the article's
  other labelled posts as the thread, and alone.

Every source is split by article / page (training.offtopic_data.is_heldout): the held-out fifth is
only ever evaluated.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from core.records import ArticleContext
from model.context import ContextOffTopic, ThreadExample
from training import offtopic_data as D
from training.fit import auc_interval

Progress = Callable[[str], None]
DECISIONS_FILE = Path(__file__).with_name("offtopic_decisions.json")
REVIEW_THRESHOLD = 0.6  # service.settings' default review threshold for off_topic
LABEL_DEFINITIONS: dict[str, str] = {
    "c3_swap": "C3 comments (no non_relevant vote) moved into another C3 article's thread: 1 there; "
    "that thread's own such comments: 0. Thread context only (C3 has no article text).",
    "omp_swap": "The same with One Million Posts posts (German) grouped by ID_Article; posts labelled "
    "OffTopic=1 are neither natives nor intruders.",
    "pages_swap": "The same on pages with real article text (Dragnet gold body + gold comments, and the "
    "shared article pages): with the whole article, with only the headline and first paragraph, with "
    "and without the thread.",
    "foreign_swap": "YouTube comments (ham and spam of the spam attribute's training videos, >= 3 words) "
    "moved into English news threads (C3 with the thread; pages with every context kind of pages_swap): "
    "1 there; the thread's natives are context (they are the 0s of c3_swap / pages_swap).",
    "omp_offtopic": "One Million Posts OffTopic (majority of trained annotators: 'posts which digress too "
    "far from the topic of the corresponding article'), with the article's other labelled posts as the "
    "thread, and alone.",
}
SOURCE_WEIGHTS: dict[str, float] = {
    "c3_swap": 1.0,
    "omp_swap": 1.0,
    "pages_swap": 2.0,
    "foreign_swap": 0.5,
    "omp_offtopic": 3.0,
}
# The language of each source's comments, and the held-out swap test that shows the model works in it:
# the manifest lists a language only when a source in it trained the model AND that test beats
# LANGUAGE_MIN_AUC (the Scorer marks off_topic unsupported for every other language).
SOURCE_LANGUAGES: dict[str, tuple[str, str]] = {
    "c3": ("en", "c3_thread"),
    "pages": ("en", "pages_standfirst_thread"),
    "omp": ("de", "omp_thread"),
}
LANGUAGE_MIN_AUC = 0.7
FOREIGN_FRACTION = 0.1  # foreign_swap intruders per thread comment
LABEL_DEFINITION = (
    "probability that the comment digresses too far from the topic of its article and discussion "
    "(bickering between readers counts): One Million Posts OffTopic labels + self-supervised swaps "
    "between C3, One Million Posts and real article pages; see label_definitions"
)


def swap_examples(
    threads: Sequence[D.SourceThread],
    *,
    seed: int,
    fraction: float = 0.2,
    article: str = "full",
    use_thread: bool = True,
    source: str,
    density: tuple[float, float] | None = None,
) -> list[ThreadExample]:
    """Each thread (>= 3 comments fit to be natives) with comments of OTHER threads mixed in (label 1)
    and its natives (label 0; comments a human flagged stay unlabelled context). ``article``:
    "full", "standfirst" (headline + first paragraph) or "none". ``fraction``: intruders per thread
    comment; ``density`` (low, high) instead draws each thread's share of intruders uniformly in it."""
    rng = np.random.default_rng(seed)
    pool = [(t.group, c) for t in threads for c, ok in zip(t.comments, t.native_ok, strict=True) if ok]
    out = []
    for t in threads:
        if int(t.native_ok.sum()) < 3 or len(pool) < 2:
            continue
        per_comment = fraction
        if density is not None:
            share = float(rng.uniform(*density))
            per_comment = share / (1.0 - share)
        k = max(1, round(per_comment * len(t.comments)))
        intruders: list[str] = []
        while len(intruders) < k:
            group, text = pool[int(rng.integers(len(pool)))]
            if group != t.group:
                intruders.append(text)
        out.append(_mixed(t, intruders, rng, article=article, use_thread=use_thread, source=source))
    return out


def foreign_examples(
    threads: Sequence[D.SourceThread],
    pool: Sequence[str],
    *,
    seed: int,
    fraction: float = 0.1,
    article: str = "full",
    use_thread: bool = True,
    source: str = "foreign_swap",
) -> list[ThreadExample]:
    """Like ``swap_examples``, but the intruders (label 1) are comments of another domain (``pool``,
    e.g. ``D.load_youtube``), distinct within a thread. The natives are context only (nan): they are
    label 0 in the same thread's news swaps already, and labelled again in every foreign copy they
    would double the English natives' weight against the other sources. These rows do not set the
    review shift (``calibrate=False``): foreign intruders are easy, and counted in the 85 % they
    would raise the threshold for the news digressions it is set for."""
    rng = np.random.default_rng(seed)
    out = []
    for t in threads:
        if int(t.native_ok.sum()) < 3 or not pool:
            continue
        k = min(len(pool), max(1, round(fraction * len(t.comments))))
        intruders = [pool[int(i)] for i in rng.choice(len(pool), size=k, replace=False)]
        ex = _mixed(t, intruders, rng, article=article, use_thread=use_thread, source=source, natives=False)
        out.append(dataclasses.replace(ex, calibrate=False))
    return out


def _mixed(
    t: D.SourceThread,
    intruders: list[str],
    rng: np.random.Generator,
    *,
    article: str,
    use_thread: bool,
    source: str,
    natives: bool = True,
) -> ThreadExample:
    """Thread ``t`` with ``intruders`` (label 1) shuffled among its comments (natives 0, or nan when
    not ``natives``; comments a human flagged nan), under the article context ``article`` ("full",
    "standfirst" or "none")."""
    texts = list(t.comments) + intruders
    native = 0.0 if natives else np.nan
    labels = np.array([native if ok else np.nan for ok in t.native_ok] + [1.0] * len(intruders))
    order = rng.permutation(len(texts))
    context = None
    if t.article is not None and article != "none":
        context = D.standfirst(t.article) if article == "standfirst" else t.article
    return ThreadExample(
        texts=tuple(texts[i] for i in order),
        labels=labels[order],
        article=context,
        use_thread=use_thread,
        weight=SOURCE_WEIGHTS[source],
        source=source,
        group=f"{t.source}:{t.group}",
    )


def human_examples(threads: Sequence[D.SourceThread], *, use_thread: bool) -> list[ThreadExample]:
    """One Million Posts threads with their OffTopic labels (unlabelled posts are context)."""
    return [
        ThreadExample(
            texts=t.comments,
            labels=t.labels,
            use_thread=use_thread,
            weight=SOURCE_WEIGHTS["omp_offtopic"],
            source="omp_offtopic",
            group=f"{t.source}:{t.group}",
            human=True,
        )
        for t in threads
        if np.isfinite(t.labels).any()
    ]


def training_examples(
    c3: Sequence[D.SourceThread],
    omp: Sequence[D.SourceThread],
    pages: Sequence[D.SourceThread],
    *,
    seed: int = 0,
    foreign: Sequence[str] = (),
    foreign_fraction: float = FOREIGN_FRACTION,
    swap_density: tuple[float, float] | None = None,
) -> list[ThreadExample]:
    """Every context kind with every label source it can have; ``foreign``: the pool of
    ``foreign_swap`` intruders (none: no such rows); ``swap_density``: the swaps' share of intruders
    per thread drawn in this range (None, the shipped recipe: the fixed fractions; a range was measured
    and not adopted, docs/offtopic.md "Polluted threads")."""
    ex: list[ThreadExample] = []
    ex += swap_examples(c3, seed=seed + 1, source="c3_swap", density=swap_density)
    ex += swap_examples(omp, seed=seed + 2, source="omp_swap", density=swap_density)
    ex += human_examples(omp, use_thread=True)
    ex += human_examples(omp, use_thread=False)
    for k, (article, use_thread) in enumerate(
        [("full", True), ("standfirst", True), ("full", False), ("standfirst", False), ("none", True)]
    ):
        ex += swap_examples(
            pages,
            seed=seed + 10 + k,
            fraction=0.15,
            article=article,
            use_thread=use_thread,
            source="pages_swap",
            density=swap_density,
        )
        if foreign:
            ex += foreign_examples(
                pages,
                foreign,
                seed=seed + 20 + k,
                fraction=foreign_fraction,
                article=article,
                use_thread=use_thread,
            )
    if foreign:
        ex += foreign_examples(c3, foreign, seed=seed + 3, fraction=foreign_fraction)
    return ex


@functools.lru_cache(maxsize=2)
def load_sources(
    data_dir: Path, articles_dir: Path | None
) -> dict[str, tuple[list[D.SourceThread], list[D.SourceThread]]]:
    """(train, held-out) threads of every source."""
    pages = D.load_dragnet(data_dir) + D.load_pages(articles_dir)
    return {"c3": D.split(D.load_c3(data_dir)), "omp": D.split(D.load_omp(data_dir)), "pages": D.split(pages)}


def default_articles_dir(data_dir: Path) -> Path:
    """The shared layout keeps the real pages beside the corpora: ../shared/data and ../shared/articles."""
    return Path(data_dir).resolve().parent / "articles"


def train_off_topic(
    data_dir: Path,
    articles_dir: Path | None = None,
    *,
    seed: int = 0,
    foreign: bool = True,
    progress: Progress = lambda s: None,
) -> tuple[ContextOffTopic, dict[str, Any]]:
    """Fit on the training split of every source (``foreign``: with the ``foreign_swap`` rows); return
    the model and a report with held-out metrics."""
    sources = load_sources(Path(data_dir), articles_dir)
    counts = {k: {"train": len(tr), "heldout": len(te)} for k, (tr, te) in sources.items()}
    progress(f"off_topic: threads (train / held-out) {counts}")
    pool = D.load_youtube(Path(data_dir)) if foreign else []
    examples = training_examples(
        sources["c3"][0], sources["omp"][0], sources["pages"][0], seed=seed, foreign=pool
    )
    pages = sources["pages"][0]
    # One BLAS thread: the dense fits are 33,000 x 43 matrix-vector products, where a second thread only
    # waits on the other (12x slower per fit on this 2-core machine under load; docs/offtopic.md).
    with threadpool_limits(limits=1, user_api="blas"):
        model = ContextOffTopic().fit(
            examples, documents=[p.article.body for p in pages if p.article is not None]
        )
    progress(
        f"off_topic: fitted on {model.n_train_rows_} rows; CV AUC per C {model.cv_auc_} "
        f"(chose C={model.C_:g}); "
        f"by source {model.cv_auc_by_source_}"
    )
    metrics = evaluate(model, sources)
    report = {
        "threads": counts,
        "metrics": metrics,
        "feature_weights": model.feature_weights(),
        "training_data": training_corpora(examples),
    }
    return model, report


def training_corpora(examples: Sequence[ThreadExample]) -> list[Any]:
    """What the manifest's ``training_data`` lists: one entry per source, its labelled training rows
    (a comment counts once per context kind it was trained in); files and hashes are in
    ``hyperparameters.data_files``."""
    from training import corpora as C

    out = []
    for source, definition in LABEL_DEFINITIONS.items():
        texts: list[str] = []
        labels: list[int] = []
        groups: list[str | None] = []
        for ex in (e for e in examples if e.source == source):
            for t, y in zip(ex.texts, ex.labels.tolist(), strict=True):
                if y == y:  # labelled (nan = context only)
                    texts.append(t)
                    labels.append(int(y))
                    groups.append(ex.group)
        if texts:
            out.append(
                C.Corpus(
                    source,
                    definition,
                    tuple(texts),
                    tuple(labels),
                    tuple(groups),
                    (),
                    weight=SOURCE_WEIGHTS[source],
                )
            )
    return out


def trained_languages(threads: dict[str, dict[str, int]], swap: dict[str, Any]) -> list[str]:
    """The manifest's ``languages``: those of the sources with training threads whose held-out swap
    AUC (``evaluate_swaps``) reaches LANGUAGE_MIN_AUC, in SOURCE_LANGUAGES order."""
    out: list[str] = []
    for source, (language, test) in SOURCE_LANGUAGES.items():
        auc = swap.get(test, {}).get("auc")
        trained = threads.get(source, {}).get("train", 0) > 0
        if trained and auc is not None and auc >= LANGUAGE_MIN_AUC and language not in out:
            out.append(language)
    return out


ARTICLES_GLOB = "**/*.html"
NO_ARTICLES = "none (trained on the Dragnet pages alone)"


def _pages_digest(root: Path, pattern: str) -> str:
    """sha256 over the sorted (relative path, sha256) of every file ``pattern`` matches under ``root``."""
    lines = [
        f"{path.relative_to(root).as_posix()} {hashlib.sha256(path.read_bytes()).hexdigest()}\n"
        for path in sorted(root.glob(pattern))
        if path.is_file()
    ]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def data_files(data_dir: Path, articles_dir: Path | None) -> dict[str, str]:
    """sha256 of every input off_topic reads: the corpus files, and a digest of each page directory
    (the Dragnet gold pages and the shared article pages, its largest source; without those the
    manifest could not tell a model trained without the article pages from one trained with them)."""
    files = (D.C3_FILE, D.OMP_FILE, *(D.YOUTUBE_DIR / v for v in D.YOUTUBE_TRAIN_FILES))
    out = {f.as_posix(): hashlib.sha256((data_dir / f).read_bytes()).hexdigest() for f in files}
    out[f"{D.DRAGNET_DIR.as_posix()}/*.gold.txt"] = _pages_digest(data_dir / D.DRAGNET_DIR, "*.gold.txt")
    articles = f"{default_articles_dir(data_dir).name}/{ARTICLES_GLOB}"
    out[articles] = _pages_digest(articles_dir, ARTICLES_GLOB) if articles_dir else NO_ARTICLES
    return out


def train_attribute(request: Any, progress: Progress) -> Any:
    """The off_topic entry of training.train.TRAINERS: (TrainingRequest, progress) -> TrainedAttribute."""
    from training import corpora as C
    from training.fit import TrainedAttribute

    started = time.perf_counter()
    data_dir = Path(request.data_dir)
    articles_dir = default_articles_dir(data_dir)
    if getattr(request, "feedback", None) is not None:
        read = C.load_feedback(request.feedback, "off_topic").files[0]
        progress(
            f"  NOT USED: {read.rows} off_topic verdicts in {read.path} (off_topic learns from whole threads)"
        )
    if getattr(request, "decisions", ()):
        progress("  NOT USED: --decisions files (they are insult labels; off_topic does not read them)")
    if not articles_dir.is_dir():
        progress(f"  no article pages at {articles_dir}: off_topic trains on the Dragnet pages alone")
    model, report = train_off_topic(
        data_dir, articles_dir if articles_dir.is_dir() else None, progress=progress
    )
    for line in format_metrics(report["metrics"]):
        progress(f"  {line}")
    languages = trained_languages(report["threads"], report["metrics"]["swap"])
    progress(f"  off_topic languages (trained on, held-out swap AUC >= {LANGUAGE_MIN_AUC}): {languages}")
    metrics = {
        "cv_roc_auc_mean": max(model.cv_auc_.values()),
        "cv_roc_auc_per_c": {f"{c:g}": a for c, a in model.cv_auc_.items()},
        "cv_roc_auc_by_source": model.cv_auc_by_source_,
        "heldout": report["metrics"],
        "rows": model.n_train_rows_,
    }
    hyper = {
        **{k: list(v) if isinstance(v, tuple) else v for k, v in model.get_params().items()},
        "C": model.C_,
        "label_definitions": LABEL_DEFINITIONS,
        "source_weights": SOURCE_WEIGHTS,
        "split": f"by article / page: sha256('offtopic:'+source+':'+id) % 100 < {D.HELDOUT_PERCENT} held out",
        "threads": report["threads"],
        "data_files": data_files(data_dir, articles_dir if articles_dir.is_dir() else None),
        "feature_weights": report["feature_weights"],
        "top_words": model.top_words(),
    }
    return TrainedAttribute(
        model=model,
        interface="predict_thread",
        label_definition=LABEL_DEFINITION,
        threshold=REVIEW_THRESHOLD,
        metrics=metrics,
        hyperparameters=hyper,
        corpora=report["training_data"],
        seconds=time.perf_counter() - started,
        extra={"languages": languages},
    )


# ---------------------------------------------------------------------- evaluation
def _auc(y: Sequence[float], s: Sequence[float]) -> float | None:
    return float(roc_auc_score(y, s)) if len(set(y)) == 2 else None


def _score_examples(
    model: ContextOffTopic, examples: Sequence[ThreadExample], groups: list[str] | None = None
) -> tuple[list[float], list[float]]:
    """Labels and scores of every labelled comment; ``groups`` gets each one's thread group."""
    ys: list[float] = []
    ps: list[float] = []
    for ex in examples:
        p, _ = model.predict_thread(ex.texts, ex.article, ex.use_thread)
        m = ~np.isnan(ex.labels)
        ys += ex.labels[m].tolist()
        ps += p[m].tolist()
        if groups is not None:
            groups += [ex.group] * int(m.sum())
    return ys, ps


def _auc_figures(ys: Sequence[float], ps: Sequence[float]) -> dict[str, Any]:
    return {"auc": _auc(ys, ps), "n": len(ys), "positives": int(sum(ys))}


def evaluate_swaps(model: ContextOffTopic, sources: dict[str, Any], *, seed: int = 12345) -> dict[str, Any]:
    """Held-out swap tests at one intruder in ten: pages with only the headline and first paragraph as
    the article (with and without the thread), the whole article, and C3 / OMP threads."""
    pages = sources["pages"][1]
    out: dict[str, Any] = {}
    for name, article, use_thread in [
        ("standfirst_thread", "standfirst", True),
        ("standfirst", "standfirst", False),
        ("article_thread", "full", True),
        ("thread", "none", True),
    ]:
        ex = swap_examples(
            pages, seed=seed, fraction=0.1, article=article, use_thread=use_thread, source="pages_swap"
        )
        out[f"pages_{name}"] = _auc_figures(*_score_examples(model, ex))
    for src in ("c3", "omp"):
        ex = swap_examples(sources[src][1], seed=seed, fraction=0.1, source=f"{src}_swap")
        out[f"{src}_thread"] = _auc_figures(*_score_examples(model, ex))
    return out


# Held-out swap tests at high intruder densities (reference, no floor yet): a spam wave or a test batch
# posted in one call puts many off-topic comments in one thread, which then pollute its context.
# Intruders per native comment: 1.0 is one comment in two, 0.5 one in three.
DENSE_SWAP_FRACTIONS: dict[str, float] = {"1in2": 1.0, "1in3": 0.5}


def evaluate_dense_swaps(
    model: ContextOffTopic, sources: dict[str, Any], *, seed: int = 12345
) -> dict[str, Any]:
    """Held-out swap tests at ``DENSE_SWAP_FRACTIONS``: pages with the headline and first paragraph and
    the thread, pages with the whole article and the thread, and C3 threads (thread only). Besides the
    AUC, the share of intruders and of natives at or above the review threshold."""
    out: dict[str, Any] = {}
    for density, fraction in DENSE_SWAP_FRACTIONS.items():
        for name, threads, article, source in [
            ("pages_standfirst_thread", sources["pages"][1], "standfirst", "pages_swap"),
            ("pages_article_thread", sources["pages"][1], "full", "pages_swap"),
            ("c3_thread", sources["c3"][1], "none", "c3_swap"),
        ]:
            ex = swap_examples(threads, seed=seed, fraction=fraction, article=article, source=source)
            ys, ps = _score_examples(model, ex)
            y, p = np.array(ys), np.array(ps)
            out[f"{name}_{density}"] = {
                **_auc_figures(ys, ps),
                "flagged": float((p[y == 1] >= REVIEW_THRESHOLD).mean()),
                "natives_flagged": float((p[y == 0] >= REVIEW_THRESHOLD).mean()),
            }
    return out


def evaluate_omp(model: ContextOffTopic, sources: dict[str, Any]) -> dict[str, Any]:
    """Held-out One Million Posts articles: OffTopic AUC with the thread (the article's other labelled
    posts) and with no context."""
    held = sources["omp"][1]
    out: dict[str, Any] = {}
    for name, use_thread in (("thread", True), ("none", False)):
        groups: list[str] = []
        ys, ps = _score_examples(model, human_examples(held, use_thread=use_thread), groups)
        out[name] = {"auc": _auc(ys, ps), "n": len(ys), "positives": int(sum(ys))}
        out[name]["interval"] = auc_interval(ys, ps, groups)  # resampled by article: the split's unit
    return out


def evaluate_decisions(model: ContextOffTopic, threshold: float = REVIEW_THRESHOLD) -> dict[str, Any]:
    """The hand-written seed fixture: the share of clearly off-topic comments reaching review and of
    on-topic ones. Each comment is scored with its article alone ("article"), and inside the article's
    discussion ("article+thread": the on-topic comments, with each off-topic one posted into it on its
    own, as one newcomer would); "mixed" puts all twenty comments in one thread (half off-topic)."""
    from service.parse import parse_file

    spec = json.loads(DECISIONS_FILE.read_text(encoding="utf-8"))
    repo = DECISIONS_FILE.parents[1]
    scores: dict[str, tuple[list[int], list[float]]] = {
        m: ([], []) for m in ("article", "article+thread", "mixed")
    }
    for art in spec["articles"]:
        page = parse_file(repo / art["seed"])
        article = ArticleContext(page.title or "", page.body)
        texts = [c["text"] for c in art["comments"]]
        labels = [int(c["label"]) for c in art["comments"]]
        on_topic = [t for t, y in zip(texts, labels, strict=True) if y == 0]
        on_p, _ = model.predict_thread(on_topic, article)
        for mode in scores:
            scores[mode][0].extend(labels)
        scores["article"][1].extend(float(model.predict_thread([t], article)[0][0]) for t in texts)
        scores["mixed"][1].extend(model.predict_thread(texts, article)[0].tolist())
        k = 0
        for t, y in zip(texts, labels, strict=True):
            if y == 0:
                scores["article+thread"][1].append(float(on_p[k]))
                k += 1
            else:
                scores["article+thread"][1].append(
                    float(model.predict_thread([*on_topic, t], article)[0][-1])
                )
    out: dict[str, Any] = {}
    for mode, (ys, ps) in scores.items():
        y_arr, s_arr = np.array(ys), np.array(ps)
        out[mode] = {
            "off_topic_flagged": float((s_arr[y_arr == 1] >= threshold).mean()),
            "on_topic_flagged": float((s_arr[y_arr == 0] >= threshold).mean()),
            "auc": _auc(ys, ps),
            "n": len(ys),
        }
    return out


def evaluate(model: ContextOffTopic, sources: dict[str, Any]) -> dict[str, Any]:
    return {
        "swap": evaluate_swaps(model, sources),
        "omp_offtopic": evaluate_omp(model, sources),
        "decisions": evaluate_decisions(model),
    }


def format_metrics(metrics: dict[str, Any]) -> list[str]:
    def f(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    lines = [
        "held-out swap AUC (one intruder in ten): "
        + ", ".join(f"{k} {f(v['auc'])} (n={v['n']})" for k, v in metrics["swap"].items())
    ]
    lines.append(
        "held-out One Million Posts OffTopic AUC: "
        + ", ".join(
            f"{k} {f(v['auc'])} (n={v['n']}, pos={v['positives']})"
            for k, v in metrics["omp_offtopic"].items()
        )
    )
    for mode, d in metrics["decisions"].items():
        lines.append(
            f"seed fixture ({mode}): off-topic flagged {d['off_topic_flagged']:.0%}, on-topic flagged "
            f"{d['on_topic_flagged']:.0%}, AUC {f(d['auc'])} (n={d['n']})"
        )
    return lines


def format_dense(dense: dict[str, Any]) -> str:
    """One line of ``evaluate_dense_swaps``: AUC, intruders / natives at or above the review threshold."""
    parts = []
    for k, v in dense.items():
        auc = "n/a" if v["auc"] is None else f"{v['auc']:.4f}"
        parts.append(
            f"{k} AUC {auc} flagged {v['flagged']:.0%} / natives {v['natives_flagged']:.0%} (n={v['n']})"
        )
    return "held-out swap at high intruder density (reference): " + ", ".join(parts)


# ---------------------------------------------------------------------- `moderate eval` entries
@functools.lru_cache(maxsize=2)
def _trained_for_eval(data_dir: Path) -> tuple[ContextOffTopic, dict[str, Any]]:
    """`moderate eval` retrains with the `moderate train` recipe (training splits only) once per run and
    shares the model between the evaluations below."""
    articles_dir = default_articles_dir(data_dir)
    model, _ = train_off_topic(data_dir, articles_dir if articles_dir.is_dir() else None)
    return model, load_sources(data_dir, articles_dir if articles_dir.is_dir() else None)


def _metrics(auc: float | None, n: int, positives: int, **extra: float | None) -> dict[str, float]:
    out = {"roc_auc": float("nan") if auc is None else auc, "n": n, "positives": positives}
    out.update({k: float("nan") if v is None else float(v) for k, v in extra.items()})
    return out


def eval_standfirst_swap(data_dir: Path, progress: Progress) -> dict[str, float]:
    """Held-out pages, one comment in ten moved in from another page, the article context only the
    headline and first paragraph, with the thread (and without, and with the whole article)."""
    model, sources = _trained_for_eval(Path(data_dir))
    sw = evaluate_swaps(model, sources)
    progress("  " + format_metrics({"swap": sw, "omp_offtopic": {}, "decisions": {}})[0])
    dense = evaluate_dense_swaps(model, sources)
    progress("  " + format_dense(dense))
    s = sw["pages_standfirst_thread"]
    reference: dict[str, float | None] = {}
    for name, d in dense.items():
        reference[f"roc_auc_{name}"] = d["auc"]
        reference[f"flagged_{name}"] = d["flagged"]
        reference[f"natives_flagged_{name}"] = d["natives_flagged"]
    return _metrics(
        s["auc"],
        s["n"],
        s["positives"],
        roc_auc_standfirst_only=sw["pages_standfirst"]["auc"],
        roc_auc_article_thread=sw["pages_article_thread"]["auc"],
        roc_auc_c3_thread=sw["c3_thread"]["auc"],
        roc_auc_omp_thread=sw["omp_thread"]["auc"],
        **reference,
    )


def eval_omp_offtopic(data_dir: Path, progress: Progress) -> dict[str, float]:
    """Held-out One Million Posts articles: the human OffTopic label, each post with its thread."""
    model, sources = _trained_for_eval(Path(data_dir))
    om = evaluate_omp(model, sources)
    progress(f"  OffTopic AUC thread {om['thread']['auc']:.3f}, no context {om['none']['auc']:.3f}")
    t = om["thread"]
    low, high = t["interval"]
    return _metrics(
        t["auc"], t["n"], t["positives"], roc_auc_none=om["none"]["auc"], roc_auc_low=low, roc_auc_high=high
    )


def eval_seed_decisions(data_dir: Path, progress: Progress) -> dict[str, float]:
    """The hand-written seed fixture at the default review threshold (rates of comments flagged)."""
    model, _ = _trained_for_eval(Path(data_dir))
    d = evaluate_decisions(model)
    for line in format_metrics({"swap": {}, "omp_offtopic": {}, "decisions": d})[2:]:
        progress(f"  {line}")
    a, t, m = d["article"], d["article+thread"], d["mixed"]
    return _metrics(
        t["auc"],
        t["n"],
        t["n"] // 2,
        off_topic_flagged=t["off_topic_flagged"],
        on_topic_passed=1.0 - t["on_topic_flagged"],
        off_topic_flagged_article_only=a["off_topic_flagged"],
        on_topic_passed_article_only=1.0 - a["on_topic_flagged"],
        off_topic_flagged_mixed=m["off_topic_flagged"],
        on_topic_passed_mixed=1.0 - m["on_topic_flagged"],
    )
