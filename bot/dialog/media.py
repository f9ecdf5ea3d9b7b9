"""Messages that carry files: voice notes are transcribed on a worker, admins' documents are ingested.

Both run as RQ jobs and report progress through the channel's status line. When Redis is down the message stays
pending (the user is told once, in words that fit what they sent) and is handled when the queue is back.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from bot.dialog import audit
from bot.dialog.channel import Channel
from bot.dialog.jobs import QueueUnavailable
from bot.i18n import t
from bot.knowledge.errors import DocumentError
from bot.knowledge.loaders import check_upload_type
from bot.knowledge.spaces import GLOBAL, chat_space, validate_space
from bot.store.models import MessageStatus, utcnow

if TYPE_CHECKING:
    from bot.dialog.messages import Kept, Pipeline

log = logging.getLogger(__name__)

SUFFIXES = {"audio/ogg": ".ogg", "audio/opus": ".ogg", "audio/mpeg": ".mp3", "audio/mp3": ".mp3",
            "audio/mp4": ".m4a", "audio/x-m4a": ".m4a", "audio/m4a": ".m4a", "audio/wav": ".wav",
            "audio/x-wav": ".wav", "audio/wave": ".wav"}
_SPACE_IN_CAPTION = re.compile(r"(?:space|пространство)\s*[:=]\s*(\S+)", re.IGNORECASE)


def space_from_caption(caption: str | None, chat_id: int) -> str:
    """``space: chat`` → this chat's space, ``space: team:sales`` → that team's; default global."""
    found = _SPACE_IN_CAPTION.search(caption or "")
    if not found:
        return GLOBAL
    value = found.group(1).strip().lower()
    return chat_space(chat_id) if value in ("chat", "чат") else validate_space(value)


def _mb(size: int | None) -> float:
    return round((size or 0) / 2**20, 1)


async def _fetch(inbox: Pipeline, kept: Kept, channel: Channel, relative: str) -> bool:
    """Download the message's file into the data directory once; False when the transport refused."""
    if kept.media_path:
        return True
    target = inbox.settings.data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not await channel.download(target):
        return False
    await inbox.note(kept, media_path=relative)
    return True


async def transcribe(inbox: Pipeline, kept: Kept, channel: Channel) -> tuple[MessageStatus, str | None]:
    """Transcribe a voice note: (status, transcript) — no transcript when the user was told why."""
    settings = inbox.settings
    lang, limit_mb = channel.lang, settings.stt.max_file_mb
    size = kept.file.size if kept.file else None
    if not kept.media_path and (size or 0) > limit_mb * 2**20:
        await channel.say(t("voice_too_big", lang, size=_mb(size), limit=limit_mb))
        return MessageStatus.done, None
    suffix = SUFFIXES.get((kept.file.mime_type if kept.file else None) or "", ".ogg")
    relative = f"media/{kept.chat_id}/{kept.telegram_message_id or kept.id}{suffix}"  # relative to the data dir
    if not await _fetch(inbox, kept, channel, relative):
        await channel.say(t("voice_too_big", lang, size="> 20", limit=limit_mb))
        return MessageStatus.done, None
    try:
        job = await inbox.jobs.transcribe(kept.id)
    except QueueUnavailable as exc:
        log.warning("cannot queue transcription of message %s: %s", kept.id, exc)
        await _deferred(inbox, kept, channel, t("voice_queue_down", lang))
        return MessageStatus.pending, None
    progress = await channel.status(t("voice_progress", lang))
    cfg = settings.stt
    outcome = await inbox.jobs.watch(
        job, poll_s=cfg.poll_interval_s, timeout_s=cfg.job_timeout_s * (cfg.retries + 1) + 300,
        on_progress=lambda f: progress.update(t("voice_progress_pct", lang, percent=int(f * 100))))
    result = outcome.result or {}
    if not outcome.ok:
        await progress.update(t("voice_failed", lang), final=True)
        await inbox.notifier.notify_admins(t("admin_voice_failed", settings.language, message_id=kept.id,
                                             error=outcome.error))
        return MessageStatus.done, None
    if result.get("status") != "ok":
        key = "voice_corrupt" if result.get("status") == "corrupt" else "voice_no_speech"
        await progress.update(t(key, lang), final=True)
        return MessageStatus.done, None
    await progress.update(t("voice_transcript", lang, text=result["text"]), final=True)
    return MessageStatus.done, str(result["text"])


