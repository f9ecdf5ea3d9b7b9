"""Voice notes and audio files: download → transcription job on the worker → «🎤 …» → answer."""

from __future__ import annotations

import asyncio
import logging

from redis import RedisError
from telegram import Bot, ReplyParameters, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.i18n import Lang, t
from bot.jobs.queues import enqueue_transcription, watch_job
from bot.jobs.voice import audio_path
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import Chat, Message, MessageStatus
from bot.telegram.admin import notify_admins
from bot.telegram.answering import stream_answer
from bot.telegram.context import BotServices, services
from bot.telegram.handlers import within_limits
from bot.telegram.streaming import progress_editor

log = logging.getLogger(__name__)

SUFFIXES = {"audio/ogg": ".ogg", "audio/opus": ".ogg", "audio/mpeg": ".mp3", "audio/mp3": ".mp3",
            "audio/mp4": ".m4a", "audio/x-m4a": ".m4a", "audio/m4a": ".m4a", "audio/wav": ".wav",
            "audio/x-wav": ".wav", "audio/wave": ".wav"}


async def on_voice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A voice note or audio file addressed to the bot: check it, download it, transcribe and answer."""
    dk = services(context)
    tg_message = update.effective_message
    stored, chat = dk.kept(update.update_id)
    if tg_message is None or stored is None or chat is None or stored.status != MessageStatus.pending:
        return
    user_id = update.effective_user.id if update.effective_user else None
    lang = dk.language(user_id)
    if not await within_limits(update, context, user_id, lang):
        _set_status(dk, stored, MessageStatus.done)
        return
    media = tg_message.voice or tg_message.audio or tg_message.document
    assert media is not None
    limit_mb = dk.container.settings.stt.max_file_mb
    if (media.file_size or 0) > limit_mb * 1024 * 1024:
        await tg_message.reply_text(t("voice_too_big", lang, size=round((media.file_size or 0) / 2**20, 1),
                                      limit=limit_mb))
        _set_status(dk, stored, MessageStatus.done)
        return
    relative = audio_path(chat.telegram_id, tg_message.message_id, SUFFIXES.get(media.mime_type or "", ".ogg"))
    target = dk.container.settings.data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        telegram_file = await context.bot.get_file(media.file_id)
        await telegram_file.download_to_drive(target)
    except BadRequest as exc:  # "file is too big": over the Bot API server's download limit
        log.warning("download of message %s refused: %s", stored.id, exc)
        await tg_message.reply_text(t("voice_too_big", lang, size="> 20", limit=limit_mb))
        _set_status(dk, stored, MessageStatus.done)
        return
    with session_scope(dk.container.engine) as session:
        row = session.get_one(Message, stored.id)
        row.media_path = str(relative)
        session.add(row)
    stored.media_path = str(relative)
    await transcribe_and_answer(context.bot, dk, chat=chat, message=stored, lang=lang)


async def transcribe_and_answer(bot: Bot, dk: BotServices, *, chat: Chat, message: Message, lang: Lang) -> None:
    """Claim the voice message, run its transcription job, show the transcript, answer it."""
    assert message.id is not None
    with session_scope(dk.container.engine) as session:
        if not repo.claim_message(session, message_id=message.id):
            return
    final_status = MessageStatus.done
    try:
        final_status = await _transcribe_then_answer(bot, dk, chat=chat, message=message, lang=lang)
    finally:
        _set_status(dk, message, final_status)


async def _transcribe_then_answer(bot: Bot, dk: BotServices, *, chat: Chat, message: Message,
                                  lang: Lang) -> MessageStatus:
    settings = dk.container.settings
    reply = ReplyParameters(message.telegram_message_id, allow_sending_without_reply=True) \
        if message.telegram_message_id else None
    progress = await bot.send_message(chat.telegram_id, t("voice_progress", lang), reply_parameters=reply)
    try:
        job = await asyncio.to_thread(enqueue_transcription, settings, message.id or 0)
    except RedisError as exc:
        log.warning("cannot queue transcription of message %s: %s", message.id, exc)
        await progress.edit_text(t("voice_queue_down", lang))
        return MessageStatus.pending  # answered once the queue is back (at the next start)
    show_progress = progress_editor(progress, settings.telegram.edit_interval_s,
                                    lambda percent: t("voice_progress_pct", lang, percent=percent))
    cfg = settings.stt
    outcome = await watch_job(job, poll_s=cfg.poll_interval_s, on_progress=show_progress,
                              timeout_s=cfg.job_timeout_s * (cfg.retries + 1) + 300)
    result = outcome.result or {}
    if not outcome.ok:
        await progress.edit_text(t("voice_failed", lang))
        await notify_admins(bot, settings.telegram, t("admin_voice_failed", settings.language,
                                                      message_id=message.id, error=outcome.error))
        return MessageStatus.done
    if result.get("status") != "ok":
        await progress.edit_text(t("voice_corrupt" if result.get("status") == "corrupt" else "voice_no_speech", lang))
        return MessageStatus.done
    await progress.edit_text(t("voice_transcript", lang, text=result["text"]))
    message.text = result["text"]
    await stream_answer(bot, dk, chat=chat, message=message, lang=lang)
    return MessageStatus.done


def _set_status(dk: BotServices, message: Message, status: MessageStatus) -> None:
    with session_scope(dk.container.engine) as session:
        repo.set_message_status(session, message_id=message.id or 0, status=status)
