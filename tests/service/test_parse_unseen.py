"""Pages in the style of comment systems and CMSes that are not in /work/shared/articles (Disqus,
Discourse, Drupal, JComments, Substack, phpBB, Coral, Facebook plugin, Viafoura, Blogger, Movable Type,
numbered and ISO-stamped comments, es/it/pt/nl dates, a WordPress thread with traps inside comments) and
trap pages whose dated lines are not comments. Each page comes as HTML and as a w3m-like text dump,
written for this repository by tests/service/pages/build.py; expected.json holds what a reader sees."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from service.parse import parse_file, parse_with_roles

PAGES = Path(__file__).resolve().parent / "pages"
EXPECTED: dict[str, dict] = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))
FORMATS = ("html", "w3m.txt", "inscriptis.txt")
NAMES = sorted(EXPECTED)
CASES = [(name, fmt) for name in NAMES for fmt in FORMATS]


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


@pytest.mark.parametrize(("name", "fmt"), CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_comments_authors_and_starts(name: str, fmt: str) -> None:
    spec = EXPECTED[name]
    art = parse_file(PAGES / f"{name}.{fmt}")
    assert len(art.comments) == spec["comments"]
    assert [_norm(c.author) or None for c in art.comments] == [_norm(a) or None for a in spec["authors"]]
    for c, start in zip(art.comments, spec["starts"], strict=True):
        assert _norm(c.text).lstrip("> ").startswith(_norm(start)), (c.text[:60], start)


@pytest.mark.parametrize(("name", "fmt"), CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_body_is_clean_and_complete(name: str, fmt: str) -> None:
    spec = EXPECTED[name]
    body = _norm(parse_file(PAGES / f"{name}.{fmt}").body)
    for snippet in spec["body_snippets"]:
        assert _norm(snippet) in body
    for snippet in spec["not_in_body"]:
        assert _norm(snippet) not in body


@pytest.mark.parametrize("name", [n for n in NAMES if "parents" in EXPECTED[n]])
@pytest.mark.parametrize("fmt", FORMATS)
def test_thread_parents(name: str, fmt: str) -> None:
    art = parse_file(PAGES / f"{name}.{fmt}")
    assert [c.parent for c in art.comments] == EXPECTED[name]["parents"]


@pytest.mark.parametrize("name", [n for n in NAMES if "posted_at" in EXPECTED[n]])
@pytest.mark.parametrize("fmt", FORMATS)
def test_iso_times(name: str, fmt: str) -> None:
    art = parse_file(PAGES / f"{name}.{fmt}")
    assert [c.posted_at for c in art.comments] == EXPECTED[name]["posted_at"]


@pytest.mark.parametrize("name", NAMES)
def test_renderings_agree(name: str) -> None:
    """The HTML and its text dumps give the same split: same authors, same comment openings."""
    arts = [parse_file(PAGES / f"{name}.{fmt}") for fmt in FORMATS]
    shapes = [[(_norm(c.author), _norm(c.text).lstrip("> ")[:30]) for c in a.comments] for a in arts]
    assert shapes[0] == shapes[1] == shapes[2]


@pytest.mark.parametrize("name", [n for n in NAMES if "posted_at_html" in EXPECTED[n]])
def test_markup_time_fills_relative_dates(name: str) -> None:
    """A <time datetime> in the HTML gives "3 years ago" its ISO time; the text dumps cannot know it."""
    art = parse_file(PAGES / f"{name}.html")
    assert [c.posted_at for c in art.comments] == EXPECTED[name]["posted_at_html"]
    assert all(c.posted_at is None for c in parse_file(PAGES / f"{name}.w3m.txt").comments)


def test_markup_time_never_contradicts_the_text() -> None:
    """wp_threaded's markup carries one fixed datetime on every comment: the visible dates win."""
    art = parse_file(PAGES / "wp_threaded.html")
    assert [c.posted_at for c in art.comments] == [
        c.posted_at for c in parse_file(PAGES / "wp_threaded.w3m.txt").comments
    ]


@pytest.mark.parametrize(("name", "fmt"), CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_nothing_lost(name: str, fmt: str) -> None:
    """Every non-blank input line ends up, piece by piece, in exactly one place."""
    data = (PAGES / f"{name}.{fmt}").read_bytes()
    _, inputs, roles = parse_with_roles(data, source=name)
    placed: dict[int, str] = {}
    for src, text, _place in roles:
        placed[src] = placed.get(src, "") + text
    for i, text in inputs:
        assert "".join(text.split()) == "".join(placed.get(i, "").split()), text


def test_fixture_files_match_their_builder(tmp_path: Path) -> None:
    """The committed pages are exactly what build.py writes (no hand edits that the builder lost)."""
    spec = importlib.util.spec_from_file_location("pages_build", PAGES / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    build.HERE = tmp_path  # type: ignore[attr-defined]
    build.main()
    for produced in tmp_path.iterdir():
        assert produced.read_text(encoding="utf-8") == (PAGES / produced.name).read_text(encoding="utf-8")


def test_markup_times_alone_find_comments_in_html() -> None:
    """Without reply links the text shows nothing but names and prose; the empty <time datetime>
    elements of the markup still mark each comment's header."""
    from service.parse import parse_page

    html = (PAGES / "jsdates.html").read_text(encoding="utf-8").replace('<a class="reply-link">Reply</a>', "")
    art = parse_page(html)
    assert [c.author for c in art.comments] == EXPECTED["jsdates"]["authors"]
    assert [c.posted_at for c in art.comments] == EXPECTED["jsdates"]["posted_at_html"]


def test_markup_times_in_teasers_are_no_comments() -> None:
    """The same empty <time datetime> elements under a "Latest news" teaser list stay teasers."""
    from service.parse import parse_page

    html = (PAGES / "trap_related.html").read_text(encoding="utf-8")
    for day in ("11", "9", "7"):
        html = html.replace(
            f"<time>{day} March 2019</time>", f'<time datetime="2019-03-{int(day):02d}"></time>'
        )
    assert parse_page(html).comments == ()
