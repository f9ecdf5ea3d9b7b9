"""The messages the pipeline works on: what a transport parsed (``Incoming``) and what was stored (``Kept``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine

from bot.dialog.jobs import Jobs
from bot.dialog.notify import Notifier
from bot.settings import Settings
from bot.store.models import Chat, Message, MessageKind, MessageStatus, Outcome, User

# Transports name kinds, statuses and outcomes through the dialog layer, never the store.
__all__ = ["FileInfo", "Incoming", "Kept", "MessageKind", "MessageStatus", "Outcome", "Pipeline", "kept_from_rows"]


@dataclass(frozen=True)
class FileInfo:
    """The file a message carries, as the transport describes it."""

    size: int | None
    mime_type: str | None
    name: str | None


@dataclass(frozen=True)
class Incoming:
    """One update as a transport parsed it (Telegram ids, not database ids)."""

    update_id: int
    chat_id: int
    chat_type: str
    chat_title: str | None
    user_id: int | None
    username: str | None
    full_name: str
    language_code: str | None
    message_id: int | None
    reply_to: int | None
    kind: MessageKind
    text: str
    addressed: bool
    edited: bool
    sent_at: datetime
    raw: dict[str, Any]
    file: FileInfo | None = None


@dataclass(frozen=True)
class Kept:
    """A stored message as the pipeline works on it."""

    id: int
    chat_id: int  # Telegram chat id
    chat_type: str
    chat_title: str
    user_id: int | None  # Telegram user id
    user_name: str
    username: str | None
    telegram_message_id: int | None
    kind: MessageKind
    text: str
    status: MessageStatus
    media_path: str | None = None
    reply_telegram_id: int | None = None  # the bot message showing (part of) the answer
    reply_to: int | None = None  # the Telegram message this one replies to
    deferred: bool = False
    language_code: str | None = None
    file: FileInfo | None = None
    duplicate: bool = False  # stored before: a repeated delivery


def kept_from_rows(message: Message, chat: Chat, user: User | None, *, file: FileInfo | None = None,
                   language_code: str | None = None, duplicate: bool = False) -> Kept:
    """The pipeline's view of stored rows."""
    assert message.id is not None
    return Kept(id=message.id, chat_id=chat.telegram_id, chat_type=chat.type, chat_title=chat.title or "",
                user_id=user.telegram_id if user else None,
                user_name=(user.full_name or user.username or str(user.telegram_id)) if user else "",
                username=user.username if user else None, telegram_message_id=message.telegram_message_id,
                kind=message.kind, text=message.text, status=message.status, media_path=message.media_path,
                reply_telegram_id=message.reply_telegram_id, reply_to=message.reply_to_telegram_id,
                deferred=message.deferred_at is not None,
                language_code=language_code, file=file or file_of(message), duplicate=duplicate)


def file_of(message: Message) -> FileInfo | None:
    """What the stored update says about the message's file (a resumed upload keeps its name and type)."""
    raw_message = (message.raw or {}).get("message") or {}
    media = raw_message.get("voice") or raw_message.get("audio") or raw_message.get("document")
    if not media:
        return None
    return FileInfo(size=media.get("file_size"), mime_type=media.get("mime_type"), name=media.get("file_name"))


def language_code_of(message: Message) -> str | None:
    """The Telegram app language of the message's author, from the stored update."""
    raw_message = (message.raw or {}).get("message") or {}
    return (raw_message.get("from") or {}).get("language_code")


class Pipeline(Protocol):
    """What route handlers (media, hand-off) may use of the inbox that runs them."""

    notifier: Notifier
    settings: Settings
    engine: Engine

    @property
    def jobs(self) -> Jobs:
        """The job queues (voice and document work)."""
        ...

    def is_admin(self, user_id: int | None) -> bool:
        """Whether a Telegram user is an admin."""
        ...

    async def note(self, kept: Kept, **values: Any) -> None:
        """Store facts learnt while handling a message."""
        ...
