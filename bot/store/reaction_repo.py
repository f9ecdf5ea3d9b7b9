"""Reactions as feedback: find the answer a bot message carries, record a user's last 👍/👎 on it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from bot.store.models import AnswerRecord, Chat, Message, utcnow
from bot.store.reaction_models import ReactionFeedback


def answer_by_reply(session: Session, *, chat_telegram_id: int, reply_telegram_id: int) -> int | None:
    """The answer shown by a bot message in a chat (its last part, or its first part when split)."""
    query = (select(AnswerRecord.id).join(Message, col(Message.id) == AnswerRecord.message_id)
             .join(Chat, col(Chat.id) == Message.chat_id)
             .where(Chat.telegram_id == chat_telegram_id,
                    (col(AnswerRecord.reply_telegram_id) == reply_telegram_id)
                    | (col(Message.reply_telegram_id) == reply_telegram_id))
             .order_by(col(AnswerRecord.id).desc()))
    return session.exec(query).first()


def set_reaction(session: Session, *, answer_id: int, user_telegram_id: int, value: int | None) -> None:
    """A user's feedback by reaction on an answer: the last one wins, None (reaction removed) clears it."""
    row = session.exec(select(ReactionFeedback).where(ReactionFeedback.answer_id == answer_id,
                                                      ReactionFeedback.user_telegram_id == user_telegram_id)).first()
    if value is None:
        if row is not None:
            session.delete(row)
        return
    row = row or ReactionFeedback(answer_id=answer_id, user_telegram_id=user_telegram_id, value=value)
    row.value, row.updated_at = value, utcnow()
    session.add(row)


def reactions_of_period(session: Session, *, start: datetime, end: datetime) -> list[tuple[int, str]]:
    """(value, question) of every reaction feedback on the answers of [start, end)."""
    query = (select(ReactionFeedback.value, AnswerRecord.question)
             .join(AnswerRecord, col(AnswerRecord.id) == ReactionFeedback.answer_id)
             .where(col(AnswerRecord.created_at) >= start, col(AnswerRecord.created_at) < end))
    return [(value, question) for value, question in session.exec(query)]


def reaction_counts(session: Session) -> dict[int, int]:
    """All reaction feedback by value, for /stats."""
    return dict(session.exec(select(ReactionFeedback.value, func.count()).group_by(col(ReactionFeedback.value))).all())
