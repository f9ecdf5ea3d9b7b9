"""Regex rules that find the pieces of a meeting request in Russian and English text.

Each finder takes the lower-cased text and returns what it matched and where, so the caller can blank the span
out before the next finder runs (a duration «на 2 часа» must never be read as a time, a time «в 15.30» never as a
date). Rules are ordered longest-first; the first one that matches wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

V = TypeVar("V")

NUMBERS = {
    "один": 1, "одну": 1, "одна": 1, "два": 2, "две": 2, "пару": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6,
    "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12, "пятнадцать": 15,
    "двадцать": 20, "тридцать": 30, "сорок пять": 45, "сорок": 40, "девяносто": 90,
    "one": 1, "an": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty-five": 45, "forty five": 45, "forty": 40, "ninety": 90, "a couple of": 2, "couple of": 2, "a couple": 2,
}
NUM = "(" + r"\d+(?:[.,]\d+)?|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + ")"
_ORDINAL_GEN = {"первого": 1, "второго": 2, "третьего": 3, "четвертого": 4, "пятого": 5, "шестого": 6,
                "седьмого": 7, "восьмого": 8, "девятого": 9, "десятого": 10, "одиннадцатого": 11,
                "двенадцатого": 12}
_HOUR_WORDS = {"час": 1, **{k: v for k, v in NUMBERS.items() if 1 <= v <= 12 and k not in ("an", "a", "пару")
                                 and "couple" not in k}}
HOUR_WORD = "(" + "|".join(sorted(_HOUR_WORDS, key=len, reverse=True)) + ")"


def number(word: str) -> float:
    """A number written with digits (a comma is a decimal point) or as a word."""
    word = word.strip()
    return NUMBERS[word] if word in NUMBERS else float(word.replace(",", "."))


@dataclass(frozen=True)
class Found(Generic[V]):
    """A rule's match: the value and the span it covered."""

    value: V
    span: tuple[int, int]


def first_rule(text: str, rules: list[tuple[str, Any]]) -> tuple[re.Match[str], Any] | None:
    """The first rule that matches, and its value (a constant, or a function of the match)."""
    for pattern, action in rules:
        if match := re.search(pattern, text):
            return match, action(match) if callable(action) else action
    return None


# ------------------------------------------------------------------------------------------------ duration
_HOURS_WORD = r"(?:час(?:а|ов)?|ч|hours?|hrs?|h)\b"
_MINUTES_WORD = r"(?:минут[уы]?|мин|minutes?|mins?|m)\b"
_DURATION_RULES: list[tuple[str, Any]] = [
    (r"\b(?:на|for)\s+(\d+)\s*" + _HOURS_WORD + r"\s*(?:и\s+|and\s+)?(\d+)\s*" + _MINUTES_WORD,
     lambda m: int(m[1]) * 60 + int(m[2])),
    (r"\bна\s+полтора\s+часа\b|\bfor\s+an?\s+hour\s+and\s+a\s+half\b|\bfor\s+one\s+and\s+a\s+half\s+hours?\b", 90),
    (r"\bна\s+полчас(?:а|ика)\b|\bfor\s+half\s+an?\s+hour\b|\bfor\s+a\s+half[-\s]hour\b", 30),
    (r"\bна\s+час(?:ик|ок)?\b(?!\s+дня)|\bfor\s+(?:an?|one)\s+hour\b", 60),
    (r"\b(?:на|for)\s+" + NUM + r"\s*" + _HOURS_WORD, lambda m: round(number(m[1]) * 60)),
    (r"\b(?:на|for)\s+" + NUM + r"\s*" + _MINUTES_WORD, lambda m: round(number(m[1]))),
    (r"\bминут\s+на\s+(\d+)\b", lambda m: int(m[1])),  # «минут на 20»: about 20 minutes
    (r"(?<!\d\s)\bминут\s+(\d{1,3})\b(?!\s*(?:час|мин|[:.]\d))", lambda m: int(m[1])),  # «минут 20» too
    (r"\bчаса\s+на\s+(\d+|два|три|пару)\b", lambda m: round(number(m[1]) * 60)),
    (r"\b(?:на\s+)?часа\s+(?:на\s+)?полтора\b", 90),  # «часа полтора», «часа на полтора»: about 90 minutes
    (r"(?<!через\s)(?<!\bin\s)\b(\d+)[-\s]?(?:minutes?|mins?|минутн\w*)\b", lambda m: int(m[1])),
    # «созвон 30 мин»; not «без 15 минут 3» (a time), «за 10 минут до» (a reminder), «в 10 30 минут»
    (r"(?<!через\s)(?<!без\s)(?<!за\s)(?<!\d\s)\b(\d+)\s?(?:мин|минут[уы]?)\b(?!\s*\d)", lambda m: int(m[1])),
    (r"(?<!через\s)(?<!\bin\s)(?<!\bat\s)\b(\d(?:[.,]5)?)\s?(?:h|hrs?|hours?)\b(?!\s+ago)",
     lambda m: round(number(m[1]) * 60)),
    (r"(?<!через\s)\bполтора\s+часа\b|\b(?:an?\s+)?hour[-\s]and[-\s]a[-\s]half\b", 90),
    (r"(?<!через\s)\bполчас(?:а|ика)\b|(?<!\bin\s)\bhalf[-\s]an?[-\s]hour\b|\bhalf-hour\b|\bполучасов\w*", 30),
    (r"\b(?:часов\w+|an?\s+hour[-\s]long|one[-\s]hour)\b", 60),
]


