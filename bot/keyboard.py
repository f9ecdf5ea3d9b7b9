"""How people mistype: Russian on Latin keys — the English layout on («ghbdtn» is «привет»), or transliterated
("zavtra") — and how many slips of the fingers separate two words («зватра», «завтра»).

One place for these readings, used by the intent rules, the meeting parser and the lexical search; each caller
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


def slip_distance(a: str, b: str, limit: int | None = None) -> int:
    """Edits between ``a`` and ``b``, a swap of neighbours counting as one («зватра» is one from «завтра»):
    optimal string alignment. With ``limit``, ``limit + 1`` as soon as the distance is known to exceed it."""
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    before, row = [0] * (len(b) + 1), list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        # A row's least value never falls in the rows after it, so once it is past the limit, so is the distance.
        if limit is not None and min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]
