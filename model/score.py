"""The Scorer: loads one verified artifact once and scores whole batches of comments.

CONTRACT (consumers - service.api, service.batch, service.report - type against ``CommentScorer``
so tests can swap in a small fake):

- ``Scorer.load(model_dir) -> Scorer`` verifies the manifest and sha256 before unpickling; raises
  ``core.errors.ModelError`` with the fix (`make train`) on any mismatch.
- ``score(texts, article=None, use_thread=True, language=None) -> list[Scores]``: ``texts`` are the
  comments of ONE thread (one article). Each comment's thread context is the other texts.
  ``Scores.context`` says which context the off-topic score saw. Vectorized: one call per thread,
  never one per comment. ``language`` forces one language for every comment; None detects each
  comment's (model/language.py); a comment whose language has no model is scored in the thread's
  language (``thread_language``: the comments' clear majority, not with ``use_thread=False`` unless
  ``same_source`` says the texts, unrelated as threads, come from one source such as one site's comment
  export, over all its calls when ``source_languages`` lists the detected languages of all its
  comments; else the article's). ``Scores.language``
  is the detected language (None: undetermined, read as English) and ``Scores.unsupported`` the
  attributes not trained for it (their score is still given).
- ``supported_languages(attribute)``: the languages the attribute was trained for (manifest
  ``attributes[name]["languages"]``; absent = {"en"}).
- ``judged_languages(texts, article=None, use_thread=True)`` (optional; callers fall back to
  ``score``): each comment's ``Scores.assumed_language`` without a forced language, from detection alone.
- ``explain(text, attribute, top_k=5, article=None, thread=()) -> list[Span]``: the n-grams that pushed
  the attribute's score up most, as character spans of ``text`` with their weights.
- ``explain_attributes(texts, attributes, top_k=5, article=None, language=None)`` (optional; callers fall
  back to ``explain_thread`` per attribute): {attribute: ``explain_thread``'s answer}, the comments'
  languages detected once for all the attributes.
- ``detections(texts, language=None)`` (optional, with ``explain_attributes``): the comments' detections,
  which ``score`` and ``explain_attributes`` take as ``detections=`` so that a thread scored and then
  explained is detected once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

import numpy as np

from core.errors import ModelError
from core.records import ArticleContext, ContextKind, Scores, Span
from model.artifact import FIX, load_artifact
from model.chunks import ChunkRows, SharedChunks
from model.language import (
    Detection,
    LanguageDetector,
    default_detector,
    has_letters,
    majority_language,
    normalize_language,
    thread_language,
)


class CommentScorer(Protocol):
    attributes: tuple[str, ...]

    @property
    def version(self) -> str: ...

    @property
    def manifest(self) -> dict[str, Any]: ...

    def supported_languages(self, attribute: str) -> frozenset[str]: ...

    def score(
        self,
        texts: Sequence[str],
        article: ArticleContext | None = None,
        *,
        use_thread: bool = True,
        language: str | None = None,
        same_source: bool = False,
        source_languages: Sequence[str | None] | None = None,
    ) -> list[Scores]: ...

    def explain(
        self,
        text: str,
        attribute: str,
        *,
        top_k: int = 5,
        article: ArticleContext | None = None,
        thread: Sequence[str] = (),
        language: str | None = None,
    ) -> list[Span]: ...

    def explain_thread(
        self,
        texts: Sequence[str],
        attribute: str,
        *,
        top_k: int = 5,
        article: ArticleContext | None = None,
        language: str | None = None,
    ) -> list[list[Span]]: ...


class ThreadModel(Protocol):
    """An attribute model that reads the article and thread (off_topic): interface "predict_thread"
    in the manifest. The Scorer asks it for each comment's probability and context."""

    def predict_comments(
        self,
        texts: Sequence[str],
        article: ArticleContext | None,
        use_thread: bool,
        *,
        rows: ChunkRows | None = None,
        article_rows: ChunkRows | None = None,
    ) -> tuple[np.ndarray, tuple[ContextKind, ...]]: ...


