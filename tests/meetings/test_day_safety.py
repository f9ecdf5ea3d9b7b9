"""Days that must be asked, never guessed, and forms of days and times read exactly (now: Thu 26.11 12:00 MSK)."""

from __future__ import annotations

import pytest

from bot.dialog.meetings.parse import parse_meeting
from tests.meetings.conftest import NOW


def _when(text: str) -> tuple[str | None, str | None, str | None]:
    """(start, day, problem) as «Fri 27.11 15:00», "2026-11-27", "unclear_day"."""
    req = parse_meeting(text, now=NOW, tz="Europe/Moscow")
    return (req.start.strftime("%a %d.%m %H:%M") if req.start else None,
            req.day.isoformat() if req.day else None, req.problem)


@pytest.mark.parametrize("text", ["31.11 в 10", "30.02 в 15", "2026-11-31 at 10am", "31 ноября в 10",
                                  "Feb 30 at 3pm", "31/11 at 2"])
def test_a_date_no_calendar_has_is_a_question_not_a_time_today(text: str) -> None:
    assert _when(text) == (None, None, "unclear_day")


@pytest.mark.parametrize(("text", "expected"), [
    ("давай на 5 число", (None, "2026-12-05", None)), ("на пятое число в 11", ("Sat 05.12 11:00", None, None)),
    ("3.14 в 15", ("Thu 26.11 15:00", None, None)),  # no day and no month: not a date at all
])
def test_day_of_month_forms(text: str, expected: tuple[str | None, str | None, str | None]) -> None:
    assert _when(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("сегодня в полночь", "Fri 27.11 00:00"), ("в полночь", "Fri 27.11 00:00"),  # tonight's midnight
    ("в пятницу в полночь", "Sat 28.11 00:00"), ("tomorrow at midnight", "Sat 28.11 00:00"),  # the night after it
    ("в 12 ночи в пятницу", "Sat 28.11 00:00"), ("в четверг в полночь", "Fri 27.11 00:00"),  # today's, not next week's
    ("17h Friday", "Fri 27.11 17:00"), ("Fri 9h30", "Fri 27.11 09:30"),
    ("in 2h", "Thu 26.11 14:00"), ("через 2ч", "Thu 26.11 14:00"),  # a start from now, not a duration or 2 pm
])
def test_midnight_and_hours_written_with_h(text: str, expected: str) -> None:
    assert _when(text) == (expected, None, None)


def test_a_single_digit_with_h_stays_a_duration() -> None:
    req = parse_meeting("2h call tomorrow at 3pm", now=NOW, tz="Europe/Moscow")
    assert req.duration_min == 120 and req.start is not None and req.start.hour == 15


@pytest.mark.parametrize(("text", "expected"), [
    ("a week from today at noon", ("Thu 03.12 12:00", None, None)), ("3 days from now", (None, "2026-11-29", None)),
    ("a week tomorrow at 10", ("Fri 04.12 10:00", None, None)),
    ("in a fortnight at 3", ("Thu 10.12 15:00", None, None)),
    ("a week from Friday at 10", ("Fri 04.12 10:00", None, None)),
    ("the Friday after next at 3", ("Fri 04.12 15:00", None, None)),
    ("the day after Friday at 2", ("Sat 28.11 14:00", None, None)),
    ("на следующий день после пятницы в 10", ("Sat 28.11 10:00", None, None)),
    ("the week after next on Tuesday at 10", ("Tue 08.12 10:00", None, None)),
])
def test_days_counted_from_another_day(text: str, expected: tuple[str | None, str | None, str | None]) -> None:
    assert _when(text) == expected  # each of these was read as its anchor alone: today, or the Friday itself


@pytest.mark.parametrize("text", [
    "до пятницы в 15", "by Friday at 3", "к пятнице", "until Friday", "не позже 5-го", "by the 5th",
    "с понедельника до среды",  # a deadline: any day up to it
    "в любой день кроме пятницы в 15", "не в эту пятницу", "except Friday, 2pm",  # only a day ruled out
    "в день зарплаты в 3", "после отпуска в 10", "after the release at 3pm", "on the day of the launch at 10",
])
def test_a_deadline_an_excluded_day_or_an_event_day_is_asked(text: str) -> None:
    assert _when(text) == (None, None, "unclear_day"), text


