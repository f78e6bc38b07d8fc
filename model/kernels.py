"""Compiled per-thread feature kernel of the off-topic model (numba).

``thread_features`` computes one thread's dense context features in one compiled pass over the
thread's chunk rows (model/context_memo.py): about 80 small numpy operations cost more per call, in
fixed overhead, than the arithmetic of a whole small thread. It is the ONLY implementation of the
features: training and scoring both call it, and tests hold it to a tiny brute-force oracle written
from the features' definitions (tests/model/test_context_oracle.py).

Compiled once per machine (``cached_njit`` keeps the machine code next to this file); ``nogil`` lets
API threads score in parallel.
"""

from __future__ import annotations

import math

import numpy as np

from model.jit import cached_njit

# The dense feature layout. It lives here because numba freezes these globals into the cached machine
# code, and the cache is invalidated only when this file changes.
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
    "has_mention",
    "address_fraction",
    "has_meta",
    "meta_fraction",
    "has_article",
    "has_thread",
    "no_content",
    "log_content",
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
    "topic_article",
)
# The columns a comment has only with a thread (zero without one). Every other column of its row is the
# same with or without the thread, so its logit minus these columns' terms is its article-alone logit.
THREAD_FEATURES: tuple[str, ...] = (
    "has_thread",
    "sim_article_rel",
    "lm_article_rel",
    "sim_thread_centroid",
    "sim_thread_rel",
    "no_overlap_thread",
    "sim_thread_x_short",
    "lm_thread_sum",
    "lm_thread_mean",
    "lm_thread_rel",
    "shared_thread_frac",
    "shared_thread_max_idf",
    "topic_thread",
)
# ``temper_polluted``'s rule: (thread weight, minimum article content words, minimum share at review,
# the review threshold).
PollutedRule = tuple[float, float, float, float]
# Dirichlet smoothing mass of the article / thread language models (in tokens).
LM_MU = 200.0
# Chunk-table columns: token count, known-token count, own-text sums (idf x coef, idf^2), five cues
# (? ! url emoticon @), the count of words addressing a reader ("you", "du") and of words about the
# forum itself ("moderator", "zensiert").
C_NTOK, C_NKNOWN, C_SCOEF, C_SSQ, C_Q, C_EXCL, C_URL, C_EMO, C_MENTION, C_ADDRESS, C_META = range(11)
N_CHUNK_COLS = 11
N_CUES = 5


def _column(name: str) -> int:
    return DENSE_FEATURES.index(name)


_LOG_TOKENS = _column("log_tokens")
_LOG_CHARS = _column("log_chars")
_OOV_FRACTION = _column("oov_fraction")
_HAS_QUESTION = _column("has_question")
_ADDRESS_FRACTION = _column("address_fraction")
_HAS_META = _column("has_meta")
_META_FRACTION = _column("meta_fraction")
_HAS_ARTICLE = _column("has_article")
_HAS_THREAD = _column("has_thread")
_NO_CONTENT = _column("no_content")
_LOG_CONTENT = _column("log_content")
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
_TOPIC_ARTICLE = _column("topic_article")
_TOKENS_LE_FIRST = _column(f"tokens_le_{LENGTH_STEPS[0]}")
_N_FEATURES = len(DENSE_FEATURES)
_THREAD_COLUMNS = np.array([_column(name) for name in THREAD_FEATURES], dtype=np.int64)


@cached_njit(nogil=True)
def _minus_others_mean(x: np.ndarray) -> np.ndarray:
    """x_i minus the mean of the other comments' x: how this comment stands out in its thread."""
    n = len(x)
    total = x.sum()
    return x - (total - x) / max(n - 1, 1)


@cached_njit(nogil=True)
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


def article_topic_vector(
    body_col: np.ndarray, ext: np.ndarray, n_stems: int, topics: np.ndarray
) -> np.ndarray:
    """The article body's vector in the topic space (float32 products summed in float64), once per
    article: the same sum ``_topic_features`` makes for a comment."""
    clipped = np.minimum(body_col, n_stems)
    w = ext[clipped, 0]
    norm = math.sqrt(float((w * w).sum())) or 1.0
    val = (w / norm).astype(np.float32)
    return (topics[clipped] * val[:, None]).astype(np.float64).sum(axis=0)


