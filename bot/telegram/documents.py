"""Admins add documents by sending them: download → ingestion job → «Добавлено: N фрагментов»; /docs, /forget."""

from __future__ import annotations

import asyncio
import logging
import re

from redis import RedisError
from telegram import ReplyParameters, Update
from telegram.ext import ContextTypes

from bot.i18n import Lang, t
from bot.jobs.queues import enqueue_ingestion, watch_job
from bot.knowledge.errors import DocumentError
from bot.knowledge.spaces import GLOBAL, chat_space, validate_space
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import Message, MessageStatus
from bot.telegram.admin import admin_guard, notify_admins
from bot.telegram.context import BotServices, services
from bot.telegram.streaming import progress_editor

log = logging.getLogger(__name__)

_SPACE_IN_CAPTION = re.compile(r"(?:space|пространство)\s*[:=]\s*(\S+)", re.IGNORECASE)


def space_from_caption(caption: str | None, chat_id: int) -> str:
    """``space: chat`` → this chat's space, ``space: team:sales`` → that team's; default global."""
    found = _SPACE_IN_CAPTION.search(caption or "")
    if not found:
        return GLOBAL
    value = found.group(1).strip().lower()
    return chat_space(chat_id) if value in ("chat", "чат") else validate_space(value)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document in a private chat: admins add it to the knowledge base, others are told they cannot."""
    dk = services(context)
    message = update.effective_message
    user = update.effective_user
    stored, chat = dk.kept(update.update_id)
    if message is None or message.document is None or user is None or stored is None or chat is None:
        return
    with session_scope(dk.container.engine) as session:
        if not repo.claim_message(session, message_id=stored.id or 0):
            return
    lang = dk.language(user.id)
    try:
        if not dk.access.is_admin(user.id):
            await message.reply_text(t("doc_admins_only", lang))
            return
        await _ingest_upload(update, context, dk, stored, lang)
    finally:
        with session_scope(dk.container.engine) as session:
            repo.set_message_status(session, message_id=stored.id or 0, status=MessageStatus.done)


async def _ingest_upload(update: Update, context: ContextTypes.DEFAULT_TYPE, dk: BotServices, stored: Message,
                         lang: Lang) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None and update.effective_user is not None
    document, settings = message.document, dk.container.settings
    name = document.file_name or f"document-{message.message_id}"
    limit_mb = settings.knowledge.max_file_mb
    reason = "too_large" if (document.file_size or 0) > limit_mb * 2**20 else None
    space = GLOBAL
    if reason is None:
        try:
            space = space_from_caption(message.caption, message.chat.id)
        except DocumentError as exc:
            reason = exc.reason
    if reason is not None:
        await message.reply_text(t("doc_rejected", lang, name=name, why=t(f"doc_reason_{reason}", lang,
                                                                        limit=limit_mb)))
        return
    relative = f"uploads/{message.chat.id}/{message.message_id}-{re.sub(r'[^A-Za-z0-9._-]', '_', name)}"
    target = settings.data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    await (await context.bot.get_file(document.file_id)).download_to_drive(target)
    with session_scope(dk.container.engine) as session:
        row = session.get_one(Message, stored.id)
        row.media_path = relative
        session.add(row)
    progress = await context.bot.send_message(
        message.chat.id, t("doc_progress", lang, name=name),
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True))
    try:
        job = await asyncio.to_thread(enqueue_ingestion, settings, stored.id or 0, space=space, filename=name,
                                      added_by=update.effective_user.full_name)
    except RedisError as exc:
        log.warning("cannot queue ingestion of message %s: %s", stored.id, exc)
        await progress.edit_text(t("voice_queue_down", lang))
        return
    show = progress_editor(progress, settings.telegram.edit_interval_s,
                           lambda percent: t("doc_progress_pct", lang, name=name, percent=percent))
    outcome = await watch_job(job, poll_s=0.3, timeout_s=settings.jobs.ingest_timeout_s * 2 + 60, on_progress=show)
    result = outcome.result or {}
    if not outcome.ok:
        await progress.edit_text(t("doc_failed", lang, name=name))
        await notify_admins(context.bot, settings.telegram, f"⚠️ ingestion of {name!r} failed: {outcome.error}")
        return
    status = result.get("status")
    if status == "rejected":
        text = t("doc_rejected", lang, name=name, why=t(f"doc_reason_{result.get('reason')}", lang, limit=limit_mb))
    else:
        text = t(f"doc_{status}", lang, name=result.get("title") or name, chunks=result.get("chunks"), space=space)
    await progress.edit_text(text)


async def cmd_docs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/docs [space] — the documents: number, name, space, fragments, date, who added."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    dk = services(context)
    lang = dk.language(update.effective_user.id if update.effective_user else None)
    space = context.args[0] if context.args else None
    documents = await asyncio.to_thread(dk.container.ingest.list_documents, space)
    if not documents:
        await update.effective_message.reply_text(t("docs_empty", lang))
        return
    lines = [t("docs_header", lang, count=len(documents))]
    lines += [f"#{d.id} {d.title} — {d.space}, {d.chunks}, {d.added_at:%Y-%m-%d}, {d.added_by or '—'}"
              for d in documents[:50]]
    await update.effective_message.reply_text("\n".join(lines))


async def cmd_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forget <number> — delete a document and its vectors."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    dk = services(context)
    lang = dk.language(update.effective_user.id if update.effective_user else None)
    arg = (context.args or [""])[0].lstrip("#")
    if not arg.isdigit():
        await update.effective_message.reply_text(t("forget_usage", lang))
        return
    try:
        info = await asyncio.to_thread(dk.container.ingest.delete_document, int(arg))
    except DocumentError:
        await update.effective_message.reply_text(t("forget_missing", lang, id=arg))
        return
    await update.effective_message.reply_text(t("forgot", lang, name=info.title, chunks=info.chunks))
