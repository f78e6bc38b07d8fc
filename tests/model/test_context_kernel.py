"""The compiled new-chunk pass's lookup tables (model/context_kernel.py); its rows are held to the
per-chunk Python reference in tests/model/test_context.py."""

from __future__ import annotations

import numpy as np

from model.context_kernel import _CONTENT, _FLAGS, _LEN, _SLOT, _probe, _table


def _find(slots: np.ndarray, pool: np.ndarray, word: bytes) -> int:
    data = np.frombuffer(b"." + word + b".", dtype=np.uint8)  # a token inside a buffer, not all of it
    return int(_probe(slots, pool, data, 1, 1 + len(word)))


def test_keys_are_found_and_absent_ones_are_not():
    """Keys of every length, the long ones sharing their first 16 bytes (held in the slot) and their
    length, so only their remaining bytes tell them apart, in a table full enough to chain probes."""
    keys = [b"x" * 16 + b"%04d" % i for i in range(2000)]
    keys += [b"a", b"ab", b"abcdefgh", b"abcdefghi", b"\xc3\xa9t\xc3\xa9", b"x" * 16, b"x" * 15]
    ints = np.column_stack([np.arange(len(keys)) * 3, np.arange(len(keys))])
    slots, pool = _table(keys, ints, np.zeros((len(keys), 2)))
    assert slots.shape[1] == _SLOT and slots.ctypes.data % 64 == 0  # one cache line a slot
    assert (slots[:, _LEN] >= 0).sum() == len(keys) <= len(slots) // 2
    for i, key in enumerate(keys):
        s = _find(slots, pool, key)
        assert s >= 0 and slots[s, _CONTENT] == i and slots[s, _FLAGS] == 3 * i, key
    for absent in [
        b"x" * 16 + b"2000",
        b"x" * 16 + b"0x00",
        b"x" * 16 + b"1x00",
        b"x" * 17,
        b"",
        b"abcdefg",
        b"b",
        b"x" * 16 + b"00",
    ]:
        assert _find(slots, pool, absent) == -1, absent