@cached_njit(nogil=True)
def article_summary(
    article_col: np.ndarray, article_split: int, ext: np.ndarray, n_stems: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct content column of an article (sorted): the body's and the title's l2-normalised
    vector and the body's count, once per article (a thread looks its comments' columns up in them).
    Sums run in occurrence order, as a thread's own documents are summed."""
    cols = np.unique(article_col)
    body_vec = np.zeros(len(cols))
    title_vec = np.zeros(len(cols))
    body_cnt = np.zeros(len(cols))
    at = np.searchsorted(cols, article_col)
    norm = np.zeros(2)
    for j in range(len(article_col)):
        w = ext[min(article_col[j], n_stems), 0]
        norm[0 if j < article_split else 1] += w * w
    for d in range(2):
        norm[d] = math.sqrt(norm[d]) if norm[d] != 0 else 1.0
    for j in range(len(article_col)):
        val = ext[min(article_col[j], n_stems), 0] / norm[0 if j < article_split else 1]
        if j < article_split:
            body_vec[at[j]] += val
            body_cnt[at[j]] += 1.0
        else:
            title_vec[at[j]] += val
    return cols, body_vec, title_vec, body_cnt


@cached_njit(nogil=True)
def _comment_features(
    ids: np.ndarray, n_chunks: np.ndarray, table: np.ndarray, char_lens: np.ndarray, dense: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Own-text decision and the surface features (length, cues) of every comment; its token count."""
    n = len(n_chunks)
    sums = np.zeros((n, N_CHUNK_COLS))
    pos = 0
    for i in range(n):
        for _ in range(n_chunks[i]):
            row = ids[pos]
            pos += 1
            for c in range(N_CHUNK_COLS):
                sums[i, c] += table[row, c]
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
        dense[i, _ADDRESS_FRACTION] = sums[i, C_ADDRESS] / max(lens, 1.0)
        dense[i, _HAS_META] = 1.0 if sums[i, C_META] > 0 else 0.0
        dense[i, _META_FRACTION] = sums[i, C_META] / max(lens, 1.0)
        for k in range(N_CUES):
            dense[i, _HAS_QUESTION + k] = 1.0 if sums[i, C_Q + k] > 0 else 0.0
        for k in range(len(LENGTH_STEPS)):
            dense[i, _TOKENS_LE_FIRST + k] = 1.0 if lens <= LENGTH_STEPS[k] else 0.0
    return text_decision, comment_lens


@cached_njit(nogil=True)
def _occurrences(
    ids: np.ndarray, n_chunks: np.ndarray, occ: np.ndarray, pool: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Content occurrences (column, comment) of the comments and each comment's bounds."""
    n = len(n_chunks)
    n_occ = 0
    for j in range(len(ids)):
        n_occ += occ[ids[j], 1]
    col = np.empty(n_occ, dtype=np.int64)
    r = np.empty(n_occ, dtype=np.int64)
    bounds = np.zeros(n + 1, dtype=np.int64)
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
    return col, r, bounds


@cached_njit(nogil=True)
def _compact(col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column ids compacted to the thread's own, in order of first appearance, through a sparse set:
    ``where`` is never initialised (an entry counts only if it points back at its column), so no sort
    and no pass over the vocabulary. numba's stable argsort of a thread's columns cost 20x more."""
    n_occ = len(col)
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
    return cl, ucol[:n_cols]


@cached_njit(nogil=True)
def _column_values(
    cl: np.ndarray, r: np.ndarray, ucol: np.ndarray, ext: np.ndarray, n_stems: int, n_docs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per thread column: idf weight, background log-probability, smoothing mass, row of the column
    table / topic space, thread-local flag (unseen word); per occurrence: its l2-normalised value."""
    n_cols = len(ucol)
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
    for j in range(len(cl)):
        w = weights[cl[j]]
        norm[r[j]] += w * w
    for d in range(n_docs):
        norm[d] = math.sqrt(norm[d]) if norm[d] != 0 else 1.0
    val = np.empty(len(cl))
    for j in range(len(cl)):
        val[j] = weights[cl[j]] / norm[r[j]]
    return weights, logp, mu_p, clipped, is_local, val


@cached_njit(nogil=True)
def _article_features(
    cl: np.ndarray,
    r: np.ndarray,
    val: np.ndarray,
    bounds: np.ndarray,
    ucol: np.ndarray,
    article: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    weights: np.ndarray,
    logp: np.ndarray,
    mu_p: np.ndarray,
    n_content: np.ndarray,
    short: np.ndarray,
    has_thread: bool,
    dense: np.ndarray,
) -> np.ndarray:
    """Similarity of each comment to the article (body and title), the article language model's
    likelihood ratio of its words, the share of its words the article has and the rarest one shared.
    ``article``: its ``article_summary``. Returns the article's count per thread column."""
    n = len(n_content)
    n_cols = len(weights)
    a_cols, body_vec, title_vec, body_cnt = article
    a_vec = np.zeros(n_cols)
    t_vec = np.zeros(n_cols)
    a_cnt = np.zeros(n_cols)
    for k in range(n_cols):  # the thread's columns looked up in the article's (sorted)
        at = np.searchsorted(a_cols, ucol[k])
        if at < len(a_cols) and a_cols[at] == ucol[k]:
            a_vec[k] = body_vec[at]
            t_vec[k] = title_vec[at]
            a_cnt[k] = body_cnt[at]
    sim_article = np.zeros(n)
    sim_title = np.zeros(n)
    lm_sum = np.zeros(n)
    shared_n = np.zeros(n)
    shared_max = np.zeros(n)
    # The smoothed log-ratio log((cnt + mu p) / (total + mu)) - log p is the constant
    # log(mu / (total + mu)) for a word the article lacks: a log only for shared words.
    log_den = math.log(body_cnt.sum() + LM_MU)
    unseen = math.log(LM_MU) - log_den
    for j in range(bounds[n]):
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
        no_overlap = n_content[i] > 0 and sim_article[i] == 0 and sim_title[i] == 0
        dense[i, _NO_OVERLAP_ARTICLE] = 1.0 if no_overlap else 0.0
        dense[i, _SIM_ARTICLE_X_SHORT] = sim_article[i] * short[i]
        dense[i, _LM_ARTICLE_SUM] = lm_sum[i]
        dense[i, _LM_ARTICLE_MEAN] = lm_mean[i]
        dense[i, _SHARED_ARTICLE_FRAC] = shared_n[i] / max(n_content[i], 1.0)
        dense[i, _SHARED_ARTICLE_MAX_IDF] = shared_max[i]
    if has_thread:
        dense[:, _SIM_ARTICLE_REL] = _minus_others_mean(sim_article)
        dense[:, _LM_ARTICLE_REL] = _minus_others_mean(lm_mean)
    return a_cnt


@cached_njit(nogil=True)
def _thread_features(
    cl: np.ndarray,
    val: np.ndarray,
    keep: np.ndarray,
    bounds: np.ndarray,
    weights: np.ndarray,
    logp: np.ndarray,
    mu_p: np.ndarray,
    n_content: np.ndarray,
    short: np.ndarray,
    dense: np.ndarray,
) -> None:
    """Each comment against the OTHER comments (leave-one-out): cosine to their centroid, their language
    model's likelihood ratio of its words, the share of its words they use and the rarest one shared.
    ``keep`` (0/1 per occurrence) drops words that must not count for the thread."""
    n = len(n_content)
    n_cols = len(weights)
    n_c = bounds[n]
    total = np.zeros(n_cols)
    t_cnt = np.zeros(n_cols)
    for j in range(n_c):
        total[cl[j]] += val[j] * keep[j]
        t_cnt[cl[j]] += keep[j]
    total_sq = (total * total).sum()
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
        no_overlap = n_content[i] > 0 and loo_dot[i] <= 1e-12
        dense[i, _NO_OVERLAP_THREAD] = 1.0 if no_overlap else 0.0
        dense[i, _SIM_THREAD_X_SHORT] = centroid[i] * short[i]
        dense[i, _LM_THREAD_SUM] = lm_sum[i]
        dense[i, _LM_THREAD_MEAN] = lm_mean[i]
        dense[i, _LM_THREAD_REL] = rel_lm[i]
        dense[i, _SHARED_THREAD_FRAC] = shared_n[i] / max(n_content[i], 1.0)
        dense[i, _SHARED_THREAD_MAX_IDF] = shared_max[i]


@cached_njit(nogil=True)
def _topic_features(
    cl: np.ndarray,
    val: np.ndarray,
    bounds: np.ndarray,
    clipped: np.ndarray,
    topics: np.ndarray,
    article_topic: np.ndarray,
    has_article: bool,
    has_thread: bool,
    dense: np.ndarray,
) -> None:
    """Cosines in the reduced-rank (LSA) topic space, where related words count although none is
    shared: to the other comments' centroid (leave-one-out) and to the article body (its topic vector
    ``article_topic`` is computed once per article). Topic rows are float32 (half the artifact); sums
    are float64."""
    n = dense.shape[0]
    k_top = topics.shape[1]
    z = np.zeros((n, k_top))
    for i in range(n):  # a comment's occurrences are contiguous: sum into its own row
        zi = z[i]
        for j in range(bounds[i], bounds[i + 1]):
            t_row = topics[clipped[cl[j]]]
            v32 = np.float32(val[j])
            for k in range(k_top):
                zi[k] += np.float64(t_row[k] * v32)
    zz = np.zeros(n)
    for i in range(n):
        for k in range(k_top):
            zz[i] += z[i, k] * z[i, k]
        dense[i, _TOPIC_NORM] = math.sqrt(zz[i])
    if has_article:
        aa = (article_topic * article_topic).sum()
        for i in range(n):
            za = 0.0
            for k in range(k_top):
                za += z[i, k] * article_topic[k]
            dense[i, _TOPIC_ARTICLE] = za / math.sqrt(max(zz[i] * aa, 1e-18))
    if has_thread:
        tot = np.zeros(k_top)
        for i in range(n):
            for k in range(k_top):
                tot[k] += z[i, k]
        tot_sq = (tot * tot).sum()
        for i in range(n):
            zt = 0.0
            for k in range(k_top):
                zt += z[i, k] * tot[k]
            others_sq = tot_sq - 2.0 * zt + zz[i]
            dense[i, _TOPIC_THREAD] = (zt - zz[i]) / math.sqrt(max(zz[i] * others_sq, 1e-18))


@cached_njit(nogil=True)
def thread_features(
    ids: np.ndarray,
    n_chunks: np.ndarray,
    article: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    table: np.ndarray,
    occ: np.ndarray,
    pool: np.ndarray,
    ext: np.ndarray,
    n_stems: int,
    topics: np.ndarray,
    article_topic: np.ndarray,
    char_lens: np.ndarray,
    has_article: bool,
    has_thread: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """(own-text decision, dense features) of one thread from its comments' chunk rows (``n_chunks``
    per comment) and, with an article, its ``article_summary`` (the body's and title's vectors and
    counts per column), which the memo computes once per article, as ``article_topic_vector`` its topic
    vector: a call costs the thread's words, not the article's.

    Content words live in a "stem" column space (stop words weigh 0 and have no column); a word unseen
    at fit time gets a column of its own (``>= n_stems``) with the unseen-word weight. With an article,
    an unseen word shared by comments but absent from the article does not count for the thread: that
    is nearly always a commenter's handle ("flamethrower"), i.e. bickering, not topic."""
    n = len(n_chunks)
    dense = np.zeros((n, _N_FEATURES))
    text_decision, comment_lens = _comment_features(ids, n_chunks, table, char_lens, dense)
    col, r, bounds = _occurrences(ids, n_chunks, occ, pool)
    n_content = np.zeros(n)
    for i in range(n):
        n_content[i] = bounds[i + 1] - bounds[i]
        dense[i, _NO_CONTENT] = 1.0 if n_content[i] == 0 else 0.0
        dense[i, _LOG_CONTENT] = math.log1p(n_content[i])
    if not (has_article or has_thread) or len(col) == 0:  # no comment has a content word: as below
        return text_decision, dense
    cl, ucol = _compact(col)
    weights, logp, mu_p, clipped, is_local, val = _column_values(cl, r, ucol, ext, n_stems, len(bounds) - 1)
    short = 1.0 / np.sqrt(1.0 + comment_lens)
    n_c = bounds[n]
    keep = np.ones(n_c)
    if has_article:
        a_cnt = _article_features(
            cl, r, val, bounds, ucol, article, weights, logp, mu_p, n_content, short, has_thread, dense
        )
        for j in range(n_c):
            keep[j] = 1.0 if ((not is_local[cl[j]]) or a_cnt[cl[j]] > 0) else 0.0
    if has_thread:
        _thread_features(cl, val, keep, bounds, weights, logp, mu_p, n_content, short, dense)
    if topics.shape[1]:
        _topic_features(cl, val, bounds, clipped, topics, article_topic, has_article, has_thread, dense)
    # A comment without a content word ("lol", "+1") gives the context nothing to compare: it is
    # scored as without context (its shortness is UNSUBSTANTIAL's business, not a digression).
    for i in range(n):
        if n_content[i] == 0:
            dense[i, _HAS_ARTICLE] = 0.0
            dense[i, _HAS_THREAD] = 0.0
            dense[i, _SIM_ARTICLE:] = 0.0
    return text_decision, dense


@cached_njit(nogil=True)
def logits(text_decision: np.ndarray, dense: np.ndarray, w: np.ndarray, intercept: float) -> np.ndarray:
    """The linear score of a thread's comments."""
    n, m = dense.shape
    z = np.empty(n)
    for i in range(n):
        zi = text_decision[i] + intercept
        for k in range(m):
            zi += dense[i, k] * w[k]
        z[i] = zi
    return z


@cached_njit(nogil=True)
def _sigmoid(z: np.ndarray) -> np.ndarray:
    p = np.empty(len(z))
    for i in range(len(z)):
        p[i] = 1.0 / (1.0 + math.exp(-max(min(z[i], 50.0), -50.0)))
    return p


@cached_njit(nogil=True)
def logistic(text_decision: np.ndarray, dense: np.ndarray, w: np.ndarray, intercept: float) -> np.ndarray:
    """P(off-topic) of a thread's comments: one pass instead of a few small numpy calls."""
    return _sigmoid(logits(text_decision, dense, w, intercept))


@cached_njit(nogil=True)
def thread_terms(dense: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Each comment's logit terms of the ``THREAD_FEATURES`` columns: its logit minus these is the logit
    it gets with the article alone."""
    n = dense.shape[0]
    out = np.zeros(n)
    for i in range(n):
        for k in _THREAD_COLUMNS:
            out[i] += dense[i, k] * w[k]
    return out


@cached_njit(nogil=True)
def temper_polluted(
    z: np.ndarray, dense: np.ndarray, w: np.ndarray, article_words: float, polluted: PollutedRule
) -> None:
    """In place: the thread's terms of every comment's logit scaled by ``polluted[0]`` when the article
    has at least ``polluted[1]`` content words and at least a share ``polluted[2]`` of the thread scores
    ``polluted[3]`` (the review threshold) or more. A polluted thread lowers its off-topic comments'
    level (they are compared with a thread half made of other digressions); a long article is a
    judge the pollution does not touch."""
    weight, min_words, min_share, review = polluted
    n = len(z)
    if weight == 1.0 or n == 0 or article_words < min_words:
        return
    p = _sigmoid(z)
    flagged = 0
    for i in range(n):
        if p[i] >= review:
            flagged += 1
    if flagged / n < min_share:
        return
    terms = thread_terms(dense, w)
    for i in range(n):
        z[i] -= (1.0 - weight) * terms[i]


@cached_njit(nogil=True)
def thread_probabilities(
    ids: np.ndarray,
    n_chunks: np.ndarray,
    article: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    table: np.ndarray,
    occ: np.ndarray,
    pool: np.ndarray,
    ext: np.ndarray,
    n_stems: int,
    topics: np.ndarray,
    article_topic: np.ndarray,
    char_lens: np.ndarray,
    has_article: bool,
    has_thread: bool,
    w: np.ndarray,
    intercept: float,
    polluted: PollutedRule,
) -> tuple[np.ndarray, np.ndarray]:
    """P(off-topic) of a thread's comments (``logistic`` of ``thread_features``, a polluted thread under
    a long article tempered by ``temper_polluted``) and which of them hold no content word, in one
    call: scoring needs no more, and a second dispatch plus a numpy slice cost a single comment more
    than the logistic itself."""
    text_decision, dense = thread_features(
        ids, n_chunks, article, table, occ, pool, ext, n_stems, topics, article_topic, char_lens,
        has_article, has_thread,
    )  # fmt: skip
    content_free = np.empty(len(n_chunks), dtype=np.bool_)
    for i in range(len(n_chunks)):
        content_free[i] = dense[i, _NO_CONTENT] > 0
    z = logits(text_decision, dense, w, intercept)
    if has_article and has_thread:
        temper_polluted(z, dense, w, article[3].sum(), polluted)
    return _sigmoid(z), content_free
