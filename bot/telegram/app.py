"""The PTB Application: handlers, rate limiter, commands menu, resume of unanswered questions."""

from __future__ import annotations

import asyncio
import logging

from redis import RedisError
from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.container import Container
from bot.jobs.inprocess import start_thread_worker
from bot.jobs.runtime import use_container
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import MessageKind, MessageStatus, User
from bot.telegram import admin, documents, handlers, search, voice
from bot.telegram.answering import answer_stored_question
from bot.telegram.context import BotServices, services
from bot.telegram.guards import Access, RateLimiter
from bot.telegram.keeping import keep_update

log = logging.getLogger(__name__)

COMMANDS = {
    "ru": [("ask", "Задать вопрос"), ("help", "Что умеет бот"), ("reset", "Забыть разговор"),
           ("sources", "Источники последнего ответа"), ("lang", "Язык: ru или en")],
    "en": [("ask", "Ask a question"), ("help", "What the bot can do"), ("reset", "Forget the conversation"),
           ("sources", "Sources of the last answer"), ("lang", "Language: ru or en")],
}


class MissingToken(RuntimeError):
    """No bot token configured."""


def build_application(container: Container) -> Application:  # type: ignore[type-arg]  # default context types
    """The bot, wired to the container; nothing talks to Telegram until it is started."""
    settings = container.settings.telegram
    if settings.token is None or not settings.token.get_secret_value():
        raise MissingToken("DK_TELEGRAM__TOKEN is not set (get one from @BotFather)")
    # One global limiter for every request; it also waits out RetryAfter and retries.
    limiter = AIORateLimiter(overall_max_rate=settings.overall_rate_per_s, overall_time_period=1,
                             group_max_rate=20, group_time_period=60, max_retries=3)
    application = (Application.builder().token(settings.token.get_secret_value())
                   .base_url(settings.base_url).base_file_url(settings.base_file_url)
                   .rate_limiter(limiter).concurrent_updates(True).post_init(_post_init)
                   .post_shutdown(_post_shutdown).build())
    application.bot_data["services"] = BotServices(
        container=container, access=Access(settings, container.engine),
        limiter=RateLimiter(settings.user_rate_per_minute))
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """Every handler; group -1 keeps each update before anything else sees it."""
    application.add_handler(TypeHandler(Update, keep_update), group=-1)
    for name, callback in [("start", handlers.cmd_start), ("help", handlers.cmd_help),
                           ("ask", handlers.on_question), ("reset", handlers.cmd_reset),
                           ("sources", handlers.cmd_sources), ("lang", handlers.cmd_lang),
                           ("allow", admin.cmd_allow), ("deny", admin.cmd_deny),
                           ("users", admin.cmd_users), ("stats", admin.cmd_stats), ("status", admin.cmd_status),
                           ("docs", documents.cmd_docs), ("forget", documents.cmd_forget)]:
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CommandHandler("search", search.cmd_search))  # admins: why it answered (issue 16)
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED,
                                           handlers.on_question))
    application.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, handlers.on_unknown_command))
    application.add_handler(MessageHandler(
        (filters.VOICE | filters.AUDIO | filters.Document.AUDIO) & ~filters.UpdateType.EDITED, voice.on_voice))
    application.add_handler(MessageHandler(
        filters.Document.ALL & filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED, documents.on_document))
    application.add_handler(MessageHandler(
        ~filters.TEXT & ~filters.UpdateType.EDITED & filters.ChatType.PRIVATE, handlers.on_unsupported))
    application.add_handler(CallbackQueryHandler(handlers.on_feedback, pattern=r"^fb:\d+:-?1$"))
    application.add_handler(CallbackQueryHandler(handlers.on_human, pattern=r"^human:\d+$"))
    application.add_handler(CallbackQueryHandler(admin.on_allow_button, pattern=r"^allow:\d+$"))
    application.add_error_handler(handlers.on_error)


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    await check_model_server(application)
    dk: BotServices = application.bot_data["services"]
    if dk.container.settings.ingest_in_bot:
        use_container(dk.container)  # ingestion jobs must write through this process's local Qdrant
        try:
            dk.ingest_worker = start_thread_worker(dk.container.settings, dk.container.settings.jobs.ingest_queue)
        except RedisError as exc:  # the bot still keeps and answers dialogs; uploads wait for a restart
            log.error("no ingest worker, Redis unavailable: %s", exc)
            await admin.notify_admins(application.bot, dk.container.settings.telegram,
                                      f"⚠️ Redis unavailable, document uploads are paused: {exc}")
    for lang, commands in COMMANDS.items():
        await application.bot.set_my_commands([BotCommand(c, d) for c, d in commands],
                                              language_code=None if lang == "ru" else lang)
    if application.job_queue is not None:
        application.job_queue.run_once(resume_unanswered, when=0)


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    dk: BotServices = application.bot_data["services"]
    if dk.ingest_worker is not None:
        dk.ingest_worker.stop_after_current_job()


async def check_model_server(application: Application) -> None:  # type: ignore[type-arg]
    """On start: is the LLM server up and serving the configured model? Admins hear if not."""
    from inference.vllm import check_served_model

    dk: BotServices = application.bot_data["services"]
    llm = dk.container.settings.llm
    check = await asyncio.to_thread(check_served_model, llm.base_url, llm.api_key.get_secret_value(), llm.model)
    if not check.ok:
        log.error("model server check failed: %s", check.detail)
        await admin.notify_admins(application.bot, dk.container.settings.telegram,
                                  f"⚠️ LLM {llm.base_url}: {check.detail}")


async def resume_unanswered(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer questions stored before a stop but never answered: nothing a user sent is lost."""
    dk = services(context)
    with session_scope(dk.container.engine) as session:
        rows = []
        for message, chat in repo.unanswered_messages(session):
            message.status = MessageStatus.pending  # a claim by a process that stopped is void
            session.add(message)
            user = session.get(User, message.user_id) if message.user_id is not None else None
            rows.append((message, chat, user.telegram_id if user else None))
    for message, chat, user_telegram_id in rows:
        log.info("resuming unanswered message %s in chat %s", message.id, chat.telegram_id)
        lang = dk.language(user_telegram_id)
        if message.kind == MessageKind.voice and message.media_path and not message.text:
            await voice.transcribe_and_answer(context.bot, dk, chat=chat, message=message, lang=lang)
        else:
            await answer_stored_question(context.bot, dk, chat=chat, message=message, lang=lang)


def run(container: Container) -> None:
    """Run until interrupted, by long polling or behind a webhook."""
    settings = container.settings.telegram
    application = build_application(container)
    if settings.mode == "webhook":
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        application.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                                url_path=settings.webhook_path, webhook_url=settings.webhook_url,
                                secret_token=secret, allowed_updates=Update.ALL_TYPES)
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
