"""The storage interface on SQLite and on a real PostgreSQL server: schema versions and migrations,
feedback, the review queue's filters and pagination, and the first-verdict-wins rule under concurrency."""

from __future__ import annotations

import logging
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import event, func, insert, select, text

from core.errors import (
    ConfigurationError,
    ConflictError,
    InputError,
    NotFoundError,
    SchemaVersionError,
    StoreUnavailableError,
)
from service.settings import Database
from service.storage import Feedback, NewQueueItem, QueueQuery, Store, Target
from service.storage import engine as engines
from service.storage import schema as S
from service.storage import store as store_module
from service.storage.store import MAX_PAGE, decode_cursor, encode_after, encode_cursor


def item(text: str = "you idiot", insult: float = 0.8, off_topic: float | None = 0.1, **kw) -> NewQueueItem:
    flagged = [a for a, v in (("insult", insult), ("off_topic", off_topic)) if v is not None and v >= 0.5]
    fields = {
        "text": text,
        "scores": {"insult": insult, "off_topic": off_topic},
        "spans": {"insult": [{"start": 4, "end": 9, "text": "idiot", "weight": 1.5}], "off_topic": []},
        "decision": "review" if flagged else "approve",
        "reasons": [f"{a} reached review" for a in flagged],
        "model_version": "m-1",
        "flagged": flagged,
        "article_id": "a-1",
        "article_title": "Budget vote",
        "source": "https://example.org/a-1",
        "language": "en",
    }
    return NewQueueItem(**(fields | kw))


# The longest article id the API takes (2,048 characters), in CJK that does not compress: 6 KB of UTF-8.
LONG_ARTICLE_ID = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(2048))


# -- schema ----------------------------------------------------------------------------------------


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
    with store.engine.begin() as conn:
        conn.execute(S.schema_version.delete().where(S.schema_version.c.version > 7))
    store.close()
    Store.open(target).close()
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


def test_a_version_2_database_is_upgraded_to_take_long_article_ids(store, target):
    # Version 2 indexed article_id with a b-tree, which refuses a long id on PostgreSQL.
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX queue_items_article")
        conn.exec_driver_sql("CREATE INDEX queue_items_article ON queue_items (article_id)")
        conn.execute(S.schema_version.delete().where(S.schema_version.c.version > 2))
    store.close()
    upgraded = Store.open(target)
    try:
        assert upgraded.schema_version == S.SCHEMA_VERSION
        article = LONG_ARTICLE_ID
        (queued,) = upgraded.enqueue([item(article_id=article)])
        assert [i.id for i in upgraded.list_queue(QueueQuery(article_id=article)).items] == [queued]
    finally:
        upgraded.close()


def test_a_version_3_database_is_upgraded_to_take_idempotency_keys(store, target):
    (old,) = store.enqueue([item("queued by version 3")])
    with store.engine.begin() as conn:  # the queue table as version 3 made it
        conn.exec_driver_sql("DROP INDEX queue_items_dedup")
        conn.exec_driver_sql("ALTER TABLE queue_items DROP COLUMN dedup_key")
        conn.execute(S.schema_version.delete().where(S.schema_version.c.version > 3))
    store.close()
    upgraded = Store.open(target)
    try:
        assert upgraded.schema_version == S.SCHEMA_VERSION
        assert upgraded.queue_item(old).text == "queued by version 3"
        keyed = [item("retried", idempotency_key="k-1")]
        assert upgraded.enqueue(keyed) == upgraded.enqueue(keyed)
        assert count_rows(upgraded)[0] == 2
    finally:
        upgraded.close()


def test_a_version_4_database_is_upgraded_and_its_items_can_be_polled(store, target):
    old = store.enqueue([item(f"queued by version 4, {i}") for i in range(3)])
    with store.engine.begin() as conn:  # the queue table as version 4 made it
        conn.exec_driver_sql("DROP INDEX queue_items_seq")
        conn.exec_driver_sql("ALTER TABLE queue_items DROP COLUMN seq")
        conn.execute(S.schema_version.delete().where(S.schema_version.c.version > 4))
    store.close()
    upgraded = Store.open(target)
    try:
        assert upgraded.schema_version == S.SCHEMA_VERSION
        seen, token = poll(upgraded, encode_after(0))
        assert sorted(seen) == sorted(old)
        new = upgraded.enqueue([item("queued by this version")])
        assert poll(upgraded, token)[0] == new
    finally:
        upgraded.close()


