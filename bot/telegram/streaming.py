"""Stream an answer into Telegram by editing messages: throttled, split at 4096, resilient."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, RetryAfter, TelegramError

from bot.telegram.render import split_text

log = logging.getLogger(__name__)

CURSOR = " ▌"
TYPING_EVERY_S = 4.5  # Telegram shows "typing…" for about 5 s per action


def progress_editor(message: Message, interval: float,
                    render: Callable[[int], str]) -> Callable[[float], Awaitable[None]]:
    """An ``on_progress`` callback that edits ``message`` to ``render(percent)``, at most once per interval."""
    last_edit = [0.0]

    async def show(fraction: float) -> None:
        if fraction > 0 and time.monotonic() - last_edit[0] >= interval:
            last_edit[0] = time.monotonic()
            try:
                await message.edit_text(render(int(fraction * 100)))
            except TelegramError as exc:  # progress is cosmetic; the result message still follows
                log.debug("progress edit skipped: %s", exc)

    return show


def _seconds(retry_after: RetryAfter) -> float:
    value = retry_after.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


class StreamingReply:
    """One answer as one or more bot messages, edited as the text grows.

    Edits in a chat are at least ``interval`` apart (Telegram allows about one per second);
    the PTB rate limiter keeps all chats within the global limit and retries on RetryAfter.
    """

    def __init__(self, bot: Bot, chat_id: int, *, reply_to: int | None, interval: float, placeholder: str) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._reply_to = reply_to
        self._interval = interval
        self._placeholder = placeholder
        self._messages: list[Message] = []
        self._shown: list[str] = []
        self._text = ""
        self._next_edit_at = 0.0
        self._typing: asyncio.Task[None] | None = None

    @property
    def message_ids(self) -> list[int]:
        """Telegram ids of the messages that carry this answer."""
        return [m.message_id for m in self._messages]

    async def open(self) -> None:
        """Send the placeholder and keep "typing…" visible until the first piece arrives."""
        # The question may be gone by the time we answer (deleted, or answered after a restart).
        reply = ReplyParameters(self._reply_to, allow_sending_without_reply=True) if self._reply_to else None
        self._messages.append(await self._bot.send_message(self._chat_id, self._placeholder, reply_parameters=reply))
        self._shown.append(self._placeholder)
        self._next_edit_at = time.monotonic() + self._interval
        self._typing = asyncio.create_task(self._keep_typing())

    async def push(self, piece: str) -> None:
        """Add streamed text; edits at most once per interval."""
        if self._typing is not None:
            self._typing.cancel()
            self._typing = None
        self._text += piece
        if time.monotonic() >= self._next_edit_at:
            await self._show(split_text(self._text + CURSOR), parse_mode=None, final=False)

    async def close(self, html_text: str, plain_text: str, keyboard: InlineKeyboardMarkup | None) -> None:
        """Show the final text (HTML, falling back to plain), buttons on the last part."""
        if self._typing is not None:
            self._typing.cancel()
        try:
            await self._show(split_text(html_text), parse_mode=ParseMode.HTML, final=True, keyboard=keyboard)
        except BadRequest as exc:
            if "can't parse entities" not in str(exc).lower():
                raise
            log.warning("HTML rejected, sending plain text: %s", exc)
            await self._show(split_text(plain_text), parse_mode=None, final=True, keyboard=keyboard)

    async def _show(self, parts: list[str], *, parse_mode: str | None, final: bool,
                    keyboard: InlineKeyboardMarkup | None = None) -> None:
        for index, part in enumerate(parts):
            markup = keyboard if final and index == len(parts) - 1 else None
            if index < len(self._messages):
                if part == self._shown[index] and not final:
                    continue
                if not await self._edit(index, part, parse_mode, markup, final):
                    return  # throttled: the next push or close shows it
            else:
                self._messages.append(await self._send(part, parse_mode, markup))
                self._shown.append(part)
        self._next_edit_at = time.monotonic() + self._interval

    async def _edit(self, index: int, text: str, parse_mode: str | None, markup: InlineKeyboardMarkup | None,
                    final: bool) -> bool:
        message = self._messages[index]
        for _ in range(3):
            try:
                await self._bot.edit_message_text(text, chat_id=self._chat_id, message_id=message.message_id,
                                                  parse_mode=parse_mode, reply_markup=markup)
            except RetryAfter as exc:
                if not final:  # skip this frame; the next one carries all the text anyway
                    self._next_edit_at = time.monotonic() + _seconds(exc)
                    return False
                await asyncio.sleep(_seconds(exc))
                continue
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():
                    if final:
                        raise
                    log.warning("skipping a streamed frame: %s", exc)  # the final edit carries everything
                    return False
            self._shown[index] = text
            return True
        raise TelegramError("Telegram kept answering RetryAfter to the final edit")

    async def _send(self, text: str, parse_mode: str | None, markup: InlineKeyboardMarkup | None) -> Message:
        for _ in range(3):
            try:
                return await self._bot.send_message(self._chat_id, text, parse_mode=parse_mode, reply_markup=markup)
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc))
        raise TelegramError("Telegram kept answering RetryAfter to a continuation message")

    async def _keep_typing(self) -> None:
        with contextlib.suppress(TelegramError):
            while True:
                await self._bot.send_chat_action(self._chat_id, ChatAction.TYPING)
                await asyncio.sleep(TYPING_EVERY_S)
