"""A teacher for distillation: alt-profanity-check's model, as its PyPI package ships it.

It is a TF-IDF + linear SVM trained on some 200,000 human-labelled texts (Jigsaw's Wikipedia talk-page
comments and Davidson's tweets), far more toxic and obscene language than our corpora hold. A head
that distils from it (``HeadSpec.distill``, training/heads.py) sees each of its texts again as a soft
row whose target is the teacher's probability: the teacher's knowledge reaches the head's own TF-IDF
coefficients at training time. Scoring never calls the teacher; the shipped artifact does not hold it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NAME = "alt-profanity-check"


def teacher_probabilities(texts: Sequence[str]) -> np.ndarray:
    """The teacher's probability that each text is toxic or obscene (deterministic)."""
    from profanity_check import predict_prob

    if not texts:
        return np.zeros(0)
    return np.asarray(predict_prob(list(texts)), dtype=np.float64)
