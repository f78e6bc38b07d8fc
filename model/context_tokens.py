"""Tokenising and stemming of the off-topic similarity space (English and German).

Tokens are runs of bytes between separators in the UTF-8, ASCII-lower-cased text: one C pass per
thread (encode, lower, translate, split) instead of a regex per comment, which cost 3x more. Every
character ``str.split()`` splits on is a separator (\\x1c-\\x1f and the Unicode spaces too), so
tokenising each ``str.split`` chunk alone gives exactly the whole text's tokens: the runtime chunk
memo (model/context_memo.py) keys on those chunks.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

# scikit-learn's ENGLISH_STOP_WORDS (the Glasgow Information Retrieval Group's list, BSD-3), spelled out
# so that scoring never imports scikit-learn (model/estimator.py); a test holds it equal to the package's.
ENGLISH_STOP_WORDS = frozenset(
    """
a about above across after afterwards again against all almost alone along already also although
always am among amongst amoungst amount an and another any anyhow anyone anything anyway anywhere
are around as at back be became because become becomes becoming been before beforehand behind being
below beside besides between beyond bill both bottom but by call can cannot cant co con could
couldnt cry de describe detail do done down due during each eg eight either eleven else elsewhere
empty enough etc even ever every everyone everything everywhere except few fifteen fifty fill find
fire first five for former formerly forty found four from front full further get give go had has
hasnt have he hence her here hereafter hereby herein hereupon hers herself him himself his how
however hundred i ie if in inc indeed interest into is it its itself keep last latter latterly least
less ltd made many may me meanwhile might mill mine more moreover most mostly move much must my
myself name namely neither never nevertheless next nine no nobody none noone nor not nothing now
nowhere of off often on once one only onto or other others otherwise our ours ourselves out over own
part per perhaps please put rather re same see seem seemed seeming seems serious several she should
show side since sincere six sixty so some somehow someone something sometime sometimes somewhere
still such system take ten than that the their them themselves then thence there thereafter thereby
therefore therein thereupon these they thick thin third this those though three through throughout
thru thus to together too top toward towards twelve twenty two un under until up upon us very via
was we well were what whatever when whence whenever where whereafter whereas whereby wherein
whereupon wherever whether which while whither who whoever whole whom whose why will with within
without would yet you your yours yourself yourselves
""".split()  # noqa: SIM905
)

_ASCII_SEPARATORS = (
    string.whitespace + "\x1c\x1d\x1e\x1f" + "".join(c for c in string.punctuation if c != "_")
)
_UNICODE_SPACES = tuple(c for c in map(chr, range(0x80, 0x3001)) if c.isspace() and c != "\u00a0")
_UNICODE_SEPARATORS = (
    "\u2019",
    "\u2018",
    "\u201c",
    "\u201d",
    "\u201e",
    "\u2013",
    "\u2014",
    "\u2026",
    "\u00ab",
    "\u00bb",
    "\u00a0",
    *_UNICODE_SPACES,
)
_UNICODE_SEPARATORS_UTF8 = tuple(u.encode() for u in _UNICODE_SEPARATORS)
_TRANSLATE = bytes.maketrans(_ASCII_SEPARATORS.encode(), b" " * len(_ASCII_SEPARATORS))
DOC_BREAK = "\x00"  # joins a thread's documents; never a token (removed from the texts first)
# The same tokenisation on str, for explanations' character spans.
TOKEN = re.compile("[^" + re.escape(_ASCII_SEPARATORS + "".join(_UNICODE_SEPARATORS) + DOC_BREAK) + "]+")
_SUFFIXES = tuple(
    s.encode()
    for s in (
        "ational",
        "ations",
        "ation",
        "ings",
        "ing",
        "ies",
        "ied",
        "ers",
        "er",
        "ed",
        "es",
        "ly",
        "s",
        "e",
    )
)

# German function words (One Million Posts is German): like English stop words, they carry no topic.
_GERMAN_STOP_WORDS = """
aber alle allem allen aller alles als also am an ander andere anderen anderer anderes auch auf aus
bei beim bin bis bist da dabei dadurch dafür dagegen daher damit dann darauf darum das dass dein
deine deinem deinen deiner dem den denn der des dessen deshalb die dies diese diesem diesen dieser
dieses doch dort du durch ein eine einem einen einer eines einfach er es etwas euch euer eure für
gar gegen gibt hab habe haben hat hatte hätte hier hin ich ihm ihn ihnen ihr ihre ihrem ihren ihrer
im immer in ist ja jede jedem jeden jeder jedes jetzt kann kein keine keinem keinen keiner man mehr
mein meine meinem meinen meiner mich mir mit muss nach nicht nichts noch nun nur ob oder ohne schon
sehr sein seine seinem seinen seiner sich sie sind so soll sollte sondern sonst um und uns unser
unsere unter viel vom von vor war waren warum was weil welche welchen welcher wenn wer werden wie
wieder wir wird wo wurde würde zu zum zur über
""".split()  # noqa: SIM905
# Reactions ("lol", "+1", "danke") carry no topic either: a comment made of them gives the context
# nothing to compare (whether it is worth keeping is UNSUBSTANTIAL's question, not OFF_TOPIC's).
_REACTION_WORDS = """
lol lulz lmao lmfao rofl haha hahaha hehe omg wow yes yeah yep yup nope ok okay thanks thank thx ty
agreed agree exactly true indeed first amen bravo nice cool great lame meh ugh nah hm hmm ja nein
danke genau stimmt eben naja jo
""".split()  # noqa: SIM905
# Words by which readers address or point at each other ("you", "du"): a bickering cue shared by
# both languages, so the German labels teach it and English threads use it.
ADDRESS_WORDS = frozenset(
    w.encode()
    for w in [
        "you",
        "your",
        "yours",
        "you're",
        "youre",
        "yourself",
        "u",
        "ur",
        "du",
        "dich",
        "dir",
        "dein",
        "deine",
        "deinem",
        "deinen",
        "deiner",
        "ihr",
        "euch",
        "euer",
        "eure",
        "sie",
    ]
)
# Words about the forum itself rather than the article: moderation, censorship, deleted posts, the
# editors, other users, trolls (One Million Posts' OffTopic includes "posts about the forum, the
# moderators, other users"). Matched as word prefixes so inflections count ("zensiert", "postings",
# "moderators"); English and German, as the address words. Generic words that merely start like one
# ("mode", "standard") are left out (the newspaper's own names are listed whole) or excepted.
META_PREFIXES = tuple(
    w.encode()
    for w in [
        "zensur",
        "zensor",
        "zensier",
        "zensi",
        "zensomat",
        "gelöscht",
        "löschung",
        "posting",
        "poster",
        "forum",
        "forist",
        "redaktion",
        "moderator",
        "moderation",
        "moderiert",
        "freigeschalt",
        "freischalt",
        "troll",
        "offtopic",
        "censor",
        "deleted",
        "mods",
        "commenter",
        "admins",
    ]
)


_META_EXCEPTIONS = (b"posterior", b"trolley")


def is_meta_word(token: bytes) -> bool:
    """A word about the forum, its moderators or its users (``META_PREFIXES``)."""
    return token.startswith(META_PREFIXES) and not token.startswith(_META_EXCEPTIONS)


# A module constant, not a fitted attribute: a pickled frozenset of bytes has a per-process order,
# which would make `make train` give different model bytes.
# Words about the article itself and how it is written ("thanks for the article", "great piece", "the
# author is right", "guter Artikel"): every thread has them, so they carry no topic either, and a
# comment made of them and reactions is about the article, not a digression (it is scored without
# context, as "lol" is). Before, 77 of 100 such comments under the seed articles went to review.
_ARTICLE_WORDS = """
article articles story stories piece pieces column columns columnist author authors writer writers
writing written journalist journalists journalism reporting reporter reporters editorial headline
headlines read informative interesting insightful excellent brilliant superb good
artikel beitrag autor autorin autoren journalist journalistin journalismus kolumne lesenswert
interessant guter gute
""".split()  # noqa: SIM905
STOP_WORDS = frozenset(
    w.encode() for w in (*ENGLISH_STOP_WORDS, *_GERMAN_STOP_WORDS, *_REACTION_WORDS, *_ARTICLE_WORDS)
)


def tokenize_docs(docs: Sequence[str]) -> list[list[bytes]]:
    """Each document's tokens (UTF-8 bytes, ASCII letters lower-cased), in one pass over the thread."""
    joined = DOC_BREAK.join(d.replace(DOC_BREAK, " ") if DOC_BREAK in d else d for d in docs)
    data = joined.encode("utf-8", "replace").lower()
    if not data.isascii():  # every Unicode separator is multi-byte: ASCII text has none (most threads)
        for sep in _UNICODE_SEPARATORS_UTF8:
            if sep in data:
                data = data.replace(sep, b" ")
    return [part.split() for part in data.translate(_TRANSLATE).split(DOC_BREAK.encode())]


def token_key(raw: str) -> bytes:
    """The vocabulary key of one token matched by ``TOKEN`` on the original text."""
    return raw.encode("utf-8", "replace").lower()


def stem(word: bytes) -> bytes:
    """A tiny suffix stripper: enough to match taped/tape, recording/recordings, at no runtime cost."""
    if word.endswith(_SUFFIXES):  # one C call rejects most words before the loop
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
    if len(word) > 3 and word[-1] == word[-2] and not word[-1:].isdigit():
        word = word[:-1]
    return word


def is_function_word(token: bytes) -> bool:
    """Stop words and single characters ("t" of "don't") carry no topic."""
    return len(token) == 1 or token in STOP_WORDS
