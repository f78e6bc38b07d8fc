"""Map scores to approve / review / reject with per-attribute thresholds, the way Coral and Disqus
moderation queues work: any attribute at or above its reject threshold rejects, at or above review
sends to a human, otherwise approve. An attribute whose model was not trained for the comment's
language (``scores.unsupported``) never rejects: at its reject threshold it sends to review.
An attribute judged against the article and thread (off_topic) decides nothing for a comment that came
with neither (``scores.context == "none"``): there is nothing to digress from, and its score there is
only the text-alone prior (on 20,000 comments sent without context it put 40 % up for review)."""

from __future__ import annotations

from collections.abc import Mapping

from core.records import Decision, Scores
from service.settings import Thresholds

CONTEXT_ATTRIBUTES = frozenset({"off_topic"})


def decide(scores: Scores, thresholds: Mapping[str, Thresholds]) -> Decision:
    rejects: list[str] = []
    reviews: list[str] = []
    for attribute, value in scores.as_dict().items():
        limit = thresholds.get(attribute)
        if limit is None or (attribute in CONTEXT_ATTRIBUTES and scores.context == "none"):
            continue
        unsupported = attribute in scores.unsupported  # not trained for this language: never rejects
        at_reject = limit.reject is not None and value >= limit.reject
        if at_reject and not unsupported:
            rejects.append(f"{attribute} {value:.2f} >= reject threshold {limit.reject:.2f}")
        elif at_reject:
            reviews.append(
                f"{attribute} {value:.2f} >= reject threshold {limit.reject:.2f}, but its model was not "
                f"trained for language {scores.language or 'und'}: review"
            )
        elif limit.review is not None and value >= limit.review:
            reviews.append(f"{attribute} {value:.2f} >= review threshold {limit.review:.2f}")
    if rejects:
        return Decision("reject", tuple(rejects + reviews))
    if reviews:
        return Decision("review", tuple(reviews))
    return Decision("approve", ())
