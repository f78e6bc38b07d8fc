"""Forum topics: numbered posts under their posters' profiles. The opening post is the article, the
replies are the comments, and each reply's author is the name above its poster's profile ("Joined",
"Messages", "Posts: 2,318", a rank), not the profile's last line."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.parse import parse_file, parse_page

FORUMS = Path(__file__).resolve().parent / "forums"
RENDERINGS = ("html", "w3m.txt", "inscriptis.txt")


@pytest.mark.parametrize("fmt", RENDERINGS)
def test_xenforo_posts_are_replies_under_the_opening_post(fmt: str) -> None:
    """XenForo numbers every post ("#1" under the date) and shows no comment heading: the thread was
    missed (HTML, w3m) or read with the profile's "Location Yorkshire" as every author and the opening
    post as a comment (inscriptis)."""
    art = parse_file(FORUMS / f"xenforo.{fmt}")
    assert art.title == "Heat pump short cycling in mild weather - normal?"
    assert art.body.startswith("We had an 8kW air source heat pump fitted in November.")
    assert "Joined" not in art.body and "Messages" not in art.body
    assert [c.author for c in art.comments] == [
        "Heatgeek_Rob",
        "ColdFeetTom",
        "Heatgeek_Rob",
        "Janet_in_Leeds",
    ]
    assert [c.posted_raw for c in art.comments] == [
        "Mar 12, 2024",
        "Mar 12, 2024",
        "Mar 13, 2024",
        "Mar 14, 2024",
    ]
    assert art.comments[0].text.startswith("It is common, but it is not ideal.")
    assert art.comments[3].text.startswith("Same here last spring.")
    # The next post's number and the reactions row ("Janet_in_Leeds and 2 others") are no one's words.
    assert not any("#" in c.text or "and 2 others" in c.text for c in art.comments)


@pytest.mark.parametrize("fmt", RENDERINGS)
def test_smf_replies_are_numbered_and_the_opening_post_is_the_article(fmt: str) -> None:
    """SMF heads each reply "« Reply #N on: DATE »" under the poster's name, rank and post count: no
    comment was found in any rendering (a silent miss with only a warning)."""
    art = parse_file(FORUMS / f"smf.{fmt}")
    assert "Picked up a teak sideboard at a house clearance" in art.body
    assert "Oil, without question" not in art.body
    assert [c.author for c in art.comments] == ["Margot F", "woodchip_will", "Margot F", "Old Sawdust"]
    assert art.comments[0].text.startswith("Oil, without question.")
    assert art.comments[3].text.startswith("Agree with Margot.")
    assert not art.warnings


def test_the_last_post_in_a_form_ends_with_the_form() -> None:
    """SMF wraps the posts in its moderation <form>: a form ended the thread at the last post's first
    line (its text was lost), and the page's footer after the form is no part of that post."""
    art = parse_file(FORUMS / "smf.html")
    last = art.comments[-1]
    assert last.text.startswith("Agree with Margot. And test the oil on the back panel first")
    assert "Page created in" not in last.text and "Simple Machines" not in last.text


def _topic(first_number: str) -> str:
    posts = [
        (
            "Tom_K",
            "New member",
            "Is a cast iron pan worth the effort for a beginner? I keep reading both sides.",
        ),
        (
            "Ada",
            "Well-known member",
            "Yes, once it is seasoned it is the easiest pan in the kitchen to look after.",
        ),
        ("Ravi P", "Member", "Only if you cook often. An unused pan rusts quickly in a damp kitchen."),
        (
            "Ada",
            "Well-known member",
            "A thin coat of oil after each wash stops the rust, even when it sits unused.",
        ),
    ]
    out = ["Kitchen Talk", "", "Cast iron for a beginner?", ""]
    for k, (name, rank, text) in enumerate(posts):
        number = first_number if k == 0 else f"#{k + 1}"
        out += [
            name,
            "",
            rank,
            "",
            "Joined",
            f"    Jan {k + 3}, 2021",
            "",
            f"  • Mar {k + 4}, 2024",
            "",
            f"  • {number}",
            "",
            text,
            "Like Reply",
            "",
        ]
    return "\n".join(out)


