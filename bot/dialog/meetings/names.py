"""How a person's name turns up in chat: declined by Russian grammar, and written in the other alphabet.

«Анна» is also «Анну», «Анне», «Анной»; «Иванов» is «Иванову», «Ивановым»; «Павел» is «Павлом». A Latin name is
written in Cyrillic and declined too («Джоном» for John), a Russian one in Latin ("Ivanov", "Vanya"). Names of the
two alphabets are compared by a rough sound key, so that both spellings meet: «Джон» and "John" are both "jon".
"""

from __future__ import annotations

import re

# The case endings a name takes, by how it ends: «Ваня» → «Ване», «Иванов» → «Ивановым», «Игорь» → «Игорем»,
# «Вишневский» → «Вишневского». A male name takes no «-ой»: «левой» is no form of «Лев».
_DECLENSIONS: tuple[tuple[tuple[str, ...], int, frozenset[str]], ...] = (  # (endings of the name, cut, endings)
    (("ий", "ый", "ой"), 2, frozenset(("ий", "ый", "ой", "ого", "ому", "им", "ым", "ом"))),
    (("ая",), 2, frozenset(("ая", "ой", "ую", "ою"))),
    (("а", "я"), 1, frozenset(("а", "я", "ы", "и", "е", "у", "ю", "ой", "ей", "ою", "ею"))),
    (("ь", "й"), 1, frozenset(("ь", "й", "я", "ю", "ем", "е", "и"))),
)
_CONSONANT_ENDINGS = frozenset(("", "а", "у", "ом", "е", "ым"))
_VOWELS = "аяоеиыуюэ"
# What a Cyrillic spelling of a foreign name may end in when declined («Джоном», «Марией»).
_ANY_ENDING = sorted({e for _, _, endings in _DECLENSIONS for e in endings} | _CONSONANT_ENDINGS, key=len)
_CYRILLIC_TO_LATIN = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
                      "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
                      "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh",
                      "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia"}
# Spellings of one sound, in order: «дж» and "j", "ph" and «ф», "w" and «в», "y" and «и».
_SOUNDS = (("dzh", "j"), ("zh", "j"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("ch", "C"), ("sh", "S"), ("kh", "K"),
           ("ce", "se"), ("ci", "si"), ("cy", "si"), ("c", "k"), ("q", "k"), ("x", "ks"), ("w", "v"), ("y", "i"))
_SILENT_H = re.compile(r"(?<=.)h")  # "John", "Sarah" (a first "h" is heard: "Hanna")


def is_cyrillic(word: str) -> bool:
    """Whether a word is written in Cyrillic."""
    return bool(re.search(r"[а-яё]", word.lower()))


def _forms(key: str) -> tuple[set[str], frozenset[str]]:
    """The stems a lower-case name keeps in every case, and the endings they take."""
    for name_ends, cut, endings in _DECLENSIONS:
        if key.endswith(name_ends):
            return {key[:-cut]}, endings
    if key[-1:] in _VOWELS:
        return {key}, frozenset(("",))  # «Пьеро», «Ди»: not declined
    stems = {key}
    if len(key) >= 4 and key[-2] in "ео" and key[-1] not in _VOWELS:
        stems.add(key[:-2] + key[-1])  # a fleeting vowel: «Павел» → «Павла»
    return stems, _CONSONANT_ENDINGS


def is_declined(word: str, key: str) -> bool:
    """Whether ``word`` is the name ``key`` in some Russian case («ивановым» of «иванов», «анной» of «анна»)."""
    stems, endings = _forms(key)
    return any(len(stem) >= 3 and word.startswith(stem) and word[len(stem):] in endings for stem in stems)


def sound_key(word: str) -> str:
    """A rough key of how a name sounds, the same for its Cyrillic and Latin spellings («Джон», "John": "jon")."""
    latin = "".join(_CYRILLIC_TO_LATIN.get(c, c) for c in word.lower())
    for written, sound in _SOUNDS:
        latin = latin.replace(written, sound)
    return re.sub(r"(.)\1+", r"\1", _SILENT_H.sub("", latin)).lower()


def heard_as(word: str) -> tuple[set[str], set[str]]:
    """The sound keys of a name as written, and of its stems with a case ending taken off («Джоном» → "jon")."""
    lowered = word.lower().replace("ё", "е")
    stems = {lowered[:len(lowered) - len(e)] for e in _ANY_ENDING if e and lowered.endswith(e)}
    return {sound_key(lowered)}, {sound_key(s) for s in stems if len(s) >= 3}
