"""Slips around day words (now: Thu 26.11 12:00 MSK): the other layout, translit, glued words, mistyped months,
ordinals and parts of the day. Each form was booked on a wrong day or without its time before it was read."""

from __future__ import annotations

import pytest

from bot.dialog.meetings.layout import read_other_script
from bot.dialog.meetings.parse import parse_meeting
from bot.dialog.meetings.slips import correct_slips, part_glued
from tests.meetings.conftest import NOW


def _when(text: str) -> tuple[str | None, str | None, str | None]:
    """(start, day, problem) as «Fri 27.11 15:00», "2026-11-27", "unclear_day"."""
    req = parse_meeting(text, now=NOW, tz="Europe/Moscow")
    return (req.start.strftime("%a %d.%m.%y %H:%M") if req.start else None,
            req.day.isoformat() if req.day else None, req.problem)


@pytest.mark.parametrize(("text", "expected"), [
    ("pfdnhf в 15", "Fri 27.11.26 15:00"),  # «завтра» on Latin keys: was today 15:00
    ("ctujlyz в 18", "Thu 26.11.26 18:00"), ("давай в chtle в 11", "Wed 02.12.26 11:00"),  # was Fri (time only)
    ("pfdnhf d 15", "Fri 27.11.26 15:00"),  # the whole message on Latin keys
    ("в dn в 15", "Tue 01.12.26 15:00"),  # an abbreviation re-keyed after «в»
    ("ещьщккщц фе 3зь", "Fri 27.11.26 15:00"),  # "tomorrow at 3pm" on Russian keys
    ("zavtra v 3", "Fri 27.11.26 15:00"), ("v pyatnicu v 11 mozhno?", "Fri 27.11.26 11:00"),  # translit
])
def test_day_words_in_the_other_layout_or_translit(text: str, expected: str) -> None:
    assert _when(text) == (expected, None, None)


def test_only_day_words_make_a_text_change_script() -> None:
    for text in ("ok, tomorrow at 3", "привет, завтра в 15", "spasibo", "созвон с John в 15", "gn в 12"):
        assert read_other_script(text) == text, text
    assert read_other_script("zavtra at 3pm") == "завтра at 3pm"  # the English words stay English


@pytest.mark.parametrize(("text", "expected"), [
    ("завтрав 15", "Fri 27.11.26 15:00"), ("вчт в 16", "Thu 26.11.26 16:00"), ("впятницу в 11", "Fri 27.11.26 11:00"),
    ("пт16:00", "Fri 27.11.26 16:00"), ("завтра15:30", "Fri 27.11.26 15:30"), ("завтра в14", "Fri 27.11.26 14:00"),
    ("fri3pm", "Fri 27.11.26 15:00"), ("tomorrowat 4", "Fri 27.11.26 16:00"), ("onfriday at3pm", "Fri 27.11.26 15:00"),
])
def test_words_glued_to_a_day_are_parted(text: str, expected: str) -> None:
    assert _when(text) == (expected, None, None)


def test_glued_words_that_hold_no_day_stay() -> None:
    for text in ("15го в 11", "вторник", "вчера", "вскоре", "that", "3pm", "9h30", "вт.10:00", "2moro"):
        assert part_glued(text) == text, text


@pytest.mark.parametrize(("text", "expected"), [
    ("5 декбря в 11", ("Sat 05.12.26 11:00", None, None)),  # was tomorrow 11:00: the month unread
    ("12 янавря в 10", ("Tue 12.01.27 10:00", None, None)), ("Jnauary 5 at 2pm", ("Tue 05.01.27 14:00", None, None)),
    ("Decmber 3rd at 10am", ("Thu 03.12.26 10:00", None, None)), ("28 фераля", (None, None, "too_far")),
    ("пятнадцатго декабря", (None, "2026-12-15", None)),  # an ordinal mistyped before a month
])
def test_months_and_ordinals_with_slips(text: str, expected: tuple[str | None, str | None, str | None]) -> None:
    assert _when(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("завтра в 7 вечра", "Fri 27.11.26 19:00"),  # was «вчера»: two days, a question
    ("в чт в 9 утар", "Thu 03.12.26 09:00"), ("завтра в 3 дян", "Fri 27.11.26 15:00"),
    ("завтра утрм", "Fri 27.11.26 10:00"), ("tomorrow mornign", "Fri 27.11.26 10:00"),
    ("во вротник в 15", "Tue 01.12.26 15:00"),  # two letters apart traded places
])
def test_parts_of_the_day_with_slips(text: str, expected: str) -> None:
    assert _when(text) == (expected, None, None)


def test_real_words_near_time_words_stay() -> None:
    for text in ("доброе утро", "по вечерам", "3 дня назад", "в 3 дня", "good mornings", "5 марок", "3 дней"):
        assert correct_slips(text) == text, text


@pytest.mark.parametrize("text", [
    "в сч в 11",  # a weekday abbreviation one slip off, two ways: was tomorrow 11:00
    "5 дкбря в 11", "12 июна в 10",  # a month one cannot be sure of (июня or июля?)
])
def test_a_word_where_a_day_stands_that_no_rule_reads_asks(text: str) -> None:
    assert _when(text) == (None, None, "unclear_day"), text


def test_chat_words_after_v_are_no_day() -> None:
    assert _when("созвон в 15 мск")[0] == "Thu 26.11.26 15:00"
    assert _when("напиши в лс в 15")[0] == "Thu 26.11.26 15:00"
