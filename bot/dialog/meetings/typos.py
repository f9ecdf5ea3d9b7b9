"""Day words as people mistype them, and day words the rules cannot pin down.

A slip («зватра», «пятнцу», "wensday"), a doubled or dropped double letter ("tommorow", «сеереду») or vowel-less
shorthand ("tmrw", «звтр») is corrected to the day word it clearly means. Where it is not clear — two day words
are about as near ("thusday": Tuesday or Thursday?) — nothing is corrected, and :func:`unclear_day` later makes
the message a question: a day word that is present but not understood must never become today.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from functools import lru_cache

from bot.keyboard import slip_distance

# The words typos are corrected to, grouped by what they mean (two spellings of one day never compete).
_MEANINGS: tuple[tuple[str, ...], ...] = (
    ("завтра",), ("послезавтра",), ("сегодня",), ("вчера",), ("позавчера",), ("понедельник",), ("вторник",),
    ("среду", "среда"), ("четверг",), ("пятницу", "пятница"), ("субботу", "суббота"), ("воскресенье",),
    ("today",), ("tomorrow",), ("tonight",), ("yesterday",), ("monday",), ("tuesday",), ("wednesday",),
    ("thursday",), ("friday",), ("saturday",), ("sunday",),
)
_MEANING = {word: group[0] for group in _MEANINGS for word in group}
_SHORTHANDS = {"tmr": "tomorrow", "tmrow": "tomorrow", "2moro": "tomorrow", "2morow": "tomorrow",
               "2morrow": "tomorrow", "2mrw": "tomorrow", "tomoz": "tomorrow", "2day": "today", "2nite": "tonight",
               "tonite": "tonight", "zavtra": "завтра", "седня": "сегодня"}
# Real words a slip or two from a day word: «завтрак» is breakfast, «вечера» evening, «следа» a trace, «четверть»
# a quarter, «среди» among; "sundry", "Frida" (checked against the commonest Russian and English words).
_NOT_TYPOS = re.compile(r"завтрак\w*|вечер\w*|след\w*|средь|средн\w*|сред[еи]\w*|пятн[оа]\w*|вторичн\w*|"
                        r"четвер(?:[оть]|к[аиуео])\w*|четверых|воскрешени\w*|sundae|sundry|mondays?|fridays?|fridge|"
                        r"frida|toddy|todays|tonights")
_VOWELS = set("aeiouаеёиоуыэюяьъ")
# Stems of day words: a message that has one the rules did not read («позавчерашний», "someday") asks.
_DAY_ROOTS = re.compile(
    r"\w*(?:завтр(?!ак)|вчера|сегодн|понедельн|вторник|четверг|пятниц|пятничк|суббот|воскресен|недел)\w*|"
    r"\b\w*day\b|\b(?:ago|назад)\b")
_UNCLEAR_DAY = re.compile("|".join((
    r"\bчисл[аоу]\b", r"\bвыходн\w*", r"\bбудн\w*", r"\bдн(?:и|ей|ям|ях|ями)\b", r"\bпраздник\w*", r"\bмесяц\w*",
    r"\bгод[ау]?\b", r"\b\w+[-\s]нибудь\b", r"\bпозже\b", r"\bпотом\b", r"\bскоро\b", r"\bдень\s+рожден\w*",
    # «в любой день», «мой день», «в свободный день» (not «добрый день»)
    r"\b(?:друг|люб|тот|этот|один|мо|тво|наш|ваш|ближайш|свободн|удобн|рабоч|перв|последн|следующ|\w+-то)\w*\s+"
    r"(?:день|дня)\b",
    # days, times and breaks that leave the day open: "in a few days", «в ближайшее время», «в другой раз», "next
    # time", «на каникулах», "Jan" with no day of it
    r"\bdays\b", r"\bближайшее\s+время\b", r"\b(?:следующий|другой|иной)\s+раз\b", r"\b(?:next|another)\s+time\b",
    r"\b(?:отпуск|каникул)\w*", r"\bvacation\b", r"\b(?:янв|фев|мар|апр|авг|сент?|окт|ноя|дек)\b",
    r"\b(?:jan|feb|apr|jun|jul|aug|sept?|oct|nov|dec)\b",
    r"\bweekends?\b", r"\bweek\b", r"\bmonth\b", r"\byear\b", r"\bholidays?\b", r"\bsometime\b", r"\blater\b",
    r"\bsoon\b", r"\bwhenever\b", r"\bany\s*time\b", r"\b(?:some|one|another|other)\s+day\b",
    # the day of an event, or after one, whose date only the user knows: «в день зарплаты», «после отпуска в 10»,
    # "on the day of the launch", "after the release" (times like «после обеда», «после 15» were read before)
    r"\bв\s+день\b", r"\bпосле\s+[а-я]{3,}", r"\bon\s+the\s+day\b",
    r"\bafter\s+(?:the|my|our|your|his|her|their)\s+[a-z]{3,}",
    # a month with no day read from it («в декабре», «декабря в 10», "sometime in December")
    r"\b(?:январ|феврал|апрел|июн|июл|сентябр|октябр|ноябр|декабр)[ьяею]\b", r"\b(?:март|август)[аеу]?\b",
    r"\bма[йяею]\b", r"\b(?:january|february|march|april|june|july|august|september|october|november|december)\b",
)))


def collapse_doubles(word: str) -> str:
    """«сеереду» → «середу», "tommorrow" → "tomorow": doubling a letter or not is the commonest slip of all."""
    return re.sub(r"(.)\1+", r"\1", word)


def _skeleton(word: str) -> str:
    return collapse_doubles("".join(c for c in word if c not in _VOWELS))


def _exchanged(word: str, known: str) -> bool:
    """Two letters apart traded places («вротник», «вторник»): one slip of the fingers, not two."""
    apart = [i for i, (a, b) in enumerate(zip(word, known, strict=False)) if a != b]
    return len(word) == len(known) >= 6 and len(apart) == 2 and sorted(word) == sorted(known)


def slip_count(word: str, known: str) -> int:
    """Slips between a word and a known one: edits, a swap or a letter doubled counting as one each."""
    if _exchanged(word, known):
        return 1
    return min(slip_distance(word, known), slip_distance(collapse_doubles(word), collapse_doubles(known)))


def _allowed(word: str, known: str, loose: bool) -> int:
    """How many slips a word may have: one; two to notice a long day word (then the message asks: «птица в 15»
    asking which day is a small price), or to correct one in long words that start alike ("wensday")."""
    if loose:
        return 2 if len(known) >= 7 else 1
    return 2 if len(known) >= 8 and len(word) >= 6 and word[:2] == known[:2] else 1


@lru_cache(maxsize=4096)
def day_word_near(word: str, loose: bool = False) -> str | None:
    """The day word ``word`` is a slip of, when one clearly is; ``loose`` allows more slips (to ask, not to book).

    Slips keep the first letter (it also keeps this cheap), and a second day word as near or one slip further
    ("thusday": Tuesday or Thursday?) means it is not clear which day is meant.
    """
    if len(word) < 5 or word in _MEANING or _NOT_TYPOS.fullmatch(word):
        return None
    return nearest_known(word, _MEANING, lambda known: _allowed(word, known, loose), rivals_allowed=loose)


def nearest_known(word: str, vocabulary: Mapping[str, Hashable], allowed: Callable[[str], int], *,
                  rivals_allowed: bool = False) -> str | None:
    """The word of ``vocabulary`` nearest ``word`` within ``allowed(known)`` slips, keeping the first letter; None
    when a word of another meaning (``vocabulary``'s value) is as near or one slip further, unless
    ``rivals_allowed``."""
    near = sorted((slip_count(word, v), v) for v in vocabulary if v[0] == word[0] and abs(len(v) - len(word)) <= 2)
    fits = [(d, v) for d, v in near if d <= allowed(v)]
    if not fits:
        return None
    best, known = fits[0]
    rivals = {vocabulary[v] for d, v in near if d <= best + 1} - {vocabulary[known]}
    return None if rivals and not rivals_allowed else known


def _shorthand(word: str) -> str | None:
    """Chat shorthand: a listed one ("tmrw", «седня»), or a day word's consonants alone ("tmrw", «звтр»)."""
    if word in _SHORTHANDS:
        return _SHORTHANDS[word]
    if len(word) >= 3 and not _VOWELS & set(word):
        return next((v for v in _MEANING if _skeleton(v) == collapse_doubles(word)), None)
    return None


def exact_day_word(word: str) -> str | None:
    """The day word a lower-case ``word`` is, as written or as listed shorthand ("tmrw"); no slips."""
    return word if word in _MEANING else _shorthand(word)


def day_word(word: str) -> str | None:
    """The day word a lower-case ``word`` is, as written, as shorthand or with a clear slip; else None."""
    return exact_day_word(word) or day_word_near(word)


def correct_day_typos(text: str) -> str:
    """Day words written with a slip («зватра», «пятнцу», "tommorow") or as shorthand ("tmrw") made whole."""
    def fix(match: re.Match[str]) -> str:
        word = match[0].lower().replace("ё", "е")
        return _shorthand(word) or day_word_near(word) or match[0]

    return re.sub(r"(?<![\w-])(?:[a-zа-яё]+|2[a-z]+)(?![\w-])", fix, text, flags=re.IGNORECASE)


def unclear_day(text: str) -> str | None:
    """Words that speak of a day the rules cannot pin down («на днях», «в выходные», "later", «в пятнецу»)."""
    if match := _UNCLEAR_DAY.search(text) or _DAY_ROOTS.search(text):
        return match[0]
    for word in re.findall(r"[a-zа-я]{5,}", text):
        if day_word_near(word, loose=True):
            return word
    return None
