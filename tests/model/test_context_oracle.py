"""The compiled feature kernel against a tiny brute-force oracle written from the features'
definitions (dicts and loops, no shared code beyond tokenising), on real and random threads.

The kernel is the only implementation of the context features (training and scoring both use it);
this oracle is what keeps it honest.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from core.records import ArticleContext
from model.context import DENSE_FEATURES, ContextOffTopic
from model.context_memo import article_documents, context_kind
from model.context_tokens import ADDRESS_WORDS, META_PREFIXES, is_function_word, stem, tokenize_docs
from model.kernels import LENGTH_STEPS, LM_MU


@pytest.fixture(scope="module")
def small_model(offtopic_small: ContextOffTopic) -> ContextOffTopic:
    return offtopic_small


def _column(model: ContextOffTopic, tok: bytes, own: dict[bytes, int]) -> int:
    g = model.vocabulary_.get(tok)
    if g is not None:
        return int(model.term_stem_[g])
    if is_function_word(tok):
        return len(model.stem_idf_) - 1
    known = model.stem_index_.get(stem(tok))
    if known is not None:
        return int(known)
    return len(model.stem_idf_) + own.setdefault(tok, len(own))


def _weight(model: ContextOffTopic, col: int) -> tuple[float, float]:
    n = len(model.stem_idf_)
    return (
        (float(model.stem_idf_[col]), float(model.stem_logp_[col]))
        if col < n
        else (model.oov_idf_, model.oov_logp_)
    )


def _cos(a: dict[int, float], b: dict[int, float]) -> float:
    return sum(v * b.get(k, 0.0) for k, v in a.items())


Occurrence = tuple[int, float, float]  # a content word's column, weight (idf) and log-probability
Features = dict[str, np.ndarray]  # feature name -> one value per comment


def _occurrences(model: ContextOffTopic, toks: list[list[bytes]]) -> list[list[Occurrence]]:
    """Per document: (column, weight, logp) of each of its content words (weight > 0)."""
    own: dict[bytes, int] = {}
    occ = []
    for d in toks:
        cols = [(c, *_weight(model, c)) for c in (_column(model, t, own) for t in d)]
        occ.append([o for o in cols if o[1] > 0])
    return occ


def _vector(normed_over: list[Occurrence], summed: list[Occurrence]) -> dict[int, float]:
    """column -> sum of w / sqrt(sum of w^2 over the occurrences `normed_over`), over `summed`."""
    norm = math.sqrt(sum(w * w for _, w, _ in normed_over)) or 1.0
    v: dict[int, float] = {}
    for c, w, _ in summed:
        v[c] = v.get(c, 0.0) + w / norm
    return v


def _counts(occurrences: list[Occurrence]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for c, _, _ in occurrences:
        counts[c] = counts.get(c, 0) + 1
    return counts


def _lm(count: float, total: float, logp: float) -> float:
    return math.log((count + LM_MU * math.exp(logp)) / (total + LM_MU)) - logp


def _surface_features(
    f: Features, i: int, model: ContextOffTopic, t: str, d: list[bytes], occ: list[Occurrence]
) -> None:
    """The features of comment `i` alone: lengths, words and characters."""
    f["log_tokens"][i] = math.log1p(len(d))
    f["log_chars"][i] = math.log1p(len(t))
    for k in LENGTH_STEPS:
        f[f"tokens_le_{k}"][i] = len(d) <= k
    f["oov_fraction"][i] = 1 - sum(x in model.vocabulary_ for x in d) / max(len(d), 1)
    f["address_fraction"][i] = sum(x in ADDRESS_WORDS for x in d) / max(len(d), 1)
    n_meta = sum(
        any(x[: len(p)] == p for p in META_PREFIXES) and x[:9] != b"posterior" and x[:7] != b"trolley"
        for x in d
    )
    f["has_meta"][i] = n_meta > 0
    f["meta_fraction"][i] = n_meta / max(len(d), 1)
    chunks = t.split()
    f["has_question"][i] = "?" in t
    f["has_exclamation"][i] = "!" in t
    f["has_url"][i] = any("http" in c or "www." in c for c in chunks)
    f["has_emoticon"][i] = any(e in c for c in chunks for e in (":)", ";)", ":(", ":D"))
    f["has_mention"][i] = any(c.startswith("@") for c in chunks)
    f["no_content"][i] = not occ
    f["log_content"][i] = math.log1p(len(occ))


def _article_features(
    f: Features, n: int, occ: list[list[Occurrence]], vecs: list[dict[int, float]], toks: list[list[bytes]]
) -> None:
    """Each comment against the article (document n) and its title (document n + 1)."""
    a_cnt = _counts(occ[n])
    a_total = len(occ[n])
    for i in range(n):
        f["has_article"][i] = 1
        f["sim_article"][i] = _cos(vecs[i], vecs[n])
        f["sim_title"][i] = _cos(vecs[i], vecs[n + 1])
        f["no_overlap_article"][i] = bool(occ[i]) and f["sim_article"][i] == 0 and f["sim_title"][i] == 0
        f["sim_article_x_short"][i] = f["sim_article"][i] / math.sqrt(1 + len(toks[i]))
        lms = [_lm(a_cnt.get(c, 0), a_total, lp) for c, _, lp in occ[i]]
        f["lm_article_sum"][i] = sum(lms)
        f["lm_article_mean"][i] = sum(lms) / max(len(lms), 1)
        shared = [w for c, w, _ in occ[i] if a_cnt.get(c, 0) > 0]
        f["shared_article_frac"][i] = len(shared) / max(len(occ[i]), 1)
        f["shared_article_max_idf"][i] = max(shared, default=0.0)


def _kept_for_thread(
    model: ContextOffTopic, occ: list[list[Occurrence]], n: int, has_a: bool
) -> list[list[Occurrence]]:
    """Each comment's occurrences that count for the thread. With an article, a word of its own column
    (unseen in training) that the article lacks does not count: most often a commenter's handle."""
    n_stems = len(model.stem_idf_)
    a_cnt = _counts(occ[n]) if has_a else {}
    return [[o for o in occ[i] if not (has_a and o[0] >= n_stems and o[0] not in a_cnt)] for i in range(n)]


