"""The Telegram ``Channel``: replies to one message, streamed answers, status lines, file downloads."""

from __future__ import annotations

import logging
from pathlib import Path

from telegram import Bot, ReplyParameters
from telegram.error import BadRequest

from bot.dialog.answer import Answer
from bot.dialog.notify import Keyboard
from bot.i18n import Lang, t
from bot.telegram.notifier import keyboard
from bot.telegram.render import answer_keyboard, render_answer
from bot.telegram.streaming import ChatPacer, ProgressMessage, StreamingReply

log = logging.getLogger(__name__)


class TelegramAnswer:
    """A streamed answer: the dialog layer's ``AnswerStream`` over ``StreamingReply``."""

    def __init__(self, reply: StreamingReply, lang: Lang) -> None:
        self._reply = reply
        self._lang = lang

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
        await self._reply.close(html_text, plain, answer_keyboard(answer, self._lang))
        return self._reply.message_ids[-1] if self._reply.message_ids else None

    async def fail(self, text: str) -> None:
        """Replace the placeholder with an explanation."""
        await self._reply.close(text, text, None)


class TelegramChannel:
    """Replies to one stored message in its chat."""

    answers_later = True  # a deferred answer arrives as a new message when the model is back

    def __init__(self, bot: Bot, *, chat_id: int, reply_to: int | None, lang: Lang, pacer: ChatPacer,
                 edit_interval_s: float, file_id: str | None = None, reuse_message_id: int | None = None) -> None:
        self.lang = lang
        self._bot = bot
        self._chat_id = chat_id
        self._reply_to = reply_to
        self._pacer = pacer
        self._interval = edit_interval_s
        self._file_id = file_id
        self._reuse = reuse_message_id

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
        return sent.message_id

    async def stream(self) -> TelegramAnswer:
        """Open a streamed answer (placeholder now, edits as text arrives)."""
        reply = StreamingReply(self._bot, self._chat_id, reply_to=self._reply_to, interval=self._interval,
                               placeholder=t("placeholder", self.lang), pacer=self._pacer,
                               reuse_message_id=self._reuse)
        self._reuse = None
        await reply.open()
        return TelegramAnswer(reply, self.lang)

    async def status(self, text: str) -> ProgressMessage:
        """A status message that progress updates edit."""
        message = await self._bot.send_message(self._chat_id, text, reply_parameters=self._reply())
        self._pacer.reserve(self._chat_id, self._interval)
        return ProgressMessage(message, self._pacer, self._interval)

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
