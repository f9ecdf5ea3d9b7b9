"""Telegram side of escalations: the service in ``bot_data``, review buttons, the poller and sync jobs.

``app.py`` calls :func:`register` once. The «Позвать человека» button and the ``human`` intent reach the
service through the dialog pipeline (``Inbox.hand_off``).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot.dialog import audit
from bot.dialog.escalation import EscalationService, SupportPoller, TrackerError, decide, send_reviews
from bot.dialog.ownership import row_id
from bot.i18n import t
from bot.knowledge import ticket_sync
from bot.telegram.context import BotServices, Context
from bot.telegram.handlers import language

log = logging.getLogger(__name__)

REVIEW_PATTERN = r"^tkb:(add|skip):\d+$"


def register(application: Application) -> None:  # type: ignore[type-arg]  # any context types
    """Build the escalation service, add the review buttons' handler and schedule the poller and the sync."""
    dk: BotServices = application.bot_data["services"]
    settings = dk.container.settings
    service = dk.container.escalations
    application.bot_data["support_poller"] = SupportPoller(service)
    application.add_handler(CallbackQueryHandler(on_review, pattern=REVIEW_PATTERN))
    jobs = application.job_queue
    if jobs is None or service.tracker is None or not settings.runs("scheduler"):
        return
    cfg = settings.kaiten
    jobs.run_repeating(poll, interval=cfg.poll_s, first=min(cfg.poll_s, 10), name="tickets-poll")
    if service.tracker.supports_resolution_sync:
        jobs.run_repeating(sync, interval=cfg.sync_hours * 3600, first=60, name="tickets-sync")


def escalations(context: Context) -> EscalationService:
    """The application's escalation service."""
    return context.container.escalations


async def poll(context: Context) -> None:
    """JobQueue: announce new tickets, relay support replies, report resolved cards, send pending reviews
    (once per period across every scheduler)."""
    from bot.jobs.leases import once

    container = context.dk.container
    await once(container, "tickets-poll", container.settings.kaiten.poll_s * 0.9,
               lambda: _poll(context))


async def _poll(context: Context) -> None:
    poller: SupportPoller = context.bot_data["support_poller"]
    try:
        report = await poller.tick()
    except TrackerError as exc:
        log.warning("ticket poll failed: %s", exc)
        return
    if report.relayed or report.resolved or report.announced:
        log.info("ticket poll: %s", report)
    service = escalations(context)
    await send_reviews(service.engine, service.notifier, service.settings.language)


async def sync(context: Context) -> None:
    """JobQueue: resolved cards into the knowledge base, then the review requests (once across schedulers)."""
    from bot.jobs.leases import once

    container = context.dk.container
    await once(container, "tickets-sync", container.settings.kaiten.sync_hours * 3600 * 0.9,
               lambda: _sync(context))


async def _sync(context: Context) -> None:
    service, dk = escalations(context), context.dk
    assert service.tracker is not None  # scheduled only with a tracker that syncs
    syncer = ticket_sync.TicketSync(tracker=service.tracker, engine=service.engine, ingest=dk.container.ingest,
                                    settings=service.settings)
    try:
        await syncer.run()
    except TrackerError as exc:
        log.warning("ticket sync failed: %s", exc)
        return
    await send_reviews(service.engine, service.notifier, service.settings.language)


async def on_review(update: Update, context: Context) -> None:
    """«Добавить в базу» / «Пропустить» under a resolved ticket (admins only)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    dk = context.dk
    lang = await language(context, update)
    if not dk.container.access.is_admin(query.from_user.id):
        await query.answer(t("admin_only", lang))
        return
    _, decision, raw_id = query.data.split(":")
    if (entry_id := row_id(raw_id)) is None:
        await query.answer(t("button_stale", lang))
        return
    entry = await decide(dk.container.engine, dk.container.ingest, entry_id=entry_id, add=decision == "add")
    if entry is None:
        await query.answer(t("kb_decided", lang))
        return
    await query.answer(t("kb_added" if decision == "add" else "kb_skipped", lang, title=entry.title))
    action = "ticket_entry_approved" if decision == "add" else "ticket_entry_skipped"
    await audit.record(dk.container.engine, query.from_user.id, action, entry.title)
    try:
        await query.edit_message_reply_markup(None)
    except TelegramError as exc:  # the notice may be too old to edit; the decision stands
        log.info("could not remove the review buttons: %s", exc)
