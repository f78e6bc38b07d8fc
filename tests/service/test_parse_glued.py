"""BeautifulSoup's plain get_text() of a page whose source has no line breaks between elements
(service.parse.glued): the page on one line, paragraphs glued, read back as its blocks. The page below
is written for this repository, in the shape BeautifulSoup 4.15's `get_text()` gives such a source."""

from __future__ import annotations

import pytest

import service.parse
from service.parse import parse_page
from service.parse.glued import LONG_LINE, looks_glued, split_glued

TITLE = "Otters return to the lower river"
PARAGRAPHS = [
    "Otters have been seen again along the lower river for the first time in thirty years, volunteers "
    "of the river trust said on Friday, after a winter of counting tracks on the muddy banks below "
    "the old mill and the railway bridge, where the water runs slow and clear over the gravel beds.",
    "The trust began planting willows along both banks eleven years ago, when the last of the paper "
    "works closed and the water began to clear, and it has since cleared the weirs that kept fish from "
    "the upper reaches, so that trout and eels came back first and the otters followed them downstream.",
    "Counting otters is slow work, because they hunt at night and rarely show themselves, so the "
    "volunteers read their tracks in the mud and their spraints on the stones, and set cameras at the "
    "places where the animals leave the water to cross the fields between two bends of the river.",
    "Farmers along the river have mostly welcomed the news, though some worry about their fish ponds, "
    "and the trust has offered to help them fence the ponds that lie closest to the water before the "
    "young otters leave their mothers in the autumn and go looking for stretches of river of their own.",
    "The next count is planned for the spring, when the trust hopes to find the first litters of cubs, "
    "and it asks walkers who see an otter to write down the place and the time and send them in, with "
    "a photograph if they can take one without coming too close or following the animal along the bank.",
    "For now the volunteers are glad simply to see the tracks again, said the trust's chair, who has "
    "walked the same stretch of river every week since she was a girl and had never seen one in her life "
    "until last winter, when a pair crossed the path in front of her at dusk near the footbridge.",
]
# Each paragraph twice as long, as news paragraphs are: the page's one line then over 3,000 characters.
PARAGRAPHS = [
    f"{p} The trust's winter report, part {i} of six, gives the places and the dates of every sighting "
    "along the lower river, with maps of the banks, the weirs and the fields, and the names of the "
    "volunteers who walked each stretch of it in the rain, the frost and the long dark evenings."
    for i, p in enumerate(PARAGRAPHS, 1)
]
# The <title>, then the site's navigation and the article, all on one line: the source had none.
PAGE = (
    f"\n{TITLE} | River News\n\n\n"
    "River News  Home  Nature  Towns  Contact  "
    f"{TITLE}by Ana Ruiz, March 2, 2012  " + "".join(PARAGRAPHS) + "  Share this storyRelated stories\n"
)


def test_a_glued_dump_reads_as_its_article() -> None:
    art = parse_page(PAGE, source="otters.bs4-plain", fmt="text")
    # The first line is the document <title>: the headline glued to its byline is no line it repeats.
    assert art.title == f"{TITLE} | River News"
    for paragraph in PARAGRAPHS:
        assert paragraph in art.body.splitlines()
    assert "Related stories" not in art.body


def test_without_the_reading_the_same_dump_lost_its_article(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the reading is for: the page on one line read as one block, the article not found.
    monkeypatch.setattr(service.parse, "looks_glued", lambda lines: False)
    art = parse_page(PAGE, source="otters.bs4-plain", fmt="text")
    assert not any(paragraph in art.body.splitlines() for paragraph in PARAGRAPHS)


def test_only_a_dump_with_glued_sentences_on_long_lines_is_touched() -> None:
    assert looks_glued(PAGE.split("\n"))
    # The same text line by line (a browser's dump), or one long paragraph with spaces after its
    # sentences (inscriptis), or a short line glued twice: not touched.
    assert not looks_glued([TITLE, *PARAGRAPHS])
    assert not looks_glued([" ".join(PARAGRAPHS * 2)])
    assert not looks_glued(["It ended.Then it began.Again"])


def test_splits_only_long_lines_at_sentence_ends_glued_to_a_word_and_runs_of_spaces() -> None:
    pad = "x" * LONG_LINE
    line = f"{pad} The iPhone at McDonald's in the U.S.A. sold.Then e.g.This, www.Example.com said."
    line += "\u201dNext  Home"
    assert split_glued([line, "Short.Line  kept"]) == [
        f"{pad} The iPhone at McDonald's in the U.S.A. sold.",
        "Then e.g.This, www.Example.com said.\u201d",
        "Next",
        "Home",
        "Short.Line  kept",
    ]


def test_a_huge_glued_line_splits_into_every_piece() -> None:
    big = ("A sentence ends here.Next one  " * 40_000).rstrip()  # about 1.2 MB on one line
    out = split_glued([big])
    assert len(out) == 80_000
    assert out[:3] == ["A sentence ends here.", "Next one", "A sentence ends here."]
