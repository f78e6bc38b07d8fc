"""Corpus loaders on the real corpora and on small, deliberately broken files."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from core.errors import TrainingDataError
from training import corpora as C


@pytest.fixture(scope="module")
def kaggle_train(data_dir: Path) -> C.Corpus:
    return C.load_kaggle(data_dir / C.KAGGLE_DIR / "train.csv")


def _raw_kaggle_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        return list(reader)


def test_kaggle_rows_from_provenance_decode(kaggle_train: C.Corpus) -> None:
    # The three sample lines PROVENANCE.md quotes, in file order.
    assert kaggle_train.texts[0] == "You fuck your dad."
    assert kaggle_train.texts[1] == (
        "i really don't understand your point.\xa0 It seems that you are mixing apples and oranges."
    )
    third = kaggle_train.texts[2]
    assert third.startswith("A\xa0majority of Canadians can and has been wrong before now")
    assert "again.\n\nUnless you're supportive" in third
    assert "\\" not in third


@pytest.mark.parametrize(
    ("filename", "rows", "positives", "double_escaped"),
    [("train.csv", 3947, 1049, 305), ("test_with_solutions.csv", 2647, 693, 223)],
)
def test_kaggle_counts_and_double_escaping(
    data_dir: Path, filename: str, rows: int, positives: int, double_escaped: int
) -> None:
    path = data_dir / C.KAGGLE_DIR / filename
    corpus = C.load_kaggle(path)
    assert (len(corpus), corpus.positives, dict(corpus.bad)) == (rows, positives, {})
    raw = _raw_kaggle_rows(path)
    # PROVENANCE counts rows holding an escaped backslash; after decoding, none keeps an escape
    # sequence except rows whose original text really contains a backslash (a path, ASCII art).
    assert sum("\\\\" in r[2] for r in raw) == double_escaped
    leftovers = [t for t in corpus.texts if "\\n" in t or "\\x" in t or "\\u" in t]
    assert leftovers == []


def test_kaggle_utf8_bytes_become_characters() -> None:
    text, levels = C.decode_kaggle('"It\\\\xe2\\\\x80\\\\x99s a \\\\xc2\\\\xa0test\\\\n"')
    assert (text, levels) == ("It\u2019s a \xa0test\n", 2)
    assert C.decode_kaggle('"caf\\xe9 \\u2019"') == ("café \u2019", 1)  # lone Latin-1 byte


def test_c3_vote_strings() -> None:
    assert C.parse_votes("personal_attack:3\nteasing:1") == {"personal_attack": 3, "teasing": 1}
    assert C.parse_votes("\n\n") == {}
    with pytest.raises(ValueError):
        C.parse_votes("personal_attack")


def test_c3_personal_attack_labels(data_dir: Path) -> None:
    corpus = C.c3_corpus(data_dir / C.C3_DIR / "C3_anonymized.csv", "personal_attack")
    rows, bad, source = C.read_c3(data_dir / C.C3_DIR / "C3_anonymized.csv")
    assert source.rows == 9900 and not bad
    votes = [r.toxicity.get("personal_attack", 0) for r in rows]
    assert corpus.positives == sum(v >= 2 for v in votes)
    assert len(corpus) - corpus.positives == sum(v == 0 for v in votes)
    assert sum(corpus.excluded.values()) == sum(v == 1 for v in votes)
    assert len(corpus) + sum(corpus.excluded.values()) + sum(corpus.bad.values()) == source.rows
    assert all(a for a in corpus.article_ids)


def test_c3_weak_positives_are_the_one_vote_rows(data_dir: Path) -> None:
    path = data_dir / C.C3_DIR / "C3_anonymized.csv"
    weak = C.c3_weak_positives(path, "personal_attack", votes=1, weight=0.3)
    rows, _, source = C.read_c3(path)
    one_vote = [r for r in rows if r.toxicity.get("personal_attack", 0) == 1]
    assert len(weak) == len(one_vote) and weak.positives == len(weak)
    assert weak.texts == tuple(r.text for r in one_vote)
    assert weak.weight == 0.3 and weak.manifest_entry()["weight"] == 0.3
    assert weak.subset([0, 1]).weight == 0.3  # a split keeps the weight
    assert len(weak) + sum(weak.excluded.values()) + sum(weak.bad.values()) == source.rows
    # exactly the rows the main corpus excludes as ambiguous
    main = C.c3_corpus(path, "personal_attack")
    assert sum(main.excluded.values()) == len(weak)


def test_olid_and_davidson_label_mapping(data_dir: Path) -> None:
    olid = C.load_olid(data_dir / C.OLID_DIR / "olid-training-v1.0.tsv")
    assert (len(olid), olid.positives) == (12716, 3876)
    assert dict(olid.excluded) == {"UNT (untargeted offense)": 524}
    dav = C.load_davidson(data_dir / C.DAVIDSON_DIR / "labeled_data.csv")
    assert (len(dav), dav.positives) == (24783, 1430 + 19190)


# Real OLID training rows: the three PROVENANCE.md quotes (ids 86426, 90194, 16820) and one TIN row
# at a group (52415) and one at "other" (97670) from olid-training-v1.0.tsv, then two broken rows.
_OLID_ROWS = [
    "86426\t@USER She should ask a few native Americans what their take on this is.\tOFF\tUNT\tNULL",
    "90194\t@USER @USER Go home you’re drunk!!! @USER #MAGA #Trump2020 👊🇺🇸👊 URL\tOFF\tTIN\tIND",
    "16820\tAmazon is investigating Chinese employees who are selling internal data to third-party "
    "sellers looking for an edge in the competitive marketplace. URL #Amazon #MAGA #KAG #CHINA #TCOT"
    "\tNOT\tNULL\tNULL",
    "52415\t@USER was literally just talking about this lol all mass shootings like that have been set "
    "ups. it’s propaganda used to divide us on major issues like gun control and terrorism\tOFF\tTIN\tGRP",
    "97670\t@USER Liberals are all Kookoo !!!\tOFF\tTIN\tOTH",
    "1\ta tweet with a made-up label\tOFF\tTIN\tXYZ",
    "2\ta row with too few fields\tNOT",
]


def test_olid_weak_corpora_map_provenance_rows(tmp_path: Path) -> None:
    path = tmp_path / "olid.tsv"
    path.write_text("id\ttweet\tsubtask_a\tsubtask_b\tsubtask_c\n" + "\n".join(_OLID_ROWS) + "\n")
    pos, neg = C.olid_weak_corpora(path, ("IND",), pos_weight=0.1, neg_weight=0.3)
    assert pos.texts == ("@USER @USER Go home you’re drunk!!! @USER #MAGA #Trump2020 👊🇺🇸👊 URL",)
    assert pos.labels == (1,) and (pos.weight, neg.weight) == (0.1, 0.3)
    assert neg.texts[0].startswith("Amazon is investigating") and neg.labels == (0,)
    assert dict(pos.excluded) == {
        "UNT (untargeted offense)": 1,
        "TIN at GRP": 1,
        "TIN at OTH": 1,
        "NOT (in olid/not)": 1,
    }
    assert dict(pos.bad) == {"unknown label": 1, "broken row": 1}
    assert dict(neg.excluded) == {"OFF": 4}
    assert len(pos) + sum(pos.excluded.values()) + sum(pos.bad.values()) == pos.files[0].rows == 7
    # Other targets are a parameter: GRP joins the positives, NOT stays negative.
    pos_grp, _ = C.olid_weak_corpora(path, ("IND", "GRP"))
    assert len(pos_grp) == 2 and pos_grp.texts[1].startswith("@USER was literally")


def test_olid_weak_corpora_on_the_real_file(data_dir: Path) -> None:
    pos, neg = C.olid_weak_corpora(data_dir / C.OLID_DIR / "olid-training-v1.0.tsv")
    # PROVENANCE.md: A NOT 8,840; C IND 2,407 / GRP 1,074 / OTH 395; B UNT 524; 13,240 rows.
    assert (len(pos), pos.positives, len(neg), neg.positives) == (2407, 2407, 8840, 0)
    assert dict(pos.excluded) == {
        "NOT (in olid/not)": 8840,
        "TIN at GRP": 1074,
        "TIN at OTH": 395,
        "UNT (untargeted offense)": 524,
    }
    assert not pos.bad and pos.files[0].rows == 13240
    assert pos.weight < 1.0 and neg.weight < 1.0  # auxiliary rows: never scored in CV


def test_generic_csv_counts_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "text,label,article_id\n"
        "you absolute clown,1,a1\n"
        "thanks for the link,0,\n"
        ",1,a2\n"
        "what is this,maybe,a3\n"
        '"broken,1\n',
        encoding="utf-8",
    )
    corpus = C.load_generic(path)
    assert corpus.texts == ("you absolute clown", "thanks for the link")
    assert corpus.labels == (1, 0)
    assert corpus.article_ids == ("a1", None)
    assert dict(corpus.bad) == {"empty text": 1, "unknown label": 1, "broken row": 1}
    assert corpus.files[0].rows == 5


def test_generic_jsonl_counts_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    lines = [
        json.dumps({"text": "idiot", "label": True}),
        json.dumps({"text": "fine", "label": 0, "article_id": 7}),
        "{not json",
        json.dumps(["a", 1]),
        json.dumps({"label": 1}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = C.load_generic(path)
    assert (corpus.texts, corpus.labels, corpus.article_ids) == (("idiot", "fine"), (1, 0), (None, "7"))
    assert sum(corpus.bad.values()) == 3


def test_a_decisions_line_too_deep_or_with_a_huge_number_is_one_bad_line(tmp_path: Path) -> None:
    # Both raised past the JSON-error handler (RecursionError; ValueError: "Exceeds the limit (4300
    # digits)") and ended the whole `make train` in a traceback.
    path = tmp_path / "mine.jsonl"
    lines = [
        "[" * 100_000 + "]" * 100_000,
        '{"text": "idiot", "label": ' + "1" * 5_000 + "}",
        json.dumps({"text": "you clown", "label": 1}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = C.load_generic(path)
    assert (corpus.texts, corpus.labels) == (("you clown",), (1,))
    assert dict(corpus.bad) == {"malformed JSON line": 2}


def test_generic_rejects_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("text,label\ncaf\xe9 idiot,1\n".encode("latin-1"))
    with pytest.raises(TrainingDataError, match="UTF-8"):
        C.load_generic(path)
    # the message names the line, also deep in a file (the decoder only knows its buffer position)
    path.write_bytes(b"text,label\n" + b"fine comment,0\n" * 5000 + "caf\xe9,1\n".encode("latin-1"))
    with pytest.raises(TrainingDataError, match=r"line 5002 is not UTF-8 \(byte 0xe9 at column 4\)"):
        C.load_generic(path)


def test_feedback_reads_only_its_attribute(tmp_path: Path) -> None:
    db = tmp_path / "fb.sqlite3"
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE feedback(id INTEGER PRIMARY KEY, text TEXT NOT NULL, attribute TEXT NOT NULL,"
        " label INTEGER NOT NULL, article_id TEXT, created_at TEXT NOT NULL)"
    )
    rows = [("moron", "insult", 1), ("nice", "insult", 0), ("off", "off_topic", 1), ("x", "insult", 5)]
    con.executemany(
        "INSERT INTO feedback(text, attribute, label, created_at) VALUES (?, ?, ?, '2026-01-01')", rows
    )
    con.commit()
    con.close()
    corpus = C.load_feedback(db, "insult")
    assert (corpus.texts, corpus.labels) == (("moron", "nice"), (1, 0))
    assert dict(corpus.bad) == {"unknown label": 1}


def test_feedback_counts_each_text_once_with_its_latest_verdict(tmp_path: Path) -> None:
    from service.storage import Feedback, Store, Target

    store = Store.open(Target(path=tmp_path / "fb.sqlite3"))
    verdicts = [("you muppet", 1), ("fair point", 0)] + [("you muppet", 1)] * 29  # a retrying client
    verdicts += [("harsh but fair", 1), ("harsh but fair", 0)]  # a moderator corrects
    for text, label in verdicts:
        store.add_feedback(Feedback(text=text, attribute="insult", label=label, article_id="a1"))
    store.close()
    corpus = C.load_feedback(tmp_path / "fb.sqlite3", "insult")
    assert list(zip(corpus.texts, corpus.labels, strict=True)) == [
        ("fair point", 0),
        ("you muppet", 1),
        ("harsh but fair", 0),
    ]
    assert dict(corpus.excluded) == {C.REPEATED_VERDICT: 29, C.OVERRULED_VERDICT: 1}
    assert corpus.files[0].rows == len(verdicts)


def test_feedback_counts_a_text_once_however_it_is_spaced_or_cased(tmp_path: Path) -> None:
    """The model reads 'You are an idiot.' and 'you are an idiot  ' as one row; counted per exact
    string, 300 such verdicts (label 0) took the comment's insult score from 1.00 to 0.05."""
    from service.storage import Feedback, Store, Target

    store = Store.open(Target(path=tmp_path / "fb.sqlite3"))
    variants = [("You are an idiot." if i % 2 else "you are an idiot") + " " * (i // 2) for i in range(300)]
    for text in [*variants, "YOU ARE AN IDIOT!!!", "Fair point, well made."]:
        store.add_feedback(Feedback(text=text, attribute="insult", label=0))
    store.add_feedback(Feedback(text="You are an IDIOT", attribute="insult", label=1))  # the last word
    store.close()
    corpus = C.load_feedback(tmp_path / "fb.sqlite3", "insult")
    assert list(zip(corpus.texts, corpus.labels, strict=True)) == [
        ("YOU ARE AN IDIOT!!!", 0),  # '!' is a token of its own: another row to the model
        ("Fair point, well made.", 0),
        ("You are an IDIOT", 1),
    ]
    assert dict(corpus.excluded) == {C.REPEATED_VERDICT: 299, C.OVERRULED_VERDICT: 1}


def test_an_operators_label_on_a_text_longer_than_the_api_takes_is_a_bad_row(tmp_path: Path) -> None:
    """One 600 KB verdict (written to the store directly) stalled the toxicity head's solver for over
    8 minutes; the API scores no comment over 20,000 characters, so such a label teaches nothing."""
    from service.settings import Limits
    from service.storage import Feedback, Store, Target

    assert Limits().max_comment_chars == C.MAX_OPERATOR_TEXT_CHARS
    longest, too_long = "a" * C.MAX_OPERATOR_TEXT_CHARS, "zorblax " * 100_000
    store = Store.open(Target(path=tmp_path / "fb.sqlite3"))
    for text in (longest, too_long, "fair point"):
        store.add_feedback(Feedback(text=text, attribute="toxicity", label=int(text != "fair point")))
    store.close()
    corpus = C.load_feedback(tmp_path / "fb.sqlite3", "toxicity")
    assert corpus.texts == (longest, "fair point") and dict(corpus.bad) == {C.TOO_LONG: 1}
    mine = tmp_path / "mine.csv"
    mine.write_text(f"text,label\n{too_long},1\nyou clown,1\n", encoding="utf-8")
    decisions = C.load_generic(mine)
    assert decisions.texts == ("you clown",) and dict(decisions.bad) == {C.TOO_LONG: 1}


def test_a_decisions_file_counts_a_text_once_as_verdicts_do(tmp_path: Path, monkeypatch) -> None:
    """docs/attributes.md: the operator's labels are one row per distinct text. A --decisions file
    (a CMS export: a comment posted many times, decided each time) had every row trained on, so 300
    approvals of one spammed insult outweighed everything the head knew about it."""
    import dataclasses

    from training import heads as H

    insult = next(h for h in H.HEADS if h.name == "insult")
    monkeypatch.setattr(H, "HEADS", (dataclasses.replace(insult, sources=lambda data_dir: []),))
    mine = tmp_path / "mine.csv"
    rows = [("You are an idiot." if i % 2 else "you are an idiot") + " " * (i // 2) for i in range(300)]
    mine.write_text(
        "text,label\n" + "".join(f"{t},0\n" for t in rows) + "Fair point,0\nYou are an IDIOT,1\n",
        encoding="utf-8",
    )
    (decisions,) = H.head_corpora(tmp_path, decisions=[mine])["insult"]
    assert decisions.name == "decisions/mine.csv"
    assert list(zip(decisions.texts, decisions.labels, strict=True)) == [
        ("Fair point", 0),
        ("You are an IDIOT", 1),  # the last row on a text is the one used
    ]
    assert dict(decisions.excluded) == {C.REPEATED_VERDICT: 299, C.OVERRULED_VERDICT: 1}
    assert decisions.files[0].rows == 302


def test_a_feedback_row_that_is_not_utf8_is_one_bad_row(tmp_path: Path) -> None:
    """SQLite keeps whatever bytes another client wrote; one such row stopped training ("cannot read
    table feedback (Could not decode to UTF-8 column 'text' ...)") and no verdict was learned."""
    from service.storage import Feedback, Store, Target

    store = Store.open(Target(path=tmp_path / "fb.sqlite3"))
    store.add_feedback(Feedback(text="you muppet", attribute="insult", label=1))
    store.add_feedback(Feedback(text="fair point", attribute="insult", label=0))
    store.close()
    con = sqlite3.connect(tmp_path / "fb.sqlite3")
    latin1 = "CAST(x'6361ff' AS TEXT)"  # 'ca' and a Latin-1 byte, as another client may write it
    for text, article_id in [(latin1, "NULL"), ("'idiot'", latin1)]:
        con.execute(
            "INSERT INTO feedback(text, attribute, label, article_id, created_at) "
            f"VALUES ({text}, 'insult', 1, {article_id}, 'now')"
        )
    con.commit()
    con.close()
    corpus = C.load_feedback(tmp_path / "fb.sqlite3", "insult")
    assert (corpus.texts, corpus.labels) == (("you muppet", "fair point"), (1, 0))
    assert dict(corpus.bad) == {"not UTF-8": 2} and corpus.files[0].rows == 4


def test_group_codes_do_not_grow_with_the_longest_key() -> None:
    import tracemalloc

    keys = [f"group|a{i % 50}" for i in range(4000)] + ["group|" + "x" * 100_000]
    tracemalloc.start()
    codes = C.group_codes(keys)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20_000_000  # numpy's fixed-width array of these keys: 1.6 GB
    short = keys[:-1]  # the same codes as np.unique, so cross-validation folds stay as they were
    assert C.group_codes(short).tolist() == np.unique(np.asarray(short), return_inverse=True)[1].tolist()
    assert codes[:-1].tolist() == C.group_codes(short).tolist() and codes[-1] == 50


def test_language_models_group_rows_without_a_fixed_width_array() -> None:
    # training.languages._groups built numpy's fixed-width array of every row's group key: one
    # 20,000-character German verdict with no article took the German model's training to 3.86 GB.
    import tracemalloc

    from training.languages import _groups

    texts = (*(f"kommentar {i % 50}" for i in range(4000)), "x" * 100_000)
    files = (C.SourceFile("mine.csv", "0" * 64, len(texts)),)
    corpus = C.Corpus("mine", "test", texts, (0, 1) * 2000 + (1,), (None,) * len(texts), files)
    tracemalloc.start()
    codes = _groups([corpus])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20_000_000  # the fixed-width array of these keys: 1.6 GB
    assert codes.tolist() == C.group_codes([f"mine|{t}" for t in texts]).tolist() and codes[-1] == 50


def test_feedback_without_table_is_a_training_error(tmp_path: Path) -> None:
    db = tmp_path / "empty.sqlite3"
    sqlite3.connect(db).close()
    with pytest.raises(TrainingDataError, match="feedback"):
        C.load_feedback(db, "insult")


def test_single_class_is_refused() -> None:
    with pytest.raises(TrainingDataError, match="only label 1"):
        C.require_two_classes([1, 1, 1], "insult")


def test_generic_csv_from_a_spreadsheet(tmp_path: Path) -> None:
    """BOM, CRLF, a quoted newline, an extra column, labels yes/2/empty, a second pasted-in header:
    every row is used or counted with its reason."""
    path = tmp_path / "export.csv"
    rows = [
        "text,label,article_id,moderator",
        "you absolute clown,yes,a1,kim",
        '"line one\r\nline two",0,a1,kim',
        "who asked,2,a2,lee",
        "meh,,a2,lee",
        "text,label,article_id,moderator",
        "fine point,no,,lee",
        "too,many,fields,here,x",
    ]
    path.write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    corpus = C.load_generic(path)
    assert corpus.texts == ("you absolute clown", "line one\r\nline two", "fine point")
    assert (corpus.labels, corpus.article_ids) == ((1, 0, 0), ("a1", "a1", None))
    assert dict(corpus.bad) == {"unknown label": 2, "repeated header row": 1, "broken row": 1}
    assert corpus.files[0].rows == 7 == len(corpus) + sum(corpus.bad.values())


def test_generic_jsonl_with_a_bom_keeps_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    lines = [json.dumps({"text": "idiot", "label": 1}), json.dumps({"text": "ok", "label": "false"})]
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
    corpus = C.load_generic(path)
    assert (corpus.texts, corpus.labels, dict(corpus.bad)) == (("idiot", "ok"), (1, 0), {})


def test_generic_csv_with_a_column_named_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("text,label,text\nyou clown,1,old text\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="twice"):
        C.load_generic(path)


def test_generic_csv_counts_unreadable_rows(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("text,label\nok,0\n" + "x" * 200 + ",1\nclown,1\n", encoding="utf-8")
    old = csv.field_size_limit(100)  # a field over the limit is one unreadable row, not a traceback
    try:
        corpus = C.load_generic(path)
    finally:
        csv.field_size_limit(old)
    assert corpus.texts == ("ok", "clown")
    assert sum(corpus.bad.values()) == 1 and "unreadable CSV row" in next(iter(corpus.bad))


@pytest.mark.parametrize(
    ("loader", "content"),
    [
        (C.load_kaggle, b'Insult,Date,Comment\n1,,"caf\xe9 idiot"\n'),
        (C.read_c3, b"article_id,comment_text,toxicity_characteristics\n1,caf\xe9,\n"),
        (C.load_olid, b"id\ttweet\tsubtask_a\tsubtask_b\tsubtask_c\n1\tcaf\xe9\tNOT\tNULL\tNULL\n"),
        (C.load_davidson, b"class,tweet\n2,caf\xe9\n"),
    ],
)
def test_corpus_files_that_are_not_utf8_are_training_errors(
    tmp_path: Path, loader: Callable[[Path], object], content: bytes
) -> None:
    path = tmp_path / "corpus.csv"
    path.write_bytes(content)
    with pytest.raises(TrainingDataError, match="not UTF-8"):
        loader(path)


@pytest.mark.parametrize("name", ["fb #1.sqlite3", "fb?x.sqlite3", "fb 100%25.sqlite3"])
def test_feedback_database_with_uri_characters_in_its_name(tmp_path: Path, name: str) -> None:
    from service.storage import Feedback, Store, Target

    store = Store.open(Target(path=tmp_path / name))
    store.add_feedback(Feedback(text="you moron", attribute="insult", label=1))
    store.add_feedback(Feedback(text="fair point", attribute="insult", label=0))
    corpus = C.load_feedback(tmp_path / name, "insult")  # read while the service holds it open (WAL)
    store.close()
    assert (corpus.texts, corpus.labels) == (("you moron", "fair point"), (1, 0))
    assert (corpus.texts, corpus.labels) == ((C.load_feedback(tmp_path / name, "insult")).texts, (1, 0))


@pytest.mark.parametrize(
    "content", [b"", b"SQLite format 3\x00" + b"\xff" * 200, b"not a database at all" * 50]
)
def test_feedback_database_that_is_empty_or_corrupt(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "fb.sqlite3"
    db.write_bytes(content)
    with pytest.raises(TrainingDataError, match="feedback"):
        C.load_feedback(db, "insult")


def test_feedback_table_with_the_wrong_schema(tmp_path: Path) -> None:
    db = tmp_path / "fb.sqlite3"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE feedback(id INTEGER PRIMARY KEY, comment TEXT, verdict INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(TrainingDataError, match="cannot read table feedback"):
        C.load_feedback(db, "insult")


def test_generic_jsonl_counts_an_empty_object(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text('{}\n{"text": "idiot", "label": 1}\n', encoding="utf-8")
    corpus = C.load_generic(path)
    assert corpus.files[0].rows == 2 and dict(corpus.bad) == {"missing text": 1}


def test_feedback_hash_is_of_the_rows_read(tmp_path: Path) -> None:
    """The manifest identifies the verdicts trained on: rows still in the running service's WAL
    count, another attribute's writes do not."""
    from service.storage import Feedback, Store, Target

    store = Store.open(Target(path=tmp_path / "fb.sqlite3"))
    store.add_feedback(Feedback(text="you moron", attribute="insult", label=1, created_at="t"))
    first = C.load_feedback(tmp_path / "fb.sqlite3", "insult").files[0]
    store.add_feedback(
        Feedback(text="what about the weather", attribute="off_topic", label=1, created_at="t")
    )
    assert C.load_feedback(tmp_path / "fb.sqlite3", "insult").files[0] == first
    store.add_feedback(
        Feedback(text="fair point", attribute="insult", label=0, created_at="t")
    )  # still in the WAL
    second = C.load_feedback(tmp_path / "fb.sqlite3", "insult").files[0]
    assert second.sha256 != first.sha256 and second.rows == 2
    store.close()
    assert C.load_feedback(tmp_path / "fb.sqlite3", "insult").files[0] == second


def test_verdicts_are_keyed_normalising_each_distinct_token_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each token of each verdict was normalised again: 100,000 insult verdicts took 29 s of CPU to key
    # (of a few hundred distinct words), and training reads the table once per attribute.
    from model import tokens

    calls: list[str] = []
    real = tokens.normalize_token
    monkeypatch.setattr(tokens, "normalize_token", lambda t: calls.append(t) or real(t))
    texts = tuple(f"You MUPPET, muppet {'fair' if i % 2 else 'harsh'} point" for i in range(500))
    corpus = C.Corpus("feedback/insult", "test", texts, (1, 0) * 250, (None,) * 500, ())
    latest = C.latest_per_text(corpus)
    assert latest.texts == texts[-2:]  # two texts as the model reads them: the latest of each
    assert len(calls) == len(set(calls)), "a token normalised twice"
