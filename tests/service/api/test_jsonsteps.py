"""JSON bodies: a big one is parsed in the threadpool in steps (service/api/jsonsteps.py), giving what
pydantic-core's from_json gives, and never holding the event loop for long."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import from_json

from core.errors import MalformedInputError
from service.api import guards, jsonsteps
from service.api.errors import ApiError
from service.api.jsonsteps import _RUN_BYTES, _RUN_VALUES, MAX_WALKED, parse_in_steps
from service.api.state import WaitingSlots
from tests.service.api.conftest import assert_error, assert_google_error, auth

MIB = 1024 * 1024
LIMIT = 2 * MIB - 64  # under the 2 MiB request limit
FLAT = b"[" + b"[]," * ((LIMIT - 2) // 3) + b"0]"  # 700,000 empty arrays
_UNIT = b"[" * 150 + b"]" * 150 + b","
NESTED = b"[" + _UNIT * ((LIMIT - 2) // len(_UNIT)) + b"0]"  # 150-deep nests, one after another
NUMBERS = b"[" + b"0," * ((LIMIT - 2) // 2) + b"0]"  # a million values in one array


def _outcome(body: bytes) -> tuple[str, Any]:
    try:
        return "value", from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        return "error", str(exc)  # what and where (until session 21 only that it was an error)


def _steps(body: bytes) -> tuple[str, Any]:
    try:
        return "value", parse_in_steps(body)
    except ValueError as exc:
        return "error", str(exc)


ODD = [
    b"[]",
    b" {} ",
    b'[1, 2.5, -3e2, 1E+2, -0, 1.5e-7, "a\\u00e9\\n\\"\\\\", true, false, null, {"a": [{}]}]',
    b'{"a":1,"a":2,"b":3,"a":4}',
    b'{"a":[1,{"b":null}],"c":"\\ud83d\\ude00","":""}',
    b"[1e999]",
    b"123456789012345678901234567890",
    b"[\t\n\r 1]",
    b"[" * 200 + b"]" * 200,
    b"[" * 201 + b"]" * 201,
    b"[" * 202 + b"]" * 202,
    b"[" * 201 + b"1" + b"]" * 201,
    b'{"a":' * 200 + b"1" + b"}" * 200,
    b'{"a":' * 201 + b"1" + b"}" * 201,
    b"[1,]",
    b'{"a":1,}',
    b"[01]",
    b"[1.]",
    b"[-]",
    b"[1e5e5]",
    b"[NaN]",
    b"[Infinity]",
    b'"\\ud800"',
    b'"\x01"',
    b'["a\\x"]',
    b'["\xff"]',
    b'["\xed\xa0\x80"]',
    b"\xef\xbb\xbf[1]",
    b"[1] x",
    b"[1 2]",
    b'{"a" 1}',
    b"{1:2}",
    b"[tru]",
    b"[truex]",
    b'{"a":1}}',
    b"[[]",
    b'["abc',
    b'["a\\',
    b"[\x0c1]",
    b'["'
    + b'\\"' * 10_000
    + b"ab\\\\" * 5_000
    + b"\\u00e9" * 5_000
    + b"x" * 100_000
    + b'"]',  # past 4,096 pieces
    b'["' + b'\\"' * 10_000 + b"\\",  # a string cut short after a backslash
    b"",
    b"   ",
    # runs of an array's values, read 1,024 at a time, and what refuses them
    b"[1,2,01,3]",
    b'[1,"a\\x",2]',
    b"[1,2,]",
    b"[1 , 2 ,\n3 ]",
    b'["\\ud800",1,2]',
    b"[1,2,3e999,4]",
    b'[true,false,null,"x",1,[2,3],{"a":1},4,"' + b"y" * 300 + b'",5]',
    b"[" + b"1," * 3000 + b"01]",
    b"[" + b"1," * 3000 + b"]",
    b"[" + b"1," * 3000 + b"2]",
    b'{"": [1, 2, 3], "a": 1, "": 4}',
    b'{"": 1, "b": [{"": 2}, 3, 4]}',
    b'{"a":1,"b":2,"a":3,"c":{"d":4,"e":5},"f":6,"b":7}',
    b'{"a":1,"b":2,}',
    b'{"a":1,"b":01,"c":2}',
    b'{"a":1,"b" 2,"c":3}',
    b'{"a":1,"b":"\\ud800","c":3}',
    b"{" + b",".join(b'"k%d":%d' % (i % 700, i) for i in range(3000)) + b"}",
    b"{" + b",".join(b'"k%d":%d' % (i, i) for i in range(3000)) + b',"x":01}',
]


@pytest.mark.parametrize("body", ODD)
def test_the_stepwise_parser_gives_what_from_json_gives(body):
    assert _steps(body) == _outcome(body)


@pytest.mark.parametrize("is_array", [True, False], ids=["array", "object"])
@pytest.mark.parametrize("space", [b" ", b"\n", b" " * 40], ids=["space", "newline", "spaces"])
def test_a_run_cut_by_its_byte_bound_inside_the_whitespace_after_a_comma_reads_on(is_array, space):
    # A run may read 16 KiB: one whose last comma ends there, the whitespace after it beyond, ended in
    # that whitespace, where no value starts, and a valid body was refused ("expected value").
    for pad in range(_RUN_BYTES - 12, _RUN_BYTES - 2):
        x = b"x" * pad
        head = b'["' if is_array else b'{"a":0,"b":"'
        body = head + x + b'",' + space + (b"2]" if is_array else b'"c":2}')
        assert _steps(body) == _outcome(body), pad


def _fuzz_body(rng: random.Random) -> bytes:
    """An array or object of thousands of values (strings of 0-60 characters with escapes, numbers of
    up to 400 digits, literals), whitespace of every kind after its commas, a few levels deep, at
    times with a BOM, a broken value or cut short: runs end on their 16 KiB bound at every offset."""

    def scalar() -> str:
        r = rng.random()
        if r < 0.6:
            chars = [rng.choice('ab \\"\n\u00e9\U0001f600') for _ in range(rng.randint(0, 60))]
            return json.dumps("".join(chars), ensure_ascii=rng.random() < 0.5)
        if r < 0.9:
            return rng.choice((str(rng.randint(-(10 ** rng.randint(1, 400)), 10**400)), repr(rng.random())))
        return rng.choice(("true", "false", "null", "[]", "{}", '{"a": [1]}'))

    space = rng.choice((",", ", ", ",\n  ", " ,\t", ",\r\n"))
    values = [scalar() for _ in range(rng.randint(2_000, 12_000))]
    if rng.random() < 0.5:
        body = "[" + space.join(values) + "]"
    else:
        body = "{" + space.join(f'"k{rng.randrange(5_000)}": {v}' for v in values) + "}"
    depth = rng.choice((0, 1, 3))
    body = '{"a": [' * depth + body + "]}" * depth
    if rng.random() < 0.2:
        at = rng.randrange(len(body))
        body = body[:at] + rng.choice(("01", "1.", '"\\x"', ",", "]", "tru", '"\\ud800"', " ")) + body[at:]
    if rng.random() < 0.1:
        body = body[: rng.randrange(len(body))]
    return (("\ufeff" if rng.random() < 0.05 else "") + body).encode("utf-8", "surrogatepass")


@pytest.mark.slow
def test_fuzzed_big_bodies_give_what_from_json_gives():
    # Seeded: 300 bodies of 67 KiB-1.4 MiB (230 MB, about 20 s of CPU), every value, key order and
    # refusal as from_json's. Before runs skipped the whitespace their 16 KiB bound cut, the 24th was
    # refused; general generators met that once in thousands of bodies.
    rng = random.Random(20_261_204)
    for n in range(300):
        body = _fuzz_body(rng)
        steps, outcome = _steps(body), _outcome(body)
        assert steps == outcome, (n, len(body))
        if outcome[0] == "value" and isinstance(outcome[1], dict):
            assert list(steps[1]) == list(outcome[1]), n


def test_a_body_of_many_brackets_names_its_first_error_not_an_open_string_after_it():
    # Counting the arrays of a body of more than MAX_WALKED brackets skips its strings: one left open
    # at the end was reported (EOF while parsing a string) ahead of the first error, which from_json names.
    body = b"[" + b"{}," * (MAX_WALKED + 1) + b'01, "abc'
    with pytest.raises(ValueError, match="invalid number") as caught:
        parse_in_steps(body)
    assert "column 3000" in str(caught.value)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(value=_JSON, indent=st.sampled_from([None, 0, 2]), ascii_only=st.booleans(), cut=st.integers(0, 400))
def test_the_stepwise_parser_agrees_with_from_json_on_any_json_and_any_cut_of_it(
    value, indent, ascii_only, cut
):
    body = json.dumps(value, indent=indent, ensure_ascii=ascii_only).encode()
    assert _steps(body) == _outcome(body)
    assert _steps(body[:cut]) == _outcome(body[:cut])  # cut short: both refuse (or both read a prefix)


_SCALAR = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(_SCALAR | st.text(max_size=300), max_size=2500),
    separator=st.sampled_from([",", ", ", " ,\n"]),
    broken=st.sampled_from([None, "01", "1.", '"\\x"', "]", ",", "1e999", "tru", "[", "{}"]),
    at=st.integers(0, 2500),
)
def test_long_arrays_of_values_give_what_from_json_gives(values, separator, broken, at):
    # An array's values are read a run at a time by one from_json call; a run it refuses is read value
    # by value: the same values, and the same refusals, wherever the bad one sits.
    items = [json.dumps(v) for v in values]
    if broken is not None:
        items.insert(min(at, len(items)), broken)
    body = ("[" + separator.join(items) + "]").encode()
    assert _steps(body) == _outcome(body)


@settings(max_examples=100, deadline=None)
@given(
    members=st.lists(st.tuples(st.text(max_size=8), _SCALAR | st.text(max_size=300)), max_size=2500),
    separator=st.sampled_from([",", ", ", " ,\n"]),
    broken=st.sampled_from([None, '"a":01', '"a" 1', '"a":', "1:2", '"a":1,', '"a":[', '"a":"\\x"']),
    at=st.integers(0, 2500),
)
def test_long_objects_give_what_from_json_gives(members, separator, broken, at):
    # Members too are read a run at a time: a key given twice keeps its later value in its first place.
    items = [f"{json.dumps(k)}:{json.dumps(v)}" for k, v in members]
    if broken is not None:
        items.insert(min(at, len(items)), broken)
    body = ("{" + separator.join(items) + "}").encode()
    assert _steps(body) == _outcome(body)
    if _outcome(body)[0] == "value":
        assert list(_steps(body)[1]) == list(_outcome(body)[1])  # the same key order


# 2 MiB of an object of 160,000 members
MEMBERS = b"{" + b",".join(b'"k%d":1' % i for i in range(LIMIT // 13)) + b"}"


def _counted_steps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Each from_json call of the stepped parse, as (thread id, bytes given): its steps, each holding
    the GIL from start to end."""
    steps: list[tuple[int, int]] = []
    real = jsonsteps.from_json

    def step(data: bytes, **kwargs: Any) -> Any:
        steps.append((threading.get_ident(), len(data)))
        return real(data, **kwargs)

    monkeypatch.setattr(jsonsteps, "from_json", step)
    return steps