def find_duration(text: str) -> Found[int] | None:
    """A meeting length in minutes («на полчаса», «на 1,5 часа», "for an hour"); «через 2 часа» is not one."""
    hit = first_rule(text, _DURATION_RULES)
    if hit is None:
        return None
    match, minutes = hit
    return Found(int(minutes), match.span()) if 5 <= int(minutes) <= 12 * 60 else None


# ---------------------------------------------------------------------------------------------------- time
def _ampm(hour: int, suffix: str | None) -> int:
    if suffix and suffix.startswith("p") and hour < 12:
        return hour + 12
    if suffix and suffix.startswith("a") and hour == 12:
        return 0
    return hour


def _part(hour: int, part: str | None) -> int:
    if part == "утра":
        return 0 if hour == 12 else hour
    if part in ("дня", "вечера"):
        return hour + 12 if hour < 12 else hour
    if part == "ночи":
        return 0 if hour == 12 else hour
    return bare(hour)


def bare(hour: int) -> int:
    """A bare hour in a business chat: «в 3» is 15:00, «в 9» is 09:00 (1–7 are read as afternoon)."""
    return hour + 12 if 1 <= hour <= 7 else hour


_PART = r"(утра|дня|вечера|ночи)"
_WEEKDAY_WORDS = (r"(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|"
                  r"saturday|sunday|пн|вт|ср|чт|пт|сб|вс|понедельник|вторник|сред[ау]|четверг|пятниц[ау]|суббот[ау]|"
                  r"воскресенье)")
_BARE, _CLOCK = "bare", "clock"  # an hour said without am/pm: «в 3» (afternoon unless told), «7:30» (as written)
_BEFORE_WORDS = {"пяти": 5, "десяти": 10, "пятнадцати": 15, "двадцати": 20, "двадцати пяти": 25}
_BEFORE = "четверти|" + "|".join(sorted(_BEFORE_WORDS, key=len, reverse=True)) + r"|[1-9]|[1-2]\d"
_NOT_DATE_AFTER = (r"(?![:.,/]?\d)(?!\s*(?:-?го\b|числ|янв|фев|мар|апр|ма[яй]|июн|июл|авг|сен|окт|ноя|дек|jan|feb|mar|"
                   r"apr|may|jun|jul|aug|sep|oct|nov|dec|минут|мин|дн|день|недел|час|ч\b|min|hour|day|week|st\b|"
                   r"nd\b|rd\b|th\b))")
