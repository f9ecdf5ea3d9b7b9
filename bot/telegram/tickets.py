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
from bot.dialog.escalation import EscalationService
from bot.dialog.support import SupportPoller
from bot.i18n import t
from bot.integrations.kaiten import KaitenError
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
    if jobs is None or service.tracker is None:
        return
    cfg = settings.kaiten
    jobs.run_repeating(poll, interval=cfg.poll_s, first=min(cfg.poll_s, 10), name="tickets-poll")
    if service.tracker == "kaiten":
        jobs.run_repeating(sync, interval=cfg.sync_hours * 3600, first=60, name="tickets-sync")


def escalations(context: Context) -> EscalationService:
    """The application's escalation service."""
    return context.container.escalations


async def poll(context: Context) -> None:
    """JobQueue: announce new tickets, relay support replies, report resolved cards, send pending reviews."""
    poller: SupportPoller = context.bot_data["support_poller"]
    try:
        report = await poller.tick()
    except KaitenError as exc:
        log.warning("ticket poll failed: %s", exc)
        return
    if report.relayed or report.resolved or report.announced:
        log.info("ticket poll: %s", report)
    service = escalations(context)
    await ticket_sync.send_reviews(service.engine, service.notifier, service.settings.language)


async def sync(context: Context) -> None:
    """JobQueue: resolved cards into the knowledge base, then the review requests."""
    service, dk = escalations(context), context.dk
    syncer = ticket_sync.TicketSync(kaiten=service.kaiten_client(), engine=service.engine,
                                    ingest=dk.container.ingest, settings=service.settings)
    try:
        await syncer.run()
    except KaitenError as exc:
        log.warning("ticket sync failed: %s", exc)
        return
    await ticket_sync.send_reviews(service.engine, service.notifier, service.settings.language)


async def on_review(update: Update, context: Context) -> None:
    """«Добавить в базу» / «Пропустить» under a resolved ticket (admins only)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    dk = context.dk
    lang = await language(context, update)
    if not dk.container.access.is_admin(query.from_user.id):
        await query.answer(t("admin_only", lang))
        return
    _, decision, entry_id = query.data.split(":")
    entry = await ticket_sync.decide(dk.container.engine, dk.container.ingest, entry_id=int(entry_id),
                                     add=decision == "add")
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
