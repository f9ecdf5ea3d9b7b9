"""The typed PTB context: the container, Telegram-only helpers, and the message the gate kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.container import Container
from bot.dialog.access import QuestionLimiter
from bot.dialog.messages import Kept
from bot.jobs.inprocess import ThreadWorker
from bot.telegram.drafts import DraftSupport
from bot.telegram.streaming import ChatPacer


@dataclass
class BotServices:
    """The container plus the Telegram-only helpers built once per application."""

    container: Container
    limiter: QuestionLimiter
    pacer: ChatPacer = field(default_factory=ChatPacer)
    drafts: DraftSupport = field(default_factory=DraftSupport)  # off for good once the server says it lacks them
    access_requests_sent: set[int] = field(default_factory=set)
    ingest_worker: ThreadWorker | None = None  # set when this process works the ingest queue itself
    outage_since: datetime | None = None  # when polling first failed in the current Bot API outage
    outage_error: str = ""  # the last polling error of that outage (redacted)


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context with the application's services and the message kept for this update."""

    kept: Kept | None = None

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.kept = None

    @property
    def dk(self) -> BotServices:
        """The services of this application."""
        return self.bot_data["services"]  # type: ignore[no-any-return]

    @property
    def container(self) -> Container:
        """The application's container."""
        return self.dk.container