END_OF_DAY = 24  # the hour of midnight said of a day: «в пятницу в полночь» is the night after Friday
# (pattern, (hour, minute, label) from the match). Labels mark vague times: the slot offer starts there.
_TIME_RULES: list[tuple[str, Any]] = [
    (r"\b(?:в\s+)?полноч[ьи]\b|\b(?:at\s+)?midnight\b|\b(?:в\s+)?12\s+(?:часов\s+)?ночи\b|(?<![\d:.])24[:.]00\b",
     (END_OF_DAY, 0, None)),
    (r"(?<![\d:/])(?<!\d\.)([01]?\d|2[0-3]):([0-5]\d)(?!\d)(?:\s*(am|pm|a\.m\.|p\.m\.)|\s*" + _PART + r")?",
     lambda m: (_ampm(int(m[1]), m[3]), int(m[2]), None) if m[3] else _said(int(m[1]), int(m[2]), m[4], _CLOCK)),
    (r"\b(?:в|к|at)\s+([01]?\d|2[0-3])\.(00|1[3-9]|[2-5]\d)(?![\d.])(?!\s*[ap]\.?m)",  # "at 4.30pm": the am/pm rule
     lambda m: (int(m[1]), int(m[2]), None)),
    # «пт 15.00», "Fri 9.30": minutes no month can be, so a time even with no «в» before it
    (r"(?<![\d.:/])(0?[7-9]|1\d|2[0-3])\.(00|15|30|45)(?![\d.])(?!\s*[ap]\.?m)",
     lambda m: (int(m[1]), int(m[2]), None)),
    (r"\bбез\s+(" + _BEFORE + r")(?:\s+минут\w*)?\s+(\d{1,2}|" + HOUR_WORD[1:] + r"(?:\s+час\w*)?"
     r"(?:\s+" + _PART + r")?",
     lambda m: _said(_hour(m[2]) - 1 or 12, 60 - _minutes_before(m[1]), m[3])),
    (r"(?<![\d.:/-])([01]?\d|2[0-3])\s*ч\s*([0-5]\d)\s*(?:м(?:ин\w*)?\b)?", lambda m: (int(m[1]), int(m[2]), None)),
    # "17h", "9h30" as written in much of Europe; a single digit alone ("2h") is a duration, read before this
    (r"(?<!через\s)(?<!\bin\s)\b(?:(1\d|2[0-3])h|([01]?\d|2[0-3])h([0-5]\d))\b",
     lambda m: (int(m[1] or m[2]), int(m[3] or 0), None)),
    (r"\b(?:в|к|at)\s+([01]?\d|2[0-3])(?:-|\s)([0-5]\d)\b(?!\s*(?:мин|min|час|hour|ч\b|-?го\b|числ|[.:/-]\d))",
     lambda m: (int(m[1]), int(m[2]), None)),
    (r"\b(1[0-2]|0?[1-9])(?:[.:](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)",
     lambda m: (_ampm(int(m[1]), m[3]), int(m[2] or 0), None)),
    (r"\b([01]?\d|2[0-3])\s*(?:час(?:а|ов)?\s+)?" + _PART + r"\b", lambda m: (_part(int(m[1]), m[2]), 0, None)),
    (r"\b(?:в\s+)?пол(?:овин[аеуы])?\s*-?\s*(" + "|".join(_ORDINAL_GEN) + r")(?:\s+" + _PART + r")?",
     lambda m: _said(_ORDINAL_GEN[m[1]] - 1 or 12, 30, m[2])),
    (r"\b(?:в\s+)?четверть\s+(" + "|".join(_ORDINAL_GEN) + r")(?:\s+" + _PART + r")?",  # «четверть третьего»: 2:15
     lambda m: _said(_ORDINAL_GEN[m[1]] - 1 or 12, 15, m[2])),
    (r"\bв\s+" + HOUR_WORD + r"(?!\s+из\b)(?:\s+час(?:а|ов)?)?(?:\s+" + _PART + r")?\b",  # not «в один из дней»
     lambda m: _said(_HOUR_WORDS[m[1]], 0, m[2])),
    (r"\bhalf\s+past\s+(\d{1,2}|" + HOUR_WORD[1:], lambda m: (_hour(m[1]), 30, _BARE)),
    (r"\bquarter\s+past\s+(\d{1,2}|" + HOUR_WORD[1:], lambda m: (_hour(m[1]), 15, _BARE)),
    (r"\bhalf\s+(\d{1,2}|" + HOUR_WORD[1:] + r"(?!\s*(?:an?\b|hour))", lambda m: (_hour(m[1]), 30, _BARE)),  # "half 3"
    (r"\bquarter\s+to\s+(\d{1,2}|" + HOUR_WORD[1:], lambda m: (_hour(m[1]) - 1 or 12, 45, _BARE)),
    (r"(?<!через\s)(?<!на\s)\b([01]?\d|2[0-3])\s*(?:час(?:а|ов)?|ч)\b", lambda m: (int(m[1]), 0, _BARE)),
    (r"\b(?:в\s+)?полдень\b|\b(?:at\s+)?(?:noon|midday)\b", (12, 0, None)),
    (r"(?:\b(?:at|around|after)\s+|@\s*)(\d{1,2})\b" + _NOT_DATE_AFTER + r"(?:\s*o'?clock|\s*ish\b)?",
     lambda m: (int(m[1]), 0, _BARE)),
    (r"\b(\d{1,2})\s*(?:o'?clock|ish)\b", lambda m: (int(m[1]), 0, _BARE)),
    (r"\bat\s+" + HOUR_WORD + r"\s+(fifteen|thirty|forty[-\s]five)\b",  # "at three thirty"
     lambda m: (_HOUR_WORDS[m[1]], NUMBERS[m[2].replace("-", " ")], _BARE)),
    (r"\bat\s+" + HOUR_WORD + r"(?:\s*o'?clock)?\b", lambda m: (_HOUR_WORDS[m[1]], 0, _BARE)),
    (r"\b(?:в\s+районе|где-то\s+в|в|к|около|после|часов\s+в)\s+([01]?\d|2[0-3])\b" + _NOT_DATE_AFTER,
     lambda m: (int(m[1]), 0, _BARE)),
    # an hour right after a weekday ("wed 10", «пт 16»): only the hour is the time's span, the day stays to be read
    (r"\b" + _WEEKDAY_WORDS + r"\.?,?\s+(?P<at>[01]?\d|2[0-3])\b" + _NOT_DATE_AFTER,
     lambda m: (int(m["at"]), 0, _BARE)),
    (r"\bпосле\s+обеда\b|\b(?:in\s+the\s+|this\s+)?afternoon\b|\bafter\s+lunch\b", (14, 0, "afternoon")),
    (r"\bв\s+обед\b|\b(?:at\s+|over\s+)?lunch(?:time)?\b", (13, 0, "afternoon")),
    (r"\b(?:в|к)\s+концу?\s+(?:рабочего\s+)?дня\b|\b(?:at\s+the\s+|by\s+)?end\s+of\s+(?:the\s+)?(?:work\s*)?day\b|"
     r"\b(?:by\s+)?eod\b|\bк\s+вечеру\b", (17, 0, "evening")),
    (r"\bвечером\b|(?<!добрый\s)\bвечер\b|\b(?:in\s+the\s+|this\s+)?evening\b|\btonight\b", (18, 0, "evening")),
    (r"\bутром\b|\bс\s+утра\b|\b(?:in\s+the\s+|this\s+)?morning\b|\bв\s+первой\s+половине\s+дня\b",
     (10, 0, "morning")),
    (r"\bво\s+второй\s+половине\s+дня\b", (14, 0, "afternoon")),
    (r"\bдн[её]м\b|\bв\s+течение\s+дня\b", (14, 0, "afternoon")),
]