# Bounds of the Scorer's small memos (entries): articles' languages, unsupported attributes per language.
ARTICLE_LANGUAGES_CACHED = 256
UNSUPPORTED_CACHED = 1024
# The characters of an article (title, newline, body) its language is read from, and the memo's key.
# Keyed by the whole article, the memo held up to 256 bodies alive after their requests (2 MB each
# through /v1/comments:score, 20 MB pages through articles:score).
ARTICLE_LANGUAGE_CHARS = 4_000
# ... in its first lines of prose, each read as a comment is (the detector's first 120 characters), and
# their majority decides: read as one text, only the title and the first line were seen, and a title of
# names and code ("JSON parsing: simdjson vs. JSON for Modern C++") left an English article undetermined.
ARTICLE_LANGUAGE_SAMPLES = 8
_MIN_SAMPLE_CHARS = 40  # a line shorter than this is a caption, a byline or a date, not prose

K = TypeVar("K")
V = TypeVar("V")


def _remember(memo: dict[K, V], key: K, value: V, bound: int) -> V:
    """Stores ``value`` and returns it. The keys come from requests (articles, language tags), so a memo
    at its bound is emptied rather than grown: an entry costs one detection or one set to make again."""
    if len(memo) >= bound:
        memo.clear()
    memo[key] = value
    return value


# How the Scorer calls each attribute's model (the manifest's "interface" field says which).
TEXT_INTERFACE = "predict_proba"  # model.predict_proba(texts)[:, 1]
THREAD_INTERFACE = "predict_thread"  # reads article + thread: model.predict_comments (ThreadModel)


# How sure the detector must be of an undetermined comment's guess before decisions follow it: at 0.3,
# 26 of Kaggle's 3,947 English training comments (0.7 %) leave English (they can still reach review,
# not rejection) while "maldito idiota estupido" (es 0.41) and "aptal idiot" (tr 0.37) do; at 0.1,
# 57 English comments would.
UNDETERMINED_GUESS = 0.3


# Per comment of a thread: its detection and whether it can take a language model; the thread's language,
# found on the first call (only a comment whose language a routed model lacks reads it).
_Routing = tuple[list[Detection], list[bool], Callable[[], str | None]]


def _placeable(detection: Detection, text: str, language: str | None) -> bool:
    """Whether a comment can take a language model: detected (and no language forced), or with letters.
    A comment with none ("!", "+1", an emoji) has no language to take: the base model scores it."""
    return (detection.language is not None and language is None) or has_letters(text)


# A detection of a language no attribute model serves, or an undetermined comment's guess of one, below
# this probability is too weak to refuse the comment on when the thread's language is served or English
# is the likeliest served guess: short English comments ("You stupid moron." pl 0.34, en 0.22; "You are
# a Moron." eo 0.50, en 0.19) were refused as Polish or Esperanto. Chosen on the corpora's training
# parts (python -m training.language_refusals; docs/languages.md, session 23).
WEAK_UNSERVED = 0.7
BASE_LANGUAGE = "en"  # the base models' language: what the routed attributes fall back to


def assumed_language(
    detection: Detection,
    has_letters: bool,
    thread: str | None,
    served: frozenset[str] = frozenset(),
    weak: float = WEAK_UNSERVED,
) -> str | None:
    """The language an attribute must be trained for to decide on a comment: the detected one; for an
    undetermined comment with letters, the thread's (or article's), else the detector's likeliest
    guess (a Spanish insult it is unsure of was read as English and auto-rejected), else its script's;
    None (read as English, the base models' language) when nothing points anywhere, as for "!", also
    when a request names a language (``has_letters``: whether the comment can have a language).
    A language outside ``served`` (the languages some attribute model has) found with less than
    ``weak`` probability gives way to the thread's language when that is served, else to English when
    English is the likeliest served guess (``Detection.nearest``, as the routed attributes score it):
    a weak guess of Polish does not refuse "You stupid moron.". ``thread`` is read only when
    ``placed_by_thread`` says so (callers find it only then)."""
    if not has_letters:
        return None
    if not placed_by_thread(detection, served, weak):
        return detection.language
    language = detection.language
    if language is None:
        if thread is not None:
            return thread
        guess = next((code for code, p in detection.ranked[:1] if p >= UNDETERMINED_GUESS), None)
        if guess is None:
            return detection.script
        language = guess
        if not _gives_way(language, detection.confidence, served, weak):
            return language
    nearest = detection.nearest(served, 0.0, thread=thread)
    return nearest if nearest is not None and nearest in (thread, BASE_LANGUAGE) else language


