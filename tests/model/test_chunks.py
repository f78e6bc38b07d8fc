"""The Scorer's shared chunk lookup (model/chunks.py) with stand-in models: every chunk's row is the
row each model's own table gives it, whatever mix of known, new and repeated chunks a call brings."""

from __future__ import annotations

import random

import numpy as np

from model.chunks import SharedChunks


class _Model:
    """A chunk memo that numbers chunks as it first sees them, from its own offset (so the two models'
    rows differ), and counts the chunks it was asked to add."""

    def __init__(self, offset: int) -> None:
        self.rows: dict[str, int] = {}
        self.offset = offset
        self.asked = 0

    def chunk_rows(self, chunks: list[str]) -> tuple[np.ndarray, object]:
        self.asked += len(chunks)
        for c in chunks:
            self.rows.setdefault(c, self.offset + len(self.rows))
        return np.array([self.rows[c] for c in chunks], dtype=np.int64), self


def test_each_chunk_gets_each_models_own_row_and_new_chunks_are_added_once() -> None:
    rng = random.Random(5)
    vocabulary = [f"w{i}" for i in range(400)]
    models = [_Model(0), _Model(10_000)]
    shared = SharedChunks(models)
    shared.split(["w0"])  # the first call starts the index's first generation: it asks the models twice
    seen = {"w0"}
    for size in [1, 20, 3, 20, 1, 50, 20] * 6:
        texts = [" ".join(rng.choices(vocabulary, k=rng.randint(0, 12))) for _ in range(size)]
        rows = shared.split(texts)
        chunks = [c for t in texts for c in t.split()]
        for model, got in zip(models, rows, strict=True):
            assert got.ids.tolist() == [model.rows[c] for c in chunks]
            assert got.lengths.tolist() == [len(t.split()) for t in texts]
            assert got.table is model
        seen |= set(chunks)
        assert all(m.asked == len(seen) + 1 for m in models)  # each new chunk featurised once
