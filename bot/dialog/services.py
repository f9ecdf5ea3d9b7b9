"""What the message pipeline routes to, as an interface: the container provides it, tests may provide another."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine

from bot.dialog.jobs import Jobs
from bot.dialog.notify import Notifier
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.dialog.access import Access
    from bot.dialog.answer import AnswerService
    from bot.dialog.escalation import EscalationService
    from bot.dialog.intents import IntentClassifier
    from bot.dialog.meetings import MeetingService


class DialogServices(Protocol):
    """The services behind each route; built lazily, so a route loads only the models it needs."""

    settings: Settings
    notifier: Notifier
    jobs: Jobs

    @property
    def engine(self) -> Engine:
        """The database engine."""
        ...

    @property
    def access(self) -> Access:
        """Allow-lists, admins, languages."""
        ...

    @property
    def answers(self) -> AnswerService:
        """Answers from the knowledge base."""
        ...

    @property
    def intents(self) -> IntentClassifier:
        """What a message wants."""
        ...

    @property
    def escalations(self) -> EscalationService:
        """Requests for a human and their tickets."""
        ...

    @property
    def meetings(self) -> MeetingService:
        """Meetings from the chat."""
        ...

    def spaces_for_chat(self, chat_telegram_id: int) -> list[str]:
        """The knowledge spaces a chat searches."""
        ...
