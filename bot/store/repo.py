"""Small keyword-only repository functions over the tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, delete, select

from bot.store.models import (
    AnswerRecord,
    Chat,
    ChunkRecord,
    DocumentRecord,
    Escalation,
    Message,
    MessageKind,
    MessageStatus,
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
        try:
            with session.begin_nested():  # two first messages of a new chat may race (updates run concurrently)
                chat = Chat(telegram_id=telegram_id, type=type, title=title)
                session.add(chat)
        except IntegrityError:
            chat = session.exec(select(Chat).where(Chat.telegram_id == telegram_id)).one()
    return chat


def get_or_create_user(session: Session, *, telegram_id: int, username: str | None = None,
                       full_name: str = "", language: str | None = None) -> User:
    """The user with this Telegram id, created on first sight."""
    user = session.exec(select(User).where(User.telegram_id == telegram_id)).first()
    if user is None:
        try:
            with session.begin_nested():  # as for chats: concurrent first messages of one user
                user = User(telegram_id=telegram_id, username=username, full_name=full_name, language=language)
                session.add(user)
        except IntegrityError:
            user = session.exec(select(User).where(User.telegram_id == telegram_id)).one()
    return user


def user_by_telegram_id(session: Session, *, telegram_id: int) -> User | None:
    """A known user, or None."""
    return session.exec(select(User).where(User.telegram_id == telegram_id)).first()


def add_message(session: Session, *, chat_id: int, text: str, user_id: int | None = None,
                kind: MessageKind = MessageKind.text, update_id: int | None = None,
                telegram_message_id: int | None = None, reply_to_telegram_id: int | None = None,
                sent_at: datetime | None = None, raw: dict[str, Any] | None = None,
                status: MessageStatus = MessageStatus.kept) -> Message:
    """Store one incoming message and return it with its id."""
    message = Message(chat_id=chat_id, user_id=user_id, text=text, kind=kind, update_id=update_id,
                      telegram_message_id=telegram_message_id, status=status,
                      reply_to_telegram_id=reply_to_telegram_id, sent_at=sent_at or utcnow(), raw=raw)
    session.add(message)
    session.flush()
    return message


def add_cli_question(session: Session, *, text: str) -> int:
    """Store a question typed at the local command line; its id."""
    message_id = add_cli_message(session, text=text).id
    assert message_id is not None  # flushed rows have ids
    return message_id


def add_cli_message(session: Session, *, text: str, status: MessageStatus = MessageStatus.kept) -> Message:
    """Store a question typed at the local command line."""
    chat = get_or_create_chat(session, telegram_id=CLI_CHAT_TELEGRAM_ID, type="cli")
    assert chat.id is not None  # flushed rows have ids
    return add_message(session, chat_id=chat.id, text=text, status=status)


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


def find_document_by_sha(session: Session, *, space: str, sha256: str) -> DocumentRecord | None:
    """A document of ``space`` with exactly this content, if any."""
    return session.exec(select(DocumentRecord).where(
        DocumentRecord.space == space, DocumentRecord.sha256 == sha256)).first()


def list_documents(session: Session, *, space: str | None = None,
                   with_content: bool = False) -> list[DocumentRecord]:
    """Documents, newest first, optionally of one space; their stored text only if asked for."""
    query = select(DocumentRecord).order_by(col(DocumentRecord.added_at).desc(), col(DocumentRecord.id).desc())
    if not with_content:
        query = query.options(defer(DocumentRecord.content))  # type: ignore[arg-type]  # a mapped column
    if space is not None:
        query = query.where(DocumentRecord.space == space)
    return list(session.exec(query))


def replace_chunks(session: Session, *, document_id: int, chunks: Sequence[ChunkRecord]) -> None:
    """Swap a document's chunk rows for new ones."""
    session.exec(delete(ChunkRecord).where(col(ChunkRecord.document_id) == document_id))  # type: ignore[call-overload]  # sqlmodel lacks a delete overload
    session.add_all(chunks)
    session.flush()


def chunk_ids(session: Session, *, document_id: int | None = None) -> list[str]:
    """Ids (= Qdrant point ids) of one document's chunks, or of every chunk."""
    query = select(ChunkRecord.id)
    if document_id is not None:
        query = query.where(ChunkRecord.document_id == document_id)
    return list(session.exec(query))


