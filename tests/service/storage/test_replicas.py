"""Several replicas on one PostgreSQL database, as real `moderate serve` processes over real HTTP: what
one writes the other reads, concurrent verdicts resolve first-wins, a replica killed with -9 loses no
acknowledged write, and a database outage costs only the endpoints that need the database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from service.storage import QueueQuery, Store, parse_target
from service.storage import schema as S
from tests.conftest import REPO
from tests.pg import PostgresServer
from training import corpora as C

pytestmark = pytest.mark.slow

TOKEN = "replica-token-for-tests"  # at least MIN_API_TOKEN_CHARS
AUTH = {"Authorization": f"Bearer {TOKEN}"}
THREAD = {
    "article": {
        "id": "budget-1",
        "title": "Council passes the budget",
        "body": "The council voted on the budget.",
    },
    "comments": [
        {"text": "You are a pathetic idiot and a moron"},
        {"text": "The budget vote was closer than expected"},
        {"text": "Shut up, you stupid troll"},
    ],
    "queue": True,
}


class Replica:
    def __init__(self, database_url: str, tmp: Path, name: str) -> None:
        # A socket bound here and passed down (`--fd`): a port found free and let go could be taken by
        # another pytest worker's server before this replica bound it.
        listening = socket.create_server(("127.0.0.1", 0))
        self.port = listening.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        env = os.environ | {
            "MODERATION_API_TOKEN": TOKEN,
            "MODERATION_DATABASE_URL": database_url,
            "MODERATION_DB_PATH": str(tmp / f"{name}-unused.sqlite3"),  # must stay unused
            "MODERATION_LOG_LEVEL": "INFO",
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.log_path = tmp / f"{name}.log"
        # The log a file: an undrained pipe would block the server. The socket: the server's copy only.
        with self.log_path.open("wb") as log, listening:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "serve", "--fd", str(listening.fileno())],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=[listening.fileno()],
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()
            try:
                if httpx.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"replica not ready after {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_replicas(url: str, tmp: Path, n: int) -> list[Replica]:
    replicas = [Replica(url, tmp, f"replica-{i}") for i in range(n)]
    for r in replicas:
        r.wait_ready()
    return replicas


@pytest.fixture(scope="module")
def two_replicas(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Replica, Replica]]:
    """Shared by the tests of this module (each starts ~25 s of model loading): each test queues
    under its own article id and filters on it."""
    tmp_path = tmp_path_factory.mktemp("replicas")
    url = postgres.create_database(f"replicas_{uuid.uuid4().hex[:8]}")
    replicas = start_replicas(url, tmp_path, 2)
    try:
        yield url, replicas[0], replicas[1]
    finally:
        for r in replicas:
            r.stop()
    for r in replicas:
        assert "Traceback" not in r.log(), r.log()
    assert not list(tmp_path.glob("*.sqlite3")), "a replica wrote SQLite instead of PostgreSQL"


def queue(base: str, article_id: str, n_threads: int = 1) -> list[str]:
    ids = []
    for k in range(n_threads):
        # Copy k's comments have ids of their own: the same comment under an article is one item.
        comments = [c | {"id": f"{k}-{i}"} for i, c in enumerate(THREAD["comments"])]
        body = THREAD | {"article": THREAD["article"] | {"id": article_id}, "comments": comments}
        r = httpx.post(base + "/v1/comments:score", json=body, headers=AUTH, timeout=60)
        assert r.status_code == 200, r.text
        ids += [c["queue_id"] for c in r.json()["results"]]
    return ids


def test_what_one_replica_writes_the_other_reads(two_replicas):
    url, a, b = two_replicas
    ids = queue(a.base, "shared-1")
    listed = httpx.get(b.base + "/v1/queue?article=shared-1", headers=AUTH).json()["items"]
    assert sorted(i["id"] for i in listed) == sorted(ids)
    assert {i["article_title"] for i in listed} == {"Council passes the budget"}
    assert all(i["spans"] and i["model_version"] for i in listed)
    top = listed[0]  # riskiest first: an insult
    assert top["flagged_attributes"]
    r = httpx.post(f"{b.base}/v1/queue/{top['id']}:decide", json={"verdict": "reject"}, headers=AUTH)
    assert r.status_code == 200, r.text
    seen = httpx.get(f"{a.base}/v1/queue/{top['id']}", headers=AUTH).json()
    assert (seen["status"], seen["verdict"]) == ("decided", "reject")
    assert [
        i["id"] for i in httpx.get(a.base + "/v1/queue?status=decided", headers=AUTH).json()["items"]
    ] == [top["id"]]
    fb = {"text": "what a clown you are", "attribute": "insult", "label": 1, "article_id": "budget-1"}
    assert httpx.post(a.base + "/v1/feedback", json=fb, headers=AUTH).status_code == 201
    # `moderate train --feedback URL` reads both replicas' verdicts.
    insult = C.load_feedback(url, "insult")
    assert top["text"] in insult.texts and "what a clown you are" in insult.texts
    ready = httpx.get(b.base + "/readyz").json()["database"]
    assert (ready["status"], ready["backend"], ready["schema_version"]) == (
        "ok",
        "postgresql",
        S.SCHEMA_VERSION,
    )


def test_concurrent_verdicts_through_both_replicas_resolve_first_wins(two_replicas):
    url, a, b = two_replicas
    ids = queue(a.base, "race-1", n_threads=8)  # 24 items
    barrier = threading.Barrier(2)

    def decide(base: str, verdict: str, item_id: str) -> tuple[int, str]:
        with httpx.Client(timeout=30) as http:
            barrier.wait()
            r = http.post(f"{base}/v1/queue/{item_id}:decide", json={"verdict": verdict}, headers=AUTH)
            return r.status_code, r.text

    with ThreadPoolExecutor(2) as pool:
        for item_id in ids:
            fa = pool.submit(decide, a.base, "reject", item_id)
            fb = pool.submit(decide, b.base, "approve", item_id)
            (sa, ta), (sb, tb) = fa.result(), fb.result()
            assert sorted((sa, sb)) == [200, 409], (ta, tb)
            winner = "reject" if sa == 200 else "approve"
            loser_text = tb if sa == 200 else ta
            assert f"'{winner}'" in loser_text  # the 409 names the verdict that stands
            item = httpx.get(f"{b.base}/v1/queue/{item_id}", headers=AUTH).json()
            assert item["verdict"] == winner
    store = Store.open(parse_target(url))
    try:
        rows = [f for f in store.feedback() if f.article_id == "race-1"]
        query = QueueQuery(status="decided", article_id="race-1", limit=200)
        items = {i.id: i for i in store.list_queue(query).items}
    finally:
        store.close()
    assert set(items) == set(ids)
    # exactly the winners' feedback: one row per attribute that reached review, labelled by the winner
    expected = sorted(
        (i.id, a_, 1 if i.verdict == "reject" else 0) for i in items.values() for a_ in i.flagged
    )
    assert sorted((f.queue_item_id, f.attribute, f.label) for f in rows) == expected
    assert expected  # some items reached review


def test_concurrent_corrections_through_both_replicas_one_wins_and_its_feedback_alone_stays(two_replicas):
    url, a, b = two_replicas
    ids = queue(a.base, "correct-1", n_threads=4)  # 12 items
    for item_id in ids:
        r = httpx.post(f"{a.base}/v1/queue/{item_id}:decide", json={"verdict": "reject"}, headers=AUTH)
        assert r.status_code == 200 and r.json()["revision"] == 1, r.text
    barrier = threading.Barrier(2)

    def correct(base: str, verdict: str, item_id: str) -> tuple[int, dict]:
        with httpx.Client(timeout=30) as http:
            barrier.wait()
            body = {"verdict": verdict, "attributes": ["insult"], "revision": 1}
            r = http.post(f"{base}/v1/queue/{item_id}:decide", json=body, headers=AUTH)
            return r.status_code, r.json()

    with ThreadPoolExecutor(2) as pool:
        for item_id in ids:
            fa = pool.submit(correct, a.base, "approve", item_id)
            fb = pool.submit(correct, b.base, "reject", item_id)
            (sa, ja), (sb, jb) = fa.result(), fb.result()
            assert sorted((sa, sb)) == [200, 409], (ja, jb)
            won, lost = (ja, jb) if sa == 200 else (jb, ja)
            assert lost["error"]["details"][0]["current"] == won  # the 409 carries the item as it stands
    store = Store.open(parse_target(url))
    try:
        rows = [f for f in store.feedback() if f.article_id == "correct-1"]
        items = {i: store.queue_item(i) for i in ids}
    finally:
        store.close()
    # One row per item, the winning correction's: the first verdict's rows are gone.
    assert sorted((f.queue_item_id, f.attribute, f.label) for f in rows) == sorted(
        (i, "insult", 1 if item.verdict == "reject" else 0) for i, item in items.items()
    )


def test_a_retry_through_the_other_replica_queues_nothing_again_and_a_poller_sees_every_item_once(
    two_replicas,
):
    """Each request is sent to both replicas at the same moment with one Idempotency-Key (a client
    retrying a lost answer through the load balancer) while a poller follows `after` on one of them."""
    _, a, b = two_replicas
    article = THREAD["article"] | {"id": "retry-1"}
    after = httpx.get(b.base + "/v1/queue?limit=1", headers=AUTH).json()["after"]
    barrier = threading.Barrier(2)
    polled: list[str] = []
    writing = threading.Event()
    writing.set()

    def send(base: str, key: str, n: int) -> list[dict]:
        # Round n's comments have ids of their own (the same ids would be the same items anyway).
        comments = [c | {"id": f"{n}-{i}"} for i, c in enumerate(THREAD["comments"])]
        body = THREAD | {"article": article, "comments": comments}
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            r = http.post(base + "/v1/comments:score", json=body, headers=AUTH | {"Idempotency-Key": key})
            assert r.status_code == 200, r.text
            return list(r.json()["results"])

    def poll() -> None:
        nonlocal after
        with httpx.Client(timeout=60) as http:
            while True:
                last = not writing.is_set()  # one more poll after the last write was answered
                page = http.get(f"{b.base}/v1/queue?article=retry-1&limit=2&after={after}", headers=AUTH)
                assert page.status_code == 200, page.text
                polled.extend(i["id"] for i in page.json()["items"])
                after = page.json()["after"]
                if last and not page.json()["items"]:
                    return

    queued: list[str] = []
    with ThreadPoolExecutor(3) as pool:
        poller = pool.submit(poll)
        for n in range(8):
            key = f"retry-{n}-{uuid.uuid4().hex}"
            answer_a, answer_b = pool.submit(send, a.base, key, n), pool.submit(send, b.base, key, n)
            results_a, results_b = answer_a.result(), answer_b.result()
            # One replica stored the comments, the other found them and answers them as stored.
            before = sorted(
                [[r.pop("queued_before") for r in results_a], [r.pop("queued_before") for r in results_b]]
            )
            assert before == [[False] * 3, [True] * 3]
            assert results_a == results_b
            queued += [r["queue_id"] for r in results_a]
        writing.clear()
        poller.result()
    assert len(set(queued)) == 24
    listed = httpx.get(a.base + "/v1/queue?article=retry-1&limit=200", headers=AUTH).json()["items"]
    assert sorted(i["id"] for i in listed) == sorted(queued)  # no second copy
    assert sorted(polled) == sorted(queued)  # each polled once, none skipped


def test_a_replica_killed_mid_stream_loses_no_acknowledged_write(two_replicas, tmp_path):
    url, _, b = two_replicas
    (a,) = start_replicas(url, tmp_path, 1)  # the victim: a third replica on the same database
    acked: list[str] = []
    outcomes = {"failed": 0}
    stop = threading.Event()

    def writer(base: str, tag: str) -> None:
        with httpx.Client(timeout=10) as http:
            for n in range(100_000):
                if stop.is_set():
                    return
                text = f"verdict {tag}-{n} you idiot"
                try:
                    body = {"text": text, "attribute": "insult", "label": 1, "article_id": "kill-1"}
                    r = http.post(base + "/v1/feedback", json=body, headers=AUTH)
                except httpx.TransportError:
                    outcomes["failed"] += 1  # no answer: the write may or may not have landed
                    if tag == "a":
                        return  # its replica is dead
                    continue
                if r.status_code == 201:
                    acked.append(text)

    threads = [
        threading.Thread(target=writer, args=(a.base, "a")),
        threading.Thread(target=writer, args=(b.base, "b")),
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while sum(x.startswith("verdict a-") for x in list(acked)) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(a.proc.pid, signal.SIGKILL)  # mid-stream: replica a's writer has a request in flight
    a.proc.wait(timeout=10)
    acked_a = sum(x.startswith("verdict a-") for x in list(acked))
    time.sleep(1.0)  # replica b keeps taking writes after a died
    stop.set()
    for t in threads:
        t.join(timeout=30)
    store = Store.open(parse_target(url))
    stored = {f.text for f in store.feedback("insult") if f.article_id == "kill-1"}
    store.close()
    missing = [t for t in acked if t not in stored]
    assert acked_a >= 150
    assert sum(x.startswith("verdict b-") for x in acked) > acked_a  # b went on after a died
    assert missing == [], f"{len(missing)} acknowledged writes lost"
    assert len(stored) - len(acked) <= outcomes["failed"]  # unacknowledged writes: at most those cut off


def test_one_idempotency_key_sent_to_both_replicas_at_once_is_one_write(two_replicas):
    """A client retrying a lost verdict through the load balancer while its first attempt still runs:
    each keyed verdict and feedback goes to both replicas at the same moment. One replica writes; the
    other waits on the key (the unique index) and replays that answer. Without the key: a 200 and a
    409 naming the client's own verdict, and two feedback rows."""
    url, a, b = two_replicas
    ids = queue(a.base, "idem-1", n_threads=4)  # 12 items
    barrier = threading.Barrier(2)

    def post(base: str, path: str, body: dict, key: str) -> tuple[int, bytes, str | None]:
        with httpx.Client(timeout=30) as http:
            barrier.wait()
            r = http.post(base + path, json=body, headers=AUTH | {"Idempotency-Key": key})
            return r.status_code, r.content, r.headers.get("idempotent-replayed")

    def both(path: str, body: dict, status: int) -> None:
        key = f"idem-{uuid.uuid4()}"
        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(post, base, path, body, key) for base in (a.base, b.base)]
            (sa, ba, ra), (sb, bb, rb) = (f.result() for f in futures)
        assert (sa, sb) == (status, status), (ba, bb)
        assert ba == bb and sorted([str(ra), str(rb)]) == ["None", "true"]

    for n, item_id in enumerate(ids):
        both(f"/v1/queue/{item_id}:decide", {"verdict": "reject"}, 200)
        fb = {"text": f"keyed feedback {n}", "attribute": "insult", "label": 1, "article_id": "idem-1"}
        both("/v1/feedback", fb, 201)
    store = Store.open(parse_target(url))
    try:
        rows = [(f.queue_item_id, f.attribute, f.text) for f in store.feedback() if f.article_id == "idem-1"]
        items = [store.queue_item(i) for i in ids]
    finally:
        store.close()
    expected = [(i.id, attribute, i.text) for i in items for attribute in i.flagged]
    expected += [(None, "insult", f"keyed feedback {n}") for n in range(len(ids))]
    assert expected and sorted(rows, key=str) == sorted(expected, key=str)  # once each, none twice
    assert all(i.revision == 1 for i in items)