def _thread_features(
    f: Features, n: int, occ: list[list[Occurrence]], kept: list[list[Occurrence]], toks: list[list[bytes]]
) -> None:
    """Each comment against the other comments of its thread (their kept words)."""
    kept_vecs = [_vector(occ[i], kept[i]) for i in range(n)]
    for i in range(n):
        others: dict[int, float] = {}
        counts: dict[int, int] = {}
        for j in range(n):
            if j != i:
                for c, x in kept_vecs[j].items():
                    others[c] = others.get(c, 0.0) + x
                for c, _, _ in kept[j]:
                    counts[c] = counts.get(c, 0) + 1
        dot = _cos(kept_vecs[i], others)
        f["has_thread"][i] = 1
        f["sim_thread_centroid"][i] = dot / math.sqrt(max(_cos(others, others), 1e-12))
        f["no_overlap_thread"][i] = bool(occ[i]) and dot <= 1e-12
        f["sim_thread_x_short"][i] = f["sim_thread_centroid"][i] / math.sqrt(1 + len(toks[i]))
        total = sum(len(occ[j]) for j in range(n) if j != i)
        lms = [_lm(counts.get(c, 0), total, lp) for c, _, lp in occ[i]]
        f["lm_thread_sum"][i] = sum(lms)
        f["lm_thread_mean"][i] = sum(lms) / max(len(lms), 1)
        shared = [w for c, w, _ in occ[i] if counts.get(c, 0) > 0]
        f["shared_thread_frac"][i] = len(shared) / max(len(occ[i]), 1)
        f["shared_thread_max_idf"][i] = max(shared, default=0.0)


def _relative_features(f: Features, n: int, has_a: bool) -> None:
    """Each comment's value minus the mean of the others' (article ones zero without an article)."""
    for name in ("sim_article", "lm_article_mean", "sim_thread_centroid", "lm_thread_mean"):
        rel = name.replace("_centroid", "").replace("_mean", "") + "_rel"
        x = f[name]
        f[rel] = x - (x.sum() - x) / max(n - 1, 1)
    if not has_a:
        f["sim_article_rel"][:] = 0
        f["lm_article_rel"][:] = 0


def _topic_features(
    f: Features, model: ContextOffTopic, n: int, vecs: list[dict[int, float]], has_a: bool, has_t: bool
) -> None:
    """Each comment's topic vector: its norm, its cosine with the rest of the thread and the article."""
    n_stems = len(model.stem_idf_)

    def topic(i: int) -> np.ndarray:
        z = np.zeros(model.topic_.shape[1])
        for c, w in vecs[i].items():
            z += model.topic_[min(c, n_stems)].astype(np.float64) * w
        return z

    zs = [topic(i) for i in range(n)]
    for i in range(n):
        f["topic_norm"][i] = np.linalg.norm(zs[i])
        if has_t:
            rest = sum(zs[j] for j in range(n) if j != i)
            f["topic_thread"][i] = zs[i] @ rest / math.sqrt(max((zs[i] @ zs[i]) * (rest @ rest), 1e-18))
        if has_a:
            za = topic(n)
            f["topic_article"][i] = zs[i] @ za / math.sqrt(max((zs[i] @ zs[i]) * (za @ za), 1e-18))


