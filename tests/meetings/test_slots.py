"""The slot finder: working hours and days, buffer, nearest to the request, weekend and night requests."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.dialog.meetings.slots import WorkRules, free_slots
from bot.settings import MeetingsSettings
from tests.meetings.conftest import MSK

RULES = WorkRules.from_settings(MeetingsSettings())  # 09:00–18:00 Mon–Fri, 30-min grid, 10-min buffer
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=MSK)  # Thursday
HALF = timedelta(minutes=30)


def _fmt(slots: list[datetime]) -> list[str]:
    return [s.strftime("%a %H:%M") for s in slots]


def test_the_requested_slot_and_its_neighbours_in_time_order() -> None:
    slots = free_slots([], RULES, ref=datetime(2026, 11, 27, 15, tzinfo=MSK), now=NOW, duration=HALF)
    assert _fmt(slots) == ["Fri 14:00", "Fri 14:30", "Fri 15:00", "Fri 15:30", "Fri 16:00"]


def test_busy_time_is_padded_by_the_buffer() -> None:
    busy = [(datetime(2026, 11, 27, 15, tzinfo=MSK), datetime(2026, 11, 27, 16, tzinfo=MSK))]
    slots = free_slots(busy, RULES, ref=datetime(2026, 11, 27, 15, tzinfo=MSK), now=NOW, duration=HALF)
    # 14:30–15:00 ends inside the 10-minute buffer; 16:00 starts inside it; 16:30 is the first after
    assert "Fri 14:30" not in _fmt(slots) and "Fri 16:00" not in _fmt(slots)
    assert {"Fri 14:00", "Fri 16:30"} <= set(_fmt(slots))


def test_a_weekend_request_gets_the_nearest_working_slots() -> None:
    slots = free_slots([], RULES, ref=datetime(2026, 11, 28, 12, tzinfo=MSK), now=NOW, duration=HALF)
    assert slots and all(s.weekday() < 5 and time(9) <= s.timetz().replace(tzinfo=None) <= time(17, 30)
                         for s in slots)
    assert {s.date().isoformat() for s in slots} <= {"2026-11-27", "2026-11-30"}


def test_a_night_request_stays_within_working_hours_of_that_day() -> None:
    slots = free_slots([], RULES, ref=datetime(2026, 11, 27, 23, tzinfo=MSK), now=NOW, duration=timedelta(hours=1))
    assert _fmt(slots) == ["Fri 15:00", "Fri 15:30", "Fri 16:00", "Fri 16:30", "Fri 17:00"]


def test_never_in_the_past_and_vague_times_prefer_later() -> None:
    slots = free_slots([], RULES, ref=NOW, now=NOW + timedelta(minutes=5), duration=HALF)
    assert min(slots) >= NOW + timedelta(minutes=5)
    after = free_slots([], RULES, ref=datetime(2026, 11, 27, 14, tzinfo=MSK), now=NOW, duration=HALF,
                       after_ref=True)
    assert _fmt(after) == ["Fri 14:00", "Fri 14:30", "Fri 15:00", "Fri 15:30", "Fri 16:00"]


def test_work_days_and_hours_settings() -> None:
    rules = WorkRules.from_settings(MeetingsSettings(work_hours="10:00-12:00", work_days="Sat,Sun"))
    slots = free_slots([], rules, ref=datetime(2026, 11, 27, 10, tzinfo=MSK), now=NOW, duration=HALF, limit=20)
    assert {s.strftime("%a") for s in slots} <= {"Sat", "Sun"} and min(_fmt(slots)) >= "Sat 10:00"
    assert all(s.hour in (10, 11) for s in slots)