def _gives_way(language: str, confidence: float, served: frozenset[str], weak: float) -> bool:
    """Whether a detection or guess of ``language`` is too weak to judge a comment by: a language no
    attribute model serves, found with less than ``weak`` probability."""
    return bool(served) and language not in served and confidence < weak


def placed_by_thread(detection: Detection, served: frozenset[str], weak: float = WEAK_UNSERVED) -> bool:
    """Whether ``assumed_language`` reads the thread's language for this comment (it answers the
    detected language without it otherwise): undetermined, or a weak detection of a language outside
    ``served``. The one statement of that rule: ``assumed_language`` asks it too."""
    return detection.language is None or _gives_way(detection.language, detection.confidence, served, weak)


class Scorer:
    """Holds one verified artifact: a dict of per-attribute models, loaded once, scored per batch.

    Attributes the artifact does not carry score ``nan`` (never a made-up number) with context "none".
    """

    def __init__(
        self,
        manifest: Mapping[str, Any],
        models: Mapping[str, Any],
        detector: LanguageDetector | None = None,
    ) -> None:
        self._manifest = dict(manifest)
        self.detector = detector or default_detector()
        self.models = dict(models)
        entries = self._manifest.get("attributes", {})
        self.interfaces = {
            name: entries.get(name, {}).get("interface", TEXT_INTERFACE) for name in self.models
        }
        for name, interface in self.interfaces.items():
            if interface not in (TEXT_INTERFACE, THREAD_INTERFACE):
                raise ModelError(f"attribute {name!r} has unknown interface {interface!r}: run `make train`")
        self.attributes = tuple(self.models)
        self._languages = {
            name: frozenset(entries.get(name, {}).get("languages") or ("en",)) for name in self.models
        }
        self._shared = self._shared_chunks()
        # Built once, not per call (a single-comment request paid for these lookups every time):
        # each model's place in the chunk lookup, its family and column, how it is called ...
        self._plan = [
            (
                name,
                k,
                getattr(model, "family", None),
                int(model.column) if getattr(model, "family", None) is not None else -1,
                self.interfaces[name] == THREAD_INTERFACE,
            )
            for k, (name, model) in enumerate(self.models.items())
        ]
        # ... the language-routed models with their languages, and memos bounded by their keys:
        # attributes unsupported per detected language, the language of recently seen articles.
        self._routed = {
            name: (model, frozenset(model.languages))
            for name, model in self.models.items()
            if hasattr(model, "route")
        }
        # Languages every routed model has: a confident detection of one of them is routed without
        # the detector's other guesses, so the detector may skip computing them.
        self._settled = (
            frozenset.intersection(*(languages for _, languages in self._routed.values()))
            if self._routed
            else frozenset()
        )
        # Every language some attribute was trained for: a weak detection of any other gives way.
        self._served = frozenset().union(*self._languages.values())
        self._unsupported: dict[str | None, frozenset[str]] = {}
        self._article_languages: dict[str, str | None] = {}

    def _shared_chunks(self) -> SharedChunks | None:
        """One chunk lookup for all models, when every model scores from chunk rows (the shipped
        ones do) and at most one reads the article (its documents are looked up for it alone)."""
        models = list(self.models.values())
        threads = [n for n, i in self.interfaces.items() if i == THREAD_INTERFACE]
        if len(threads) > 1 or not all(hasattr(m, "chunk_rows") for m in models):
            return None
        if not all(hasattr(self.models[n], "article_documents") for n in threads):
            return None
        texts_only = [m for n, m in self.models.items() if n not in threads]
        if not all(hasattr(m, "positive_proba_from_rows") for m in texts_only):
            return None
        # Attributes of one family (model/heads.py) share a chunk table: it is looked up once.
        sources: list[Any] = []
        self._source_of: list[int] = []
        for m in models:
            source = getattr(m, "family", None) or m
            found = [j for j, known in enumerate(sources) if known is source]
            if not found:
                sources.append(source)
            self._source_of.append(found[0] if found else len(sources) - 1)
        return SharedChunks(sources)

    @classmethod
    def load(cls, model_dir: Path) -> Scorer:
        try:
            return cls._load(Path(model_dir))
        except MemoryError as exc:  # the machine, not the model: "rebuild it" misled
            raise ModelError(
                f"model at {model_dir} could not be loaded: out of memory (a process scoring with it needs "
                "about 400 MB): raise the memory limit, or run fewer workers"
            ) from exc

    @classmethod
    def _load(cls, model_dir: Path) -> Scorer:
        manifest, models = load_artifact(model_dir)
        try:  # a manifest entry of the wrong shape ("languages": 5) is a model error, not a crash
            scorer = cls(manifest, models)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise ModelError(
                f"model at {model_dir}: its manifest does not describe its models "
                f"({type(exc).__name__}: {exc}): {FIX}"
            ) from exc
        try:  # a pickle from older code can unpickle yet fail on first use: fail here, clearly
            scorer.score(["smoke test"], ArticleContext(title="t", body="b"))
        except MemoryError:
            raise
        except OSError as exc:  # the machine's files (a compiled kernel's cache), not the model
            raise ModelError(f"model at {model_dir} could not be loaded: {exc}") from exc
        except Exception as exc:
            raise ModelError(
                f"model at {model_dir} does not work with this code ({type(exc).__name__}: {exc}): {FIX}"
            ) from exc
        return scorer

    @property
    def version(self) -> str:
        return str(self._manifest.get("model_version", "unknown"))

    @property
    def manifest(self) -> dict[str, Any]:
        return self._manifest

    def threshold(self, attribute: str) -> float | None:
        value = self._manifest.get("attributes", {}).get(attribute, {}).get("threshold")
        return None if value is None else float(value)

    def supported_languages(self, attribute: str) -> frozenset[str]:
        return self._languages.get(attribute, frozenset({"en"}))

    def detections(self, texts: Sequence[str], language: str | None = None) -> list[Detection]:
        """``language`` (normalised) for every text when given, else each text's detected language."""
        if language is not None:
            code = normalize_language(language)
            return [Detection(code, 1.0, ((code, 1.0),) if code else ())] * len(texts)
        return self.detector.detect_with_confidence(texts, self._settled)

    def thread_language(
        self,
        detections: Sequence[Detection],
        article: ArticleContext | None,
        use_thread: bool,
        language: str | None,
        source_languages: Sequence[str | None] | None = None,
    ) -> str | None:
        """The language a comment nobody can place is scored in: the comments' clear majority (the
        texts of one call are one thread, unless ``use_thread`` is False; ``source_languages``: the
        detected languages of every comment of a source scored over several calls), else the
        article's (one detection per call). None when the request gives the language."""
        if language is not None:
            return None
        if source_languages is not None and use_thread:
            thread = majority_language(source_languages)
        else:
            thread = thread_language(detections) if use_thread else None
        if thread is None and article is not None and not article.is_empty:  # detected only if needed
            thread = self.article_language(article)
        return thread

    def judged_languages(
        self, texts: Sequence[str], article: ArticleContext | None = None, *, use_thread: bool = True
    ) -> list[str | None]:
        """Each comment's ``Scores.assumed_language`` as ``score`` (with no language forced) judges it,
        from the detector alone: no attribute model runs. What a request that forces a language still
        reports as detected (the Perspective endpoint's ``detectedLanguages``)."""
        texts = list(texts)
        detections = self.detections(texts)
        placeable = [_placeable(d, t, None) for d, t in zip(detections, texts, strict=True)]
        thread = None
        served = self._served
        if any(placed_by_thread(d, served) and ok for d, ok in zip(detections, placeable, strict=True)):
            thread = self.thread_language(detections, article, use_thread, None)
        return [assumed_language(d, ok, thread, served) for d, ok in zip(detections, placeable, strict=True)]

    def article_language(self, article: ArticleContext) -> str | None:
        """The article's detected language, memoised by its first ``ARTICLE_LANGUAGE_CHARS`` (what the
        detector reads): single-comment requests under one story detected its text again on every call."""
        n = ARTICLE_LANGUAGE_CHARS
        head = f"{article.title[:n]}\n{article.body[:n]}"[:n]
        if head in self._article_languages:
            return self._article_languages[head]
        samples = [line for line in head.splitlines() if len(line) >= _MIN_SAMPLE_CHARS]
        samples = samples[:ARTICLE_LANGUAGE_SAMPLES] or [head]
        found = majority_language((d.language for d in self.detector.detect_with_confidence(samples)), 1)
        return _remember(self._article_languages, head, found, ARTICLE_LANGUAGES_CACHED)

    def unsupported(self, language: str | None) -> frozenset[str]:
        """Attributes not trained for ``language`` (None = undetermined, read as English)."""
        found = self._unsupported.get(language)
        if found is None:
            lang = language or "en"
            found = frozenset(a for a in self.attributes if lang not in self.supported_languages(a))
            _remember(self._unsupported, language, found, UNSUPPORTED_CACHED)
        return found

    def score(
        self,
        texts: Sequence[str],
        article: ArticleContext | None = None,
        *,
        use_thread: bool = True,
        language: str | None = None,
        same_source: bool = False,
        source_languages: Sequence[str | None] | None = None,
        detections: Sequence[Detection] | None = None,
    ) -> list[Scores]:
        """``detections``: the texts' ``detections(texts, language)`` when the caller already has them
        (to explain the thread after scoring it without detecting it again)."""
        texts = list(texts)
        n = len(texts)
        if n == 0:
            return []
        detections = self.detections(texts, language) if detections is None else list(detections)
        languages = [d.language for d in detections]
        columns, contexts = self._columns(texts, article, use_thread, share=True)
        # Undetermined comments with letters take the thread's (or article's) language; a comment with
        # none ("!", "+1", an emoji) has no language to take, nor one the request names: the base model
        # scores it (a German model read a lone "!" as an insult at 0.94).
        forced = language is not None
        placeable = [_placeable(d, t, language) for d, t in zip(detections, texts, strict=True)]
        all_placeable = not forced or all(placeable)
        # The thread's (and the article's) language matters only for comments a model lacks or the
        # detector could not place: found once, when first needed. (A comment in a served language is
        # never placed by the thread: ``placed_by_thread`` is asked only about the others.)
        thread: str | None = None
        thread_known = False
        served = self._served
        if any(
            ok and d.language not in served and placed_by_thread(d, served)
            for d, ok in zip(detections, placeable, strict=True)
        ):
            thread = self.thread_language(
                detections, article, use_thread or same_source, language, source_languages
            )
            thread_known = True
        # Per routed attribute whose comments were not all routed by their detected language: the
        # language of the model that scored each comment. Attributes routed alike (insult and toxicity:
        # the same languages and language models) share one list of routes, found once.
        scored_in: list[tuple[str, list[str | None]]] = []
        found_routes: dict[frozenset[str], list[str | None]] = {}
        found_scored: dict[tuple[frozenset[str], frozenset[str], str | None], list[str | None]] = {}
        for name, (model, model_languages) in self._routed.items():  # a routed language's comments: own model
            routes: Sequence[str | None] = languages
            if not (all_placeable and model_languages.issuperset(languages)):
                if not thread_known:
                    thread = self.thread_language(
                        detections, article, use_thread or same_source, language, source_languages
                    )
                    thread_known = True
                if model_languages not in found_routes:
                    found_routes[model_languages] = [
                        d.nearest(model_languages, thread=thread) if ok else None
                        for d, ok in zip(detections, placeable, strict=True)
                    ]
                routes = found_routes[model_languages]
                own, base = model.language_models, model.base_language
                key = (model_languages, frozenset(own), base)
                if key not in found_scored:
                    found_scored[key] = [r if r in own else base for r in routes]
                scored_in.append((name, found_scored[key]))
            columns[name] = model.route(texts, routes, columns[name])
        return self._scores_of(columns, detections, placeable, contexts, thread, scored_in)

    def _scores_of(
        self,
        columns: dict[str, np.ndarray],
        detections: Sequence[Detection],
        placeable: Sequence[bool],
        contexts: Sequence[ContextKind],
        thread: str | None,
        scored_in: Sequence[tuple[str, list[str | None]]],
    ) -> list[Scores]:
        """Each comment's ``Scores``: its values, the language it is judged in and what is unsupported
        or was scored in another language (``scored_in``: per routed attribute, each comment's)."""
        names = tuple(columns)
        values = [columns[name].tolist() for name in names]
        served, unsupported = self._served, self.unsupported
        rows = zip(zip(*values, strict=True), detections, placeable, contexts, strict=True)
        out = []
        for i, (row, d, ok, context) in enumerate(rows):
            detected = d.language
            # ``assumed_language`` answers a placeable comment's served language as is: asked only otherwise.
            assumed = detected if ok and detected in served else assumed_language(d, ok, thread, served)
            flags = unsupported(assumed)
            by_name = dict(zip(names, row, strict=True))
            # A score from another language's model (a guess too weak to judge the comment by sent it
            # there) is not one trained for the language the comment is judged in: it never rejects.
            judged = assumed or "en"
            elsewhere = scored_in and {
                n: lang for n, langs in scored_in if (lang := langs[i]) != judged and n not in flags
            }
            if not elsewhere:  # the common case: every attribute scored in the judged language
                out.append(Scores(by_name, context, detected, flags, assumed, frozenset(), {}))
                continue
            guessed = frozenset(elsewhere)
            in_language = {n: lang for n, lang in elsewhere.items() if lang is not None}
            out.append(Scores(by_name, context, detected, flags | guessed, assumed, guessed, in_language))
        return out

    def _columns(
        self, texts: list[str], article: ArticleContext | None, use_thread: bool, *, share: bool
    ) -> tuple[dict[str, np.ndarray], Sequence[ContextKind]]:
        """Every model's probabilities and the context each comment's off-topic score saw. With ``share``
        (and models that support it), from one split and one chunk lookup for all models; otherwise each
        model on its own. The numbers are the same."""
        rows, article_rows = self._shared_rows(texts, article) if share else (None, None)
        columns: dict[str, np.ndarray] = {}
        none: ContextKind = "none"
        contexts: Sequence[ContextKind] = (none,) * len(texts)
        families: dict[int, np.ndarray] = {}  # id(family) -> n x K probabilities, computed once
        models = self.models
        for name, k, family, column, reads_thread in self._plan:
            model = models[name]
            if family is not None:
                if id(family) not in families:
                    families[id(family)] = (
                        family.proba_from_rows(rows[k])
                        if rows is not None
                        else family.predict_proba_all(texts)
                    )
                columns[name] = families[id(family)][:, column]
                continue
            if reads_thread:
                looked_up: dict[str, Any] = {}
                if rows is not None:
                    looked_up = {"rows": rows[k], "article_rows": article_rows and article_rows[k]}
                probs, contexts = cast(ThreadModel, model).predict_comments(
                    texts, article, use_thread, **looked_up
                )
            elif rows is not None:
                probs = model.positive_proba_from_rows(rows[k])
            else:
                probs = model.predict_proba(texts)[:, 1]
            columns[name] = np.asarray(probs, dtype=np.float64)
        return columns, contexts

    def _shared_rows(
        self, texts: list[str], article: ArticleContext | None
    ) -> tuple[list[ChunkRows] | None, list[ChunkRows] | None]:
        """Per model, the texts' chunk rows and the article documents' (``None`` without sharing)."""
        if self._shared is None:
            return None, None
        documents: tuple[str, ...] = ()
        for name, _, _, _, reads_thread in self._plan:
            if reads_thread and article is not None:
                documents = self.models[name].article_documents(article)
        if not documents:
            rows = self._shared.split(texts)
            return [rows[j] for j in self._source_of], None
        assert article is not None
        rows, found = self._shared.split_with(texts, (article.title, article.body), documents)
        return [rows[j] for j in self._source_of], [found[j] for j in self._source_of]

    def explain(
        self,
        text: str,
        attribute: str,
        *,
        top_k: int = 5,
        article: ArticleContext | None = None,
        thread: Sequence[str] = (),
        language: str | None = None,
    ) -> list[Span]:
        """The spans that pushed ``attribute`` up most; [] for an attribute this artifact lacks."""
        model = self.models.get(attribute)
        if model is None or not hasattr(model, "explain"):
            return []
        if hasattr(model, "route"):  # the spans of the model that scored it (routed with its thread)
            texts = [text, *thread]
            model = self._routed_models(attribute, self._routing(texts, article, language))[0]
            if not hasattr(model, "explain"):
                return []
        spans: list[Span] = model.explain(text, top_k=top_k, article=article, thread=thread)
        return spans

    def explain_thread(
        self,
        texts: Sequence[str],
        attribute: str,
        *,
        top_k: int = 5,
        article: ArticleContext | None = None,
        language: str | None = None,
    ) -> list[list[Span]]:
        """``explain`` for every comment of one thread, each against the others, in one pass: the
        thread's languages are detected once and off_topic's context is read once (comment by comment,
        each explanation re-read the whole thread: 274 comments took a minute)."""
        return self.explain_attributes(texts, (attribute,), top_k=top_k, article=article, language=language)[
            attribute
        ]

    def explain_attributes(
        self,
        texts: Sequence[str],
        attributes: Sequence[str],
        *,
        top_k: int = 5,
        article: ArticleContext | None = None,
        language: str | None = None,
        detections: Sequence[Detection] | None = None,
    ) -> dict[str, list[list[Span]]]:
        """``explain_thread`` for each of ``attributes``: the thread's languages are detected once for all
        the routed ones (attribute by attribute, each detected the comments again), or not at all when
        ``detections`` (``detections(texts, language)``, as ``score`` took them) are given."""
        texts = list(texts)
        routing: _Routing | None = None
        out: dict[str, list[list[Span]]] = {}
        for attribute in attributes:
            model = self.models.get(attribute)
            if model is None or not hasattr(model, "explain"):
                out[attribute] = [[] for _ in texts]
                continue
            if hasattr(model, "explain_many"):  # only such a model reads the thread (off_topic)
                out[attribute] = model.explain_many(texts, top_k=top_k, article=article)
                continue
            models = [model] * len(texts)
            if hasattr(model, "route"):
                if routing is None:
                    routing = self._routing(texts, article, language, detections)
                models = self._routed_models(attribute, routing)
            out[attribute] = [
                m.explain(text, top_k=top_k, article=article) if hasattr(m, "explain") else []
                for text, m in zip(texts, models, strict=True)
            ]
        return out

    def _routing(
        self,
        texts: Sequence[str],
        article: ArticleContext | None,
        language: str | None,
        detections: Sequence[Detection] | None = None,
    ) -> _Routing:
        """What routes the comments of one thread to a language's model, as ``score`` routes them: each
        one's detection (``detections`` when given), whether it can take a language model, and the
        thread's language, found when first asked for (with the article's, it may detect the article)."""
        detections = self.detections(texts, language) if detections is None else list(detections)
        placeable = [_placeable(d, t, language) for d, t in zip(detections, texts, strict=True)]
        return detections, placeable, cache(lambda: self.thread_language(detections, article, True, language))

    def _routed_models(self, attribute: str, routing: _Routing) -> list[Any]:
        """The model of routed ``attribute`` that scores each comment of a thread (``_routing``)."""
        routed, model_languages = self._routed[attribute]
        detections, placeable, thread_of = routing
        # ``Detection.nearest`` reads the thread's language only for a language the model lacks.
        lacking = any(
            ok and d.language not in model_languages for d, ok in zip(detections, placeable, strict=True)
        )
        thread = thread_of() if lacking else None
        routes = [
            d.nearest(model_languages, thread=thread) if ok else None
            for d, ok in zip(detections, placeable, strict=True)
        ]
        return [routed.model_for(r) for r in routes]