async def ingest_upload(inbox: Pipeline, kept: Kept, channel: Channel) -> MessageStatus:
    """An admin's document into the knowledge base; anyone else is told they cannot add documents."""
    lang = channel.lang
    if not inbox.is_admin(kept.user_id):
        await channel.say(t("doc_admins_only", lang))
        return MessageStatus.done
    settings = inbox.settings
    name = (kept.file.name if kept.file else None) or f"document-{kept.telegram_message_id or kept.id}"
    limit_mb = settings.knowledge.max_file_mb
    size = kept.file.size if kept.file else None
    reason = "too_large" if not kept.media_path and (size or 0) > limit_mb * 2**20 else None
    space = GLOBAL
    if reason is None:
        try:  # the type by name and MIME type before anything is downloaded
            check_upload_type(name, kept.file.mime_type if kept.file else None)
            space = space_from_caption(kept.text, kept.chat_id)
        except DocumentError as exc:
            reason = exc.reason
    if reason is not None:
        await channel.say(t("doc_rejected", lang, name=name, why=t(f"doc_reason_{reason}", lang, limit=limit_mb)))
        return MessageStatus.done
    relative = f"uploads/{kept.chat_id}/{kept.telegram_message_id or kept.id}-{re.sub(r'[^A-Za-z0-9._-]', '_', name)}"
    if not await _fetch(inbox, kept, channel, relative):
        await channel.say(t("doc_rejected", lang, name=name, why=t("doc_reason_too_large", lang, limit=limit_mb)))
        return MessageStatus.done
    try:
        job = await inbox.jobs.ingest(kept.id, space=space, filename=name, added_by=kept.user_name)
    except QueueUnavailable as exc:
        log.warning("cannot queue ingestion of message %s: %s", kept.id, exc)
        await _deferred(inbox, kept, channel, t("doc_queue_down", lang))
        return MessageStatus.pending
    progress = await channel.status(t("doc_progress", lang, name=name))
    outcome = await inbox.jobs.watch(job, poll_s=0.3, timeout_s=settings.jobs.ingest_timeout_s * 2 + 60,
                              on_progress=lambda f: progress.update(t("doc_progress_pct", lang, name=name,
                                                                      percent=int(f * 100))))
    result = outcome.result or {}
    if not outcome.ok:
        await progress.update(t("doc_failed", lang, name=name), final=True)
        await inbox.notifier.notify_admins(f"⚠️ ingestion of {name!r} failed: {outcome.error}")
        return MessageStatus.done
    status = result.get("status")
    if status == "rejected":
        text = t("doc_rejected", lang, name=name, why=t(f"doc_reason_{result.get('reason')}", lang, limit=limit_mb))
    else:
        text = t(f"doc_{status}", lang, name=result.get("title") or name, chunks=result.get("chunks"), space=space)
        if status in ("added", "replaced"):
            await audit.record(inbox.engine, kept.user_id, f"document_{status}",
                               f"#{result.get('document_id')} {result.get('title') or name}", space)
    await progress.update(text, final=True)
    return MessageStatus.done


async def _deferred(inbox: Pipeline, kept: Kept, channel: Channel, text: str) -> None:
    """Tell the user once that the message waits for the queue, and mark it for the retry job."""
    notice = None if kept.deferred else await channel.say(text)
    # The notice is tidied away when the late answer arrives as a new message (edits notify nobody).
    await inbox.note(kept, deferred_at=utcnow(), **({"reply_telegram_id": notice} if notice else {}))
