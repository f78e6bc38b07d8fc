"""Comment counters (service/parse/counters.py) and the phrases the missed-comments warnings read:
each fact is written once and read the same by every stage that needs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.parse import parse_page
from service.parse.counters import comment_counter, counter_lines, states_count
from service.parse.lexicon import COMMENT_FORM_OPENING, EMPTY_THREAD_NOTICE, ZERO_COMMENTS
from service.parse.lines import _classify_one, _Line, _line_furniture

_ARTICLE = " ".join(
    ["We walked the old coast path from the harbour to the lighthouse, stopping for tea halfway."] * 4
)

# A thread's count stated as none, in the forms lexicon.ZERO_COMMENTS reads.
_ZERO_PHRASES = ["No comments", "0 comments", "Zero comments", "Comments off", "Comments closed"]


def _line(text: str) -> _Line:
    return _classify_one(text, 0, None, True, 0)


@pytest.mark.parametrize(
    ("text", "states", "counter"),
    [
        ("6 Comments", True, True),
        ("Comments (14)", True, True),
        ("No comments", True, True),
        ("Comments Off", False, True),  # no number stated, but a front page's teaser counter all the same
        ("3 replies", True, False),  # a comment's own reply button, not a thread's count
        ("Responses (0)", True, False),
        ("Comments", False, False),
        ("No comments were made on the harbour plan last year", False, False),  # prose, not a counter
    ],
)
def test_a_counter_line_is_a_stated_count_or_a_short_zero_notice(
    text: str, states: bool, counter: bool
) -> None:
    ln = _line(text)
    assert states_count(ln) is states
    assert comment_counter(ln) is counter


def test_counter_lines_lists_the_counters_in_page_order() -> None:
    lines = [_line(t) for t in ("Tea on the cliffs", "5 Comments", "2 replies", "Comments Off", "About us")]
    assert counter_lines(lines) == [1, 3]


@pytest.mark.parametrize("zero", _ZERO_PHRASES)
def test_a_zero_count_is_a_teaser_counter_and_an_empty_threads_notice(zero: str) -> None:
    """One phrase list: the header search's teaser counters and the empty thread under a heading."""
    assert ZERO_COMMENTS.fullmatch(zero)
    assert EMPTY_THREAD_NOTICE.fullmatch(zero)
    assert EMPTY_THREAD_NOTICE.fullmatch(f"There are {zero.lower()} on this post.")
    page = (
        "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + f"\n\nComments\n\n{zero}\n\nAbout us\n"
    )
    art = parse_page(page, fmt="text")
    assert art.comments == ()
    assert not [w for w in art.warnings if "heading" in w], art.warnings


@pytest.mark.parametrize("zero", _ZERO_PHRASES)
@pytest.mark.parametrize("tail", ["", ".", " yet."])
def test_a_zero_count_is_the_comment_forms_furniture(zero: str, tail: str) -> None:
    """The furniture table's "No comments yet." is ZERO_COMMENTS too: one phrase list for both."""
    assert _line_furniture(zero + tail, True) == "comment form"


def test_a_comments_heading_over_a_script_notice_still_warns() -> None:
    # The counterpart: a heading over the script's notice where the thread loads, and no comment read.
    page = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3)
    page += "\n\nComments\n\nPlease enable JavaScript to view the comments.\n\nAbout us\n"
    art = parse_page(page, fmt="text")
    assert [w for w in art.warnings if "comment section heading ('Comments')" in w], art.warnings


# The comment form's own lines, one list (lexicon._FORM_OWN): page furniture anywhere, and under a
# comment heading the sign of an empty thread. These were read by one of the two rules only.
_FORM_LINES = [
    "Leave a Reply",
    "Leave your comment",
    "Write comment",
    "Make a comment",
    "Submit your comment",
    "Post a Comment Cancel reply",
    "Verify your Comment",
    "Previewing your Comment",
    "Your e-mail will not be published.",
    "You must be logged in to write a comment.",
    "Schreibe einen Kommentar",
]


@pytest.mark.parametrize("text", _FORM_LINES)
def test_a_comment_forms_own_line_is_furniture_and_opens_an_empty_thread(text: str) -> None:
    assert _line(text).furniture == "comment form"
    assert COMMENT_FORM_OPENING.fullmatch(text)


@pytest.mark.parametrize("text", ["Add a Comment with Facebook", "Post a comment via Disqus"])
def test_a_widgets_comment_button_is_furniture_but_no_form(text: str) -> None:
    # A thread loads there: under a heading it is no sign of an empty thread.
    assert _line(text).furniture == "comment form"
    assert COMMENT_FORM_OPENING.fullmatch(text) is None


def test_a_field_label_opens_an_empty_thread_but_alone_is_a_menus_link() -> None:
    # FORM_FIELD_LABEL needs its context: under a comment heading "Homepage" is the form's field.
    assert COMMENT_FORM_OPENING.fullmatch("Homepage") and COMMENT_FORM_OPENING.fullmatch("Nombre *")
    assert _line("Homepage").furniture is None


def test_a_form_heading_left_in_a_comment_is_dropped() -> None:
    """Dragnet R220/R221: "Leave Your Reply Below..." under the last comment was read as its text."""
    page = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + "\n\n2 Comments\n\n"
    page += "Anna Berg says:\nMarch 3, 2024 at 10:12 am\n\nWe did the same walk last spring.\n\n"
    page += "Tom says:\nMarch 4, 2024 at 9:40 am\n\nWas the path muddy after the rain?\n\n"
    page += "Leave Your Reply Below...\n\nName *\n\nAbout us\n"
    art = parse_page(page, fmt="text")
    assert [c.author for c in art.comments] == ["Anna Berg", "Tom"]
    assert not any("Leave Your Reply" in c.text for c in art.comments)
    assert [d.reason for d in art.dropped if d.text == "Leave Your Reply Below..."] == ["comment form"]


