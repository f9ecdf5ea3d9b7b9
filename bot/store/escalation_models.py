"""Tables of escalations' follow-ups: bot messages that belong to a ticket, synced ticket entries, sync state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


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
    """A resolved card on its way into the knowledge base (space ``tickets``), keyed by card id."""

    __tablename__ = "ticket_entry"

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    title: str = ""  # «Заявка №… (решена ДД.ММ)»
    markdown: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    done_at: datetime | None = None  # last_moved_to_done_at of the version stored
    status: str = "pending"  # pending (awaiting an admin) | added | skipped
    review_sent_at: datetime | None = None  # when the «Добавить в базу» / «Пропустить» request went to the admins
    document_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class TicketSyncState(SQLModel, table=True):
    """When resolved tickets were last synced (one row)."""

    __tablename__ = "ticket_sync"

    id: int | None = Field(default=None, primary_key=True)
    last_sync_at: datetime | None = None
