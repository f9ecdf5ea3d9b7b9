"""Tables: chats, users, messages, answers, documents and chunks."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Timezone-aware now, the only clock the store uses."""
    return datetime.now(UTC)


class MessageKind(enum.StrEnum):
    """What a stored message carried."""

    text = "text"
    voice = "voice"
    document = "document"
    other = "other"


class Outcome(enum.StrEnum):
    """How an answer ended."""

    pending = "pending"
    answered = "answered"
    not_found = "not_found"
    error = "error"


class MessageStatus(enum.StrEnum):
    """Where a stored message is in its handling; ``pending`` ones are answered after a restart."""

    kept = "kept"  # stored only (a group message not addressed to the bot, an edit, …)
    pending = "pending"  # a question the bot owes an answer to
    answering = "answering"  # claimed by a handler; a duplicate delivery finds it taken
    done = "done"  # answered, or the user was told why not
    held = "held"  # refused for lack of access; answered when an admin grants it


class EscalationStatus(enum.StrEnum):
    """Where a request for a human stands."""

    requested = "requested"  # no tracker: the admins were told
    queued = "queued"  # its ticket job is queued or retrying
    created = "created"  # the ticket exists and is open
    resolved = "resolved"  # the ticket was resolved
    failed = "failed"  # every attempt failed, or the tracker refused it: the admins were told
    closed = "closed"  # the ticket was deleted in the tracker


class Chat(SQLModel, table=True):
    """A Telegram chat, or the local CLI pseudo-chat (telegram_id 0)."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    type: str = "private"
    title: str | None = None
    allowed: bool = False  # granted by an admin (/allow) in addition to the settings' allow-list
    memory_reset_at: datetime | None = None  # /reset: turns before this are forgotten
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A person who wrote to the bot."""

    __tablename__ = "users"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    username: str | None = None
    full_name: str = ""
    language: str | None = None  # chosen with /lang; None means the deployment's default
    allowed: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Message(SQLModel, table=True):
    """An incoming message, stored before it is processed."""

    __table_args__ = (UniqueConstraint("chat_id", "telegram_message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chat.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    update_id: int | None = Field(default=None, sa_column=Column(BigInteger, unique=True))
    telegram_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    reply_to_telegram_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    # Enums stored as plain strings: adding a value later needs no ALTER TYPE on PostgreSQL.
    kind: MessageKind = Field(default=MessageKind.text,
                              sa_type=SAEnum(MessageKind, native_enum=False, length=16))
    status: MessageStatus = Field(default=MessageStatus.kept, index=True,
                                  sa_type=SAEnum(MessageStatus, native_enum=False, length=16))
    text: str = ""
    sent_at: datetime = Field(default_factory=utcnow)
    stored_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    media_path: str | None = None  # downloaded voice/audio file, relative to the data directory
    raw: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    intent: str | None = Field(default=None, max_length=16)  # question, meeting, human, smalltalk, other
    intent_confidence: float | None = None
    intent_path: str | None = Field(default=None, max_length=8)  # rule, llm or default
    reply_telegram_id: int | None = Field(default=None, sa_column=Column(BigInteger))  # the bot's reply message
    deferred_at: datetime | None = None  # put off while the model server was down (the user was told)
    # A claim is a lease: the process answering it (owner) renews ``lease_until`` while it works; an expired one
    # is taken over by any process (DK_INBOX__LEASE_S).
    claimed_by: str | None = Field(default=None, max_length=96)
    lease_until: datetime | None = None
    # Set by the owner just before it sends the final answer: a takeover of a claim that got this far may double
    # the answer (Telegram has no idempotent send), one that did not cannot (the log says which).
    delivering_at: datetime | None = None
    # Stored by an ``ingress`` process for a ``dialog`` process to run through the handlers (commands, buttons…)
    dispatch: bool = Field(default=False, index=True)


class AnswerRecord(SQLModel, table=True):
    """The bot's answer to one question, with its sources, timings and outcome."""

    __tablename__ = "answer"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    question: str
    text: str = ""
    sources: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    model: str = ""
    outcome: Outcome = Field(default=Outcome.pending, index=True,
                             sa_type=SAEnum(Outcome, native_enum=False, length=16))
    error: str | None = None
    timings: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON))
    reply_telegram_id: int | None = Field(default=None, sa_column=Column(BigInteger))  # the bot's message
    feedback: int | None = None  # +1 👍, -1 👎
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Escalation(SQLModel, table=True):
    """A request for a human about one question, and the ticket it became (bot/dialog/escalation/)."""

    # One escalation per question: a second press finds the first (the key is the question's message or answer).
    __table_args__ = (UniqueConstraint("chat_id", "question_key"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chat.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    answer_id: int | None = Field(default=None, foreign_key="answer.id")
    status: EscalationStatus = Field(default=EscalationStatus.requested, index=True,
                                     sa_type=SAEnum(EscalationStatus, native_enum=False, length=16))
    created_at: datetime = Field(default_factory=utcnow)
    message_id: int | None = Field(default=None, foreign_key="message.id")  # the question as stored
    question_key: str | None = None
    question: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    question_telegram_id: int | None = Field(default=None, sa_column=Column(BigInteger))  # replies go under it
    source: str = Field(default="button", sa_column_kwargs={"server_default": "button"})  # human|button|not_found|👎
    tracker: str | None = None  # the tracker's kind (kaiten, n8n, …); None: admins only
    external_id: str | None = None  # dk:<id>: finds the ticket again after a lost response
    ticket_id: str | None = None  # the number people see («Заявка №…»); the tracker addresses the ticket by it
    ticket_url: str | None = None
    last_comment_id: int | None = Field(default=None, sa_column=Column(BigInteger))  # newest comment relayed
    lang: str | None = Field(default=None, max_length=2)  # the first reply's language: every later notice uses it
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_error: str | None = None
    user_told_saved: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    user_told_ticket: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    admin_told: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    updated_at: datetime | None = None
    resolved_at: datetime | None = None


class DocumentRecord(SQLModel, table=True):
    """A knowledge-base document; its content hash makes re-ingestion a no-op."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("space", "source"),)

    id: int | None = Field(default=None, primary_key=True)
    space: str = Field(default="global", index=True)
    source: str  # path or name the document came from; unique within a space
    title: str
    sha256: str = Field(index=True)
    content_type: str = "text/markdown"
    chunk_count: int = 0
    embed_model: str = ""
    added_by: str | None = None
    added_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    size_bytes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    pages: int | None = None  # PDF page count
    # The extracted text parts ([{"text", "page", "markdown"}]): `reindex` rebuilds from them, no file needed.
    content: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))


class ChunkRecord(SQLModel, table=True):
    """One indexed fragment; its id is the Qdrant point id."""

    __tablename__ = "chunk"

    id: str = Field(primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    position: int
    heading_path: str = ""
    chars: int = 0
    page: int | None = None  # 1-based PDF page
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # lexical search


class TranscriptRecord(SQLModel, table=True):
    """What a voice note said, as the worker heard it."""

    __tablename__ = "transcript"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", unique=True)
    text: str = ""
    language: str = ""
    duration_s: float = 0.0
    segments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    model: str = ""
    seconds: float = 0.0  # wall time of the transcription (real-time factor = seconds / duration_s)
    created_at: datetime = Field(default_factory=utcnow)
