"""Tables of escalations' follow-ups: bot messages that belong to a ticket, synced ticket entries, sync state."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


class TicketEntryStatus(enum.StrEnum):
    """Where a resolved ticket stands on its way into the knowledge base."""

    pending = "pending"  # awaiting an admin's review
    added = "added"
    skipped = "skipped"


class EscalationMessage(SQLModel, table=True):
    """A bot message in a user's chat that belongs to a ticket: a reply to it is added to the card."""

    __tablename__ = "escalation_message"
    __table_args__ = (UniqueConstraint("chat_telegram_id", "telegram_message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    chat_telegram_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    telegram_message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    comment_id: int | None = Field(default=None, sa_column=Column(BigInteger))  # the relayed support comment
    kind: str = "ticket"  # ticket (the «Заявка №…» notice) | comment (a support reply)
    created_at: datetime = Field(default_factory=utcnow)


class TicketEntry(SQLModel, table=True):
    """A resolved ticket on its way into the knowledge base (space ``tickets``), keyed by ticket id."""

    __tablename__ = "ticket_entry"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(unique=True, max_length=255)
    tracker: str = Field(default="kaiten", sa_column_kwargs={"server_default": "kaiten"})  # its documents' source
    title: str = ""  # «Заявка №… (решена ДД.ММ)»
    markdown: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    done_at: datetime | None = None  # when the stored version was resolved
    status: TicketEntryStatus = Field(default=TicketEntryStatus.pending,
                                      sa_type=SAEnum(TicketEntryStatus, native_enum=False, length=16))
    review_sent_at: datetime | None = None  # when the «Добавить в базу» / «Пропустить» request reached the admins
    document_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class TicketSyncState(SQLModel, table=True):
    """When resolved tickets were last synced (one row)."""

    __tablename__ = "ticket_sync"

    id: int | None = Field(default=None, primary_key=True)
    last_sync_at: datetime | None = None
