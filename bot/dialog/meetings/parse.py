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

from bot.dialog.meetings.dates import find_calendar_date, find_weekday, ruled_out, stray_abbreviation
from bot.dialog.meetings.directory import Directory
from bot.dialog.meetings.layout import read_other_script
from bot.dialog.meetings.offsets import find_day_adjective, find_days_ahead, find_delta
from bot.dialog.meetings.participants import find_people
from bot.dialog.meetings.rules import END_OF_DAY, Found, find_duration, find_range, find_time
from bot.dialog.meetings.slips import correct_slips, part_glued, unread_day
from bot.dialog.meetings.typos import correct_day_typos, unclear_day
from bot.i18n import Lang, detect_language

_TOPIC = re.compile(r"((?:по\s+поводу|насч[её]т|на\s+тему|обсудить|about|to\s+discuss|regarding|re:)\s+.+)$",
                    re.IGNORECASE)


@dataclass
class MeetingRequest:
    """What a text asks for; ``needs`` lists what is still missing before slots can be offered."""

    start: datetime | None = None  # aware, in the user's zone
    day: date | None = None  # a day without a time
    duration_min: int | None = None
    participants: list[str] = field(default_factory=list)  # the directory's people, by their full names
    unknown_people: list[str] = field(default_factory=list)  # names after «с»/"with" the directory lacks, as written
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
                "participants": self.participants, "unknown_people": self.unknown_people, "title": self.title,
                "needs": self.needs, "time_of_day": self.time_of_day, "problem": self.problem,
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


def _title(rest: str, original: str, lang: Lang) -> str:
    if topic := _TOPIC.search(rest):
        words = original[topic.start(1):topic.end(1)].strip(" .,!?;:")
        if words:
            return words[0].upper() + words[1:]
    return "Встреча" if lang == "ru" else "Meeting"


def repair(text: str) -> str:
    """Slips around day words undone, each before the one it would hide: the other layout or translit first («pfdnhf»
    is a day word only once re-keyed), glued words parted («завтрав 15»), months and parts of the day («в 7 вечра»,
    which the day words' rules would take for «вчера»), then the day words themselves."""
    return correct_day_typos(correct_slips(part_glued(read_other_script(text))))


