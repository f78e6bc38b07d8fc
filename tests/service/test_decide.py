import pytest

from core.records import Scores
from service.decide import decide, flagged_attributes, judged_language
from service.settings import Settings, Thresholds, ThresholdTable

T = {"insult": Thresholds(review=0.5, reject=0.9), "off_topic": Thresholds(review=0.6, reject=0.95)}


@pytest.mark.parametrize(
    ("insult", "off_topic", "verdict", "n_reasons"),
    [
        (0.1, 0.1, "approve", 0),
        (0.5, 0.1, "review", 1),
        (0.1, 0.7, "review", 1),
        (0.95, 0.7, "reject", 2),
        (0.2, 0.99, "reject", 1),
    ],
)
def test_decide_maps_thresholds_to_verdicts(insult, off_topic, verdict, n_reasons):
    decision = decide(Scores({"insult": insult, "off_topic": off_topic}, "article+thread"), T)
    assert decision.verdict == verdict
    assert len(decision.reasons) == n_reasons


@pytest.mark.parametrize("context", ["article+thread", "article", "thread"])
def test_off_topic_decides_only_with_something_to_digress_from(context):
    assert decide(Scores({"insult": 0.1, "off_topic": 0.99}, context), T).verdict == "reject"
    blind = decide(Scores({"insult": 0.1, "off_topic": 0.99}, "none"), T)
    assert blind.verdict == "approve" and blind.reasons == ()
    assert decide(Scores({"insult": 0.95, "off_topic": 0.99}, "none"), T).reasons == (
        "insult 0.95 >= reject threshold 0.90",
    )


def test_reason_names_attribute_and_threshold():
    decision = decide(Scores({"insult": 0.93, "off_topic": 0.0}), T)
    assert decision.reasons == ("insult 0.93 >= reject threshold 0.90",)


def test_every_attribute_has_thresholds_settable_from_the_environment(monkeypatch):
    from service.settings import THRESHOLD_ATTRIBUTES, Settings

    monkeypatch.setenv("MODERATION_INSULT__REVIEW", "0.42")
    monkeypatch.setenv("MODERATION_TOXICITY__REJECT", "0.77")
    monkeypatch.setenv("MODERATION_UNSUBSTANTIAL__REVIEW", "0.9")
    thresholds = Settings().thresholds()
    assert set(thresholds) == set(THRESHOLD_ATTRIBUTES) >= {"spam", "unsubstantial", "identity_attack"}
    assert thresholds["insult"].review == 0.42 and thresholds["toxicity"].reject == 0.77
    assert thresholds["unsubstantial"].review == 0.9 and thresholds["unsubstantial"].reject is None


def test_defaults_review_spam_and_toxicity_but_not_unsubstantial_alone():
    from service.settings import Settings

    t = Settings().thresholds()
    assert decide(Scores({"unsubstantial": 0.999}), t).verdict == "approve"
    assert decide(Scores({"spam": 0.9, "unsubstantial": 0.9}), t).verdict == "review"
    assert decide(Scores({"toxicity": 0.8}), t).verdict == "review"
    assert decide(Scores({"toxicity": 0.99}), t).verdict == "reject"


def test_an_attribute_not_trained_for_the_language_never_rejects():
    t = {"toxicity": Thresholds(review=0.5, reject=0.9)}
    decision = decide(Scores({"toxicity": 0.99}, unsupported=frozenset({"toxicity"})), t)
    assert decision.verdict == "review"
    assert decide(Scores({"toxicity": 0.99}), t).verdict == "reject"


@pytest.mark.parametrize("context", ["article+thread", "none"])
@pytest.mark.parametrize("insult", [0.1, 0.5, 0.95])
@pytest.mark.parametrize("off_topic", [0.1, 0.7, 0.99])
def test_queue_flags_name_exactly_the_attributes_decide_names(insult, off_topic, context):
    scores = {"insult": insult, "off_topic": off_topic}
    reasons = decide(Scores(scores, context), T).reasons
    assert flagged_attributes(scores, T, context) == [
        name for name in scores if any(r.startswith(f"{name} ") for r in reasons)
    ]


def test_queue_flags_skip_missing_scores():
    assert flagged_attributes({"insult": None, "off_topic": float("nan")}, T, "thread") == []


def _table() -> ThresholdTable:
    base = {"toxicity": Thresholds(review=0.45, reject=0.9), "insult": Thresholds(review=0.5, reject=0.9)}
    return ThresholdTable(base, {"fr": {"toxicity": Thresholds(review=0.6)}})


@pytest.mark.parametrize(
    ("language", "verdict"), [("fr", "approve"), ("en", "review"), (None, "review"), ("de", "review")]
)
def test_a_language_with_its_own_thresholds_is_decided_by_them(language, verdict):
    scores = Scores({"toxicity": 0.5, "insult": 0.1}, language=language, assumed_language=language)
    assert decide(scores, _table()).verdict == verdict


def test_a_language_change_keeps_the_steps_it_does_not_name():
    french = Scores({"toxicity": 0.95, "insult": 0.1}, language="fr")
    assert decide(french, _table()).reasons == ("toxicity 0.95 >= reject threshold 0.90",)
    assert flagged_attributes({"toxicity": 0.55}, _table(), language="fr") == []
    assert flagged_attributes({"toxicity": 0.55}, _table(), language="und") == ["toxicity"]


def test_an_undetermined_comment_in_a_french_thread_is_judged_in_french():
    # A short "Bravo" under French comments is scored by the French model: its thresholds decide it
    # (a review found it going to review at the global 0.45, the very case the setting is for).
    scores = Scores({"toxicity": 0.5, "insult": 0.1}, language=None, assumed_language="fr")
    assert judged_language(scores) == "fr"
    assert decide(scores, _table()).verdict == "approve"
    assert flagged_attributes(scores.as_dict(), _table(), language=judged_language(scores)) == []
    assert judged_language(Scores({"toxicity": 0.5})) == "en"


def test_the_no_reject_reason_names_the_language_the_comment_was_judged_in():
    # An undetermined comment judged Spanish (the detector's guess; Scores.assumed_language) is
    # unsupported because of Spanish, but the reason said "not trained for language und".
    t = {"insult": Thresholds(review=0.5, reject=0.9)}
    unsure = Scores({"insult": 0.99}, language=None, unsupported=frozenset({"insult"}), assumed_language="es")
    assert decide(unsure, t).reasons == (
        "insult 0.99 >= reject threshold 0.90, but its model was not trained for language es: review",
    )


def test_a_score_just_under_a_threshold_does_not_read_as_reaching_it():
    decision = decide(Scores({"toxicity": 0.8996}), Settings().thresholds())
    assert decision.verdict == "review"
    assert decision.reasons == ("toxicity 0.89 >= review threshold 0.45",)
    assert decide(Scores({"toxicity": 0.29}), {"toxicity": Thresholds(review=0.29)}).reasons == (
        "toxicity 0.29 >= review threshold 0.29",
    )
