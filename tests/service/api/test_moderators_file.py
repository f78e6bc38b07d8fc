"""Moderators named in MODERATION_MODERATOR_TOKENS_FILE: a desk adds, rotates or revokes a moderator
by changing the file, with no restart. In-process with the test's clock, then under a real
`moderate serve --workers 2`, where every worker must follow the file."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from service.roster import RECHECK_S, Roster
from tests.service.api.conftest import TOKEN, assert_error, auth, make_client
from tests.service.api.test_queue import queue_thread
from tests.service.api.test_uvicorn import start, stop, wait_ready
from tests.service.test_roster import Clock, write

ALICE, BOB = "alice-token-for-the-tests", "bob-token-for-the-tests!"


def gauge(metrics: str, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", metrics, re.MULTILINE)
    assert match, metrics
    return float(match.group(1))


def test_a_moderator_removed_from_the_file_is_refused_without_a_restart(settings, tmp_path):
    path, clock = tmp_path / "moderators.json", Clock()
    write(path, {"alice": ALICE, "bob": BOB})
    settings = settings.model_copy(update={"moderator_tokens_file": path})
    with make_client(settings) as client:
        state = client.app.state.moderation
        state.roster = Roster(settings, clock=clock)
        ids = queue_thread(client)
        decided = client.post(
            f"/v1/queue/{ids['c1']}:decide", json={"verdict": "reject"}, headers=auth(ALICE)
        )
        assert decided.status_code == 200 and decided.json()["decided_by"] == "alice", decided.text
        metrics = client.get("/metrics").text
        assert (gauge(metrics, "moderation_moderators"), gauge(metrics, "moderation_moderators_file_ok")) == (
            2,
            1,
        )

        write(path, {"bob": BOB})
        clock.now += RECHECK_S
        assert_error(client.get("/v1/queue", headers=auth(ALICE)), 403, "forbidden")
        assert_error(client.post("/v1/feedback", json={}, headers=auth(ALICE)), 401, "unauthenticated")
        assert client.get("/v1/queue", headers=auth(BOB)).status_code == 200
        assert gauge(client.get("/metrics").text, "moderation_moderators") == 1
        # the verdict alice gave still names her
        assert client.get(f"/v1/queue/{ids['c1']}", headers=auth(BOB)).json()["decided_by"] == "alice"

        assert assert_error(client.get("/v1/queue", headers=auth(ALICE)), 403)["message"] == "invalid token"
        write(path, '{"bob": ')  # an edit cut short: every moderator is refused, the API token is not
        clock.now += RECHECK_S
        refused = assert_error(client.get("/v1/queue", headers=auth(BOB)), 403, "forbidden")
        assert "the server refuses its moderators' tokens file" in refused["message"], refused["message"]
        assert client.get("/v1/queue", headers=auth(TOKEN)).status_code == 200
        metrics = client.get("/metrics").text
        assert (gauge(metrics, "moderation_moderators"), gauge(metrics, "moderation_moderators_file_ok")) == (
            0,
            0,
        )


def test_without_a_file_the_metrics_name_no_file(settings):
    with make_client(settings.model_copy(update={"moderator_tokens": {"alice": ALICE}})) as client:
        metrics = client.get("/metrics").text
    assert gauge(metrics, "moderation_moderators") == 1
    assert "moderation_moderators_file_ok" not in metrics


def _statuses(base: str, token: str, tries: int = 12) -> set[int]:
    """GET /v1/queue on fresh connections, which land on either worker."""
    return {httpx.get(base + "/v1/queue", headers=auth(token), timeout=30).status_code for _ in range(tries)}


@pytest.mark.slow
def test_every_worker_follows_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "moderators.json"
    write(path, {"alice": ALICE})
    monkeypatch.setenv("MODERATION_MODERATOR_TOKENS_FILE", str(path))
    proc, base = start(tmp_path, "--workers", "2")
    try:
        wait_ready(proc, base)
        assert _statuses(base, ALICE) == {200}
        assert _statuses(base, BOB) == {403}
        write(path, {"bob": BOB})
        changed = time.monotonic()
        deadline = changed + 30  # RECHECK_S is 1 s: a worker still taking alice at 30 s never re-read
        while _statuses(base, ALICE) != {403} or _statuses(base, BOB) != {200}:
            assert time.monotonic() < deadline, "a worker still takes alice's token, or not bob's"
            time.sleep(0.2)
        # then every worker keeps to it
        assert _statuses(base, ALICE, 30) == {403} and _statuses(base, BOB, 30) == {200}
        assert _statuses(base, TOKEN) == {200}
    finally:
        output = stop(proc)
    assert "Traceback" not in output, output[-3000:]
    assert output.count("moderators' tokens read again") == 2, output[-3000:]  # once in each worker
    assert ALICE not in output and BOB not in output


def test_serve_refuses_to_start_on_a_file_it_cannot_read(tmp_path, monkeypatch):
    from tests.service.test_cli import _serve_refusal

    path = tmp_path / "moderators.json"
    write(path, {"alice": "short"})
    monkeypatch.setenv("MODERATION_API_TOKEN", TOKEN)
    monkeypatch.setenv("MODERATION_MODERATOR_TOKENS_FILE", str(path))
    monkeypatch.setenv("MODERATION_DB_PATH", str(tmp_path / "db.sqlite3"))
    line = _serve_refusal("--port", "0")
    assert f"MODERATION_MODERATOR_TOKENS_FILE {path}: alice's token is shorter than 16" in line, line
    assert "short" not in line.split("shorter")[0]
