"""Admins' knowledge-base commands: /docs and /forget (uploads go through the dialog pipeline)."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.dialog import audit
from bot.i18n import t
from bot.knowledge.errors import DocumentError
from bot.telegram.admin import admin_guard
from bot.telegram.context import Context
from bot.telegram.handlers import language


async def cmd_docs(update: Update, context: Context) -> None:
    """/docs [space] — the documents: number, name, space, fragments, date, who added."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    container, lang = context.container, await language(context, update)
    space = context.args[0] if context.args else None
    documents = await asyncio.to_thread(container.ingest.list_documents, space)
    if not documents:
        await update.effective_message.reply_text(t("docs_empty", lang))
        return
    lines = [t("docs_header", lang, count=len(documents))]
    lines += [f"#{d.id} {d.title} — {d.space}, {d.chunks}, {d.added_at:%Y-%m-%d}, {d.added_by or '—'}"
              for d in documents[:50]]
    await update.effective_message.reply_text("\n".join(lines))


async def cmd_forget(update: Update, context: Context) -> None:
    """/forget <number> — delete a document and its vectors."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    container, lang = context.container, await language(context, update)
    arg = (context.args or [""])[0].lstrip("#")
    if not arg.isdigit():
        await update.effective_message.reply_text(t("forget_usage", lang))
        return
    try:
        info = await asyncio.to_thread(container.ingest.delete_document, int(arg))
    except DocumentError:
        await update.effective_message.reply_text(t("forget_missing", lang, id=arg))
        return
    await audit.record(container.engine, update.effective_user.id if update.effective_user else None,
                       "document_forgotten", f"#{info.id} {info.title}", info.space)
    await update.effective_message.reply_text(t("forgot", lang, name=info.title, chunks=info.chunks))
