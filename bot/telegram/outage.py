"""Bot API outages while polling: a log line per failure, and one notice to the admins once it is back.

A notice sent while the Bot API is down would be lost with it, so none is sent then; the first failure starts
a job that asks ``getMe`` every few seconds and, on the first answer, tells the admins once how long it was down.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from telegram.error import NetworkError

from bot.i18n import t
from bot.ops.alerts import format_duration
from bot.ops.logging import redact
from bot.telegram.context import Context

log = logging.getLogger(__name__)

PROBE_EVERY_S = 5.0
JOB_NAME = "bot-api-outage"


async def polling_failed(context: Context, error: Exception) -> None:
    """PTB could not poll (it retries with back-off itself): note when the outage began and start watching."""
    dk = context.dk
    log.warning("Bot API unreachable while polling: %s", error)
    dk.outage_error = redact(str(error))[:300]
    if dk.outage_since is not None:
        return
    dk.outage_since = datetime.now(UTC)
    if context.job_queue is not None:
        context.job_queue.run_repeating(
            watch_for_recovery,  # type: ignore[arg-type]  # our Context subclass
            interval=PROBE_EVERY_S, first=PROBE_EVERY_S, name=JOB_NAME)


async def watch_for_recovery(context: Context) -> None:
    """Every few seconds during an outage: once ``getMe`` answers, one notice with the downtime, then stop."""
    dk = context.dk
    if dk.outage_since is not None:
        try:
            await context.bot.get_me()
        except NetworkError:  # still down (TimedOut is a NetworkError too)
            return
    since, dk.outage_since = dk.outage_since, None
    if context.job is not None:
        context.job.schedule_removal()
    if since is None:
        return
    down_for = format_duration(datetime.now(UTC) - since)
    log.warning("Bot API reachable again after %s", down_for)
    settings = dk.container.settings
    began = since.astimezone(ZoneInfo(settings.ops.timezone)).strftime("%Y-%m-%d %H:%M:%S %Z")
    await context.container.notifier.notify_admins(
        t("admin_bot_api_back", settings.language, duration=down_for, since=began, error=dk.outage_error))
