"""The shipped default model through the Scorer: the contract the service relies on."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import pytest

from core.records import ArticleContext
from model.artifact import verify_artifact
from model.score import CommentScorer, Scorer
from service.settings import DEFAULT_MODEL_DIR


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load(DEFAULT_MODEL_DIR)


def test_shipped_artifact_is_small_and_verified() -> None:
    manifest, blobs = verify_artifact(DEFAULT_MODEL_DIR)
    total = sum(p.stat().st_size for p in Path(DEFAULT_MODEL_DIR).iterdir())
    assert total <= 30 * 1024 * 1024
    assert "insult" in manifest["attributes"] and set(blobs) == set(manifest["attributes"])
    entry = manifest["attributes"]["insult"]
    for key in ("label_definition", "threshold", "metrics", "hyperparameters", "training_data"):
        assert entry[key] not in (None, "", {}, [])
    for source in entry["training_data"]:
        assert all(len(f["sha256"]) == 64 and f["rows"] > 0 for f in source["files"])


def test_scorer_satisfies_the_protocol(scorer: Scorer) -> None:
    as_protocol: CommentScorer = scorer
    assert as_protocol.version.startswith("1.")
    assert "insult" in as_protocol.attributes


def test_batch_scores_in_order(scorer: Scorer) -> None:
    texts = ["You are a worthless idiot.", "Thanks, this explains the budget well.", "", "x" * 10_000]
    scores = scorer.score(texts, ArticleContext(title="Budget", body="The budget..."))
    assert len(scores) == 4
    assert scores[0]["insult"] > 0.5 > scores[1]["insult"]
    assert all(0.0 <= s["insult"] <= 1.0 for s in scores)
    if "off_topic" not in scorer.attributes:  # not faked while no off-topic model ships
        assert all(math.isnan(s["off_topic"]) and s.context == "none" for s in scores)
    assert scorer.score([]) == []


def test_batch_equals_one_by_one(scorer: Scorer) -> None:
    texts = ["what a moron", "good point about taxes", "you clown!!!", "I disagree with the author"]
    batch = [s["insult"] for s in scorer.score(texts, use_thread=False)]
    single = [scorer.score([t], use_thread=False)[0]["insult"] for t in texts]
    assert batch == pytest.approx(single, abs=1e-12)
    # As one thread, a comment the detector cannot place ("you clown!!!": undetermined, best guesses
    # af / fi / de, so alone it goes to the German model) is scored in the thread's language, English.
    threaded = [s["insult"] for s in scorer.score(texts)]
    english = [scorer.score([t], language="en")[0]["insult"] for t in texts]
    assert threaded == pytest.approx(english, abs=1e-12)
    assert abs(single[2] - threaded[2]) > 0.01
    # Unrelated comments from one source (a comment export without article ids): blind to each other,
    # yet the unplaceable one takes the batch's language too.
    exported = [s["insult"] for s in scorer.score(texts, use_thread=False, same_source=True)]
    assert exported == pytest.approx(english, abs=1e-12)


def test_explain_points_at_the_insult(scorer: Scorer) -> None:
    text = "Great article. But you, sir, are a complete IDIOT."
    spans = scorer.explain(text, "insult", top_k=3)
    assert spans and spans[0].text.lower() in {"idiot", "complete idiot", "you"}
    assert all(text[s.start : s.end] == s.text for s in spans)
    assert scorer.explain(text, "no_such_attribute") == []


# ---------------------------------------------------------------------- one chunk lookup for both models
def _page_threads(articles_dir: Path) -> list[tuple[list[str], ArticleContext | None]]:
    from training.offtopic_data import load_pages

    pages = load_pages(articles_dir)
    assert len(pages) >= 10
    threads: list[tuple[list[str], ArticleContext | None]] = [(list(p.comments), p.article) for p in pages]
    # Odd text too: Unicode spaces str.split splits on, lone surrogates, NULs, empty comments, a word
    # spaced out (one chunk with its brackets).
    odd = ["a\u2003b\u00a0c", "x\x1cy\u3000z", "\udcff\x00 ok", "", "   ", "word", "an (i d i o t!) a b c"]
    threads += [(odd, None), (odd, ArticleContext("T\u2009itle", "b\u2028ody")), (odd[:1], None)]
    return threads


def _each(scorer: Scorer, texts: list[str], article: ArticleContext | None) -> dict[str, list[float]]:
    columns, _ = scorer._columns(texts, article, True, share=False)
    return {k: v.tolist() for k, v in columns.items()}


@pytest.mark.slow
def test_the_shared_lookup_gives_each_models_own_numbers(scorer: Scorer, articles_dir: Path) -> None:
    """Scorer.score splits and looks each chunk up once for both models; the numbers are the ones
    each model gives on its own, on real page threads with and without their article, cold and warm."""
    assert scorer._shared is not None and {"insult", "off_topic", "toxicity"} <= set(scorer.attributes)
    # The text attributes are one family: one chunk table for them, one for off_topic.
    assert len(scorer._shared.models) == 2
    fresh = Scorer(scorer.manifest, pickle.loads(pickle.dumps(scorer.models)))
    for _ in range(2):
        for texts, article in _page_threads(articles_dir):
            for art in (article, None):
                # one language for all: every comment stays on each attribute's base model, which is
                # what the shared lookup serves (per-language routing: tests/model/test_language.py)
                got = fresh.score(texts, art, language="en")
                want = _each(scorer, texts, art)
                for attribute in scorer.attributes:
                    assert [s[attribute] for s in got] == pytest.approx(want[attribute], abs=1e-12)


@pytest.mark.slow
def test_the_shared_index_starts_over_when_full_or_when_a_model_resets(
    scorer: Scorer, articles_dir: Path
) -> None:
    """Tiny bounds force both kinds of restart on every few threads; the scores stay exact and the
    index stays bounded."""
    fresh = Scorer(scorer.manifest, pickle.loads(pickle.dumps(scorer.models)))
    assert fresh._shared is not None
    fresh._shared.max_entries = 300
    fresh.models["off_topic"].max_cache_entries = 500  # instance attribute: a model-side reset too
    threads = _page_threads(articles_dir)
    generations: list[object] = []  # the states themselves: ids of freed objects can repeat
    for texts, article in threads:
        got = fresh.score(texts, article, language="en")  # base models only, as _each
        want = _each(scorer, texts, article)
        assert [s["off_topic"] for s in got] == pytest.approx(want["off_topic"], abs=1e-12)
        assert [s["insult"] for s in got] == pytest.approx(want["insult"], abs=1e-12)
        state = fresh._shared._state
        if not any(state is g for g in generations):
            generations.append(state)
        own = {c for t in texts for c in t.split()}
        own |= {c for d in fresh.models["off_topic"].article_documents(article) for c in d.split()}
        assert len(state.table.index) <= 300 + len(own)
    assert len(generations) > 3


@pytest.mark.slow
def test_scoring_from_several_threads_at_once_is_exact(scorer: Scorer, articles_dir: Path) -> None:
    """The API scores from a thread pool: concurrent calls on one Scorer (cold, small bounds so the
    index restarts under load) give each thread's single-threaded numbers."""
    from concurrent.futures import ThreadPoolExecutor

    fresh = Scorer(scorer.manifest, pickle.loads(pickle.dumps(scorer.models)))
    assert fresh._shared is not None
    fresh._shared.max_entries = 2_000
    threads = _page_threads(articles_dir) * 3
    want = [_each(scorer, texts, article) for texts, article in threads]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda ta: fresh.score(ta[0], ta[1], language="en"), threads))
    for g, w in zip(got, want, strict=True):
        assert [s["off_topic"] for s in g] == pytest.approx(w["off_topic"], abs=1e-12)
        assert [s["insult"] for s in g] == pytest.approx(w["insult"], abs=1e-12)


