"""Dialog keeping: every update is stored before any handler runs, and handled once."""

from __future__ import annotations

from telegram import Message as TgMessage
from telegram import MessageEntity, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.ops import metrics
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import MessageKind, MessageStatus, utcnow
from bot.telegram.context import services


def message_kind(message: TgMessage) -> MessageKind:
    """What a Telegram message carries."""
    if message.voice or message.audio or (message.document and (message.document.mime_type or "").startswith("audio/")):
        return MessageKind.voice
    if message.document:
        return MessageKind.document
    return MessageKind.text if message.text is not None else MessageKind.other


def is_addressed_to_bot(message: TgMessage, bot_username: str, bot_id: int, *,
                        transcribe_all: bool = False) -> bool:
    """Private chats: texts, voice, documents. Groups: a mention, a reply to the bot, /ask; voice only as a
    reply to the bot or where the chat is set to transcribe every voice note."""
    kind = message_kind(message)
    voice = kind is MessageKind.voice
    if message.chat.type == "private":  # texts, voice, and documents (admins add them to the knowledge base)
        return (message.text is not None and not message.text.startswith("/")) or _is_ask(message) \
            or kind in (MessageKind.voice, MessageKind.document)
    if _is_ask(message):
        return True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return True
    if voice:
        return transcribe_all
    mentions = message.parse_entities([MessageEntity.MENTION]).values()
    return any(m.lstrip("@").lower() == bot_username.lower() for m in mentions)


def _is_ask(message: TgMessage) -> bool:
    command = (message.text or "").split(maxsplit=1)[0] if message.text else ""
    return command.split("@")[0] == "/ask"


async def keep_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store the update's message (group -1); stop here if it was handled before."""
    message = update.effective_message
    if message is None or update.callback_query is not None or message.chat is None:
        return
    engine = services(context).container.engine
    with session_scope(engine) as session:
        existing = repo.message_by_update(session, update_id=update.update_id)
        if existing is not None:
            if existing.status in (MessageStatus.kept, MessageStatus.done):
                raise ApplicationHandlerStop  # a repeated delivery of something already handled
            return  # pending/answering: the question handler decides (claim is atomic)
        chat = repo.get_or_create_chat(session, telegram_id=message.chat.id, type=message.chat.type,
                                       title=message.chat.title or message.chat.full_name)
        user = None
        if message.from_user is not None:
            user = repo.get_or_create_user(session, telegram_id=message.from_user.id,
                                           username=message.from_user.username,
                                           full_name=message.from_user.full_name)
        edited = update.edited_message is not None
        metrics.MESSAGES.labels(message_kind(message).value).inc()
        transcribe_all = message.chat.id in services(context).container.settings.stt.transcribe_all_chat_ids
        addressed = not edited and is_addressed_to_bot(message, context.bot.username, context.bot.id,
                                                       transcribe_all=transcribe_all)
        assert chat.id is not None
        repo.add_message(
            session, chat_id=chat.id, user_id=user.id if user else None, update_id=update.update_id,
            text=message.text or message.caption or "", kind=message_kind(message),
            # an edit is kept as its own row (the raw update names the message); the original stays unique
            telegram_message_id=None if edited else message.message_id,
            reply_to_telegram_id=message.reply_to_message.message_id if message.reply_to_message else None,
            sent_at=message.date, raw=update.to_dict(),
            status=MessageStatus.pending if addressed else MessageStatus.kept)
        if edited:
            original = repo.message_by_telegram_id(session, chat_id=chat.id, telegram_message_id=message.message_id)
            if original is not None:
                original.edited_at = utcnow()
                session.add(original)
