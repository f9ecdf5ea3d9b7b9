"""Thin handlers: parse the update, call one service, render the reply."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.i18n import t
from bot.ops.logging import redact
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import AnswerRecord, MessageStatus
from bot.telegram.admin import notify_admins
from bot.telegram.answering import answer_stored_question
from bot.telegram.context import services

log = logging.getLogger(__name__)


async def _allowed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Serve allowed users; refuse others politely and tell the admins once per user."""
    dk = services(context)
    user, chat = update.effective_user, update.effective_chat
    if chat is None or dk.access.may_use(user_id=user.id if user else None, chat_id=chat.id):
        return True
    lang = dk.language(user.id if user else None)
    if update.effective_message is not None:
        await update.effective_message.reply_text(t("access_denied", lang))
    if user is not None and user.id not in dk.access_requests_sent:
        dk.access_requests_sent.add(user.id)
        button = InlineKeyboardMarkup([[InlineKeyboardButton(t("btn_allow", lang), callback_data=f"allow:{user.id}")]])
        await notify_admins(context.bot, dk.container.settings.telegram, t(
            "admin_access_request", dk.container.settings.language, who=user.full_name, user_id=user.id,
            chat=chat.title or chat.full_name or chat.id), button)
    return False


async def on_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text (or /ask) addressed to the bot: check access and rate, then answer it."""
    dk = services(context)
    stored, chat = dk.kept(update.update_id)
    if stored is None or chat is None or stored.status not in (MessageStatus.pending, MessageStatus.answering):
        return  # kept only: a group message not addressed to the bot
    user_id = update.effective_user.id if update.effective_user else None
    lang = dk.language(user_id)
    if not await within_limits(update, context, user_id, lang):
        with session_scope(dk.container.engine) as session:
            repo.set_message_status(session, message_id=stored.id or 0, status=MessageStatus.done)
        return
    await answer_stored_question(context.bot, dk, chat=chat, message=stored, lang=lang)


async def within_limits(update: Update, context: ContextTypes.DEFAULT_TYPE, user_id: int | None, lang: str) -> bool:
    """Access and the per-user rate limit, each answered with its own message when refused."""
    if not await _allowed(update, context):
        return False
    dk = services(context)
    if user_id is None or dk.access.is_admin(user_id):
        return True
    wait = dk.limiter.retry_in(user_id)
    if wait and update.effective_message is not None:
        await update.effective_message.reply_text(t("rate_limited", lang, seconds=wait))  # type: ignore[arg-type]
    return wait == 0


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start — what the bot can do."""
    if await _allowed(update, context) and update.effective_message:
        await update.effective_message.reply_text(t("start", services(context).language(_uid(update))))


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help — the commands."""
    if await _allowed(update, context) and update.effective_message:
        await update.effective_message.reply_text(t("help", services(context).language(_uid(update))))


async def cmd_reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reset — forget this chat's conversation memory."""
    if not await _allowed(update, context) or update.effective_chat is None or update.effective_message is None:
        return
    dk = services(context)
    with session_scope(dk.container.engine) as session:
        chat = repo.get_or_create_chat(session, telegram_id=update.effective_chat.id)
        chat.memory_reset_at = update.effective_message.date
        session.add(chat)
    await update.effective_message.reply_text(t("reset_done", dk.language(_uid(update))))


async def cmd_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources — the sources of the last answer in this chat."""
    if not await _allowed(update, context) or update.effective_chat is None or update.effective_message is None:
        return
    dk = services(context)
    lang = dk.language(_uid(update))
    with Session(dk.container.engine) as session:
        chat = repo.get_or_create_chat(session, telegram_id=update.effective_chat.id)
        last = repo.last_answer(session, chat_id=chat.id or 0)
    if last is None or not last.sources:
        await update.effective_message.reply_text(t("no_last_answer", lang))
        return
    lines = [f"[{s['number']}] {s['heading_path'] or s['title']}" for s in last.sources]
    await update.effective_message.reply_text(f"{t('sources', lang)}\n" + "\n".join(lines))


async def cmd_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/lang ru|en — the language of the bot's messages for this user."""
    if not await _allowed(update, context) or update.effective_user is None or update.effective_message is None:
        return
    dk = services(context)
    choice = (context.args or [""])[0].lower()
    if choice not in ("ru", "en"):
        await update.effective_message.reply_text(t("lang_usage", dk.language(_uid(update))))
        return
    with session_scope(dk.container.engine) as session:
        user = repo.get_or_create_user(session, telegram_id=update.effective_user.id)
        user.language = choice
        session.add(user)
    await update.effective_message.reply_text(t("lang_set", choice))  # type: ignore[arg-type]


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not know (private chats)."""
    if update.effective_message:
        await update.effective_message.reply_text(t("unknown_command", services(context).language(_uid(update))))


async def on_unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anything but text in a private chat (stored; voice and documents come later)."""
    if await _allowed(update, context) and update.effective_message:
        await update.effective_message.reply_text(t("unsupported_message", services(context).language(_uid(update))))


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍 / 👎 under an answer."""
    query = update.callback_query
    assert query is not None and query.data is not None
    dk = services(context)
    _, answer_id, value = query.data.split(":")
    with session_scope(dk.container.engine) as session:
        repo.set_feedback(session, answer_id=int(answer_id), value=int(value))
    await query.answer(t("thanks_feedback", dk.language(query.from_user.id)))


async def on_human(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """«Позвать человека»: store the request and announce it in the admin chat."""
    query = update.callback_query
    assert query is not None and query.data is not None
    dk = services(context)
    answer_id = int(query.data.split(":")[1])
    with session_scope(dk.container.engine) as session:
        answer = session.get(AnswerRecord, answer_id)
        chat = repo.get_or_create_chat(session, telegram_id=query.message.chat.id if query.message else 0)
        user = repo.get_or_create_user(session, telegram_id=query.from_user.id, full_name=query.from_user.full_name)
        repo.add_escalation(session, chat_id=chat.id or 0, user_id=user.id, answer_id=answer_id)
        question = answer.question if answer else "?"
        chat_title = chat.title or str(chat.telegram_id)
    lang = dk.language(query.from_user.id)
    await query.answer(t("human_requested", lang))
    if query.message is not None:
        await context.bot.send_message(query.message.chat.id, t("human_requested", lang))
    await notify_admins(context.bot, dk.container.settings.telegram, t(
        "admin_human_request", dk.container.settings.language, who=query.from_user.full_name,
        chat=chat_title, question=question))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one error handler: traceback to the log, a sentence to the user, a summary to admins."""
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
    dk = services(context)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, t("internal_error", dk.language(_uid(update))))
        except Exception:  # noqa: BLE001  # Telegram itself may be what failed; the log has it
            log.warning("could not tell the user about the error")
    summary = redact(f"{type(context.error).__name__}: {context.error}")[:500]
    await notify_admins(context.bot, dk.container.settings.telegram, t(
        "admin_error", dk.container.settings.language, update_id=getattr(update, "update_id", "?"), error=summary))


def _uid(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None
