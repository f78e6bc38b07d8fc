"""Perspective API attributes: which are scored, fields= selections, Coral Talk's request, aliases."""

from __future__ import annotations

import pytest

from tests.service.api.conftest import (
    TOKEN,
    assert_google_error,
    auth,
    family_loader,
    make_client,
)
from tests.service.api.perspective_helpers import (
    CORAL_COMMENTS,
    DOC_REQUEST,
    DOC_SUGGEST,
    QUICKSTART_REQUEST,
    SUGGEST,
    URL,
    coral_body,
    feedback_rows,
    language_detail,
    with_our_attributes,
)

# --- attributes and languages ---------------------------------------------------------------------


def test_drop_unsupported_attributes(client):
    request = with_our_attributes(DOC_REQUEST)
    request["requestedAttributes"] = {"TOXICITY": {}, "INSULT": {}, "THREAT": {}}
    assert_google_error(client.post(URL, json=request), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
    body = client.post(URL, json=request | {"dropUnsupportedAttributes": True}).json()
    assert set(body["attributeScores"]) == {"INSULT"}
    # Everything dropped: an answer with no scores (nothing is made up), not an error.
    r = client.post(URL, json=DOC_REQUEST | {"dropUnsupportedAttributes": True})
    assert r.status_code == 200, r.text
    assert r.json()["attributeScores"] == {}
    # A name Perspective does not have is a mistake, not an unsupported attribute: never dropped.
    typo = request | {"requestedAttributes": {"INSULT": {}, "INSLUT": {}}, "dropUnsupportedAttributes": True}
    assert_google_error(client.post(URL, json=typo), 400, "INVALID_REQUEST")


def test_every_attribute_of_the_model_answers_under_its_upper_case_name(family_client):
    scorer = family_client.app.state.moderation.models.current
    names = [a.upper() for a in scorer.attributes]
    assert {"TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "PROFANITY", "SPAM", "UNSUBSTANTIAL"} <= set(
        names
    )
    request = {"comment": {"text": "You idiot, damn it."}, "requestedAttributes": {n: {} for n in names}}
    body = family_client.post(URL, json=request).json()
    assert set(body["attributeScores"]) == set(names)
    direct = scorer.score(["You idiot, damn it."], None, use_thread=False)[0]
    for name in names:
        assert body["attributeScores"][name]["summaryScore"]["value"] == pytest.approx(direct[name.lower()])
    assert body["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5


def test_perspective_attributes_we_do_not_offer_are_never_scored(family_client):
    # perspective.py's default set (Production attributes): THREAT is not offered.
    production = ["TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY", "THREAT"]
    request = {"comment": {"text": "you idiot"}, "requestedAttributes": {n: {} for n in production}}
    error = assert_google_error(
        family_client.post(URL, json=request), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    )
    assert error["message"] == "Attribute THREAT does not support request languages: en"
    assert language_detail(error) == {"attribute": "THREAT", "detectedLanguages": ["en"]}
    body = family_client.post(URL, json=request | {"dropUnsupportedAttributes": True}).json()
    assert set(body["attributeScores"]) == set(production) - {"THREAT"}
    # TOXICITY_FAST (xatkit's request) and the outrage attributes (the Prosocial Ranking Challenge's) were
    # unknown names: a 400 even with dropUnsupportedAttributes, so those clients got no score at all.
    others = ("TOXICITY_FAST", "MORAL_OUTRAGE_EXPERIMENTAL", "FEARMONGERING_EXPERIMENTAL")
    for name in ("SEXUALLY_EXPLICIT", "FLIRTATION", "ATTACK_ON_AUTHOR", "LIKELY_TO_REJECT", *others):
        one = {"comment": {"text": "hi"}, "requestedAttributes": {name: {}, "TOXICITY": {}}}
        assert_google_error(family_client.post(URL, json=one), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
        dropped = family_client.post(URL, json=one | {"dropUnsupportedAttributes": True})
        assert set(dropped.json()["attributeScores"]) == {"TOXICITY"}, name


def test_an_attribute_name_with_a_version_is_that_attribute(family_client, settings):
    # Perspective's API reference ("Versions"): "To use a specific version of a model, use a model name
    # of the form MODEL_NAME@VERSION_NUMBER", and attributeScores mirror the requested names (research
    # code reads response['attributeScores']['TOXICITY@6']). It was "Unknown requested attribute".
    # This service has one version of each attribute, the loaded model's: it answers any version.
    text = "You idiot, damn it."
    plain = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {}}}
    expected = family_client.post(URL, json=plain).json()["attributeScores"]
    versioned = plain | {"requestedAttributes": {"TOXICITY@6": {}, "INSULT@2": {}, "TOXICITY": {}}}
    r = family_client.post(URL, json=versioned)
    assert r.status_code == 200, r.text
    scores = r.json()["attributeScores"]
    assert scores == {"TOXICITY@6": expected["TOXICITY"], "INSULT@2": expected["INSULT"]} | {
        "TOXICITY": expected["TOXICITY"]
    }
    # A Perspective attribute we do not offer stays unsupported under its versioned name ...
    threat = plain | {"requestedAttributes": {"THREAT@2": {}}}
    error = assert_google_error(
        family_client.post(URL, json=threat), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    )
    assert error["message"] == "Attribute THREAT@2 does not support request languages: en"
    dropped = family_client.post(URL, json=threat | {"dropUnsupportedAttributes": True})
    assert dropped.status_code == 200 and dropped.json()["attributeScores"] == {}
    # ... and what is no name and version is unknown, as before.
    for name in ("TOXICTY@6", "TOXICITY@", "TOXICITY@latest", "TOXICITY@6@6", "@6", "TOXICITY@-1"):
        unknown = plain | {"requestedAttributes": {name: {}}}
        error = assert_google_error(family_client.post(URL, json=unknown), 400, "INVALID_REQUEST")
        assert error["message"] == f"Unknown requested attribute: {name}"
    # A verdict for a versioned name is the attribute's verdict.
    verdict = {"comment": {"text": text}, "attributeScores": {"INSULT@2": {"summaryScore": {"value": 1}}}}
    assert family_client.post(SUGGEST, json=verdict, headers=auth()).status_code == 200
    assert [row[1:3] for row in feedback_rows(settings)] == [("insult", 1)]


def test_the_fields_parameter_selects_a_partial_response(family_client):
    # `fields` is a standard parameter of every Google API (the discovery document lists it, and
    # googleapiclient passes analyze(body=..., fields="...") on): Google's partial response, "a/b" for a
    # member inside another, "a(b,c)" for several, "*" for every one. It was ignored: the whole answer.
    request = {
        "comment": {"text": "You idiot. Thanks for the article."},
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {}},
        "spanAnnotations": True,
        "clientToken": "f",
    }
    full = family_client.post(URL, json=request).json()
    scores = full["attributeScores"]

    def partial(selector: str, path: str = URL, body: dict = request) -> dict:
        r = family_client.post(path, params={"fields": selector, "key": TOKEN}, json=body)
        assert r.status_code == 200, (selector, r.text)
        return r.json()

    assert partial("languages") == {"languages": full["languages"]}
    assert partial("attributeScores/TOXICITY/summaryScore,clientToken") == {
        "attributeScores": {"TOXICITY": {"summaryScore": scores["TOXICITY"]["summaryScore"]}},
        "clientToken": "f",
    }
    values = {n: {"summaryScore": {"value": s["summaryScore"]["value"]}} for n, s in scores.items()}
    assert partial("attributeScores/*/summaryScore/value") == {"attributeScores": values}
    assert partial("attributeScores(TOXICITY(summaryScore(value)),INSULT/summaryScore/value)") == {
        "attributeScores": values
    }
    spans = [{"begin": s["begin"], "end": s["end"]} for s in scores["INSULT"]["spanScores"]]
    assert partial("attributeScores/INSULT/spanScores(begin,end)") == {
        "attributeScores": {"INSULT": {"spanScores": spans}}
    }
    assert partial("attributeScores/THREAT,languages") == {"attributeScores": {}, "languages": ["en"]}
    assert partial("*") == partial("") == partial("languages,*") == full
    assert partial(" languages , clientToken ") == {"languages": full["languages"], "clientToken": "f"}
    for bad, name in (
        ("nothing", "nothing"),
        ("languages/x", "languages/x"),
        ("languages/*", "languages/*"),
        ("*/value", "*/value"),
        ("attributeScores/TOXICITY/nope", "attributeScores/TOXICITY/nope"),
        ("attributeScores/TOXICITY/summaryScore/value/x", "attributeScores/TOXICITY/summaryScore/value/x"),
        ("attributeScores(", "attributeScores("),
        ("clientToken)", "clientToken)"),
        ("languages,,clientToken", "languages,,clientToken"),
        ("a" * 100 + "(" * 10_000, "a" * 100 + "(" * 10_000),
    ):
        r = family_client.post(URL, params={"fields": bad}, json=request)
        error = assert_google_error(r, 400, "INVALID_REQUEST")
        assert error["message"].startswith("Invalid field selection ") and name[:60] in error["message"], bad
    # suggestscore's answer has its own members.
    verdict = {
        "comment": {"text": "you idiot"},
        "attributeScores": {"INSULT": {"summaryScore": {"value": 1}}},
    }
    assert partial("detectedLanguages", SUGGEST, verdict) == {"detectedLanguages": ["en"]}
    r = family_client.post(SUGGEST, params={"fields": "languages", "key": TOKEN}, json=verdict)
    assert_google_error(r, 400, "INVALID_REQUEST")