def _hour(word: str) -> int:
    return int(word) if word.isdigit() else _HOUR_WORDS[word]


def _minutes_before(word: str) -> int:
    return 15 if word == "четверти" else int(word) if word.isdigit() else _BEFORE_WORDS[word]


def _said(hour: int, minute: int, part: str | None, kind: str = _BARE) -> tuple[int, int, str | None]:
    """An hour with «утра»/«вечера» said after it is settled; without, the words around it settle it later."""
    return (_part(hour, part), minute, None) if part else (hour, minute, kind)


# Words around a bare hour that say it is in the evening («вечером в 8», "tonight at 8": 20:00) or the morning
# («утром в 7», "tomorrow morning at 7": 07:00, not the afternoon a bare 7 is read as).
_EVENING = re.compile(r"\bвечером\b|(?<!добрый\s)\bвечер\b|\bevening\b|\btonight\b")  # «добрый вечер» greets
_MORNING = re.compile(r"\bутр(?:ом|а)\b|\bmorning\b")


def _settle(text: str, hour: int, kind: str) -> int:
    """A bare hour: in the half of the day the text says, else 1–7 afternoon (a clock «7:30» stays as written)."""
    evening, morning = bool(_EVENING.search(text)), bool(_MORNING.search(text))
    if evening and not morning and 1 <= hour <= 11:
        return hour + 12
    if morning and not evening and 5 <= hour <= 11:
        return hour
    return bare(hour) if kind == _BARE else hour


