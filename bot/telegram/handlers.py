"""Thin handlers: parse the update, call one dialog service, render the reply."""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update
from telegram.error import NetworkError
from telegram.ext import ApplicationHandlerStop

from bot.dialog.inbox import CLAIMED
from bot.dialog.messages import Kept, MessageKind, MessageStatus
from bot.dialog.notify import Button, Notifier
from bot.dialog.ownership import AnswerRef, find_answer
from bot.i18n import Lang, t
from bot.ops.logging import redact
from bot.telegram import outage
from bot.telegram.channel import TelegramChannel
from bot.telegram.context import BotServices, Context
from bot.telegram.menu import help_text
from bot.telegram.parse import file_id, incoming, is_command

log = logging.getLogger(__name__)


async def language(context: Context, update: Update) -> Lang:
    """The language to speak to this update's user in."""
    user = update.effective_user
    return await context.container.access.language(user.id if user else None, user.language_code if user else None)


def channel_for(bot: Bot, dk: BotServices, kept: Kept, lang: Lang, *, file: str | None = None) -> TelegramChannel:
    """The channel that replies to a kept message in its chat."""
    settings = dk.container.settings.telegram
    group = kept.chat_type != "private"
    drafts = dk.drafts if settings.stream == "auto" and not group else None
    # A late answer is a new message (edits notify nobody), and so is every answer streamed by drafts: the
    # message left by the earlier attempt is tidied away. Otherwise an interrupted answer's message is reused.
    fresh = kept.deferred or drafts is not None
    owed = kept.status in (MessageStatus.pending, MessageStatus.answering)  # never touch a finished answer
    old = kept.reply_telegram_id if owed else None
    return TelegramChannel(bot, chat_id=kept.chat_id, reply_to=kept.telegram_message_id, lang=lang, pacer=dk.pacer,
                           edit_interval_s=settings.group_edit_interval_s if group else settings.edit_interval_s,
                           file_id=file, reuse_message_id=None if fresh else old,
                           tidy_message_id=old if fresh else None, drafts=drafts,
                           draft_interval_s=settings.draft_interval_s, group=group,
                           group_buttons=settings.group_feedback_buttons, late=kept.deferred and owed)


async def gate(update: Update, context: Context) -> None:
    """Group −1: keep the update's message, then enforce access and the rate limit for anything addressed to us."""
    dk, bot = context.dk, context.bot
    if update.callback_query is not None:
        if not await _may_press(update, context):
            raise ApplicationHandlerStop
        return
    transcribe_all = bool(update.effective_chat and update.effective_chat.id
                          in dk.container.settings.stt.transcribe_all_chat_ids)
    parsed = incoming(update, bot_username=bot.username, bot_id=bot.id, transcribe_all=transcribe_all)
    if parsed is None:
        return
    kept = await dk.container.inbox.keep(parsed)
    if kept.duplicate and kept.status in (MessageStatus.kept, MessageStatus.done, MessageStatus.held) \
            and CLAIMED.get() != kept.id:  # a dialog process runs an update an ingress kept: not a repeat
        raise ApplicationHandlerStop  # a repeated delivery of something already handled
    context.kept = kept
    if not parsed.addressed and not (update.effective_message and is_command(update.effective_message)):
        return  # kept only: a group message not addressed to the bot
    if not await _allowed(update, context, kept):
        raise ApplicationHandlerStop
    if parsed.addressed and kept.kind is not MessageKind.document and not await _within_rate(update, context, kept):
        raise ApplicationHandlerStop


async def _may_press(update: Update, context: Context) -> bool:
    """A button press counts only from someone who may use the bot in that chat; others get a toast, nothing more."""
    query = update.callback_query
    assert query is not None
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    if await context.container.access.may_use(user_id=query.from_user.id, chat_id=chat_id):
        return True
    await query.answer(t("button_no_access", await language(context, update)))
    return False