# ---------------------------------------------------------------------- single-comment fast paths
def _general(scorer: Scorer, texts: list[str], article: ArticleContext | None) -> list[tuple]:
    """Scorer.score the long way: each model on its own, every comment's full detection (all of the
    detector's guesses), every routed model routed with the thread's language (the article's detected
    afresh) except comments without a letter, unsupported attributes listed afresh for the language
    each comment is assumed to be in, and a routed attribute scored by another language's model."""
    from model.language import has_letters, thread_language
    from model.score import assumed_language

    columns, contexts = scorer._columns(texts, article, True, share=False)
    detections = scorer.detector.detect_with_confidence(texts)
    thread = thread_language(detections)
    if thread is None and article is not None and not article.is_empty:
        thread = scorer.detector.detect_one(f"{article.title}\n{article.body}").language
    scored_in = {}
    for name, model in scorer.models.items():
        if hasattr(model, "route"):
            routes = [
                d.nearest(frozenset(model.languages), thread=thread) if d.language or has_letters(t) else None
                for d, t in zip(detections, texts, strict=True)
            ]
            columns[name] = model.route(texts, routes, columns[name])
            scored_in[name] = [r if r in model.language_models else model.base_language for r in routes]
    out = []
    for i, d in enumerate(detections):
        lang = assumed_language(d, has_letters(texts[i]), thread) or "en"
        unsupported = {a for a in scorer.attributes if lang not in scorer.supported_languages(a)}
        unsupported |= {a for a, langs in scored_in.items() if langs[i] != lang}
        out.append(({a: float(c[i]) for a, c in columns.items()}, contexts[i], d.language, unsupported))
    return out


