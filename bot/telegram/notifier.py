"""The Telegram implementation of the dialog layer's ``Notifier`` (PTB's bot, through the global rate limiter)."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.dialog.notify import Keyboard
from bot.settings import TelegramSettings

log = logging.getLogger(__name__)


def keyboard(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    """PTB's inline keyboard for rows of ``Button``s (None when there are none)."""
    rows = [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in buttons if row]
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramNotifier:
    """Sends through the application's bot; a Telegram error is logged and reported as None."""

    def __init__(self, bot: Bot, settings: TelegramSettings) -> None:
        self.bot = bot
        self.settings = settings

    async def send(self, chat_id: int, text: str, *, reply_to: int | None = None, buttons: Keyboard = (),
                   html: bool = False) -> int | None:
        """Send a text; the reply link is dropped silently when the original message is gone."""
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        try:
            sent = await self.bot.send_message(chat_id, text, reply_parameters=reply, reply_markup=keyboard(buttons),
                                               parse_mode=ParseMode.HTML if html else None)
        except TelegramError as exc:
            log.warning("could not send to chat %s: %s", chat_id, exc)
            return None
        return sent.message_id

    async def send_file(self, chat_id: int, data: bytes, filename: str, *, caption: str = "",
                        photo: bool = False, buttons: Keyboard = ()) -> int | None:
        """Send a document or a photo with a caption (Telegram cuts captions at 1024 characters)."""
        file = InputFile(data, filename=filename)
        try:
            if photo:
                sent = await self.bot.send_photo(chat_id, file, caption=caption[:1024] or None,
                                                 reply_markup=keyboard(buttons))
            else:
                sent = await self.bot.send_document(chat_id, file, caption=caption[:1024] or None,
                                                    reply_markup=keyboard(buttons))
        except TelegramError as exc:
            log.warning("could not send %s to chat %s: %s", filename, chat_id, exc)
            return None
        return sent.message_id

    async def notify_admins(self, text: str, *, buttons: Keyboard = (), html: bool = False) -> bool:
        """Send to the admin chat, or to each admin privately; True when at least one of them got it."""
        targets = [self.settings.admin_chat_id] if self.settings.admin_chat_id is not None else self.settings.admin_ids
        delivered = False
        for chat_id in targets:
            delivered = await self.send(chat_id, text, buttons=buttons, html=html) is not None or delivered
        return delivered
