"""No silent misses: a page that says it has comments gets them, or a warning with the reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.records import Article
from service.parse import parse_file, parse_page

# Pages written for this repository in the shape w3m gives two layouts: Commento's thread (a letter
# avatar, the name, a date alone on its line, no heading) and a news site's table rows (name and stamp
# in one cell, the text in the next, relative and absolute stamps).
PLATFORMS = Path(__file__).resolve().parent / "platforms"

_ARTICLE = " ".join(
    ["We walked the old coast path from the harbour to the lighthouse, stopping for tea halfway."] * 4
)
_COMMENTS = [
    (
        "Anna Berg",
        "12/02/2024 18:40",
        "Lovely write-up, we did the same walk last spring and loved the cafe.",
    ),
    ("Tom", "12/02/2024 19:05", "Was the path muddy after the rain? Thinking of going next weekend."),
    ("Maria S.", "13/02/2024 08:12", "Thanks for the tip about the tea, the scones there are the best."),
    ("jk", "13/02/2024 10:30", "Great photos. Which camera did you use for the lighthouse shots?"),
]


def _blog(heading: str) -> str:
    """A hand-written blog page: comment text first, then a "— name, date" footer."""
    html = "<html><head><title>A walk to the lighthouse</title></head><body><h1>A walk to the lighthouse</h1>"
    html += "".join(f"<p>{_ARTICLE}</p>" for _ in range(3)) + f"<h2>{heading}</h2>"
    for name, when, text in _COMMENTS:
        html += f'<div class="c"><p>{text}</p><p class="by">— {name}, {when}</p></div>'
    return html + "<p>Write to us at letters@example.org</p></body></html>"


def test_readers_said_heading_with_dash_footers_gives_every_comment() -> None:
    art = parse_page(_blog("What readers said (4)"), fmt="html")
    assert [c.author for c in art.comments] == ["Anna Berg", "Tom", "Maria S.", "jk"]
    assert [c.text for c in art.comments] == [t for _, _, t in _COMMENTS]
    assert art.declared_comment_count == 4
    assert art.warnings == ()
    assert "Lovely write-up" not in art.body


def test_same_page_as_text_gives_every_comment() -> None:
    text = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + "\n\nWhat readers said (4)\n\n"
    text += "\n\n".join(f"{t}\n— {n}, {w}" for n, w, t in _COMMENTS)
    art = parse_page(text, fmt="text")
    assert [c.author for c in art.comments] == ["Anna Berg", "Tom", "Maria S.", "jk"]
    assert art.warnings == ()


def test_declared_count_above_found_warns_with_the_numbers() -> None:
    art = parse_page(_blog("What readers said (6)"), fmt="html")
    assert len(art.comments) == 4
    assert len(art.warnings) == 1
    assert "declares 6 comment(s) but 4 were found" in art.warnings[0]


def test_repeated_dated_lines_that_are_not_read_as_comments_warn() -> None:
    # No heading and no cue: the footers are not read as comments, but the page shows their shape.
    html = _blog("").replace("<h2></h2>", "")
    art = parse_page(html, fmt="html")
    assert len(art.comments) == 4 or any("dated lines of one shape" in w for w in art.warnings), art


def test_page_without_comment_evidence_has_no_warning() -> None:
    html = "<html><body><h1>Plain page title here</h1>" + f"<p>{_ARTICLE}</p>" * 3 + "</body></html>"
    assert parse_page(html, fmt="html").warnings == ()


def test_name_lines_over_bare_dates_with_no_comment_found_warn() -> None:
    # Commento with voting off: no "4 points" under the stamps, the cue that now finds its comments.
    text = (PLATFORMS / "commento.w3m.txt").read_text(encoding="utf-8")
    art = parse_page(re.sub(r"(?m)^\d+ points?\n", "", text), fmt="text")
    assert len(art.comments) < 4  # the layout is not read yet; the miss must be loud
    assert any("name lines with a date alone under them" in w and "'Lena Park'" in w for w in art.warnings)


def test_stamps_outside_every_header_in_a_found_thread_warn() -> None:
    art = parse_file(PLATFORMS / "table_rows.w3m.txt")
    assert len(art.comments) < 6
    warned = [w for w in art.warnings if "3 stamps stand alone in the comment section" in w]
    assert warned and "'há 2 horas'" in warned[0]


def test_one_name_over_bare_dates_is_a_feed_not_a_thread() -> None:
    feed = "\n\n".join(
        f"@HarbourNews\nMay {d}, 2024, 10:5{d} am\nThe river road cycle lane is open from the bridge on."
        for d in range(1, 5)
    )
    page = (
        "Cycle lane opens\n\nA new protected cycle lane along the river road opened to the public "
        "this weekend after eighteen months of construction work and a long public debate.\n\n" + feed
    )
    assert not parse_page(page, fmt="text").warnings


def _phpbb_soup_page() -> str:
    posts = "".join(
        f"{name}\nMember\nJoined:\n Fri Feb 09, 2024 9:00 pm\nRe: A walk to the lighthouse\nQuote\nby \n"
        f"{name}\n » \n{when}\n{text}\nTop\n"
        for name, when, text in [
            (n.replace(" ", "_"), f"Tue Mar 12, 2024 {w[-5:]} am", t) for n, w, t in _COMMENTS
        ]
    )
    return f"A walk to the lighthouse\nBoard index\n{_ARTICLE}\n{posts}Powered by phpBB\n"


def test_a_byline_one_element_a_line_with_no_comment_found_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    """phpBB in BeautifulSoup's get_text("\\n"): "by" / NAME / "»" / DATE, each on its own line, with the
    poster's "Joined:" / DATE above. Read line by line, no comment is read (0 of 9 on the hunt's page);
    the miss was silent. (Since session 29 such a dump is read back as its page, below; the warning is
    kept for a layout it does not recognise.)"""
    import service.parse

    monkeypatch.setattr(service.parse, "looks_like_soup", lambda text, lines: False)
    art = parse_page(_phpbb_soup_page(), fmt="text")
    assert len(art.comments) < 4  # the layout is not read line by line; the miss must be loud
    assert any("name lines with a date alone under them" in w and "'Anna_Berg'" in w for w in art.warnings)


def test_a_byline_one_element_a_line_is_read_as_beautifulsoup_wrote_it() -> None:
    # service.parse.soup joins "by " / NAME / " » " / DATE into phpBB's "by NAME » DATE" bar.
    art = parse_page(_phpbb_soup_page(), fmt="text")
    assert [c.author for c in art.comments] == [n.replace(" ", "_") for n, _, _ in _COMMENTS]
    assert [c.text for c in art.comments] == [t for _, _, t in _COMMENTS]
    assert not art.warnings


def test_a_thread_whose_stamps_all_head_comments_does_not_warn() -> None:
    art = parse_file(PLATFORMS / "coral.w3m.txt")
    assert art.comments and not art.warnings


@pytest.mark.parametrize("button", ["2 replies", "Responses (2)", "2 Antworten"])
def test_stamps_folded_into_the_last_comment_and_past_it_warn(button: str) -> None:
    """Discourse's embed in w3m: posts headed by "2 May in reply to NAME", then two stamped "about 5
    hours" / "about 2 hours", under an undated first post and its "2 replies" button. The stamps join
    the "2 May" shape (six posts read), but the button is taken for the thread's heading and the first
    post above it is lost: the counter smaller than the thread under it says so. A reply button is
    counters.REPLY_COUNT, in every language and form it reads (one pattern for both stages)."""
    posts = [
        ("bikebob", "2 May in reply to lena_park", "Same for me, and it feels much safer at the roundabout."),
        ("kai_r", "2 May in reply to bikebob", "Shame about the parking spaces on Station Road though."),
        ("dana_w", "3 May", "There is a new car park behind the station with two hundred spaces."),
        ("oskar", "3 May in reply to dana_w", "Good to know, I had no idea it was open already."),
        ("m_ortiz", "about 5 hours", "When will the lane reach the hospital? That is where we need it most."),
        ("j_fenn", "about 2 hours", "The verges look lovely already, well done to the gardeners."),
    ]
    thread = "".join(f"{when}\n[{name}]\n\n{name}\n\n{text}\n\n" for name, when, text in posts)
    first = "[lena_park]\n\nlena_park\n\nThe new lane is great, my commute is ten minutes shorter now.\n\n"
    page = f"A walk to the lighthouse\n\n{_ARTICLE}\n\n{first}{button}\n{thread}The Courier.\n"
    art = parse_page(page, fmt="text")
    assert len(art.comments) == 6  # the first post is not read yet; the loss must be loud
    warned = [w for w in art.warnings if f"heading {button!r} counts 2 but 6 comment(s) were found" in w]
    assert warned and "missed" in warned[0]


# A WordPress post without comments as inscriptis renders it: the article, then the empty comment form
# whose "Comment" field label also reads as a comment heading.
_FORM = (
    "Leave a Reply\n\nYour email address will not be published. Required fields are marked *\n\n"
    "Name *\n\nEmail *\n\nWebsite\n\n{label}\n\n"
    'You may use these HTML tags and attributes: <a href="" title=""> <b> <blockquote cite=""> <em>\n\n'
    "Post Comment\n"
)


def _post(between: str, label: str = "Comment") -> str:
    text = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + "\n\n"
    return text + between + _FORM.format(label=label)


def test_a_comment_forms_field_label_is_no_heading_and_gives_no_warning() -> None:
    for label in ("Comment", "Comment:"):
        art = parse_page(_post("", label), fmt="text")
        assert art.comments == ()
        assert art.warnings == (), label
        assert [d.reason for d in art.dropped if d.text == label] == ["comment form"]


def test_a_w3m_text_box_beside_the_label_makes_it_a_form_label() -> None:
    # TypePad's form in w3m: "URL:" (no known label) above, the text box "[     ]" under the label.
    text = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + "\n\nURL:\n\nComment:\n[" + " " * 30
    art = parse_page(text + "]\n[" + " " * 30 + "]\n", fmt="text")
    assert art.warnings == ()


def test_a_comments_heading_over_an_empty_thread_and_form_still_warns() -> None:
    for heading in ("Comments", "Comment"):
        art = parse_page(_post(f"{heading}\n\nFeed You can follow this conversation.\n\n"), fmt="text")
        assert art.comments == ()
        assert [w for w in art.warnings if f"comment section heading ({heading!r}) but no comments" in w]


def test_a_label_between_a_required_marker_and_the_allowed_tags_notice_is_the_form() -> None:
    # "Email" alone also reads as a share button; the "*" of a required field stands on its own line.
    head = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + "\n\n"
    for form in (
        "Name\n\n*\n\nEmail\n\n*\n\nComment\n\nAnti-spam word: (Required)\n",
        'CAPTCHA Code *\n\nComment\n\nYou may use these HTML tags and attributes: <a href=""> <b>\n',
        "Anti-spam word: (Required)\n\nComment\n\nDu kannst folgende HTML-Tags verwenden: <a>\n",
    ):
        art = parse_page(head + form, fmt="text")
        assert art.warnings == (), form


def test_a_comment_button_in_a_row_of_buttons_is_no_heading() -> None:
    # A Posterous post's footer: "N responses", then its buttons "Like • Comment", one a line in w3m.
    head = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + "\n\n0 responses\n"
    for row in ("•\nLike\n•\nComment\n", "Like\nComment\n", "Like\n|\nComment\n"):
        art = parse_page(head + row + "\nDesign by MetaLab\n", fmt="text")
        assert art.warnings == (), row
        assert [d.reason for d in art.dropped if d.text == "Comment"] != ["comment section heading"]


def test_a_comments_heading_under_a_row_of_buttons_past_a_blank_line_still_warns() -> None:
    head = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + "\n\nLike\n•\nShare\n\n"
    art = parse_page(head + "Comment\n\nFeed You can follow this conversation.\n", fmt="text")
    assert [w for w in art.warnings if "comment section heading ('Comment') but no comments" in w]


def test_a_label_over_its_notice_and_the_next_form_line_is_the_form() -> None:
    # The label, a notice of its own under it, then the form again ("Notify me ..."): in text, one block;
    # in HTML, past "&nbsp;" lines the page escaped twice (shown as text).
    notice = "Posting indicates you have read this site's Privacy Policy and agree to its terms."
    head = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + "\n\nHave an opinion?\n\n"
    art = parse_page(head + f"Comment:\n{notice}\nNotify me when there are more comments\n", fmt="text")
    assert art.warnings == ()
    paras = "".join(f"<p>{_ARTICLE}</p>" for _ in range(3))
    form = "".join(f"<div>{x}</div>" for x in ("&amp;nbsp;", "Comment:", notice, "&amp;nbsp;"))
    html = f"<html><body><h1>A walk</h1>{paras}<form>{form}<div>Notify me when there are more comments</div>"
    art = parse_page(html + "</form></body></html>", fmt="html")
    assert art.warnings == ()


def test_a_label_over_a_sentence_and_a_form_in_another_block_still_warns() -> None:
    head = "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + "\n\n"
    art = parse_page(
        head + "Comment\nFeed You can follow this conversation.\n\nNotify me when there are more comments\n",
        fmt="text",
    )
    assert [w for w in art.warnings if "comment section heading ('Comment') but no comments" in w]


def _thread(under_heading: str, heading: str = "Comments") -> str:
    return "A walk to the lighthouse\n\n" + "\n\n".join([_ARTICLE] * 3) + f"\n\n{heading}\n\n{under_heading}"


def _heading_warnings(art: Article) -> list[str]:
    return [w for w in art.warnings if "comment section heading" in w and "but no comments were found" in w]


def test_a_heading_over_the_comment_form_is_an_empty_thread_and_gives_no_warning() -> None:
    for heading in ("Comments", "User Comments", "Reader Comments", "What do you think?"):
        art = parse_page(_thread(_FORM.format(label="Comment"), heading), fmt="text")
        assert art.comments == ()
        assert _heading_warnings(art) == [], heading
    # w3m's form: its heading, a field label and its text box; and the form opening on a text box.
    for form in ("Post a comment\n\nName:\n[" + " " * 20 + "]\n", "[" + " " * 40 + "]\n\nRemember My Info\n"):
        assert _heading_warnings(parse_page(_thread(form, "Comments:"), fmt="text")) == [], form


def test_a_heading_over_its_no_comments_notice_gives_no_warning() -> None:
    for notice in (
        "No comments yet.",
        "No user comments yet.\n\nBe the first to express your opinion!",
        "There are no comments for this journal entry. To create a new comment, use the form below.",
        "0 comments have been made. Post a comment.",
        "0 Comments",
        "Be the first to comment!",
        "The comments to this entry are closed.",
        "Comments are closed.",
        "Noch keine Kommentare vorhanden.",
        "Soyez le premier à réagir",
        "none\n\nComment:\n\nSubmit Comment",  # Gamasutra: the count as a word, then the form
    ):
        art = parse_page(_thread(notice + "\n\nDesign by MetaLab\n"), fmt="text")
        assert art.comments == ()
        assert _heading_warnings(art) == [], notice


def test_typepads_empty_thread_past_its_feed_notice_and_preview_box_gives_no_warning() -> None:
    feed = "Feed You can follow this conversation by subscribing to the comment feed for this post."
    box = "Verify your Comment\n\nPreviewing your Comment\n\nPosted by:  |\n\n"
    box += "This is only a preview. Your comment has not yet been posted.\n\nPost a comment\n"
    art = parse_page(_thread(f"{feed}\n\n{box}"), fmt="text")
    assert art.comments == ()
    assert _heading_warnings(art) == []


def test_a_heading_over_a_script_notice_or_a_thread_link_still_warns() -> None:
    for under in (
        "Please enable JavaScript to view the comments powered by Disqus.\n\nLeave a Reply\n",
        "Loading comments...\n\nPrivacy Policy\n",
        # Facebook's comment widget in a tab beside the site's own form: its thread loads by script.
        "Add a Comment with Facebook\nAdd a Comment\n\nCancel reply\n\n[Name" + " " * 20 + "]\n",
        "View the entire comment thread.\n\nCategories\n",
        "",
    ):
        art = parse_page(_thread(under), fmt="text")
        assert art.comments == ()
        assert _heading_warnings(art), under


def test_a_heading_over_a_line_the_parser_did_not_take_before_the_form_still_warns() -> None:
    # A reader's name and a date alone under it, then the form: a comment not read, not an empty thread.
    for missed in ("Mike T\nNovember 1, 2012\n\n", "November 1, 2012\n\n"):
        art = parse_page(_thread(missed + _FORM.format(label="Comment")), fmt="text")
        assert art.comments == ()
        assert _heading_warnings(art), missed


def test_a_heading_over_a_site_search_box_still_warns() -> None:
    # w3m draws a search box as a text box too: under the heading it is the sidebar, not the form.
    for box in ("[" + " " * 20 + "] Search", "Search: [" + " " * 20 + "] [Go]"):
        art = parse_page(_thread(box + "\n\nCategories\n"), fmt="text")
        assert art.comments == ()
        assert _heading_warnings(art), box


def test_a_comments_feed_link_is_a_subscription_link_not_a_heading() -> None:
    for link in (
        "Comments (Atom)",
        "Subscribe to: Post Comments (Atom)",
        "Comments RSS",
        "Comments Feed",
        "RSS feed for comments on this post",
        "Kommentare (Atom)",
        "Publier les commentaires (Atom)",
        "Flux des commentaires",
        "Feed de comentarios",
    ):
        art = parse_page(_thread("Design by MetaLab\n", link), fmt="text")
        assert [d.reason for d in art.dropped if d.text == link] == ["newsletter and subscription"], link
        assert art.warnings == (), link


def test_a_bare_comments_link_in_a_feed_list_or_a_widgets_tabs_gives_no_warning() -> None:
    for sidebar in (
        "Subscribe To\n\nPosts\nComments\n\nBlog Archive\n",  # Blogger's "Subscribe To" widget
        "Posts\nAtom\nPosts\n●\nComments\nAtom\nComments\n\nBlog Archive\n",  # the same in w3m
        "Feeds\n\n• Full\n• Comments\n\nBlog at WordPress.com.\n",
        "Recent content\n\n  • Posts\n  • Comments\n  • Tweets\n\nPrivacy Policy\n",
        "Comments\nPopular\nRecent\nArchives\n\nVictor: Nice. It should be per capita.\n",
    ):
        art = parse_page(_thread(sidebar, "Design by MetaLab"), fmt="text")
        assert art.comments == ()
        assert _heading_warnings(art) == [], sidebar
        assert "comment section heading" not in {d.reason for d in art.dropped}, sidebar


def test_a_comments_heading_beside_one_sort_choice_or_a_feed_word_past_a_blank_line_still_warns() -> None:
    # One "Popular" under the heading is the thread's sort choice, not a sidebar's tab row; a feed
    # list's "Posts" in the block above is not the heading's neighbour.
    for page in (
        _thread("Popular\n\nLoading comments...\n"),
        _thread("Posts\n\nComments\n\nPlease enable JavaScript to view the comments.\n", "Feeds"),
    ):
        art = parse_page(page, fmt="text")
        assert _heading_warnings(art), page


def test_a_comments_heading_over_a_thread_beside_a_feed_list_further_down_opens_it() -> None:
    feeds = "<ul><li>Posts</li></ul><h3>Subscribe</h3><ul><li>Posts</li><li>Comments</li></ul>"
    art = parse_page(_blog("Comments").replace("<p>Write to us", feeds + "<p>Write to us"), fmt="html")
    assert [c.author for c in art.comments] == [name for name, _, _ in _COMMENTS]


def test_a_comments_label_under_the_forms_other_field_labels_is_the_form() -> None:
    # WordPress's form with its text box labelled "Comments", under "Website" (the box itself, a
    # <textarea>, leaves no line); the previous post's link under it.
    for above in ("Website", "Email Address(required)", "URL:", "E-mail *"):
        form = f"Leave a Reply\n\nName (required)\n\n{above}\n\nComments\n\n« Going Beyond Quality\n"
        art = parse_page(_thread(form, "Posted by John Hunter"), fmt="text")
        assert _heading_warnings(art) == [], above
        assert [d.reason for d in art.dropped if d.text == "Comments"] == ["comment form"], above


def test_a_comments_link_after_a_share_rows_email_button_is_no_form_label() -> None:
    page = _thread("Print\nEmail\nComments\n\n21 comments, displaying first 20\n", "Design by MetaLab")
    art = parse_page(page, fmt="text")
    assert [d.reason for d in art.dropped if d.text == "Comments"] != ["comment form"]


def test_a_comments_heading_over_a_recent_comments_widget_gives_no_warning() -> None:
    # WordPress's recent-comments widget titled "Comments": "NAME on POST TITLE" items, no stamp, no text.
    items = [
        "David on Process Thinking: Process Email Addresses",
        "Going Beyond Quality Makes No Sense » Curious Cat Blog on ASQ Influential Voices Bloggers",
        "Psychology – Managing Human Systems « The W. Edwards Deming Institute Blog on The Toyota Way",
    ]
    for bullet in ("", "  • "):
        widget = "\n".join(bullet + item for item in items)
        art = parse_page(_thread(widget + "\n\nCurious Cat Blog © curiouscat.com 2005-2012\n"), fmt="text")
        assert art.comments == ()
        assert _heading_warnings(art) == [], bullet


def test_a_comments_heading_over_two_name_on_title_lines_still_warns() -> None:
    # Two such lines could be a thread's first words; the widget lists more.
    under = "David on Process Thinking\nAnna on The Toyota Way\n\nLoading comments...\n"
    assert _heading_warnings(parse_page(_thread(under), fmt="text"))


def test_a_post_date_before_a_zero_count_warns_of_no_missed_comments() -> None:
    """Dragnet R441: "Posted on November 1, 2012  Comments (0)" had declared 2012 comments and warned."""
    html = _blog("").replace("<h2></h2>", "<p>Posted on November 1, 2012  Comments (0)</p>")
    html = html[: html.index('<div class="c">')] + "</body></html>"
    art = parse_page(html, fmt="html")
    assert art.declared_comment_count == 0
    assert not any("declares" in w for w in art.warnings), art.warnings


def test_a_big_thread_heading_still_declares_its_count() -> None:
    art = parse_page(_blog("2012 comments"), fmt="html")
    assert art.declared_comment_count == 2012
    assert any("declares 2012 comment(s) but 4 were found" in w for w in art.warnings), art.warnings


def _teaser_page(meta: str, teasers: str) -> str:
    """A text page: its meta line, the article, then a sidebar's list of other articles."""
    return (
        f"A walk to the lighthouse\n\n{meta}\n\n"
        + "\n\n".join([_ARTICLE] * 3)
        + f"\n\n{teasers}\n\nAbout us\n"
    )


