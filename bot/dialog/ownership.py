"""Who a button may act for. Callback data is untrusted input (any client can send any data under a message it
sees); the chat the button sits in and the user who pressed it are what the transport vouches for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from bot.store.db import in_session
from bot.store.models import AnswerRecord, Chat, Message, User

# Larger ids are not ours: stale input, never an OverflowError (SQLite) or a DataError (PostgreSQL).
MAX_ROW_ID = 2**31 - 1  # our tables' INTEGER primary keys
MAX_TELEGRAM_ID = 2**63 - 1  # Telegram ids are stored in BigInteger columns
_UNSIGNED = re.compile(r"[0-9]{1,19}")
_SIGNED = re.compile(r"-?[0-9]{1,19}")


def row_id(text: str) -> int | None:
    """A stored row's id from button data or a command argument; None when it cannot be one."""
    if not _UNSIGNED.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ROW_ID else None


def telegram_id(text: str) -> int | None:
    """A Telegram user or chat id (chats are negative); None when it cannot be one."""
    if not _SIGNED.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < abs(value) <= MAX_TELEGRAM_ID else None


@dataclass(frozen=True)
class AnswerRef:
    """An answer as its buttons need it: where it was given and to whom."""

    answer_id: int
    message_id: int  # the stored question
    chat_id: int  # Telegram ids
    chat_type: str
    asker_id: int | None

    def pressable_by(self, *, chat_id: int, user_id: int) -> bool:
        """Only in the answer's own chat; in a private chat only by the one who asked (groups: any member)."""
        if chat_id != self.chat_id:
            return False
        return self.chat_type != "private" or self.asker_id == user_id


async def find_answer(engine: Engine, raw_id: str) -> AnswerRef | None:
    """The answer a button names (None for ids that are malformed, out of range or unknown)."""
    answer_id = row_id(raw_id)
    if answer_id is None:
        return None
    return await in_session(engine, _answer_ref, answer_id)


def _answer_ref(session: Session, answer_id: int) -> AnswerRef | None:
    answer = session.get(AnswerRecord, answer_id)
    message = session.get(Message, answer.message_id) if answer is not None and answer.message_id else None
    if answer is None or message is None:
        return None  # an answer without a stored question (the CLI's) has no chat to press it in
    chat = session.get_one(Chat, message.chat_id)
    user = session.get(User, message.user_id) if message.user_id is not None else None
    return AnswerRef(answer_id=answer_id, message_id=message.id or 0, chat_id=chat.telegram_id,
                     chat_type=chat.type, asker_id=user.telegram_id if user else None)
