"""The Telegram ``Channel``: replies to one message, streamed answers, status lines, file downloads.

Private chats stream through drafts (``bot/telegram/drafts.py``) unless ``DK_TELEGRAM__STREAM=edits`` or the Bot API
server lacks them; groups stream through edits. A late answer (the model or the queue was down) is a new message
replying to the question, because Telegram does not notify about edits; the old "I will answer later" notice
is tidied away (deleted, or edited to a pointer when it is too old to delete).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import Bot, ReplyParameters
from telegram.error import BadRequest, TelegramError

from bot.dialog.answer import Answer
from bot.dialog.notify import Keyboard
from bot.i18n import Lang, t
from bot.telegram.drafts import DraftReply, DraftsUnsupported, DraftSupport
from bot.telegram.notifier import keyboard
from bot.telegram.render import answer_keyboard, render_answer
from bot.telegram.streaming import ChatPacer, ProgressMessage, StreamingReply

log = logging.getLogger(__name__)


class TelegramAnswer:
    """A streamed answer: the dialog layer's ``AnswerStream`` over ``StreamingReply`` (edits) or ``DraftReply``."""

    def __init__(self, reply: StreamingReply | DraftReply, lang: Lang, *, group: bool = False,
                 group_buttons: bool = True, after_send: Callable[[], Awaitable[None]] | None = None) -> None:
        self._reply = reply
        self._lang = lang
        self._group = group
        self._group_buttons = group_buttons
        self._after_send = after_send

    @property
    def message_id(self) -> int | None:
        """The message the answer is shown in."""
        return self._reply.message_id

    async def push(self, piece: str) -> None:
        """More generated text."""
        await self._reply.push(piece)

    async def finish(self, answer: Answer) -> int | None:
        """The final HTML with sources and buttons; returns the last message's id."""
        html_text, plain = render_answer(answer, self._lang)
        rate = not self._group or self._group_buttons  # groups rate with reactions unless buttons are asked for
        await self._reply.close(html_text, plain, answer_keyboard(answer, self._lang, rate=rate))
        await self._sent()
        return self._reply.message_ids[-1] if self._reply.message_ids else None

    async def fail(self, text: str) -> int | None:
        """Replace the placeholder (or the draft) with an explanation; returns the message showing it."""
        await self._reply.close(text, text, None)
        await self._sent()
        return self._reply.message_id

    async def abandon(self) -> None:
        """Stop painting; what was shown is left to the process that took the message over (it reuses it)."""
        await self._reply.abandon()

    async def _sent(self) -> None:
        if self._after_send is not None:
            await self._after_send()


class TelegramChannel:
    """Replies to one stored message in its chat."""

    answers_later = True  # a deferred answer arrives as a new message when the model is back

    def __init__(self, bot: Bot, *, chat_id: int, reply_to: int | None, lang: Lang, pacer: ChatPacer,
                 edit_interval_s: float, file_id: str | None = None, reuse_message_id: int | None = None,
                 tidy_message_id: int | None = None, drafts: DraftSupport | None = None,
                 draft_interval_s: float = 2.0, group: bool = False, group_buttons: bool = True,
                 late: bool = False) -> None:
        self.lang = lang
        self._bot = bot
        self._chat_id = chat_id
        self._reply_to = reply_to
        self._pacer = pacer
        self._interval = edit_interval_s
        self._file_id = file_id
        self._reuse = reuse_message_id
        self._tidy_id = tidy_message_id
        self._drafts = drafts
        self._draft_interval = draft_interval_s
        self._group = group
        self._group_buttons = group_buttons
        self._late = late

    def _reply(self) -> ReplyParameters | None:
        return ReplyParameters(self._reply_to, allow_sending_without_reply=True) if self._reply_to else None

    async def say(self, text: str, *, buttons: Keyboard = ()) -> int | None:
        """A short reply (it replaces a placeholder left by an interrupted answer)."""
        if self._reuse is not None:
            reuse, self._reuse = self._reuse, None
            try:
                await self._bot.edit_message_text(text, chat_id=self._chat_id, message_id=reuse,
                                                  reply_markup=keyboard(buttons))
                return reuse
            except BadRequest as exc:
                log.info("cannot reuse message %s: %s", reuse, exc)
        sent = await self._bot.send_message(self._chat_id, text, reply_parameters=self._reply(),
                                            reply_markup=keyboard(buttons))
        await self.tidy()
        return sent.message_id

    async def stream(self) -> TelegramAnswer:
        """Open a streamed answer: a draft in private chats, else a placeholder edited as text arrives.

        A late answer is neither: one new message when it is complete (nobody watches it being written).
        """
        if self._late:
            quiet = DraftReply(self._bot, self._chat_id, reply_to=self._reply_to, interval=0.0, quiet=True)
            await quiet.open()
            return TelegramAnswer(quiet, self.lang, group=self._group, group_buttons=self._group_buttons,
                                  after_send=self.tidy)
        if self._drafts is not None and self._drafts.available:
            draft = DraftReply(self._bot, self._chat_id, reply_to=self._reply_to, interval=self._draft_interval)
            try:
                await draft.open()
            except DraftsUnsupported as exc:
                self._drafts.disable(exc)
            else:  # the old message (if any) goes once the final message is there
                return TelegramAnswer(draft, self.lang, after_send=self.tidy)
        reply = StreamingReply(self._bot, self._chat_id, reply_to=self._reply_to, interval=self._interval,
                               placeholder=t("placeholder", self.lang), pacer=self._pacer,
                               reuse_message_id=self._reuse)
        self._reuse = None
        await reply.open()
        await self.tidy()  # the placeholder is the new message
        return TelegramAnswer(reply, self.lang, group=self._group, group_buttons=self._group_buttons)

    async def status(self, text: str) -> ProgressMessage:
        """A status message that progress updates edit."""
        message = await self._bot.send_message(self._chat_id, text, reply_parameters=self._reply())
        self._pacer.reserve(self._chat_id, self._interval)
        await self.tidy()
        return ProgressMessage(message, self._pacer, self._interval)

    async def tidy(self) -> None:
        """Remove the old notice a late answer replaces (too old to delete: point to the answer below instead)."""
        old, self._tidy_id = self._tidy_id, None
        if old is None:
            return
        try:
            await self._bot.delete_message(self._chat_id, old)
        except TelegramError as exc:  # a bot deletes its messages only within 48 hours; or it is gone already
            log.info("cannot delete message %s in chat %s: %s", old, self._chat_id, exc)
            with contextlib.suppress(TelegramError):
                await self._bot.edit_message_text(t("answer_below", self.lang), chat_id=self._chat_id,
                                                  message_id=old)

    async def download(self, target: Path) -> bool:
        """Download the message's file; False when Telegram refuses it (over the Bot API's 20 MB limit)."""
        if self._file_id is None:
            return False
        try:
            telegram_file = await self._bot.get_file(self._file_id)
            await telegram_file.download_to_drive(target)
        except BadRequest as exc:  # "file is too big": over the Bot API server's download limit
            log.warning("download of %s refused: %s", target.name, exc)
            return False
        return True
