"""Query words a document would put otherwise: chat words («зп», «комп», "pto") and the other language's words.

People ask the bot the way they write to colleagues; the knowledge base says «заработная плата», «компьютер»,
"paid time off" — and half of it may be in the other language. BM25 matches none of those. Two lexicons, both
``colloquial<TAB>standard<TAB>lang`` (the source word, the words a document would use, the source's language),
written from general knowledge without looking at any evaluation set:

- ``colloquial.tsv``: colloquial, clipped and slang words → standard words of the same language;
- ``glossary.tsv``: workplace and support terms → their translations (English ↔ Russian).

A query word found in one also matches its words there (bot/knowledge/spelling.py), at the lexicon's weight
(``DK_RETRIEVAL__LEXICAL_COLLOQUIAL_WEIGHT``, ``DK_RETRIEVAL__LEXICAL_TRANSLATION_WEIGHT``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

COLLOQUIAL = Path(__file__).with_name("colloquial.tsv")
GLOSSARY = Path(__file__).with_name("glossary.tsv")

# A lower-case word → its stem, by its script as documents are stemmed (bot/knowledge/lexical.Tokenizer.stem_word).
Stem = Callable[[str], str]


@lru_cache(maxsize=4)
def _rows(path: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(source word, its words) of each row; the ``lang`` column documents the file, the script picks the stemmer."""
    with path.open(encoding="utf-8", newline="") as f:
        return tuple((_normal(r["colloquial"]), tuple(_normal(w) for w in r["standard"].split()))
                     for r in csv.DictReader(f, delimiter="\t") if r.get("colloquial") and r.get("standard"))


def _normal(word: str) -> str:
    return word.strip().lower().replace("ё", "е")


def lexicon_stems(stem: Stem, path: Path) -> dict[str, tuple[str, ...]]:
    """Stem of each source word → the stems of its words (several rows of one stem merge)."""
    found: dict[str, list[str]] = {}
    for word, standard in _rows(path):
        key = stem(word)
        targets = found.setdefault(key, [])
        targets += [s for s in map(stem, standard) if s != key and s not in targets]
    return {key: tuple(targets) for key, targets in found.items() if targets}


def related_terms(stem: Stem, lexicons: Iterable[tuple[Path, float]]) -> dict[str, dict[str, float]]:
    """Stem → {related stem: weight} over several lexicons, each at its weight (the higher one where two agree);
    a lexicon at weight 0 is not read."""
    related: dict[str, dict[str, float]] = {}
    for path, weight in lexicons:
        if weight <= 0:
            continue
        for key, targets in lexicon_stems(stem, path).items():
            mine = related.setdefault(key, {})
            for target in targets:
                mine[target] = max(mine.get(target, 0.0), weight)
    return related
