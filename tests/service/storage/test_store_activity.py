"""Each moderator's activity (service.storage.activity), read from the verdict events on SQLite and
PostgreSQL: verdicts, undos, and verdicts someone else changed afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.service.storage.store_helpers import item

DAY_AGO = timedelta(days=1)


def counts(store, since):
    return [
        (a.moderator, a.approved, a.rejected, a.undone, a.changed_by_others) for a in store.activity(since)
    ]


def test_each_moderator_s_verdicts_undos_and_verdicts_others_changed(store):
    a, b, c, d = store.enqueue([item(), item("moron"), item("clown"), item("fool")])
    store.decide(a, "reject", by="alice")
    store.decide(a, "approve", revision=1, by="bob")  # bob changes alice's verdict
    store.decide(b, "approve", by="alice")
    store.undo(b, revision=1, by="alice")  # alice takes her own back: nobody else changed it
    store.decide(c, "reject")  # the API token's
    store.decide(d, "reject", by="bob")
    store.decide(d, "approve", revision=1, by="bob")  # bob corrects himself
    assert counts(store, datetime.now(UTC) - DAY_AGO) == [
        ("alice", 1, 1, 1, 1),  # 3 events, as bob's: the names in order, the API token's last
        ("bob", 2, 1, 0, 0),
        (None, 0, 1, 0, 0),
    ]
    last = store.activity(datetime.now(UTC) - DAY_AGO)[0].last_at
    assert last.tzinfo is not None and datetime.now(UTC) - last < timedelta(minutes=5)


def test_only_the_window_s_events_count_and_a_later_change_still_does(store):
    a, b = store.enqueue([item(), item("moron")])
    store.decide(a, "reject", by="alice")  # before the window
    since = datetime.now(UTC)
    store.decide(b, "reject", by="alice")
    store.decide(b, "approve", revision=1, by="carol")  # in the window: carol changes alice's
    store.decide(a, "approve", revision=1, by="carol")  # changes a verdict given before the window
    assert counts(store, since) == [("carol", 2, 0, 0, 0), ("alice", 0, 1, 0, 1)]
    assert counts(store, datetime.now(UTC) + timedelta(seconds=1)) == []


def test_an_erased_item_leaves_no_activity(store):
    (a,) = store.enqueue([item()])
    store.decide(a, "reject", by="alice")
    store.erase_item(a)
    assert store.activity(datetime.now(UTC) - DAY_AGO) == ()
