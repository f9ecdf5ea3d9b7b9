"""Admin side: notifications to the admin chat, and the /allow /deny /users /stats commands."""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import Session
from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.i18n import t
from bot.settings import Settings, TelegramSettings
from bot.store import repo
from bot.store.db import session_scope
from bot.telegram.context import services

log = logging.getLogger(__name__)


async def notify_admins(bot: Bot, settings: TelegramSettings, text: str,
                        keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Send to the admin chat, or to each admin privately; a failure is logged, never raised."""
    targets = [settings.admin_chat_id] if settings.admin_chat_id is not None else settings.admin_ids
    for chat_id in targets:
        try:
            await bot.send_message(chat_id, text, reply_markup=keyboard)
        except TelegramError as exc:
            log.warning("could not notify admin chat %s: %s", chat_id, exc)


async def admin_guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True for admins; anyone else is told the command is for admins only."""
    dk = services(context)
    user_id = update.effective_user.id if update.effective_user else None
    if dk.access.is_admin(user_id):
        return True
    if update.effective_message:
        await update.effective_message.reply_text(t("admin_only", dk.language(user_id)))
    return False


def set_access(context: ContextTypes.DEFAULT_TYPE, *, user_id: int | None, chat_id: int | None,
               allowed: bool) -> None:
    """Grant or revoke access of a user or a chat (stored)."""
    with session_scope(services(context).container.engine) as session:
        if user_id is not None:
            user = repo.get_or_create_user(session, telegram_id=user_id)
            user.allowed = allowed
            session.add(user)
        if chat_id is not None:
            chat = repo.get_or_create_chat(session, telegram_id=chat_id)
            chat.allowed = allowed
            session.add(chat)


async def _allow_or_deny(update: Update, context: ContextTypes.DEFAULT_TYPE, allowed: bool) -> None:
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    message, lang = update.effective_message, services(context).language(update.effective_user.id)  # type: ignore[union-attr]
    args = context.args or []
    if args and args[0].lstrip("-").isdigit():
        set_access(context, user_id=int(args[0]), chat_id=None, allowed=allowed)
        target = args[0]
    elif message.reply_to_message and message.reply_to_message.from_user:
        set_access(context, user_id=message.reply_to_message.from_user.id, chat_id=None, allowed=allowed)
        target = message.reply_to_message.from_user.full_name
    elif message.chat.type != "private":
        set_access(context, user_id=None, chat_id=message.chat.id, allowed=allowed)
        target = message.chat.title or str(message.chat.id)
    else:
        await message.reply_text(t("allow_usage", lang))
        return
    await message.reply_text(t("allowed" if allowed else "denied", lang, target=target))


async def cmd_allow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/allow <user id> | reply to a user | in a group: this chat."""
    await _allow_or_deny(update, context, True)


async def cmd_deny(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/deny — the reverse of /allow."""
    await _allow_or_deny(update, context, False)


async def cmd_users(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/users — who has access (settings and grants)."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    dk = services(context)
    settings = dk.container.settings.telegram
    with Session(dk.container.engine) as session:
        users, chats = repo.allowed_ids(session)
    all_users = sorted({*settings.allowed_user_ids, *users})
    all_chats = sorted({*settings.allowed_chat_ids, *chats})
    await update.effective_message.reply_text(t(
        "users", dk.language(update.effective_user.id),  # type: ignore[union-attr]
        users=", ".join(map(str, all_users)) or "—", chats=", ".join(map(str, all_chats)) or "—"))


async def cmd_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats — messages, answers by outcome, feedback, requests for a human."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    dk = services(context)
    with Session(dk.container.engine) as session:
        totals = repo.counts(session)
    await update.effective_message.reply_text(t("stats", dk.language(update.effective_user.id),  # type: ignore[union-attr]
                                                **totals))


async def cmd_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/status — GPUs, model server, queues and versions."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    from bot.ops.status import collect_status

    settings = services(context).container.settings
    status = await asyncio.to_thread(collect_status, settings)
    lines = [*status.lines(), await asyncio.to_thread(queue_line, settings)]
    await update.effective_message.reply_text("\n".join(lines))


def queue_line(settings: Settings) -> str:
    """Depth of the transcription queue, or why it cannot be read."""
    from redis import RedisError

    from bot.jobs.queues import stt_queue

    try:
        queue = stt_queue(settings)
        return f"queue {queue.name}: {queue.count} waiting, {queue.started_job_registry.count} running"
    except RedisError as exc:
        return f"queue {settings.stt.queue}: Redis unavailable ({type(exc).__name__})"


async def on_allow_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The «Allow» button under an access request."""
    query = update.callback_query
    assert query is not None and query.data is not None
    dk = services(context)
    if not dk.access.is_admin(query.from_user.id):
        await query.answer(t("admin_only", dk.language(query.from_user.id)), show_alert=True)
        return
    user_id = int(query.data.split(":")[1])
    set_access(context, user_id=user_id, chat_id=None, allowed=True)
    await query.answer(t("allowed", dk.language(query.from_user.id), target=user_id))
    if query.message is not None:
        await query.edit_message_reply_markup(None)
