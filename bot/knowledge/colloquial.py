"""Chat words a document would not use: «зп», «комп», «сперли», "pto", "wfh" → the words it does use.

People ask the bot the way they write to colleagues; the knowledge base says «заработная плата», «компьютер»,
«кража», "paid time off". BM25 matches none of those, and the small embedding model often misses them too. The
lexicon (``colloquial.tsv``: colloquial word, standard words, language) was written from general knowledge of
work-chat language, without looking at any evaluation set. A query word found in it also matches its standard
words (bot/knowledge/spelling.py, at ``DK_RETRIEVAL__LEXICAL_COLLOQUIAL_WEIGHT``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

LEXICON = Path(__file__).with_name("colloquial.tsv")

Stem = Callable[[str, str], str]  # (word, language) → stem


@lru_cache(maxsize=4)
def _rows(path: Path) -> tuple[tuple[str, tuple[str, ...], str], ...]:
    with path.open(encoding="utf-8", newline="") as f:
        return tuple((_normal(r["colloquial"]), tuple(_normal(w) for w in r["standard"].split()), r["lang"].strip())
                     for r in csv.DictReader(f, delimiter="\t") if r.get("colloquial") and r.get("standard"))


def _normal(word: str) -> str:
    return word.strip().lower().replace("ё", "е")


def colloquial_stems(stem: Stem, path: Path = LEXICON) -> dict[str, tuple[str, ...]]:
    """Stem of each colloquial word → the stems of its standard words (several rows of one stem merge)."""
    found: dict[str, list[str]] = {}
    for word, standard, language in _rows(path):
        key = stem(word, language)
        targets = found.setdefault(key, [])
        targets += [s for s in (stem(w, language) for w in standard) if s != key and s not in targets]
    return {key: tuple(targets) for key, targets in found.items() if targets}
