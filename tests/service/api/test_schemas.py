"""The scoring endpoints' result models share their fields (``_ScoredComment``): each still lists its
own fields first and the shared ones in one order, as the OpenAPI document shows them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from service.api.schemas import CommentResult, FeedbackIn, PageComment
from service.settings import THRESHOLD_ATTRIBUTES

SHARED = [
    "scores",
    "context",
    "language",
    "language_supported",
    "judged_language",
    "decision",
    "spans",
    "queue_id",
    "queued_before",
    "model_version",
    "not_stored",
]


def test_comment_result_lists_its_id_first_then_the_shared_fields_then_quotes() -> None:
    assert list(CommentResult.model_fields) == ["id", *SHARED, "quotes"]
    assert "explain" in (CommentResult.model_fields["spans"].description or "")


def test_page_comment_lists_its_place_in_the_page_first_then_the_shared_fields() -> None:
    place = ["index", "author", "posted_at", "posted_raw", "parent", "text"]
    assert list(PageComment.model_fields) == [*place, *SHARED]
    assert PageComment.model_fields["spans"].description is None


def test_feedback_takes_exactly_the_attributes_with_thresholds() -> None:
    for name in THRESHOLD_ATTRIBUTES:
        assert FeedbackIn(text="x", attribute=name, label=1).attribute == name
    with pytest.raises(ValidationError):
        FeedbackIn(text="x", attribute="threat", label=1)  # type: ignore[arg-type]
