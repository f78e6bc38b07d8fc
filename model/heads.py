"""Several text attributes from ONE featuriser and ONE chunk lookup: a coefficient matrix, a column each.

``MultiHeadText`` holds a fitted ``TokenFeaturizer`` (label-free: idf weights and vocabularies only) and
a coefficient matrix ``W`` (features x heads). Every head is a logistic regression on the same
features, with its own naive-Bayes feature scaling folded into its column, so a token occurrence
contributes the K-vector ``s_t = R_t . W`` and the shared norm term ``q_t = ||R_t||^2``. The decision
of every head is ``b + sum(s_t) / sqrt(sum(q_t))``: one ``str.split``, one dict probe per chunk and a
few numpy reductions give all heads at once (the same scheme as ``FastLinearText``, which has one
column).

Each head is calibrated on its own out-of-fold decisions: ``p = sigmoid(a * d + c * log1p(tokens) +
b)``. ``c`` is 0 except for heads whose label is about length (unsubstantial); the token count comes
from the same chunk rows. Explanations stay exact per head: a token's share is ``a * s_t[k] / sqrt(sum
q)``; the length term is not a span.

``head(name)`` returns a view with the single-attribute model interface the Scorer already knows
(``predict_proba``, ``chunk_rows``, ``positive_proba_from_rows``, ``explain``) plus ``family``, so the
Scorer computes the family once per batch and every view reads its column.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from core.records import Span
from model.chunks import ChunkRows, ChunkTable, Column
from model.family_kernel import family_decisions
from model.features import (
    _LINEAR_CHUNK_COLUMNS,
    MIN_SPAN_WEIGHT,
    TokenFeaturizer,
    ordered_keys,
    segment_sums,
)
from model.token_memo import ChunkMemoText, IntHashTable, TokenTable, chunk_terms


def _head_chunk_columns(n_heads: int) -> tuple[Column, ...]:
    """A family's chunk row: every head's summed score terms (a K-vector), then the columns of a
    single linear model's row (q, token count, first / last word id, has tokens)."""
    return (Column(np.float64, width=n_heads), *_LINEAR_CHUNK_COLUMNS)


