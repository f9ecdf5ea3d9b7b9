"""The fragments a question is answered from: search, relevance floor, and the follow-up fallback.

One synchronous function shared by the answer path (``AnswerService`` runs it on a thread) and the
``quality`` benchmark, so the benchmark measures exactly what the bot does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.knowledge.index import Hit, KnowledgeIndex
from bot.knowledge.relevance import is_relevant

# Words that make a short message lean on the previous question ("and for interns?", «а для стажёров?»).
_REFERENTIAL = re.compile(
    r"^\W*(?:and|but|also|what about|how about|or|а|и|но|также|тоже|ещё|еще|а если|а как|а что|а для)\b"
    r"|\b(?:it|its|that|this|those|these|them|they|there|same|он|она|оно|они|его|её|ее|их|это|этот|эта|эти|"
    r"там|тот|та|те|такой|такая|такие)\b", re.IGNORECASE)
FOLLOW_UP_MAX_WORDS = 8
FOLLOW_UP_FLOOR = 0.75  # a borrowed hit must score this share of the relevance floor against the question alone
DEPTH = 10  # candidates looked at (the answer uses the first top_k of them; the rest rank documents for reports)

_FUNCTION_WORDS = frozenset((
    "and", "but", "also", "what", "about", "how", "with", "from", "that", "this", "those", "these", "them", "they",
    "there", "same", "then", "more", "else", "также", "тоже", "ещё", "еще", "если", "как", "что", "для", "про",
    "это", "этот", "эта", "эти", "там", "тот", "такой", "такая", "такие", "его", "её", "ее", "их"))


@dataclass
class Retrieved:
    """What the answer path found: ``hits`` it would answer from, the ranked ``candidates`` they came from."""

    hits: list[Hit]
    candidates: list[Hit]
    borrowed: bool = False  # the hits came from the previous question + this follow-up
    embed_ms: float = 0.0
    search_ms: float = 0.0
    queries: list[str] = field(default_factory=list)


def is_follow_up(question: str) -> bool:
    """A short message that refers back ("and for interns?"), not a new question that found nothing."""
    return len(question.split()) <= FOLLOW_UP_MAX_WORDS and bool(_REFERENTIAL.search(question))


def content_words(question: str) -> list[str]:
    """The words of a follow-up that carry its own topic (not "and", "what about", «а для»)."""
    return [w for w in re.findall(r"\w+", question.lower()) if len(w) > 2 and w not in _FUNCTION_WORDS]


def candidates_score(candidates: Sequence[Hit], hit: Hit) -> float:
    """How close ``hit`` is to the question alone: its score among the question's own candidates (0 if absent)."""
    return next((c.score + c.floor_offset for c in candidates if c.node.node_id == hit.node.node_id), 0.0)


def retrieve(index: KnowledgeIndex, question: str, *, top_k: int, min_score: float, previous: str = "",
             spaces: Sequence[str] | None = None) -> Retrieved:
    """The relevant hits among the ``top_k`` best for ``question`` (borrowing ``previous`` for a follow-up)."""
    found = Retrieved(hits=[], candidates=[])
    candidates = _search(index, question, top_k, spaces, found)
    found.hits, found.candidates = _relevant(index, candidates, top_k, min_score), candidates
    if not found.hits and previous and is_follow_up(question):
        # A follow-up ("and for interns?") often only makes sense with the previous question; what the
        # combined search finds still has to be close to the question itself, or it is another topic.
        combined = _search(index, f"{previous}\n{question}", top_k, spaces, found)
        borrowed = _relevant(index, combined, top_k, min_score)
        if content_words(question):  # "and for interns?": the borrowed fragment must be about interns too
            own = candidates[:top_k]  # the question's own fragments, as many as an answer uses
            borrowed = [h for h in borrowed if candidates_score(own, h) >= FOLLOW_UP_FLOOR * min_score]
        found.hits, found.borrowed = borrowed, True
        if borrowed:
            found.candidates = combined
    return found


def _relevant(index: KnowledgeIndex, candidates: Sequence[Hit], top_k: int, min_score: float) -> list[Hit]:
    weight = index.floor_lexical_weight
    return [h for h in candidates[:top_k] if is_relevant(h, min_score, lexical_weight=weight)]


def _search(index: KnowledgeIndex, query: str, top_k: int, spaces: Sequence[str] | None,
            found: Retrieved) -> list[Hit]:
    mark = time.perf_counter()
    vector = index.embed_query(query)
    found.embed_ms += (time.perf_counter() - mark) * 1000
    mark = time.perf_counter()
    hits = index.search(vector, top_k=max(top_k, DEPTH), spaces=spaces, query=query)
    found.search_ms += (time.perf_counter() - mark) * 1000
    found.queries.append(query)
    return hits
