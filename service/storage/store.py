"""The one storage interface for moderators' verdicts and the review queue, over SQLite or PostgreSQL.

    store = Store.open(parse_target(url_or_path), settings.database)   # migrates the schema
    store.add_feedback(Feedback(text=..., attribute="insult", label=1))
    ids = store.enqueue([NewQueueItem(...), ...])
    store.decide(ids[0], "reject")          # first verdict wins: ConflictError for the second
    store.decide(ids[0], "approve", revision=1)   # a correction of the item at revision 1
    store.undo(ids[0], revision=2)          # pending again, its feedback rows deleted
    store.decide_once(keyed, ids[1], "reject")   # with an Idempotency-Key: a retry replays the answer

Every method is one transaction. A database that cannot be reached, is locked past the busy timeout,
or has no free pooled connection raises StoreUnavailableError (the API answers 503): nothing was
stored and the caller may retry, unless its message says the COMMIT went unconfirmed. Thread-safe:
the engine's pool hands each call its own connection.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Insert, Row, Select, delete, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RootTransaction
from sqlalchemy.exc import DataError, DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.errors import (
    ConflictError,
    InputError,
    ModerationError,
    NotFoundError,
    StoreReadOnlyError,
    StoreUnavailableError,
)
from service.settings import Database
from service.storage import engine as engines
from service.storage import erasure, stats, writable
from service.storage import idempotency as idem
from service.storage import schema as S
from service.storage.activity import ModeratorActivity
from service.storage.activity import read as read_activity
from service.storage.erasure import Erased, Purged
from service.storage.idempotency import Answer, Keyed, KeyedRequest
from service.storage.records import (
    DECISIONS,
    STATUSES,
    VERDICTS,
    Feedback,
    NewQueueItem,
    Queued,
    QueueItem,
    QueuePage,
    QueueQuery,
    QueueScores,
    ScoresPage,
    VerdictEvent,
    check_attribute_name,
)
from service.storage.sequence import decode_after, encode_after, lock_numbering, number_new_rows, renumber
from service.storage.stats import QueueStats

log = logging.getLogger(__name__)

MAX_PAGE = 200  # GET /v1/queue returns at most this many items per page
# GET /v1/queue:scores rows are ~300 bytes (no text, spans or quotes): a page of 1,000 is less than
# one full page of 200 long comments, and the plots' 5,000 items take 5 requests, not 25.
MAX_SCORES_PAGE = 1000
T = TypeVar("T")


# One batch of a purge, a takedown or a reader's erasure, in the caller's transaction: what it deleted.
Batch = Callable[[Connection], Erased]


def _now() -> datetime:
    return datetime.now(UTC)


def _finite(value: Any) -> float | None:
    """Scores as JSON numbers: NaN (an attribute the model does not carry) is stored as null."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def _dedup_key(idempotency_key: str | None) -> str | None:
    """A fixed-width digest: a key of any length fits the unique index."""
    return None if idempotency_key is None else hashlib.sha256(idempotency_key.encode()).hexdigest()


def _insert_new(dialect: str) -> Insert:
    """INSERT of queue items that skips a row whose dedup_key is stored (PostgreSQL and SQLite alike:
    ON CONFLICT (dedup_key) DO NOTHING)."""
    table = S.queue_items
    ins = pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    return ins.on_conflict_do_nothing(index_elements=[table.c.dedup_key])


# Keys looked up per statement: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
_KEYS_PER_QUERY = 1000


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), _KEYS_PER_QUERY):
        yield unique[start : start + _KEYS_PER_QUERY]


def _ids_by_key(conn: Connection, keys: Sequence[str]) -> dict[str, str]:
    t = S.queue_items
    found: dict[str, str] = {}
    for chunk in _chunks(keys):
        found.update(
            (k, i) for k, i in conn.execute(select(t.c.dedup_key, t.c.id).where(t.c.dedup_key.in_(chunk)))
        )
    return found


def _items_by_id(conn: Connection, ids: Sequence[str]) -> dict[str, QueueItem]:
    t = S.queue_items
    found: dict[str, QueueItem] = {}
    for chunk in _chunks(ids):
        found.update((row.id, _item(row)) for row in conn.execute(select(t).where(t.c.id.in_(chunk))))
    return found


