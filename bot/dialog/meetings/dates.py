"""Calendar days in a meeting request: weekdays (and abbreviations), month-name, ordinal and numeric dates."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.dialog.meetings.rules import Found

log = logging.getLogger(__name__)

_WEEKDAYS_RU = ("понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресень")
_WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(понедельник|вторник|сред[аеуы]|четверг|пятниц[аеуы]|пятничк|суббот[аеуы]|"
                      r"воскресень[еяю]|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\w*")
# Abbreviations as people write them in chats («в пт в 16», "Fri 4pm", «Чт.»). Those that are no word are a day
# wherever they stand; those that are one too («ср» compare, «пон» got it, "sat", "sun") only where they read as
# a day: after «в»/"on"/"next", at the start, or before a time or the end ("I sat with John" is no Saturday).
_ABBREVIATIONS = {"пн": 0, "пнд": 0, "вт": 1, "втр": 1, "срд": 2, "чтв": 3, "пт": 4, "птн": 4, "сб": 5, "сбт": 5,
                  "вск": 6, "вскр": 6, "tue": 1, "tues": 1, "weds": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4}
_WORDLIKE_ABBREVIATIONS = {"пон": 0, "понед": 0, "вторн": 1, "ср": 2, "сред": 2, "чт": 3, "четв": 3, "пят": 4,
                           "суб": 5, "вс": 6, "воскр": 6,
                           "mon": 0, "wed": 2, "sat": 5, "sun": 6}
_ALL_ABBREVIATIONS = {**_ABBREVIATIONS, **_WORDLIKE_ABBREVIATIONS}
_ABBREVIATION = re.compile(  # «пн-вт» is two days (a question), so a hyphen parts them too; "c'mon" is no Monday
    r"(?<![\w'])(" + "|".join(sorted(_ALL_ABBREVIATIONS, key=len, reverse=True)) + r")(?!\w)\.?")
_MODIFIER = r"следующ\w*|ближайш\w*|эт(?:от|у|о)|след\.?|next|this|coming|прошл\w*|last|previous"
# The words before a weekday that belong to it: «в следующий», "on", "last".
_LEAD = re.compile(r"(?:\b(?:в|во|на|on|by)\s+)?(?:\b(" + _MODIFIER + r")\s+)?$")
_DAY_BEFORE = re.compile(r"(?:^|[,;:(!?]|\b(?:в|во|на|до|к|по|с|со|on|by|until|till|or|или|and|" + _MODIFIER +
                         r"))\s*$")
_DAY_AFTER = re.compile(r"\s*(?:,\s*)?(?:$|[?!;)]|[\d(]|(?:в|во|на|at|с|with|for|or|или)\s|noon|midday|lunch|"
                        r"morning|afternoon|evening|утр|вечер|дн[её]м|обед|после|next|след)")
_PRONOUN_BEFORE = re.compile(r"\b(?:i|we|he|she|they|you)\s+$")
_NEXT_WEEK = re.compile(r"\b(?:на\s+)?(?:следующей|след\.?)\s+неделе\b|\bnext\s+week\b|\bна\s+той\s+неделе\b")
_LAST_WEEK = re.compile(r"\b(?:на\s+)?прошлой\s+неделе\b|\blast\s+week\b")
_MONTHS_RU = (r"январ[яьe]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|сентябр[яь]|октябр[яь]|"
              r"ноябр[яь]|декабр[яь]|янв|фев|мар|апр|июн|июл|авг|сент?|окт|ноя|дек")
_MONTHS_EN = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|" \
             r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
_MONTH_NUMBER = {"янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "июн": 6, "июл": 7, "авг": 8, "сен": 9,
                 "окт": 10, "ноя": 11, "дек": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                 "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
def _russian_ordinals() -> dict[str, int]:
    """«третьего» and «третье» (of the month), «двадцать пятого», «тридцать первое»: each with its number."""
    stems = {"перв": 1, "втор": 2, "треть": 3, "четверт": 4, "пят": 5, "шест": 6, "седьм": 7, "восьм": 8,
             "девят": 9, "десят": 10, "одиннадцат": 11, "двенадцат": 12, "тринадцат": 13, "четырнадцат": 14,
             "пятнадцат": 15, "шестнадцат": 16, "семнадцат": 17, "восемнадцат": 18, "девятнадцат": 19,
             "двадцат": 20, "тридцат": 30}
    words = {stem + end: n for stem, n in stems.items() for end in (("его", "е") if stem == "треть" else ("ого", "ое"))}
    units = {w: n for w, n in words.items() if n < 10}
    words.update({f"двадцать {w}": 20 + n for w, n in units.items()})
    words.update({f"тридцать {w}": 31 for w, n in units.items() if n == 1})
    return words


def _english_ordinals() -> dict[str, int]:
    """"third", "twenty-first", "thirty first": each with its number."""
    units = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
    words = {w: n for n, w in enumerate((*units, "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth",
                                         "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
                                         "twentieth"), 1)}
    words.update({f"twenty{sep}{w}": 21 + n for n, w in enumerate(units) for sep in ("-", " ")})
    words.update({"thirtieth": 30, "thirty-first": 31, "thirty first": 31})
    return words


RU_ORDINALS, _EN_ORDINALS = _russian_ordinals(), _english_ordinals()
_DAY_WORDS = {**RU_ORDINALS, **_EN_ORDINALS}


def _alternatives(words: dict[str, int] | tuple[str, ...]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_RU_ORDINAL = "(?P<word>" + _alternatives(RU_ORDINALS) + ")"
_RU_GENITIVE = "(?P<word>" + _alternatives(tuple(w for w in RU_ORDINALS if w.endswith("го"))) + ")"
_EN_ORDINAL = "(?P<word>" + _alternatives(_EN_ORDINALS) + ")"
_DAY_NUM = r"(?P<day>\d{1,2})(?:-?(?:го|е|ое|ого)|st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>\d{4})(?:\s*(?:года|г\.?))?)?"
_MONTH_DATE = (  # «3 декабря», «третье декабря»; "Dec 3rd", "December the third"; "3 Dec", "the third of December"
    re.compile(r"\b(?:" + _DAY_NUM + "|" + _RU_ORDINAL + r")\s+(?P<month>" + _MONTHS_RU + r")\.?(?!\w)" + _YEAR),
    re.compile(r"\b(?P<month>" + _MONTHS_EN + r")\.?\s+(?:the\s+)?(?:" + _DAY_NUM + "|" + _EN_ORDINAL + r")\b" + _YEAR),
    re.compile(r"\b(?:the\s+)?(?:" + _DAY_NUM + "|" + _EN_ORDINAL + r")\s+(?:of\s+)?(?P<month>" + _MONTHS_EN +
               r")\b\.?" + _YEAR),
)
# What may follow an English ordinal that is a day ("on the third at 10"), and not a thing ("the third option").
_EN_DAY_AFTER = r"(?=\s*(?:$|[,.;:?!)]|\d|(?:at|for|in|around|after|before|or|and|works|would|is|morning|afternoon|" \
                r"evening|maybe|then|ok)\b))"
# A day of the month without a month: «3-го числа», «на 5 число», «на 7-е», «третьего», «на третье», "the 14th".
_DAY_ONLY = (
    re.compile(r"\b(?P<day>\d{1,2})(?:-?(?:го|е|ое|ого))?\s+числ[ао]\b"),
    re.compile(r"\b(?P<day>\d{1,2})-?(?:го|е|ое|ого)\b"),
    re.compile(r"\b" + _RU_ORDINAL + r"\s+числ[ао]\b"),
    re.compile(r"(?<!пол\s)(?<!пол)(?<!половина\s)\b" + _RU_GENITIVE + r"(?=\s*(?:,|$|в\s|к\s|на\s|с\s))"),
    re.compile(r"\bна\s+" + _RU_ORDINAL + r"(?=\s*(?:,|$|в\s|к\s|с\s))"),  # «на третье»: «первое, что…» is no day
    re.compile(r"\b(?:on\s+)?the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?:minutes?|mins?|hours?|of\s))"),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)\b"),
    re.compile(r"\b(?:on\s+)?the\s+" + _EN_ORDINAL + _EN_DAY_AFTER),
)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DOTTED = re.compile(r"(?<![\d:.])(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?(?![\d:]|\.\d)")
_SLASHED = re.compile(r"(?<![\d:/])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d:/])")
_WEEK_AFTER_NEXT = re.compile(r"\bweek\s+after\s+next\b|\bнеделе\s+после\s+следующей\b")
# Days counted from a weekday: "a week from Friday", "two days after Monday", «на следующий день после пятницы».
_OFFSET_BEFORE = re.compile(r"(?:\b(?P<n>a|one|two|three|four|\d)\s+(?P<unit>week|day)s?|\bthe\s+day|"
                            r"\b(?:на\s+)?следующий\s+день)\s+(?:from|after|после)\s+$")
_AFTER_NEXT = re.compile(r"\s+after\s+next\b")  # "the Friday after next": a week after the next Friday
_WEEK_ON = re.compile(r"\s+week\b(?!\s*(?:\d|of\b))")  # "Monday week" (British): a week after the coming Monday
# Words before a day that make it no day to book: a deadline («до пятницы», "by Friday", «к пятнице», «не позже
# 5-го») — any day up to it, only the user can say which — or a day ruled out («кроме пятницы», «не в пятницу»,
# "not on Friday"; not "why not Friday?", «почему бы не в пятницу»): the other day said, if any, is the one.
_DAY_LEAD = r"\s+(?:(?:в|во|на|on|the)\s+)?(?:(?:эт\w*|this|next|coming|следующ\w*|ближайш\w*)\s+)?$"
_DEADLINE = re.compile(r"\b(?:до|к|ко|by|until|till|before|не\s+позже|не\s+позднее|no\s+later\s+than)" + _DAY_LEAD)
_EXCLUDED = re.compile(r"(?:\bкроме|\bexcept|(?<!\bбы\s)\bне|(?<!\bwhy\s)\bnot)" + _DAY_LEAD)


@dataclass(frozen=True)
class DayHint:
    """A day the text names: one date, several when the writing is ambiguous (12/03), none when no calendar has
    the date written (31.11): that is a question, never a day guessed around it."""

    days: tuple[date, ...]


@dataclass(frozen=True)
class WeekdayHint:
    """A weekday the text names, and how: «следующий»/"next" (never today), «на следующей неделе», «прошлый»."""

    weekday: int
    strict: bool = False
    week: int = 0  # the calendar week it is in: 1 «на следующей неделе», -1 «на прошлой неделе», 0 the nearest
    last: bool = False
    plus_days: int = 0  # counted on from that day: "a week from Friday" 7, "the Friday after next" 7
    ruled_out: str = ""  # "deadline" («до пятницы») or "excluded" («кроме пятницы»): not the day to meet

    def resolve(self, today: date) -> date:
        """The date: the nearest such day from today (today counts unless ``strict``), in next week, or the last.

        «в следующий вторник» said on a Thursday is the coming Tuesday (5 days on), not the one after it;
        «в прошлую пятницу» is a past day (the caller asks about it).
        """
        if self.last:
            return today - timedelta(days=(today.weekday() - self.weekday) % 7 or 7)
        if self.week:
            monday = today - timedelta(days=today.weekday()) + timedelta(days=7 * self.week)
            return monday + timedelta(days=self.weekday + self.plus_days)
        ahead = (self.weekday - today.weekday()) % 7
        if ahead == 0 and self.strict:
            ahead = 7
        return today + timedelta(days=ahead + self.plus_days)


def _reads_as_day(context: str, match: re.Match[str]) -> bool:
    """Whether an abbreviation that is also a word («ср», "sat") stands where a day would."""
    before, after = context[:match.start()], context[match.end():]
    return bool(_DAY_BEFORE.search(before) or (_DAY_AFTER.match(after) and not _PRONOUN_BEFORE.search(before)))


def _weekday_match(text: str, context: str) -> tuple[int, int, int] | None:
    """The first weekday name or abbreviation: (weekday, start, end).

    Abbreviations are judged by ``context``, the text before times were cut out of it («пн утром»: «утром» says
    «пн» is a day), but only where ``text`` still has them (a day already read is blanked there).
    """
    if match := _WEEKDAY.search(text):
        word = match[1]
        names = _WEEKDAYS_EN if word[0].isascii() else _WEEKDAYS_RU
        return next(i for i, n in enumerate(names) if word.startswith(n[:5])), match.start(), match.end()
    for match in _ABBREVIATION.finditer(context):
        a, b = match.span()
        if text[a:b] == context[a:b] and (match[1] in _ABBREVIATIONS or _reads_as_day(context, match)):
            return _ALL_ABBREVIATIONS[match[1]], a, b
    return None


def weekday_word(word: str) -> int | None:
    """The weekday a whole lower-case word names («пятницу» 4, «пт» 4, "tue" 1), or None."""
    if match := _WEEKDAY.fullmatch(word):
        names = _WEEKDAYS_EN if word.isascii() else _WEEKDAYS_RU
        return next(i for i, n in enumerate(names) if match[1].startswith(n[:5]))
    return _ALL_ABBREVIATIONS.get(word)


def stray_abbreviation(text: str) -> str | None:
    """An abbreviation left unread («давай ср ближе к вечеру»): a day may be meant, so it is asked, not dropped.

    Not after a pronoun: "I sat down" speaks of no Saturday.
    """
    for match in _ABBREVIATION.finditer(text):
        if not _PRONOUN_BEFORE.search(text[:match.start()]):
            return match[1]
    return None


def find_weekday(text: str, context: str | None = None) -> Found[WeekdayHint] | None:
    """A weekday (name or abbreviation) with its lead: «в следующий вторник», "next Tue", «на следующей неделе в пт»."""
    found = _weekday_match(text, text if context is None else context)
    if found is None:
        return None
    weekday, start, end = found
    lead = _LEAD.search(text[:start])
    assert lead is not None  # every part of it is optional
    modifier = lead[1] or ""
    begin, plus = lead.start(), 0
    if offset := _OFFSET_BEFORE.search(text[:begin]):
        count = 1 if offset["n"] in (None, "a", "one") else _SMALL.get(offset["n"]) or int(offset["n"])
        begin, plus = offset.start(), count * (7 if offset["unit"] == "week" else 1)
    if after_next := _AFTER_NEXT.match(text, end):
        end, plus = after_next.end(), plus + 7
    elif week_on := _WEEK_ON.match(text, end):
        end, plus = week_on.end(), plus + 7
    hint = WeekdayHint(weekday, strict=modifier.startswith(("следующ", "след", "next")) or after_next is not None,
                       week=_week_named(text), last=modifier.startswith(("прошл", "last", "prev")), plus_days=plus,
                       ruled_out=ruled_out(text[:start]))
    return Found(hint, (begin, end))


def ruled_out(before: str) -> str:
    """"deadline" or "excluded" when the words before a day make it no day to meet, else ""."""
    return "deadline" if _DEADLINE.search(before) else "excluded" if _EXCLUDED.search(before) else ""


_SMALL = {"two": 2, "three": 3, "four": 4}


def _week_named(text: str) -> int:
    if _WEEK_AFTER_NEXT.search(text):
        return 2
    return 1 if _NEXT_WEEK.search(text) else -1 if _LAST_WEEK.search(text) else 0


def find_calendar_date(text: str, today: date) -> Found[DayHint] | None:
    """An explicit date: «3 декабря», «третьего декабря», "Dec 3", «5.12», "2026-12-05", "12/03", «3-го числа».

    A date no calendar has («31.11», "Feb 30") is found with no days: the writer meant a date, so it must not
    vanish and leave the time alone to be booked today.
    """
    if match := _ISO.search(text):
        day = _safe_date(int(match[1]), int(match[2]), int(match[3]))
        return Found(DayHint((day,) if day else ()), match.span())
    for pattern in _MONTH_DATE:
        if match := pattern.search(text):
            month = _MONTH_NUMBER[match["month"][:3]]
            day = _dmy(_day_number(match), month, match["year"], today)
            return Found(DayHint((day,) if day else ()), match.span())
    if match := _DOTTED.search(text):
        day = _dmy(int(match[1]), int(match[2]), match[3], today)
        if day is None and not _calendar_shaped(int(match[1]), int(match[2])):
            return None  # «3.14»: no day and no month, so no date either
        return Found(DayHint((day,) if day else ()), match.span())
    if match := _SLASHED.search(text):
        a, b = int(match[1]), int(match[2])
        options = [d for d in (_dmy(a, b, match[3], today), _dmy(b, a, match[3], today)) if d is not None]
        unique = tuple(dict.fromkeys(options))
        if not unique and not (_calendar_shaped(a, b) or _calendar_shaped(b, a)):
            return None
        return Found(DayHint(unique), match.span())
    for pattern in _DAY_ONLY:
        if match := pattern.search(text):
            day = next_day_of_month(_day_number(match), today)
            return Found(DayHint((day,)), match.span()) if day else None
    return None


def _calendar_shaped(day: int, month: int) -> bool:
    """Numbers that read as a day and a month («31.11»), whether or not that date exists."""
    return 1 <= day <= 31 and 1 <= month <= 12


def _day_number(match: re.Match[str]) -> int:
    """The day of the month a date pattern matched, in digits or as a word."""
    groups = match.groupdict()
    return int(groups["day"]) if groups.get("day") else _DAY_WORDS[groups["word"]]


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
