"""Bad input gets a clear InputError (and exit code 1 from the CLI), never a traceback."""

from __future__ import annotations

import codecs
import contextlib
import gzip
import json
import logging
import os
import random
import struct
import subprocess
import sys

import pytest

from core.errors import (
    BinaryInputError,
    DecodeError,
    EmptyInputError,
    InputError,
    MalformedInputError,
    TooLargeError,
)
from service.ingest import decode
from service.parse import parse_file, parse_page
from service.settings import Limits

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(EmptyInputError, match="empty"):
        parse_file(path)
    with pytest.raises(EmptyInputError):
        parse_page(b"  \n\r\n\t ")


def test_png(tmp_path):
    path = tmp_path / "pic.txt"
    path.write_bytes(PNG + bytes(range(256)) * 4)
    with pytest.raises(BinaryInputError, match="PNG"):
        parse_file(path)


def test_a_binary_format_is_named_in_a_sentence_that_reads():
    # "looks like a ELF executable", "a Ogg media", "a OLE document": the kind is now in brackets.
    with pytest.raises(BinaryInputError) as caught:
        parse_page(b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 4, source="/bin/ls")
    assert str(caught.value) == "/bin/ls: looks like binary data (ELF executable), not a text or HTML page"


def test_nul_bytes_are_binary():
    with pytest.raises(BinaryInputError):
        parse_page(b"hello\x00world\x00" * 100)


def test_50mb_text_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: the size is what matters, the check happens before reading
    with pytest.raises(TooLargeError, match="52,428,800 bytes is over the page limit of 20,971,520"):
        parse_file(path)
    with pytest.raises(TooLargeError):
        parse_file(path, limits=Limits(max_page_bytes=1024))


def test_configured_limit_applies_to_bytes_and_str():
    page = ("A line of article text that is long enough.\n" * 100).encode()
    with pytest.raises(TooLargeError):
        parse_page(page, limits=Limits(max_page_bytes=1000))
    with pytest.raises(TooLargeError):
        parse_page(page.decode(), limits=Limits(max_page_bytes=1000))


def test_invalid_utf8_with_no_fitting_encoding_is_a_decode_error():
    # 0x81, 0x8d, 0x8f, 0x90, 0x9d are undefined in cp1252 and these sequences are broken UTF-8.
    with pytest.raises((DecodeError, BinaryInputError)):
        parse_page(b"\xc3\x28\x81\x8d\x8f\x90\x9d\xa0\xa1\xe2\x28\xa1" * 50)


def test_a_page_declaring_utf8_with_a_few_broken_bytes_decodes():
    # A real page (Dragnet T2): ASCII but for one broken dash "\x80\x94" far down; it says UTF-8. The
    # undefined cp1252 bytes rule out the cp1252 fallback, so it used to be refused.
    head = b'<html><head><meta charset="utf-8"><title>Austerity</title></head><body>'
    prose = b"<p>Plain ASCII article prose, one paragraph after another.</p>\n" * 2000
    page = head + prose + b"<p>cuts\x80\x94to the bone \x81</p></body></html>"
    text = decode(page)
    assert "cuts\ufffd\ufffdto the bone" in text and text.startswith("<html>")


POLISH = (
    "Zgadzam si\u0119 z autorem, ale \u017ar\u00f3d\u0142a s\u0105 w\u0105tpliwe i \u0142atwo to "
    "sprawdzi\u0107. Rz\u0105d powinien wyja\u015bni\u0107, dlaczego ustawa zosta\u0142a przyj\u0119ta tak "
    "szybko, bez konsultacji spo\u0142ecznych.\n"
)


def test_a_central_european_code_page_is_read_by_its_language():
    # The single-byte guess alone prefers cp1252 here ("si\u00ea", "\u0178r\u00f3d\u00b3a"); the language
    # charset-normalizer reads is Polish, whose legacy code page is cp1250.
    assert decode((POLISH * 3).encode("cp1250")) == POLISH * 3


