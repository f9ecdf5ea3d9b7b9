"""/search for admins: the fragments a question retrieves in this chat, with scores and the floor verdict."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.i18n import t
from bot.telegram.admin import admin_guard
from bot.telegram.context import Context
from bot.telegram.handlers import language

log = logging.getLogger(__name__)

# Telegram's message limit is 4096 characters; five fragments with previews fit well within it.
TOP_FRAGMENTS = 5
MAX_CHARS = 4000


async def cmd_search(update: Update, context: Context) -> None:
    """/search <question> — what the answer path retrieves for it in this chat's knowledge spaces."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    message = update.effective_message
    lang = await language(context, update)
    query = " ".join(context.args or []).strip()
    if not query:
        await message.reply_text(t("search_usage", lang))
        return
    from bot.knowledge.search import explain, format_report

    container = context.container
    spaces = container.spaces_for_chat(message.chat.id)
    # Embedding and local Qdrant block: keep them off the event loop.
    report = await asyncio.to_thread(explain, container.index, query, min_score=container.min_score,
                                     top_k=TOP_FRAGMENTS, answer_top_k=container.settings.retrieval.top_k,
                                     spaces=spaces)
    text = "\n".join([t("search_header", lang, query=query, spaces=", ".join(spaces)),
                      *format_report(report, width=120)])
    await message.reply_text(text[:MAX_CHARS])