def _without_context_if_no_content(out: np.ndarray, occ: list[list[Occurrence]], n: int) -> np.ndarray:
    first_context = DENSE_FEATURES.index("sim_article")
    for i in range(n):
        if not occ[i]:  # no content word: scored as without context
            out[i, DENSE_FEATURES.index("has_article")] = 0
            out[i, DENSE_FEATURES.index("has_thread")] = 0
            out[i, first_context:] = 0
    return out


def oracle(
    model: ContextOffTopic, texts: list[str], article: ArticleContext | None, use_thread: bool
) -> np.ndarray:
    """Every dense feature, one comment at a time, from the definitions."""
    n = len(texts)
    kind = context_kind(article, n, use_thread)
    has_a, has_t = kind in ("article+thread", "article"), kind in ("article+thread", "thread")
    docs = list(texts) + (list(article_documents(article)) if has_a else [])
    toks = tokenize_docs(docs)
    occ = _occurrences(model, toks)
    vecs = [_vector(d, d) for d in occ]
    f = {name: np.zeros(n) for name in DENSE_FEATURES}
    for i, (t, d) in enumerate(zip(texts, toks[:n], strict=True)):
        _surface_features(f, i, model, t, d, occ[i])
    if has_a:
        _article_features(f, n, occ, vecs, toks)
    if has_t:
        kept = _kept_for_thread(model, occ, n, has_a)
        _thread_features(f, n, occ, kept, toks)
        _relative_features(f, n, has_a)
    if (has_a or has_t) and model.topic_.shape[1] and any(occ[:n]):
        _topic_features(f, model, n, vecs, has_a, has_t)
    out = np.column_stack([f[name] for name in DENSE_FEATURES])
    return _without_context_if_no_content(out, occ, n)


def _random_texts(rng: np.random.Generator, n: int) -> list[str]:
    """Random comments over letters, punctuation, separators, emoji, a NUL and a lone surrogate, plus
    real and unseen words, so chunks with every kind of token boundary occur."""
    alphabet = [*"abcdefgh ABC  xyz019.,!?:;)(-_'\"\n\t", "\u2019", "\u2014", "\u00a0", "é", "🙂", "\x00"]
    words = [
        "pipeline",
        "kislyak",
        "Lavrov",
        "taped",
        "the",
        "of",
        "http://x.io",
        ":)",
        "@bob",
        "you",
        "Krise",
        "Zensur",
        "gelöschten",
        "moderators",
        "trolley",
    ]
    out = []
    for _ in range(n):
        parts = [
            words[int(rng.integers(len(words)))]
            if rng.random() < 0.5
            else alphabet[int(rng.integers(len(alphabet)))]
            for _ in range(int(rng.integers(0, 30)))
        ]
        out.append("".join(parts) if rng.random() < 0.3 else " ".join(parts))
    return out


@pytest.mark.parametrize("use_article", [True, False])
@pytest.mark.parametrize("use_thread", [True, False])
def test_the_kernel_matches_the_brute_force_oracle(small_model, sources, use_article, use_thread):
    rng = np.random.default_rng(0)
    pages = sources["pages"][1][:3]
    threads = [list(t.comments)[:12] for t in sources["c3"][1][:3] + sources["omp"][1][:3]]
    threads += [list(p.comments)[:12] for p in pages]
    threads += [_random_texts(rng, int(rng.integers(1, 12))) for _ in range(8)]
    articles = [p.article for p in pages] + [ArticleContext("Kislyak pipeline", "The pipeline, Lavrov said.")]
    model = pickle.loads(pickle.dumps(small_model))  # a cold memo
    for rounds in range(2):  # cold, then warm memo
        for i, texts in enumerate(threads):
            article = articles[i % len(articles)] if use_article else None
            dense = model.features(texts, article, use_thread)[1]
            np.testing.assert_allclose(
                dense, oracle(model, texts, article, use_thread), atol=1e-6, err_msg=str(rounds)
            )
