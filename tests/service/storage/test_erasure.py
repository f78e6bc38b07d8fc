"""Erasure and retention on SQLite and a real PostgreSQL server: an item, an article, a feedback row and
everything older than the limit, deleted with nothing left (flags, verdicts' feedback rows, stored
answers), in one transaction, and settling with a concurrent verdict to one outcome."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import OperationalError

from core.errors import ConflictError, NotFoundError
from service.storage import Erased, Feedback, Keyed, KeyedRequest, QueueQuery, Store, Target
from service.storage import schema as S
from service.storage.idempotency import Answer
from tests.service.storage.store_helpers import item
from tests.service.storage.test_store_concurrency import Gate, opened

TABLES = (S.queue_items, S.queue_flags, S.feedback, S.idempotency_keys, S.verdict_events)


def counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES}


def texts(store: Store) -> set[str]:
    """Every stored copy of a comment: queue items, feedback rows and the answers kept for retries."""
    with store.engine.connect() as conn:
        found = set(conn.scalars(select(S.queue_items.c.text)))
        found |= set(conn.scalars(select(S.feedback.c.text)))
        found |= {b for b in conn.scalars(select(S.idempotency_keys.c.body)) if b is not None}
    return found


def keyed_decide(store: Store, item_id: str, key: str) -> Answer:
    request = KeyedRequest.of(key, "POST /v1/queue/{id}:decide", item_id, {"verdict": "reject"})
    keyed = Keyed(request, lambda i: Answer(200, repr(i.to_dict()).encode()))
    return store.decide_once(keyed, item_id, "reject")


@contextmanager
def failing_from(store: Store, prefix: str, nth: int = 1, error: type[Exception] = RuntimeError):
    """Every statement starting with `prefix`, from its `nth` on, raises `error`: a database that goes
    away midway (an OperationalError is what the store turns into a 503)."""
    seen = []

    def fail(_conn, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().startswith(prefix):
            seen.append(statement)
            if len(seen) >= nth:
                gone = Exception("the database went away")
                raise error(statement, {}, gone) if error is OperationalError else error(str(gone))

    event.listen(store.engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(store.engine, "before_cursor_execute", fail)


def test_erasing_an_item_deletes_it_its_flags_its_feedback_and_the_answers_replaying_it(store):
    gone, kept = store.enqueue([item("erase me, idiot"), item("keep me, idiot")])
    keyed_decide(store, gone, "k-gone")
    keyed_decide(store, kept, "k-kept")
    assert any("erase me" in t for t in texts(store))  # the stored answer holds the item's text
    erased = store.erase_item(gone)
    assert erased == Erased(queue_items=1, queue_flags=1, feedback=1, idempotency_keys=1, verdict_events=1)
    assert not any("erase me" in t for t in texts(store))
    assert counts(store) == {
        "queue_items": 1, "queue_flags": 1, "feedback": 1, "idempotency_keys": 1, "verdict_events": 1,
    }  # fmt: skip
    assert store.queue_item(kept).verdict == "reject"
    with pytest.raises(NotFoundError):
        store.erase_item(gone)
    with pytest.raises(NotFoundError):  # the retry of its verdict: no answer replayed, no item
        keyed_decide(store, gone, "k-gone")


def test_erasing_a_pending_item_counts_it_as_pending(store):
    [item_id] = store.enqueue([item("you idiot")])
    assert store.erase_item(item_id) == Erased(queue_items=1, pending=1, queue_flags=1)


def test_erasing_an_article_deletes_its_items_and_the_feedback_naming_it(store):
    ids = store.enqueue([item(f"comment {i}", article_id="taken-down") for i in range(3)])
    other = store.enqueue([item("elsewhere", article_id="stays")])
    store.decide(ids[0], "reject")
    store.add_feedback(Feedback(text="posted directly", attribute="insult", label=1, article_id="taken-down"))
    store.add_feedback(Feedback(text="another article", attribute="insult", label=1, article_id="stays"))
    erased = store.erase_article("taken-down")
    assert erased == Erased(queue_items=3, pending=2, queue_flags=3, feedback=2, verdict_events=1)
    assert [i.id for i in store.list_queue(_all()).items] == other
    assert [f.text for f in store.feedback()] == ["another article"]
    assert store.erase_article("taken-down") == Erased()


def _all() -> QueueQuery:
    return QueueQuery(limit=200)


def test_erasing_a_feedback_row_posted_directly_and_refusing_a_verdicts_row(store):
    row = store.add_feedback(Feedback(text="nobody asked, clown", attribute="insult", label=1))
    [item_id] = store.enqueue([item("you idiot")])
    store.decide(item_id, "reject", ["insult"])
    (verdict_row,) = [r for r in _rows(store) if r[1] == item_id]
    with pytest.raises(ConflictError, match=item_id):
        store.erase_feedback(verdict_row[0])
    assert store.erase_feedback(row) == Erased(feedback=1)
    with pytest.raises(NotFoundError):
        store.erase_feedback(row)
    assert [f.queue_item_id for f in store.feedback()] == [item_id]


def _rows(store: Store) -> list[tuple[int, str | None]]:
    with store.engine.connect() as conn:
        return [
            (r.id, r.queue_item_id) for r in conn.execute(select(S.feedback.c.id, S.feedback.c.queue_item_id))
        ]


@pytest.mark.parametrize("failing", ["DELETE FROM queue_items", "DELETE FROM feedback"])
def test_an_erasure_that_fails_midway_deletes_nothing(store, failing):
    ids = store.enqueue([item(f"comment {i}", article_id="a") for i in range(3)])
    store.decide(ids[0], "reject")
    keyed_decide(store, ids[1], "k-1")
    before = counts(store)

    with failing_from(store, failing):
        with pytest.raises(RuntimeError):
            store.erase_article("a")
        with pytest.raises(RuntimeError):
            store.erase_item(ids[0])
    assert counts(store) == before
    assert store.erase_article("a").queue_items == 3


@pytest.mark.parametrize("first", ["decide", "erase"])
def test_an_erasure_and_a_verdict_on_the_same_item_settle_to_one_outcome(
    store, target, postgres_waits, first
):
    """The first holds its transaction open at COMMIT while the second starts on another replica's
    engine: the verdict is wholly before the erasure (its feedback rows erased too) or after it (404);
    never an erased item whose verdict's feedback rows remain."""
    [item_id] = store.enqueue([item("you idiot")])
    other = Store.open(target)
    results: dict[str, object] = {}

    def run(name: str, action) -> None:
        try:
            results[name] = action()
        except NotFoundError as exc:
            results[name] = exc

    actions = {
        "decide": lambda s: lambda: s.decide(item_id, "reject"),
        "erase": lambda s: lambda: s.erase_item(item_id),
    }
    second = "erase" if first == "decide" else "decide"
    gate = Gate(first)
    event.listen(store.engine, "commit", gate.hold)
    one = threading.Thread(target=run, args=(first, actions[first](store)), name=first)
    two = threading.Thread(target=run, args=(second, actions[second](other)))
    try:
        with opened(gate, one, two):
            one.start()
            assert gate.reached.wait(30)
            two.start()
            postgres_waits(target, two)
    finally:
        event.remove(store.engine, "commit", gate.hold)
        other.close()
    assert set(counts(store).values()) == {0}
    if first == "decide":
        assert results["erase"] == Erased(queue_items=1, queue_flags=1, feedback=1, verdict_events=1)
    else:
        assert isinstance(results["decide"], NotFoundError)


