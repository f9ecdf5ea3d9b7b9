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
