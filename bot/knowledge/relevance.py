"""When a retrieved chunk counts as relevant enough to answer from."""

from __future__ import annotations

from bot.knowledge.index import Hit

# Hybrid mode: a chunk that holds at least this share of the query's BM25 term weight is relevant
# even below the cosine floor (the English-only dev model scores Russian text poorly).
MIN_LEXICAL_COVERAGE = 0.5


def is_relevant(hit: Hit, min_score: float, *, min_lexical: float = MIN_LEXICAL_COVERAGE) -> bool:
    """Cosine similarity (with the cross-language offset) at or above ``min_score``, or (hybrid) enough of the
    query's terms."""
    return hit.score + hit.floor_offset >= min_score or (hit.lexical is not None and hit.lexical >= min_lexical)
