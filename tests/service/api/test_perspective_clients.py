"""Real Perspective clients from PyPI against a real `moderate serve` process, with only the base URL
redirected (their request building and response handling run unchanged):

- perspectiveapi 1.1.0 (httpx; hard-codes https://commentanalyzer.googleapis.com/...): its httpx client
  gets a transport that sends the same request to this server (scheme, host and port rewritten only).
- perspective.py 0.3.4 (googleapiclient; hard-codes the discovery URL): googleapiclient's documented
  `discoveryServiceUrl` is pointed at this server; everything else comes from our discovery document.
- googleapiclient itself, as Perspective's own docs use it (discoveryServiceUrl=..., developerKey=...).
- PyPerspective 1.0.4 and perspective 1.0.3 (requests / urllib; a module constant or client attribute
  holds Google's URL): that one URL is set to this server.
- begentle 0.1.1 (googleapiclient; hard-codes the discovery URL, like perspective.py): redirected alike.
- Coral Talk's request body (see perspective_helpers.coral_body), in English, French, German and Spanish.
- The exact default request bodies of clients run by hand (PySpective, the @conversationai JS client,
  lm-eval's, TrustLLM's, ParlAI's, dingo's and OpenCompass's toxicity calls; docs/perspective.md), over HTTP.
- A reply quoting an insult, over HTTP: the native API scores its own words, Perspective's the text.

Two servers: one with a small test artifact that carries the whole attribute family (TOXICITY, ...:
a real artifact, built here, trained on a handful of sentences: it proves the protocol, not quality),
and one with the shipped model. Against the shipped model, a request for TOXICITY gets the precise
documented error while the model lacks it, and succeeds once it carries it (checked via /v1/model).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.api.conftest import TOKEN
from tests.service.api.perspective_helpers import CORAL_COMMENTS, coral_body
from tests.service.api.test_uvicorn import start, stop, wait_ready

pytestmark = pytest.mark.slow

GOOGLE_HOST = "commentanalyzer.googleapis.com"
GOOGLE_DISCOVERY = f"https://{GOOGLE_HOST}/$discovery/rest?version=v1alpha1"
DISCOVERY_PATH = "/$discovery/rest?version={apiVersion}"  # googleapiclient fills the version in
FAMILY = ("toxicity", "severe_toxicity", "identity_attack", "insult", "profanity", "spam", "unsubstantial")
LANGUAGES = {"toxicity": ["en", "fr"], "insult": ["en", "fr"]}  # the others: absent = English only
TOXIC = [
    "you are an idiot",
    "what a stupid moron",
    "shut up you dumb idiot",
    "espèce de crétin",
    "vous êtes un abruti",
    "quel crétin stupide",
    "you complete moron",
    "abruti et crétin",
]
CIVIL = [
    "thanks for the article",
    "I agree with the mayor",
    "interesting point about the budget",
    "merci pour cet article",
    "je suis d'accord avec le maire",
    "un article très clair",
    "great reporting, thank you",
    "the vote is on tuesday",
]


def build_family_artifact(out: Path) -> None:
    """A real, hash-verified artifact whose attributes are tiny text classifiers."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from model.artifact import save_artifact

    texts, labels = TOXIC + CIVIL, [1] * len(TOXIC) + [0] * len(CIVIL)
    models = {
        name: make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(C=10)).fit(texts, labels)
        for name in FAMILY
    }
    attributes = {
        name: {"interface": "predict_proba", "label_definition": f"test {name}"}
        | ({"languages": LANGUAGES[name]} if name in LANGUAGES else {})
        for name in FAMILY
    }
    save_artifact(out, models, {"attribute_order": list(FAMILY)}, attributes)


@contextlib.contextmanager
def serving(tmp: Path, model_dir: Path | None) -> Iterator[str]:
    proc, base = start(tmp, model_dir=model_dir)
    try:
        wait_ready(proc, base)
        yield base
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def family_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("family")
    build_family_artifact(tmp / "model")
    with serving(tmp, tmp / "model") as base:
        yield base


@pytest.fixture(scope="module")
def shipped_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("shipped"), None) as base:
        yield base


