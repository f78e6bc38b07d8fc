"""JSON parsed in short steps, so a big body can be parsed in a thread without holding the event loop.

pydantic-core's `from_json` builds a body's Python objects holding the GIL from its first byte to its
last: ~0.25 us a value, so 2 MiB of `[],` (700,000 values) holds it ~0.2 s and 2 MiB of 150-deep
nesting ~0.5 s. Run in the threadpool, it would hold the event loop (which needs the GIL too) as long.
`parse_in_steps` gives the same value, or a ValueError where `from_json` gives one: it walks arrays and
objects here, in Python, whose threads take turns on the GIL every few milliseconds, and has `from_json`
itself read each string, number and literal, so escapes, surrogates, control characters and numbers
are pydantic-core's. Nesting is bounded as `from_json` bounds it (no recursion here at all).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_core import from_json

# from_json's own recursion limit: a value inside more than this many arrays or objects is an error.
MAX_DEPTH = 200
# Arrays, and objects that hold one (the others are no work for it), in one body: each is a Python
# object the garbage collector walks while it lives. 700,000 of them (2 MiB of `[],`) made several
# full collections, each holding the GIL for 40-200 ms (a worker's model alone is ~140,000 objects,
# 40 ms a collection). A real request has a few (Perspective's: a few per requested attribute); more
# is refused before anything is built. Objects of plain values (`{}`, `{"text": "a"}`) and strings and
# numbers are never walked: 150,000 `{}` cost the collector nothing.
MAX_WALKED = 10_000

# from_json's message for a value nested past MAX_DEPTH, which says neither that the limit is one of
# nesting nor what it is: json_error names both.
TOO_DEEP = "recursion limit exceeded"

_WS = re.compile(rb"[ \t\n\r]*+")
# A number's characters: from_json decides whether they make one ("01", "1.", "-" do not).
_NUMBER = re.compile(rb"[-0-9][0-9.eE+-]*+")
_LITERALS = ((b"true", True), (b"false", False), (b"null", None))
_LITERAL_BYTES = len(b"false") + 1  # the longest literal and the byte after it
_OPEN, _CLOSE_ARRAY, _CLOSE_OBJECT = b"[{", ord("]"), ord("}")
_QUOTE, _BACKSLASH, _COMMA, _COLON = ord('"'), ord("\\"), ord(","), ord(":")
_POSITION = re.compile(r" at line (\d+) column (\d+)$")
# Bytes after a string or number that from_json reads before it refuses one: a \u escape's four hex
# digits, read past the closing quote of "\u12".
_LOOKAHEAD = 4
_STRUCTURE = re.compile(rb'[\[\]{}"]')
# Up to this many pieces of a string's content (a run of plain bytes, or one escape) per regex call:
# 20 MiB of `\"` is then ~2,500 calls of a few ms each, not one that holds the GIL for 0.3 s.
_STRING_PIECES = re.compile(rb'(?:[^"\\]++|\\.){0,4096}+', re.S)
# Up to this many values of an array (or members of an object), each a number, literal or string
# followed by a comma, are read by one from_json call rather than one call each (~1 us a value: 2 MiB
# of a million numbers took 0.9-2 s of CPU), in at most _RUN_BYTES of the body, so that one regex and
# one from_json call hold the GIL for well under a millisecond (1,024 strings of 256 characters in one
# run: ~25 ms). A run from_json refuses is read value by value, for the error (and its position) a lone
# value gives.
_RUN_VALUES = 1024
_RUN_BYTES = 16 * 1024
_RUN_STRING = rb'"(?:[^"\\]++|\\.)*+"'  # (bounded by the _RUN_BYTES the match may read)
_SCALAR = rb"(?:[-0-9][0-9.eE+-]*+|true|false|null|" + _RUN_STRING + rb")"
_NEXT = rb"[ \t\n\r]*+,[ \t\n\r]*+"
_RUNS = {
    True: re.compile(rb"(?:%s%s){1,%d}+" % (_SCALAR, _NEXT, _RUN_VALUES), re.S),  # an array's values
    False: re.compile(  # an object's members
        rb"(?:%s[ \t\n\r]*+:[ \t\n\r]*+%s%s){1,%d}+" % (_RUN_STRING, _SCALAR, _NEXT, _RUN_VALUES), re.S
    ),
}


def json_error(exc: ValueError) -> str:
    """The message of from_json's (or parse_in_steps') ValueError, its nesting limit named."""
    return str(exc).replace(TOO_DEEP, f"{TOO_DEEP} (nested more than {MAX_DEPTH} arrays and objects deep)", 1)


def _error(body: bytes, pos: int, what: str) -> ValueError:
    """`what` at the byte at `pos`, said as from_json says where: a newline byte is column 0 of the
    line it starts, and the end of the body is its last byte (column 0 of line 1 when it is empty)."""
    line = body.count(b"\n", 0, pos + 1) + 1
    column = pos - body.rfind(b"\n", 0, pos + 1)
    return ValueError(f"{what} at line {line} column {column}")


def _eof(body: bytes, what: str) -> ValueError:
    return _error(body, len(body) - 1, what)


def _leaf_error(body: bytes, start: int, end: int, exc: ValueError) -> ValueError:
    """from_json's error for `body[start:end]`, at its place in `body`: a string or number refuses at
    the same byte inside the body as alone."""
    message = str(exc)
    found = _POSITION.search(message)
    if found is None:
        return _error(body, start, message)
    line, column = int(found.group(1)), int(found.group(2))
    piece = body[start:end]
    line_start = -1  # the index of the newline that starts `line` in the piece (none on line 1)
    for _ in range(line - 1):
        line_start = piece.find(b"\n", line_start + 1)
    return _error(body, start + line_start + column, message[: found.start()])


def _skip(body: bytes, pos: int) -> int:
    match = _WS.match(body, pos)
    return match.end() if match else pos


def _string_end(body: bytes, start: int) -> int:
    """The index after the closing quote of the string opening at `start`. A long string is scanned
    in C, a slice at a time (_STRING_PIECES), so the GIL goes back between slices."""
    pos = start + 1
    while True:
        pieces = _STRING_PIECES.match(body, pos)  # (always a match, "" at least)
        end = pieces.end() if pieces else pos
        if end < len(body) and body[end] == _QUOTE:
            return end + 1
        if end == pos:  # the end of the body, or a backslash with nothing after it: from_json names
            try:  # the first thing wrong in the string (a control character, an escape) or the end
                from_json(body[start:], allow_inf_nan=False)
            except ValueError as exc:
                raise _leaf_error(body, start, len(body), exc) from None
            raise _eof(body, "EOF while parsing a string")  # (not reached: a string left open)
        pos = end


def _leaf(body: bytes, start: int, end: int) -> Any:
    try:
        return from_json(body[start:end], allow_inf_nan=False)
    except ValueError:
        pass
    # Refused: read again with the bytes after it, as from_json reads it in the body ("\u12" then
    # '"}' is an invalid escape there, the end of the input alone); its first error is the same.
    try:
        from_json(body[start : end + _LOOKAHEAD], allow_inf_nan=False)
    except ValueError as exc:
        raise _leaf_error(body, start, end + _LOOKAHEAD, exc) from None
    raise _error(body, start, "expected value")  # (not reached: what it refused stays refused)


def _number(body: bytes, start: int, end: int) -> tuple[Any, int]:
    """The number in `body[start:end]` (number characters) and the index after it. Characters after a
    whole number ("2-", "2.3.4") are not its error but its container's ("expected `,` or `]`"), as
    from_json reads them: the number ends there."""
    try:
        return from_json(body[start:end], allow_inf_nan=False), end
    except ValueError as exc:
        found = _POSITION.search(str(exc))
        if not (str(exc).startswith("trailing characters") and found and found.group(1) == "1"):
            return _leaf(body, start, end), end  # (raises: what from_json refuses here, and where)
    stop = start + int(found.group(2)) - 1
    return from_json(body[start:stop], allow_inf_nan=False), stop


def _scalar(body: bytes, pos: int) -> tuple[Any, int]:
    """The string, number or literal at `pos`, and the index after it."""
    first = body[pos]
    if first == _QUOTE:
        end = _string_end(body, pos)
        return _leaf(body, pos, end), end
    number = _NUMBER.match(body, pos)
    if number:
        return _number(body, pos, number.end())
    for word, value in _LITERALS:
        if body.startswith(word, pos):
            return value, pos + len(word)
    if first in b"tfn":  # a literal cut short or misspelt ("nul]"): from_json says at which byte
        try:
            from_json(body[pos : pos + _LITERAL_BYTES], allow_inf_nan=False)
        except ValueError as exc:
            raise _leaf_error(body, pos, pos + _LITERAL_BYTES, exc) from None
    raise _error(body, pos, "expected value")


def _take_run(body: bytes, pos: int, container: list[Any] | dict[str, Any]) -> tuple[int, bool]:
    """Reads the run of an array's values or an object's members at `pos` (_RUNS: each followed by a
    comma) into `container`: (where the next one starts, True); or (where the run ends, False) when
    there is none or from_json refuses it, and its values are read one at a time, for the error a lone
    value gives."""
    is_array = isinstance(container, list)
    run = _RUNS[is_array].match(body, pos, pos + _RUN_BYTES)
    if run is None:
        return pos, False
    inner = body[pos : run.end()].rstrip(b" \t\n\r")[:-1]  # (without the last comma)
    try:
        read = from_json(b"[" + inner + b"]" if is_array else b"{" + inner + b"}", allow_inf_nan=False)
    except ValueError:
        return run.end(), False
    if isinstance(container, list):
        container.extend(read)
    else:
        container.update(read)  # a key given twice: the later value, in the first one's place, as ever
    end = _skip(body, run.end())  # (the _RUN_BYTES bound may cut the whitespace after the last comma)
    if end < len(body) and body[end] == (_CLOSE_ARRAY if is_array else _CLOSE_OBJECT):
        raise _error(body, end, "trailing comma")
    return end, True


def _next_key(body: bytes, pos: int, obj: dict[str, Any], refused: int) -> tuple[str, int, int]:
    """After a comma in `obj`: the run of members at `pos` read into it (unless `pos` is in a refused
    run, which ends at `refused`), then the next key and where its value starts, and `refused`."""
    if pos >= refused:
        end, taken = _take_run(body, pos, obj)
        pos, refused = (end, refused) if taken else (pos, end)
    key, pos = _key(body, pos, after_comma=True)
    return key, pos, refused


def _key(body: bytes, pos: int, *, after_comma: bool = False) -> tuple[str, int]:
    """An object's key at `pos` and its colon: the key, and where its value starts."""
    if pos >= len(body):
        raise _eof(body, "EOF while parsing " + ("a value" if after_comma else "an object"))
    if body[pos] != _QUOTE:
        raise _error(body, pos, "key must be a string")
    end = _string_end(body, pos)
    key = _leaf(body, pos, end)
    pos = _skip(body, end)
    if pos >= len(body):
        raise _eof(body, "EOF while parsing an object")
    if body[pos] != _COLON:
        raise _error(body, pos, "expected `:`")
    return key, _skip(body, pos + 1)


