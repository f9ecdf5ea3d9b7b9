"""Day words typed with the other keyboard layout on, or in Latin letters: «pfdnhf» is «завтра», "zavtra v 3".

A word is re-keyed or transliterated only when it then reads as a day word (or, re-keyed after «в», as a weekday
abbreviation): such a word is no accident. Left alone, it would vanish and leave the time to be booked today or
tomorrow — a silently wrong day. Once one is found, a message typed wholly in the other layout is re-keyed whole
("ещьщккщц фе 3зь" is "tomorrow at 3pm"); in a transliterated one only the small words a time needs are read back
(«v 3» is «в 3»), so an English word beside them never turns Cyrillic.
"""

from __future__ import annotations

import re

from bot.dialog.meetings.dates import weekday_word
from bot.dialog.meetings.typos import day_word
from bot.keyboard import TO_ENGLISH_LAYOUT, TO_RUSSIAN_LAYOUT, from_translit

_TO_RU, _TO_EN = TO_RUSSIAN_LAYOUT, TO_ENGLISH_LAYOUT
# A word typed on Latin keys: letters and the keys of «х ъ ж э б ю ё» between them («ce,,jne» is «субботу»).
_LATIN_KEYS = re.compile(r"(?<![\w`\[\];',.])[a-z`][a-z`\[\];',.]*(?<![,.])(?![\w`\[\]])")
_CYRILLIC_WORD = re.compile(r"[а-яё]+")
_CYRILLIC, _LATIN = re.compile(r"[а-яё]"), re.compile(r"[a-z]")
_AFTER_V = re.compile(r"(?:^|\s)во?\s+$")  # «в dn в 15»: a re-keyed abbreviation counts only after «в»
# The Russian words a day and a time are read with; no other transliterated word is read back.
_TIME_WORDS = frozenset((
    "в", "во", "на", "к", "через", "после", "или", "утром", "утра", "вечером", "вечера", "дня", "днем", "ночи",
    "час", "часа", "часов", "полчаса", "обеда", "неделю", "недели", "дней", "день", "следующей", "следующий",
    "следующую", "эту", "этот"))



def _rekeyed_day(word: str, table: dict[int, int], before: str) -> bool:
    """Whether a word re-keyed with ``table`` is a day word (5+ letters), or a weekday abbreviation after «в»."""
    rekeyed = word.translate(table)
    if len(word) >= 5:
        return day_word(rekeyed) is not None
    return table is _TO_RU and len(word) >= 2 and bool(_AFTER_V.search(before)) \
        and weekday_word(rekeyed) is not None


def _rekey(text: str) -> str:
    lowered = text.lower()
    for pattern, table, other in ((_LATIN_KEYS, _TO_RU, _CYRILLIC), (_CYRILLIC_WORD, _TO_EN, _LATIN)):
        words = [m for m in pattern.finditer(lowered) if _rekeyed_day(m[0], table, lowered[:m.start()])]
        if not words:
            continue
        if not other.search(lowered):  # nothing else in the other script: the whole message was typed so
            words = list(pattern.finditer(lowered))
        for m in reversed(words):
            text = text[:m.start()] + m[0].translate(table) + text[m.end():]
        return text
    return text


def _russian_day(latin: str, cyrillic: str) -> bool:
    """A transliterated Russian day word ("pyatnicu", "zavtra"), not an English one ("today")."""
    english = day_word(latin)
    return len(latin) >= 5 and (english is None or not english.isascii()) and day_word(cyrillic) is not None


def _read_translit(text: str) -> str:
    lowered = text.lower()
    if _CYRILLIC.search(lowered):
        return text
    words = [(m, from_translit(m[0])) for m in re.finditer(r"[a-z']+", lowered)]
    if not any(_russian_day(m[0], cyr) for m, cyr in words):
        return text
    for m, cyr in reversed(words):
        if cyr in _TIME_WORDS or _russian_day(m[0], cyr):
            text = text[:m.start()] + cyr + text[m.end():]
    return text


def read_other_script(text: str) -> str:
    """Day words typed in the other layout or in translit made Cyrillic (or Latin) as meant; else the text as is."""
    rekeyed = _rekey(text)
    return rekeyed if rekeyed != text else _read_translit(text)
