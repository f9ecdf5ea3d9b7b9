"""What to add to the knowledge base next: recent "not found" and 👎 questions, grouped by meaning.

The questions are embedded with the deployment's own embedding model (``get_text_embedding_batch``) and
grouped greedily: newest first, each joins the most similar group when the cosine to that group's centroid
reaches the threshold, else starts a group. No Telegram here: ``/unanswered`` only renders the groups.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.store import report_repo
from bot.store.db import in_session

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass
class QuestionGroup:
    """Similar questions: the newest wording, how many, when last asked and why they count."""

    question: str
    count: int
    newest_at: datetime
    reasons: Counter[str] = field(default_factory=Counter)  # not_found / disliked
    wordings: list[str] = field(default_factory=list)


def group_questions(items: Sequence[tuple[str, datetime, str]], vectors: Sequence[Sequence[float]],
                    threshold: float) -> list[QuestionGroup]:
    """Group (question, when, reason) items by cosine similarity of their vectors; newest groups first."""
    import numpy as np

    order = sorted(range(len(items)), key=lambda i: items[i][1], reverse=True)
    matrix = np.asarray(vectors, dtype=float)
    if len(matrix):
        matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    groups: list[QuestionGroup] = []
    sums: list[Any] = []  # per group: the sum of its unit vectors (its centroid's direction)
    for i in order:
        question, at, reason = items[i]
        best, best_score = -1, threshold
        for g, total in enumerate(sums):
            score = float(matrix[i] @ total / max(float(np.linalg.norm(total)), 1e-12))
            if score >= best_score:
                best, best_score = g, score
        if best < 0:
            groups.append(QuestionGroup(question=question, count=0, newest_at=at))
            sums.append(np.zeros(matrix.shape[1]))
            best = len(groups) - 1
        group = groups[best]
        group.count += 1
        group.reasons[reason] += 1
        if question not in group.wordings:
            group.wordings.append(question)
        sums[best] = sums[best] + matrix[i]
    return sorted(groups, key=lambda g: g.newest_at, reverse=True)


async def unanswered_groups(engine: Engine, embed_model: Any, *, days: int, threshold: float,
                            limit: int = 500) -> list[QuestionGroup]:
    """The last ``days`` days of "not found" and 👎 questions, grouped by similarity, newest first."""
    since = datetime.now(UTC) - timedelta(days=days)
    items = await in_session(engine, report_repo.unanswered_questions, since=since, limit=limit)
    if not items:
        return []
    vectors = await asyncio.to_thread(embed_model.get_text_embedding_batch, [q for q, _, _ in items])
    return group_questions(items, vectors, threshold)