def _check_walked(body: bytes) -> None:
    """ValueError when `body` builds more than MAX_WALKED arrays and objects that hold an array or such
    an object (CPython tracks a dict only once it holds a tracked object), found before anything is
    built: two C counts when its brackets alone are few enough. A body that is no JSON is left to the
    parser, which says what is wrong with it."""
    if body.count(b"[") + body.count(b"{") <= MAX_WALKED:
        return
    holds: list[bool] = []  # for each open array or object: does the collector walk it
    walked = 0
    pos = 0
    while match := _STRUCTURE.search(body, pos):
        char = match.group()
        pos = match.end()
        if char == b'"':
            try:
                pos = _string_end(body, match.start())
            except ValueError:
                return  # a string left open: the parser names the first error, which may come before
        elif char in b"[{":
            if len(holds) > MAX_DEPTH:
                return  # the parser refuses it at once
            holds.append(char == b"[")
        elif holds and holds.pop():  # (a closing bracket with none open: the parser refuses it)
            walked += 1
            if walked > MAX_WALKED:
                raise _error(body, match.start(), f"more than {MAX_WALKED:,} arrays and objects holding them")
            if holds:
                holds[-1] = True


def parse_in_steps(body: bytes) -> Any:
    """`from_json(body, allow_inf_nan=False)`: the same value, or ValueError for what it refuses; and
    ValueError for a body of more than MAX_WALKED arrays and objects holding them."""
    _check_walked(body)
    size = len(body)
    open_: list[Any] = []  # the arrays and objects being filled, outermost first
    keys: list[str] = []  # for each of them, an object's key whose value comes next ("" in an array)
    pos = _skip(body, 0)
    refused = 0  # a run of values from_json refused ends here: they are read one at a time
    while True:
        if len(open_) > MAX_DEPTH:
            raise _error(body, pos, TOO_DEEP)
        if pos >= size:
            raise _eof(body, "EOF while parsing a value")
        if pos >= refused and open_ and isinstance(open_[-1], list):  # (not a refused run's values)
            end, taken = _take_run(body, pos, open_[-1])
            if taken:
                pos = end
                continue
            refused = end
        value: Any
        if body[pos] in _OPEN:
            is_array = body[pos] == _OPEN[0]
            pos = _skip(body, pos + 1)
            if pos < size and body[pos] == (_CLOSE_ARRAY if is_array else _CLOSE_OBJECT):
                value, pos = ([] if is_array else {}), pos + 1
            elif is_array:
                if pos >= size:
                    raise _eof(body, "EOF while parsing a list")
                open_.append([])
                keys.append("")
                continue
            else:
                key, pos = _key(body, pos)
                open_.append({})
                keys.append(key)
                continue
        else:
            value, pos = _scalar(body, pos)
        # A value is complete: it goes into the innermost open container, which may then close too.
        while True:
            if not open_:
                pos = _skip(body, pos)
                if pos < size:
                    raise _error(body, pos, "trailing characters")
                return value
            container = open_[-1]
            is_array = isinstance(container, list)
            if is_array:
                container.append(value)
            else:
                container[keys[-1]] = value
            pos = _skip(body, pos)
            if pos >= size:
                raise _eof(body, "EOF while parsing " + ("a list" if is_array else "an object"))
            if body[pos] == _COMMA:
                pos = _skip(body, pos + 1)
                if pos < size and body[pos] == (_CLOSE_ARRAY if is_array else _CLOSE_OBJECT):
                    raise _error(body, pos, "trailing comma")
                if not is_array:
                    keys[-1], pos, refused = _next_key(body, pos, container, refused)
                break  # the container's next value
            if body[pos] != (_CLOSE_ARRAY if is_array else _CLOSE_OBJECT):
                raise _error(body, pos, "expected `,` or `" + ("]" if is_array else "}") + "`")
            value = open_.pop()
            keys.pop()
            pos += 1