async def _allowed(update: Update, context: Context, kept: Kept) -> bool:
    """Serve allowed users; refuse others politely, hold their question and tell the admins once per user."""
    dk = context.dk
    access = dk.container.access
    if await access.may_use(user_id=kept.user_id, chat_id=kept.chat_id):
        return True
    lang = await language(context, update)
    if update.effective_message is not None:
        await update.effective_message.reply_text(t("access_denied", lang))
    if kept.status is MessageStatus.pending:
        await dk.container.inbox.set_status(kept, MessageStatus.held)  # answered once access is granted
    user = update.effective_user
    if user is not None and user.id not in dk.access_requests_sent:
        dk.access_requests_sent.add(user.id)
        await notifier(context).notify_admins(t(
            "admin_access_request", dk.container.settings.language, who=user.full_name, user_id=user.id,
            chat=kept.chat_title or kept.chat_id), buttons=[[Button(t("btn_allow", lang), f"allow:{user.id}")]])
    return False


async def _within_rate(update: Update, context: Context, kept: Kept) -> bool:
    dk = context.dk
    if kept.user_id is None or dk.container.access.is_admin(kept.user_id):
        return True
    wait = await dk.limiter.acquire(kept.user_id)
    if wait and update.effective_message is not None:
        await update.effective_message.reply_text(t("rate_limited", await language(context, update), seconds=wait))
        await dk.container.inbox.set_status(kept, MessageStatus.done)
    return wait == 0


def notifier(context: Context) -> Notifier:
    """Admin notices and messages to chats through this application's bot (attached once at build)."""
    return context.container.notifier


async def on_message(update: Update, context: Context) -> None:
    """A text, /ask, voice note or document addressed to the bot: one trip through the dialog pipeline."""
    kept = context.kept
    if kept is None or kept.status not in (MessageStatus.pending, MessageStatus.answering):
        return  # kept only: a group message not addressed to the bot
    message = update.effective_message
    channel = channel_for(context.bot, context.dk, kept, await language(context, update),
                          file=file_id(message) if message else None)
    await context.container.inbox.process(kept, channel)


async def cmd_start(update: Update, context: Context) -> None:
    """/start — what the bot can do."""
    if update.effective_message:
        await update.effective_message.reply_text(t("start", await language(context, update)))


async def cmd_help(update: Update, context: Context) -> None:
    """/help — the commands (admins also see theirs, as in their menu)."""
    if update.effective_message:
        user = update.effective_user
        admin = context.container.access.is_admin(user.id if user else None)
        await update.effective_message.reply_text(help_text(await language(context, update), admin=admin))


async def cmd_reset(update: Update, context: Context) -> None:
    """/reset — forget this chat's conversation memory and last sources."""
    message = update.effective_message
    if message is not None:
        await context.container.conversations.reset(message.chat.id, message.date)
        await message.reply_text(t("reset_done", await language(context, update)))


async def cmd_sources(update: Update, context: Context) -> None:
    """/sources — the sources of the last answer in this chat."""
    message = update.effective_message
    if message is None:
        return
    lang = await language(context, update)
    lines = await context.container.conversations.last_sources(message.chat.id)
    await message.reply_text(f"{t('sources', lang)}\n" + "\n".join(lines) if lines else t("no_last_answer", lang))


async def cmd_lang(update: Update, context: Context) -> None:
    """/lang ru|en — the language of the bot's messages for this user."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    choice = (context.args or [""])[0].lower()
    if choice not in ("ru", "en"):
        await message.reply_text(t("lang_usage", await language(context, update)))
        return
    await context.container.access.set_language(user.id, choice)  # type: ignore[arg-type]  # checked above
    await message.reply_text(t("lang_set", choice))  # type: ignore[arg-type]  # as above


async def on_unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not know (private chats)."""
    if update.effective_message:
        await update.effective_message.reply_text(t("unknown_command", await language(context, update)))