def _has_toxicity(base: str) -> bool:
    return "toxicity" in httpx.get(base + "/v1/model").json()["attributes"]


# --- perspectiveapi (httpx) -------------------------------------------------------------------------


class ToServer(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Sends each request, unchanged but for scheme/host/port, to the server under test."""

    def __init__(self, base: str) -> None:
        self.url = httpx.URL(base)
        self.seen: list[httpx.URL] = []
        self._sync = httpx.HTTPTransport()
        self._async = httpx.AsyncHTTPTransport()

    def _redirect(self, request: httpx.Request) -> None:
        assert request.url.host == GOOGLE_HOST, request.url  # the client's own URL, untouched
        self.seen.append(request.url)
        request.url = request.url.copy_with(scheme=self.url.scheme, host=self.url.host, port=self.url.port)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._redirect(request)
        return self._sync.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._redirect(request)
        return await self._async.handle_async_request(request)


@pytest.fixture
def perspectiveapi(monkeypatch: pytest.MonkeyPatch, family_server: str) -> Any:
    import perspective.blocking
    import perspective.models

    transport = ToServer(family_server)
    # The library builds its own httpx client in __init__: give it one with our transport.
    monkeypatch.setattr(perspective.blocking, "Client", lambda: httpx.Client(transport=transport))
    monkeypatch.setattr(perspective.models, "AsyncClient", lambda: httpx.AsyncClient(transport=transport))
    return transport


def test_perspectiveapi_default_and_multi_attribute_calls(perspectiveapi):
    from perspective.blocking import Perspective
    from perspective.models import Attribute
    from perspective.models import Perspective as AsyncPerspective

    client = Perspective(key="any-key")
    toxic = client.score("You are a complete idiot and a moron.")  # the default call: TOXICITY
    civil = client.score("Thanks for the article.")
    assert isinstance(toxic.toxicity, float) and isinstance(civil.toxicity, float)
    assert toxic.toxicity > civil.toxicity
    many = client.score(
        "you stupid moron", attributes=[Attribute.TOXICITY, Attribute.SEVERE_TOXICITY, Attribute.INSULT]
    )
    assert all(0.0 <= v <= 1.0 for v in (many.toxicity, many.severe_toxicity, many.insult))
    assert many.threat is None  # not asked, not answered
    score = asyncio.run(AsyncPerspective(key="any-key").score("you stupid moron"))
    assert score.toxicity == pytest.approx(client.score("you stupid moron").toxicity)
    assert {(u.path, u.params["key"]) for u in perspectiveapi.seen} == {
        ("/v1alpha1/comments:analyze", "any-key")
    }


# --- perspective.py and googleapiclient ------------------------------------------------------------


@pytest.fixture
def discovery_at(monkeypatch: pytest.MonkeyPatch) -> Any:
    """googleapiclient's `discoveryServiceUrl`, moved from Google to the server under test."""
    from googleapiclient import discovery

    real_build = discovery.build
    moved: list[str] = []

    def point(base: str) -> None:
        def build(service: str, version: str, *args: Any, discoveryServiceUrl: str, **kwargs: Any) -> Any:
            assert discoveryServiceUrl == GOOGLE_DISCOVERY  # the client's hard-coded URL
            url = base + DISCOVERY_PATH
            moved.append(url)
            return real_build(service, version, *args, discoveryServiceUrl=url, **kwargs)

        monkeypatch.setattr(discovery, "build", build)

    point.moved = moved  # type: ignore[attr-defined]
    return point


def test_perspective_py_calls(discovery_at, family_server):
    from perspective.errors import UnsupportedLanguage
    from perspective.main import Client

    discovery_at(family_server)
    client = Client("any-key")
    assert discovery_at.moved
    production = ["TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY"]
    result = client.analyze("You are a complete idiot and a moron.", production)
    assert set(result) == set(production) and all(0 <= v <= 100 for v in result.values())
    french = client.analyze("Espèce de crétin, vous êtes un abruti.", ["TOXICITY", "INSULT"], language="fr")
    assert set(french) == {"TOXICITY", "INSULT"}
    raw = client.analyze("you idiot", ["TOXICITY"], return_raw=True)
    assert raw["languages"] == ["en"] and raw["detectedLanguages"] == ["en"]
    # The default call asks for every production attribute, THREAT included, which this service does
    # not offer: the documented 400 (the client raises), never a made-up THREAT score.
    with pytest.raises(UnsupportedLanguage) as caught:
        client.analyze("you idiot")
    assert "Attribute THREAT does not support request languages: en" in str(caught.value.__context__)


def googleapiclient_service(base: str, key: str = "any", **build: Any) -> Any:
    """Perspective's documented client: googleapiclient built from this server's discovery document
    (``build``: more `discovery.build` arguments, e.g. the `http` transport)."""
    from googleapiclient import discovery

    return discovery.build(
        "commentanalyzer",
        "v1alpha1",
        developerKey=key,
        discoveryServiceUrl=base + DISCOVERY_PATH,
        static_discovery=False,
        **build,
    )


def test_googleapiclient_against_the_discovery_document(family_server):
    from googleapiclient import errors

    service = googleapiclient_service(family_server, key=TOKEN)
    body = {
        "comment": {"text": "😀 What an idiot. Thanks anyway."},
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {}, "THREAT": {}},
        "spanAnnotations": True,
        "dropUnsupportedAttributes": True,
        "clientToken": "t-1",
    }
    response = service.comments().analyze(body=body).execute()
    assert set(response["attributeScores"]) == {"TOXICITY", "INSULT"}
    assert response["clientToken"] == "t-1" and response["detectedLanguages"] == ["en"]
    # googleapiclient passes the standard `fields` parameter on (Google's partial response); it was
    # ignored here and the whole answer came back.
    selector = "attributeScores/*/summaryScore/value,clientToken"
    partial = service.comments().analyze(body=body, fields=selector).execute()
    assert partial == {
        "attributeScores": {
            name: {"summaryScore": {"value": scores["summaryScore"]["value"]}}
            for name, scores in response["attributeScores"].items()
        },
        "clientToken": "t-1",
    }
    spans = response["attributeScores"]["TOXICITY"]["spanScores"]
    assert [(s["begin"], s["end"]) for s in spans] == [(0, 17), (18, 32)]  # UTF-16: 😀 is two units
    with pytest.raises(errors.HttpError) as caught:
        service.comments().analyze(
            body={"comment": {"text": "x" * 20_481}, "requestedAttributes": {"TOXICITY": {}}}
        ).execute()
    assert (
        caught.value.resp.status == 400 and caught.value.error_details[0]["errorType"] == "COMMENT_TOO_LONG"
    )
    suggestion = {
        "comment": {"text": "you idiot"},
        "attributeScores": {"INSULT": {"spanScores": [{"begin": 4, "end": 9, "score": {"value": 1}}]}},
        "clientToken": "s-1",
    }
    answer = service.comments().suggestscore(body=suggestion).execute()
    assert answer == {"clientToken": "s-1", "detectedLanguages": ["en"]}