_HEADLINES = [
    "Why the harbour froze",
    "Ten lighthouses to see",
    "The ferry timetable changes",
    "Tea on the cliffs",
]


def test_counts_glued_to_the_headlines_of_a_most_commented_list_declare_nothing() -> None:
    """Dragnet 170, R141, R443: "Opinion: Chronic Fatigue Economy 367 comments" was this page's count."""
    for shape in ("{h} {n} comments", "» {h} ({n} comments)"):
        teasers = "Most Commented\n" + "\n".join(
            shape.format(h=h, n=n) for h, n in zip(_HEADLINES, (873, 845, 801, 367), strict=True)
        )
        art = parse_page(_teaser_page("By Anna Berg", teasers), fmt="text")
        assert art.declared_comment_count is None, (shape, art.declared_comment_count)
        assert not any("declares" in w for w in art.warnings), art.warnings


def test_counts_under_teaser_headlines_and_share_tallies_declare_nothing() -> None:
    """Dragnet T49 ("Jul 2012 by Omaha Sun - 177 comments" under each headline) and CNN's most popular
    widget (R936: "1kFacebook Likes", "790Tweets", "64Google Plus Shares", "174 comments")."""
    by = "\n".join(
        f"{h}\nJul 2012 by Omaha Sun - {n} comments"
        for h, n in zip(_HEADLINES, (177, 122, 144, 1020), strict=True)
    )
    tallies = ("1kFacebook Likes", "790Tweets", "64Google Plus Shares", "174 comments")
    cnn = "\n".join(f"{h}\n{t}" for h, t in zip(_HEADLINES, tallies, strict=True))
    for teasers in (by, cnn):
        art = parse_page(_teaser_page("By Anna Berg", teasers), fmt="text")
        assert art.declared_comment_count is None, (teasers, art.declared_comment_count)
        assert not any("declares" in w for w in art.warnings), art.warnings


