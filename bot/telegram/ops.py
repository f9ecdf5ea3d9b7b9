"""Operations in Telegram: /health, /unanswered, /audit for admins, and the scheduled ops jobs.

``register(application)`` adds everything: the commands, a first handler that tags each update's log
lines with its ``update_id``, the health round every DK_OPS__HEALTH_INTERVAL_S, the nightly report at
DK_OPS__REPORT_TIME in DK_OPS__TIMEZONE, and the catch-up of a report missed while the bot was down.
"""

from __future__ import annotations

import html
import logging
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, TypeHandler

from bot.dialog import audit
from bot.dialog.notify import Notifier
from bot.i18n import t
from bot.ops.health import HealthMonitor, run_checks
from bot.ops.logging import bind_update
from bot.ops.report import send_if_due
from bot.ops.unanswered import unanswered_groups
from bot.telegram.admin import admin_guard
from bot.telegram.context import Context
from bot.telegram.handlers import language

log = logging.getLogger(__name__)

MONITOR_KEY = "ops_monitor"
UNANSWERED_SHOWN = 15
MESSAGE_LIMIT = 4000  # under Telegram's 4096, leaving room for the <pre> tags


def register(application: Application) -> None:  # type: ignore[type-arg]  # any context types
    """Add the ops commands and schedule the health round, the nightly report and its catch-up."""
    application.add_handler(TypeHandler(Update, tag_update), group=-2)
    for name, callback in (("health", cmd_health), ("unanswered", cmd_unanswered), ("audit", cmd_audit)):
        application.add_handler(CommandHandler(name, callback))
    jobs = application.job_queue
    if jobs is None:  # PTB installed without its job-queue extra
        log.warning("no job queue: health alerts and the nightly report are off")
        return
    ops = application.bot_data["services"].container.settings.ops
    hour, minute = map(int, ops.report_time.split(":"))
    jobs.run_repeating(health_job, interval=ops.health_interval_s, first=5, name="ops-health")
    jobs.run_daily(report_job, time=time(hour, minute, tzinfo=ZoneInfo(ops.timezone)), name="ops-report")
    jobs.run_once(catch_up_job, when=3, name="ops-report-catch-up")


async def tag_update(update: Update, context: Context) -> None:
    """Bind the update id to this update's log lines (each update runs in its own task)."""
    bind_update(update.update_id)


def _notifier(context: Context) -> Notifier:
    return context.dk.container.notifier


def monitor(context: Context) -> HealthMonitor:
    """The application's health monitor (its alert state lives in the database, and in memory meanwhile)."""
    data: dict[str, Any] = context.bot_data
    if MONITOR_KEY not in data:
        data[MONITOR_KEY] = HealthMonitor(context.dk.container, _notifier(context))
    return data[MONITOR_KEY]  # type: ignore[no-any-return]


async def health_job(context: Context) -> None:
    """One scheduled health round: alerts only on change."""
    report, _ = await monitor(context).round()
    log.info("health round: %s in %.0f ms", "all OK" if report.ok else f"down: {report.down}",
             report.seconds * 1000)


async def report_job(context: Context) -> None:
    """The nightly report at DK_OPS__REPORT_TIME."""
    await send_if_due(context.dk.container, _notifier(context))


async def catch_up_job(context: Context) -> None:
    """At start: the report of a day whose report time passed while the bot was down."""
    day = await send_if_due(context.dk.container, _notifier(context), catch_up=True)
    if day is not None:
        log.info("sent the missed report of %s", day)


async def _reply_pre(update: Update, title: str, body: str) -> None:
    assert update.effective_message is not None
    text = f"{html.escape(title)}\n<pre>{html.escape(body[:MESSAGE_LIMIT])}</pre>"
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


async def cmd_health(update: Update, context: Context) -> None:
    """/health — every check now, as a table."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    dk = context.dk
    report = await run_checks(dk.container)
    await _reply_pre(update, t("ops_health_title", await language(context, update)), report.table())


async def cmd_unanswered(update: Update, context: Context) -> None:
    """/unanswered — recent "not found" and 👎 questions, similar ones grouped, newest first."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    dk = context.dk
    lang, ops = await language(context, update), dk.container.settings.ops
    groups = await unanswered_groups(dk.container.engine, dk.container.embed_model, days=ops.unanswered_days,
                                     threshold=dk.container.unanswered_similarity)
    if not groups:
        await update.effective_message.reply_text(t("ops_unanswered_empty", lang, days=ops.unanswered_days))
        return
    lines = [t("ops_unanswered_title", lang, days=ops.unanswered_days)]
    for n, group in enumerate(groups[:UNANSWERED_SHOWN], 1):
        reasons = ", ".join(f"{'👎' if r == 'disliked' else '∅'} {c}" for r, c in group.reasons.most_common())
        lines.append(t("ops_unanswered_item", lang, n=n, count=group.count, question=group.question[:200],
                       at=group.newest_at.strftime("%Y-%m-%d %H:%M UTC"), reasons=f" ({reasons})"))
    await update.effective_message.reply_text("\n".join(lines)[:MESSAGE_LIMIT])


async def cmd_audit(update: Update, context: Context) -> None:
    """/audit — the last 20 admin actions."""
    if not await admin_guard(update, context) or update.effective_message is None:
        return
    dk = context.dk
    lang = await language(context, update)
    entries = await audit.recent(dk.container.engine, 20)
    if not entries:
        await update.effective_message.reply_text(t("ops_audit_empty", lang))
        return
    body = "\n".join(f"{e.at:%Y-%m-%d %H:%M} {e.actor_telegram_id or '—'} {e.action} {e.target}"
                     + (f" — {e.detail}" if e.detail else "") for e in entries)
    await _reply_pre(update, t("ops_audit_title", lang), body)