def test_fields_may_be_named_as_in_the_proto(family_client):
    # Google's JSON parsing takes the proto's field names too (requested_attributes for
    # requestedAttributes), and Google's own Angular client sends them: read exactly like camelCase.
    camel = {
        "comment": {"text": "You idiot. Nice day.", "type": "PLAIN_TEXT"},
        "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.0}, "THREAT": {}},
        "dropUnsupportedAttributes": True,
        "spanAnnotations": True,
        "clientToken": "t-1",
        "languages": ["en"],
    }
    snake = {
        "comment": {"text": "You idiot. Nice day.", "type": "PLAIN_TEXT"},
        "requested_attributes": {"TOXICITY": {"score_threshold": 0.0}, "THREAT": {}},
        "drop_unsupported_attributes": True,
        "span_annotations": True,
        "client_token": "t-1",
        "languages": ["en"],
    }
    expected = family_client.post(URL, json=camel)
    assert expected.status_code == 200, expected.text
    body = expected.json()
    assert set(body["attributeScores"]) == {"TOXICITY"} and body["clientToken"] == "t-1"
    assert len(body["attributeScores"]["TOXICITY"]["spanScores"]) == 2
    assert family_client.post(URL, json=snake).json() == body
    # A threshold above the score hides it, whichever name carries it.
    civil = {"text": "Thanks for the clear article, and have a nice day."}
    hidden = camel | {"comment": civil, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.5}}}
    answer = family_client.post(URL, json=hidden).json()
    assert answer["attributeScores"] == {}
    snake_hidden = snake | {"comment": civil, "requested_attributes": {"TOXICITY": {"score_threshold": 0.5}}}
    assert family_client.post(URL, json=snake_hidden).json() == answer
    pair = {
        "comment": {"text": "The bridge budget vote."},
        "requested_attributes": {"TOXICITY": {}},
        "context": {
            "article_and_parent_comment": {"article": {"text": "A"}, "parent_comment": {"text": "B"}}
        },
    }
    both = pair | {"context": {"entries": [{"text": "C"}], **pair["context"]}}
    assert_google_error(family_client.post(URL, json=both), 400, "INVALID_REQUEST")  # read, so refused