def test_the_pages_own_count_above_a_teaser_list_still_declares() -> None:
    teasers = "\n".join(f"{h} {n} comments" for h, n in zip(_HEADLINES, (873, 845, 801, 367), strict=True))
    art = parse_page(
        _teaser_page("Posted by Anna Berg | Permalink | 6 Comments | Trackback", teasers), fmt="text"
    )
    assert art.declared_comment_count == 6
    assert any("declares 6 comment(s) but 0 were found" in w for w in art.warnings), art.warnings


def test_a_stacked_share_bar_still_declares_its_comment_count() -> None:
    # One tally a line, no headline between them: the page's own share bar, not a list of teasers.
    art = parse_page(
        _teaser_page("By Anna Berg\n12 Tweets\n5 Likes\n3 Comments", "Related\nTea on the cliffs"), fmt="text"
    )
    assert art.declared_comment_count == 3


@pytest.mark.parametrize(
    "notice",
    ["Die Kommentarfunktion ist für diesen Artikel geschlossen.", "Comments are closed for this story.", ""],
)
def test_a_page_that_says_its_comments_are_closed_does_not_warn_of_dated_lines(notice: str) -> None:
    """Letters to the editor listed with names and dates under a closed thread's notice: the page says it
    shows no thread, so its dated lines are no missed comments (they warned before). Without the notice
    the same page still warns."""
    page = "Neue Brücke über den Main\n\n" + (_ARTICLE + "\n\n") * 3 + (notice + "\n\n" if notice else "")
    page += "Leserbriefe\n\n"
    for i, name in enumerate(["Hans-Georg Lenz, München", "Petra Vogel, Köln", "Ute Brand, Kassel"]):
        page += f"{name} · 1{i}. März 2024\n\nIhr Bericht über die Brücke hat mich gefreut, Nummer {i}.\n\n"
    warnings = parse_page(page, fmt="text").warnings
    assert (not any("dated lines" in w for w in warnings)) == bool(notice), warnings


def test_name_lines_over_a_score_over_bare_dates_with_no_comment_found_warn() -> None:
    """Commento++ with no heading and icon-only buttons: "NAME" / "14 points" / "5 hours ago". No comment
    is read and nothing said so: the score between name and stamp hid the name from the warning."""
    page = (
        "The GPS jamming episode\n\n"
        + (_ARTICLE + "\n\n") * 3
        + "Add a comment\nSort by: Upvotes Newest Oldest\n"
    )
    for i, name in enumerate(["navigator_ellie", "Hana Ricci", "pmcgrath", "r_ostrowski"]):
        page += f"{name[0].upper()}\n{name}\n{14 - i} points\n{5 - i} hours ago\n\n"
        page += f"My view number {i} on the jamming story.\n\n"
    art = parse_page(page, fmt="text")
    assert art.comments or any("name lines with a date alone" in w for w in art.warnings), art.warnings
