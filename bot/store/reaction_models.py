"""Feedback given by message reactions: one row per answer and reacting user (their last 👍/👎)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


class ReactionFeedback(SQLModel, table=True):
    """A user's 👍 (+1) or 👎 (-1) reaction on an answer; removing the reaction deletes the row."""

    __tablename__ = "reaction_feedback"
    __table_args__ = (UniqueConstraint("answer_id", "user_telegram_id"),)

    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(foreign_key="answer.id", index=True)
    user_telegram_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    value: int
    updated_at: datetime = Field(default_factory=utcnow)