@pytest.mark.parametrize(("text", "expected"), [
    ("не в пятницу, а в субботу в 10", "Sat 28.11 10:00"), ("not on Friday, Monday at 10", "Mon 30.11 10:00"),
    ("why not Friday at 3?", "Fri 27.11 15:00"), ("почему бы не в пятницу в 3?", "Fri 27.11 15:00"),
    ("в пятницу после обеда", "Fri 27.11 14:00"), ("завтра после 15", "Fri 27.11 15:00"),  # times, not events
])
def test_the_day_left_when_another_is_ruled_out(text: str, expected: str) -> None:
    assert _when(text) == (expected, None, None)


@pytest.mark.parametrize("text", [
    "in a few days at 3pm", "one of these days at 2", "в ближайшее время в 15", "next time at 3",
    "в следующий раз в 15", "в другой раз в 15", "Jan at 11", "на каникулах в 12", "на следующий день в 10",
])
def test_an_open_day_with_a_time_is_asked_not_booked_today_or_tomorrow(text: str) -> None:
    assert _when(text) == (None, None, "unclear_day"), text


def test_a_cut_weekday_after_v_is_the_weekday() -> None:
    assert _when("в сред в 11") == ("Wed 02.12 11:00", None, None)  # it was read as a time alone: tomorrow


@pytest.mark.parametrize(("text", "expected"), [
    ("tomorrow at 4.30pm", "Fri 27.11 16:30"),  # was 04:30: the «в 10.30» rule took it before am/pm was read
    ("пт 15.00", "Fri 27.11 15:00"), ("Fri 9.30", "Fri 27.11 09:30"),  # minutes no month can be
    ("Fri @3", "Fri 27.11 15:00"), ("в пятницу в районе 3", "Fri 27.11 15:00"),
    ("Friday at three thirty", "Fri 27.11 15:30"), ("Friday at three forty-five", "Fri 27.11 15:45"),
])
def test_more_ways_to_write_a_time(text: str, expected: str) -> None:
    assert _when(text) == (expected, None, None)


def test_a_dotted_pair_that_may_be_a_date_stays_a_date() -> None:
    assert _when("пт 10.12")[2] == "ambiguous"  # Friday, or 10 December (a Thursday): the user says which


@pytest.mark.parametrize("text", [
    "через пару дней в 15", "in a couple of days", "a couple days from now at 3", "через пару недель",  # 2 or 3?
    "давайте на следующей неделе", "let's meet next week", "на следующей неделе созвон",  # which day of it?
    "через неделю во вторник",  # said on a Thursday: 1.12 (next week's) or 8.12 (a week after the coming one)?
])
def test_days_nobody_counted_are_asked(text: str) -> None:
    assert _when(text)[:2] == (None, None) and _when(text)[2] in ("unclear_day", "ambiguous"), text


@pytest.mark.parametrize(("text", "expected"), [
    ("послепослезавтра в 12", "Sun 29.11 12:00"),
    ("Monday week at 3pm", "Mon 07.12 15:00"), ("Friday week at 10", "Fri 04.12 10:00"),  # a week after the coming one
    ("Monday weekly sync at 10", "Mon 30.11 10:00"),  # "weekly" is no week on
    ("через неделю в пятницу в 15", "Fri 04.12 15:00"),  # every reading of it is 4.12
    ("через неделю в четверг в 11", "Thu 03.12 11:00"), ("in a week on Friday at 2pm", "Fri 04.12 14:00"),
    ("через пару часов", "Thu 26.11 14:00"),  # hours still count from now
])
def test_days_counted_in_weeks_with_a_weekday(text: str, expected: str) -> None:
    assert _when(text) == (expected, None, None)
