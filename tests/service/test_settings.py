"""The one Settings object: values are checked when it is built, with the variable named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from service.settings import Settings


def test_perspective_alias_targets_are_case_insensitive():
    # MODERATION_PERSPECTIVE_ALIASES='{"TOXICITY":"insult"}' used to be accepted and then answer every
    # TOXICITY request with "Attribute TOXICITY does not exist".
    settings = Settings(perspective_aliases={"TOXICITY": "insult", "SPAM": "Off_Topic"})
    assert settings.perspective_aliases == {"TOXICITY": "INSULT", "SPAM": "OFF_TOPIC"}


def test_an_alias_with_an_empty_target_is_refused():
    # Whether a target exists depends on the model: that is checked when the app starts
    # (tests/service/api/test_perspective.py); an empty name is wrong whatever the model.
    with pytest.raises(ValidationError, match="non-empty"):
        Settings(perspective_aliases={"TOXICITY": " "})
