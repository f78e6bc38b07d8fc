"""Perspective API languages: detection, request languages, sentences and weak guesses."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core.records import Scores
from service.api import perspective_protocol as pp
from tests.service.api.conftest import (
    FAMILY,
    FAMILY_LANGUAGES,
    TOKEN,
    FakeScorer,
    assert_google_error,
    family_loader,
    make_client,
)
from tests.service.api.perspective_helpers import (
    SUGGEST,
    URL,
    language_detail,
)


@pytest.fixture(scope="module")
def shipped_client(tmp_path_factory: pytest.TempPathFactory, real_model_dir) -> Iterator[TestClient]:
    """The API over the shipped model (Scorer.load: its language detector and manifest)."""
    from service.api.app import create_app
    from service.settings import Settings

    tmp = tmp_path_factory.mktemp("shipped")
    settings = Settings(model_dir=real_model_dir, db_path=tmp / "f.sqlite3", api_token="t" * 16)
    with TestClient(create_app(settings)) as client:  # the default loader: Scorer.load(model_dir)
        yield client


def test_detected_language_decides_which_attributes_may_answer(family_client):
    french = "Espèce de crétin, vous êtes un abruti et cet article est nul."
    request = {"comment": {"text": french}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {}}}
    body = family_client.post(URL, json=request).json()
    assert body["languages"] == ["fr"] and body["detectedLanguages"] == ["fr"]
    assert body["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.1
    # PROFANITY is trained for English only: Perspective's 400, naming the detected language ...
    request["requestedAttributes"]["PROFANITY"] = {}
    error = assert_google_error(
        family_client.post(URL, json=request), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    )
    assert error["message"] == "Attribute PROFANITY does not support request languages: fr"
    assert language_detail(error) == {"attribute": "PROFANITY", "detectedLanguages": ["fr"]}
    # ... or dropped.
    body = family_client.post(URL, json=request | {"dropUnsupportedAttributes": True}).json()
    assert set(body["attributeScores"]) == {"TOXICITY", "INSULT"}


def test_request_languages_override_detection_and_reach_the_scorer(family_client):
    scorer = family_client.app.state.moderation.models.current
    text = "Espèce de crétin, vous êtes un abruti."
    request = {"comment": {"text": text}, "languages": ["de-DE"], "requestedAttributes": {"TOXICITY": {}}}
    body = family_client.post(URL, json=request).json()
    assert body["languages"] == ["de-DE"]  # mirrors the request
    # Detected from the text, as Google documents it (it was the request's first language), while the
    # comment is scored in the requested one.
    assert body["detectedLanguages"] == ["fr"]
    assert scorer.languages_seen[-1] == "de"
    error = assert_google_error(
        family_client.post(URL, json=request | {"requestedAttributes": {"TOXICITY": {}, "INSULT": {}}}),
        400,
        "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
    )
    assert error["message"] == "Attribute INSULT does not support request languages: de"
    assert language_detail(error) == {"attribute": "INSULT", "requestedLanguages": ["de"]}
    # An English comment declared French is scored as French, as Perspective does, and detected English.
    english = {"comment": {"text": "you idiot"}, "languages": ["fr"], "requestedAttributes": {"INSULT": {}}}
    answer = family_client.post(URL, json=english).json()
    assert answer["languages"] == ["fr"] and answer["detectedLanguages"] == ["en"]
    assert scorer.languages_seen[-1] == "fr"


def test_a_language_that_is_no_tag_is_invalid(family_client):
    text = "Espèce de crétin, vous êtes un abruti."
    request = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}}
    for bad in ("deutsch", "12", "e"):  # with the attributes dropped, this reached the scorer: a 500
        for drop in (True, False):
            body = request | {"languages": [bad], "dropUnsupportedAttributes": drop}
            error = assert_google_error(family_client.post(URL, json=body), 400, "INVALID_REQUEST")
            assert repr(bad) in error["message"]
    for tag in (
        "und",
        "mul",
        "zxx",
    ):  # a request naming no language: Perspective supports it with no attribute
        dropped = request | {"languages": [tag], "dropUnsupportedAttributes": True}
        answer = family_client.post(URL, json=dropped).json()
        assert answer["attributeScores"] == {}
        # the request's languages, and the language detected in the text
        assert answer["languages"] == [tag] and answer["detectedLanguages"] == ["fr"]
    body = family_client.post(URL, json=request | {"languages": ["frc"]})
    assert body.status_code == 400  # a well-formed tag of a language no model has: not supported


def test_a_scorer_without_the_language_argument_is_still_served(settings):
    from service.api.perspective_protocol import accepts_language
    from tests.service.api.conftest import FakeScorer

    class Old(FakeScorer):
        def score(self, texts, article=None, *, use_thread=True):  # the pre-contract signature
            return super().score(texts, article, use_thread=use_thread)

    assert accepts_language(FakeScorer()) and not accepts_language(Old())

    class Unhashable:  # a callable object as ``score`` (the answer is cached per function, when it can be)
        __hash__ = None

        def __call__(self, texts, article=None, *, language=None):
            return []

    scorer = FakeScorer()
    scorer.score = Unhashable()  # type: ignore[method-assign]
    assert accepts_language(scorer)
    with make_client(settings, lambda _dir: Old()) as c:
        request = {"comment": {"text": "x idiot"}, "languages": ["en"], "requestedAttributes": {"INSULT": {}}}
        r = c.post(URL, json=request)
        assert r.status_code == 200, r.text


def test_sentences_are_scored_in_the_comment_language(family_client):
    scorer = family_client.app.state.moderation.models.current
    text = "Espèce de crétin, vous êtes un abruti. Idiot."  # the second "sentence" alone reads English
    request = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "spanAnnotations": True}
    body = family_client.post(URL, json=request).json()
    assert body["detectedLanguages"] == ["fr"]
    assert scorer.languages_seen[-2:] == [
        None,
        "fr",
    ]  # detected for the comment, then forced on its sentences
    assert len(body["attributeScores"]["TOXICITY"]["spanScores"]) == 2


class _UndeterminedScorer(FakeScorer):
    """Cannot place a comment of several sentences (the real detector's "Quel idiot. Stupid."): judges
    it in its likeliest guess, French; a sentence alone it places by its words, as the toy detector."""

    def score(self, texts, article=None, *, language=None, **kwargs):
        out = super().score(texts, article, language=language, **kwargs)
        if language is not None:
            return out
        return [
            Scores(s.values, s.context, None, frozenset(), "fr") if len(pp.sentence_spans(t)) > 1 else s
            for s, t in zip(out, texts, strict=True)
        ]


def test_sentences_of_an_undetermined_comment_are_scored_in_the_summarys_language(settings):
    # The summary was judged in French (the guess), but each sentence was detected on its own ("Idiot."
    # as English): one comment answered in two languages. The sentences now take the summary's.
    def loader(model_dir):
        return _UndeterminedScorer(attributes=FAMILY, languages=FAMILY_LANGUAGES, detects=True)

    with make_client(settings, loader) as c:
        text = "Quel crétin. Idiot."
        request = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}}
        request["spanAnnotations"] = True
        body = c.post(URL, json=request).json()
        scorer = c.app.state.moderation.models.current
    assert body["detectedLanguages"] == ["fr"]
    assert scorer.languages_seen[-2:] == [None, "fr"]
    assert len(body["attributeScores"]["TOXICITY"]["spanScores"]) == 2


def test_a_best_guess_from_another_languages_model_is_still_perspectives_score(settings):
    # An undetermined comment read as English whose insult a weak guess sent to another language's
    # model: the native API marks it unsupported and never rejects on it, but a Perspective client
    # reading INSULT gets the score, not a 400 for a short English comment.
    from core.records import Scores
    from tests.service.api.conftest import FakeScorer

    class Guessing(FakeScorer):
        def score(self, texts, article=None, *, use_thread=True, language=None, same_source=False):
            got = super().score(texts, article, use_thread=use_thread, language=language)
            flags = frozenset({"insult"})
            return [Scores(s.as_dict(), s.context, None, flags, None, guessed=flags) for s in got]

    with make_client(settings, lambda _dir: Guessing()) as c:
        request = {"comment": {"text": "you clown!!!"}, "requestedAttributes": {"INSULT": {}}}
        r = c.post(URL, json=request)
        assert r.status_code == 200, r.text
        assert 0.0 <= r.json()["attributeScores"]["INSULT"]["summaryScore"]["value"] <= 1.0
        native = c.post("/v1/comments:score", json={"comments": [{"text": "you clown!!!"}]})
        assert native.status_code == 200, native.text
        assert native.json()["results"][0]["language_supported"]["insult"] is False


def test_spans_of_an_attribute_a_weak_guess_sent_elsewhere_are_scored_by_that_model(settings):
    # "I am proud to be your friend, Denny... Tanks..." is judged `en`, but the detector's weak guess
    # (de 0.2) sent its INSULT summary to the German model; its spans were still the English model's.
    # Each span of such an attribute is now its sentence scored in the language whose model scored the
    # summary; the other attributes' spans stay in the judged language.
    from core.records import Scores
    from tests.service.api.conftest import FAMILY, FakeScorer

    class Guessing(FakeScorer):
        def score(self, texts, article=None, *, use_thread=True, language=None, same_source=False):
            got = super().score(texts, article, use_thread=use_thread, language=language)
            value = {"de": 0.75, "en": 0.25}.get(language or "", 0.5)  # which model read each text
            scores = [Scores(s.as_dict() | {"insult": value, "toxicity": value}, s.context) for s in got]
            if language is not None:
                return scores
            guessed = frozenset({"insult"})
            return [
                Scores(s.values, s.context, None, guessed, None, guessed, {"insult": "de"}) for s in scores
            ]

    text = "I am proud to be your friend, Denny. Tanks."
    with make_client(settings, lambda _dir: Guessing(attributes=FAMILY)) as c:
        request = {
            "comment": {"text": text},
            "requestedAttributes": {"INSULT": {}, "TOXICITY": {}},
            "spanAnnotations": True,
        }
        r = c.post(URL, json=request)
        assert r.status_code == 200, r.text
        scores = r.json()["attributeScores"]
    assert r.json()["detectedLanguages"] == ["en"]
    assert [s["score"]["value"] for s in scores["INSULT"]["spanScores"]] == [0.75, 0.75]
    assert [s["score"]["value"] for s in scores["TOXICITY"]["spanScores"]] == [0.25, 0.25]


def test_a_short_english_comment_is_not_refused_on_a_weak_guess_of_another_language(shipped_client):
    """Issues #12, #13: without `languages`, "You stupid moron." (pl 0.34, en 0.22) and "You are a
    Moron." (eo 0.50) answered every attribute with LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE: pl / eo. They
    are judged English now, on this endpoint and the native API alike; a confident Polish comment is
    still refused, never given a made-up score."""
    attributes = {"TOXICITY": {}, "INSULT": {}, "PROFANITY": {}}
    for text in ("You stupid moron.", "What a stupid moron.", "You are a Moron."):
        response = shipped_client.post(
            URL, json={"comment": {"text": text}, "requestedAttributes": attributes}
        )
        assert response.status_code == 200, (text, response.text)
        body = response.json()
        assert body["languages"] == ["en"] and body["detectedLanguages"] == ["en"], text
        assert body["attributeScores"]["INSULT"]["summaryScore"]["value"] > 0.5, text
        native = shipped_client.post("/v1/comments:score", json={"comments": [{"text": text}]}).json()
        result = native["results"][0]
        assert result["judged_language"] == "en" and all(result["language_supported"].values()), text
    polish = "Jesteś głupim idiotą i nic nie rozumiesz."
    request = {"comment": {"text": polish}, "requestedAttributes": {"TOXICITY": {}}}
    error = assert_google_error(
        shipped_client.post(URL, json=request), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    )
    assert error["message"] == "Attribute TOXICITY does not support request languages: pl"
    assert language_detail(error) == {"attribute": "TOXICITY", "detectedLanguages": ["pl"]}


def _count_detections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the language detector is asked about from now on (the list grows as it is called)."""
    from model.language import LanguageDetector

    detected: list[str] = []
    real = LanguageDetector.detect_with_confidence

    def counting(self, texts, *args, **kwargs):
        detected.extend(texts)
        return real(self, texts, *args, **kwargs)

    monkeypatch.setattr(LanguageDetector, "detect_with_confidence", counting)
    return detected


def test_each_comment_is_detected_once_with_or_without_languages(shipped_client, monkeypatch):
    """comments:analyze detects the comment and its parent once per request: in the scoring when no
    language is named, in the detection alone (``judged_languages``) when `languages` forces one (the
    forced scoring detects nothing). Sentences are scored in a known language: never detected."""
    detected = _count_detections(monkeypatch)
    text = "You are an idiot. Go away now."
    parent = "Das ist ein guter Artikel, danke."
    context = {"articleAndParentComment": {"parentComment": {"text": parent}}}
    for languages in (None, ["en"], ["de"]):
        body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "spanAnnotations": True}
        for extra in ({}, {"context": context}):
            detected.clear()
            request = {**body, **extra, **({"languages": languages} if languages else {})}
            response = shipped_client.post(URL, json=request)
            assert response.status_code == 200, response.text
            assert response.json()["detectedLanguages"] == ["en"]
            assert sorted(detected) == sorted([text, *([parent] if extra else [])]), (languages, extra)


