"""Russian typed on Latin keys: with the English layout on («ghbdtn» is «привет»), or transliterated ("zavtra").

One place for both readings, used by the intent rules, the meeting parser and the lexical search; each caller
decides when a reading is worth trusting (a word that then means something), never this module.
"""

from __future__ import annotations

import re

EN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
RU_KEYS = "йцукенгшщзхъфывапролджэячсмитьбюё"  # the key under each of EN_KEYS in the Russian layout
TO_RUSSIAN_LAYOUT = str.maketrans(EN_KEYS, RU_KEYS)
TO_ENGLISH_LAYOUT = str.maketrans(RU_KEYS, EN_KEYS)

# Transliteration as people type it (no one standard): letter groups first, then single letters.
_GROUPS = (("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
           ("ya", "я"), ("ia", "я"), ("yu", "ю"), ("iu", "ю"), ("yo", "е"), ("ye", "е"))
_LETTERS = str.maketrans("abvgdezijklmnoprstufhcwxq'", "абвгдезийклмнопрстуфхцвхкь")
_SHORT_I = re.compile(r"(?<=[аеиоуыэюя])y|y(?=[аеиоуэ])")  # «й» beside a vowel ("dobryy" → «добрый»), else «ы»


def from_translit(text: str) -> str:
    """Lower-case Latin-typed Russian read back: "spasibo" → «спасибо», "otpuska" → «отпуска»; Cyrillic stays."""
    for latin, cyrillic in _GROUPS:
        text = text.replace(latin, cyrillic)
    return _SHORT_I.sub("й", text).replace("y", "ы").translate(_LETTERS)
