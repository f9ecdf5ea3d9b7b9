"""Calendar days in a meeting request: weekdays, month-name dates (through dateparser) and numeric dates."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from bot.dialog.meetings.rules import Found

log = logging.getLogger(__name__)

_WEEKDAYS_RU = ("понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресень")
_WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(
    r"\b(?:(?:в|во|на|on|by)\s+)?(?:(следующ\w*|ближайш\w*|эт(?:от|у|о)|next|this|coming)\s+)?"
    r"(понедельник|вторник|сред[аеуы]|четверг|пятниц[аеуы]|суббот[аеуы]|воскресень[еяю]|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday)\w*")
_NEXT_WEEK = re.compile(r"\b(?:на\s+)?следующей\s+неделе\b|\bnext\s+week\b|\bна\s+той\s+неделе\b")
_MONTHS_RU = (r"январ[яьe]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|сентябр[яь]|октябр[яь]|"
              r"ноябр[яь]|декабр[яь]|янв|фев|мар|апр|июн|июл|авг|сент?|окт|ноя|дек")
_MONTHS_EN = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|" \
             r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
_YEAR = r"(?:,?\s+(\d{4})(?:\s*(?:года|г\.?))?)?"
_MONTH_DATE = [
    re.compile(r"\b(\d{1,2})(?:-?(?:го|е|ое))?\s+(?:" + _MONTHS_RU + r")\.?" + _YEAR),
    re.compile(r"\b(?:" + _MONTHS_EN + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b" + _YEAR),
    re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?:" + _MONTHS_EN + r")\b\.?" + _YEAR),
]
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DOTTED = re.compile(r"(?<![\d:.])(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?(?![\d:]|\.\d)")
_SLASHED = re.compile(r"(?<![\d:/])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d:/])")


@dataclass(frozen=True)
class DayHint:
    """A day the text names: one date, or several when the writing is ambiguous (12/03)."""

    days: tuple[date, ...]


def find_weekday(text: str) -> Found[tuple[int, bool, bool]] | None:
    """A weekday name with «следующий»/"next"/«на следующей неделе» modifiers; value (weekday, strict, next_week)."""
    match = _WEEKDAY.search(text)
    if match is None:
        return None
    word = match[2]
    index = next(i for i, names in enumerate((_WEEKDAYS_RU, _WEEKDAYS_EN)) if any(word.startswith(n) for n in names))
    names = (_WEEKDAYS_RU, _WEEKDAYS_EN)[index]
    weekday = next(i for i, n in enumerate(names) if word.startswith(n))
    modifier = (match[1] or "")
    next_week = bool(_NEXT_WEEK.search(text))
    return Found((weekday, modifier.startswith(("следующ", "next")), next_week), match.span())


def find_next_week(text: str, today: date) -> Found[date] | None:
    """«на следующей неделе» / "next week" with no weekday: the next week's Monday, as a day."""
    match = _NEXT_WEEK.search(text)
    if match is None:
        return None
    return Found(resolve_weekday(0, True, True, today), match.span())


def resolve_weekday(weekday: int, strict: bool, next_week: bool, today: date) -> date:
    """The date of a weekday: the nearest one from today (today counts unless ``strict``), or in next week.

    «в следующий вторник» said on a Thursday is the coming Tuesday (5 days on), not the one after it.
    """
    if next_week:
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return monday + timedelta(days=weekday)
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and strict:
        ahead = 7
    return today + timedelta(days=ahead)


def find_calendar_date(text: str, today: date) -> Found[DayHint] | None:
    """An explicit date: «3 декабря», "Dec 3", «5.12», "2026-12-05", "12/03" (value: DayHint)."""
    if match := _ISO.search(text):
        day = _safe_date(int(match[1]), int(match[2]), int(match[3]))
        return Found(DayHint((day,)), match.span()) if day else None
    for pattern in _MONTH_DATE:
        if match := pattern.search(text):
            parsed = dateparser_date(match[0], today)
            if parsed is not None:
                return Found(DayHint((parsed,)), match.span())
    if match := _DOTTED.search(text):
        day = _dmy(int(match[1]), int(match[2]), match[3], today)
        return Found(DayHint((day,)), match.span()) if day else None
    if match := _SLASHED.search(text):
        a, b = int(match[1]), int(match[2])
        options = [d for d in (_dmy(a, b, match[3], today), _dmy(b, a, match[3], today)) if d is not None]
        unique = tuple(dict.fromkeys(options))
        return Found(DayHint(unique), match.span()) if unique else None
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _dmy(day: int, month: int, year: str | None, today: date) -> date | None:
    if year:
        return _safe_date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    return roll_year(_safe_date(today.year, month, day), today)


def roll_year(day: date | None, today: date) -> date | None:
    """A date written without a year: this year's, or next year's once this year's is over a month past."""
    if day is not None and (today - day).days > 31:
        return _safe_date(day.year + 1, day.month, day.day)
    return day


@lru_cache(maxsize=1)
def _date_parser() -> Any:
    import dateparser  # 0.4 s to import: only when a month name is actually present

    return dateparser


def dateparser_date(span: str, today: date) -> date | None:
    """A month-name date through dateparser (RU/EN, any case), the year rolled like :func:`roll_year`."""
    settings = {"RELATIVE_BASE": datetime.combine(today, datetime.min.time()), "DATE_ORDER": "DMY",
                "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month"]}
    parsed = _date_parser().parse(span, languages=["ru", "en"], settings=settings)
    if parsed is None:
        return None
    has_year = bool(re.search(r"\d{4}", span))
    return parsed.date() if has_year else roll_year(parsed.date().replace(year=today.year), today)


def dateparser_datetime(span: str, now: datetime) -> tuple[datetime, str] | None:
    """Last resort for a cut when-span no rule understood: dateparser in the user's zone, ``now`` as the base.

    Returns the aware datetime and dateparser's period ("day" when no time was given, else "time").
    """
    from dateparser.date import DateDataParser

    tz = now.tzinfo
    settings = {"RELATIVE_BASE": now.replace(tzinfo=None), "TIMEZONE": str(tz), "RETURN_AS_TIMEZONE_AWARE": True,
                "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY", "RETURN_TIME_AS_PERIOD": True}
    _date_parser()
    data = DateDataParser(languages=["ru", "en"], settings=settings).get_date_data(span)
    if data is None or data.date_obj is None:
        return None
    return data.date_obj.astimezone(tz), data.period or "day"
