"""What every handler needs, carried in ``application.bot_data``."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session
from telegram.ext import ContextTypes

from bot.container import Container
from bot.i18n import Lang
from bot.jobs.inprocess import ThreadWorker
from bot.store import repo
from bot.store.models import Chat, Message
from bot.telegram.guards import Access, RateLimiter


@dataclass
class BotServices:
    """The container plus the Telegram-only helpers built once per application."""

    container: Container
    access: Access
    limiter: RateLimiter
    access_requests_sent: set[int] = field(default_factory=set)
    ingest_worker: ThreadWorker | None = None  # set when this process works the ingest queue itself

    def kept(self, update_id: int) -> tuple[Message | None, Chat | None]:
        """The message ``keep_update`` stored for this update, and its chat (None, None if none was)."""
        with Session(self.container.engine) as session:
            stored = repo.message_by_update(session, update_id=update_id)
            return stored, session.get(Chat, stored.chat_id) if stored else None

    def language(self, telegram_user_id: int | None) -> Lang:
        """The user's /lang choice, else the deployment's default language."""
        if telegram_user_id is not None:
            with Session(self.container.engine) as session:
                user = repo.user_by_telegram_id(session, telegram_id=telegram_user_id)
                if user is not None and user.language in ("ru", "en"):
                    return user.language  # type: ignore[return-value]  # checked just above
        return self.container.settings.language


def services(context: ContextTypes.DEFAULT_TYPE) -> BotServices:
    """The services of this application."""
    return context.bot_data["services"]  # type: ignore[no-any-return]