def test_a_null_field_is_the_field_unset(family_client, settings):
    # Proto3 JSON, as Google parses it: "null is an accepted value for all field types and treated as
    # the default value". Clients that serialize every member (Go structs, C#'s Json.NET, Java's Gson
    # with serializeNulls, a Python dict of Optional[...]) send nulls; they were 400s here.
    request = {
        "comment": {"text": "You idiot. Nice day.", "type": None},
        "context": {"entries": None, "articleAndParentComment": None},
        "requestedAttributes": {"TOXICITY": {"scoreType": None, "scoreThreshold": None}},
        "spanAnnotations": None,
        "dropUnsupportedAttributes": None,
        "doNotStore": None,
        "languages": None,
        "clientToken": None,
        "sessionId": None,
        "communityId": None,
    }
    r = family_client.post(URL, json=request)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body["attributeScores"]) == {"TOXICITY"} and "clientToken" not in body
    assert len(body["attributeScores"]["TOXICITY"]["spanScores"]) == 1  # spanAnnotations unset: false
    unset = {"comment": {"text": "You idiot. Nice day."}, "requestedAttributes": {"TOXICITY": {}}}
    assert body == family_client.post(URL, json=unset).json()
    # A null text is an unset text: Perspective's COMMENT_EMPTY, not a type error.
    empty = unset | {"comment": {"text": None}}
    assert_google_error(family_client.post(URL, json=empty), 400, "COMMENT_EMPTY")
    suggest = {
        "comment": {"text": "You idiot.", "type": None},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1, "type": None}, "spanScores": None}},
        "languages": None,
        "communityId": None,
        "clientToken": None,
        "context": None,
    }
    r = family_client.post(SUGGEST, json=suggest, headers=auth())
    assert r.status_code == 200, r.text
    assert r.json() == {"detectedLanguages": ["en"]}  # no token, no requested languages
    assert [row[1:] for row in feedback_rows(settings)] == [("toxicity", 1, None)]


