"""`moderate purge` on SQLite and a real PostgreSQL server: the dry run's counts are the real run's, a
second run deletes nothing, the limit comes from --older-than or MODERATION_RETENTION_DAYS."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from service.cli import main
from service.storage import Feedback, QueueQuery, Store, Target
from tests.conftest import REPO
from tests.service.storage.conftest import target  # noqa: F401 (the fixture: both backends)
from tests.service.storage.store_helpers import item
from tests.service.storage.test_erasure import age


def store_env(where: Target) -> dict[str, str]:
    if where.path is not None:
        return {"MODERATION_DB_PATH": str(where.path)}
    assert where.url is not None
    return {"MODERATION_DATABASE_URL": where.url.render_as_string(hide_password=False)}


def counts_of(line: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


@pytest.fixture
def stocked(target: Target) -> Target:  # noqa: F811
    store = Store.open(target)
    try:
        old = store.enqueue([item(f"old {i}") for i in range(5)])
        store.enqueue([item("new one")])
        store.decide(old[0], "reject")
        store.add_feedback(Feedback(text="old direct", attribute="insult", label=1))
        age(store, 10, ids=old, feedback_texts=["old direct"])
    finally:
        store.close()
    return target


def purge(monkeypatch, capsys, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status = main(["purge", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_dry_run_counts_what_the_run_deletes_and_a_second_run_deletes_nothing(stocked, monkeypatch, capsys):
    env = store_env(stocked)
    status, dry, _ = purge(monkeypatch, capsys, env, "--older-than", "7", "--dry-run")
    assert status == 0 and dry.startswith("moderate purge: would delete:"), dry
    status, done, _ = purge(monkeypatch, capsys, env, "--older-than", "7")
    assert status == 0 and "deleted in" in done, done
    expected = {"queue_items": 5, "pending": 4, "queue_flags": 5, "feedback": 2, "idempotency_keys": 0}
    assert {k: v for k, v in counts_of(dry).items() if k in expected} == expected
    assert {k: v for k, v in counts_of(done).items() if k in expected} == expected
    _, again, _ = purge(monkeypatch, capsys, env | {"MODERATION_RETENTION_DAYS": "7"})
    assert all(counts_of(again)[k] == 0 for k in expected), again
    store = Store.open(stocked)
    try:
        assert [f.text for f in store.feedback()] == []
        assert store.count_feedback() == 0 and len(store.list_queue(QueueQuery(limit=10)).items) == 1
    finally:
        store.close()


def test_the_limit_is_required_and_a_missing_sqlite_store_is_an_error(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("MODERATION_RETENTION_DAYS", raising=False)
    env = {"MODERATION_DB_PATH": str(tmp_path / "none.sqlite3")}
    status, _, err = purge(monkeypatch, capsys, env)
    assert status == 2 and "MODERATION_RETENTION_DAYS" in err
    status, _, err = purge(monkeypatch, capsys, env, "--older-than", "30")
    assert status == 1 and "no store at" in err
    assert not (tmp_path / "none.sqlite3").exists()  # not created by a purge


@pytest.mark.parametrize("days", ["0", "-3", "1.5", "x", "40000"])
def test_a_limit_that_is_no_whole_number_of_days_is_a_usage_error(tmp_path, days):
    run = subprocess.run(
        [sys.executable, "-m", "service.cli", "purge", "--older-than", days],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "MODERATION_DB_PATH": str(tmp_path / "x.sqlite3")},
    )
    assert run.returncode == 2 and "whole number of days" in run.stderr, run.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MODERATION_RETENTION_DAYS", "36501"),
        ("MODERATION_RETENTION_DAYS", "1000000000"),
        ("MODERATION_DATABASE__IDEMPOTENCY_TTL_S", "1e12"),
    ],
)
def test_a_setting_too_large_for_a_date_is_refused_not_a_traceback(tmp_path, variable, value):
    # MODERATION_RETENTION_DAYS=1000000000 or a TTL of 1e12 s overflowed `now - limit`: a traceback
    # (OverflowError) where --older-than with the same value was a usage error.
    Store.open(Target(path=tmp_path / "x.sqlite3")).close()
    env = {"PATH": "/usr/bin:/bin", "MODERATION_DB_PATH": str(tmp_path / "x.sqlite3"), variable: value}
    run = subprocess.run(
        [sys.executable, "-m", "service.cli", "purge", "--older-than", "30", "--dry-run"]
        if "TTL" in variable
        else [sys.executable, "-m", "service.cli", "purge", "--dry-run"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode in (1, 2) and "Traceback" not in run.stderr, run.stderr
    assert variable in run.stderr, run.stderr
