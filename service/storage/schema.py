"""The store's schema, defined once for SQLite and PostgreSQL (SQLAlchemy Core), and its migrations.

The database records its schema version in `schema_version` (one row per applied migration). On open,
`migrate` applies the missing steps in one transaction, serialised across replicas (PostgreSQL: an
advisory lock; SQLite: BEGIN IMMEDIATE), and refuses a database newer than this code.

Tables:
- feedback: moderators' verdicts, read by `moderate train --feedback` (text, attribute, label 0/1,
  article_id, created_at as ISO text, queue_item_id when the verdict was given on a queue item, and
  judged_language: the language the comment was scored in, which routes it to that language's model).
- queue_items: scored comments waiting for (or given) a moderator's verdict (`judged_language`: the
  language it was scored in, copied to its feedback rows; `revision`: how many times its verdict was
  given, corrected or undone); `dedup_key` (unique) is
  the sha256 of the client's idempotency key, so a retried request finds the items it queued; `seq`
  (unique) numbers each item's last change (queued, decided, corrected, undone) in commit order:
  the token of polling (GET /v1/queue?after=).
- queue_sequence (SQLite only): the last `seq` handed out, so none is handed out twice.
- queue_items.author: who wrote the comment, as the client or the parsed page names them.
- queue_flags: (item, attribute) for each attribute that reached review: the `attribute` filter.
- idempotency_keys: the Idempotency-Key of each moderator's write that sent one (POST /v1/feedback,
  :decide, :undo), the route, item and hash of its request and its answer, committed with the write
  itself, so a retry replays the answer (service.storage.idempotency).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

from core.errors import ConfigurationError, SchemaVersionError

SCHEMA_VERSION = 15
# How far above the largest stored polling number an upgraded SQLite store starts numbering (_to_v15).
SEQUENCE_GAP = 2**32
# Any constant: the advisory lock that serialises migrations of replicas starting together.
MIGRATION_LOCK_KEY = 0x6D6F6465  # "mode"
# PostgreSQL: a migration's statements get this long, not the service's statement timeout (15 s): a step
# over millions of rows (an index rebuilt) takes longer, and a cancelled migration failed on every retry.
MIGRATION_TIMEOUT_S = 600


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes: timestamptz on PostgreSQL; on SQLite a fixed-width UTC text, so
    comparisons and ORDER BY are chronological."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB on PostgreSQL (binary, indexable), JSON text on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")
# 64-bit ids on PostgreSQL; SQLite's INTEGER PRIMARY KEY is the rowid (64-bit already).
RowId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", Text, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("text", Text, nullable=False),
    Column("attribute", Text, nullable=False),
    Column("label", Integer, nullable=False),
    Column("article_id", Text),
    Column("created_at", Text, nullable=False),
    Column("queue_item_id", Text),
    Column("judged_language", String(35)),
    # Who wrote the comment, when the client that posted the verdict said (POST /v1/feedback): what a
    # reader's erasure by name finds (version 14 on; a verdict's rows go with their queue item).
    Column("author", Text),
)

queue_items = Table(
    "queue_items",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("article_id", Text),
    Column("article_title", Text),
    Column("source", Text),
    Column("text", Text, nullable=False),
    Column("scores", Json, nullable=False),
    Column("spans", Json, nullable=False),
    Column("decision", String(16), nullable=False),
    Column("reasons", Json, nullable=False),
    Column("flagged", Json, nullable=False),
    Column("risk", Float, nullable=False),
    Column("language", String(35)),
    Column("model_version", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("verdict", String(16)),
    Column("verdict_attributes", Json),
    Column("decided_at", UtcDateTime),
    Column("dedup_key", String(64)),
    # PostgreSQL: an identity, numbered under the store's enqueue lock; SQLite: set by the store under
    # the write lock. Either way in commit order (docs/queue.md, "Polling for new items").
    Column("seq", RowId, Identity()),
    Column("judged_language", String(35)),
    # Counts the item's verdict changes (a verdict, a correction, an undo each add one): the precondition
    # of a correction, so of two at once the first wins and the other is a conflict.
    Column("revision", Integer, nullable=False, server_default="0"),
    # What its decision rested on, for the page's threshold view to follow the service's rule: the
    # context it was scored with ("none": off_topic decides nothing) and the attributes whose model was
    # not trained for its language (never reject). Null on items queued before schema version 8.
    Column("context", String(16)),
    Column("unsupported", Json),
    # What the comment quoted: [{"author", "text"}] beside `text`, its own words (null before version 9).
    Column("quotes", Json),
    # The name of the moderator whose token gave the verdict standing (MODERATION_MODERATOR_TOKENS);
    # null for the API token's, for a pending item, and on verdicts given before schema version 13.
    Column("decided_by", String(64)),
    # Who wrote the comment, as the client or the page names them (null: not given, or queued before
    # schema version 14): what a moderator reads beside the words, and what a reader's erasure finds.
    Column("author", Text),
    CheckConstraint("status IN ('pending', 'decided')", name="queue_items_status"),
    CheckConstraint("verdict IS NULL OR verdict IN ('approve', 'reject')", name="queue_items_verdict"),
)
Index("queue_items_by_risk", queue_items.c.status, queue_items.c.risk.desc(), queue_items.c.id)
Index("queue_items_risk_id", queue_items.c.risk.desc(), queue_items.c.id)
# A hash index on PostgreSQL: a b-tree entry holds at most 2,704 bytes, less than an article id the API
# takes (2,048 characters, up to 8 KB of UTF-8); the filter only tests equality. (SQLite has no limit.)
article_index = Index("queue_items_article", queue_items.c.article_id, postgresql_using="hash")
# The author filter and a reader's erasure by name: equality only, names of any length (hash, as above).
author_index = Index("queue_items_author", queue_items.c.author, postgresql_using="hash")
Index("queue_items_created", queue_items.c.created_at)
# Unique: two replicas inserting the same key race on it, and the loser finds the winner's row.
dedup_index = Index("queue_items_dedup", queue_items.c.dedup_key, unique=True)
seq_index = Index("queue_items_seq", queue_items.c.seq, unique=True)

# SQLite only: the last polling number handed out (one row, id 1), so a number is never given twice
# (service.storage.sequence). PostgreSQL's identity sequence does this there.
queue_sequence = Table(
    "queue_sequence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last", RowId, nullable=False),
)

queue_flags = Table(
    "queue_flags",
    metadata,
    Column("item_id", String(32), ForeignKey("queue_items.id", ondelete="CASCADE"), primary_key=True),
    Column("attribute", String(64), primary_key=True),
)
Index("queue_flags_attribute", queue_flags.c.attribute, queue_flags.c.item_id)

# Every verdict given, corrected or undone, appended in the verdict's own transaction: who did what to
# an item and when (the item holds only the verdict standing). No comment text; erased with its item.
verdict_events = Table(
    "verdict_events",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("item_id", String(32), ForeignKey("queue_items.id", ondelete="CASCADE"), nullable=False),
    Column("revision", Integer, nullable=False),  # the item's revision once the event was written
    Column("action", String(16), nullable=False),
    Column("verdict", String(16)),  # null for an undo
    Column("attributes", Json),  # the attributes the verdict was recorded for; null for an undo
    Column("moderator", String(64)),  # null: the API token's
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("action IN ('decide', 'correct', 'undo')", name="verdict_events_action"),
)
events_item_index = Index("verdict_events_item", verdict_events.c.item_id, verdict_events.c.revision)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # The client's key itself (1 to 255 printable ASCII characters, checked at the HTTP edge).
    Column("key", String(255), primary_key=True),
    Column("route", String(64), nullable=False),  # "POST /v1/queue/{id}:decide"
    Column("target", String(64)),  # the queue item's id (null for POST /v1/feedback)
    Column("request_hash", String(64), nullable=False),  # sha256 of route, target and canonical body
    # The answer replayed to a retry; null only inside the transaction that claimed the key.
    Column("status", Integer),
    Column("body", Text),
    Column("created_at", UtcDateTime, nullable=False),
)
# Expired keys are pruned oldest first, a few per keyed write: the index bounds that work.
Index("idempotency_keys_created", idempotency_keys.c.created_at)
# An erased item's keys are found by its id.
keys_target_index = Index("idempotency_keys_target", idempotency_keys.c.target)
# A correction, an undo and an erasure delete an item's verdict rows, and erasing an article its rows:
# without these each scanned the whole feedback table under the write lock (53 ms at 300,000 rows on
# SQLite, growing with every verdict kept). Hash on PostgreSQL, as queue_items_article: long article ids.
feedback_item_index = Index("feedback_queue_item", feedback.c.queue_item_id)
feedback_article_index = Index("feedback_article", feedback.c.article_id, postgresql_using="hash")
feedback_author_index = Index("feedback_author", feedback.c.author, postgresql_using="hash")

# The queue's backlog (service.storage.stats), read at every /metrics scrape and after every verdict on
# the moderator's page: counts by state and the oldest pending item from this index alone (its reads
# took every item's row: 540 ms at 100,000 items on SQLite).
counts_index = Index(
    "queue_items_counts",
    queue_items.c.status,
    queue_items.c.decision,
    queue_items.c.verdict,
    queue_items.c.created_at,
)


# -- migrations ------------------------------------------------------------------------------------
# Each step takes the schema from version n-1 to n. Steps never change: a new change is a new step.

_v1 = MetaData()
_feedback_v1 = Table(
    "feedback",
    _v1,
    Column("id", RowId, primary_key=True),
    Column("text", Text, nullable=False),
    Column("attribute", Text, nullable=False),
    Column("label", Integer, nullable=False),
    Column("article_id", Text),
    Column("created_at", Text, nullable=False),
)


def _to_v1(conn: Connection) -> None:
    # A database written before versioning already holds this table: adopt it as version 1.
    _feedback_v1.create(conn, checkfirst=True)


def _to_v2(conn: Connection) -> None:
    columns = {c["name"] for c in inspect(conn).get_columns("feedback")}
    if "queue_item_id" not in columns:
        column = feedback.c.queue_item_id
        conn.exec_driver_sql(
            f"ALTER TABLE feedback ADD COLUMN {column.name} {column.type.compile(conn.dialect)}"
        )
    for table in (queue_items, queue_flags):
        table.create(conn, checkfirst=True)


def _to_v3(conn: Connection) -> None:
    # Version 2 made the article index a b-tree on PostgreSQL, which refuses a long article id.
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {article_index.name}")
        article_index.create(conn)


def _to_v4(conn: Connection) -> None:
    # Idempotent enqueueing. (A database created by _to_v2 from today's tables has the column already.)
    _add_column(conn, queue_items.c.dedup_key)
    dedup_index.create(conn, checkfirst=True)


def _to_v5(conn: Connection) -> None:
    # The polling sequence. PostgreSQL numbers the existing rows as it adds the identity column; on
    # SQLite they take their rowid (the order they were written in: writers are serialised).
    if conn.dialect.name == "postgresql":
        _add_column(conn, queue_items.c.seq, "GENERATED BY DEFAULT AS IDENTITY")
    else:
        _add_column(conn, queue_items.c.seq)
        conn.exec_driver_sql("UPDATE queue_items SET seq = rowid WHERE seq IS NULL")
    seq_index.create(conn, checkfirst=True)


def _to_v6(conn: Connection) -> None:
    # The language a comment was judged in, for routing its verdicts (null on older rows: detected).
    _add_column(conn, queue_items.c.judged_language)
    _add_column(conn, feedback.c.judged_language)


def _to_v7(conn: Connection) -> None:
    # Verdicts can be corrected; a decided item has had one verdict so far.
    _add_column(conn, queue_items.c.revision, "NOT NULL DEFAULT 0")
    conn.exec_driver_sql("UPDATE queue_items SET revision = 1 WHERE status = 'decided' AND revision = 0")


def _to_v8(conn: Connection) -> None:
    # The context and unsupported attributes of a queued comment (null on the items queued before).
    _add_column(conn, queue_items.c.context)
    _add_column(conn, queue_items.c.unsupported)


def _to_v9(conn: Connection) -> None:
    # What a queued comment quoted (null on the items queued before).
    _add_column(conn, queue_items.c.quotes)


def _to_v10(conn: Connection) -> None:
    # Idempotency keys of moderators' writes (replayed answers); its index comes with the table.
    idempotency_keys.create(conn, checkfirst=True)


def _to_v11(conn: Connection) -> None:
    # Lookups by queue item and article on the feedback table, and by item on the keys (see above).
    for index in (feedback_item_index, feedback_article_index, keys_target_index):
        index.create(conn, checkfirst=True)


def _to_v12(conn: Connection) -> None:
    # The queue's backlog counts (see above).
    counts_index.create(conn, checkfirst=True)


def _to_v13(conn: Connection) -> None:
    # Who gave a verdict (null on the verdicts given before), and every verdict's event from now on.
    _add_column(conn, queue_items.c.decided_by)
    verdict_events.create(conn, checkfirst=True)


def _to_v14(conn: Connection) -> None:
    # The comment's author on queue items and feedback rows (null on the rows written before), and
    # their indexes.
    _add_column(conn, queue_items.c.author)
    _add_column(conn, feedback.c.author)
    author_index.create(conn, checkfirst=True)
    feedback_author_index.create(conn, checkfirst=True)


def _to_v15(conn: Connection) -> None:
    # SQLite numbers from a counter (service.storage.sequence). The numbers version 14 handed out to items
    # erased since are unknown (a poller may hold one past the largest stored), so the counter starts
    # SEQUENCE_GAP above that: a gap costs nothing, numbers only have to grow.
    if conn.dialect.name != "postgresql":
        queue_sequence.create(conn, checkfirst=True)
        conn.exec_driver_sql(  # "WHERE true": SQLite's upsert after a SELECT needs it to parse
            f"INSERT INTO queue_sequence (id, last) SELECT 1, COALESCE(MAX(seq), 0) + {SEQUENCE_GAP} "
            "FROM queue_items WHERE true ON CONFLICT (id) DO UPDATE SET last = MAX(last, excluded.last)"
        )


def _add_column(conn: Connection, column: Column[Any], extra: str = "") -> None:
    if column.name not in {c["name"] for c in inspect(conn).get_columns(column.table.name)}:
        conn.exec_driver_sql(
            f"ALTER TABLE {column.table.name} ADD COLUMN {column.name} "
            f"{column.type.compile(conn.dialect)} {extra}".rstrip()
        )


MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _to_v1,
    2: _to_v2,
    3: _to_v3,
    4: _to_v4,
    5: _to_v5,
    6: _to_v6,
    7: _to_v7,
    8: _to_v8,
    9: _to_v9,
    10: _to_v10,
    11: _to_v11,
    12: _to_v12,
    13: _to_v13,
    14: _to_v14,
    15: _to_v15,
}
assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.scalar(select(func.max(schema_version.c.version))) or 0)


def check_encoding(conn: Connection) -> None:
    """A PostgreSQL database must be UTF8: LATIN1 stored an English comment, then a Chinese or Arabic
    one failed (a 500), and under SQL_ASCII the driver reads text as bytes (the open failed)."""
    found = conn.exec_driver_sql("SHOW server_encoding").scalar()
    encoding = found.decode("ascii", "replace") if isinstance(found, bytes) else str(found)
    if encoding.upper() not in ("UTF8", "UTF-8"):
        raise ConfigurationError(
            f"the PostgreSQL database {conn.engine.url.database} is encoded {encoding}: comments in every "
            "language need UTF8; create it with ENCODING 'UTF8' (CREATE DATABASE ... ENCODING 'UTF8' "
            "TEMPLATE template0)"
        )


@dataclass(frozen=True)
class Migration:
    before: int  # 0: no version recorded (a new database, or one from before versioning)
    after: int
    created: bool  # the database held none of the store's tables: a new store, not an upgrade


def migrate(conn: Connection) -> Migration:
    """Bring the schema to SCHEMA_VERSION inside the caller's transaction."""
    if conn.dialect.name == "postgresql":
        check_encoding(conn)
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = '{MIGRATION_TIMEOUT_S}s'")
        conn.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
    tables = inspect(conn)
    created = not tables.has_table(schema_version.name) and not tables.has_table(_feedback_v1.name)
    schema_version.create(conn, checkfirst=True)
    found = current_version(conn)
    if found > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the database schema is version {found}, newer than this code understands "
            f"({SCHEMA_VERSION}): it was migrated by a newer release; run that release (or restore a "
            "backup taken before the upgrade)"
        )
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for version in range(found + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[version](conn)
        conn.execute(insert(schema_version).values(version=version, applied_at=now))
    return Migration(found, SCHEMA_VERSION, created)
