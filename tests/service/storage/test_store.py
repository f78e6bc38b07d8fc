"""The storage interface on SQLite and on a real PostgreSQL server: feedback, the review queue's
filters and pagination, verdicts, corrections and undos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from core.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    StoreUnavailableError,
)
from service.storage import Feedback, QueueQuery
from service.storage.store import decode_cursor, encode_cursor
from tests.service.storage.store_helpers import LONG_ARTICLE_ID, count_rows, item


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


def test_a_verdict_names_its_moderator_until_corrected_or_undone(store):
    (item_id,) = store.enqueue([item()])
    assert store.decide(item_id, "reject", by="alice").decided_by == "alice"
    assert store.queue_item(item_id).decided_by == "alice"
    with pytest.raises(ConflictError, match="already decided: verdict 'reject' by alice at ") as e:
        store.decide(item_id, "approve", by="bob")
    assert e.value.current is not None and e.value.current["decided_by"] == "alice"
    corrected = store.decide(item_id, "approve", revision=1, by="bob")
    assert corrected.decided_by == "bob" == store.queue_item(item_id).decided_by
    assert store.decide(item_id, "reject", revision=2).decided_by is None  # the API token's: no name
    assert store.queue_item(item_id).decided_by is None
    store.decide(item_id, "approve", revision=3, by="alice")
    assert store.undo(item_id, revision=4).decided_by is None
    assert store.queue_item(item_id).decided_by is None


def test_every_verdict_given_corrected_or_undone_is_kept_in_the_item_s_history(store):
    (item_id, other) = store.enqueue([item(), item("moron")])
    assert store.history(item_id) == ()
    store.decide(item_id, "reject", by="alice")
    store.decide(item_id, "approve", [], revision=1, by="bob")
    store.undo(item_id, revision=2, by="alice")
    store.decide(item_id, "reject", ["insult"], revision=3)  # a pending item decided with its revision
    store.decide(other, "approve", by="bob")
    events = store.history(item_id)
    assert [(e.revision, e.action, e.verdict, e.attributes, e.moderator) for e in events] == [
        (1, "decide", "reject", ("insult",), "alice"),
        (2, "correct", "approve", (), "bob"),
        (3, "undo", None, None, "alice"),
        (4, "decide", "reject", ("insult",), None),
    ]
    assert all(e.at.tzinfo is not None for e in events)
    assert [e.at for e in events] == sorted(e.at for e in events)
    with pytest.raises(ConflictError):  # a lost race writes no event
        store.decide(item_id, "approve", by="bob")
    assert len(store.history(item_id)) == 4 and len(store.history(other)) == 1
    store.erase_item(item_id)
    with pytest.raises(NotFoundError):
        store.history(item_id)


def test_the_queue_filters_on_who_gave_the_standing_verdict(store):
    ids = store.enqueue([item(f"comment {i}") for i in range(4)])
    store.decide(ids[0], "reject", by="alice")
    store.decide(ids[1], "approve", by="bob")
    store.decide(ids[2], "reject", by="alice")
    store.decide(ids[2], "approve", revision=1, by="bob")  # corrected: bob's verdict stands
    listed = store.list_queue(QueueQuery(decided_by="alice", limit=10)).items
    assert [i.id for i in listed] == [ids[0]]
    assert store.queue_stats(QueueQuery(decided_by="bob")).items == 2
    assert store.list_queue(QueueQuery(decided_by="carol")).items == ()


@pytest.mark.parametrize(("verdict", "attributes"), [("maybe", ()), ("reject", ("Bad Name",))])
def test_bad_verdicts_are_refused_and_change_nothing(store, verdict, attributes):
    (item_id,) = store.enqueue([item()])
    with pytest.raises(InputError):
        store.decide(item_id, verdict, attributes)
    assert store.queue_item(item_id).status == "pending"


def test_unknown_item_is_not_found(store):
    with pytest.raises(NotFoundError):
        store.decide("f" * 32, "approve")


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


def test_the_raw_tables_hold_what_training_reads(store):
    (item_id,) = store.enqueue([item()])
    store.decide(item_id, "reject")
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT text, label, article_id FROM feedback WHERE attribute = 'insult'")
        ).all()
    assert [tuple(r) for r in rows] == [("you idiot", 1, "a-1")]


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


@pytest.mark.parametrize("how", ["moved", "deleted"])
def test_an_sqlite_file_moved_or_deleted_under_the_service_refuses_writes_instead_of_losing_them(
    tmp_path, how
):
    # The pool's connections kept writing to the file they had opened: after an admin moved or deleted
    # it (a backup by `mv`, an `rm` to reset the queue), every verdict was acknowledged, /readyz said
    # ok, and the next start opened a new empty file at the path: the verdicts were gone from it.
    from service.storage import Store, Target

    path = tmp_path / "store.sqlite3"
    store = Store.open(Target(path=path))
    try:
        store.add_feedback(Feedback(text="before", attribute="insult", label=1))
        if how == "moved":
            for f in tmp_path.glob("store.sqlite3*"):
                f.rename(tmp_path / ("elsewhere" + f.name.removeprefix("store")))
        else:
            for f in tmp_path.glob("store.sqlite3*"):
                f.unlink()
        with pytest.raises(StoreUnavailableError, match=f"{path}.*moved, replaced or deleted"):
            store.add_feedback(Feedback(text="after", attribute="insult", label=1))
        with pytest.raises(StoreUnavailableError, match="moved, replaced or deleted"):
            store.ping()  # /readyz says so too
    finally:
        store.close()
    reopened = Store.open(Target(path=tmp_path / "elsewhere.sqlite3")) if how == "moved" else None
    if reopened is not None:
        try:
            assert [f.text for f in reopened.feedback()] == ["before"]
        finally:
            reopened.close()


def test_a_commit_the_database_does_not_confirm_is_not_called_nothing_stored(store, monkeypatch):
    # A COMMIT applied whose answer was lost (the connection dropped on the way back) was a 503 saying
    # "nothing was stored, retry": the retry queued the comments twice, or its verdict met a 409.
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    def lost(conn) -> None:
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    event.listen(store.engine, "commit", lost)
    try:
        with pytest.raises(StoreUnavailableError) as unconfirmed:
            store.add_feedback(Feedback("you idiot", "insult", 1))
    finally:
        event.remove(store.engine, "commit", lost)
    assert "did not confirm the commit, so it may be stored" in str(unconfirmed.value)
    assert "nothing was stored" not in str(unconfirmed.value)

    def refused(*_args) -> None:  # a statement before the COMMIT fails: that is all or nothing
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    event.listen(store.engine, "before_cursor_execute", refused)
    try:
        with pytest.raises(StoreUnavailableError, match="database is locked; nothing was stored, retry"):
            store.add_feedback(Feedback("you idiot", "insult", 1))
    finally:
        event.remove(store.engine, "before_cursor_execute", refused)


def test_a_sqlite_write_ahead_log_deleted_while_serving_refuses_writes(tmp_path):
    # `rm store.sqlite3-wal` while serving: writes were acknowledged (201), written to the unlinked log,
    # and gone from the file after a restart.
    from pathlib import Path

    from service.storage import Store, Target

    path = tmp_path / "store.sqlite3"
    store = Store.open(Target(path=path))
    try:
        store.add_feedback(Feedback("you idiot", "insult", 1))
        Path(f"{path}-wal").unlink()
        with pytest.raises(StoreUnavailableError, match=r"write-ahead log .* was deleted"):
            store.add_feedback(Feedback("you moron", "insult", 1))
        store.engine.dispose()  # every connection closed (as at a restart): the log is made again
        store.add_feedback(Feedback("you clown", "insult", 1))
    finally:
        store.close()
