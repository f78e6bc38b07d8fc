"""Each queued comment's author, on SQLite and PostgreSQL: stored, filtered on, and a reader's
comments erased by name (a GDPR erasure request), batch by batch."""

from __future__ import annotations

from service.storage import Feedback, QueueQuery
from tests.service.storage.store_helpers import count_rows, item


def test_the_author_is_stored_and_filtered_on_exactly(store):
    jane, other, anonymous = store.enqueue(
        [item("you idiot", author="Jane Reader"), item("moron", author="jane reader"), item("clown")]
    )
    assert [store.queue_item(i).author for i in (jane, other, anonymous)] == [
        "Jane Reader",
        "jane reader",
        None,
    ]
    assert [i.id for i in store.list_queue(QueueQuery(author="Jane Reader")).items] == [jane]
    assert store.queue_stats(QueueQuery(author="Jane Reader")).items == 1


def test_a_reader_s_comments_are_erased_by_name_with_their_verdicts_in_batches(store):
    ids = store.enqueue(
        [item(f"idiot {k}", author="Jane Reader") for k in range(5)] + [item("kept", author="Bo")]
    )
    store.decide(ids[0], "reject")  # its feedback row goes with it
    assert (count_rows(store), store.count_feedback()) == ((6, 6), 1)  # (items, flags), verdict rows
    erased = store.erase_author("Jane Reader", batch=2)
    assert erased.to_dict()["queue_items"] == 5 and erased.to_dict()["feedback"] == 1, erased.to_dict()
    assert [i.id for i in store.list_queue(QueueQuery()).items] == [ids[5]]
    assert (count_rows(store), store.count_feedback()) == ((1, 1), 0)
    assert store.erase_author("Jane Reader").rows == 0  # a retried request: nothing left, all counts 0


def test_each_named_author_s_record_counts_their_comments_and_verdicts(store):
    a, b, _, _ = store.enqueue(
        [
            item("idiot", author="Jane"),
            item("moron", author="Jane"),
            item("clown", author="Jane"),
            item("x", author="Bo"),
        ]
    )
    store.decide(a, "reject")
    store.decide(b, "approve")
    records = [r.to_dict() for r in store.authors(["nobody", "Jane", "Bo", "Jane"])]
    assert records == [
        {"author": "Jane", "items": 3, "pending": 1, "approved": 1, "rejected": 1},
        {"author": "Bo", "items": 1, "pending": 1, "approved": 0, "rejected": 0},
    ]


def test_a_reader_s_erasure_reaches_the_feedback_rows_posted_with_their_name(store):
    store.add_feedback_many(
        [
            Feedback("you idiot", "insult", 1, author="Jane Reader"),
            Feedback("you clown", "insult", 1, author="Bo"),
            Feedback("you moron", "insult", 1),
        ]
    )
    erased = store.erase_author("Jane Reader")
    assert erased.to_dict()["feedback"] == 1 and erased.to_dict()["queue_items"] == 0, erased.to_dict()
    assert [f.author for f in store.feedback()] == ["Bo", None]
