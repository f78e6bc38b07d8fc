import pytest

from service.decide import decide
from service.records import Scores
from service.settings import Thresholds

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
    decision = decide(Scores({"insult": insult, "off_topic": off_topic}), T)
    assert decision.verdict == verdict
    assert len(decision.reasons) == n_reasons


def test_reason_names_attribute_and_threshold():
    decision = decide(Scores({"insult": 0.93, "off_topic": 0.0}), T)
    assert decision.reasons == ("insult 0.93 >= reject threshold 0.90",)
