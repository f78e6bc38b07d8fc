"""GET /v1/model."""

from __future__ import annotations


def test_model_answers_manifest_and_thresholds_in_force(client, settings):
    body = client.get("/v1/model").json()
    assert body["version"] == "fake-1"
    assert body["attributes"] == ["insult", "off_topic"]
    assert body["thresholds"]["insult"] == {
        "review": settings.insult.review,
        "reject": settings.insult.reject,
    }
    assert body["thresholds"]["off_topic"] == {
        "review": settings.off_topic.review,
        "reject": settings.off_topic.reject,
    }
    assert body["thresholds"]["unsubstantial"] == {"review": None, "reject": None}  # off by default
    assert set(body["thresholds"]) >= {"toxicity", "spam", "identity_attack", "profanity"}
    assert body["manifest"]["training_data"] == {"fake": "0" * 64}