def test_writes_retried_with_their_keys_after_a_replica_died_are_stored_once_each(two_replicas, tmp_path):
    """Keyed feedback through a third replica, killed with -9 mid-stream; the writer retries its request
    in flight (and any whose answer it never got) through replica b with the same key. Every write is
    stored exactly once, whether the dead replica had committed it (then b replays its answer) or not."""
    url, _, b = two_replicas
    (a,) = start_replicas(url, tmp_path, 1)
    sent: list[str] = []
    replayed: list[str] = []
    done = threading.Event()

    def body(n: int) -> dict:
        return {
            "text": f"keyed verdict {n} you idiot",
            "attribute": "insult",
            "label": 1,
            "article_id": "kill-2",
        }

    def writer() -> None:
        with httpx.Client(timeout=10) as http:
            for n in range(100_000):
                sent.append(body(n)["text"])
                key = {"Idempotency-Key": f"kill-2-{n}"}
                try:
                    r = http.post(a.base + "/v1/feedback", json=body(n), headers=AUTH | key)
                    assert r.status_code == 201, r.text
                except httpx.TransportError:  # its replica died: retry through the other
                    r = http.post(b.base + "/v1/feedback", json=body(n), headers=AUTH | key)
                    assert r.status_code == 201, r.text
                    if r.headers.get("idempotent-replayed") == "true":
                        replayed.append(body(n)["text"])
                    done.set()
                    return

    thread = threading.Thread(target=writer)
    thread.start()
    deadline = time.monotonic() + 60
    while len(sent) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(a.proc.pid, signal.SIGKILL)  # mid-stream: the writer has a request in flight
    a.proc.wait(timeout=10)
    thread.join(timeout=60)
    assert done.is_set() and len(sent) >= 150
    store = Store.open(parse_target(url))
    try:
        stored = [f.text for f in store.feedback("insult") if f.article_id == "kill-2"]
    finally:
        store.close()
    assert sorted(stored) == sorted(sent)  # each exactly once: none lost, none doubled
    assert set(replayed) <= {sent[-1]}


