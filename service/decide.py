"""Map scores to approve / review / reject with per-attribute thresholds, the way Coral and Disqus
moderation queues work: any attribute at or above its reject threshold rejects, at or above review
sends to a human, otherwise approve. An attribute whose model was not trained for the comment's
language (``scores.unsupported``) never rejects: at its reject threshold it sends to review.
An attribute judged against the article and thread (off_topic) decides nothing for a comment that came
with neither (``scores.context == "none"``): there is nothing to digress from, and its score there is
only the text-alone prior (on 20,000 comments sent without context it put 40 % up for review)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from core.records import Decision, Scores
from service.settings import Thresholds, ThresholdTable

CONTEXT_ATTRIBUTES = frozenset({"off_topic"})


def _step(attribute: str, value: float, limit: Thresholds | None, context: str) -> str | None:
    """The step this attribute's score reaches ("reject", "review") or None; the one rule that
    ``decide`` and ``flagged_attributes`` share."""
    if limit is None or (attribute in CONTEXT_ATTRIBUTES and context == "none"):
        return None
    if limit.reject is not None and value >= limit.reject:
        return "reject"
    if limit.review is not None and value >= limit.review:
        return "review"
    return None


def for_language(thresholds: Mapping[str, Thresholds], language: str | None) -> Mapping[str, Thresholds]:
    """The thresholds for a comment judged in ``language`` (a site's per-language changes, if any)."""
    return thresholds.for_language(language) if isinstance(thresholds, ThresholdTable) else thresholds


def judged_language(scores: Scores) -> str:
    """The language a comment was judged in: detected, else its thread's or the detector's guess
    (``Scores.assumed_language``), else English (the base models'). Its thresholds decide."""
    return scores.assumed_language or scores.language or "en"


def shown_score(value: float) -> str:
    """Two decimals, rounded down: 0.8996 under a reject threshold of 0.90 must not read "0.90". Every
    score a moderator reads beside a decision is shown this way, so the two never disagree."""
    return f"{math.floor(value * 100 + 1e-9) / 100:.2f}"


def decide(scores: Scores, thresholds: Mapping[str, Thresholds]) -> Decision:
    thresholds = for_language(thresholds, judged_language(scores))
    rejects: list[str] = []
    reviews: list[str] = []
    for attribute, value in scores.as_dict().items():
        limit = thresholds.get(attribute)
        step = _step(attribute, value, limit, scores.context)
        if step is None or limit is None:
            continue
        unsupported = attribute in scores.unsupported  # not trained for this language: never rejects
        if step == "reject" and not unsupported:
            rejects.append(f"{attribute} {shown_score(value)} >= reject threshold {limit.reject:.2f}")
        elif step == "reject":
            reviews.append(
                f"{attribute} {shown_score(value)} >= reject threshold {limit.reject:.2f}, but its model was "
                f"not trained for language {scores.assumed_language or scores.language or 'und'}: review"
            )
        else:
            reviews.append(f"{attribute} {shown_score(value)} >= review threshold {limit.review:.2f}")
    if rejects:
        return Decision("reject", tuple(rejects + reviews))
    if reviews:
        return Decision("review", tuple(reviews))
    return Decision("approve", ())


def flagged_attributes(
    scores: Mapping[str, float | None],
    thresholds: Mapping[str, Thresholds],
    context: str = "none",
    language: str | None = None,
) -> list[str]:
    """The attributes ``decide`` names as reasons for these scores (a stored result's plain dict, where
    a score may be None or NaN: those name nothing), for a comment judged in ``language``."""
    thresholds = for_language(thresholds, language)
    return [
        name
        for name, value in scores.items()
        if value is not None
        and not math.isnan(value)
        and _step(name, value, thresholds.get(name), context) is not None
    ]