def test_every_perspective_path_detects_each_comment_once(shipped_client, monkeypatch):
    """Session 23 found comments:analyze with `languages` detecting each comment twice (in the scoring,
    and again for detectedLanguages). Every Perspective path detects the comment and its parent once per
    call: comments:analyze with and without `languages`, comments:suggestscore (detection alone, nothing
    scored), each alone and as parts of one /batch; the article, when given, once at most per text."""
    from tests.service.api.test_batch import (
        answer_parts,
        inner_status_and_json,
        part,
        post_batch,
    )

    detected = _count_detections(monkeypatch)
    text = "You are an idiot. Go away now."
    parent = "Das ist ein guter Artikel, danke."
    article = "Le conseil municipal a adopté lundi le budget du pont."
    context = {"articleAndParentComment": {"article": {"text": article}, "parentComment": {"text": parent}}}
    analyze = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "context": context}
    suggest = {
        "comment": {"text": text},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}},
        "context": context,
    }
    key = "t" * 16  # the shipped client's token
    calls = [
        (URL, analyze),
        (URL, {**analyze, "spanAnnotations": True}),
        (URL, {**analyze, "languages": ["en"]}),
        (URL, {**analyze, "languages": ["de"], "spanAnnotations": True}),
        (SUGGEST, suggest),
        (SUGGEST, {**suggest, "languages": ["fr"]}),
    ]
    for path, body in calls:
        detected.clear()
        response = shipped_client.post(f"{path}?key={key}", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["detectedLanguages"] == ["en"], (path, body)
        assert (detected.count(text), detected.count(parent)) == (1, 1), (path, body, detected)
        assert len(detected) <= 3, (path, body, detected)  # and the article's first characters, if at all
    detected.clear()
    parts = []
    for i, (path, body) in enumerate(calls):
        payload = json.dumps(body).encode()
        head = f"POST {path}?key={key} HTTP/1.1\r\nContent-Type: application/json\r\nHost: x\r\n"
        request = head.encode() + f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload
        parts.append(part(request, f"<base + {i + 1}>"))
    response = post_batch(shipped_client, *parts)
    answers = [inner_status_and_json(m) for m in answer_parts(response)]
    assert [status for status, _ in answers] == [200] * len(calls), answers
    assert (detected.count(text), detected.count(parent)) == (len(calls), len(calls)), detected


def test_requested_languages_are_checked_once_and_the_names_built_once(settings, monkeypatch):
    """With `languages`, comments:analyze checked every requested attribute against the requested
    languages before scoring and again after; and comments:analyze and comments:suggestscore built the
    {Perspective name: attribute} map on every request. Now each attribute is checked once per request
    and the map is built once for the app's model."""
    built: list[int] = []
    checked: list[str] = []
    real_offered, real_supported = pp.offered, pp.supported_languages
    monkeypatch.setattr(pp, "offered", lambda *args: built.append(1) or real_offered(*args))

    def supported(scorer, attribute):
        checked.append(attribute)
        return real_supported(scorer, attribute)

    monkeypatch.setattr(pp, "supported_languages", supported)
    text = "Espèce de crétin, vous êtes un abruti."
    asked = {"TOXICITY": {}, "INSULT": {}}
    with make_client(settings, family_loader()) as client:
        for _ in range(3):
            checked.clear()
            request = {"comment": {"text": text}, "languages": ["fr"], "requestedAttributes": asked}
            body = client.post(URL, json=request).json()
            assert set(body["attributeScores"]) == set(asked) and body["languages"] == ["fr"], body
            assert sorted(checked) == ["insult", "toxicity"]
            suggested = {
                "comment": {"text": text},
                "attributeScores": {"INSULT": {"summaryScore": {"value": 1}}},
            }
            response = client.post(f"{SUGGEST}?key={TOKEN}", json=suggested)
            assert response.status_code == 200, response.text
        # Detected, not requested: the languages are known only once scored, and checked then (once).
        checked.clear()
        body = client.post(URL, json={"comment": {"text": text}, "requestedAttributes": asked}).json()
        assert body["languages"] == ["fr"] and sorted(checked) == ["insult", "toxicity"]
    assert built == [1]