def test_post_one_is_the_opening_post_but_reply_one_is_not() -> None:
    """A bare "#1" numbers the topic's own post (the article); SMF's "Reply #1" numbers the first reply."""
    art = parse_page(_topic("#1"), source="t", fmt="text")
    assert art.body.startswith("Is a cast iron pan worth the effort")
    assert [c.author for c in art.comments] == ["Ada", "Ravi P", "Ada"]
    numbered_reply = _topic("#1").replace("• #", "• Reply #")
    art = parse_page(numbered_reply, source="t", fmt="text")
    assert [c.author for c in art.comments][:1] == ["Tom_K"]


def test_a_sign_up_date_under_its_label_is_no_post_date() -> None:
    """ "Joined" / "Jan 3, 2021" (a <dl> in a text dump) is the poster's sign-up date: read as a post
    date it made every profile a header of its own and the posts' own dates lost their shape."""
    art = parse_page(_topic("#1"), source="t", fmt="text")
    assert [c.posted_raw for c in art.comments] == ["Mar 5, 2024", "Mar 6, 2024", "Mar 7, 2024"]


def _mybb_topic() -> str:
    """MyBB's layout in a text dump: avatar, "NAME Offline", rank, counts, then "#N" above the date; the
    later posts' dates are written relative to today."""
    posts = [
        (
            "RetroRalf",
            "03-12-2024, 07:22 PM",
            "My A500 shows a black screen after the recap. What should I check next?",
        ),
        (
            "Chipset_Chris",
            "03-12-2024, 08:05 PM",
            "A black screen without the grey usually means a lifted pad near the CPU.",
        ),
        (
            "amigafan1987",
            "Yesterday, 09:14 PM",
            "Check the reset line too, mine had a scratched trace right beside it.",
        ),
        (
            "Chipset_Chris",
            "Today, 10:05 AM",
            "Good, so the clock is fine and the fault is on the reset side after all.",
        ),
    ]
    out = ["Retro Corner", "", "Amiga 500 black screen after recapping", ""]
    for k, (name, date, text) in enumerate(posts):
        out += [
            "[avatar]",
            f"{name} Offline",
            "Junior Member",
            "Posts: 41",
            f"#{k + 1}",
            date,
            text,
            "Find",
            "ReplyReport",
        ]
    return "\n".join(out)


def test_numbers_above_the_date_and_dates_written_two_ways_make_one_thread() -> None:
    """MyBB (and SMF 2.1) put "#N" above the date, and a topic's dates change form ("03-12-2024, 08:05 PM",
    "Yesterday, 09:14 PM"): each form alone was too few posts, so no comment was found."""
    art = parse_page(_mybb_topic(), source="t", fmt="text")
    assert art.body.startswith("My A500 shows a black screen after the recap.")
    # The avatar placeholder, the presence word and the post bar's "Find" are no part of a name.
    assert [c.author for c in art.comments] == ["Chipset_Chris", "amigafan1987", "Chipset_Chris"]
    assert [c.posted_raw for c in art.comments] == [
        "03-12-2024, 08:05 PM",
        "Yesterday, 09:14 PM",
        "Today, 10:05 AM",
    ]
    assert not any("Find" in c.text for c in art.comments)


def test_a_letter_avatar_above_the_name_is_not_the_name() -> None:
    """XenForo draws a poster without a picture as the name's initial ("P" / "Portafilter Pete")."""
    topic = _topic("#1")
    for name in ("Tom_K", "Ada", "Ravi P"):
        topic = topic.replace(f"\n{name}\n", f"\n{name[0]}\n{name}\n")
    art = parse_page(topic, source="t", fmt="text")
    assert [c.author for c in art.comments] == ["Ada", "Ravi P", "Ada"]


def test_a_posters_signature_is_no_part_of_the_post() -> None:
    """The same closing line under each post of one poster is the forum's signature ("Lodge 10 inch |
    Skillets since 1998"); it was read as part of every post. A poster's own words are kept."""
    sig = "Lodge 10 inch | Skillets since 1998"
    topic = _topic("#1").replace("look after.\nLike Reply", f"look after.\n{sig}\nLike Reply")
    topic = topic.replace("sits unused.\nLike Reply", f"sits unused.\n{sig}\nLike Reply")
    art = parse_page(topic, source="t", fmt="text")
    ada = [c for c in art.comments if c.author == "Ada"]
    assert len(ada) == 2 and not any(sig in c.text for c in ada)
    assert ada[0].text == "Yes, once it is seasoned it is the easiest pan in the kitchen to look after."