def parse_meeting(text: str, *, now: datetime, tz: ZoneInfo | str = "Europe/Moscow",
                  directory: Directory | None = None, max_days_ahead: int = 90, lang: Lang | None = None
                  ) -> MeetingRequest:
    """Parse a request against ``now`` (converted to ``tz``); dates are computed here, never by a model."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    now = now.astimezone(zone) if now.tzinfo else now.replace(tzinfo=zone)
    req = MeetingRequest(lang=lang or detect_language(text))
    text = repair(text)
    lowered = normalise(text)
    ranged = find_range(lowered)
    lowered = _blank(lowered, ranged)
    duration = find_duration(lowered)
    req.duration_min = duration.value if duration else (ranged.value[2] if ranged else None)
    rest = _blank(lowered, duration)
    original = _blank(text, duration) if len(lowered) == len(text) else text
    people = find_people(original, directory or Directory([]))
    req.participants, req.unknown_people = people.names, people.unknown
    for span in people.spans:
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
    context = text  # with its times: in «пн утром» it is «утром» that says «пн» is a day
    ahead = find_days_ahead(text)  # first: «через 3 дня» must not be read as «3 дня» (3 pm)
    text = _blank(text, ahead)
    clock = find_time(text)
    text = _blank(text, clock)
    hm: tuple[int, int] | None = fixed
    if clock is not None and hm is None:
        hour, minute, req.time_of_day = clock.value
        hm = (hour, minute)
    midnight = hm == (END_OF_DAY, 0)  # the midnight that ends the day named: 00:00 of the day after it
    if midnight:
        hm = (0, 0)
    named = _named_days(text, context, ahead, now, None if midnight else hm)
    if midnight and named and len(named) == 1:  # several days are asked about as the user wrote them
        named = (named[0] + timedelta(days=1),)
    if named is None:
        req.problem = "unclear_day"  # «31.11 в 10»: a date is written, but not one to book
        return
    days = named or _hinted_day(context, today)
    if len(days) > 1:
        req.problem, req.candidates = "ambiguous", list(days)
        return
    if not days and (unclear_day(text) or stray_abbreviation(text) or unread_day(text)):
        req.problem = "unclear_day"  # «на днях в 15», «в питнецу», «в сч в 11»: a day is meant, never silently today
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


def _named_days(text: str, context: str, ahead: Found[int] | None, now: datetime, hm: tuple[int, int] | None
                ) -> tuple[date, ...] | None:
    """Every day the text names; two different ones («в пн или вт», «завтра или послезавтра») make it ambiguous.

    A weekday that agrees with a date or a «завтра» next to it is the same day («в пн 7 декабря», «завтра, в пт»).
    A day ruled out is dropped («не в пятницу, а в субботу»: Saturday). None: a day is written that cannot be
    booked as written (a date no calendar has, «31.11»; a deadline, «до пятницы»; only days ruled out).
    """
    today = now.date()
    found: list[date] = []
    dropped = False
    weeks = 0  # «через неделю», "in 2 weeks": days counted in whole weeks, which a weekday may say more of
    while ahead is not None:
        found.append(today + timedelta(days=ahead.value))
        weeks = ahead.value if ahead.value > 0 and ahead.value % 7 == 0 else weeks
        text = _blank(text, ahead)
        ahead = find_days_ahead(text)
    if (explicit := find_calendar_date(text, today)) is not None:
        dropped = bool(why := ruled_out(text[:explicit.span[0]]))
        text = _blank(text, explicit)
        if not explicit.value.days or why == "deadline":
            return None
        if len(explicit.value.days) > 1 and not dropped:
            return explicit.value.days
        found.extend(() if dropped else explicit.value.days)
    named = list(found)
    while (weekday := find_weekday(text, context)) is not None:
        text = _blank(text, weekday)
        if weekday.value.ruled_out == "deadline":
            return None
        if weekday.value.ruled_out:
            dropped = True
            continue
        hint = weekday.value
        if weeks and not (hint.plus_days or hint.strict or hint.week or hint.last):
            found.remove(today + timedelta(days=weeks))
            found.extend(_weeks_on(hint.weekday, weeks, today))
            weeks = 0
            continue
        if not weekday.value.plus_days and any(d.weekday() == weekday.value.weekday for d in named):
            continue
        day = weekday.value.resolve(today)
        if day == today and hm is not None and datetime.combine(day, time(*hm), now.tzinfo) <= now:
            day += timedelta(days=7)  # «в четверг в 11» said on Thursday at noon: next Thursday
        found.append(day)
    if dropped and not found:
        return None
    return tuple(sorted(set(found)))


def _weeks_on(weekday: int, days: int, today: date) -> list[date]:
    """«через неделю в пятницу» as people mean it: the coming Friday a week on, the first Friday a week from today,
    the Friday of the week after this one. Said on a Thursday they agree (4.12); of a Tuesday they part (1.12 or
    8.12?), and the two days make it a question."""
    coming = today + timedelta(days=(weekday - today.weekday()) % 7 + days)
    first = today + timedelta(days=days)
    first += timedelta(days=(weekday - first.weekday()) % 7)
    return [coming, first, today - timedelta(days=today.weekday()) + timedelta(days=days + weekday)]


def _hinted_day(context: str, today: date) -> tuple[date, ...]:
    """Where no day is named: one said in passing («завтрашний созвон», "this morning"), read in ``context``, where
    the times are still in ("this morning" may be the time found).

    «На следующей неделе», "next week" alone is no day: its Monday would be a guess, so the user is asked which day.
    """
    if (adjective := find_day_adjective(context)) is not None:
        return (today + timedelta(days=adjective.value),)
    return ()


def names_a_day(span: str, now: datetime) -> bool:
    """Whether a span names a day by itself, not only a time (which alone would mean today or tomorrow)."""
    text = normalise(repair(span))
    if find_delta(text) is not None:
        return True
    ahead = find_days_ahead(text)
    rest = _blank(text, ahead)
    rest = _blank(rest, find_time(rest))
    named = _named_days(rest, text, ahead, now, None)
    return named is None or bool(named or _hinted_day(text, now.date()))


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
    _resolve_when(req, normalise(repair(when_text)), now, max_days_ahead)
    if hint and req.day is not None and req.start is None:
        clock = find_time(hint)
        assert clock is not None  # the hints are rule phrases
        hour, minute, req.time_of_day = clock.value
        req.start, req.day = datetime.combine(req.day, time(hour, minute), now.tzinfo), None
    _check(req, now, max_days_ahead)
    return req
