"""The meeting drafts behind the booking buttons: Telegram button data carries only a draft's id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


class MeetingDraft(SQLModel, table=True):
    """One meeting request from a chat, from the first message to the booked (or cancelled) event."""

    __tablename__ = "meeting_draft"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))  # Telegram chat id
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # who asked
    requester: str = ""
    chat_title: str = ""
    lang: str = "ru"
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = "open"  # open | booked | cancelled
    start_at: datetime | None = None  # the asked-for start (UTC)
    day: str | None = None  # ISO date when only a day was asked for
    time_of_day: str | None = None
    duration_min: int | None = None
    participants: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    title: str = ""
    problem: str | None = None
    candidates: list[str] = Field(default_factory=list, sa_column=Column(JSON))  # ISO dates to choose from
    offered: list[str] = Field(default_factory=list, sa_column=Column(JSON))  # ISO starts behind the slot buttons
    chosen_at: datetime | None = None  # the slot picked (UTC)
    uid: str = Field(unique=True)  # the calendar event's UID, fixed before the first attempt
    retry: str | None = None  # what «Повторить» redoes after a calendar failure: offer | book | cancel
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    def as_dict(self) -> dict[str, Any]:
        """Plain fields, for logs and tests."""
        return self.model_dump()
