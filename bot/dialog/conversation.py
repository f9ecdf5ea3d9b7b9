"""Small use cases around a conversation: /reset, /sources, 👍/👎, the totals of /stats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from bot.store import reaction_repo, repo
from bot.store.db import in_session


class Conversations:
    """Memory, sources and feedback of chats."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def reset(self, chat_id: int, at: datetime) -> None:
        """Forget a chat's turns and last sources before ``at``."""
        await in_session(self._engine, repo.reset_memory, chat_telegram_id=chat_id, at=at)

    async def last_sources(self, chat_id: int) -> list[str]:
        """Lines naming the sources of the chat's last answer since its /reset (empty when none)."""
        return await in_session(self._engine, _last_sources, chat_id)

    async def feedback(self, answer_id: int, value: int) -> bool:
        """Record 👍 (+1) or 👎 (-1); False when no such answer exists (a stale or forged button)."""
        return await in_session(self._engine, _feedback, answer_id, value)

    async def question_of(self, answer_id: int) -> int | None:
        """The stored message an answer replied to (None for unknown answers)."""
        return await in_session(self._engine, _message_of, answer_id)

    async def totals(self) -> dict[str, int]:
        """Messages, answers by outcome, feedback (buttons and reactions) and requests for a human."""
        return await in_session(self._engine, _totals)


def _totals(session: Session) -> dict[str, int]:
    totals = repo.counts(session)
    reactions = reaction_repo.reaction_counts(session)
    totals["up"] += reactions.get(1, 0)
    totals["down"] += reactions.get(-1, 0)
    return totals


def _last_sources(session: Session, chat_id: int) -> list[str]:
    chat = repo.get_or_create_chat(session, telegram_id=chat_id)
    last = repo.last_answer(session, chat_id=chat.id or 0, since=chat.memory_reset_at)
    return [f"[{s['number']}] {s['heading_path'] or s['title']}" for s in (last.sources if last else [])]


def _feedback(session: Session, answer_id: int, value: int) -> bool:
    if not repo.answer_exists(session, answer_id=answer_id):
        return False
    repo.set_feedback(session, answer_id=answer_id, value=value)
    return True


def _message_of(session: Session, answer_id: int) -> int | None:
    from bot.store.models import AnswerRecord

    answer = session.get(AnswerRecord, answer_id)
    return answer.message_id if answer is not None else None
