"""What the pipeline needs from a transport to reply to one message (Telegram implements it; tests may too).

A channel belongs to one stored message: it knows the chat, the message to reply to, the user's language and
how to fetch the message's file. Dialog services speak through it and never import the transport.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.dialog.notify import Keyboard
from bot.i18n import Lang

if TYPE_CHECKING:
    from bot.dialog.answer import Answer


class AnswerStream(Protocol):
    """An answer shown while it is generated: a placeholder, growing text, then the final form."""

    async def push(self, piece: str) -> None:
        """Add generated text; the transport decides when to show it (it must never block generation)."""
        ...

    async def finish(self, answer: Answer) -> int | None:
        """Show the final answer with sources and buttons; returns the id of the message carrying it."""
        ...

    async def fail(self, text: str) -> int | None:
        """Replace what was shown with a short explanation; returns the id of the message showing it, if any."""
        ...

    async def abandon(self) -> None:
        """Stop showing the answer and deliver nothing: another process has taken the message over."""
        ...


class StatusLine(Protocol):
    """One message that reports the progress of slow work (transcription, ingestion)."""

    async def update(self, text: str, *, final: bool = False) -> None:
        """Show ``text``; intermediate updates may be dropped to respect the transport's limits."""
        ...


class Channel(Protocol):
    """Replies to one stored message."""

    lang: Lang
    answers_later: bool  # whether an answer put off by an outage can still reach the user (not the terminal)

    async def say(self, text: str, *, buttons: Keyboard = ()) -> int | None:
        """Reply with a short text; returns the message id, or None when it could not be sent."""
        ...

    async def stream(self) -> AnswerStream:
        """Open a streamed answer (shows a placeholder at once)."""
        ...

    async def status(self, text: str) -> StatusLine:
        """Send a status message that later updates edit."""
        ...

    async def download(self, target: Path) -> bool:
        """Save the message's file to ``target``; False when the transport refuses (too big, gone)."""
        ...