def test_erased_text_is_not_left_in_the_sqlite_file(tmp_path):
    """secure_delete: a deleted row's bytes were left in a free page of the file, readable with `strings`."""
    path = tmp_path / "store.sqlite3"
    store = Store.open(Target(path=path))
    marker = "Quixotic-reader-4411 is an idiot"
    [item_id] = store.enqueue([item(marker)])
    store.decide(item_id, "reject")
    store.erase_item(item_id)
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"Quixotic-reader-4411" not in path.read_bytes()


# -- retention -------------------------------------------------------------------------------------


def age(store: Store, days: float, *, ids: list[str] = (), feedback_texts: list[str] = ()) -> None:
    """Date the given items and feedback rows (and their keys) `days` ago."""
    when = datetime.now(UTC) - timedelta(days=days)
    with store.engine.begin() as conn:
        if ids:
            conn.execute(update(S.queue_items).where(S.queue_items.c.id.in_(ids)).values(created_at=when))
            conn.execute(
                update(S.idempotency_keys).where(S.idempotency_keys.c.target.in_(ids)).values(created_at=when)
            )
        if feedback_texts:
            conn.execute(
                update(S.feedback)
                .where(S.feedback.c.text.in_(feedback_texts))
                .values(created_at=when.isoformat(timespec="seconds"))
            )


