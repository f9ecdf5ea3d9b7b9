"""Days and times counted from now: «через 2 часа», «через 3 дня», «завтра», "a week from today", «вчерашний».

A start counted in hours or minutes is elapsed time (added in UTC by the caller); one counted in days is a calendar
day. Split from :mod:`rules` (pieces of a request) to keep each module small; the finders work the same way.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.dialog.meetings.rules import NUM, NUMBERS, Found, first_rule, number

# Days and weeks are counted only with a number: «через пару дней», "in a couple of days" is two or three days,
# whichever the writer likes, so it is left to the question a day word nobody counted gets.
_LOOSE = ("пару", "couple")
_DAY_NUM = "(" + r"\d+(?:[.,]\d+)?|" + "|".join(sorted((w for w in NUMBERS if not any(x in w for x in _LOOSE)),
                                                           key=len, reverse=True)) + ")"
_DELTA_RULES: list[tuple[str, Any]] = [
    (r"\bчерез\s+полчаса\b|\bin\s+half\s+an\s+hour\b", timedelta(minutes=30)),
    (r"\bчерез\s+полтора\s+часа\b|\bin\s+an\s+hour\s+and\s+a\s+half\b", timedelta(minutes=90)),
    (r"\bчерез\s+час\b|\bin\s+(?:an|one)\s+hour\b", timedelta(hours=1)),
    (r"\b(?:через|in)\s+" + NUM + r"\s*(?:час(?:а|ов)?|ч|hours?|hrs?|h)\b", lambda m: timedelta(hours=number(m[1]))),
    (r"\b(?:через|in)\s+" + NUM + r"\s*(?:минут[уы]?|мин|minutes?|mins?)\b",
     lambda m: timedelta(minutes=number(m[1]))),
]
_DAYS_RULES: list[tuple[str, Any]] = [
    (r"\bчерез\s+неделю\b|\bin\s+(?:a|one)\s+week\b", 7),
    (r"\b(?:через|in)\s+" + _DAY_NUM + r"\s*(?:недел[иью]|weeks?)\b", lambda m: round(number(m[1])) * 7),
    (r"\bчерез\s+день\b", 2),
    (r"\b(?:через|in)\s+" + _DAY_NUM + r"\s*(?:дн(?:я|ей)|день|days?)\b", lambda m: round(number(m[1]))),
    # counted from today or tomorrow: "a week from today", "3 days from now", "a week tomorrow", "in a fortnight"
    (r"\b" + _DAY_NUM + r"\s*(week|day)s?\s+(?:from\s+)?(today|now|tomorrow)\b",
     lambda m: round(number(m[1])) * (7 if m[2] == "week" else 1) + (m[3] == "tomorrow")),
    (r"\b(?:in\s+)?a\s+fortnight(?:\s+from\s+(?:today|now))?\b|\bfortnight\s+today\b", 14),
    (r"\bпосле-?послезавтра\b", 3),  # the day after the day after tomorrow
    (r"\bпослезавтра\b|\b(?:the\s+)?day\s+after\s+tomorrow\b", 2),
    (r"\bзавтра\b|\btomorrow\b", 1),
    (r"\bсегодня\b|\btoday\b", 0),  # "tonight" is a time rule (18:00 today)
    (r"\bпозавчера\b|\b(?:the\s+)?day\s+before\s+yesterday\b", -2),
    (r"\bвчера\b|\byesterday\b", -1),
    (r"\b(?:неделю|(?:a|one)\s+week)\s+(?:назад|ago)\b", -7),
    (r"\b" + NUM + r"\s*(?:недел[иьюе]\w*|weeks?)\s+(?:назад|ago)\b", lambda m: -7 * round(number(m[1]))),
    (r"\b" + NUM + r"\s*(?:дн(?:я|ей)|день|days?)\s+(?:назад|ago)\b", lambda m: -round(number(m[1]))),
]
# «завтрашний созвон в 15», "this morning at 10", "tonight at 8": a day said in passing. Only a hint:
# «вчерашнюю встречу перенесём на пятницу» is about Friday, so these count where nothing else names a day.
_DAY_ADJECTIVES: list[tuple[str, Any]] = [
    (r"\bпослезавтрашн\w*", 2), (r"\bпозавчерашн\w*", -2), (r"\bзавтрашн\w*", 1), (r"\bсегодняшн\w*", 0),
    (r"\bвчерашн\w*", -1), (r"\bthis\s+(?:morning|afternoon|evening)\b|\btonight\b", 0),
]


def find_delta(text: str) -> Found[timedelta] | None:
    """A start relative to now: «через 2 часа», "in 30 minutes" (a start time, not a duration)."""
    hit = first_rule(text, _DELTA_RULES)
    return Found(hit[1], hit[0].span()) if hit else None


def find_days_ahead(text: str) -> Found[int] | None:
    """Days from today: «завтра» 1, «послезавтра» 2, «через 3 дня» 3, «через неделю» 7, «вчера» -1."""
    hit = first_rule(text, _DAYS_RULES)
    return Found(int(hit[1]), hit[0].span()) if hit else None


def find_day_adjective(text: str) -> Found[int] | None:
    """Days from today an adjective says («завтрашний» 1, «вчерашнюю» -1): a hint where no day is named."""
    hit = first_rule(text, _DAY_ADJECTIVES)
    return Found(int(hit[1]), hit[0].span()) if hit else None