def test_a_presence_word_is_cut_only_where_the_forum_shows_one_for_most_posters() -> None:
    """ "Desconectado Rodrigo_MTB" (SMF in Spanish) is Rodrigo_MTB; a lone reader called "Online school"
    on a news page keeps the name."""
    names = ["Online school", "Ann Lee", "Bob Roy", "Cy Fox"]
    page = (
        "Library money\n\nThe council voted on the library budget on Tuesday evening after a long debate.\n\n"
    )
    page += "Comments (4)\n\n"
    for i, name in enumerate(names):
        page += f"{name}\n{i + 2} hours ago\nMy view number {i} on the library money.\n\n"
    assert [c.author for c in parse_page(page, source="t", fmt="text").comments] == names
    art = parse_page(_mybb_topic().replace(" Offline", " En línea"), source="t", fmt="text")
    assert [c.author for c in art.comments] == ["Chipset_Chris", "amigafan1987", "Chipset_Chris"]


def test_a_score_beside_every_name_and_a_glued_op_badge_are_no_part_of_the_names() -> None:
    """Lemmy prints each reader's score after the name ("gnocchi_gal 33") and the thread's poster as
    "curdnerdOP" in a text dump: learned per page, so a lone "Bob 2" elsewhere keeps his name."""
    names = ["gnocchi_gal", "curdnerd", "fermentfiend", "brinebaron@lemmy.world"]
    shown = ["gnocchi_gal 33", "curdnerdOP 12", "fermentfiend 22", "brinebaron@lemmy.world 41"]
    page = (
        "Sourdough starter smells like nail polish\n\nMy starter smells sharp after two weeks of feeding.\n\n"
    )
    page += "4 comments\n\n"
    for i, header in enumerate(shown):
        page += f"{header} • {i + 2}h\nI would feed it twice a day for a week, number {i}.\n\n"
    assert [c.author for c in parse_page(page, source="t", fmt="text").comments] == names
    lone = (
        page.replace("gnocchi_gal 33", "Bob 2")
        .replace(" 12 •", " •")
        .replace(" 22 •", " •")
        .replace(" 41 •", " •")
    )
    assert [c.author for c in parse_page(lone, source="t", fmt="text").comments] == ["Bob 2", *names[1:]]


def test_a_profile_of_labels_and_values_under_the_name_is_not_the_post() -> None:
    """vBulletin 4 puts the poster's profile under the name as a <dl>: "Join Date" / "Mar 2014" /
    "Location" / "Cardiff" / "Posts" / "1,234", each on a line of its own; the post's text opened with it."""
    posts = [
        (
            "Tetra_Tony",
            "Senior Member",
            "Mar 2014",
            "Cardiff",
            "1,234",
            "My new tank went cloudy two days after I added the fish.",
        ),
        (
            "guppy_gran",
            "Junior Member",
            "Jan 2023",
            "Swindon",
            "12",
            "Oh, that is a relief, I kept changing the water.",
        ),
        (
            "Plecoland",
            "Member",
            "Aug 2019",
            "Norwich",
            "655",
            "Tony is right, and check that the filter is big enough.",
        ),
        (
            "Tetra_Tony",
            "Senior Member",
            "Mar 2014",
            "Cardiff",
            "1,235",
            "A bigger filter will not hurt, but give it a week.",
        ),
    ]
    page = "Milky water in a new tank\n\n"
    for k, (name, rank, joined, place, count, text) in enumerate(posts):
        page += (
            f"03-0{k + 1}-2024, 10:14 AM #{k + 1}\n{name}\nView Forum Posts\n{rank}\nJoin Date\n{joined}\n"
        )
        page += f"Location\n{place}\nPosts\n{count}\n{text}\nReply With Quote\n\n"
    art = parse_page(page, source="t", fmt="text")
    assert [(c.author, c.text) for c in art.comments] == [(p[0], p[-1]) for p in posts[1:]]


def test_smf_post_bar_in_other_languages_is_chrome() -> None:
    """SMF's bar under each post in Spanish ("Reportar al moderador [ip] En línea") stayed in the texts."""
    page = (FORUMS / "smf.w3m.txt").read_text(encoding="utf-8")
    page = page.replace("Report to moderator   [ip] Logged", "Reportar al moderador   [ip] En línea")
    art = parse_page(page, source="t", fmt="text")
    assert len(art.comments) == 4
    assert not any("Reportar" in c.text for c in art.comments)
