"""Compiled decisions of the text-attribute family from chunk rows (numba).

``MultiHeadText.decisions_from_rows`` is a score's last step for every text head: per text, sum the
chunks' score terms, add the word bigrams that straddle two chunks, and divide by the norm. As numpy
it was about twenty array operations per call, whose fixed cost outweighed the arithmetic for a
thread of a few comments (a single comment paid it in full). Here it is one pass, adding in the same
order as the numpy version, which stays as the reference the tests hold this to.

Compiled once per machine (``cached_njit`` keeps the machine code next to this file).
"""

from __future__ import annotations

import numpy as np

from model.gram_kernel import _PAD, find, padded_grams
from model.jit import cached_njit

_BIGRAM_SHIFT = 32  # model.features.BIGRAM_SHIFT: bigram key = (left word id << 32) | right word id


@cached_njit(nogil=True)
def family_decisions(
    ids: np.ndarray,
    lengths: np.ndarray,
    c_s: np.ndarray,
    c_q: np.ndarray,
    c_ntok: np.ndarray,
    c_first: np.ndarray,
    c_last: np.ndarray,
    c_nonempty: np.ndarray,
    table_keys: np.ndarray,
    table_values: np.ndarray,
    table_bits: int,
    bigram_s: np.ndarray,
    bigram_q: np.ndarray,
    intercept: np.ndarray,
    norm_power: float,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """(raw linear decisions, n x K; token count per text) of texts given as chunk rows."""
    n = len(lengths)
    k_heads = c_s.shape[1]
    out = np.empty((n, k_heads))
    ntok = np.zeros(n)
    s = np.empty(k_heads)
    pos = 0
    for d in range(n):
        s[:] = 0.0
        q = 0.0
        q_bigrams = 0.0
        prev_last = np.int64(-1)
        has_prev = False
        for j in range(pos, pos + lengths[d]):
            row = ids[j]
            for k in range(k_heads):
                s[k] += c_s[row, k]
            q += c_q[row]
            ntok[d] += c_ntok[row]
        # bigrams across chunks, in chunk order, after the chunk sums (as the numpy version adds them)
        for j in range(pos, pos + lengths[d]):
            row = ids[j]
            if not c_nonempty[row]:
                continue
            first = c_first[row]
            if has_prev and prev_last >= 0 and first >= 0:
                b = np.int64(-1)
                if table_bits:  # 0: the family has no bigram features
                    b = find((prev_last << _BIGRAM_SHIFT) | first, table_keys, table_values, table_bits)
                if b >= 0:
                    for k in range(k_heads):
                        s[k] += bigram_s[b, k]
                    q_bigrams += bigram_q[b]
            prev_last = c_last[row]
            has_prev = True
        pos += lengths[d]
        q += q_bigrams
        scale = q**-norm_power if q > 0 else 0.0
        for k in range(k_heads):
            out[d, k] = intercept[k] + s[k] * scale
    return out, ntok


@cached_njit(nogil=True)
def chunk_sums(
    ids: np.ndarray,
    lengths: np.ndarray,
    tok_s: np.ndarray,
    tok_q: np.ndarray,
    n_words: int,
    table_keys: np.ndarray,
    table_values: np.ndarray,
    table_bits: int,
    bigram_s: np.ndarray,
    bigram_q: np.ndarray,
    bigrams_apart: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Per chunk (``lengths[c]`` token ids each, in order): summed score terms ``s`` (m x K), norm term
    ``q``, first and last word id (-1: none, or not a word). Sums add in ``token_memo.chunk_terms_numpy``'s
    order: the tokens, then the bigrams inside the chunk, whose own sum is added at the end for ``q``
    (and for ``s`` when ``bigrams_apart``: the single-column layout sums them apart)."""
    m = len(lengths)
    k_heads = tok_s.shape[1]
    s = np.zeros((m, k_heads))
    q = np.zeros(m)
    first = np.full(m, -1, dtype=np.int64)
    last = np.full(m, -1, dtype=np.int64)
    s_bigrams = np.empty(k_heads)
    pos = 0
    for c in range(m):
        end = pos + lengths[c]
        for j in range(pos, end):
            t = ids[j]
            for k in range(k_heads):
                s[c, k] += tok_s[t, k]
            q[c] += tok_q[t]
        s_bigrams[:] = 0.0
        q_bigrams = 0.0
        if table_bits:  # 0: no bigram features
            for j in range(pos, end - 1):
                left, right = ids[j], ids[j + 1]
                if left >= n_words or right >= n_words:
                    continue
                b = find((left << _BIGRAM_SHIFT) | right, table_keys, table_values, table_bits)
                if b < 0:
                    continue
                for k in range(k_heads):
                    if bigrams_apart:
                        s_bigrams[k] += bigram_s[b, k]
                    else:
                        s[c, k] += bigram_s[b, k]
                q_bigrams += bigram_q[b]
        if bigrams_apart:
            for k in range(k_heads):
                s[c, k] += s_bigrams[k]
        q[c] += q_bigrams
        if end > pos:
            if ids[pos] < n_words:
                first[c] = ids[pos]
            if ids[end - 1] < n_words:
                last[c] = ids[end - 1]
        pos = end
    return s, q, first, last


@cached_njit(nogil=True)
def _pairwise_block(a: np.ndarray, start: int, n: int) -> float:  # pragma: no cover - compiled
    """numpy's pairwise summation of ``a[start:start+n]`` for n <= 128 (its unrolled block)."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[start + i]
        return res
    # eight accumulators in registers (a copied 8-array was a heap allocation per call)
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = 8
    while i < n - (n % 8):
        b = start + i
        r0 += a[b]
        r1 += a[b + 1]
        r2 += a[b + 2]
        r3 += a[b + 3]
        r4 += a[b + 4]
        r5 += a[b + 5]
        r6 += a[b + 6]
        r7 += a[b + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[start + i]
        i += 1
    return res


@cached_njit(nogil=True)
def _pairwise(a: np.ndarray, start: int, n: int) -> float:  # pragma: no cover - compiled
    """numpy's pairwise summation of ``a[start:start+n]``: blocks of up to 128 values, longer runs
    split in two at a multiple of 8, each half summed the same way."""
    if n <= 128:
        return _pairwise_block(a, start, n)
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise(a, start, n2) + _pairwise(a, start + n2, n - n2)


@cached_njit(nogil=True)
def numpy_segment_sum(a: np.ndarray, start: int, end: int) -> float:  # pragma: no cover - compiled
    """``np.add.reduceat``'s sum of one segment of a 1-D float64 array, in its order: the first value
    plus numpy's pairwise sum of the rest."""
    if end <= start:
        return 0.0
    return a[start] + _pairwise(a, start + 1, end - start - 1)


@cached_njit(nogil=True)
def type_sums(
    keys: np.ndarray, n_types: int, n_features: int, weights: np.ndarray, coef: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """(``s``, ``q``) of new normalised tokens from their feature keys (``row * n_features + feature``,
    one per occurrence, any order): per row, the distinct features in ascending order, each weighted
    ``count x weights[feature]``; ``s`` sums ``coef[feature] x value`` (``coef``: features x K), ``q``
    the squared values, adding as ``TokenFeaturizer.type_terms_numpy``'s ``np.add.reduceat`` does (each
    column in numpy's pairwise order)."""
    order = np.sort(keys)
    n_heads = coef.shape[1]
    rows = np.empty(len(order), dtype=np.int64)
    cols = np.empty(len(order), dtype=np.int64)
    data = np.empty(len(order))
    m = 0
    i = 0
    while i < len(order):
        j = i + 1
        while j < len(order) and order[j] == order[i]:
            j += 1
        rows[m] = order[i] // n_features
        cols[m] = order[i] % n_features
        data[m] = (j - i) * weights[cols[m]]
        m += 1
        i = j
    s = np.zeros((n_types, n_heads))
    q = np.zeros(n_types)
    products = np.empty((n_heads, m))  # a contiguous column per head
    squares = np.empty(m)
    for e in range(m):
        squares[e] = data[e] * data[e]
        for k in range(n_heads):
            products[k, e] = coef[cols[e], k] * data[e]
    start = 0
    while start < m:
        end = start + 1
        while end < m and rows[end] == rows[start]:
            end += 1
        t = rows[start]
        q[t] = numpy_segment_sum(squares, start, end)
        for k in range(n_heads):
            s[t, k] = numpy_segment_sum(products[k], start, end)
        start = end
    return s, q


SMALL_SORT = 64  # values; up to this an insertion sort beats np.sort (a token has ~27 n-gram features)
CACHE_LINE = 64  # bytes


@cached_njit(nogil=True)
def sort_small(a: np.ndarray) -> None:  # pragma: no cover - compiled
    """Sort ``a`` in place, ascending: insertion sort when short, else ``np.sort``'s."""
    if len(a) > SMALL_SORT:
        a.sort()
        return
    for i in range(1, len(a)):
        v = a[i]
        j = i - 1
        while j >= 0 and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v


def term_rows(weights: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Each feature's idf weight then its coefficients (``coef``: features x K) in one float64 row, the
    array aligned to a cache line: ``gram_type_sums`` reads a found n-gram's numbers in one miss (for
    K = 7 a row is exactly a line) instead of one in ``weights`` and one or two in ``coef``."""
    n, width = len(weights), coef.shape[1] + 1
    raw = np.empty(n * width + CACHE_LINE // 8)
    skip = (-raw.ctypes.data % CACHE_LINE) // 8
    rows = raw[skip : skip + n * width].reshape(n, width)
    rows[:, 0] = weights
    rows[:, 1:] = coef
    return rows


@cached_njit(nogil=True)
def gram_type_sums(
    codes: np.ndarray,
    starts: np.ndarray,
    word_ids: np.ndarray,
    lo: int,
    hi: int,
    bits: int,
    pairs: np.ndarray,
    table_bits: int,
    closed: bool,
    rows: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, bool]:  # pragma: no cover - compiled
    """``type_sums`` of new tokens straight from their code points (``gram_kernel.code_points``), in one
    pass instead of ``gram_hits``, key arithmetic and ``type_sums``: per token, its word feature
    (``word_ids``, -1: none) and the padded n-grams found in the vocabulary's table, ascending, each
    weighted ``count x weights[feature]`` and summed in numpy's pairwise order as ``type_sums`` does.
    ``rows`` holds each feature's weight and coefficients side by side (``term_rows``). False, with
    nothing computed, when a code point does not pack: the caller takes that path."""
    n_types = len(starts) - 1
    n_heads = rows.shape[1] - 1
    s = np.zeros((n_types, n_heads))
    q = np.zeros(n_types)
    limit = 1 << bits
    longest = 0
    for t in range(n_types):
        for j in range(starts[t], starts[t + 1]):
            if codes[j] >= limit:
                return s, q, False
        longest = max(longest, starts[t + 1] - starts[t])
    widest = longest + 2
    most = 1  # the word feature
    for n in range(lo, hi + 1):
        if widest >= n:
            most += widest - n + 1
    feats = np.empty(most, dtype=np.int64)
    squares = np.empty(most)
    products = np.empty((n_heads, most))  # a contiguous column per head
    padded = np.empty(widest, dtype=np.uint32)
    for t in range(n_types):
        begin, end = starts[t], starts[t + 1]
        size = end - begin + 2
        padded[0] = _PAD
        for j in range(begin, end):
            padded[j - begin + 1] = codes[j]
        padded[size - 1] = _PAD
        m = 0
        if word_ids[t] >= 0:
            feats[m] = word_ids[t]
            m += 1
        m = padded_grams(padded, size, lo, hi, bits, pairs, table_bits, closed, feats, m)
        ordered = feats[:m]
        sort_small(ordered)
        e = 0
        i = 0
        while i < m:
            j = i + 1
            while j < m and ordered[j] == ordered[i]:
                j += 1
            feature = ordered[i]
            value = (j - i) * rows[feature, 0]
            squares[e] = value * value
            for k in range(n_heads):
                products[k, e] = rows[feature, 1 + k] * value
            e += 1
            i = j
        if e:
            q[t] = numpy_segment_sum(squares, 0, e)
            for k in range(n_heads):
                s[t, k] = numpy_segment_sum(products[k], 0, e)
    return s, q, True