async def on_unsupported(update: Update, context: Context) -> None:
    """Anything the bot cannot read in a private chat (stickers, photos…): kept, and the user told."""
    if update.effective_message:
        await update.effective_message.reply_text(t("unsupported_message", await language(context, update)))
    if context.kept is not None:
        await context.container.inbox.set_status(context.kept, MessageStatus.done)


async def pressed_answer(update: Update, context: Context, raw_id: str) -> AnswerRef | None:
    """The answer a 👍/👎/«Позвать человека» button names, if the presser may act on it; else a toast and None."""
    query = update.callback_query
    assert query is not None
    answer = await find_answer(context.container.engine, raw_id)
    if answer is None or query.message is None:
        await query.answer(t("button_stale", await language(context, update)))
        return None
    if not answer.pressable_by(chat_id=query.message.chat.id, user_id=query.from_user.id):
        log.warning("user %s pressed a button of answer %s outside its chat or asker", query.from_user.id,
                    answer.answer_id)
        await query.answer(t("button_not_yours", await language(context, update)))
        return None
    return answer


async def on_feedback(update: Update, context: Context) -> None:
    """👍 / 👎 under an answer (only by whom it may concern: see ``bot.dialog.ownership``)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    _, raw_id, value = query.data.split(":")
    answer = await pressed_answer(update, context, raw_id)
    if answer is None:
        return
    lang = await language(context, update)
    if not await context.container.conversations.feedback(answer.answer_id, int(value)):
        await query.answer(t("button_stale", lang))
        return
    await query.answer(t("thanks_feedback", lang))
    if int(value) < 0 and query.message is not None:  # 👎: offer the hand-off right there
        await notifier(context).send(query.message.chat.id, t("offer_human", lang), reply_to=query.message.message_id,
                                     buttons=[[Button(t("btn_human", lang), f"human:{answer.answer_id}")]])


async def on_human(update: Update, context: Context) -> None:
    """«Позвать человека» under an answer: the same hand-off as asking for a human in words, for the presser."""
    query = update.callback_query
    assert query is not None and query.data is not None
    answer = await pressed_answer(update, context, query.data.split(":")[1])
    if answer is None:
        return
    container, lang = context.container, await language(context, update)
    await query.answer()  # at once: the escalation may wait some seconds for the ticket number
    presser = query.from_user
    kept = replace(await container.inbox.kept_by_id(answer.message_id), user_id=presser.id,
                   user_name=presser.full_name, username=presser.username)  # in groups: whoever pressed asks
    await container.inbox.hand_off(kept, channel_for(context.bot, context.dk, kept, lang), source="button",
                                   answer_id=answer.answer_id)


async def on_stale_button(update: Update, context: Context) -> None:
    """Any other button (forged, or from an older version of the bot): answered, so the client stops spinning."""
    if update.callback_query is not None:
        await update.callback_query.answer(t("button_stale", await language(context, update)))


async def on_error(update: object, context: Context) -> None:
    """The one error handler: traceback to the log, a sentence to the user, a summary to admins."""
    error, dk = context.error, context.dk
    if update is None and isinstance(error, NetworkError):  # TimedOut is one too
        await outage.polling_failed(context, error)  # the Bot API is unreachable while polling: admins hear later
        return
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=error)
    if isinstance(update, Update):
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(t("button_stale", await language(context, update)))
            except Exception:  # noqa: BLE001  # already answered, or Telegram is what failed
                log.debug("callback query already answered")
        elif update.effective_chat is not None:
            try:
                await context.bot.send_message(update.effective_chat.id,
                                               t("internal_error", await language(context, update)))
            except Exception:  # noqa: BLE001  # Telegram itself may be what failed; the log has it
                log.warning("could not tell the user about the error")
    # Database errors carry SQL and values: admins get the class only, the log has the rest.
    detail = "" if isinstance(error, SQLAlchemyError) else (str(error).splitlines() or [""])[0]
    summary = redact(f"{type(error).__name__}: {detail}")[:300]
    await notifier(context).notify_admins(t(
        "admin_error", dk.container.settings.language, update_id=getattr(update, "update_id", "?"), error=summary))
