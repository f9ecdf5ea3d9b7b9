"""The PTB Application: handlers, rate limiter, commands menu, resume of unanswered and deferred messages."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from redis import RedisError
from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.container import Container
from bot.dialog.access import QuestionLimiter, RateLimiter
from bot.dialog.messages import Kept
from bot.ops.logging import add_secrets_of, redact
from bot.telegram import admin, documents, handlers, meetings, ops, reactions, search, tickets
from bot.telegram.channel import TelegramChannel
from bot.telegram.context import BotServices, Context
from bot.telegram.menu import set_menus
from bot.telegram.notifier import TelegramNotifier
from bot.telegram.parse import COMMAND

log = logging.getLogger(__name__)

# Every update type, message_reaction included: Telegram sends reactions only to bots that ask for them.
ALLOWED_UPDATES = Update.ALL_TYPES
RETRY_DEFERRED_EVERY_S = 60  # how often questions put off by an outage are tried again
GIVE_UP_AFTER = timedelta(hours=24)  # …and when the user is told it did not work out

App = Application[Any, Context, Any, Any, Any, Any]


class MissingToken(RuntimeError):
    """No bot token configured."""


def check_token(container: Container) -> str:
    """The bot token; MissingToken unless one is configured."""
    token = container.settings.telegram.token
    if token is None or not token.get_secret_value():
        raise MissingToken("DK_TELEGRAM__TOKEN is not set (get one from @BotFather)")
    return token.get_secret_value()


def build_application(container: Container) -> App:
    """The bot, wired to the container; nothing talks to Telegram until it is started."""
    token = check_token(container)
    settings = container.settings.telegram
    # One global limiter for every request; it alone waits out RetryAfter and retries. Several processes share
    # theirs in Redis (bot/telegram/ratelimit.py); one process keeps PTB's own.
    limiter: BaseRateLimiter[Any]
    questions: QuestionLimiter
    if container.shared_limits:
        from bot.telegram.ratelimit import SharedQuestionLimiter, SharedRateLimiter, limits_storage

        storage, redis = limits_storage(container.settings, shared=True)
        limiter = SharedRateLimiter(storage, container.deployment, redis=redis,
                                    overall_per_s=settings.overall_rate_per_s, max_retries=3,
                                    failover_wait_s=container.settings.redis.failover_wait_s)
        questions = SharedQuestionLimiter(storage, container.deployment, settings.user_rate_per_minute)
    else:
        limiter = AIORateLimiter(overall_max_rate=settings.overall_rate_per_s, overall_time_period=1,
                                 group_max_rate=20, group_time_period=60, max_retries=3)
        questions = RateLimiter(settings.user_rate_per_minute)
    application: App = (
        Application.builder().token(token)
        .context_types(ContextTypes(context=Context))
        .base_url(settings.base_url).base_file_url(settings.base_file_url)
        .rate_limiter(limiter).concurrent_updates(True).post_init(_post_init)
        .post_shutdown(_post_shutdown).build())
    add_secrets_of(container.settings)  # never in a log line nor an admin notice
    container.attach_transport(TelegramNotifier(application.bot, settings))  # before any service is built
    application.bot_data["services"] = BotServices(container=container, limiter=questions)
    # /health /unanswered /audit, health round, nightly report (bot/telegram/ops.py); first, so that its
    # commands come before the catch-all "unknown command" handler of group 0.
    ops.register(application)
    tickets.register(application)  # escalations: review buttons, support-reply poller, ticket sync
    add_handlers(application)
    return application


def add_handlers(application: App) -> None:
    """Every handler; group −1 keeps each update and enforces access before anything else sees it."""
    application.add_handler(TypeHandler(Update, handlers.gate), group=-1)
    for name, callback in [("start", handlers.cmd_start), ("help", handlers.cmd_help),
                           ("ask", handlers.on_message), ("reset", handlers.cmd_reset),
                           ("sources", handlers.cmd_sources), ("lang", handlers.cmd_lang),
                           ("allow", admin.cmd_allow), ("deny", admin.cmd_deny),
                           ("users", admin.cmd_users), ("stats", admin.cmd_stats), ("status", admin.cmd_status),
                           ("docs", documents.cmd_docs), ("forget", documents.cmd_forget)]:
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CommandHandler("search", search.cmd_search))  # admins: why it answered
    meetings.register(application)  # /meet and the meeting buttons (before the unknown-command catch-all)
    reactions.register(application)  # 👍/👎 reactions on answers as feedback
    not_edited = ~filters.UpdateType.EDITED
    command = filters.COMMAND | filters.Regex(COMMAND)  # «/? как оформить отпуск» is a question, "/foo" a command
    application.add_handler(MessageHandler(
        ((filters.TEXT & ~command) | filters.VOICE | filters.AUDIO | filters.Document.AUDIO
         | (filters.Document.ALL & filters.ChatType.PRIVATE)) & not_edited, handlers.on_message))
    application.add_handler(MessageHandler(command & filters.ChatType.PRIVATE, handlers.on_unknown_command))
    application.add_handler(MessageHandler(~filters.TEXT & not_edited & filters.ChatType.PRIVATE,
                                           handlers.on_unsupported))
    application.add_handler(CallbackQueryHandler(handlers.on_feedback, pattern=r"^fb:\d+:-?1$"))
    application.add_handler(CallbackQueryHandler(handlers.on_human, pattern=r"^human:\d+$"))
    application.add_handler(CallbackQueryHandler(admin.on_allow_button, pattern=r"^allow:\d+$"))
    application.add_handler(CallbackQueryHandler(handlers.on_stale_button))  # anything else: answered, not ignored
    application.add_error_handler(handlers.on_error)  # type: ignore[arg-type]  # our Context subclass


async def _post_init(application: App) -> None:
    dk: BotServices = application.bot_data["services"]
    container = dk.container
    container.inbox.bot_username = application.bot.username
    log.info("started as @%s (%s)", application.bot.username, container.settings.telegram.mode)
    await check_model_server(application)
    try:
        dk.ingest_worker = await asyncio.to_thread(container.start_job_workers)
    except RedisError as exc:  # the bot still keeps and answers dialogs; uploads wait until Redis is back
        log.error("no ingest worker, Redis unavailable: %s", exc)
        await container.notifier.notify_admins(f"⚠️ Redis unavailable, document uploads are paused: {exc}")
    await set_menus(application.bot, container.settings.telegram.admin_ids)
    if application.job_queue is not None:
        settings = container.settings
        if settings.runs("ingress") and settings.runs("dialog"):  # split roles: the dialog loop resumes
            application.job_queue.run_once(resume_unanswered, when=0)
        if settings.runs("scheduler"):
            application.job_queue.run_repeating(retry_deferred, interval=RETRY_DEFERRED_EVERY_S,
                                                first=RETRY_DEFERRED_EVERY_S)


async def _post_shutdown(application: App) -> None:
    dk: BotServices = application.bot_data["services"]
    if dk.ingest_worker is not None:
        dk.ingest_worker.stop_after_current_job()
    log.info("stopped")


async def check_model_server(application: App) -> None:
    """On start: is the LLM server up and serving the configured model? Admins hear if not."""
    from inference.served import check_served_model

    dk: BotServices = application.bot_data["services"]
    llm = dk.container.settings.llm
    check = await asyncio.to_thread(check_served_model, llm.base_url, llm.api_key.get_secret_value(), llm.model)
    if not check.ok:
        log.error("model server check failed: %s", check.detail)
        await dk.container.notifier.notify_admins(f"⚠️ LLM {llm.base_url}: {check.detail}")


def _channels(context: Context) -> Any:
    async def make(kept: Kept) -> TelegramChannel:
        lang = await context.container.access.language(kept.user_id, kept.language_code)
        return handlers.channel_for(context.bot, context.dk, kept, lang, file=await _stored_file_id(kept, context))
    return make


async def _stored_file_id(kept: Kept, context: Context) -> str | None:
    """The file id of a resumed voice note or document, from the update stored when it arrived."""
    if kept.media_path or kept.kind.value not in ("voice", "document"):
        return None  # already downloaded, or nothing to download
    raw = await context.container.inbox.raw_update(kept.id)
    message = raw.get("message") or {}
    media = message.get("voice") or message.get("audio") or message.get("document") or {}
    return media.get("file_id")


async def resume_unanswered(context: Context) -> None:
    """Handle messages stored before a stop but never finished: nothing a user sent is lost."""
    await context.container.inbox.resume(_channels(context))


async def retry_deferred(context: Context) -> None:
    """Answer questions put off while the model server or the queue was down, once they are back; take over
    claims that expired (their process stopped); once a minute across every scheduler."""
    from bot.jobs.leases import once

    container = context.container
    await once(container, "retry-deferred", RETRY_DEFERRED_EVERY_S * 0.9, lambda: _retry(context))


async def _retry(context: Context) -> None:
    from inference.served import check_served_model

    inbox, llm = context.container.inbox, context.container.settings.llm
    if context.container.settings.runs("dialog") and context.container.settings.runs("ingress"):
        await inbox.take_over_expired(_channels(context))  # split roles: the dialog loop does this
    waiting = await inbox.deferred(GIVE_UP_AFTER)
    if not waiting:
        return  # nothing owed: no probe of the model server every minute
    check = await asyncio.to_thread(check_served_model, llm.base_url, llm.api_key.get_secret_value(), llm.model)
    if check.ok:
        await inbox.retry_deferred(waiting, _channels(context))


class TokenRefused(RuntimeError):
    """The Bot API refused DK_TELEGRAM__TOKEN (retrying cannot help)."""


async def wait_for_bot_api(application: App, *, first_delay_s: float = 1.0, max_delay_s: float = 30.0) -> None:
    """Initialize the bot (``getMe``), retrying with back-off while the Bot API is unreachable.

    One warning line per failed attempt, without the token or a traceback; PTB's own bootstrap would print a
    traceback and give up.
    """
    delay, attempt = first_delay_s, 1
    while True:
        try:
            await application.initialize()
            return
        except InvalidToken as exc:
            raise TokenRefused("the Bot API refused DK_TELEGRAM__TOKEN (check it with @BotFather)") from exc
        except NetworkError as exc:  # refused, timed out, 5xx from a proxy: the Bot API may come back
            log.warning("Bot API unreachable at start (attempt %d: %s); retrying in %.0f s", attempt,
                        redact(str(exc)) or type(exc).__name__, delay)
        await asyncio.sleep(delay)
        delay, attempt = min(delay * 2, max_delay_s), attempt + 1


def run(container: Container) -> None:
    """Run until interrupted, by long polling or behind a webhook; waits for the Bot API at start."""
    settings = container.settings.telegram
    application = build_application(container)
    loop = asyncio.new_event_loop()  # PTB's run_* use the current loop: the wait must run on the same one
    asyncio.set_event_loop(loop)
    loop.run_until_complete(wait_for_bot_api(application))
    if settings.mode == "webhook":
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        application.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                                url_path=settings.webhook_path, webhook_url=settings.webhook_url,
                                secret_token=secret, allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
    else:  # -1: a Bot API that drops again between getMe and deleteWebhook is waited for, not a crash
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
