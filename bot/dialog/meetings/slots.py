"""Free slots: a grid over working hours in the meetings zone, minus busy time padded by a buffer."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.integrations.busy import Interval, merge
from bot.settings import MeetingsSettings


@dataclass(frozen=True)
class WorkRules:
    """Working hours, days and the slot grid, in one zone."""

    zone: ZoneInfo
    start: time
    end: time
    weekdays: frozenset[int]
    slot_minutes: int = 30
    buffer_minutes: int = 10

    @classmethod
    def from_settings(cls, settings: MeetingsSettings) -> WorkRules:
        """The rules ``DK_MEETINGS__*`` describe."""
        start, end = settings.hours
        return cls(ZoneInfo(settings.timezone), start, end, settings.weekdays, settings.slot_minutes,
                   settings.buffer_minutes)

    def is_working_time(self, moment: datetime, duration: timedelta) -> bool:
        """Whether [moment, moment + duration) lies inside one working day's hours."""
        local = moment.astimezone(self.zone)
        day_start = datetime.combine(local.date(), self.start, self.zone)
        day_end = datetime.combine(local.date(), self.end, self.zone)
        return local.weekday() in self.weekdays and day_start <= local and local + duration <= day_end

    def working_days(self, first: date, count: int) -> list[date]:
        """The next ``count`` working days from ``first`` (inclusive)."""
        days: list[date] = []
        day = first
        while len(days) < count:
            if day.weekday() in self.weekdays:
                days.append(day)
            day += timedelta(days=1)
        return days


def search_window(ref: datetime, now: datetime, *, back_days: int = 3, ahead_days: int = 14) -> tuple[datetime,
                                                                                                        datetime]:
    """The span slots around ``ref`` are looked for in (never before now)."""
    return max(now, ref - timedelta(days=back_days)), max(now, ref) + timedelta(days=ahead_days)


def grid(rules: WorkRules, start: datetime, end: datetime, duration: timedelta) -> list[datetime]:
    """Every slot start on the grid in [start, end) whose slot fits a working day (wall clock: DST-safe)."""
    step = timedelta(minutes=rules.slot_minutes)
    found: list[datetime] = []
    day = start.astimezone(rules.zone).date()
    while datetime.combine(day, time(), rules.zone) < end:
        if day.weekday() in rules.weekdays:
            moment = datetime.combine(day, rules.start, rules.zone)
            day_end = datetime.combine(day, rules.end, rules.zone)
            if moment < start:  # jump to the first grid point not before ``start``
                moment += step * math.ceil((start - moment) / step)
            while moment + duration <= day_end and moment < end:
                found.append(moment)
                moment += step
        day += timedelta(days=1)
    return found


def free_slots(busy: Sequence[Interval], rules: WorkRules, *, ref: datetime, now: datetime, duration: timedelta,
               limit: int = 5, after_ref: bool = False, window: tuple[datetime, datetime] | None = None
               ) -> list[datetime]:
    """Up to ``limit`` free slot starts nearest to ``ref``, in time order.

    Nearest means the same day first, then by distance; ``after_ref`` (a vague «после обеда») prefers slots at
    or after ``ref`` on its day. Busy intervals are padded by the buffer on both sides.
    """
    start, end = window or search_window(ref, now)
    blocked = merge(busy, timedelta(minutes=rules.buffer_minutes))
    ref_day = ref.astimezone(rules.zone).date()
    candidates = [s for s in grid(rules, start, end, duration) if s >= now and _free(s, s + duration, blocked)]

    def distance(slot: datetime) -> tuple[int, int, float]:
        days = abs((slot.astimezone(rules.zone).date() - ref_day).days)
        early = int(after_ref and days == 0 and slot < ref)
        return days, early, abs((slot - ref).total_seconds())

    return sorted(sorted(candidates, key=distance)[:limit])


def _free(begin: datetime, finish: datetime, blocked: Sequence[Interval]) -> bool:
    return all(finish <= b0 or begin >= b1 for b0, b1 in blocked)
