"""Admin commands: /allow, /deny, /users, /stats, /status, and the «Allow» button under access requests."""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, Update
from telegram.error import BadRequest

from bot.dialog import audit
from bot.dialog.ownership import telegram_id
from bot.i18n import t
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
    if args:
        if (parsed := telegram_id(args[0])) is None:
            await message.reply_text(t("allow_bad_id", lang, value=args[0][:40]))
            return
        user_id, target = parsed, args[0]
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
    """/status — GPUs, model server, queues and versions (a view of the health suite)."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    from bot.ops.status import collect_status

    status = await collect_status(context.container)
    await update.effective_message.reply_text("\n".join(status.lines()))


async def on_allow_button(update: Update, context: Context) -> None:
    """The «Allow» button under an access request (admins only; a second tap is told it is done already)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = await language(context, update)
    if not context.container.access.is_admin(query.from_user.id):
        await query.answer(t("admin_only", lang), show_alert=True)
        return
    user_id = telegram_id(query.data.split(":")[1])
    if user_id is None or user_id < 0:
        await query.answer(t("button_stale", lang))
        return
    access = context.container.access
    lock: asyncio.Lock = context.bot_data.setdefault("allow_button_lock", asyncio.Lock())
    async with lock:  # presses are handled concurrently: a double tap must find the first one's grant
        done = user_id in (await access.grants())[0]
        if not done:
            await access.grant(user_id=user_id, allowed=True)
    await query.answer(t("already_allowed" if done else "allowed", lang, target=user_id))
    if query.message is not None:
        await remove_buttons(query)
    if done:
        return
    await grant_and_answer(context, user_id)
    await audit.record(context.container.engine, query.from_user.id, "allow", f"user {user_id}", "button")


async def remove_buttons(query: CallbackQuery) -> None:
    """Take the keyboard off the pressed message; already gone ("message is not modified") is fine."""
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
        log.debug("buttons already removed: %s", exc)
