"""Stream an answer into a private chat through ``sendMessageDraft`` (Bot API 9.3+), then send it once.

A draft is an animated, ephemeral preview: "Thinking…" while the text is empty, the growing text with the same
``draft_id`` as tokens arrive, gone when the final message arrives (or after about 30 seconds without an update).
So nothing half-written is ever left in the chat: a bot that dies mid-answer leaves no message, and the question is
answered as a normal message on the next start. The final text is one ``sendMessage`` per 4096-character part,
in HTML with the sources, the buttons on the last part.

An older Bot API server (a local ``telegram-bot-api`` before 9.3) answers the method with 404 "Not Found"; then
``DraftSupport`` switches this bot to edits, once, with one log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time

from telegram import Bot, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ChatAction
from telegram.error import BadRequest, EndPointNotFound, InvalidToken, TelegramError

from bot.telegram.render import split_text
from bot.telegram.streaming import PaintedReply

log = logging.getLogger(__name__)

REFRESH_S = 20.0  # a draft lives about 30 s without an update: repeat it while the model is still thinking
# Telegram animates the text a draft gains, so larger, rarer steps still read as smooth typing: the first text
# is shown at once, then the gap between frames doubles from the configured interval up to this (or the interval).
SLOWEST_FRAME_S = 4.0
# Words Telegram servers use when a method does not exist or is not open to this bot; "chat not found" is not one.
_UNSUPPORTED = ("not found", "method", "not allowed", "not supported", "unsupported", "forum", "topic")
_draft_ids = itertools.count(int(time.time()) % 1_000_000 * 1000 + 1)  # non-zero, distinct within a process


class DraftsUnsupported(Exception):
    """The Bot API server does not offer ``sendMessageDraft`` to this bot."""


class DraftSupport:
    """Whether this bot streams through drafts; switched off for good by the first "unknown method" answer."""

    def __init__(self, enabled: bool = True) -> None:
        self.available = enabled

    def disable(self, error: Exception) -> None:
        """Fall back to edits for this bot (logged once)."""
        if self.available:
            log.warning("the Bot API server refused sendMessageDraft (%s): streaming by edits from now on", error)
        self.available = False


def unsupported(error: TelegramError) -> bool:
    """Whether a Bot API error says the draft method itself is unavailable (not a problem of this chat or text)."""
    if isinstance(error, EndPointNotFound | InvalidToken):  # PTB's names for an HTTP 404 "Not Found"
        return True
    if isinstance(error, BadRequest):
        text = str(error).lower()
        return "chat not found" not in text and any(word in text for word in _UNSUPPORTED)
    return False


class DraftReply(PaintedReply):
    """One answer streamed as a draft in a private chat and then sent as one or more messages.

    ``quiet``: no draft at all, only the final message (a late answer: nobody is watching it being written).
    No message exists while it is only a draft: ``message_id`` is None (nothing to reuse after a crash).
    """

    def __init__(self, bot: Bot, chat_id: int, *, reply_to: int | None, interval: float, quiet: bool = False) -> None:
        super().__init__(bot, chat_id, reply_to=reply_to, interval=interval)
        self._quiet = quiet
        self.draft_id = next(_draft_ids)

    async def open(self) -> None:
        """Typing, then an empty draft ("Thinking…"); raises ``DraftsUnsupported`` when the server lacks drafts."""
        with contextlib.suppress(TelegramError):
            await self._bot.send_chat_action(self._chat_id, ChatAction.TYPING)
        if self._quiet:
            return
        try:
            await self._bot.send_message_draft(self._chat_id, self.draft_id, text="")
        except TelegramError as exc:
            if unsupported(exc):
                raise DraftsUnsupported(str(exc)) from exc
            raise
        self._painter = asyncio.create_task(self._paint())

    async def _deliver(self, parts: list[str], parse_mode: str | None, keyboard: InlineKeyboardMarkup | None) -> None:
        # the plain-text fallback goes on from the part the HTML attempt could not send
        await self._send(parts[len(self._message_ids):], parse_mode, keyboard)

    async def _paint(self) -> None:
        """Show the part being written, first text at once and then ever less often; repeat before it expires.

        Each frame is one Bot API call, and the final ``sendMessage`` replaces the draft anyway: slowing down
        (``interval``, 2×, 4× … up to ``SLOWEST_FRAME_S``) is what makes a drafted answer take fewer calls than
        the same answer streamed by edits, which must keep the steady per-chat pace to look alive.
        """
        gap = self._interval
        while not self._closed:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel that arrives just as the
            # text changed (push right before close), and the painter then outlived close, which waited forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(REFRESH_S):
                    await self._changed.wait()
            if self._closed:
                return
            self._changed.clear()
            text = split_text(self._text)[-1] if self._text else ""
            try:
                await self._bot.send_message_draft(self._chat_id, self.draft_id, text=text)
            except TelegramError as exc:  # a frame is cosmetic: the final message carries everything
                log.info("skipping a draft frame in chat %s: %s", self._chat_id, exc)
            if self._closed:
                return
            await asyncio.sleep(gap)
            if text:
                gap = min(gap * 2, max(self._interval, SLOWEST_FRAME_S))

    async def _send(self, parts: list[str], parse_mode: str | None, keyboard: InlineKeyboardMarkup | None) -> None:
        # The question may be gone by the time we answer (deleted, or answered after a restart).
        for index, part in enumerate(parts):
            reply = None
            if not self._message_ids and self._reply_to:
                reply = ReplyParameters(self._reply_to, allow_sending_without_reply=True)
            markup = keyboard if index == len(parts) - 1 else None
            sent = await self._bot.send_message(self._chat_id, part, parse_mode=parse_mode, reply_markup=markup,
                                                reply_parameters=reply)
            self._message_ids.append(sent.message_id)
