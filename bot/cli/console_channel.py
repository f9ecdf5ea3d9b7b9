"""The terminal as a transport: ``ask`` and ``chat`` go through the same inbox as Telegram.

So the command line gets intents, the hand-off to a human and meeting slots exactly as a chat does. Buttons are
printed as a list (the terminal has nothing to press), admin notices go to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli.console import print_sources
from bot.dialog.notify import Keyboard
from bot.i18n import Lang

if TYPE_CHECKING:
    from bot.container import Container
    from bot.dialog.answer import Answer


def _print_buttons(buttons: Keyboard, out: TextIO) -> None:
    for row in buttons:
        for button in row:
            print(f"  • {button.text}", file=out)


class ConsoleAnswer:
    """A streamed answer printed as it is generated, then its sources."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    async def push(self, piece: str) -> None:
        """Print generated text as it arrives."""
        print(piece, end="", flush=True, file=self._out)

    async def finish(self, answer: Answer) -> int | None:
        """Print the sources under the streamed text."""
        print_sources(answer.sources, answer.language)
        return None

    async def fail(self, text: str) -> None:
        """Print why there is no answer."""
        print(f"\n{text}", file=self._out)

    async def abandon(self) -> None:
        """Nothing to take back: a terminal's question is never taken over by another process."""


class ConsoleStatus:
    """Progress of slow work, one line per final state."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    async def update(self, text: str, *, final: bool = False) -> None:
        """Print only the final state: intermediate progress would flood the terminal."""
        if final:
            print(text, file=self._out)


class ConsoleChannel:
    """Replies to a question typed at the terminal."""

    answers_later = False  # the terminal does not wait: an outage is an exit code, not a promise

    def __init__(self, lang: Lang, out: TextIO | None = None) -> None:
        self.lang = lang
        self._out = out or sys.stdout

    async def say(self, text: str, *, buttons: Keyboard = ()) -> int | None:
        """Print a short reply and its choices."""
        print(text, file=self._out)
        _print_buttons(buttons, self._out)
        return None

    async def stream(self) -> ConsoleAnswer:
        """Stream an answer to the terminal."""
        return ConsoleAnswer(self._out)

    async def status(self, text: str) -> ConsoleStatus:
        """Print a status line."""
        print(text, file=self._out)
        return ConsoleStatus(self._out)

    async def download(self, target: Path) -> bool:
        """A typed question carries no file."""
        return False


class ConsoleNotifier:
    """Services' messages: those for the terminal's own chat are printed, admin notices go to stderr."""

    def __init__(self, chat_id: int, out: TextIO | None = None) -> None:
        self._chat_id = chat_id
        self._out = out or sys.stdout

    async def send(self, chat_id: int, text: str, *, buttons: Keyboard = (), **_: object) -> int | None:
        """Print a message addressed to the terminal's chat (others are not ours to show)."""
        if chat_id == self._chat_id:
            print(text, file=self._out)
            _print_buttons(buttons, self._out)
        return None

    async def send_file(self, chat_id: int, data: bytes, filename: str, *, caption: str = "",
                        buttons: Keyboard = (), **_: object) -> int | None:
        """Print the caption and the file's name (the terminal shows no attachments)."""
        return await self.send(chat_id, f"{caption}\n[{filename}]".strip(), buttons=buttons)

    async def notify_admins(self, text: str, **_: object) -> bool:
        """Admin notices go to stderr, marked as such (no admin got them)."""
        print(f"[admins] {text}", file=sys.stderr)
        return False


async def converse(container: Container, text: str, lang: Lang) -> None:
    """One typed message through the inbox, as Telegram sends one: intents, hand-off, meetings, answers.

    Raises LLMError when the model server failed (the terminal waits for no late answer).
    """
    kept = await container.inbox.keep_typed(text)
    await container.inbox.process(kept, ConsoleChannel(lang))
