"""The store's schema on SQLite and on a real PostgreSQL server: versions and migrations, database URLs,
encodings and server settings."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC

import psycopg
import pytest
from sqlalchemy import func, insert, select, text

from core.errors import (
    ConfigurationError,
    SchemaVersionError,
    StoreUnavailableError,
)
from service.settings import Database
from service.storage import Feedback, QueueQuery, Store, Target
from service.storage import engine as engines
from service.storage import schema as S
from service.storage import store as store_module
from service.storage.store import encode_after
from tests.pg import database_of, with_parameter
from tests.service.storage.store_helpers import LONG_ARTICLE_ID, count_rows, item, poll

# Every test here starts from an empty database (not the migrated template the store suite copies):
# migrating one is what they test.
EMPTY_DATABASES = True


def test_a_fresh_database_is_migrated_to_the_current_version(store):
    assert store.schema_version == S.SCHEMA_VERSION
    assert store.ping() == S.SCHEMA_VERSION
    with store.engine.connect() as conn:
        versions = conn.execute(select(S.schema_version.c.version)).scalars().all()
    assert versions == list(range(1, S.SCHEMA_VERSION + 1))


def test_reopening_migrates_nothing_and_keeps_the_rows(store, target):
    store.add_feedback(Feedback("you moron", "insult", 1))
    again = Store.open(target)
    try:
        assert again.migrate() == (S.SCHEMA_VERSION, S.SCHEMA_VERSION)
        assert [f.text for f in again.feedback()] == ["you moron"]
    finally:
        again.close()


def test_a_new_store_is_created_at_info_and_only_an_upgrade_warns(target, caplog):
    # A fresh store logged "schema migrated from version 0 to 8" as a WARNING on its first write:
    # creating a store is routine (INFO); upgrading an existing older one still warns.
    caplog.set_level(logging.INFO, logger=store_module.__name__)
    store = Store.open(target)
    with _downgraded_to(store, target, 7, ()):  # version 7's rows; its columns do no harm
        pass
    name = store.describe()
    assert [(r.levelno, r.getMessage()) for r in caplog.records if r.name == store_module.__name__] == [
        (logging.INFO, f"store {name}: created at schema version {S.SCHEMA_VERSION}"),
        (logging.WARNING, f"store {name}: schema migrated from version 7 to {S.SCHEMA_VERSION}"),
    ]


def test_a_database_from_before_versioning_is_adopted_and_upgraded(target):
    # The unversioned feedback table the service wrote before this store existed, with a row in it.
    engine = engines.create(target, Database())
    with engine.begin() as conn:
        S._feedback_v1.create(conn)
        conn.execute(
            insert(S._feedback_v1).values(text="old verdict", attribute="insult", label=1, created_at="t")
        )
    engine.dispose()
    store = Store.open(target)
    try:
        assert store.schema_version == S.SCHEMA_VERSION
        assert store.feedback() == [Feedback("old verdict", "insult", 1, None, "t", None)]
        assert store.enqueue([item()])  # the queue tables exist now
    finally:
        store.close()


@contextlib.contextmanager
def _downgraded_to(store: Store, target: Target, version: int, ddl: Sequence[str]) -> Iterator[Store]:
    """`store`'s database as version `version` left it: `ddl` undoes what the later versions changed and
    their schema_version rows go; then it is opened again, which must upgrade it to the current version."""
    with store.engine.begin() as conn:
        for statement in ddl:
            conn.exec_driver_sql(statement)
        conn.execute(S.schema_version.delete().where(S.schema_version.c.version > version))
    store.close()
    upgraded = Store.open(target)
    try:
        assert upgraded.schema_version == S.SCHEMA_VERSION
        yield upgraded
    finally:
        upgraded.close()


def test_a_version_2_database_is_upgraded_to_take_long_article_ids(store, target):
    # Version 2 indexed article_id with a b-tree, which refuses a long id on PostgreSQL.
    ddl = ["DROP INDEX queue_items_article", "CREATE INDEX queue_items_article ON queue_items (article_id)"]
    with _downgraded_to(store, target, 2, ddl) as upgraded:
        article = LONG_ARTICLE_ID
        (queued,) = upgraded.enqueue([item(article_id=article)])
        assert [i.id for i in upgraded.list_queue(QueueQuery(article_id=article)).items] == [queued]


def test_a_version_3_database_is_upgraded_to_take_idempotency_keys(store, target):
    (old,) = store.enqueue([item("queued by version 3")])
    ddl = ["DROP INDEX queue_items_dedup", "ALTER TABLE queue_items DROP COLUMN dedup_key"]
    with _downgraded_to(store, target, 3, ddl) as upgraded:  # the queue table as version 3 made it
        assert upgraded.queue_item(old).text == "queued by version 3"
        keyed = [item("retried", idempotency_key="k-1")]
        assert upgraded.enqueue(keyed) == upgraded.enqueue(keyed)
        assert count_rows(upgraded)[0] == 2


def test_a_version_4_database_is_upgraded_and_its_items_can_be_polled(store, target):
    old = store.enqueue([item(f"queued by version 4, {i}") for i in range(3)])
    ddl = ["DROP INDEX queue_items_seq", "ALTER TABLE queue_items DROP COLUMN seq"]
    with _downgraded_to(store, target, 4, ddl) as upgraded:  # the queue table as version 4 made it
        seen, token = poll(upgraded, encode_after(0))
        assert sorted(seen) == sorted(old)
        new = upgraded.enqueue([item("queued by this version")])
        assert poll(upgraded, token)[0] == new


def test_a_version_5_database_is_upgraded_and_verdicts_carry_the_judged_language(store, target):
    (old,) = store.enqueue([item("queued by version 5")])
    store.add_feedback(Feedback("an older verdict", "insult", 1))
    ddl = [
        "ALTER TABLE queue_items DROP COLUMN judged_language",
        "ALTER TABLE feedback DROP COLUMN judged_language",
    ]
    with _downgraded_to(store, target, 5, ddl) as upgraded:  # the tables as version 5 made them
        assert upgraded.queue_item(old).judged_language is None
        assert upgraded.decide(old, "reject").judged_language is None
        (new,) = upgraded.enqueue([item("Idiot!", language=None, judged_language="de")])
        assert upgraded.queue_item(new).to_dict()["judged_language"] == "de"
        upgraded.decide(new, "reject")
        assert [(f.text, f.judged_language) for f in upgraded.feedback()] == [
            ("an older verdict", None), ("queued by version 5", None), ("Idiot!", "de"),
        ]  # fmt: skip


def test_a_version_6_database_is_upgraded_and_its_decided_items_can_be_corrected(store, target):
    decided, pending = store.enqueue([item("decided by version 6"), item("pending under version 6")])
    store.decide(decided, "reject")
    ddl = ["ALTER TABLE queue_items DROP COLUMN revision"]
    with _downgraded_to(store, target, 6, ddl) as upgraded:  # the queue table as version 6 made it
        assert (upgraded.queue_item(decided).revision, upgraded.queue_item(pending).revision) == (1, 0)
        assert upgraded.decide(decided, "approve", revision=1).revision == 2
        assert upgraded.decide(pending, "approve").revision == 1
        assert [(f.text, f.label) for f in upgraded.feedback()] == [
            ("decided by version 6", 0), ("pending under version 6", 0),
        ]  # fmt: skip


def test_a_version_8_database_is_upgraded_and_items_keep_their_quotes(store, target):
    (old,) = store.enqueue([item("queued by version 8")])
    ddl = ["ALTER TABLE queue_items DROP COLUMN quotes"]
    with _downgraded_to(store, target, 8, ddl) as upgraded:  # the queue table as version 8 made it
        assert upgraded.queue_item(old).quotes is None
        quote = {"author": "kai_r", "text": "you are all idiots"}
        (new,) = upgraded.enqueue([item("No need for that.", quotes=[quote])])
        assert upgraded.queue_item(new).to_dict()["quotes"] == [quote]


def test_a_version_7_database_is_upgraded_and_items_keep_their_context(store, target):
    (old,) = store.enqueue([item("queued by version 7")])
    ddl = ["ALTER TABLE queue_items DROP COLUMN context", "ALTER TABLE queue_items DROP COLUMN unsupported"]
    with _downgraded_to(store, target, 7, ddl) as upgraded:  # the queue table as version 7 made it
        assert (upgraded.queue_item(old).context, upgraded.queue_item(old).unsupported) == (None, None)
        (new,) = upgraded.enqueue([item("lol", context="none", unsupported=["off_topic"])])
        d = upgraded.queue_item(new).to_dict()
        assert (d["context"], d["unsupported_attributes"]) == ("none", ["off_topic"])


def test_a_version_9_database_is_upgraded_and_verdicts_take_idempotency_keys(store, target):
    from service.storage import Answer, Keyed, KeyedRequest

    decided, pending = store.enqueue([item("decided by version 9"), item("pending under version 9")])
    store.decide(decided, "reject")
    ddl = ["DROP TABLE idempotency_keys"]
    with _downgraded_to(store, target, 9, ddl) as upgraded:  # the tables as version 9 made them
        assert (upgraded.queue_item(decided).verdict, upgraded.queue_item(pending).status) == (
            "reject",
            "pending",
        )
        request = KeyedRequest.of("retry-1", "POST /v1/queue/{id}:decide", pending, {"verdict": "approve"})
        keyed = Keyed(request, lambda i: Answer(200, i.id.encode()))
        first, again = (upgraded.decide_once(keyed, pending, "approve") for _ in range(2))
        assert (first.replayed, again.replayed, again.body) == (False, True, pending.encode())
        assert [(f.text, f.label) for f in upgraded.feedback()] == [
            ("decided by version 9", 1), ("pending under version 9", 0),
        ]  # fmt: skip


def test_a_version_10_database_is_upgraded_and_an_items_verdict_rows_are_found_by_index(store, target):
    # A correction, an undo and an erasure deleted an item's feedback rows by scanning the whole table
    # under the write lock: 53 ms each at 300,000 rows on SQLite, against 6-9 ms with the index.
    from sqlalchemy import inspect

    decided = store.enqueue([item("decided under version 10")])[0]
    store.decide(decided, "reject")
    ddl = [
        f"DROP INDEX {name}"
        for name in ("feedback_queue_item", "feedback_article", "idempotency_keys_target")
    ]
    with _downgraded_to(store, target, 10, ddl) as upgraded:
        with upgraded.engine.connect() as conn:
            names = {
                i["name"] for t in ("feedback", "idempotency_keys") for i in inspect(conn).get_indexes(t)
            }
            assert {"feedback_queue_item", "feedback_article", "idempotency_keys_target"} <= names, names
            if upgraded.backend == "sqlite":
                plan = " ".join(
                    str(row[-1])
                    for row in conn.exec_driver_sql(
                        "EXPLAIN QUERY PLAN DELETE FROM feedback WHERE queue_item_id = ?", (decided,)
                    )
                )
                assert "feedback_queue_item" in plan, plan
        assert upgraded.undo(decided, revision=1).status == "pending"
        assert upgraded.feedback() == []


def test_a_migration_step_longer_than_the_statement_timeout_completes(pg_url, monkeypatch):
    # Version 3 rebuilds an index: over millions of queue items that outlasts the 15 s statement
    # timeout, the migration was cancelled and rolled back, and every replica failed to open for ever.
    def slow_step(conn):
        conn.execute(select(func.pg_sleep(0.5)))

    monkeypatch.setitem(S.MIGRATIONS, S.SCHEMA_VERSION, slow_step)
    store = Store.open(engines.parse_target(pg_url), Database(statement_timeout_s=0.2))
    try:
        assert store.schema_version == S.SCHEMA_VERSION
    finally:
        store.close()


def test_a_database_url_whose_port_is_no_number_is_a_configuration_error():
    # `moderate train --feedback postgresql://...:notaport/db` ended in a ValueError traceback.
    with pytest.raises(ConfigurationError, match="port") as exc:
        engines.parse_target("postgresql://moderation:s3cret@db.internal:notaport/moderation")
    assert "s3cret" not in str(exc.value)
    with pytest.raises(ConfigurationError, match="port") as exc:  # an unescaped "@" in the password
        engines.parse_target("postgresql://moderation:s3c@ret:word@db.internal/moderation")
    assert "word" not in str(exc.value)


@pytest.mark.parametrize("encoding", ["LATIN1", "SQL_ASCII"])
def test_a_postgres_database_not_in_utf8_is_refused_clearly(postgres, encoding):
    # LATIN1 took an English comment, then a Chinese or Arabic one was a 500 (UnicodeEncodeError);
    # SQL_ASCII failed the start with a TypeError traceback.
    name = f"t_{encoding.lower()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
        conn.execute(
            f"CREATE DATABASE {name} ENCODING '{encoding}' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    with pytest.raises(ConfigurationError, match=f"encoded {encoding}.*ENCODING 'UTF8'"):
        Store.open(engines.parse_target(postgres.url(name)))


def test_the_urls_own_options_are_kept_beside_the_statement_timeout(pg_url):
    # ?options=-c search_path=moderation (a schema of its own on a shared server) was replaced by the
    # service's statement timeout: the tables went into public, without a word.
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA moderation")
    url = with_parameter(pg_url, "options", "-csearch_path%3Dmoderation")
    store = Store.open(engines.parse_target(url), Database())
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("SHOW search_path")).scalar() == "moderation"
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "15s"
    finally:
        store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        schemas = {row[0] for row in conn.execute("SELECT table_schema FROM information_schema.tables")}
    assert "moderation" in schemas and "public" not in schemas


def test_a_client_encoding_from_the_environment_does_not_stop_other_scripts(pg_url, monkeypatch):
    monkeypatch.setenv("PGCLIENTENCODING", "LATIN1")  # libpq reads it: every Chinese comment was a 500
    store = Store.open(engines.parse_target(pg_url))
    try:
        store.add_feedback(Feedback("你是个白痴", "insult", 1))
        assert [f.text for f in store.feedback()] == ["你是个白痴"]
    finally:
        store.close()


@pytest.mark.parametrize(
    ("where", "datestyle"),
    [("database", "SQL, DMY"), ("database", "German"), ("PGDATESTYLE", "Postgres, MDY")],
)
def test_a_postgres_datestyle_other_than_iso_still_reads_times(
    postgres, pg_url, monkeypatch, where, datestyle
):
    # psycopg reads ISO times only: a database (or PGDATESTYLE) set to a European DateStyle answered
    # every read of the queue and every verdict with a 500 (NotImplementedError: can't parse timestamptz).
    with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
        database = database_of(pg_url)
        conn.execute(f"ALTER DATABASE {database} SET TimeZone = 'America/New_York'")
        if where == "database":
            conn.execute(f"ALTER DATABASE {database} SET DateStyle = '{datestyle}'")
    if where == "PGDATESTYLE":
        monkeypatch.setenv("PGDATESTYLE", datestyle)
    store = Store.open(engines.parse_target(pg_url))
    try:
        (queued,) = store.enqueue([item()])
        decided = store.decide(queued, "reject")
        got = store.queue_item(queued)
        assert got.decided_at == decided.decided_at and got.decided_at.tzinfo == UTC
        assert [i.id for i in store.list_queue(QueueQuery(since=got.created_at)).items] == [queued]
    finally:
        store.close()


def test_pages_visit_every_item_once_when_postgres_rounds_floats(postgres, pg_url):
    # extra_float_digits = 0 (PostgreSQL 11's default, or set on a database or role) sends a float8
    # rounded to 15 digits: the cursor's risk was above the item's, so the same page came back for ever.
    with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {database_of(pg_url)} SET extra_float_digits = 0")
    store = Store.open(engines.parse_target(pg_url))
    try:
        insults = [0.8234567891234567] * 3 + [0.7123456789012345] * 2 + [0.6]
        ids = store.enqueue([item(f"comment {i}", insult=v) for i, v in enumerate(insults)])
        seen, cursor = [], None
        for _ in range(len(ids)):
            page = store.list_queue(QueueQuery(limit=2, cursor=cursor))
            seen += [i.id for i in page.items]
            if (cursor := page.next_cursor) is None:
                break
        assert sorted(seen) == sorted(ids)
        assert store.queue_item(ids[0]).risk == 1 + insults[0]
    finally:
        store.close()


def test_a_postgres_that_takes_no_writes_is_not_reported_reachable(postgres, pg_url):
    # A standby after a failover (or default_transaction_read_only) refuses every write: /readyz said
    # the database was "ok" while every verdict and feedback answered 503.
    store = Store.open(engines.parse_target(pg_url))
    try:
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
            conn.execute(f"ALTER DATABASE {database_of(pg_url)} SET default_transaction_read_only = on")
        store.engine.dispose()  # new sessions take the database's new default
        with pytest.raises(StoreUnavailableError, match="read-only"):
            store.ping()
        with pytest.raises(StoreUnavailableError, match="read-only"):
            store.add_feedback(Feedback("you moron", "insult", 1))
    finally:
        store.close()


def test_a_database_emptied_while_serving_is_migrated_by_the_next_readiness_check(store, target, caplog):
    # A PostgreSQL database dropped and created empty (or an older backup restored) under a running
    # service: /readyz said ok with schema_version 0 and every store call was a 503 "retry" until a
    # restart. The readiness check now migrates it, as a start would.
    store.enqueue([item("queued before the database was replaced")])
    with store.engine.begin() as conn:
        S.metadata.drop_all(conn)
    with pytest.raises(StoreUnavailableError):
        store.enqueue([item("queued while the tables are gone")])
    with caplog.at_level(logging.WARNING, logger=store_module.__name__):
        assert store.ping() == S.SCHEMA_VERSION
    assert "at schema version 0, not" in caplog.text
    (queued,) = store.enqueue([item("queued after the readiness check")])
    assert [i.id for i in store.list_queue(QueueQuery()).items] == [queued]


def test_a_database_newer_than_the_code_is_refused_clearly(store, target):
    with store.engine.begin() as conn:
        conn.execute(insert(S.schema_version).values(version=S.SCHEMA_VERSION + 1, applied_at="later"))
    with pytest.raises(SchemaVersionError, match=rf"version {S.SCHEMA_VERSION + 1}, newer than this code"):
        Store.open(target)


# -- feedback --------------------------------------------------------------------------------------


def test_sqlite_is_in_wal_mode_with_full_sync(tmp_path):
    store = Store.open(Target(path=tmp_path / "x.sqlite3"))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    store.close()


def test_sqlite_reads_do_not_wait_for_the_write_lock(tmp_path):
    # WAL lets readers run beside a writer, but every transaction began with BEGIN IMMEDIATE: while a
    # write was in progress (another worker's, or an operator's), listing the queue, reading an item
    # and /readyz's ping waited out the busy timeout, then failed "database is locked" (a 503, and
    # /readyz said the database was unavailable).
    import sqlite3

    path = tmp_path / "x.sqlite3"
    store = Store.open(Target(path=path), Database(sqlite_busy_timeout_s=0.2))
    try:
        (item_id,) = store.enqueue([item()])
        store.add_feedback(Feedback("you moron", "insult", 1))
        writer = sqlite3.connect(path, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")  # a write in progress elsewhere
            writer.execute(
                "INSERT INTO feedback (text, attribute, label, created_at) VALUES ('x', 'insult', 1, '')"
            )
            assert [i.id for i in store.list_queue(QueueQuery()).items] == [item_id]
            assert store.queue_item(item_id).status == "pending"
            assert store.ping() == S.SCHEMA_VERSION
            assert [f.text for f in store.feedback()] == ["you moron"]  # the uncommitted row is not seen
            assert store.count_feedback() == 1
            with pytest.raises(StoreUnavailableError, match="locked"):  # writes still wait for it
                store.decide(item_id, "reject")
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        assert store.decide(item_id, "reject").verdict == "reject"
    finally:
        store.close()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://modu:SECRETPW99@db.example:5432/moddb?password=QPW77",
        "postgresql://modu@db.example/moddb?sslmode=require&PASSWORD=QPW77&sslpassword=SSLPW",
    ],
)
def test_a_database_url_is_described_without_any_password(url):
    # libpq takes ?password=... too; only user:pw@ was masked, and /readyz (open) showed the rest.
    shown = engines.parse_target(url).describe()
    assert "SECRETPW99" not in shown and "QPW77" not in shown and "SSLPW" not in shown
    assert shown.startswith("postgresql://modu") and "db.example" in shown and "***" in shown


def test_a_refused_database_url_is_not_echoed(monkeypatch):
    from pydantic import ValidationError

    from service.settings import Settings

    monkeypatch.setenv("MODERATION_DATABASE_URL", "mysql://u:SECRETPW99@h/db")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "SECRETPW99" not in str(caught.value) and "postgresql://" in str(caught.value)


def test_a_version_11_database_is_upgraded_and_the_backlog_is_counted_by_index(store, target):
    # The queue's backlog (GET /v1/queue:stats, /metrics at every scrape) read every item's row: 540 ms
    # at 100,000 items on SQLite; its counts now come from one index.
    from sqlalchemy import inspect

    from service.storage import QueueQuery

    ids = store.enqueue([item("waiting under version 11"), item("decided under version 11")])
    store.decide(ids[1], "approve")
    with _downgraded_to(store, target, 11, ["DROP INDEX queue_items_counts"]) as upgraded:
        with upgraded.engine.connect() as conn:
            names = {i["name"] for i in inspect(conn).get_indexes("queue_items")}
            assert "queue_items_counts" in names, names
            if upgraded.backend == "sqlite":
                sql = (
                    "EXPLAIN QUERY PLAN SELECT status, decision, verdict, count(*), min(created_at) "
                    "FROM queue_items GROUP BY status, decision, verdict"
                )
                plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(sql))
                assert "COVERING INDEX queue_items_counts" in plan, plan
        stats = upgraded.queue_stats(QueueQuery())
        assert (stats.items, stats.pending, dict(stats.verdicts)) == (2, 1, {"approve": 1, "reject": 0})


def test_a_version_12_database_is_upgraded_and_verdicts_name_their_moderator(store, target):
    decided, pending = store.enqueue([item("decided under version 12"), item("pending under version 12")])
    store.decide(decided, "reject")
    ddl = ["ALTER TABLE queue_items DROP COLUMN decided_by", "DROP TABLE verdict_events"]
    with _downgraded_to(store, target, 12, ddl) as upgraded:  # the queue table as version 12 made it
        assert upgraded.queue_item(decided).to_dict()["decided_by"] is None  # given before names were kept
        assert upgraded.decide(pending, "approve", by="alice").decided_by == "alice"
        assert upgraded.queue_item(pending).decided_by == "alice"
        assert upgraded.history(decided) == ()  # no event was kept before version 13
        assert [(e.action, e.moderator) for e in upgraded.history(pending)] == [("decide", "alice")]


def test_a_version_13_database_is_upgraded_and_keeps_each_comment_s_author(store, target):
    (old,) = store.enqueue([item("queued under version 13")])
    ddl = [
        "DROP INDEX queue_items_author",
        "ALTER TABLE queue_items DROP COLUMN author",
        "DROP INDEX feedback_author",
        "ALTER TABLE feedback DROP COLUMN author",
    ]
    with _downgraded_to(store, target, 13, ddl) as upgraded:  # the tables as version 13 made them
        assert upgraded.queue_item(old).author is None  # queued before authors were kept
        upgraded.add_feedback(Feedback("you idiot", "insult", 1, author="Jane Reader"))
        assert [f.author for f in upgraded.feedback()] == ["Jane Reader"]
        (new,) = upgraded.enqueue([item("queued under version 14", author="Jane Reader")])
        assert upgraded.queue_item(new).to_dict()["author"] == "Jane Reader"
        assert [i.id for i in upgraded.list_queue(QueueQuery(author="Jane Reader")).items] == [new]


def test_a_version_14_database_is_upgraded_and_numbers_after_its_items(store, target):
    old = store.enqueue([item(f"queued under version 14, {n}") for n in range(3)])
    token = store.list_queue(QueueQuery(limit=1)).after
    store.erase_item(old[-1])  # the newest: version 14 gave its number to the next item (SQLite)
    ddl = ["DROP TABLE queue_sequence"] if target.path is not None else []
    with _downgraded_to(store, target, 14, ddl) as upgraded:
        (new,) = upgraded.enqueue([item("queued under version 15")])
        assert poll(upgraded, token)[0] == [new]
