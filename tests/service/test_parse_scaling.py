"""A long thread costs the parser linear work: counted in function calls, not timed.

Session 26 found a 10,000-comment page quadratic (a reply-name split compared every author with every
name seen before); a timing test would flake on a shared machine, so this counts the Python and
builtin calls a parse makes (`sys.setprofile`), which do not depend on the machine's speed. With
threads of N, 2N and 4N comments, linear work makes the second step cost twice the first; a
quadratic pass makes it cost up to four times. Work done inside one C call (a regex over a growing
string) is not counted: the bench's 10,000-comment line (`make bench`) still watches the time.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from service.parse import parse_page

# Thread sizes: large enough that a quadratic term shows over the page's fixed cost.
SIZES = (200, 400, 800)
# Linear work gives exactly 2.0 here; a quadratic pass over the authors seen so far, put back in
# comments._longest_seen_tail, gave 2.57 with these pages.
MAX_GROWTH = 2.2


def _text_page(n: int, parent_names: bool = False) -> bytes:
    head = f"Title of a long thread\n\nBody sentence of the article, long enough to count.\n\nComments {n}\n"
    rows = []
    for i in range(n):
        name = f"reader{i}"
        if parent_names and i % 2 and i > 2:
            name += f" reader{i // 2}"  # a widget that prints the replied-to reader after the name
        rows.append(f"{name} 17 May 2017, 15:{i % 60:02d}\n\ncomment number {i} says something here\n\n")
    return (head + "".join(rows)).encode()


def _headed_page(n: int) -> bytes:
    """A thread with a "Trending" line under every comment (a widget's label) whose texts end no sentence
    but the last two: the list-heading cut (headers._cut_at_list_heading) looked past each such line for
    a sentence, to the end of the thread every time."""
    page = _text_page(n).decode().replace("says something here\n\n", "says something here\n\nTrending\n\n")
    for k in (n - 2, n - 1):
        page = page.replace(f"comment number {k} says something here", f"comment number {k} ends here.")
    return page.encode()


def _html_page(n: int) -> bytes:
    items = "".join(
        f'<li class="comment"><div class="comment-author">reader{i}</div>'
        f'<time datetime="2017-05-17T15:{i % 60:02d}">17 May 2017</time>'
        f"<p>comment number {i} says something here about it</p></li>"
        for i in range(n)
    )
    return (
        "<html><head><title>A long thread</title></head><body><article><h1>A long thread</h1>"
        "<p>Body sentence of the article, long enough to count as one of them.</p></article>"
        f'<section id="comments"><h2>{n} Comments</h2><ol>{items}</ol></section></body></html>'
    ).encode()


def _calls(page: bytes, fmt: str) -> tuple[int, int]:
    """Calls made by one parse (Python functions and builtins), and the comments it found."""
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        article = parse_page(page, fmt=fmt)
    finally:
        sys.setprofile(None)
    return count, len(article.comments)


@pytest.mark.slow  # 7 s: three pages of up to 800 comments parsed under a profiler
@pytest.mark.parametrize(
    ("make", "fmt"),
    [
        (_text_page, "text"),
        (lambda n: _text_page(n, parent_names=True), "text"),
        (_html_page, "html"),
        (_headed_page, "text"),
    ],
    ids=["text", "text-parent-names", "html", "text-list-labels"],
)
def test_a_longer_thread_costs_linear_work(make: Callable[[int], bytes], fmt: str) -> None:
    _calls(make(50), fmt)  # first use: compiled patterns and caches filled
    measured = [_calls(make(n), fmt) for n in SIZES]
    assert [found for _, found in measured] == list(SIZES)  # every comment read, at every size
    (a, _), (b, _), (c, _) = measured
    growth = (c - b) / (b - a)
    assert growth <= MAX_GROWTH, f"calls {a} -> {b} -> {c}: each doubling costs {growth:.2f}x the last"


def _peak_mb(call: Callable[[], object]) -> float:
    import tracemalloc

    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_a_line_of_quote_marks_costs_bounded_memory():
    """`re` keeps ~300 bytes of backtracking state per repeat of `(?:...)+`: the leading-marker strip
    over one line of 10 million "> " (a 20 MiB page) took `moderate parse` to 2.4 GB (200,000 here:
    52 MB, now 5); it is read in chunks of a few repeats now, to the same result."""
    from service.parse.lexicon import strip_lead_markers

    line = "> " * 200_000 + "- 1. [img] #2 o word"
    assert strip_lead_markers(line) == "word"
    assert _peak_mb(lambda: strip_lead_markers(line)) < 2
    assert _peak_mb(lambda: parse_page(("Title\n\n" + "> " * 200_000).encode(), fmt="text")) < 20


def test_a_long_class_token_costs_bounded_memory():
    """The author and badge class patterns repeat a prefix, keeping backtracking state per repeat: one
    class token of 4 million "a-" (an 8 MB attribute) took `moderate parse` to 805 MB (200,000 here:
    42 MB, now 2). Tokens longer than any real class name are not read by them (real ones still are:
    test_parse_generic_html.py, test_parse_platforms.py)."""
    box = "<div class='comments'><div class='comment'><span class='{}'>dana</span><p>{}</p></div></div>"
    long_class = "a-" * 200_000 + "author"
    page = "<html><body><p>The article's one paragraph.</p>{}</body></html>"
    parse_page(page.format(box.format("x", "a comment")), fmt="html")  # the models load once
    assert _peak_mb(lambda: parse_page(page.format(box.format(long_class, "a comment")), fmt="html")) < 20


def test_a_comment_line_of_links_or_escaped_blanks_costs_bounded_memory():
    """`_LINK_BAR` (a bar of links ends the last comment) and `_FILLER_LINE` ("&nbsp;" shown as text)
    kept backtracking state per repeat: a comment's 1 MB line of "a|a|..." cost the parse 64 MB."""
    from service.parse.lines import _FILLER_LINE

    head = "Title of a long thread\n\nBody sentence of the article, long enough to count.\n\nComments 3\n"
    rows = "".join(
        f"reader{i} 17 May 2017, 15:{i:02d}\n\ncomment number {i} says something here\n\n" for i in range(3)
    )
    parse_page(head + rows, fmt="text")  # the models load once
    page = head + rows + "reader9 17 May 2017, 16:00\n\n" + "a|" * 500_000 + "\n"
    assert _peak_mb(lambda: parse_page(page, fmt="text")) < 25
    assert _peak_mb(lambda: _FILLER_LINE.fullmatch("&nbsp;" * 300_000)) < 5