def test_purge_deletes_what_is_older_than_the_limit_in_batches_and_a_dry_run_counts_the_same(store):
    old = store.enqueue([item(f"old {i}") for i in range(23)])
    new = store.enqueue([item(f"new {i}") for i in range(4)])
    for item_id in old[:5] + new[:1]:
        store.decide(item_id, "reject")
    keyed_decide(store, old[5], "k-old")
    keyed_decide(store, new[1], "k-new")
    store.add_feedback_many(
        [Feedback(text=t, attribute="insult", label=1) for t in ("old direct", "new direct")]
    )
    age(store, 40, ids=old, feedback_texts=["old direct"])
    age(store, 29, ids=new[:2])  # inside a 30-day limit; its key is past the TTL
    dry = store.purge(timedelta(days=30), dry_run=True)
    assert dry.transactions == 0
    assert counts(store)["queue_items"] == 27  # a dry run deletes nothing
    done = store.purge(timedelta(days=30), batch=7)
    expected = Erased(
        queue_items=23, pending=17, queue_flags=23, feedback=7, idempotency_keys=2, verdict_events=6
    )
    assert dry.erased == done.erased == expected
    # 23 items in batches of 7 (4 + an empty one), feedback (1 + empty), keys (1 + empty)
    assert done.transactions == 9
    assert {i.id for i in store.list_queue(_all()).items} == set(new)
    assert sorted(f.text for f in store.feedback()) == ["new 0", "new 1", "new direct"]
    again = store.purge(timedelta(days=30))
    assert again.erased == Erased() and again.transactions == 3


def test_training_reads_no_erased_or_purged_verdict(store, target):
    from training.corpora import load_feedback

    source = str(target.path) if target.path else target.url.render_as_string(hide_password=False)
    erased, purged, kept = store.enqueue([item("erased idiot"), item("purged idiot"), item("kept idiot")])
    for item_id in (erased, purged, kept):
        store.decide(item_id, "reject", ["insult"])
    store.add_feedback(Feedback(text="old direct idiot", attribute="insult", label=1))
    store.erase_item(erased)
    age(store, 40, ids=[purged], feedback_texts=["old direct idiot"])
    store.purge(timedelta(days=30))
    corpus = load_feedback(source, "insult")
    assert list(corpus.texts) == ["kept idiot"]


def keyed_feedback(store: Store, key: str, text: str, article_id: str | None = None) -> Answer:
    body = {"text": text, "attribute": "insult", "label": 1, "article_id": article_id}
    request = KeyedRequest.of(key, "POST /v1/feedback", None, body)
    keyed = Keyed(request, lambda row_id: Answer(201, b'{"id":%d}' % row_id))
    return store.add_feedback_once(keyed, Feedback(text, "insult", 1, article_id=article_id))