# The most bytes one step reads: a run of values in brackets, or a leaf with the bytes read after it.
MAX_STEP_BYTES = _RUN_BYTES + 2


@pytest.mark.parametrize("body", [NUMBERS, MEMBERS], ids=["numbers", "members"])
def test_a_body_full_of_values_costs_little_cpu(body, monkeypatch):
    # Each value was one from_json call: 2 MiB of a million numbers took 0.9 s of CPU (2 s on a loaded
    # machine), 160,000 members 0.45 s, one body at a time per worker. Runs of 1,024 values per call:
    # ~0.06 s each (bench/, not here: a timed test flaked on a loaded machine). What makes it cheap is
    # counted instead: one call per run, and a run ends at _RUN_VALUES values or _RUN_BYTES bytes.
    expected = from_json(body)
    steps = _counted_steps(monkeypatch)
    assert parse_in_steps(body) == expected
    values = body.count(b",") + 1
    runs = values // _RUN_VALUES + len(body) // _RUN_BYTES + 2
    # Per run one call, and in an object two more for the member that follows it (its key and value).
    assert len(steps) <= 3 * runs, (len(steps), values)
    assert max(size for _, size in steps) <= MAX_STEP_BYTES


def _state() -> Any:
    return SimpleNamespace(json_slots=None)


