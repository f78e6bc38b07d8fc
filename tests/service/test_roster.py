"""The moderators' roster (service.roster): MODERATION_MODERATOR_TOKENS fixed for the process, or
MODERATION_MODERATOR_TOKENS_FILE read again while it runs, refused whole when it goes bad. The clock is
the test's, so nothing here sleeps; the file followed by a real `moderate serve --workers 2` is in
tests/service/api/test_moderators_file.py."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from service.roster import MAX_FILE_BYTES, RECHECK_S, Roster
from service.settings import Settings
from tests.conftest import REPO

API = "the-api-token-for-tests"
ALICE, BOB = "alice-token-0123456789", "bob-token-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def write(path: Path, tokens: object) -> None:
    """As a desk should: the whole new file renamed into place (a reader sees the old or the new)."""
    part = path.with_suffix(".part")
    part.write_text(tokens if isinstance(tokens, str) else json.dumps(tokens))
    part.replace(path)


def roster_of(path: Path, clock: Clock) -> Roster:
    return Roster(Settings(api_token=API, moderator_tokens_file=path), clock=clock)


def test_without_a_file_the_variables_tokens_stand_for_the_life_of_the_process():
    clock = Clock()
    roster = Roster(Settings(api_token=API, moderator_tokens={"alice": ALICE}), clock=clock)
    clock.now += 3600
    assert dict(roster.tokens()) == {"alice": ALICE}
    assert (roster.source, roster.problem) == ("environment", None)


def test_a_change_to_the_file_is_in_force_once_the_recheck_interval_has_passed(tmp_path, caplog):
    path, clock = tmp_path / "moderators.json", Clock()
    write(path, {"alice": ALICE, "bob": BOB})
    roster = roster_of(path, clock)
    assert dict(roster.tokens()) == {"alice": ALICE, "bob": BOB} and roster.source == "file"
    write(path, {"alice": ALICE, "carol": "carol-token-0123456789"})  # bob leaves, carol joins
    clock.now += RECHECK_S / 2
    assert "bob" in roster.tokens()  # not read again yet: one read a second, not one a request
    clock.now += RECHECK_S / 2
    with caplog.at_level(logging.WARNING, logger="service.roster"):
        assert dict(roster.tokens()) == {"alice": ALICE, "carol": "carol-token-0123456789"}
    [record] = caplog.records
    message = record.getMessage()
    assert "added carol, removed bob, new token for none" in message, message
    assert ALICE not in message and "carol-token" not in message


def test_a_new_token_for_a_name_replaces_the_old_one(tmp_path, caplog):
    path, clock = tmp_path / "moderators.json", Clock()
    write(path, {"alice": ALICE})
    roster = roster_of(path, clock)
    write(path, {"alice": "alice-rotated-0123456789"})
    clock.now += RECHECK_S
    with caplog.at_level(logging.WARNING, logger="service.roster"):
        assert dict(roster.tokens()) == {"alice": "alice-rotated-0123456789"}
    assert "new token for alice" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "is not JSON (Expecting property name enclosed in double quotes: line 1 column 2)"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
        ('["alice"]', "holds JSON, but not an object"),
        ({"alice": "short"}, "alice's token is shorter than 16"),
        ({"alice": 12345678901234567890}, "alice's token is not a string"),
        ({"al ice": ALICE}, "moderator name 'al ice'"),
        ({"alice": ALICE, "bob": ALICE}, "two moderators share a token"),
        # json kept the last: alice's first token stopped working, and the file said nothing was wrong
        (f'{{"alice": "{"a" * 20}", "bob": "{"b" * 20}", "alice": "{"c" * 20}"}}', 'names "alice" twice'),
        ({"alice": API}, "a moderator's token is MODERATION_API_TOKEN"),
        ("x" * (MAX_FILE_BYTES + 1), f"is over {MAX_FILE_BYTES} bytes"),
        (None, "cannot be read: No such file or directory"),
    ],
)
def test_a_file_that_cannot_name_the_moderators_stops_the_start_saying_why_but_no_token(
    tmp_path, content, why
):
    path = tmp_path / "moderators.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        write(path, content)
    with pytest.raises(ConfigurationError) as refused:
        roster_of(path, Clock())
    message = str(refused.value)
    assert message.startswith(f"MODERATION_MODERATOR_TOKENS_FILE {path}") and why in message, message
    assert ALICE not in message and API not in message


@pytest.mark.parametrize("breakage", ["invalid", "deleted"])
def test_a_file_that_goes_bad_while_running_refuses_every_moderator_until_it_is_mended(
    tmp_path, caplog, breakage
):
    # Fail closed: a revocation written with a typo must not leave the revoked token working.
    path, clock = tmp_path / "moderators.json", Clock()
    write(path, {"alice": ALICE, "bob": BOB})
    roster = roster_of(path, clock)
    if breakage == "invalid":
        write(path, '{"alice": "' + ALICE + '",}')  # bob removed, and a trailing comma
    else:
        path.unlink()
    with caplog.at_level(logging.ERROR, logger="service.roster"):
        for _ in range(3):  # logged once, not once a read
            clock.now += RECHECK_S
            assert dict(roster.tokens()) == {}
    assert roster.problem is not None and str(path) in roster.problem
    [record] = caplog.records
    assert "no moderator's token is taken until the file is mended" in record.getMessage()
    assert ALICE not in record.getMessage()
    write(path, {"alice": ALICE})
    clock.now += RECHECK_S
    assert dict(roster.tokens()) == {"alice": ALICE} and roster.problem is None


def check_moderators(path: Path, api_token: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    env |= {"MODERATION_API_TOKEN": api_token} if api_token else {}
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "check-moderators", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
    )


def test_check_moderators_says_whether_serve_would_take_a_file_before_it_is_put_in_place(tmp_path):
    path = tmp_path / "moderators.json.new"
    write(path, {"alice": ALICE, "bob": BOB})
    taken = check_moderators(path, API)
    assert taken.returncode == 0, taken.stderr
    taken_line = f"{path}: the service would take it: 2 moderators (alice, bob); checked against"
    assert taken.stdout == taken_line + " MODERATION_API_TOKEN\n"
    alone = check_moderators(path, None)
    assert alone.returncode == 0 and "not checked against MODERATION_API_TOKEN" in alone.stdout
    write(path, {"alice": ALICE, "bob": API})
    refused = check_moderators(path, API)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "a moderator's token is MODERATION_API_TOKEN" in refused.stderr and API not in refused.stderr
    write(path, {"alice": ALICE, "bob": "short"})
    short = check_moderators(path, None)
    assert short.returncode == 1 and "bob's token is shorter than 16" in short.stderr


def test_a_file_that_stops_answering_holds_no_request_and_is_refused_until_it_answers(
    tmp_path, monkeypatch, caplog
):
    # A lost network mount: the read never returns. It held the request that found the file due (on the
    # event loop, every request of the worker) for as long. Now that request waits READ_WAIT_S, the file
    # is refused meanwhile (no moderator's token, as an unreadable file), no request waits on it again
    # and no second read starts; its answer, once it comes, is taken.
    import threading

    from service import roster as roster_module

    path, clock = tmp_path / "moderators.json", Clock()
    write(path, {"alice": ALICE})
    roster = roster_of(path, clock)
    answered, calls = threading.Event(), []

    def hanging_read(path: Path, api_token: str | None) -> dict[str, str]:
        calls.append(path)
        answered.wait(10)
        return {"bob": BOB}

    monkeypatch.setattr(roster_module, "READ_WAIT_S", 0.05)
    monkeypatch.setattr(roster_module, "read_tokens_file", hanging_read)
    clock.now += RECHECK_S
    with caplog.at_level(logging.ERROR, logger="service.roster"):
        assert dict(roster.tokens()) == {}
        assert "did not answer within 0.05 s" in (roster.problem or "")
        for _ in range(3):
            clock.now += RECHECK_S
            assert dict(roster.tokens()) == {}
    assert len(calls) == 1  # one read in flight, never a second beside it
    assert len([r for r in caplog.records if "did not answer" in r.getMessage()]) == 1
    answered.set()
    for _ in range(500):  # the read's thread hands its answer over (at most a few ms)
        clock.now += RECHECK_S
        if dict(roster.tokens()) == {"bob": BOB}:
            break
        threading.Event().wait(0.01)
    assert dict(roster.tokens()) == {"bob": BOB} and roster.problem is None


def test_a_fifo_in_the_file_s_place_is_refused_at_once_and_the_mended_file_is_read(tmp_path):
    # Opening a FIFO waited for a writer for ever: the read never answered, so no second read started,
    # and every moderator stayed refused after the FIFO was replaced by a good file, until a restart.
    import os

    path, clock = tmp_path / "moderators.json", Clock()
    write(path, {"alice": ALICE})
    roster = roster_of(path, clock)
    os.mkfifo(tmp_path / "pipe")
    os.replace(tmp_path / "pipe", path)
    clock.now += RECHECK_S
    assert dict(roster.tokens()) == {} and "is not a regular file" in (roster.problem or "")
    write(tmp_path / "mended.json", {"bob": BOB})
    os.replace(tmp_path / "mended.json", path)
    clock.now += RECHECK_S
    assert dict(roster.tokens()) == {"bob": BOB} and roster.problem is None
