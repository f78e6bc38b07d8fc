"""fastText's supervised ``predict`` for the language-ID model, in one compiled pass over a batch.

fasttext-predict (C++) spends most of a call on allocation: a stream per line, a string per character
n-gram, two hash-map probes per n-gram, Python objects per answer. The arithmetic is small: the model
(``lid.176.ftz``) averages 16-dimensional rows of its words and character 2-4-grams and walks a
hierarchical softmax over 176 labels. This module reads the same file and runs the same steps in the
same float32 order (fastText 0.9.2's ``Dictionary::getLine``, ``computeSubwords``, ``pushHash``,
``Model::computeHidden`` and ``HierarchicalSoftmaxLoss::dfs``), for every line of a batch in one call.
The product-quantised input rows are decoded once at load (``norm * centroid``, the product fastText
adds). tests/model/test_fasttext_kernel.py holds it to fasttext-predict: the same labels and the same
float32 probabilities.

Only what this model uses is read: a quantised input matrix with quantised norms, a dense output
matrix, hierarchical softmax, word n-grams of length 1. Any other file is refused (``ModelError``) and
the caller keeps fasttext-predict.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.jit import cached_njit

MAGIC = 793712314
VERSION = 12
EOS = b"</s>"
LABEL_PREFIX = b"__label__"
MAX_K = 8  # the most labels a call may ask for (the detector asks for 1 or 3)
_LOSS_HS = 1
_MODEL_SUPERVISED = 3
_FNV_OFFSET = np.uint32(2166136261)
_FNV_PRIME = np.uint32(16777619)
_EMPTY = -1


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return values

    def array(self, dtype: type, count: int) -> np.ndarray:
        out: np.ndarray = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.at).copy()
        self.at += out.nbytes
        return out


def fnv1a(data: bytes) -> int:
    """fastText's ``Dictionary::hash``: FNV-1a over the bytes, each byte sign-extended first."""
    h = 2166136261
    for byte in data:
        h = ((h ^ ((byte - 256 if byte > 127 else byte) & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return h


def _table(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Open-addressing slots (power of two, at most half full) for uint32 ``keys``: (key, index)."""
    size = 1 << max(4, int(2 * len(keys) - 1).bit_length())
    slot_key = np.zeros(size, dtype=np.uint32)
    slot_index = np.full(size, _EMPTY, dtype=np.int32)
    mask = size - 1
    for index, key in enumerate(keys.tolist()):
        at = (key * 2654435761) & mask
        while slot_index[at] != _EMPTY:
            at = (at + 1) & mask
        slot_key[at], slot_index[at] = key, index
    return slot_key, slot_index


@dataclass(frozen=True, slots=True)
class FastTextArrays:
    """Everything ``predict_lines`` reads, as arrays; ``labels`` names the leaves."""

    word_slot_hash: np.ndarray  # words: slots keyed by the word's FNV hash ...
    word_slot_id: np.ndarray  # ... -> word id (its bytes: word_bytes[word_start[id]:word_start[id + 1]])
    word_bytes: np.ndarray
    word_start: np.ndarray
    prune_slot_key: np.ndarray  # n-gram bucket -> its row after pruning
    prune_slot_row: np.ndarray
    input_rows: np.ndarray  # float32, (words + kept buckets) x dim, decoded from the product quantiser
    output_rows: np.ndarray  # float32, labels x dim
    left: np.ndarray  # the hierarchical softmax's tree (2 x labels - 1 nodes; -1 = no child)
    right: np.ndarray
    nwords: int
    eos: int  # the word id of the end-of-sentence token "</s>" (-1: none)
    bucket: int
    minn: int
    maxn: int
    labels: tuple[str, ...]

    def kernel_arguments(self) -> tuple[np.ndarray | int, ...]:
        """The arrays in the order the compiled passes take them (``mean_hidden``'s, then the output
        layer's): one by one, not as this object (see ``_predict_lines``)."""
        return (
            self.word_slot_hash, self.word_slot_id, self.word_bytes, self.word_start, self.prune_slot_key,
            self.prune_slot_row, self.input_rows, self.nwords, self.eos, self.bucket, self.minn, self.maxn,
            self.output_rows, self.left, self.right,
        )  # fmt: skip


def load(path: Path) -> FastTextArrays:
    """Read a fastText ``.ftz`` of the kind above; ``ModelError`` for anything else."""
    from core.errors import ModelError

    r = _Reader(Path(path).read_bytes())
    magic, version = r.take("<ii")
    dim, _ws, _epoch, _min_count, _neg, word_ngrams, loss, model, bucket, minn, maxn, _lr = r.take("<12i")
    r.take("<d")
    if (magic, version) != (MAGIC, VERSION) or loss != _LOSS_HS or model != _MODEL_SUPERVISED:
        raise ModelError(f"{path}: not a supervised hierarchical-softmax fastText model (version {VERSION})")
    if word_ngrams != 1 or minn < 1 or maxn < minn:
        raise ModelError(f"{path}: word n-grams or character n-gram lengths this reader does not do")
    size, nwords, nlabels = r.take("<3i")
    _ntokens, prune_size = r.take("<2q")
    words: list[bytes] = []
    counts: list[int] = []
    for _ in range(size):
        end = r.data.index(b"\0", r.at)
        words.append(r.data[r.at : end])
        r.at = end + 1
        count, _kind = r.take("<qb")
        counts.append(count)
    prune = r.array(np.int32, 2 * prune_size).reshape(-1, 2)
    quant_input, qnorm = r.take("<??")
    if not quant_input or not qnorm:
        raise ModelError(f"{path}: the input matrix is not product-quantised with quantised norms")
    m, n = r.take("<2q")
    codesize = r.take("<i")[0]
    codes = r.array(np.uint8, codesize)
    pq_dim, nsubq, dsub, lastdsub = r.take("<4i")
    centroids = r.array(np.float32, pq_dim * 256)
    norm_codes = r.array(np.uint8, m)
    npq = r.take("<4i")
    norm_centroids = r.array(np.float32, npq[0] * 256)
    (qout,) = r.take("<?")
    if qout or pq_dim != n or n != dim or npq != (1, 1, 1, 1) or lastdsub != dsub or nsubq * dsub != dim:
        raise ModelError(f"{path}: a quantisation layout this reader does not do")
    out_m, out_n = r.take("<2q")
    output_rows = r.array(np.float32, out_m * out_n).reshape(out_m, out_n)
    if r.at != len(r.data) or out_m != nlabels or size != nwords + nlabels:
        raise ModelError(f"{path}: unexpected sizes")
    # row t, subquantiser s: centroid codes[t * nsubq + s] of block s, times the row's norm (float32)
    blocks = centroids.reshape(nsubq, 256, dsub)
    code = codes.reshape(m, nsubq)
    decoded = blocks[np.arange(nsubq)[None, :], code]  # m x nsubq x dsub
    norms = norm_centroids[norm_codes].astype(np.float32)
    input_rows = (decoded * norms[:, None, None]).astype(np.float32).reshape(m, dim)
    left, right = _tree(np.asarray(counts[nwords:], dtype=np.int64))
    word_bytes = np.frombuffer(b"".join(words[:nwords]), dtype=np.uint8).copy()
    word_start = np.zeros(nwords + 1, dtype=np.int64)
    np.cumsum([len(w) for w in words[:nwords]], out=word_start[1:])
    slot_hash, slot_id = _table(np.asarray([fnv1a(w) for w in words[:nwords]], dtype=np.uint32))
    prune_key, prune_row = _table(prune[:, 0].astype(np.uint32))
    prune_row = np.where(prune_row >= 0, prune[:, 1][np.maximum(prune_row, 0)], _EMPTY).astype(np.int32)
    return FastTextArrays(
        slot_hash,
        slot_id,
        word_bytes,
        word_start,
        prune_key,
        prune_row,
        np.ascontiguousarray(input_rows),
        np.ascontiguousarray(output_rows),
        left,
        right,
        nwords,
        words.index(EOS) if EOS in words[:nwords] else -1,
        bucket,
        minn,
        maxn,
        tuple(w[len(LABEL_PREFIX) :].decode("utf-8") for w in words[nwords:]),
    )


def _tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``HierarchicalSoftmaxLoss::buildTree``: Huffman tree over the label counts (sorted descending)."""
    osz = len(counts)
    count = np.full(2 * osz - 1, 10**15, dtype=np.int64)
    count[:osz] = counts
    left = np.full(2 * osz - 1, -1, dtype=np.int32)
    right = np.full(2 * osz - 1, -1, dtype=np.int32)
    leaf, node = osz - 1, osz
    for i in range(osz, 2 * osz - 1):
        mini = [0, 0]
        for j in range(2):
            if leaf >= 0 and count[leaf] < count[node]:
                mini[j], leaf = leaf, leaf - 1
            else:
                mini[j], node = node, node + 1
        left[i], right[i] = mini
        count[i] = count[mini[0]] + count[mini[1]]
    return left, right


@cached_njit(nogil=True)
def _hash(buf: np.ndarray, start: int, stop: int, h: np.uint32) -> np.uint32:
    for i in range(start, stop):
        b = np.int32(buf[i])
        if b > 127:
            b -= 256
        h = np.uint32((h ^ np.uint32(b & 0xFFFFFFFF)) * _FNV_PRIME)
    return h


@cached_njit(nogil=True)
def _find(slot_key: np.ndarray, slot_value: np.ndarray, key: np.uint32) -> int:
    mask = len(slot_key) - 1
    at = (np.uint64(key) * np.uint64(2654435761)) & np.uint64(mask)
    while slot_value[at] != _EMPTY:
        if slot_key[at] == key:
            return int(slot_value[at])
        at = (at + np.uint64(1)) & np.uint64(mask)
    return -1


@cached_njit(nogil=True)
def _word_id(
    slot_hash: np.ndarray,
    slot_id: np.ndarray,
    word_bytes: np.ndarray,
    word_start: np.ndarray,
    line: np.ndarray,
    start: int,
    stop: int,
    h: np.uint32,
) -> int:
    """The vocabulary id of ``line[start:stop]``, or -1 (words with equal hashes probe on)."""
    mask = np.uint64(len(slot_hash) - 1)
    at = (np.uint64(h) * np.uint64(2654435761)) & mask
    n = stop - start
    while slot_id[at] != _EMPTY:
        if slot_hash[at] == h:
            wid = slot_id[at]
            s = word_start[wid]
            if word_start[wid + 1] - s == n:
                same = True
                for i in range(n):
                    if word_bytes[s + i] != line[start + i]:
                        same = False
                        break
                if same:
                    return int(wid)
        at = (at + np.uint64(1)) & mask
    return -1


@cached_njit(nogil=True)
def _add_row(rows: np.ndarray, r: int, hidden: np.ndarray) -> None:
    for d in range(hidden.shape[0]):
        hidden[d] += rows[r, d]


@cached_njit(nogil=True)
def _add_subwords(
    word: np.ndarray,
    n_bytes: int,
    prune_key: np.ndarray,
    prune_row: np.ndarray,
    rows: np.ndarray,
    nwords: int,
    bucket: int,
    minn: int,
    maxn: int,
    hidden: np.ndarray,
) -> int:
    """``computeSubwords`` + ``pushHash`` on ``word[:n_bytes]`` ("<token>"): adds the row of every kept
    character n-gram to ``hidden``; returns how many. A UTF-8 continuation byte starts no n-gram."""
    added = 0
    for i in range(n_bytes):
        if (word[i] & 0xC0) == 0x80:
            continue
        j = i
        n = 1
        h = _FNV_OFFSET
        while j < n_bytes and n <= maxn:
            h = _hash(word, j, j + 1, h)
            j += 1
            while j < n_bytes and (word[j] & 0xC0) == 0x80:
                h = _hash(word, j, j + 1, h)
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == n_bytes)):
                row = _find(prune_key, prune_row, np.uint32(h % np.uint32(bucket)))
                if row >= 0:
                    _add_row(rows, nwords + row, hidden)
                    added += 1
            n += 1
    return added


@cached_njit(nogil=True)
def _is_separator(b: np.uint8) -> bool:
    return b == 32 or b == 10 or b == 13 or b == 9 or b == 11 or b == 12 or b == 0


@cached_njit(nogil=True)
def _mean(hidden: np.ndarray, count: int) -> int:
    """``hidden`` divided by ``count`` rows (left as it is when 0); returns ``count``."""
    if count:
        mean = np.float32(1.0 / count)
        for d in range(hidden.shape[0]):
            hidden[d] *= mean
    return count


@cached_njit(nogil=True)
def mean_hidden(
    line: np.ndarray,
    scratch: np.ndarray,
    slot_hash: np.ndarray,
    slot_id: np.ndarray,
    word_bytes: np.ndarray,
    word_start: np.ndarray,
    prune_key: np.ndarray,
    prune_row: np.ndarray,
    rows: np.ndarray,
    nwords: int,
    eos: int,
    bucket: int,
    minn: int,
    maxn: int,
    hidden: np.ndarray,
) -> int:
    """``hidden`` := the mean of the line's input rows (fastText's hidden layer: ``Dictionary::getLine``
    + ``computeHidden``): the rows of the line's words (a known word: its own row and its n-grams'; an
    unknown one: its n-grams'; "__label__..." tokens: none) up to and including the end-of-sentence
    token; returns how many rows (0: no words, ``hidden`` all zero)."""
    hidden[:] = 0
    count = 0
    i = 0
    n = len(line)
    while True:
        while i < n and line[i] != 10 and _is_separator(line[i]):
            i += 1
        if i >= n:
            return _mean(hidden, count)  # the input ended without a newline: no end-of-sentence token
        if line[i] == 10:
            if eos >= 0:
                _add_row(rows, eos, hidden)
                count += 1
            return _mean(hidden, count)
        start = i
        while i < n and not _is_separator(line[i]):
            i += 1
        h = _hash(line, start, i, _FNV_OFFSET)
        wid = _word_id(slot_hash, slot_id, word_bytes, word_start, line, start, i, h)
        if wid < 0 and i - start >= 9:  # an unknown "__label__..." token is a label: no rows
            label = True
            for q in range(9):
                if line[start + q] != _LABEL_BYTES[q]:
                    label = False
                    break
            if label:
                continue
        if wid >= 0:
            _add_row(rows, wid, hidden)
            count += 1
            if wid == eos:  # the token "</s>" itself: its own row only, and the line ends there
                return _mean(hidden, count)
        scratch[0] = 60  # "<"
        scratch[1 : 1 + i - start] = line[start:i]
        scratch[1 + i - start] = 62  # ">"
        count += _add_subwords(
            scratch, i - start + 2, prune_key, prune_row, rows, nwords, bucket, minn, maxn, hidden
        )


_LABEL_BYTES = np.frombuffer(LABEL_PREFIX, dtype=np.uint8).copy()


@cached_njit(nogil=True)
def _std_log(x: np.float32) -> np.float32:
    return np.float32(np.log(np.float64(x) + 1e-5))


@cached_njit(nogil=True)
def _sift_up(hs: np.ndarray, hn: np.ndarray, hole: int, top: int, vs: np.float32, vn: int) -> None:
    """libstdc++'s ``__push_heap`` with fastText's ``comparePairs`` (a.first > b.first): a min-heap
    by score. Ties are ordered as fastText's ``std::`` heap orders them, so equal scores come out alike."""
    parent = (hole - 1) // 2
    while hole > top and hs[parent] > vs:
        hs[hole] = hs[parent]
        hn[hole] = hn[parent]
        hole = parent
        parent = (hole - 1) // 2
    hs[hole] = vs
    hn[hole] = vn


@cached_njit(nogil=True)
def _pop(hs: np.ndarray, hn: np.ndarray, length: int) -> None:
    """libstdc++'s ``pop_heap`` on the first ``length`` entries (``__pop_heap`` + ``__adjust_heap``):
    the front moves to ``length - 1``."""
    if length <= 1:
        return
    last = length - 1
    vs, vn = hs[last], hn[last]
    hs[last] = hs[0]
    hn[last] = hn[0]
    hole, second = 0, 0
    while second < (last - 1) // 2:
        second = 2 * (second + 1)
        if hs[second] > hs[second - 1]:
            second -= 1
        hs[hole] = hs[second]
        hn[hole] = hn[second]
        hole = second
    if (last & 1) == 0 and second == (last - 2) // 2:
        second = 2 * (second + 1)
        hs[hole] = hs[second - 1]
        hn[hole] = hn[second - 1]
        hole = second - 1
    _sift_up(hs, hn, hole, 0, vs, vn)


@cached_njit(nogil=True)
def _top_k(
    hidden: np.ndarray,
    output: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    k: int,
    out_node: np.ndarray,
    out_score: np.ndarray,
) -> int:
    """``HierarchicalSoftmaxLoss::dfs`` with threshold 0 from the root, left subtree first, keeping the
    k best leaves in fastText's heap (``push_heap``, ``pop_heap``, then ``sort_heap``); writes them best
    first and returns how many."""
    osz = output.shape[0]
    floor = _std_log(np.float32(0.0))
    stack_node = np.empty(2 * osz, dtype=np.int32)
    stack_score = np.empty(2 * osz, dtype=np.float32)
    hn = np.empty(k + 1, dtype=np.int32)
    hs = np.empty(k + 1, dtype=np.float32)
    size = 0
    stack_node[0] = 2 * osz - 2
    stack_score[0] = np.float32(0.0)
    top = 1
    while top > 0:
        top -= 1
        node = stack_node[top]
        score = stack_score[top]
        if score < floor:
            continue
        if size == k and score < hs[0]:
            continue
        if left[node] == -1 and right[node] == -1:
            _sift_up(hs, hn, size, 0, score, node)
            size += 1
            if size > k:
                _pop(hs, hn, size)
                size -= 1
            continue
        f = np.float32(0.0)
        row = node - osz
        for d in range(hidden.shape[0]):
            f += output[row, d] * hidden[d]
        f = np.float32(1.0 / np.float64(np.float32(1.0) + np.exp(-f)))
        # pushed right first, so the left subtree is walked first, as fastText's recursion does
        stack_node[top] = right[node]
        stack_score[top] = score + _std_log(f)
        stack_node[top + 1] = left[node]
        stack_score[top + 1] = score + _std_log(np.float32(1.0 - np.float64(f)))
        top += 2
    for length in range(size, 1, -1):  # sort_heap: best first
        _pop(hs, hn, length)
    for q in range(size):
        out_node[q] = hn[q]
        out_score[q] = hs[q]
    return size


@cached_njit(nogil=True)
def ranked(
    hidden: np.ndarray,
    output: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    k: int,
    out_label: np.ndarray,
    out_probability: np.ndarray,
    score: np.ndarray,
) -> int:
    """The ``k`` likeliest labels of ``hidden`` into ``out_label`` and their probabilities into
    ``out_probability`` (one line's rows); how many were found."""
    found = _top_k(hidden, output, left, right, k, out_label, score)
    for q in range(found):
        out_probability[q] = np.exp(score[q])
    return found


@cached_njit(nogil=True)
def _predict_lines(
    buf: np.ndarray,
    starts: np.ndarray,
    k: int,
    slot_hash: np.ndarray,
    slot_id: np.ndarray,
    word_bytes: np.ndarray,
    word_start: np.ndarray,
    prune_key: np.ndarray,
    prune_row: np.ndarray,
    rows: np.ndarray,
    nwords: int,
    eos: int,
    bucket: int,
    minn: int,
    maxn: int,
    output: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    out_label: np.ndarray,
    out_probability: np.ndarray,
    out_count: np.ndarray,
) -> None:
    # The model's arrays go one by one down to the helpers: passing FastTextArrays as one named tuple
    # was measured slower (numba checks a tuple argument slowly, and the per-token helpers copied it).
    longest = 0
    for t in range(len(starts) - 1):
        longest = max(longest, starts[t + 1] - starts[t])
    scratch = np.empty(longest + 2, dtype=np.uint8)
    hidden = np.empty(rows.shape[1], dtype=np.float32)
    score = np.empty(k, dtype=np.float32)
    for t in range(len(starts) - 1):
        out_count[t] = 0
        line = buf[starts[t] : starts[t + 1]]
        if len(line) == 0:
            continue  # predictLine: nothing to read, no answer
        count = mean_hidden(
            line, scratch, slot_hash, slot_id, word_bytes, word_start, prune_key, prune_row, rows,
            nwords, eos, bucket, minn, maxn, hidden,
        )  # fmt: skip
        if count == 0:
            continue  # no words: no answer
        out_count[t] = ranked(hidden, output, left, right, k, out_label[t], out_probability[t], score)


class CompiledPredictor:
    """``predict(lines, k)``: fasttext-predict's answers for many lines in one compiled call."""

    def __init__(self, arrays: FastTextArrays) -> None:
        self.arrays = arrays

    @classmethod
    def load(cls, path: Path) -> CompiledPredictor:
        predictor = cls(load(path))
        predictor.predict(["warm up\n"], 1)  # compiles (or loads the cached machine code) now
        return predictor

    def predict(self, lines: list[str], k: int) -> list[list[tuple[float, str]]]:
        """Per line, up to ``k`` (probability, label code) pairs, likeliest first, as
        ``fasttext.predict(line, k, 0.0)`` gives them (its labels without "__label__")."""
        if not 1 <= k <= MAX_K:
            raise ValueError(f"k must be 1-{MAX_K}")
        encoded = [line.encode("utf-8", "replace") for line in lines]
        n = len(encoded)
        if n == 1:  # a single-comment request: no cumsum or join (a few us of its ~20)
            starts = np.array((0, len(encoded[0])), dtype=np.int64)
            buf = np.frombuffer(encoded[0], dtype=np.uint8)
        else:
            starts = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=n), out=starts[1:])
            buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        labels = np.empty((n, k), dtype=np.int32)  # read only up to each line's count
        probabilities = np.empty((n, k), dtype=np.float32)
        counts = np.empty(n, dtype=np.int64)
        _predict_lines(buf, starts, k, *self.arrays.kernel_arguments(), labels, probabilities, counts)
        names = self.arrays.labels
        return [  # each array to lists once: a row view and two tolist calls per line cost more
            [(p, names[lab]) for p, lab in zip(probs[:m], labs[:m], strict=True)]
            for probs, labs, m in zip(probabilities.tolist(), labels.tolist(), counts.tolist(), strict=True)
        ]
