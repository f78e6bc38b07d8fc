"""POST /v1/comments:score."""

from __future__ import annotations

import math

import pytest

from core.records import Scores
from service.api.scoring import span_dict
from service.settings import Thresholds
from tests.service.api.conftest import FakeScorer, Loader, assert_error, auth, family_loader, make_client

URL = "/v1/comments:score"


def test_scores_every_comment_in_order_with_decisions(client):
    comments = [
        {"id": "c1", "text": "You idiot, you moron."},
        {"id": "c2", "text": "The council vote on the bridge was close."},
        {"text": "Bridge funding should go to schools instead."},
    ]
    article = {"title": "Council votes on the bridge", "body": "The council voted on funding the bridge."}
    r = client.post(URL, json={"comments": comments, "article": article})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == {"version": "fake-1"}
    results = body["results"]
    assert [x["id"] for x in results] == ["c1", "c2", None]
    assert results[0]["decision"]["verdict"] == "reject"
    assert "insult 1.00 >= reject threshold 0.90" in results[0]["decision"]["reasons"]
    assert results[1]["decision"] == {"verdict": "approve", "reasons": []}
    for x in results:
        assert set(x["scores"]) == {"insult", "off_topic"}
        assert x["context"] == "article+thread"
        assert "spans" not in x


def test_one_request_is_one_thread(client, loader):
    # Off-topic context is the other comments: "bridge" is on topic only because comment 1 says it.
    r = client.post(URL, json={"comments": [{"text": "bridge"}, {"text": "bridge bridge"}]})
    results = r.json()["results"]
    assert [x["context"] for x in results] == ["thread", "thread"]
    assert [x["scores"]["off_topic"] for x in results] == [0.0, 0.0]
    r = client.post(URL, json={"comments": [{"text": "bridge"}]})
    assert r.json()["results"][0]["context"] == "none"


def test_thresholds_come_from_settings(settings):
    strict = settings.model_copy(update={"insult": settings.insult.model_copy(update={"review": 0.1})})
    with make_client(strict) as c:
        r = c.post(URL, json={"comments": [{"text": "idiot we all are here today ok then so"}]})
    decision = r.json()["results"][0]["decision"]
    assert decision["verdict"] == "review"
    assert decision["reasons"] == ["insult 0.33 >= review threshold 0.10"]


def test_explain_returns_spans_per_attribute(client):
    r = client.post(URL, json={"comments": [{"text": "what an idiot"}], "explain": True})
    spans = r.json()["results"][0]["spans"]
    assert spans["insult"] == [{"start": 8, "end": 13, "text": "idiot", "weight": 1.0}]
    assert spans["off_topic"] == []


def test_large_batch_is_scored_in_one_vectorised_call(settings):
    loader = Loader()
    with make_client(settings, loader) as c:
        scorer = c.app.state.moderation.models.current
        r = c.post(URL, json={"comments": [{"text": f"comment number {i}"} for i in range(100)]})
    assert r.status_code == 200
    assert len(r.json()["results"]) == 100
    assert scorer.calls == [100]


@pytest.mark.parametrize(
    ("payload", "status", "reason"),
    [
        ({"comments": []}, 422, "empty"),
        ({"comments": [{"text": "   \n"}]}, 422, "empty"),
        ({"comments": [{"text": ""}]}, 422, "empty"),
        # Nothing a reader would see: zero-width spaces, bidi marks, NUL, a BOM, Hangul fillers.
        ({"comments": [{"text": "ok"}, {"text": "\u200b\u200b"}]}, 422, "empty"),
        ({"comments": [{"text": "\u202e\u200f \u2066\u2069"}]}, 422, "empty"),
        ({"comments": [{"text": "\x00\x00"}]}, 422, "empty"),
        ({"comments": [{"text": "\ufeff\u3164\u2800"}]}, 422, "empty"),
        ({"comments": [{"text": "x" * 20_001}]}, 413, "too_large"),
        ({"comments": [{"text": "ok"}] * 1001}, 413, "too_large"),
        ({"comments": [{"txt": "typo"}]}, 422, "malformed"),
        ({"comments": "not a list"}, 422, "malformed"),
        ({"comments": [{"text": 5}]}, 422, "malformed"),
        ({"coments": [{"text": "typo"}]}, 422, "malformed"),
        ([1, 2, 3], 422, "malformed"),
        # a headline is a line: each queued comment keeps a copy of it (1.9 MB titles grew the store by GBs)
        ({"comments": [{"text": "ok"}], "article": {"title": "T" * 1001}}, 422, "malformed"),
    ],
)
def test_bad_requests_get_precise_errors(client, payload, status, reason):
    error = assert_error(client.post(URL, json=payload), status, reason)
    # The message says what is wrong, and never echoes a comment back.
    assert "typo" not in error["message"]