def test_a_real_windows_1252_text_keeps_its_curly_quotes(data_dir):
    # A Dragnet gold file saved in Windows-1252 (English): the guess alone read it as a DOS code page,
    # "Phelps\u2019s" as "Phelps\u00c6s".
    text = decode((data_dir / "dragnet-pages" / "78.gold.txt").read_bytes())
    assert "Phelps\u2019s" in text and "\u00c6" not in text


def test_cp1252_page_decodes():
    text = "Caf\xe9 cr\xe8me \u2014 \u201cquoted\u201d r\xe9sum\xe9 na\xefve.\n" * 20
    assert "Café crème — “quoted”" in decode(text.encode("cp1252"))


@pytest.mark.parametrize(
    "declared", ["unicode_escape", "undefined", "utf-16", "utf-32", "rot13", "idna", "base64"]
)
def test_a_declared_charset_that_is_no_page_charset_is_not_used(declared):
    # Python's codecs are not all charsets: "unicode_escape" turned "\\ud800" into a lone surrogate that
    # crashed the writer, "undefined" raised a bare UnicodeError, a declared UTF-16 read a cp1252 page
    # as CJK. HTML reads only ASCII-compatible declarations (a declared UTF-16 is UTF-8 there).
    head = f'<html><head><meta charset="{declared}"></head><body><p>'.encode()
    prose = (
        "Caf\xe9 \\ud800 cr\xe8me. "
        + "Le conseil s'est r\xe9uni mardi: le budget du pont, vot\xe9 \xe0 l'unanimit\xe9. " * 3
    )
    page = head + prose.encode("cp1252") + b"</p></body></html>"
    page += b" " * (-len(page) % 4)  # a length UTF-16 and UTF-32 can decode
    text = decode(page)
    assert prose in text
    assert all(not 0xD800 <= ord(c) <= 0xDFFF for c in text)


@pytest.mark.parametrize(
    "encoded",
    [
        codecs.BOM_UTF8 + "Ünïcödé title\r\nbody line\r\n".encode(),
        "Ünïcödé title\nbody line\n".encode("utf-16"),
        "Ünïcödé title\nbody line\n".encode("utf-16-le"),
        "Ünïcödé title\rbody line\r".encode(),
    ],
)
def test_encodings_and_line_ends(encoded):
    assert decode(encoded) == "Ünïcödé title\nbody line\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-le"])
@pytest.mark.parametrize("cut", [1, 3])
def test_a_wide_page_cut_off_mid_character_keeps_its_text(encoding, cut):
    # A download cut at a size cap ends inside a character: the whole page was refused ("starts with a
    # utf-16 BOM but is not valid utf-16"), where a UTF-8 page with a few broken bytes is read.
    text = "Ünïcödé title\nbody line with some words\n" * 10
    read = decode(text.encode(encoding)[:-cut])
    assert read.startswith(text[:-10]) and read.count("\ufffd") <= 1


def test_a_wide_page_with_many_broken_units_is_still_refused():
    # A UTF-16 BOM over random bytes is no text: its lone surrogates are far more than a few.
    noise = random.Random(7).randbytes(8000)
    with pytest.raises(InputError):
        decode(codecs.BOM_UTF16_LE + noise)


ARABIC = (
    "وافق المجلس البلدي على ميزانية الجسر الجديد بعد نقاش طويل في 12 مايو.\nأحمد: هذا قرار جيد للمدينة.\n"
)
RUSSIAN = (
    "Городской совет утвердил бюджет нового моста 12 мая.\nИван: Это хорошее решение, но слишком поздно.\n"
)
CHINESE = (
    "市议会在5月12日通过了新桥的预算。\n张伟：这是一个好决定，但是太晚了。\n李明 2017-05-12：我不同意。\n"
)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [ARABIC, RUSSIAN, CHINESE], ids=["arabic", "russian", "chinese"])
def test_utf16_without_a_bom_in_another_script_is_read(text, encoding):
    """UTF-16 with no BOM was recognised only by NULs in every other byte, which ASCII-range text has:
    Arabic, Russian or Chinese text has them only at its spaces, digits and line ends, and was refused
    as binary."""
    page = (text * 40).encode(encoding)
    assert decode(page) == text * 40
    assert decode(text.encode(encoding)) == text  # a short comment too


