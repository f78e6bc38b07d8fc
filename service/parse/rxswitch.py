"""A long alternation matched against whole lines, tried only on the alternatives that can start with
the line's first character.

Python's regex engine tries every alternative of `a|b|c...` in turn, and with re.IGNORECASE it has no
first-character shortcut for them. The furniture, chrome and opener tables are such alternations of a
hundred or more phrases, matched (fullmatch) on every short line of a page. `FirstCharRx` reads which
characters each alternative can start with (from the pattern's parse tree, with the pattern's own
flags deciding what a letter matches) and, per first character seen, compiles the alternation of only
those that can: the same match, groups and `lastgroup` as the full pattern, which tests check.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

# The regex parser's parse tree (the module `re` compiles from); typeshed has no stubs for it.
_parser: Any = importlib.import_module("re._parser")
C: Any = importlib.import_module("re._constants")  # the parse tree's opcodes

# One character class per opcode that stands for a single character; None for "any character".
_CATEGORY_RX = {
    C.CATEGORY_DIGIT: r"\d",
    C.CATEGORY_NOT_DIGIT: r"\D",
    C.CATEGORY_SPACE: r"\s",
    C.CATEGORY_NOT_SPACE: r"\S",
    C.CATEGORY_WORD: r"\w",
    C.CATEGORY_NOT_WORD: r"\W",
}
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (C.AT, C.ASSERT, C.ASSERT_NOT)


def split_top(rx: str) -> list[str]:
    """The top-level alternatives of a pattern ("a|(b|c)|[|]" -> ["a", "(b|c)", "[|]"])."""
    out: list[str] = []
    depth, start, k, in_class = 0, 0, 0, False
    while k < len(rx):
        ch = rx[k]
        if ch == "\\":
            k += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            k += 1
            if k < len(rx) and rx[k] == "^":
                k += 1
            if k < len(rx) and rx[k] == "]":  # a "]" first in a class is a literal
                k += 1
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(rx[start:k])
            start = k + 1
        k += 1
    out.append(rx[start:])
    return out


def _class_item(op: Any, av: Any) -> str | None:
    """The regex text of one member of a parsed character class."""
    if op is C.LITERAL:
        return re.escape(chr(av))
    if op is C.RANGE:
        lo, hi = av
        return f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
    if op is C.CATEGORY:
        return _CATEGORY_RX.get(av)
    return None


def _one_char_rx(op: Any, av: Any) -> str | None:
    """A one-character pattern equal to this parsed item, or None when it is not one."""
    if op is C.LITERAL:
        return re.escape(chr(av))
    if op is C.NOT_LITERAL:
        return f"[^{re.escape(chr(av))}]"
    if op is C.CATEGORY:
        return _CATEGORY_RX.get(av)
    if op is C.IN:
        negate = bool(av) and av[0][0] is C.NEGATE
        items = [_class_item(o, a) for o, a in (av[1:] if negate else av)]
        known = [i for i in items if i is not None]
        if len(known) < len(items):
            return None
        return "[" + ("^" if negate else "") + "".join(known) + "]"
    return None


def _first(seq: Any) -> tuple[list[str] | None, bool]:
    """(one-character patterns a non-empty match of `seq` can start with, None meaning any; whether
    `seq` can match the empty string)."""
    found: list[str] = []
    for op, av in seq:
        if op in _ZERO_WIDTH:
            continue  # a lookaround or anchor: not using its constraint only keeps more alternatives
        single = _one_char_rx(op, av)
        if single is not None:
            return [*found, single], False
        if op is C.SUBPATTERN and not av[1] and not av[2]:
            sub, nullable = _first(av[3])
        elif op is C.BRANCH:
            parts = [_first(p) for p in av[1]]
            nullable = any(n for _, n in parts)
            sub = None if any(p is None for p, _ in parts) else [x for p, _ in parts for x in p or ()]
        elif op in _REPEATS:
            sub, nullable = _first(av[2])
            nullable = nullable or av[0] == 0
        else:
            return None, False  # a group with its own flags, a back reference...: any character
        if sub is None:
            return None, False
        found += sub
        if not nullable:
            return found, False
    return found, True


class FirstCharRx:
    """`fullmatch` of `prefix(?:alt|alt|...)` (each alt optionally inside a named group, see `groups`)
    on non-empty text, trying only the alternatives that can start with the text's first character.

    `groups` is a list of (group name or None, top-level alternatives); the full pattern is
    `pattern` (kept for reference and tests): prefix + "(?:" + "|".join(each group) + ")"."""

    def __init__(self, prefix: str, groups: list[tuple[str | None, list[str]]], flags: int) -> None:
        self.flags = flags
        self.prefix = prefix
        self.groups = groups
        self.pattern = self._join(groups)
        self.full = re.compile(self.pattern, flags)
        first, nullable = _first(_parser.parse(prefix, flags)) if prefix else ([], True)
        self._prefix_first = self._test(first)
        self._prefix_nullable = nullable
        firsts = [[_first(_parser.parse(a, flags)) for a in alts] for _, alts in groups]
        self._alt_first = [[self._test(f) for f, _ in alts] for alts in firsts]
        self._nullable = [[n for _, n in alts] for alts in firsts]
        self._by_char: dict[str, re.Pattern[str] | None] = {}
        # Characters that keep the same alternatives share one compiled pattern (every letter case,
        # the hundreds of Unicode digits): a page of unusual characters cannot make it compile more.
        self._by_kept: dict[tuple[tuple[str, ...], ...], re.Pattern[str] | None] = {}

    def _join(self, groups: list[tuple[str | None, list[str]]]) -> str:
        parts = [f"(?P<{name}>(?:{'|'.join(alts)}))" if name else "|".join(alts) for name, alts in groups]
        return f"{self.prefix}(?:{'|'.join(parts)})"

    def _test(self, first: list[str] | None) -> Callable[[str], bool]:
        if first is None:
            return lambda c: True
        if not first:
            return lambda c: False
        rx = re.compile("|".join(first), self.flags)
        return lambda c: rx.fullmatch(c) is not None

    def _for_char(self, c: str) -> re.Pattern[str] | None:
        if self._prefix_first(c):
            return self.full  # the prefix may take the first character: every alternative stays
        if not self._prefix_nullable:
            return None
        kept: list[tuple[str | None, list[str]]] = []
        for (name, alts), tests, nulls in zip(self.groups, self._alt_first, self._nullable, strict=True):
            keep = [a for a, t, n in zip(alts, tests, nulls, strict=True) if n or t(c)]
            if keep:
                kept.append((name, keep))
        key = tuple((name or "", *alts) for name, alts in kept)
        if key not in self._by_kept:
            self._by_kept[key] = re.compile(self._join(kept), self.flags) if kept else None
        return self._by_kept[key]

    def fullmatch(self, text: str) -> re.Match[str] | None:
        c = text[:1]
        try:
            rx = self._by_char[c]
        except KeyError:
            rx = self._by_char[c] = self._for_char(c) if c else self.full
        return rx.fullmatch(text) if rx is not None else None
