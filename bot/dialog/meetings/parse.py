"""A meeting request from chat text, deterministically: when, how long, with whom, about what.

Order matters: the duration is cut out first («на 2 часа» is not a time), then participants, then the time of day,
then the day; what is left is the topic. Nothing here guesses: a past, far or ambiguous date comes back with
``problem`` set and no ``start``, so the caller asks instead of booking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.dialog.meetings.dates import (
    correct_day_typos,
    find_calendar_date,
    find_next_week,
    find_weekday,
    resolve_weekday,
    unclear_day,
)
from bot.dialog.meetings.directory import Directory
from bot.dialog.meetings.rules import Found, find_days_ahead, find_delta, find_duration, find_range, find_time
from bot.i18n import Lang, detect_language

_NAME = r"[A-ZА-ЯЁ][a-zа-яё]+(?:-[A-ZА-ЯЁ][a-zа-яё]+)?"
_WITH = re.compile(r"\b(?:с|со|with)\s+((?:[\w-]+)(?:(?:\s*,\s*|\s+(?:и|and)\s+|\s+)[\w-]+){0,5})", re.IGNORECASE)
_TOPIC = re.compile(r"((?:по\s+поводу|насч[её]т|на\s+тему|обсудить|about|to\s+discuss|regarding|re:)\s+.+)$",
                    re.IGNORECASE)
_STOP_NAMES = {"утра", "обеда", "работы", "вами", "тобой", "you", "me", "us", "the", "a", "an",
               "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue", "tues",
               "wed", "thu", "thurs", "fri", "sat", "sun", "today", "tomorrow", "tonight", "next", "this", "on",
               "at", "in", "for"}


@dataclass
class MeetingRequest:
    """What a text asks for; ``needs`` lists what is still missing before slots can be offered."""

    start: datetime | None = None  # aware, in the user's zone
    day: date | None = None  # a day without a time
    duration_min: int | None = None
    participants: list[str] = field(default_factory=list)
    title: str = ""
    time_of_day: str | None = None  # morning/afternoon/evening for vague times («после обеда»)
    problem: str | None = None  # past | too_far | ambiguous | unclear_day (a day word the rules do not know)
    candidates: list[date] = field(default_factory=list)  # the days a problem date could mean
    source: str = "rules"
    lang: Lang = "ru"

    @property
    def needs(self) -> list[str]:
        """What is missing: "date" (no usable day), "time" (a day only), "duration"."""
        missing = []
        if self.problem or (self.start is None and self.day is None):
            missing.append("date")
        if self.start is None:
            missing.append("time")
        if self.duration_min is None:
            missing.append("duration")
        return missing

    @property
    def found_when(self) -> bool:
        """Whether the rules found any day or time at all."""
        return self.start is not None or self.day is not None or self.problem is not None

    def to_json(self) -> dict[str, Any]:
        """The ``dialog-keeper meetings parse`` output."""
        return {"start": self.start.isoformat() if self.start else None,
                "day": self.day.isoformat() if self.day else None, "duration_min": self.duration_min,
                "participants": self.participants, "title": self.title, "needs": self.needs,
                "time_of_day": self.time_of_day, "problem": self.problem,
                "candidates": [d.isoformat() for d in self.candidates], "source": self.source}


def _blank(text: str, found: Found[Any] | None) -> str:
    if found is None:
        return text
    a, b = found.span
    return text[:a] + " " * (b - a) + text[b:]


def normalise(text: str) -> str:
    """Lower case, «ё» → «е», typographic dashes and spaces made plain (length is kept: spans map back)."""
    table = str.maketrans({"ё": "е", "Ё": "Е", "\u00a0": " ", "–": "-", "—": "-", "’": "'"})
    lowered = text.translate(table).lower()
    return lowered if len(lowered) == len(text) else text.translate(table)


def find_participants(original: str, lowered: str, directory: Directory) -> tuple[list[str], list[tuple[int, int]]]:
    """People after «с»/«со»/"with": directory matches by any form, unknown capitalised names as written."""
    names: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _WITH.finditer(original):
        words = re.findall(r"[\w-]+|,|\bи\b|\band\b", match[1])
        taken_end = match.start(1)
        i = 0
        while i < len(words):
            word = words[i]
            if word in (",", "и", "and"):
                i += 1
                continue
            pair = f"{word} {words[i + 1]}" if i + 1 < len(words) else None
            person = (directory.find(pair) if pair else None) or directory.find(word)
            if person is not None:
                step = 2 if pair and directory.find(pair) is person else 1
                if step == 1 and i + 1 < len(words) and directory.find(words[i + 1]) is person:
                    step = 2  # «Иваном Ивановым»: both words name the same person
                name = person.name
            elif re.fullmatch(_NAME, word) and word.lower() not in _STOP_NAMES:
                step, name = 1, word
                if i + 1 < len(words) and re.fullmatch(_NAME, words[i + 1]) and not directory.find(words[i + 1]) \
                        and words[i + 1].lower() not in _STOP_NAMES:
                    step, name = 2, f"{word} {words[i + 1]}"
            else:
                break
            if name not in names:
                names.append(name)
            for w in words[i:i + step]:
                taken_end = original.index(w, taken_end) + len(w)
            i += step
        if taken_end > match.start(1):
            spans.append((match.start(), taken_end))
    return names, spans


def _title(rest: str, original: str, lang: Lang) -> str:
    if topic := _TOPIC.search(rest):
        words = original[topic.start(1):topic.end(1)].strip(" .,!?;:")
        if words:
            return words[0].upper() + words[1:]
    return "Встреча" if lang == "ru" else "Meeting"


def parse_meeting(text: str, *, now: datetime, tz: ZoneInfo | str = "Europe/Moscow",
                  directory: Directory | None = None, max_days_ahead: int = 90, lang: Lang | None = None
                  ) -> MeetingRequest:
    """Parse a request against ``now`` (converted to ``tz``); dates are computed here, never by a model."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    now = now.astimezone(zone) if now.tzinfo else now.replace(tzinfo=zone)
    req = MeetingRequest(lang=lang or detect_language(text))
    text = correct_day_typos(text)
    lowered = normalise(text)
    ranged = find_range(lowered)
    lowered = _blank(lowered, ranged)
    duration = find_duration(lowered)
    req.duration_min = duration.value if duration else (ranged.value[2] if ranged else None)
    rest = _blank(lowered, duration)
    original = _blank(text, duration) if len(lowered) == len(text) else text
    req.participants, spans = find_participants(original, rest, directory or Directory([]))
    for span in spans:
        rest = _blank(rest, Found(0, span))
    _resolve_when(req, rest, now, max_days_ahead, fixed=ranged.value[:2] if ranged else None)
    req.title = _title(rest, text if len(lowered) == len(text) else rest, req.lang)
    return req


