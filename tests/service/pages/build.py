"""Build the unseen-style test pages: each comment system or trap as HTML and as a w3m-like text dump.

The pages are written for this repository (own text, no copied content) and imitate the markup and the
text layout of comment systems and CMSes that are NOT in /work/shared/articles. Run it to regenerate:
`.venv/bin/python -m tests.service.pages.build`; it writes <name>.html, <name>.w3m.txt and expected.json.
The pages live in page.py (the frame shared by all) and batch1.py to batch4.py; inscriptis.py renders
them as inscriptis would.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.service.pages.batch1 import (
    PAGES,
    blogger,
    coral,
    discourse,
    disqus,
    drupal,
    dutch,
    facebook,
    isostamp,
    italian,
    jcomments,
    lang_page,
    movabletype,
    numbered,
    phpbb,
    portuguese,
    spanish,
    substack,
    trap_byline,
    trap_changelog,
    trap_events,
    trap_related,
    viafoura,
    wp_threaded,
)
from tests.service.pages.batch2 import (
    BATCH2,
    german_numeric,
    livefyre,
    one_comment,
    relative_pt,
    trap_blog_index,
    trap_recent_comments,
    undated,
    vbulletin,
)
from tests.service.pages.batch3 import (
    BATCH3,
    commento,
    guardian_like,
    hace_es,
    jetpack_wp,
    trap_liveblog,
    trap_results,
    utterances,
)
from tests.service.pages.batch4 import (
    BATCH4,
    comment_hash,
    jsdates,
    names_thread,
    says_trap,
    short_body_teasers,
    subheaded,
)
from tests.service.pages.inscriptis import (
    inscriptis_like,
)
from tests.service.pages.page import (
    BODIES,
    FURNITURE,
    NAV,
    E,
    Page,
    expect,
    para_lines,
    ph,
    wrap,
)

__all__ = [
    "BATCH2",
    "BATCH3",
    "BATCH4",
    "BODIES",
    "FURNITURE",
    "NAV",
    "PAGES",
    "E",
    "Page",
    "blogger",
    "comment_hash",
    "commento",
    "coral",
    "discourse",
    "disqus",
    "drupal",
    "dutch",
    "expect",
    "facebook",
    "german_numeric",
    "guardian_like",
    "hace_es",
    "inscriptis_like",
    "isostamp",
    "italian",
    "jcomments",
    "jetpack_wp",
    "jsdates",
    "lang_page",
    "livefyre",
    "movabletype",
    "names_thread",
    "numbered",
    "one_comment",
    "para_lines",
    "ph",
    "phpbb",
    "portuguese",
    "relative_pt",
    "says_trap",
    "short_body_teasers",
    "spanish",
    "subheaded",
    "substack",
    "trap_blog_index",
    "trap_byline",
    "trap_changelog",
    "trap_events",
    "trap_liveblog",
    "trap_recent_comments",
    "trap_related",
    "trap_results",
    "undated",
    "utterances",
    "vbulletin",
    "viafoura",
    "wp_threaded",
    "wrap",
]

HERE = Path(__file__).resolve().parent


def main() -> None:
    expected = {}
    for make in PAGES + BATCH2 + BATCH3 + BATCH4:
        page = make()
        (HERE / f"{page.name}.html").write_text(page.html(), encoding="utf-8")
        (HERE / f"{page.name}.w3m.txt").write_text(page.text(), encoding="utf-8")
        (HERE / f"{page.name}.inscriptis.txt").write_text(inscriptis_like(page.html()), encoding="utf-8")
        expected[page.name] = {
            **page.expected,
            "batch": 4 if make in BATCH4 else 3 if make in BATCH3 else 2 if make in BATCH2 else 1,
        }
    (HERE / "expected.json").write_text(
        json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
