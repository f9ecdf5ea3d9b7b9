"""When a retrieved chunk counts as relevant enough to answer from."""

from __future__ import annotations

from bot.knowledge.index import Hit

# Hybrid mode: a chunk that holds at least this share of the query's BM25 term weight is relevant
# even below the cosine floor (the English-only dev model scores Russian text poorly).
MIN_LEXICAL_COVERAGE = 0.5


def is_relevant(hit: Hit, min_score: float, *, min_lexical: float = MIN_LEXICAL_COVERAGE,
                lexical_weight: float = 0.0) -> bool:
    """Cosine similarity (with the cross-language offset, plus ``lexical_weight`` × the share of the query's terms
    the chunk holds) at or above ``min_score``, or (hybrid) enough of the query's terms.

    The credit for shared words is there because the small embedding model scores colloquial answerable
    questions (slang, typos) about as low as off-topic ones, while off-topic questions share almost no words
    with the knowledge base: a chunk holding 40% of the query's terms needs 0.02 less cosine at weight 0.05.
    """
    lexical = hit.lexical or 0.0
    return hit.score + hit.floor_offset + lexical_weight * lexical >= min_score or (
        hit.lexical is not None and lexical >= min_lexical)
