"""Updates into the dialog layer's terms: what a message carries and whether it is addressed to the bot."""

from __future__ import annotations

import re

from telegram import Message as TgMessage
from telegram import MessageEntity, Update

from bot.dialog.messages import FileInfo, Incoming, MessageKind

# Telegram's command syntax: "/" and 1–32 Latin letters, digits or "_", an optional @botname, then a space or the end.
COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")


def message_kind(message: TgMessage) -> MessageKind:
    """What a Telegram message carries."""
    if message.voice or message.audio or (message.document and (message.document.mime_type or "").startswith("audio/")):
        return MessageKind.voice
    if message.document:
        return MessageKind.document
    return MessageKind.text if message.text is not None else MessageKind.other


def file_info(message: TgMessage) -> FileInfo | None:
    """The size, type and name of the file a message carries, if any."""
    media = message.voice or message.audio or message.document
    if media is None:
        return None
    return FileInfo(size=media.file_size, mime_type=media.mime_type, name=getattr(media, "file_name", None))


def file_id(message: TgMessage) -> str | None:
    """Telegram's id of the message's voice, audio or document file."""
    media = message.voice or message.audio or message.document
    return media.file_id if media is not None else None


def is_addressed_to_bot(message: TgMessage, bot_username: str, bot_id: int, *,
                        transcribe_all: bool = False) -> bool:
    """Private chats: texts, voice, documents. Groups: a mention, a reply to the bot, /ask; voice only as a
    reply to the bot or where the chat is set to transcribe every voice note."""
    kind = message_kind(message)
    voice = kind is MessageKind.voice
    if message.chat.type == "private":  # texts, voice, and documents (admins add them to the knowledge base)
        return (message.text is not None and not is_command(message)) or _is_ask(message) \
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


def looks_like_command(text: str) -> bool:
    """Whether a text starts with what Telegram treats as a command («/help», "/foo@bot"); «/? как…» is a question."""
    return COMMAND.match(text) is not None


def is_command(message: TgMessage) -> bool:
    """A command as PTB's command handlers see it (Telegram's bot_command entity first), or by its syntax alone."""
    entities = message.entities or ()
    return any(e.type == MessageEntity.BOT_COMMAND and e.offset == 0 for e in entities) \
        or looks_like_command(message.text or "")


def _is_ask(message: TgMessage) -> bool:
    command = (message.text or "").split(maxsplit=1)[0] if message.text else ""
    return command.split("@")[0] == "/ask"


def incoming(update: Update, *, bot_username: str, bot_id: int, transcribe_all: bool) -> Incoming | None:
    """The dialog layer's view of an update's message (None for updates without one)."""
    message = update.effective_message
    if message is None or update.callback_query is not None or message.chat is None:
        return None
    edited = update.edited_message is not None
    user = message.from_user
    return Incoming(
        update_id=update.update_id, chat_id=message.chat.id, chat_type=message.chat.type,
        chat_title=message.chat.title or message.chat.full_name, user_id=user.id if user else None,
        username=user.username if user else None, full_name=user.full_name if user else "",
        language_code=user.language_code if user else None, message_id=message.message_id,
        reply_to=message.reply_to_message.message_id if message.reply_to_message else None,
        kind=message_kind(message), text=message.text or message.caption or "",
        addressed=not edited and is_addressed_to_bot(message, bot_username, bot_id, transcribe_all=transcribe_all),
        edited=edited, sent_at=message.date, raw=update.to_dict(), file=file_info(message))
