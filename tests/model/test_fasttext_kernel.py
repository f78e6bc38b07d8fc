"""The compiled language-ID pass (model/fasttext_kernel.py) against fasttext-predict's C++ predictor."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ModelError
from model import fasttext_kernel
from model.fasttext_kernel import CompiledPredictor, fnv1a
from model.language import CxxPredictor, LanguageDetector, default_model_path
from tests.helpers import corpus_comments

SETTLED = frozenset({"en", "de", "fr", "ar"})


@pytest.fixture(scope="module")
def predictors() -> tuple[CompiledPredictor, CxxPredictor]:
    return CompiledPredictor.load(default_model_path()), CxxPredictor(default_model_path())


def test_hash_is_fasttexts_fnv1a_with_signed_bytes() -> None:
    assert fnv1a(b"") == 2166136261
    assert fnv1a(b"a") == 0xE40C292C  # FNV-1a of one ASCII byte
    # a byte >= 0x80 is sign-extended before the xor, as fastText's int8_t cast does
    assert fnv1a(b"\xc3") == ((2166136261 ^ 0xFFFFFFC3) * 16777619) & 0xFFFFFFFF


@pytest.mark.parametrize("k", [1, 3])
def test_same_labels_and_probabilities_as_fasttext_predict_on_real_comments(
    predictors: tuple[CompiledPredictor, CxxPredictor], data_dir: Path, k: int
) -> None:
    compiled, reference = predictors
    detector = LanguageDetector()
    texts = corpus_comments(data_dir, 400)
    lines = [detector._clean(t) + "\n" for t in texts] + [t + "\n" for t in texts] + texts
    ours = compiled.predict(lines, k)
    assert len({answer[0][1] for answer in ours if answer}) >= 4  # several languages were answered
    assert ours == reference.predict(lines, k)


@pytest.mark.parametrize(
    "line",
    ["", "\n", "no newline at the end", "  \t\n", "__label__en is a label\n", "__label__xx\n", "a\nb c\n",
     "café ünïcödé 日本語 مرحبا 😀\n", "\x00\x0b\x0c\r\n", "x" * 5000 + "\n", "\ud800 lone surrogate\n",
     "มน", "ᒾⶈ༢❋ה", "ǠxƉō¼Č"],
)  # fmt: skip
def test_edge_lines_match(predictors: tuple[CompiledPredictor, CxxPredictor], line: str) -> None:
    compiled, reference = predictors
    for k in (1, 3, fasttext_kernel.MAX_K):  # the last three lines tie on their 3rd-8th labels
        assert compiled.predict([line], k) == reference.predict([line], k)


_CHARS = st.sampled_from([*"abcdeéßçøع日 \t\n\r\x00_<>", "😀", "__label__", "</s>", "\u00a0"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_CHARS, max_size=40).map("".join), min_size=1, max_size=6))
def test_any_text_matches(predictors: tuple[CompiledPredictor, CxxPredictor], lines: list[str]) -> None:
    compiled, reference = predictors
    for k in (1, 3):
        assert compiled.predict(lines, k) == reference.predict(lines, k)


def test_detections_are_the_same_with_either_predictor(data_dir: Path) -> None:
    texts = [*corpus_comments(data_dir, 150), "lol", "", "@user 123", "ok ok", "http://x.y/z"]
    compiled, reference = LanguageDetector(), LanguageDetector(compiled=False)
    for settled in (frozenset(), SETTLED):
        assert compiled.detect_with_confidence(texts, settled) == reference.detect_with_confidence(
            texts, settled
        )
        singles = [compiled.detect_with_confidence([t], settled)[0] for t in texts]
        assert singles == reference.detect_with_confidence(texts, settled)
    assert type(compiled._load()).__name__ == "CompiledPredictor"


def test_a_file_it_cannot_read_is_refused(tmp_path: Path) -> None:
    data = bytearray(default_model_path().read_bytes())
    bad = tmp_path / "bad.ftz"
    bad.write_bytes(b"\0" * 8 + bytes(data[8:]))  # wrong magic number
    with pytest.raises(ModelError, match="not a supervised"):
        fasttext_kernel.load(bad)
    data[4 * 2 + 4 * 6] = 2  # the loss field (after magic, version, 6 ints): negative sampling
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="not a supervised"):
        fasttext_kernel.load(bad)


def test_the_detector_falls_back_to_fasttext_predict(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(_path: Path) -> CompiledPredictor:
        raise ModelError("a layout this reader does not do")

    monkeypatch.setattr(CompiledPredictor, "load", staticmethod(refuse))
    detector = LanguageDetector()
    with caplog.at_level(logging.WARNING, logger="model.language"):
        assert detector.detect(["I think the author makes a fair point about the budget."]) == ["en"]
    assert type(detector._load()).__name__ == "CxxPredictor"
    assert "using fasttext-predict" in caplog.text


def test_k_is_bounded(predictors: tuple[CompiledPredictor, CxxPredictor]) -> None:
    with pytest.raises(ValueError):
        predictors[0].predict(["x\n"], fasttext_kernel.MAX_K + 1)
