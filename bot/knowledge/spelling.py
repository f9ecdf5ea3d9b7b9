"""Query words the BM25 vocabulary does not know: Russian typed in Latin letters, and typos.

People type in Telegram: "otpusk" for «отпуск», «атпуск», «зоболел», "reimbursd". BM25 matches whole
stems, so such a word matches nothing, and as an unseen term (the highest IDF) it also drags down the
share of the query a chunk covers, which the relevance floor reads. A word outside the vocabulary is
therefore looked up again as (1) its Cyrillic transliteration, when it is Latin, and (2) the vocabulary
stems a few edits away in the same script, at a reduced weight. Known words are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.keyboard import from_translit, slip_distance

_CYRILLIC = re.compile(r"[а-яё]")
_LATIN_WORD = re.compile(r"[a-z']+")
# Shorter stems are too ambiguous to correct: one edit turns "many" into "mini" and "near" into "year". English
# needs longer stems than Russian, because a small knowledge base lacks many common English words (measured on
# benchmarks/tuning2 + tuning3). Stems this long or longer may take two edits.
MIN_FUZZY_LENGTH = {"cyrillic": 5, "latin": 6}
TWO_EDITS_FROM = 8


def transliterate(word: str) -> str:
    """A Latin-typed Russian word in Cyrillic ("otpuska" → «отпуска»); other words unchanged."""
    return from_translit(word) if _LATIN_WORD.fullmatch(word) else word


@dataclass(frozen=True)
class Alternative:
    """A vocabulary term standing in for an unknown query word, and how much it counts (0–1)."""

    term: str
    weight: float


class Speller:
    """Maps a query word the vocabulary lacks to known terms; one per vocabulary (a lexical snapshot)."""

    def __init__(self, vocabulary: Iterable[str], *, stem_russian: Callable[[str], str], max_edits: int = 0,
                 typo_weight: float = 0.8, transliterate: bool = True, stop_words: frozenset[str] = frozenset(),
                 related: Mapping[str, Mapping[str, float]] | None = None):
        self._known = set(vocabulary)
        self._by_script: dict[bool, list[str]] = {True: [], False: []}
        for term in self._known:
            self._by_script[bool(_CYRILLIC.search(term))].append(term)
        self._stem_russian, self._stop = stem_russian, stop_words
        self.max_edits, self.typo_weight, self.transliterate = max_edits, typo_weight, transliterate
        self._cache: dict[tuple[str, str], list[Alternative]] = {}
        # A chat word («зп», "pto") or a term of the other language («отпуск», "vacation") also stands for the words
        # a document uses for it (bot/knowledge/lexicons.py), those the vocabulary has.
        self._related = {stem: [Alternative(t, w) for t, w in terms.items() if t in self._known]
                         for stem, terms in (related or {}).items()}

    def ignorable(self, word: str, stem: str) -> bool:
        """A Latin-typed Russian function word ("na", "ne", "chto"): dropped, as its Cyrillic spelling would be."""
        return (self.transliterate and stem not in self._known and _LATIN_WORD.fullmatch(word) is not None
                and transliterate(word) in self._stop)

    def alternatives(self, word: str, stem: str) -> list[Alternative]:
        """Known terms for ``word`` (stemmed ``stem``): itself when known, else its transliteration or near
        spellings; empty when nothing is close enough (the word then stays unknown). A word of a lexicon stands
        for itself (when known) and for its related words."""
        related = self._related.get(stem)
        if related:
            return ([Alternative(stem, 1.0)] if stem in self._known else []) + related
        if stem in self._known:
            return [Alternative(stem, 1.0)]
        key = (word, stem)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._lookup(word, stem)
        return found

    def _lookup(self, word: str, stem: str) -> list[Alternative]:
        spellings = [stem]
        if self.transliterate and _LATIN_WORD.fullmatch(word):
            russian = self._stem_russian(transliterate(word))
            if russian in self._known:
                return [Alternative(russian, 1.0)]
            spellings.append(russian)
        found: list[Alternative] = []
        for spelling in spellings:
            found += self._near(spelling)
        return found

    def _near(self, stem: str) -> list[Alternative]:
        """The closest known terms of ``stem``'s script within the allowed edits (all ties)."""
        cyrillic = bool(_CYRILLIC.search(stem))
        if self.max_edits < 1 or len(stem) < MIN_FUZZY_LENGTH["cyrillic" if cyrillic else "latin"]:
            return []
        limit = min(self.max_edits, 2 if len(stem) >= TWO_EDITS_FROM else 1)
        best, terms = limit + 1, list[str]()
        for term in self._by_script[cyrillic]:
            distance = slip_distance(stem, term, best if terms else limit)
            if distance < best:
                best, terms = distance, [term]
            elif distance == best and distance <= limit:
                terms.append(term)
        # Each edit halves what is left of the confidence: one typo counts typo_weight, two typo_weight².
        return [Alternative(t, self.typo_weight ** best) for t in sorted(terms)] if best <= limit else []