def test_a_version_5_database_is_upgraded_and_verdicts_carry_the_judged_language(store, target):
    (old,) = store.enqueue([item("queued by version 5")])
    store.add_feedback(Feedback("an older verdict", "insult", 1))
    with store.engine.begin() as conn:  # the tables as version 5 made them
        conn.exec_driver_sql("ALTER TABLE queue_items DROP COLUMN judged_language")
        conn.exec_driver_sql("ALTER TABLE feedback DROP COLUMN judged_language")
        conn.execute(S.schema_version.delete().where(S.schema_version.c.version > 5))
    store.close()
    upgraded = Store.open(target)
    try:
        assert upgraded.schema_version == S.SCHEMA_VERSION
        assert upgraded.queue_item(old).judged_language is None
        assert upgraded.decide(old, "reject").judged_language is None
        (new,) = upgraded.enqueue([item("Idiot!", language=None, judged_language="de")])
        assert upgraded.queue_item(new).to_dict()["judged_language"] == "de"
        upgraded.decide(new, "reject")
        assert [(f.text, f.judged_language) for f in upgraded.feedback()] == [
            ("an older verdict", None), ("queued by version 5", None), ("Idiot!", "de"),
        ]  # fmt: skip
    finally:
        upgraded.close()


def test_a_version_6_database_is_upgraded_and_its_decided_items_can_be_corrected(store, target):
    decided, pending = store.enqueue([item("decided by version 6"), item("pending under version 6")])
    store.decide(decided, "reject")
    with store.engine.begin() as conn:  # the queue table as version 6 made it
        conn.exec_driver_sql("ALTER TABLE queue_items DROP COLUMN revision")
        conn.execute(S.schema_version.delete().where(S.schema_version.c.version > 6))
    store.close()
    upgraded = Store.open(target)
    try:
        assert upgraded.schema_version == S.SCHEMA_VERSION
        assert (upgraded.queue_item(decided).revision, upgraded.queue_item(pending).revision) == (1, 0)
        assert upgraded.decide(decided, "approve", revision=1).revision == 2
        assert upgraded.decide(pending, "approve").revision == 1
        assert [(f.text, f.label) for f in upgraded.feedback()] == [
            ("decided by version 6", 0), ("pending under version 6", 0),
        ]  # fmt: skip
    finally:
        upgraded.close()


def test_a_version_8_database_is_upgraded_and_items_keep_their_quotes(store, target):
    (old,) = store.enqueue([item("queued by version 8")])
    with store.engine.begin() as conn:  # the queue table as version 8 made it
        conn.exec_driver_sql("ALTER TABLE queue_items DROP COLUMN quotes")
        conn.execute(S.schema_version.delete().where(S.schema_version.c.version > 8))
    store.close()
    upgraded = Store.open(target)
    try:
        assert upgraded.schema_version == S.SCHEMA_VERSION
        assert upgraded.queue_item(old).quotes is None
        quote = {"author": "kai_r", "text": "you are all idiots"}
        (new,) = upgraded.enqueue([item("No need for that.", quotes=[quote])])
        assert upgraded.queue_item(new).to_dict()["quotes"] == [quote]
    finally:
        upgraded.close()


def test_a_version_7_database_is_upgraded_and_items_keep_their_context(store, target):
    (old,) = store.enqueue([item("queued by version 7")])
    with store.engine.begin() as conn:  # the queue table as version 7 made it
        conn.exec_driver_sql("ALTER TABLE queue_items DROP COLUMN context")
        conn.exec_driver_sql("ALTER TABLE queue_items DROP COLUMN unsupported")
        conn.execute(S.schema_version.delete().where(S.schema_version.c.version > 7))
    store.close()
    upgraded = Store.open(target)
    try:
        assert upgraded.schema_version == S.SCHEMA_VERSION
        assert (upgraded.queue_item(old).context, upgraded.queue_item(old).unsupported) == (None, None)
        (new,) = upgraded.enqueue([item("lol", context="none", unsupported=["off_topic"])])
        d = upgraded.queue_item(new).to_dict()
        assert (d["context"], d["unsupported_attributes"]) == ("none", ["off_topic"])
    finally:
        upgraded.close()


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
    store = Store.open(engines.parse_target(pg_url + "?options=-csearch_path%3Dmoderation"), Database())
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
        database = pg_url.rsplit("/", 1)[1]
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
        conn.execute(f"ALTER DATABASE {pg_url.rsplit('/', 1)[1]} SET extra_float_digits = 0")
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
            conn.execute(f"ALTER DATABASE {pg_url.rsplit('/', 1)[1]} SET default_transaction_read_only = on")
        store.engine.dispose()  # new sessions take the database's new default
        with pytest.raises(StoreUnavailableError, match="read-only"):
            store.ping()
        with pytest.raises(StoreUnavailableError, match="read-only"):
            store.add_feedback(Feedback("you moron", "insult", 1))
    finally:
        store.close()