def test_a_keyed_feedback_rows_key_is_erased_with_the_row(store):
    # The key stayed for its TTL: a retry after the erasure got 201 with the erased row's id
    # (Idempotent-Replayed) and wrote nothing, and the key kept the request's sha256.
    by_id = keyed_feedback(store, "fb-id", "erased by id")
    keyed_feedback(store, "fb-article", "erased with its article", article_id="taken-down")
    keyed_feedback(store, "fb-old", "purged as old")
    kept = keyed_feedback(store, "fb-kept", "kept")
    age(store, 40, feedback_texts=["purged as old"])  # the row is old; its key is not yet expired
    erased = store.erase_feedback(int(by_id.body.decode().split(":")[1].rstrip("}")))
    assert (erased.feedback, erased.idempotency_keys) == (1, 1)
    erased = store.erase_article("taken-down")
    assert (erased.feedback, erased.idempotency_keys) == (1, 1)
    dry = store.purge(timedelta(days=30), dry_run=True)
    assert (dry.erased.feedback, dry.erased.idempotency_keys) == (1, 1)
    assert store.purge(timedelta(days=30)).erased == dry.erased
    assert counts(store)["idempotency_keys"] == 1 and store.count_feedback() == 1
    for key, text, article in (
        ("fb-id", "erased by id", None),
        ("fb-article", "erased with its article", "taken-down"),
        ("fb-old", "purged as old", None),
    ):
        assert not keyed_feedback(store, key, text, article).replayed, key  # a new request: written
    assert keyed_feedback(store, "fb-kept", "kept").body == kept.body  # the one not erased replays
    assert store.count_feedback() == 4


def test_a_purge_that_fails_after_some_batches_says_what_it_deleted(store):
    # The error said "nothing was stored, retry" when earlier batches had been committed.
    from core.errors import StoreUnavailableError

    old = store.enqueue([item(f"old {i}") for i in range(5)])
    age(store, 40, ids=old)
    second_batch_fails = failing_from(store, "DELETE FROM queue_items", nth=2, error=OperationalError)
    with second_batch_fails, pytest.raises(StoreUnavailableError) as failed:
        store.purge(timedelta(days=30), batch=2)
    message = str(failed.value)
    assert "purge stopped after 1 committed transactions" in message and "queue_items=2" in message, message
    assert "run it again" in message, message
    assert counts(store)["queue_items"] == 3  # the first batch is gone, the failed one is not
    assert store.purge(timedelta(days=30), batch=2).erased.queue_items == 3


def test_an_article_is_erased_in_batches_of_whole_items(store):
    # One transaction for the whole article held the write lock for its whole thread (0.46 s at 5,000
    # items): a takedown of a big thread made every verdict and queueing wait, or fail at the busy timeout.
    ids = store.enqueue([item(f"comment {i}", article_id="taken-down") for i in range(5)])
    store.decide(ids[0], "reject")
    keyed_decide(store, ids[1], "k-batch")
    for i in range(3):
        store.add_feedback(Feedback(text=f"direct {i}", attribute="insult", label=1, article_id="taken-down"))
    kept = store.enqueue([item("elsewhere", article_id="stays")])
    begun = []

    def count(_conn) -> None:
        begun.append(1)

    event.listen(store.engine, "begin", count)
    try:
        erased = store.erase_article("taken-down", batch=2)
    finally:
        event.remove(store.engine, "begin", count)
    assert erased == Erased(
        queue_items=5, pending=3, queue_flags=5, feedback=5, idempotency_keys=1, verdict_events=2
    )
    # 3 item batches and the empty one that ends them, 2 feedback batches and the empty one
    assert len(begun) == 7, begun
    assert [i.id for i in store.list_queue(_all()).items] == kept and store.feedback() == []


def test_an_article_erasure_that_fails_after_some_batches_says_what_it_deleted(store):
    from core.errors import StoreUnavailableError

    store.enqueue([item(f"comment {i}", article_id="a") for i in range(5)])
    second_batch_fails = failing_from(store, "DELETE FROM queue_items", nth=2, error=OperationalError)
    with second_batch_fails, pytest.raises(StoreUnavailableError) as failed:
        store.erase_article("a", batch=2)
    message = str(failed.value)
    assert "stopped after deleting queue_items=2" in message and "send it again" in message, message
    assert counts(store)["queue_items"] == 3
    assert store.erase_article("a", batch=2).queue_items == 3
