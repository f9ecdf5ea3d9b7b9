"""Telegram side of meetings: ``/meet TEXT`` and the ``mt:…`` buttons, both through ``MeetingService``."""

from __future__ import annotations

import logging

from telegram import InputFile, ReplyParameters, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.dialog.meetings import MeetingService, Party, Reply
from bot.i18n import t
from bot.telegram.context import Context
from bot.telegram.handlers import language
from bot.telegram.notifier import keyboard

log = logging.getLogger(__name__)


def register(application: Application) -> None:  # type: ignore[type-arg]  # any context types
    """Add the /meet command and the meeting buttons (before any catch-all command handler)."""
    application.add_handler(CommandHandler("meet", cmd_meet))
    application.add_handler(CallbackQueryHandler(on_meeting_button, pattern=MeetingService.BUTTON_PATTERN))


def meeting_service(context: Context) -> MeetingService:
    """The container's meeting service (it speaks through the notifier attached at build)."""
    return context.container.meetings


def _parties(update: Update) -> tuple[Party, Party]:
    chat, user = update.effective_chat, update.effective_user
    chat_name = (chat.title or chat.full_name or "") if chat else ""
    return Party(chat.id if chat else None, chat_name), Party(user.id if user else None,
                                                              user.full_name if user else "")


async def cmd_meet(update: Update, context: Context) -> None:
    """/meet завтра в 15:00 на полчаса с Ивановым — parse, then a question or free slots."""
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    lang = await language(context, update)
    chat, user = _parties(update)
    reply = await meeting_service(context).start(" ".join(context.args or []), chat, user, lang)
    await send_reply(context, update.effective_chat.id, reply, reply_to=message.message_id)


async def on_meeting_button(update: Update, context: Context) -> None:
    """A meeting button: the pressed keyboard is removed (no double booking by a second tap), then the reply."""
    query = update.callback_query
    if query is None or query.data is None or update.effective_chat is None:
        return
    lang = await language(context, update)
    chat, user = _parties(update)
    reply = await meeting_service(context).on_button(query.data, chat, user, lang)
    if reply is None or reply.toast:  # malformed data, another chat's draft, someone else's buttons
        await query.answer(reply.text if reply is not None else t("button_stale", lang))
        return
    await query.answer()
    if query.message is not None and reply.spent:
        try:
            await context.bot.edit_message_reply_markup(update.effective_chat.id, query.message.message_id,
                                                        reply_markup=None)
        except TelegramError as exc:  # already edited, or too old to edit: the new reply still goes out
            log.debug("could not remove the meeting keyboard: %s", exc)
    await send_reply(context, update.effective_chat.id, reply)


async def send_reply(context: Context, chat_id: int, reply: Reply, *,
                     reply_to: int | None = None) -> None:
    """A meeting reply as a message, or as a document whose caption is the text."""
    markup = keyboard(reply.buttons)
    if reply.attachment is not None:
        file = InputFile(reply.attachment.data, filename=reply.attachment.filename)
        await context.bot.send_document(chat_id, file, caption=reply.text[:1024], reply_markup=markup)
    else:
        reply_parameters = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        await context.bot.send_message(chat_id, reply.text, reply_markup=markup, reply_parameters=reply_parameters)