def test_a_database_outage_costs_only_the_database_endpoints_and_heals(tmp_path):
    server = PostgresServer()  # its own server: this test stops it
    replica = None
    try:
        url = server.create_database("outage")
        (replica,) = start_replicas(url, tmp_path, 1)
        base = replica.base
        fb = {"text": "you absolute clown", "attribute": "insult", "label": 1}
        assert httpx.post(base + "/v1/feedback", json=fb, headers=AUTH).status_code == 201

        server.stop()
        score = httpx.post(base + "/v1/comments:score", json=THREAD | {"queue": False}, timeout=30)
        assert score.status_code == 200, score.text
        for r in (
            httpx.post(base + "/v1/feedback", json=fb, headers=AUTH, timeout=30),
            httpx.get(base + "/v1/queue", headers=AUTH, timeout=30),
            httpx.post(base + "/v1/comments:score", json=THREAD, headers=AUTH, timeout=30),
        ):
            assert r.status_code == 503, r.text
            error = r.json()["error"]
            assert (error["code"], error["status"], error["reason"]) == (
                503,
                "UNAVAILABLE",
                "store_unavailable",
            )
            assert "postgresql" in error["message"]
        ready = httpx.get(base + "/readyz", timeout=30)
        assert ready.status_code == 200  # still serving scores: the load balancer keeps it
        assert ready.json()["database"]["status"] == "unavailable"

        server.start()  # same port, same data; the replica is NOT restarted
        deadline = time.monotonic() + 20
        while (r := httpx.post(base + "/v1/feedback", json=fb, headers=AUTH, timeout=30)).status_code != 201:
            assert r.status_code == 503 and time.monotonic() < deadline, r.text
            time.sleep(0.2)
        assert queue(base, "outage-1")
        assert httpx.get(base + "/readyz").json()["database"]["status"] == "ok"
        store = Store.open(parse_target(url))
        assert [f.text for f in store.feedback("insult")] == ["you absolute clown"] * 2
        store.close()
    finally:
        if replica is not None:
            replica.stop()
        server.close()
    assert "Traceback" not in replica.log(), replica.log()