def encode_cursor(risk: float, item_id: str) -> str:
    raw = json.dumps([risk, item_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        risk, item_id = json.loads(raw)
        if not isinstance(item_id, str) or isinstance(risk, bool) or not isinstance(risk, int | float):
            raise ValueError("bad cursor fields")
        item_id.encode("utf-8")  # json reads a lone surrogate ("\\ud800"); no database driver binds it
        if not math.isfinite(risk := float(risk)):  # json reads NaN and Infinity; a risk is neither
            raise ValueError("risk is not a finite number")
        return risk, item_id
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError) as exc:
        raise InputError("invalid cursor: pass back the next_cursor of a previous page unchanged") from exc


def _file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`; None when nothing is there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _first_line(exc: Exception) -> str:
    """The driver's own message (first line), else the exception's type."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return detail[0] if detail else type(exc).__name__


def check_feedback(item: Feedback) -> None:
    check_attribute_name(item.attribute)
    if item.label not in (0, 1):
        raise InputError(f"label must be 0 or 1, got {item.label!r}")
    if not item.text.strip():
        raise InputError("feedback text is empty")


class Store:
    """Feedback and the review queue behind one interface; `backend` is "sqlite" or "postgresql"."""

    def __init__(self, engine: Engine, target: engines.Target, pool: Database | None = None) -> None:
        self.engine = engine
        # How long an idempotency key's answer is replayed (settings: database.idempotency_ttl_s).
        self.idempotency_ttl = timedelta(seconds=(pool or Database()).idempotency_ttl_s)
        self._reader = engine.execution_options(**{engines.READ_ONLY: True})
        self.target = target
        self.backend = target.backend
        self.schema_version = 0
        # SQLite: the file the pool's connections opened. Moved or deleted under them, they kept writing
        # to it, acknowledged, while the path named another file or none (_check_file).
        self._file: tuple[int, int] | None = None

    @classmethod
    def open(cls, target: engines.Target, pool: Database | None = None) -> Store:
        """Create the engine and migrate the schema. Raises StoreUnavailableError (retry later) or
        SchemaVersionError (the database is newer than this code)."""
        if target.path is not None:
            try:
                target.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailableError(f"cannot create the folder of {target.path}: {exc}") from exc
        pool = pool or Database()
        store = cls(engines.create(target, pool), target, pool)
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
        if target.path is not None:
            store._file = _file_identity(target.path)
        return store

    def describe(self) -> str:
        return f"{self.backend} {self.target.describe()}"

    @contextmanager
    def _tx(self, action: str, *, read_only: bool = False) -> Iterator[Any]:
        """One transaction; database failures become StoreUnavailableError naming the database.
        `read_only`: it only reads, so on SQLite it does not wait for the write lock."""
        self._check_file(action)
        committing = False
        try:
            tx = self._begin(action, read_only)
            with tx.connection as conn, tx:
                yield conn
                committing = True
        except ModerationError:
            raise
        except PoolTimeout as exc:
            raise StoreUnavailableError(
                f"cannot {action}: every connection to the {self.backend} database is busy; retry"
            ) from exc
        except DataError as exc:  # the value, not the database: a retry fails the same way (a 422)
            raise InputError(
                f"cannot {action}: the {self.backend} database refuses a value ({_first_line(exc)})"
            ) from exc
        except (DBAPIError, SQLAlchemyError) as exc:
            # A COMMIT sent and not confirmed (the connection lost on the way back) may have been applied.
            outcome = (
                "the database did not confirm the commit, so it may be stored: retry with the same "
                "Idempotency-Key, or read it back before sending it again"
                if committing and not read_only
                else "nothing was stored, retry"
            )
            raise StoreUnavailableError(
                f"cannot {action} in the {self.describe()} database: {_first_line(exc)}; {outcome}"
            ) from exc

    def _begin(self, action: str, read_only: bool) -> RootTransaction:
        """A transaction on a pooled connection. SQLite: a writing one on a connection that can write.
        One SQLite opened while the file could not be written stays read-only after a chmod back: it is
        dropped, and the pool's connections replaced once, so writes recover by themselves (they did
        only once /readyz had run). StoreReadOnlyError while the store cannot be written."""
        path = None if read_only else self.target.path  # (only SQLite's writes are checked)
        fresh = False
        while True:
            conn = (self._reader if read_only else self.engine).connect()
            try:
                tx = conn.begin()
                if path is None or writable.connection_writes(conn):
                    return tx
            except BaseException:
                conn.close()
                raise
            conn.invalidate()  # never back into the pool: it would refuse every write given to it
            conn.close()
            if fresh or writable.unwritable(path) is not None:  # (a fresh one would be read-only too)
                raise StoreReadOnlyError(f"cannot {action}: {writable.refused(path)}")
            self.engine.dispose()  # the others may have been opened read-only too
            log.info("store %s: replaced pooled connections SQLite had opened read-only", path)
            fresh = True

    def _check_file(self, action: str) -> None:
        """SQLite: refuse while the path no longer names the file the connections write (an admin's
        `mv` or `rm`): its verdicts would be acknowledged and missing from the file the next start opens.
        The same for its write-ahead log, which exists while any connection is open: deleted, the
        connections kept writing to the unlinked log, and the next start found none of those writes."""
        if self._file is None:
            return
        path = self.target.path or Path()
        if _file_identity(path) != self._file:
            raise StoreUnavailableError(
                f"cannot {action}: the SQLite file {path} was moved, replaced or deleted while "
                "the service ran (its connections still hold the old file): restart the service to open "
                "the file now at that path"
            )
        pool: Any = self.engine.pool
        if pool.checkedin() + pool.checkedout() and not os.path.exists(f"{path}-wal"):
            raise StoreUnavailableError(
                f"cannot {action}: the SQLite write-ahead log {path}-wal was deleted while the service ran "
                "(the writes since the last checkpoint are in the deleted file): restart the service"
            )

    def migrate(self) -> tuple[int, int]:
        with self._tx("migrate the schema") as conn:
            done = S.migrate(conn)
        self.schema_version = done.after
        if done.created:
            log.info("store %s: created at schema version %d", self.describe(), done.after)
        elif done.before != done.after:
            log.warning(
                "store %s: schema migrated from version %d to %d", self.describe(), done.before, done.after
            )
        return done.before, done.after

    def ping(self) -> int:
        """The schema version, read from the database (for /readyz), migrated first when the database
        is behind this code (see below). StoreUnavailableError when
        PostgreSQL takes no writes (a standby after a failover, default_transaction_read_only): every
        verdict would fail, so the database is not reported reachable. StoreReadOnlyError when this
        process cannot write the SQLite file (service.storage.writable)."""
        if self.target.path is not None:
            writable.check_files(self.target.path)
        with self._tx("reach the database", read_only=True) as conn:
            if (
                self.backend == "postgresql"
                and conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
            ):
                raise StoreUnavailableError(
                    f"the {self.describe()} database is read-only (a standby, or "
                    "default_transaction_read_only): feedback and the queue cannot be written"
                )
            version = S.current_version(conn)
        if version < S.SCHEMA_VERSION:
            # Replaced while serving (dropped and created empty, an older backup restored): migrate it as
            # a start would. Every call was a 503 "retry" until a restart, and /readyz said ok.
            log.warning(
                "store %s: the database is at schema version %d, not %d (replaced while the service ran?): "
                "migrating it",
                self.describe(),
                version,
                S.SCHEMA_VERSION,
            )
            version = self.migrate()[1]
        if self.target.path is not None:
            writable.check_connections(self.engine, self.target.path)
        return version

    # -- feedback ----------------------------------------------------------------------------------

    def add_feedback(self, item: Feedback) -> int:
        """Insert one verdict and return its id; the row is committed when this returns."""
        return self.add_feedback_many([item])[0]

    def add_feedback_many(self, items: Sequence[Feedback]) -> list[int]:
        """All rows or none, in one transaction."""
        for item in items:
            check_feedback(item)
        with self._tx("write feedback") as conn:
            ids = _insert_feedback(conn, items)
        log.debug("stored %d feedback rows", len(ids))
        return ids

    def add_feedback_once(self, keyed: Keyed[int], item: Feedback) -> Answer:
        """add_feedback under an idempotency key (see `_once`); the key names the row it wrote, so
        erasing the row erases the key with it."""
        check_feedback(item)
        return self._once(
            "write feedback",
            keyed,
            lambda conn: _insert_feedback(conn, [item])[0],
            names=idem.feedback_target,
        )

    def _once(
        self,
        action: str,
        keyed: Keyed[T],
        write: Callable[[Connection], T],
        names: Callable[[T], str] | None = None,
    ) -> Answer:
        """`write`, its answer (keyed.render) and its idempotency key in one transaction; or, when the
        key was committed before (a retry, or the same request on another replica at once), the answer
        stored then, and nothing is written (service.storage.idempotency). An error raised by `write`
        rolls the claim back with it: a refused request is evaluated again when retried."""
        now = _now()
        with self._tx(action) as conn:
            stored = idem.claim(conn, keyed.request, now, self.idempotency_ttl)
            if stored is not None:
                log.info("%s: replayed the answer to Idempotency-Key %r", action, keyed.request.key)
                return stored
            result = write(conn)
            answer = keyed.render(result)
            target = None if names is None else names(result)
            idem.record(conn, keyed.request, answer, now, self.idempotency_ttl, target)
        return answer

    def replay(self, request: KeyedRequest) -> Answer | None:
        """The answer a keyed write committed for this very request, if any (nothing is claimed)."""
        with self._tx("read an idempotency key", read_only=True) as conn:
            return idem.stored_answer(conn, request, _now(), self.idempotency_ttl)

    def feedback(self, attribute: str | None = None) -> list[Feedback]:
        t = S.feedback
        query = select(
            t.c.text,
            t.c.attribute,
            t.c.label,
            t.c.article_id,
            t.c.created_at,
            t.c.queue_item_id,
            t.c.judged_language,
            t.c.author,
        ).order_by(t.c.id)
        if attribute is not None:
            query = query.where(t.c.attribute == attribute)
        with self._tx("read feedback", read_only=True) as conn:
            return [Feedback(*row) for row in conn.execute(query)]

    def count_feedback(self) -> int:
        with self._tx("count feedback", read_only=True) as conn:
            return int(conn.scalar(select(func.count()).select_from(S.feedback)) or 0)

    # -- review queue ------------------------------------------------------------------------------

    def enqueue(self, items: Sequence[NewQueueItem]) -> list[str]:
        """Store scored comments as pending queue items (one transaction); returns their ids (see
        `enqueue_or_find`)."""
        return [queued.id for queued in self.enqueue_or_find(items)]

    def enqueue_or_find(self, items: Sequence[NewQueueItem]) -> list[Queued]:
        """Store scored comments as pending queue items (one transaction); returns each one's id.

        An item with an `idempotency_key` already stored (by this call, an earlier one, or another
        replica at the same moment) is not stored again: its id is the stored item's, returned with
        the item as stored (read in the same transaction). The database settles a race: the unique key
        makes the second insert wait for the first transaction and then insert nothing (insert-or-
        return, never check-then-insert)."""
        now = _now()
        rows: list[dict[str, Any]] = []
        flags: dict[str, list[str]] = {}
        for item in items:
            item_id = uuid.uuid4().hex
            flags[item_id] = [check_attribute_name(a) for a in dict.fromkeys(item.flagged)]
            rows.append(
                {
                    "id": item_id,
                    "article_id": item.article_id,
                    "article_title": item.article_title,
                    "source": item.source,
                    "text": item.text,
                    "scores": {k: _finite(v) for k, v in item.scores.items()},
                    "spans": {k: [dict(s) for s in v] for k, v in item.spans.items()},
                    "decision": item.decision,
                    "reasons": list(item.reasons),
                    "flagged": flags[item_id],
                    "risk": item.risk,
                    "language": item.language,
                    "judged_language": item.judged_language,
                    "context": item.context,
                    "unsupported": [check_attribute_name(a) for a in dict.fromkeys(item.unsupported)],
                    "quotes": [{"author": q.get("author"), "text": q.get("text")} for q in item.quotes],
                    "author": item.author,
                    "model_version": item.model_version,
                    "created_at": now,
                    "status": "pending",
                    "dedup_key": _dedup_key(item.idempotency_key),
                }
            )
        if not rows:
            return []
        with self._tx("queue comments") as conn:
            number_new_rows(conn, rows)
            conn.execute(_insert_new(conn.dialect.name), rows)
            stored = _ids_by_key(conn, [r["dedup_key"] for r in rows if r["dedup_key"] is not None])
            ids = [stored.get(r["dedup_key"], r["id"]) for r in rows]
            earlier = _items_by_id(conn, [i for r, i in zip(rows, ids, strict=True) if i != r["id"]])
            # The flags of the rows this call inserted (a key found stored has its flags already).
            new_flags = [
                {"item_id": item_id, "attribute": a}
                for r, item_id in zip(rows, ids, strict=True)
                if item_id == r["id"]
                for a in flags[item_id]
            ]
            if new_flags:
                conn.execute(insert(S.queue_flags), new_flags)
        return [Queued(i, None if i == r["id"] else earlier[i]) for r, i in zip(rows, ids, strict=True)]

    def queue_item(self, item_id: str) -> QueueItem:
        with self._tx("read the queue", read_only=True) as conn:
            row = conn.execute(select(S.queue_items).where(S.queue_items.c.id == item_id)).first()
        if row is None:
            raise NotFoundError(f"no queue item {item_id!r}")
        return _item(row)

    def list_queue(self, query: QueueQuery) -> QueuePage:
        """A page riskiest first (`cursor` pages on), or with `after` the items queued after that
        token in commit order. Either way the page's `after` is the token to poll with next."""
        t = S.queue_items
        _check_query(query, MAX_PAGE)
        if query.after is not None and query.cursor is not None:
            raise InputError("pass either cursor (the next page by risk) or after (newer items), not both")
        sql = _filtered(select(t), query)
        if query.after is not None:
            sql = sql.where(t.c.seq > decode_after(query.after)).order_by(t.c.seq)
        else:
            sql = _by_risk(sql, query.cursor)
        with self._tx("read the queue", read_only=True) as conn:
            # The newest number first: every smaller number is committed by now (numbers follow
            # commit order), so polling after it misses nothing. An item committed between the two
            # reads may be in this page and in the next poll: seen twice, never skipped.
            newest = int(conn.scalar(select(func.coalesce(func.max(t.c.seq), 0))) or 0)
            if query.after is not None:
                sql = sql.where(t.c.seq <= newest)
            rows = conn.execute(sql.limit(query.limit + 1)).all()
        items = tuple(_item(r) for r in rows[: query.limit])
        more = len(rows) > query.limit
        if query.after is not None:
            return QueuePage(items, None, encode_after(int(rows[query.limit - 1].seq) if more else newest))
        return QueuePage(
            items, encode_cursor(items[-1].risk, items[-1].id) if more else None, encode_after(newest)
        )

    def list_scores(self, query: QueueQuery) -> ScoresPage:
        """What the plots read of each item, in GET /v1/queue's order and with its cursor (the same
        keyset): only those columns are read, never the text, spans or quotes."""
        if query.after is not None:
            raise InputError("after polls GET /v1/queue; GET /v1/queue:scores pages with cursor")
        _check_query(query, MAX_SCORES_PAGE)
        t = S.queue_items
        columns = (
            t.c.risk,
            t.c.id,
            t.c.scores,
            t.c.verdict,
            t.c.verdict_attributes,
            t.c.judged_language,
            t.c.context,
            t.c.unsupported,
        )
        sql = _by_risk(_filtered(select(*columns), query), query.cursor)
        with self._tx("read the queue", read_only=True) as conn:
            rows = conn.execute(sql.limit(query.limit + 1)).all()
        items = tuple(_scores(r) for r in rows[: query.limit])
        last = rows[query.limit - 1] if len(rows) > query.limit else None
        return ScoresPage(items, None if last is None else encode_cursor(float(last.risk), last.id))

    def queue_stats(self, query: QueueQuery) -> QueueStats:
        """Counts over the items GET /v1/queue would list with these filters (its paging ignored)."""
        _check_query(replace(query, limit=1), 1)
        with self._tx("read the queue", read_only=True) as conn:
            return stats.read(conn, lambda sql: _filtered(sql, query))

    def decide(
        self,
        item_id: str,
        verdict: str,
        attributes: Sequence[str] | None = None,
        *,
        revision: int | None = None,
        by: str | None = None,
    ) -> QueueItem:
        """Record a moderator's verdict on a pending item, and its feedback rows, in one transaction.

        The FIRST verdict wins: the update only matches a pending row, and the database settles which
        of two concurrent updates matched (PostgreSQL's row lock re-checks `status` after the first
        commits; SQLite serialises writers). The loser gets ConflictError naming the verdict given.
        Feedback: `attributes` when given (an empty list: none, e.g. a rejection for a reason no
        attribute names), else the attributes that reached review, each with label 1 for reject and
        0 for approve.

        With `revision` (the item's revision as the moderator read it) the verdict may replace one
        given (a mis-click corrected): the update matches the row only while it is still at that
        revision, and the item's feedback rows are replaced by the new verdict's, so training reads
        only the latest. Of two corrections at once the first wins; the other gets ConflictError.
        `by`: the moderator's name, stored with the verdict (None: the API token's)."""
        named = _verdict_attributes(verdict, attributes)
        with self._tx("record the verdict") as conn:
            return _decide(conn, item_id, verdict, named, revision, by)

    def decide_once(
        self,
        keyed: Keyed[QueueItem],
        item_id: str,
        verdict: str,
        attributes: Sequence[str] | None = None,
        *,
        revision: int | None = None,
        by: str | None = None,
    ) -> Answer:
        """`decide` under an idempotency key (see `_once`)."""
        named = _verdict_attributes(verdict, attributes)
        return self._once(
            "record the verdict", keyed, lambda conn: _decide(conn, item_id, verdict, named, revision, by)
        )

    def undo(self, item_id: str, revision: int, *, by: str | None = None) -> QueueItem:
        """Take back an item's verdict: it is pending again and its feedback rows are deleted, in one
        transaction, while the item is still at `revision` (else ConflictError with the item as it
        stands: someone changed it since it was read). `by`: who, kept in the item's history."""
        with self._tx("undo the verdict") as conn:
            return _undo(conn, item_id, revision, by)

    def undo_once(
        self, keyed: Keyed[QueueItem], item_id: str, revision: int, *, by: str | None = None
    ) -> Answer:
        """`undo` under an idempotency key (see `_once`)."""
        return self._once("undo the verdict", keyed, lambda conn: _undo(conn, item_id, revision, by))

    def history(self, item_id: str) -> tuple[VerdictEvent, ...]:
        """Every verdict given, corrected or undone on the item, oldest first (none before schema
        version 13 kept them). NotFoundError for an unknown (or erased) item."""
        e = S.verdict_events
        with self._tx("read the verdict history", read_only=True) as conn:
            if conn.execute(select(S.queue_items.c.id).where(S.queue_items.c.id == item_id)).first() is None:
                raise NotFoundError(f"no queue item {item_id!r}")
            rows = conn.execute(select(e).where(e.c.item_id == item_id).order_by(e.c.revision, e.c.id))
            return tuple(
                VerdictEvent(
                    revision=int(r.revision),
                    action=r.action,
                    verdict=r.verdict,
                    attributes=None if r.attributes is None else tuple(r.attributes),
                    moderator=r.moderator,
                    at=r.created_at,
                )
                for r in rows
            )

    def authors(self, names: Sequence[str]) -> tuple[stats.AuthorRecord, ...]:
        """Each named author's comments in the queue: how many, pending, approved, rejected."""
        with self._tx("read the authors' records", read_only=True) as conn:
            return stats.authors(conn, names)

    def activity(self, since: datetime) -> tuple[ModeratorActivity, ...]:
        """Each moderator's verdicts, undos and verdicts changed by someone else since `since`
        (service.storage.activity), the busiest first."""
        with self._tx("read the moderators' activity", read_only=True) as conn:
            return read_activity(conn, since)

    # -- erasure and retention (service.storage.erasure) ---------------------------------------------

    def erase_item(self, item_id: str) -> Erased:
        """Delete one queue item, its flags, its feedback rows and the idempotency keys replaying it,
        in one transaction (NotFoundError for an unknown id)."""
        with self._tx("erase the queue item") as conn:
            lock_numbering(conn)  # first, as a verdict does: one of the two is wholly before the other
            erased = erasure.erase_item(conn, item_id)
        log.info("erased queue item %s: %s", item_id, erased.to_dict())
        return erased

    def erase_article(self, article_id: str, *, batch: int = erasure.PURGE_BATCH) -> Erased:
        """erase_item for every item of the article, then the feedback rows naming it, `batch` items or
        rows per transaction until none is left (nothing stored: all counts 0). Each item goes whole
        in one transaction (a verdict on it is wholly before or after); a takedown of a thread of
        100,000 comments no longer holds the write lock for seconds (all in one: 0.46 s at 5,000)."""
        return self._erase_matching("article_id", article_id, batch, "the article's")

    def erase_author(self, author: str, *, batch: int = erasure.PURGE_BATCH) -> Erased:
        """erase_item for every item by `author` (a reader's erasure request), then the feedback rows
        posted with that author, as erase_article does."""
        return self._erase_matching("author", author, batch, "the author's")

    def _erase_matching(self, column: erasure.Collection, value: str, batch: int, whose: str) -> Erased:
        if batch < 1:
            raise InputError(f"batch must be at least 1, got {batch}")
        steps: list[tuple[Batch, bool]] = [
            (lambda conn: erasure.erase_matching_items(conn, column, value, batch), True),
            (lambda conn: erasure.erase_matching_feedback(conn, column, value, batch), False),
        ]
        total, transactions = self._in_batches(
            f"erase {whose} comments",
            steps,
            lambda _n, done, exc: (
                None
                if not done.rows
                else f"the erasure stopped after deleting {done.summary()} of {whose} rows; the next "
                f"batch failed and deleted nothing ({exc}): send it again to finish"
            ),
        )
        log.info("erased %s comments in %d transactions: %s", whose, transactions, total.to_dict())
        return total

    def erase_feedback(self, row_id: int) -> Erased:
        """Delete a feedback row posted directly (NotFoundError; ConflictError for a queue item's)."""
        with self._tx("erase the feedback row") as conn:
            erased = erasure.erase_feedback(conn, row_id)
        log.info("erased feedback row %d", row_id)
        return erased

    def purge(
        self, older_than: timedelta, *, dry_run: bool = False, batch: int = erasure.PURGE_BATCH
    ) -> Purged:
        """Delete the queue items (pending too) queued, and the feedback rows written, more than
        `older_than` ago, with everything erase_item deletes beside an item, and the idempotency keys
        past their TTL: a batch of at most erasure.PURGE_BATCH rows per transaction, until none is
        left. `dry_run`: count them in one read, delete nothing."""
        if batch < 1:
            raise InputError(f"batch must be at least 1, got {batch}")
        now = _now()
        before, keys_before = now - older_than, now - self.idempotency_ttl
        if dry_run:
            with self._tx("count what to purge", read_only=True) as conn:
                counted = erasure.count_purge(conn, before, keys_before)
            return Purged(counted, before, 0, dry_run=True)
        steps: list[tuple[Batch, bool]] = [
            (lambda conn: erasure.purge_items(conn, before, batch), True),
            (lambda conn: erasure.purge_feedback(conn, before, batch), False),
            (lambda conn: erasure.purge_keys(conn, keys_before, batch), False),
        ]
        # The batches before a failure are committed: say so, not "nothing was stored".
        total, transactions = self._in_batches(
            "purge old rows",
            steps,
            lambda n, done, exc: (
                None
                if not n
                else f"purge stopped after {n} committed transactions, which deleted {done.summary()}; the "
                f"next batch failed and deleted nothing ({exc}): run it again to finish"
            ),
        )
        log.info("purged everything stored before %s: %s", before.isoformat(), total.to_dict())
        return Purged(total, before, transactions, dry_run=False)

    def _in_batches(
        self,
        action: str,
        steps: Sequence[tuple[Batch, bool]],
        stopped: Callable[[int, Erased, StoreUnavailableError], str | None],
    ) -> tuple[Erased, int]:
        """Each step, one transaction a batch, again until a batch deletes nothing (`bool`: the batch
        takes the queue's numbering lock first, as a verdict does): what they deleted, and in how many
        transactions. A failure after some batches is the StoreUnavailableError `stopped` words from
        the committed transactions and what they deleted (None: the failure as it is)."""
        total, transactions = Erased(), 0
        try:
            for step, locks_queue in steps:
                while True:
                    with self._tx(action) as conn:
                        if locks_queue:
                            lock_numbering(conn)
                        done = step(conn)
                    transactions += 1
                    total += done
                    log.debug("%s: %s", action, done.to_dict())
                    if not done.rows:
                        break
        except StoreUnavailableError as exc:
            message = stopped(transactions, total, exc)
            if message is None:
                raise
            raise StoreUnavailableError(message) from exc
        return total, transactions

    def close(self) -> None:
        self.engine.dispose()


def _insert_feedback(conn: Connection, items: Sequence[Feedback]) -> list[int]:
    now = _now().isoformat(timespec="seconds")
    ids: list[int] = []
    for item in items:
        row = {
            "text": item.text,
            "attribute": item.attribute,
            "label": int(item.label),
            "article_id": item.article_id,
            "created_at": item.created_at or now,
            "queue_item_id": item.queue_item_id,
            "judged_language": item.judged_language,
            "author": item.author,
        }
        ids.append(int(conn.execute(insert(S.feedback).returning(S.feedback.c.id), row).scalar_one()))
    return ids


def _verdict_attributes(verdict: str, attributes: Sequence[str] | None) -> tuple[str, ...] | None:
    """The verdict checked, and the attributes named (None: the flagged ones), each checked once."""
    if verdict not in VERDICTS:
        raise InputError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
    return None if attributes is None else tuple(map(check_attribute_name, dict.fromkeys(attributes)))


def _decide(
    conn: Connection,
    item_id: str,
    verdict: str,
    named: tuple[str, ...] | None,
    revision: int | None,
    by: str | None = None,
) -> QueueItem:
    """Store.decide's write, in the caller's transaction."""
    t = S.queue_items
    now = _now()
    lock_numbering(conn)
    row = conn.execute(select(t).where(t.c.id == item_id)).first()
    if row is None:
        raise NotFoundError(f"no queue item {item_id!r}")
    item = _item(row)
    targets = item.flagged if named is None else named
    precondition = t.c.status == "pending" if revision is None else t.c.revision == revision
    won = conn.execute(
        update(t)
        .where(t.c.id == item_id, precondition)
        .values(
            status="decided",
            verdict=verdict,
            verdict_attributes=list(targets),
            decided_at=now,
            decided_by=by,
            revision=t.c.revision + 1,
        )
        .returning(t.c.revision)
    ).first()
    if won is None:
        raise _lost(conn, item_id, revision)
    renumber(conn, item_id)
    action = "correct" if item.status == "decided" else "decide"
    _record_event(conn, item_id, int(won.revision), action, verdict, list(targets), by, now)
    if revision is not None:  # a correction: the verdict it replaces no longer trains
        conn.execute(delete(S.feedback).where(S.feedback.c.queue_item_id == item_id))
    label = 1 if verdict == "reject" else 0
    rows = [
        {
            "text": item.text,
            "attribute": attribute,
            "label": label,
            "article_id": item.article_id,
            "created_at": now.isoformat(timespec="seconds"),
            "queue_item_id": item.id,
            "judged_language": item.judged_language,
        }
        for attribute in targets
    ]
    if rows:
        conn.execute(insert(S.feedback), rows)
    return replace(
        item,
        status="decided",
        verdict=verdict,
        verdict_attributes=tuple(targets),
        decided_at=now,
        decided_by=by,
        revision=int(won.revision),
    )


def _undo(conn: Connection, item_id: str, revision: int, by: str | None = None) -> QueueItem:
    """Store.undo's write, in the caller's transaction."""
    t = S.queue_items
    now = _now()
    lock_numbering(conn)
    row = conn.execute(
        update(t)
        .where(t.c.id == item_id, t.c.revision == revision, t.c.status == "decided")
        .values(
            status="pending",
            verdict=None,
            verdict_attributes=None,
            decided_at=None,
            decided_by=None,
            revision=t.c.revision + 1,
        )
        .returning(*t.c)
    ).first()
    if row is None:
        raise _lost(conn, item_id, revision)
    renumber(conn, item_id)
    _record_event(conn, item_id, int(row.revision), "undo", None, None, by, now)
    conn.execute(delete(S.feedback).where(S.feedback.c.queue_item_id == item_id))
    return _item(row)


def _record_event(
    conn: Connection,
    item_id: str,
    revision: int,
    action: str,
    verdict: str | None,
    attributes: list[str] | None,
    by: str | None,
    at: datetime,
) -> None:
    conn.execute(
        insert(S.verdict_events).values(
            item_id=item_id,
            revision=revision,
            action=action,
            verdict=verdict,
            attributes=attributes,
            moderator=by,
            created_at=at,
        )
    )


def _lost(conn: Connection, item_id: str, revision: int | None) -> ModerationError:
    """Why a verdict's conditional update matched no row: the item is unknown (NotFoundError), or it is
    not as the caller read it (ConflictError carrying the item as it stands)."""
    row = conn.execute(select(S.queue_items).where(S.queue_items.c.id == item_id)).first()
    if row is None:
        return NotFoundError(f"no queue item {item_id!r}")
    item = _item(row)
    when = item.decided_at.isoformat() if item.decided_at else "earlier"
    who = f" by {item.decided_by}" if item.decided_by else ""
    state = f"verdict {item.verdict!r}{who} at {when}" if item.status == "decided" else "pending"
    if revision is None:
        message = (
            f"queue item {item_id} was already decided: {state}; the first verdict stands (to correct "
            f"it, send its revision, {item.revision}, with the new verdict)"
        )
    elif item.revision != revision:
        message = (
            f"queue item {item_id} changed since it was read at revision {revision}: it is now at "
            f"revision {item.revision}, {state}; nothing was changed"
        )
    else:
        message = f"queue item {item_id} is pending: there is no verdict to undo"
    return ConflictError(message, current=item.to_dict())


def _check_query(query: QueueQuery, max_page: int) -> None:
    if not 1 <= query.limit <= max_page:
        raise InputError(f"limit must be between 1 and {max_page}, got {query.limit}")
    if query.status is not None and query.status not in STATUSES:
        raise InputError(f"status must be one of {', '.join(STATUSES)}")
    if query.decision is not None and query.decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}")


def _by_risk(sql: Select[Any], cursor: str | None) -> Select[Any]:
    """Riskiest first, then by id; after the cursor's (risk, id) when given."""
    t = S.queue_items
    if cursor is not None:
        risk, last_id = decode_cursor(cursor)
        # "risk <= r" first: an index on risk narrows the scan with it (the disjunction alone was a
        # filter over every row before the cursor: deep pages of a 127,000-item queue took 1 s).
        sql = sql.where(t.c.risk <= risk, (t.c.risk < risk) | ((t.c.risk == risk) & (t.c.id > last_id)))
    return sql.order_by(t.c.risk.desc(), t.c.id)


def _filtered(sql: Select[Any], query: QueueQuery) -> Select[Any]:
    t = S.queue_items
    if query.status is not None:
        sql = sql.where(t.c.status == query.status)
    if query.decision is not None:
        sql = sql.where(t.c.decision == query.decision)
    if query.attribute is not None:
        f = S.queue_flags
        sql = sql.where(exists().where(f.c.item_id == t.c.id, f.c.attribute == query.attribute))
    if query.article_id is not None:
        sql = sql.where(t.c.article_id == query.article_id)
    if query.decided_by is not None:
        sql = sql.where(t.c.decided_by == query.decided_by)
    if query.author is not None:
        sql = sql.where(t.c.author == query.author)
    if query.since is not None:
        sql = sql.where(t.c.created_at >= query.since)
    if query.until is not None:
        sql = sql.where(t.c.created_at < query.until)
    return sql


def _item(row: Row[Any]) -> QueueItem:
    m = row._mapping
    return QueueItem(
        id=m["id"],
        text=m["text"],
        scores=dict(m["scores"]),
        spans={k: tuple(v) for k, v in m["spans"].items()},
        decision=m["decision"],
        reasons=tuple(m["reasons"]),
        model_version=m["model_version"],
        flagged=tuple(m["flagged"]),
        risk=float(m["risk"]),
        created_at=m["created_at"],
        status=m["status"],
        article_id=m["article_id"],
        article_title=m["article_title"],
        source=m["source"],
        language=m["language"],
        judged_language=m["judged_language"],
        verdict=m["verdict"],
        verdict_attributes=None if m["verdict_attributes"] is None else tuple(m["verdict_attributes"]),
        decided_at=m["decided_at"],
        revision=int(m["revision"]),
        context=m["context"],
        unsupported=None if m["unsupported"] is None else tuple(m["unsupported"]),
        quotes=None if m["quotes"] is None else tuple(m["quotes"]),
        decided_by=m["decided_by"],
        author=m["author"],
    )


def _scores(row: Row[Any]) -> QueueScores:
    m = row._mapping
    return QueueScores(
        scores=dict(m["scores"]),
        verdict=m["verdict"],
        verdict_attributes=None if m["verdict_attributes"] is None else tuple(m["verdict_attributes"]),
        judged_language=m["judged_language"],
        context=m["context"],
        unsupported=None if m["unsupported"] is None else tuple(m["unsupported"]),
    )