def _post_with(under_heading: str, heading: str = "Comments") -> str:
    page = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3)
    return page + f"\n\n{heading}\n\n{under_heading}\n\nTea on the cliffs\n\nAbout us\n"


@pytest.mark.parametrize(
    "block", ["Related links", "advertisement", "Subscribe to our RSS feed!", "Pin It\n\nSend to a Friend"]
)
def test_a_comments_heading_over_another_blocks_furniture_gives_no_warning(block: str) -> None:
    """Dragnet R787 ("Comments" / "Related links"), R435 ("advertisement"), R253 (a subscription box),
    R794 (a share row's "Comments" link over "Pin It"): a tab or a link, no thread under it."""
    art = parse_page(_post_with(block), fmt="text")
    assert art.comments == ()
    assert not [w for w in art.warnings if "heading" in w], art.warnings


@pytest.mark.parametrize(
    "under", ["Comments RSS", "Loading comments...", "Please enable JavaScript to view the comments."]
)
def test_a_comments_heading_over_its_own_feed_or_a_script_still_warns(under: str) -> None:
    # The thread's own feed link, or where a script loads it: the page holds comments we did not read.
    art = parse_page(_post_with(under), fmt="text")
    assert [w for w in art.warnings if "comment section heading ('Comments')" in w], art.warnings


@pytest.mark.parametrize("footer", ["© 2012 Comments", "Copyright 2012 Comments", "(c) 2012 Comments"])
def test_a_copyright_year_before_a_comment_word_is_no_count(footer: str) -> None:
    ln = _line(footer)
    assert ln.count is None
    art = parse_page(_post_with("Tea on the cliffs", heading=footer), fmt="text")
    assert art.declared_comment_count is None
    assert not any("declares" in w for w in art.warnings), art.warnings


def test_a_count_after_a_copyright_year_still_counts() -> None:
    assert _line("© 2012 Comments (3)").count == 3
    assert _line("2012 comments").count == 2012  # no copyright sign: a big thread's count


def test_bench_parse_warnings_counts_false_true_and_far_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from bench.parse_warnings import count, main
    from service.parse_quality import in_test_split

    dragnet = tmp_path / "dragnet-pages"
    dragnet.mkdir()
    sep = "\n!@#$%^&*() COMMENTS\n"
    golds = {"a": "Body.", "b": "Body." + sep + " ".join(["word"] * 40), "c": "Body." + sep + "x " * 30}
    for page, text in golds.items():
        (dragnet / f"{page}.gold.txt").write_text(text, encoding="utf-8")
    declares = "the page declares {} comment(s) but 0 were found (the rest may be loaded by a script)"
    heading = "the page has a comment section heading ('Comments') but no comments were found"
    records = [
        ("a.html", [declares.format(3), heading]),
        ("b.w3m.txt", [declares.format(4)]),
        ("c.html", [declares.format(100)]),  # 30 gold words for 100 declared comments: far
        ("a.w3m.txt", []),
    ]
    dump = tmp_path / "dump.jsonl"
    with dump.open("w", encoding="utf-8") as f:
        for name, warnings in records:
            f.write(json.dumps({"file": str(dragnet / name), "article": {"warnings": warnings}}) + "\n")
        f.write(json.dumps({"file": str(tmp_path / "other.html"), "article": {"warnings": [heading]}}) + "\n")
    rows = count(dump, dragnet, "all")
    assert {k: [(p, r) for p, r, _ in v] for k, v in rows.items() if v} == {
        ("declares", "false"): [("a", "html")],
        ("heading", "false"): [("a", "html")],
        ("declares", "true"): [("b", "w3m.txt")],
        ("declares", "far"): [("c", "html")],
    }
    split = "test" if in_test_split("a") else "train"
    other = "train" if split == "test" else "test"
    assert ("declares", "false") in {k for k, v in count(dump, dragnet, split).items() if v}
    assert not [
        v for (_, _), v in count(dump, dragnet, other).items() if ("a", "html") in [(p, r) for p, r, _ in v]
    ]
    assert main([str(dump), "--split", "all", "--data-dir", str(tmp_path)]) == 0
    assert "all   declares  false    1  html=1" in capsys.readouterr().out


def test_a_page_size_setting_under_the_heading_is_no_count():
    """Drupal's "Comment viewing options" over "[90 comments per page ]": a display setting."""
    from service.parse import parse_page

    page = "Gold keeps rising\n\nGold rose again on Thursday as traders bought into the weaker dollar.\n\n"
    page += "Analysts said the rally could continue into the autumn if rates stay where they are now.\n\n"
    page += (
        "Comment viewing options\n\n[Threaded list - expanded ]\n[90 comments per page ]\n[Save settings]\n\n"
    )
    for i, name in enumerate(["ReallySparky", "hannah", "mrktwtch2"]):
        page += f"Thu, 08/09/2012 - 14:3{i} | {name}\n\nMy view number {i} on the gold price.\n\n"
    art = parse_page(page, fmt="text")
    assert len(art.comments) == 3
    assert art.declared_comment_count is None