def referenced_chunk_ids(session: Session, *, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` some stored chunk row uses."""
    if not ids:
        return set()
    return set(session.exec(select(ChunkRecord.id).where(col(ChunkRecord.id).in_(list(ids)))))


def delete_document(session: Session, *, document_id: int) -> None:
    """Remove a document row and its chunk rows."""
    session.exec(delete(ChunkRecord).where(col(ChunkRecord.document_id) == document_id))  # type: ignore[call-overload]  # sqlmodel lacks a delete overload
    session.exec(delete(DocumentRecord).where(col(DocumentRecord.id) == document_id))  # type: ignore[call-overload]  # as above
    session.flush()


def message_by_update(session: Session, *, update_id: int) -> Message | None:
    """The message stored for a Telegram update, if it was stored."""
    return session.exec(select(Message).where(Message.update_id == update_id)).first()


def message_by_telegram_id(session: Session, *, chat_id: int, telegram_message_id: int) -> Message | None:
    """A stored message by its Telegram id within a chat (edits point at it)."""
    return session.exec(select(Message).where(Message.chat_id == chat_id,
                                              Message.telegram_message_id == telegram_message_id)).first()


def set_message_status(session: Session, *, message_id: int, status: MessageStatus) -> None:
    """Move a message along kept → pending → done."""
    message = session.get_one(Message, message_id)
    message.status = status
    session.add(message)


def claim_message(session: Session, *, message_id: int) -> bool:
    """Atomically move a question from pending to answering; False if someone else has it."""
    result = session.execute(update(Message).where(col(Message.id) == message_id,
                                                   col(Message.status) == MessageStatus.pending)
                             .values(status=MessageStatus.answering))
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


def unanswered_messages(session: Session, *, deferred_only: bool = False) -> list[tuple[Message, Chat]]:
    """Questions stored but never answered (the bot stopped mid-way), oldest first; with ``deferred_only``, the
    pending ones put off while a dependency was down (claims of answers in progress are not among them)."""
    query = select(Message, Chat).join(Chat, col(Chat.id) == Message.chat_id).order_by(col(Message.id))
    if deferred_only:
        query = query.where(Message.status == MessageStatus.pending, col(Message.deferred_at).is_not(None))
    else:
        query = query.where(col(Message.status).in_([MessageStatus.pending, MessageStatus.answering]))
    return [(m, c) for m, c in session.exec(query)]


def recent_dialog(session: Session, *, chat_id: int, before_id: int, since: datetime | None,
                  limit: int) -> list[tuple[Message, User | None, AnswerRecord | None]]:
    """The chat's latest text messages before ``before_id`` (oldest first), with author and answer."""
    query = (select(Message, User, AnswerRecord)
             .join(User, col(User.id) == Message.user_id, isouter=True)
             .join(AnswerRecord, col(AnswerRecord.message_id) == Message.id, isouter=True)
             .where(Message.chat_id == chat_id, col(Message.id) < before_id, Message.kind == MessageKind.text,
                    or_(~col(Message.text).startswith("/"), col(Message.text).startswith("/ask")))
             .order_by(col(Message.id).desc()).limit(limit))
    if since is not None:
        query = query.where(col(Message.stored_at) > since)
    return list(reversed([(m, u, a) for m, u, a in session.exec(query)]))


def last_answer(session: Session, *, chat_id: int, since: datetime | None = None) -> AnswerRecord | None:
    """The chat's latest answer that has sources (after ``since``: a /reset forgets older ones)."""
    query = (select(AnswerRecord).join(Message, col(Message.id) == AnswerRecord.message_id)
             .where(Message.chat_id == chat_id, AnswerRecord.outcome == Outcome.answered)
             .order_by(col(AnswerRecord.id).desc()))
    if since is not None:
        query = query.where(col(AnswerRecord.created_at) > since)
    return session.exec(query).first()


def set_feedback(session: Session, *, answer_id: int, value: int) -> None:
    """Record 👍 (+1) or 👎 (-1) on an answer."""
    record = session.get_one(AnswerRecord, answer_id)
    record.feedback = value
    session.add(record)


def set_answer_reply(session: Session, *, answer_id: int, reply_telegram_id: int) -> None:
    """Remember which bot message carries an answer."""
    record = session.get_one(AnswerRecord, answer_id)
    record.reply_telegram_id = reply_telegram_id
    session.add(record)


def add_escalation(session: Session, *, chat_id: int, user_id: int | None, answer_id: int | None,
                   message_id: int | None = None) -> Escalation:
    """Record a request for a human."""
    escalation = Escalation(chat_id=chat_id, user_id=user_id, answer_id=answer_id, message_id=message_id)
    session.add(escalation)
    session.flush()
    return escalation


def allowed_ids(session: Session) -> tuple[list[int], list[int]]:
    """Telegram ids of the users and chats admins granted access to."""
    users = session.exec(select(User.telegram_id).where(col(User.allowed).is_(True))).all()
    chats = session.exec(select(Chat.telegram_id).where(col(Chat.allowed).is_(True))).all()
    return list(users), list(chats)


def counts(session: Session) -> dict[str, int]:
    """Totals for /stats."""
    outcomes = dict(session.exec(select(AnswerRecord.outcome, func.count()).group_by(AnswerRecord.outcome)).all())
    feedback = dict(session.exec(select(AnswerRecord.feedback, func.count())
                                 .group_by(col(AnswerRecord.feedback))).all())
    return {
        "messages": session.exec(select(func.count()).select_from(Message)).one(),
        **{o.value: outcomes.get(o, 0) for o in Outcome},
        "up": feedback.get(1, 0), "down": feedback.get(-1, 0),
        "escalations": session.exec(select(func.count()).select_from(Escalation)).one(),
    }


def keep_message(session: Session, *, chat_telegram_id: int, chat_type: str, chat_title: str | None,
                 user_telegram_id: int | None, username: str | None, full_name: str, update_id: int,
                 telegram_message_id: int | None, edited: bool, **fields: Any) -> tuple[Message, Chat, bool]:
    """Store an incoming message once; returns (message, chat, stored before).

    A repeated delivery is the same update of the same chat and message. Telegram reuses update ids after a
    quiet week, so a known update id naming another message is a new message: the old row gives up the id.
    """
    chat = get_or_create_chat(session, telegram_id=chat_telegram_id, type=chat_type, title=chat_title)
    assert chat.id is not None  # flushed rows have ids
    existing = message_by_update(session, update_id=update_id)
    if existing is not None:
        if existing.chat_id == chat.id and existing.telegram_message_id == telegram_message_id:
            return existing, chat, True
        existing.update_id = None  # a reused id: keep the old row, free the id for the new message
        session.add(existing)
        session.flush()
    if telegram_message_id is not None:
        same = message_by_telegram_id(session, chat_id=chat.id, telegram_message_id=telegram_message_id)
        if same is not None:
            return same, chat, True
    user = None
    if user_telegram_id is not None:
        user = get_or_create_user(session, telegram_id=user_telegram_id, username=username, full_name=full_name)
        if username and user.username != username:
            user.username = username
    message = add_message(session, chat_id=chat.id, user_id=user.id if user else None, update_id=update_id,
                          telegram_message_id=None if edited else telegram_message_id, **fields)
    if edited and telegram_message_id is not None:
        original = message_by_telegram_id(session, chat_id=chat.id, telegram_message_id=telegram_message_id)
        if original is not None:
            original.edited_at = utcnow()
            session.add(original)
    return message, chat, False


def update_message(session: Session, *, message_id: int, **values: Any) -> None:
    """Set some fields of a stored message (media path, intent, reply id, status, deferral)."""
    message = session.get_one(Message, message_id)
    for name, value in values.items():
        setattr(message, name, value)
    session.add(message)


def message_with_chat(session: Session, *, message_id: int) -> tuple[Message, Chat, User | None]:
    """A stored message, its chat and its author."""
    message = session.get_one(Message, message_id)
    user = session.get(User, message.user_id) if message.user_id is not None else None
    return message, session.get_one(Chat, message.chat_id), user


def reset_memory(session: Session, *, chat_telegram_id: int, at: datetime) -> None:
    """Forget a chat's conversation (turns and last sources) before ``at``."""
    chat = get_or_create_chat(session, telegram_id=chat_telegram_id)
    chat.memory_reset_at = at
    session.add(chat)


def answer_exists(session: Session, *, answer_id: int) -> bool:
    """Whether an answer with this id is stored (buttons may name deleted or forged ids)."""
    return session.get(AnswerRecord, answer_id) is not None


def release_held(session: Session, *, user_telegram_id: int) -> list[tuple[Message, Chat, User]]:
    """A user's messages refused for lack of access, made pending again (access was just granted)."""
    query = (select(Message, Chat, User).join(Chat, col(Chat.id) == Message.chat_id)
             .join(User, col(User.id) == Message.user_id)
             .where(User.telegram_id == user_telegram_id, Message.status == MessageStatus.held)
             .order_by(col(Message.id)))
    rows = [(m, c, u) for m, c, u in session.exec(query)]
    for message, _, _ in rows:
        message.status = MessageStatus.pending
        session.add(message)
    return rows