class MultiHeadText(ChunkMemoText):
    """K linear text heads over one TokenFeaturizer, scored from shared per-chunk constants.

    Built by training/heads.py from fitted parts: ``coef`` (features x K, NB scaling already folded
    in), ``intercept`` (K), ``calibration`` (K x 3: slope ``a``, length weight ``c``, offset ``b``).
    Coefficients are stored as float32 (half the artifact) and used as float64: training evaluates
    exactly the numbers that ship.
    """

    def __init__(
        self,
        featurizer: TokenFeaturizer,
        names: Sequence[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        calibration: np.ndarray,
    ) -> None:
        self.featurizer = featurizer
        self.names = tuple(names)
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float64).reshape(len(self.names))
        self.calibration = np.asarray(calibration, dtype=np.float64).reshape(len(self.names), 3)
        self._split_calibration()
        # attribute -> {language: model} for comments in other languages (training/languages.py)
        self.language_models: dict[str, dict[str, Any]] = {}
        self._prepare()

    # -- derived tables (rebuilt at load; not pickled) ----------------------------------------------
    def _prepare(self, base: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """``base``: the vocabulary's (s, q) rows as pickled, else computed (seconds for a big vocabulary)."""
        f = self.featurizer
        coef = self.coef.astype(np.float64)
        self._coef64 = coef
        self.norm_power = float(f.norm_power)
        self.n_words = len(f.word_index_)
        bw = f.feature_weights_[f.bigram_features_]
        self.bigram_keys = f.bigram_keys_
        self.bigram_s = coef[f.bigram_features_] * bw[:, None]
        self.bigram_q = bw**2
        words = ordered_keys(f.word_index_)
        if (
            base is not None
            and base[0].shape == (len(words), len(self.names))
            and base[1].shape == (len(words),)
        ):
            self._base_s, self._base_q = base
        else:
            table = f.type_table(words)
            self._base_s = np.asarray(table @ coef, dtype=np.float64)
            self._base_q = np.asarray(table.multiply(table).sum(axis=1), dtype=np.float64).ravel()
        self._base_words = words
        self._lock = threading.RLock()
        self._reset_cache()

    def __getstate__(self) -> dict[str, Any]:
        keys = (
            "featurizer",
            "names",
            "coef",
            "intercept",
            "calibration",
            "language_models",
            "_base_s",
            "_base_q",
        )
        return {k: self.__dict__[k] for k in keys}

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        state.setdefault("language_models", {})
        base = (state.pop("_base_s"), state.pop("_base_q")) if "_base_s" in state else None
        self.__dict__.update(state)
        self._split_calibration()
        self._prepare(base)

    def _split_calibration(self) -> None:
        """The calibration's columns, negated, as contiguous arrays made once (``calibrate``)."""
        self._minus_a, self._minus_c, self._minus_b = (
            np.ascontiguousarray(-self.calibration[:, j]) for j in range(3)
        )

    def _reset_cache(self) -> None:
        self._tokens = TokenTable(self.featurizer, self._coef64, self._base_words, self._base_s, self._base_q)
        self._bigram_table = IntHashTable(self.bigram_keys)
        self._chunks = ChunkTable(_head_chunk_columns(len(self.names)))

    # -- lookups ------------------------------------------------------------------------------------
    def _add_chunks(self, table: ChunkTable, chunks: list[str]) -> None:
        s, q, lengths, first, last, nonempty = chunk_terms(
            chunks, self._tokens, self._lock, self._bigram_table, self.n_words, self.bigram_s, self.bigram_q
        )
        table.append(chunks, (s, q, lengths.astype(np.float64), first, last, nonempty))

    # -- scoring ------------------------------------------------------------------------------------
    def decisions_from_rows(self, rows: ChunkRows) -> tuple[np.ndarray, np.ndarray]:
        """(raw linear decisions, n x K; token count per text) of texts given as chunk rows."""
        c_s, c_q, c_ntok, c_first, c_last, c_nonempty = rows.table.cols
        bigrams = self._bigram_table
        return family_decisions(
            np.asarray(rows.ids, dtype=np.int64),
            np.asarray(rows.lengths, dtype=np.int64),
            c_s,
            c_q,
            c_ntok,
            c_first,
            c_last,
            c_nonempty,
            bigrams.keys,
            bigrams.values,
            bigrams.bits if bigrams.n_keys else 0,
            self.bigram_s,
            self.bigram_q,
            self.intercept,
            self.norm_power,
        )

    def decisions_from_rows_numpy(self, rows: ChunkRows) -> tuple[np.ndarray, np.ndarray]:
        """``decisions_from_rows`` in numpy: the reference the compiled pass is tested against."""
        ids, lengths, table = rows.ids, rows.lengths, rows.table
        n = len(lengths)
        c_s, c_q, c_ntok, c_first, c_last, c_nonempty = table.cols
        s_sum = segment_sums(c_s[ids], lengths)
        doc, q_sum, docs, fb = self._norm_sums(ids, lengths, c_q, c_first, c_last, c_nonempty)
        ntok = np.bincount(doc, weights=c_ntok[ids], minlength=n)
        if len(fb):
            np.add.at(s_sum, docs, self.bigram_s[fb])
        scale = np.zeros(n)
        nz = q_sum > 0
        scale[nz] = q_sum[nz] ** -self.norm_power
        return self.intercept + s_sum * scale[:, None], ntok

    def calibrate(self, decisions: np.ndarray, ntok: np.ndarray) -> np.ndarray:
        """``1 / (1 + exp(-(decisions * a + log1p(ntok) * c + b)))`` with the minus folded into the
        coefficients: negating is exact and commutes with IEEE products and sums, so the bits are the
        same with one numpy call and three slices fewer (a single-comment call is made of such costs)."""
        minus_z = decisions * self._minus_a + np.log1p(ntok)[:, None] * self._minus_c + self._minus_b
        return np.asarray(1.0 / (1.0 + np.exp(minus_z)))

    def proba_from_rows(self, rows: ChunkRows) -> np.ndarray:
        """P(attribute) for every head, n x K, from chunk rows."""
        return self.calibrate(*self.decisions_from_rows(rows))

    def predict_proba_all(self, texts: Sequence[str]) -> np.ndarray:
        """P(attribute) for every head, n x K (sliced: numpy temporaries stay in cache)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.names)))
        step = self.slice_size
        return np.vstack(
            [self.proba_from_rows(self.split(texts[i : i + step])) for i in range(0, len(texts), step)]
        )

    def decision_all(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Raw decisions (n x K) and token counts, for training's calibration of a refitted family."""
        return self.decisions_from_rows(self.split(list(texts)))

    def reference_decision(self, texts: Sequence[str]) -> np.ndarray:
        """The plain sparse path (featurizer.transform @ W + b); tests compare the fast path with it."""
        return np.asarray(self.featurizer.transform(texts) @ self._coef64) + self.intercept

    # -- explanations -------------------------------------------------------------------------------
    def explain(self, text: str, name: str, top_k: int = 5) -> list[Span]:
        """Top ``top_k`` positive token / token-pair contributions of head ``name`` as spans of ``text``,
        in calibrated log-odds units (they add up, with intercept and length term, to the logit)."""
        k = self.names.index(name)
        terms = self._token_terms(text)
        if terms is None:
            return []
        spans, s, norm_scale, pos_i, big = terms
        scale = norm_scale * self.calibration[k, 0]
        merged: dict[tuple[int, int], float] = {}
        for (a, b, _), v in zip(spans, s[:, k].tolist(), strict=True):
            merged[(a, b)] = merged.get((a, b), 0.0) + v * scale
        for i, j in zip(pos_i.tolist(), big.tolist(), strict=True):
            key = (spans[i][0], spans[i + 1][1])
            merged[key] = merged.get(key, 0.0) + float(self.bigram_s[j, k]) * scale
        ranked = sorted(
            ((w, a, b) for (a, b), w in merged.items() if w >= MIN_SPAN_WEIGHT),
            key=lambda t: (-t[0], t[1], t[2]),
        )
        return [Span(start=a, end=b, text=text[a:b], weight=float(w)) for w, a, b in ranked[:top_k]]

    def head(self, name: str) -> Any:
        """The attribute's view; with models for other languages (``language_models[name]``, set by
        training), a router that sends a comment in one of those languages to its own model."""
        if name not in self.names:
            raise KeyError(f"no head {name!r} in this family (heads: {', '.join(self.names)})")
        view = HeadView(self, name)
        others = getattr(self, "language_models", {}).get(name)
        if not others:
            return view
        from model.multilingual import LanguageRoutedClassifier

        return LanguageRoutedClassifier(view, others, "en")

    def heads(self) -> Mapping[str, HeadView]:
        return {n: HeadView(self, n) for n in self.names}


class HeadView:
    """One attribute of a ``MultiHeadText``, with the single-model interface the Scorer calls."""

    def __init__(self, family: MultiHeadText, name: str) -> None:
        self.family = family
        self.name = name
        self.column = family.names.index(name)

    def chunk_rows(self, chunks: list[str]) -> tuple[np.ndarray, Any]:
        return self.family.chunk_rows(chunks)

    def positive_proba_from_rows(self, rows: ChunkRows) -> np.ndarray:
        return self.family.proba_from_rows(rows)[:, self.column]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        p = self.family.predict_proba_all(texts)[:, self.column]
        return np.column_stack([1.0 - p, p])

    def explain(self, text: str, *, top_k: int = 5, **_context: Any) -> list[Span]:
        return self.family.explain(text, self.name, top_k=top_k)