def _pdf() -> bytes:
    stream = random.Random(3).randbytes(4000)
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 4000 >>\nstream\n" + stream + b"\nendstream"


@pytest.mark.parametrize(
    "payload",
    [
        PNG + random.Random(1).randbytes(8000),
        gzip.compress(("Title\n\n" + RUSSIAN * 200).encode("utf-16-le"), mtime=0),
        _pdf(),
        *(random.Random(seed).randbytes(size) for seed in range(8) for size in (64, 8192)),
        # 16-bit numbers from 1 to 255: NUL in every other byte, like ASCII-range UTF-16 (read as text
        # before, control codes and all)
        struct.pack("<4096H", *random.Random(5).choices(range(1, 256), k=4096)),
        # ASCII text with a NUL every few letters, always on odd offsets: as UTF-16-LE it is all CJK
        b"hello\x00world\x00" * 100,
        b"budget\x00bridge\x00council\x00" * 200,
    ],
    ids=[
        "png",
        "gzip",
        "pdf",
        *(f"random-{seed}-{size}" for seed in range(8) for size in (64, 8192)),
        "u16",
        "nul",
        "nul2",
    ],
)
def test_binary_data_is_still_refused(payload):
    # (a short random blob may show no control byte: it is then refused as no encoding fits)
    with pytest.raises((BinaryInputError, DecodeError)):
        decode(payload)


def test_a_text_dump_that_opens_with_a_quoted_script_is_read_as_text(data_dir):
    # Dragnet T59's inscriptis dump starts with an ad's <script>/<noscript> snippet rendered as text:
    # sniffed as HTML, it showed nothing ("the HTML page has no visible text"); its w3m dump parses.
    page = (data_dir / "dragnet-pages" / "T59.inscriptis.txt").read_bytes()
    article = parse_page(page)
    assert article.format == "text" and "Manny Machado" in article.body
    assert parse_page(page, fmt="text") == article
    # Markup with nothing readable outside its tags and scripts stays an error, sniffed or declared.
    for empty in (
        b"<div id=app></div><script>render()</script><p></p>",
        b"<!doctype html><html><body></body>",
    ):
        with pytest.raises(EmptyInputError):
            parse_page(empty)


def test_html_nested_10000_deep():
    html = "<html><body><h1>Deep page title</h1>" + "<div>" * 10_000 + "deep text" + "</div>" * 10_000
    html += "<p>after the nest</p></body></html>"
    article = parse_page(html.encode(), fmt="html")
    assert "deep text" in article.body
    assert "after the nest" in article.body


def test_html_nested_deep_without_closing_tags():
    html = "<html><body>" + "<blockquote><ul><li>" * 5000 + "x</body></html>"
    article = parse_page(html, fmt="html")
    assert article.format == "html"


@pytest.mark.slow
def test_page_with_10000_comments_parses():
    head = "A page with a very long thread\n\nThe article body sentence is here and it is long enough.\n\n"
    thread = "".join(
        f"Thumb user{i} 17 May 2017, {i % 24:02d}:{i % 60:02d}\n\ncomment number {i} says something\n\n"
        for i in range(10_000)
    )
    article = parse_page(head + "Comments 10000\n" + thread)
    assert len(article.comments) == 10_000
    assert article.comments[9_999].author == "user9999"
    assert article.declared_comment_count == 10_000