def test_single_comment_fast_paths_equal_the_general_path(scorer: Scorer) -> None:
    """A lone comment skips the thread's language when its own language has a model, memoises its
    article's language and its language's unsupported attributes: the numbers stay the general path's,
    for comments each model places and ones only the article's language places, asked twice (memos)."""
    texts = [
        "You are a complete idiot.",
        "Du bist so ein Vollidiot, geh sterben.",
        "Quel imbécile, ce ministre ne comprend rien.",
        "أنت غبي جدا",
        "you clown!!!",  # undetermined: routed by its best guesses or the article's language
        "@user tu é mongol",  # detected as Portuguese: routed by the article's language
        "lol",
        "",
    ]
    articles = [
        None,
        ArticleContext("Bridge budget", "The council approved the bridge budget on Monday."),
        ArticleContext("Haushalt", "Der Gemeinderat hat am Montag den Haushalt für die Brücke beschlossen."),
        ArticleContext("Budget", "Le conseil municipal a adopté lundi le budget du pont."),
    ]
    fresh = Scorer(scorer.manifest, scorer.models)
    routed = 0
    for _ in range(2):
        for article in articles:
            for text in texts:
                (got,) = fresh.score([text], article)
                ((values, context, language, unsupported),) = _general(scorer, [text], article)
                assert got.values == pytest.approx(values, abs=1e-12, nan_ok=True)
                assert (got.context, got.language, set(got.unsupported)) == (context, language, unsupported)
                routed += got["insult"] != pytest.approx(
                    scorer._columns([text], article, True, share=False)[0]["insult"][0], abs=1e-12
                )
    assert routed > 0  # some comments did go to another language's model


def test_mixed_language_threads_equal_the_general_path(scorer: Scorer) -> None:
    """In a thread, the routed attributes (insult and toxicity: the same languages) share one list of
    routes and most rows skip the guessed-language bookkeeping: the numbers, contexts, languages and
    unsupported attributes stay the general path's, in threads where English is the majority, where
    no language is, and with an article of another language."""
    english = ["You are a complete idiot.", "Thanks, this explains the budget well.", "I disagree."]
    others = [
        "Du bist so ein Vollidiot, geh sterben.",
        "Quel imbécile, ce ministre ne comprend rien.",
        "أنت غبي جدا",
        "you clown!!!",
        "@user tu é mongol",
        "!",
        "",
    ]
    threads = [english + others, others, others[:4] + english[:1], english * 2]
    articles = [
        None,
        ArticleContext("Haushalt", "Der Gemeinderat hat den Haushalt für die Brücke beschlossen."),
    ]
    guessed = 0
    for texts in threads:
        for article in articles:
            got = scorer.score(texts, article)
            for g, (values, context, language, unsupported) in zip(
                got, _general(scorer, texts, article), strict=True
            ):
                assert g.values == pytest.approx(values, abs=1e-12, nan_ok=True)
                assert (g.context, g.language, set(g.unsupported)) == (context, language, unsupported)
                assert g.guessed <= g.unsupported and set(g.guessed_languages) <= g.guessed
                guessed += bool(g.guessed)
    assert guessed > 0  # some rows took the guessed-language path


