"""The store under concurrency on SQLite and on a real PostgreSQL server: the first verdict wins,
replicas racing on the same keys, polling past open transactions."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import event

from core.errors import (
    ConflictError,
    InputError,
    StoreUnavailableError,
)
from service.storage import QueueQuery, Store, Target
from service.storage import engine as engines
from service.storage import store as store_module
from service.storage.store import MAX_PAGE, encode_after, encode_cursor
from tests.pg import database_of
from tests.service.storage.store_helpers import count_rows, item, poll


def test_two_corrections_at_once_from_two_stores_one_wins_and_the_other_is_a_conflict(store, target):
    """Two replicas' engines; on each item four threads per store send a correction from the same
    revision: exactly one wins, and the feedback rows are the winner's alone."""
    ids = store.enqueue([item(f"comment {i}") for i in range(10)])
    for item_id in ids:
        store.decide(item_id, "reject")

    def correct(s: Store, item_id: str, n: int) -> None:
        try:
            s.decide(item_id, "approve" if n % 2 else "reject", ["insult"], revision=1)
        except ConflictError as exc:
            assert exc.current is not None and exc.current["revision"] == 2
            raise

    race(store, target, ids, correct)


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
            f"ALTER DATABASE {database_of(pg_url)} SET default_transaction_isolation = '{isolation}'"
        )
    target = engines.parse_target(pg_url)
    store = Store.open(target)
    try:
        race_verdicts(store, target)
    finally:
        store.close()


def race_verdicts(store: Store, target: Target) -> None:
    ids = store.enqueue([item(f"comment {i}") for i in range(10)])
    race(store, target, ids, lambda s, item_id, n: s.decide(item_id, "reject" if n % 2 else "approve"))


def race(store: Store, target: Target, ids: list[str], decide: Callable[[Store, str, int], object]) -> None:
    """8 threads, alternating between ``store`` and a second store on ``target`` (another replica's
    engine), each calling ``decide(its store, item_id, thread number)`` on every item at once: exactly
    one wins each item (the others are ConflictError), and the feedback rows are the winners' alone."""
    other = Store.open(target)
    outcomes: dict[str, list[str]] = {i: [] for i in ids}
    lock = threading.Lock()
    start = threading.Barrier(8)

    def moderator(n: int) -> None:
        s = store if n % 2 else other
        start.wait()
        for item_id in ids:
            try:
                decide(s, item_id, n)
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
    assert sorted(f.queue_item_id for f in feedback) == sorted(ids)  # one row per item: the winner's
    for f in feedback:
        assert f.label == (1 if store.queue_item(f.queue_item_id).verdict == "reject" else 0)


# -- idempotent enqueueing -------------------------------------------------------------------------


def test_two_replicas_racing_on_the_same_keys_store_each_item_once(store, target, postgres_waits):
    """The first replica holds its transaction open at commit; the second inserts the same keys
    meanwhile. A check-then-insert finds nothing committed and inserts a second copy; the unique key
    makes the second wait for the first and return its ids."""
    other = Store.open(target)
    batch = [item(f"comment {i}", idempotency_key=f"req-7/{i}") for i in range(20)]
    gate = Gate("first")
    event.listen(store.engine, "commit", gate.hold)
    results: dict[str, list[str]] = {}

    def run(name: str, s: Store) -> None:
        results[name] = s.enqueue(batch)

    first = threading.Thread(target=run, args=("first", store), name="first")
    second = threading.Thread(target=run, args=("second", other), name="second")
    try:
        with opened(gate, first, second):
            first.start()
            assert gate.reached.wait(30)
            second.start()
            postgres_waits(target, second)  # PostgreSQL: until the second waits on the first's lock
    finally:
        event.remove(store.engine, "commit", gate.hold)
        other.close()
    assert results["first"] == results["second"]
    assert count_rows(store) == (20, 20)


# -- polling for new items -------------------------------------------------------------------------


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


def test_polling_sees_what_follows_an_erased_newest_item(store):
    # SQLite numbered a new item (or a verdict) the largest stored number plus one: with the newest item
    # erased, the next took its number, which a poller had passed, and was never polled.
    [newest] = store.enqueue([item("the newest comment")])
    token = store.list_queue(QueueQuery(limit=1)).after
    store.erase_item(newest)
    [following] = store.enqueue([item("the comment after it")])
    seen, token = poll(store, token)
    assert seen == [following]
    [last] = store.enqueue([item("the last comment")])
    store.erase_item(last)
    store.decide(following, "reject")
    assert poll(store, token)[0] == [following]


@pytest.mark.parametrize("token", ["", "garbage", encode_after(0)[:-1] + "!", "W10"])
def test_a_bad_poll_token_is_an_input_error(store, token):
    with pytest.raises(InputError):
        store.list_queue(QueueQuery(after=token))


def test_a_poll_token_and_a_page_cursor_together_are_an_input_error(store):
    with pytest.raises(InputError):
        store.list_queue(QueueQuery(after=encode_after(0), cursor=encode_cursor(1.0, "a")))


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
    renumber = store_module.renumber

    def held(conn, queue_item_id: str) -> None:  # the verdict's item updated, not numbered yet
        gate.hold()
        renumber(conn, queue_item_id)

    monkeypatch.setattr(store_module, "renumber", held)
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


def test_a_row_held_by_another_session_fails_its_writer_soon_and_holds_no_other_writer(pg_url):
    # An operator's open `SELECT ... FOR UPDATE` held the verdict on that row for the statement timeout,
    # and with it the numbering lock: every queue write of every replica waited behind it.
    import time

    from service.settings import Database

    store = Store.open(engines.parse_target(pg_url), Database(statement_timeout_s=60))
    try:
        held, free = store.enqueue([item("held by an operator"), item("free to decide")])
        with psycopg.connect(pg_url.replace("+psycopg", "")) as operator:
            operator.execute("SELECT 1 FROM queue_items WHERE id = %s FOR UPDATE", (held,))
            started = time.monotonic()
            with pytest.raises(StoreUnavailableError, match="lock timeout"):
                store.decide(held, "reject")
            assert time.monotonic() - started < 30  # the lock timeout (2 s), not the statement's 60 s
            assert store.decide(free, "reject").verdict == "reject"
        assert store.decide(held, "reject").verdict == "reject"  # released: decided at once
    finally:
        store.close()
