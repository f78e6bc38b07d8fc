"""`moderate train --feedback` reading the verdicts that replicas share in PostgreSQL (and the same rows
from SQLite): the manifest records what was read, without the database password."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import TrainingDataError
from service.cli import main as moderate
from service.storage import Feedback, NewQueueItem, Store, parse_target
from service.storage.engine import Target
from tests.helpers import refused_port
from tests.training.test_train import _small_trainer
from training import corpora as C
from training import train

VERDICTS = [
    Feedback("zorblax wrote this, you zorblax", "insult", 1, "a-1"),
    Feedback("the zorblax report was fair", "insult", 0),
    Feedback("buy cheap shoes", "off_topic", 1),
]


def _fill(target: Target) -> None:
    store = Store.open(target)
    try:
        store.add_feedback_many(VERDICTS)
        (item_id,) = store.enqueue(
            [
                NewQueueItem(
                    text="you zorblax",
                    scores={"insult": 0.7},
                    spans={},
                    decision="review",
                    reasons=[],
                    model_version="m",
                    flagged=["insult"],
                )
            ]
        )
        store.decide(item_id, "reject")  # a queue verdict: one more insult row, label 1
    finally:
        store.close()


def test_postgres_and_sqlite_give_the_same_rows_and_hash(pg_url: str, tmp_path: Path) -> None:
    _fill(parse_target(pg_url))
    _fill(Target(path=tmp_path / "fb.sqlite3"))
    from_pg = C.load_feedback(pg_url, "insult")
    from_sqlite = C.load_feedback(tmp_path / "fb.sqlite3", "insult")
    assert from_pg.texts == from_sqlite.texts == (
        "zorblax wrote this, you zorblax", "the zorblax report was fair", "you zorblax",
    )  # fmt: skip
    assert from_pg.labels == (1, 0, 1)
    assert from_pg.files[0].sha256 == from_sqlite.files[0].sha256
    assert from_pg.files[0].rows == 3
    assert C.load_feedback(f"sqlite:///{tmp_path / 'fb.sqlite3'}", "insult").texts == from_sqlite.texts


def test_the_manifest_records_the_database_without_its_password(
    pg_url: str, tmp_path: Path, kaggle_600: C.Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(parse_target(pg_url))
    with_password = pg_url.replace("postgres@", "postgres:s3cret-pw@")  # trust auth ignores it
    monkeypatch.setitem(train.TRAINERS, "insult", _small_trainer(kaggle_600))
    out = tmp_path / "m"
    argv = ["train", "--data-dir", str(tmp_path), "--out", str(out), "--attribute", "insult"]
    assert moderate([*argv, "--feedback", with_password]) == 0
    text = (out / "manifest.json").read_text()
    assert "s3cret-pw" not in text
    sources = {s["name"]: s for s in json.loads(text)["attributes"]["insult"]["training_data"]}
    fb = sources["feedback/insult"]
    assert fb["rows_used"] == 3
    assert fb["files"][0]["path"].startswith("postgresql://postgres:***@/")  # (the server's socket: host=)
    assert fb["files"][0]["rows"] == 3


def test_an_unreachable_database_is_a_training_error() -> None:
    with refused_port() as port, pytest.raises(TrainingDataError, match="cannot read table feedback"):
        C.load_feedback(f"postgresql://postgres@127.0.0.1:{port}/nothing", "insult")


def test_a_database_without_the_table_is_a_training_error(pg_url: str) -> None:
    with pytest.raises(TrainingDataError, match="cannot read table feedback"):
        C.load_feedback(pg_url, "insult")


@pytest.fixture(scope="module")
def kaggle_600(data_dir: Path) -> C.Corpus:
    return C.load_kaggle(data_dir / C.KAGGLE_DIR / "train.csv").subset(list(range(600)), "kaggle-600")


# A German thread: "Idiot!" alone is undetermined, so the service judges it in the thread's language.
GERMAN_THREAD = {
    "article": {"id": "de1"},
    "comments": [
        {"text": "Du bist ein kompletter Vollidiot, halt einfach die Klappe."},
        {"text": "Der Haushalt ist solide geplant, finde ich gut."},
        {"text": "Idiot!"},
    ],
    "queue": True,
}


def test_a_queue_verdict_trains_the_model_of_the_language_the_comment_was_judged_in(tmp_path: Path) -> None:
    # The verdict on "Idiot!" (scored by the German model) was routed by the detector alone, which
    # cannot place it: it trained the English head instead.
    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.settings import DEFAULT_MODEL_DIR, Settings
    from training.languages import split_feedback

    settings = Settings(
        api_token="t" * 16,
        db_path=tmp_path / "fb.sqlite3",
        model_dir=DEFAULT_MODEL_DIR,
        versions_dir=tmp_path / "v",
    )
    auth = {"Authorization": "Bearer " + "t" * 16}
    with TestClient(create_app(settings)) as client:
        r = client.post("/v1/comments:score", json=GERMAN_THREAD, headers=auth)
        assert r.status_code == 200, r.text
        idiot = r.json()["results"][2]
        assert (idiot["language"], idiot["judged_language"]) == ("und", "de")
        r = client.post(f"/v1/queue/{idiot['queue_id']}:decide", json={"verdict": "approve"}, headers=auth)
        assert r.status_code == 200, r.text
        assert r.json()["judged_language"] == "de"
        assert "insult" in r.json()["verdict_attributes"]
    english, languages = split_feedback(C.load_feedback(tmp_path / "fb.sqlite3", "insult"))
    assert english.texts == ()
    assert languages["de"].name == "feedback/insult/de"
    assert (languages["de"].texts, languages["de"].labels) == (("Idiot!",), (0,))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_verdicts_route_by_their_judged_language_and_older_rows_by_detection(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from training.languages import split_feedback

    source: Path | str = tmp_path / "fb.sqlite3" if backend == "sqlite" else request.getfixturevalue("pg_url")
    store = Store.open(parse_target(source))
    try:
        store.add_feedback_many(
            [
                Feedback("Idiot!", "insult", 1, judged_language="de"),
                Feedback("Quel idiot, celui-là, vraiment nul", "insult", 1),  # no language: detected (fr)
                Feedback("what an idiot", "insult", 1, judged_language="en"),
            ]
        )
    finally:
        store.close()
    english, languages = split_feedback(C.load_feedback(source, "insult"))
    assert english.texts == ("what an idiot",)
    assert {k: v.texts for k, v in languages.items()} == {
        "de": ("Idiot!",), "fr": ("Quel idiot, celui-là, vraiment nul",),
    }  # fmt: skip


def test_a_feedback_database_of_schema_version_5_is_still_read(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "v5.sqlite3"
    with sqlite3.connect(path) as con:  # feedback as schema version 5 made it: no judged_language
        con.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY, text TEXT NOT NULL, attribute TEXT NOT NULL, "
            "label INTEGER NOT NULL, article_id TEXT, created_at TEXT NOT NULL, queue_item_id TEXT)"
        )
        con.execute("INSERT INTO feedback VALUES (1, 'you zorblax', 'insult', 1, NULL, 'then', NULL)")
    corpus = C.load_feedback(path, "insult")
    assert (corpus.texts, corpus.labels, corpus.languages) == (("you zorblax",), (1,), ())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_training_reads_only_the_latest_verdict_of_a_corrected_or_undone_item(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    source: Path | str = tmp_path / "fb.sqlite3" if backend == "sqlite" else request.getfixturevalue("pg_url")
    store = Store.open(parse_target(source))
    flagged = {"scores": {"insult": 0.7, "spam": 0.6}, "spans": {}, "decision": "review", "reasons": []}
    try:
        mis_click, undone = store.enqueue(
            [
                NewQueueItem(text="you zorblax", model_version="m", flagged=["insult", "spam"], **flagged),
                NewQueueItem(text="zorblax again", model_version="m", flagged=["insult"], **flagged),
            ]
        )
        store.decide(mis_click, "reject")  # meant: approve, and not about spam
        store.decide(mis_click, "approve", ["insult"], revision=1)
        store.decide(undone, "reject")
        store.undo(undone, revision=1)
    finally:
        store.close()
    insult = C.load_feedback(source, "insult")
    assert (insult.texts, insult.labels, insult.excluded) == (("you zorblax",), (0,), {})
    assert len(C.load_feedback(source, "spam")) == 0


def test_one_text_judged_in_two_languages_keeps_each_languages_verdict(tmp_path: Path) -> None:
    # The latest verdict per text won across languages: "Idiot!" rejected in a German thread and later
    # approved in an English one left only the English approval, and the German model lost its verdict.
    from training.languages import split_feedback

    store = Store.open(parse_target(tmp_path / "fb.sqlite3"))
    try:
        store.add_feedback_many(
            [
                Feedback("Idiot!", "insult", 1, judged_language="de"),
                Feedback("Idiot!", "insult", 0, judged_language="en"),
                Feedback("idiot! ", "insult", 1, judged_language="en"),  # the same text as read: corrects
            ]
        )
    finally:
        store.close()
    english, languages = split_feedback(C.load_feedback(tmp_path / "fb.sqlite3", "insult"))
    assert (english.texts, english.labels) == (("idiot! ",), (1,))
    assert (languages["de"].texts, languages["de"].labels) == (("Idiot!",), (1,))


class _Stop(Exception):
    pass


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_verdicts_on_an_attribute_no_longer_trained_are_reported_not_dropped_silently(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A queue item scored by an older model version takes a verdict on an attribute the model no
    # longer ships (docs/queue.md: "training decides whether the attribute still exists"); training
    # read every trained attribute's rows and said nothing of these, as if they had never been given.
    source: Path | str = tmp_path / "fb.sqlite3" if backend == "sqlite" else request.getfixturevalue("pg_url")
    store = Store.open(parse_target(source))
    try:
        store.add_feedback_many([*VERDICTS, Feedback("i will find you", "threat", 1)])
        (item_id,) = store.enqueue(
            [
                NewQueueItem(
                    text="you will regret this",
                    scores={"insult": 0.3, "threat": 0.9},
                    spans={},
                    decision="review",
                    reasons=[],
                    model_version="an-older-version",
                    flagged=["threat"],
                )
            ]
        )
        store.decide(item_id, "reject")
    finally:
        store.close()

    def stop(*args: object, **kwargs: object) -> None:
        raise _Stop

    if isinstance(source, str):  # the line names the database, never its password (trust auth ignores it)
        source = source.replace("postgres@", "postgres:s3cret-pw@")
    # Only the reporting before training: one trainer for the attributes this code trains.
    monkeypatch.setattr(train, "TRAINERS", {"insult": stop, "off_topic": stop})
    lines: list[str] = []
    with pytest.raises(_Stop):
        train.train_artifact(
            train.TrainingRequest(tmp_path, feedback=source), tmp_path / "out", progress=lines.append
        )
    unused = [line for line in lines if "NOT USED" in line]
    assert len(unused) == 1, lines
    assert "2 threat verdicts" in unused[0]
    assert "no attribute of that name is trained" in unused[0]
    assert "s3cret-pw" not in unused[0]
