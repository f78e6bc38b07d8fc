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


def test_an_alias_to_an_attribute_we_do_not_score_is_refused_at_start():
    with pytest.raises(ValidationError, match="TOXIC"):
        Settings(perspective_aliases={"TOXICITY": "TOXIC"})
