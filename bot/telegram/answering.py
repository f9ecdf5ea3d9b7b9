"""Answer one stored question in its chat: memory → streamed answer → buttons → stored."""

from __future__ import annotations

import html
import logging

from telegram import Bot

from bot.dialog.answer import EmptyQuestion
from bot.dialog.memory import question_text, recent_turns
from bot.i18n import Lang, t
from bot.knowledge.spaces import spaces_for_chat
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import Chat, Message, MessageStatus
from bot.telegram.context import BotServices
from bot.telegram.render import answer_keyboard, render_answer
from bot.telegram.streaming import StreamingReply
from inference.llm import LLMError, LLMUnavailable

log = logging.getLogger(__name__)


async def answer_stored_question(bot: Bot, dk: BotServices, *, chat: Chat, message: Message, lang: Lang) -> None:
    """Claim the question, stream the answer into the chat, mark it done (exactly once)."""
    engine = dk.container.engine
    assert message.id is not None and chat.id is not None
    with session_scope(engine) as session:
        if not repo.claim_message(session, message_id=message.id):
            return  # another delivery of the same update is answering it
    try:
        await stream_answer(bot, dk, chat=chat, message=message, lang=lang)
    finally:
        with session_scope(engine) as session:
            repo.set_message_status(session, message_id=message.id, status=MessageStatus.done)


async def stream_answer(bot: Bot, dk: BotServices, *, chat: Chat, message: Message, lang: Lang) -> None:
    """Answer the message's text in its chat (the caller has claimed the message)."""
    assert message.id is not None and chat.id is not None
    question = question_text(message.text, bot.username)
    if not question:
        await bot.send_message(chat.telegram_id, t("empty_question", lang),
                               reply_to_message_id=message.telegram_message_id)
        return
    settings = dk.container.settings
    turns = recent_turns(dk.container.engine, chat_id=chat.id, before_message_id=message.id,
                         turns=settings.retrieval.history_turns)
    reply = StreamingReply(bot, chat.telegram_id, reply_to=message.telegram_message_id,
                           interval=settings.telegram.edit_interval_s, placeholder=t("placeholder", lang))
    await reply.open()
    try:
        spaces = spaces_for_chat(chat.telegram_id, teams=settings.knowledge.teams)
        answer = await dk.container.answers.answer(question, turns=turns, message_id=message.id, spaces=spaces,
                                                   on_text=reply.push)
    except (LLMError, EmptyQuestion) as exc:
        key = "llm_unavailable" if isinstance(exc, LLMUnavailable) else "llm_failed"
        log.warning("no answer for message %s: %s", message.id, exc)
        await reply.close(html.escape(t(key, lang)), t(key, lang), None)
        return
    html_text, plain = render_answer(answer, lang)
    await reply.close(html_text, plain, answer_keyboard(answer, lang))
    if answer.answer_id is not None and reply.message_ids:
        with session_scope(dk.container.engine) as session:
            repo.set_answer_reply(session, answer_id=answer.answer_id, reply_telegram_id=reply.message_ids[-1])