def test_the_small_memos_stay_within_their_bounds_and_give_the_same_answers(
    scorer: Scorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import model.score as score_module

    articles = [
        ArticleContext("Budget vote", "The council delayed the budget vote after a long debate."),
        ArticleContext("Haushalt", "Der Stadtrat hat die Abstimmung über den Haushalt verschoben."),
        ArticleContext("Budget", "Le conseil a reporté le vote du budget après un long débat."),
    ]
    first = [scorer.article_language(a) for a in articles]
    tags = ["en", "de", "fr", "ar", "pt", None]
    unsupported = [scorer.unsupported(t) for t in tags]
    assert first == ["en", "de", "fr"] and unsupported[0] != unsupported[4]
    monkeypatch.setattr(score_module, "ARTICLE_LANGUAGES_CACHED", 2)
    monkeypatch.setattr(score_module, "UNSUPPORTED_CACHED", 2)
    scorer._article_languages.clear()
    scorer._unsupported.clear()
    for _ in range(2):  # three keys through a memo of two: every call inserts, and answers as before
        assert [scorer.article_language(a) for a in articles] == first
        assert [scorer.unsupported(t) for t in tags] == unsupported
        assert len(scorer._article_languages) <= 2 and len(scorer._unsupported) <= 2


def test_vowel_marks_do_not_change_an_arabic_comments_scores(scorer: Scorer) -> None:
    # Harakat are optional in Arabic script: written with them, an insult scored 0.40 instead of 0.97
    plain, vowelled = scorer.score(["يا كلب يا حمار", "يَا كَلْبُ يَا حِمَار"], use_thread=False)
    assert vowelled.assumed_language == plain.language == "ar"
    assert vowelled["insult"] == pytest.approx(plain["insult"], abs=0.05)
    assert vowelled["toxicity"] == pytest.approx(plain["toxicity"], abs=0.05)


def test_tatweel_does_not_hide_an_arabic_insult_and_its_span_stays_on_the_text(scorer: Scorer) -> None:
    # "انت كـــلب" (you dog, stretched) scored insult 0.40 and toxicity 0.36 against 0.82 / 0.90.
    plain, stretched = scorer.score(["انت كلب", "انت كـــلب"], use_thread=False)
    assert stretched["insult"] == plain["insult"] and stretched["toxicity"] == plain["toxicity"]
    spans = scorer.explain("انت كـــلب", "insult")
    assert ("كـــلب", 4, 10) in [(s.text, s.start, s.end) for s in spans]


@pytest.mark.parametrize("mark", ["\u200b", "\u200d", "\u00ad", "\u2060", "\u034f", "\ufe0f", "\u200e"])
def test_invisible_characters_inside_a_word_do_not_hide_it(scorer: Scorer, mark: str) -> None:
    # "Du bist ein Arsch\u200bloch" scored insult 0.36 and toxicity 0.56 against 0.95 / 0.99: reviewed,
    # not rejected; "انت ك\u200bلب" 0.46 against 0.82.
    for plain, word in (("Du bist ein Arschloch", "Arschloch"), ("انت كلب", "كلب"), ("you idiot", "idiot")):
        hidden = plain.replace(word, mark.join(word))
        a, b = scorer.score([plain, hidden], use_thread=False)
        assert b["insult"] == pytest.approx(a["insult"]) and b["toxicity"] == pytest.approx(a["toxicity"])
        start = hidden.index(word[0])
        assert (mark.join(word), start) in [(s.text, s.start) for s in scorer.explain(hidden, "insult")]


def test_the_article_language_memo_holds_no_article_bodies(scorer: Scorer) -> None:
    # The memo was keyed by the whole (title, body): up to 256 articles stayed alive after their
    # requests, 2 MB bodies through /v1/comments:score (about 0.5 GB a worker) and 20 MB pages through
    # /v1/articles:score. The detector reads only the article's first characters.
    scorer._article_languages.clear()
    long_french = "Le conseil a reporté le vote du budget après un long débat. " * 40_000  # 2.4 MB
    article = ArticleContext("Budget", long_french)
    assert scorer.article_language(article) == "fr"
    assert scorer.article_language(article) == scorer.detector.detect_one(f"Budget\n{long_french}").language
    held = sum(len("".join(k)) if isinstance(k, tuple) else len(k) for k in scorer._article_languages)
    assert held < 10_000
    assert scorer.score(["xyz qwv"], article)[0].assumed_language == "fr"  # an undetermined comment


def test_an_article_is_read_past_its_title(scorer: Scorer) -> None:
    # Read as one text the detector saw the title and the first line only: this title of names and code
    # left an English article undetermined, and a short English comment under it was judged French
    # (session 42's bug hunt, on a shared lemire.me page).
    scorer._article_languages.clear()
    body = (
        "JSON is the ubiquitous data format on the Internet. A lot of JSON needs to be parsed.\n"
        "As we just released the latest version of our fast JSON parser, a reader of this blog asked how it "
        "compared in speed against one of the nicest C++ JSON libraries.\n"
        "We ran both libraries on the same files and counted how many gigabytes per second each one reads.\n"
    )
    title = "JSON parsing: simdjson vs. JSON for Modern C++"
    assert scorer.detector.detect_one(f"{title}\n{body}").language != "en"  # what it was read as
    article = ArticleContext(title, body)
    assert scorer.article_language(article) == "en"
    assert scorer.score(["Great benchmark of simdjson."], article)[0].assumed_language == "en"
    assert scorer.article_language(ArticleContext(title, "")) == scorer.detector.detect_one(title).language


@pytest.mark.parametrize("language", ["de", "fr", "ar"])
def test_a_comment_without_letters_keeps_the_base_model_when_the_request_names_a_language(
    scorer: Scorer, language: str
) -> None:
    # A site that sends its language with every comment (Coral Talk sends the tenant's) had "!!!"
    # scored by the German model (insult 0.94: auto-rejected) and "+1", ":)" by the French one (review).
    # Detected or taken from a thread, such a comment already stayed on the base model.
    texts = ["!", "!!!", "+1", "\U0001f44d", ":)", "100%"]
    alone = scorer.score(texts, use_thread=False)
    forced = scorer.score(texts, use_thread=False, language=language)
    for text, a, f in zip(texts, alone, forced, strict=True):
        assert f.values == a.values, text
        assert f.language == language and f.assumed_language is None and f.unsupported == frozenset()
        for attribute in ("insult", "toxicity"):
            assert scorer.explain(text, attribute, language=language) == scorer.explain(text, attribute)
    worded = scorer.score(["Du bist ein Idiot!"], language="de")[0]  # words: the named language's model
    assert worded["insult"] == scorer.score(["Du bist ein Idiot!"])[0]["insult"]


@pytest.mark.slow
def test_a_threads_explanations_at_once_equal_each_comments_against_the_others(
    scorer: Scorer, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """explain_thread gives what explain gives comment by comment, reading each document once: one
    comment at a time, off_topic re-read the whole thread for every comment (274 comments: 64 s)."""
    from model.context import ContextOffTopic

    threads = [(texts, article) for texts, article in _page_threads(articles_dir) if len(texts) > 3][:4]
    assert threads
    for texts, article in threads:
        texts = [*texts, texts[0]]  # a repeated comment is no context for its copy
        for attribute in scorer.attributes:
            one_by_one = [
                scorer.explain(t, attribute, article=article, thread=[*texts[:i], *texts[i + 1 :]])
                for i, t in enumerate(texts)
            ]
            assert scorer.explain_thread(texts, attribute, article=article) == one_by_one, attribute
    reads: list[str] = []
    original = ContextOffTopic._columns_of
    monkeypatch.setattr(
        ContextOffTopic, "_columns_of", lambda self, doc: reads.append(doc) or original(self, doc)
    )
    texts, article = threads[0]
    scorer.explain_thread(texts, "off_topic", article=article)
    assert len(reads) <= len(set(texts)) + 2  # each distinct comment once, and the title and body


def test_judged_languages_are_those_scoring_finds_without_running_a_model(scorer: Scorer) -> None:
    """What `languages` override in the Perspective answer: each comment's language as scoring without a
    forced language judges it (detected; undetermined: its thread's, its article's, a strong guess), from
    detection alone."""
    texts = [
        "You are a complete idiot.",
        "Quel imbécile, ce ministre ne comprend rien.",
        "you clown!!!",  # undetermined: its thread's or article's language
        "You stupid moron.",  # undetermined, guessed Polish (0.34) with English next: judged English
        "You are a Moron.",  # detected Esperanto (0.50), English among the guesses: judged English
        "lol",
        "!",
    ]
    articles = [None, ArticleContext("Budget", "Le conseil municipal a adopté lundi le budget du pont.")]
    for article in articles:
        for use_thread in (True, False):
            for group in (texts, texts[2:3], texts[3:4]):
                judged = scorer.judged_languages(group, article, use_thread=use_thread)
                scored = scorer.score(group, article, use_thread=use_thread)
                assert judged == [s.assumed_language for s in scored], (group, article, use_thread)
    assert scorer.judged_languages(["Quel imbécile, ce ministre ne comprend rien."]) == ["fr"]


def test_obfuscated_abuse_scores_as_the_word_and_its_span_is_the_original(scorer: Scorer) -> None:
    # Issue #12: "you are an 1d10t" scored insult 0.75 / toxicity 0.28 against 1.00 / 1.00 for "idiot",
    # "what a r3tard" identity_attack 0.10 against 0.80. The tokens read them as the word: same scores.
    pairs = [
        ("you are an idiot", "you are an 1d10t"),
        ("you are an idiot", "you are an i.d.i.o.t"),
        ("you are an idiot", "you are an i d i o t"),
        ("you are an idiot", "you are an id\u0456ot"),  # Cyrillic i
        ("what a retard", "what a r3tard"),
        ("what a retard", "what a ret@rd"),
    ]
    plain = scorer.score([p for p, _ in pairs], use_thread=False)
    obfuscated = scorer.score([o for _, o in pairs], use_thread=False)
    for (_, o), a, b in zip(pairs, plain, obfuscated, strict=True):
        for attribute in ("toxicity", "insult", "profanity", "identity_attack"):
            assert b[attribute] == pytest.approx(a[attribute], abs=1e-9), (o, attribute)
    text = "you are an i.d.i.o.t"
    spans = scorer.explain(text, "insult")
    assert any(s.text == "i.d.i.o.t" and text[s.start : s.end] == "i.d.i.o.t" for s in spans), spans
    text = "you are an i d i o t"
    spans = scorer.explain(text, "insult")
    assert any(s.text == "i d i o t" and text[s.start : s.end] == "i d i o t" for s in spans), spans


def test_a_weak_guess_of_a_language_no_model_serves_does_not_refuse_a_short_english_comment(
    scorer: Scorer,
) -> None:
    """Issues #12, #13: a full stop made "You stupid moron" Polish (pl 0.34, en 0.22) and "You are a
    Moron." is Esperanto (0.50): every attribute was unsupported (Perspective's 400). A weak guess of a
    language no model serves gives way to English when English is the likeliest served guess; a
    confident Polish comment stays Polish, unsupported everywhere."""
    for text in ("You stupid moron.", "What a stupid moron.", "You are a Moron."):
        [alone] = scorer.score([text])
        assert alone.assumed_language == "en" and alone.unsupported == frozenset(), text
        assert scorer.judged_languages([text]) == ["en"], text
        assert alone["insult"] > 0.5, text  # the English model's score, which may now decide
    french = ["Espèce de crétin, tu n'as rien compris.", "Merci pour cet article, très clair."]
    assert scorer.score([*french, "You are a Moron."])[2].assumed_language == "fr"  # the thread's
    for polish in ("Jesteś głupim idiotą i nic nie rozumiesz.", "Ty głupi idioto."):
        [confident] = scorer.score([polish])
        assert confident.language == confident.assumed_language == "pl"
        assert confident.unsupported == frozenset(scorer.attributes)
        assert scorer.judged_languages([polish]) == ["pl"]


def test_assumed_language_reads_the_thread_only_where_placed_by_thread_says() -> None:
    """The Scorer finds the thread's language only for comments ``placed_by_thread`` names: wherever it
    says no, ``assumed_language`` answers the same whatever the thread (the two stated one rule twice
    and could drift: a comment would then be judged without the thread it needs). The table also has
    comments whose answer the thread changes, so it checks both sides of the rule."""
    from model.language import Detection
    from model.score import WEAK_UNSERVED, assumed_language, placed_by_thread

    served = frozenset({"en", "de", "fr"})
    detections = [
        Detection("en", 0.95, (("en", 0.95),)),
        Detection("de", 0.55, (("de", 0.55), ("en", 0.3))),  # weak but served
        Detection("pl", 0.34, (("pl", 0.34), ("en", 0.22))),  # weak, unserved, English next
        Detection("pl", WEAK_UNSERVED, (("pl", WEAK_UNSERVED),)),  # unserved, just confident enough
        Detection("eo", 0.5, (("eo", 0.5), ("fr", 0.2))),  # weak, unserved, French next
        Detection(None, 0.45, (("es", 0.45), ("en", 0.2))),  # undetermined, a guess
        Detection(None, 0.2, (("it", 0.2),)),  # undetermined, no guess
        Detection(None, 0.0, (), "ar"),  # undetermined, its script only
        Detection(None, 0.0),
    ]
    threads = (None, "en", "de", "fr", "pl")
    changed = 0
    for d in detections:
        for serving in (served, frozenset()):
            answers = {t: assumed_language(d, True, t, serving) for t in threads}
            if not placed_by_thread(d, serving):
                assert set(answers.values()) == {d.language}, (d, serving, answers)
            changed += len(set(answers.values())) > 1
            assert assumed_language(d, False, "de", serving) is None  # no letters: no language
    assert changed >= 4  # undetermined ones and the weak unserved ones follow the thread


def test_a_threads_explanations_of_every_attribute_detect_its_languages_once(
    scorer: Scorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``explain_attributes`` answers what ``explain_thread`` answers attribute by attribute, and detects
    each comment's language once for all the routed attributes (each detected the thread again: with
    ``explain`` or ``queue``, a request's comments were detected once more per routed attribute)."""
    texts = ["You are a complete idiot.", "Du bist so ein Vollidiot.", "you clown!!!", "!"]
    article = ArticleContext(title="Budget", body="The council passed the budget today.")
    assert any(hasattr(scorer.models[a], "route") for a in scorer.attributes), "some are routed"
    detected: list[str] = []
    real = scorer.detector.detect_with_confidence

    def counting(found, *args, **kwargs):
        detected.extend(found)
        return real(found, *args, **kwargs)

    for language in (None, "de"):
        one_by_one = {
            a: scorer.explain_thread(texts, a, article=article, language=language) for a in scorer.attributes
        }
        detected.clear()
        with monkeypatch.context() as patch:
            patch.setattr(scorer.detector, "detect_with_confidence", counting)
            together = scorer.explain_attributes(texts, scorer.attributes, article=article, language=language)
        assert together == one_by_one
        assert sorted(detected) == ([] if language else sorted(texts))


def test_a_threads_explanations_find_its_language_only_for_a_comment_no_model_places(
    scorer: Scorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread's language (and the article's, behind it) only routes a comment whose detected language
    a routed model lacks: when every comment has its own language's model, or none ("!"), it is never
    found; otherwise once for all the routed attributes. The explanations are each comment's against the
    others either way."""
    placed = [
        "You are a complete idiot.",
        "Du bist so ein Vollidiot.",
        "Quel imbécile, ce ministre ne comprend rien.",
    ]
    article = ArticleContext(title="Budget", body="The council passed the budget today.")
    calls: list[int] = []
    real = scorer.thread_language

    def counting(detections, *args, **kwargs):
        calls.append(len(detections))
        return real(detections, *args, **kwargs)

    for texts, expected in (
        ([*placed, "!"], 0),
        ([*placed, "you clown!!!"], 1),
        ([*placed, "Ty głupi idioto."], 1),
    ):
        one_by_one = {
            a: [
                scorer.explain(t, a, article=article, thread=[*texts[:i], *texts[i + 1 :]])
                for i, t in enumerate(texts)
            ]
            for a in ("insult", "toxicity")
        }
        calls.clear()
        with monkeypatch.context() as patch:
            patch.setattr(scorer, "thread_language", counting)
            together = scorer.explain_attributes(texts, ("insult", "toxicity"), article=article)
            scorer.explain(placed[0], "insult", article=article)  # one comment, placed: none either
        assert together == one_by_one, texts
        assert len(calls) == expected, (texts, calls)