def _slots() -> WaitingSlots:
    return WaitingSlots(guards.MAX_JSON_PARSES, guards.MAX_WAITING_JSON_PARSES, "JSON bodies")


# How long a parsing thread waits for the event loop to run beside it: only a guard against a hang (it
# runs within a few milliseconds; a parse on the loop itself would never see it run).
LOOP_RUNS_WITHIN_S = 10


async def _parsed_while_the_loop_runs(
    work: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[set[int], list[tuple[int, int]], Any]:
    """Runs `work` (read_json) while a task on the event loop answers the parse: the parse, once it has
    started in its thread (and again before its 100th step), waits until the loop has run. A parse that
    held the loop could never go on. The threads the parse ran in, its steps, its result (or refusal)."""
    parsing, loop_ran = threading.Event(), threading.Event()
    threads: set[int] = set()

    def loop_runs_beside_the_parse() -> None:
        threads.add(threading.get_ident())
        loop_ran.clear()
        parsing.set()
        assert loop_ran.wait(LOOP_RUNS_WITHIN_S), "the event loop did not run while the body was parsed"

    def entering(parse: Callable[..., Any]) -> Callable[..., Any]:
        def entered(*args: Any, **kwargs: Any) -> Any:
            loop_runs_beside_the_parse()
            return parse(*args, **kwargs)

        return entered

    for name in ("parse_json", "parse_flat_json"):  # what read_json runs in the threadpool
        monkeypatch.setattr(guards, name, entering(getattr(guards, name)))
    steps = _counted_steps(monkeypatch)
    real_step = jsonsteps.from_json

    def step(data: bytes, **kwargs: Any) -> Any:
        if len(steps) == 100:
            loop_runs_beside_the_parse()
        return real_step(data, **kwargs)

    monkeypatch.setattr(jsonsteps, "from_json", step)
    done = asyncio.Event()

    async def answer() -> None:
        while not done.is_set():
            if parsing.is_set():
                parsing.clear()
                loop_ran.set()
            await asyncio.sleep(0.001)  # a poll of the parsing thread's flag

    task = asyncio.create_task(answer())
    try:
        result: Any = await work
    except AssertionError:
        raise
    except Exception as exc:  # the refusal is the result
        result = exc
    finally:
        done.set()
        await task
    return threads, steps, result


# A page's JSON over the request limit: 20 MiB of `[],` beside its content, checked by one regular
# expression call that held the GIL ~0.3 s.
PAGE = b'{"content": "Title\\n\\nText.", "x": ' + b"[" + b"[]," * (7 * MIB) + b"0]}"


@pytest.mark.parametrize("body", [FLAT, NESTED, NUMBERS, PAGE], ids=["flat", "nested", "numbers", "page"])
def test_a_big_json_body_never_holds_the_event_loop(body, monkeypatch):
    """from_json on the event loop held every request of the worker, /healthz too, for as long as it
    took: 2 MiB of `[],` ~0.2 s, 150-deep nests ~0.5 s (and run in a thread it holds the GIL as long).
    Shown without a stopwatch (a 0.1 s bound on the loop's stall flaked on a loaded machine): the
    parse runs in another thread while the loop runs, in steps that each read a bounded slice, and a
    body refused for its structure is refused before any value is built."""
    flat_above = 2 * MIB if body is PAGE else None
    expected = from_json(body) if body is NUMBERS else None
    work = guards.read_json(body, _state(), flat_above)
    threads, steps, result = asyncio.run(_parsed_while_the_loop_runs(work, monkeypatch))
    assert threads and threading.get_ident() not in threads  # asyncio.run's loop runs in this thread
    assert {thread for thread, _ in steps} <= threads
    if body is NUMBERS:
        assert result == expected
        assert len(steps) >= len(body) // MAX_STEP_BYTES  # in many steps, none over a run's bytes
        assert max(size for _, size in steps) <= MAX_STEP_BYTES
    elif body is PAGE:
        assert isinstance(result, MalformedInputError) and "one JSON object" in str(result)
    else:
        assert isinstance(result, MalformedInputError) and f"more than {MAX_WALKED:,} arrays" in str(result)


def test_big_json_bodies_are_parsed_one_at_a_time_and_a_long_queue_is_refused():
    state = _state()

    async def main() -> None:
        assert await guards.read_json(b"[1]", state) == [1]  # a small body never waits
        slots = state.json_slots = _slots()
        await slots.semaphore.acquire()  # a parse in progress
        waiting = [asyncio.create_task(guards.read_json(NUMBERS, state)) for _ in range(3)]
        await asyncio.sleep(0.01)
        assert slots.waiting == 3 and not any(t.done() for t in waiting)
        slots.waiting = guards.MAX_WAITING_JSON_PARSES
        with pytest.raises(ApiError) as refused:
            await guards.read_json(NUMBERS, state)
        assert refused.value.status == 503
        slots.waiting = 3
        slots.semaphore.release()
        assert [len(x) for x in await asyncio.gather(*waiting)] == [len(from_json(NUMBERS))] * 3
        assert slots.waiting == 0

    asyncio.run(main())


@pytest.mark.parametrize("body", [FLAT, NESTED], ids=["flat", "nested"])
def test_every_json_route_refuses_a_body_of_too_many_arrays_with_its_own_error(client, body):
    json_ = {"content-type": "application/json"}
    for path in ("/v1/comments:score", "/v1/feedback"):
        error = assert_error(client.post(path, content=body, headers=json_ | auth()), 422, "malformed")
        assert f"more than {MAX_WALKED:,} arrays" in error["message"]
    for path in ("/v1alpha1/comments:analyze", "/v1alpha1/comments:suggestscore"):
        error = assert_google_error(
            client.post(path, content=body, headers=json_ | auth()), 400, "INVALID_REQUEST"
        )
        assert f"more than {MAX_WALKED:,} arrays" in error["message"]


def _thread(n: int) -> bytes:
    comments = [
        {"id": f"c{i}", "text": f"Comment {i} about the bridge budget, \u00e9t\u00e9 \U0001f600. " * 20}
        for i in range(n)
    ]
    return json.dumps(
        {"comments": comments, "article": {"title": "Bridge", "body": "The vote. " * 2000}}
    ).encode()


def test_a_real_request_is_parsed_at_once_and_never_waits_for_the_big_body_slot():
    """A real request of any size holds few values: pydantic-core reads it on the loop in well under a
    millisecond, so it does not queue behind a hostile body for the worker's one parsing slot."""
    state = _state()
    data = _thread(1000)
    assert len(data) > 1 * MIB and guards.parsed_at_once(data)
    assert not guards.parsed_at_once(NUMBERS) and not guards.parsed_at_once(FLAT)

    async def main() -> Any:
        slots = state.json_slots = _slots()
        await slots.semaphore.acquire()  # a hostile body being parsed, and a full queue behind it
        slots.waiting = guards.MAX_WAITING_JSON_PARSES
        return await asyncio.wait_for(guards.read_json(data, state), timeout=10)

    assert asyncio.run(main()) == json.loads(data)


def test_a_big_real_request_is_read_as_before(client):
    data = _thread(300)
    r = client.post("/v1/comments:score", content=data, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["results"]] == [f"c{i}" for i in range(300)]


# Malformed JSONL lines / bodies: a string cut short, a bad escape, a trailing comma, a byte that is not
# UTF-8, a NUL and a newline inside a string, a cut \u escape, a body cut after a comma and a newline,
# a misspelt literal, a body cut inside a list and after an object's comma, characters after a number.
MALFORMED_LINES = [
    b'{"id": "1", "text": "abc',
    b'{"id": "1", "text": "a\\qb"}',
    b'{"id": "1", "text": "ab",}',
    b'{"id": "1", "text": "\xc3\xa9\xe9"}',
    b'{"id": "1", "text": "a\x00b"}',
    b'{"id": "1", "text": "ab\ncd"}',
    b'{"id": "1", "text": "a\\u12"}',
    b'{"id": "1", "text": ["ab",\n',
    b'{"id": "1", "text": ["ab", nul]}',
    b'{"id": "1", "text": [\n',
    b'{"id": "1", "text": "ab", ',
    b'{"id": 2-, "text": "ab"}',
    b'{"id": "1", "text": [2.3.4]}',
]


def _message(parse: Any, body: bytes) -> str:
    with pytest.raises(ValueError) as caught:
        parse(body)
    return str(caught.value)


@pytest.mark.parametrize("line", MALFORMED_LINES)
@pytest.mark.parametrize("before", [b"", b'[{"id": "0", "text": "fine"},\n', b"[" + b'"v", ' * 3000])
def test_an_error_is_said_where_from_json_says_it(line, before):
    # The stepwise parser named a string's error at the string's first byte (a bad escape 3 columns
    # early), the end of the body one column past where from_json names it, and a newline in a string
    # as the body's end.
    body = before + line
    assert _message(parse_in_steps, body) == _message(lambda b: from_json(b, allow_inf_nan=False), body)
