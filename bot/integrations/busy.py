"""Busy time from calendar data, computed by us: the server's free-busy report is not trusted.

Radicale re-serialises VTIMEZONEs through vobject and treats Europe/Moscow as +04:00 in its own time maths, and
free-busy answers change shape between server versions; reading the events and expanding them here is exact.
Rules (RFC 5545 semantics, the same as a server's free-busy): ``TRANSP:TRANSPARENT`` and ``STATUS:CANCELLED``
never block, ``TENTATIVE`` does; floating times are wall time in the meetings zone; an all-day event blocks its
whole local day(s) when ``all_day_blocks`` (end-exclusive ``DTEND``), else it is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar, Event

Interval = tuple[datetime, datetime]  # aware, UTC, end-exclusive


def _aware(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)
    return datetime.combine(value, time(), zone).astimezone(UTC)


def occurrence_interval(event: Event, zone: ZoneInfo, *, all_day_blocks: bool = True) -> Interval | None:
    """The busy interval of one (expanded) VEVENT, or None when it does not block."""
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(event.get("STATUS", "CONFIRMED")).upper() == "CANCELLED":
        return None
    if event.get("DTSTART") is None:
        return None
    start = event.decoded("DTSTART")
    all_day = not isinstance(start, datetime)
    if all_day and not all_day_blocks:
        return None
    if event.get("DTEND") is not None:
        end = event.decoded("DTEND")
    elif event.get("DURATION") is not None:
        end = start + event.decoded("DURATION")
    else:  # RFC 5545 §3.6.1: a date lasts one day, a date-time is an instant
        end = start + timedelta(days=1) if all_day else start
    begin, finish = _aware(start, zone), _aware(end, zone)
    return (begin, finish) if finish > begin else None


def busy_intervals(calendars: Iterable[Calendar], start: datetime, end: datetime, zone: ZoneInfo, *,
                   all_day_blocks: bool = True, exclude_uids: frozenset[str] = frozenset()) -> list[Interval]:
    """Blocking intervals overlapping [start, end): recurrences expanded (EXDATE, RECURRENCE-ID honoured)."""
    found: list[Interval] = []
    for calendar in calendars:
        for event in recurring_ical_events.of(calendar).between(start, end):
            if str(event.get("UID", "")) in exclude_uids:
                continue
            interval = occurrence_interval(event, zone, all_day_blocks=all_day_blocks)
            if interval and interval[0] < end and interval[1] > start:
                found.append(interval)
    return sorted(found)


def merge(intervals: Iterable[Interval], pad: timedelta = timedelta()) -> list[Interval]:
    """Sorted, padded by ``pad`` on both sides, overlapping intervals joined."""
    merged: list[Interval] = []
    for begin, finish in sorted((a - pad, b + pad) for a, b in intervals):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged
