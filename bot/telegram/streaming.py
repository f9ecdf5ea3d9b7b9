"""Stream an answer into Telegram by editing messages: paced per chat, split at 4096, never blocking the model.

Generation and display are decoupled: ``push`` only appends text; a background task shows the latest text
whenever the chat's pacing allows. So a slow chat (groups get about 20 edits a minute) shows fewer, larger steps
instead of making the model wait. ``RetryAfter`` belongs to PTB's ``AIORateLimiter`` (it waits and retries);
this module only spaces the edits of each chat, shared by every answer in that chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.telegram.render import split_text

log = logging.getLogger(__name__)

CURSOR = " ▌"
TYPING_EVERY_S = 4.5  # Telegram shows "typing…" for about 5 s per action


async def stop_painting(*tasks: asyncio.Task[None] | None, within_s: float = 10.0) -> None:
    """Cancel background painters and wait for them to end, but never forever.

    A cancel can be lost on its way through the libraries a frame passes (the Bot API request, the shared send
    limiter in Redis); the painter then ends by itself at its next step, seeing its reply closed. An answer must
    never hang on a cosmetic frame: its claim would be renewed for ever and its chat's next questions wait.
    """
    running = {task for task in tasks if task is not None and not task.done()}
    for task in running:
        task.cancel()
    if running and (await asyncio.wait(running, timeout=within_s))[1]:
        log.warning("a streaming painter did not stop within %.0f s: left behind", within_s)


class PaintedReply:
    """What both ways of streaming an answer share: the text so far, the messages that carry it, and a background
    painter that shows the text until ``close`` delivers the final version (edits here, drafts in drafts.py)."""

    def __init__(self, bot: Bot, chat_id: int, *, reply_to: int | None, interval: float) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._reply_to = reply_to
        self._interval = interval
        self._message_ids: list[int] = []
        self._text = ""
        self._changed = asyncio.Event()
        self._painter: asyncio.Task[None] | None = None
        self._closed = False  # set by close: the painter's own way out, should its cancel be lost

    @property
    def message_ids(self) -> list[int]:
        """Telegram ids of the messages that carry the answer."""
        return list(self._message_ids)

    @property
    def message_id(self) -> int | None:
        """The answer's first message (a resumed answer reuses it); None while there is none."""
        return self._message_ids[0] if self._message_ids else None

    async def push(self, piece: str) -> None:
        """Add streamed text; returns at once (the painter shows it at its next paced frame)."""
        self._text += piece
        self._changed.set()

    async def close(self, html_text: str, plain_text: str, keyboard: InlineKeyboardMarkup | None) -> None:
        """Stop painting, then deliver the final text (HTML, falling back to plain), buttons on the last part."""
        await self._stop()
        try:
            await self._deliver(split_text(html_text), ParseMode.HTML, keyboard)
        except BadRequest as exc:
            if "can't parse entities" not in str(exc).lower():
                raise
            log.warning("HTML rejected, sending plain text: %s", exc)
            await self._deliver(split_text(plain_text), None, keyboard)

    async def abandon(self) -> None:
        """Stop painting and deliver nothing (the answer became another process's to deliver)."""
        await self._stop()

    async def _stop(self, *helpers: asyncio.Task[None] | None) -> None:
        self._closed = True
        self._changed.set()
        await stop_painting(self._painter, *helpers)
        self._painter = None

    async def _deliver(self, parts: list[str], parse_mode: str | None, keyboard: InlineKeyboardMarkup | None) -> None:
        raise NotImplementedError


class ChatPacer:
    """Edits of one chat at least ``interval`` apart, whichever answer makes them (one per application)."""

    def __init__(self) -> None:
        self._next: dict[int, float] = {}

    def reserve(self, chat_id: int, interval: float) -> float:
        """Book the chat's next slot; returns the seconds to wait for it."""
        now = time.monotonic()
        slot = max(now, self._next.get(chat_id, 0.0))
        self._next[chat_id] = slot + interval
        return slot - now

    def ready_in(self, chat_id: int) -> float:
        """Seconds until the chat's next free slot (0 when free now), without booking it."""
        return max(0.0, self._next.get(chat_id, 0.0) - time.monotonic())


class StreamingReply(PaintedReply):
    """One answer as one or more bot messages, edited in the background as the text grows."""

    def __init__(self, bot: Bot, chat_id: int, *, reply_to: int | None, interval: float, placeholder: str,
                 pacer: ChatPacer, reuse_message_id: int | None = None) -> None:
        super().__init__(bot, chat_id, reply_to=reply_to, interval=interval)
        self._placeholder = placeholder
        self._pacer = pacer
        self._reuse = reuse_message_id
        self._shown: list[str] = []
        self._typing: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Show the placeholder (reusing a message left by an interrupted answer) and keep "typing…" visible."""
        if self._reuse is not None:
            try:
                await self._bot.edit_message_text(self._placeholder, chat_id=self._chat_id, message_id=self._reuse)
                self._message_ids.append(self._reuse)
            except BadRequest as exc:  # gone or unchanged: "not modified" still means it is ours to edit
                if "not modified" in str(exc).lower():
                    self._message_ids.append(self._reuse)
                else:
                    log.info("cannot reuse message %s: %s", self._reuse, exc)
        if not self._message_ids:
            # The question may be gone by the time we answer (deleted, or answered after a restart).
            reply = ReplyParameters(self._reply_to, allow_sending_without_reply=True) if self._reply_to else None
            sent = await self._bot.send_message(self._chat_id, self._placeholder, reply_parameters=reply)
            self._message_ids.append(sent.message_id)
        self._shown.append(self._placeholder)
        self._pacer.reserve(self._chat_id, self._interval)
        self._typing = asyncio.create_task(self._keep_typing())
        self._painter = asyncio.create_task(self._paint())

    async def push(self, piece: str) -> None:
        """Add streamed text: "typing…" ends, the painter shows the text when the chat's pacing allows."""
        if self._typing is not None:
            self._typing.cancel()
            self._typing = None
        await super().push(piece)

    async def _deliver(self, parts: list[str], parse_mode: str | None, keyboard: InlineKeyboardMarkup | None) -> None:
        await self._show(parts, parse_mode=parse_mode, keyboard=keyboard)

    async def _stop(self, *helpers: asyncio.Task[None] | None) -> None:
        await super()._stop(self._typing, *helpers)
        self._typing = None

    async def _paint(self) -> None:
        """Show the latest text at each of the chat's free slots until cancelled."""
        while not self._closed:
            await self._changed.wait()
            await asyncio.sleep(self._pacer.reserve(self._chat_id, self._interval))
            if self._closed:
                return
            self._changed.clear()
            try:
                await self._show(split_text(self._text + CURSOR), parse_mode=None, keyboard=None, frame=True)
            except TelegramError as exc:  # a frame is cosmetic: the final edit carries everything
                log.info("skipping a streamed frame in chat %s: %s", self._chat_id, exc)

    async def _show(self, parts: list[str], *, parse_mode: str | None, keyboard: InlineKeyboardMarkup | None,
                    frame: bool = False) -> None:
        for index, part in enumerate(parts):
            markup = keyboard if index == len(parts) - 1 else None
            if index < len(self._message_ids):
                if frame and part == self._shown[index]:
                    continue
                try:
                    await self._bot.edit_message_text(part, chat_id=self._chat_id,
                                                      message_id=self._message_ids[index], parse_mode=parse_mode,
                                                      reply_markup=markup)
                except BadRequest as exc:
                    if "not modified" not in str(exc).lower():
                        raise
                self._shown[index] = part
            else:
                sent = await self._bot.send_message(self._chat_id, part, parse_mode=parse_mode, reply_markup=markup)
                self._message_ids.append(sent.message_id)
                self._shown.append(part)

    async def _keep_typing(self) -> None:
        with contextlib.suppress(TelegramError):
            while True:
                await self._bot.send_chat_action(self._chat_id, ChatAction.TYPING)
                await asyncio.sleep(TYPING_EVERY_S)


class ProgressMessage:
    """A status message edited as slow work progresses: at most one edit per chat slot, finals always shown."""

    def __init__(self, message: Message, pacer: ChatPacer, interval: float) -> None:
        self._message = message
        self._pacer = pacer
        self._interval = interval
        self._shown = message.text or ""

    async def update(self, text: str, *, final: bool = False) -> None:
        """Edit to ``text``; intermediate updates are dropped while the chat's pacing says wait."""
        if text == self._shown:
            return
        if not final and self._pacer.ready_in(self._message.chat_id) > 0:
            return
        await asyncio.sleep(self._pacer.reserve(self._message.chat_id, self._interval))
        try:
            await self._message.edit_text(text)
            self._shown = text
        except TelegramError as exc:
            if final:
                raise
            log.debug("progress edit skipped: %s", exc)
