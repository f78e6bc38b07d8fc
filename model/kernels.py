"""Compiled per-thread feature kernel of the off-topic scoring path (numba).

``ContextOffTopic._fast_features`` used to compute a thread's features in about 80 small numpy
operations, whose fixed cost per call (not the arithmetic) made off_topic cost as much as insult
itself. ``thread_features`` does the same work in one compiled pass over the thread's chunk rows.

It is the fast twin of the numpy reference (``_context_features`` and ``_topic_features`` in
model/context.py, which training uses): tests hold the two to 1e-9 on real threads and random text,
so a change to a feature must be made in both. Compiled once per machine (``cache=True`` keeps the
machine code next to this file); ``nogil`` lets API threads score in parallel.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# The dense feature layout, one definition for the numpy reference (model/context.py) and this
# kernel. It lives here because numba freezes these globals into the cached machine code, and the
# cache is invalidated only when this file changes.
# Off-topic votes depend on length in a non-linear way (very short chatter), hence the step features.
LENGTH_STEPS: tuple[int, ...] = (3, 6, 10, 16, 25, 40, 70)
DENSE_FEATURES: tuple[str, ...] = (
    "log_tokens",
    "log_chars",
    *(f"tokens_le_{k}" for k in LENGTH_STEPS),
    "oov_fraction",
    "has_question",
    "has_exclamation",
    "has_url",
    "has_emoticon",
    "has_article",
    "has_thread",
    "sim_article",
    "sim_title",
    "sim_article_rel",
    "no_overlap_article",
    "sim_thread_centroid",
    "sim_thread_rel",
    "no_overlap_thread",
    "sim_article_x_short",
    "sim_thread_x_short",
    "lm_article_sum",
    "lm_article_mean",
    "lm_article_rel",
    "lm_thread_sum",
    "lm_thread_mean",
    "lm_thread_rel",
    "shared_article_frac",
    "shared_article_max_idf",
    "shared_thread_frac",
    "shared_thread_max_idf",
    "topic_norm",
    "topic_thread",
)
# Dirichlet smoothing mass of the article / thread language models (in tokens).
LM_MU = 200.0
# Chunk-table columns: token count, known-token count, own-text sums (idf x coef, idf^2), 4 cues.
C_NTOK, C_NKNOWN, C_SCOEF, C_SSQ, C_Q, C_EXCL, C_URL, C_EMO = range(8)
N_CHUNK_COLS = 8


def _column(name: str) -> int:
    return DENSE_FEATURES.index(name)


_LOG_TOKENS = _column("log_tokens")
_LOG_CHARS = _column("log_chars")
_OOV_FRACTION = _column("oov_fraction")
_HAS_QUESTION = _column("has_question")
_HAS_ARTICLE = _column("has_article")
_HAS_THREAD = _column("has_thread")
_SIM_ARTICLE = _column("sim_article")
_SIM_TITLE = _column("sim_title")
_SIM_ARTICLE_REL = _column("sim_article_rel")
_NO_OVERLAP_ARTICLE = _column("no_overlap_article")
_SIM_THREAD_CENTROID = _column("sim_thread_centroid")
_SIM_THREAD_REL = _column("sim_thread_rel")
_NO_OVERLAP_THREAD = _column("no_overlap_thread")
_SIM_ARTICLE_X_SHORT = _column("sim_article_x_short")
_SIM_THREAD_X_SHORT = _column("sim_thread_x_short")
_LM_ARTICLE_SUM = _column("lm_article_sum")
_LM_ARTICLE_MEAN = _column("lm_article_mean")
_LM_ARTICLE_REL = _column("lm_article_rel")
_LM_THREAD_SUM = _column("lm_thread_sum")
_LM_THREAD_MEAN = _column("lm_thread_mean")
_LM_THREAD_REL = _column("lm_thread_rel")
_SHARED_ARTICLE_FRAC = _column("shared_article_frac")
_SHARED_ARTICLE_MAX_IDF = _column("shared_article_max_idf")
_SHARED_THREAD_FRAC = _column("shared_thread_frac")
_SHARED_THREAD_MAX_IDF = _column("shared_thread_max_idf")
_TOPIC_NORM = _column("topic_norm")
_TOPIC_THREAD = _column("topic_thread")
_TOKENS_LE_FIRST = _column(f"tokens_le_{LENGTH_STEPS[0]}")
_N_FEATURES = len(DENSE_FEATURES)


@njit(cache=True, nogil=True)
def _minus_others_mean(x: np.ndarray) -> np.ndarray:
    n = len(x)
    total = x.sum()
    return x - (total - x) / max(n - 1, 1)


@njit(cache=True, nogil=True)
def chunk_columns(ids: np.ndarray, occ: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """The content columns of a run of chunk rows (an article's documents: memoised per article)."""
    n_occ = 0
    for j in range(len(ids)):
        n_occ += occ[ids[j], 1]
    col = np.empty(n_occ, dtype=np.int64)
    o = 0
    for j in range(len(ids)):
        start = occ[ids[j], 0]
        for k in range(occ[ids[j], 1]):
            col[o] = pool[start + k]
            o += 1
    return col


@njit(cache=True, nogil=True)
def thread_features(
    ids: np.ndarray,
    n_chunks: np.ndarray,
    n: int,
    article_col: np.ndarray,
    article_split: int,
    table: np.ndarray,
    occ: np.ndarray,
    pool: np.ndarray,
    ext: np.ndarray,
    n_stems: int,
    topics: np.ndarray,
    char_lens: np.ndarray,
    has_article: bool,
    has_thread: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """(own-text decision, dense features) of one thread from its ``n`` comments' chunk rows and
    (with an article) the content columns of the article body (``article_col[:article_split]``) and
    title (the rest), which ``chunk_columns`` gives once per article."""
    dense = np.zeros((n, _N_FEATURES))
    # -- per-comment sums of the chunk rows
    sums = np.zeros((n, N_CHUNK_COLS))
    n_occ = 0  # content occurrences of the comments, counted in the same pass
    pos = 0
    for i in range(n):
        for _ in range(n_chunks[i]):
            row = ids[pos]
            pos += 1
            for c in range(N_CHUNK_COLS):
                sums[i, c] += table[row, c]
            n_occ += occ[row, 1]
    text_decision = np.empty(n)
    comment_lens = np.empty(n)
    for i in range(n):
        lens = sums[i, C_NTOK]
        comment_lens[i] = lens
        t_norm = math.sqrt(sums[i, C_SSQ])
        text_decision[i] = sums[i, C_SCOEF] / (t_norm if t_norm != 0 else 1.0)
        dense[i, _LOG_TOKENS] = math.log1p(lens)
        dense[i, _LOG_CHARS] = math.log1p(char_lens[i])
        dense[i, _OOV_FRACTION] = 1.0 - sums[i, C_NKNOWN] / max(lens, 1.0)
        for k in range(4):
            dense[i, _HAS_QUESTION + k] = 1.0 if sums[i, C_Q + k] > 0 else 0.0
        for k in range(len(LENGTH_STEPS)):
            dense[i, _TOKENS_LE_FIRST + k] = 1.0 if lens <= LENGTH_STEPS[k] else 0.0
    if not (has_article or has_thread):
        return text_decision, dense

    # -- content occurrences, per document, and their columns compacted to the thread's own
    n_docs = n + 2 if has_article else n
    if has_article:
        n_occ += len(article_col)
    col = np.empty(n_occ, dtype=np.int64)
    r = np.empty(n_occ, dtype=np.int64)
    bounds = np.zeros(n_docs + 1, dtype=np.int64)
    o = 0
    pos = 0
    for d in range(n):
        for _ in range(n_chunks[d]):
            row = ids[pos]
            pos += 1
            start = occ[row, 0]
            for k in range(occ[row, 1]):
                col[o] = pool[start + k]
                r[o] = d
                o += 1
        bounds[d + 1] = o
    if has_article:
        for j in range(len(article_col)):
            col[o] = article_col[j]
            r[o] = n if j < article_split else n + 1
            o += 1
        bounds[n + 1] = bounds[n] + article_split
        bounds[n + 2] = o
    # Compact ids in order of first appearance, through a sparse set: ``where`` is never initialised
    # (an entry counts only if it points back at its column), so no sort and no pass over the
    # vocabulary. numba's stable argsort of a thread's columns cost 20x more.
    max_col = 0
    for j in range(n_occ):
        max_col = max(max_col, col[j])
    where = np.empty(max_col + 1, dtype=np.int64)
    cl = np.empty(n_occ, dtype=np.int64)
    ucol = np.empty(n_occ, dtype=np.int64)
    n_cols = 0
    for j in range(n_occ):
        v = col[j]
        k = where[v]
        if k < 0 or k >= n_cols or ucol[k] != v:
            k = n_cols
            where[v] = k
            ucol[k] = v
            n_cols += 1
        cl[j] = k
    weights = np.empty(n_cols)
    logp = np.empty(n_cols)
    mu_p = np.empty(n_cols)
    clipped = np.empty(n_cols, dtype=np.int64)
    is_local = np.empty(n_cols, dtype=np.bool_)
    for k in range(n_cols):
        c = min(ucol[k], n_stems)
        clipped[k] = c
        weights[k] = ext[c, 0]
        logp[k] = ext[c, 1]
        mu_p[k] = ext[c, 2]
        is_local[k] = ucol[k] >= n_stems
    norm = np.zeros(n_docs)
    for j in range(n_occ):
        w = weights[cl[j]]
        norm[r[j]] += w * w
    for d in range(n_docs):
        norm[d] = math.sqrt(norm[d]) if norm[d] != 0 else 1.0
    val = np.empty(n_occ)
    for j in range(n_occ):
        val[j] = weights[cl[j]] / norm[r[j]]
    n_c = bounds[n]

    # -- the numpy reference: model/context.py _context_features
    n_content = np.zeros(n)
    for j in range(n_c):
        n_content[r[j]] += 1.0
    short = 1.0 / np.sqrt(1.0 + comment_lens)
    a_cnt = np.zeros(n_cols)
    if has_article:
        a_vec = np.zeros(n_cols)
        t_vec = np.zeros(n_cols)
        for j in range(bounds[n], bounds[n + 1]):
            a_vec[cl[j]] += val[j]
            a_cnt[cl[j]] += 1.0
        for j in range(bounds[n + 1], bounds[n + 2]):
            t_vec[cl[j]] += val[j]
        a_total = a_cnt.sum()
        sim_article = np.zeros(n)
        sim_title = np.zeros(n)
        lm_sum = np.zeros(n)
        shared_n = np.zeros(n)
        shared_max = np.zeros(n)
        # The smoothed log-ratio log((cnt + mu p) / (total + mu)) - log p is the constant
        # log(mu / (total + mu)) for a word the article lacks: a log only for shared words.
        log_den = math.log(a_total + LM_MU)
        unseen = math.log(LM_MU) - log_den
        for j in range(n_c):
            i = r[j]
            c = cl[j]
            sim_article[i] += val[j] * a_vec[c]
            sim_title[i] += val[j] * t_vec[c]
            if a_cnt[c] > 0:
                lm_sum[i] += math.log(a_cnt[c] + mu_p[c]) - log_den - logp[c]
                shared_n[i] += 1.0
                shared_max[i] = max(shared_max[i], weights[c])
            else:
                lm_sum[i] += unseen
        lm_mean = lm_sum / np.maximum(n_content, 1.0)
        for i in range(n):
            dense[i, _HAS_ARTICLE] = 1.0
            dense[i, _SIM_ARTICLE] = sim_article[i]
            dense[i, _SIM_TITLE] = sim_title[i]
            dense[i, _NO_OVERLAP_ARTICLE] = 1.0 if (sim_article[i] == 0 and sim_title[i] == 0) else 0.0
            dense[i, _SIM_ARTICLE_X_SHORT] = sim_article[i] * short[i]
            dense[i, _LM_ARTICLE_SUM] = lm_mean[i] * n_content[i]
            dense[i, _LM_ARTICLE_MEAN] = lm_mean[i]
            dense[i, _SHARED_ARTICLE_FRAC] = shared_n[i] / max(n_content[i], 1.0)
            dense[i, _SHARED_ARTICLE_MAX_IDF] = shared_max[i]
        if has_thread:
            dense[:, _SIM_ARTICLE_REL] = _minus_others_mean(sim_article)
            dense[:, _LM_ARTICLE_REL] = _minus_others_mean(lm_mean)
    if has_thread:
        keep = np.ones(n_c)
        if has_article:
            for j in range(n_c):
                c = cl[j]
                keep[j] = 1.0 if ((not is_local[c]) or a_cnt[c] > 0) else 0.0
        total = np.zeros(n_cols)
        t_cnt = np.zeros(n_cols)
        for j in range(n_c):
            total[cl[j]] += val[j] * keep[j]
            t_cnt[cl[j]] += keep[j]
        total_sq = 0.0
        for k in range(n_cols):
            total_sq += total[k] * total[k]
        content_total = n_content.sum()
        # Repeated words of a comment aggregated per (comment, column): scratch per comment.
        pair_val = np.zeros(n_cols)
        pair_cnt = np.zeros(n_cols)
        seen = np.zeros(n_cols, dtype=np.bool_)
        dot = np.zeros(n)
        self_sq = np.zeros(n)
        lm_sum = np.zeros(n)
        shared_n = np.zeros(n)
        shared_max = np.zeros(n)
        for i in range(n):
            lo, hi = bounds[i], bounds[i + 1]
            for j in range(lo, hi):
                tv = val[j] * keep[j]
                pair_val[cl[j]] += tv
                pair_cnt[cl[j]] += keep[j]
                dot[i] += tv * total[cl[j]]
            log_den = math.log(content_total - n_content[i] + LM_MU)
            unseen = math.log(LM_MU) - log_den
            for j in range(lo, hi):
                c = cl[j]
                if not seen[c]:
                    seen[c] = True
                    self_sq[i] += pair_val[c] * pair_val[c]
                others = t_cnt[c] - pair_cnt[c]  # whole counts: exact in float
                if others > 0:
                    lm_sum[i] += math.log(others + mu_p[c]) - log_den - logp[c]
                    shared_n[i] += 1.0
                    shared_max[i] = max(shared_max[i], weights[c])
                else:
                    lm_sum[i] += unseen
            for j in range(lo, hi):
                pair_val[cl[j]] = 0.0
                pair_cnt[cl[j]] = 0.0
                seen[cl[j]] = False
        centroid = np.empty(n)
        loo_dot = dot - self_sq
        for i in range(n):
            loo_norm_sq = max(total_sq - 2 * dot[i] + self_sq[i], 1e-12)
            centroid[i] = loo_dot[i] / math.sqrt(loo_norm_sq)
        lm_mean = lm_sum / np.maximum(n_content, 1.0)
        rel_centroid = _minus_others_mean(centroid)
        rel_lm = _minus_others_mean(lm_mean)
        for i in range(n):
            dense[i, _HAS_THREAD] = 1.0
            dense[i, _SIM_THREAD_CENTROID] = centroid[i]
            dense[i, _SIM_THREAD_REL] = rel_centroid[i]
            dense[i, _NO_OVERLAP_THREAD] = 1.0 if loo_dot[i] <= 1e-12 else 0.0
            dense[i, _SIM_THREAD_X_SHORT] = centroid[i] * short[i]
            dense[i, _LM_THREAD_SUM] = lm_mean[i] * n_content[i]
            dense[i, _LM_THREAD_MEAN] = lm_mean[i]
            dense[i, _LM_THREAD_REL] = rel_lm[i]
            dense[i, _SHARED_THREAD_FRAC] = shared_n[i] / max(n_content[i], 1.0)
            dense[i, _SHARED_THREAD_MAX_IDF] = shared_max[i]
        # Topic space (float32 rows, float64 sums like the reference).
        k_top = topics.shape[1]
        if k_top and n_c:
            z = np.zeros((n, k_top))
            for i in range(n):  # a comment's occurrences are contiguous: sum into its own row
                zi = z[i]
                for j in range(bounds[i], bounds[i + 1]):
                    t_row = topics[clipped[cl[j]]]
                    v32 = np.float32(val[j])
                    for k in range(k_top):
                        zi[k] += np.float64(t_row[k] * v32)
            zz = np.zeros(n)
            tot = np.zeros(k_top)
            for i in range(n):
                for k in range(k_top):
                    zz[i] += z[i, k] * z[i, k]
                    tot[k] += z[i, k]
            tot_sq = 0.0
            for k in range(k_top):
                tot_sq += tot[k] * tot[k]
            for i in range(n):
                zt = 0.0
                for k in range(k_top):
                    zt += z[i, k] * tot[k]
                others_sq = tot_sq - 2.0 * zt + zz[i]
                dense[i, _TOPIC_NORM] = math.sqrt(zz[i])
                dense[i, _TOPIC_THREAD] = (zt - zz[i]) / math.sqrt(max(zz[i] * others_sq, 1e-18))
    return text_decision, dense


@njit(cache=True, nogil=True)
def noisy_or(
    text_decision: np.ndarray,
    dense: np.ndarray,
    w_irr: np.ndarray,
    c_irr: float,
    w_int: np.ndarray,
    c_int: float,
    scale: float,
    offset: float,
    has_context: bool,
) -> np.ndarray:
    """P(off-topic) of a thread's comments: irrelevant OR (with context) an intruder, from both
    sub-models' (standardisation-folded) weights. One pass instead of a dozen small numpy calls."""
    n, m = dense.shape
    p = np.empty(n)
    for i in range(n):
        z_irr = text_decision[i] + c_irr
        z_int = c_int
        for k in range(m):
            z_irr += dense[i, k] * w_irr[k]
            z_int += dense[i, k] * w_int[k]
        p_irr = 1.0 / (1.0 + math.exp(-z_irr))
        p_int = 1.0 / (1.0 + math.exp(-(scale * z_int + offset))) if has_context else 0.0
        p[i] = 1.0 - (1.0 - p_irr) * (1.0 - p_int)
    return p