def find_time(text: str) -> Found[tuple[int, int, str | None]] | None:
    """A time of day as (hour, minute, vague label or None): «в 15», «10 утра», «15:30», "3pm", «после обеда»."""
    hit = first_rule(text, _TIME_RULES)
    if hit is None:
        return None
    match, (hour, minute, label) = hit
    span = match.span("at") if "at" in match.re.groupindex else match.span()
    if label in (_BARE, _CLOCK):
        hour, label = _settle(text, hour, label), None
    if not (0 <= hour <= 23 and 0 <= minute <= 59) and (hour, minute) != (END_OF_DAY, 0):
        return None
    return Found((hour, minute, label), span)


# -------------------------------------------------------------------------------------------- time ranges
_RANGES: list[tuple[str, Any]] = [
    (r"\b[сc]\s+([01]?\d|2[0-3])(?:[:.]([0-5]\d))?\s+до\s+([01]?\d|2[0-3])(?:[:.]([0-5]\d))?(?:\s*" + _PART + r")?\b",
     lambda m: _range(int(m[1]), int(m[2] or 0), int(m[3]), int(m[4] or 0), None, m[5])),
    (r"\b(?:from|between)\s+(\d{1,2})(?::([0-5]\d))?\s*(am|pm)?\s*(?:-|to|till|until|and)\s*(\d{1,2})(?::([0-5]\d))?"
     r"\s*(am|pm)?", lambda m: _range(int(m[1]), int(m[2] or 0), int(m[4]), int(m[5] or 0), m[3], None, m[6])),
    (r"\b(\d{1,2})(?::([0-5]\d))?\s*(am|pm)?\s*-\s*(\d{1,2})(?::([0-5]\d))?\s*(am|pm)\b",
     lambda m: _range(int(m[1]), int(m[2] or 0), int(m[4]), int(m[5] or 0), m[3], None, m[6])),
]


def _range(h1: int, m1: int, h2: int, m2: int, start_suffix: str | None, part: str | None,
           end_suffix: str | None = None) -> tuple[int, int, int]:
    end = _ampm(h2, end_suffix) if end_suffix else (_part(h2, part) if part else bare(h2))
    start = _ampm(h1, start_suffix) if start_suffix else (_part(h1, part) if part and h1 < h2 else bare(h1))
    if start * 60 + m1 >= end * 60 + m2 and start < 12:  # "from 2 to 3pm": the start is afternoon too
        start += 12
    return start, m1, (end * 60 + m2) - (start * 60 + m1)


def find_range(text: str) -> Found[tuple[int, int, int]] | None:
    """A time range «с 14 до 15», "from 2 to 3pm", "2-3pm": (start hour, start minute, minutes)."""
    hit = first_rule(text, _RANGES)
    if hit is None or not (0 <= hit[1][0] <= 23 and 5 <= hit[1][2] <= 12 * 60):
        return None
    return Found(hit[1], hit[0].span())