@pytest.mark.parametrize("where", ["body", "comment", "article"])
def test_an_object_of_many_unknown_fields_is_one_error_not_one_per_field(client, where):
    # Pydantic built one error per unknown field, on the event loop: 160,000 of them (a 2 MiB body)
    # held every request of the worker ~0.9 s. Past 16 unknown fields an object is one error.
    from pydantic import ValidationError

    from service.api.schemas import ScoreCommentsRequest

    many = {f"k{i}": 1 for i in range(60_000)}
    payload: dict = {"comments": [{"text": "ok"}]}
    if where == "body":
        payload |= many
    elif where == "comment":
        payload["comments"][0] |= many
    else:
        payload["article"] = {"title": "T"} | many
    with pytest.raises(ValidationError) as caught:
        ScoreCommentsRequest.model_validate(payload)
    assert caught.value.error_count() == 1
    error = assert_error(client.post(URL, json=payload), 422, "malformed")
    assert "fields, at most" in error["message"] and "'k0', 'k1'" in error["message"]
    assert len(error["details"]) == 1
    # A few typos are still named one by one.
    typos = assert_error(
        client.post(URL, json={"comments": [{"text": "ok"}], "coments": 1, "langage": "fr"}), 422
    )
    assert [d["loc"] for d in typos["details"]] == [["body", "coments"], ["body", "langage"]]


def test_limits_are_configurable(settings):
    small = settings.model_copy(
        update={"limits": settings.limits.model_copy(update={"max_comments_per_request": 2})}
    )
    with make_client(small) as c:
        assert c.post(URL, json={"comments": [{"text": "a"}] * 2}).status_code == 200
        error = assert_error(c.post(URL, json={"comments": [{"text": "a"}] * 3}), 413, "too_large")
    assert "3 comments" in error["message"] and "limit is 2" in error["message"]


def test_too_many_comments_are_counted_before_they_are_validated(client):
    """The count is refused from the parsed JSON: validating 90,000 comments first held the worker's
    event loop for ~0.3 s. Items that would fail validation show it: 413, not their 422."""
    error = assert_error(client.post(URL, json={"comments": [{"txet": 1}] * 1001}), 413, "too_large")
    assert "1001 comments" in error["message"] and "limit is 1000" in error["message"]
    assert client.post(URL, json={"comments": [{"txet": 1}] * 1000}).status_code == 422


def test_too_long_comment_names_the_comment(client):
    error = assert_error(
        client.post(URL, json={"comments": [{"text": "fine"}, {"text": "y" * 20_001}]}), 413, "too_large"
    )
    assert error["message"] == "comment 1 has 20001 characters; the limit is 20000"


class HalfScorer(FakeScorer):
    """An artifact that carries insult only: the Scorer answers NaN for off_topic."""

    def score(self, texts, article=None, *, use_thread=True):
        return [
            Scores({"insult": s["insult"], "off_topic": math.nan}, context=s.context)
            for s in super().score(texts, article, use_thread=use_thread)
        ]


def test_an_attribute_the_model_lacks_is_null_not_nan(settings):
    with make_client(settings, lambda _d: HalfScorer()) as c:
        r = c.post(URL, json={"comments": [{"text": "you idiot"}]})
        assert r.status_code == 200
        assert b"NaN" not in r.content
        assert r.json()["results"][0]["scores"] == {"insult": 1.0, "off_topic": None}
        r = c.post(
            "/v1alpha1/comments:analyze",
            json={"comment": {"text": "x"}, "requestedAttributes": {"OFF_TOPIC": {}}},
        )
        assert_error(r, 400)


def test_explain_is_bounded_separately(client):
    comments = [{"text": f"comment {i}"} for i in range(101)]
    assert client.post(URL, json={"comments": comments}).status_code == 200
    error = assert_error(client.post(URL, json={"comments": comments, "explain": True}), 413, "too_large")
    assert "explain is limited to 100 comments" in error["message"]


def test_explain_is_bounded_by_characters_too(client, settings):
    # Explaining costs time per character (measured with the shipped model: ~55 ms for one 19,000-char
    # comment, 100 of them ~6 s of CPU for one unauthenticated request, 50x the same request unexplained).
    long = [{"text": ("word " * 4000)[:19_000]} for _ in range(100)]
    assert client.post(URL, json={"comments": long}).status_code == 200
    error = assert_error(client.post(URL, json={"comments": long, "explain": True}), 413, "too_large")
    assert error["message"] == "explain is limited to 200,000 characters per request; got 1,900,000"
    assert client.post(URL, json={"comments": long[:10], "explain": True}).status_code == 200
    small = settings.model_copy(
        update={"limits": settings.limits.model_copy(update={"max_explain_chars": 10})}
    )
    with make_client(small) as c:
        assert c.post(URL, json={"comments": [{"text": "0123456789"}], "explain": True}).status_code == 200
        assert_error(c.post(URL, json={"comments": [{"text": "0123456789a"}], "explain": True}), 413)


