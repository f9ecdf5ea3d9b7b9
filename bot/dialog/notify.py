"""How dialog services speak to chats without importing Telegram: the ``Notifier`` seam.

The bot process gives services a Telegram implementation (``bot/telegram/notifier.py``); the CLI and tests may
give another. Buttons are plain (label, callback data) pairs: callback data must stay within Telegram's 64 bytes,
so it carries ids of stored rows, never the payload itself.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import NamedTuple, Protocol

log = logging.getLogger(__name__)


class Button(NamedTuple):
    """One inline button: its label and its callback data (≤ 64 bytes)."""

    text: str
    data: str


Keyboard = Sequence[Sequence[Button]]  # rows of buttons


class Notifier(Protocol):
    """Sends messages to chats on behalf of a dialog service; failures are logged, never raised."""

    async def send(self, chat_id: int, text: str, *, reply_to: int | None = None, buttons: Keyboard = (),
                   html: bool = False) -> int | None:
        """Send a text; returns the Telegram message id, or None when it could not be sent."""
        ...

    async def send_file(self, chat_id: int, data: bytes, filename: str, *, caption: str = "",
                        photo: bool = False, buttons: Keyboard = ()) -> int | None:
        """Send a document (or a photo when ``photo``); returns the message id, or None."""
        ...

    async def notify_admins(self, text: str, *, buttons: Keyboard = (), html: bool = False) -> None:
        """Send to the admin chat, or to each admin privately when no admin chat is set."""
        ...


class LoggingNotifier:
    """Notices where no transport is attached (a worker, a script): the log."""

    async def send(self, chat_id: int, text: str, **_: object) -> int | None:
        """Log instead of sending."""
        log.info("to chat %s: %s", chat_id, text)
        return None

    async def send_file(self, chat_id: int, data: bytes, filename: str, **_: object) -> int | None:
        """Log instead of sending."""
        log.info("file %s to chat %s", filename, chat_id)
        return None

    async def notify_admins(self, text: str, **_: object) -> None:
        """Log instead of sending."""
        log.warning("admin notice: %s", text)
