"""Admin commands: /allow, /deny, /users, /stats, /status, and the «Allow» button under access requests."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.dialog import audit
from bot.i18n import t
from bot.settings import Settings
from bot.telegram.context import Context
from bot.telegram.handlers import channel_for, language

log = logging.getLogger(__name__)


async def admin_guard(update: Update, context: Context) -> bool:
    """True for admins; anyone else is told the command is for admins only."""
    user_id = update.effective_user.id if update.effective_user else None
    if context.container.access.is_admin(user_id):
        return True
    if update.effective_message:
        await update.effective_message.reply_text(t("admin_only", await language(context, update)))
    return False


async def grant_and_answer(context: Context, user_id: int) -> None:
    """Grant a user access, tell them, and answer the questions they were refused."""
    container, bot = context.container, context.bot
    await container.access.grant(user_id=user_id, allowed=True)
    held = await container.inbox.release_held(user_id)
    lang = await container.access.language(user_id, held[0].language_code if held else None)
    await bot.send_message(user_id, t("access_granted_user" if held else "access_granted_hello", lang))
    for kept in held:
        lang = await container.access.language(user_id, kept.language_code)
        await container.inbox.process(kept, channel_for(bot, context.dk, kept, lang))


async def _allow_or_deny(update: Update, context: Context, allowed: bool) -> None:
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    message, lang, access = update.effective_message, await language(context, update), context.container.access
    args = context.args or []
    if args and args[0].lstrip("-").isdigit():
        user_id, target = int(args[0]), args[0]
    elif message.reply_to_message and message.reply_to_message.from_user:
        user_id, target = message.reply_to_message.from_user.id, message.reply_to_message.from_user.full_name
    elif message.chat.type != "private":
        await access.grant(chat_id=message.chat.id, allowed=allowed)
        await _audit(update, context, allowed, f"chat {message.chat.id}")
        await message.reply_text(t("allowed" if allowed else "denied", lang, target=message.chat.title))
        return
    else:
        await message.reply_text(t("allow_usage", lang))
        return
    await message.reply_text(t("allowed" if allowed else "denied", lang, target=target))
    if allowed and user_id > 0:
        await grant_and_answer(context, user_id)
    else:
        await access.grant(user_id=user_id, allowed=allowed)
    await _audit(update, context, allowed, f"user {user_id}")


async def _audit(update: Update, context: Context, allowed: bool, target: str) -> None:
    actor = update.effective_user.id if update.effective_user else None
    await audit.record(context.container.engine, actor, "allow" if allowed else "deny", target)


async def cmd_allow(update: Update, context: Context) -> None:
    """/allow <user id> | reply to a user | in a group: this chat."""
    await _allow_or_deny(update, context, True)


async def cmd_deny(update: Update, context: Context) -> None:
    """/deny — the reverse of /allow."""
    await _allow_or_deny(update, context, False)


async def cmd_users(update: Update, context: Context) -> None:
    """/users — who has access (settings and grants)."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    users, chats = await context.container.access.grants()
    await update.effective_message.reply_text(t(
        "users", await language(context, update),
        users=", ".join(map(str, users)) or "—", chats=", ".join(map(str, chats)) or "—"))


async def cmd_stats(update: Update, context: Context) -> None:
    """/stats — messages, answers by outcome, feedback, requests for a human."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    totals = await context.container.conversations.totals()
    await update.effective_message.reply_text(t("stats", await language(context, update), **totals))


async def cmd_status(update: Update, context: Context) -> None:
    """/status — GPUs, model server, queues and versions."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    from bot.ops.status import collect_status

    settings = context.container.settings
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


async def on_allow_button(update: Update, context: Context) -> None:
    """The «Allow» button under an access request."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = await language(context, update)
    if not context.container.access.is_admin(query.from_user.id):
        await query.answer(t("admin_only", lang), show_alert=True)
        return
    user_id = int(query.data.split(":")[1])
    await query.answer(t("allowed", lang, target=user_id))
    if query.message is not None:
        await query.edit_message_reply_markup(None)
    await grant_and_answer(context, user_id)
    await audit.record(context.container.engine, query.from_user.id, "allow", f"user {user_id}", "button")