def test_comments_over_the_limit_are_refused():
    thread = "".join(f"Thumb user{i} 17 May 2017, 10:{i % 60:02d}\n\ntext {i}\n\n" for i in range(50))
    with pytest.raises(TooLargeError):
        parse_page("Title line here\n\nComments 50\n" + thread, limits=Limits(max_comments_per_page=10))


def test_unknown_format_is_an_input_error():
    with pytest.raises(MalformedInputError):
        parse_page("text", fmt="pdf")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "payload",
    [b"", PNG, b"\xff\xfe\x00", b"<html>" * 3, b"\xef\xbb\xbf", b"<" * 10_000, b"\x1b[31m" * 100],
)
def test_only_input_errors_escape(payload):
    # Either a parse or an InputError: anything else propagates and fails the test.
    with contextlib.suppress(InputError):
        parse_page(payload)


@pytest.mark.parametrize(
    ("payload", "message"),
    [(b"", "empty"), (PNG, "PNG"), (b"\x00\x01\x02" * 100, "binary")],
)
def test_cli_gives_one_line_message_and_exit_1(tmp_path, payload, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(payload)
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", str(path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert message.lower() in lines[0].lower()


def _parse_cli(*argv: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        **kw,
    )


def test_a_fifo_nobody_writes_to_is_a_one_line_error_not_a_hang(tmp_path):
    # open() on a FIFO blocks until a writer comes: `moderate parse FIFO` used to hang for ever.
    fifo = tmp_path / "page.fifo"
    os.mkfifo(fifo)
    proc = _parse_cli(str(fifo))
    assert proc.returncode == 1 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "FIFO" in lines[0], proc.stderr


def test_a_page_piped_in_through_dev_stdin_is_still_read(seeds_dir):
    page = sorted(seeds_dir.glob("*.txt"))[0].read_text(encoding="utf-8")
    proc = _parse_cli("/dev/stdin", input=page)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["comments"]


@pytest.mark.parametrize(
    "page",
    [
        "Title\n\n" + "a\n" * 400_000,  # text: 10 MB of one-letter lines took 14 s and 1.8 GB of memory
        "Title\n" + "\n" * 400_000 + "body",
        "<html><body>" + "<p>x</p>" * 400_001 + "</body></html>",
    ],
    ids=["short-lines", "blank-lines", "html-blocks"],
)
def test_a_page_of_too_many_lines_is_refused(page):
    # HTML: the element bound (300,000, checked before libxml2) comes before the line bound.
    with pytest.raises(TooLargeError, match=r"(lines|HTML elements) is over the limit of [34]00,000"):
        parse_page(page)


def test_the_line_limit_is_configurable_and_real_pages_are_far_below_it(seeds_dir):
    seed = sorted(seeds_dir.glob("*.txt"))[0].read_bytes()
    assert parse_page(seed).comments
    with pytest.raises(TooLargeError):
        parse_page(seed, limits=Limits(max_page_lines=10))


def test_byte_order_mark_in_a_str_page_is_not_text():
    # bytes input drops the BOM in decode(); a str (from JSON, or a file read as text) must too.
    page = (
        "Council approves the new budget\n\n"
        "The council approved the budget on Tuesday after a long debate about roads.\n"
    )
    plain = parse_page(page)
    marked = parse_page("\ufeff" + page)
    assert marked.title == plain.title == "Council approves the new budget"
    assert marked.body == plain.body


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\r\n", "\r"])
def test_a_str_page_ends_its_lines_where_the_same_bytes_do(seeds_dir, separator):
    # A page sent as JSON content is a str; decode() ends lines at U+2028, U+2029 and NEL for bytes, and
    # a str page kept them inside one line: the seed read as one line, no title and no comment.
    seed = (seeds_dir / "000_c9b04fa1e4a574b0.txt").read_text(encoding="utf-8")
    expected = parse_page(seed.encode(), fmt="text")
    assert expected.comments
    page = seed.replace("\n", separator)
    for data in (page, page.encode()):
        article = parse_page(data, fmt="text")
        assert (article.title, article.body, article.comments) == (
            expected.title,
            expected.body,
            expected.comments,
        )


@pytest.mark.parametrize(
    ("page", "message"),
    [
        # One element with 50,000 attributes took libxml2 20-40 s.
        (
            "<html><body><div " + " ".join(f"a{i}=1" for i in range(50_000)) + ">x</div></body></html>",
            "attributes",
        ),
        # The same hidden behind quoted ">": attributes are counted as an HTML5 tokenizer reads them.
        ("<div " + " ".join(f'a{i} x=">"' for i in range(5_000)) + ">x</div>", "attributes"),
        # Many elements of 1,000 attributes each: the sum of squares is bounded, not only the largest.
        ("".join(f"<p {' '.join(f'a{k}_{i}' for i in range(1_000))}>x</p>" for k in range(60)), "attributes"),
        # 20 MB of `a<br>`: 4M elements took 1.7 GB and 34 s before the line limit refused them.
        ("<html><body>" + "a<br>" * 4_000_000 + "</body></html>", "elements"),
    ],
    ids=["one-element", "quoted-gt", "many-elements", "many-br"],
)
def test_markup_that_would_cost_far_more_than_its_size_is_refused_before_libxml2(page, message, monkeypatch):
    import lxml.html

    def libxml2(*args, **kwargs):
        raise AssertionError("libxml2 was given the page")

    monkeypatch.setattr(lxml.html, "document_fromstring", libxml2)
    with pytest.raises(TooLargeError, match=message):
        parse_page(page.encode(), fmt="html")


def test_real_pages_pass_the_markup_check(articles_dir):
    from service.html import check_markup

    pages = sorted(articles_dir.rglob("*.html"))
    assert len(pages) >= 20
    for path in pages:
        check_markup(path.read_text(encoding="utf-8", errors="replace"))


def _record_extractions(monkeypatch) -> list[dict[str, object]]:
    """trafilatura.extract, recording how it was called (its keyword arguments)."""
    import trafilatura

    calls: list[dict[str, object]] = []
    real = trafilatura.extract

    def extract(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "extract", extract)
    return calls


_BRIEF = "<html><body><h1>Fire on Main Street</h1><p>A fire broke out on Main Street on Tuesday.</p>"


@pytest.mark.slow
def test_a_page_of_many_short_pieces_skips_the_extractors_quadratic_fallbacks(monkeypatch):
    # A short article over 8,000 one-line comments: trafilatura's fallbacks (justext compares each short
    # paragraph with its neighbours) took 16 s for these 620 KB, 4.5 s for half of it.
    thread = "".join(
        f"<div class=post><div class=who>user{i}</div><div class=txt>lol ok</div></div>" for i in range(8_000)
    )
    calls = _record_extractions(monkeypatch)
    article = parse_page(_BRIEF + thread + "</body></html>", fmt="html")
    assert [c.get("fast") for c in calls] == [True]
    assert "A fire broke out on Main Street on Tuesday." in article.body
    calls.clear()
    parse_page(_BRIEF + thread[: len(thread) // 40] + "</body></html>", fmt="html")
    assert [c.get("fast") for c in calls] == [False]  # a page of real size: every fallback, as before


def test_a_table_grid_bomb_is_not_given_to_the_extractor(monkeypatch):
    # 80 cells spanning 100 columns and 100 rows, in 4 KB: trafilatura's table reader took 6 s (n² in the
    # grid's slots: 320 such cells, 10 KB, about 90 s).
    table = "<table><tr>" + '<td colspan="100" rowspan="100">c' * 80 + "<tr><td>x" * 100 + "</table>"
    calls = _record_extractions(monkeypatch)
    article = parse_page(_BRIEF + table + "</body></html>", fmt="html")
    assert calls == []
    assert "A fire broke out on Main Street on Tuesday." in article.body


@pytest.mark.parametrize("inline", ["<b>w</b>x", "<a href='#'>w</a>x", "<em><i>w</i></em>x"])
def test_a_paragraph_of_thousands_of_inline_pieces_is_not_given_to_the_extractor(monkeypatch, inline):
    # One <p> of 8,000 bold words, 75 KB: trafilatura lists its pieces of text in time quadratic in
    # their number (2.7 s; 56,000 of them, 506 KB: 248 s). The same words over paragraphs of real size
    # are extracted as before.
    calls = _record_extractions(monkeypatch)
    article = parse_page(_BRIEF + "<p>" + inline * 8_000 + "</p></body></html>", fmt="html")
    assert calls == []
    assert "A fire broke out on Main Street on Tuesday." in article.body
    parse_page(_BRIEF + ("<p>" + inline * 100 + "</p>") * 80 + "</body></html>", fmt="html")
    assert len(calls) == 1


def test_thousands_of_paragraphs_of_inline_pieces_are_not_given_to_the_extractor(monkeypatch):
    # 5,400 paragraphs of ten bold words (59,400 elements, under MAX_EXTRACTED_ELEMENTS): 9.5 s there.
    calls = _record_extractions(monkeypatch)
    article = parse_page(_BRIEF + ("<p>" + "<b>w</b>x" * 10 + "</p>") * 5_400 + "</body></html>", fmt="html")
    assert calls == []
    assert "A fire broke out on Main Street on Tuesday." in article.body


def test_the_paragraph_pieces_count_a_nested_paragraph_once():
    from lxml import etree

    from service.parse.maintext import _paragraph_pieces

    flat = etree.fromstring("<div><p>a<b>b</b>c</p><p>d<i>e</i></p></div>")
    assert _paragraph_pieces(flat) == (5, 3 * 3 + 2 * 2)
    # (HTML's parser closes a <p> at a block; a tree built otherwise may nest them: one count, the outer)
    nested = etree.fromstring("<div><p>a<b>b</b>c<span><p>d<i>e</i></p></span></p></div>")
    assert _paragraph_pieces(nested) == (5, 5 * 5)  # a, b, c, d, e: not (7, 25 + 2 * 2)


@pytest.mark.parametrize(
    "tail",
    ["<script>x", "<!--x", "<script x", "a < b "],
    ids=["unclosed-scripts", "unclosed-comments", "openers-without-gt", "lone-lt"],
)
@pytest.mark.parametrize(
    "start",
    ["<html><body>" + "<div>" * 300, "<p></p><div></div><span></span>"],
    ids=["too-deep", "shows-nothing"],
)
def test_tag_stripping_stays_linear_on_blocks_that_never_close(start, tail):
    # The tag-stripping fallback (a page nested deeper than libxml2 allows, or one sniffed as HTML that
    # shows nothing) searched the rest of the page again for every opener without its closer: 145 KB of
    # "<script>x" took 7 s, 1 MB several minutes. The searches are str.find and regex calls, which show
    # no count of the work they did: the bound on CPU time (not wall time) stays, only as a guard against
    # that near-hang. Each page takes at most ~0.3 s of CPU, 30 times less than the bound.
    import time

    page = start + "<p>hello there</p>" + tail * 100_000
    started = time.process_time()
    with contextlib.suppress(InputError):
        parse_page(page)
    assert time.process_time() - started < 10


def test_tag_stripping_drops_scripts_styles_and_comments_to_their_first_closer():
    from service.html import _flat_lines

    page = (
        "<p>one</p><SCRIPT type=x>var a = '<p>no</p>';</script ><p>two<!-- <p>no</p> --></p>"
        "<style>p{}</STYLE><p>three</p><!-- never closed <script> <p>four</p>"
    )
    assert [ln.text for ln in _flat_lines(page)] == ["one", "two", "three", "four"]


@pytest.mark.parametrize(
    "comment",
    [
        "Reader{i}\n\nI think the minister is right about point {i}.\nReply\n",  # closed by a reply link
        "• Reader{i}\n    I think the minister is right about point {i}.",  # list items, text indented
    ],
    ids=["reply-closed", "listed"],
)
def test_a_long_thread_without_dates_is_read_to_its_end(comment):
    # Dateless comments were looked for only in the 4,000 lines under the heading: of 3,000 such
    # comments, the rest were left in the body, or folded into the last one found (1,001 in one text).
    head = "A page with a very long thread\n\n" + "The article body sentence is long enough here.\n\n" * 3
    thread = "\n".join(comment.format(i=i) for i in range(3_000))
    article = parse_page(head + "Comments\n\n" + thread, fmt="text")
    assert len(article.comments) == 3_000
    assert article.comments[-1].author == "Reader2999"
    assert article.comments[-1].text == "I think the minister is right about point 2999."


@pytest.mark.slow
def test_a_page_of_more_elements_than_any_real_one_is_not_given_to_the_extractor(monkeypatch):
    # trafilatura copies the tree four or five times: 280,000 <p> elements (2.2 MB) took +464 MB and 10 s
    # there, on top of the rest of the parse.
    calls = _record_extractions(monkeypatch)
    article = parse_page(_BRIEF + "<p>w</p>" * 70_000 + "</body></html>", fmt="html")
    assert calls == []
    assert "A fire broke out on Main Street on Tuesday." in article.body


def test_a_page_nested_past_libxml2s_depth_keeps_its_title_and_text_and_says_so():
    """200,000 nested <div>s: libxml2 stops reading at its depth limit, so the page is read by tag
    stripping; the <title> was lost with the <head>, and trafilatura, handed the same page, read only
    the text above the nest ("Hi there") and dropped the article's paragraph as "outside the main
    text". Nothing said so: a hostile page could hide its text from moderation silently."""
    sentence = "A new protected cycle lane along the river road opened to the public this weekend."
    html = (
        "<html><head><title>Hi there</title></head><body><h1>Hi there</h1>"
        + "<div>" * 200_000
        + f"<p>{sentence} Inside.</p>"
        + "</div>" * 200_000
        + f"<p>{sentence} After.</p></body></html>"
    )
    article = parse_page(html.encode(), fmt="html")
    assert article.title == "Hi there"
    assert f"{sentence} Inside." in article.body and f"{sentence} After." in article.body
    assert any("nested deeper" in w for w in article.warnings)


@pytest.mark.parametrize(
    "big",
    [
        "<script>var state = '" + "x" * 10_600_000 + "';</script>",  # a framework's inline page state
        '<img alt="" src="data:image/png;base64,' + "A" * 10_600_000 + '">',  # a single-file save's image
    ],
    ids=["inline-script", "data-uri"],
)
def test_a_page_with_a_text_over_libxml2s_buffer_keeps_what_follows_it_and_says_so(monkeypatch, big):
    """One text or attribute over libxml2's 10 MB buffer ended its tree there: the comments after it
    were lost without a word (and a page with nothing before it was "no visible text")."""
    calls = _record_extractions(monkeypatch)
    html = (
        "<html><head><title>Budget vote</title></head><body>"
        + big
        + "<h1>City council approves new budget after long debate</h1><p>The city council approved a new "
        "budget on Tuesday after a debate that lasted more than six hours.</p>"
        "<section class='comments'><h3>2 responses to “City council approves new budget”</h3><ol>"
        "<li class='comment'><div class='comment-author'>Ann Lee says:</div>"
        "<div>March 2, 2021 at 4:11 pm</div>"
        "<p>Good news for the libraries.</p><a>Reply</a></li>"
        "<li class='comment'><div>Cy Díaz says:</div><div>March 3, 2021 at 9:30 am</div>"
        "<p>What about the buses?</p><a>Reply</a></li></ol></section></body></html>"
    )
    article = parse_page(html, fmt="html")
    assert article.title == "City council approves new budget after long debate"
    assert "after a debate that lasted more than six hours." in article.body
    assert [(c.author, c.text) for c in article.comments] == [
        ("Ann Lee", "Good news for the libraries."),
        ("Cy Díaz", "What about the buses?"),
    ]
    assert any("10 MB buffer" in w for w in article.warnings)
    assert calls == []  # trafilatura's parse would stop at the same text


def test_a_page_within_libxml2s_depth_has_no_nesting_warning():
    html = "<html><body><h1>Deep page title</h1>" + "<div>" * 200 + "<p>deep text here</p>" + "</div>" * 200
    assert not parse_page(html, fmt="html").warnings


def test_a_page_without_main_text_logs_no_warning_of_the_extractor(caplog):
    # An HTML page with no body text (a crawled error page, Dragnet's R427) made trafilatura log
    # "WARNING trafilatura.core: discarding data: None" on every `moderate parse`, `score` or API call:
    # a line that reads as lost data, while the parser's own (empty) body stands, as for any page
    # the extractor finds no main text in.
    page = b"<html><head><title>ERROR</title></head><body>\n</body></html>"
    with caplog.at_level("DEBUG"):
        article = parse_page(page, fmt="html")
    assert (article.title, article.body, article.comments) == ("ERROR", "", ())
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    # One bare line sent as HTML (`/v1/articles:score` with text/html): "ERROR trafilatura.utils: parsed
    # tree length: 1, wrong data type or not valid HTML" in the server's log, for the client's input.
    for page in (b"The meeting starts at noon.", b"<!-- c -->The meeting starts at noon."):
        caplog.clear()
        with caplog.at_level("DEBUG"):
            assert parse_page(page, fmt="html").body
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("shape", ["soup-chain", "soup-spaces", "wrapped-markdown"])
def test_reading_back_a_scrapers_line_breaks_stays_linear(shape):
    # BeautifulSoup's and html2text's dumps are read back by joining lines (service/parse/soup.py,
    # unwrap.py). Joining each piece onto the growing line, and testing the whole line each time, made one
    # long paragraph quadratic: 0.78 MB of wrapped markdown took 263 s. Now ~0.3 s of CPU for each page
    # here, 30 times under the bound (CPU time, not wall: a guard against the near-hang, as above).
    import textwrap
    import time

    from service.parse.soup import join_soup
    from service.parse.unwrap import unwrap, wrap_width

    started = time.process_time()
    if shape == "wrapped-markdown":
        words = "lorem ipsum dolor [sit](http://example.org/a-b) amet consectetur elit sed do " * 20_000
        text = textwrap.fill(words, 78) + "\n"
        lines = text.split("\n")
        width = wrap_width(text, lines)
        assert width is not None
        assert len(unwrap(lines, width)) == 2  # one paragraph, and the empty line after it
    else:
        piece = "word{i} " if shape == "soup-chain" else "w{i}\n "  # "NAME" / " " / "NAME" ...
        lines = "\n".join(piece.format(i=i) for i in range(200_000)).split("\n")
        assert len(join_soup(lines)) <= 2
    assert time.process_time() - started < 10


def test_a_short_western_text_is_read_in_the_code_page_of_its_language():
    """Bug hunt: charset-normalizer placed a short French text in Czech and chose Windows-1250, "Café ŕ
    Paris". Our language detector reads both readings: the French one is surer."""
    french = "Café à Paris. Il fait très beau à la plage, où les enfants jouent.\n"
    assert decode(french.encode("cp1252")) == french
    czech = "Příliš žluťoučký kůň úpěl ďábelské ódy. Vláda to včera schválila bez diskuse.\n"
    assert decode((czech * 2).encode("cp1250")) == czech * 2
