"""Dates as comment headers write them, read into ISO 8601 (or kept raw when relative)."""

from __future__ import annotations

import pytest

from service.dates import find_date, to_iso


@pytest.mark.parametrize(
    ("line", "raw", "iso"),
    [
        ("Thumb ashtah 17 May 2017, 15:17", "17 May 2017, 15:17", "2017-05-17T15:17:00"),
        ("August 3, 2019 at 4:11 am", "August 3, 2019 at 4:11 am", "2019-08-03T04:11:00"),
        (
            "Par Bruno Gobin, le mercredi 15 mai 2019 à 08h07",
            "mercredi 15 mai 2019 à 08h07",
            "2019-05-15T08:07:00",
        ),
        ("(22 juin 2018 @11h29)", "22 juin 2018 @11h29", "2018-06-22T11:29:00"),
        ("23. Juni 2016 um 17:21 Uhr", "23. Juni 2016 um 17:21 Uhr", "2016-06-23T17:21:00"),
        ("Chris Nahr 07.15.12 at 11:59", "07.15.12 at 11:59", "2012-07-15T11:59:00"),
        ("Chef Mark Garcia — July 17th, 2012, 6:18 pm", "July 17th, 2012, 6:18 pm", "2012-07-17T18:18:00"),
        ("BY KEVJOHN AT 01/09/08 10:54 AM", "01/09/08 10:54 AM", "2008-01-09T10:54:00"),
        (
            "Posted by: Walters on December 29, 2007 01:15 PM",
            "December 29, 2007 01:15 PM",
            "2007-12-29T13:15:00",
        ),
        ("Jane Smith 3 Mar 2021 10.15", "3 Mar 2021 10.15", "2021-03-03T10:15:00"),
        ("10:15 AM, March 3, 2021", "10:15 AM, March 3, 2021", "2021-03-03T10:15:00"),
        ("2021-03-03T10:15", "2021-03-03T10:15", "2021-03-03T10:15:00"),
        ("Sallie Goetsch · March 10, 2017 at 12:20 AM", "March 10, 2017 at 12:20 AM", "2017-03-10T00:20:00"),
    ],
)
def test_absolute_dates(line, raw, iso):
    hit = find_date(line)
    assert hit is not None
    assert hit.raw == raw
    assert to_iso(hit.raw) == iso


@pytest.mark.parametrize(
    "line", ["gulbrandr 1 hour ago | link", "il y a 3 heures", "vor 5 Minuten", "Ann · 2h", "hace 3 horas"]
)
def test_relative_dates_are_found_but_not_converted(line):
    hit = find_date(line)
    assert hit is not None and hit.kind == "rel"
    assert to_iso(hit.raw) is None


@pytest.mark.parametrize(
    "line",
    [
        "0:00 0:01:37 0:00",
        "Windows 10 is great",
        "version 2.10 released",
        "Barbados Today",
        "1.5 million people",
    ],
)
def test_not_dates(line):
    assert find_date(line) is None


def test_day_first_order_can_be_forced_and_impossible_dates_are_none():
    assert to_iso("03/04/2021", numeric_order="dmy") == "2021-04-03"
    assert to_iso("03/04/2021") == "2021-03-04"  # "/" defaults to month first
    assert to_iso("31 February 2021") is None


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("3rd March 2021 at 2.05pm", "2021-03-03T14:05:00"),  # British "2.05pm"
        ("March 3, 2021 at 10.15 a.m.", "2021-03-03T10:15:00"),
        ("March 3, 2021 at 10.15 p.m.", "2021-03-03T22:15:00"),
        ("le 1er mars 2021 à 10h", "2021-03-01T10:00:00"),  # French whole hour
        ("15 mai 2019 à 8h", "2019-05-15T08:00:00"),
    ],
)
def test_times_written_with_a_dot_or_a_bare_hour_are_kept(line, iso):
    hit = find_date(line)
    assert hit is not None
    assert to_iso(hit.raw) == iso


@pytest.mark.parametrize(
    "line, raw",
    [
        ("RiverRat77 5h", "5h"),
        ("Jen K 4h", "4h"),
        ("M. Okafor 2d", "2d"),
        ("5h", "5h"),
        ("Revenue 5M", None),  # upper case: money, not a month
        ("He finished the race in about 10m", None),  # prose: more than three words before
        ("Our street lost power at 1am and crews were out by 3h", None),
    ],
)
def test_compact_stamp_after_a_name_on_a_short_line(line: str, raw: str | None) -> None:
    hit = find_date(line)
    assert (hit.raw if hit else None) == raw
    if hit:
        assert hit.kind == "rel" and to_iso(hit.raw) is None


@pytest.mark.parametrize(
    "line, name, raw",
    [
        ("Gaffer Gary45m", "Gaffer Gary", "45m"),  # a text dump glues two inline elements
        ("KeeperOfTheFlame2h", "KeeperOfTheFlame", "2h"),
        ("BlueTerrace19872h", "BlueTerrace1987", "2h"),  # no site shows "72h": the name keeps 1987
        ("river_rat_3d", "river_rat_", "3d"),
        ("MP3s", None, None),  # a plural, not seconds
        ("Galaxy S24s", None, None),
        ("Win10", None, None),
        ("Ticket sales grew in the last 2h", None, None),  # prose: more than three words before
    ],
)
def test_compact_stamp_glued_to_the_name(line: str, name: str | None, raw: str | None) -> None:
    hit = find_date(line)
    assert (hit.raw if hit else None) == raw
    if hit:
        assert line[: hit.start] == name and hit.kind == "rel"