def test_a_database_newer_than_the_code_is_refused_clearly(store, target):
    with store.engine.begin() as conn:
        conn.execute(insert(S.schema_version).values(version=S.SCHEMA_VERSION + 1, applied_at="later"))
    with pytest.raises(SchemaVersionError, match=rf"version {S.SCHEMA_VERSION + 1}, newer than this code"):
        Store.open(target)


# -- feedback --------------------------------------------------------------------------------------


def test_feedback_is_stored_in_order_with_ids(store):
    ids = [
        store.add_feedback(Feedback("you moron", "insult", 1, "a-1")),
        store.add_feedback(Feedback("nice weather", "off_topic", 1)),
        store.add_feedback(Feedback("fair point", "toxicity", 0)),  # any snake_case attribute
    ]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [(f.text, f.attribute, f.label, f.article_id) for f in store.feedback()] == [
        ("you moron", "insult", 1, "a-1"),
        ("nice weather", "off_topic", 1, None),
        ("fair point", "toxicity", 0, None),
    ]
    assert [f.text for f in store.feedback("insult")] == ["you moron"]
    created = datetime.fromisoformat(store.feedback()[0].created_at)
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=1)
    assert store.count_feedback() == 3


@pytest.mark.parametrize(
    "bad",
    [
        Feedback("t", "Insult", 1),
        Feedback("t", "in sult", 1),
        Feedback("t", "", 1),
        Feedback("t", "insult", 2),
        Feedback("   ", "insult", 1),
    ],
)
def test_bad_feedback_is_refused_and_a_batch_is_all_or_nothing(store, bad):
    with pytest.raises(InputError):
        store.add_feedback_many([Feedback("valid row", "insult", 1), bad])
    assert store.count_feedback() == 0


# -- review queue ----------------------------------------------------------------------------------


def test_queued_items_read_back_whole(store):
    (item_id,) = store.enqueue([item(off_topic=float("nan"))])
    got = store.queue_item(item_id)
    d = got.to_dict()
    assert d["id"] == item_id and len(item_id) == 32
    assert d["scores"] == {"insult": 0.8, "off_topic": None}  # NaN: the model has no score, stored null
    assert d["spans"]["insult"] == [{"start": 4, "end": 9, "text": "idiot", "weight": 1.5}]
    assert (d["decision"], d["reasons"], d["flagged_attributes"]) == (
        "review",
        ["insult reached review"],
        ["insult"],
    )
    assert (d["article_id"], d["article_title"], d["source"]) == (
        "a-1",
        "Budget vote",
        "https://example.org/a-1",
    )
    assert (d["language"], d["model_version"], d["status"], d["verdict"], d["decided_at"]) == (
        "en", "m-1", "pending", None, None,
    )  # fmt: skip
    assert d["risk"] == 1.8  # review (1) + the flagging attribute's score
    assert abs(got.created_at - datetime.now(UTC)) < timedelta(minutes=1)
    with pytest.raises(NotFoundError):
        store.queue_item("0" * 32)


