"""The queue's polling numbers (`queue_items.seq`): each item's last change numbered in commit order,
never a number handed out before, and the `after` token that carries one (GET /v1/queue?after=).

PostgreSQL numbers from the column's identity sequence, under an advisory lock every queue writer takes
first, so numbering and commit follow one order. SQLite's writers are serialised by its write lock
(BEGIN IMMEDIATE), and the numbers come from a counter (`queue_sequence`): the largest stored number
plus one, as before schema version 15, gave an erased newest item's number to the next item, which a
poller past it never saw (and a queue emptied by a purge started again at 1)."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import Connection, func, select, update

from core.errors import InputError
from service.storage import schema as S

# Any constant (not the migrations' key): PostgreSQL writers of the queue take it in turn.
ENQUEUE_LOCK_KEY = 0x71756575  # "queu"
MAX_SEQ = 2**63 - 1  # a queue item's seq is a signed 64-bit integer on both backends
# PostgreSQL: how long a queue writer holding the numbering lock waits for a row another session holds.
# Queue writers take the numbering lock first, so they never wait on each other's rows; a row held
# elsewhere (an operator's open transaction, `SELECT ... FOR UPDATE` in psql) held that writer, and every
# queue writer of every replica queued behind it, for the statement timeout (15 s), again on each retry.
ROW_LOCK_TIMEOUT_MS = 2000


def lock_numbering(conn: Connection) -> None:
    """PostgreSQL: take the numbering lock, held to COMMIT (released after the rows are visible: the
    next writer numbers after them). Every queue write takes it before any row lock: a verdict that
    updated its item first, then waited for it, deadlocked with a re-crawl holding it and waiting on
    that item's row (PostgreSQL failed one of the two). SQLite: the write lock does this already."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(ENQUEUE_LOCK_KEY)))
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ROW_LOCK_TIMEOUT_MS}")


def _take(conn: Connection, n: int) -> int:
    """SQLite, under the write lock: reserve the next ``n`` numbers of the counter; the first of them."""
    t = S.queue_sequence
    last = conn.execute(
        update(t).where(t.c.id == 1).values(last=t.c.last + n).returning(t.c.last)
    ).scalar_one()
    return int(last) - n + 1


def number_new_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Number new rows in commit order (their `seq`). PostgreSQL: the identity numbers a row at INSERT,
    before COMMIT, and another writer's later number could commit first; writers take the numbering
    lock first, so numbering and commit follow one order."""
    if conn.dialect.name == "postgresql":
        lock_numbering(conn)
        return
    for n, row in enumerate(rows, start=_take(conn, len(rows))):
        row["seq"] = n


def renumber(conn: Connection, item_id: str) -> None:
    """A decided, corrected or undone item takes the next number, in commit order as ``number_new_rows`` gives
    them: a poller following `after` sees the change (a CMS learns the verdict; an undone item is
    pending again for it). The caller took the numbering lock before its update (lock_numbering)."""
    t = S.queue_items
    following: Any
    if conn.dialect.name == "postgresql":
        following = func.nextval(func.pg_get_serial_sequence(t.name, t.c.seq.name))
    else:
        following = _take(conn, 1)
    conn.execute(update(t).where(t.c.id == item_id).values(seq=following))


def encode_after(seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([seq]).encode()).decode().rstrip("=")


def decode_after(token: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        (seq,) = json.loads(raw)
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ:
            raise ValueError("bad sequence number")
        return seq
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InputError(
            "invalid after: pass back the `after` of a previous answer of GET /v1/queue unchanged"
        ) from exc