@pytest.mark.parametrize(
    "line, raw, iso",
    [
        ("مواطن غيور منذ 3 ساعات", "منذ 3 ساعات", None),
        ("أبو يوسف منذ ساعتين", "منذ ساعتين", None),  # the dual: "two hours", no digit
        ("الثلاثاء 3 ديسمبر 2024 - 10:15", "3 ديسمبر 2024 - 10:15", "2024-12-03T10:15:00"),
        ("12 كانون الأول 2024", "12 كانون الأول 2024", "2024-12-12"),  # Levantine, two words
        # Arabic-Indic digits
        ("٣ أكتوبر ٢٠٢٣ الساعة 10:15", "٣ أكتوبر ٢٠٢٣ الساعة 10:15", "2023-10-03T10:15:00"),
        ("قبل الحرب كان الوضع مختلفا", None, None),  # "before" without a time unit is prose
    ],
)
def test_arabic_dates(line: str, raw: str | None, iso: str | None) -> None:
    hit = find_date(line)
    assert (hit.raw if hit else None) == raw
    assert (to_iso(hit.raw) if hit else None) == iso


def test_an_arabic_plural_without_a_number_is_prose() -> None:
    assert find_date("نحن في القرية لم نر أي دعم منذ سنوات.") is None  # "for years"
    assert find_date("منذ ساعة").raw == "منذ ساعة"  # the singular: an hour ago


@pytest.mark.parametrize(
    "line, raw",
    [
        ("Γ Γιώργος Π. πριν από 2 ώρες", "πριν από 2 ώρες"),  # Greek
        ("רוני לפני 2 שעות", "לפני 2 שעות"),  # Hebrew
        ("יעל לפני שעה", "לפני שעה"),  # ... "an hour ago", no number
        ("رضا ۲ ساعت پیش", "۲ ساعت پیش"),  # Persian, Persian digits
        ("राहुल 2 घंटे पहले", "2 घंटे पहले"),  # Hindi: the word ends in a vowel sign
        ("128 Thích Trả lời 3h trước Báo vi phạm", "3h trước"),  # Vietnamese
        ("Ria 2 oras ang nakalipas", "2 oras ang nakalipas"),  # Tagalog
        ("Ante prije 2 sata", "prije 2 sata"),  # Croatian
        ("Ivan pred 2 hodinami", "pred 2 hodinami"),  # Slovak
        ("Олег 2 години тому", "2 години тому"),  # Ukrainian
        ("Montse fa 2 hores", "fa 2 hores"),  # Catalan
        ("Cristian Marin acum o zi", "acum o zi"),  # Romanian, "a day ago"
        ("Juma saa 2 zilizopita", "saa 2 zilizopita"),  # Swahili
        ("UB Urs Bachmann vor 41 Min.", "vor 41 Min."),  # the abbreviation's dot, as "Std." keeps it
        ("Ana · jučer", "jučer"),  # yesterday, after a separator
        ("před hodinou · +5 / −12 · Odpovědět", "před hodinou"),  # Czech, "an hour ago" (session 42)
        ("• Saturday at 5:04 PM", "Saturday at 5:04 PM"),  # a forum's post of the last week (XenForo)
        ("Macca76 · Sunday at 10:02 AM", "Sunday at 10:02 AM"),
    ],
)
def test_relative_stamps_of_more_languages(line: str, raw: str) -> None:
    hit = find_date(line)
    assert hit is not None and hit.raw == raw and hit.kind == "rel"


@pytest.mark.parametrize(
    "line, iso",
    [
        ("4 de juny de 2024 a les 9:14", "2024-06-04T09:14:00"),  # Catalan
        ("15. júna 2024 o 20:14", "2024-06-15T20:14:00"),  # Slovak
        ("12 Mac 2024 pada 9:15 PG", "2024-03-12T09:15:00"),  # Malay
        ("Marso 12, 2024 sa 8:15 pm", "2024-03-12T20:15:00"),  # Tagalog
        ("12 березня 2024, 09:40", "2024-03-12T09:40:00"),  # Ukrainian
        ("12 Μαρτίου 2024", "2024-03-12"),  # Greek
        ("12 martie 2024", "2024-03-12"),  # Romanian
        ("12. ožujka 2024.", "2024-03-12"),  # Croatian
        ("12. 3. 2024 7:42", "2024-03-12T07:42:00"),  # a space after each dot (Czech, Slovak, German)
        ("2024.03.12. 08:14:52", "2024-03-12T08:14:52"),  # Hungarian: a dot after the day, then the time
        ("12.3.2024", "2024-03-12"),
    ],
)
def test_absolute_dates_of_more_languages(line: str, iso: str) -> None:
    hit = find_date(line)
    assert hit is not None and to_iso(hit.raw) == iso


def test_polish_november_stays_november() -> None:
    """Croatian writes October "listopada", Polish November: the month table keeps the Polish reading."""
    assert to_iso(find_date("12 listopada 2024").raw) == "2024-11-12"


def test_a_day_glued_to_the_name_before_a_dated_time_with_a_dot() -> None:
    """Blogger in Indonesian: "Dimas Pratama10 Februari 2024 pukul 21.14" (name and date in two inline
    elements, no space; the time written with a dot)."""
    from service.parse.lines import _line_date

    line = "Dimas Pratama10 Februari 2024 pukul 21.14"
    hit = _line_date(line, line.count(" "), True)
    assert hit is not None and hit.raw == "10 Februari 2024 pukul 21.14" and hit.start == len("Dimas Pratama")
    assert to_iso(hit.raw) == "2024-02-10T21:14:00"


@pytest.mark.parametrize(
    "line",
    [
        "los vecinos a la asamblea del domingo a las 10 am en el local",
        "We meet on Saturday at 5:00 PM sharp.",
    ],
)
def test_a_weekday_and_its_time_inside_a_sentence_is_no_stamp(line: str) -> None:
    assert find_date(line) is None
