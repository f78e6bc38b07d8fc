"""Idempotency keys of moderators' writes (POST /v1/feedback, /v1/queue/{id}:decide and :undo).

A client whose answer was lost (a timeout, a proxy reset, a replica dying after COMMIT) retries with
the same `Idempotency-Key`; the retry must be answered as if the first answer had arrived. So the key
is claimed, the write done and its answer recorded in ONE transaction (Store.add_feedback_once,
decide_once, undo_once): a committed write has its key, and a write that failed (a 4xx, a crash)
left neither.

The claim is an INSERT ... ON CONFLICT DO NOTHING made before the write. Of two requests with the same
key at once, on PostgreSQL the second insert waits for the first transaction (the unique key); once it
commits, the second reads the committed row and replays its answer, and if it rolled back the second
inserts and is evaluated as a first request. SQLite serialises writers (BEGIN IMMEDIATE) to the same
effect. No request ever sees a claim without its answer, so there is no "in progress" state to report.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Integer, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.errors import KeyReuseError
from service.storage import schema as S

T = TypeVar("T")

# Expired keys deleted per keyed write, at most (oldest first, through the created_at index): more
# than the one row each write adds, so the table shrinks to the keys of the last TTL, and a backlog
# (a service stopped for days) is cleared a little per request, never in one long statement.
PRUNE_PER_WRITE = 16


@dataclass(frozen=True, slots=True)
class KeyedRequest:
    """A request sent with an Idempotency-Key: the route (a template such as
    "POST /v1/queue/{id}:decide"), the item it acts on, and the sha256 of both with its canonical body."""

    key: str
    route: str
    target: str | None
    request_hash: str

    @classmethod
    def of(cls, key: str, route: str, target: str | None, body: Mapping[str, Any]) -> KeyedRequest:
        """`body` as validated (defaults filled in): two spellings of one request hash alike."""
        canonical = json.dumps([route, target, body], sort_keys=True, separators=(",", ":"))
        return cls(key, route, target, hashlib.sha256(canonical.encode()).hexdigest())


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer as stored for replay: the status and the JSON body's bytes."""

    status: int
    body: bytes
    replayed: bool = False  # read from the store: a retry's answer


@dataclass(frozen=True, slots=True)
class Keyed(Generic[T]):
    """A keyed request and how the write's result becomes its answer (rendered inside the transaction,
    so the answer stored is the one sent)."""

    request: KeyedRequest
    render: Callable[[T], Answer]


_t = S.idempotency_keys
# Built once: composing a statement costs SQLAlchemy more CPU than running it on SQLite (a keyed write
# took 3 ms of CPU with its statements built per call).
_INSERT = {
    dialect: insert(_t).on_conflict_do_nothing(index_elements=[_t.c.key]).returning(_t.c.key)
    for dialect, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_READ = select(_t).where(_t.c.key == bindparam("k"))
_FORGET = delete(_t).where(_t.c.key == bindparam("k"), _t.c.created_at < bindparam("before"))
_ANSWER = (
    update(_t)
    .where(_t.c.key == bindparam("k"))
    .values(status=bindparam("s"), body=bindparam("b"), target=bindparam("t"))
)

FEEDBACK_TARGET = "feedback:"  # + the row's id: the target of a keyed POST /v1/feedback, once written


def feedback_target(row_id: int) -> str:
    """What a keyed feedback write's key names once its row exists: erasing the row erases the key."""
    return f"{FEEDBACK_TARGET}{row_id}"


_PRUNE = delete(_t).where(
    _t.c.key.in_(
        select(_t.c.key)
        .where(_t.c.created_at < bindparam("before"))
        .order_by(_t.c.created_at)
        .limit(bindparam("n", type_=Integer, literal_execute=True))
        .with_for_update(skip_locked=True)
    )
)


def claim(conn: Connection, request: KeyedRequest, now: datetime, ttl: timedelta) -> Answer | None:
    """Claim the key for this request (None: go on and write), or the answer stored under it (a retry:
    write nothing). KeyReuseError when the key names another request. A key older than `ttl` is
    forgotten: the request is a new one."""
    row = {
        "key": request.key,
        "route": request.route,
        "target": request.target,
        "request_hash": request.request_hash,
        "created_at": now,
    }
    insert = _INSERT[conn.dialect.name]
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT.
    if conn.execute(insert, row).first() is not None:
        return None
    # Another transaction committed the key (PostgreSQL: the insert waited for it to end; read
    # committed, so this statement sees its row).
    stored = conn.execute(_READ, {"k": request.key}).first()
    if stored is None:  # an expired row another replica's prune deleted meanwhile: claim again
        return claim(conn, request, now, ttl)
    if stored.created_at < now - ttl:  # expired: forgotten, and this request claims the key anew
        conn.execute(_FORGET, {"k": request.key, "before": now - ttl})
        return claim(conn, request, now, ttl)
    if stored.request_hash != request.request_hash:
        raise KeyReuseError(_mismatch(request, stored, ttl))
    return Answer(int(stored.status), str(stored.body).encode(), replayed=True)


def stored_answer(conn: Connection, request: KeyedRequest, now: datetime, ttl: timedelta) -> Answer | None:
    """The answer committed under the key for this same request and not expired, claiming nothing: for
    a retry that the service would now refuse before writing (an attribute a reloaded model dropped)."""
    row = conn.execute(_READ, {"k": request.key}).first()
    if row is None or row.created_at < now - ttl or row.request_hash != request.request_hash:
        return None
    return Answer(int(row.status), str(row.body).encode(), replayed=True)


def _mismatch(request: KeyedRequest, stored: Any, ttl: timedelta) -> str:
    first = f"the Idempotency-Key {request.key!r} was first sent"
    if stored.route != request.route:
        what = f"{first} with {stored.route}, not {request.route}"
    elif request.target is not None and stored.target != request.target:
        what = f"{first} for queue item {stored.target}, not {request.target}"
    else:
        # (the request is signed with who sent it: the same body from another moderator differs too)
        what = f"{first} to {request.route} with a different body, or by another moderator"
    until = (stored.created_at + ttl).isoformat(timespec="seconds")
    return (
        f"{what} (at {stored.created_at.isoformat(timespec='seconds')}; it names that request until "
        f"{until}): a retry must repeat its request unchanged, and a new request needs a new key"
    )


def record(
    conn: Connection,
    request: KeyedRequest,
    answer: Answer,
    now: datetime,
    ttl: timedelta,
    target: str | None = None,
) -> None:
    """Store the answer under the key this transaction claimed, and prune a few expired keys. `target`
    names what the write made when the request could not (a feedback row's id), for erasure to find."""
    row = {"k": request.key, "s": answer.status, "b": answer.body.decode(), "t": target or request.target}
    conn.execute(_ANSWER, row)
    prune(conn, now - ttl)


def prune(conn: Connection, before: datetime, limit: int = PRUNE_PER_WRITE) -> int:
    """Delete at most `limit` keys created before `before`, oldest first; how many were. PostgreSQL
    skips rows another replica's prune holds (SKIP LOCKED): two prunes never wait on each other or
    deadlock."""
    return int(conn.execute(_PRUNE, {"before": before, "n": limit}).rowcount or 0)
