"""A BM25 index over the stored chunks (bm25s), for hybrid retrieval next to the dense vectors.

Built in memory from the ``chunk`` table (text, heading path, document title and space), per
process; rebuilt when the table changes (checked at most every ``refresh_s`` seconds, so a bot
process sees what a worker ingested). Words are lower-cased, stop words (English and Russian)
dropped, and stemmed by script: Cyrillic words with the Russian Snowball stemmer, the rest with
the English one — the handbook mixes both, and the dense dev model knows only English.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.knowledge.lexicons import COLLOQUIAL, GLOSSARY, related_terms
from bot.knowledge.spelling import Alternative, Speller
from bot.store.models import ChunkRecord, DocumentRecord

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w\w+|\d")
_CYRILLIC = re.compile(r"[а-яё]")


def _script(word: str) -> str:
    """The stemmer a word takes by its script."""
    return "ru" if _CYRILLIC.search(word) else "en"


class Tokenizer:
    """Words → stems, with a cache (the vocabulary of a knowledge base is small)."""

    def __init__(self) -> None:
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_RUSSIAN

        self._stemmers = {"ru": Stemmer.Stemmer("russian"), "en": Stemmer.Stemmer("english")}
        self._stop = frozenset(w.replace("ё", "е") for w in (*STOPWORDS_EN_PLUS, *STOPWORDS_RUSSIAN))
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()  # a PyStemmer stemmer must not be used by two threads at once

    def __call__(self, text: str) -> list[str]:
        """The stems of ``text``'s words, stop words dropped."""
        return [stem for _, stem in self.words(text)]

    def words(self, text: str) -> list[tuple[str, str]]:
        """(word, stem) of each of ``text``'s words, stop words dropped."""
        out = []
        for word in _WORD.findall(text.lower().replace("ё", "е")):
            if word not in self._stop:
                out.append((word, self.stem_word(word)))
        return out

    def stem_word(self, word: str) -> str:
        """A lower-case ``word``'s stem by its script's stemmer: Russian for Cyrillic, else English."""
        return self.stem(word, _script(word))

    def stem(self, word: str, language: str) -> str:
        """``word``'s stem by ``language``'s stemmer (cached)."""
        key = word if language == _script(word) else f"{language}:{word}"
        stem = self._cache.get(key)
        if stem is None:
            with self._lock:
                stem = self._stemmers[language].stemWord(word)
            if len(self._cache) > 500_000:  # queries bring new words forever; the corpus's come back
                self._cache.clear()
            self._cache[key] = stem
        return stem

    @property
    def stop_words(self) -> frozenset[str]:
        """The dropped words (English and Russian, ё as е)."""
        return self._stop


@dataclass(frozen=True)
class LexicalHit:
    """A chunk id with its BM25 score and how much of the query's weight it covers (0–1)."""

    chunk_id: str
    score: float
    coverage: float


@dataclass
class _Snapshot:
    version: tuple[Any, ...]
    ids: list[str]
    space_codes: np.ndarray  # int code of each chunk's space, aligned with ids
    space_of: dict[str, int]  # space name → code
    doc_terms: list[np.ndarray]  # sorted unique term ids of each chunk (for coverage)
    vocab: dict[str, int]  # term → id
    df: np.ndarray  # chunks containing each term id
    bm25: Any  # bm25s.BM25, or None when there are no chunks
    positions: dict[str, int] = field(default_factory=dict)
    speller: Speller | None = None  # unknown query words → known terms (None: off)


@dataclass(frozen=True)
class _Term:
    """A vocabulary term a query word stands for: its id (−1 unknown), weight (1 exact, less for a typo), IDF."""

    term: str
    term_id: int
    weight: float
    idf: float


