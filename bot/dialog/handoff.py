"""Hand-off to a human: one request per question, the user told, the admins given a way to reach the user."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.i18n import Lang, t
from bot.store import repo
from bot.store.db import in_session
from bot.store.models import AnswerRecord, Escalation, Message

if TYPE_CHECKING:
    from bot.dialog.channel import Channel
    from bot.dialog.messages import Kept
    from bot.dialog.notify import Notifier


class HandoffService:
    """Stores a request for a human and announces it; a second request for the same question changes nothing."""

    def __init__(self, engine: Engine, default_language: Lang) -> None:
        self._engine = engine
        self._admin_lang = default_language

    async def request(self, kept: Kept, channel: Channel, *, notifier: Notifier, answer_id: int | None = None) -> bool:
        """Hand the message's question to the staff; False (and a short note) when it was already requested."""
        created, question = await in_session(self._engine, _record, kept.id, answer_id)
        if not created:
            await channel.say(t("human_already", channel.lang))
            return False
        await channel.say(t("human_requested", channel.lang))
        who = html.escape(kept.user_name or "?")
        if kept.user_id is not None:
            who = f'<a href="tg://user?id={kept.user_id}">{who}</a>'
        handle = f" @{html.escape(kept.username)}" if kept.username else ""
        await notifier.notify_admins(t("admin_human_request", self._admin_lang,
                                       who=f"{who}{handle} (id {kept.user_id})",
                                       chat=html.escape(kept.chat_title or str(kept.chat_id)),
                                       question=html.escape(question)), html=True)
        return True


def _record(session: Session, message_id: int, answer_id: int | None) -> tuple[bool, str]:
    """Create the escalation unless this message (or its answer) already has one; returns (created, question)."""
    message = session.get_one(Message, message_id)
    answer = session.get(AnswerRecord, answer_id) if answer_id is not None else None
    question = answer.question if answer is not None else message.text
    if answer_id is not None:
        taken = select(Escalation).where(Escalation.answer_id == answer_id)
    else:
        taken = select(Escalation).join(AnswerRecord, col(Escalation.answer_id) == col(AnswerRecord.id),
                                        isouter=True) \
            .where((col(AnswerRecord.message_id) == message_id) | (col(Escalation.message_id) == message_id))
    if session.exec(taken).first() is not None:
        return False, question
    repo.add_escalation(session, chat_id=message.chat_id, user_id=message.user_id, answer_id=answer_id,
                        message_id=message_id)
    return True, question
