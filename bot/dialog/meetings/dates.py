"""Calendar days in a meeting request: weekdays (and abbreviations), month-name, ordinal and numeric dates."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from bot.dialog.meetings.rules import Found

log = logging.getLogger(__name__)

_WEEKDAYS_RU = ("понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресень")
_WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Abbreviations as people write them in chats («в пт в 16», "Fri 4pm"), with or without a dot.
_ABBREVIATIONS = {"пн": 0, "пон": 0, "вт": 1, "втр": 1, "ср": 2, "срд": 2, "чт": 3, "чтв": 3, "четв": 3, "пт": 4,
                  "птн": 4, "пят": 4, "сб": 5, "суб": 5, "сбт": 5, "вс": 6, "вск": 6, "воскр": 6,
                  "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5,
                  "sun": 6}
_ABBR = "|".join(sorted(_ABBREVIATIONS, key=len, reverse=True))
_LEAD = r"(?:(?:в|во|на|on|by)\s+)?(?:(следующ\w*|ближайш\w*|эт(?:от|у|о)|next|this|coming)\s+)?"
_WEEKDAY = re.compile(
    r"\b" + _LEAD +
    r"(понедельник|вторник|сред[аеуы]|четверг|пятниц[аеуы]|суббот[аеуы]|воскресень[еяю]|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday)\w*")
# An abbreviation counts only where it reads as a day: after «в»/"on"/"next", or before a time or the end
# ("I sat with John" is not Saturday).
_MODIFIER = r"(следующ\w*|ближайш\w*|эт(?:от|у|о)|след\.?|next|this|coming)"
_WEEKDAY_ABBR = (
    re.compile(r"\b(?:(?:в|во|на|on|by)\s+(?:" + _MODIFIER + r"\s+)?|" + _MODIFIER + r"\s+)(" + _ABBR +
               r")(?![\w-])\.?"),
    re.compile(r"(?<![\w-])(?<!\bi\s)(?<!\bwe\s)(?<!\bhe\s)(?<!\bshe\s)(?<!\bthey\s)()()(" + _ABBR +
               r")(?![\w-])\.?(?=\s*(?:,\s*)?(?:$|в\s|во\s|at\s|на\s|[\d(]|noon|"
               r"morning|afternoon|evening|утр|вечер|днем|днём|после|с\s|with\s|for\s|next\s|след))"),
)
_NEXT_WEEK = re.compile(r"\b(?:на\s+)?(?:следующей|след\.?)\s+неделе\b|\bnext\s+week\b|\bна\s+той\s+неделе\b")
_MONTHS_RU = (r"январ[яьe]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|сентябр[яь]|октябр[яь]|"
              r"ноябр[яь]|декабр[яь]|янв|фев|мар|апр|июн|июл|авг|сент?|окт|ноя|дек")
_MONTHS_EN = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|" \
             r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
_MONTH_NUMBER = {"янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "июн": 6, "июл": 7, "авг": 8, "сен": 9,
                 "окт": 10, "ноя": 11, "дек": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                 "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_UNITS_GEN = {"первого": 1, "второго": 2, "третьего": 3, "четвертого": 4, "пятого": 5, "шестого": 6, "седьмого": 7,
              "восьмого": 8, "девятого": 9}
_DAY_WORDS = {**_UNITS_GEN, "десятого": 10, "одиннадцатого": 11, "двенадцатого": 12, "тринадцатого": 13,
              "четырнадцатого": 14, "пятнадцатого": 15, "шестнадцатого": 16, "семнадцатого": 17,
              "восемнадцатого": 18, "девятнадцатого": 19, "двадцатого": 20, "тридцатого": 30,
              **{f"двадцать {w}": 20 + n for w, n in _UNITS_GEN.items()}, "тридцать первого": 31}
_DAY_WORD = "(" + "|".join(sorted(_DAY_WORDS, key=len, reverse=True)) + ")"
_DAY_NUM = r"(\d{1,2})(?:-?(?:го|е|ое|ого)|st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(\d{4})(?:\s*(?:года|г\.?))?)?"
_MONTH_DATE = [  # (pattern, group of the day, group of the month, group of the year)
    (re.compile(r"\b(?:" + _DAY_NUM + "|" + _DAY_WORD + r")\s+(" + _MONTHS_RU + r")\.?(?!\w)" + _YEAR), 0, 3, 4),
    (re.compile(r"\b(" + _MONTHS_EN + r")\.?\s+" + _DAY_NUM + r"\b" + _YEAR), 2, 1, 3),
    (re.compile(r"\b" + _DAY_NUM + r"\s+(?:of\s+)?(" + _MONTHS_EN + r")\b\.?" + _YEAR), 1, 2, 3),
]
# A day of the month without a month: «3-го числа», «на 7-е», «третьего», "the 14th" (its next occurrence).
_DAY_ONLY = [
    re.compile(r"\b(\d{1,2})(?:-?(?:го|е|ое|ого))?\s+числа\b|\b(\d{1,2})-?(?:го|е|ое|ого)\b|"
               r"(?<!пол\s)(?<!пол)(?<!половина\s)\b" + _DAY_WORD + r"(?:\s+числа\b|(?=\s*(?:,|$|в\s|к\s|на\s|с\s)))"),
    re.compile(r"\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?:minutes?|mins?|hours?|of\s))|"
               r"\b(\d{1,2})(?:st|nd|rd|th)\b"),
]
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DOTTED = re.compile(r"(?<![\d:.])(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?(?![\d:]|\.\d)")
_SLASHED = re.compile(r"(?<![\d:/])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d:/])")


@dataclass(frozen=True)
class DayHint:
    """A day the text names: one date, or several when the writing is ambiguous (12/03)."""

    days: tuple[date, ...]


def find_weekday(text: str) -> Found[tuple[int, bool, bool]] | None:
    """A weekday (name or abbreviation), «следующий»/"next"/«на следующей неделе»: (weekday, strict, next_week)."""
    next_week = bool(_NEXT_WEEK.search(text))
    if match := _WEEKDAY.search(text):
        word = match[2]
        names = _WEEKDAYS_EN if word[0].isascii() else _WEEKDAYS_RU
        weekday = next(i for i, n in enumerate(names) if word.startswith(n))
    elif match := (_WEEKDAY_ABBR[0].search(text) or _WEEKDAY_ABBR[1].search(text)):
        weekday = _ABBREVIATIONS[match[3]]
    else:
        return None
    modifier = match[1] or (match[2] if match.re in _WEEKDAY_ABBR else None) or ""
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
    """An explicit date: «3 декабря», «третьего декабря», "Dec 3", «5.12», "2026-12-05", "12/03", «3-го числа»."""
    if match := _ISO.search(text):
        day = _safe_date(int(match[1]), int(match[2]), int(match[3]))
        return Found(DayHint((day,)), match.span()) if day else None
    for pattern, day_group, month_group, year_group in _MONTH_DATE:
        if match := pattern.search(text):
            number = int(match[1]) if day_group == 0 and match[1] else \
                _DAY_WORDS[match[2]] if day_group == 0 else int(match[day_group])
            month = _MONTH_NUMBER[match[month_group][:3]]
            day = _dmy(number, month, match[year_group], today)
            return Found(DayHint((day,)), match.span()) if day else None
    if match := _DOTTED.search(text):
        day = _dmy(int(match[1]), int(match[2]), match[3], today)
        return Found(DayHint((day,)), match.span()) if day else None
    if match := _SLASHED.search(text):
        a, b = int(match[1]), int(match[2])
        options = [d for d in (_dmy(a, b, match[3], today), _dmy(b, a, match[3], today)) if d is not None]
        unique = tuple(dict.fromkeys(options))
        return Found(DayHint(unique), match.span()) if unique else None
    for pattern in _DAY_ONLY:
        if match := pattern.search(text):
            found = next(g for g in match.groups() if g)
            number = int(found) if found.isdigit() else _DAY_WORDS[found]
            day = next_day_of_month(number, today)
            return Found(DayHint((day,)), match.span()) if day else None
    return None


def next_day_of_month(number: int, today: date) -> date | None:
    """The next date with this day of the month, today included (the 31st skips short months)."""
    year, month = today.year, today.month
    if number < today.day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for _ in range(3):
        if (day := _safe_date(year, month, number)) is not None:
            return day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
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


# ------------------------------------------------------------------------------------------- typos, unclear days
_DAY_VOCABULARY = ("завтра", "послезавтра", "сегодня", "понедельник", "вторник", "среду", "среда", "четверг",
                   "пятницу", "пятница", "субботу", "суббота", "воскресенье", "today", "tomorrow", "tonight",
                   *_WEEKDAYS_EN)
_SHORTHANDS = {"tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow", "tmorrow": "tomorrow", "2moro": "tomorrow",
               "2morrow": "tomorrow", "2mrw": "tomorrow", "2day": "today", "zavtra": "завтра"}
_NOT_TYPOS = re.compile(r"завтрак\w*|средн\w*|сред[еи]\w*|пятн[оа]\w*|четвер[оть]\w*|sundae|mondays?|fridays?")
_UNCLEAR_DAY = re.compile(
    r"\bчисл[аоу]\b|\bвыходн\w*|\bнедел\w*|\bднях\b|\bпраздник\w*|\bмесяц\w*|\b(?:как|когда)[-\s]нибудь\b|"
    r"\bдругой\s+день\b|\bпозже\b|\bпотом\b|\bскоро\b|\bв\s+(?:январе|феврале|марте|апреле|мае|июне|июле|"
    r"августе|сентябре|октябре|ноябре|декабре)\b|\bweekends?\b|\bweek\b|\bmonth\b|\bholidays?\b|\bsometime\b|"
    r"\blater\b|\bsoon\b|\b(?:some|one|another|other)\s+day\b|\bin\s+(?:january|february|march|april|june|july|"
    r"august|september|october|november|december)\b")


def osa_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of neighbours as one edit («зватра» is one edit from «завтра»)."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


@lru_cache(maxsize=4096)
def _day_word_near(word: str, limit: int) -> str | None:
    if len(word) < 5 or word in _DAY_VOCABULARY or _NOT_TYPOS.fullmatch(word):
        return None
    # two slips only in long words: "total" is two edits from "today", «понедельнк» is a Monday
    # slips keep the first letter (and it keeps this cheap on long messages)
    near = [(osa_distance(word, v), v) for v in _DAY_VOCABULARY if v[0] == word[0] and abs(len(v) - len(word)) <= limit]
    return min(((d, v) for d, v in near if d <= (limit if len(v) >= 7 else 1)), default=(0, None))[1]


def correct_day_typos(text: str) -> str:
    """Day words written with one slip («зватра», «пятнцу», "tomorow") or chat shorthand ("tmrw") made whole."""
    def fix(match: re.Match[str]) -> str:
        word = match[0].lower().replace("ё", "е")
        return _SHORTHANDS.get(word) or _day_word_near(word, 1) or match[0]

    return re.sub(r"(?<![\w-])(?:[a-zа-яё]+|2[a-z]+)(?![\w-])", fix, text, flags=re.IGNORECASE)


def unclear_day(text: str) -> str | None:
    """Words that speak of a day the rules cannot pin down («на днях», «в выходные», "later", «в пятнецу»)."""
    if match := _UNCLEAR_DAY.search(text):
        return match[0]
    for word in re.findall(r"[a-zа-я]{5,}", text):
        if _day_word_near(word, 2):
            return word
    return None