def _resolve_when(req: MeetingRequest, text: str, now: datetime, max_days_ahead: int,
                  fixed: tuple[int, int] | None = None) -> None:
    today = now.date()
    delta = find_delta(text)
    if delta is not None:  # elapsed time: added in UTC, so "in 2 hours" across a DST change is 2 real hours
        req.start = (now.astimezone(UTC) + delta.value).astimezone(now.tzinfo)
        _check(req, now, max_days_ahead)
        return
    ahead = find_days_ahead(text)  # first: «через 3 дня» must not be read as «3 дня» (3 pm)
    text = _blank(text, ahead)
    clock = find_time(text)
    text = _blank(text, clock)
    hm: tuple[int, int] | None = fixed
    if clock is not None and hm is None:
        hour, minute, req.time_of_day = clock.value
        hm = (hour, minute)
    days = _named_days(text, ahead, now, hm)
    if not days and (week := find_next_week(text, today)) is not None:
        days = (week.value,) if hm is None else ()  # «на следующей неделе» alone: from its Monday
    if len(days) > 1:
        req.problem, req.candidates = "ambiguous", list(days)
        return
    if not days and unclear_day(text):
        req.problem = "unclear_day"  # «на днях в 15», «в пятнецу»: a day is meant, and never silently today
        return
    if not days:  # a time only: today if it is still ahead, else tomorrow
        if hm is None:
            return
        start = datetime.combine(today, time(*hm), now.tzinfo)
        req.start = start if start > now else start + timedelta(days=1)
    elif hm is None:
        req.day = days[0]
    else:
        req.start = datetime.combine(days[0], time(*hm), now.tzinfo)
    _check(req, now, max_days_ahead)


def _named_days(text: str, ahead: Found[int] | None, now: datetime, hm: tuple[int, int] | None
                ) -> tuple[date, ...]:
    """Every day the text names; two different ones («в пн или вт», «завтра или послезавтра») make it ambiguous.

    A weekday that agrees with a date or a «завтра» next to it is the same day («в пн 7 декабря», «завтра, в пт»).
    """
    today = now.date()
    found: list[date] = []
    while ahead is not None:
        found.append(today + timedelta(days=ahead.value))
        text = _blank(text, ahead)
        ahead = find_days_ahead(text)
    if (explicit := find_calendar_date(text, today)) is not None:
        text = _blank(text, explicit)
        if len(explicit.value.days) > 1:
            return explicit.value.days
        found.extend(explicit.value.days)
    named = list(found)
    while (weekday := find_weekday(text)) is not None:
        text = _blank(text, weekday)
        wd, strict, next_week = weekday.value
        if any(d.weekday() == wd for d in named):
            continue
        day = resolve_weekday(wd, strict, next_week, today)
        if day == today and hm is not None and datetime.combine(day, time(*hm), now.tzinfo) <= now:
            day += timedelta(days=7)  # «в четверг в 11» said on Thursday at noon: next Thursday
        found.append(day)
    return tuple(sorted(set(found)))


def _check(req: MeetingRequest, now: datetime, max_days_ahead: int) -> None:
    """Past and far dates are never kept as a bookable start: they become a question."""
    day = req.start.date() if req.start else req.day
    if day is None:
        return
    # compared in UTC: two times in one zone compare by wall clock, wrong in the hour a DST change repeats
    past = (req.start is not None and req.start.astimezone(UTC) < now.astimezone(UTC) - timedelta(minutes=1)) \
        or day < now.date()
    far = day > now.date() + timedelta(days=max_days_ahead)
    if past or far:
        req.problem, req.candidates = ("past" if past else "too_far"), [day]
        req.start, req.day = None, None


def parse_when_text(when_text: str, time_of_day: str | None, *, now: datetime, max_days_ahead: int = 90
                    ) -> MeetingRequest:
    """Re-read a span a model copied out of the message with the same rules (no other parser, no guessing).

    ``time_of_day`` (morning/afternoon/evening) sets the hour only when the span names a day without one: a model
    that says "morning" for a message with no day gets no date.
    """
    hint = {"morning": "утром", "afternoon": "после обеда", "evening": "вечером"}.get(time_of_day or "")
    req = MeetingRequest()
    _resolve_when(req, normalise(correct_day_typos(when_text)), now, max_days_ahead)
    if hint and req.day is not None and req.start is None:
        clock = find_time(hint)
        assert clock is not None  # the hints are rule phrases
        hour, minute, req.time_of_day = clock.value
        req.start, req.day = datetime.combine(req.day, time(hour, minute), now.tzinfo), None
    _check(req, now, max_days_ahead)
    return req
