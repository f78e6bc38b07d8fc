"""Idempotency keys of moderators' writes (Store.add_feedback_once, decide_once, undo_once) on SQLite and
on a real PostgreSQL server: a retry replays the stored answer and writes nothing, another request under
the key is refused, a refused write stores no key, keys expire and are pruned a few at a time, and two
replicas' engines sending one key at once make one write."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from core.errors import ConflictError, KeyReuseError, NotFoundError
from service.settings import Database
from service.storage import Answer, Feedback, Keyed, KeyedRequest, QueueItem, Store, Target
from service.storage import idempotency as idem
from service.storage import schema as S
from tests.service.storage.store_helpers import item
from tests.service.storage.test_store_concurrency import Gate, opened

VERDICT = {"verdict": "reject", "attributes": None, "revision": None}


def decided(key: str, item_id: str, body: dict = VERDICT) -> Keyed[QueueItem]:
    request = KeyedRequest.of(key, "POST /v1/queue/{id}:decide", item_id, body)
    return Keyed(request, lambda i: Answer(200, json.dumps(i.to_dict()).encode()))


def stored_feedback(key: str, body: dict) -> Keyed[int]:
    return Keyed(
        KeyedRequest.of(key, "POST /v1/feedback", None, body),
        lambda row_id: Answer(201, b'{"id":%d}' % row_id),
    )


def keys(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(S.idempotency_keys)) or 0)


def test_a_retried_verdict_replays_its_answer_and_writes_nothing(store):
    (item_id,) = store.enqueue([item("you idiot")])
    first = store.decide_once(decided("k-1", item_id), item_id, "reject")
    again = store.decide_once(decided("k-1", item_id), item_id, "reject")
    assert (first.status, first.replayed, again.replayed) == (200, False, True)
    assert again.body == first.body and json.loads(first.body)["revision"] == 1
    assert store.queue_item(item_id).revision == 1
    assert [(f.text, f.label) for f in store.feedback()] == [("you idiot", 1)]  # one row, not two
    with pytest.raises(ConflictError, match="already decided"):  # without the key: as before
        store.decide(item_id, "reject")


def test_a_retried_feedback_writes_one_row(store):
    verdict = Feedback("you idiot", "insult", 1)
    body = {"text": "you idiot", "attribute": "insult", "label": 1}
    answers = [store.add_feedback_once(stored_feedback("fb-1", body), verdict) for _ in range(3)]
    assert [a.replayed for a in answers] == [False, True, True]
    assert {a.body for a in answers} == {answers[0].body} and answers[0].status == 201
    assert store.count_feedback() == 1


def test_a_retried_undo_replays_its_answer(store):
    (item_id,) = store.enqueue([item()])
    store.decide(item_id, "reject")
    undo = Keyed(
        KeyedRequest.of("u-1", "POST /v1/queue/{id}:undo", item_id, {"revision": 1}), decided("", "").render
    )
    first, again = (store.undo_once(undo, item_id, 1) for _ in range(2))
    assert (again.replayed, again.body) == (True, first.body)
    assert store.queue_item(item_id).revision == 2


@pytest.mark.parametrize(
    ("other", "says"),
    [
        (
            {"route": "POST /v1/queue/{id}:undo"},
            "with POST /v1/queue/{id}:decide, not POST /v1/queue/{id}:undo",
        ),
        ({"target": "another-item"}, "for queue item ITEM, not another-item"),
        ({"body": VERDICT | {"verdict": "approve"}}, "to POST /v1/queue/{id}:decide with a different body"),
    ],
)
def test_the_same_key_for_another_request_is_refused_naming_the_difference(store, other, says):
    (item_id,) = store.enqueue([item()])
    store.decide_once(decided("k-2", item_id), item_id, "reject")
    route, target, body = (
        other.get("route", "POST /v1/queue/{id}:decide"),
        other.get("target", item_id),
        other.get("body", VERDICT),
    )
    keyed = Keyed(KeyedRequest.of("k-2", route, target, body), decided("", "").render)
    with pytest.raises(KeyReuseError, match="a new request needs a new key") as refused:
        store.decide_once(keyed, item_id, "approve")
    assert says.replace("ITEM", item_id) in str(refused.value)
    assert store.queue_item(item_id).verdict == "reject"


def test_a_refused_write_stores_no_key_and_its_retry_is_evaluated_again(store):
    (item_id,) = store.enqueue([item()])
    with pytest.raises(NotFoundError):
        store.decide_once(decided("k-3", "no-such-item"), "no-such-item", "reject")
    store.decide(item_id, "approve")
    with pytest.raises(ConflictError):  # decided already: a 409, not stored
        store.decide_once(decided("k-4", item_id), item_id, "reject")
    assert keys(store) == 0
    corrected = store.decide_once(
        decided("k-4", item_id, VERDICT | {"revision": 1}), item_id, "reject", revision=1
    )
    assert (corrected.replayed, json.loads(corrected.body)["verdict"]) == (False, "reject")


def _age(store: Store, hours: float) -> None:
    t = S.idempotency_keys
    with store.engine.begin() as conn:
        for key, created in conn.execute(select(t.c.key, t.c.created_at)).all():
            conn.execute(update(t).where(t.c.key == key).values(created_at=created - timedelta(hours=hours)))


def test_an_expired_key_is_a_new_request(target):
    store = Store.open(target, Database(idempotency_ttl_s=3600))
    try:
        body = {"text": "you idiot", "attribute": "insult", "label": 1}
        store.add_feedback_once(stored_feedback("old", body), Feedback("you idiot", "insult", 1))
        _age(store, 0.5)
        assert store.add_feedback_once(
            stored_feedback("old", body), Feedback("you idiot", "insult", 1)
        ).replayed
        _age(store, 1)  # 1.5 h old: past the hour
        again = store.add_feedback_once(
            stored_feedback("old", body | {"label": 0}), Feedback("you idiot", "insult", 0)
        )
        assert not again.replayed and store.count_feedback() == 2
    finally:
        store.close()


def test_expired_keys_are_pruned_a_few_per_keyed_write_oldest_first(store):
    body = {"text": "t", "attribute": "insult", "label": 1}
    n = idem.PRUNE_PER_WRITE + 4
    for i in range(n):
        store.add_feedback_once(stored_feedback(f"old-{i:02d}", body), Feedback("t", "insult", 1))
    _age(store, 48)  # two days old: past the default 24 h
    store.add_feedback_once(stored_feedback("new-1", body), Feedback("t", "insult", 1))
    with store.engine.connect() as conn:
        left = sorted(conn.scalars(select(S.idempotency_keys.c.key)))
    assert left == ["new-1"] + [f"old-{i:02d}" for i in range(idem.PRUNE_PER_WRITE, n)]
    store.add_feedback_once(stored_feedback("new-2", body), Feedback("t", "insult", 1))
    assert keys(store) == 2


def test_two_stores_sending_one_key_at_once_make_one_write(store, target, postgres_waits):
    """Two replicas' engines on one database. The first holds its transaction open at COMMIT (its
    verdict written, its key claimed); the second sends the same keyed verdict meanwhile. On
    PostgreSQL it waits on the first's key (the unique index), then replays its answer; a
    check-then-write would have found nothing committed and answered 409 naming its own verdict."""
    other = Store.open(target)
    (item_id,) = store.enqueue([item()])
    gate = Gate("first")
    event.listen(store.engine, "commit", gate.hold)  # its verdict written, its key claimed
    answers: dict[str, Answer] = {}

    def run(name: str, s: Store) -> None:
        answers[name] = s.decide_once(decided("race-1", item_id), item_id, "reject")

    first = threading.Thread(target=run, args=("first", store), name="first")
    second = threading.Thread(target=run, args=("second", other), name="second")
    try:
        with opened(gate, first, second):
            first.start()
            assert gate.reached.wait(30)
            second.start()
            postgres_waits(target, second)  # PostgreSQL: until the second waits on the first's key
    finally:
        event.remove(store.engine, "commit", gate.hold)
        other.close()
    assert (answers["first"].replayed, answers["second"].replayed) == (False, True)
    assert answers["first"].body == answers["second"].body
    assert len(store.feedback()) == 1 and store.queue_item(item_id).revision == 1


def test_many_threads_on_two_stores_sending_one_key_make_one_write(store, target: Target):
    """Eight threads over two engines send each of ten keyed feedback writes at once."""
    from concurrent.futures import ThreadPoolExecutor

    other = Store.open(target)
    body = {"text": "you idiot", "attribute": "insult", "label": 1}
    barrier = threading.Barrier(8)

    def send(n: int) -> list[Answer]:
        s = store if n % 2 else other
        out = []
        for k in range(10):
            if k == 0:
                barrier.wait(30)
            out.append(
                s.add_feedback_once(stored_feedback(f"many-{k}", body), Feedback("you idiot", "insult", 1))
            )
        return out

    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(send, range(8)))
    finally:
        other.close()
    for k in range(10):
        answers = [r[k] for r in results]
        assert sum(not a.replayed for a in answers) == 1
        assert len({a.body for a in answers}) == 1
    assert store.count_feedback() == 10
