"""A transport that records what the pipeline says: drives ``Inbox.process`` without Telegram."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.dialog.notify import Keyboard
from bot.i18n import Lang

if TYPE_CHECKING:
    from bot.dialog.answer import Answer


@dataclass
class Said:
    """One thing the pipeline showed: a reply, a streamed answer, a status line or a notice."""

    kind: str  # say | answer | fail | abandon | status | send | admins
    text: str
    buttons: Keyboard = ()
    chat_id: int | None = None
    answer: Answer | None = None


@dataclass
class RecordingAnswer:
    """A streamed answer kept in memory."""

    log: list[Said]
    pieces: list[str] = field(default_factory=list)

    async def push(self, piece: str) -> None:
        """Keep a generated piece."""
        self.pieces.append(piece)

    async def finish(self, answer: Answer) -> int | None:
        """Record the final answer."""
        self.log.append(Said("answer", answer.text, answer=answer))
        return None

    async def fail(self, text: str) -> None:
        """Record the explanation that replaced the answer."""
        self.log.append(Said("fail", text))

    async def abandon(self) -> None:
        """Record that the answer was left to another process."""
        self.log.append(Said("abandon", ""))


@dataclass
class RecordingStatus:
    """A status line kept in memory."""

    log: list[Said]

    async def update(self, text: str, *, final: bool = False) -> None:
        """Record an update of the status line."""
        self.log.append(Said("status", text))


@dataclass
class RecordingChannel:
    """The dialog layer's ``Channel`` for one message, recording in order."""

    lang: Lang = "ru"
    answers_later: bool = True
    log: list[Said] = field(default_factory=list)

    async def say(self, text: str, *, buttons: Keyboard = ()) -> int | None:
        """Record a short reply."""
        self.log.append(Said("say", text, buttons))
        return None

    async def stream(self) -> RecordingAnswer:
        """Open a recorded answer."""
        return RecordingAnswer(self.log)

    async def status(self, text: str) -> RecordingStatus:
        """Record a status line."""
        self.log.append(Said("status", text))
        return RecordingStatus(self.log)

    async def download(self, target: Path) -> bool:
        """No file travels through this transport."""
        return False


@dataclass
class RecordingNotifier:
    """The dialog layer's ``Notifier``, recording messages to chats and to the admins."""

    log: list[Said] = field(default_factory=list)

    async def send(self, chat_id: int, text: str, *, buttons: Keyboard = (), **_: object) -> int | None:
        """Record a message to a chat."""
        self.log.append(Said("send", text, buttons, chat_id))
        return None

    async def send_file(self, chat_id: int, data: bytes, filename: str, *, caption: str = "",
                        buttons: Keyboard = (), **_: object) -> int | None:
        """Record a file's caption."""
        self.log.append(Said("send", caption, buttons, chat_id))
        return None

    async def notify_admins(self, text: str, **_: object) -> bool:
        """Record an admin notice."""
        self.log.append(Said("admins", text))
        return True