class LexicalIndex:
    """BM25 search over the chunk table, filtered by knowledge space."""

    def __init__(self, engine: Engine, *, refresh_s: float = 1.0, typo_edits: int = 0, typo_weight: float = 0.8,
                 transliterate: bool = True, colloquial_weight: float = 0.0, translation_weight: float = 0.0) -> None:
        self._engine = engine
        self._refresh_s = refresh_s
        self._typo_edits, self._typo_weight, self._transliterate = typo_edits, typo_weight, transliterate
        self._lexicons = ((COLLOQUIAL, colloquial_weight), (GLOSSARY, translation_weight))
        self._tokenize = Tokenizer()
        self._snapshot: _Snapshot | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    @cached_property
    def _related(self) -> dict[str, dict[str, float]]:
        """The lexicons' related stems, read once (every snapshot of this index shares them)."""
        return related_terms(self._tokenize.stem_word, self._lexicons)

    def invalidate(self) -> None:
        """Check the table on the next search (this process just changed it)."""
        self._checked_at = 0.0

    def search(self, query: str, *, top_k: int, spaces: Sequence[str] | None = None,
               include: Sequence[str] = ()) -> list[LexicalHit]:
        """The ``top_k`` best BM25 matches for ``query`` among the chunks of ``spaces`` (all if None),
        best first, followed by the chunks of ``include`` not among them (scored too, maybe 0)."""
        snapshot = self._current()
        if snapshot.bm25 is None:
            return []
        words = self._query_terms(snapshot, query)
        scores = self._scores(snapshot, words)
        if spaces:
            wanted = [snapshot.space_of[s] for s in spaces if s in snapshot.space_of]
            scores = np.where(np.isin(snapshot.space_codes, wanted), scores, 0.0)
        k = min(top_k, int(np.count_nonzero(scores)))
        best: list[int] = []
        if k > 0:
            top = np.argpartition(-scores, k - 1)[:k]
            best = [int(i) for i in top[np.argsort(-scores[top], kind="stable")]]
        chosen = set(best)
        best += [i for i in (snapshot.positions.get(c) for c in include) if i is not None and i not in chosen]
        return [LexicalHit(snapshot.ids[i], float(scores[i]), self._coverage(snapshot, words, i)) for i in best]

    def _query_terms(self, snapshot: _Snapshot, query: str) -> list[list[_Term]]:
        """Each distinct word of ``query`` as the terms it stands for: its own stem, or (unknown to the
        vocabulary) its transliteration or near spellings; a word nothing matches stays as its unknown stem."""
        n, speller = len(snapshot.ids), snapshot.speller
        words: list[list[_Term]] = []
        seen: set[str] = set()
        for word, stem in self._tokenize.words(query):
            if stem in seen or (speller is not None and speller.ignorable(word, stem)):
                continue
            seen.add(stem)
            alternatives = (speller.alternatives(word, stem) if speller else []) or [Alternative(stem, 1.0)]
            terms = []
            for alt in alternatives:
                term_id = snapshot.vocab.get(alt.term, -1)
                df = int(snapshot.df[term_id]) if term_id >= 0 else 0
                terms.append(_Term(alt.term, term_id, alt.weight, math.log(1 + (n - df + 0.5) / (df + 0.5))))
            words.append(terms)
        return words

    @staticmethod
    def _scores(snapshot: _Snapshot, words: list[list[_Term]]) -> np.ndarray:
        """BM25 of every chunk: exact words summed as usual; a respelled word adds its best stand-in's score
        times that stand-in's weight."""
        exact = [w[0].term for w in words if len(w) == 1 and w[0].weight == 1.0]
        scores = (np.asarray(snapshot.bm25.get_scores(exact), dtype=np.float32) if exact
                  else np.zeros(len(snapshot.ids), dtype=np.float32))
        for word in words:
            if len(word) > 1 or word[0].weight != 1.0:
                scores = scores + np.max([t.weight * np.asarray(snapshot.bm25.get_scores([t.term]), dtype=np.float32)
                                          for t in word], axis=0)
        return scores

    @staticmethod
    def _coverage(snapshot: _Snapshot, words: list[list[_Term]], position: int) -> float:
        """The share of the query's IDF weight whose words chunk ``position`` contains (a respelled word
        counts its weight)."""
        here = snapshot.doc_terms[position]
        total = covered = 0.0
        for word in words:
            total += max(t.idf for t in word)
            held = [t.weight * t.idf for t in word if t.term_id >= 0 and _holds(here, t.term_id)]
            covered += max(held, default=0.0)
        return covered / total if total else 0.0

    def _current(self) -> _Snapshot:
        now = time.monotonic()
        snapshot = self._snapshot
        if snapshot is not None and now - self._checked_at < self._refresh_s:
            return snapshot
        with self._lock:
            version = self._version()
            self._checked_at = now
            if self._snapshot is None or self._snapshot.version != version:
                self._snapshot = self._build(version)
            return self._snapshot

    def _version(self) -> tuple[Any, ...]:
        with Session(self._engine) as session:
            chunks = session.exec(select(func.count()).select_from(ChunkRecord)).one()
            documents, updated = session.exec(
                select(func.count(col(DocumentRecord.id)), func.max(DocumentRecord.updated_at))).one()
        return chunks, documents, str(updated)

    def _build(self, version: tuple[Any, ...]) -> _Snapshot:
        import bm25s

        # bm25s sets its own logger to DEBUG on import; its progress chatter is not ours to show.
        logging.getLogger("bm25s").setLevel(max(logging.WARNING, logging.getLogger().level))

        started = time.perf_counter()
        query = (select(ChunkRecord.id, ChunkRecord.text, ChunkRecord.heading_path, DocumentRecord.space)
                 .join(DocumentRecord, col(DocumentRecord.id) == ChunkRecord.document_id)
                 .order_by(col(ChunkRecord.id)))
        with Session(self._engine) as session:
            rows = session.exec(query).all()
        ids = [r[0] for r in rows]
        # The heading path (title › section) is part of what a chunk is about, as in its embedding.
        corpus = [self._tokenize(f"{heading}\n{text}") for _, text, heading, _ in rows]
        vocab: dict[str, int] = {}
        doc_terms = [np.unique(np.fromiter((vocab.setdefault(t, len(vocab)) for t in doc), dtype=np.int32))
                     for doc in corpus]
        df = np.bincount(np.concatenate(doc_terms), minlength=len(vocab)) if doc_terms else np.zeros(0, int)
        space_of: dict[str, int] = {}
        space_codes = np.fromiter((space_of.setdefault(r[3], len(space_of)) for r in rows), dtype=np.int32)
        bm25 = None
        if ids:
            bm25 = bm25s.BM25()
            bm25.index([doc or [""] for doc in corpus], show_progress=False)
        log.info("lexical index: %d chunks in %.0f ms", len(ids), (time.perf_counter() - started) * 1000)
        speller = None
        related = self._related
        if self._typo_edits > 0 or self._transliterate or related:
            speller = Speller(vocab, stem_russian=lambda word: self._tokenize.stem(word, "ru"),
                              max_edits=self._typo_edits, typo_weight=self._typo_weight,
                              transliterate=self._transliterate, stop_words=self._tokenize.stop_words, related=related)
        return _Snapshot(version=version, ids=ids, space_codes=space_codes, space_of=space_of, doc_terms=doc_terms,
                         vocab=vocab, df=df, bm25=bm25, positions={c: i for i, c in enumerate(ids)},
                         speller=speller)


def _holds(terms: np.ndarray, term_id: int) -> bool:
    """Whether the sorted ``terms`` contain ``term_id``."""
    at = int(np.searchsorted(terms, term_id))
    return at < terms.size and int(terms[at]) == term_id
