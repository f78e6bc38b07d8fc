"""Lower-cased text for the substring tests that skip a re.IGNORECASE search.

A word test on `text.lower()` may stand in for a case-insensitive regex search only where the regex
matches a character exactly when its lower case is the pattern's letter. For Latin letters three
characters break that: the dotted capital I (its lower case is two characters), the dotless i and the
long s (re matches them to "i" and "s"; tests/service/test_parse_fastpaths.py checks every code point).
For Cyrillic, the old letter forms of U+1C80-U+1C88 ("ᲀ" for "в", "ᲂ" for "о") match their modern letters;
for Greek, the micro sign, the final sigma and the symbol forms ("µ" for "μ", "ς" for "σ", "ϐ" for "β").
"""

from __future__ import annotations

import re

_ODD_CASE = re.compile("[\u0130\u0131\u017f\u1c80-\u1c88\u00b5\u03c2\u03d0-\u03d6\u03f0-\u03f5\u1fbe\u0345]")


def lower_for_words(text: str) -> str | None:
    """`text.lower()`, or None when a word test on it could miss what re.IGNORECASE would match (the
    caller then runs its regex)."""
    if text.isascii() or _ODD_CASE.search(text) is None:
        return text.lower()
    return None


def may_hold(low: str | None, words: tuple[str, ...]) -> bool:
    """False only when `low` (from `lower_for_words`) surely holds none of `words`."""
    if low is None:
        return True
    rx = _ANY_OF.get(words)
    if rx is None:
        rx = _ANY_OF[words] = re.compile("|".join(re.escape(w) for w in words) or "(?!)")  # (): none
    return rx.search(low) is not None


# Per word list, one search for any of its words as a substring: faster than testing each in turn
# (the callers pass a few module-level tuples, so this stays small).
_ANY_OF: dict[tuple[str, ...], re.Pattern[str]] = {}
