"""Slips around the day words: words glued together, and months, ordinals and parts of the day mistyped.

Each was a silently wrong day or time: «завтрав 15» lost its «в 15» (no time), «5 декбря в 11» lost its month and
was booked tomorrow at 11, «в 7 вечра» was read as «вчера» (a second day). A word is made whole only where it
stands where such a word stands (a month after a day's number, a part of the day after an hour) and is a clear slip
of one word alone; a word that looks like a month or a weekday abbreviation but is not clear is left for
:func:`unread_day`, which makes the message a question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from bot.dialog.meetings.dates import RU_ORDINALS, weekday_word
from bot.dialog.meetings.typos import day_word_near, exact_day_word, nearest_known, slip_count

_MONTHS = {form: n for n, forms in enumerate((
    ("января", "январь", "january"), ("февраля", "февраль", "february"), ("марта", "март", "march"),
    ("апреля", "апрель", "april"), ("мая", "май"), ("июня", "июнь", "june"), ("июля", "июль", "july"),
    ("августа", "август", "august"), ("сентября", "сентябрь", "september"), ("октября", "октябрь", "october"),
    ("ноября", "ноябрь", "november"), ("декабря", "декабрь", "december")), 1) for form in forms}
_ORDINALS = {w: n for w, n in RU_ORDINALS.items() if " " not in w}
_PARTS = {"утра": 1, "дня": 2, "вечера": 3, "ночи": 4, "часов": 5}  # what follows an hour: «в 7 вечера»
_TIMES = {"утром": 1, "вечером": 2, "morning": 3, "evening": 4, "afternoon": 5}  # a time of day on its own
# Real words a slip from a time word: they stay (the greeting «доброе утро» is no meeting at 10:00).
_REAL_TIME_WORDS = re.compile(r"утр[оауе]|утрам|утрах|вечер[аеу]?|вечерам|вечерах|вечерок|вечерн\w*|"
                              r"mornings|evenings|afternoons|дн[иеяю]|дней|день|дном")
_NUMBER_BEFORE = re.compile(r"(?:\b\d{1,2}(?:-?(?:го|е|ое|ого)|st|nd|rd|th)?|[а-я]{4,}(?:ого|ое|го))\s+(?:of\s+)?$")
_NUMBER_AFTER = re.compile(r"\.?\s+(?:the\s+)?\d{1,2}(?!\d)")
_HOUR_BEFORE = re.compile(r"\b\d{1,2}(?:[:.]\d{2})?\s*$")
_MONTH_AFTER = re.compile(r"\s+(?:" + "|".join(f for f in _MONTHS if not f.isascii()) + r"|числа)\b")
# Short words after «в» that only a weekday abbreviation would be («в сч в 11»), other than these chat words.
_SHORT_AFTER_V = re.compile(r"(?:^|\s)во?\s+([бвгджзйклмнпрстфхцчшщ]{2,3})(?![\w-])")
_CHAT_WORDS = frozenset(("мск", "лс", "тг", "тч", "тп", "тд", "мб", "зп", "вк"))
_GLUE_BEFORE, _GLUE_AFTER = ("во", "в", "at"), ("во", "в", "on")


def nearest(word: str, vocabulary: Mapping[str, int], slips: int = 1, short: bool = False) -> str | None:
    """The one word of ``vocabulary`` that ``word`` is a slip of (same first letter, at most ``slips`` slips, one
    more in long words); None when none is, or when a word of another meaning is as near or one slip further.
    Words under four letters only when ``short`` («дян» after an hour)."""
    if len(word) < (3 if short else 4) or word in vocabulary:
        return None
    return nearest_known(word, vocabulary, lambda known: slips + 1 if len(known) >= 8 else slips)


def _day_run(word: str) -> bool:
    return exact_day_word(word) is not None or weekday_word(word) is not None


def _part_glued(match: re.Match[str]) -> str:
    run, text = match[0], match.string
    low = run.lower()
    pad_left = " " if match.start() and text[match.start() - 1].isdigit() and _day_run(low) else ""
    pad_right = " " if match.end() < len(text) and text[match.end()].isdigit() else ""
    if _day_run(low):
        return pad_left + run + pad_right
    for tail in _GLUE_BEFORE:  # «завтрав 15», "tomorrowat 4"
        if low.endswith(tail) and _day_run(low[:-len(tail)]):
            return run[:-len(tail)] + " " + run[-len(tail):] + pad_right
    for head in _GLUE_AFTER:  # «вчт», «впятницу», "onfriday"
        if low.startswith(head) and _day_run(low[len(head):]):
            return run[:len(head)] + " " + run[len(head):] + pad_right
    return run + pad_right if low in ("в", "к", "at") else run  # «в14», "at3pm"


def part_glued(text: str) -> str:
    """Day words parted from what is glued to them: «завтрав 15», «вчт», «пт16:00», "fri3pm", "tomorrowat 4"."""
    return re.sub(r"[a-zа-яё]+", _part_glued, text, flags=re.IGNORECASE)


def _replace(text: str, fix: Callable[[re.Match[str]], str | None], pattern: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):
        text = lowered
    for match in reversed(list(re.finditer(pattern, lowered))):
        if (word := fix(match)) is not None:
            text = text[:match.start()] + word + text[match.end():]
            lowered = text.lower()
    return text


def _month(match: re.Match[str]) -> str | None:
    text, word = match.string, match[0]
    if not (_NUMBER_BEFORE.search(text[:match.start()]) or _NUMBER_AFTER.match(text, match.end())):
        return None
    return nearest(word, _MONTHS)


def _ordinal(match: re.Match[str]) -> str | None:
    return nearest(match[0], _ORDINALS) if _MONTH_AFTER.match(match.string, match.end()) else None


def _time_word(match: re.Match[str]) -> str | None:
    word = match[0]
    if _REAL_TIME_WORDS.fullmatch(word) or exact_day_word(word):
        return None
    if _HOUR_BEFORE.search(match.string[:match.start()]):  # «в 7 вечра»: after an hour, not «вчера»
        return nearest(word, _PARTS, short=True)
    return None if day_word_near(word, loose=True) else nearest(word, _TIMES)  # else the day words' rules read it


def correct_slips(text: str) -> str:
    """Month names, ordinals before them and parts of the day made whole where they stand: «5 декбря»,
    "Jnauary 5", «пятнадцатго декабря», «в 7 вечра», «завтра утрм», "tomorrow mornign"."""
    text = _replace(text, _month, r"(?<![\w-])[a-zа-я]{4,}(?![\w-])")
    text = _replace(text, _ordinal, r"(?<![\w-])[а-я]{5,}(?![\w-])")
    return _replace(text, _time_word, r"(?<![\w-])[a-zа-я]{3,}(?![\w-])")


def unread_day(text: str) -> str | None:
    """A word where a day should be that no rule read: a month after a day's number («5 дкбря»), or a short word
    after «в» one slip from a weekday abbreviation («в сч в 11»): the day is asked, never dropped."""
    for match in _SHORT_AFTER_V.finditer(text):
        word = match[1]
        if word not in _CHAT_WORDS and any(slip_count(word, a) <= 1 for a in ("пн", "вт", "ср", "чт", "пт", "сб",
                                                                                "вс")):
            return word
    for match in re.finditer(r"(?<![\w-])[a-zа-я]{4,}(?![\w-])", text):
        word = match[0]
        near_number = _NUMBER_BEFORE.search(text[:match.start()]) or _NUMBER_AFTER.match(text, match.end())
        if near_number and word not in _MONTHS and any(slip_count(word, m) <= (2 if len(m) >= 6 else 1)
                                                       for m in _MONTHS if m[0] == word[0]):
            return word
    return None