def test_the_queue_is_ordered_by_risk_then_id_and_pages_visit_every_item_once(store):
    risks = [0.9, 0.1, 0.5, 0.5, 0.5, 0.99, 0.0, 0.5, 0.7, 0.3, 0.5]
    ids = store.enqueue([item(f"comment {i}", insult=r, off_topic=0.0) for i, r in enumerate(risks)])
    ranked = [(1.0 if r >= 0.5 else 0.0) + r for r in risks]  # flagged ones (review) lead
    expected = sorted(zip(ranked, ids, strict=True), key=lambda p: (-p[0], p[1]))
    seen, cursor, pages = [], None, 0
    while True:
        page = store.list_queue(QueueQuery(limit=3, cursor=cursor))
        seen += [(i.risk, i.id) for i in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
    assert pages == 4
    assert store.list_queue(QueueQuery(limit=200)).next_cursor is None


def test_queue_filters(store):
    a, b, c = store.enqueue(
        [
            item("you idiot", insult=0.9, off_topic=0.1),
            item("buy shoes here", insult=0.1, off_topic=0.8, article_id="a-2", decision="review"),
            item("thanks", insult=0.0, off_topic=0.0),
        ]
    )
    store.decide(a, "reject")

    def ids(**kw):
        return {i.id for i in store.list_queue(QueueQuery(**kw)).items}

    assert ids(status="pending") == {b, c}
    assert ids(status="decided") == {a}
    assert ids(decision="approve") == {c}
    assert ids(attribute="insult") == {a}
    assert ids(attribute="off_topic") == {b}
    assert ids(attribute="toxicity") == set()
    assert ids(article_id="a-2") == {b}
    now = datetime.now(UTC)
    assert ids(since=now - timedelta(minutes=5)) == {a, b, c}
    assert ids(since=now + timedelta(minutes=5)) == set()
    assert ids(until=now - timedelta(minutes=5)) == set()
    assert ids(status="pending", attribute="off_topic", article_id="a-2") == {b}


def test_any_article_id_the_api_takes_can_be_queued_and_filtered_on(store):
    # The API takes 2,048 characters: 6 KB of UTF-8 in CJK, more than a PostgreSQL b-tree entry holds
    # (2,704 bytes). It was a 503 "retry" for ever there, and the page's comments were never queued.
    article = LONG_ARTICLE_ID
    (queued,) = store.enqueue([item(article_id=article)])
    store.enqueue([item(article_id="a-other")])
    assert [i.id for i in store.list_queue(QueueQuery(article_id=article)).items] == [queued]


@pytest.mark.parametrize(
    "query",
    [QueueQuery(limit=0), QueueQuery(limit=201), QueueQuery(status="open"), QueueQuery(cursor="%%%")],
)
def test_bad_queue_queries_are_input_errors(store, query):
    with pytest.raises(InputError):
        store.list_queue(query)


def test_cursors_round_trip_and_reject_garbage():
    assert decode_cursor(encode_cursor(0.123456789012345, "abc")) == (0.123456789012345, "abc")
    for bad in ("", "bm90IGpzb24", encode_cursor(0.5, "x").upper(), "WzEsMl0", encode_cursor(0.5, "\ud800")):
        with pytest.raises(InputError, match="cursor"):
            decode_cursor(bad)


# -- verdicts --------------------------------------------------------------------------------------


def test_reject_without_attributes_labels_what_reached_review(store):
    (item_id,) = store.enqueue([item(insult=0.9, off_topic=0.7)])
    decided = store.decide(item_id, "reject")
    assert (decided.status, decided.verdict, decided.verdict_attributes) == (
        "decided", "reject", ("insult", "off_topic"),
    )  # fmt: skip
    assert store.queue_item(item_id) == decided
    rows = [(f.attribute, f.label, f.queue_item_id, f.article_id) for f in store.feedback()]
    assert rows == [("insult", 1, item_id, "a-1"), ("off_topic", 1, item_id, "a-1")]


def test_reject_with_attributes_labels_only_those(store):
    (item_id,) = store.enqueue([item(insult=0.9, off_topic=0.7)])
    store.decide(item_id, "reject", ["off_topic"])
    assert [(f.attribute, f.label) for f in store.feedback()] == [("off_topic", 1)]


def test_reject_naming_no_attribute_records_no_feedback(store):
    # every "Reject for" box unticked: rejected for a reason no attribute names (personal data, say)
    (item_id,) = store.enqueue([item(insult=0.9, off_topic=0.7)])
    decided = store.decide(item_id, "reject", [])
    assert (decided.verdict, decided.verdict_attributes) == ("reject", ())
    assert store.queue_item(item_id) == decided and store.feedback() == []


def test_approve_labels_what_reached_review_0(store):
    (item_id,) = store.enqueue([item(insult=0.6, off_topic=0.2)])
    store.decide(item_id, "approve")
    assert [(f.text, f.attribute, f.label) for f in store.feedback()] == [("you idiot", "insult", 0)]


def test_approve_of_an_item_that_reached_nothing_records_the_verdict_without_feedback(store):
    (item_id,) = store.enqueue([item("thanks", insult=0.1, off_topic=0.1)])
    assert store.decide(item_id, "approve").verdict == "approve"
    assert store.feedback() == []


def test_the_first_verdict_wins_and_the_second_is_a_conflict(store):
    (item_id,) = store.enqueue([item()])
    store.decide(item_id, "reject")
    with pytest.raises(ConflictError, match="already decided: verdict 'reject'"):
        store.decide(item_id, "approve")
    assert store.queue_item(item_id).verdict == "reject"
    assert [f.label for f in store.feedback()] == [1]  # the loser wrote no feedback


def test_a_verdict_is_corrected_with_the_revision_read_and_its_feedback_rows_are_replaced(store):
    # A mis-click could not be undone: a second verdict was always a conflict.
    (item_id, other) = store.enqueue([item(), item("moron")])
    store.decide(other, "reject")
    first = store.decide(item_id, "reject")
    assert first.revision == 1
    corrected = store.decide(item_id, "approve", [], revision=first.revision)
    assert (corrected.verdict, corrected.verdict_attributes, corrected.revision) == ("approve", (), 2)
    assert store.queue_item(item_id) == corrected
    assert [(f.text, f.label) for f in store.feedback()] == [("moron", 1)]  # none left of the mis-click
    again = store.decide(item_id, "reject", ["insult"], revision=2)
    assert [(f.text, f.attribute, f.label) for f in store.feedback()] == [
        ("moron", "insult", 1), ("you idiot", "insult", 1),
    ]  # fmt: skip
    assert again.revision == 3


def test_a_correction_from_a_stale_revision_is_a_conflict_carrying_the_item_and_changes_nothing(store):
    (item_id,) = store.enqueue([item()])
    store.decide(item_id, "reject")
    store.decide(item_id, "approve", revision=1)
    with pytest.raises(
        ConflictError, match="changed since it was read at revision 1: it is now at revision 2"
    ) as e:
        store.decide(item_id, "reject", revision=1)
    assert e.value.current is not None
    assert (e.value.current["verdict"], e.value.current["revision"]) == ("approve", 2)
    assert store.queue_item(item_id).verdict == "approve"
    assert [f.label for f in store.feedback()] == [0]


def test_undo_makes_the_item_pending_again_and_deletes_its_feedback(store):
    (item_id,) = store.enqueue([item()])
    store.decide(item_id, "reject")
    undone = store.undo(item_id, revision=1)
    assert (undone.status, undone.verdict, undone.verdict_attributes, undone.decided_at) == (
        "pending", None, None, None,
    )  # fmt: skip
    assert undone.revision == 2 and store.queue_item(item_id) == undone
    assert store.feedback() == []
    with pytest.raises(ConflictError, match="is pending: there is no verdict to undo"):
        store.undo(item_id, revision=2)
    with pytest.raises(ConflictError, match="now at revision 2, pending"):
        store.undo(item_id, revision=1)
    assert store.decide(item_id, "approve").revision == 3  # pending again: decided as any pending item
    assert [f.label for f in store.feedback()] == [0]
    with pytest.raises(NotFoundError):
        store.undo("f" * 32, revision=1)


def test_two_corrections_at_once_from_two_stores_one_wins_and_the_other_is_a_conflict(store, target):
    """Two replicas' engines; on each item four threads per store send a correction from the same
    revision: exactly one wins, and the feedback rows are the winner's alone."""
    other = Store.open(target)
    ids = store.enqueue([item(f"comment {i}") for i in range(10)])
    for item_id in ids:
        store.decide(item_id, "reject")
    outcomes: dict[str, list[str]] = {i: [] for i in ids}
    lock = threading.Lock()
    start = threading.Barrier(8)

    def moderator(n: int) -> None:
        s = store if n % 2 else other
        start.wait()
        for item_id in ids:
            try:
                s.decide(item_id, "approve" if n % 2 else "reject", ["insult"], revision=1)
                result = "won"
            except ConflictError as exc:
                assert exc.current is not None and exc.current["revision"] == 2
                result = "conflict"
            with lock:
                outcomes[item_id].append(result)

    threads = [threading.Thread(target=moderator, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    other.close()
    assert all(sorted(o) == ["conflict"] * 7 + ["won"] for o in outcomes.values()), outcomes
    feedback = store.feedback()
    assert sorted(f.queue_item_id for f in feedback) == sorted(ids)  # one row per item: the winner's
    for f in feedback:
        assert f.label == (1 if store.queue_item(f.queue_item_id).verdict == "reject" else 0)


@pytest.mark.parametrize(("verdict", "attributes"), [("maybe", ()), ("reject", ("Bad Name",))])
def test_bad_verdicts_are_refused_and_change_nothing(store, verdict, attributes):
    (item_id,) = store.enqueue([item()])
    with pytest.raises(InputError):
        store.decide(item_id, verdict, attributes)
    assert store.queue_item(item_id).status == "pending"


def test_unknown_item_is_not_found(store):
    with pytest.raises(NotFoundError):
        store.decide("f" * 32, "approve")


def test_concurrent_verdicts_from_two_stores_resolve_first_wins(store, target):
    """Two stores = two replicas' engines (separate pools); 8 threads race on every item."""
    race_verdicts(store, target)


@pytest.mark.parametrize("isolation", ["repeatable read", "serializable"])
def test_verdict_races_resolve_first_wins_whatever_isolation_the_database_defaults_to(
    postgres, pg_url, isolation
):
    # A database defaulting to repeatable read answered half the losers 503 "could not serialize
    # access, retry" instead of 409 naming the verdict that stands.
    with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
        conn.execute(
            f"ALTER DATABASE {pg_url.rsplit('/', 1)[1]} SET default_transaction_isolation = '{isolation}'"
        )
    target = engines.parse_target(pg_url)
    store = Store.open(target)
    try:
        race_verdicts(store, target)
    finally:
        store.close()


def race_verdicts(store: Store, target: Target) -> None:
    other = Store.open(target)
    ids = store.enqueue([item(f"comment {i}") for i in range(10)])
    outcomes: dict[str, list[str]] = {i: [] for i in ids}
    lock = threading.Lock()
    start = threading.Barrier(8)

    def moderator(n: int) -> None:
        s = store if n % 2 else other
        start.wait()
        for item_id in ids:
            try:
                s.decide(item_id, "reject" if n % 2 else "approve")
                result = "won"
            except ConflictError:
                result = "conflict"
            with lock:
                outcomes[item_id].append(result)

    threads = [threading.Thread(target=moderator, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    other.close()
    assert all(sorted(o) == ["conflict"] * 7 + ["won"] for o in outcomes.values()), outcomes
    feedback = store.feedback()
    assert len(feedback) == 10  # one row per item: only the winners wrote
    assert {f.queue_item_id for f in feedback} == set(ids)
    for f in feedback:
        assert f.label == (1 if store.queue_item(f.queue_item_id).verdict == "reject" else 0)


# -- idempotent enqueueing -------------------------------------------------------------------------


def count_rows(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        items = conn.scalar(select(func.count()).select_from(S.queue_items))
        flags = conn.scalar(select(func.count()).select_from(S.queue_flags))
    return int(items or 0), int(flags or 0)


def test_enqueueing_the_same_keys_again_returns_the_stored_ids_and_adds_no_rows(store):
    # A client retrying after a lost answer queued every comment twice: moderators saw each one twice.
    batch = [item("you idiot", idempotency_key="r1/0"), item("moron", idempotency_key="r1/1"), item("x")]
    first = store.enqueue(batch)
    store.decide(first[0], "reject")
    again = store.enqueue(batch)
    assert again[:2] == first[:2] and again[2] != first[2]  # the item without a key is queued again
    assert count_rows(store) == (4, 4)  # no second copy of the keyed items or of their flags
    assert store.queue_item(again[0]).verdict == "reject"  # the stored item, as decided
    # The same key twice in one batch is one item too.
    assert (
        store.enqueue([item("dup", idempotency_key="k"), item("dup", idempotency_key="k")])
        == [store.enqueue([item("dup", idempotency_key="k")])[0]] * 2
    )
    assert count_rows(store)[0] == 5


def test_enqueueing_again_returns_each_item_as_stored(store):
    # A retry was answered with the stored ids only, so the API answered them with the scores it had
    # just computed: after a model reload not what the items hold. The stored item comes back too.
    first = store.enqueue_or_find([item("you idiot", idempotency_key="r1/0")])
    assert [q.stored for q in first] == [None]
    store.decide(first[0].id, "reject")
    rescored = item("you idiot", insult=0.2, model_version="m-2", idempotency_key="r1/0")
    again = store.enqueue_or_find([rescored, item("moron", idempotency_key="r1/1")])
    assert [q.id for q in again][:1] == [first[0].id] and again[1].stored is None
    held = again[0].stored
    assert held == store.queue_item(first[0].id)
    assert held is not None and (held.scores, held.model_version, held.decision, held.verdict) == (
        {"insult": 0.8, "off_topic": 0.1}, "m-1", "review", "reject",
    )  # fmt: skip
    assert count_rows(store)[0] == 2


def test_two_replicas_racing_on_the_same_keys_store_each_item_once(store, target, postgres_waits):
    """The first replica holds its transaction open at commit; the second inserts the same keys
    meanwhile. A check-then-insert finds nothing committed and inserts a second copy; the unique key
    makes the second wait for the first and return its ids."""
    other = Store.open(target)
    batch = [item(f"comment {i}", idempotency_key=f"req-7/{i}") for i in range(20)]
    reached, release = threading.Event(), threading.Event()

    def hold(_conn) -> None:
        if threading.current_thread().name == "first":
            reached.set()
            assert release.wait(30)

    event.listen(store.engine, "commit", hold)
    results: dict[str, list[str]] = {}

    def run(name: str, s: Store) -> None:
        results[name] = s.enqueue(batch)

    first = threading.Thread(target=run, args=("first", store), name="first")
    second = threading.Thread(target=run, args=("second", other), name="second")
    try:
        first.start()
        assert reached.wait(30)
        second.start()
        postgres_waits(target, second)  # PostgreSQL: until the second waits on the first's lock
        release.set()
        first.join(30)
        second.join(30)
    finally:
        release.set()
        event.remove(store.engine, "commit", hold)
        other.close()
    assert results["first"] == results["second"]
    assert count_rows(store) == (20, 20)


# -- polling for new items -------------------------------------------------------------------------


def poll(store: Store, after: str) -> tuple[list[str], str]:
    """One poll: the ids queued after `after`, in arrival order, and the token for the next poll."""
    page = store.list_queue(QueueQuery(after=after, limit=MAX_PAGE))
    assert page.next_cursor is None
    return [i.id for i in page.items], page.after


class Gate:
    """Holds the thread named `name` where it calls `hold()` until `release` is set."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.reached, self.release = threading.Event(), threading.Event()

    def hold(self, *_args) -> None:
        if threading.current_thread().name == self.name:
            self.reached.set()
            assert self.release.wait(30)


@contextmanager
def opened(gate: Gate, *threads: threading.Thread):
    """On exit: release the gate and join the threads."""
    try:
        yield gate
    finally:
        gate.release.set()
        for thread in threads:
            thread.join(30)


def test_polling_after_a_token_sees_the_item_of_a_write_that_started_first_and_committed_last(
    store, target, monkeypatch
):
    # created_at is taken when the request is handled, before the write: the slower request's item is
    # dated before one a poller of since= has already seen, and since= never returned it.
    other = Store.open(target)
    token = store.list_queue(QueueQuery(limit=1)).after
    queued: dict[str, list[str]] = {}
    slow = threading.Thread(target=lambda: queued.update(slow=other.enqueue([item("slow")])), name="slow")
    gate = Gate("slow")
    # The slow request takes its time, then pauses before it writes.
    monkeypatch.setattr(store_module, "_now", lambda now=store_module._now: (now(), gate.hold())[0])
    with opened(gate, slow):
        slow.start()
        assert gate.reached.wait(30)
        (fast,) = store.enqueue([item("fast")])
        seen, token = poll(store, token)
        assert seen == [fast]
        seen_at = store.queue_item(fast).created_at  # what a since= poller has seen
    other.close()
    assert poll(store, token)[0] == queued["slow"]
    assert poll(store, poll(store, token)[1]) == ([], poll(store, token)[1])
    # The limit of since= (docs/queue.md): the slow item is dated before what was seen.
    assert store.queue_item(queued["slow"][0]).created_at < seen_at
    assert queued["slow"][0] not in {i.id for i in store.list_queue(QueueQuery(since=seen_at)).items}


def test_polling_never_passes_an_item_whose_transaction_is_still_open(store, target, postgres_waits):
    """PostgreSQL numbers a row before its transaction commits: a later writer's row, numbered after
    it but committed first, moved a poller's token past the open one, which it then never saw.
    Writers take their numbers in commit order (an advisory lock), so the later one waits."""
    other = Store.open(target)
    token = store.list_queue(QueueQuery(limit=1)).after
    queued: dict[str, list[str]] = {}
    first = threading.Thread(target=lambda: queued.update(first=store.enqueue([item("a")])), name="first")
    second = threading.Thread(target=lambda: queued.update(second=other.enqueue([item("b")])))
    gate = Gate("first")
    event.listen(store.engine, "commit", gate.hold)  # its row written and numbered, not committed
    with opened(gate, first, second):
        first.start()
        assert gate.reached.wait(30)
        second.start()
        postgres_waits(target, second)
        before, token = poll(store, token)
    other.close()
    after, _ = poll(store, token)
    assert before + after == queued["first"] + queued["second"]


def test_polling_pages_in_arrival_order_with_the_filters(store):
    token = store.list_queue(QueueQuery(limit=1)).after
    ids = store.enqueue([item(f"c{i}", insult=0.9 if i % 2 else 0.1) for i in range(5)])
    page = store.list_queue(QueueQuery(after=token, limit=2))
    assert [i.id for i in page.items] == ids[:2] and page.next_cursor is None
    rest, token = poll(store, page.after)
    assert rest == ids[2:]
    assert poll(store, token) == ([], token)
    assert store.list_queue(QueueQuery(after=store.list_queue(QueueQuery(limit=1)).after)).items == ()
    insults = store.list_queue(QueueQuery(after=page.after, attribute="insult", limit=MAX_PAGE))
    assert [i.id for i in insults.items] == [ids[3]]


@pytest.mark.parametrize("token", ["", "garbage", encode_after(0)[:-1] + "!", "W10"])
def test_a_bad_poll_token_is_an_input_error(store, token):
    with pytest.raises(InputError):
        store.list_queue(QueueQuery(after=token))


def test_a_poll_token_and_a_page_cursor_together_are_an_input_error(store):
    with pytest.raises(InputError):
        store.list_queue(QueueQuery(after=encode_after(0), cursor=encode_cursor(1.0, "a")))


def test_the_raw_tables_hold_what_training_reads(store):
    (item_id,) = store.enqueue([item()])
    store.decide(item_id, "reject")
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT text, label, article_id FROM feedback WHERE attribute = 'insult'")
        ).all()
    assert [tuple(r) for r in rows] == [("you idiot", 1, "a-1")]


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


def test_a_value_the_database_refuses_is_an_input_error_not_a_retry(store):
    # PostgreSQL text cannot hold NUL: it was a 503 "store_unavailable ... retry", for ever. SQLite keeps it.
    writes = (
        lambda: store.add_feedback(Feedback(text="hello \x00 there", attribute="insult", label=1)),
        lambda: store.enqueue([item(text="you \x00 idiot")]),
        lambda: store.enqueue([item(article_title="Budget\x00vote")]),
    )
    for write in writes:
        if store.backend == "postgresql":
            with pytest.raises(InputError, match="refuses a value"):
                write()
        else:
            write()


def test_polling_after_a_token_sees_verdicts_corrections_and_undos(store):
    # A decided or undone item kept the number it was queued with: a CMS polling `after` never learnt
    # a verdict, and an undone item never came back as pending. Each change now takes the next number.
    first, second = store.enqueue([item("first comment"), item("second comment")])
    token = store.list_queue(QueueQuery(limit=10)).after

    def changed(query: QueueQuery) -> list[tuple[str, str]]:
        page = store.list_queue(query)
        return [(i.id, i.status) for i in page.items]

    store.decide(second, "reject")
    assert changed(QueueQuery(limit=10, after=token)) == [(second, "decided")]
    assert changed(QueueQuery(limit=10, after=token, status="pending")) == []
    token = store.list_queue(QueueQuery(limit=10, after=token)).after
    store.undo(second, revision=1)
    store.decide(first, "approve")
    assert changed(QueueQuery(limit=10, after=token)) == [(second, "pending"), (first, "decided")]
    token = store.list_queue(QueueQuery(limit=10, after=token)).after
    store.decide(first, "reject", revision=1)  # a correction
    assert changed(QueueQuery(limit=10, after=token)) == [(first, "decided")]
    assert store.queue_item(first).verdict == "reject"


def test_a_verdict_while_its_comment_is_queued_again_fails_neither(
    store, target, postgres_waits, monkeypatch
):
    """A verdict updated its item, then took the numbering lock; a re-crawl queueing the same comment
    meanwhile held that lock and waited on the item's row: PostgreSQL found a deadlock and failed one of
    the two (a 503: the moderator's verdict not saved, or the page not queued)."""
    [item_id] = store.enqueue([item("you idiot", idempotency_key="page-1/0")])
    other = Store.open(target)
    gate = Gate("verdict")
    renumber = store_module._renumber

    def held(conn, queue_item_id: str) -> None:  # the verdict's item updated, not numbered yet
        gate.hold()
        renumber(conn, queue_item_id)

    monkeypatch.setattr(store_module, "_renumber", held)
    results: dict[str, object] = {}
    verdict = threading.Thread(
        target=lambda: results.update(verdict=store.decide(item_id, "reject")), name="verdict"
    )
    requeue = threading.Thread(
        target=lambda: results.update(requeued=other.enqueue([item("you idiot", idempotency_key="page-1/0")]))
    )
    with opened(gate, verdict, requeue):
        verdict.start()
        assert gate.reached.wait(30)
        requeue.start()
        postgres_waits(target, requeue)  # PostgreSQL: until the re-crawl waits on a lock
    other.close()
    assert results["requeued"] == [item_id]
    assert store.queue_item(item_id).verdict == "reject"
