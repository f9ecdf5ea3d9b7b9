"""Small keyword-only repository functions over the tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from bot.store.models import (
    AnswerRecord,
    Chat,
    ChunkRecord,
    DocumentRecord,
    Message,
    MessageKind,
    Outcome,
    User,
    utcnow,
)

# The local command line is stored as a chat of its own so its dialogs are kept like any other.
CLI_CHAT_TELEGRAM_ID = 0


def get_or_create_chat(session: Session, *, telegram_id: int, type: str = "private",
                       title: str | None = None) -> Chat:
    """The chat with this Telegram id, created on first sight."""
    chat = session.exec(select(Chat).where(Chat.telegram_id == telegram_id)).first()
    if chat is None:
        chat = Chat(telegram_id=telegram_id, type=type, title=title)
        session.add(chat)
        session.flush()
    return chat


def get_or_create_user(session: Session, *, telegram_id: int, username: str | None = None,
                       full_name: str = "", language: str | None = None) -> User:
    """The user with this Telegram id, created on first sight."""
    user = session.exec(select(User).where(User.telegram_id == telegram_id)).first()
    if user is None:
        user = User(telegram_id=telegram_id, username=username, full_name=full_name, language=language)
        session.add(user)
        session.flush()
    return user


def add_message(session: Session, *, chat_id: int, text: str, user_id: int | None = None,
                kind: MessageKind = MessageKind.text, update_id: int | None = None,
                telegram_message_id: int | None = None, reply_to_telegram_id: int | None = None,
                sent_at: datetime | None = None, raw: dict[str, Any] | None = None) -> Message:
    """Store one incoming message and return it with its id."""
    message = Message(chat_id=chat_id, user_id=user_id, text=text, kind=kind, update_id=update_id,
                      telegram_message_id=telegram_message_id,
                      reply_to_telegram_id=reply_to_telegram_id, sent_at=sent_at or utcnow(), raw=raw)
    session.add(message)
    session.flush()
    return message


def add_cli_message(session: Session, *, text: str) -> Message:
    """Store a question typed at the local command line."""
    chat = get_or_create_chat(session, telegram_id=CLI_CHAT_TELEGRAM_ID, type="cli")
    assert chat.id is not None  # flushed rows have ids
    return add_message(session, chat_id=chat.id, text=text)


def start_answer(session: Session, *, question: str, message_id: int | None = None) -> AnswerRecord:
    """Record a question as pending before any model is called."""
    record = AnswerRecord(question=question, message_id=message_id, outcome=Outcome.pending)
    session.add(record)
    session.flush()
    return record


def finish_answer(session: Session, *, answer_id: int, outcome: Outcome, text: str = "",
                  sources: Sequence[dict[str, Any]] = (), model: str = "",
                  timings: dict[str, float] | None = None, error: str | None = None) -> AnswerRecord:
    """Record how an answer ended."""
    record = session.get_one(AnswerRecord, answer_id)
    record.outcome, record.text, record.sources = outcome, text, list(sources)
    record.model, record.timings, record.error = model, dict(timings or {}), error
    session.add(record)
    session.flush()
    return record


def find_document(session: Session, *, space: str, source: str) -> DocumentRecord | None:
    """The document ingested from ``source`` into ``space``, if any."""
    return session.exec(select(DocumentRecord).where(
        DocumentRecord.space == space, DocumentRecord.source == source)).first()


def list_documents(session: Session, *, space: str | None = None) -> list[DocumentRecord]:
    """Documents, newest first, optionally of one space."""
    query = select(DocumentRecord).order_by(col(DocumentRecord.added_at).desc())
    if space is not None:
        query = query.where(DocumentRecord.space == space)
    return list(session.exec(query))


def replace_chunks(session: Session, *, document_id: int, chunks: Sequence[ChunkRecord]) -> None:
    """Swap a document's chunk rows for new ones."""
    session.exec(delete(ChunkRecord).where(col(ChunkRecord.document_id) == document_id))  # type: ignore[call-overload]  # sqlmodel lacks a delete overload
    session.add_all(chunks)
    session.flush()