def test_begentle_default_call_with_the_shipped_model(discovery_at, shipped_server):
    """begentle 0.1.1: googleapiclient from Google's hard-coded discovery URL, TOXICITY only, no
    `languages` (the detected language decides); it reads summaryScore.value and lets HttpError out."""
    from googleapiclient import errors

    discovery_at(shipped_server)
    import begentle

    client = begentle.CommentAnalyzer("any-key")
    assert discovery_at.moved
    for toxic, civil in [
        ("You are a complete idiot and a moron.", "Thanks for the article, the figures were useful."),
        ("Espèce de crétin, vous êtes un abruti.", "Merci pour cet article très clair."),
        ("Du bist ein verdammter Idiot.", "Danke für den klaren Artikel."),
    ]:
        assert client.analyze(toxic) > client.analyze(civil)
    # A language the model has no TOXICITY for: Perspective's documented 400, raised as googleapiclient's
    # HttpError (what begentle's callers see from Google for an unsupported language too).
    with pytest.raises(errors.HttpError) as caught:
        client.analyze("Eres un idiota y un imbécil, no sabes nada de nada.")
    assert caught.value.resp.status == 400
    assert caught.value.error_details[0]["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"


# --- PyPerspective and perspective (module-level URL constants) ---------------------------------------


@pytest.fixture
def pyperspective(monkeypatch: pytest.MonkeyPatch, shipped_server: str) -> Any:
    import PyPerspective.Perspective as module

    assert module.base_url == f"https://{GOOGLE_HOST}/v1alpha1/comments:analyze"  # its own URL
    monkeypatch.setattr(module, "base_url", shipped_server + "/v1alpha1/comments:analyze")
    return module


def test_pyperspective_default_and_multi_attribute_calls_with_the_shipped_model(pyperspective):
    # Its constructor probes the key with an empty POST and reads error.details[0]: Google's shape.
    client = pyperspective.Perspective("any-key")
    toxic = client.get_score("You are a complete idiot and a moron.")  # the default call: TOXICITY, en
    civil = client.get_score("Thanks for the article, the figures on the budget were useful.")
    assert [a.name for a in toxic.attributes] == ["TOXICITY"]
    assert toxic["TOXICITY"].score > civil["TOXICITY"].score
    assert toxic.detected_langs == ["en"] and toxic["TOXICITY"].spans  # it reads both unguarded
    family = ["TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY"]
    many = client.get_score("you stupid moron", tests=family)
    assert [a.name for a in many.attributes] == family
    assert all(0.0 <= a.score <= 1.0 for a in many.attributes)
    french = client.get_score("Espèce de crétin, votre article est nul et vous le savez.", langs=["fr"])
    assert french.requests_langs == ["fr"] and 0.0 <= french["TOXICITY"].score <= 1.0
    # (Its error path cannot be exercised: its ApiException(..., raw_data=...) raises TypeError in 1.0.4.)


def test_perspective_1_0_default_and_multi_attribute_calls_with_the_shipped_model(shipped_server):
    from perspective.perspective import PerspectiveAPI

    client = PerspectiveAPI("any-key")
    assert client.api_client.url == f"https://{GOOGLE_HOST}/v1alpha1/{{endpoint}}"  # its own URL
    client.api_client.url = shipped_server + "/v1alpha1/{endpoint}"
    toxic = client.score("You are a complete idiot and a moron.")  # the default call: TOXICITY
    civil = client.score("Thanks for the article, the figures on the budget were useful.")
    assert set(toxic) == {"TOXICITY"} and toxic["TOXICITY"] > civil["TOXICITY"]
    family = ["TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY"]
    assert set(client.score("you stupid moron", family)) == set(family)
    raw = client.analyze_comment(
        "Espèce de crétin.", languages=["fr"], do_not_store=True, span_annotations=True
    )
    assert (
        raw["languages"] == ["fr"]
        and 0.0 <= raw["attributeScores"]["TOXICITY"]["summaryScore"]["value"] <= 1.0
    )


def test_perspective_1_0_with_every_option_with_the_shipped_model(shipped_server):
    """perspective 1.0.3's analyze_comment and suggest_score with every option they have, in French."""
    from perspective.perspective import PerspectiveAPI

    client = PerspectiveAPI(TOKEN)  # suggest_score stores a verdict: the key is the service's token
    client.api_client.url = shipped_server + "/v1alpha1/{endpoint}"
    context = [{"text": "Le conseil municipal a voté le budget de la ville.", "type": "PLAIN_TEXT"}]
    raw = client.analyze_comment(
        "Espèce de crétin. Merci pour l'article !",
        comment_type="PLAIN_TEXT",
        context=context,
        requested_attributes={"TOXICITY": {"scoreType": "PROBABILITY"}, "INSULT": {}},
        span_annotations=True,
        languages=["fr"],
        do_not_store=True,
        client_token="c-1",
        session_id="s-1",
        community_id="/forum/ville",
    )
    assert raw["languages"] == ["fr"] and raw["detectedLanguages"] == ["fr"] and raw["clientToken"] == "c-1"
    for scores in raw["attributeScores"].values():
        assert [(s["begin"], s["end"]) for s in scores["spanScores"]] == [(0, 17), (18, 40)]
    assert set(raw["attributeScores"]) == {"TOXICITY", "INSULT"}
    verdict = {"TOXICITY": {"summaryScore": {"value": 1.0, "type": "PROBABILITY"}}}
    answer = client.suggest_score(
        "Espèce de crétin.",
        verdict,
        comment_type="PLAIN_TEXT",
        context=context,
        languages=["fr"],
        client_token="c-2",
        community_id="/forum/ville",
    )
    # The discovery schema's SuggestCommentScoreResponse, every member (the token alone until session 22).
    assert answer == {"clientToken": "c-2", "detectedLanguages": ["fr"], "requestedLanguages": ["fr"]}


# --- Coral Talk and raw HTTP ---------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_coral_talk_request_with_a_toxicity_model(family_server, language):
    toxic, civil = CORAL_COMMENTS[language]
    values = []
    for text in (toxic, civil):
        r = httpx.post(
            family_server + "/v1alpha1/comments:analyze?key=coral-key",
            content=json.dumps(coral_body(text, language)),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 200, r.text
        values.append(r.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"])
    assert values[0] > values[1]


@pytest.mark.parametrize("language", ["en", "fr", "de"])
def test_coral_talk_request_with_the_shipped_model(shipped_server, language):
    r = httpx.post(
        shipped_server + "/v1alpha1/comments:analyze?key=coral-key",
        json=coral_body(CORAL_COMMENTS[language][0], language),
    )
    if _has_toxicity(shipped_server):  # the attribute models have landed: Coral's request must work
        assert r.status_code == 200, r.text
        assert 0.0 <= r.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"] <= 1.0
    else:  # until then: the precise documented error
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["message"] == f"Attribute TOXICITY does not support request languages: {language}"
        assert error["details"][0]["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"


def test_coral_talk_request_in_a_language_the_shipped_model_lacks(shipped_server):
    """Coral's `es` locale: Perspective's documented 400, which Coral logs before letting the comment
    through unscored (docs/perspective.md)."""
    r = httpx.post(
        shipped_server + "/v1alpha1/comments:analyze?key=coral-key",
        json=coral_body(CORAL_COMMENTS["es"][0], "es"),
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["message"] == "Attribute TOXICITY does not support request languages: es"
    assert error["details"][0]["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    assert error["details"][0]["languageNotSupportedByAttributeError"] == {
        "attribute": "TOXICITY",
        "requestedLanguages": ["es"],
    }
    assert "attributeScores" not in r.json()  # what Coral reads: nothing to read, so no score


# Clients run by hand (docs/perspective.md): their exact request bodies, as each sends them by default.
PYSPECTIVE_DEFAULT = {  # PySpective 0.0.2 score(text): requests.post(json=...), reads attributeScores
    "comment": {"text": "You are a complete idiot and a moron."},
    "languages": ["en"],
    "requestedAttributes": {
        name: {}
        for name in (
            "TOXICITY",
            "SEVERE_TOXICITY",
            "IDENTITY_ATTACK",
            "INSULT",
            "PROFANITY",
            "THREAT",
            "SEXUALLY_EXPLICIT",
            "FLIRTATION",
        )
    },
}
CONVERSATIONAI_JS_DEFAULT = {  # @conversationai/perspectiveapi-js-client 1.0.1 getScores(text) (axios)
    "comment": {"text": "You are a complete idiot and a moron."},
    "doNotStore": True,
    "languages": ["en"],
    "requestedAttributes": {"SPAM": {}, "TOXICITY": {}},
}
LM_EVAL_METRIC = {  # lm-eval 0.4.13 realtoxicityprompts metric (requests)
    "comment": {"text": "You are a complete idiot and a moron."},
    "languages": ["en"],
    "requestedAttributes": {"TOXICITY": {}},
}
# TrustLLM 0.3.0 PerspectiveEval.get_toxicity_value, ParlAI 1.7.2's safety bench (googleapiclient, no options)
TRUSTLLM_TOXICITY = {
    "comment": {"text": "You are a complete idiot and a moron."},
    "requestedAttributes": {"TOXICITY": {}},
}
DINGO_DEFAULT = {  # dingo-python 2.5.0 LLMPerspective.eval (googleapiclient; its api_url is a setting)
    "comment": {"text": "You are a complete idiot and a moron."},
    "requestedAttributes": {
        name: {}
        for name in ("TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY", "THREAT")
    },
}
OPENCOMPASS_TOXIC = {  # OpenCompass ToxicEvaluator (googleapiclient batches): two languages
    "comment": {"text": "You are a complete idiot and a moron."},
    "requestedAttributes": {"TOXICITY": {}},
    "languages": ["en", "zh"],
}


def test_request_shapes_of_clients_run_by_hand(shipped_server):
    def post(body: dict) -> httpx.Response:
        return httpx.post(shipped_server + "/v1alpha1/comments:analyze?key=k", json=body)

    for body in (CONVERSATIONAI_JS_DEFAULT, LM_EVAL_METRIC):
        r = post(body)
        assert r.status_code == 200, r.text
        assert set(r.json()["attributeScores"]) == set(body["requestedAttributes"])
    # PySpective's default call asks for three attributes this service does not offer: the documented
    # 400 naming the first (the site setting MODERATION_PERSPECTIVE_DROP_UNSUPPORTED answers the others).
    r = post(PYSPECTIVE_DEFAULT)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["message"] == "Attribute THREAT does not support request languages: en"
    single = post(PYSPECTIVE_DEFAULT | {"requestedAttributes": {"INSULT": {}}})  # score(text, "INSULT")
    assert set(single.json()["attributeScores"]) == {"INSULT"}
    # TrustLLM reads attributeScores.TOXICITY.spanScores[0] without asking for spans: Google answers one
    # span over the whole comment then, and so does this service (English and French, detected).
    for text in ("You are a complete idiot and a moron.", "Espèce de crétin, vous êtes un abruti."):
        r = post(TRUSTLLM_TOXICITY | {"comment": {"text": text}})
        assert r.status_code == 200, r.text
        toxicity = r.json()["attributeScores"]["TOXICITY"]
        [span] = toxicity["spanScores"]
        assert (span["begin"], span["end"]) == (0, len(text))
        assert span["score"] == toxicity["summaryScore"]
    # dingo asks for THREAT, which this service does not offer: the documented 400, which it retries three
    # times and then records as QUALITY_BAD.API_LOSS. The site setting MODERATION_PERSPECTIVE_DROP_UNSUPPORTED
    # reads every request as if it set dropUnsupportedAttributes: then dingo scores with the rest.
    r = post(DINGO_DEFAULT)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["message"] == "Attribute THREAT does not support request languages: en"
    english = post(DINGO_DEFAULT | {"dropUnsupportedAttributes": True}).json()
    assert set(english["attributeScores"]) == set(DINGO_DEFAULT["requestedAttributes"]) - {"THREAT"}
    french = {
        "comment": {"text": "Espèce de crétin, vous êtes un abruti."},
        "dropUnsupportedAttributes": True,
    }
    answer = post(DINGO_DEFAULT | french).json()
    assert answer["detectedLanguages"] == ["fr"]
    assert {"TOXICITY", "INSULT"} <= set(answer["attributeScores"]) and "THREAT" not in answer[
        "attributeScores"
    ]
    # OpenCompass names Chinese too, which no attribute here supports: Perspective's rule (every
    # listed language must be supported) gives the 400, as it would for any unsupported language.
    r = post(OPENCOMPASS_TOXIC)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["message"] == "Attribute TOXICITY does not support request languages: en, zh"


def test_a_reply_quoting_an_insult_over_http(shipped_server):
    """The native API scores a reply's own words and lists its quotes; Perspective's endpoint scores
    the whole text, as Google does (docs/perspective.md), through Google's own client."""
    own = "Please don't call people that here, it is not okay."
    text = "> You are a complete idiot and a moron.\n\n" + own
    native = httpx.post(shipped_server + "/v1/comments:score", json={"comments": [{"text": text}]})
    assert native.status_code == 200, native.text
    [result] = native.json()["results"]
    assert result["decision"]["verdict"] == "approve"
    assert result["quotes"] == [
        {
            "start": 0,
            "end": text.index("\n"),
            "author": None,
            "text": "> You are a complete idiot and a moron.",
        }
    ]
    service = googleapiclient_service(shipped_server)
    body = {"comment": {"text": text}, "requestedAttributes": {"INSULT": {}}, "spanAnnotations": True}
    insult = service.comments().analyze(body=body).execute()["attributeScores"]["INSULT"]
    assert insult["summaryScore"]["value"] > 0.9
    assert [(s["begin"], s["end"]) for s in insult["spanScores"]] == [
        (0, text.index("\n")),
        (text.index(own), len(text)),
    ]


def test_shipped_model_through_googleapiclient(shipped_server):
    service = googleapiclient_service(shipped_server)
    body = {
        "comment": {"text": "what kind of idiot name is foo?"},
        "requestedAttributes": {"INSULT": {}, "OFF_TOPIC": {}},
    }
    response = service.comments().analyze(body=body).execute()
    assert set(response["attributeScores"]) == {"INSULT", "OFF_TOPIC"}
    assert response["languages"] == ["en"]


def test_googleapiclient_batches_against_the_shipped_model(shipped_server):
    """new_batch_http_request(): how research harnesses (HELM, MLCommons' modelgauge) call Perspective,
    many comments per HTTP request, over real HTTP. Each answer equals the same call made alone."""
    service = googleapiclient_service(shipped_server)
    attributes = {
        name: {} for name in ("TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY")
    }
    texts = [
        "You are a complete idiot and a moron.",
        "Thanks for the article, the figures on the budget were useful.",
        "Espèce de crétin, vous êtes un abruti.",
        "x" * 20_481,
    ]
    answers: dict[str, Any] = {}
    batch = service.new_batch_http_request(callback=lambda rid, resp, exc: answers.update({rid: (resp, exc)}))
    for i, text in enumerate(texts):
        body = {
            "comment": {"text": text},
            "requestedAttributes": attributes,
            "dropUnsupportedAttributes": True,
        }
        batch.add(service.comments().analyze(body=body), request_id=str(i))
    batch.execute()
    assert list(answers) == ["0", "1", "2", "3"]
    for i, text in enumerate(texts[:3]):
        body = {
            "comment": {"text": text},
            "requestedAttributes": attributes,
            "dropUnsupportedAttributes": True,
        }
        assert answers[str(i)] == (service.comments().analyze(body=body).execute(), None)
    toxic, civil, french = (answers[str(i)][0] for i in range(3))
    assert set(toxic["attributeScores"]) == set(attributes)
    value = lambda r: r["attributeScores"]["TOXICITY"]["summaryScore"]["value"]  # noqa: E731
    assert value(toxic) > 0.5 > value(civil)
    assert french["detectedLanguages"] == ["fr"] and "TOXICITY" in french["attributeScores"]
    response, error = answers["3"]
    assert response is None and error.resp.status == 400
    assert error.error_details[0]["errorType"] == "COMMENT_TOO_LONG"


def test_a_key_probe_with_no_body_gets_googles_error_shape(shipped_server):
    r = httpx.post(shipped_server + "/v1alpha1/comments:analyze?key=probe")
    assert "content-type" not in r.request.headers and r.request.content == b""
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"] == [
        {"@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error", "errorType": "COMMENT_EMPTY"}
    ]


def test_an_alias_to_an_attribute_the_model_lacks_stops_moderate_serve(tmp_path, monkeypatch):
    monkeypatch.setenv("MODERATION_PERSPECTIVE_ALIASES", '{"TOXICITY": "THREAT"}')
    proc, _ = start(tmp_path)
    proc.wait(timeout=60)
    output = stop(proc)
    assert proc.returncode != 0
    assert "MODERATION_PERSPECTIVE_ALIASES" in output and "THREAT" in output
    assert "Traceback" not in output  # one line naming the setting, before uvicorn starts