@pytest.mark.parametrize("text", ["idiot\u200b", "\u202eyou idiot", "a\x00b", "\u05d0\u05d1", "\U0001f621"])
def test_text_with_visible_characters_is_scored(client, text):
    assert client.post(URL, json={"comments": [{"text": text}]}).status_code == 200


@pytest.mark.parametrize(
    "article",
    [{"title": "  ", "body": "\u200b"}, {"title": "\x00", "body": "\ufeff\n\u200d"}, {}],
)
def test_an_article_with_nothing_visible_is_no_article_context(client, article):
    # The context field must say what the score really saw: an invisible article is no article.
    r = client.post(URL, json={"comments": [{"text": "bridge"}], "article": article})
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["context"] == "none"
    r = client.post(URL, json={"comments": [{"text": "bridge"}], "article": {"title": "Bridge"}})
    assert r.json()["results"][0]["context"] == "article"  # a title alone is an article


class SpanishScorer(FakeScorer):
    """Every comment is Spanish, which the insult model was not trained for."""

    def score(self, texts, article=None, *, use_thread=True):
        return [
            Scores(s.as_dict(), context=s.context, language="es", unsupported=frozenset({"insult"}))
            for s in super().score(texts, article, use_thread=use_thread)
        ]


def test_each_result_says_its_language_and_which_scores_it_supports(client, settings):
    r = client.post(URL, json={"comments": [{"text": "you idiot"}]})
    result = r.json()["results"][0]
    assert result["language"] == "und"  # the fake detects nothing: English is assumed
    assert result["language_supported"] == {"insult": True, "off_topic": True}
    with make_client(settings, lambda _d: SpanishScorer()) as c:
        result = c.post(URL, json={"comments": [{"text": "you idiot, you moron"}]}).json()["results"][0]
    assert result["language"] == "es"
    assert result["language_supported"] == {"insult": False, "off_topic": True}
    assert result["scores"]["insult"] == 1.0  # still scored, but it cannot reject alone
    assert result["decision"]["verdict"] == "review"
    assert "not trained for language es" in result["decision"]["reasons"][0]


def test_a_language_with_its_own_thresholds_is_decided_by_them_over_the_api(settings):
    # Toxicity and insult 0.5 in both comments (the fake: three times the share of insult words).
    french = settings.model_copy(
        update={
            "language_thresholds": {
                "fr": {"toxicity": Thresholds(review=0.6), "insult": Thresholds(review=0.6)}
            }
        }
    )
    comments = [
        {"text": "le crétin est un abruti et la vie des gens est belle"},
        {"text": "the idiot is a moron and the life of people is nice"},
    ]
    with make_client(french, family_loader()) as c:
        results = [c.post(URL, json={"comments": [comment]}).json()["results"][0] for comment in comments]
        model = c.get("/v1/model").json()
    assert [(r["language"], r["scores"]["toxicity"]) for r in results] == [("fr", 0.5), ("en", 0.5)]
    assert [r["decision"]["verdict"] for r in results] == ["approve", "review"]
    assert [r["judged_language"] for r in results] == ["fr", "en"]
    assert model["thresholds"]["toxicity"] == {"review": 0.45, "reject": 0.9}
    assert model["language_thresholds"]["fr"]["toxicity"] == {"review": 0.6, "reject": 0.9}


@pytest.mark.parametrize(
    "text",
    [
        "Bob wrote:\nYou moron.\n\nPlease be civil here, everyone.",  # the quote under its header
        "Bob wrote: ↑ Sat Mar 15\n\nYou moron.\n\nPlease be civil here, everyone.",  # phpBB's date and link
    ],
)
def test_a_short_quote_is_set_apart_from_the_reply_under_it(client, text):
    """Bug hunt: a quote of three words or fewer was read as its header's date, the reply under it taken
    for the quote, and with no words of its own left the comment quoted no one: rejected as the insult."""
    r = client.post(URL, json={"comments": [{"text": text}]})
    [result] = r.json()["results"]
    [quote] = result["quotes"]
    assert "You moron." in quote["text"] and "civil" not in quote["text"]
    assert result["decision"]["verdict"] == "approve"