# HELM's toxicity metric: every call asks for these eight, and it has no option to drop any.
HELM_ATTRIBUTES = [
    "TOXICITY",
    "SEVERE_TOXICITY",
    "IDENTITY_ATTACK",
    "INSULT",
    "PROFANITY",
    "THREAT",
    "SEXUALLY_EXPLICIT",
    "FLIRTATION",
]


def test_a_site_may_drop_unsupported_attributes_for_every_request(settings):
    helm = {
        "comment": {"text": "you idiot"},
        "requestedAttributes": {n: {} for n in HELM_ATTRIBUTES},
        "languages": ["en"],
        "spanAnnotations": True,
    }
    french = helm | {"languages": ["fr"]}
    with make_client(settings, family_loader()) as default:
        assert_google_error(default.post(URL, json=helm), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
    dropping = settings.model_copy(update={"perspective_drop_unsupported": True})
    with make_client(dropping, family_loader()) as client:
        body = client.post(URL, json=helm).json()
        assert list(body["attributeScores"]) == HELM_ATTRIBUTES[:5]  # never a score for the other three
        assert all(body["attributeScores"][n]["spanScores"] for n in HELM_ATTRIBUTES[:5])
        # A language the attribute lacks is dropped the same way (INSULT and TOXICITY know French).
        assert set(client.post(URL, json=french).json()["attributeScores"]) == {"TOXICITY", "INSULT"}
        typo = helm | {"requestedAttributes": {"INSULT": {}, "INSLUT": {}}}
        assert_google_error(client.post(URL, json=typo), 400, "INVALID_REQUEST")  # a typo stays an error


@pytest.mark.parametrize("language", ["en", "fr"])
def test_coral_talk_request_with_a_toxicity_model(family_client, language):
    toxic, civil = CORAL_COMMENTS[language]
    values = []
    for text in (toxic, civil):
        r = family_client.post(URL + "?key=coral-key", json=coral_body(text, language))
        assert r.status_code == 200, r.text
        body = r.json()
        values.append(body["attributeScores"]["TOXICITY"]["summaryScore"]["value"])  # what Coral reads
        assert body["languages"] == [language]
    assert values[0] > values[1]


def test_coral_talk_request_without_a_toxicity_model_gets_the_documented_error(client):
    r = client.post(URL + "?key=coral-key", json=coral_body(CORAL_COMMENTS["fr"][0], "fr"))
    error = assert_google_error(r, 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
    assert error["message"] == "Attribute TOXICITY does not support request languages: fr"


# --- aliases --------------------------------------------------------------------------------------


def test_aliases_map_a_site_name_onto_a_model_attribute(settings):
    aliased = settings.model_copy(update={"perspective_aliases": {"TOXICITY": "INSULT"}})
    with make_client(aliased) as c:
        # quickstart.md's request, unchanged: only the URL moved.
        body = c.post(URL, json=QUICKSTART_REQUEST).json()
        direct = c.post(URL, json=with_our_attributes(QUICKSTART_REQUEST)).json()
        assert set(body["attributeScores"]) == {"TOXICITY"}
        assert body["attributeScores"]["TOXICITY"] == direct["attributeScores"]["INSULT"]
        # the documented request still names an attribute nobody maps
        error = assert_google_error(c.post(URL, json=DOC_REQUEST), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
        assert error["message"].startswith("Attribute UNSUBSTANTIAL does not support")
        r = c.post(SUGGEST, json=DOC_SUGGEST, headers=auth())
        assert r.status_code == 200, r.text
    assert [row[1:3] for row in feedback_rows(settings)] == [("insult", 0)]


def test_the_defaults_need_no_alias(settings):
    assert settings.perspective_aliases == {}
    with make_client(settings, family_loader()) as c:
        r = c.post(URL, json=QUICKSTART_REQUEST)
        assert r.status_code == 200, r.text
        assert set(r.json()["attributeScores"]) == {"TOXICITY"}


def test_an_alias_to_an_attribute_the_model_lacks_stops_the_app_at_start(settings):
    from core.errors import ConfigurationError

    bad = settings.model_copy(update={"perspective_aliases": {"TOXICITY": "TOXIC"}})
    with pytest.raises(ConfigurationError, match="TOXIC"), make_client(bad):
        pass
    # The same alias is fine with a model that carries the target.
    fine = settings.model_copy(update={"perspective_aliases": {"ATTACK_ON_COMMENTER": "TOXICITY"}})
    with make_client(fine, family_loader()) as c:
        request = {"comment": {"text": "idiot"}, "requestedAttributes": {"ATTACK_ON_COMMENTER": {}}}
        assert c.post(URL, json=request).json()["attributeScores"]["ATTACK_ON_COMMENTER"]