@pytest.mark.parametrize(
    "quoted",
    [
        "> You stupid idiot, you moron.\n\n",  # a mail or forum reply's "> " lines
        "> You stupid idiot, you moron.\n",  # ... with the reply typed right under it (bug hunt)
        "kai_r wrote:\nYou stupid idiot, you moron.\n\n",  # a "NAME wrote:" header and the quote under it
    ],
)
def test_a_reply_is_scored_on_its_own_words_with_its_quotes_reported(client, quoted):
    # A reply quoting an insult to object to it was scored as the insult (rejected), while the same reply
    # inside a page (articles:score) is scored on its own words.
    own = "Please do not call people that here, it is not ok."
    text = "  " + quoted + own
    r = client.post(URL, json={"comments": [{"id": "r", "text": text}], "explain": True})
    assert r.status_code == 200, r.text
    [result] = r.json()["results"]
    assert result["scores"]["insult"] == 0.0 and result["decision"]["verdict"] == "approve"
    [quote] = result["quotes"]
    assert quote["text"] == text[quote["start"] : quote["end"]]  # offsets on the text as sent
    assert "You stupid idiot, you moron." in quote["text"] and own not in quote["text"]
    assert quote["author"] == ("kai_r" if "wrote" in quoted else None)
    # Spans stay on the text as sent: the reply's own insult after a quote.
    reply = text + " Only an idiot would."
    r = client.post(URL, json={"comments": [{"text": reply}], "explain": True})
    [span] = r.json()["results"][0]["spans"]["insult"]
    assert reply[span["start"] : span["end"]] == span["text"] == "idiot"
    assert span["start"] == reply.rindex("idiot")
    plain = client.post(URL, json={"comments": [{"text": own}]}).json()["results"][0]
    assert plain["quotes"] == []
    # Queued as articles:score queues a reply: its own words (spans on them), the quote beside.
    r = client.post(URL, json={"comments": [{"text": reply}], "queue": True}, headers=auth())
    item = client.get(f"/v1/queue/{r.json()['results'][0]['queue_id']}", headers=auth()).json()
    assert item["text"] == own + " Only an idiot would."
    assert item["quotes"] == [{"author": quote["author"], "text": quote["text"]}]
    [stored] = item["spans"]["insult"]
    assert item["text"][stored["start"] : stored["end"]] == "idiot"


def test_explained_comments_are_detected_once_for_every_attribute(tmp_path, real_model_dir, monkeypatch):
    """With `explain` (and `queue`, which explains), a request's comments were detected once to score
    them and once more per language-routed attribute to explain it, then once to score and once more
    for all the explanations: now once for both, with the spans the scorer gives on its own."""
    from fastapi.testclient import TestClient

    from model.language import LanguageDetector
    from service.api.app import create_app
    from service.settings import Settings

    settings = Settings(model_dir=real_model_dir, db_path=tmp_path / "f.sqlite3", api_token="t" * 16)
    detected: list[str] = []
    real = LanguageDetector.detect_with_confidence

    def counting(self, texts, *args, **kwargs):
        detected.extend(texts)
        return real(self, texts, *args, **kwargs)

    threads = (
        ["You are a complete idiot.", "Du bist so ein Vollidiot."],
        ["You are an idiot.", "Du bist doof."],
    )
    for texts in threads:
        detected.clear()
        with TestClient(create_app(settings)) as client:
            scorer = client.app.state.moderation.models.current
            alone = scorer.explain_attributes(texts, scorer.attributes)
            with monkeypatch.context() as patch:
                patch.setattr(LanguageDetector, "detect_with_confidence", counting)
                body = {"comments": [{"text": t} for t in texts], "explain": True}
                response = client.post("/v1/comments:score", json=body)
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert results[0]["spans"]["insult"]
        assert [r["spans"] for r in results] == [
            {a: [span_dict(sp) for sp in alone[a][i]] for a in alone} for i in range(len(texts))
        ]
        assert sorted(detected) == sorted(texts)


def test_the_thresholds_are_built_once_not_per_request(settings, monkeypatch):
    """Every comments:score, articles:score and /v1/model request built the threshold table from the
    settings again (copying each per-language threshold); it is built once, when the app is made."""
    from service.settings import Settings
    from tests.conftest import SEED_FILES

    built: list[int] = []
    real = Settings.thresholds
    monkeypatch.setattr(Settings, "thresholds", lambda self: built.append(1) or real(self))
    settings = settings.model_copy(update={"language_thresholds": {"fr": {"insult": Thresholds(review=0.3)}}})
    with make_client(settings) as client:
        at_start = len(built)
        for _ in range(3):
            response = client.post("/v1/comments:score", json={"comments": [{"text": "you idiot"}]})
            assert response.status_code == 200, response.text
        page = SEED_FILES[0].read_bytes()
        response = client.post("/v1/articles:score", content=page, headers={"content-type": "text/plain"})
        assert response.status_code == 200, response.text
        assert client.get("/v1/model").json()["language_thresholds"]["fr"]["insult"]["review"] == 0.3
    assert at_start >= 1 and len(built) == at_start
